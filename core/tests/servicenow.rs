//! ServiceNow interop: importing the Table API fixtures field by field,
//! bad records naming their number/sys_id and field, and import → verdict
//! → export touching only the documented fields while u_* fields survive.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::interop::{ServiceNowExport, ServiceNowTables, EXPORT_FIELDS};
use relman::{export_servicenow, import_servicenow, Criticality, State};
use serde_json::{json, Value};
use std::path::Path;

fn fixture(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/servicenow")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn tables() -> ServiceNowTables {
    ServiceNowTables {
        change_requests: fixture("change_request"),
        releases: Some(fixture("rm_release")),
        cis: Some(fixture("cmdb_ci")),
        rels: Some(fixture("cmdb_rel_ci")),
        approvals: Some(fixture("sysapproval_approver")),
    }
}

#[test]
fn imports_releases_changes_and_cmdb_field_by_field() {
    let out = import_servicenow(&tables()).unwrap();
    let s = &out.schedule;
    assert_eq!(s.releases.len(), 2);
    assert!(s.changes.is_empty());
    // rm_release RLSE0010041.
    let r = &s.releases[0];
    assert_eq!(r.id, "RLSE0010041");
    assert_eq!(r.title, "Catalog 3.8: search facets");
    assert_eq!(
        r.scope.as_deref(),
        Some("Faceted search and cached listings.")
    );
    assert_eq!(r.state, State::Development); // task state 2 = Work in Progress
    assert_eq!(
        r.planned_start.as_ref().unwrap().as_str(),
        "2026-12-01T20:00:00Z"
    );
    assert_eq!(
        r.planned_end.as_ref().unwrap().as_str(),
        "2026-12-01T22:30:00Z"
    );
    assert_eq!(
        r.created_at.as_ref().unwrap().as_str(),
        "2026-10-19T08:30:00Z"
    );
    assert_eq!(r.owner.as_deref(), Some("Chidi Okafor"));
    assert_eq!(r.extra["priority"], "moderate");
    assert_eq!(r.extra["u_release_train"], "Q4-B");
    assert_eq!(r.extra["sys_id"], "e5b3f0d81b4e0010b2c4ea42b24bcb51");
    assert_eq!(r.extra["product"]["display_value"], "Storefront");
    assert_eq!(r.approvals.len(), 1);
    assert_eq!(r.approvals[0].approver, "Ana Silva");
    assert_eq!(r.approvals[0].at.as_str(), "2026-11-27T15:30:00Z");
    assert_eq!(r.approvals[0].extra["u_delegated"], "true");
    // Empty strings are unset.
    let r2 = &s.releases[1];
    assert_eq!(r2.scope, None);
    assert_eq!(r2.owner, None);
    assert_eq!(r2.state, State::Planning);
    // change_request CHG0041101 (references with display_value).
    let c = &r.changes[0];
    assert_eq!(c.id, "CHG0041101");
    assert_eq!(c.kind, relman::ChangeKind::Normal);
    assert_eq!(c.summary, "Faceted search on category pages");
    assert_eq!(c.category.as_deref(), Some("Software"));
    assert_eq!(c.affected_cis, vec!["app-catalog-prd-01"]);
    assert_eq!(c.implementer.as_deref(), Some("Lukas Brandt"));
    assert!(!c.approved);
    assert_eq!(
        c.planned_start.as_ref().unwrap().as_str(),
        "2026-12-01T20:00:00Z"
    );
    assert_eq!(
        c.planned_end.as_ref().unwrap().as_str(),
        "2026-12-01T21:30:00Z"
    );
    assert_eq!(c.extra["state"], "authorize");
    assert_eq!(c.extra["risk"], "moderate");
    assert_eq!(c.extra["impact"], "medium");
    assert_eq!(c.extra["priority"], "moderate");
    assert_eq!(c.extra["u_jira_key"], "CAT-1182");
    assert_eq!(c.extra["u_customer_facing"], "true");
    assert_eq!(c.extra["backout_plan"], "Switch back to blue.");
    // {link, value} reference and a bare sys_id parent.
    let c2 = &r.changes[1];
    assert_eq!(c2.kind, relman::ChangeKind::Standard);
    assert_eq!(c2.affected_cis, vec!["web-prd-01"]);
    assert!(c2.approved);
    assert_eq!(c2.extra["approvals"][0]["approver"], "Maria Rossi");
    // Emergency change with a bare sys_id CI.
    let c3 = &s.releases[1].changes[0];
    assert_eq!(c3.kind, relman::ChangeKind::Emergency);
    assert_eq!(c3.affected_cis, vec!["db-catalog-prd"]);
    assert_eq!(c3.extra["risk"], "high");
    assert_eq!(c3.extra["state"], "implement");
    // A change of no release, every optional field empty.
    let c4: relman::Change =
        serde_json::from_value(s.extra["unscheduled_changes"][0].clone()).unwrap();
    assert_eq!(c4.id, "CHG0041200");
    assert!(c4.affected_cis.is_empty());
    assert_eq!(c4.category.as_deref(), Some("Hardware"));
    assert_eq!(c4.planned_start, None);
    assert!(c4.extra.get("risk").is_none());
    // cmdb_ci subclasses and cmdb_rel_ci.
    let cmdb = s.cmdb.as_ref().unwrap();
    assert_eq!(cmdb.cis.len(), 5);
    let web = &cmdb.cis[0];
    assert_eq!(web.id, "web-prd-01");
    assert_eq!(web.class, "cmdb_ci_linux_server");
    assert_eq!(web.criticality, Some(Criticality::Critical));
    assert_eq!(web.owner_group.as_deref(), Some("Web Operations"));
    assert_eq!(web.environment.as_deref(), Some("Production"));
    assert_eq!(web.extra["u_rack"], "AMS1-R12");
    assert_eq!(web.extra["ip_address"], "10.20.1.11");
    assert_eq!(cmdb.cis[2].environment, None);
    assert_eq!(cmdb.cis[2].criticality, Some(Criticality::High));
    let rel = &cmdb.relationships[0];
    assert_eq!(
        (rel.from.as_str(), rel.kind.as_str(), rel.to.as_str()),
        ("app-catalog-prd-01", "depends_on", "db-catalog-prd")
    );
    assert_eq!(cmdb.relationships[1].kind, "connects_to");
    assert_eq!(cmdb.relationships[2].kind, "contains");
    assert_eq!(rel.extra["connection_strength"], "always");
    // The pending approval and the unscheduled change are warnings.
    let codes: Vec<&str> = out.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["approval_pending", "change_not_scheduled"]);
    // The imported schedule is a valid relman document.
    let text = serde_json::to_string(&s).unwrap();
    relman::parse::<relman::Schedule>(&text).unwrap();
}

