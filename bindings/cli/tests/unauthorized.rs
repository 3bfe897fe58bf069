//! End-to-end tests of `relman unauthorized-changes` (issue #21): exit
//! codes (0 none, 1 found, 2 bad input), JSON and table output, the
//! generic `--history` form and `--policy`; and of `relman order` listing
//! what it skipped.

// Test code: a failing test should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};
use std::path::PathBuf;

mod common;
use common::{relman, sample, TempFile};

/// The input of the `every_reason` vector (releases with genuine logs).
fn every_reason() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../core/tests/vectors/unauthorized_changes/every_reason.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["input"].clone()
}

fn files(input: &Value) -> (TempFile, TempFile) {
    (
        TempFile::json("history.json", &input["history"]),
        TempFile::json("schedule.json", &input["schedule"]),
    )
}

#[test]
fn exit_1_listing_outside_window_and_unknown_release() {
    let (h, s) = files(&every_reason());
    let run = relman(&["unauthorized-changes", h.path(), "--schedule", s.path()]);
    run.exits(1);
    let report = run.stdout_json();
    assert_eq!(report["checked"], 8);
    let by_id = |id: &str| -> Vec<Value> {
        report["unauthorized"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["deployment_id"] == id)
            .map(|d| {
                d["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["rule"].clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(by_id("D2"), [json!("outside_window")]);
    assert_eq!(by_id("D4"), [json!("unknown_release")]);
    assert!(by_id("D1").is_empty());
    assert!(by_id("D7").is_empty(), "staging is not production");
}

#[test]
fn exit_0_when_every_production_deployment_is_authorized() {
    let mut input = every_reason();
    let first = input["history"]["deployments"][0].clone();
    input["history"]["deployments"] = json!([first]);
    let (h, s) = files(&input);
    let run = relman(&["unauthorized-changes", h.path(), "--schedule", s.path()]);
    run.exits(0);
    assert_eq!(run.stdout_json()["unauthorized"], json!([]));
}

#[test]
fn the_generic_form_and_the_table() {
    let (h, s) = files(&every_reason());
    let run = relman(&[
        "unauthorized-changes",
        "--history",
        h.path(),
        "--schedule",
        s.path(),
    ]);
    run.exits(1);
    assert_eq!(run.stdout_json()["checked"], 8);
    let run = relman(&[
        "--format",
        "table",
        "unauthorized-changes",
        h.path(),
        "--schedule",
        s.path(),
    ]);
    run.exits(1);
    assert!(run.stdout.contains("outside_window"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("7 of 8 production deployments unauthorized"),
        "{}",
        run.stdout
    );
}

#[test]
fn policy_decides_what_is_production() {
    let (h, s) = files(&every_reason());
    let policy = TempFile::json(
        "policy.json",
        &json!({"kpi": {"production_environments": ["staging"]}}),
    );
    let run = relman(&[
        "unauthorized-changes",
        h.path(),
        "--schedule",
        s.path(),
        "--policy",
        policy.path(),
    ]);
    run.exits(1);
    let report = run.stdout_json();
    assert_eq!(report["checked"], 1);
    assert_eq!(report["unauthorized"][0]["deployment_id"], "D7");
}

#[test]
fn bad_input_exits_2_with_code_and_path() {
    let h = TempFile::json("history.json", &json!({"deployments": {"id": "D1"}}));
    let s = TempFile::json("schedule.json", &json!({}));
    let run = relman(&["unauthorized-changes", h.path(), "--schedule", s.path()]);
    run.exits(2);
    let err = run.stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "deployments");
}

#[test]
fn bundled_history_against_bundled_schedule() {
    let run = relman(&[
        "unauthorized-changes",
        &sample("history.json"),
        "--schedule",
        &sample("schedule.json"),
    ]);
    run.exits(1);
    let report = run.stdout_json();
    assert_eq!(report["checked"], 17);
    // Every release the history's deployments name is in the history
    // (closed, walked by scripts/genuine-fixtures) and covers its production
    // deployment; the one deployment without a release is the finding.
    let unauthorized = report["unauthorized"].as_array().unwrap();
    assert_eq!(unauthorized.len(), 1, "{report:#}");
    assert_eq!(unauthorized[0]["deployment_id"], "DEP-0031");
    assert!(unauthorized[0].get("release_id").is_none(), "{report:#}");
}

#[test]
fn order_lists_skipped_releases() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../core/tests/vectors/deployment_order/closed_and_cancelled_skipped.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let s = TempFile::json(
        "schedule.json",
        &json!({"releases": v["input"]["releases"]}),
    );
    let run = relman(&["order", s.path()]);
    run.exits(0);
    let order = run.stdout_json();
    assert_eq!(order["skipped"][0]["release"], "DEAD");
    assert_eq!(order["skipped"][1]["release"], "OLD");
    assert_eq!(order["warnings"][0]["code"], "cancelled_dependency");
    let run = relman(&["--format", "table", "order", s.path()]);
    run.exits(0);
    assert!(
        run.stdout
            .contains("skipped: DEAD (`DEAD` is cancelled: it will not ship)"),
        "{}",
        run.stdout
    );
}
