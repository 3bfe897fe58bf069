//! The fast path of the ServiceNow import (`import_servicenow_text`:
//! Table API text read straight into records) against the value path
//! (`import_servicenow` of `serde_json::Value`s): identical imports and
//! identical errors (code, path, message), for the fixtures, the bench
//! fixtures and bad inputs.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::interop::{
    import_servicenow_rows, read_table_rows, DisplayValue, ServiceNowImport,
    ServiceNowImportOptions, ServiceNowTables,
};
use relman::limits::Limits;
use relman::Error;
use serde_json::{json, Value};
#[path = "support/servicenow.rs"]
mod servicenow_support;
use servicenow_support::{instance, tables};

#[path = "../../benches/src/servicenow.rs"]
#[allow(dead_code, missing_docs)]
mod bench_fixtures;

/// Every table's text, as a client would have it.
fn texts(t: &ServiceNowTables) -> Vec<(&'static str, String)> {
    t.tables()
        .map(|(name, v)| (name, serde_json::to_string_pretty(v).unwrap()))
        .collect()
}

fn by_text(
    texts: &[(&'static str, String)],
    o: &ServiceNowImportOptions,
) -> Result<ServiceNowImport, Error> {
    let pairs: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (*n, t.as_str())).collect();
    relman::import_servicenow_text(&pairs, o, &Limits::default())
}

/// The import of `t` by both paths, checked identical; the result.
fn same_with(t: &ServiceNowTables, o: &ServiceNowImportOptions) -> Result<ServiceNowImport, Error> {
    let value = relman::import_servicenow(t.clone(), o);
    let text = by_text(&texts(t), o);
    match (&value, &text) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::to_value(b).unwrap()
            );
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.code(), b.code());
            assert_eq!(a.path(), b.path());
            assert_eq!(a.to_string(), b.to_string());
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        _ => panic!("the paths differ: value {value:?}, text {text:?}"),
    }
    text
}

fn same(t: &ServiceNowTables) -> Result<ServiceNowImport, Error> {
    same_with(t, &ServiceNowImportOptions::default())
}

fn set(t: &mut ServiceNowTables, table: &str, i: usize, field: &str, v: Value) {
    let target = t.slot(table).unwrap().as_mut().unwrap();
    target["result"][i][field] = v;
}

fn error_at(t: &ServiceNowTables) -> (String, String) {
    let e = same(t).unwrap_err();
    (
        e.code().as_str().to_string(),
        e.path().unwrap_or("").to_string(),
    )
}

#[test]
fn the_fixtures_import_identically() {
    let out = same(&tables()).unwrap();
    assert_eq!(out.schedule.releases.len(), 2);
    let out = same(&instance()).unwrap();
    assert!(!out.actors.is_empty());
    assert!(!out.approvals.is_empty());
    assert!(out.schedule.calendar.is_some());
}

#[test]
fn the_bench_fixtures_import_identically() {
    let t = ServiceNowTables {
        change_request: Some(bench_fixtures::change_requests(300, 40)),
        cmdb_ci: Some(bench_fixtures::cis(40)),
        ..Default::default()
    };
    let out = same(&t).unwrap();
    assert_eq!(out.schedule.changes.len(), 300);
    // Without the CMDB, references stay as given.
    let t = ServiceNowTables {
        change_request: Some(bench_fixtures::change_requests(50, 7)),
        ..Default::default()
    };
    same(&t).unwrap();
}