fn set(t: &mut ServiceNowTables, table: &str, i: usize, field: &str, v: Value) {
    let target = match table {
        "change_requests" => &mut t.change_requests,
        "cis" => t.cis.as_mut().unwrap(),
        _ => t.releases.as_mut().unwrap(),
    };
    target["result"][i][field] = v;
}

fn error_of(t: &ServiceNowTables) -> (String, String, String) {
    let e = import_servicenow(t).unwrap_err();
    (
        e.code().as_str().to_string(),
        e.path().unwrap_or("").to_string(),
        e.to_string(),
    )
}

#[test]
fn unknown_state_code_names_record_and_field() {
    let mut t = tables();
    set(&mut t, "change_requests", 1, "state", json!("9"));
    let (code, path, msg) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "change_requests.result[1].state");
    assert!(
        msg.contains("CHG0041102")
            && msg.contains("f0a1b2c31b4e0010b2c4ea42b24bcc02")
            && msg.contains("`state`"),
        "{msg}"
    );
}

#[test]
fn malformed_date_names_record_and_field() {
    let mut t = tables();
    set(
        &mut t,
        "change_requests",
        0,
        "start_date",
        json!("2026-12-01T20:00:00Z"),
    );
    let (code, path, msg) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "change_requests.result[0].start_date");
    assert!(
        msg.contains("CHG0041101") && msg.contains("start_date"),
        "{msg}"
    );
    let mut t = tables();
    set(
        &mut t,
        "releases",
        1,
        "planned_end_date",
        json!("2026-13-03 07:00:00"),
    );
    let (_, path, msg) = error_of(&t);
    assert_eq!(path, "releases.result[1].planned_end_date");
    assert!(msg.contains("RLSE0010042"), "{msg}");
}

