//! The read-time limits on the inputs that are not documents: the
//! ServiceNow tables (as JSON text and as values, through the Rust API and
//! `api::call`/`api::call_json`), the export input, and every non-document
//! parameter of `api::call`. Each case checks the code `limit_exceeded`
//! and the exact path of the offence (docs/limits.md).

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::api::{self, ParamForm, OPERATIONS};
use relman::interop::{self, ServiceNowTables};
use relman::limits::{Limits, DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_ITEMS};
use relman::Error;
use serde_json::{json, Value};

#[path = "support/fixtures.rs"]
mod fixtures;
use fixtures::THREE_MIB;

/// Code, path, limit and found of a `limit_exceeded` error (panics on any
/// other error).
fn limit(err: &Error) -> (String, u64, u64) {
    match err {
        Error::LimitExceeded {
            path, limit, found, ..
        } => (path.clone(), *limit, *found),
        other => panic!("expected limit_exceeded, got {other:?}"),
    }
}

fn record(i: usize) -> Value {
    json!({
        "sys_id": format!("sys{i}"),
        "number": format!("CHG{i:07}"),
        "short_description": "Patch",
        "start_date": "2026-12-01 20:00:00",
        "end_date": "2026-12-01 21:00:00"
    })
}

/// Four change requests, the fourth with a 3 MiB short description.
fn long_description_table() -> Value {
    let mut records: Vec<Value> = (0..4).map(record).collect();
    records[3]["short_description"] = Value::String("x".repeat(THREE_MIB));
    json!({ "result": records })
}

#[test]
fn a_table_text_past_256_mib_is_refused_by_its_size_before_parsing() {
    // Zeroed memory is mapped lazily: the text costs next to no memory
    // and the check stops at its length.
    let size = DEFAULT_MAX_DOCUMENT_BYTES as usize + 1;
    let text = String::from_utf8(vec![0u8; size]).unwrap();
    let err = interop::read_table("tables.change_request", &text).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(
        limit(&err),
        (
            "tables.change_request".to_string(),
            DEFAULT_MAX_DOCUMENT_BYTES,
            size as u64
        )
    );
    let err = interop::read_export(&text).unwrap_err();
    assert_eq!(
        limit(&err),
        ("".to_string(), DEFAULT_MAX_DOCUMENT_BYTES, size as u64)
    );
    // A binding given the table as JSON text checks it before parsing.
    let err = api::check_param_text("change_requests", &text).unwrap_err();
    assert_eq!(
        limit(&err),
        (
            "change_requests".to_string(),
            DEFAULT_MAX_DOCUMENT_BYTES,
            size as u64
        )
    );
    assert!(api::check_param_text("change_requests", "{}").is_ok());
    // The same through the JSON-text entry of the operations.
    let err = api::call_json("import_servicenow", &text).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some(""));
}

#[test]
fn a_table_text_past_a_custom_size_is_refused_the_same_way() {
    let text = json!({ "result": (0..40).map(record).collect::<Vec<_>>() }).to_string();
    let limits = Limits {
        max_document_bytes: 1000,
        ..Limits::default()
    };
    let err = interop::read_table_with_limits("tables.cmdb_ci", &text, &limits).unwrap_err();
    assert_eq!(
        limit(&err),
        ("tables.cmdb_ci".to_string(), 1000, text.len() as u64)
    );
    let err = interop::read_export_with_limits(&text, &limits).unwrap_err();
    assert_eq!(limit(&err), ("".to_string(), 1000, text.len() as u64));
    // Within the limit it reads.
    assert!(interop::read_table("tables.cmdb_ci", &text).is_ok());
}

#[test]
fn a_3_mib_field_is_refused_at_its_path_in_every_form() {
    let table = long_description_table();
    let path = "tables.change_request.result[3].short_description";
    // As text.
    let err = interop::read_table("tables.change_request", &table.to_string()).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some(path));
    // As a value, through the Rust API.
    let tables = ServiceNowTables {
        change_request: Some(table.clone()),
        ..Default::default()
    };
    let err = relman::import_servicenow(tables, &Default::default()).unwrap_err();
    assert_eq!(
        limit(&err),
        (path.to_string(), 1024 * 1024, THREE_MIB as u64)
    );
    // Through api::call and api::call_json (the bindings' and the CLI's
    // `relman call` way in).
    let params = json!({ "tables": { "change_request": table } });
    let err = api::call("import_servicenow", params.clone()).unwrap_err();
    assert_eq!(err.path(), Some(path));
    let err = api::call_json("import_servicenow", &params.to_string()).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some(path));
}

