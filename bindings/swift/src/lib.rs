//! The UniFFI surface of relman: the library behind the Swift package
//! `Relman` (and the UniFFI-Python test bindings `relman_uniffi`).
//!
//! The records and enums are relman's own core types, declared to UniFFI
//! as remote types in the generated [`remote`] module (docs/swift.md says
//! which types are typed and which travel as JSON text). Every operation
//! of the data contract is a throwing function generated from
//! `relman::api::catalog()` into [`ops`]: it builds the `{param: value}`
//! object of `relman::api::call`, calls it and reads the result back into
//! its core type, so parsing, defaults, limits and error paths are the
//! core's. Documents without a UniFFI type (schedules, histories, policies,
//! rollout plans, keyrings, …) are JSON text (`String` in Swift), read with
//! the parameter's name as the error path. [`call_json`] runs any
//! operation on JSON text.
//!
//! Errors are [`RelmanError`], one variant per relman error code; a panic
//! inside relman is caught here and becomes `RelmanError::Internal`.

// `RelmanError` is the FFI contract: UniFFI lowers the variants' fields by
// value, so they cannot be boxed to shrink the `Err` side.
#![allow(clippy::result_large_err)]

pub mod documents;
pub mod error;
pub mod json;
pub mod prepared_context;
pub mod prepared_schedule;
pub mod risk_assessor;
#[rustfmt::skip] // generated: scripts/gen-swift writes it
pub mod ops;
#[rustfmt::skip] // generated: scripts/gen-swift writes it
pub mod remote;

pub use documents::{assess_risk_document, check_document, ContextDocument, ReleaseDocument};
pub use error::RelmanError;
pub use json::{Count, JsonObject, JsonValue, Timestamp};
pub use ops::*;
pub use prepared_schedule::PreparedSchedule;
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

/// The `{param: value}` object of one call (the generated exports of
/// [`ops`] build it).
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

    /// A parameter given as a list of JSON texts (absent when `None`), each
    /// parsed with its index in the path (`releases[1]`).
    fn texts(mut self, name: &str, texts: Option<&[String]>) -> Result<Self, RelmanError> {
        if let Some(texts) = texts {
            let items = texts
                .iter()
                .enumerate()
                .map(|(i, t)| parse_text(&format!("{name}[{i}]"), t))
                .collect::<Result<Vec<Value>, RelmanError>>()?;
            self.0.insert(name.to_string(), Value::Array(items));
        }
        Ok(self)
    }

    /// Runs `operation` and reads its result as the core type `T`.
    fn run<T: DeserializeOwned>(self, operation: &str) -> Result<T, RelmanError> {
        typed_result(
            operation,
            relman::api::call(operation, Value::Object(self.0))?,
        )
    }
}

/// The result of `operation` as its typed record.
fn typed_result<T: DeserializeOwned>(operation: &str, result: Value) -> Result<T, RelmanError> {
    serde_path_to_error::deserialize::<_, T>(result).map_err(|e| {
        RelmanError::internal(format!(
            "the result of `{operation}` does not fit its type at `{}`: {}",
            e.path(),
            e.inner()
        ))
    })
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
    UnauthorizedReport: unauthorized_report_from_json, unauthorized_report_to_json;
    OverdueReport: overdue_report_from_json, overdue_report_to_json;
    ReleaseNotes: release_notes_from_json, release_notes_to_json;
    CalendarExport: calendar_export_from_json, calendar_export_to_json;
    HtmlReport: html_report_from_json, html_report_to_json;
    ServiceNowImport: service_now_import_from_json, service_now_import_to_json;
    ServiceNowPatches: service_now_patches_from_json, service_now_patches_to_json;
    ActorRecord: actor_record_from_json, actor_record_to_json;
}
