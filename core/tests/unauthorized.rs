//! Unauthorized changes (issue #21): production deployments with no
//! approved release, outside its window, on undeclared CIs; what is not
//! production is ignored; bad input with its code and path.
//!
//! The releases come from the conformance vector `every_reason`, whose logs
//! `scripts/genuine-fixtures` made with the engine (R-OK closed, R-WAIT in
//! approval, R-DEAD cancelled), so what "approved" means is decided by real
//! logs.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::unauthorized::{UnauthorizedRule, UnauthorizedRule as R};
use relman::{unauthorized_changes, ErrorCode, History, Schedule, UnauthorizedReport};
use serde_json::{json, Value};

const EVERY_REASON: &str = include_str!("vectors/unauthorized_changes/every_reason.json");
const BUNDLED_HISTORY: &str = include_str!("../../examples/data/history.json");

fn input() -> Value {
    let v: Value = serde_json::from_str(EVERY_REASON).unwrap();
    v["input"].clone()
}

fn docs(input: &Value) -> (History, Schedule) {
    let h = relman::from_value::<History>(input["history"].clone())
        .unwrap()
        .document;
    let s = relman::from_value::<Schedule>(input["schedule"].clone())
        .unwrap()
        .document;
    (h, s)
}

fn run(input: &Value) -> UnauthorizedReport {
    let (h, s) = docs(input);
    unauthorized_changes(&h, &s, &["production".to_string()]).unwrap()
}

fn rules(report: &UnauthorizedReport, id: &str) -> Vec<UnauthorizedRule> {
    report
        .unauthorized
        .iter()
        .find(|d| d.deployment_id == id)
        .map(|d| d.reasons.iter().map(|r| r.rule).collect())
        .unwrap_or_default()
}

fn dep(id: &str, release: Option<&str>, env: &str, start: &str, end: &str) -> Value {
    let mut d = json!({"id": id, "service": "shop", "environment": env,
        "started_at": start, "finished_at": end, "outcome": "success"});
    if let Some(r) = release {
        d["release_id"] = json!(r);
    }
    d
}

#[test]
fn outside_window_and_unknown_release_appear() {
    let r = run(&input());
    assert_eq!(rules(&r, "D2"), vec![R::OutsideWindow]);
    assert_eq!(rules(&r, "D4"), vec![R::UnknownRelease]);
    assert_eq!(rules(&r, "D5"), vec![R::NoRelease]);
    let d2 = r
        .unauthorized
        .iter()
        .find(|d| d.deployment_id == "D2")
        .unwrap();
    let details = &d2.reasons[0].details;
    assert_eq!(details["finished_after_window"], json!(true));
    assert_eq!(details["started_before_window"], json!(false));
    assert_eq!(details["planned_end"], json!("2026-11-02T22:00:00Z"));
    assert!(d2.reasons[0].message.contains("outside the window R-OK"));
}

#[test]
fn inside_the_window_of_an_approved_release_is_authorized() {
    let r = run(&input());
    // D1: R-OK is closed, its log adopted it past approval; inside the
    // window, on declared CIs (its own and its change's).
    assert!(rules(&r, "D1").is_empty());
}

#[test]
fn non_production_deployments_are_ignored() {
    let r = run(&input());
    // D7 is a staging deployment outside the window on an undeclared CI.
    assert!(rules(&r, "D7").is_empty());
    assert_eq!(r.checked, 8);
    // With staging as the only production environment, only D7 counts.
    let (h, s) = docs(&input());
    let r = unauthorized_changes(&h, &s, &["staging".to_string()]).unwrap();
    assert_eq!(r.checked, 1);
    assert_eq!(rules(&r, "D7"), vec![R::OutsideWindow, R::UndeclaredCis]);
}

#[test]
fn undeclared_cis_are_named() {
    let r = run(&input());
    let d3 = r
        .unauthorized
        .iter()
        .find(|d| d.deployment_id == "D3")
        .unwrap();
    assert_eq!(rules(&r, "D3"), vec![R::UndeclaredCis]);
    assert_eq!(d3.reasons[0].details["cis"], json!(["fw-2", "lb-9"]));
    assert_eq!(d3.reasons[0].details["declared"], json!(["db-1", "web-1"]));
}

#[test]
fn never_approved_releases() {
    let r = run(&input());
    let why = |id: &str| {
        let d = r
            .unauthorized
            .iter()
            .find(|d| d.deployment_id == id)
            .unwrap();
        d.reasons[0].details["why"].clone()
    };
    assert_eq!(rules(&r, "D6"), vec![R::NotApproved]);
    assert_eq!(why("D6"), json!("not_past_approval"));
    assert_eq!(rules(&r, "D8"), vec![R::NotApproved]);
    assert_eq!(why("D8"), json!("cancelled"));
}

#[test]
fn every_reason_of_a_deployment_is_listed_in_rule_order() {
    let r = run(&input());
    assert_eq!(
        rules(&r, "D9"),
        vec![R::NotApproved, R::OutsideWindow, R::UndeclaredCis]
    );
}

#[test]
fn ordered_by_finished_at_then_id() {
    let r = run(&input());
    let ids: Vec<&str> = r
        .unauthorized
        .iter()
        .map(|d| d.deployment_id.as_str())
        .collect();
    assert_eq!(ids, ["D3", "D2", "D6", "D8", "D4", "D5", "D9"]);
}

