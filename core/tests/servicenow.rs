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

use relman::interop::{DisplayValue, ServiceNowImport, ServiceNowImportOptions, ServiceNowTables};
use relman::{Criticality, Error, State};
use serde_json::{json, Value};
use std::collections::BTreeSet;
#[path = "support/servicenow.rs"]
mod servicenow_support;
use servicenow_support::{instance, tables};

fn import(t: &ServiceNowTables) -> Result<ServiceNowImport, Error> {
    relman::import_servicenow(t.clone(), &ServiceNowImportOptions::default())
}

fn import_with(
    t: &ServiceNowTables,
    o: &ServiceNowImportOptions,
) -> Result<ServiceNowImport, Error> {
    relman::import_servicenow(t.clone(), o)
}

#[test]
fn imports_releases_changes_and_cmdb_field_by_field() {
    let out = import(&tables()).unwrap();
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
    // People are their sys_id without the sys_user records, never a
    // display name (finding: two "John Smith"s became one person).
    assert_eq!(r.owner.as_deref(), Some("u1"));
    assert_eq!(r.extra["priority"], "moderate");
    assert_eq!(r.extra["u_release_train"], "Q4-B");
    assert_eq!(r.extra["sys_id"], "e5b3f0d81b4e0010b2c4ea42b24bcb51");
    assert_eq!(r.extra["product"]["display_value"], "Storefront");
    // Votes on a release enter its log through an `import` command, not
    // its unsealed `approvals`.
    assert!(r.approvals.is_empty());
    assert_eq!(out.commands.len(), 1);
    let cmd = serde_json::to_value(&out.commands[0]).unwrap();
    assert_eq!(cmd["command"], "import");
    assert_eq!(cmd["source"], "servicenow");
    assert_eq!(cmd["records"], json!(["ap3"]));
    assert_eq!(cmd["approvals"][0]["approver"], "u7");
    assert_eq!(cmd["at"], "2026-11-27T15:30:00Z");
    // Every approval record is kept with its state.
    let states: Vec<(&str, &str, &str)> = out
        .approvals
        .iter()
        .map(|a| (a.sys_id.as_str(), a.task.as_str(), a.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            ("ap1", "CHG0041102", "approved"),
            ("ap2", "CHG0041101", "requested"),
            ("ap3", "RLSE0010041", "approved")
        ]
    );
    assert_eq!(out.approvals[1].decision, None);
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
    assert_eq!(c.implementer.as_deref(), Some("u2"));
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
    assert_eq!(out.approvals[0].approver.as_deref(), Some("u9"));
    assert_eq!(
        out.approvals[0].comment.as_deref(),
        Some("Standard change, pre-approved")
    );
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
    assert_eq!(codes, ["votes_not_in_approval", "change_not_scheduled"]);
    // The imported schedule is a valid relman document.
    let text = serde_json::to_string(&s).unwrap();
    relman::parse::<relman::Schedule>(&text).unwrap();
}

fn set(t: &mut ServiceNowTables, table: &str, i: usize, field: &str, v: Value) {
    let target = t.slot(table).unwrap().as_mut().unwrap();
    target["result"][i][field] = v;
}

fn error_of(t: &ServiceNowTables) -> (String, String, String) {
    let e = import(t).unwrap_err();
    (
        e.code().as_str().to_string(),
        e.path().unwrap_or("").to_string(),
        e.to_string(),
    )
}

#[test]
fn unknown_state_code_names_record_and_field() {
    let mut t = tables();
    set(&mut t, "change_request", 1, "state", json!("9"));
    let (code, path, msg) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "tables.change_request.result[1].state");
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
        "change_request",
        0,
        "start_date",
        json!("2026-12-01T20:00:00Z"),
    );
    let (code, path, msg) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "tables.change_request.result[0].start_date");
    assert!(
        msg.contains("CHG0041101") && msg.contains("start_date"),
        "{msg}"
    );
    let mut t = tables();
    set(
        &mut t,
        "rm_release",
        1,
        "planned_end_date",
        json!("2026-13-03 07:00:00"),
    );
    let (_, path, msg) = error_of(&t);
    assert_eq!(path, "tables.rm_release.result[1].planned_end_date");
    assert!(msg.contains("RLSE0010042"), "{msg}");
}

