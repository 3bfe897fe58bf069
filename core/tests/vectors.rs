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
use conformance::{check_vector, diff, vector_files};

#[test]
fn every_conformance_vector_passes() {
    let files = vector_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"));
    assert!(!files.is_empty(), "no vectors found");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            check_vector(f, run)
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
