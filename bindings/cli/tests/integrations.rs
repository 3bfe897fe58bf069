//! End-to-end tests of `relman notes`, `relman calendar`, `relman
//! import-servicenow` and `relman export-servicenow`: output, exit codes
//! and errors on stderr.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside `#[test]` functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;

mod common;
use common::{path, relman, root};

#[test]
fn notes_markdown_html_and_json() {
    let minor = path("examples/data/release-minor.json");
    let md = relman(&["notes", &minor]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert!(md.stdout.starts_with("# Catalog 3.8"));
    let expected =
        std::fs::read_to_string(root().join("core/tests/snapshots/notes-release-minor.md"))
            .unwrap();
    assert_eq!(md.stdout, expected);
    let html = relman(&["notes", &minor, "--notes-format", "html"]);
    assert_eq!(html.code, 0);
    assert!(html.stdout.starts_with("<article"));
    let json = relman(&["--format", "json", "notes", &minor]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["format"], "markdown");
    let bad = relman(&["notes", &path("examples/data/cmdb.json")]);
    assert_eq!(bad.code, 2);
    let err: Value = serde_json::from_str(&bad.stderr).unwrap();
    assert_eq!(err["code"], "invalid_input");
}

#[test]
fn calendar_writes_ics_to_stdout() {
    let f = path("core/tests/fixtures/ics/dst-schedule.json");
    let r = relman(&[
        "--now",
        "2026-10-20T08:00:00Z",
        "calendar",
        &f,
        "--horizon-days",
        "14",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(r.stdout.ends_with("END:VCALENDAR\r\n"));
    // Two releases and the weekly blackout as one RRULE series.
    assert_eq!(r.stdout.matches("BEGIN:VEVENT").count(), 3);
    assert_eq!(r.stdout.matches("\r\nRRULE:").count(), 1);
    // Maintenance windows only with --maintenance-windows.
    let nights = path("core/tests/fixtures/ics/dst-nights.json");
    let args = ["--now", "2026-03-01T00:00:00Z", "calendar", &nights];
    let without = relman(&args);
    assert_eq!(without.code, 0, "{}", without.stderr);
    assert!(!without.stdout.contains("CATEGORIES:MAINTENANCE"));
    let with = relman(&[&args[..], &["--maintenance-windows"]].concat());
    assert_eq!(with.code, 0, "{}", with.stderr);
    assert!(with
        .stdout
        .contains("UID:maintenance-MW-BER-SUNDAY-series-20251026T003000Z@relman.invalid\r\n"));
    let tz = relman(&[
        "--now",
        "2026-10-20T08:00:00Z",
        "calendar",
        &f,
        "--time-zone",
        "Europe/Amsterdam",
    ]);
    assert!(tz.stdout.contains("BEGIN:VTIMEZONE"));
    // Without --now, DTSTAMP is the system clock, named on stderr; a bad
    // zone is an error with a path.
    let no_now = relman(&["calendar", &f]);
    assert_eq!(no_now.code, 0, "{}", no_now.stderr);
    assert!(no_now
        .stderr
        .starts_with("note: no --now: using the system clock, "));
    let bad = relman(&[
        "--now",
        "2026-10-20T08:00:00Z",
        "calendar",
        &f,
        "--time-zone",
        "Mars/Base",
    ]);
    assert_eq!(bad.code, 2);
    let err: Value = serde_json::from_str(&bad.stderr).unwrap();
    assert_eq!(err["path"], "options.time_zone");
}

fn import_args() -> Vec<String> {
    let f = |n: &str| path(&format!("core/tests/fixtures/servicenow/{n}.json"));
    vec![
        "import-servicenow".into(),
        "--change-requests".into(),
        f("change_request"),
        "--releases".into(),
        f("rm_release"),
        "--cis".into(),
        f("cmdb_ci"),
        "--rels".into(),
        f("cmdb_rel_ci"),
        "--approvals".into(),
        f("sysapproval_approver"),
    ]
}

#[test]
fn import_then_export_servicenow() {
    let args = import_args();
    let r = relman(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let imported: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(imported["schedule"]["releases"][0]["id"], "RLSE0010041");
    assert_eq!(
        imported["schedule"]["releases"][0]["changes"][0]["u_jira_key"],
        "CAT-1182"
    );
    let export = serde_json::json!({
        "schedule": imported["schedule"],
        "conflicts": {"conflicts": [], "blocking": 0, "warnings": []},
        "now": "2026-11-29T10:00:00Z"
    });
    let file =
        std::env::temp_dir().join(format!("relman-integrations-{}.json", std::process::id()));
    std::fs::write(&file, export.to_string()).unwrap();
    let e = relman(&["export-servicenow", file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let patches: Value = serde_json::from_str(&e.stdout).unwrap();
    for p in patches["patches"].as_array().unwrap() {
        assert_eq!(p["table"], "change_request");
        assert_eq!(p["fields"]["conflict_status"], "No Conflict");
    }
    let table = relman(&[
        "--format",
        "table",
        "import-servicenow",
        "--change-requests",
        &path("core/tests/fixtures/servicenow/change_request.json"),
    ]);
    assert_eq!(table.code, 0);
    assert!(table.stdout.contains("change CHG0041101"));
}

#[test]
fn import_errors_name_the_record() {
    let dir = std::env::temp_dir();
    let mut crs: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("core/tests/fixtures/servicenow/change_request.json"))
            .unwrap(),
    )
    .unwrap();
    crs["result"][0]["state"] = "42".into();
    let file = dir.join(format!(
        "relman-integrations-bad-{}.json",
        std::process::id()
    ));
    std::fs::write(&file, crs.to_string()).unwrap();
    let r = relman(&[
        "import-servicenow",
        "--change-requests",
        file.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(r.code, 2);
    let err: Value = serde_json::from_str(&r.stderr).unwrap();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "change_requests.result[0].state");
    assert!(
        err["message"].as_str().unwrap().contains("CHG0041101"),
        "{err}"
    );
}
