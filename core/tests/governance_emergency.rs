//! Issue #20, the emergency path: an emergency release deploys before its
//! approval under `lifecycle.emergency.deploy_before_approval`; its
//! retrospective approval is due 72 h after `start_deployment` — not
//! overdue at exactly 72 h, overdue (in `check` and in `overdue`) at
//! 72 h + 1 s; the deployer's retrospective vote is refused; an ECAB
//! member's clears it; closing needs an incident linked by the review.
//!
//! Roles of the spec: release manager (olga owns the release, dana deploys
//! it and also sits on the ECAB), CAB (carl), ECAB (erin), product owner
//! (pete).
//!
//! With `RELMAN_WRITE_VECTORS=1` the scenario also writes its conformance
//! vectors (`apply/emergency_*`, `check/emergency_retrospective_*`,
//! `overdue/*`) from what the engine returns.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::error::Error;
use relman::{Command, Context, Release, Schedule, State, Timestamp};
use serde_json::{json, Value};
use std::path::Path;

const T0: &str = "2026-11-14T22:00:00Z"; // start_deployment
const DUE: &str = "2026-11-17T22:00:00Z"; // T0 + 72 h
const DUE_PLUS_1S: &str = "2026-11-17T22:00:01Z";

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn actors() -> Value {
    json!([
        {"id": "olga", "roles": ["release_manager"]},
        {"id": "dana", "roles": ["release_manager", "ecab"]},
        {"id": "carl", "roles": ["cab"]},
        {"id": "erin", "roles": ["ecab"]},
        {"id": "pete", "roles": ["product_owner"]},
        {"id": "wei", "roles": ["release_team"]}
    ])
}

fn policy(deploy_before_approval: bool) -> Value {
    if deploy_before_approval {
        json!({"lifecycle": {"emergency": {"deploy_before_approval": true}}})
    } else {
        json!({})
    }
}

fn context(deploy_before_approval: bool, now: Option<&str>) -> Context {
    serde_json::from_value(ctx_json(deploy_before_approval, now)).unwrap()
}

/// An emergency release in planning; without an incident link anywhere
/// (the review links it).
fn planning() -> Release {
    serde_json::from_value(json!({
        "id": "REL-EM-1",
        "title": "Emergency: stop duplicate card captures",
        "version": "2.13.2",
        "kind": "emergency",
        "state": "planning",
        "owner": "olga",
        "team": ["wei"],
        "created_at": "2026-11-14T20:00:00Z",
        "planned_start": T0,
        "planned_end": "2026-11-14T23:00:00Z",
        "scope": "Idempotency key on capture calls",
        "changes": [{
            "id": "CHG-EM-1",
            "kind": "emergency",
            "summary": "Idempotency key on capture calls",
            "affected_cis": ["app-payments-prd-01"],
            "implementer": "wei",
            "approved": true
        }],
        "services": ["payments"],
        "environments": ["production"],
        "rollback_plan": {"documented": true},
        "tests": [{"kind": "unit", "passed": 612, "failed": 0, "skipped": 0, "at": "2026-11-14T20:30:00Z"}]
    }))
    .unwrap()
}

fn cmd(actor: &str, at: &str, action: Value) -> Command {
    let mut v = action;
    v["actor"] = json!(actor);
    v["at"] = json!(at);
    serde_json::from_value(v).unwrap()
}

fn apply(r: &Release, c: &Command, ctx: &Context) -> Release {
    match relman::apply(r, c, ctx) {
        Ok(a) => a.release,
        Err(e) => panic!("{} refused: {e:?}", c.action.name()),
    }
}

/// The release in approval, no vote cast.
fn in_approval(ctx: &Context) -> Release {
    let mut r = planning();
    for at in [
        "2026-11-14T20:40:00Z",
        "2026-11-14T20:50:00Z",
        "2026-11-14T21:00:00Z",
    ] {
        r = apply(&r, &cmd("olga", at, json!({"command": "advance"})), ctx);
    }
    assert_eq!(r.state, State::Approval);
    r
}

