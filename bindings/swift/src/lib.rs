//! The UniFFI surface of relman: the library behind the Swift package
//! `Relman` (and the UniFFI-Python test bindings `relman_uniffi`).
//!
//! Every operation of the data contract (SPEC §8; `relman::api::OPERATIONS`)
//! is a throwing function taking and returning typed records
//! ([`records`]); each builds the `{param: value}` object of
//! `relman::api::call`, calls it and converts the result back, so parsing,
//! defaults and error paths are the core's. Documents without a typed
//! record here (schedules, histories, policies, rollout plans, …) are JSON
//! text (`String` in Swift), checked with the parameter's name as the error
//! path. Every record has a `<type>_from_json` / `<type>_to_json` pair
//! (Swift: `releaseFromJson(json:)`, `releaseToJson(value:)`), and
//! [`call_json`] runs any operation on JSON text.
//!
//! Errors are [`RelmanError`], one variant per relman error code; a panic
//! inside relman is caught here and becomes `RelmanError::Internal`.

// `RelmanError` is the FFI contract: UniFFI lowers the variants' fields by
// value, so they cannot be boxed to shrink the `Err` side.
#![allow(clippy::result_large_err)]

pub mod error;
pub mod json;
pub mod records;

pub use error::RelmanError;
pub use json::{JsonObject, JsonValue, Timestamp};
pub use records::*;

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

/// `base` and `path` joined as a JSON path.
fn join(base: &str, path: &str) -> String {
    match (base.is_empty(), path.is_empty() || path == ".") {
        (_, true) => base.to_string(),
        (true, false) => path.to_string(),
        (false, false) if path.starts_with('[') => format!("{base}{path}"),
        (false, false) => format!("{base}.{path}"),
    }
}

/// Parses JSON text given for `path`: malformed text is `invalid_input` at
/// `path` with line and column; text nested too deep is `limit_exceeded`.
fn parse_text(path: &str, text: &str) -> Result<Value, RelmanError> {
    // Only text has a size; `api::call` applies the other limits.
    relman::api::check_param_text(path, text)?;
    serde_json::from_str(text).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            relman::api::nesting_too_deep(path).into()
        } else {
            RelmanError::from(relman::Error::InvalidInput {
                problems: vec![relman::Problem {
                    path: path.to_string(),
                    message: format!("not JSON text: {}", without_position(&e)),
                    line: Some(e.line()),
                    column: Some(e.column().max(1)),
                }],
            })
        }
    })
}

/// serde_json's message without its trailing ` at line L column C` (the
/// problem carries line and column as fields).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

/// A typed value to JSON for parameter `name`; a record field holding bad
/// JSON text is `invalid_input` at its path.
fn to_value<T: Serialize>(name: &str, value: &T) -> Result<Value, RelmanError> {
    serde_path_to_error::serialize(value, serde_json::value::Serializer).map_err(|e| {
        let path = join(name, &e.path().to_string());
        RelmanError::invalid_input(path, e.inner().to_string())
    })
}

/// A typed value from JSON; `invalid_input` at the path of the first
/// mismatch (a missing field's path names the field).
fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, RelmanError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let mut path = join("", &e.path().to_string());
        let message = e.inner().to_string();
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|s| s.strip_suffix('`'))
        {
            path = join(&path, field);
        }
        RelmanError::invalid_input(path, message)
    })
}

/// `<type>_from_json`: JSON text to a record.
fn decode<T: DeserializeOwned>(json: &str) -> Result<T, RelmanError> {
    from_value(parse_text("", json)?)
}

/// `<type>_to_json`: a record to JSON text.
fn encode<T: Serialize>(value: &T) -> Result<String, RelmanError> {
    Ok(to_value("", value)?.to_string())
}

/// The `{param: value}` object of one call.
#[derive(Default)]
struct Params(Map<String, Value>);