#[test]
fn reference_to_a_missing_ci_names_record_and_field() {
    let mut t = tables();
    set(
        &mut t,
        "change_request",
        2,
        "cmdb_ci",
        json!({"link": "x", "value": "0000deadbeef"}),
    );
    let (code, path, msg) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "tables.change_request.result[2].cmdb_ci");
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
        set(&mut t, "change_request", 0, field, json!(v));
        let (code, path, _) = error_of(&t);
        assert_eq!(code, "invalid_input");
        assert_eq!(path, format!("tables.change_request.result[0].{field}"));
    }
    let t = ServiceNowTables {
        change_request: Some(json!([1, 2])),
        ..Default::default()
    };
    assert_eq!(error_of(&t).1, "tables.change_request[0]");
}

#[test]
fn inputs_that_would_make_an_invalid_schedule_are_refused_at_the_record() {
    // A window ending before it starts.
    let mut t = tables();
    set(
        &mut t,
        "change_request",
        0,
        "end_date",
        json!("2026-11-30 20:00:00"),
    );
    let (code, path, msg) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "tables.change_request.result[0].end_date");
    assert!(msg.contains("CHG0041101"), "{msg}");
    // A number taken by an earlier record.
    let mut t = tables();
    set(&mut t, "change_request", 1, "number", json!("CHG0041101"));
    let (code, path, msg) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "tables.change_request.result[1].number");
    assert!(
        msg.contains("also the id of change_request CHG0041101"),
        "{msg}"
    );
    // Two CIs of one name.
    let mut t = tables();
    let first = t.cmdb_ci.as_ref().unwrap()["result"][0]["name"].clone();
    set(&mut t, "cmdb_ci", 1, "name", first);
    let (_, path, _) = error_of(&t);
    assert_eq!(path, "tables.cmdb_ci.result[1].name");
    // Relationships without the CIs they relate.
    let mut t = tables();
    t.cmdb_ci = None;
    let (code, path, _) = error_of(&t);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "tables.cmdb_rel_ci");
    // A signed year is not a ServiceNow date.
    let mut t = tables();
    set(
        &mut t,
        "change_request",
        0,
        "start_date",
        json!("-001-12-01 20:00:00"),
    );
    assert_eq!(error_of(&t).1, "tables.change_request.result[0].start_date");
}

#[test]
fn fields_named_like_document_members_are_kept_aside() {
    let mut t = tables();
    set(&mut t, "change_request", 0, "id", json!("shadow"));
    set(&mut t, "change_request", 0, "kind", json!("weird"));
    set(&mut t, "change_request", 0, "servicenow", json!(1));
    set(&mut t, "rm_release", 0, "schema_version", json!(99));
    // Blank is unset: the change falls back to its sys_id.
    set(&mut t, "change_request", 1, "number", json!("  "));
    let out = import(&t).unwrap();
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

// ---- Issue #23: each finding of the first-round importer, as a test ----

fn change<'a>(out: &'a ServiceNowImport, id: &str) -> &'a relman::Change {
    out.schedule
        .releases
        .iter()
        .flat_map(|r| &r.changes)
        .chain(&out.schedule.changes)
        .find(|c| c.id == id)
        .unwrap()
}

#[test]
fn people_are_resolved_by_sys_id_so_two_john_smiths_stay_two() {
    let out = import(&instance()).unwrap();
    assert_eq!(
        change(&out, "CHG1").implementer.as_deref(),
        Some("john.smith")
    );
    assert_eq!(
        change(&out, "CHG2").implementer.as_deref(),
        Some("john.smith2")
    );
    let ids: Vec<&str> = out.actors.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["john.smith", "john.smith2", "maria.rossi"]);
    let maria = &out.actors[2];
    assert_eq!(maria.groups, ["CAB Approval"]);
    assert_eq!(maria.roles, [relman::Role::Cab]);
    assert_eq!(maria.extra["sys_id"], "u3");
    assert_eq!(out.actors[1].roles, [relman::Role::ReleaseManager]);
    // Separation of duties sees two people: the directory is valid.
    let ctx = relman::Context {
        actors: out.actors.clone(),
        ..Default::default()
    };
    relman::parse::<relman::Context>(&serde_json::to_string(&ctx).unwrap()).unwrap();
}

