//! # relman — an embeddable release-management engine
//!
//! A pure domain core: the documents of the release-management data
//! contract, their validation, and (in later modules) the rules of the
//! release lifecycle, risk scoring, conflict detection, rollout decisions
//! and KPIs. No I/O, no clock reads, no global state: the caller passes
//! everything in, including `now`.
//!
//! ```
//! use relman::{parse, Release, State};
//!
//! let text = r#"{"id": "REL-1", "title": "Checkout 4.2", "kind": "minor",
//!                "state": "planning", "ticket_color": "blue"}"#;
//! let release = parse::<Release>(text)?.document;
//! assert_eq!(release.state, State::Planning);
//! // Fields relman does not know are kept and written back.
//! assert_eq!(release.extra["ticket_color"], "blue");
//! # Ok::<(), relman::Error>(())
//! ```
//!
//! The lifecycle: a dry-run gate report, then a command applied with its
//! audit event (the README's example, on the bundled samples):
//!
//! ```
//! use relman::{apply, check, verify_log, Command, Context, Release, State};
//!
//! let release: Release =
//!     relman::parse(include_str!("../../examples/data/release-major.json"))?.document;
//! let context: Context = relman::parse(include_str!("../../examples/data/context.json"))?.document;
//!
//! let report = check(&release, State::Development, &context);
//! assert!(report.allowed, "{:?}", report.unmet().collect::<Vec<_>>());
//!
//! let advance: Command = relman::parse(
//!     r#"{"command": "advance", "actor": "anna.jansen", "at": "2026-11-16T09:15:00+01:00"}"#,
//! )?
//! .document;
//! let applied = apply(&release, &advance, &context)?;
//! assert_eq!(applied.release.state, State::Development);
//! assert!(verify_log(&applied.release, None).valid);
//! # Ok::<(), relman::Error>(())
//! ```
//!
//! Every error has a stable [`ErrorCode`]; input errors name the JSON path
//! of the problem:
//!
//! ```
//! let err = relman::parse::<relman::Release>(
//!     r#"{"id": "R", "title": "T", "kind": "huge", "state": "planning"}"#,
//! ).unwrap_err();
//! assert_eq!(err.code().as_str(), "invalid_input");
//! assert_eq!(err.path(), Some("kind"));
//! ```

#![deny(clippy::arithmetic_side_effects)]

pub mod foundation;
use foundation::timestamp;
pub use foundation::{error, identity, limits};

pub mod context;
pub mod document;
pub mod engine;
pub mod policy;
pub use engine::{
    agenda, audit, calendar, closure, conflict, keys, kpi, lifecycle, overdue, record, risk,
    rollout, schedule, unauthorized, versions,
};
pub mod output;
pub use output::agenda::{render_cab_agenda, RenderedAgenda};
pub use output::report::{report, Report, ReportGroupBy, ReportOptions};
pub use output::{ics, interop, notes};
pub mod operation;
use operation::structure;
pub use operation::{api, ndjson, schema, validate};

pub use agenda::{cab_agenda, CabAgenda};
pub use audit::{verify_log, verify_log_with, LogVerdict, Tamper, TamperKind};
pub use closure::{closure, Closure};
pub use conflict::{
    detect_conflicts, Conflict, ConflictKind, ConflictReport, PreparedSchedule, Severity,
};
pub use context::{Context, Schedule};
pub use document::*;
pub use error::{Error, ErrorBody, ErrorCode, Problem, Result, Violation, Warning};
pub use ics::{calendar_ics, IcsExport, IcsOptions};
pub use interop::{
    export_servicenow, import_servicenow, import_servicenow_text, ServiceNowExport,
    ServiceNowImport, ServiceNowImportOptions, ServiceNowPatches, ServiceNowTables,
};
pub use keys::Keyring;
pub use kpi::{
    compute_kpis, compute_kpis_with, KpiAccumulator, KpiOptions, KpiReport, KpiSettings,
};
pub use lifecycle::{
    apply, apply_with, check, check_with, Action, Amendment, Applied, ApplyOptions, Command,
    GateReport, GateVerdict, Notification, PreparedContext, Recipient, Requirement,
};
pub use notes::{release_notes, NotesFormat, ReleaseNotes};
pub use overdue::{overdue, OverdueReport};
pub use policy::Policy;
pub use record::{Difference, DifferenceKind};
pub use risk::{
    assess_risk, assess_risk_many, fit_risk_model, Factor, FitOptions, FittedRiskModel,
    RiskAssessment, RiskAssessor, RiskVerdict,
};
pub use rollout::{judge_canary, rollout_step};
pub use schedule::{deployment_order, suggest_slots, DeploymentOrder, SlotSuggestion};
pub use timestamp::Timestamp;
pub use unauthorized::{unauthorized_changes, UnauthorizedReport};
pub use validate::{
    from_value, parse, validate, validate_value, Document, DocumentKind, Parsed, ValidationReport,
};

/// The crate README (core/README.md, the crates.io page), compiled and run
/// as a doctest so its example stays in sync with the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
