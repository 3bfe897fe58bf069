//! Issue #20, the emergency path and enforced windows: ECAB overrides
//! (`override`) and `deployment.window` / `approval.maintenance_window`
//! (docs/lifecycle.md, "ECAB overrides" and "Enforced deployment
//! windows"), with the spec's roles: release manager (rita), CAB (carol,
//! erin), ECAB (ed) and product owner (paula).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::{
    apply, check, verify_log, Applied, Command, Context, Error, ErrorCode, Release, State,
};
use serde_json::{json, Value};

fn actors() -> Value {
    json!([
        {"id": "rita", "roles": ["release_manager"]},
        {"id": "bob", "roles": ["release_team"]},
        {"id": "dan", "roles": ["release_team"]},
        {"id": "carol", "roles": ["cab"]},
        {"id": "erin", "roles": ["cab"]},
        {"id": "paula", "roles": ["product_owner"]},
        {"id": "quinn", "roles": ["qa"]},
        {"id": "ed", "roles": ["ecab"]}
    ])
}

fn context_with(extra: Value) -> Context {
    let mut c = json!({"actors": actors()});
    // What readiness needs (docs/lifecycle.md, "Readiness"), empty: these
    // tests are about other rules.
    c["calendar"] = json!({});
    c["schedule"] = json!({"releases": []});
    c["cmdb"] = json!({});
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    serde_json::from_value(c).unwrap()
}

fn context() -> Context {
    context_with(json!({}))
}

/// A major release whose approved window is Sunday 2026-12-13 01:00–04:00Z.
fn planning() -> Release {
    serde_json::from_value(json!({
        "id": "REL-7", "title": "Checkout 5.0", "version": "5.0.0", "kind": "major",
        "state": "planning", "owner": "rita", "team": ["bob", "dan"],
        "planned_start": "2026-12-13T01:00:00Z", "planned_end": "2026-12-13T04:00:00Z",
        "scope": "New checkout flow",
        "changes": [
            {"id": "CHG1", "kind": "normal", "summary": "New payment page", "affected_cis": ["web-1"],
             "implementer": "bob", "approved": true},
            {"id": "CHG2", "kind": "normal", "summary": "Schema migration", "affected_cis": ["db-1"],
             "implementer": "dan", "approved": true}
        ],
        "rollback_plan": {"documented": true, "tested": true, "estimated_secs": 900},
        "tests": [
            {"kind": "unit", "passed": 500, "failed": 0},
            {"kind": "integration", "passed": 120, "failed": 0},
            {"kind": "performance", "passed": 10, "failed": 0},
            {"kind": "security", "passed": 40, "failed": 0},
            {"kind": "uat", "passed": 30, "failed": 0, "signed_off_by": "quinn"}
        ],
        "communication": {"plan": "Email stakeholders a week ahead"},
        "knowledge_articles": ["KB0001"],
        "risk": {"level": "low"}
    }))
    .unwrap()
}

fn cmd(actor: &str, at: &str, command: Value) -> Command {
    let mut c = command;
    c["actor"] = json!(actor);
    c["at"] = json!(at);
    serde_json::from_value(c).unwrap()
}

fn run(r: &Release, ctx: &Context, actor: &str, at: &str, command: Value) -> Applied {
    apply(r, &cmd(actor, at, command.clone()), ctx)
        .unwrap_or_else(|e| panic!("{command} by {actor} failed: {e}\n{:#?}", e.to_body()))
}

fn fails(r: &Release, ctx: &Context, actor: &str, at: &str, command: Value) -> Error {
    let before = r.clone();
    let err = apply(r, &cmd(actor, at, command), ctx).unwrap_err();
    assert_eq!(*r, before, "the input release must not change");
    err
}

/// In approval with the CAB quorum and the product owner's vote.
fn approved_in(ctx: &Context) -> Release {
    let mut r = planning();
    for _ in 0..3 {
        r = run(
            &r,
            ctx,
            "rita",
            "2026-12-01T10:00:00Z",
            json!({"command": "advance"}),
        )
        .release;
    }
    assert_eq!(r.state, State::Approval);
    approve(r, ctx, "2026-12-10T10:00:00Z")
}