#[test]
fn display_names_that_name_two_users_are_refused() {
    // Display-only rows: references are names.
    let mut t = instance();
    t.task_ci = None;
    t.sysapproval_approver = None;
    t.sysapproval_group = None;
    t.change_task = None;
    t.incident = None;
    t.problem = None;
    t.cmdb_rel_ci = None;
    t.sys_user_grmember = None;
    t.cmn_schedule_span = None;
    t.cmn_schedule = None;
    t.cmdb_ci =
        Some(json!([{"sys_id": "c1", "name": "web-01"}, {"sys_id": "c2", "name": "db-01"}]));
    t.rm_release = None;
    t.change_request = Some(json!([
        {"sys_id": "chg1", "number": "CHG1", "type": "Normal", "state": "Scheduled",
         "assigned_to": "John Smith", "cmdb_ci": "web-01",
         "start_date": "12/01/2026 12:00:00", "end_date": "12/01/2026 13:00:00"}
    ]));
    let o = ServiceNowImportOptions {
        display_value: DisplayValue::True,
        time_zone: Some("America/Los_Angeles".into()),
        date_format: Some("MM/dd/yyyy".into()),
        ..Default::default()
    };
    let e = import_with(&t, &o).unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert_eq!(e.path(), Some("tables.change_request[0].assigned_to"));
    assert!(e.to_string().contains("names 2 sys_user records"), "{e}");
    // A unique name resolves to the user's id.
    t.change_request.as_mut().unwrap()[0]["assigned_to"] = json!("Maria Rossi");
    let out = import_with(&t, &o).unwrap();
    let c = change(&out, "CHG1");
    assert_eq!(c.implementer.as_deref(), Some("maria.rossi"));
    assert_eq!(c.extra["state"], "scheduled");
    assert_eq!(c.affected_cis, ["web-01"]);
}

#[test]
fn display_only_dates_are_read_in_the_users_zone_or_refused_never_shifted() {
    let t = ServiceNowTables {
        change_request: Some(json!([
            {"sys_id": "chg1", "number": "CHG1", "state": "Scheduled",
             "start_date": "2026-12-01 12:00:00", "end_date": "2026-12-01 13:00:00"}
        ])),
        ..Default::default()
    };
    // Declared display-only but no zone or format: refused at the field.
    let o = ServiceNowImportOptions {
        display_value: DisplayValue::True,
        ..Default::default()
    };
    let e = import_with(&t, &o).unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert_eq!(e.path(), Some("tables.change_request[0].start_date"));
    assert!(e.to_string().contains("options.time_zone"), "{e}");
    // Not declared: the choice label gives the rows away.
    let e = import(&t).unwrap_err();
    assert_eq!(e.path(), Some("tables.change_request[0].state"));
    assert!(e.to_string().contains("sysparm_display_value=true"), "{e}");
    // With the user's zone and format: 12:00 in Los Angeles is 20:00 UTC.
    let o = ServiceNowImportOptions {
        display_value: DisplayValue::True,
        time_zone: Some("America/Los_Angeles".into()),
        date_format: Some("yyyy-MM-dd".into()),
        ..Default::default()
    };
    let out = import_with(&t, &o).unwrap();
    let c = change(&out, "CHG1");
    assert_eq!(
        c.planned_start.as_ref().unwrap().as_str(),
        "2026-12-01T20:00:00Z"
    );
    // A bad zone names the option.
    let o = ServiceNowImportOptions {
        time_zone: Some("Mars/Olympus".into()),
        ..Default::default()
    };
    assert_eq!(
        import_with(&t, &o).unwrap_err().path(),
        Some("options.time_zone")
    );
}

