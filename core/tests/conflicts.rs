//! Conflict detection, calendars with time zones, slot suggestion and
//! deployment order (issue #5): each kind fires and has a near miss, the
//! DST cases worked out by hand, bad input, and the lifecycle integration.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::calendar::{Interval, Rule};
use relman::{
    deployment_order, detect_conflicts, suggest_slots, ConflictKind, ConflictReport, Recurrence,
    Schedule, Severity, State, Timestamp,
};
use serde_json::{json, Value};

#[path = "support/fixtures.rs"]
mod fixtures;
use fixtures::rel;

fn schedule(v: Value) -> Schedule {
    relman::from_value::<Schedule>(v).unwrap().document
}

fn detect(v: Value) -> ConflictReport {
    detect_conflicts(&schedule(v)).unwrap()
}

fn kinds(r: &ConflictReport, kind: ConflictKind) -> Vec<&relman::Conflict> {
    r.conflicts.iter().filter(|c| c.kind == kind).collect()
}

fn cmdb() -> Value {
    json!({
        "cis": [
            {"id": "web-1", "name": "web", "class": "server", "service": "checkout", "environment": "production"},
            {"id": "app-1", "name": "app", "class": "app", "service": "checkout", "environment": "production"},
            {"id": "db-1", "name": "db", "class": "database", "service": "checkout", "environment": "production"},
            {"id": "pay-1", "name": "pay", "class": "app", "service": "payments", "environment": "production"},
            {"id": "stg-1", "name": "stg", "class": "server", "service": "checkout", "environment": "staging"}
        ],
        "relationships": [
            {"from": "web-1", "to": "app-1", "kind": "depends_on"},
            {"from": "app-1", "to": "db-1", "kind": "depends_on"}
        ]
    })
}

fn iso(s: i64) -> String {
    Timestamp::from_utc(relman::calendar::utc(s)).to_string()
}

fn at(s: &str) -> i64 {
    Timestamp::parse(s).unwrap().unix_seconds()
}

// ---------------------------------------------------------------- kind 1

#[test]
fn ci_overlap_fires_on_overlap_and_lists_every_shared_ci() {
    let r = detect(json!({"releases": [
        rel("A", "2026-12-01T22:00:00Z", "2026-12-02T01:00:00Z", &["web-1", "db-1", "app-1"], "x"),
        rel("B", "2026-12-02T00:00:00Z", "2026-12-02T02:00:00Z", &["db-1", "web-1"], "y"),
    ]}));
    let c = kinds(&r, ConflictKind::CiOverlap);
    assert_eq!(c.len(), 1, "one conflict per pair: {:#?}", r.conflicts);
    assert_eq!(c[0].items, ["A", "B"]);
    assert_eq!(c[0].cis, ["db-1", "web-1"]);
    assert_eq!(c[0].severity, Severity::Block);
    let w = c[0].window.as_ref().unwrap();
    assert_eq!(w.start.as_str(), "2026-12-02T00:00:00Z");
    assert_eq!(w.end.as_str(), "2026-12-02T01:00:00Z");
    assert!(
        c[0].explanation.contains("db-1, web-1"),
        "{}",
        c[0].explanation
    );
    assert_eq!(r.blocking, 1);
}

#[test]
fn ci_overlap_near_miss_back_to_back_windows() {
    let v = json!({"releases": [
        rel("A", "2026-12-01T22:00:00Z", "2026-12-02T00:00:00Z", &["web-1"], "x"),
        rel("B", "2026-12-02T00:00:00Z", "2026-12-02T02:00:00Z", &["web-1"], "y"),
    ]});
    assert!(detect(v.clone()).conflicts.is_empty());
    // Unless the policy says back-to-back windows conflict.
    let mut strict = v;
    strict["policy"] = json!({"conflicts": {"allow_contiguous": false}});
    let r = detect(strict);
    assert_eq!(kinds(&r, ConflictKind::CiOverlap).len(), 1);
}

#[test]
fn changes_use_their_own_window() {
    let mut a = rel(
        "A",
        "2026-12-01T20:00:00Z",
        "2026-12-02T04:00:00Z",
        &["web-1"],
        "x",
    );
    a["changes"][0]["planned_start"] = json!("2026-12-01T20:00:00Z");
    a["changes"][0]["planned_end"] = json!("2026-12-01T21:00:00Z");
    let b = rel(
        "B",
        "2026-12-01T22:00:00Z",
        "2026-12-01T23:00:00Z",
        &["web-1"],
        "y",
    );
    assert!(detect(json!({"releases": [a.clone(), b]}))
        .conflicts
        .is_empty());
    let b2 = rel(
        "B",
        "2026-12-01T20:30:00Z",
        "2026-12-01T23:00:00Z",
        &["web-1"],
        "y",
    );
    assert_eq!(
        kinds(
            &detect(json!({"releases": [a, b2]})),
            ConflictKind::CiOverlap
        )
        .len(),
        1
    );
}

// ---------------------------------------------------------------- kind 2

#[test]
fn related_ci_overlap_at_depth_one() {
    let r = detect(json!({"cmdb": cmdb(), "releases": [
        rel("A", "2026-12-01T22:00:00Z", "2026-12-02T01:00:00Z", &["web-1"], "x"),
        rel("B", "2026-12-02T00:00:00Z", "2026-12-02T02:00:00Z", &["app-1"], "y"),
    ]}));
    let c = kinds(&r, ConflictKind::RelatedCiOverlap);
    assert_eq!(c.len(), 1, "{:#?}", r.conflicts);
    assert_eq!(c[0].cis, ["app-1", "web-1"]);
    assert_eq!(c[0].severity, Severity::Warn);
    assert_eq!(c[0].details["related"], json!([["web-1", "app-1"]]));
}

