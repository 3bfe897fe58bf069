//! The UniFFI surface of relman: the library behind the Swift package
//! `Relman` (and the UniFFI-Python test bindings `relman_uniffi`).
//!
//! The records and enums are relman's own core types, declared to UniFFI
//! as remote types in the generated [`remote`] module (docs/swift.md says
//! which types are typed and which travel as JSON text). Every operation
//! of the data contract (`relman::api::OPERATIONS`) is a throwing function:
//! it builds the `{param: value}` object of `relman::api::call`, calls it
//! and reads the result back into its core type, so parsing, defaults,
//! limits and error paths are the core's. Documents without a UniFFI type
//! (schedules, histories, policies, rollout plans, keyrings, …) are JSON
//! text (`String` in Swift), read with the parameter's name as the error
//! path. [`call_json`] runs any operation on JSON text.
//!
//! Errors are [`RelmanError`], one variant per relman error code; a panic
//! inside relman is caught here and becomes `RelmanError::Internal`.

// `RelmanError` is the FFI contract: UniFFI lowers the variants' fields by
// value, so they cannot be boxed to shrink the `Err` side.
#![allow(clippy::result_large_err)]

pub mod error;
pub mod json;
#[rustfmt::skip] // generated: scripts/gen-swift writes it
pub mod remote;

pub use error::RelmanError;
pub use json::{Count, JsonObject, JsonValue, Timestamp};
pub use remote::*;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

uniffi::setup_scaffolding!();

/// Runs `f`, turning a panic into `RelmanError::Internal`: no panic crosses
/// the FFI boundary.
fn guard<T>(f: impl FnOnce() -> Result<T, RelmanError>) -> Result<T, RelmanError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_string());
            Err(RelmanError::internal(format!("relman panicked: {what}")))
        }
    }
}

/// Parses the JSON text given for parameter `name`: text past the size
/// limit or nested too deep is `limit_exceeded`, malformed text is
/// `invalid_input` at `name` with line and column.
fn parse_text(name: &str, text: &str) -> Result<Value, RelmanError> {
    relman::api::check_param_text(name, text)?;
    serde_json::from_str(text).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            return relman::api::nesting_too_deep(name).into();
        }
        let message = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        let problem = relman::Problem {
            path: name.to_string(),
            message: format!(
                "not JSON text: {}",
                message.strip_suffix(&position).unwrap_or(&message)
            ),
            line: Some(e.line()),
            column: Some(e.column().max(1)),
        };
        relman::Error::InvalidInput {
            problems: vec![problem],
        }
        .into()
    })
}

/// The `{param: value}` object of one call.
#[derive(Default)]
struct Params(Map<String, Value>);

impl Params {
    /// A typed parameter (absent when `None`).
    fn typed<T: Serialize>(mut self, name: &str, value: Option<&T>) -> Result<Self, RelmanError> {
        if let Some(value) = value {
            let value = serde_json::to_value(value).map_err(|e| {
                RelmanError::internal(format!("cannot write parameter `{name}`: {e}"))
            })?;
            self.0.insert(name.to_string(), value);
        }
        Ok(self)
    }

    /// A JSON-text parameter (absent when `None`).
    fn text(mut self, name: &str, text: Option<&str>) -> Result<Self, RelmanError> {
        if let Some(text) = text {
            let value = parse_text(name, text)?;
            self.0.insert(name.to_string(), value);
        }
        Ok(self)
    }

    /// Runs `operation` and reads its result as the core type `T`.
    fn run<T: DeserializeOwned>(self, operation: &str) -> Result<T, RelmanError> {
        let result = relman::api::call(operation, Value::Object(self.0))?;
        serde_path_to_error::deserialize::<_, T>(result).map_err(|e| {
            RelmanError::internal(format!(
                "the result of `{operation}` does not fit its type at `{}`: {}",
                e.path(),
                e.inner()
            ))
        })
    }
}

/// Validates JSON text as a document of `kind`: every structural and
/// semantic problem (with line and column) in the error, warnings in the
/// report.
#[uniffi::export]
pub fn validate(kind: DocumentKind, text: String) -> Result<ValidationReport, RelmanError> {
    guard(|| {
        Params::default()
            .typed("kind", Some(&kind))?
            .typed("text", Some(&text))?
            .run("validate")
    })
}

