//! The ServiceNow readers from arbitrary bytes: Table API responses to
//! import and export inputs, as JSON text and as values.

use crate::check_error;
use relman::interop::{
    self, export_fields, DisplayValue, ServiceNowExport, ServiceNowImportOptions, ServiceNowTables,
    TABLES,
};
use serde_json::{Map, Value};

/// `servicenow_readers`: the first byte picks the reader — even: an import,
/// odd: an export, the rest being its input as JSON text.
///
/// An import's selector, halved, is `k`: bit 0 picks how the tables are
/// named, `(k >> 1) % 3` the `display_value` option (`false`, `all`,
/// `true`) and bit 3 whether the instance user's `time_zone` and
/// `date_format` are given. The rest is JSON texts separated by NUL bytes
/// (an empty one is not given): with bit 0 clear, up to five tables in the
/// order of the old parameters (`change_request`, `rm_release`, `cmdb_ci`,
/// `cmdb_rel_ci`, `sysapproval_approver`: [`LEGACY_TABLES`]); with bit 0
/// set, up to [`TABLES`]`.len()` texts, each led by one byte naming its
/// table (`TABLES[byte % TABLES.len()]`; a name given again is skipped).
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
        check_import(*selector, rest);
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

/// The tables of an import whose selector has bit 0 of `k` clear, by
/// position: the old parameters (`change_requests`, `releases`, `cis`,
/// `rels`, `approvals`) under their ServiceNow names, so that the seeds
/// written for them keep their meaning.
pub const LEGACY_TABLES: [&str; 5] = [
    "change_request",
    "rm_release",
    "cmdb_ci",
    "cmdb_rel_ci",
    "sysapproval_approver",
];

/// The import options of selector half `k` (see
/// [`check_servicenow_readers`]).
fn import_options(k: u8) -> ServiceNowImportOptions {
    let display_value = match (k >> 1) % 3 {
        0 => DisplayValue::False,
        1 => DisplayValue::All,
        _ => DisplayValue::True,
    };
    let zone = (k >> 3) & 1 == 1;
    ServiceNowImportOptions {
        display_value,
        time_zone: zone.then(|| "America/Los_Angeles".to_string()),
        date_format: zone.then(|| "yyyy-MM-dd".to_string()),
        ..Default::default()
    }
}

/// The named JSON texts of an import (see [`check_servicenow_readers`]).
fn import_texts(k: u8, rest: &[u8]) -> Vec<(&'static str, String)> {
    let chunks = rest.split(|b| *b == 0);
    if k & 1 == 0 {
        return LEGACY_TABLES
            .iter()
            .zip(chunks)
            .filter(|(_, t)| !t.is_empty())
            .map(|(name, t)| (*name, String::from_utf8_lossy(t).into_owned()))
            .collect();
    }
    let mut texts: Vec<(&'static str, String)> = Vec::new();
    for chunk in chunks.take(TABLES.len()) {
        let Some((first, text)) = chunk.split_first() else {
            continue;
        };
        let Some(name) = TABLES.get(usize::from(*first) % TABLES.len()) else {
            continue;
        };
        if texts.iter().any(|(n, _)| n == name) {
            continue;
        }
        texts.push((name, String::from_utf8_lossy(text).into_owned()));
    }
    texts
}

fn check_import(selector: u8, rest: &[u8]) {
    let k = selector / 2;
    let options = import_options(k);
    let options_value = serde_json::to_value(&options).expect("options serialise");
    let call = |tables: Map<String, Value>| {
        relman::api::call(
            "import_servicenow",
            Value::Object(Map::from_iter([
                ("tables".to_string(), Value::Object(tables)),
                ("options".to_string(), options_value.clone()),
            ])),
        )
    };
    // Read each table as text; the values go to api::call as well.
    let mut params = Map::new();
    for (name, text) in import_texts(k, rest) {
        let path = format!("tables.{name}");
        match interop::read_table(&path, &text) {
            Ok(value) => {
                params.insert(name.to_string(), value);
            }
            Err(e) => {
                check_error(&e);
                // The same text as a value (when it is JSON at all) is
                // refused by api::call too, unless only its size was the
                // matter (a value has none).
                if e.code().as_str() != "invalid_input" || e.path() != Some(path.as_str()) {
                    if let Ok(value) = serde_json::from_str::<Value>(&text) {
                        let alone = Map::from_iter([(name.to_string(), value)]);
                        if let Err(e) = call(alone) {
                            check_error(&e);
                        }
                    }
                }
                return;
            }
        }
    }
    let tables: ServiceNowTables = serde_json::from_value(Value::Object(params.clone()))
        .expect("tables named from TABLES deserialise");
    let direct = relman::import_servicenow(tables, &options);
    let through_api = call(params);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn seed(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../corpus/servicenow_readers")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The import a seed decodes to, run directly.
    fn import_of(name: &str) -> relman::Result<relman::ServiceNowImport> {
        let data = seed(name);
        let (selector, rest) = data.split_first().unwrap();
        assert_eq!(selector % 2, 0, "{name} is not an import");
        let k = selector / 2;
        let mut tables = ServiceNowTables::default();
        for (table, text) in import_texts(k, rest) {
            *tables.slot(table).unwrap() =
                Some(interop::read_table(&format!("tables.{table}"), &text).unwrap());
        }
        relman::import_servicenow(tables, &import_options(k))
    }

    #[test]
    fn selector_zero_reads_the_five_old_tables_by_position() {
        let texts = import_texts(0, b"[]\0\0{}\0[1]\0[2]\0[3]\0[4]");
        let names: Vec<&str> = texts.iter().map(|(n, _)| *n).collect();
        // The empty second text is not given; a sixth is ignored.
        assert_eq!(
            names,
            [
                "change_request",
                "cmdb_ci",
                "cmdb_rel_ci",
                "sysapproval_approver"
            ]
        );
        assert_eq!(import_options(0), ServiceNowImportOptions::default());
    }

    #[test]
    fn an_odd_half_selector_names_each_table_by_its_first_byte() {
        // 17 and 0 both name `change_request`: the second is skipped.
        let texts = import_texts(1, b"\x07[]\0\x11[1]\0\0\x0a[2]\0\x22[3]");
        let names: Vec<&str> = texts.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            ["sys_user", "change_request", "sysapproval_approver"]
        );
        assert_eq!(texts[1].1, "[1]");
        let o = import_options(11);
        assert_eq!(o.display_value, DisplayValue::True);
        assert_eq!(o.time_zone.as_deref(), Some("America/Los_Angeles"));
        assert_eq!(import_options(3).display_value, DisplayValue::All);
    }

    #[test]
    fn the_named_seeds_import_as_intended() {
        let out = import_of("import-named-tables-directory").unwrap();
        assert_eq!(out.actors.len(), 6);
        assert_eq!(out.approvals.len(), 3);
        assert_eq!(out.commands.len(), 1);
        let out = import_of("import-named-display-all-schedules").unwrap();
        assert!(out.schedule.calendar.is_some());
        import_of("import-named-display-only-with-zone").unwrap();
        let e = import_of("import-named-display-only-without-zone").unwrap_err();
        assert_eq!(e.path(), Some("tables.change_request[0].start_date"));
        for name in [
            "import-named-tables-directory",
            "import-named-display-all-schedules",
            "import-named-display-only-with-zone",
            "import-named-display-only-without-zone",
        ] {
            check_servicenow_readers(&seed(name));
        }
    }
}