#[test]
fn related_ci_near_miss_at_depth_two_when_depth_is_one() {
    // web-1 → app-1 → db-1: two hops apart.
    let v = json!({"cmdb": cmdb(), "releases": [
        rel("A", "2026-12-01T22:00:00Z", "2026-12-02T01:00:00Z", &["web-1"], "x"),
        rel("B", "2026-12-02T00:00:00Z", "2026-12-02T02:00:00Z", &["db-1"], "y"),
    ]});
    assert!(detect(v.clone()).conflicts.is_empty());
    let mut deeper = v;
    deeper["policy"] = json!({"conflicts": {"related_ci_depth": 2}});
    let r = detect(deeper);
    assert_eq!(kinds(&r, ConflictKind::RelatedCiOverlap).len(), 1);
}

// ---------------------------------------------------------------- kind 3

fn blackout_schedule(scope: Value) -> Value {
    json!({
        "cmdb": cmdb(),
        "calendar": {"blackouts": [{
            "id": "freeze", "name": "Freeze",
            "start": "2026-12-01T00:00:00Z", "end": "2026-12-03T00:00:00Z",
            "scope": scope
        }]},
        "releases": [rel("A", "2026-12-01T22:00:00Z", "2026-12-02T01:00:00Z", &["web-1"], "x")]
    })
}

#[test]
fn blackout_fires_when_its_scope_matches() {
    let r = detect(blackout_schedule(json!({"services": ["checkout"]})));
    let c = kinds(&r, ConflictKind::Blackout);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].items, ["A"]);
    assert_eq!(c[0].cis, ["web-1"]);
    assert_eq!(c[0].details["blackout"], "freeze");
    assert_eq!(c[0].severity, Severity::Block);
}

#[test]
fn blackout_near_miss_on_another_service() {
    let r = detect(blackout_schedule(json!({"services": ["payments"]})));
    assert!(r.conflicts.is_empty(), "{:#?}", r.conflicts);
}

#[test]
fn warning_blackout_gives_a_warning_conflict() {
    let mut v = blackout_schedule(json!({"all": true}));
    v["calendar"]["blackouts"][0]["severity"] = json!("warn");
    let r = detect(v);
    assert_eq!(r.conflicts[0].severity, Severity::Warn);
    assert_eq!(r.blocking, 0);
}

// ---------------------------------------------------------------- kind 4

fn maintenance_schedule(start: &str, end: &str) -> Value {
    let mut c = cmdb();
    c["cis"][0]["maintenance_windows"] = json!(["mw"]);
    json!({
        "cmdb": c,
        "calendar": {"maintenance_windows": [{
            "id": "mw", "name": "Tuesday night",
            "recurrence": {"freq": "weekly", "by_day": ["tue"], "start_time": "22:00",
                           "duration_secs": 10800, "time_zone": "UTC"}
        }]},
        "releases": [rel("A", start, end, &["web-1", "pay-1"], "x")]
    })
}

#[test]
fn outside_maintenance_window_fires_when_the_window_spills_over() {
    // 2026-12-01 is a Tuesday; the window is 22:00–01:00 UTC.
    let r = detect(maintenance_schedule(
        "2026-12-01T23:00:00Z",
        "2026-12-02T01:30:00Z",
    ));
    let c = kinds(&r, ConflictKind::OutsideMaintenanceWindow);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].cis, ["web-1"], "pay-1 has no maintenance windows");
    assert_eq!(c[0].details["maintenance_windows"], json!(["mw"]));
}

#[test]
fn outside_maintenance_window_near_miss_exactly_filling_the_window() {
    let r = detect(maintenance_schedule(
        "2026-12-01T22:00:00Z",
        "2026-12-02T01:00:00Z",
    ));
    assert!(r.conflicts.is_empty(), "{:#?}", r.conflicts);
}

#[test]
fn maintenance_window_scope_applies_to_matching_cis() {
    let v = json!({
        "cmdb": cmdb(),
        "calendar": {"maintenance_windows": [{
            "id": "stg", "name": "Staging office hours", "scope": {"environments": ["staging"]},
            "recurrence": {"freq": "daily", "start_time": "08:00", "duration_secs": 36000, "time_zone": "UTC"}
        }]},
        "releases": [
            rel("A", "2026-12-01T20:00:00Z", "2026-12-01T21:00:00Z", &["stg-1"], "x"),
            rel("B", "2026-12-01T20:00:00Z", "2026-12-01T21:00:00Z", &["pay-1"], "y"),
        ]
    });
    let r = detect(v);
    let c = kinds(&r, ConflictKind::OutsideMaintenanceWindow);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].items, ["A"]);
}

// ---------------------------------------------------------------- kind 5

#[test]
fn assignee_overlap_fires_for_one_implementer_on_two_items() {
    let r = detect(json!({"releases": [
        rel("A", "2026-12-01T22:00:00Z", "2026-12-02T01:00:00Z", &["web-1"], "dana"),
        rel("B", "2026-12-02T00:00:00Z", "2026-12-02T02:00:00Z", &["pay-1"], "dana"),
    ]}));
    let c = kinds(&r, ConflictKind::AssigneeOverlap);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].details["implementers"], json!(["dana"]));
    assert_eq!(c[0].cis, ["pay-1", "web-1"]);
    assert_eq!(c[0].severity, Severity::Warn);
}

#[test]
fn assignee_overlap_near_miss_back_to_back() {
    let r = detect(json!({"releases": [
        rel("A", "2026-12-01T22:00:00Z", "2026-12-02T00:00:00Z", &["web-1"], "dana"),
        rel("B", "2026-12-02T00:00:00Z", "2026-12-02T02:00:00Z", &["pay-1"], "dana"),
    ]}));
    assert!(r.conflicts.is_empty());
}

// ---------------------------------------------------------------- kind 6

