//! End-to-end tests of `relman cab-agenda`: Markdown, HTML, JSON and table
//! output on the bundled data (the same agenda as the core's snapshots),
//! and bad input with its code and path.

// Test code: a failing test should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

mod common;
use common::{relman, sample};

fn snapshot(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../core/tests/snapshots")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

const FROM: &str = "2026-11-30T00:00:00Z";
const TO: &str = "2026-12-14T00:00:00Z";

/// `relman --context … --policy … [FORMAT] cab-agenda schedule.json --from --to [EXTRA]`
/// with the bundled context, policy and history.
fn agenda(format: &[&str], extra: &[&str]) -> common::Run {
    let context = sample("context.json");
    let policy = sample("policy.json");
    let history = sample("history.json");
    let mut ctx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&context).unwrap()).unwrap();
    ctx["history"] = serde_json::from_str(&std::fs::read_to_string(&history).unwrap()).unwrap();
    let ctx_file = common::TempFile::json("agenda-context.json", &ctx);
    let schedule = sample("schedule.json");
    let mut args = vec!["--context", ctx_file.path(), "--policy", policy.as_str()];
    args.extend_from_slice(format);
    args.extend_from_slice(&["cab-agenda", schedule.as_str(), "--from", FROM, "--to", TO]);
    args.extend_from_slice(extra);
    relman(&args)
}

#[test]
fn markdown_html_and_json_match_the_core_snapshots() {
    let md = agenda(&[], &[]);
    md.exits(0);
    assert_eq!(md.stdout, snapshot("cab-agenda.md"));
    let html = agenda(&[], &["--agenda-format", "html"]);
    html.exits(0);
    assert_eq!(html.stdout, snapshot("cab-agenda.html"));
    let json = agenda(&["--format", "json"], &[]);
    json.exits(0);
    let expected: serde_json::Value = serde_json::from_str(&snapshot("cab-agenda.json")).unwrap();
    assert_eq!(json.stdout_json(), expected);
}

#[test]
fn table_has_one_line_per_item() {
    let run = agenda(&["--format", "table"], &[]);
    run.exits(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("CAB agenda "), "{}", run.stdout);
    assert!(lines[1].contains("REL-2026-041"), "{}", run.stdout);
    assert!(
        lines[1].contains("missing: cab 1, product_owner 1"),
        "{}",
        run.stdout
    );
    assert!(lines[2].contains("REL-2026-048"), "{}", run.stdout);
    assert_eq!(lines.last(), Some(&"2 releases awaiting approval"));
}

#[test]
fn a_period_that_does_not_end_after_it_starts_is_bad_input() {
    let schedule = sample("schedule.json");
    let run = relman(&["cab-agenda", &schedule, "--from", TO, "--to", FROM]);
    run.exits(2);
    let err = run.stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "period_end");
    let run = relman(&["cab-agenda", &schedule, "--from", "soon", "--to", TO]);
    run.exits(2);
}