#[test]
fn task_ci_plans_group_tasks_and_links_are_mapped() {
    let out = import(&instance()).unwrap();
    let c = change(&out, "CHG1");
    // cmdb_ci first, then the task_ci list (finding: only cmdb_ci read).
    assert_eq!(c.affected_cis, ["web-01", "lb-01"]);
    assert_eq!(c.extra["backout_plan"], "Redeploy");
    assert_eq!(c.extra["test_plan"], "Smoke");
    assert_eq!(c.extra["implementation_plan"], "Steps");
    assert_eq!(c.extra["justification"], "Security fix");
    assert_eq!(c.extra["assignment_group"], "Database");
    assert_eq!(c.extra["u_jira"], "OPS-1");
    assert_eq!(c.extra["tasks"][0]["number"], "CTASK1");
    assert_eq!(c.extra["tasks"][0]["assigned_to"], "john.smith");
    assert_eq!(c.links.incidents, ["INC2"]);
    assert_eq!(c.links.problems, ["PRB1"]);
    assert_eq!(change(&out, "CHG2").links.incidents, ["INC1"]);
    // The codes are members of the change's JSON object (its extra is
    // flattened): `state`, not `extra.state`.
    let v = serde_json::to_value(c).unwrap();
    assert_eq!(v["state"], "scheduled");
    assert_eq!(v["risk"], "moderate");
    // A task_ci row of a task not imported is a warning naming it.
    let w = out
        .warnings
        .iter()
        .find(|w| w.code == "reference_unresolved")
        .unwrap();
    assert_eq!(w.path, "tables.task_ci.result[3].task");
    assert!(w.message.contains("other-task"), "{}", w.message);
    // The release's CIs are its changes'.
    assert_eq!(
        out.schedule.releases[0].affected_cis,
        ["web-01", "lb-01", "db-01"]
    );
    // cmdb_rel_type names the relationship in value mode.
    assert_eq!(
        out.schedule.cmdb.as_ref().unwrap().relationships[0].kind,
        "runs_on"
    );
}

#[test]
fn approvals_keep_every_state_and_their_group_role() {
    let out = import(&instance()).unwrap();
    let by: Vec<(&str, &str, Option<relman::Decision>, relman::Role)> = out
        .approvals
        .iter()
        .map(|a| (a.sys_id.as_str(), a.state.as_str(), a.decision, a.role))
        .collect();
    use relman::{Decision::*, Role::*};
    assert_eq!(
        by,
        [
            ("ga1", "requested", None, Cab),
            ("a1", "rejected", Some(Rejected), Cab),
            ("a2", "requested", None, Cab),
            ("a3", "not_required", None, ReleaseManager),
            ("a4", "cancelled", None, ReleaseManager),
            ("a5", "approved", Some(Approved), Cab),
        ]
    );
    assert_eq!(out.approvals[1].group.as_deref(), Some("CAB Approval"));
    assert_eq!(out.approvals[0].table, "sysapproval_group");
    // Rejected and requested are no longer both `approved: false` only.
    assert!(!change(&out, "CHG1").approved);
    assert!(change(&out, "CHG2").approved);
    // An unknown approval state is an error at its field.
    let mut t = instance();
    t.sysapproval_approver.as_mut().unwrap()["result"][1]["state"] = json!("maybe");
    let e = import(&t).unwrap_err();
    assert_eq!(
        e.path(),
        Some("tables.sysapproval_approver.result[1].state")
    );
}

#[test]
fn release_states_and_kinds_are_kept_apart() {
    let out = import(&instance()).unwrap();
    let [r1, r2] = [&out.schedule.releases[0], &out.schedule.releases[1]];
    assert_eq!((r1.state, r2.state), (State::Closed, State::Closed));
    assert_eq!(r1.extra["sn_state"], "closed_incomplete");
    assert_eq!(r2.extra["sn_state"], "closed_complete");
    // A release holding an emergency change is an emergency release.
    assert_eq!(r1.kind, relman::ReleaseKind::Emergency);
    assert_eq!(r2.kind, relman::ReleaseKind::Minor);
    assert_eq!(r1.owner.as_deref(), Some("john.smith2"));
    assert_eq!(r1.extra["assignment_group"], "Change Management");
    // A kind field named by the mapping.
    let mut t = instance();
    t.rm_release.as_mut().unwrap()["result"][1]["u_release_type"] = json!("Major");
    let mapping: relman::policy::ServiceNowPolicy = serde_json::from_value(json!({
        "release_kind_field": "u_release_type",
        "release_kinds": {"Major": "major"},
        "change_types": {"comprehensive": "normal"},
        "group_roles": {"Database": "qa"}
    }))
    .unwrap();
    t.change_request.as_mut().unwrap()["result"][0]["type"] = json!("comprehensive");
    let o = ServiceNowImportOptions {
        mapping: Some(mapping),
        ..Default::default()
    };
    let out = import_with(&t, &o).unwrap();
    assert_eq!(out.schedule.releases[1].kind, relman::ReleaseKind::Major);
    assert_eq!(change(&out, "CHG1").kind, relman::ChangeKind::Normal);
    assert_eq!(out.actors[0].roles, [relman::Role::Qa]);
    // An unknown kind value is an error at the field.
    t.rm_release.as_mut().unwrap()["result"][1]["u_release_type"] = json!("Huge");
    let e = import_with(&t, &o).unwrap_err();
    assert_eq!(e.path(), Some("tables.rm_release.result[1].u_release_type"));
}