#[test]
fn dependency_order_fires_when_the_dependent_starts_too_early() {
    let mut b = rel(
        "B",
        "2026-12-02T00:00:00Z",
        "2026-12-02T02:00:00Z",
        &["pay-1"],
        "y",
    );
    b["depends_on"] = json!(["A"]);
    let r = detect(json!({"releases": [
        rel("A", "2026-12-01T22:00:00Z", "2026-12-02T01:00:00Z", &["web-1"], "x"), b
    ]}));
    let c = kinds(&r, ConflictKind::DependencyOrder);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].items, ["A", "B"]);
    assert_eq!(c[0].severity, Severity::Block);
    let w = c[0].window.as_ref().unwrap();
    assert_eq!(
        (w.start.as_str(), w.end.as_str()),
        ("2026-12-02T00:00:00Z", "2026-12-02T01:00:00Z")
    );
}

#[test]
fn dependency_order_near_miss_starts_when_the_dependency_ends() {
    let mut b = rel(
        "B",
        "2026-12-02T01:00:00Z",
        "2026-12-02T02:00:00Z",
        &["pay-1"],
        "y",
    );
    b["depends_on"] = json!(["A"]);
    let r = detect(json!({"releases": [
        rel("A", "2026-12-01T22:00:00Z", "2026-12-02T01:00:00Z", &["web-1"], "x"), b
    ]}));
    assert!(r.conflicts.is_empty());
}

#[test]
fn missing_dependency_is_a_warning_and_cancelled_one_blocks() {
    let mut b = rel(
        "B",
        "2026-12-02T01:00:00Z",
        "2026-12-02T02:00:00Z",
        &["pay-1"],
        "y",
    );
    b["depends_on"] = json!(["GONE"]);
    let r = detect(json!({"releases": [b.clone()]}));
    let c = kinds(&r, ConflictKind::DependencyOrder);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].severity, Severity::Warn);
    assert_eq!(c[0].items, ["B", "GONE"]);
    assert_eq!(r.blocking, 0);

    b["depends_on"] = json!(["A"]);
    let mut a = rel(
        "A",
        "2026-11-01T22:00:00Z",
        "2026-11-02T01:00:00Z",
        &["web-1"],
        "x",
    );
    a["state"] = json!("cancelled");
    let r = detect(json!({"releases": [a, b]}));
    let c = kinds(&r, ConflictKind::DependencyOrder);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].severity, Severity::Block);
    assert_eq!(c[0].details["cancelled"], true);
}

// ---------------------------------------------------------------- kind 7

#[test]
fn dependency_cycle_names_its_members() {
    let mut a = rel(
        "A",
        "2026-12-01T22:00:00Z",
        "2026-12-01T23:00:00Z",
        &["web-1"],
        "x",
    );
    let mut b = rel(
        "B",
        "2026-12-02T22:00:00Z",
        "2026-12-02T23:00:00Z",
        &["web-1"],
        "x",
    );
    let mut c = rel(
        "C",
        "2026-12-03T22:00:00Z",
        "2026-12-03T23:00:00Z",
        &["web-1"],
        "x",
    );
    let d = rel(
        "D",
        "2026-12-04T22:00:00Z",
        "2026-12-04T23:00:00Z",
        &["web-1"],
        "x",
    );
    a["depends_on"] = json!(["C"]);
    b["depends_on"] = json!(["A"]);
    c["depends_on"] = json!(["B", "D"]);
    let r = detect(json!({"releases": [a, b, c, d]}));
    let cyc = kinds(&r, ConflictKind::DependencyCycle);
    assert_eq!(cyc.len(), 1);
    assert_eq!(cyc[0].items, ["A", "B", "C"], "D is not in the cycle");
    assert_eq!(cyc[0].details["cycle"], json!(["A", "C", "B", "A"]));
    assert!(cyc[0].explanation.contains("A → C → B → A"));
}

#[test]
fn dependency_cycle_near_miss_chain() {
    let a = rel(
        "A",
        "2026-12-01T22:00:00Z",
        "2026-12-01T23:00:00Z",
        &["web-1"],
        "x",
    );
    let mut b = rel(
        "B",
        "2026-12-02T22:00:00Z",
        "2026-12-02T23:00:00Z",
        &["web-1"],
        "x",
    );
    let mut c = rel(
        "C",
        "2026-12-03T22:00:00Z",
        "2026-12-03T23:00:00Z",
        &["web-1"],
        "x",
    );
    b["depends_on"] = json!(["A"]);
    c["depends_on"] = json!(["B", "A"]);
    let r = detect(json!({"releases": [a, b, c]}));
    assert!(r.conflicts.is_empty(), "{:#?}", r.conflicts);
}

// ---------------------------------------------------------------- kind 8

fn capacity_schedule(n: usize) -> Value {
    let releases: Vec<Value> = (0..n)
        .map(|i| {
            let mut r = rel(
                &format!("R{i}"),
                "2026-12-01T22:00:00Z",
                "2026-12-02T01:00:00Z",
                &[],
                &format!("p{i}"),
            );
            r["services"] = json!(["checkout"]);
            r["environments"] = json!(["production"]);
            r["changes"][0]["affected_cis"] = json!([format!("ci-{i}")]);
            r
        })
        .collect();
    json!({
        "policy": {"conflicts": {"capacity": [{"service": "checkout", "environment": "production", "max_concurrent": 2}]}},
        "releases": releases
    })
}

#[test]
fn capacity_fires_above_the_limit() {
    let r = detect(capacity_schedule(3));
    let c = kinds(&r, ConflictKind::Capacity);
    assert_eq!(c.len(), 1, "{:#?}", r.conflicts);
    assert_eq!(c[0].items, ["R0", "R1", "R2"]);
    assert_eq!(c[0].details["peak"], 3);
    assert_eq!(c[0].severity, Severity::Block);
}

#[test]
fn capacity_near_miss_at_the_limit() {
    assert!(detect(capacity_schedule(2)).conflicts.is_empty());
}

// --------------------------------------------------- severities from policy

