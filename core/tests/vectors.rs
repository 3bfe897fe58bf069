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

use serde_json::Value;
use std::path::Path;

/// Runs one operation by name with its named parameters, through the same
/// dispatch table the bindings call (`relman::api`). An operation the table
/// does not list fails the vector.
fn run(operation: &str, input: &Value) -> conformance::Outcome {
    if relman::api::operation(operation).is_none() {
        return Err(format!(
            "operation `{operation}` is not exposed by the Rust runner"
        ));
    }
    Ok(relman::api::call(operation, input.clone())
        .map_err(|e| serde_json::to_value(e.to_body()).unwrap()))
}

#[path = "support/conformance.rs"]
mod conformance;
use conformance::{check_all, diff, vector_files};

#[test]
fn every_conformance_vector_passes() {
    let passed = check_all(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"),
        1,
        run,
    );
    println!("{passed} conformance vectors passed");
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

/// Vectors whose point is a release without a (valid, sealed) record: the
/// record's own vectors, which tamper with a genuine release, drop its log
/// or carry a log written before sealing. Every other release in a vector's
/// input carries the log that produced it.
const WITHOUT_RECORD: &[&str] = &[
    "apply/forged_vote_refused",
    "apply/import_adopts_empty_log",
    "apply/import_adopts_legacy_log",
    "apply/legacy_log_refused",
    "check/forged_vote_not_counted",
    "check/legacy_log",
    "closure/unlogged_outcome_not_believed",
];

/// The releases of a vector's input: at `release` and `releases[]`
/// wherever they are (a context's schedule or history too), with their
/// JSON paths.
fn input_releases<'v>(value: &'v Value, path: &str, out: &mut Vec<(String, &'v Value)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let at = format!("{path}.{key}");
                match (key.as_str(), child) {
                    ("release", Value::Object(_)) => out.push((at, child)),
                    ("releases", Value::Array(items)) => {
                        for (i, r) in items.iter().enumerate() {
                            out.push((format!("{at}[{i}]"), r));
                        }
                    }
                    _ => input_releases(child, &at, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                input_releases(child, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The fixtures are genuine (docs/lifecycle.md, "The record"): every release
/// of a vector's input that relman can read is in planning with an empty
/// log, or carries a log that verifies, is sealed and whose replay is the
/// document. `scripts/genuine-fixtures` produces them by applying commands;
/// `scripts/genuine-fixtures --check` says whether they are what it
/// produces.
#[test]
fn vector_releases_carry_their_record() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in vector_files(&root) {
        let folder = file.parent().and_then(Path::file_name).unwrap();
        let name = format!(
            "{}/{}",
            folder.to_string_lossy(),
            file.file_stem().unwrap().to_string_lossy()
        );
        let exempt = folder == "verify_log" || WITHOUT_RECORD.contains(&name.as_str());
        let vector: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let mut releases = Vec::new();
        input_releases(&vector["input"], "input", &mut releases);
        let mut without = 0;
        for (path, value) in releases {
            // A release relman cannot read is what its vector rejects.
            if relman::validate_value(relman::DocumentKind::Release, value.clone()).is_err() {
                continue;
            }
            let release: relman::Release = serde_json::from_value(value.clone()).unwrap();
            checked += 1;
            let verdict = relman::verify_log(&release, None);
            let legacy = verdict.warnings.iter().any(|w| w.code == "legacy_log");
            if !verdict.valid || legacy {
                without += 1;
                if exempt {
                    continue;
                }
                failures.push(format!(
                    "{name}: {path} ({}, {}): {}",
                    release.id,
                    release.state.as_str(),
                    verdict
                        .tamper
                        .map_or("a legacy log".to_string(), |t| t.message)
                ));
            }
        }
        if WITHOUT_RECORD.contains(&name.as_str()) && without == 0 {
            failures.push(format!(
                "{name}: listed as a vector without a record, but every release of its input carries one"
            ));
        }
    }
    assert!(
        checked > 100,
        "only {checked} releases found in the vectors"
    );
    assert!(
        failures.is_empty(),
        "releases without their record (run scripts/genuine-fixtures):\n{}",
        failures.join("\n")
    );
}