#[test]
fn reference_to_a_missing_ci_names_record_and_field() {
    let mut t = tables();
    set(
        &mut t,
        "change_requests",
        2,
        "cmdb_ci",
        json!({"link": "x", "value": "0000deadbeef"}),
    );
    let (code, path, msg) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "change_requests.result[2].cmdb_ci");
    assert!(
        msg.contains("CHG0041190") && msg.contains("0000deadbeef"),
        "{msg}"
    );
}

#[test]
fn other_bad_codes_and_shapes() {
    for (field, v) in [
        ("risk", "7"),
        ("impact", "0"),
        ("priority", "6"),
        ("type", "comprehensive"),
    ] {
        let mut t = tables();
        set(&mut t, "change_requests", 0, field, json!(v));
        let (code, path, _) = error_of(&t);
        assert_eq!(code, "invalid_input");
        assert_eq!(path, format!("change_requests.result[0].{field}"));
    }
    let t = ServiceNowTables {
        change_requests: json!([1, 2]),
        ..Default::default()
    };
    assert_eq!(error_of(&t).1, "change_requests");
}

#[test]
fn import_verdict_export_touches_only_documented_fields_and_keeps_u_fields() {
    let imported = import_servicenow(&tables()).unwrap();
    // Round trip through JSON, as a host would store it.
    let schedule: relman::Schedule =
        relman::parse(&serde_json::to_string(&imported.schedule).unwrap())
            .unwrap()
            .document;
    let release = schedule.releases[0].clone();
    let risk = relman::assess_risk(&release, &relman::Context::default()).unwrap();
    let conflicts = relman::detect_conflicts(&schedule).unwrap();
    let gate = relman::check(&release, State::Deployment, &relman::Context::default());
    let input = ServiceNowExport {
        schedule: schedule.clone(),
        risk: vec![risk.clone(), {
            let mut r = risk.clone();
            r.release_id = "CHG0041102".into();
            r
        }],
        conflicts: Some(conflicts),
        gates: vec![gate],
        now: Some(relman::Timestamp::parse("2026-11-29T10:00:00Z").unwrap()),
        ..Default::default()
    };
    let out = export_servicenow(&input).unwrap();
    assert!(!out.patches.is_empty());
    for p in &out.patches {
        for k in p.fields.keys() {
            assert!(EXPORT_FIELDS.contains(&k.as_str()), "{k} is not documented");
        }
    }
    let rel = out
        .patches
        .iter()
        .find(|p| p.number == "RLSE0010041")
        .unwrap();
    assert_eq!(rel.table, "rm_release");
    assert_eq!(
        rel.sys_id.as_deref(),
        Some("e5b3f0d81b4e0010b2c4ea42b24bcb51")
    );
    assert!(
        !rel.fields.contains_key("risk"),
        "rm_release has no risk field"
    );
    assert!(rel.fields["work_notes"].contains(&risk.factors[0].explanation));
    assert!(rel.fields.contains_key("approval"));
    let assessed = out
        .patches
        .iter()
        .find(|p| p.number == "CHG0041102")
        .unwrap();
    assert_eq!(
        assessed.fields["risk"],
        relman::interop::risk_code(risk.level)
    );
    let chg = out
        .patches
        .iter()
        .find(|p| p.number == "CHG0041101")
        .unwrap();
    assert_eq!(chg.table, "change_request");
    assert!(["Conflict", "No Conflict"].contains(&chg.fields["conflict_status"].as_str()));
    assert_eq!(chg.fields["conflict_last_run"], "2026-11-29 10:00:00");
    // Applying the patches to the original records changes only the
    // documented fields; every u_* field is unchanged.
    let originals = fixture("change_request");
    for rec in originals["result"].as_array().unwrap() {
        let mut after = rec.as_object().unwrap().clone();
        if let Some(p) = out
            .patches
            .iter()
            .find(|p| p.sys_id.as_deref() == rec["sys_id"].as_str())
        {
            for (k, v) in &p.fields {
                after.insert(k.clone(), json!(v));
            }
        }
        for (k, v) in rec.as_object().unwrap() {
            if !EXPORT_FIELDS.contains(&k.as_str()) {
                assert_eq!(&after[k], v, "{k} changed");
            }
        }
    }
    // And the u_* fields are still in the exported documents.
    let c = &input.schedule.releases[0].changes[0];
    assert_eq!(c.extra["u_jira_key"], "CAT-1182");
}

