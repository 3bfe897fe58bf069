//! The conformance-vector checker every Rust-side runner shares (the core's
//! `tests/vectors.rs` and the CLI's `tests/vectors.rs`, which includes this
//! file by path): vector discovery, JSON comparison with floats within 1e-9
//! relative, expected errors by code, path, rule and violations, and
//! `RELMAN_BLESS=1` to rewrite `expected` from the actual output.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

use serde_json::Value;
use std::path::{Path, PathBuf};

/// Compares JSON values, numbers within 1e-9 relative; returns the path of
/// the first difference.
pub fn diff(expected: &Value, actual: &Value, path: &str) -> Option<String> {
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

/// Every `<root>/<operation>/*.json`, sorted.
pub fn vector_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(root).unwrap() {
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

/// What a front end's runner returns for one vector: `Err` when the runner
/// itself cannot run it (e.g. an operation it does not expose), else the
/// operation's result or its error in the shared JSON form.
pub type Outcome = Result<Result<Value, Value>, String>;

/// Checks every vector under `root` with a front end's `run(operation,
/// input)`, failing with the list of every vector that fails; returns how
/// many passed (at least `at_least` must exist).
pub fn check_all(root: &Path, at_least: usize, run: impl Fn(&str, &Value) -> Outcome) -> usize {
    let files = vector_files(root);
    assert!(
        files.len() >= at_least.max(1),
        "only {} vectors found",
        files.len()
    );
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            check_vector(f, &run)
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
    files.len()
}

/// Checks one vector file with a front end's `run(operation, input)`.
pub fn check_vector(file: &Path, run: impl Fn(&str, &Value) -> Outcome) -> Result<(), String> {
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
        (Err(body), None, Some(expected)) => {
            let err = body["message"].as_str().unwrap_or("?");
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
