//! End-to-end tests of `relman closure`: JSON and table output on the
//! bundled sample, a release rolled back through `relman apply` (closure and
//! notes keep its problems open), exit codes and errors on stderr.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside `#[test]` functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};

mod common;
use common::{path, relman, root, TempFile};

#[test]
fn closure_json_matches_the_snapshot_and_table_names_each_record() {
    let minor = path("examples/data/release-minor.json");
    let run = relman(&["closure", &minor]);
    run.exits(0);
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("core/tests/snapshots/closure-release-minor.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(run.stdout_json(), expected);

    let table = relman(&["--format", "table", "closure", &minor]);
    table.exits(0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(
        lines[0].starts_with("closure REL-2026-041: keep open [closure.not_deployed]"),
        "{}",
        table.stdout
    );
    assert!(lines.contains(&"open problem PRB0040117 (not_deployed)"));
    assert!(lines.contains(&"open knowledge_article KB0012044 (not_deployed)"));
}

/// The bundled context with the bundled calendar, schedule and CMDB (what
/// readiness needs: the assessed risk reads the CMDB).
fn ready_context() -> TempFile {
    let read = |rel: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(path(rel)).unwrap()).unwrap()
    };
    let mut ctx = read("examples/data/context.json");
    for part in ["calendar", "schedule", "cmdb"] {
        ctx[part] = read(&format!("examples/data/{part}.json"));
    }
    TempFile::json("ready-context.json", &ctx)
}

#[test]
fn a_release_rolled_back_through_apply_keeps_its_problems_open() {
    let ready = ready_context();
    let ctx = [
        "--context",
        ready.path(),
        "--policy",
        &path("examples/data/policy.json"),
    ]
    .map(String::from);
    let deploying = TempFile::new("deploying.json", "");
    let rolled = TempFile::new("rolled.json", "");
    let ok = TempFile::new("ok.json", "");
    let apply = |now: &str, from: &str, out: &str, extra: &[&str]| {
        let mut args: Vec<&str> = ctx.iter().map(String::as_str).collect();
        args.extend(["--now", now, "apply", from]);
        args.extend(extra);
        args.extend(["--actor", "chidi.okafor", "--out", out]);
        relman(&args).exits(0);
    };
    std::fs::remove_file(&deploying.0).unwrap();
    std::fs::remove_file(&rolled.0).unwrap();
    std::fs::remove_file(&ok.0).unwrap();
    apply(
        "2026-12-01T20:05:00Z",
        &path("examples/data/release-minor.json"),
        deploying.path(),
        &["--command", "start_deployment"],
    );
    apply(
        "2026-12-01T21:40:00Z",
        deploying.path(),
        rolled.path(),
        &["--command", "roll_back", "--reason", "latency regressed"],
    );
    apply(
        "2026-12-01T21:40:00Z",
        deploying.path(),
        ok.path(),
        &["--command", "complete_deployment", "--outcome", "success"],
    );

    let c = relman(&["closure", rolled.path()]);
    c.exits(0);
    let v = c.stdout_json();
    assert_eq!(v["disposition"], "keep_open");
    assert_eq!(v["reason"], "rolled_back");
    assert_eq!(v["resolve"]["problems"], json!([]));
    assert!(v["keep_open"]
        .as_array()
        .unwrap()
        .contains(&json!({"kind": "problem", "id": "PRB0040117", "reason": "rolled_back"})));
    let notes = relman(&["notes", rolled.path()]);
    notes.exits(0);
    assert!(notes.stdout.contains("## Still open"), "{}", notes.stdout);
    assert!(!notes.stdout.contains("Problems fixed"), "{}", notes.stdout);

    let c = relman(&["--format", "table", "closure", ok.path()]);
    c.exits(0);
    assert!(
        c.stdout.contains("resolve problem PRB0040117"),
        "{}",
        c.stdout
    );
    assert!(c.stdout.contains("publish knowledge_article KB0012044"));
    let notes = relman(&["notes", ok.path()]);
    assert!(notes.stdout.contains("### Problems fixed\n\n- PRB0040117"));
}

#[test]
fn bad_input_exits_2_with_code_and_path() {
    let bad = relman(&["closure", &path("examples/data/cmdb.json")]);
    bad.exits(2);
    assert_eq!(bad.stderr_json()["code"], "invalid_input");
    let f = TempFile::json(
        "bad.json",
        &json!({"id": "R", "title": "T", "kind": "minor", "state": "planning",
                "links": {"known_errors": "KE1"}}),
    );
    let bad = relman(&["closure", f.path()]);
    bad.exits(2);
    let err = bad.stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "links.known_errors");
}