/// Validates a document of `kind` given as JSON text, reporting paths
/// without line and column (the document as a value, like the other
/// front ends' `validate(kind, document)`).
#[uniffi::export]
pub fn validate_document(
    kind: DocumentKind,
    document: String,
) -> Result<ValidationReport, RelmanError> {
    guard(|| {
        Params::default()
            .typed("kind", Some(&kind))?
            .text("document", Some(&document))?
            .run("validate")
    })
}

/// The gate report of moving `release` to `target`: every requirement, met
/// or not (a dry run; a denial is data, not an error).
///
/// With `keys` (JSON text of the host's keyring) the log is verified as a
/// keyed chain.
#[uniffi::export(default(context = None, keys = None))]
pub fn check(
    release: Release,
    target: ReleaseState,
    context: Option<Context>,
    keys: Option<String>,
) -> Result<GateReport, RelmanError> {
    guard(|| {
        Params::default()
            .typed("release", Some(&release))?
            .typed("target", Some(&target))?
            .typed("context", context.as_ref())?
            .text("keys", keys.as_deref())?
            .run("check")
    })
}

/// Applies a lifecycle command: the new release, its audit events and
/// notifications; `TransitionDenied` (every unmet rule) or `Forbidden`
/// when refused, `Conflict` when the log no longer ends at
/// `expected_head`. With `keys` (JSON text of the host's keyring, never
/// stored) the log is verified with it and the new event keyed with its
/// signing key.
#[uniffi::export(default(context = None, expected_head = None, keys = None))]
pub fn apply(
    release: Release,
    command: Command,
    context: Option<Context>,
    expected_head: Option<String>,
    keys: Option<String>,
) -> Result<Applied, RelmanError> {
    guard(|| {
        Params::default()
            .typed("release", Some(&release))?
            .typed("command", Some(&command))?
            .typed("context", context.as_ref())?
            .typed("expected_head", expected_head.as_ref())?
            .text("keys", keys.as_deref())?
            .run("apply")
    })
}

/// Verifies a release's audit log: the hash chain, and whether the
/// document is what its log yields (`differences`); a broken log is a
/// verdict, not an error.
///
/// With `keys` (JSON text of the host's keyring) every event's MAC or
/// signature is checked: a log rewritten with recomputed hashes is
/// `unauthenticated`.
#[uniffi::export(default(expected_head = None, keys = None))]
pub fn verify_log(
    release: Release,
    expected_head: Option<String>,
    keys: Option<String>,
) -> Result<LogVerdict, RelmanError> {
    guard(|| {
        Params::default()
            .typed("release", Some(&release))?
            .typed("expected_head", expected_head.as_ref())?
            .text("keys", keys.as_deref())?
            .run("verify_log")
    })
}

/// Scores a release's risk with every factor explained.
#[uniffi::export(default(context = None))]
pub fn assess_risk(
    release: Release,
    context: Option<Context>,
) -> Result<RiskAssessment, RelmanError> {
    guard(|| {
        Params::default()
            .typed("release", Some(&release))?
            .typed("context", context.as_ref())?
            .run("assess_risk")
    })
}

/// Scores many releases, given as JSON text each (a host's raw records),
/// against one context: a release that cannot be read or assessed fills
/// its slot with `nil` and an entry of `errors`, so one bad record does not
/// sink the batch.
#[uniffi::export(default(context = None))]
pub fn assess_risk_many(
    releases: Vec<String>,
    context: Option<Context>,
) -> Result<RiskBatch, RelmanError> {
    guard(|| {
        let items = releases
            .iter()
            .enumerate()
            .map(|(i, r)| parse_text(&format!("releases[{i}]"), r))
            .collect::<Result<Vec<Value>, RelmanError>>()?;
        Params::default()
            .typed("releases", Some(&items))?
            .typed("context", context.as_ref())?
            .run("assess_risk_many")
    })
}

/// Fits the risk weights to a release history (JSON text of a `History`);
/// `options` is JSON text of the fit options.
#[uniffi::export(default(options = None, context = None))]
pub fn fit_risk_model(
    history: String,
    options: Option<String>,
    context: Option<Context>,
) -> Result<FittedRiskModel, RelmanError> {
    guard(|| {
        Params::default()
            .text("history", Some(&history))?
            .text("options", options.as_deref())?
            .typed("context", context.as_ref())?
            .run("fit_risk_model")
    })
}