fn approve(r: Release, ctx: &Context, at: &str) -> Release {
    let mut r = r;
    for (who, role) in [
        ("carol", "cab"),
        ("erin", "cab"),
        ("paula", "product_owner"),
    ] {
        r = run(
            &r,
            ctx,
            who,
            at,
            json!({"command": "approve", "role": role}),
        )
        .release;
    }
    r
}

fn approved() -> Release {
    approved_in(&context())
}

fn requirement<'a>(report: &'a relman::GateReport, rule: &str) -> &'a relman::Requirement {
    report
        .requirements
        .iter()
        .find(|r| r.rule == rule)
        .unwrap_or_else(|| panic!("no requirement {rule} in {:#?}", report.requirements))
}

const DAY_AFTER: &str = "2026-12-14T02:00:00Z";

fn override_window(r: &Release, ctx: &Context) -> Applied {
    run(
        r,
        ctx,
        "ed",
        "2026-12-14T01:30:00Z",
        json!({"command": "override", "rule": "deployment.window",
               "justification": "INC0042: the payment outage fix cannot wait for next Sunday"}),
    )
}

#[test]
fn a_start_the_day_after_the_window_is_denied_then_allowed_with_an_ecab_override() {
    let ctx = context();
    let r = approved();
    // The day after its window: denied, with deployment.window unmet.
    let err = fails(
        &r,
        &ctx,
        "rita",
        DAY_AFTER,
        json!({"command": "start_deployment"}),
    );
    assert_eq!(err.code(), ErrorCode::TransitionDenied);
    let body = err.to_body();
    let rules: Vec<&str> = body.violations.iter().map(|v| v.rule.as_str()).collect();
    assert_eq!(rules, ["deployment.window"], "{body:#?}");
    let v = &body.violations[0];
    assert_eq!(v.data["position"], "after");
    assert_eq!(v.data["late_secs"], 22 * 3600);
    assert_eq!(v.data["source"], "command");
    assert_eq!(
        v.data["window"],
        json!({"start": "2026-12-13T01:00:00Z", "end": "2026-12-13T04:00:00Z"})
    );
    assert!(
        v.message.contains("22h after the approved window"),
        "{}",
        v.message
    );
    // advance from approval is the same start.
    let err = fails(&r, &ctx, "rita", DAY_AFTER, json!({"command": "advance"}));
    assert_eq!(err.to_body().violations[0].rule, "deployment.window");

    // ECAB overrides with a justification; the log records it.
    let o = override_window(&r, &ctx);
    assert_eq!(o.release.state, State::Approval);
    let event = &o.events[0];
    assert_eq!(event.command, "override");
    assert_eq!(event.actor, "ed");
    assert_eq!(event.details["rule"], "deployment.window");
    assert_eq!(event.details["round"], 1);
    assert!(event.details["justification"]
        .as_str()
        .unwrap()
        .starts_with("INC0042"));
    assert!(verify_log(&o.release, None).valid);

    // Now the start is allowed; the report names the override.
    let started = run(
        &o.release,
        &ctx,
        "rita",
        DAY_AFTER,
        json!({"command": "start_deployment"}),
    );
    assert_eq!(started.release.state, State::Deployment);
    let w = requirement(&started.report, "deployment.window");
    assert!(w.met);
    assert_eq!(w.data["position"], "after");
    assert_eq!(w.data["override"]["by"], "ed");
    assert_eq!(w.data["override"]["seq"], event.seq);
    assert_eq!(w.data["override"]["at"], "2026-12-14T01:30:00Z");
    assert!(
        w.message.contains("overridden by ECAB member ed"),
        "{}",
        w.message
    );
    let verdict = verify_log(&started.release, None);
    assert!(verdict.valid, "{verdict:#?}");
}

#[test]
fn a_start_inside_the_window_needs_no_override_and_one_before_it_is_denied() {
    let ctx = context();
    let r = approved();
    let early = fails(
        &r,
        &ctx,
        "rita",
        "2026-12-12T23:00:00Z",
        json!({"command": "start_deployment"}),
    );
    let v = &early.to_body().violations[0];
    assert_eq!(v.rule, "deployment.window");
    assert_eq!(v.data["position"], "before");
    assert_eq!(v.data["early_secs"], 7200);
    let ok = run(
        &r,
        &ctx,
        "rita",
        "2026-12-13T01:00:00Z",
        json!({"command": "start_deployment"}),
    );
    let w = requirement(&ok.report, "deployment.window");
    assert!(w.met);
    assert_eq!(w.data["position"], "inside");
    assert!(w.data.get("override").is_none());
}