#[test]
fn every_value_mode_imports_identically() {
    for mode in [DisplayValue::False, DisplayValue::All] {
        let o = ServiceNowImportOptions {
            display_value: mode,
            ..Default::default()
        };
        same_with(&tables(), &o).unwrap();
        same_with(&instance(), &o).unwrap();
    }
    let t = ServiceNowTables {
        change_request: Some(json!([
            {"sys_id": "chg1", "number": "CHG1", "state": "Scheduled",
             "start_date": "12/01/2026 12:00:00", "end_date": "12/01/2026 13:00:00"}
        ])),
        ..Default::default()
    };
    let o = ServiceNowImportOptions {
        display_value: DisplayValue::True,
        time_zone: Some("America/Los_Angeles".into()),
        date_format: Some("MM/dd/yyyy".into()),
        ..Default::default()
    };
    let out = same_with(&t, &o).unwrap();
    assert_eq!(
        out.schedule.changes[0]
            .planned_start
            .as_ref()
            .unwrap()
            .as_str(),
        "2026-12-01T20:00:00Z"
    );
    // Display-only without the zone: the same refusal.
    let o = ServiceNowImportOptions {
        display_value: DisplayValue::True,
        ..Default::default()
    };
    same_with(&t, &o).unwrap_err();
}

#[test]
fn bad_records_give_identical_errors() {
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "change_request",
            "state",
            json!("99"),
            "tables.change_request.result[0].state",
        ),
        (
            "change_request",
            "risk",
            json!("High"),
            "tables.change_request.result[0].risk",
        ),
        (
            "change_request",
            "start_date",
            json!("2026-13-01 10:00:00"),
            "tables.change_request.result[0].start_date",
        ),
        (
            "change_request",
            "start_date",
            json!("2026-02-30 10:00:00"),
            "tables.change_request.result[0].start_date",
        ),
        (
            "change_request",
            "end_date",
            json!("2026-12-01 24:00:00"),
            "tables.change_request.result[0].end_date",
        ),
        (
            "change_request",
            "number",
            json!(["CHG1"]),
            "tables.change_request.result[0].number",
        ),
        (
            "change_request",
            "cmdb_ci",
            json!(["c1"]),
            "tables.change_request.result[0].cmdb_ci",
        ),
        (
            "change_request",
            "assigned_to",
            json!({"link": "x"}),
            "tables.change_request.result[0].assigned_to",
        ),
        (
            "change_request",
            "type",
            json!({"value": ["normal"]}),
            "tables.change_request.result[0].type",
        ),
        (
            "change_request",
            "type",
            json!({"value": {"v": "normal"}}),
            "tables.change_request.result[0].type",
        ),
        (
            "change_request",
            "sys_id",
            Value::Null,
            "tables.change_request.result[0].sys_id",
        ),
        (
            "cmdb_ci",
            "business_criticality",
            json!("9 - odd"),
            "tables.cmdb_ci.result[0].business_criticality",
        ),
        (
            "rm_release",
            "planned_end_date",
            json!("2020-01-01 00:00:00"),
            "tables.rm_release.result[0].planned_end_date",
        ),
        (
            "sysapproval_approver",
            "state",
            json!("maybe"),
            "tables.sysapproval_approver.result[0].state",
        ),
    ];
    for (table, field, v, path) in cases {
        let mut t = tables();
        set(&mut t, table, 0, field, v.clone());
        let (code, at) = error_at(&t);
        assert_eq!(code, "invalid_input", "{table}.{field} = {v}");
        assert_eq!(at, path, "{table}.{field} = {v}");
    }
    // A duplicate number names both records.
    let mut t = tables();
    let first = t.change_request.as_ref().unwrap()["result"][0]["number"].clone();
    set(&mut t, "change_request", 1, "number", first);
    let (code, at) = error_at(&t);
    assert_eq!(
        (code.as_str(), at.as_str()),
        ("invalid_input", "tables.change_request.result[1].number")
    );
    // A duplicate sys_id, and one in the instance.
    let mut t = instance();
    set(&mut t, "sys_user", 1, "sys_id", json!("u1"));
    error_at(&t);
    let mut t = instance();
    set(&mut t, "cmn_schedule_span", 1, "days_of_week", json!("8"));
    error_at(&t);
}

