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
        other => Err(format!(
            "operation `{other}` is not exposed by the Rust runner"
        )),
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
