//! Conformance vectors: `core/tests/vectors/<operation>/<case>.json`, each
//! `{"operation", "description", "input": {param: value}, "expected"}` or
//! `{…, "expected_error": {"code", "path"?}}`. Every front end runs all of
//! them; this is the Rust runner. An operation this runner does not know
//! fails the test.

// Test helpers may unwrap, index and panic: a broken case should stop loudly
// (clippy.toml allows this inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::{DocumentKind, Error};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Runs one operation by name with its named parameters.
fn run(operation: &str, input: &Value) -> Result<Result<Value, Error>, String> {
    let param = |name: &str| {
        input
            .get(name)
            .ok_or_else(|| format!("missing input `{name}`"))
    };
    match operation {
        "validate" => {
            let kind_name = param("kind")?.as_str().ok_or("`kind` must be a string")?;
            let kind = DocumentKind::from_name(kind_name)
                .ok_or_else(|| format!("unknown document kind `{kind_name}`"))?;
            let result = match (input.get("text"), input.get("document")) {
                (Some(Value::String(text)), None) => relman::validate(kind, text),
                (None, Some(doc)) => relman::validate_value(kind, doc.clone()),
                _ => return Err("give exactly one of `text` (a string) or `document`".into()),
            };
            Ok(result.map(|r| serde_json::to_value(r).unwrap()))
        }
        "check" => {
            let release = from::<relman::Release>(param("release")?)?;
            let target: relman::State = serde_json::from_value(param("target")?.clone())
                .map_err(|e| format!("bad target: {e}"))?;
            let context = context(input)?;
            Ok(Ok(serde_json::to_value(relman::check(
                &release, target, &context,
            ))
            .unwrap()))
        }
        "apply" => {
            let release = from::<relman::Release>(param("release")?)?;
            let command = match relman::from_value::<relman::Command>(param("command")?.clone()) {
                Ok(c) => c.document,
                Err(e) => return Ok(Err(e)),
            };
            let context = context(input)?;
            Ok(relman::apply(&release, &command, &context)
                .map(|a| serde_json::to_value(a).unwrap()))
        }
        "verify_log" => {
            let release = from::<relman::Release>(param("release")?)?;
            let head = input.get("expected_head").and_then(Value::as_str);
            Ok(Ok(
                serde_json::to_value(relman::verify_log(&release, head)).unwrap()
            ))
        }
        "assess_risk" => {
            // A bad release is the operation's error (bindings parse it the same way).
            let release = match relman::from_value::<relman::Release>(param("release")?.clone()) {
                Ok(r) => r.document,
                Err(e) => return Ok(Err(e)),
            };
            let context = match input.get("context") {
                Some(c) => match relman::from_value::<relman::Context>(c.clone()) {
                    Ok(c) => c.document,
                    Err(e) => return Ok(Err(e)),
                },
                None => relman::Context::default(),
            };
            Ok(relman::assess_risk(&release, &context).map(|a| serde_json::to_value(a).unwrap()))
        }
        "fit_risk_model" => {
            let history = match relman::from_value::<relman::History>(param("history")?.clone()) {
                Ok(h) => h.document,
                Err(e) => return Ok(Err(e)),
            };
            let options: relman::FitOptions = match input.get("options") {
                Some(o) => {
                    serde_json::from_value(o.clone()).map_err(|e| format!("bad options: {e}"))?
                }
                None => relman::FitOptions::default(),
            };
            let context = context(input)?;
            Ok(relman::fit_risk_model(&history, &options, &context)
                .map(|f| serde_json::to_value(f).unwrap()))
        }
        "rollout_step" => {
            let plan =
                match serde_json::from_value::<relman::DeploymentPlan>(param("plan")?.clone()) {
                    Ok(p) => p,
                    Err(e) => return Err(format!("bad plan: {e}")),
                };
            let state: relman::rollout::RolloutState = match input.get("state") {
                Some(s) => {
                    serde_json::from_value(s.clone()).map_err(|e| format!("bad state: {e}"))?
                }
                None => relman::rollout::RolloutState::default(),
            };
            let step_input: relman::rollout::RolloutInput =
                serde_json::from_value(param("input")?.clone())
                    .map_err(|e| format!("bad input: {e}"))?;
            let now: relman::Timestamp = serde_json::from_value(param("now")?.clone())
                .map_err(|e| format!("bad now: {e}"))?;
            let policy = rollout_policy(input)?;
            Ok(
                relman::rollout::rollout_step_with_policy(
                    &plan,
                    &state,
                    &step_input,
                    &now,
                    &policy,
                )
                .map(|r| serde_json::to_value(r).unwrap()),
            )
        }
        "judge_canary" => {
            let baseline: relman::rollout::SampleSet =
                serde_json::from_value(param("baseline")?.clone())
                    .map_err(|e| format!("bad baseline: {e}"))?;
            let canary: relman::rollout::SampleSet =
                serde_json::from_value(param("canary")?.clone())
                    .map_err(|e| format!("bad canary: {e}"))?;
            let config: relman::rollout::JudgeConfig = match input.get("config") {
                Some(c) => {
                    serde_json::from_value(c.clone()).map_err(|e| format!("bad config: {e}"))?
                }
                None => relman::rollout::JudgeConfig::default(),
            };
            let policy = rollout_policy(input)?;
            Ok(
                relman::rollout::judge_canary_with_policy(&baseline, &canary, &config, &policy)
                    .map(|r| serde_json::to_value(r).unwrap()),
            )
        }
        "detect_conflicts" => {
            let schedule = match relman::from_value::<relman::Schedule>(param("schedule")?.clone())
            {
                Ok(s) => s.document,
                Err(e) => return Ok(Err(e)),
            };
            Ok(relman::detect_conflicts(&schedule).map(|r| serde_json::to_value(r).unwrap()))
        }
        "suggest_slots" => {
            let schedule = match relman::from_value::<relman::Schedule>(param("schedule")?.clone())
            {
                Ok(s) => s.document,
                Err(e) => return Ok(Err(e)),
            };
            let item = param("item")?.as_str().ok_or("`item` must be a string")?;
            let now: relman::Timestamp = serde_json::from_value(param("now")?.clone())
                .map_err(|e| format!("bad now: {e}"))?;
            let number = |name: &str| -> Result<u64, String> {
                param(name)?
                    .as_u64()
                    .ok_or_else(|| format!("`{name}` must be a whole number"))
            };
            Ok(relman::suggest_slots(
                item,
                &schedule,
                number("duration_secs")?,
                &now,
                number("horizon_secs")?,
                number("count")? as usize,
            )
            .map(|r| serde_json::to_value(r).unwrap()))
        }
        "deployment_order" => {
            let list = param("releases")?
                .as_array()
                .ok_or("`releases` must be an array")?;
            let mut releases = Vec::new();
            for r in list {
                releases.push(from::<relman::Release>(r)?);
            }
            Ok(relman::deployment_order(&releases).map(|r| serde_json::to_value(r).unwrap()))
        }
        "compute_kpis" => {
            let history = match relman::from_value::<relman::History>(param("history")?.clone()) {
                Ok(h) => h.document,
                Err(e) => return Ok(Err(e)),
            };
            let options: relman::KpiOptions = match input.get("options") {
                Some(o) => {
                    serde_json::from_value(o.clone()).map_err(|e| format!("bad options: {e}"))?
                }
                None => relman::KpiOptions::default(),
            };
            let policy = match input.get("policy") {
                Some(p) => match relman::from_value::<relman::Policy>(p.clone()) {
                    Ok(p) => p.document,
                    Err(e) => return Ok(Err(e)),
                },
                None => relman::Policy::default(),
            };
            Ok(relman::compute_kpis_with(&history, &policy.kpi, &options)
                .map(|r| serde_json::to_value(r).unwrap()))
        }
        "release_notes" => {
            let release = from::<relman::Release>(param("release")?)?;
            let format: relman::NotesFormat = serde_json::from_value(param("format")?.clone())
                .map_err(|e| format!("bad format: {e}"))?;
            Ok(Ok(serde_json::to_value(relman::release_notes(
                &release, format,
            ))
            .unwrap()))
        }
        "calendar_ics" => {
            let schedule = match relman::from_value::<relman::Schedule>(param("schedule")?.clone())
            {
                Ok(s) => s.document,
                Err(e) => return Ok(Err(e)),
            };
            let options: relman::IcsOptions = serde_json::from_value(param("options")?.clone())
                .map_err(|e| format!("bad options: {e}"))?;
            Ok(relman::calendar_ics(&schedule, &options).map(|r| Value::String(r.ics)))
        }
        "import_servicenow" => {
            let tables: relman::ServiceNowTables =
                serde_json::from_value(input.clone()).map_err(|e| format!("bad tables: {e}"))?;
            Ok(relman::import_servicenow(&tables).map(|r| serde_json::to_value(r).unwrap()))
        }
        "export_servicenow" => {
            let export: relman::ServiceNowExport = serde_json::from_value(input.clone())
                .map_err(|e| format!("bad export input: {e}"))?;
            Ok(relman::export_servicenow(&export).map(|r| serde_json::to_value(r).unwrap()))
        }
        other => Err(format!(
            "operation `{other}` is not exposed by the Rust runner"
        )),
    }
}

