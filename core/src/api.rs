//! Every operation of the data contract by name, JSON in and JSON out.
//!
//! This is the one dispatch table the front ends share: the Python, Node and
//! Swift bindings convert their native values to a [`serde_json::Value`]
//! object keyed by parameter name (the `input` of a conformance vector),
//! call [`call`], and convert the result back. Parameter parsing, defaults
//! and error paths are therefore identical in every language.
//!
//! Paths in errors: a document parameter (`release`, `context`, `history`,
//! `schedule`, …) reports paths inside the document (`changes[1].summary`),
//! as [`parse`](crate::parse) does; any other parameter reports paths that
//! start with its name (`options.time_zone`, `plan.steps[0].set_weight`).
//!
//! Every parameter is read under the read-time [`Limits`] of documents
//! (docs/limits.md): a document parameter as [`from_value`](crate::from_value)
//! reads it (paths inside the document), a list of documents (`releases`)
//! for its length and then each document, the JSON text of `validate` as
//! [`parse`](crate::parse) reads it, and every other parameter — strings,
//! numbers, options, plans, sample sets, ServiceNow tables and export
//! inputs — before it is looked at, with paths that start with its name
//! (a 3 MiB `item` is `limit_exceeded` at `item`).
//!
//! ```
//! use serde_json::json;
//!
//! let verdict = relman::api::call(
//!     "verify_log",
//!     json!({"release": {"id": "R", "title": "T", "kind": "minor", "state": "planning"}}),
//! )?;
//! assert_eq!(verdict["valid"], true);
//!
//! let err = relman::api::call("check", json!({"target": "development"})).unwrap_err();
//! assert_eq!(err.code().as_str(), "invalid_input");
//! assert_eq!(err.path(), Some("release"));
//! # Ok::<(), relman::Error>(())
//! ```

use crate::error::{Error, ErrorBody, Result, Warning};
use crate::limits::{self, Limits};
use crate::policy::RolloutPolicy;
use crate::rollout::{self, JudgeConfig, RolloutInput, RolloutState, SampleSet};
use crate::validate::{join, Document, DocumentKind, MAX_JSON_DEPTH};
use crate::{
    Context, DeploymentPlan, FitOptions, History, IcsOptions, KpiOptions, NotesFormat, Policy,
    Release, RiskAssessment, Schedule, ServiceNowExport, ServiceNowTables, State, Timestamp,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The parameter name (the key in the `params` object).
    pub name: &'static str,
    /// Whether the operation fails without it.
    pub required: bool,
}

/// One operation of the data contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The snake_case name (Python and [`call`]); Node uses camelCase.
    pub name: &'static str,
    /// Its parameters, in the order the positional front ends take them.
    pub params: &'static [Param],
    /// What it does, in one line.
    pub summary: &'static str,
}

const fn req(name: &'static str) -> Param {
    Param {
        name,
        required: true,
    }
}

const fn opt(name: &'static str) -> Param {
    Param {
        name,
        required: false,
    }
}