#[test]
fn unexpected_shapes_are_errors_not_empty_strings() {
    for (v, needle) in [
        (json!(["a", "b"]), "a list"),
        (json!({"link": "x"}), "without `value`"),
        (json!({"value": {"deep": 1}}), "`value` must be"),
    ] {
        let mut t = instance();
        t.change_request.as_mut().unwrap()["result"][0]["short_description"] = v;
        let e = import(&t).unwrap_err();
        assert_eq!(e.code().as_str(), "invalid_input");
        assert_eq!(
            e.path(),
            Some("tables.change_request.result[0].short_description")
        );
        assert!(e.to_string().contains(needle), "{e}");
    }
}

#[test]
fn duplicates_are_errors_naming_both_records() {
    let cases: [(&str, usize, &str, Value, &str); 5] = [
        (
            "change_request",
            1,
            "number",
            json!("CHG1"),
            "tables.change_request.result[1].number",
        ),
        (
            "rm_release",
            1,
            "sys_id",
            json!("rel1"),
            "tables.rm_release.result[1].sys_id",
        ),
        (
            "cmdb_ci",
            1,
            "name",
            json!("web-01"),
            "tables.cmdb_ci.result[1].name",
        ),
        (
            "sys_user",
            1,
            "user_name",
            json!("john.smith"),
            "tables.sys_user.result[1].user_name",
        ),
        (
            "sys_user_group",
            1,
            "name",
            json!("CAB Approval"),
            "tables.sys_user_group.result[1].name",
        ),
    ];
    for (table, i, field, v, path) in cases {
        let mut t = instance();
        set(&mut t, table, i, field, v);
        let e = import(&t).unwrap_err();
        assert_eq!(e.code().as_str(), "invalid_input", "{table}");
        assert_eq!(e.path(), Some(path), "{table}: {e}");
        assert!(e.to_string().contains("also the"), "{e}");
    }
}

#[test]
fn unresolved_references_name_table_record_and_field() {
    let mut t = instance();
    set(&mut t, "change_request", 0, "assigned_to", json!("nobody"));
    let e = import(&t).unwrap_err();
    assert_eq!(
        e.path(),
        Some("tables.change_request.result[0].assigned_to")
    );
    assert!(
        e.to_string().contains("change_request CHG1 (sys_id chg1)"),
        "{e}"
    );
    let mut t = instance();
    set(&mut t, "task_ci", 0, "ci_item", json!("c404"));
    assert_eq!(
        import(&t).unwrap_err().path(),
        Some("tables.task_ci.result[0].ci_item")
    );
    let mut t = instance();
    set(&mut t, "cmn_schedule_span", 0, "schedule", json!("s404"));
    assert_eq!(
        import(&t).unwrap_err().path(),
        Some("tables.cmn_schedule_span.result[0].schedule")
    );
}

#[test]
fn blackout_and_maintenance_schedules_become_the_calendar() {
    let out = import(&instance()).unwrap();
    let cal = out.schedule.calendar.as_ref().unwrap();
    let freeze = &cal.blackouts[0];
    assert_eq!(freeze.name, "Year-end freeze: Freeze");
    // Midnight in Los Angeles is 08:00 UTC.
    assert_eq!(
        freeze.start.as_ref().unwrap().as_str(),
        "2026-12-18T08:00:00Z"
    );
    assert_eq!(
        freeze.end.as_ref().unwrap().as_str(),
        "2027-01-04T08:00:00Z"
    );
    let weekend = &cal.maintenance_windows[0];
    let rec = weekend.recurrence.as_ref().unwrap();
    assert_eq!(rec.freq, relman::Frequency::Weekly);
    assert_eq!(rec.by_day, [relman::Weekday::Sat]);
    assert_eq!(rec.start_time, "22:00");
    assert_eq!(rec.duration_secs, 4 * 3600);
    assert_eq!(rec.time_zone, "Europe/Amsterdam");
    // The CI names its maintenance schedule's windows.
    let lb = &out.schedule.cmdb.as_ref().unwrap().cis[2];
    assert_eq!(lb.maintenance_windows, std::slice::from_ref(&weekend.id));
    // The whole import is a valid schedule document.
    let text = serde_json::to_string(&out.schedule).unwrap();
    relman::parse::<relman::Schedule>(&text).unwrap();
    // A yearly span is refused at its field.
    let mut t = instance();
    set(
        &mut t,
        "cmn_schedule_span",
        0,
        "repeat_type",
        json!("yearly"),
    );
    assert_eq!(
        import(&t).unwrap_err().path(),
        Some("tables.cmn_schedule_span.result[0].repeat_type")
    );
}

