//! The binding's exports on relman's core types: every vector with a
//! result gives, through the typed function of its operation, the result
//! `relman::api::call` gives (the Python suite in tests/python checks the
//! same through the FFI); errors map to the variant of their code; a panic
//! comes back as `Internal`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman_uniffi::*;
use serde_json::{json, Value};
use std::path::Path;

/// Every vector, as (operation, input, expected result) where it has one.
fn vectors() -> Vec<(String, Value, Option<Value>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/tests/vectors");
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|d| d.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let vector: Value =
                serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
            let op = vector["operation"].as_str().unwrap().to_string();
            out.push((op, vector["input"].clone(), vector.get("expected").cloned()));
        }
    }
    out
}

/// A document of the input as its core type.
fn doc<T: serde::de::DeserializeOwned>(input: &Value, name: &str) -> T {
    serde_json::from_value(input[name].clone()).unwrap()
}

fn opt<T: serde::de::DeserializeOwned>(input: &Value, name: &str) -> Option<T> {
    input
        .get(name)
        .filter(|v| !v.is_null())
        .map(|v| serde_json::from_value(v.clone()).unwrap())
}

fn text(input: &Value, name: &str) -> Option<String> {
    input
        .get(name)
        .filter(|v| !v.is_null())
        .map(Value::to_string)
}

#[test]
fn the_typed_exports_give_the_core_results() {
    let mut checked = 0;
    for (op, input, expected) in vectors() {
        let Some(expected) = expected else { continue };
        let got = match op.as_str() {
            "check" => json!(check(
                doc(&input, "release"),
                doc(&input, "target"),
                opt(&input, "context"),
                text(&input, "keys")
            )
            .unwrap()),
            "apply" => json!(apply(
                doc(&input, "release"),
                doc(&input, "command"),
                opt(&input, "context"),
                opt(&input, "expected_head"),
                text(&input, "keys")
            )
            .unwrap()),
            "verify_log" => json!(verify_log(
                doc(&input, "release"),
                opt(&input, "expected_head"),
                text(&input, "keys")
            )
            .unwrap()),
            "assess_risk" => {
                json!(assess_risk(doc(&input, "release"), opt(&input, "context")).unwrap())
            }
            "detect_conflicts" => {
                json!(detect_conflicts(text(&input, "schedule").unwrap()).unwrap())
            }
            "deployment_order" => json!(deployment_order(doc(&input, "releases")).unwrap()),
            "release_notes" => {
                json!(release_notes(doc(&input, "release"), doc(&input, "format")).unwrap())
            }
            _ => continue,
        };
        assert_eq!(got, relman::api::call(&op, input.clone()).unwrap(), "{op}");
        assert_eq!(got, expected, "{op}");
        checked += 1;
    }
    assert!(checked > 30, "{checked}");
}

#[test]
fn errors_map_to_the_variant_of_their_code() {
    let err = relman::api::call("check", json!({"target": "development"})).unwrap_err();
    let mapped = RelmanError::from(err);
    assert_eq!(mapped.code(), "invalid_input");
    match mapped {
        RelmanError::InvalidInput { path, problems, .. } => {
            assert_eq!(path, "release");
            assert_eq!(problems[0].path, "release");
        }
        other => panic!("{other:?}"),
    }
    let internal = RelmanError::from(relman::Error::internal("boom"));
    assert_eq!(internal.code(), "internal");
}

#[test]
fn a_panic_comes_back_as_internal() {
    let err = force_panic().unwrap_err();
    assert_eq!(err.code(), "internal");
    assert!(err.to_string().contains("forced panic"), "{err}");
}

#[test]
fn json_text_parameters_name_the_parameter() {
    match detect_conflicts("{\"a\": [1, 2,, 3]}".to_string()).unwrap_err() {
        RelmanError::InvalidInput {
            path, line, column, ..
        } => {
            assert_eq!(
                (path.as_str(), line, column),
                ("schedule", Some(1), Some(13))
            );
        }
        other => panic!("{other:?}"),
    }
    let deep = "[".repeat(100_000);
    assert_eq!(detect_conflicts(deep).unwrap_err().code(), "limit_exceeded");
}
