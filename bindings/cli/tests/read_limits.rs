//! The read-time limits through the CLI for inputs that are not documents:
//! `import-servicenow` tables, the `export-servicenow` input and the
//! parameters of `relman call` (docs/limits.md). Each case checks exit 2,
//! the code `limit_exceeded` and the path.

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
use common::{relman, TempFile};

#[path = "../../../core/tests/support/fixtures.rs"]
mod fixtures;
use fixtures::THREE_MIB;

fn records(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "sys_id": format!("sys{i}"),
                "number": format!("CHG{i:07}"),
                "short_description": "Patch"
            })
        })
        .collect()
}

fn limit_error(args: &[&str]) -> Value {
    let run = relman(args);
    run.exits(2);
    let err = run.stderr_json();
    assert_eq!(err["code"], "limit_exceeded", "{err:#}");
    err
}

#[test]
fn an_import_file_past_256_mib_is_limit_exceeded() {
    // A file of 256 MiB + 1 bytes, sparse: it takes no disk space and
    // nothing of the test's memory (the binary reads it and stops at its
    // size).
    let file = TempFile::new("huge-change-requests.json", "{\"result\": [");
    let size = 256 * 1024 * 1024 + 1;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file.0)
        .unwrap()
        .set_len(size)
        .unwrap();
    let table = format!("change_request={}", file.path());
    let err = limit_error(&["import-servicenow", "--table", &table]);
    // The size of the table as a whole: core's check names the table; a
    // reader that refuses the file before core sees it names no path.
    let path = err["path"].as_str().unwrap_or("");
    assert!(
        path == "tables.change_request" || path.is_empty(),
        "{err:#}"
    );
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("268435456"), "{err:#}");
}

#[test]
fn a_3_mib_field_of_an_import_is_limit_exceeded_at_its_path() {
    let mut table = json!({ "result": records(4) });
    table["result"][3]["short_description"] = Value::String("x".repeat(THREE_MIB));
    let file = TempFile::new("long-field.json", &table.to_string());
    let ok = TempFile::json("ok.json", &json!({ "result": records(1) }));
    let table = format!("change_request={}", file.path());
    let err = limit_error(&["import-servicenow", "--table", &table]);
    assert_eq!(
        err["path"],
        "tables.change_request.result[3].short_description"
    );
    // Every table is named by its own ServiceNow name.
    let err = limit_error(&[
        "import-servicenow",
        "--table",
        &format!("change_request={}", ok.path()),
        "--table",
        &format!("cmdb_ci={}", file.path()),
    ]);
    assert_eq!(err["path"], "tables.cmdb_ci.result[3].short_description");
}

#[test]
fn more_than_a_million_records_are_limit_exceeded_at_the_list() {
    // 1.2 million tiny records: `0` is not a record, but the count is
    // refused before anything is parsed.
    let n = 1_200_000;
    let mut text = String::with_capacity(2 * n + 16);
    text.push_str("{\"result\": [0");
    for _ in 1..n {
        text.push_str(",0");
    }
    text.push_str("]}");
    let file = TempFile::new("many.json", &text);
    let table = format!("change_request={}", file.path());
    let err = limit_error(&["import-servicenow", "--table", &table]);
    assert_eq!(err["path"], "tables.change_request.result");
}

#[test]
fn the_export_input_is_read_under_the_limits() {
    let export = json!({
        "schedule": {
            "releases": [{
                "id": "R", "title": "x".repeat(THREE_MIB), "kind": "minor",
                "state": "planning", "sys_id": "s1"
            }]
        }
    });
    let file = TempFile::new("export.json", &export.to_string());
    let err = limit_error(&["export-servicenow", file.path()]);
    assert_eq!(err["path"], "schedule.releases[0].title");
    // Malformed input keeps its position.
    let bad = TempFile::new("bad-export.json", "{\"schedule\": ");
    let run = relman(&["export-servicenow", bad.path()]);
    run.exits(2);
    let err = run.stderr_json();
    assert_eq!(err["code"], "invalid_input", "{err:#}");
    assert!(err["line"].as_u64().is_some(), "{err:#}");
}

#[test]
fn a_3_mib_parameter_of_relman_call_is_limit_exceeded_at_its_name() {
    let params = json!({
        "schedule": { "releases": [
            { "id": "R", "title": "T", "kind": "minor", "state": "planning" }
        ]},
        "item": "x".repeat(THREE_MIB),
        "duration_secs": 3600,
        "now": "2026-12-01T00:00:00Z",
        "horizon_secs": 86400,
        "count": 1
    });
    let file = TempFile::new("params.json", &params.to_string());
    let err = limit_error(&["call", "suggest_slots", file.path()]);
    assert_eq!(err["path"], "item");
}

/// A planning release with `n` items in one list (`x_items`, a host field).
fn release_with_items(n: usize) -> String {
    let items = vec!["0"; n].join(",");
    format!(
        r#"{{"id": "REL-BIG", "title": "Big", "kind": "minor", "state": "planning", "x_items": [{items}]}}"#
    )
}

#[test]
fn validate_call_and_operation_commands_follow_the_read_limit_flags() {
    let small = TempFile::new("small.json", &release_with_items(3));
    let small_params = TempFile::new(
        "params.json",
        &format!(r#"{{"release": {}}}"#, release_with_items(3)),
    );
    // Lowered: refused at the list, in each form.
    let err = limit_error(&["--max-items", "2", "validate", small.path()]);
    assert_eq!(err["path"], "x_items", "{err:#}");
    let err = limit_error(&[
        "--max-items",
        "2",
        "call",
        "assess_risk",
        small_params.path(),
    ]);
    assert_eq!(err["path"], "x_items", "{err:#}");
    let err = limit_error(&[
        "--max-items",
        "2",
        "explain-policy",
        "--policy",
        small.path(),
    ]);
    assert_eq!(err["code"], "limit_exceeded", "{err:#}");
    // At the limit: read.
    relman(&["--max-items", "3", "validate", small.path()]).exits(0);
    relman(&[
        "--max-items",
        "3",
        "call",
        "assess_risk",
        small_params.path(),
    ])
    .exits(0);
    // The parameters text of `call` follows --max-document-bytes.
    let size = std::fs::metadata(&small_params.0).unwrap().len();
    let below = (size - 1).to_string();
    let err = limit_error(&[
        "--max-document-bytes",
        &below,
        "call",
        "assess_risk",
        small_params.path(),
    ]);
    assert!(err["message"].as_str().unwrap().contains(&below), "{err:#}");
    // Raised past the default (1 000 000): read, where the default refuses.
    let big = TempFile::new("big.json", &release_with_items(1_000_001));
    let big_params = TempFile::new(
        "big-params.json",
        &format!(r#"{{"release": {}}}"#, release_with_items(1_000_001)),
    );
    relman(&["validate", big.path()]).exits(2);
    relman(&["--max-items", "1000001", "validate", big.path()]).exits(0);
    limit_error(&["call", "assess_risk", big_params.path()]);
    relman(&[
        "--max-items",
        "1000001",
        "call",
        "assess_risk",
        big_params.path(),
    ])
    .exits(0);
}