fn start() -> Command {
    cmd("dana", T0, json!({"command": "start_deployment"}))
}

/// Deployed before approval and completed: in review.
fn in_review(ctx: &Context) -> Release {
    let r = apply(&in_approval(ctx), &start(), ctx);
    apply(
        &r,
        &cmd(
            "dana",
            "2026-11-14T22:40:00Z",
            json!({"command": "complete_deployment", "outcome": "success"}),
        ),
        ctx,
    )
}

fn requirement<'r>(report: &'r relman::GateReport, rule: &str) -> &'r relman::Requirement {
    report
        .requirements
        .iter()
        .find(|r| r.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} in {report:#?}"))
}

fn forbidden_rule(e: &Error) -> &str {
    match e {
        Error::Forbidden { rule, .. } => rule,
        other => panic!("expected forbidden, got {other:?}"),
    }
}

#[test]
fn without_the_option_an_emergency_cannot_deploy_before_approval() {
    let ctx = context(false, None);
    let err = relman::apply(&in_approval(&ctx), &start(), &ctx).unwrap_err();
    assert_eq!(err.code().as_str(), "transition_denied");
    let Error::TransitionDenied { violations, .. } = &err else {
        panic!()
    };
    assert!(violations.iter().any(|v| v.rule == "approval.quorum"));
}

#[test]
fn an_emergency_deploys_before_approval_with_the_quorum_deferred() {
    let ctx = context(true, None);
    let r = in_approval(&ctx);
    // The dry run: met, deferred, due 72 h after the start.
    let dry = relman::check(&r, State::Deployment, &context(true, Some(T0)));
    assert!(dry.allowed, "{dry:#?}");
    let q = requirement(&dry, "approval.quorum");
    assert!(q.met);
    assert_eq!(q.data["deferred"]["due_at"], json!(DUE));
    assert_eq!(q.data["deferred"]["window_secs"], json!(259_200));
    assert!(q.message.starts_with("deferred"), "{}", q.message);
    // Without `now` the due time is relative.
    let dry = relman::check(&r, State::Deployment, &ctx);
    let q = requirement(&dry, "approval.quorum");
    assert_eq!(q.data["deferred"]["due_at"], Value::Null);
    assert!(
        q.message.contains("due 3d after start_deployment"),
        "{}",
        q.message
    );

    let applied = relman::apply(&r, &start(), &ctx).unwrap();
    assert_eq!(applied.release.state, State::Deployment);
    let event = applied.events.last().unwrap();
    assert_eq!(event.details["approval_deferred"]["due_at"], json!(DUE));
    assert_eq!(
        event.details["approval_deferred"]["rules"],
        json!(["approval.quorum"])
    );
    // The record verifies.
    assert!(relman::audit::verify_log(&applied.release, None).valid);

    // Other approval rules still apply: an outstanding rejection denies.
    let rejected = apply(
        &r,
        &cmd(
            "erin",
            "2026-11-14T21:30:00Z",
            json!({"command": "reject", "role": "ecab", "comment": "not like this"}),
        ),
        &ctx,
    );
    let err = relman::apply(&rejected, &start(), &ctx).unwrap_err();
    let Error::TransitionDenied { violations, .. } = &err else {
        panic!("{err:?}")
    };
    let rules: Vec<&str> = violations.iter().map(|v| v.rule.as_str()).collect();
    assert_eq!(rules, ["approval.no_rejection"]);
}