#[test]
fn policy_decides_which_kinds_block() {
    let mut v = json!({"releases": [
        rel("A", "2026-12-01T22:00:00Z", "2026-12-02T01:00:00Z", &["web-1"], "dana"),
        rel("B", "2026-12-02T00:00:00Z", "2026-12-02T02:00:00Z", &["web-1"], "dana"),
    ]});
    v["policy"] =
        json!({"conflicts": {"severity": {"ci_overlap": "warn", "assignee_overlap": "block"}}});
    let r = detect(v);
    assert_eq!(
        kinds(&r, ConflictKind::CiOverlap)[0].severity,
        Severity::Warn
    );
    assert_eq!(
        kinds(&r, ConflictKind::AssigneeOverlap)[0].severity,
        Severity::Block
    );
    assert_eq!(r.blocking, 1);
}

#[test]
fn cancelled_and_closed_releases_do_not_occupy_their_window() {
    let mut b = rel(
        "B",
        "2026-12-02T00:00:00Z",
        "2026-12-02T02:00:00Z",
        &["web-1"],
        "y",
    );
    b["state"] = json!("cancelled");
    let r = detect(json!({"releases": [
        rel("A", "2026-12-01T22:00:00Z", "2026-12-02T01:00:00Z", &["web-1"], "x"), b
    ]}));
    assert!(r.conflicts.is_empty());
}

#[test]
fn output_order_is_deterministic() {
    let mut releases: Vec<Value> = (0..6)
        .map(|i| {
            rel(
                &format!("R{i}"),
                "2026-12-01T22:00:00Z",
                "2026-12-02T01:00:00Z",
                &["web-1", "app-1"],
                "dana",
            )
        })
        .collect();
    let first = detect(json!({"cmdb": cmdb(), "releases": releases.clone()}));
    releases.reverse();
    let second = detect(json!({"cmdb": cmdb(), "releases": releases}));
    assert_eq!(first.conflicts, second.conflicts);
    assert_eq!(kinds(&first, ConflictKind::CiOverlap).len(), 15);
}

// ------------------------------------------------------------- item 2: DST

fn weekly_sunday_berlin() -> Rule {
    let r: Recurrence = serde_json::from_value(json!({
        "freq": "weekly", "by_day": ["sun"], "start_time": "02:00",
        "duration_secs": 7200, "time_zone": "Europe/Berlin"
    }))
    .unwrap();
    Rule::new(&r, "recurrence").unwrap()
}

fn occurrences(rule: &Rule, from: &str, to: &str) -> Vec<(String, String)> {
    rule.occurrences(at(from), at(to), 1000, "r")
        .unwrap()
        .into_iter()
        .map(|i: Interval| (iso(i.start), iso(i.end)))
        .collect()
}

/// Weekly Sunday 02:00–04:00 Europe/Berlin, around both DST weekends of
/// 2026.
///
/// Spring: on Sunday 2026-03-29 clocks jump from 02:00 CET (+01:00) to
/// 03:00 CEST (+02:00) at 01:00Z, so 02:00 local does not exist. It moves
/// forward by the gap (1 h) to 03:00 CEST = 01:00Z, and lasts 2 h of
/// elapsed time: 01:00Z–03:00Z (03:00–05:00 CEST). The Sunday before
/// (03-22, CET) is 02:00 CET = 01:00Z–03:00Z too; the Sunday after (04-05,
/// CEST) is 02:00 CEST = 00:00Z–02:00Z.
///
/// Autumn: on Sunday 2026-10-25 clocks go back from 03:00 CEST to 02:00 CET
/// at 01:00Z, so 02:00 local happens twice: 00:00Z (CEST) and 01:00Z
/// (CET). The first occurrence is taken: 00:00Z, ending 2 h later at
/// 02:00Z (03:00 CET). The Sunday before (10-18, CEST) is 00:00Z–02:00Z;
/// the Sunday after (11-01, CET) is 01:00Z–03:00Z.
#[test]
fn berlin_weekly_window_on_both_dst_weekends() {
    let rule = weekly_sunday_berlin();
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        occurrences(&rule, "2026-03-20T00:00:00Z", "2026-04-06T00:00:00Z"),
        vec![
            s("2026-03-22T01:00:00Z", "2026-03-22T03:00:00Z"),
            s("2026-03-29T01:00:00Z", "2026-03-29T03:00:00Z"),
            s("2026-04-05T00:00:00Z", "2026-04-05T02:00:00Z"),
        ]
    );
    assert_eq!(
        occurrences(&rule, "2026-10-17T00:00:00Z", "2026-11-02T00:00:00Z"),
        vec![
            s("2026-10-18T00:00:00Z", "2026-10-18T02:00:00Z"),
            s("2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"),
            s("2026-11-01T01:00:00Z", "2026-11-01T03:00:00Z"),
        ]
    );
}

/// The same window as a CI's maintenance window: a release that exactly
/// fills the (moved) window fits; one at the wall-clock time the window
/// would naively have does not.
#[test]
fn berlin_maintenance_window_decides_fit_on_dst_weekends() {
    let check = |start: &str, end: &str| -> bool {
        let mut c = cmdb();
        c["cis"][0]["maintenance_windows"] = json!(["sun"]);
        let v = json!({
            "cmdb": c,
            "calendar": {"maintenance_windows": [{"id": "sun", "name": "Sunday",
                "recurrence": {"freq": "weekly", "by_day": ["sun"], "start_time": "02:00",
                               "duration_secs": 7200, "time_zone": "Europe/Berlin"}}]},
            "releases": [rel("A", start, end, &["web-1"], "x")]
        });
        detect(v).conflicts.is_empty()
    };
    // Spring: 03:00–05:00 CEST = 01:00Z–03:00Z fits …
    assert!(check(
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T05:00:00+02:00"
    ));
    assert!(check("2026-03-29T01:00:00Z", "2026-03-29T03:00:00Z"));
    // … 00:00Z–02:00Z (01:00 CET, before the window) does not.
    assert!(!check("2026-03-29T00:00:00Z", "2026-03-29T02:00:00Z"));
    // Autumn: the first 02:00 (CEST) to 02:00Z fits …
    assert!(check(
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T03:00:00+01:00"
    ));
    // … starting at the second 02:00 (CET, 01:00Z) runs past 02:00Z.
    assert!(!check(
        "2026-10-25T02:00:00+01:00",
        "2026-10-25T04:00:00+01:00"
    ));
}

