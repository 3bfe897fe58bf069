//! The Node.js binding of relman (napi-rs).
//!
//! Thin by design: every function converts its JavaScript arguments to the
//! `serde_json::Value` params object of [`relman::api::call`] (keyed by the
//! parameter names of [`relman::api::OPERATIONS`]), runs the operation and
//! converts the result back to plain objects with the data contract's
//! snake_case keys. No domain logic lives here.
//!
//! - Functions are the camelCase operation names, parameters positional in
//!   the table's order; `suggestSlots`, `importServicenow` and
//!   `exportServicenow` take one object keyed by parameter name instead.
//! - Errors are JS `Error`s with the relman `code` and, where they apply,
//!   `path`, `problems`, `rule`, `violations`, `report`, `line`, `column`.
//! - Every entry point runs under `catch_unwind`: a panic becomes an `Error`
//!   with code `internal`, never an abort.
//! - `computeKpisAsync`, `detectConflictsAsync`, `fitRiskModelAsync` and
//!   `assessRiskManyAsync` run on the libuv thread pool and return Promises.

mod convert;

use convert::{from_js, to_js};
use napi::bindgen_prelude::{AsyncTask, JsObjectValue, JsValue, Unknown};
use napi::{Env, ScopedTask, Status};
use napi_derive::napi;
use serde_json::{Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Converts the given arguments into the params object of `operation`.
fn params(env: &Env, args: Vec<(&'static str, Option<Unknown<'_>>)>) -> relman::Result<Value> {
    let mut map = Map::new();
    for (name, arg) in args {
        if let Some(arg) = arg {
            let value = from_js(env, arg, 0).map_err(|e| e.into_error(name))?;
            if !value.is_null() {
                map.insert(name.to_string(), value);
            }
        }
    }
    Ok(Value::Object(map))
}

/// The message of a caught panic.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string());
    format!("relman panicked (a bug; please report it): {detail}")
}

/// Builds the JS `Error` of a relman error: the message, `code` and every
/// other field of the shared error form that applies.
fn js_error(env: &Env, error: &relman::Error) -> napi::Error {
    let body = match serde_json::to_value(error.to_body()) {
        Ok(Value::Object(body)) => body,
        _ => Map::new(),
    };
    let built = (|| -> napi::Result<Unknown<'_>> {
        let mut object =
            env.create_error(napi::Error::new(Status::GenericFailure, error.to_string()))?;
        for (key, value) in &body {
            if key != "message" {
                object.set_named_property(key, to_js(env, value)?)?;
            }
        }
        Ok(object.to_unknown())
    })();
    match built {
        Ok(object) => napi::Error::from(object),
        Err(e) => e,
    }
}

/// Runs `work` under `catch_unwind`, turning a relman error or a panic into
/// a thrown JS `Error`.
fn guarded<'e>(
    env: &'e Env,
    work: impl FnOnce() -> relman::Result<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(js_error(env, &error)),
        Err(payload) => Err(js_error(
            env,
            &relman::Error::internal(panic_message(payload.as_ref())),
        )),
    }
}

fn output<'e>(env: &'e Env, value: &Value) -> relman::Result<Unknown<'e>> {
    to_js(env, value)
        .map_err(|e| relman::Error::internal(format!("cannot build the JavaScript result: {e}")))
}

/// Runs `operation` with positional arguments named by the table.
fn run<'e>(
    env: &'e Env,
    operation: &'static str,
    args: Vec<(&'static str, Option<Unknown<'e>>)>,
) -> napi::Result<Unknown<'e>> {
    guarded(env, || {
        let result = relman::api::call(operation, params(env, args)?)?;
        output(env, &result)
    })
}

/// Runs `operation` with one object keyed by parameter name.
fn run_object<'e>(
    env: &'e Env,
    operation: &'static str,
    object: Unknown<'e>,
) -> napi::Result<Unknown<'e>> {
    guarded(env, || {
        let params = from_js(env, object, 0).map_err(|e| e.into_error(""))?;
        let result = relman::api::call(operation, params)?;
        output(env, &result)
    })
}

/// An operation run on the libuv thread pool (the `…Async` functions).
pub struct OperationTask {
    operation: &'static str,
    params: Result<Value, relman::Error>,
}

impl OperationTask {
    fn new(
        env: &Env,
        operation: &'static str,
        args: Vec<(&'static str, Option<Unknown<'_>>)>,
    ) -> Self {
        let params = catch_unwind(AssertUnwindSafe(|| params(env, args)))
            .unwrap_or_else(|p| Err(relman::Error::internal(panic_message(p.as_ref()))));
        OperationTask { operation, params }
    }
}