/// Every dependency, CI, calendar and resource conflict of a schedule
/// (JSON text of a `Schedule`).
#[uniffi::export]
pub fn detect_conflicts(schedule: String) -> Result<ConflictReport, RelmanError> {
    guard(|| {
        Params::default()
            .text("schedule", Some(&schedule))?
            .run("detect_conflicts")
    })
}

/// Free deployment slots for `item` (a release or change id of the
/// schedule) from `now` within `horizon_secs`.
#[uniffi::export]
pub fn suggest_slots(
    schedule: String,
    item: String,
    duration_secs: u64,
    now: Timestamp,
    horizon_secs: u64,
    count: u64,
) -> Result<SlotSuggestion, RelmanError> {
    guard(|| {
        Params::default()
            .text("schedule", Some(&schedule))?
            .typed("item", Some(&item))?
            .typed("duration_secs", Some(&duration_secs))?
            .typed("now", Some(&now))?
            .typed("horizon_secs", Some(&horizon_secs))?
            .typed("count", Some(&count))?
            .run("suggest_slots")
    })
}

/// Deployment waves and the critical path of releases by their
/// dependencies; a cycle is `InvalidInput`.
#[uniffi::export]
pub fn deployment_order(releases: Vec<Release>) -> Result<DeploymentOrder, RelmanError> {
    guard(|| {
        Params::default()
            .typed("releases", Some(&releases))?
            .run("deployment_order")
    })
}

/// The next decision of a blue-green or canary rollout. `plan`, `state`,
/// `input` and `policy` are JSON text (`state`: the previous step's
/// `state`, absent at the start).
#[uniffi::export(default(policy = None))]
pub fn rollout_step(
    plan: String,
    state: Option<String>,
    input: String,
    now: Timestamp,
    policy: Option<String>,
) -> Result<RolloutStep, RelmanError> {
    guard(|| {
        Params::default()
            .text("plan", Some(&plan))?
            .text("state", state.as_deref())?
            .text("input", Some(&input))?
            .typed("now", Some(&now))?
            .text("policy", policy.as_deref())?
            .run("rollout_step")
    })
}

/// Compares canary metrics with the baseline (JSON text of sample sets).
#[uniffi::export(default(config = None, policy = None))]
pub fn judge_canary(
    baseline: String,
    canary: String,
    config: Option<String>,
    policy: Option<String>,
) -> Result<CanaryJudgement, RelmanError> {
    guard(|| {
        Params::default()
            .text("baseline", Some(&baseline))?
            .text("canary", Some(&canary))?
            .text("config", config.as_deref())?
            .text("policy", policy.as_deref())?
            .run("judge_canary")
    })
}

/// DORA and ITIL KPIs of a history (JSON text).
#[uniffi::export(default(options = None, policy = None))]
pub fn compute_kpis(
    history: String,
    options: Option<String>,
    policy: Option<String>,
) -> Result<KpiReport, RelmanError> {
    guard(|| {
        Params::default()
            .text("history", Some(&history))?
            .text("options", options.as_deref())?
            .text("policy", policy.as_deref())?
            .run("compute_kpis")
    })
}

/// Release notes in Markdown or HTML.
#[uniffi::export]
pub fn release_notes(release: Release, format: NotesFormat) -> Result<ReleaseNotes, RelmanError> {
    guard(|| {
        Params::default()
            .typed("release", Some(&release))?
            .typed("format", Some(&format))?
            .run("release_notes")
    })
}

/// An iCalendar (.ics) of a schedule's releases, windows and blackouts;
/// `options` is JSON text (`now` required, `time_zone`, `per_change`).
#[uniffi::export]
pub fn calendar_ics(schedule: String, options: String) -> Result<CalendarExport, RelmanError> {
    guard(|| {
        Params::default()
            .text("schedule", Some(&schedule))?
            .text("options", Some(&options))?
            .run("calendar_ics")
    })
}

/// A schedule from ServiceNow Table API records (each a JSON list text).
#[uniffi::export(default(releases = None, cis = None, rels = None, approvals = None))]
pub fn import_servicenow(
    change_requests: String,
    releases: Option<String>,
    cis: Option<String>,
    rels: Option<String>,
    approvals: Option<String>,
) -> Result<ServiceNowImport, RelmanError> {
    guard(|| {
        Params::default()
            .text("change_requests", Some(&change_requests))?
            .text("releases", releases.as_deref())?
            .text("cis", cis.as_deref())?
            .text("rels", rels.as_deref())?
            .text("approvals", approvals.as_deref())?
            .run("import_servicenow")
    })
}