/// A daily 09:00–17:00 blackout in America/New_York against windows given
/// in UTC. US DST 2026 starts Sunday 03-08 (EST −05:00 → EDT −04:00) and
/// ends Sunday 11-01.
///
/// - Friday 03-06 (EST): the blackout is 14:00Z–22:00Z. A window
///   13:00Z–14:00Z ends as it starts: no conflict.
/// - Monday 03-09 (EDT): the blackout is 13:00Z–21:00Z. The same wall-clock
///   UTC window 13:00Z–14:00Z now lies inside it (conflict 13:00Z–14:00Z);
///   12:00Z–13:00Z is back to back: no conflict; 12:30Z–13:30Z overlaps
///   13:00Z–13:30Z.
#[test]
fn new_york_blackout_against_utc_windows() {
    let run = |start: &str, end: &str| -> Option<(String, String)> {
        let v = json!({
            "calendar": {"blackouts": [{"id": "ny", "name": "NY trading hours",
                "recurrence": {"freq": "daily", "start_time": "09:00", "duration_secs": 28800,
                               "time_zone": "America/New_York"}}]},
            "releases": [rel("A", start, end, &["web-1"], "x")]
        });
        let r = detect(v);
        r.conflicts.first().map(|c| {
            let w = c.window.as_ref().unwrap();
            (w.start.to_string(), w.end.to_string())
        })
    };
    assert_eq!(run("2026-03-06T13:00:00Z", "2026-03-06T14:00:00Z"), None);
    assert_eq!(
        run("2026-03-09T13:00:00Z", "2026-03-09T14:00:00Z"),
        Some(("2026-03-09T13:00:00Z".into(), "2026-03-09T14:00:00Z".into()))
    );
    assert_eq!(run("2026-03-09T12:00:00Z", "2026-03-09T13:00:00Z"), None);
    assert_eq!(
        run("2026-03-09T12:30:00Z", "2026-03-09T13:30:00Z"),
        Some(("2026-03-09T13:00:00Z".into(), "2026-03-09T13:30:00Z".into()))
    );
}

/// New York's own DST days at the edges: 02:30 on 2026-03-08 does not exist
/// (02:00 EST → 03:00 EDT at 07:00Z) and moves forward by the gap to 03:30
/// EDT = 07:30Z; 01:30 on 2026-11-01 happens twice (05:30Z EDT, 06:30Z
/// EST) and the first, 05:30Z, is taken.
#[test]
fn new_york_gap_and_fold() {
    let rule = |time: &str| {
        let r: Recurrence = serde_json::from_value(json!({
            "freq": "daily", "start_time": time, "duration_secs": 3600,
            "time_zone": "America/New_York"
        }))
        .unwrap();
        Rule::new(&r, "r").unwrap()
    };
    let gap = occurrences(
        &rule("02:30"),
        "2026-03-08T00:00:00Z",
        "2026-03-08T23:59:00Z",
    );
    assert_eq!(gap[0].0, "2026-03-08T07:30:00Z");
    let fold = occurrences(
        &rule("01:30"),
        "2026-11-01T00:00:00Z",
        "2026-11-01T23:59:00Z",
    );
    assert_eq!(
        fold[0],
        ("2026-11-01T05:30:00Z".into(), "2026-11-01T06:30:00Z".into())
    );
}

#[test]
fn monthly_rules_and_from_until() {
    let rule = |v: Value| {
        let r: Recurrence = serde_json::from_value(v).unwrap();
        Rule::new(&r, "r").unwrap()
    };
    // Second Saturday 22:00 UTC.
    let nth = rule(
        json!({"freq": "monthly", "nth": 2, "by_day": ["sat"], "start_time": "22:00",
                          "duration_secs": 3600, "time_zone": "UTC"}),
    );
    let got = occurrences(&nth, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z");
    assert_eq!(got[0].0, "2026-11-14T22:00:00Z");
    assert_eq!(got[1].0, "2026-12-12T22:00:00Z");
    // Last Friday.
    let last = rule(
        json!({"freq": "monthly", "nth": -1, "by_day": ["fri"], "start_time": "10:00",
                           "duration_secs": 3600, "time_zone": "UTC"}),
    );
    let got = occurrences(&last, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z");
    assert_eq!(
        got,
        vec![("2026-11-27T10:00:00Z".into(), "2026-11-27T11:00:00Z".into())]
    );
    // Day 31: months without it are skipped.
    let d31 = rule(
        json!({"freq": "monthly", "day_of_month": 31, "start_time": "00:00",
                          "duration_secs": 60, "time_zone": "UTC"}),
    );
    let got = occurrences(&d31, "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z");
    let days: Vec<&str> = got.iter().map(|g| &g.0[..10]).collect();
    assert_eq!(days, ["2026-10-31", "2026-12-31"]);
    // Every second day from 12-01 until 12-06 (inclusive).
    let every2 = rule(
        json!({"freq": "daily", "interval": 2, "start_time": "00:00",
                             "duration_secs": 60, "time_zone": "UTC",
                             "from": "2026-12-01", "until": "2026-12-06"}),
    );
    let got = occurrences(&every2, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z");
    let days: Vec<&str> = got.iter().map(|g| &g.0[..10]).collect();
    assert_eq!(days, ["2026-12-01", "2026-12-03", "2026-12-05"]);
}

#[test]
fn expansion_is_bounded_by_a_limit() {
    let r: Recurrence = serde_json::from_value(json!({
        "freq": "daily", "start_time": "00:00", "duration_secs": 60, "time_zone": "UTC"
    }))
    .unwrap();
    let rule = Rule::new(&r, "calendar.blackouts[0].recurrence").unwrap();
    let err = rule
        .occurrences(
            at("2026-01-01T00:00:00Z"),
            at("2027-01-01T00:00:00Z"),
            10,
            "calendar.blackouts[0].recurrence",
        )
        .unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some("calendar.blackouts[0].recurrence"));
    // Through the policy.
    let v = json!({
        "policy": {"conflicts": {"max_occurrences": 5}},
        "calendar": {"blackouts": [{"id": "d", "name": "daily", "recurrence":
            {"freq": "daily", "start_time": "00:00", "duration_secs": 60, "time_zone": "UTC"}}]},
        "releases": [rel("A", "2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z", &["web-1"], "x")]
    });
    let err = detect_conflicts(&schedule(v)).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some("calendar.blackouts[0].recurrence"));
}

#[test]
fn a_schedule_spanning_centuries_is_a_limit_not_a_hang() {
    let v = json!({
        "calendar": {"blackouts": [{"id": "d", "name": "daily", "recurrence":
            {"freq": "daily", "start_time": "00:00", "duration_secs": 60, "time_zone": "UTC"}}]},
        "releases": [
            rel("OLD", "1900-01-01T00:00:00Z", "1900-01-01T01:00:00Z", &["web-1"], "x"),
            rel("NEW", "2200-01-01T00:00:00Z", "2200-01-01T01:00:00Z", &["web-2"], "y")
        ]
    });
    let err = detect_conflicts(&schedule(v)).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some("calendar.blackouts[0].recurrence"));
}