impl<'task> ScopedTask<'task> for OperationTask {
    type Output = Result<Value, relman::Error>;
    type JsValue = Unknown<'task>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let params = std::mem::replace(&mut self.params, Ok(Value::Null));
        let operation = self.operation;
        Ok(catch_unwind(AssertUnwindSafe(move || {
            if operation == FORCED_PANIC {
                forced_panic();
            }
            relman::api::call(operation, params?)
        }))
        .unwrap_or_else(|p| Err(relman::Error::internal(panic_message(p.as_ref())))))
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        guarded(env, || self::output(env, &output?))
    }
}

const FORCED_PANIC: &str = "_force_panic";

/// The deliberate panic of the `_forcePanic` test hooks.
#[allow(clippy::panic)] // the point of the hook: prove panics become errors
fn forced_panic() -> ! {
    panic!("forced panic (test hook)")
}

/// One parameter of an operation, as `operations()` lists it.
#[napi(object)]
pub struct ParamInfo {
    /// The parameter name (the key in objects and vectors).
    pub name: String,
    /// Whether the operation fails without it.
    pub required: bool,
}

/// One operation of the data contract, as `operations()` lists it.
#[napi(object)]
pub struct OperationInfo {
    /// The snake_case name (`relman::api`, conformance vectors).
    pub name: String,
    /// The name of its function in this package (camelCase).
    pub function: String,
    /// Its parameters, in positional order.
    pub params: Vec<ParamInfo>,
    /// Whether the function takes one object keyed by parameter name
    /// instead of positional arguments.
    pub takes_object: bool,
    /// What it does, in one line.
    pub summary: String,
}

const OBJECT_OPERATIONS: &[&str] = &["suggest_slots", "import_servicenow", "export_servicenow"];

fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Every operation of the data contract (`relman::api::OPERATIONS`) with
/// the name of its function here.
#[napi]
pub fn operations() -> Vec<OperationInfo> {
    relman::api::OPERATIONS
        .iter()
        .map(|op| OperationInfo {
            name: op.name.to_string(),
            function: camel_case(op.name),
            params: op
                .params
                .iter()
                .map(|p| ParamInfo {
                    name: p.name.to_string(),
                    required: p.required,
                })
                .collect(),
            takes_object: OBJECT_OPERATIONS.contains(&op.name),
            summary: op.summary.to_string(),
        })
        .collect()
}

/// Whether `value` is an error thrown by relman (an `Error` with a relman
/// error `code`).
#[napi(
    ts_args_type = "value: unknown",
    ts_return_type = "value is RelmanError"
)]
pub fn is_relman_error(value: Unknown<'_>) -> bool {
    let code = (|| -> napi::Result<Option<String>> {
        if !value.is_error()? {
            return Ok(None);
        }
        let object = napi::bindgen_prelude::Object::from_unknown(value)?;
        object.get_named_property::<Option<String>>("code")
    })();
    code.ok()
        .flatten()
        .is_some_and(|code| relman::ErrorCode::ALL.iter().any(|c| c.as_str() == code))
}

use napi::bindgen_prelude::FromNapiValue;

/// Test hook: panics inside a guarded entry point; must throw an `Error`
/// with code `internal`.
#[napi(js_name = "_forcePanic", ts_return_type = "never")]
pub fn force_panic(env: &Env) -> napi::Result<Unknown<'_>> {
    guarded(env, || forced_panic())
}

/// Test hook: panics on the thread pool; the Promise must reject with an
/// `Error` with code `internal`.
#[napi(js_name = "_forcePanicAsync", ts_return_type = "Promise<never>")]
pub fn force_panic_async() -> AsyncTask<OperationTask> {
    AsyncTask::new(OperationTask {
        operation: FORCED_PANIC,
        params: Ok(Value::Null),
    })
}

/// Validates a document of `kind` given as a value (`document`) or as JSON
/// text (`text`); lists every problem.
#[napi(
    ts_args_type = "kind: DocumentKind, document?: unknown, text?: string | null",
    ts_return_type = "ValidationReport"
)]
pub fn validate<'e>(
    env: &'e Env,
    kind: Unknown<'e>,
    document: Option<Unknown<'e>>,
    text: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "validate",
        vec![("kind", Some(kind)), ("document", document), ("text", text)],
    )
}