/// Every operation, in the order of the SPEC's front-end table.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        name: "validate",
        params: &[req("kind"), opt("document"), opt("text")],
        summary:
            "Validates a document of a kind given as a value or JSON text; lists every problem",
    },
    Operation {
        name: "check",
        params: &[req("release"), req("target"), opt("context"), opt("keys")],
        summary: "The gate report of moving a release to a target state (a dry run)",
    },
    Operation {
        name: "apply",
        params: &[
            req("release"),
            req("command"),
            opt("context"),
            opt("expected_head"),
            opt("keys"),
        ],
        summary: "Applies a lifecycle command: the new release with its audit event, or an error",
    },
    Operation {
        name: "verify_log",
        params: &[req("release"), opt("expected_head"), opt("keys")],
        summary: "Verifies the hash chain of a release's audit log",
    },
    Operation {
        name: "assess_risk",
        params: &[req("release"), opt("context")],
        summary: "Scores a release's risk with every factor explained",
    },
    Operation {
        name: "assess_risk_many",
        params: &[req("releases"), opt("context")],
        summary: "Scores many releases against one context; one result or error per release",
    },
    Operation {
        name: "fit_risk_model",
        params: &[req("history"), opt("options"), opt("context")],
        summary: "Fits the risk weights to a release history (logistic regression)",
    },
    Operation {
        name: "detect_conflicts",
        params: &[req("schedule")],
        summary: "Every dependency, CI, calendar and resource conflict of a schedule",
    },
    Operation {
        name: "suggest_slots",
        params: &[
            req("schedule"),
            req("item"),
            req("duration_secs"),
            req("now"),
            req("horizon_secs"),
            req("count"),
        ],
        summary: "Free deployment slots for one release or change of a schedule",
    },
    Operation {
        name: "deployment_order",
        params: &[req("releases")],
        summary: "Deployment waves and the critical path of releases by their dependencies",
    },
    Operation {
        name: "rollout_step",
        params: &[
            req("plan"),
            opt("state"),
            req("input"),
            req("now"),
            opt("policy"),
        ],
        summary: "The next decision of a blue-green or canary rollout",
    },
    Operation {
        name: "judge_canary",
        params: &[req("baseline"), req("canary"), opt("config"), opt("policy")],
        summary: "Compares canary metrics with the baseline (Mann-Whitney U per metric)",
    },
    Operation {
        name: "compute_kpis",
        params: &[req("history"), opt("options"), opt("policy")],
        summary: "DORA and ITIL release KPIs of a history",
    },
    Operation {
        name: "release_notes",
        params: &[req("release"), req("format")],
        summary: "Release notes in Markdown or HTML",
    },
    Operation {
        name: "calendar_ics",
        params: &[req("schedule"), req("options")],
        summary: "An iCalendar (.ics) of releases, windows and blackouts",
    },
    Operation {
        name: "import_servicenow",
        params: &[
            req("change_requests"),
            opt("releases"),
            opt("cis"),
            opt("rels"),
            opt("approvals"),
        ],
        summary: "A schedule from ServiceNow Table API records",
    },
    Operation {
        name: "export_servicenow",
        params: &[
            req("schedule"),
            opt("risk"),
            opt("conflicts"),
            opt("gates"),
            opt("now"),
        ],
        summary: "Per-record ServiceNow field patches from relman's verdicts",
    },
    Operation {
        name: "schema",
        params: &[req("name")],
        summary: "The JSON Schema of an input or output document",
    },
];

/// The operation with this name.
pub fn operation(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.name == name)
}

/// The result of `assess_risk_many`: one slot per release, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RiskBatch {
    /// The assessment of each release, `null` where that release failed.
    pub assessments: Vec<Option<RiskAssessment>>,
    /// The error of each release that failed, by its index in the input.
    pub errors: Vec<BatchError>,
    /// Odd but not fatal (the assessments carry their own warnings).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// One failed item of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BatchError {
    /// The index of the item in the input list.
    pub index: usize,
    /// The error, in the form every front end shares.
    pub error: ErrorBody,
}

/// Scores many releases against one context: the context is prepared once;
/// a release that cannot be parsed or assessed fills its slot with `None`
/// and adds a [`BatchError`], so one bad record does not sink the batch.
/// An invalid context fails the whole call.
pub fn assess_risk_batch(releases: &[Result<Release>], context: &Context) -> Result<RiskBatch> {
    let assessor = crate::RiskAssessor::new(context)?;
    let mut batch = RiskBatch {
        assessments: Vec::with_capacity(releases.len()),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    for (index, release) in releases.iter().enumerate() {
        match release
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|r| assessor.assess(r))
        {
            Ok(a) => batch.assessments.push(Some(a)),
            Err(e) => {
                batch.assessments.push(None);
                batch.errors.push(BatchError {
                    index,
                    error: e.to_body(),
                });
            }
        }
    }
    Ok(batch)
}

/// The limit on nesting depth for values handed to [`call`] by a binding;
/// the same as for JSON text ([`MAX_JSON_DEPTH`]).
pub const MAX_NESTING_DEPTH: u64 = MAX_JSON_DEPTH;

/// The `limit_exceeded` error a binding raises when a native value nests
/// deeper than [`MAX_NESTING_DEPTH`] (`path` is where it stopped).
pub fn nesting_too_deep(path: impl Into<String>) -> Error {
    Error::LimitExceeded {
        path: path.into(),
        what: "nesting depth".to_string(),
        limit: MAX_NESTING_DEPTH,
        found: MAX_NESTING_DEPTH + 1,
    }
}