/// Per-record ServiceNow field patches from relman's verdicts (each verdict
/// as the JSON text of the operation's result).
#[uniffi::export(default(risk = None, conflicts = None, gates = None, now = None))]
pub fn export_servicenow(
    schedule: String,
    risk: Option<String>,
    conflicts: Option<String>,
    gates: Option<String>,
    now: Option<Timestamp>,
) -> Result<ServiceNowPatches, RelmanError> {
    guard(|| {
        Params::default()
            .text("schedule", Some(&schedule))?
            .text("risk", risk.as_deref())?
            .text("conflicts", conflicts.as_deref())?
            .text("gates", gates.as_deref())?
            .typed("now", now.as_ref())?
            .run("export_servicenow")
    })
}

/// The JSON Schema (JSON text) of an input or output document by name.
#[uniffi::export]
pub fn schema(name: String) -> Result<JsonValue, RelmanError> {
    guard(|| Params::default().typed("name", Some(&name))?.run("schema"))
}

/// Runs any operation by name on JSON text: `params` is the object keyed by
/// parameter name (a conformance vector's `input`); the result is JSON text.
#[uniffi::export]
pub fn call_json(operation: String, params: String) -> Result<String, RelmanError> {
    guard(|| Ok(relman::api::call_json(&operation, &params)?))
}

/// The names of every operation of the data contract, in the contract's
/// order.
#[uniffi::export]
pub fn operations() -> Vec<String> {
    relman::api::OPERATIONS
        .iter()
        .map(|o| o.name.to_string())
        .collect()
}

/// Test hook: panics inside the library, to show that a panic comes back as
/// `RelmanError.Internal` and never crosses the FFI boundary.
#[uniffi::export]
#[allow(clippy::panic)]
pub fn force_panic() -> Result<(), RelmanError> {
    guard(|| panic!("forced panic (test hook)"))
}

/// A `<type>_from_json` / `<type>_to_json` pair for a core type.
macro_rules! json_pair {
    ($($ty:ident: $from:ident, $to:ident;)*) => {$(
        /// Reads the value from relman's JSON text (as serde reads it; the
        /// operations check documents in full); `InvalidInput` with the path
        /// of the first mismatch.
        #[uniffi::export]
        pub fn $from(json: String) -> Result<$ty, RelmanError> {
            guard(|| json::from_text(&json))
        }

        /// Writes the value as relman's JSON text; `InvalidInput` when a
        /// JSON-text field of the value is not JSON of its type.
        #[uniffi::export]
        pub fn $to(value: $ty) -> Result<String, RelmanError> {
            Ok(json::to_text(&value))
        }
    )*};
}

json_pair! {
    Release: release_from_json, release_to_json;
    Command: command_from_json, command_to_json;
    Amendment: amendment_from_json, amendment_to_json;
    Approval: approval_from_json, approval_to_json;
    TestRun: test_run_from_json, test_run_to_json;
    Context: context_from_json, context_to_json;
    ValidationReport: validation_report_from_json, validation_report_to_json;
    GateReport: gate_report_from_json, gate_report_to_json;
    Applied: applied_from_json, applied_to_json;
    LogVerdict: log_verdict_from_json, log_verdict_to_json;
    RiskAssessment: risk_assessment_from_json, risk_assessment_to_json;
    RiskBatch: risk_batch_from_json, risk_batch_to_json;
    FittedRiskModel: fitted_risk_model_from_json, fitted_risk_model_to_json;
    ConflictReport: conflict_report_from_json, conflict_report_to_json;
    SlotSuggestion: slot_suggestion_from_json, slot_suggestion_to_json;
    DeploymentOrder: deployment_order_from_json, deployment_order_to_json;
    RolloutStep: rollout_step_from_json, rollout_step_to_json;
    CanaryJudgement: canary_judgement_from_json, canary_judgement_to_json;
    KpiReport: kpi_report_from_json, kpi_report_to_json;
    ReleaseNotes: release_notes_from_json, release_notes_to_json;
    CalendarExport: calendar_export_from_json, calendar_export_to_json;
    ServiceNowImport: service_now_import_from_json, service_now_import_to_json;
    ServiceNowPatches: service_now_patches_from_json, service_now_patches_to_json;
}