impl Params {
    /// A typed parameter.
    fn typed<T: Serialize>(mut self, name: &str, value: &T) -> Result<Self, RelmanError> {
        let value = to_value(name, value)?;
        self.0.insert(name.to_string(), value);
        Ok(self)
    }

    /// An optional typed parameter.
    fn typed_opt<T: Serialize>(self, name: &str, value: Option<&T>) -> Result<Self, RelmanError> {
        match value {
            Some(v) => self.typed(name, v),
            None => Ok(self),
        }
    }

    /// A JSON-text parameter.
    fn text(mut self, name: &str, text: &JsonValue) -> Result<Self, RelmanError> {
        let value = parse_text(name, &text.0)?;
        self.0.insert(name.to_string(), value);
        Ok(self)
    }

    /// An optional JSON-text parameter.
    fn text_opt(self, name: &str, text: Option<&JsonValue>) -> Result<Self, RelmanError> {
        match text {
            Some(t) => self.text(name, t),
            None => Ok(self),
        }
    }

    /// Runs `operation` and converts its result to `T`.
    fn run<T: DeserializeOwned>(self, operation: &str) -> Result<T, RelmanError> {
        let result = relman::api::call(operation, Value::Object(self.0))?;
        serde_path_to_error::deserialize::<_, T>(result).map_err(|e| {
            RelmanError::internal(format!(
                "the result of `{operation}` does not fit its record at `{}`: {}",
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
        let mut p = Params::default().typed("kind", &kind)?;
        p.0.insert("text".to_string(), Value::String(text));
        p.run("validate")
    })
}

/// Validates a document of `kind` given as JSON text, reporting paths
/// without line and column (the document as a value, like the other
/// front ends' `validate(kind, document)`).
#[uniffi::export]
pub fn validate_document(
    kind: DocumentKind,
    document: JsonValue,
) -> Result<ValidationReport, RelmanError> {
    guard(|| {
        Params::default()
            .typed("kind", &kind)?
            .text("document", &document)?
            .run("validate")
    })
}

/// The gate report of moving `release` to `target`: every requirement, met
/// or not (a dry run; a denial is data, not an error).
///
/// With `keys` (the host's keyring) the log is verified as a keyed chain.
#[uniffi::export(default(context = None, keys = None))]
pub fn check(
    release: Release,
    target: ReleaseState,
    context: Option<Context>,
    keys: Option<Keyring>,
) -> Result<GateReport, RelmanError> {
    guard(|| {
        Params::default()
            .typed("release", &release)?
            .typed("target", &target)?
            .typed_opt("context", context.as_ref())?
            .typed_opt("keys", keys.as_ref())?
            .run("check")
    })
}

/// Applies a lifecycle command: the new release, its audit events and
/// notifications; `TransitionDenied` (every unmet rule) or `Forbidden`
/// when refused, `Conflict` when the log no longer ends at
/// `expected_head`. With `keys` (the host's keyring, never stored) the log
/// is verified with it and the new event keyed with its signing key.
#[uniffi::export(default(context = None, expected_head = None, keys = None))]
pub fn apply(
    release: Release,
    command: Command,
    context: Option<Context>,
    expected_head: Option<String>,
    keys: Option<Keyring>,
) -> Result<Applied, RelmanError> {
    guard(|| {
        Params::default()
            .typed("release", &release)?
            .typed("command", &command)?
            .typed_opt("context", context.as_ref())?
            .typed_opt("expected_head", expected_head.as_ref())?
            .typed_opt("keys", keys.as_ref())?
            .run("apply")
    })
}

/// A command from its fields, read as relman reads a command document (so
/// a value relman refuses is `InvalidInput` here already), kept as written.
fn command_of(fields: Map<String, Value>) -> Result<Command, RelmanError> {
    let value = Value::Object(fields);
    relman::from_value::<relman::Command>(value.clone())?;
    from_value(value)
}

/// The fields every command has.
fn command_head(name: &str, actor: String, at: &Timestamp) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("command".to_string(), Value::String(name.to_string()));
    fields.insert("actor".to_string(), Value::String(actor));
    fields.insert("at".to_string(), Value::String(at.0.clone()));
    fields
}

/// Builds an `amend` command: `set` holds the new values of the sealed
/// fields (those left `None` keep theirs), `reason` says why. Pass it to
/// `apply`; after the first event a sealed field changes only this way.
#[uniffi::export]
pub fn amend_command(
    actor: String,
    at: Timestamp,
    reason: String,
    set: Amendment,
) -> Result<Command, RelmanError> {
    guard(|| {
        let mut fields = command_head("amend", actor, &at);
        fields.insert("reason".to_string(), Value::String(reason));
        fields.insert("set".to_string(), to_value("set", &set)?);
        command_of(fields)
    })
}

/// Builds an `import` command: facts from another system (`source`, with
/// its record ids) that relman vouches for — votes (in approval), test
/// runs (in development or testing) and/or `adopt`, which seals the
/// release as it stands. Pass it to `apply`.
#[uniffi::export(default(records = [], approvals = [], tests = [], adopt = false))]
pub fn import_command(
    actor: String,
    at: Timestamp,
    source: String,
    records: Vec<String>,
    approvals: Vec<Approval>,
    tests: Vec<TestRun>,
    adopt: bool,
) -> Result<Command, RelmanError> {
    guard(|| {
        let mut fields = command_head("import", actor, &at);
        fields.insert("source".to_string(), Value::String(source));
        if !records.is_empty() {
            fields.insert("records".to_string(), to_value("records", &records)?);
        }
        if !approvals.is_empty() {
            fields.insert("approvals".to_string(), to_value("approvals", &approvals)?);
        }
        if !tests.is_empty() {
            fields.insert("tests".to_string(), to_value("tests", &tests)?);
        }
        if adopt {
            fields.insert("adopt".to_string(), Value::Bool(true));
        }
        command_of(fields)
    })
}

/// Verifies a release's audit log: the hash chain, and whether the
/// document is what its log yields (`differences`); a broken log is a
/// verdict, not an error.
///
/// With `keys` (the host's keyring) every event's MAC or signature is
/// checked: a log rewritten with recomputed hashes is `unauthenticated`.
#[uniffi::export(default(expected_head = None, keys = None))]
pub fn verify_log(
    release: Release,
    expected_head: Option<String>,
    keys: Option<Keyring>,
) -> Result<LogVerdict, RelmanError> {
    guard(|| {
        Params::default()
            .typed("release", &release)?
            .typed_opt("expected_head", expected_head.as_ref())?
            .typed_opt("keys", keys.as_ref())?
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
            .typed("release", &release)?
            .typed_opt("context", context.as_ref())?
            .run("assess_risk")
    })
}

/// Scores many releases, given as JSON text each (a host's raw records),
/// against one context: a release that cannot be read or assessed fills
/// its slot with `nil` and an entry of `errors`, so one bad record does not
/// sink the batch.
#[uniffi::export(default(context = None))]
pub fn assess_risk_many(
    releases: Vec<JsonValue>,
    context: Option<Context>,
) -> Result<RiskBatch, RelmanError> {
    guard(|| {
        let items = releases
            .iter()
            .enumerate()
            .map(|(i, r)| parse_text(&format!("releases[{i}]"), &r.0))
            .collect::<Result<Vec<Value>, RelmanError>>()?;
        let mut p = Params::default().typed_opt("context", context.as_ref())?;
        p.0.insert("releases".to_string(), Value::Array(items));
        p.run("assess_risk_many")
    })
}

/// Fits the risk weights to a release history (JSON text of a `History`);
/// `options` is JSON text of the fit options.
#[uniffi::export(default(options = None, context = None))]
pub fn fit_risk_model(
    history: JsonValue,
    options: Option<JsonValue>,
    context: Option<Context>,
) -> Result<FittedRiskModel, RelmanError> {
    guard(|| {
        Params::default()
            .text("history", &history)?
            .text_opt("options", options.as_ref())?
            .typed_opt("context", context.as_ref())?
            .run("fit_risk_model")
    })
}

/// Every dependency, CI, calendar and resource conflict of a schedule
/// (JSON text of a `Schedule`).
#[uniffi::export]
pub fn detect_conflicts(schedule: JsonValue) -> Result<ConflictReport, RelmanError> {
    guard(|| {
        Params::default()
            .text("schedule", &schedule)?
            .run("detect_conflicts")
    })
}

/// Free deployment slots for `item` (a release or change id of the
/// schedule) from `now` within `horizon_secs`.
#[uniffi::export]
pub fn suggest_slots(
    schedule: JsonValue,
    item: String,
    duration_secs: u64,
    now: Timestamp,
    horizon_secs: u64,
    count: u64,
) -> Result<SlotSuggestion, RelmanError> {
    guard(|| {
        Params::default()
            .text("schedule", &schedule)?
            .typed("item", &item)?
            .typed("duration_secs", &duration_secs)?
            .typed("now", &now)?
            .typed("horizon_secs", &horizon_secs)?
            .typed("count", &count)?
            .run("suggest_slots")
    })
}

/// Deployment waves and the critical path of releases by their
/// dependencies; a cycle is `InvalidInput`.
#[uniffi::export]
pub fn deployment_order(releases: Vec<Release>) -> Result<DeploymentOrder, RelmanError> {
    guard(|| {
        Params::default()
            .typed("releases", &releases)?
            .run("deployment_order")
    })
}

/// The next decision of a blue-green or canary rollout. `plan`, `state`,
/// `input` and `policy` are JSON text (`state`: the previous step's
/// `state`, absent at the start).
#[uniffi::export(default(policy = None))]
pub fn rollout_step(
    plan: JsonValue,
    state: Option<JsonValue>,
    input: JsonValue,
    now: Timestamp,
    policy: Option<JsonValue>,
) -> Result<RolloutStep, RelmanError> {
    guard(|| {
        Params::default()
            .text("plan", &plan)?
            .text_opt("state", state.as_ref())?
            .text("input", &input)?
            .typed("now", &now)?
            .text_opt("policy", policy.as_ref())?
            .run("rollout_step")
    })
}

/// Compares canary metrics with the baseline (JSON text of sample sets).
#[uniffi::export(default(config = None, policy = None))]
pub fn judge_canary(
    baseline: JsonValue,
    canary: JsonValue,
    config: Option<JsonValue>,
    policy: Option<JsonValue>,
) -> Result<CanaryJudgement, RelmanError> {
    guard(|| {
        Params::default()
            .text("baseline", &baseline)?
            .text("canary", &canary)?
            .text_opt("config", config.as_ref())?
            .text_opt("policy", policy.as_ref())?
            .run("judge_canary")
    })
}

/// DORA and ITIL KPIs of a history (JSON text).
#[uniffi::export(default(options = None, policy = None))]
pub fn compute_kpis(
    history: JsonValue,
    options: Option<JsonValue>,
    policy: Option<JsonValue>,
) -> Result<KpiReport, RelmanError> {
    guard(|| {
        Params::default()
            .text("history", &history)?
            .text_opt("options", options.as_ref())?
            .text_opt("policy", policy.as_ref())?
            .run("compute_kpis")
    })
}

/// Release notes in Markdown or HTML.
#[uniffi::export]
pub fn release_notes(release: Release, format: NotesFormat) -> Result<ReleaseNotes, RelmanError> {
    guard(|| {
        Params::default()
            .typed("release", &release)?
            .typed("format", &format)?
            .run("release_notes")
    })
}

/// An iCalendar (.ics) of a schedule's releases, windows and blackouts;
/// `options` is JSON text (`now` required, `time_zone`, `per_change`).
#[uniffi::export]
pub fn calendar_ics(
    schedule: JsonValue,
    options: JsonValue,
) -> Result<CalendarExport, RelmanError> {
    guard(|| {
        Params::default()
            .text("schedule", &schedule)?
            .text("options", &options)?
            .run("calendar_ics")
    })
}

/// A schedule from ServiceNow Table API records (each a JSON list text).
#[uniffi::export(default(releases = None, cis = None, rels = None, approvals = None))]
pub fn import_servicenow(
    change_requests: JsonValue,
    releases: Option<JsonValue>,
    cis: Option<JsonValue>,
    rels: Option<JsonValue>,
    approvals: Option<JsonValue>,
) -> Result<ServiceNowImport, RelmanError> {
    guard(|| {
        Params::default()
            .text("change_requests", &change_requests)?
            .text_opt("releases", releases.as_ref())?
            .text_opt("cis", cis.as_ref())?
            .text_opt("rels", rels.as_ref())?
            .text_opt("approvals", approvals.as_ref())?
            .run("import_servicenow")
    })
}

/// Per-record ServiceNow field patches from relman's verdicts (each verdict
/// as the JSON text of the operation's result).
#[uniffi::export(default(risk = None, conflicts = None, gates = None, now = None))]
pub fn export_servicenow(
    schedule: JsonValue,
    risk: Option<JsonValue>,
    conflicts: Option<JsonValue>,
    gates: Option<JsonValue>,
    now: Option<Timestamp>,
) -> Result<ServiceNowPatches, RelmanError> {
    guard(|| {
        Params::default()
            .text("schedule", &schedule)?
            .text_opt("risk", risk.as_ref())?
            .text_opt("conflicts", conflicts.as_ref())?
            .text_opt("gates", gates.as_ref())?
            .typed_opt("now", now.as_ref())?
            .run("export_servicenow")
    })
}

/// The JSON Schema (JSON text) of an input or output document by name.
#[uniffi::export]
pub fn schema(name: String) -> Result<JsonValue, RelmanError> {
    guard(|| {
        let value: Value = Params::default().typed("name", &name)?.run("schema")?;
        Ok(JsonValue::of(&value))
    })
}

/// Runs any operation by name on JSON text: `params` is the object keyed by
/// parameter name (a conformance vector's `input`); the result is JSON text.
#[uniffi::export]
pub fn call_json(operation: String, params: String) -> Result<String, RelmanError> {
    guard(|| Ok(relman::api::call_json(&operation, &params)?))
}

/// The names of every operation of the data contract, in the SPEC's order.
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

/// A `<type>_from_json` / `<type>_to_json` pair for a record.
macro_rules! json_pair {
    ($($ty:ident: $from:ident, $to:ident;)*) => {$(
        /// Reads the record from relman's JSON text; `InvalidInput` with the
        /// path of the first mismatch.
        #[uniffi::export]
        pub fn $from(json: String) -> Result<$ty, RelmanError> {
            guard(|| decode(&json))
        }

        /// Writes the record as relman's JSON text (`extra_json` merged back);
        /// `InvalidInput` when a JSON-text field is not JSON.
        #[uniffi::export]
        pub fn $to(value: $ty) -> Result<String, RelmanError> {
            guard(|| encode(&value))
        }
    )*};
}

/// Reads the host's keyring for keyed audit chains from its JSON text
/// (`keys`, `signing_key`, `adopt_unkeyed`); `InvalidInput` with the path
/// of the first problem, never quoting a secret. There is no `to_json`:
/// relman never writes keys.
#[uniffi::export]
pub fn keyring_from_json(json: String) -> Result<Keyring, RelmanError> {
    guard(|| {
        relman::Keyring::from_json(&json)?;
        decode(&json)
    })
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