#[test]
fn a_misspelt_table_name_is_refused_by_the_operation() {
    let e = relman::api::call_json(
        "import_servicenow",
        r#"{"tables": {"change_requests": {"result": []}}}"#,
    )
    .unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert!(e.to_string().contains("change_requests"), "{e}");
}

#[test]
fn import_export_apply_import_keeps_every_field_but_the_written_ones() {
    let tables = instance();
    let first = import(&tables).unwrap();
    let conflicts = relman::detect_conflicts(&first.schedule).unwrap();
    let out = relman::export_servicenow(&relman::ServiceNowExport {
        schedule: first.schedule.clone(),
        conflicts: Some(conflicts),
        actors: first.actors.clone(),
        now: Some(relman::Timestamp::parse("2026-11-29T10:00:00Z").unwrap()),
        ..Default::default()
    })
    .unwrap();
    // Every change request gets its own risk and a conflict status.
    for id in ["CHG1", "CHG2"] {
        let p = out.patches.iter().find(|p| p.number == id).unwrap();
        assert!(p.fields.contains_key("risk"), "{id}: {p:?}");
        assert!(p.fields.contains_key("conflict_status"), "{id}");
        for k in p.fields.keys() {
            assert!(relman::interop::export_fields(&p.table).contains(&k.as_str()));
        }
    }
    // Apply the patches to the records, as the Table API would.
    let mut applied = tables.clone();
    let mut written: BTreeSet<String> = BTreeSet::new();
    for p in &out.patches {
        let Some(sys_id) = &p.sys_id else { continue };
        let table = applied.slot(&p.table).unwrap().as_mut().unwrap();
        let rec = table["result"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["sys_id"] == json!(sys_id))
            .unwrap();
        for (k, v) in &p.fields {
            rec[k] = json!(v);
            written.insert(k.clone());
        }
    }
    let second = import(&applied).unwrap();
    // Equal on every field, u_ fields included, but those the export wrote.
    let strip = |i: &ServiceNowImport| {
        let mut v = serde_json::to_value(i).unwrap();
        fn walk(v: &mut Value, written: &BTreeSet<String>) {
            match v {
                Value::Object(o) => {
                    o.retain(|k, _| !written.contains(k));
                    o.values_mut().for_each(|x| walk(x, written));
                }
                Value::Array(a) => a.iter_mut().for_each(|x| walk(x, written)),
                _ => {}
            }
        }
        walk(&mut v, &written);
        v
    };
    assert_ne!(
        serde_json::to_value(&first).unwrap(),
        serde_json::to_value(&second).unwrap()
    );
    assert_eq!(strip(&first), strip(&second));
    assert_eq!(change(&second, "CHG1").extra["u_jira"], "OPS-1");
}

#[test]
fn fields_the_import_does_not_use_stay_in_extra() {
    let mut t = instance();
    set(
        &mut t,
        "change_request",
        0,
        "sys_created_on",
        json!("2026-10-01 08:00:00"),
    );
    set(
        &mut t,
        "rm_release",
        0,
        "start_date",
        json!("2026-12-01 20:05:00"),
    );
    let out = import(&t).unwrap();
    assert_eq!(
        change(&out, "CHG1").extra["sys_created_on"],
        "2026-10-01 08:00:00"
    );
    let r = &out.schedule.releases[0];
    // The planned window is read; the actual start is kept as it was.
    assert_eq!(
        r.planned_start.as_ref().unwrap().as_str(),
        "2026-12-01T20:00:00Z"
    );
    assert_eq!(r.extra["start_date"], "2026-12-01 20:05:00");
}