#[test]
fn export_of_a_document_without_sys_id_is_invalid_input() {
    let mut imported = import_servicenow(&tables()).unwrap().schedule;
    imported.releases[1].changes[0].extra.remove("sys_id");
    let e = export_servicenow(&ServiceNowExport {
        schedule: imported,
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert_eq!(e.path(), Some("schedule.releases[1].changes[0].sys_id"));
}

#[test]
fn inputs_that_would_make_an_invalid_schedule_are_refused_at_the_record() {
    // A window ending before it starts.
    let mut t = tables();
    set(
        &mut t,
        "change_requests",
        0,
        "end_date",
        json!("2026-11-30 20:00:00"),
    );
    let (code, path, msg) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "change_requests.result[0].end_date");
    assert!(msg.contains("CHG0041101"), "{msg}");
    // A number taken by an earlier record.
    let mut t = tables();
    set(&mut t, "change_requests", 1, "number", json!("CHG0041101"));
    let (code, path, msg) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "change_requests.result[1].number");
    assert!(msg.contains("also the id of CHG0041101"), "{msg}");
    // Two CIs of one name.
    let mut t = tables();
    let first = t.cis.as_ref().unwrap()["result"][0]["name"].clone();
    set(&mut t, "cis", 1, "name", first);
    let (_, path, _) = error_of(&t);
    assert_eq!(path, "cis.result[1].name");
    // Relationships without the CIs they relate.
    let mut t = tables();
    t.cis = None;
    let (code, path, _) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "rels");
    // A signed year is not a ServiceNow date.
    let mut t = tables();
    set(
        &mut t,
        "change_requests",
        0,
        "start_date",
        json!("-001-12-01 20:00:00"),
    );
    assert_eq!(error_of(&t).1, "change_requests.result[0].start_date");
}

#[test]
fn fields_named_like_document_members_are_kept_aside() {
    let mut t = tables();
    set(&mut t, "change_requests", 0, "id", json!("shadow"));
    set(&mut t, "change_requests", 0, "kind", json!("weird"));
    set(&mut t, "change_requests", 0, "servicenow", json!(1));
    set(&mut t, "releases", 0, "schema_version", json!(99));
    // Blank is unset: the change falls back to its sys_id.
    set(&mut t, "change_requests", 1, "number", json!("  "));
    let out = import_servicenow(&t).unwrap();
    let release = &out.schedule.releases[0];
    assert_eq!(release.schema_version, None);
    assert_eq!(release.extra["servicenow"], json!({"schema_version": 99}));
    let change = &release.changes[0];
    assert_eq!(change.id, "CHG0041101");
    assert_eq!(
        change.extra["servicenow"],
        json!({"id": "shadow", "kind": "weird", "servicenow": 1})
    );
    let ids: Vec<&str> = out
        .schedule
        .releases
        .iter()
        .flat_map(|r| r.changes.iter().map(|c| c.id.as_str()))
        .collect();
    assert!(ids.contains(&"f0a1b2c31b4e0010b2c4ea42b24bcc02"), "{ids:?}");
    // The schedule reads back as it was written.
    let text = serde_json::to_string(&out.schedule).unwrap();
    let back = relman::parse::<relman::Schedule>(&text).unwrap().document;
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
}

#[test]
fn a_numeric_sys_id_exports_as_it_imported() {
    let mut t = tables();
    set(&mut t, "change_requests", 0, "sys_id", json!(1234));
    // The approvals name the old sys_id; leave them out.
    t.approvals = None;
    let imported = import_servicenow(&t).unwrap();
    let conflicts = relman::detect_conflicts(&imported.schedule).unwrap();
    let patches = export_servicenow(&ServiceNowExport {
        schedule: imported.schedule,
        conflicts: Some(conflicts),
        ..Default::default()
    })
    .unwrap();
    assert!(
        patches
            .patches
            .iter()
            .any(|p| p.sys_id.as_deref() == Some("1234")),
        "{patches:?}"
    );
}