#[test]
fn every_optional_table_is_checked_under_its_own_name() {
    let base = json!({ "result": [record(0)] });
    for name in interop::TABLES {
        let mut params = json!({ "tables": { "change_request": base } });
        params["tables"][name] =
            json!({ "result": [{ "sys_id": "s", "name": "x".repeat(THREE_MIB) }] });
        let err = api::call("import_servicenow", params).unwrap_err();
        assert_eq!(
            err.path(),
            Some(format!("tables.{name}.result[0].name").as_str()),
            "{name}"
        );
    }
}

#[test]
fn more_than_a_million_records_are_refused_at_the_list() {
    let n = 1_200_000;
    let records = vec![Value::Null; n];
    let tables = ServiceNowTables {
        change_request: Some(json!({ "result": [] })),
        cmdb_ci: Some(json!({ "result": records })),
        ..Default::default()
    };
    let err = relman::import_servicenow(tables, &Default::default()).unwrap_err();
    assert_eq!(
        limit(&err),
        (
            "tables.cmdb_ci.result".to_string(),
            DEFAULT_MAX_ITEMS,
            n as u64
        )
    );
    // As text: the count stops one past the limit.
    let mut text = String::with_capacity(2 * n + 16);
    text.push_str("{\"result\": [0");
    for _ in 1..n {
        text.push_str(",0");
    }
    text.push_str("]}");
    let err = interop::read_table("tables.cmdb_rel_ci", &text).unwrap_err();
    assert_eq!(
        limit(&err),
        (
            "tables.cmdb_rel_ci.result".to_string(),
            DEFAULT_MAX_ITEMS,
            DEFAULT_MAX_ITEMS + 1
        )
    );
}

#[test]
fn custom_limits_apply_to_the_import_depth_items_and_strings() {
    let tables = ServiceNowTables {
        change_request: Some(json!({ "result": [record(0), record(1), record(2)] })),
        ..Default::default()
    };
    let items = Limits {
        max_items: 2,
        ..Limits::default()
    };
    let err = interop::import_servicenow_with_limits(tables.clone(), &Default::default(), &items)
        .unwrap_err();
    assert_eq!(
        limit(&err),
        ("tables.change_request.result".to_string(), 2, 3)
    );
    // Every string of the records is at most 19 bytes but one.
    let strings = Limits {
        max_string_bytes: 20,
        ..Limits::default()
    };
    assert!(
        interop::import_servicenow_with_limits(tables.clone(), &Default::default(), &strings)
            .is_ok()
    );
    let mut long = tables.clone();
    long.change_request.as_mut().unwrap()["result"][2]["short_description"] =
        json!("Patch the login pages");
    let err =
        interop::import_servicenow_with_limits(long, &Default::default(), &strings).unwrap_err();
    assert_eq!(
        limit(&err),
        (
            "tables.change_request.result[2].short_description".to_string(),
            20,
            21
        )
    );
    let depth = Limits {
        max_json_depth: 3,
        ..Limits::default()
    };
    let mut deep = tables.clone();
    deep.change_request.as_mut().unwrap()["result"][1]["u_nested"] = json!({ "a": [1] });
    let err = interop::import_servicenow_with_limits(deep.clone(), &Default::default(), &depth)
        .unwrap_err();
    assert_eq!(
        limit(&err),
        ("tables.change_request.result[1].u_nested".to_string(), 3, 4)
    );
    let text = deep.change_request.as_ref().unwrap().to_string();
    let err = interop::read_table_with_limits("tables.change_request", &text, &depth).unwrap_err();
    assert_eq!(
        limit(&err),
        ("tables.change_request.result[1].u_nested".to_string(), 3, 4)
    );
    // The same tables within the default limits import.
    assert!(relman::import_servicenow(deep, &Default::default()).is_ok());
}

