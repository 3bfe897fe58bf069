//! The ServiceNow readers from arbitrary bytes: Table API responses to
//! import and export inputs, as JSON text and as values.

use crate::check_error;
use relman::interop::{self, export_fields, ServiceNowExport, ServiceNowTables, TABLES};
use serde_json::{Map, Value};

/// `servicenow_readers`: the first byte picks the reader — even: an import,
/// the rest being up to five JSON texts separated by NUL bytes
/// (`change_requests`, then `releases`, `cis`, `rels` and `approvals`; an
/// empty one is not given); odd: an export, the rest being its input as
/// JSON text.
///
/// Properties: nothing panics; every error has a known code other than
/// `internal`; reading as text ([`interop::read_table`],
/// [`interop::read_export`]) and as values through
/// [`relman::api::call`] agree (the same result, or an error with the same
/// code and path); a successful import's schedule serialises, parses and
/// re-validates as a schedule to the same JSON, and exports (also with
/// its own conflict report) to patches of only the fields
/// [`export_fields`] allows for each patch's table.
pub fn check_servicenow_readers(data: &[u8]) {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    if selector % 2 == 0 {
        check_import(rest);
    } else {
        check_export(&String::from_utf8_lossy(rest));
    }
}

/// The error's code and path, to compare two ways of reading.
fn key(err: &relman::Error) -> (String, Option<String>) {
    (
        err.code().as_str().to_string(),
        err.path().map(str::to_string),
    )
}

fn check_import(rest: &[u8]) {
    let texts: Vec<String> = rest
        .split(|b| *b == 0)
        .take(TABLES.len())
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect();
    // Read each table as text; the values go to api::call as well.
    let mut params = Map::new();
    for (i, (name, text)) in TABLES.iter().zip(&texts).enumerate() {
        if i > 0 && text.is_empty() {
            continue;
        }
        match interop::read_table(name, text) {
            Ok(value) => {
                params.insert((*name).to_string(), value);
            }
            Err(e) => {
                check_error(&e);
                // The same text as a value (when it is JSON at all) is
                // refused by api::call too, unless only its size was the
                // matter (a value has none).
                if e.code().as_str() != "invalid_input" || e.path() != Some(name) {
                    if let Ok(value) = serde_json::from_str::<Value>(text) {
                        let alone = Value::Object(Map::from_iter([((*name).to_string(), value)]));
                        if let Err(e) = relman::api::call("import_servicenow", alone) {
                            check_error(&e);
                        }
                    }
                }
                return;
            }
        }
    }
    let tables: ServiceNowTables = match serde_json::from_value(Value::Object(params.clone())) {
        Ok(t) => t,
        Err(_) => {
            // Only a missing `change_requests` (an empty input) gets here.
            let err = relman::api::call("import_servicenow", Value::Object(params))
                .expect_err("tables that do not deserialise are refused");
            check_error(&err);
            return;
        }
    };
    let direct = relman::import_servicenow(&tables);
    let through_api = relman::api::call("import_servicenow", Value::Object(params));
    match (&direct, &through_api) {
        (Ok(imported), Ok(value)) => {
            let written = serde_json::to_value(imported).expect("an import serialises");
            assert_eq!(&written, value, "import and api::call differ");
        }
        (Err(a), Err(b)) => {
            check_error(a);
            check_error(b);
            assert_eq!(key(a), key(b), "import and api::call fail differently");
        }
        _ => panic!("import and api::call disagree: {direct:?} vs {through_api:?}"),
    }
    if let Ok(imported) = direct {
        check_imported(imported);
    }
}

/// A successful import: the schedule is a valid schedule that survives a
/// round trip, and it exports.
fn check_imported(imported: relman::ServiceNowImport) {
    let schedule = imported.schedule;
    let written = serde_json::to_string(&schedule).expect("an imported schedule serialises");
    let parsed = match relman::parse::<relman::Schedule>(&written) {
        Ok(p) => p.document,
        Err(e) => panic!("an imported schedule does not re-validate: {e:?}\n{written}"),
    };
    let again = serde_json::to_string(&parsed).expect("serialises");
    assert_eq!(
        written, again,
        "an imported schedule changed in a round trip"
    );
    // Without verdicts (and without relman's own per-change risk scoring)
    // there is nothing to write.
    let patches = relman::export_servicenow(&ServiceNowExport {
        schedule: schedule.clone(),
        score_changes: Some(false),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("an import does not export: {e:?}"));
    assert!(
        patches.patches.is_empty(),
        "patches without verdicts: {patches:?}"
    );
    let conflicts = match relman::detect_conflicts(&schedule) {
        Ok(report) => report,
        Err(e) => return check_error(&e),
    };
    let export = ServiceNowExport {
        schedule,
        conflicts: Some(conflicts),
        now: relman::Timestamp::parse("2026-12-06T10:00:00Z").ok(),
        ..Default::default()
    };
    let patches = relman::export_servicenow(&export)
        .unwrap_or_else(|e| panic!("an import with its conflicts does not export: {e:?}"));
    for p in &patches.patches {
        for field in p.fields.keys() {
            assert!(export_fields(&p.table).contains(&field.as_str()), "{p:?}");
        }
    }
}

fn check_export(text: &str) {
    let as_text = interop::read_export(text).and_then(|e| relman::export_servicenow(&e));
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        if let Err(e) = as_text {
            check_error(&e);
        }
        return;
    };
    let through_api = relman::api::call("export_servicenow", value);
    match (&as_text, &through_api) {
        (Ok(patches), Ok(value)) => {
            let written = serde_json::to_value(patches).expect("patches serialise");
            assert_eq!(&written, value, "export and api::call differ");
            for p in &patches.patches {
                for field in p.fields.keys() {
                    assert!(export_fields(&p.table).contains(&field.as_str()), "{p:?}");
                }
            }
        }
        (Err(a), Err(b)) => {
            check_error(a);
            check_error(b);
        }
        // Text and value are read alike but for what only text has (its
        // size, a number's spelling) and what api::call refuses of the
        // parameters object itself (not an object, unknown parameters).
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => check_error(e),
    }
}