/// Parses a document parameter, which vectors always give valid.
fn from<T: relman::Document>(value: &Value) -> Result<T, String> {
    relman::from_value::<T>(value.clone())
        .map(|p| p.document)
        .map_err(|e| format!("invalid input document: {e}"))
}

/// The rollout section of the optional `policy` parameter.
fn rollout_policy(input: &Value) -> Result<relman::policy::RolloutPolicy, String> {
    match input.get("policy") {
        Some(p) => Ok(from::<relman::Policy>(p)?.rollout),
        None => Ok(relman::policy::RolloutPolicy::default()),
    }
}

/// The optional `context` parameter (default: empty context).
fn context(input: &Value) -> Result<relman::Context, String> {
    match input.get("context") {
        Some(c) => from::<relman::Context>(c),
        None => Ok(relman::Context::default()),
    }
}

/// Compares JSON values, numbers within 1e-9 relative; returns the path of
/// the first difference.
fn diff(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            let scale = a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
            ((a - b).abs() / scale > 1e-9 && a != b).then(|| format!("{path}: {a} != {b}"))
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some(format!("{path}: {} items != {} items", a.len(), b.len()));
            }
            a.iter()
                .zip(b)
                .enumerate()
                .find_map(|(i, (x, y))| diff(x, y, &format!("{path}[{i}]")))
        }
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|k| match (a.get(k), b.get(k)) {
                (Some(x), Some(y)) => diff(x, y, &format!("{path}.{k}")),
                (Some(_), None) => Some(format!("{path}.{k}: missing in actual")),
                (None, _) => Some(format!("{path}.{k}: unexpected in actual")),
            })
        }
        (a, b) => (a != b).then(|| format!("{path}: {a} != {b}")),
    }
}