#[test]
fn check_uses_context_now_and_warns_without_it() {
    let r = approved();
    let late = context_with(json!({"now": DAY_AFTER}));
    let report = check(&r, State::Deployment, &late);
    assert!(!report.allowed);
    let w = requirement(&report, "deployment.window");
    assert!(!w.met);
    assert_eq!(w.data["source"], "now");
    let inside = context_with(json!({"now": "2026-12-13T02:00:00Z"}));
    assert!(check(&r, State::Deployment, &inside).allowed);
    // Before the window opens, check is the readiness verdict for the
    // window: the rule is not listed (apply still denies an early start).
    let ahead = context_with(json!({"now": "2026-12-11T09:00:00Z"}));
    let report = check(&r, State::Deployment, &ahead);
    assert!(report.allowed);
    assert!(report
        .requirements
        .iter()
        .all(|q| q.rule != "deployment.window"));
    // Without now: not listed, and a warning says so.
    let report = check(&r, State::Deployment, &context());
    assert!(report
        .requirements
        .iter()
        .all(|q| q.rule != "deployment.window"));
    assert!(report
        .warnings
        .iter()
        .any(|w| w.code == "deployment_window_not_checked" && w.path == "now"));
    // With the override, check is met too.
    let o = override_window(&r, &context()).release;
    let report = check(&o, State::Deployment, &late);
    assert!(report.allowed, "{:#?}", report.unmet().collect::<Vec<_>>());
}

#[test]
fn only_ecab_may_override_and_never_the_owner_or_an_implementer() {
    let ctx = context();
    let r = approved();
    let body = |actor: &str, ctx: &Context| {
        fails(
            &r,
            ctx,
            actor,
            "2026-12-14T01:30:00Z",
            json!({"command": "override", "rule": "deployment.window", "justification": "why"}),
        )
        .to_body()
    };
    for who in ["carol", "rita", "paula"] {
        let b = body(who, &ctx);
        assert_eq!(b.code, ErrorCode::Forbidden);
        assert_eq!(b.rule.as_deref(), Some("roles.override"), "{who}");
    }
    // The owner and an implementer, even holding ecab.
    let mut dir = actors();
    dir[0]["roles"] = json!(["release_manager", "ecab"]);
    dir[1]["roles"] = json!(["release_team", "ecab"]);
    let both: Context = serde_json::from_value(json!({"actors": dir})).unwrap();
    assert_eq!(
        body("rita", &both).rule.as_deref(),
        Some("sod.owner_override")
    );
    assert_eq!(
        body("bob", &both).rule.as_deref(),
        Some("sod.implementer_override")
    );
}

#[test]
fn bad_override_input_has_a_code_and_path() {
    let ctx = context();
    let r = approved();
    let e = fails(
        &r,
        &ctx,
        "ed",
        "2026-12-14T01:30:00Z",
        json!({"command": "override", "rule": "approval.quorum", "justification": "why"}),
    );
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(e.path(), Some("rule"));
    let e = fails(
        &r,
        &ctx,
        "ed",
        "2026-12-14T01:30:00Z",
        json!({"command": "override", "rule": "deployment.window", "justification": " "}),
    );
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(e.path(), Some("justification"));
    // Outside approval: not now.
    let planning_release = run(
        &planning(),
        &ctx,
        "rita",
        "2026-12-01T10:00:00Z",
        json!({"command": "advance"}),
    )
    .release;
    let e = fails(
        &planning_release,
        &ctx,
        "ed",
        "2026-12-01T10:00:00Z",
        json!({"command": "override", "rule": "deployment.window", "justification": "why"}),
    );
    assert_eq!(e.code(), ErrorCode::TransitionDenied);
    // A blackout override only for an emergency release.
    let e = fails(
        &r,
        &ctx,
        "ed",
        "2026-12-14T01:30:00Z",
        json!({"command": "override", "rule": "approval.blackout", "justification": "why"}),
    );
    assert_eq!(e.to_body().rule.as_deref(), Some("roles.blackout_override"));
}