/// The gate report of moving a release to `target` (a dry run); with
/// `keys` (the host's keyring) the log is verified as a keyed chain.
#[napi(
    ts_args_type = "release: In<Release>, target: State, context?: In<Context> | null, keys?: In<KeyringSpec> | null",
    ts_return_type = "GateReport"
)]
pub fn check<'e>(
    env: &'e Env,
    release: Unknown<'e>,
    target: Unknown<'e>,
    context: Option<Unknown<'e>>,
    keys: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "check",
        vec![
            ("release", Some(release)),
            ("target", Some(target)),
            ("context", context),
            ("keys", keys),
        ],
    )
}

/// Applies a lifecycle command (`amend` and `import` included): the new
/// release with its audit event; throws `transition_denied` (with
/// `violations` and `report`), `forbidden` (with `rule`), `log_tampered`
/// (with `path`, e.g. `approvals[2]`) or `conflict` (with `expected` and
/// `found`: the log no longer ends at `expectedHead`). With `keys` (the
/// host's keyring, never stored) the log is verified with it and the new
/// event keyed with its `signing_key`.
#[napi(
    ts_args_type = "release: In<Release>, command: In<Command>, context?: In<Context> | null, expectedHead?: string | null, keys?: In<KeyringSpec> | null",
    ts_return_type = "Applied"
)]
pub fn apply<'e>(
    env: &'e Env,
    release: Unknown<'e>,
    command: Unknown<'e>,
    context: Option<Unknown<'e>>,
    expected_head: Option<Unknown<'e>>,
    keys: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "apply",
        vec![
            ("release", Some(release)),
            ("command", Some(command)),
            ("context", context),
            ("expected_head", expected_head),
            ("keys", keys),
        ],
    )
}

/// Verifies a release's audit log: the hash chain, and every field where
/// the document differs from what its log yields (`differences`); with
/// `keys` every event's MAC or signature too (a rewritten log is
/// `unauthenticated`).
#[napi(
    ts_args_type = "release: In<Release>, expectedHead?: string | null, keys?: In<KeyringSpec> | null",
    ts_return_type = "LogVerdict"
)]
pub fn verify_log<'e>(
    env: &'e Env,
    release: Unknown<'e>,
    expected_head: Option<Unknown<'e>>,
    keys: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "verify_log",
        vec![
            ("release", Some(release)),
            ("expected_head", expected_head),
            ("keys", keys),
        ],
    )
}

/// Scores a release's risk with every factor explained.
#[napi(
    ts_args_type = "release: In<Release>, context?: In<Context> | null",
    ts_return_type = "RiskAssessment"
)]
pub fn assess_risk<'e>(
    env: &'e Env,
    release: Unknown<'e>,
    context: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "assess_risk",
        vec![("release", Some(release)), ("context", context)],
    )
}

/// Scores many releases against one context; one result or error per
/// release.
#[napi(
    ts_args_type = "releases: In<Release>[], context?: In<Context> | null",
    ts_return_type = "RiskBatch"
)]
pub fn assess_risk_many<'e>(
    env: &'e Env,
    releases: Unknown<'e>,
    context: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "assess_risk_many",
        vec![("releases", Some(releases)), ("context", context)],
    )
}

/// `assessRiskMany` on the thread pool.
#[napi(
    ts_args_type = "releases: In<Release>[], context?: In<Context> | null",
    ts_return_type = "Promise<RiskBatch>"
)]
pub fn assess_risk_many_async<'e>(
    env: &'e Env,
    releases: Unknown<'e>,
    context: Option<Unknown<'e>>,
) -> AsyncTask<OperationTask> {
    AsyncTask::new(OperationTask::new(
        env,
        "assess_risk_many",
        vec![("releases", Some(releases)), ("context", context)],
    ))
}

/// Fits the risk weights to a release history (logistic regression).
#[napi(
    ts_args_type = "history: In<History>, options?: FitOptions | null, context?: In<Context> | null",
    ts_return_type = "FittedRiskModel"
)]
pub fn fit_risk_model<'e>(
    env: &'e Env,
    history: Unknown<'e>,
    options: Option<Unknown<'e>>,
    context: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "fit_risk_model",
        vec![
            ("history", Some(history)),
            ("options", options),
            ("context", context),
        ],
    )
}

/// `fitRiskModel` on the thread pool.
#[napi(
    ts_args_type = "history: In<History>, options?: FitOptions | null, context?: In<Context> | null",
    ts_return_type = "Promise<FittedRiskModel>"
)]
pub fn fit_risk_model_async<'e>(
    env: &'e Env,
    history: Unknown<'e>,
    options: Option<Unknown<'e>>,
    context: Option<Unknown<'e>>,
) -> AsyncTask<OperationTask> {
    AsyncTask::new(OperationTask::new(
        env,
        "fit_risk_model",
        vec![
            ("history", Some(history)),
            ("options", options),
            ("context", context),
        ],
    ))
}