/// Runs `operation` with `params`, an object keyed by parameter name.
///
/// Unknown operations, unknown or missing parameters and parameters of the
/// wrong shape are `invalid_input` errors naming the parameter. Every
/// parameter is read under the default read-time [`Limits`] (see
/// [`ParamForm`]): a string, list or nesting past a limit is
/// `limit_exceeded`, at a path starting with the parameter's name unless
/// the parameter is a document. Parameters
/// nested deeper than [`MAX_NESTING_DEPTH`] (below the parameters object)
/// are `limit_exceeded`, whatever their depth: they are checked and
/// released without recursion.
pub fn call(operation_name: &str, params: Value) -> Result<Value> {
    // Too deep to deserialise safely: refuse it, and take it apart
    // without recursion (the parameters object itself is one level).
    let depth = crate::limits::depth(&params, MAX_NESTING_DEPTH + 1);
    if depth > MAX_NESTING_DEPTH + 1 {
        crate::limits::dismantle(params);
        return Err(nesting_too_deep(""));
    }
    let op = operation(operation_name).ok_or_else(|| {
        Error::invalid_input(
            "",
            format!(
                "unknown operation `{operation_name}`; known: {}",
                OPERATIONS
                    .iter()
                    .map(|o| o.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let mut params = match params {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => {
            return Err(Error::invalid_input(
                "",
                format!(
                    "the parameters of `{}` must be an object keyed by parameter name, not {}",
                    op.name,
                    type_name(&other)
                ),
            ))
        }
    };
    // Absent and null mean the same: an optional parameter not given.
    params.retain(|_, v| !v.is_null());
    if let Some(unknown) = params
        .keys()
        .find(|k| !op.params.iter().any(|p| p.name == k.as_str()))
    {
        return Err(Error::invalid_input(
            unknown.clone(),
            format!(
                "`{}` takes no parameter `{unknown}`; its parameters: {}",
                op.name,
                op.params
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if let Some(missing) = op
        .params
        .iter()
        .find(|p| p.required && !params.contains_key(p.name))
    {
        return Err(Error::invalid_input(
            missing.name,
            format!("`{}` needs the parameter `{}`", op.name, missing.name),
        ));
    }
    let limits = Limits::default();
    for (name, value) in &params {
        check_param(op.name, name, value, &limits)?;
    }
    let mut p = Params(params);
    match op.name {
        "validate" => {
            let kind_name: String = p.typed("kind")?;
            let kind = DocumentKind::from_name(&kind_name).ok_or_else(|| {
                Error::invalid_input("kind", format!("unknown document kind `{kind_name}`"))
            })?;
            match (p.take("document"), p.take("text")) {
                (Some(doc), None) => out(crate::validate_value(kind, doc)?),
                (None, Some(Value::String(text))) => out(crate::validate(kind, &text)?),
                (None, Some(other)) => Err(Error::invalid_input(
                    "text",
                    format!("must be a string of JSON text, not {}", type_name(&other)),
                )),
                _ => Err(Error::invalid_input(
                    "document",
                    "give exactly one of `document` (a value) and `text` (JSON text)",
                )),
            }
        }
        "check" => {
            let release: Release = p.document("release")?;
            let target: State = p.typed("target")?;
            let context = p.context()?;
            let keys = p.keys()?;
            out(crate::check_with(&release, target, &context, keys.as_ref()))
        }
        "apply" => {
            let release: Release = p.document("release")?;
            let command: crate::Command = p.document("command")?;
            let context = p.context()?;
            let options = crate::ApplyOptions {
                expected_head: p.optional("expected_head")?,
                keys: p.keys()?,
            };
            out(crate::apply_with(&release, &command, &context, &options)?)
        }
        "verify_log" => {
            let release: Release = p.document("release")?;
            let head: Option<String> = p.optional("expected_head")?;
            let keys = p.keys()?;
            out(crate::verify_log_with(
                &release,
                head.as_deref(),
                keys.as_ref(),
            ))
        }
        "assess_risk" => {
            let release: Release = p.document("release")?;
            let context = p.context()?;
            out(crate::assess_risk(&release, &context)?)
        }
        "assess_risk_many" => {
            let releases = match p.take("releases") {
                Some(Value::Array(items)) => items,
                Some(other) => {
                    return Err(Error::invalid_input(
                        "releases",
                        format!("must be a list of releases, not {}", type_name(&other)),
                    ))
                }
                None => Vec::new(),
            };
            let context = p.context()?;
            let parsed: Vec<Result<Release>> = releases
                .into_iter()
                .map(|r| crate::from_value::<Release>(r).map(|p| p.document))
                .collect();
            out(assess_risk_batch(&parsed, &context)?)
        }
        "fit_risk_model" => {
            let history: History = p.document("history")?;
            let options: FitOptions = p.optional("options")?.unwrap_or_default();
            let context = p.context()?;
            out(crate::fit_risk_model(&history, &options, &context)?)
        }
        "detect_conflicts" => {
            let schedule: Schedule = p.document("schedule")?;
            out(crate::detect_conflicts(&schedule)?)
        }
        "suggest_slots" => {
            let schedule: Schedule = p.document("schedule")?;
            let item: String = p.typed("item")?;
            let duration: u64 = p.typed("duration_secs")?;
            let now: Timestamp = p.typed("now")?;
            let horizon: u64 = p.typed("horizon_secs")?;
            let count: usize = p.typed("count")?;
            out(crate::suggest_slots(
                &item, &schedule, duration, &now, horizon, count,
            )?)
        }
        "deployment_order" => {
            let releases = match p.take("releases") {
                Some(Value::Array(items)) => items,
                Some(other) => {
                    return Err(Error::invalid_input(
                        "releases",
                        format!("must be a list of releases, not {}", type_name(&other)),
                    ))
                }
                None => Vec::new(),
            };
            let mut parsed = Vec::with_capacity(releases.len());
            for (i, r) in releases.into_iter().enumerate() {
                let release = crate::from_value::<Release>(r)
                    .map_err(|e| prefix(e, &format!("releases[{i}]")))?;
                parsed.push(release.document);
            }
            out(crate::deployment_order(&parsed)?)
        }
        "rollout_step" => {
            let plan: DeploymentPlan = p.typed("plan")?;
            let state: RolloutState = p.optional("state")?.unwrap_or_default();
            let input: RolloutInput = p.typed("input")?;
            let now: Timestamp = p.typed("now")?;
            let policy = p.rollout_policy()?;
            out(rollout::rollout_step_with_policy(
                &plan, &state, &input, &now, &policy,
            )?)
        }
        "judge_canary" => {
            let baseline: SampleSet = p.typed("baseline")?;
            let canary: SampleSet = p.typed("canary")?;
            let config: JudgeConfig = p.optional("config")?.unwrap_or_default();
            let policy: Policy = p.optional_document("policy")?.unwrap_or_default();
            out(rollout::judge_canary_with_limits(
                &baseline,
                &canary,
                &config,
                &policy.rollout,
                &policy.limits,
            )?)
        }
        "compute_kpis" => {
            let history: History = p.document("history")?;
            let options: KpiOptions = p.optional("options")?.unwrap_or_default();
            let policy: Policy = p.optional_document("policy")?.unwrap_or_default();
            out(crate::compute_kpis_with(&history, &policy.kpi, &options)?)
        }
        "release_notes" => {
            let release: Release = p.document("release")?;
            let format: NotesFormat = p.typed("format")?;
            out(crate::release_notes(&release, format))
        }
        "calendar_ics" => {
            let schedule: Schedule = p.document("schedule")?;
            let options: IcsOptions = p.typed("options")?;
            out(crate::calendar_ics(&schedule, &options)?)
        }
        "import_servicenow" => {
            let tables: ServiceNowTables = typed_value("", Value::Object(p.0))?;
            // Every table was checked as a parameter above.
            out(crate::interop::import_checked(&tables)?)
        }
        "export_servicenow" => {
            let export: ServiceNowExport = typed_value("", Value::Object(p.0))?;
            out(crate::export_servicenow(&export)?)
        }
        "schema" => {
            let name: String = p.typed("name")?;
            crate::schema::schema(&name).ok_or_else(|| {
                Error::invalid_input(
                    "name",
                    format!(
                        "no schema named `{name}`; known: {}",
                        crate::schema::SCHEMAS
                            .iter()
                            .map(|e| e.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
        }
        other => Err(Error::internal(format!(
            "operation `{other}` is listed but not dispatched"
        ))),
    }
}

/// How [`call`] reads a parameter, and so where the read-time limits
/// apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamForm {
    /// A document, read as [`from_value`](crate::from_value) reads one:
    /// the limits apply with paths inside the document.
    Document,
    /// A list of documents (`releases`): its length is limited at the
    /// parameter's name, then each document is read as a document
    /// (anything but a list is checked as a [`ParamForm::Value`]).
    DocumentList,
    /// The JSON text of a document (`validate`'s `text`), read as
    /// [`parse`](crate::parse) reads one (size in bytes included).
    DocumentText,
    /// Anything else (a string, a number, options, a plan, ServiceNow
    /// tables): the limits apply to the value before it is read, with
    /// paths that start with the parameter's name.
    Value,
}

/// How [`call`] reads parameter `param` of operation `operation` (see
/// [`ParamForm`]).
pub fn param_form(operation: &str, param: &str) -> ParamForm {
    match (operation, param) {
        ("validate", "document") => ParamForm::Document,
        ("validate", "text") => ParamForm::DocumentText,
        ("assess_risk_many" | "deployment_order", "releases") => ParamForm::DocumentList,
        ("import_servicenow" | "export_servicenow", _) => ParamForm::Value,
        ("rollout_step" | "judge_canary" | "compute_kpis", "policy") => ParamForm::Document,
        (_, "release" | "command" | "context" | "history" | "schedule") => ParamForm::Document,
        _ => ParamForm::Value,
    }
}

/// Applies the read-time `limits` to one parameter as [`param_form`]
/// says; documents are left to the reading of the document.
fn check_param(operation: &str, name: &str, value: &Value, limits: &Limits) -> Result<()> {
    match param_form(operation, name) {
        ParamForm::Document | ParamForm::DocumentText => Ok(()),
        ParamForm::DocumentList => match value {
            Value::Array(items) if items.len() as u64 > limits.max_items => Err(limits::exceeded(
                name,
                "items in a list",
                limits.max_items,
                items.len() as u64,
            )),
            Value::Array(_) => Ok(()),
            // Not a list, so refused as one, but not before the limits.
            other => limits
                .check_value(other)
                .map_err(|e| limits::under(e, name)),
        },
        ParamForm::Value => limits
            .check_value(value)
            .map_err(|e| limits::under(e, name)),
    }
}

/// Checks the JSON text a binding was given for parameter `name` before
/// it parses the text into the value it passes to [`call`]: text past
/// [`DEFAULT_MAX_DOCUMENT_BYTES`](crate::limits::DEFAULT_MAX_DOCUMENT_BYTES)
/// is `limit_exceeded` at `name` (`call` applies every other limit to the
/// value, so this is the one only text has).
pub fn check_param_text(name: &str, text: &str) -> Result<()> {
    let size = text.len() as u64;
    let limit = crate::limits::DEFAULT_MAX_DOCUMENT_BYTES;
    if size > limit {
        return Err(limits::exceeded(
            name,
            "parameter size in bytes",
            limit,
            size,
        ));
    }
    Ok(())
}

/// Like [`call`], with the parameters and the result as JSON text (for
/// front ends that pass strings, such as the Swift binding's raw entry).
pub fn call_json(operation_name: &str, params: &str) -> Result<String> {
    let size = params.len() as u64;
    if size > crate::limits::DEFAULT_MAX_DOCUMENT_BYTES {
        return Err(crate::limits::exceeded(
            "",
            "parameters size in bytes",
            crate::limits::DEFAULT_MAX_DOCUMENT_BYTES,
            size,
        ));
    }
    let params: Value = serde_json::from_str(params).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            nesting_too_deep("")
        } else {
            // The position goes into line/column (shown once by Display).
            let text = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = text.strip_suffix(&suffix).unwrap_or(&text);
            Error::InvalidInput {
                problems: vec![crate::Problem {
                    path: String::new(),
                    message: format!("parameters are not JSON: {message}"),
                    line: Some(e.line()),
                    column: Some(e.column().max(1)),
                }],
            }
        }
    })?;
    let result = call(operation_name, params)?;
    serde_json::to_string(&result)
        .map_err(|e| Error::internal(format!("cannot write the result: {e}")))
}

fn out<T: Serialize>(value: T) -> Result<Value> {
    serde_json::to_value(value)
        .map_err(|e| Error::internal(format!("cannot write the result: {e}")))
}

/// The JSON type of a value, for messages.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Prefixes every path of an input error with `base` (for documents inside
/// a list parameter).
fn prefix(err: Error, base: &str) -> Error {
    match err {
        Error::InvalidInput { mut problems } => {
            for p in &mut problems {
                p.path = join(base, &p.path);
            }
            Error::InvalidInput { problems }
        }
        Error::InvalidPolicy { mut problems } => {
            for p in &mut problems {
                p.path = join(base, &p.path);
            }
            Error::InvalidPolicy { problems }
        }
        Error::UnsupportedVersion {
            path,
            found,
            supported,
        } => Error::UnsupportedVersion {
            path: join(base, &path),
            found,
            supported,
        },
        Error::LimitExceeded {
            path,
            what,
            limit,
            found,
        } => Error::LimitExceeded {
            path: join(base, &path),
            what,
            limit,
            found,
        },
        other => other,
    }
}

/// Deserialises a non-document parameter; paths start with `name`.
fn typed_value<T: DeserializeOwned>(name: &str, value: Value) -> Result<T> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|err| {
        let inner_path = err.path().to_string();
        let mut path = if inner_path == "." {
            name.to_string()
        } else {
            join(name, &inner_path)
        };
        let message = err.inner().to_string();
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|s| s.strip_suffix('`'))
        {
            path = join(&path, field);
        }
        Error::invalid_input(path, message)
    })
}

/// The parameters of one call, taken one by one.
struct Params(Map<String, Value>);

impl Params {
    fn take(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name)
    }

    fn typed<T: DeserializeOwned>(&mut self, name: &str) -> Result<T> {
        match self.take(name) {
            Some(v) => typed_value(name, v),
            None => Err(Error::invalid_input(name, "missing parameter")),
        }
    }

    fn optional<T: DeserializeOwned>(&mut self, name: &str) -> Result<Option<T>> {
        self.take(name).map(|v| typed_value(name, v)).transpose()
    }

    fn document<T: Document>(&mut self, name: &str) -> Result<T> {
        match self.take(name) {
            Some(v) => crate::from_value::<T>(v).map(|p| p.document),
            None => Err(Error::invalid_input(name, "missing parameter")),
        }
    }

    fn optional_document<T: Document>(&mut self, name: &str) -> Result<Option<T>> {
        self.take(name)
            .map(|v| crate::from_value::<T>(v).map(|p| p.document))
            .transpose()
    }

    /// The host keyring of parameter `keys` ([`crate::keys`]), with error
    /// paths inside it (`keys.keys[0].secret`).
    fn keys(&mut self) -> Result<Option<crate::Keyring>> {
        let Some(value) = self.take("keys") else {
            return Ok(None);
        };
        crate::Keyring::from_value(&value)
            .map(Some)
            .map_err(|e| prefix(e, "keys"))
    }

    fn context(&mut self) -> Result<Context> {
        Ok(self.optional_document("context")?.unwrap_or_default())
    }

    fn rollout_policy(&mut self) -> Result<RolloutPolicy> {
        Ok(self
            .optional_document::<Policy>("policy")?
            .map(|p| p.rollout)
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_listed_operation_is_dispatched() {
        for op in OPERATIONS {
            let err = call(op.name, json!({"no_such_parameter": 1})).unwrap_err();
            assert_eq!(err.path(), Some("no_such_parameter"), "{}", op.name);
        }
        let err = call("no_such_operation", json!({})).unwrap_err();
        assert!(err.to_string().contains("unknown operation"), "{err}");
    }

    #[test]
    fn missing_and_mistyped_parameters_are_named() {
        let err = call("suggest_slots", json!({"schedule": {}})).unwrap_err();
        assert_eq!(err.path(), Some("item"));
        let err = call(
            "judge_canary",
            json!({"baseline": {}, "canary": {}, "config": {"alpha": "x"}}),
        )
        .unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_input");
        assert_eq!(err.path(), Some("config.alpha"));
        let err = call("check", json!([1])).unwrap_err();
        assert!(err.to_string().contains("keyed by parameter name"), "{err}");
    }

    #[test]
    fn a_batch_keeps_going_past_a_bad_release() {
        let good = json!({"id": "R1", "title": "T", "kind": "minor", "state": "planning"});
        let bad = json!({"id": "R2", "title": "T", "kind": "huge", "state": "planning"});
        let result = call("assess_risk_many", json!({"releases": [good, bad]})).unwrap();
        assert_eq!(result["assessments"][0]["release_id"], "R1");
        assert_eq!(result["assessments"][1], Value::Null);
        assert_eq!(result["errors"][0]["index"], 1);
        assert_eq!(result["errors"][0]["error"]["path"], "kind");
    }

    #[test]
    fn json_text_in_and_out() {
        let text = call_json("schema", r#"{"name": "release"}"#).unwrap();
        assert!(text.contains("\"title\""));
        let err = call_json("schema", "{\"name\": }").unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_input");
        assert_eq!(
            err.to_string(),
            "parameters are not JSON: expected value at line 1 column 10"
        );
        let deep = "[".repeat(100_000);
        let err = call_json("schema", &deep).unwrap_err();
        assert_eq!(err.code().as_str(), "limit_exceeded");
    }
}