#[test]
fn overdue_at_72h_plus_1s_not_at_72h() {
    let ctx = context(true, None);
    let r = in_review(&ctx);

    // Leaving deployment before the due time warned.
    let pending = relman::check(
        &r,
        State::Closed,
        &context(true, Some("2026-11-15T09:00:00Z")),
    );
    let req = requirement(&pending, "emergency.retrospective_approval");
    assert!(!req.met, "closing needs the approval");
    assert!(
        req.message.starts_with("closing REL-EM-1 needs"),
        "{}",
        req.message
    );

    // Exactly 72 h: not yet overdue.
    let at_due = relman::check(&r, State::Closed, &context(true, Some(DUE)));
    let req = requirement(&at_due, "emergency.retrospective_approval");
    assert_eq!(req.data["overdue"], json!(false));
    assert_eq!(req.data["overdue_secs"], Value::Null);
    let schedule: Schedule = serde_json::from_value(json!({"releases": [r.clone()]})).unwrap();
    let policy: relman::Policy = serde_json::from_value(policy(true)).unwrap();
    let actors: Vec<relman::Actor> = serde_json::from_value(actors()).unwrap();
    let report = relman::overdue(&schedule, &ts(DUE), &policy, &actors);
    assert!(report.releases.is_empty());
    assert_eq!(report.pending, 1);

    // 72 h + 1 s: overdue, in check and in the report.
    let late = relman::check(&r, State::Closed, &context(true, Some(DUE_PLUS_1S)));
    let req = requirement(&late, "emergency.retrospective_approval");
    assert!(!req.met);
    assert_eq!(req.data["overdue_secs"], json!(1));
    assert_eq!(req.data["deployed_by"], json!("dana"));
    assert_eq!(req.data["votes_missing"], json!(1));
    assert!(req.message.contains("overdue by 1s"), "{}", req.message);
    let report = relman::overdue(&schedule, &ts(DUE_PLUS_1S), &policy, &actors);
    assert_eq!(report.releases.len(), 1);
    let o = &report.releases[0];
    assert_eq!(
        (
            o.release_id.as_str(),
            o.deployed_by.as_str(),
            o.overdue_secs
        ),
        ("REL-EM-1", "dana", 1)
    );
    assert_eq!((o.votes_counted, o.votes_missing), (0, 1));
    assert_eq!(o.started_at, ts(T0));
    assert_eq!(o.due_at, ts(DUE));

    // In deployment, past the due time, leaving deployment is denied until
    // someone approves retrospectively.
    let deployed = apply(&in_approval(&ctx), &start(), &ctx);
    let late = relman::check(&deployed, State::Review, &context(true, Some(DUE_PLUS_1S)));
    assert!(!late.allowed);
    assert!(!requirement(&late, "emergency.retrospective_approval").met);
    let early = relman::check(&deployed, State::Review, &context(true, Some(DUE)));
    assert!(requirement(&early, "emergency.retrospective_approval").met);
    assert!(early
        .warnings
        .iter()
        .any(|w| w.code == "retrospective_approval_pending"));
}