/// Every dependency, CI, calendar and resource conflict of a schedule.
#[napi(
    ts_args_type = "schedule: In<Schedule>",
    ts_return_type = "ConflictReport"
)]
pub fn detect_conflicts<'e>(env: &'e Env, schedule: Unknown<'e>) -> napi::Result<Unknown<'e>> {
    run(env, "detect_conflicts", vec![("schedule", Some(schedule))])
}

/// `detectConflicts` on the thread pool.
#[napi(
    ts_args_type = "schedule: In<Schedule>",
    ts_return_type = "Promise<ConflictReport>"
)]
pub fn detect_conflicts_async<'e>(env: &'e Env, schedule: Unknown<'e>) -> AsyncTask<OperationTask> {
    AsyncTask::new(OperationTask::new(
        env,
        "detect_conflicts",
        vec![("schedule", Some(schedule))],
    ))
}

/// Free deployment slots for one release or change of a schedule (one
/// object: `schedule`, `item`, `duration_secs`, `now`, `horizon_secs`,
/// `count`).
#[napi(
    ts_args_type = "request: In<SlotRequest>",
    ts_return_type = "SlotSuggestion"
)]
pub fn suggest_slots<'e>(env: &'e Env, request: Unknown<'e>) -> napi::Result<Unknown<'e>> {
    run_object(env, "suggest_slots", request)
}

/// Deployment waves and the critical path of releases by their
/// dependencies.
#[napi(
    ts_args_type = "releases: In<Release>[]",
    ts_return_type = "DeploymentOrder"
)]
pub fn deployment_order<'e>(env: &'e Env, releases: Unknown<'e>) -> napi::Result<Unknown<'e>> {
    run(env, "deployment_order", vec![("releases", Some(releases))])
}

/// The next decision of a blue-green or canary rollout (`state` null or
/// undefined: a rollout not yet started).
#[napi(
    ts_args_type = "plan: In<DeploymentPlan>, state: In<RolloutState> | null | undefined, input: In<RolloutInput>, now: string | Date, policy?: In<Policy> | null",
    ts_return_type = "RolloutStep"
)]
pub fn rollout_step<'e>(
    env: &'e Env,
    plan: Unknown<'e>,
    state: Option<Unknown<'e>>,
    input: Unknown<'e>,
    now: Unknown<'e>,
    policy: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "rollout_step",
        vec![
            ("plan", Some(plan)),
            ("state", state),
            ("input", Some(input)),
            ("now", Some(now)),
            ("policy", policy),
        ],
    )
}

/// Compares canary metrics with the baseline (Mann-Whitney U per metric).
#[napi(
    ts_args_type = "baseline: SampleSet, canary: SampleSet, config?: JudgeConfig | null, policy?: In<Policy> | null",
    ts_return_type = "CanaryJudgement"
)]
pub fn judge_canary<'e>(
    env: &'e Env,
    baseline: Unknown<'e>,
    canary: Unknown<'e>,
    config: Option<Unknown<'e>>,
    policy: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "judge_canary",
        vec![
            ("baseline", Some(baseline)),
            ("canary", Some(canary)),
            ("config", config),
            ("policy", policy),
        ],
    )
}

/// DORA and ITIL release KPIs of a history.
#[napi(
    ts_args_type = "history: In<History>, options?: In<KpiOptions> | null, policy?: In<Policy> | null",
    ts_return_type = "KpiReport"
)]
pub fn compute_kpis<'e>(
    env: &'e Env,
    history: Unknown<'e>,
    options: Option<Unknown<'e>>,
    policy: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "compute_kpis",
        vec![
            ("history", Some(history)),
            ("options", options),
            ("policy", policy),
        ],
    )
}

/// `computeKpis` on the thread pool.
#[napi(
    ts_args_type = "history: In<History>, options?: In<KpiOptions> | null, policy?: In<Policy> | null",
    ts_return_type = "Promise<KpiReport>"
)]
pub fn compute_kpis_async<'e>(
    env: &'e Env,
    history: Unknown<'e>,
    options: Option<Unknown<'e>>,
    policy: Option<Unknown<'e>>,
) -> AsyncTask<OperationTask> {
    AsyncTask::new(OperationTask::new(
        env,
        "compute_kpis",
        vec![
            ("history", Some(history)),
            ("options", options),
            ("policy", policy),
        ],
    ))
}

