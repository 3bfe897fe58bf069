//! End-to-end tests of `relman conflicts`, `relman slots` and `relman
//! order`: exit codes, JSON and table output, and errors on stderr.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside `#[test]` functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::json;
use std::path::PathBuf;

mod common;
use common::{relman, TempFile};

#[path = "../../../core/tests/support/fixtures.rs"]
mod fixtures;
use fixtures::rel;

fn clashing() -> TempFile {
    TempFile::json(
        "schedule.json",
        &json!({"releases": [
            rel("A", "2026-12-01T22:00:00Z", "2026-12-02T01:00:00Z", &["web-1"], "x"),
            rel("B", "2026-12-02T00:00:00Z", "2026-12-02T02:00:00Z", &["web-1"], "y"),
        ]}),
    )
}

#[test]
fn conflicts_exit_1_on_a_blocking_conflict() {
    let f = clashing();
    let run = relman(&["conflicts", f.path()]);
    run.exits(1);
    let report = run.stdout_json();
    assert_eq!(report["blocking"], 1);
    assert_eq!(report["conflicts"][0]["kind"], "ci_overlap");
    assert_eq!(report["conflicts"][0]["items"], json!(["A", "B"]));
}

#[test]
fn conflicts_exit_0_when_nothing_blocks_and_policy_overrides() {
    let policy = TempFile::json(
        "policy.json",
        &json!({"conflicts": {"severity": {"ci_overlap": "warn"}}}),
    );
    let f = clashing();
    let run = relman(&["conflicts", f.path(), "--policy", policy.path()]);
    run.exits(0);
    assert_eq!(run.stdout_json()["conflicts"][0]["severity"], "warn");
    let clean = TempFile::json(
        "clean.json",
        &json!({"releases": [rel("A", "2026-12-01T22:00:00Z", "2026-12-02T00:00:00Z", &["web-1"], "x"),
                              rel("B", "2026-12-02T00:00:00Z", "2026-12-02T02:00:00Z", &["web-1"], "y")]}),
    );
    relman(&["conflicts", clean.path()]).exits(0);
}

#[test]
fn conflicts_table_lists_each_conflict_and_a_verdict() {
    let f = clashing();
    let run = relman(&["conflicts", f.path(), "--format", "table"]);
    run.exits(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("[block] ci_overlap"), "{}", run.stdout);
    assert!(lines[0].contains("A, B"), "{}", run.stdout);
    assert_eq!(
        *lines.last().unwrap(),
        "verdict: blocked: 1 blocking conflict, 0 warnings"
    );
}

#[test]
fn conflicts_bad_input_is_exit_2_with_code_and_path() {
    let f = TempFile::json(
        "bad.json",
        &json!({"calendar": {"blackouts": [{"id": "b", "name": "b", "recurrence":
            {"freq": "daily", "start_time": "09:00", "duration_secs": 60, "time_zone": "Mars/Olympus"}}]}}),
    );
    let run = relman(&["conflicts", f.path()]);
    run.exits(2);
    let err = run.stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "calendar.blackouts[0].recurrence.time_zone");
}

#[test]
fn conflicts_on_the_bundled_sample_schedule() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/schedule.json");
    let run = relman(&["conflicts", path.to_str().unwrap()]);
    assert!(run.code == 0 || run.code == 1, "{}", run.context());
    assert!(run.stdout_json()["conflicts"].is_array());
}

fn slot_schedule() -> TempFile {
    let mut new = rel("NEW", "x", "y", &["web-1"], "x");
    new.as_object_mut().unwrap().remove("planned_start");
    new.as_object_mut().unwrap().remove("planned_end");
    TempFile::json(
        "slots.json",
        &json!({
            "cmdb": {"cis": [{"id": "web-1", "name": "web", "class": "server", "maintenance_windows": ["nightly"]}]},
            "calendar": {"maintenance_windows": [{"id": "nightly", "name": "Nightly", "recurrence":
                {"freq": "daily", "start_time": "22:00", "duration_secs": 14400, "time_zone": "UTC"}}]},
            "releases": [rel("BUSY", "2026-12-01T22:00:00Z", "2026-12-02T00:00:00Z", &["web-1"], "y"), new]
        }),
    )
}

#[test]
fn slots_with_now_duration_horizon_and_count() {
    let f = slot_schedule();
    let run = relman(&[
        "slots",
        f.path(),
        "--item",
        "NEW",
        "--duration",
        "2h",
        "--horizon",
        "2d",
        "--count",
        "2",
        "--now",
        "2026-12-01T12:00:00Z",
    ]);
    run.exits(0);
    let out = run.stdout_json();
    assert_eq!(out["duration_secs"], 7200);
    assert_eq!(out["until"], "2026-12-03T12:00:00Z");
    let slots: Vec<(String, String)> = out["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start"].as_str().unwrap().into(),
                s["end"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        slots,
        vec![
            ("2026-12-02T00:00:00Z".into(), "2026-12-02T02:00:00Z".into()),
            ("2026-12-02T22:00:00Z".into(), "2026-12-03T00:00:00Z".into()),
        ]
    );
    let table = relman(&[
        "slots",
        f.path(),
        "--item",
        "NEW",
        "--duration",
        "90m",
        "--count",
        "1",
        "--now",
        "2026-12-01T12:00:00Z",
        "--format",
        "table",
    ]);
    table.exits(0);
    assert!(
        table
            .stdout
            .contains("1. 2026-12-02T00:00:00Z → 2026-12-02T01:30:00Z"),
        "{}",
        table.stdout
    );
}