// ------------------------------------------------------- item 4: bad input

fn error_of(v: Value) -> (String, String) {
    let err = relman::from_value::<Schedule>(v.clone()).unwrap_err();
    // The same error from the operation on an unchecked schedule.
    let unchecked: Schedule = serde_json::from_value(v).unwrap();
    let op = detect_conflicts(&unchecked).unwrap_err();
    assert_eq!(err.code(), op.code());
    assert_eq!(err.path(), op.path());
    (
        err.code().as_str().to_string(),
        err.path().unwrap_or("").to_string(),
    )
}

#[test]
fn bad_input_window_end_before_start() {
    let v = json!({"releases": [rel("A", "2026-12-02T01:00:00Z", "2026-12-01T22:00:00Z", &["web-1"], "x")]});
    assert_eq!(
        error_of(v),
        ("invalid_input".into(), "releases[0].planned_end".into())
    );
    let v = json!({"calendar": {"blackouts": [{"id": "b", "name": "b",
        "start": "2026-12-02T00:00:00Z", "end": "2026-12-01T00:00:00Z"}]}});
    assert_eq!(
        error_of(v),
        ("invalid_input".into(), "calendar.blackouts[0].end".into())
    );
}

#[test]
fn bad_input_unknown_time_zone() {
    let v = json!({"calendar": {"blackouts": [{"id": "b", "name": "b", "recurrence":
        {"freq": "daily", "start_time": "09:00", "duration_secs": 60, "time_zone": "Europe/Atlantis"}}]}});
    assert_eq!(
        error_of(v),
        (
            "invalid_input".into(),
            "calendar.blackouts[0].recurrence.time_zone".into()
        )
    );
}

#[test]
fn bad_input_zero_interval() {
    let v = json!({"calendar": {"maintenance_windows": [{"id": "m", "name": "m", "recurrence":
        {"freq": "weekly", "interval": 0, "by_day": ["sun"], "start_time": "02:00",
         "duration_secs": 60, "time_zone": "UTC"}}]}});
    assert_eq!(
        error_of(v),
        (
            "invalid_input".into(),
            "calendar.maintenance_windows[0].recurrence.interval".into()
        )
    );
}

#[test]
fn bad_policy_values_name_their_path() {
    let v = json!({"policy": {"conflicts": {"capacity": [{"service": "x", "max_concurrent": 0}]}}});
    let err = relman::from_value::<Schedule>(v).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_policy");
    assert_eq!(
        err.path(),
        Some("policy.conflicts.capacity[0].max_concurrent")
    );
    let err =
        relman::from_value::<relman::Policy>(json!({"conflicts": {"slot_granularity_secs": 1}}))
            .unwrap_err();
    assert_eq!(err.path(), Some("conflicts.slot_granularity_secs"));
}

#[test]
fn empty_schedule_gives_an_empty_report() {
    let r = detect(json!({}));
    assert!(r.conflicts.is_empty());
    assert_eq!(r.blocking, 0);
    assert!(r.warnings.is_empty());
}

// ------------------------------------------------------------ slots