fn vector_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for file in std::fs::read_dir(&dir).unwrap() {
                let file = file.unwrap().path();
                if file.extension().is_some_and(|e| e == "json") {
                    files.push(file);
                }
            }
        }
    }
    files.sort();
    files
}

fn check_vector(file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let vector: Value = serde_json::from_str(&text).map_err(|e| format!("bad vector JSON: {e}"))?;
    let operation = vector["operation"].as_str().ok_or("`operation` missing")?;
    let folder = file
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str());
    if folder != Some(operation) {
        return Err(format!(
            "operation `{operation}` lives in folder {folder:?}"
        ));
    }
    let outcome = run(operation, &vector["input"])?;
    // RELMAN_BLESS=1 writes the actual output into `expected` (review the diff!).
    if std::env::var_os("RELMAN_BLESS").is_some() && vector.get("expected").is_some() {
        if let Ok(actual) = &outcome {
            let mut blessed = vector.clone();
            blessed["expected"] = actual.clone();
            let text = serde_json::to_string_pretty(&blessed).unwrap() + "\n";
            std::fs::write(file, text).map_err(|e| e.to_string())?;
            return Ok(());
        }
    }
    match (
        outcome,
        vector.get("expected"),
        vector.get("expected_error"),
    ) {
        (Ok(actual), Some(expected), None) => match diff(expected, &actual, "$") {
            None => Ok(()),
            Some(d) => Err(format!("output differs at {d}\nactual: {actual}")),
        },
        (Err(err), None, Some(expected)) => {
            let body = serde_json::to_value(err.to_body()).unwrap();
            if body["code"] != expected["code"] {
                return Err(format!(
                    "error code {} != expected {}: {err}",
                    body["code"], expected["code"]
                ));
            }
            if let Some(rule) = expected.get("rule") {
                if body.get("rule").unwrap_or(&Value::Null) != rule {
                    return Err(format!(
                        "error rule {:?} != expected {rule}: {err}",
                        body.get("rule")
                    ));
                }
            }
            if let Some(rules) = expected.get("violations") {
                let actual: Vec<Value> = body["violations"]
                    .as_array()
                    .map(|v| v.iter().map(|x| x["rule"].clone()).collect())
                    .unwrap_or_default();
                if Value::Array(actual.clone()) != *rules {
                    return Err(format!("violations {actual:?} != expected {rules}: {err}"));
                }
            }
            if let Some(path) = expected.get("path") {
                if body.get("path").unwrap_or(&Value::Null) != path {
                    return Err(format!(
                        "error path {:?} != expected {path}: {err}",
                        body.get("path")
                    ));
                }
            }
            Ok(())
        }
        (Ok(actual), None, Some(_)) => Err(format!("expected an error, got {actual}")),
        (Err(err), Some(_), None) => Err(format!("unexpected error: {err}")),
        _ => Err("a vector needs exactly one of `expected` and `expected_error`".into()),
    }
}