#[test]
fn the_deployers_retrospective_vote_is_refused_an_ecab_vote_clears_it() {
    let ctx = context(true, None);
    let r = in_review(&ctx);
    let vote = |who: &str, role: &str| {
        cmd(
            who,
            DUE_PLUS_1S,
            json!({"command": "approve", "role": role, "comment": "retrospective"}),
        )
    };
    // The deployer holds ECAB but started the deployment.
    let err = relman::apply(&r, &vote("dana", "ecab"), &ctx).unwrap_err();
    assert_eq!(err.code().as_str(), "forbidden");
    assert_eq!(forbidden_rule(&err), "separation.deployer");
    // Compared after canonicalisation.
    let err = relman::apply(&r, &vote(" DANA ", "ecab"), &ctx).unwrap_err();
    assert_eq!(err.code().as_str(), "forbidden");
    // A CAB member does not vote on emergency releases.
    let err = relman::apply(&r, &vote("carl", "cab"), &ctx).unwrap_err();
    assert_eq!(forbidden_rule(&err), "roles.vote_role");
    // A retrospective blackout override makes no sense.
    let bad = cmd(
        "erin",
        DUE_PLUS_1S,
        json!({"command": "approve", "role": "ecab", "override_blackout": true}),
    );
    let err = relman::apply(&r, &bad, &ctx).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");

    let applied = relman::apply(&r, &vote("erin", "ecab"), &ctx).unwrap();
    let a = applied.release.approvals.last().unwrap();
    assert!(a.retrospective);
    assert_eq!(applied.events[0].details["retrospective"], json!(true));
    let approved = applied.release;
    assert!(relman::audit::verify_log(&approved, None).valid);
    let report = relman::check(
        &approved,
        State::Closed,
        &context(true, Some("2026-11-18T00:00:00Z")),
    );
    let req = requirement(&report, "emergency.retrospective_approval");
    assert!(req.met, "{req:#?}");
    assert_eq!(
        req.data["retrospective_votes"][0]["approver"],
        json!("erin")
    );
    let schedule: Schedule = serde_json::from_value(json!({"releases": [approved]})).unwrap();
    let policy: relman::Policy = serde_json::from_value(policy(true)).unwrap();
    let report = relman::overdue(&schedule, &ts("2026-11-18T00:00:00Z"), &policy, &[]);
    assert!(report.releases.is_empty());

    // Not deployed before approval: no retrospective vote.
    let plain = context(false, None);
    let mut normal = in_approval(&plain);
    normal = apply(
        &normal,
        &cmd(
            "erin",
            "2026-11-14T21:30:00Z",
            json!({"command": "approve", "role": "ecab"}),
        ),
        &plain,
    );
    normal = apply(&normal, &start(), &plain);
    let err = relman::apply(&normal, &vote("pete", "product_owner"), &plain).unwrap_err();
    assert_eq!(err.code().as_str(), "transition_denied");
}

#[test]
fn closing_needs_an_incident_linked_by_the_review() {
    let ctx = context(true, None);
    let r = in_review(&ctx);
    let r = apply(
        &r,
        &cmd(
            "erin",
            "2026-11-15T09:00:00Z",
            json!({"command": "approve", "role": "ecab"}),
        ),
        &ctx,
    );
    let r = apply(
        &r,
        &cmd(
            "olga",
            "2026-11-16T09:00:00Z",
            json!({"command": "complete_review", "summary": "Fixed"}),
        ),
        &ctx,
    );
    let close = cmd("olga", "2026-11-16T10:00:00Z", json!({"command": "close"}));
    let err = relman::apply(&r, &close, &ctx).unwrap_err();
    let Error::TransitionDenied { violations, .. } = &err else {
        panic!("{err:?}")
    };
    let rules: Vec<&str> = violations.iter().map(|v| v.rule.as_str()).collect();
    assert_eq!(rules, ["review.incident_linked"]);
    // A blank incident id is bad input.
    let blank = cmd(
        "olga",
        "2026-11-16T09:30:00Z",
        json!({"command": "complete_review", "incidents": [" "]}),
    );
    let err = relman::apply(&r, &blank, &ctx).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert_eq!(err.to_body().path.as_deref(), Some("incidents[0]"));

    let r = apply(
        &r,
        &cmd(
            "olga",
            "2026-11-16T09:30:00Z",
            json!({"command": "complete_review", "incidents": ["INC0091234"]}),
        ),
        &ctx,
    );
    assert_eq!(r.review.as_ref().unwrap().incidents, ["INC0091234"]);
    assert!(relman::audit::verify_log(&r, None).valid);
    let closed = apply(&r, &close, &ctx);
    assert_eq!(closed.state, State::Closed);
    // Editing the review's incidents is a difference from the record.
    let mut forged = r.clone();
    forged.review.as_mut().unwrap().incidents = vec!["INC1".into()];
    let verdict = relman::audit::verify_log(&forged, None);
    assert!(!verdict.valid);

    // The policy may turn the rule off.
    let off: Context = serde_json::from_value(json!({
        "actors": actors(),
        "policy": {"lifecycle": {"emergency": {"deploy_before_approval": true, "review_incident_required": false}}}
    }))
    .unwrap();
    let report = relman::check(&r, State::Closed, &off);
    assert!(report
        .requirements
        .iter()
        .all(|q| q.rule != "review.incident_linked"));
}