#[test]
fn bad_shapes_give_identical_errors() {
    let shapes = [
        (json!("a string"), "tables.change_request"),
        (json!(7), "tables.change_request"),
        (Value::Null, "tables.change_request"),
        (json!({}), "tables.change_request"),
        (json!({"result": {"sys_id": "x"}}), "tables.change_request"),
        (json!({"result": "x"}), "tables.change_request"),
        (
            json!({"result": [{"sys_id": "a"}, 5, {"sys_id": "b"}]}),
            "tables.change_request.result[1]",
        ),
        (json!([{"sys_id": "a"}, ["x"]]), "tables.change_request[1]"),
        (
            json!([{"sys_id": "a"}, {"number": "CHG9"}]),
            "tables.change_request[1].sys_id",
        ),
        (
            json!({"result": [{"sys_id": "a", "number": {"x": 1}}]}),
            "tables.change_request.result[0].number",
        ),
    ];
    for (shape, path) in shapes {
        let t = ServiceNowTables {
            change_request: Some(shape.clone()),
            ..Default::default()
        };
        let (code, at) = error_at(&t);
        assert_eq!(
            (code.as_str(), at.as_str()),
            ("invalid_input", path),
            "{shape}"
        );
    }
    // A record nested deeper than the schedule can hold.
    let mut deep = json!("x");
    for _ in 0..(relman::interop::MAX_RECORD_DEPTH) {
        deep = json!([deep]);
    }
    let t = ServiceNowTables {
        change_request: Some(json!({"result": [{"sys_id": "a", "u_deep": deep}]})),
        ..Default::default()
    };
    let (code, at) = error_at(&t);
    assert_eq!(
        (code.as_str(), at.as_str()),
        ("limit_exceeded", "tables.change_request.result[0]")
    );
    // Two bad tables: the one the import reads first is reported, by both.
    let t = ServiceNowTables {
        change_request: Some(json!({"result": [5]})),
        sys_user: Some(json!({"result": [{"name": "no sys_id"}]})),
        ..Default::default()
    };
    assert_eq!(error_at(&t).1, "tables.sys_user.result[0].sys_id");
}

#[test]
fn text_the_value_path_never_sees_reads_as_serde_json_reads_it() {
    let o = ServiceNowImportOptions::default();
    // The last of two `result`s and of two equal keys counts; other keys
    // of the response are ignored; escaped keys are their text.
    let text = r#"{"result": 5, "count": {"n": [1, 2]},
        "result": [{"sys_id": "a", "number": "CHG1", "number": "CHG2",
                    "s\u0074ate": "-2", "u_x": {"deep": [1, {"y": null}]}, "risk": 3}]}"#;
    let value: Value = serde_json::from_str(text).unwrap();
    let t = ServiceNowTables {
        change_request: Some(value),
        ..Default::default()
    };
    let a = relman::import_servicenow(t, &o).unwrap();
    let b = relman::import_servicenow_text(&[("change_request", text)], &o, &Limits::default())
        .unwrap();
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap()
    );
    assert_eq!(b.schedule.changes.len() + b.schedule.extra.len(), 1);
    // Reference objects: the last `value` counts, a display value alone
    // is unset, an unresolved parent is kept whole, nested objects stay.
    let text = r#"[{"sys_id": "b", "number": "CHG3", "start_date": "2026-12-01 10:00:00",
        "end_date": "2026-12-01 11:00:00",
        "cmdb_ci": {"value": "x", "link": "https://x/\u0063", "value": "c1", "v\u0061lue": "c2"},
        "assigned_to": {"display_value": "Bob"},
        "assignment_group": {"display_value": "CAB", "value": "g9", "extra": {"deep": [1, {"a": "b"}]}},
        "parent": {"value": "RLSE404", "link": "l", "display_value": {"odd": true}},
        "short_description": "  ", "category": 12.5, "approval": false}]"#;
    let value: Value = serde_json::from_str(text).unwrap();
    let t = ServiceNowTables {
        change_request: Some(value),
        ..Default::default()
    };
    let a = relman::import_servicenow(t.clone(), &o).unwrap();
    let b = relman::import_servicenow_text(&[("change_request", text)], &o, &Limits::default())
        .unwrap();
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap()
    );
    assert_eq!(b.schedule.changes[0].affected_cis, ["c2"]);
    assert!(b.schedule.changes[0].extra.contains_key("parent"));
    same(&t).unwrap();
    // Text that is not JSON: the error of `read_table_with_limits`.
    for bad in [
        "{\"result\": [",
        "[{\"sys_id\": \"a\"},]",
        "[] x",
        "{\"result\": [{\"sys_id\": 1e999}]}",
    ] {
        let a = relman::interop::read_table_with_limits(
            "tables.change_request",
            bad,
            &Limits::default(),
        )
        .unwrap_err();
        let b = read_table_rows("change_request", bad, &Limits::default()).unwrap_err();
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{bad}");
    }
}

