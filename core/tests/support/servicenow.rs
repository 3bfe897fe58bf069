//! ServiceNow tables the ServiceNow import tests share: the first-round
//! fixtures and a small instance in out-of-box shapes.

use relman::interop::ServiceNowTables;
use serde_json::{json, Value};
use std::path::Path;

/// A fixture table of `tests/fixtures/servicenow/`.
pub fn fixture(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/servicenow")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The fixture tables.
pub fn tables() -> ServiceNowTables {
    ServiceNowTables {
        change_request: Some(fixture("change_request")),
        rm_release: Some(fixture("rm_release")),
        cmdb_ci: Some(fixture("cmdb_ci")),
        cmdb_rel_ci: Some(fixture("cmdb_rel_ci")),
        sysapproval_approver: Some(fixture("sysapproval_approver")),
        ..Default::default()
    }
}

/// A small instance in out-of-box shapes: users (two named John Smith),
/// groups and members, a release with two change requests, task_ci lists,
/// approvals in every state, a change task, an incident and a problem.
pub fn instance() -> ServiceNowTables {
    let user = |sys: &str, login: &str, name: &str| json!({"sys_id": sys, "user_name": login, "name": name, "email": format!("{login}@example.com")});
    ServiceNowTables {
        sys_user: Some(json!({"result": [
            user("u1", "john.smith", "John Smith"),
            user("u2", "john.smith2", "John Smith"),
            user("u3", "maria.rossi", "Maria Rossi"),
        ]})),
        sys_user_group: Some(json!({"result": [
            {"sys_id": "g1", "name": "CAB Approval"},
            {"sys_id": "g2", "name": "Database"},
            {"sys_id": "g3", "name": "Change Management"},
        ]})),
        sys_user_grmember: Some(json!({"result": [
            {"sys_id": "m1", "user": "u3", "group": "g1"},
            {"sys_id": "m2", "user": "u1", "group": "g2"},
            {"sys_id": "m3", "user": "u2", "group": "g3"},
        ]})),
        cmdb_ci: Some(json!({"result": [
            {"sys_id": "c1", "name": "web-01", "sys_class_name": "cmdb_ci_linux_server"},
            {"sys_id": "c2", "name": "db-01", "sys_class_name": "cmdb_ci_db_mssql_instance"},
            {"sys_id": "c3", "name": "lb-01", "sys_class_name": "cmdb_ci_lb_bigip", "maintenance_schedule": "s2"},
        ]})),
        cmdb_rel_type: Some(json!({"result": [
            {"sys_id": "t1", "name": "Runs on::Runs"},
        ]})),
        cmdb_rel_ci: Some(json!({"result": [
            {"sys_id": "r1", "parent": "c1", "child": "c2", "type": "t1"},
        ]})),
        rm_release: Some(json!({"result": [
            {"sys_id": "rel1", "number": "RLSE1", "short_description": "Train", "state": "4",
             "planned_start_date": "2026-12-01 20:00:00", "planned_end_date": "2026-12-01 23:00:00",
             "assigned_to": "u2", "assignment_group": "g3", "u_train": "Q4"},
            {"sys_id": "rel2", "number": "RLSE2", "short_description": "Done", "state": "3"},
        ]})),
        change_request: Some(json!({"result": [
            {"sys_id": "chg1", "number": "CHG1", "type": "normal", "short_description": "Patch web",
             "state": "-2", "risk": "3", "impact": "2", "priority": "3", "approval": "requested",
             "cmdb_ci": "c1", "assigned_to": "u1", "assignment_group": "g2", "parent": "rel1",
             "start_date": "2026-12-01 20:00:00", "end_date": "2026-12-01 21:00:00",
             "backout_plan": "Redeploy", "test_plan": "Smoke", "implementation_plan": "Steps",
             "justification": "Security fix", "u_jira": "OPS-1"},
            {"sys_id": "chg2", "number": "CHG2", "type": "emergency", "short_description": "Hotfix db",
             "state": "-1", "approval": "approved", "cmdb_ci": "c2", "assigned_to": "u2", "parent": "rel1",
             "start_date": "2026-12-01 21:00:00", "end_date": "2026-12-01 22:00:00"},
        ]})),
        task_ci: Some(json!({"result": [
            {"sys_id": "tc1", "task": "chg1", "ci_item": "c1"},
            {"sys_id": "tc2", "task": "chg1", "ci_item": "c3"},
            {"sys_id": "tc3", "task": "chg2", "ci_item": "c2"},
            {"sys_id": "tc4", "task": "other-task", "ci_item": "c2"},
        ]})),
        sysapproval_group: Some(json!({"result": [
            {"sys_id": "ga1", "parent": "chg1", "assignment_group": "g1", "approval": "requested"},
        ]})),
        sysapproval_approver: Some(json!({"result": [
            {"sys_id": "a1", "approver": "u3", "state": "rejected", "sysapproval": "chg1", "group": "ga1",
             "sys_updated_on": "2026-11-30 10:00:00", "comments": ""},
            {"sys_id": "a2", "approver": "u1", "state": "requested", "sysapproval": "chg1"},
            {"sys_id": "a3", "approver": "u2", "state": "not_required", "sysapproval": "chg2"},
            {"sys_id": "a4", "approver": "u2", "state": "cancelled", "sysapproval": "chg2"},
            {"sys_id": "a5", "approver": "u3", "state": "approved", "sysapproval": "chg2",
             "sys_updated_on": "2026-11-30 11:00:00"},
        ]})),
        change_task: Some(json!({"result": [
            {"sys_id": "ct1", "number": "CTASK1", "change_request": "chg1", "short_description": "Drain",
             "state": "1", "assigned_to": "u1", "planned_start_date": "2026-12-01 20:00:00"},
        ]})),
        incident: Some(json!({"result": [
            {"sys_id": "i1", "number": "INC1", "caused_by": "chg2"},
            {"sys_id": "i2", "number": "INC2", "rfc": "chg1"},
        ]})),
        problem: Some(json!({"result": [
            {"sys_id": "p1", "number": "PRB1", "rfc": "chg1"},
        ]})),
        cmn_schedule: Some(json!({"result": [
            {"sys_id": "s1", "name": "Year-end freeze", "type": "blackout", "time_zone": "America/Los_Angeles"},
            {"sys_id": "s2", "name": "Weekend", "type": "maintenance", "time_zone": "Europe/Amsterdam"},
        ]})),
        cmn_schedule_span: Some(json!({"result": [
            {"sys_id": "sp1", "schedule": "s1", "name": "Freeze", "start_date_time": "20261218T000000",
             "end_date_time": "20270104T000000", "repeat_type": ""},
            {"sys_id": "sp2", "schedule": "s2", "name": "Saturday night", "start_date_time": "20261205T220000",
             "end_date_time": "20261206T020000", "repeat_type": "weekly", "repeat_count": "1", "days_of_week": "6"},
        ]})),
        ..Default::default()
    }
}
