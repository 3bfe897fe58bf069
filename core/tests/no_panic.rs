//! Hardening: durations no input can turn into a panic or a wrap.
//!
//! Each finding of the "Hardening" issue, through every operation that
//! reached it: a recurrence `duration_secs` of 9.3e15 (past chrono's
//! `TimeDelta`) panicked in calendar expansion; `suggest_slots` with a
//! duration of 106 751 991 167 300 days overflowed `end + d`, and with
//! `u64::MAX` wrapped to -1 and returned slots ending before they start.
//! Each is now `invalid_input` naming the JSON path of the duration.

// Test helpers may unwrap, index and panic: a broken case should stop loudly
// (clippy.toml allows this inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::calendar::MAX_DURATION_SECS;
use relman::{
    apply, assess_risk, calendar_ics, check, detect_conflicts, suggest_slots, Command, Context,
    Error, ErrorCode, GateReport, IcsOptions, Release, Schedule, State, Timestamp,
};
use serde_json::{json, Value};

/// The recurrence duration of the finding: past `TimeDelta::MAX` seconds.
const PAST_TIMEDELTA: u64 = 9_300_000_000_000_000;

// The finding's duration is past the bound, not merely at it.
const _: () = assert!(MAX_DURATION_SECS < PAST_TIMEDELTA);

/// `slots --duration 106751991167300d`, in seconds.
const DAYS_106751991167300: u64 = 106_751_991_167_300 * 86_400;

const BLACKOUT_PATH: &str = "calendar.blackouts[0].recurrence.duration_secs";
const WINDOW_PATH: &str = "calendar.maintenance_windows[0].recurrence.duration_secs";

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn assert_error(err: &Error, code: ErrorCode, path: &str) {
    assert_eq!(err.code(), code, "{err}");
    assert_eq!(err.path(), Some(path), "{err}");
    let body = err.to_body();
    assert_eq!(body.code, code);
    assert_eq!(body.path.as_deref(), Some(path));
    assert!(!body.message.is_empty());
}

/// A blocking daily blackout and a nightly maintenance window, with the
/// given recurrence durations.
fn calendar(blackout_secs: u64, window_secs: u64) -> Value {
    json!({
        "blackouts": [
            {"id": "freeze", "name": "Freeze", "scope": {"all": true},
             "recurrence": {"freq": "daily", "start_time": "12:00",
                            "duration_secs": blackout_secs, "time_zone": "Europe/Berlin"}}
        ],
        "maintenance_windows": [
            {"id": "nightly", "name": "Nightly",
             "recurrence": {"freq": "daily", "start_time": "22:00",
                            "duration_secs": window_secs, "time_zone": "UTC"}}
        ]
    })
}

fn schedule_value(blackout_secs: u64, window_secs: u64) -> Value {
    json!({
        "releases": [
            {"id": "REL-1", "title": "Checkout", "kind": "minor", "state": "planning",
             "planned_start": "2026-12-02T22:00:00Z", "planned_end": "2026-12-02T23:30:00Z",
             "changes": [{"id": "C1", "kind": "normal", "summary": "s",
                          "affected_cis": ["web-1"], "implementer": "bob"}]},
            {"id": "REL-2", "title": "Search", "kind": "minor", "state": "planning",
             "changes": [{"id": "C2", "kind": "normal", "summary": "s",
                          "affected_cis": ["web-1"], "implementer": "dan"}]}
        ],
        "cmdb": {"cis": [{"id": "web-1", "name": "web", "class": "server",
                          "maintenance_windows": ["nightly"]}]},
        "calendar": calendar(blackout_secs, window_secs)
    })
}

/// The schedule as serde reads it, without relman's validation: what a
/// Rust caller may hand the engine directly.
fn raw_schedule(blackout_secs: u64, window_secs: u64) -> Schedule {
    serde_json::from_value(schedule_value(blackout_secs, window_secs)).unwrap()
}

fn call(operation: &str, params: Value) -> Result<Value, Error> {
    relman::api::call_json(operation, &params.to_string())
        .map(|text| serde_json::from_str(&text).unwrap())
}

// ---- the recurrence duration past TimeDelta ---------------------------------

#[test]
fn the_duration_bound_is_the_span_of_representable_dates() {
    // DateTime::<Utc>::MAX_UTC minus MIN_UTC in seconds with chrono 0.4.45
    // (about 524 000 years); well inside TimeDelta::MAX (9.2e15 s).
    assert_eq!(MAX_DURATION_SECS, 16_544_868_105_599);
}

