//! `relman report` (issue #28): the HTML page on stdout compared with the
//! snapshot `core/tests/snapshots/report-vector.html` (bless with
//! `RELMAN_BLESS=1`), the same bytes with `--out` and on a second run, the
//! JSON result's counts against `relman conflicts`, and bad input with its
//! error code and path.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;

mod common;
use common::{path, relman, TempFile};

#[path = "../../../core/tests/support/snapshot.rs"]
mod snapshot;

/// The schedule and history of the report's conformance vector as files.
fn vector_inputs() -> (TempFile, TempFile) {
    let text =
        std::fs::read_to_string(path("core/tests/vectors/report/calendar-and-kpis.json")).unwrap();
    let vector: Value = serde_json::from_str(&text).unwrap();
    (
        TempFile::json("report-schedule.json", &vector["input"]["schedule"]),
        TempFile::json("report-history.json", &vector["input"]["history"]),
    )
}

#[test]
fn the_page_matches_its_snapshot_and_is_the_same_on_every_run_and_with_out() {
    let (schedule, history) = vector_inputs();
    let args = [
        "report",
        schedule.path(),
        "--history",
        history.path(),
        "--time-zone",
        "Europe/Berlin",
        "--title",
        "Shop & search <week 49>",
        "--now",
        "2026-11-30T08:00:00Z",
    ];
    let first = relman(&args);
    first.exits(0);
    assert!(
        first.stdout.starts_with("<!DOCTYPE html>"),
        "{}",
        first.context()
    );
    snapshot::snapshot("report-vector.html", &first.stdout);
    let second = relman(&args);
    assert_eq!(first.stdout, second.stdout);

    let out = TempFile::new("report-out.html", "");
    let mut with_out = args.to_vec();
    with_out.extend(["--out", out.path()]);
    let written = relman(&with_out);
    written.exits(0);
    assert_eq!(written.stdout, "");
    assert_eq!(std::fs::read_to_string(out.path()).unwrap(), first.stdout);

    // The vector's expected page is the same page: one renderer for all.
    let text =
        std::fs::read_to_string(path("core/tests/vectors/report/calendar-and-kpis.json")).unwrap();
    let vector: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(vector["expected"]["html"].as_str().unwrap(), first.stdout);
}

#[test]
fn the_json_result_counts_what_relman_conflicts_finds() {
    let (schedule, history) = vector_inputs();
    let run = relman(&[
        "report",
        schedule.path(),
        "--history",
        history.path(),
        "--format",
        "json",
    ]);
    run.exits(0);
    let report = run.stdout_json();
    let conflicts = relman(&["conflicts", schedule.path(), "--format", "json"]).stdout_json();
    let found = conflicts["conflicts"].as_array().unwrap().len();
    assert!(found > 0);
    assert_eq!(report["conflicts"], found);
    let doc = schedule.read_json();
    assert_eq!(
        report["releases"],
        doc["releases"].as_array().unwrap().len()
    );
    assert_eq!(report["changes"], doc["changes"].as_array().unwrap().len());
    assert_eq!(report["charts"], 4);
    let html = report["html"].as_str().unwrap();
    assert_eq!(html.matches("<tr id=\"c").count(), found);

    // Monthly KPI buckets: the charts' x labels are months.
    let monthly = relman(&[
        "report",
        schedule.path(),
        "--history",
        history.path(),
        "--series",
        "month",
    ]);
    monthly.exits(0);
    assert!(
        monthly.stdout.contains(">2026-11</text>"),
        "{}",
        monthly.stdout
    );
    assert!(!html.contains(">2026-11</text>"));
}

#[test]
fn bad_input_names_its_code_and_path() {
    let schedule = path("examples/data/schedule.json");
    let zone = relman(&["report", &schedule, "--time-zone", "Mars/Olympus"]);
    zone.exits(2);
    assert!(
        zone.stderr.contains("options.time_zone") && zone.stderr.contains("invalid_input"),
        "{}",
        zone.context()
    );
    let backwards = relman(&[
        "report",
        &schedule,
        "--from",
        "2026-12-10T00:00:00Z",
        "--to",
        "2026-12-01T00:00:00Z",
        "--format",
        "json",
    ]);
    backwards.exits(2);
    let err = backwards.stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "options.to");
    let series = relman(&["report", &schedule, "--series", "year"]);
    series.exits(2);
    assert!(series.stderr.contains("year"), "{}", series.context());
    let group = relman(&["report", &schedule, "--group-by", "team"]);
    group.exits(2);
    assert!(group.stderr.contains("team"), "{}", group.context());
}