#[test]
fn slots_are_inside_maintenance_windows_and_outside_blackouts() {
    let mut c = cmdb();
    c["cis"][0]["maintenance_windows"] = json!(["nightly"]);
    let mut item = rel(
        "NEW",
        "2026-12-01T00:00:00Z",
        "2026-12-01T01:00:00Z",
        &["web-1"],
        "x",
    );
    item.as_object_mut().unwrap().remove("planned_start");
    item.as_object_mut().unwrap().remove("planned_end");
    let v = json!({
        "cmdb": c,
        "calendar": {
            "maintenance_windows": [{"id": "nightly", "name": "Nightly", "recurrence":
                {"freq": "daily", "start_time": "22:00", "duration_secs": 14400, "time_zone": "UTC"}}],
            "blackouts": [{"id": "b", "name": "Tuesday freeze", "start": "2026-12-01T00:00:00Z",
                           "end": "2026-12-02T00:00:00Z", "scope": {"all": true}}]
        },
        "releases": [
            rel("BUSY", "2026-12-02T22:00:00Z", "2026-12-02T23:30:00Z", &["web-1"], "y"),
            item
        ]
    });
    let s = schedule(v);
    let from = Timestamp::parse("2026-12-01T12:00:00Z").unwrap();
    let out = suggest_slots("NEW", &s, 7200, &from, 3 * 86_400, 3).unwrap();
    let got: Vec<(String, String)> = out
        .slots
        .iter()
        .map(|w| (w.start.to_string(), w.end.to_string()))
        .collect();
    // The nightly window runs 22:00–02:00. 12-01 22:00–24:00 is inside
    // the freeze (which ends at 12-02 00:00, back to back is outside), so
    // the first slot is 12-02 00:00–02:00, exactly the rest of that
    // night's window. 12-02 22:00–23:30 is taken by BUSY on web-1, so the
    // next slot starts at 23:30 and ends 01:30, inside the window. After
    // it, 01:30–03:30 would overrun 02:00: the third is 12-03 22:00.
    assert_eq!(
        got,
        vec![
            ("2026-12-02T00:00:00Z".into(), "2026-12-02T02:00:00Z".into()),
            ("2026-12-02T23:30:00Z".into(), "2026-12-03T01:30:00Z".into()),
            ("2026-12-03T22:00:00Z".into(), "2026-12-04T00:00:00Z".into()),
        ]
    );
    assert_eq!(out.granularity_secs, 900);
}

#[test]
fn slot_bad_input() {
    let s = schedule(
        json!({"releases": [rel("A", "2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z", &["w"], "x")]}),
    );
    let from = Timestamp::parse("2026-12-01T00:00:00Z").unwrap();
    let err = suggest_slots("NOPE", &s, 60, &from, 86_400, 1).unwrap_err();
    assert_eq!(
        (err.code().as_str(), err.path()),
        ("invalid_input", Some("item"))
    );
    let err = suggest_slots("A", &s, 0, &from, 86_400, 1).unwrap_err();
    assert_eq!(err.path(), Some("duration_secs"));
    let err = suggest_slots("A", &s, 60, &from, 0, 1).unwrap_err();
    assert_eq!(err.path(), Some("horizon_secs"));
    let err = suggest_slots("A", &s, 60, &from, 86_400, 0).unwrap_err();
    assert_eq!(err.path(), Some("count"));
    let err = suggest_slots("A", &s, 60, &from, 86_400 * 366 * 11, 1).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
}

// ------------------------------------------------------------ order

fn releases(v: Value) -> Vec<relman::Release> {
    schedule(json!({"releases": v})).releases
}

#[test]
fn deployment_order_waves_and_critical_path() {
    let mut b = rel(
        "B",
        "2026-12-02T00:00:00Z",
        "2026-12-02T05:00:00Z",
        &[],
        "x",
    );
    let mut c = rel(
        "C",
        "2026-12-02T00:00:00Z",
        "2026-12-02T01:00:00Z",
        &[],
        "x",
    );
    let mut d = rel(
        "D",
        "2026-12-03T00:00:00Z",
        "2026-12-03T02:00:00Z",
        &[],
        "x",
    );
    b["depends_on"] = json!(["A"]);
    c["depends_on"] = json!(["A"]);
    d["depends_on"] = json!(["B", "C"]);
    let a = rel(
        "A",
        "2026-12-01T00:00:00Z",
        "2026-12-01T01:00:00Z",
        &[],
        "x",
    );
    let e = rel(
        "E",
        "2026-12-01T00:00:00Z",
        "2026-12-01T03:00:00Z",
        &[],
        "x",
    );
    let order = deployment_order(&releases(json!([d, c, b, a, e]))).unwrap();
    let waves: Vec<(usize, Vec<String>)> = order
        .waves
        .iter()
        .map(|w| (w.wave, w.releases.clone()))
        .collect();
    assert_eq!(
        waves,
        vec![
            (1, vec!["A".to_string(), "E".to_string()]),
            (2, vec!["B".to_string(), "C".to_string()]),
            (3, vec!["D".to_string()]),
        ]
    );
    // A (1 h) → B (5 h) → D (2 h) = 8 h.
    assert_eq!(order.critical_path.releases, ["A", "B", "D"]);
    assert_eq!(order.critical_path.duration_secs, 8 * 3600);
}

#[test]
fn deployment_order_cycle_is_an_error_naming_members() {
    let mut a = rel(
        "A",
        "2026-12-01T00:00:00Z",
        "2026-12-01T01:00:00Z",
        &[],
        "x",
    );
    let mut b = rel(
        "B",
        "2026-12-01T00:00:00Z",
        "2026-12-01T01:00:00Z",
        &[],
        "x",
    );
    let z = rel(
        "Z",
        "2026-12-01T00:00:00Z",
        "2026-12-01T01:00:00Z",
        &[],
        "x",
    );
    a["depends_on"] = json!(["B"]);
    b["depends_on"] = json!(["A"]);
    let err = deployment_order(&releases(json!([z, b, a]))).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert_eq!(err.path(), Some("releases[1].depends_on"));
    assert!(err.to_string().contains("B, A"), "{err}");
}

#[test]
fn deployment_order_ignores_unknown_dependencies_with_a_warning() {
    let mut a = rel(
        "A",
        "2026-12-01T00:00:00Z",
        "2026-12-01T01:00:00Z",
        &[],
        "x",
    );
    a["depends_on"] = json!(["ELSEWHERE"]);
    let order = deployment_order(&releases(json!([a]))).unwrap();
    assert_eq!(order.waves.len(), 1);
    assert_eq!(order.warnings[0].code, "unknown_dependency");
    assert_eq!(order.warnings[0].path, "releases[0].depends_on[0]");
}

// ------------------------------------------------- lifecycle integration