#[test]
fn a_send_back_voids_the_override_like_the_votes() {
    let ctx = context();
    let o = override_window(&approved(), &ctx).release;
    let mut r = run(
        &o,
        &ctx,
        "rita",
        "2026-12-14T01:40:00Z",
        json!({"command": "send_back", "to": "development", "reason": "one more fix"}),
    )
    .release;
    for _ in 0..2 {
        r = run(
            &r,
            &ctx,
            "rita",
            "2026-12-14T01:45:00Z",
            json!({"command": "advance"}),
        )
        .release;
    }
    // Before the new votes: the round approved no window.
    let err = fails(
        &r,
        &ctx,
        "rita",
        DAY_AFTER,
        json!({"command": "start_deployment"}),
    );
    let w = err
        .to_body()
        .violations
        .into_iter()
        .find(|v| v.rule == "deployment.window")
        .unwrap();
    assert_eq!(w.data["position"], "voided");
    assert_eq!(w.data["voided_round"], 1);
    assert!(w.data.get("override").is_none());
    // With the new round's votes: the late start is denied again.
    let r = approve(r, &ctx, "2026-12-14T01:50:00Z");
    let err = fails(
        &r,
        &ctx,
        "rita",
        DAY_AFTER,
        json!({"command": "start_deployment"}),
    );
    let body = err.to_body();
    let rules: Vec<&str> = body.violations.iter().map(|v| v.rule.as_str()).collect();
    assert_eq!(rules, ["deployment.window"]);
    assert_eq!(body.violations[0].data["round"], 2);
}

#[test]
fn a_forged_override_does_not_count() {
    let ctx = context();
    let o = override_window(&approved(), &ctx).release;
    let late = context_with(json!({"now": DAY_AFTER}));
    assert!(check(&o, State::Deployment, &late).allowed);

    // An edited override event (its justification rewritten): the chain
    // breaks, record.log is unmet and apply refuses.
    let mut forged = o.clone();
    let last = forged.log.last_mut().unwrap();
    last.details
        .insert("justification".into(), json!("approved by the CEO"));
    let verdict = verify_log(&forged, None);
    assert!(!verdict.valid);
    let report = check(&forged, State::Deployment, &late);
    assert!(!requirement(&report, "record.log").met);
    assert!(!report.allowed);
    let err = fails(
        &forged,
        &ctx,
        "rita",
        DAY_AFTER,
        json!({"command": "start_deployment"}),
    );
    assert_eq!(err.code(), ErrorCode::LogTampered);

    // An override event inserted into an approved release's log by someone
    // who recomputed the hashes cannot name an actor who is not ECAB: an
    // override recorded under an id that holds no override role in the
    // directory (here: written while carol was listed as ECAB) is not
    // counted.
    let mut dir = actors();
    dir[3]["roles"] = json!(["cab", "ecab"]);
    let lax: Context = serde_json::from_value(json!({"actors": dir})).unwrap();
    let by_carol = run(
        &approved(),
        &lax,
        "carol",
        "2026-12-14T01:30:00Z",
        json!({"command": "override", "rule": "deployment.window", "justification": "mine"}),
    )
    .release;
    assert!(verify_log(&by_carol, None).valid);
    let report = check(&by_carol, State::Deployment, &late);
    let w = requirement(&report, "deployment.window");
    assert!(!w.met, "{w:#?}");
    assert!(w.data.get("override").is_none());
}