#[test]
fn validation_names_a_recurrence_duration_past_the_bound() {
    let err = relman::from_value::<Schedule>(schedule_value(PAST_TIMEDELTA, 14_400)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    let problems = &err.to_body().problems;
    assert!(
        problems.iter().any(|p| p.path == BLACKOUT_PATH),
        "{problems:#?}"
    );
}

#[test]
fn detect_conflicts_refuses_a_recurrence_duration_past_timedelta() {
    let err = detect_conflicts(&raw_schedule(PAST_TIMEDELTA, 14_400)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    let body = err.to_body();
    assert!(
        body.path.as_deref() == Some(BLACKOUT_PATH)
            || body.problems.iter().any(|p| p.path == BLACKOUT_PATH),
        "{body:#?}"
    );
}

#[test]
fn every_calendar_expansion_refuses_a_duration_past_the_bound() {
    // The expansion itself, without validation in front of it.
    let recurrence: relman::Recurrence = serde_json::from_value(json!({
        "freq": "daily", "start_time": "12:00", "duration_secs": PAST_TIMEDELTA,
        "time_zone": "UTC"
    }))
    .unwrap();
    for secs in [PAST_TIMEDELTA, MAX_DURATION_SECS + 1, u64::MAX] {
        let r = relman::Recurrence {
            duration_secs: secs,
            ..recurrence.clone()
        };
        let err = relman::calendar::Rule::new(&r, "calendar.blackouts[0].recurrence").unwrap_err();
        assert_error(&err, ErrorCode::InvalidInput, BLACKOUT_PATH);
        assert!(
            err.to_string().contains(&MAX_DURATION_SECS.to_string()),
            "{err}"
        );
    }
    // At the bound the rule is accepted and expands without a panic: the
    // one occurrence that covers the range.
    let r = relman::Recurrence {
        duration_secs: MAX_DURATION_SECS,
        ..recurrence
    };
    let rule = relman::calendar::Rule::new(&r, "r").unwrap();
    assert_eq!(rule.duration(), i64::try_from(MAX_DURATION_SECS).unwrap());
    let from = ts("2026-12-01T00:00:00Z").unix_seconds();
    let occurrences = rule.occurrences(from, from + 86_400, 10, "r").unwrap();
    assert!(
        occurrences.iter().all(|o| o.start < o.end),
        "{occurrences:?}"
    );
}

#[test]
fn calendar_ics_refuses_a_recurrence_duration_past_timedelta() {
    let options = IcsOptions::new(ts("2026-12-01T00:00:00Z"));
    let err = calendar_ics(&raw_schedule(PAST_TIMEDELTA, 14_400), &options).unwrap_err();
    assert_error(&err, ErrorCode::InvalidInput, BLACKOUT_PATH);
}

#[test]
fn suggest_slots_refuses_a_recurrence_duration_past_timedelta() {
    for (blackout, window, path) in [
        (PAST_TIMEDELTA, 14_400, BLACKOUT_PATH),
        (3_600, PAST_TIMEDELTA, WINDOW_PATH),
    ] {
        let schedule = raw_schedule(blackout, window);
        let err = suggest_slots(
            "REL-2",
            &schedule,
            3_600,
            &ts("2026-12-01T00:00:00Z"),
            86_400 * 7,
            3,
        )
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
        let body = err.to_body();
        assert!(
            body.path.as_deref() == Some(path) || body.problems.iter().any(|p| p.path == path),
            "{body:#?}"
        );
    }
}

// ---- the lifecycle and risk, with the calendar in the context ---------------

fn directory() -> Value {
    json!([
        {"id": "alice", "roles": ["release_manager", "cab"]},
        {"id": "bob", "roles": ["release_team"]},
        {"id": "dan", "roles": ["release_team"]},
        {"id": "carol", "roles": ["cab"]},
        {"id": "quinn", "roles": ["qa"]}
    ])
}

fn context_value(blackout_secs: u64, window_secs: u64) -> Value {
    json!({
        "actors": directory(),
        "now": "2026-11-29T09:00:00Z",
        "cmdb": {"cis": [{"id": "web-1", "name": "web", "class": "server",
                          "maintenance_windows": ["nightly"]}]},
        "calendar": calendar(blackout_secs, window_secs)
    })
}

fn raw_context(blackout_secs: u64, window_secs: u64) -> Context {
    serde_json::from_value(context_value(blackout_secs, window_secs)).unwrap()
}

fn planning() -> Release {
    serde_json::from_value(json!({
        "id": "REL-1", "title": "Checkout 4.3", "version": "4.3.0", "kind": "minor",
        "state": "planning", "owner": "alice", "team": ["bob", "dan"],
        "planned_start": "2026-12-13T01:00:00+01:00", "planned_end": "2026-12-13T04:00:00+01:00",
        "scope": "Checkout fixes",
        "changes": [
            {"id": "CHG1", "kind": "normal", "summary": "Payment page", "affected_cis": ["web-1"],
             "implementer": "bob", "approved": true}
        ],
        "services": ["checkout"], "environments": ["staging", "production"],
        "rollback_plan": {"documented": true, "tested": true, "estimated_secs": 900},
        "tests": [
            {"kind": "unit", "passed": 500, "failed": 0},
            {"kind": "integration", "passed": 120, "failed": 0},
            {"kind": "security", "passed": 40, "failed": 0},
            {"kind": "uat", "passed": 30, "failed": 0, "signed_off_by": "quinn"}
        ],
        "communication": {"plan": "Email stakeholders", "stakeholders": ["support@shop.example"]},
        "knowledge_articles": ["KB0001"]
    }))
    .unwrap()
}

fn command(actor: &str, command: Value) -> Command {
    let mut c = command;
    c["actor"] = json!(actor);
    c["at"] = json!("2026-12-01T10:00:00Z");
    serde_json::from_value(c).unwrap()
}

/// The minor release, approved by carol, through `apply` with a context
/// without a calendar.
fn approved() -> Release {
    let ctx = raw_context(3_600, 14_400);
    let ctx = Context {
        calendar: None,
        ..ctx
    };
    let mut r = planning();
    for (actor, c) in [
        ("alice", json!({"command": "advance"})),
        ("alice", json!({"command": "advance"})),
        ("alice", json!({"command": "advance"})),
        ("carol", json!({"command": "approve", "role": "cab"})),
    ] {
        r = apply(&r, &command(actor, c.clone()), &ctx)
            .unwrap_or_else(|e| panic!("{c} by {actor}: {e}\n{:#?}", e.to_body()))
            .release;
    }
    assert_eq!(r.state, State::Approval);
    r
}

/// The blackout gate could not expand the blackout: reported as a warning
/// that names the blackout and the duration's path, never a panic.
fn assert_blackout_not_checked(report: &GateReport) {
    let warning = report
        .warnings
        .iter()
        .find(|w| w.code == "blackout_not_checked")
        .unwrap_or_else(|| panic!("no blackout_not_checked in {:#?}", report.warnings));
    assert_eq!(warning.path, "calendar.blackouts[0]");
    assert!(
        warning.message.contains(BLACKOUT_PATH),
        "{}",
        warning.message
    );
}

#[test]
fn check_reports_a_blackout_it_cannot_expand() {
    let report = check(
        &approved(),
        State::Deployment,
        &raw_context(PAST_TIMEDELTA, 14_400),
    );
    assert_blackout_not_checked(&report);
}

#[test]
fn apply_does_not_panic_on_a_blackout_it_cannot_expand() {
    let release = approved();
    let ctx = raw_context(PAST_TIMEDELTA, 14_400);
    let start = command("alice", json!({"command": "start_deployment"}));
    match apply(&release, &start, &ctx) {
        Ok(applied) => {
            assert_eq!(applied.release.state, State::Deployment);
            assert_blackout_not_checked(&check(&release, State::Deployment, &ctx));
        }
        Err(err) => {
            assert_eq!(err.code(), ErrorCode::TransitionDenied, "{err}");
        }
    }
}

#[test]
fn assess_risk_does_not_panic_on_a_duration_past_timedelta() {
    let release = planning();
    // The maintenance window cannot be expanded: its factor is neutral and
    // says why, naming the path.
    let assessment = assess_risk(&release, &raw_context(3_600, PAST_TIMEDELTA)).unwrap();
    let text = serde_json::to_string(&assessment).unwrap();
    assert!(text.contains(WINDOW_PATH), "{text}");
    // A blackout that cannot be expanded: neutral too, never a panic.
    let assessment = assess_risk(&release, &raw_context(PAST_TIMEDELTA, 14_400)).unwrap();
    let timing = assessment
        .factors
        .iter()
        .find(|f| f.name == "timing")
        .unwrap();
    assert!(
        timing
            .explanation
            .contains("a blackout could not be expanded"),
        "{}",
        timing.explanation
    );
}

// ---- through api::call_json: the documents are validated first -------------

#[test]
fn api_call_refuses_a_recurrence_duration_past_timedelta_in_every_operation() {
    let schedule = schedule_value(PAST_TIMEDELTA, 14_400);
    let context = context_value(PAST_TIMEDELTA, 14_400);
    let release = serde_json::to_value(approved()).unwrap();
    let cases = [
        ("detect_conflicts", json!({"schedule": schedule})),
        (
            "suggest_slots",
            json!({"schedule": schedule, "item": "REL-2", "duration_secs": 3600,
                   "now": "2026-12-01T00:00:00Z", "horizon_secs": 604800, "count": 3}),
        ),
        (
            "calendar_ics",
            json!({"schedule": schedule, "options": {"now": "2026-12-01T00:00:00Z"}}),
        ),
        (
            "assess_risk",
            json!({"release": release, "context": context}),
        ),
        (
            "check",
            json!({"release": release, "target": "deployment", "context": context}),
        ),
        (
            "apply",
            json!({"release": release, "context": context,
                   "command": {"command": "start_deployment", "actor": "alice",
                               "at": "2026-12-01T10:00:00Z"}}),
        ),
    ];
    for (operation, params) in cases {
        let err = call(operation, params).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{operation}: {err}");
        let body = err.to_body();
        assert!(
            body.path.as_deref() == Some(BLACKOUT_PATH)
                || body.problems.iter().any(|p| p.path == BLACKOUT_PATH),
            "{operation}: {body:#?}"
        );
    }
}

// ---- suggest_slots' own duration ---------------------------------------------

fn slots(duration_secs: u64) -> Result<relman::SlotSuggestion, Error> {
    suggest_slots(
        "REL-2",
        &raw_schedule(3_600, 14_400),
        duration_secs,
        &ts("2026-12-01T00:00:00Z"),
        86_400 * 7,
        3,
    )
}

#[test]
fn suggest_slots_refuses_a_duration_of_106751991167300_days() {
    let err = slots(DAYS_106751991167300).unwrap_err();
    assert_error(&err, ErrorCode::InvalidInput, "duration_secs");
    assert!(
        err.to_string().contains(&MAX_DURATION_SECS.to_string()),
        "{err}"
    );
}

#[test]
fn suggest_slots_refuses_u64_max_instead_of_wrapping() {
    let err = slots(u64::MAX).unwrap_err();
    assert_error(&err, ErrorCode::InvalidInput, "duration_secs");
}

#[test]
fn suggest_slots_at_the_duration_bound_finds_nothing_and_says_why() {
    assert_eq!(relman::schedule::MAX_DURATION_SECS, MAX_DURATION_SECS);
    let err = slots(MAX_DURATION_SECS + 1).unwrap_err();
    assert_error(&err, ErrorCode::InvalidInput, "duration_secs");
    // At the bound: accepted, longer than the horizon, so no slot (on a
    // schedule without a calendar, which would not expand that far).
    let mut schedule = raw_schedule(3_600, 14_400);
    schedule.calendar = None;
    schedule.cmdb = None;
    let out = suggest_slots(
        "REL-2",
        &schedule,
        MAX_DURATION_SECS,
        &ts("2026-12-01T00:00:00Z"),
        86_400 * 7,
        3,
    )
    .unwrap();
    assert!(out.slots.is_empty(), "{:?}", out.slots);
    assert!(out
        .warnings
        .iter()
        .any(|w| w.code == "duration_exceeds_horizon"));
}

#[test]
fn suggest_slots_never_returns_a_slot_that_ends_before_it_starts() {
    for secs in [1, 900, 3_600, 86_400, 86_400 * 7] {
        let out = slots(secs).unwrap();
        for s in &out.slots {
            assert!(
                s.start.unix_seconds() < s.end.unix_seconds(),
                "{secs}: {s:?}"
            );
        }
    }
}

#[test]
fn api_call_suggest_slots_refuses_the_overflowing_durations() {
    for secs in [DAYS_106751991167300, u64::MAX] {
        let params = json!({"schedule": schedule_value(3_600, 14_400), "item": "REL-2",
                            "duration_secs": secs, "now": "2026-12-01T00:00:00Z",
                            "horizon_secs": 604800, "count": 3});
        let err = call("suggest_slots", params).unwrap_err();
        assert_error(&err, ErrorCode::InvalidInput, "duration_secs");
    }
}