#[test]
fn the_export_input_is_read_under_the_limits() {
    let title = "x".repeat(THREE_MIB);
    let export = json!({
        "schedule": {
            "releases": [{
                "id": "R", "title": title, "kind": "minor", "state": "planning",
                "sys_id": "s1"
            }]
        }
    });
    let err = interop::read_export(&export.to_string()).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some("schedule.releases[0].title"));
    let err = api::call("export_servicenow", export).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some("schedule.releases[0].title"));
    // Text that is not JSON names line and column; a wrong shape its path.
    let err = interop::read_export("{\"schedule\": ").unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert!(err.problems()[0].line.is_some());
    let err = interop::read_export(r#"{"schedule": {"releases": 3}}"#).unwrap_err();
    assert_eq!(err.path(), Some("schedule.releases"));
    let err = interop::read_export("{}").unwrap_err();
    assert_eq!(err.path(), Some("schedule"));
    let err = interop::read_table("tables.cmdb_ci", "{\"result\": [").unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert_eq!(err.path(), Some("tables.cmdb_ci"));
}

#[test]
fn a_3_mib_non_document_parameter_is_refused_at_its_name() {
    let schedule = json!({ "releases": [
        { "id": "R", "title": "T", "kind": "minor", "state": "planning" }
    ]});
    let item = "x".repeat(THREE_MIB);
    let params = json!({
        "schedule": schedule, "item": item, "duration_secs": 3600,
        "now": "2026-12-01T00:00:00Z", "horizon_secs": 86400, "count": 1
    });
    let err = api::call_json("suggest_slots", &params.to_string()).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(
        limit(&err),
        ("item".to_string(), 1024 * 1024, THREE_MIB as u64)
    );
    // Deeper inside a parameter, the path continues from its name.
    let params = json!({
        "history": { "deployments": [] },
        "options": { "time_zone": "x".repeat(THREE_MIB) }
    });
    let err = api::call_json("compute_kpis", &params.to_string()).unwrap_err();
    assert_eq!(err.path(), Some("options.time_zone"));
    // A list of documents is limited by its length at its name.
    let releases = vec![Value::Null; DEFAULT_MAX_ITEMS as usize + 1];
    for op in ["assess_risk_many", "deployment_order"] {
        let err = api::call(op, json!({ "releases": releases })).unwrap_err();
        assert_eq!(
            limit(&err),
            (
                "releases".to_string(),
                DEFAULT_MAX_ITEMS,
                DEFAULT_MAX_ITEMS + 1
            ),
            "{op}"
        );
    }
}

#[test]
fn every_parameter_of_every_operation_is_read_under_the_limits() {
    let big = Value::String("x".repeat(THREE_MIB));
    for op in OPERATIONS {
        for param in op.params {
            // The parameter under test is the only one too large; every
            // other required one is given the same string, so whichever is
            // read first, the error is a limit.
            let mut params = serde_json::Map::new();
            for p in op.params {
                if p.required || p.name == param.name {
                    params.insert(p.name.to_string(), big.clone());
                }
            }
            let form = api::param_form(op.name, param.name);
            if form == ParamForm::DocumentText {
                // JSON text may be longer than a string: as text it is
                // bounded by the document size (and this is not JSON).
                params.insert("kind".to_string(), json!("release"));
                let err = api::call(op.name, Value::Object(params)).unwrap_err();
                assert_eq!(err.code().as_str(), "invalid_input", "{err}");
                continue;
            }
            let err = api::call(op.name, Value::Object(params)).unwrap_err();
            assert_eq!(
                err.code().as_str(),
                "limit_exceeded",
                "{}.{}: {err}",
                op.name,
                param.name
            );
            // Alone (where the operation allows), the path is the
            // parameter's name, or the document itself for a document.
            let alone = json!({ param.name: big });
            if op
                .params
                .iter()
                .all(|p| !p.required || p.name == param.name)
            {
                let err = api::call(op.name, alone).unwrap_err();
                let expected = match form {
                    ParamForm::Document => "",
                    _ => param.name,
                };
                assert_eq!(err.path(), Some(expected), "{}.{}", op.name, param.name);
            }
        }
    }
}

/// `levels` nested lists around a number.
fn nested(levels: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..levels {
        v = json!([v]);
    }
    v
}