#[test]
fn a_log_that_does_not_verify_vouches_for_nothing() {
    let mut input = input();
    // R-OK claims `review`, but its log leaves it closed: state mismatch.
    input["schedule"]["releases"][0]["state"] = json!("review");
    let r = run(&input);
    let d1 = r
        .unauthorized
        .iter()
        .find(|d| d.deployment_id == "D1")
        .unwrap();
    assert_eq!(d1.reasons[0].rule, R::NotApproved);
    assert_eq!(d1.reasons[0].details["why"], json!("log_invalid"));
    assert_eq!(
        d1.reasons[0].details["log"]["tamper"],
        json!("state_mismatch")
    );
}

#[test]
fn history_releases_are_looked_up_after_the_schedule() {
    let mut input = input();
    let history: Value = serde_json::from_str(BUNDLED_HISTORY).unwrap();
    // REL-2026-030 is only in the history: closed, adopted, window
    // 2026-10-11 01:00–03:00 +02:00.
    let rel_030 = history["releases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "REL-2026-030")
        .unwrap()
        .clone();
    input["history"]["releases"] = json!([rel_030]);
    input["history"]["deployments"] = json!([
        dep(
            "H1",
            Some("REL-2026-030"),
            "production",
            "2026-10-11T01:10:00+02:00",
            "2026-10-11T01:40:00+02:00"
        ),
        dep(
            "H2",
            Some("REL-2026-030"),
            "production",
            "2026-10-12T01:10:00+02:00",
            "2026-10-12T01:40:00+02:00"
        ),
    ]);
    let r = run(&input);
    assert_eq!(r.checked, 2);
    assert!(rules(&r, "H1").is_empty());
    assert_eq!(rules(&r, "H2"), vec![R::OutsideWindow]);
    // The schedule's release of an id wins over the history's: here one
    // still in approval (its log does not matter: the state decides first).
    let mut other = input["schedule"]["releases"][1].clone(); // R-WAIT
    other["id"] = json!("REL-2026-030");
    other["log"] = json!([]);
    input["schedule"]["releases"] = json!([other]);
    let r = run(&input);
    assert_eq!(rules(&r, "H1")[0], R::NotApproved);
}

#[test]
fn the_operation_takes_production_from_the_policy_then_the_schedule() {
    let params = json!({
        "history": {"deployments": [
            dep("D1", None, "production", "2026-11-05T11:00:00Z", "2026-11-05T11:05:00Z"),
            dep("D2", None, "prod-eu", "2026-11-05T12:00:00Z", "2026-11-05T12:05:00Z"),
        ]},
        "schedule": {"policy": {"kpi": {"production_environments": ["prod-eu"]}}},
    });
    let out = relman::api::call("unauthorized_changes", params.clone()).unwrap();
    assert_eq!(out["checked"], json!(1));
    assert_eq!(out["unauthorized"][0]["deployment_id"], json!("D2"));
    let mut with_policy = params;
    with_policy["policy"] = json!({"kpi": {"production_environments": ["production", "prod-eu"]}});
    let out = relman::api::call("unauthorized_changes", with_policy).unwrap();
    assert_eq!(out["checked"], json!(2));
    assert_eq!(out["warnings"], json!([]));
}

#[test]
fn bad_input_has_its_code_and_path() {
    let call = |params: Value| relman::api::call("unauthorized_changes", params).unwrap_err();
    // A history that is not a history.
    let e = call(json!({"history": {"deployments": {"id": "D1"}}, "schedule": {}}));
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(e.path(), Some("deployments"));
    let e = call(json!({"history": [], "schedule": {}}));
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    // A deployment that finishes before it starts.
    let e = call(json!({"history": {"deployments": [
        dep("D1", None, "production", "2026-11-02T20:10:00Z", "2026-11-02T20:00:00Z")]},
        "schedule": {}}));
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(e.path(), Some("deployments[0].finished_at"));
    // The schedule is required.
    let e = call(json!({"history": {}}));
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(e.path(), Some("schedule"));
    // An unknown policy key.
    let e = call(json!({"history": {}, "schedule": {}, "policy": {"kpi": {"production": []}}}));
    assert_eq!(e.code(), ErrorCode::InvalidPolicy);
    assert_eq!(e.path(), Some("kpi.production"));
    // An empty list of production environments.
    let e = call(
        json!({"history": {}, "schedule": {}, "policy": {"kpi": {"production_environments": []}}}),
    );
    assert_eq!(e.code(), ErrorCode::InvalidPolicy);
    assert_eq!(e.path(), Some("kpi.production_environments"));
}

#[test]
fn duplicate_deployment_ids_are_refused_by_the_engine() {
    let (mut h, s) = docs(&input());
    let first = h.deployments[0].clone();
    h.deployments.push(first);
    let e = unauthorized_changes(&h, &s, &["production".to_string()]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(e.path(), Some("deployments[9].id"));
}

#[test]
fn cis_round_trip_and_are_skipped_when_empty() {
    let h = relman::from_value::<History>(json!({"deployments": [
        {"id": "A", "service": "s", "environment": "production",
         "finished_at": "2026-11-02T20:00:00Z", "outcome": "success", "cis": ["web-1"]},
        {"id": "B", "service": "s", "environment": "production",
         "finished_at": "2026-11-02T20:00:00Z", "outcome": "success"}]}))
    .unwrap()
    .document;
    let out = serde_json::to_value(&h).unwrap();
    assert_eq!(out["deployments"][0]["cis"], json!(["web-1"]));
    assert!(out["deployments"][1].get("cis").is_none());
}