#[test]
fn bad_emergency_policy_values_are_invalid_policy_at_their_path() {
    for (policy, path) in [
        (
            json!({"lifecycle": {"emergency": {"retrospective_approval_secs": 0}}}),
            "lifecycle.emergency.retrospective_approval_secs",
        ),
        (
            json!({"lifecycle": {"emergency": {"retrospective_approval_secs": 2_678_401}}}),
            "lifecycle.emergency.retrospective_approval_secs",
        ),
        (
            json!({"lifecycle": {"major": {"deploy_before_approval": true}}}),
            "lifecycle.major.deploy_before_approval",
        ),
        (
            json!({"lifecycle": {"minor": {"retrospective_approval_secs": 3600}}}),
            "lifecycle.minor.retrospective_approval_secs",
        ),
        (
            json!({"lifecycle": {"emergency": {"deploy_before_approval": "yes"}}}),
            "lifecycle.emergency.deploy_before_approval",
        ),
        (
            json!({"lifecycle": {"emergency": {"retrospective_approval_secs": -5}}}),
            "lifecycle.emergency.retrospective_approval_secs",
        ),
    ] {
        let err = relman::from_value::<relman::Policy>(policy.clone()).unwrap_err();
        let body = err.to_body();
        assert_eq!(body.code.as_str(), "invalid_policy", "{policy}");
        let paths: Vec<String> = std::iter::once(body.path.clone().unwrap_or_default())
            .chain(err.problems().iter().map(|p| p.path.clone()))
            .collect();
        assert!(
            paths.iter().any(|p| p.ends_with(path)),
            "{policy}: {paths:?} has no {path}"
        );
    }
    // Defaults are not written back: the fingerprint of a policy that does
    // not set them is unchanged.
    let p = relman::Policy::default();
    let v = serde_json::to_value(&p).unwrap();
    assert!(v["lifecycle"].get("emergency").is_none());
    let set: relman::Policy = relman::from_value::<relman::Policy>(
        json!({"lifecycle": {"emergency": {"retrospective_approval_secs": 259200}}}),
    )
    .unwrap()
    .document;
    assert_eq!(
        serde_json::to_value(&set).unwrap()["lifecycle"]["emergency"],
        json!({"retrospective_approval_secs": 259200})
    );
}

// ---------------------------------------------------------------------------
// Conformance vectors
// ---------------------------------------------------------------------------

fn write(dir: &str, name: &str, vector: Value) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(dir);
    std::fs::create_dir_all(&root).unwrap();
    let text = serde_json::to_string_pretty(&vector).unwrap() + "\n";
    std::fs::write(root.join(format!("{name}.json")), text).unwrap();
}

fn call(op: &str, input: &Value) -> Result<Value, Value> {
    relman::api::call(op, input.clone()).map_err(|e| serde_json::to_value(e.to_body()).unwrap())
}

fn ctx_json(deploy_before_approval: bool, now: Option<&str>) -> Value {
    let mut c = json!({
        "actors": actors(),
        "policy": policy(deploy_before_approval),
        // What readiness needs (docs/lifecycle.md, "Readiness"), empty:
        // these tests are about the emergency path.
        "calendar": {}, "schedule": {"releases": []}, "cmdb": {}
    });
    if let Some(now) = now {
        c["now"] = json!(now);
    }
    c
}