#[test]
fn every_conformance_vector_passes() {
    let files = vector_files();
    assert!(!files.is_empty(), "no vectors found");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            check_vector(f)
                .err()
                .map(|e| format!("{}: {e}", f.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    println!("{} conformance vectors passed", files.len());
}

#[test]
fn float_comparison_is_relative() {
    let a: Value = serde_json::json!({"x": [1.0, 1e300]});
    let b: Value = serde_json::json!({"x": [1.0 + 1e-12, 1e300 * (1.0 + 1e-12)]});
    assert_eq!(diff(&a, &b, "$"), None);
    let c: Value = serde_json::json!({"x": [1.0001, 1e300]});
    assert!(diff(&a, &c, "$").is_some());
    assert!(run("no_such_operation", &Value::Null).is_err());
}

/// Regenerates the `verify_log` vectors from a full lifecycle applied by the
/// Rust core: `cargo test -p relman --test vectors -- --ignored`. The
/// vectors carry the whole log, so every front end must verify the same
/// hashes from the JSON alone.
#[test]
#[ignore = "writes vector files; run by hand after a deliberate change"]
fn regenerate_log_vectors() {
    use serde_json::json;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/verify_log");
    let check_input = |name: &str| -> Value {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/vectors/{name}")),
        )
        .unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["input"].clone()
    };
    let input = check_input("apply/advance_from_planning.json");
    let context: relman::Context = serde_json::from_value(input["context"].clone()).unwrap();
    let mut release: relman::Release = serde_json::from_value(input["release"].clone()).unwrap();
    let steps = [
        ("alice", json!({"command": "advance"})),
        ("alice", json!({"command": "advance"})),
        (
            "quinn",
            json!({"command": "record_tests", "tests": [{"kind": "unit", "passed": 120, "failed": 0}]}),
        ),
        ("alice", json!({"command": "advance"})),
        (
            "carol",
            json!({"command": "approve", "role": "cab", "comment": "ok"}),
        ),
        ("erin", json!({"command": "approve", "role": "cab"})),
        (
            "paula",
            json!({"command": "approve", "role": "product_owner"}),
        ),
        ("alice", json!({"command": "start_deployment"})),
        (
            "bob",
            json!({"command": "complete_deployment", "outcome": "success"}),
        ),
        (
            "alice",
            json!({"command": "complete_review", "summary": "smooth", "lessons": ["canary earlier"]}),
        ),
        ("alice", json!({"command": "close"})),
    ];
    for (i, (actor, command)) in steps.into_iter().enumerate() {
        let mut c = command;
        c["actor"] = json!(actor);
        c["at"] = json!(format!("2026-12-{:02}T10:00:00+01:00", i + 1));
        let command: relman::Command = serde_json::from_value(c).unwrap();
        release = relman::apply(&release, &command, &context).unwrap().release;
    }
    let head = release.log.last().unwrap().hash.clone();
    let write = |name: &str,
                 description: &str,
                 release: &relman::Release,
                 expected_head: Option<&str>| {
        let mut input = json!({"release": release});
        if let Some(h) = expected_head {
            input["expected_head"] = json!(h);
        }
        let verdict = relman::verify_log(release, expected_head);
        let vector = json!({"operation": "verify_log", "description": description, "input": input, "expected": verdict});
        std::fs::write(
            dir.join(format!("{name}.json")),
            serde_json::to_string_pretty(&vector).unwrap() + "\n",
        )
        .unwrap();
    };
    write(
        "full_lifecycle_valid",
        "a full major lifecycle logged by the Rust core verifies, with its head",
        &release,
        Some(&head),
    );
    let mut edited = release.clone();
    edited.log[4].actor = "mallory".into();
    write(
        "edited_event",
        "an edited actor breaks the chain at that event",
        &edited,
        None,
    );
    let mut removed = release.clone();
    removed.log.remove(5);
    write(
        "removed_event",
        "a removed event is named by its missing seq",
        &removed,
        None,
    );
    let mut inserted = release.clone();
    let copy = inserted.log[3].clone();
    inserted.log.insert(6, copy);
    write(
        "inserted_event",
        "an inserted copy of an event",
        &inserted,
        None,
    );
    let mut reordered = release.clone();
    reordered.log.swap(5, 6);
    write("reordered_events", "two events swapped", &reordered, None);
    let mut truncated = release.clone();
    truncated.log.pop();
    truncated.state = relman::State::Review;
    write(
        "truncated_tail",
        "a cut-off tail is found through the expected head",
        &truncated,
        Some(&head),
    );
    let mut mismatch = release.clone();
    mismatch.state = relman::State::Deployment;
    write(
        "state_mismatch",
        "the release state must match the last event",
        &mismatch,
        None,
    );
}
