//! Issue #20, the emergency path through the CLI (acceptance 2): the gate
//! report of an emergency release deployed before approval and overdue
//! 72 h + 1 s after `start_deployment` (`relman check`, JSON and table),
//! and `relman overdue` (JSON and table, exit 1 when something is
//! overdue, 0 at exactly 72 h, 2 without --now). The inputs are the core's
//! conformance vectors (genuine logs); the outputs are snapshots under
//! `core/tests/snapshots/` (bless with `RELMAN_BLESS=1`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::path::PathBuf;

mod common;
use common::{relman, TempFile};

#[path = "../../../core/tests/support/snapshot.rs"]
mod snapshot;
use snapshot::snapshot;

fn vector(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../core/tests/vectors")
        .join(format!("{name}.json"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["input"].clone()
}

const DUE: &str = "2026-11-17T22:00:00Z";
const DUE_PLUS_1S: &str = "2026-11-17T22:00:01Z";

#[test]
fn check_reports_the_overdue_retrospective_approval() {
    let input = vector("check/emergency_retrospective_overdue");
    let release = TempFile::json("release.json", &input["release"]);
    let context = TempFile::json("context.json", &input["context"]);
    let args = [
        "check",
        release.path(),
        "--to",
        "closed",
        "--context",
        context.path(),
        "--now",
        DUE_PLUS_1S,
    ];
    let run = relman(&args);
    run.exits(1);
    let report = run.stdout_json();
    let req = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "emergency.retrospective_approval")
        .unwrap();
    assert_eq!(req["met"], false);
    assert_eq!(req["data"]["overdue_secs"], 1);
    snapshot(
        "governance-emergency-check.json",
        &(serde_json::to_string_pretty(&report).unwrap() + "\n"),
    );
    let mut table = args.to_vec();
    table.extend(["--format", "table"]);
    let run = relman(&table);
    run.exits(1);
    assert!(run.stdout.contains("emergency.retrospective_approval"));
    snapshot("governance-emergency-check-table.txt", &run.stdout);
}

#[test]
fn overdue_lists_the_release_at_72h_plus_1s_and_nothing_at_72h() {
    let input = vector("overdue/overdue_at_72h_plus_1s");
    let schedule = TempFile::json("schedule.json", &input["schedule"]);
    let context = TempFile::json("context.json", &input["context"]);
    let run = relman(&[
        "overdue",
        schedule.path(),
        "--now",
        DUE_PLUS_1S,
        "--context",
        context.path(),
    ]);
    run.exits(1);
    let report = run.stdout_json();
    assert_eq!(report["releases"][0]["release_id"], "REL-EM-1");
    assert_eq!(report["releases"][0]["overdue_secs"], 1);
    assert_eq!(report["releases"][0]["deployed_by"], "dana");
    snapshot(
        "governance-emergency-overdue.json",
        &(serde_json::to_string_pretty(&report).unwrap() + "\n"),
    );
    let run = relman(&[
        "overdue",
        schedule.path(),
        "--now",
        DUE_PLUS_1S,
        "--context",
        context.path(),
        "--format",
        "table",
    ]);
    run.exits(1);
    snapshot("governance-emergency-overdue-table.txt", &run.stdout);

    let run = relman(&["overdue", schedule.path(), "--now", DUE]);
    run.exits(0);
    assert_eq!(run.stdout_json()["releases"], serde_json::json!([]));
    assert_eq!(run.stdout_json()["pending"], 1);

    // Without --now: the system clock, named on stderr (long past DUE).
    let run = relman(&["overdue", schedule.path()]);
    run.exits(1);
    assert!(run
        .stderr
        .starts_with("note: no --now: using the system clock, "));
}
