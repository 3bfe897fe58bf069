//! Lossless round trips: unknown fields at every level are kept and written
//! back unchanged.

// Test helpers may unwrap, index and panic: a broken case should stop loudly
// (clippy.toml allows this inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::{parse, Cmdb, Context, Document, History, Policy, Release};
use serde_json::{json, Value};

fn roundtrip<T: Document>(value: &Value) -> Value {
    let text = serde_json::to_string(value).unwrap();
    let parsed = parse::<T>(&text)
        .unwrap_or_else(|e| panic!("{}", e))
        .document;
    serde_json::to_value(&parsed).unwrap()
}

#[test]
fn release_keeps_unknown_fields_at_every_level() {
    let release = json!({
        "schema_version": 1,
        "id": "RLSE0001",
        "title": "Checkout 4.2",
        "version": "4.2.0",
        "kind": "minor",
        "state": "approval",
        "owner": "alice",
        "team": ["bob"],
        "created_at": "2026-11-01T09:00:00+01:00",
        "planned_start": "2026-11-20T22:00:00Z",
        "planned_end": "2026-11-21T01:30:00.250Z",
        "scope": "Checkout redesign",
        "objectives": ["faster checkout"],
        "u_business_unit": "retail",
        "u_nested": {"a": [1, 2, {"b": null}], "c": 1.5e300},
        "changes": [{
            "id": "CHG1", "kind": "normal", "summary": "New payment page",
            "category": "feature", "affected_cis": ["web-1"], "implementer": "bob",
            "approved": true, "committed_at": "2026-11-02T10:00:00Z",
            "links": {"problems": ["PRB1"], "u_link_note": "x"},
            "u_change_field": {"deep": [true]}
        }],
        "affected_cis": ["lb-1"],
        "services": ["checkout"],
        "environments": ["staging", "production"],
        "depends_on": ["RLSE0000"],
        "deployment": {"strategy": "canary", "steps": [{"set_weight": 10}]},
        "rollback_plan": {"documented": true, "tested": false, "estimated_secs": 900, "u_runbook": "RB-7"},
        "tests": [{"kind": "unit", "passed": 120, "failed": 0, "skipped": 2, "u_suite": "jest"}],
        "approvals": [{"approver": "carol", "role": "cab", "decision": "approved",
                       "at": "2026-11-10T12:00:00+01:00", "comment": "ok", "u_channel": "teams"}],
        "communication": {"plan": "email stakeholders", "notified": ["ops"], "u_template": 3},
        "review": {"summary": "fine", "lessons": ["x"], "feedback": [{"from": "u1", "rating": 4, "u_nps": 9}]},
        "knowledge_articles": ["KB1"],
        "links": {"requests": ["REQ1"], "incidents": ["INC1"], "changes": ["CHG1"]},
        "log": [{"seq": 1, "at": "2026-11-01T09:00:00Z", "actor": "alice", "command": "advance",
                 "from": "planning", "to": "development", "details": {"note": "go"},
                 "policy_fingerprint": "abc", "hash": "00", "u_host_event": 1}]
    });
    assert_eq!(roundtrip::<Release>(&release), release);
}

#[test]
fn history_keeps_unknown_fields_at_every_level() {
    let history = json!({
        "schema_version": 1,
        "u_export": {"source": "snow", "at": "2026-11-28"},
        "deployments": [{
            "id": "D1", "release_id": "R1", "service": "checkout", "environment": "production",
            "team": "web", "started_at": "2026-11-01T10:00:00Z", "finished_at": "2026-11-01T10:20:00Z",
            "outcome": "success_with_issues", "kind": "hotfix",
            "changes": [{"id": "c1", "committed_at": "2026-10-30T08:00:00-05:00", "u_sha": "deadbeef"}],
            "u_pipeline": 42
        }],
        "incidents": [{"id": "INC1", "service": "checkout", "severity": "2",
                       "created_at": "2026-11-01T11:00:00Z", "resolved_at": "2026-11-01T12:00:00Z",
                       "caused_by": "D1", "u_priority": "P2"}],
        "releases": [{"id": "R1", "title": "t", "kind": "patch", "state": "closed", "u_r": []}]
    });
    assert_eq!(roundtrip::<History>(&history), history);
}

#[test]
fn cmdb_keeps_unknown_fields_at_every_level() {
    let cmdb = json!({
        "schema_version": 1,
        "u_snapshot": "2026-11-28",
        "cis": [
            {"id": "web-1", "name": "web-1", "class": "cmdb_ci_server", "criticality": "high",
             "service": "checkout", "owner_group": "web-ops", "environment": "production",
             "maintenance_windows": ["sun-night"], "u_location": {"dc": "fra1"}},
            {"id": "db-1", "name": "db-1", "class": "cmdb_ci_db_instance"}
        ],
        "relationships": [{"from": "web-1", "to": "db-1", "kind": "depends_on", "u_weight": 0.5}]
    });
    assert_eq!(roundtrip::<Cmdb>(&cmdb), cmdb);
}

#[test]
fn context_and_policy_keep_unknown_fields() {
    let context = json!({
        "actors": [{"id": "alice", "roles": ["release_manager"], "u_dept": "it"}],
        "now": "2026-11-28T12:00:00+01:00",
        "u_request_id": "abc"
    });
    assert_eq!(roundtrip::<Context>(&context), context);

    let policy =
        json!({"risk": {"weights": {"timing": 2.0, "u_custom": 1}, "u_note": "x"}, "u_top": true});
    let out = roundtrip::<Policy>(&policy);
    assert_eq!(out["risk"]["weights"]["u_custom"], 1);
    assert_eq!(out["risk"]["weights"]["timing"], 2.0);
    assert_eq!(out["risk"]["u_note"], "x");
    assert_eq!(out["u_top"], true);
}

#[test]
fn default_policy_round_trips_and_is_valid() {
    let value = serde_json::to_value(Policy::default()).unwrap();
    let back: Value = roundtrip::<Policy>(&value);
    assert_eq!(back, value);
    assert!(Policy::default().check("").is_empty());
    // An empty policy document is the default policy.
    assert_eq!(parse::<Policy>("{}").unwrap().document, Policy::default());
}