#[test]
fn read_time_limits_hold_on_the_text_path() {
    let text =
        json!({"result": [{"sys_id": "a", "short_description": "x".repeat(100)}]}).to_string();
    let limits = Limits {
        max_string_bytes: 50,
        ..Limits::default()
    };
    let a = relman::interop::read_table_with_limits("tables.change_request", &text, &limits)
        .unwrap_err();
    let b = read_table_rows("change_request", &text, &limits).unwrap_err();
    assert_eq!(b.code().as_str(), "limit_exceeded");
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    let limits = Limits {
        max_document_bytes: 10,
        ..Limits::default()
    };
    let b = read_table_rows("change_request", &text, &limits).unwrap_err();
    assert_eq!(b.code().as_str(), "limit_exceeded");
    assert_eq!(b.path(), Some("tables.change_request"));
}

#[test]
fn unknown_and_repeated_tables_are_refused() {
    let e = read_table_rows("change_requests", "[]", &Limits::default()).unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert_eq!(e.path(), Some("tables"));
    let read = || read_table_rows("cmdb_ci", "[]", &Limits::default()).unwrap();
    let e = import_servicenow_rows(vec![read(), read()], &Default::default()).unwrap_err();
    assert_eq!(e.path(), Some("tables.cmdb_ci"));
    assert_eq!(read().table(), "cmdb_ci");
}

#[test]
fn repeated_unmapped_fields_read_as_a_map_holds_them() {
    // The last of equal names counts, mapped or not, shadowed or not, in
    // any order; an earlier value it replaces is not checked for depth.
    let depth = usize::try_from(relman::interop::MAX_RECORD_DEPTH).unwrap();
    let deep = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let record = |last: &str| {
        format!(
            r#"[{{"sys_id": "a", "number": "CHG1", "u_x": {deep}, "u_b": "k", "servicenow": 1,
                "summary": "v1", "u_a": {{"n": 1}}, "summary": "v2", "servicenow": {{"s": 2}},
                "u_x": {last}, "u_a": null}}]"#
        )
    };
    let o = ServiceNowImportOptions::default();
    for last in ["2", "\"two\"", "[1, [2]]", &deep] {
        let text = record(last);
        let value: Value = serde_json::from_str(&text).unwrap();
        let t = ServiceNowTables {
            change_request: Some(value),
            ..Default::default()
        };
        let a = relman::import_servicenow(t, &o);
        let b =
            relman::import_servicenow_text(&[("change_request", &text)], &o, &Limits::default());
        match (a, b) {
            (Ok(a), Ok(b)) => {
                assert_ne!(last, deep);
                assert_eq!(
                    serde_json::to_value(&a).unwrap(),
                    serde_json::to_value(&b).unwrap()
                );
                // The change, its extra flattened.
                let extra = &b.schedule.extra["unscheduled_changes"][0];
                assert_eq!(extra["u_x"], serde_json::from_str::<Value>(last).unwrap());
                assert_eq!(extra["u_a"], Value::Null);
                assert_eq!(
                    extra["servicenow"],
                    json!({"servicenow": {"s": 2}, "summary": "v2"})
                );
            }
            (Err(a), Err(b)) => {
                assert_eq!(last, deep);
                assert_eq!(format!("{a:?}"), format!("{b:?}"));
            }
            (a, b) => panic!("the paths differ: value {a:?}, text {b:?}"),
        }
    }
}