#[test]
fn slots_none_found_is_exit_1() {
    let f = slot_schedule();
    // 12:00–20:00 holds no maintenance window.
    relman(&[
        "slots",
        f.path(),
        "--item",
        "NEW",
        "--duration",
        "1h",
        "--horizon",
        "8h",
        "--now",
        "2026-12-01T12:00:00Z",
    ])
    .exits(1);
}

#[test]
fn slots_takes_the_clock_without_now_and_needs_valid_durations() {
    let f = slot_schedule();
    // Without --now the search starts at the system clock, named on stderr.
    let run = relman(&["slots", f.path(), "--item", "NEW", "--duration", "2h"]);
    run.exits(0);
    assert!(
        run.stderr
            .starts_with("note: no --now: using the system clock, "),
        "{}",
        run.context()
    );
    let run = relman(&[
        "slots",
        f.path(),
        "--item",
        "NEW",
        "--duration",
        "2 hours",
        "--now",
        "2026-12-01T12:00:00Z",
    ]);
    run.exits(2);
    assert_eq!(run.stderr_json()["code"], "invalid_input");
    let run = relman(&[
        "slots",
        f.path(),
        "--item",
        "GHOST",
        "--duration",
        "2h",
        "--now",
        "2026-12-01T12:00:00Z",
    ]);
    run.exits(2);
    assert_eq!(run.stderr_json()["path"], "item");
}

/// Found on main: a duration of 106751991167300 days overflowed the slot
/// arithmetic. The flag's parser now refuses anything longer than the span
/// chrono's instants hold, as a usage error naming the flag.
#[test]
fn slots_refuses_a_duration_no_time_can_hold() {
    let f = slot_schedule();
    for flag in ["--duration", "--horizon"] {
        let mut args = vec![
            "slots",
            f.path(),
            "--item",
            "NEW",
            "--now",
            "2026-12-01T12:00:00Z",
        ];
        if flag == "--horizon" {
            args.extend(["--duration", "1h"]);
        }
        args.extend([flag, "106751991167300d"]);
        let run = relman(&args);
        run.exits(2);
        let err = run.stderr_json();
        assert_eq!(err["code"], "invalid_input", "{}", run.context());
        let message = err["message"].as_str().unwrap();
        assert!(message.contains(flag), "{message}");
        assert!(message.contains("longest duration"), "{message}");
    }
    // The longest duration parses; the search then finds no slot in 30 days
    // (an item with no CI: no calendar to expand over the duration).
    let mut new = rel("NEW", "x", "y", &[], "x");
    new.as_object_mut().unwrap().remove("planned_start");
    new.as_object_mut().unwrap().remove("planned_end");
    let bare = TempFile::json("bare.json", &json!({ "releases": [new] }));
    let longest = format!("{}s", relman_cli::parsers::MAX_DURATION_SECS);
    let run = relman(&[
        "slots",
        bare.path(),
        "--item",
        "NEW",
        "--duration",
        &longest,
        "--now",
        "2026-12-01T12:00:00Z",
    ]);
    run.exits(1);
    assert_eq!(
        run.stdout_json()["warnings"][0]["code"],
        "duration_exceeds_horizon"
    );
}

#[test]
fn order_prints_waves_and_critical_path() {
    let mut b = rel(
        "B",
        "2026-12-02T00:00:00Z",
        "2026-12-02T05:00:00Z",
        &["w"],
        "x",
    );
    b["depends_on"] = json!(["A"]);
    let f = TempFile::json(
        "order.json",
        &json!({"releases": [b, rel("A", "2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z", &["w"], "x")]}),
    );
    let run = relman(&["order", f.path()]);
    run.exits(0);
    let out = run.stdout_json();
    assert_eq!(out["waves"][0]["releases"], json!(["A"]));
    assert_eq!(out["waves"][1]["releases"], json!(["B"]));
    assert_eq!(out["critical_path"]["duration_secs"], 6 * 3600);
    let table = relman(&["order", f.path(), "--format", "table"]);
    assert_eq!(
        table.stdout.lines().collect::<Vec<_>>(),
        [
            "wave 1: A",
            "wave 2: B",
            "critical path: A → B (6h00m planned)"
        ]
    );
}

#[test]
fn order_cycle_is_exit_2_naming_members() {
    let mut a = rel(
        "A",
        "2026-12-01T00:00:00Z",
        "2026-12-01T01:00:00Z",
        &["w"],
        "x",
    );
    let mut b = rel(
        "B",
        "2026-12-02T00:00:00Z",
        "2026-12-02T05:00:00Z",
        &["w"],
        "x",
    );
    a["depends_on"] = json!(["B"]);
    b["depends_on"] = json!(["A"]);
    let f = TempFile::json("cycle.json", &json!({"releases": [a, b]}));
    let run = relman(&["order", f.path()]);
    run.exits(2);
    let err = run.stderr_json();
    assert_eq!(err["path"], "releases[0].depends_on");
    assert!(err["message"].as_str().unwrap().contains("A, B"), "{}", err);
}
