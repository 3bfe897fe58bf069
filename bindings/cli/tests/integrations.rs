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

/// The ServiceNow fixture tables the CLI tests import, by table name.
const FIXTURE_TABLES: [&str; 5] = [
    "change_request",
    "rm_release",
    "cmdb_ci",
    "cmdb_rel_ci",
    "sysapproval_approver",
];

fn fixture_table(name: &str) -> String {
    path(&format!("core/tests/fixtures/servicenow/{name}.json"))
}

fn import_args() -> Vec<String> {
    let mut args = vec!["import-servicenow".to_string()];
    for name in FIXTURE_TABLES {
        args.push("--table".into());
        args.push(format!("{name}={}", fixture_table(name)));
    }
    args
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
    // Every approval record is kept, typed, with its state; the approver is
    // a sys_id (no sys_user table given), never a display name.
    let approvals = imported["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 3, "{imported:#}");
    assert_eq!(approvals[0]["sys_id"], "ap1");
    assert_eq!(approvals[0]["table"], "sysapproval_approver");
    assert_eq!(approvals[0]["task"], "CHG0041102");
    assert_eq!(approvals[0]["approver"], "u9");
    assert_eq!(approvals[0]["state"], "approved");
    assert_eq!(approvals[1]["state"], "requested");
    assert!(approvals[1].get("decision").is_none(), "{imported:#}");
    // The vote on the release is not in its approvals: it is an `import`
    // command for its log.
    let release = &imported["schedule"]["releases"][0];
    assert!(
        release
            .get("approvals")
            .is_none_or(|a| a == &serde_json::json!([])),
        "{release:#}"
    );
    let commands = imported["commands"].as_array().unwrap();
    assert_eq!(commands.len(), 1, "{imported:#}");
    assert_eq!(commands[0]["command"], "import");
    assert_eq!(commands[0]["approvals"][0]["approver"], "u7");
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
        "--table",
        &format!("change_request={}", fixture_table("change_request")),
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
        "--table",
        &format!("change_request={}", file.to_str().unwrap()),
    ]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(r.code, 2);
    let err: Value = serde_json::from_str(&r.stderr).unwrap();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "tables.change_request.result[0].state");
    assert!(
        err["message"].as_str().unwrap().contains("CHG0041101"),
        "{err}"
    );
}

/// Runs `relman import-servicenow ARGS` and returns the error of an exit 2.
fn import_refused(args: &[&str]) -> Value {
    let run = relman(&[&["import-servicenow"], args].concat());
    run.exits(2);
    let err = run.stderr_json();
    assert_eq!(err["code"], "invalid_input", "{err:#}");
    err
}

#[test]
fn import_reads_repeated_tables_or_a_folder_of_them() {
    // `--table NAME=FILE`, repeated: each file lands in its table.
    let args = import_args();
    let by_table = relman(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let by_table = by_table.exits(0).stdout_json();
    assert_eq!(
        by_table["schedule"]["releases"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        by_table["schedule"]["cmdb"]["cis"]
            .as_array()
            .unwrap()
            .len(),
        std::fs::read_to_string(fixture_table("cmdb_ci"))
            .map(|t| serde_json::from_str::<Value>(&t).unwrap()["result"]
                .as_array()
                .unwrap()
                .len())
            .unwrap()
    );
    // A folder of NAME.json files imports the same.
    let dir = std::env::temp_dir().join(format!("relman-integrations-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in FIXTURE_TABLES {
        std::fs::copy(fixture_table(name), dir.join(format!("{name}.json"))).unwrap();
    }
    let by_dir = relman(&["import-servicenow", "--dir", dir.to_str().unwrap()]);
    assert_eq!(by_dir.code, 0, "{}", by_dir.context());
    assert_eq!(by_dir.stdout_json(), by_table);
    // A file that is not NAME.json of a table is refused, naming it.
    std::fs::write(dir.join("notes.txt"), "").unwrap();
    let err = import_refused(&["--dir", dir.to_str().unwrap()]);
    assert!(
        err["message"].as_str().unwrap().contains("notes.txt"),
        "{err:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    // A bare list of records is a table too.
    let list = std::env::temp_dir().join(format!(
        "relman-integrations-list-{}.json",
        std::process::id()
    ));
    let crs: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_table("change_request")).unwrap())
            .unwrap();
    std::fs::write(&list, crs["result"].to_string()).unwrap();
    let run = relman(&[
        "import-servicenow",
        "--table",
        &format!("change_request={}", list.to_str().unwrap()),
    ]);
    let _ = std::fs::remove_file(&list);
    assert_eq!(run.code, 0, "{}", run.context());
}

#[test]
fn import_refuses_bad_table_arguments() {
    let crs = fixture_table("change_request");
    // An unknown table name (the old option's plural) is named.
    let err = import_refused(&["--table", &format!("change_requests={crs}")]);
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("`change_requests`"), "{err:#}");
    assert!(message.contains("change_request,"), "{err:#}");
    // A table given twice.
    let err = import_refused(&[
        "--table",
        &format!("change_request={crs}"),
        "--table",
        &format!("change_request={crs}"),
    ]);
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("given twice"), "{err:#}");
    assert!(message.contains("change_request"), "{err:#}");
    // `--table` without `=`.
    let err = import_refused(&["--table", &crs]);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("expected NAME=FILE"),
        "{err:#}"
    );
    // No table at all.
    let err = import_refused(&[]);
    assert!(
        err["message"].as_str().unwrap().contains("no table given"),
        "{err:#}"
    );
    // The old flags are gone (a usage error).
    let old = relman(&["import-servicenow", "--change-requests", &crs]);
    assert_eq!(old.code, 2, "{}", old.context());
}

#[test]
fn display_only_dates_need_the_users_zone() {
    let rows = serde_json::json!([{
        "sys_id": "chg1", "number": "CHG1", "state": "Scheduled",
        "start_date": "2026-12-01 12:00:00", "end_date": "2026-12-01 13:00:00"
    }]);
    let file = std::env::temp_dir().join(format!(
        "relman-integrations-display-{}.json",
        std::process::id()
    ));
    std::fs::write(&file, rows.to_string()).unwrap();
    let table = format!("change_request={}", file.to_str().unwrap());
    // Declared display-only, no zone: the date is refused at its path,
    // never read as UTC.
    let err = import_refused(&["--table", &table, "--display-value", "true"]);
    assert_eq!(
        err["path"], "tables.change_request[0].start_date",
        "{err:#}"
    );
    assert!(
        err["message"].as_str().unwrap().contains("time_zone"),
        "{err:#}"
    );
    // With the user's zone and format: 12:00 in Los Angeles is 20:00 UTC.
    let run = relman(&[
        "import-servicenow",
        "--table",
        &table,
        "--display-value",
        "true",
        "--time-zone",
        "America/Los_Angeles",
        "--date-format",
        "yyyy-MM-dd",
    ]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(run.code, 0, "{}", run.context());
    let out = run.stdout_json();
    assert_eq!(
        out["schedule"]["changes"][0]["planned_start"], "2026-12-01T20:00:00Z",
        "{out:#}"
    );
}