#[test]
fn conformance_vectors() {
    let ctx = context(true, None);
    let approval = in_approval(&ctx);
    let review = in_review(&ctx);
    let mut cases: Vec<(&str, &str, &str, Value, Option<Value>)> = Vec::new();
    // apply: the early start.
    cases.push((
        "apply",
        "emergency_deploy_before_approval",
        "emergency path: with lifecycle.emergency.deploy_before_approval an emergency release starts its deployment before its ECAB quorum is met; approval.quorum is met, deferred, and the event records when the retrospective approval is due (72 h)",
        json!({"release": approval, "command": start(), "context": ctx_json(true, None)}),
        None,
    ));
    cases.push((
        "apply",
        "emergency_deployer_retrospective_vote_refused",
        "emergency path: the release manager who started the deployment before approval holds ECAB but may not give its retrospective approval (separation.deployer)",
        json!({"release": review, "command": cmd("dana", DUE_PLUS_1S, json!({"command": "approve", "role": "ecab"})), "context": ctx_json(true, None)}),
        Some(json!({"code": "forbidden", "rule": "separation.deployer"})),
    ));
    cases.push((
        "apply",
        "emergency_retrospective_vote",
        "emergency path: an ECAB member approves in review a release deployed before approval; the vote is sealed as retrospective",
        json!({"release": review, "command": cmd("erin", DUE_PLUS_1S, json!({"command": "approve", "role": "ecab", "comment": "Reviewed on the bridge"})), "context": ctx_json(true, None)}),
        None,
    ));
    cases.push((
        "check",
        "emergency_retrospective_overdue",
        "emergency path: 72 h + 1 s after start_deployment the retrospective approval is overdue by 1 s; closing is denied",
        json!({"release": review, "target": "closed", "context": ctx_json(true, Some(DUE_PLUS_1S))}),
        None,
    ));
    cases.push((
        "check",
        "emergency_retrospective_due_not_overdue",
        "emergency path: exactly 72 h after start_deployment the retrospective approval is due but not overdue",
        json!({"release": review, "target": "closed", "context": ctx_json(true, Some(DUE))}),
        None,
    ));
    // The overdue vectors carry the policy in their context: the fixture
    // script walks their releases in it (scripts/genuine-fixtures).
    let schedule = json!({"releases": [review]});
    let octx = json!({"actors": actors(), "policy": policy(true)});
    cases.push((
        "overdue",
        "overdue_at_72h_plus_1s",
        "the emergency release deployed before approval is listed 72 h + 1 s after start_deployment, deployed by dana, no ECAB vote counted, one missing",
        json!({"schedule": schedule, "now": DUE_PLUS_1S, "context": octx}),
        None,
    ));
    cases.push((
        "overdue",
        "not_overdue_at_72h",
        "exactly 72 h after start_deployment nothing is overdue (the release is pending)",
        json!({"schedule": schedule, "now": DUE, "context": octx}),
        None,
    ));
    let approved = apply(
        &review,
        &cmd(
            "erin",
            DUE_PLUS_1S,
            json!({"command": "approve", "role": "ecab"}),
        ),
        &ctx,
    );
    cases.push((
        "overdue",
        "approved_retrospectively_not_listed",
        "a release approved retrospectively (late) is no longer overdue",
        json!({"schedule": {"releases": [approved]}, "now": "2026-11-20T00:00:00Z", "policy": policy(true), "context": octx}),
        None,
    ));
    cases.push((
        "overdue",
        "bad_now",
        "now must be a timestamp",
        json!({"schedule": {"releases": []}, "now": "yesterday"}),
        Some(json!({"code": "invalid_input", "path": "now"})),
    ));
    let writing = std::env::var_os("RELMAN_WRITE_VECTORS").is_some();
    for (op, name, description, input, expected_error) in cases {
        let out = call(op, &input);
        match (&expected_error, &out) {
            (None, Ok(_)) | (Some(_), Err(_)) => {}
            _ => panic!("{op}/{name}: unexpected {out:?}"),
        }
        if let (Some(want), Err(got)) = (&expected_error, &out) {
            for (k, v) in want.as_object().unwrap() {
                assert_eq!(&got[k], v, "{op}/{name}: {got}");
            }
        }
        if !writing {
            continue;
        }
        let mut v = json!({"operation": op, "description": description, "input": input});
        match (expected_error, out) {
            (Some(e), _) => v["expected_error"] = e,
            (None, Ok(expected)) => v["expected"] = expected,
            _ => unreachable!(),
        }
        write(op, name, v);
    }
}