/// Release notes in Markdown or HTML.
#[napi(
    ts_args_type = "release: In<Release>, format: NotesFormat",
    ts_return_type = "ReleaseNotes"
)]
pub fn release_notes<'e>(
    env: &'e Env,
    release: Unknown<'e>,
    format: Unknown<'e>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "release_notes",
        vec![("release", Some(release)), ("format", Some(format))],
    )
}

/// An iCalendar (.ics) of releases, windows and blackouts.
#[napi(
    ts_args_type = "schedule: In<Schedule>, options: In<IcsOptions>",
    ts_return_type = "IcsExport"
)]
pub fn calendar_ics<'e>(
    env: &'e Env,
    schedule: Unknown<'e>,
    options: Unknown<'e>,
) -> napi::Result<Unknown<'e>> {
    run(
        env,
        "calendar_ics",
        vec![("schedule", Some(schedule)), ("options", Some(options))],
    )
}

/// A schedule from ServiceNow Table API records (one object:
/// `change_requests`, `releases`, `cis`, `rels`, `approvals`).
#[napi(
    ts_args_type = "tables: ServiceNowTables",
    ts_return_type = "ServiceNowImport"
)]
pub fn import_servicenow<'e>(env: &'e Env, tables: Unknown<'e>) -> napi::Result<Unknown<'e>> {
    run_object(env, "import_servicenow", tables)
}

/// Per-record ServiceNow field patches from relman's verdicts (one object:
/// `schedule`, `risk`, `conflicts`, `gates`, `now`).
#[napi(
    ts_args_type = "exported: In<ServiceNowExport>",
    ts_return_type = "ServiceNowPatches"
)]
pub fn export_servicenow<'e>(env: &'e Env, exported: Unknown<'e>) -> napi::Result<Unknown<'e>> {
    run_object(env, "export_servicenow", exported)
}

/// The JSON Schema (draft 2020-12) of an input or output document.
#[napi(ts_args_type = "name: SchemaName", ts_return_type = "JsonObject")]
pub fn schema<'e>(env: &'e Env, name: Unknown<'e>) -> napi::Result<Unknown<'e>> {
    run(env, "schema", vec![("name", Some(name))])
}

/// The names of every published schema (`schema(name)`), inputs first.
#[napi]
pub fn schema_names() -> Vec<String> {
    relman::schema::SCHEMAS
        .iter()
        .map(|e| e.name.to_string())
        .collect()
}

/// Runs any operation by its snake_case name with one object keyed by
/// parameter name (the `input` of a conformance vector), as `relman call`
/// does; for hosts that dispatch by name. The typed functions above are the
/// usual way in.
#[napi(
    ts_args_type = "operation: OperationName, params?: { [name: string]: unknown } | null",
    ts_return_type = "JsonValue"
)]
pub fn call<'e>(
    env: &'e Env,
    operation: Unknown<'e>,
    params: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    guarded(env, || {
        let operation = match from_js(env, operation, 0).map_err(|e| e.into_error("operation"))? {
            Value::String(name) => name,
            _ => {
                return Err(relman::Error::invalid_input(
                    "operation",
                    "must be the snake_case name of an operation",
                ))
            }
        };
        let params = match params {
            Some(p) => from_js(env, p, 0).map_err(|e| e.into_error(""))?,
            None => Value::Null,
        };
        let result = relman::api::call(&operation, params)?;
        output(env, &result)
    })
}

/// Bench hook (benches/node_bench.mjs): runs `operation` on `params` (JSON
/// text, parsed once) `iterations` times inside Rust and returns the mean
/// nanoseconds per call — the core's own cost, without any JS conversion,
/// to set the binding's overhead against. Reads the clock (this is the
/// binding, not the pure core).
#[napi(js_name = "_timeCore")]
pub fn time_core(
    env: &Env,
    operation: String,
    params: String,
    iterations: u32,
) -> napi::Result<f64> {
    let outcome = catch_unwind(AssertUnwindSafe(|| -> relman::Result<f64> {
        let params: Value = serde_json::from_str(&params)
            .map_err(|e| relman::Error::invalid_input("", format!("params are not JSON: {e}")))?;
        let runs = iterations.max(1);
        let start = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(relman::api::call(&operation, params.clone())?);
        }
        Ok(start.elapsed().as_secs_f64() * 1e9 / f64::from(runs))
    }));
    match outcome {
        Ok(Ok(ns)) => Ok(ns),
        Ok(Err(error)) => Err(js_error(env, &error)),
        Err(payload) => Err(js_error(
            env,
            &relman::Error::internal(panic_message(payload.as_ref())),
        )),
    }
}