#[test]
fn a_maintenance_window_conflict_is_its_own_rule_and_ecab_may_override_it() {
    // web-1 may change on Sundays 02:00–04:00 UTC only; the window opens at 01:00.
    let ctx = context_with(json!({
        "now": "2026-12-13T01:30:00Z",
        "schedule": {
            "calendar": {"maintenance_windows": [{"id": "sun", "name": "Sunday 02-04",
                "recurrence": {"freq": "weekly", "by_day": ["sun"], "start_time": "02:00",
                               "duration_secs": 7200, "time_zone": "UTC"}}]},
            "cmdb": {"cis": [
                {"id": "web-1", "name": "web", "class": "server", "maintenance_windows": ["sun"]},
                {"id": "db-1", "name": "db", "class": "database"}
            ]},
            "releases": []
        }
    }));
    let r = approved_in(&ctx);
    let report = check(&r, State::Deployment, &ctx);
    assert!(!report.allowed);
    let mw = requirement(&report, "approval.maintenance_window");
    assert!(!mw.met);
    assert_eq!(mw.data["blocking"][0]["kind"], "outside_maintenance_window");
    assert_eq!(mw.data["blocking"][0]["cis"], json!(["web-1"]));
    // approval.conflicts no longer counts it.
    let c = requirement(&report, "approval.conflicts");
    assert!(c.met, "{c:#?}");
    let unmet: Vec<&str> = report.unmet().map(|q| q.rule.as_str()).collect();
    assert_eq!(unmet, ["approval.maintenance_window"]);

    let o = run(
        &r,
        &ctx,
        "ed",
        "2026-12-13T01:10:00Z",
        json!({"command": "override", "rule": "approval.maintenance_window",
                       "justification": "the CI's owner agreed to the earlier start"}),
    )
    .release;
    let report = check(&o, State::Deployment, &ctx);
    let mw = requirement(&report, "approval.maintenance_window");
    assert!(mw.met);
    assert_eq!(mw.data["override"]["by"], "ed");
    assert!(report.allowed);
    let started = run(
        &o,
        &ctx,
        "rita",
        "2026-12-13T01:30:00Z",
        json!({"command": "start_deployment"}),
    );
    assert!(requirement(&started.report, "approval.maintenance_window").met);

    // Without maintenance windows there is no such requirement.
    let report = check(
        &r,
        State::Deployment,
        &context_with(json!({"now": "2026-12-13T01:30:00Z"})),
    );
    assert!(report
        .requirements
        .iter()
        .all(|q| q.rule != "approval.maintenance_window"));
}

#[test]
fn an_ecab_override_lets_an_emergency_through_a_blackout() {
    let ctx = context_with(json!({
        "calendar": {"blackouts": [{"id": "xmas", "name": "Holiday freeze", "severity": "block",
            "start": "2026-12-12T00:00:00Z", "end": "2026-12-20T00:00:00Z"}]}
    }));
    let mut r = planning();
    r.kind = relman::ReleaseKind::Emergency;
    for _ in 0..3 {
        r = run(
            &r,
            &ctx,
            "rita",
            "2026-12-01T10:00:00Z",
            json!({"command": "advance"}),
        )
        .release;
    }
    r = run(
        &r,
        &ctx,
        "ed",
        "2026-12-12T10:00:00Z",
        json!({"command": "approve", "role": "ecab"}),
    )
    .release;
    let err = fails(
        &r,
        &ctx,
        "rita",
        "2026-12-13T01:30:00Z",
        json!({"command": "start_deployment"}),
    );
    let rules: Vec<String> = err
        .to_body()
        .violations
        .into_iter()
        .map(|v| v.rule)
        .collect();
    assert_eq!(rules, ["approval.blackout"]);
    let o = run(
        &r,
        &ctx,
        "ed",
        "2026-12-13T01:00:00Z",
        json!({"command": "override", "rule": "approval.blackout",
                       "justification": "INC0042: card payments down"}),
    )
    .release;
    let started = run(
        &o,
        &ctx,
        "rita",
        "2026-12-13T01:30:00Z",
        json!({"command": "start_deployment"}),
    );
    let b = requirement(&started.report, "approval.blackout");
    assert!(b.met);
    assert_eq!(b.data["override_by"], "ed");
    assert_eq!(
        b.data["override"]["justification"],
        "INC0042: card payments down"
    );
    // The start event records the override it passed, as for the vote flag.
    assert_eq!(
        started.events[0].details["blackout_override"]["override"]["by"],
        "ed"
    );
}

#[test]
fn a_policy_may_leave_the_window_unenforced_for_a_kind() {
    // lifecycle.<kind>.deployment_window_enforced (default true): false
    // drops the rule for that kind, nothing else.
    let ctx = context_with(json!({
        "policy": {"lifecycle": {"major": {"deployment_window_enforced": false}}}
    }));
    let r = approved_in(&ctx);
    let applied = run(
        &r,
        &ctx,
        "rita",
        DAY_AFTER,
        json!({"command": "start_deployment"}),
    );
    assert_eq!(applied.release.state, State::Deployment);
    let report = check(
        &r,
        State::Deployment,
        &context_with(json!({
            "policy": {"lifecycle": {"major": {"deployment_window_enforced": false}}},
            "now": DAY_AFTER
        })),
    );
    assert!(report
        .requirements
        .iter()
        .all(|q| q.rule != "deployment.window"));
    assert!(report.allowed, "{:#?}", report.unmet().collect::<Vec<_>>());
}