#[test]
fn a_record_nested_too_deep_for_the_schedule_is_refused_at_the_record() {
    let max = interop::MAX_RECORD_DEPTH as usize;
    let fixture = |name: &str| -> Value {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/servicenow")
            .join(format!("{name}.json"));
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    // A change of a release lands deepest; as deep as allowed (and named
    // like a member, one level further down), the schedule still reads
    // back.
    let mut changes = fixture("change_request");
    changes["result"][0]["kind"] = nested(max - 1);
    let tables = ServiceNowTables {
        change_request: Some(changes.clone()),
        rm_release: Some(fixture("rm_release")),
        cmdb_ci: Some(fixture("cmdb_ci")),
        cmdb_rel_ci: Some(fixture("cmdb_rel_ci")),
        sysapproval_approver: Some(fixture("sysapproval_approver")),
        ..Default::default()
    };
    let imported = relman::import_servicenow(tables.clone(), &Default::default()).unwrap();
    let text = serde_json::to_string(&imported.schedule).unwrap();
    relman::parse::<relman::Schedule>(&text).unwrap();
    let value = serde_json::to_value(&imported.schedule).unwrap();
    assert!(relman::limits::depth(&value, 200) <= 128);
    // One level more is refused at the record.
    changes["result"][0]["kind"] = nested(max);
    let tables = ServiceNowTables {
        change_request: Some(changes),
        ..tables
    };
    let err = relman::import_servicenow(tables, &Default::default()).unwrap_err();
    assert_eq!(
        limit(&err),
        (
            "tables.change_request.result[0]".to_string(),
            max as u64,
            max as u64 + 1
        )
    );
}

/// A planning release whose host field `x_items` holds `n` items.
fn release_with_items(n: usize) -> Value {
    json!({
        "id": "REL-BIG", "title": "Big", "kind": "minor", "state": "planning",
        "x_items": vec![0; n],
    })
}

#[test]
fn call_and_validate_with_limits_read_documents_under_the_given_limits() {
    let lowered = Limits {
        max_items: 2,
        ..Limits::default()
    };
    let params = json!({ "release": release_with_items(3) });
    // A document parameter, a document inside a list parameter, a policy.
    let err = api::call_with_limits("assess_risk", params.clone(), &lowered).unwrap_err();
    assert_eq!(limit(&err), ("x_items".to_string(), 2, 3));
    let many = json!({ "releases": [release_with_items(1), release_with_items(3)] });
    let batch = api::call_with_limits("assess_risk_many", many.clone(), &lowered).unwrap();
    assert_eq!(batch["errors"][0]["index"], 1, "{batch:#}");
    assert_eq!(
        batch["errors"][0]["error"]["code"], "limit_exceeded",
        "{batch:#}"
    );
    assert_eq!(batch["errors"][0]["error"]["path"], "x_items", "{batch:#}");
    let defaults = api::call("assess_risk_many", many).unwrap();
    assert_eq!(defaults["errors"], json!([]), "{defaults:#}");
    let err = api::call_with_limits(
        "explain_policy",
        json!({ "policy": { "x_list": [1, 2, 3] } }),
        &lowered,
    )
    .unwrap_err();
    assert_eq!(limit(&err), ("x_list".to_string(), 2, 3));
    // The parameters text: its size, then its documents.
    let text = params.to_string();
    let tight = Limits {
        max_document_bytes: text.len() as u64 - 1,
        ..Limits::default()
    };
    let err = api::call_json_with_limits("assess_risk", &text, &tight).unwrap_err();
    assert_eq!(limit(&err).1, text.len() as u64 - 1);
    assert!(api::call_json_with_limits("assess_risk", &text, &lowered).is_err());
    assert!(api::call_json("assess_risk", &text).is_ok());
    // validate_with_limits.
    let doc = release_with_items(3).to_string();
    let err = relman::validate::validate_with_limits(relman::DocumentKind::Release, &doc, &lowered)
        .unwrap_err();
    assert_eq!(limit(&err), ("x_items".to_string(), 2, 3));
    // Raised past the default: read where `call` and `validate` refuse.
    let raised = Limits {
        max_items: DEFAULT_MAX_ITEMS + 1,
        ..Limits::default()
    };
    let big = json!({ "release": release_with_items(DEFAULT_MAX_ITEMS as usize + 1) });
    assert!(api::call("assess_risk", big.clone()).is_err());
    api::call_with_limits("assess_risk", big, &raised).unwrap();
    let big_doc = release_with_items(DEFAULT_MAX_ITEMS as usize + 1).to_string();
    assert!(relman::validate(relman::DocumentKind::Release, &big_doc).is_err());
    relman::validate::validate_with_limits(relman::DocumentKind::Release, &big_doc, &raised)
        .unwrap();
}