/// `REL`, a minor release in approval with carol's CAB vote: built in
/// planning and driven there through `apply`, so its log is its record.
fn ready_release() -> relman::Release {
    let mut r = rel(
        "REL",
        "2026-12-06T01:00:00Z",
        "2026-12-06T03:00:00Z",
        &["web-1"],
        "bob",
    );
    r["state"] = json!("planning");
    r["owner"] = json!("alice");
    r["scope"] = json!("Web tier update");
    r["changes"][0]["approved"] = json!(true);
    r["rollback_plan"] = json!({"documented": true});
    r["tests"] = json!([
        {"kind": "unit", "passed": 10, "failed": 0},
        {"kind": "integration", "passed": 10, "failed": 0},
        {"kind": "uat", "passed": 5, "failed": 0, "signed_off_by": "carol"}
    ]);
    let mut release: relman::Release = relman::from_value(r).unwrap().document;
    let ctx: relman::Context = relman::from_value(json!({"actors": actors()}))
        .unwrap()
        .document;
    for (actor, command) in [
        ("alice", json!({"command": "advance"})),
        ("alice", json!({"command": "advance"})),
        ("alice", json!({"command": "advance"})),
        ("carol", json!({"command": "approve", "role": "cab"})),
    ] {
        let mut c = command.clone();
        c["actor"] = json!(actor);
        c["at"] = json!("2026-12-01T10:00:00Z");
        let c: relman::Command = relman::from_value(c).unwrap().document;
        release = relman::apply(&release, &c, &ctx)
            .unwrap_or_else(|e| panic!("{command} by {actor}: {e}"))
            .release;
    }
    assert_eq!(release.state, State::Approval);
    release
}

fn actors() -> Value {
    json!([
        {"id": "alice", "roles": ["release_manager"]},
        {"id": "bob", "roles": ["release_team"]},
        {"id": "carol", "roles": ["cab"]}
    ])
}

fn gate<'a>(report: &'a relman::GateReport, rule: &str) -> Option<&'a relman::Requirement> {
    report.requirements.iter().find(|r| r.rule == rule)
}

#[test]
fn blackout_gate_expands_recurring_blackouts() {
    let release = ready_release();
    let calendar = |time: &str| {
        json!({"blackouts": [{"id": "sat-night", "name": "Saturday batch",
            "recurrence": {"freq": "weekly", "by_day": ["sun"], "start_time": time,
                           "duration_secs": 3600, "time_zone": "Europe/Berlin"}}]})
    };
    // 2026-12-06 is a Sunday; 02:30 CET = 01:30Z, inside 01:00Z–03:00Z.
    let ctx: relman::Context =
        relman::from_value(json!({"actors": actors(), "calendar": calendar("02:30")}))
            .unwrap()
            .document;
    let report = relman::check(&release, State::Deployment, &ctx);
    let g = gate(&report, "approval.blackout").unwrap();
    assert!(!g.met, "{g:?}");
    assert_eq!(g.data["blackouts"][0]["start"], "2026-12-06T01:30:00Z");
    assert!(report
        .warnings
        .iter()
        .all(|w| w.code != "recurring_blackout_not_checked"));
    // 05:00 CET = 04:00Z, after the window. The assessed risk needs a
    // CMDB (readiness), empty here.
    let ctx: relman::Context =
        relman::from_value(json!({"actors": actors(), "calendar": calendar("05:00"), "cmdb": {}}))
            .unwrap()
            .document;
    let report = relman::check(&release, State::Deployment, &ctx);
    assert!(gate(&report, "approval.blackout").unwrap().met);
    assert!(report.allowed, "{:#?}", report.unmet().collect::<Vec<_>>());
}

#[test]
fn check_reports_blocking_conflicts_from_the_schedule() {
    let release = ready_release();
    let other = rel(
        "OTHER",
        "2026-12-06T02:00:00Z",
        "2026-12-06T04:00:00Z",
        &["web-1"],
        "eve",
    );
    let related = rel(
        "NEAR",
        "2026-12-06T02:00:00Z",
        "2026-12-06T04:00:00Z",
        &["app-1"],
        "fay",
    );
    let ctx: relman::Context = relman::from_value(json!({
        "actors": actors(),
        "schedule": {"cmdb": cmdb(), "releases": [other, related]}
    }))
    .unwrap()
    .document;
    let report = relman::check(&release, State::Deployment, &ctx);
    let g = gate(&report, "approval.conflicts").unwrap();
    assert!(!g.met);
    assert!(!report.allowed);
    assert_eq!(
        g.data["blocking"].as_array().unwrap().len(),
        1,
        "the related warning does not block"
    );
    assert_eq!(g.data["blocking"][0]["kind"], "ci_overlap");
    assert_eq!(g.data["blocking"][0]["items"], json!(["OTHER", "REL"]));
    assert_eq!(g.data["warnings"], 1);

    // Without the clash the gate is met.
    let ctx: relman::Context = relman::from_value(json!({
        "actors": actors(),
        "schedule": {"cmdb": cmdb(), "releases": [
            rel("OTHER", "2026-12-06T03:00:00Z", "2026-12-06T04:00:00Z", &["web-1"], "eve")
        ]}
    }))
    .unwrap()
    .document;
    let report = relman::check(&release, State::Deployment, &ctx);
    assert!(gate(&report, "approval.conflicts").unwrap().met);
    assert!(report.allowed);
}

#[test]
fn no_schedule_conflicts_not_checked() {
    let release = ready_release();
    let ctx: relman::Context = relman::from_value(json!({"actors": actors()}))
        .unwrap()
        .document;
    let report = relman::check(&release, State::Deployment, &ctx);
    // Readiness fails closed: not "ok", not checked.
    let conflicts = gate(&report, "approval.conflicts").unwrap();
    assert!(conflicts.met);
    assert_eq!(conflicts.message, "not checked: no schedule in the context");
    assert_eq!(conflicts.data["checked"], json!(false));
}
