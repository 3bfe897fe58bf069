//! The lifecycle engine: every default gate met and unmet, separation of
//! duties, approval rounds, the emergency path and the audit trail of
//! applied commands. Releases reach their states through `apply` only (the
//! log is the record); what a host writes straight into the document is
//! reported, and `amend` and `import` are the supported ways to change it.

// Test helpers may unwrap, index and panic: a broken case should stop loudly
// (clippy.toml allows this inside #[test] functions only).
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

fn context() -> Context {
    serde_json::from_value(json!({
        "actors": [
            {"id": "alice", "roles": ["release_manager", "cab"]},
            {"id": "rita", "roles": ["release_manager"]},
            {"id": "bob", "roles": ["release_team", "cab"]},
            {"id": "dan", "roles": ["release_team"]},
            {"id": "carol", "roles": ["cab"]},
            {"id": "erin", "roles": ["cab"]},
            {"id": "frank", "roles": ["cab", "product_owner"]},
            {"id": "paula", "roles": ["product_owner"]},
            {"id": "quinn", "roles": ["qa"]},
            {"id": "ed", "roles": ["ecab"]},
            {"id": "bea", "roles": ["business_stakeholder"]}
        ],
        "now": AT,
        // What readiness needs (docs/lifecycle.md, "Readiness"), empty:
        // these tests are about the other gates.
        "calendar": {}, "schedule": {}, "cmdb": {}
    }))
    .unwrap()
}

/// A major release in planning, with an empty log, carrying everything
/// every gate asks for. Its fields are free to edit until the first event
/// seals them (the test runs included: the genesis records them).
fn planning() -> Release {
    serde_json::from_value(json!({
        "id": "REL-1", "title": "Checkout 5.0", "version": "5.0.0", "kind": "major",
        "state": "planning", "owner": "alice", "team": ["bob", "dan"],
        "planned_start": "2026-12-13T01:00:00+01:00", "planned_end": "2026-12-13T04:00:00+01:00",
        "scope": "New checkout flow",
        "changes": [
            {"id": "CHG1", "kind": "normal", "summary": "New payment page", "affected_cis": ["web-1"],
             "implementer": "bob", "approved": true},
            {"id": "CHG2", "kind": "normal", "summary": "Schema migration", "affected_cis": ["db-1"],
             "implementer": "dan", "approved": true}
        ],
        "services": ["checkout"], "environments": ["staging", "production"],
        "rollback_plan": {"documented": true, "tested": true, "estimated_secs": 900},
        "tests": [
            {"kind": "unit", "passed": 500, "failed": 0},
            {"kind": "integration", "passed": 120, "failed": 1},
            {"kind": "performance", "passed": 10, "failed": 0},
            {"kind": "security", "passed": 40, "failed": 0},
            {"kind": "uat", "passed": 30, "failed": 0, "signed_off_by": "quinn"}
        ],
        "communication": {"plan": "Email stakeholders a week ahead", "stakeholders": ["support@shop.example"]},
        "knowledge_articles": ["KB0001"]
    }))
    .unwrap()
}

/// The commands that take a release of `kind` from planning to closed:
/// (the state they are issued in, actor, command). Approvers: carol, erin
/// (cab) and paula (product owner) for a major release, carol for a minor
/// or patch, ed (ecab) for an emergency; nobody who approves deploys.
fn way(kind: relman::ReleaseKind) -> Vec<(State, &'static str, Value)> {
    use relman::ReleaseKind::*;
    let votes: &[(&str, &str)] = match kind {
        Major => &[
            ("carol", "cab"),
            ("erin", "cab"),
            ("paula", "product_owner"),
        ],
        Minor | Patch => &[("carol", "cab")],
        Emergency => &[("ed", "ecab")],
    };
    let mut way = vec![
        (State::Planning, "alice", json!({"command": "advance"})),
        (State::Development, "alice", json!({"command": "advance"})),
        (State::Testing, "alice", json!({"command": "advance"})),
    ];
    for (who, role) in votes {
        way.push((
            State::Approval,
            who,
            json!({"command": "approve", "role": role}),
        ));
    }
    way.extend([
        (
            State::Approval,
            "alice",
            json!({"command": "start_deployment"}),
        ),
        (
            State::Deployment,
            "dan",
            json!({"command": "complete_deployment", "outcome": "success"}),
        ),
        (
            State::Review,
            "alice",
            json!({"command": "complete_review", "summary": "went well"}),
        ),
        (State::Review, "alice", json!({"command": "close"})),
    ]);
    way
}

/// Drives `r` to `state` by applying the commands of [`way`] issued before
/// it; with `within` also those issued in it that keep it there (the votes
/// in approval, the review in review). `skip` leaves out one command
/// (actor, command name).
fn drive(
    r: Release,
    state: State,
    ctx: &Context,
    within: bool,
    skip: Option<(&str, &str)>,
) -> Release {
    let mut r = r;
    for (from, actor, command) in way(r.kind) {
        let stays = matches!(
            command["command"].as_str(),
            Some("approve" | "complete_review")
        );
        let due = from < state || (within && from == state && stays);
        if !due || skip == Some((actor, command["command"].as_str().unwrap())) {
            continue;
        }
        assert_eq!(r.state, from, "{command} by {actor}");
        r = run(&r, ctx, actor, command).release;
    }
    assert_eq!(r.state, state);
    r
}

fn state(name: &str) -> State {
    serde_json::from_value(json!(name)).unwrap()
}

/// `r` (a planning document) driven to `state` with the default context.
fn reach(r: Release, to: &str) -> Release {
    drive(r, state(to), &context(), false, None)
}

/// The complete major release, driven to `state` through `apply`.
fn release(to: &str) -> Release {
    reach(planning(), to)
}

/// When every command of these tests is issued: inside the release's
/// window (2026-12-13 01:00-04:00+01:00), so that a start passes
/// deployment.window.
const AT: &str = "2026-12-13T00:30:00Z";

fn cmd(actor: &str, command: Value) -> Command {
    let mut c = command;
    c["actor"] = json!(actor);
    c["at"] = json!(AT);
    serde_json::from_value(c).unwrap()
}

fn run(release: &Release, ctx: &Context, actor: &str, command: Value) -> Applied {
    apply(release, &cmd(actor, command.clone()), ctx)
        .unwrap_or_else(|e| panic!("{command} by {actor} failed: {e}\n{:#?}", e.to_body()))
}

fn fails(release: &Release, ctx: &Context, actor: &str, command: Value) -> Error {
    let before = release.clone();
    let err = apply(release, &cmd(actor, command), ctx).unwrap_err();
    assert_eq!(*release, before, "the input release must not change");
    err
}

/// A major release in approval with the CAB quorum (carol, erin) and the
/// product owner (paula) approved through `apply`.
fn approved() -> Release {
    approved_from(planning())
}

/// `r` (a planning document) driven to approval and approved there.
fn approved_from(r: Release) -> Release {
    drive(r, State::Approval, &context(), true, None)
}

fn requirement<'a>(report: &'a relman::GateReport, rule: &str) -> &'a relman::Requirement {
    report
        .requirements
        .iter()
        .find(|r| r.rule == rule)
        .unwrap_or_else(|| panic!("no requirement {rule} in {:#?}", report.requirements))
}

fn met(release: &Release, target: State, ctx: &Context, rule: &str) -> bool {
    requirement(&check(release, target, ctx), rule).met
}

/// `record.log` of `check(release, target)`: unmet, at `path`.
fn reported_at(release: &Release, target: State, ctx: &Context, path: &str) {
    let report = check(release, target, ctx);
    let log = requirement(&report, "record.log");
    assert!(!log.met, "{log:?}");
    assert_eq!(log.data["tamper"], "diverged", "{log:?}");
    assert_eq!(log.data["path"], path, "{log:?}");
    assert!(!report.allowed);
    let verdict = verify_log(release, None);
    let t = verdict.tamper.as_ref().unwrap();
    assert_eq!(
        (t.kind, t.path.as_str()),
        (relman::TamperKind::Diverged, path)
    );
}

/// How a case of [`every_default_gate_is_met_and_unmet`] breaks its gate,
/// through the record as a host would.
enum Break {
    /// Edit the planning document (and the context) before the release is
    /// driven to its state.
    Plan(fn(&mut Release, &mut Context)),
    /// Leave out one command of the way there (actor, command name).
    Skip(&'static str, &'static str),
    /// Issue one more command in the state.
    Then(&'static str, Value),
    /// The release as it reaches the state, before the command that
    /// records what the gate asks for.
    Reached,
}

/// Every default gate: met on the complete release, unmet after the break,
/// which is the only unmet requirement (the record holds: `record.log` is
/// met).
#[test]
fn every_default_gate_is_met_and_unmet() {
    use Break::*;
    let cases: Vec<(State, State, &str, Break)> = vec![
        (
            State::Planning,
            State::Development,
            "planning.owner",
            Plan(|r, _| r.owner = None),
        ),
        (
            State::Planning,
            State::Development,
            "planning.scope",
            Plan(|r, _| r.scope = Some(" ".into())),
        ),
        (
            State::Planning,
            State::Development,
            "planning.window",
            Plan(|r, _| r.planned_end = None),
        ),
        (
            State::Planning,
            State::Development,
            "planning.communication_plan",
            Plan(|r, _| r.communication = None),
        ),
        (
            State::Development,
            State::Testing,
            "development.changes",
            Plan(|r, _| r.changes.clear()),
        ),
        (
            State::Development,
            State::Testing,
            "development.affected_cis",
            Plan(|r, _| r.changes[1].affected_cis.clear()),
        ),
        (
            State::Testing,
            State::Approval,
            "testing.required_kinds",
            Plan(|r, _| r.tests.retain(|t| t.kind != relman::TestKind::Performance)),
        ),
        // A later run of a kind replaces the earlier one.
        (
            State::Testing,
            State::Approval,
            "testing.pass_rate",
            Then(
                "quinn",
                json!({"command": "record_tests",
                       "tests": [{"kind": "integration", "passed": 120, "failed": 10}]}),
            ),
        ),
        (
            State::Testing,
            State::Approval,
            "testing.uat_signoff",
            Then(
                "quinn",
                json!({"command": "record_tests",
                       "tests": [{"kind": "uat", "passed": 31, "failed": 0}]}),
            ),
        ),
        (
            State::Testing,
            State::Approval,
            "testing.security_failures",
            Plan(|r, c| {
                // With a lower security pass rate only this gate fails.
                r.tests[3].failed = 1;
                c.policy = Some(
                    serde_json::from_value(
                        json!({"lifecycle": {"major": {"min_security_pass_rate": 0.9}}}),
                    )
                    .unwrap(),
                );
            }),
        ),
        (
            State::Approval,
            State::Deployment,
            "approval.quorum",
            Skip("erin", "approve"),
        ),
        (
            State::Approval,
            State::Deployment,
            "approval.no_rejection",
            Then("frank", json!({"command": "reject", "role": "cab"})),
        ),
        (
            State::Approval,
            State::Deployment,
            "approval.rollback_plan",
            Plan(|r, _| r.rollback_plan.as_mut().unwrap().tested = false),
        ),
        (
            State::Approval,
            State::Deployment,
            "approval.changes_approved",
            Plan(|r, _| r.changes[0].approved = false),
        ),
        (
            State::Approval,
            State::Deployment,
            "approval.blackout",
            Plan(|_, c| {
                c.calendar = Some(
                    serde_json::from_value(json!({"blackouts": [{
                "id": "freeze", "name": "Year-end freeze", "severity": "block",
                "start": "2026-12-12T00:00:00Z", "end": "2027-01-04T00:00:00Z"}]}))
                    .unwrap(),
                );
            }),
        ),
        (
            State::Approval,
            State::Deployment,
            "approval.risk",
            Plan(|_, c| c.risk_level = Some(relman::RiskLevel::High)),
        ),
        (
            State::Approval,
            State::Deployment,
            "approval.promotion_order",
            Plan(|_, c| {
                let mut p = relman::Policy::default();
                p.lifecycle.promotion_order = vec!["staging".into(), "production".into()];
                c.policy = Some(p);
            }),
        ),
        (
            State::Deployment,
            State::Review,
            "deployment.outcome",
            Reached,
        ),
        (
            State::Deployment,
            State::Review,
            "deployment.rollback",
            Then(
                "dan",
                json!({"command": "complete_deployment", "outcome": "failed"}),
            ),
        ),
        (
            State::Review,
            State::Closed,
            "review.completed",
            Skip("alice", "complete_review"),
        ),
        (
            State::Review,
            State::Closed,
            "review.knowledge_articles",
            Plan(|r, _| r.knowledge_articles.clear()),
        ),
    ];
    for (state, target, rule, how) in cases {
        let mut ctx = context();
        let base = drive(planning(), state, &ctx, true, None);
        // A release leaves deployment through the command that records its
        // outcome: the baseline is the report that let it through.
        let report = if state == State::Deployment {
            let out = run(
                &base,
                &ctx,
                "dan",
                json!({"command": "complete_deployment", "outcome": "success"}),
            );
            assert_eq!(out.release.state, target);
            out.report
        } else {
            check(&base, target, &ctx)
        };
        assert!(
            report.allowed,
            "{rule}: baseline should pass: {:#?}",
            report.unmet().collect::<Vec<_>>()
        );
        assert_eq!(report.requirements[0].rule, "record.log");
        let had_rule = report.requirements.iter().any(|x| x.rule == rule);
        let broken = match how {
            Plan(edit) => {
                let mut r = planning();
                edit(&mut r, &mut ctx);
                drive(r, state, &ctx, true, None)
            }
            Skip(actor, command) => drive(planning(), state, &ctx, true, Some((actor, command))),
            Then(actor, command) => run(&base, &ctx, actor, command).release,
            Reached => base,
        };
        assert_eq!(broken.state, state, "{rule}");
        let report = check(&broken, target, &ctx);
        let req = requirement(&report, rule);
        assert!(!req.met, "{rule} should be unmet: {req:?}");
        assert!(!req.message.is_empty());
        assert!(!report.allowed);
        assert_eq!(
            report.unmet().count(),
            1,
            "{rule}: only it should fail: {:#?}",
            report.unmet().collect::<Vec<_>>()
        );
        // Rules that apply only when a condition holds (promotion order,
        // rollback after failure) appear once the condition holds.
        let conditional = ["approval.promotion_order", "deployment.rollback"];
        assert!(
            had_rule || conditional.contains(&rule),
            "{rule} missing from the baseline report"
        );
    }
}

/// The same breaks written straight into the document instead of through
/// a command: `check` reports them under `record.log` (with the path),
/// `verify_log` as `diverged`, and `apply` refuses every command. The
/// gates count what the log yields, so a vote, run or outcome written in
/// never counts and one deleted from the document still does.
#[test]
fn writing_the_document_instead_of_commanding_is_reported() {
    type Edit = fn(&mut Release);
    let cases: Vec<(&str, Edit, &str, &str, bool)> = vec![
        // (state, edit, path, gate, gate met afterwards)
        (
            "testing",
            |r| r.tests[1].failed = 10,
            "tests[1].failed",
            "testing.pass_rate",
            true,
        ),
        (
            "testing",
            |r| r.tests.retain(|t| t.kind != relman::TestKind::Performance),
            "tests[2]",
            "testing.required_kinds",
            true,
        ),
        (
            "approval",
            |r| {
                r.approvals.remove(1);
            },
            "approvals[1]",
            "approval.quorum",
            true,
        ),
        (
            "approval",
            |r| {
                let mut v = r.approvals[0].clone();
                v.decision = relman::Decision::Rejected;
                v.approver = "frank".into();
                r.approvals.push(v);
            },
            "approvals[3]",
            "approval.no_rejection",
            true,
        ),
        (
            "approval",
            |r| r.approvals.truncate(1),
            "approvals[1]",
            "approval.quorum",
            true,
        ),
        // Sealed fields are read from the document: the gate sees the edit,
        // and the record reports it.
        (
            "approval",
            |r| r.rollback_plan.as_mut().unwrap().tested = false,
            "rollback_plan",
            "approval.rollback_plan",
            false,
        ),
        (
            "approval",
            |r| r.changes[0].approved = false,
            "changes[0]",
            "approval.changes_approved",
            false,
        ),
        (
            "deployment",
            |r| r.outcome = Some(relman::Outcome::Success),
            "outcome",
            "deployment.outcome",
            false,
        ),
        (
            "review",
            |r| {
                r.review = Some(
                    serde_json::from_value(json!({"completed_at": "2026-12-15T10:00:00Z"}))
                        .unwrap(),
                )
            },
            "review.completed_at",
            "review.completed",
            false,
        ),
    ];
    let ctx = context();
    for (at, edit, path, gate, gate_met) in cases {
        let mut r = if at == "approval" {
            approved()
        } else {
            release(at)
        };
        edit(&mut r);
        let target = match r.state {
            State::Testing => State::Approval,
            State::Approval => State::Deployment,
            State::Deployment => State::Review,
            _ => State::Closed,
        };
        reported_at(&r, target, &ctx, path);
        assert_eq!(met(&r, target, &ctx, gate), gate_met, "{gate} after {path}");
        for command in [
            json!({"command": "advance"}),
            json!({"command": "cancel", "reason": "x"}),
        ] {
            let err = fails(&r, &ctx, "rita", command);
            assert_eq!(err.code(), ErrorCode::LogTampered, "{err}");
            assert_eq!(err.path(), Some(path));
        }
    }
}

#[test]
fn a_denial_lists_every_unmet_gate() {
    let ctx = context();
    let mut r = planning();
    r.owner = None;
    r.scope = None;
    r.planned_start = None;
    r.planned_end = None;
    let err = fails(&r, &ctx, "rita", json!({"command": "advance"}));
    assert_eq!(err.code(), ErrorCode::TransitionDenied);
    let Error::TransitionDenied {
        violations, report, ..
    } = &err
    else {
        panic!("{err}")
    };
    let rules: Vec<&str> = violations.iter().map(|v| v.rule.as_str()).collect();
    assert_eq!(
        rules,
        ["planning.owner", "planning.scope", "planning.window"]
    );
    assert_eq!(report["allowed"], false);
    let listed = report["requirements"].as_array().unwrap();
    assert_eq!(
        listed.len(),
        5,
        "met requirements are listed too: {listed:#?}"
    );
    // Every report starts with the record: a planning release's first
    // event seals it.
    assert_eq!(listed[0]["rule"], "record.log");
    assert_eq!(listed[0]["met"], true);
    let body = err.to_body();
    assert_eq!(body.violations.len(), 3);
    assert!(
        body.message.contains("3 unmet requirements"),
        "{}",
        body.message
    );
}

#[test]
fn a_full_major_lifecycle_produces_a_verifying_log() {
    let ctx = context();
    let mut r = planning();
    let steps: Vec<(&str, Value)> = vec![
        ("alice", json!({"command": "advance"})),
        ("alice", json!({"command": "advance"})),
        (
            "quinn",
            json!({"command": "record_tests", "tests": [{"kind": "unit", "passed": 501, "failed": 0}]}),
        ),
        ("alice", json!({"command": "advance"})),
        (
            "carol",
            json!({"command": "approve", "role": "cab", "comment": "ok"}),
        ),
        ("erin", json!({"command": "approve", "role": "cab"})),
        (
            "frank",
            json!({"command": "approve", "role": "product_owner"}),
        ),
        ("alice", json!({"command": "start_deployment"})),
        (
            "dan",
            json!({"command": "complete_deployment", "outcome": "success"}),
        ),
        (
            "alice",
            json!({"command": "complete_review", "summary": "fine", "lessons": ["more canaries"]}),
        ),
        ("alice", json!({"command": "close"})),
    ];
    let mut notified = Vec::new();
    for (actor, command) in steps {
        let out = run(&r, &ctx, actor, command);
        assert_eq!(out.events.len(), 1);
        notified.extend(out.notifications.iter().map(|n| n.trigger));
        r = out.release;
        assert!(verify_log(&r, None).valid);
    }
    assert_eq!(r.state, State::Closed);
    assert_eq!(r.log.len(), 11);
    // The genesis sealed the fields and the runs the release carried in
    // planning; no other event seals.
    assert!(r.log[0].details["seal"]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_eq!(
        r.log[0].details["sealed_tests"].as_array().unwrap().len(),
        5
    );
    assert!(r.log[1..].iter().all(|e| e.details.get("seal").is_none()));
    assert_eq!(r.tests.len(), 6);
    assert_eq!(r.approvals.len(), 3);
    let seqs: Vec<u64> = r.log.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=11).collect::<Vec<_>>());
    use relman::Trigger::*;
    assert_eq!(
        notified,
        [
            EnteredApproval,
            DeploymentStarted,
            DeploymentCompleted,
            Closed
        ]
    );
    assert!(r
        .log
        .iter()
        .all(|e| e.policy_fingerprint.starts_with("sha256:")));

    // The log verifies from its JSON text too, whatever the formatting.
    let text = serde_json::to_string_pretty(&r).unwrap();
    let again = relman::parse::<Release>(&text).unwrap().document;
    let verdict = verify_log(&again, Some(&r.log.last().unwrap().hash));
    assert!(verdict.valid, "{verdict:?}");

    // Terminal: nothing more happens.
    let err = fails(
        &r,
        &ctx,
        "alice",
        json!({"command": "cancel", "reason": "late"}),
    );
    assert_eq!(err.code(), ErrorCode::TransitionDenied);
}

#[test]
fn notifications_follow_the_plan() {
    let ctx = context();
    let r = release("testing");
    let out = run(&r, &ctx, "alice", json!({"command": "advance"}));
    assert_eq!(out.notifications.len(), 1);
    let n = &out.notifications[0];
    assert_eq!(n.trigger, relman::Trigger::EnteredApproval);
    let to: Vec<&str> = n.recipients.iter().map(|r| r.to.as_str()).collect();
    // Default rule: the owner and the approvers of a major release (CAB, product owner).
    assert_eq!(to, ["alice", "bob", "carol", "erin", "frank", "paula"]);
    assert_eq!(n.recipients[0].via, "owner");
    assert_eq!(n.recipients[1].via, "role:cab");
    assert!(
        n.subject.contains("REL-1") && n.subject.contains("awaiting approval"),
        "{}",
        n.subject
    );

    // A release's own plan replaces the defaults.
    let mut r = release("approval");
    r.communication.as_mut().unwrap().notify = serde_json::from_value(json!([
        {"on": ["cancelled"], "stakeholders": true, "named": ["#releases"]}
    ]))
    .unwrap();
    let out = run(
        &r,
        &ctx,
        "alice",
        json!({"command": "cancel", "reason": "superseded"}),
    );
    let n = &out.notifications[0];
    let to: Vec<&str> = n.recipients.iter().map(|r| r.to.as_str()).collect();
    assert_eq!(to, ["support@shop.example", "#releases"]);
    assert!(n.message.contains("Reason: superseded"), "{}", n.message);
}

mod separation_of_duties {
    use super::*;

    #[test]
    fn the_owner_cannot_approve() {
        let err = fails(
            &release("approval"),
            &context(),
            "alice",
            json!({"command": "approve", "role": "cab"}),
        );
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(err.to_body().rule.as_deref(), Some("sod.owner_approval"));
        assert!(
            err.to_string().contains("alice owns release REL-1"),
            "{err}"
        );
    }

    #[test]
    fn an_implementer_cannot_approve() {
        let err = fails(
            &release("approval"),
            &context(),
            "bob",
            json!({"command": "approve", "role": "cab"}),
        );
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(
            err.to_body().rule.as_deref(),
            Some("sod.implementer_approval")
        );
        assert!(err.to_string().contains("bob implements CHG1"), "{err}");
    }

    #[test]
    fn a_double_vote_counts_once() {
        let ctx = context();
        let mut r = release("approval");
        for (who, role) in [
            ("carol", "cab"),
            ("carol", "cab"),
            ("paula", "product_owner"),
        ] {
            r = run(&r, &ctx, who, json!({"command": "approve", "role": role})).release;
        }
        assert_eq!(r.approvals.len(), 3);
        let report = check(&r, State::Deployment, &ctx);
        let q = requirement(&report, "approval.quorum");
        assert!(!q.met);
        assert!(q.message.contains("cab 1 of 2"), "{}", q.message);
        // One person in two roles also counts once: frank votes as cab, then
        // as product owner; his latest vote is the one that counts.
        let mut r = release("approval");
        for (who, role) in [
            ("carol", "cab"),
            ("frank", "cab"),
            ("frank", "product_owner"),
        ] {
            r = run(&r, &ctx, who, json!({"command": "approve", "role": role})).release;
        }
        assert!(!met(&r, State::Deployment, &ctx, "approval.quorum"));
        // A vote copied in the document by hand is no second vote either:
        // the record reports it and the quorum is counted from the log.
        let mut r = release("approval");
        r = run(
            &r,
            &ctx,
            "carol",
            json!({"command": "approve", "role": "cab"}),
        )
        .release;
        let copy = r.approvals[0].clone();
        r.approvals.push(copy);
        reported_at(&r, State::Deployment, &ctx, "approvals[1]");
        let report = check(&r, State::Deployment, &ctx);
        let q = requirement(&report, "approval.quorum");
        assert!(q.message.contains("cab 1 of 2"), "{}", q.message);
    }

    #[test]
    fn a_command_without_its_role_is_forbidden() {
        let ctx = context();
        let err = fails(
            &approved(),
            &ctx,
            "quinn",
            json!({"command": "start_deployment"}),
        );
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(
            err.to_body().rule.as_deref(),
            Some("roles.start_deployment")
        );
        let err = fails(
            &release("approval"),
            &ctx,
            "quinn",
            json!({"command": "approve", "role": "cab"}),
        );
        assert_eq!(err.to_body().rule.as_deref(), Some("roles.vote_role"));
        // A role that does not vote on this kind of release.
        let err = fails(
            &release("approval"),
            &ctx,
            "ed",
            json!({"command": "approve", "role": "ecab"}),
        );
        assert_eq!(err.to_body().rule.as_deref(), Some("roles.vote_role"));
    }

    #[test]
    fn an_unknown_actor_is_forbidden() {
        let err = fails(
            &release("approval"),
            &context(),
            "mallory",
            json!({"command": "approve", "role": "cab"}),
        );
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(err.to_body().rule.as_deref(), Some("roles.directory"));
        assert!(
            err.to_string()
                .contains("`mallory` is not in the directory"),
            "{err}"
        );
        let err = fails(
            &release("approval"),
            &Context::default(),
            "carol",
            json!({"command": "approve", "role": "cab"}),
        );
        assert_eq!(err.code(), ErrorCode::Forbidden);
    }

    #[test]
    fn the_policy_can_tighten_separation_of_duties() {
        let mut ctx = context();
        let mut p = relman::Policy::default();
        p.lifecycle.separation_of_duties.forbid_team_approval = true;
        p.lifecycle
            .separation_of_duties
            .forbid_implementer_uat_signoff = true;
        ctx.policy = Some(p);
        let mut r = planning();
        r.team.push("erin".into());
        let r = reach(r, "approval");
        let err = fails(
            &r,
            &ctx,
            "erin",
            json!({"command": "approve", "role": "cab"}),
        );
        assert_eq!(err.to_body().rule.as_deref(), Some("sod.team_approval"));
        let err = fails(
            &release("testing"),
            &ctx,
            "quinn",
            json!({"command": "record_tests",
            "tests": [{"kind": "uat", "passed": 1, "failed": 0, "signed_off_by": "dan"}]}),
        );
        assert_eq!(
            err.to_body().rule.as_deref(),
            Some("sod.implementer_uat_signoff")
        );
    }

    #[test]
    fn hand_written_conflicted_votes_do_not_count() {
        let ctx = context();
        let mut r = approved();
        // Replace erin's vote by one from the owner, written straight into
        // the document: the record reports it…
        r.approvals[1].approver = "alice".into();
        reported_at(&r, State::Deployment, &ctx, "approvals[1].approver");
        // …and the quorum counts the log's votes: the forged one never
        // counts, erin's (cast by the event) still does.
        let report = check(&r, State::Deployment, &ctx);
        let q = requirement(&report, "approval.quorum");
        assert!(q.met, "{q:?}");
        assert_eq!(q.data["rules"][0]["approvers"], json!(["carol", "erin"]));
        assert_eq!(q.data["excluded"], json!([]));
        let err = fails(&r, &ctx, "rita", json!({"command": "start_deployment"}));
        assert_eq!(err.code(), ErrorCode::LogTampered);
        assert_eq!(err.path(), Some("approvals[1].approver"));
    }

    #[test]
    fn imported_votes_are_checked_like_cast_ones() {
        let ctx = context();
        let vote = |who: &str| {
            json!({"command": "import", "source": "servicenow:acme", "records": ["a1"],
                   "approvals": [{"approver": who, "role": "cab", "decision": "approved",
                                  "at": "2026-12-01T09:00:00Z"}]})
        };
        // The owner's vote, cast in another system, is refused like an
        // `approve` by the owner.
        let err = fails(&release("approval"), &ctx, "rita", vote("alice"));
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(err.to_body().rule.as_deref(), Some("sod.owner_approval"));
        // erin's vote, imported instead of cast, counts and says so.
        let r = drive(
            planning(),
            State::Approval,
            &ctx,
            true,
            Some(("erin", "approve")),
        );
        assert!(!met(&r, State::Deployment, &ctx, "approval.quorum"));
        let r = run(&r, &ctx, "rita", vote("erin")).release;
        assert_eq!(r.approvals[2].source.as_deref(), Some("servicenow:acme"));
        let report = check(&r, State::Deployment, &ctx);
        assert!(report.allowed, "{:#?}", report.unmet().collect::<Vec<_>>());
        let q = requirement(&report, "approval.quorum");
        assert_eq!(
            q.data["vouched_by_import"],
            json!([{"approver": "erin", "role": "cab", "source": "servicenow:acme"}])
        );
        let log = requirement(&report, "record.log");
        assert_eq!(log.data["imports"][0]["source"], "servicenow:acme");
        assert_eq!(log.data["imports"][0]["records"], json!(["a1"]));
        assert_eq!(log.data["imports"][0]["adopt"], false);
        // Its source is part of the record: dropping it is a difference.
        let mut forged = r.clone();
        forged.approvals[2].source = None;
        reported_at(&forged, State::Deployment, &ctx, "approvals[2].source");
    }

    #[test]
    fn recorded_votes_a_tightened_policy_forbids_do_not_count() {
        // erin is on the release team and approves under the default policy…
        let mut r = planning();
        r.team.push("erin".into());
        let r = approved_from(r);
        assert!(check(&r, State::Deployment, &context()).allowed);
        // …which is then tightened: her recorded vote is excluded.
        let mut ctx = context();
        let mut p = relman::Policy::default();
        p.lifecycle.separation_of_duties.forbid_team_approval = true;
        ctx.policy = Some(p);
        let report = check(&r, State::Deployment, &ctx);
        let q = requirement(&report, "approval.quorum");
        assert!(!q.met, "{q:?}");
        assert_eq!(q.data["excluded"][0]["approver"], "erin");
        assert!(
            q.data["excluded"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("release team"),
            "{q:?}"
        );
        assert!(requirement(&report, "record.log").met);
    }

    #[test]
    fn whoever_approved_does_not_deploy() {
        let ctx = context();
        // carol approved as CAB; were she a release manager too, she still
        // could not start the deployment.
        let mut ctx2 = ctx.clone();
        ctx2.actors
            .iter_mut()
            .find(|a| a.id == "carol")
            .unwrap()
            .roles
            .push(relman::Role::ReleaseManager);
        let r = approved();
        let err = fails(&r, &ctx2, "carol", json!({"command": "start_deployment"}));
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(
            err.to_body().rule.as_deref(),
            Some("sod.approver_deployment")
        );
        // Relaxed by the policy, the event says so.
        let mut p = relman::Policy::default();
        p.lifecycle.separation_of_duties.forbid_approver_deployment = false;
        ctx2.policy = Some(p);
        let out = run(&r, &ctx2, "carol", json!({"command": "start_deployment"}));
        assert_eq!(
            out.events[0].details["sod_relaxed"],
            json!(["separation_of_duties.forbid_approver_deployment"])
        );
        // Someone who did not vote deploys without either.
        let out = run(&r, &ctx, "alice", json!({"command": "start_deployment"}));
        assert!(out.events[0].details.get("sod_relaxed").is_none());
    }
}

mod rounds {
    use super::*;

    #[test]
    fn a_send_back_voids_the_approvals() {
        let ctx = context();
        let r = approved();
        assert!(check(&r, State::Deployment, &ctx).allowed);
        let r = run(
            &r,
            &ctx,
            "carol",
            json!({"command": "send_back", "to": "development", "reason": "defect found"}),
        )
        .release;
        assert_eq!(r.state, State::Development);
        assert_eq!(r.approval_round, Some(2));
        let r = run(&r, &ctx, "alice", json!({"command": "advance"})).release;
        let r = run(&r, &ctx, "alice", json!({"command": "advance"})).release;
        assert_eq!(r.state, State::Approval);
        let report = check(&r, State::Deployment, &ctx);
        let q = requirement(&report, "approval.quorum");
        assert!(!q.met, "{q:?}");
        assert_eq!(q.data["excluded"].as_array().unwrap().len(), 3);
        assert!(q.data["excluded"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("voided by a send-back"));
        // A new round of votes satisfies it again.
        let mut r = r;
        for (who, role) in [
            ("carol", "cab"),
            ("erin", "cab"),
            ("paula", "product_owner"),
        ] {
            r = run(&r, &ctx, who, json!({"command": "approve", "role": role})).release;
        }
        assert!(check(&r, State::Deployment, &ctx).allowed);
    }

    /// `amend {reason, set}` of `field` to its value in `edited`.
    fn amend(field: &str, edited: &Release) -> Value {
        let value = serde_json::to_value(edited).unwrap()[field].clone();
        json!({"command": "amend", "reason": "re-planned", "set": {field: value}})
    }

    /// After an amendment in approval: the round's votes are void (each
    /// excluded as voided), a new round has started, the record holds.
    fn voided(r: &Release, ctx: &Context) {
        assert_eq!(r.approval_round, Some(2));
        let report = check(r, State::Deployment, ctx);
        assert!(requirement(&report, "record.log").met);
        let q = requirement(&report, "approval.quorum");
        assert!(!q.met, "{q:?}");
        assert_eq!(q.data["round"], 2);
        assert_eq!(q.data["excluded"].as_array().unwrap().len(), 3);
        assert!(
            q.data["excluded"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("an amendment"),
            "{q:?}"
        );
    }

    #[test]
    fn editing_the_window_after_approval_voids_the_approvals() {
        let ctx = context();
        let mut edited = approved();
        edited.planned_end = Some(relman::Timestamp::parse("2026-12-13T05:00:00+01:00").unwrap());
        // Through amend: the votes of the round are void.
        let out = run(&approved(), &ctx, "alice", amend("planned_end", &edited));
        assert_eq!(out.events[0].details["voided_round"], 1);
        assert_eq!(out.events[0].details["fields"], json!(["planned_end"]));
        assert!(out.events[0].details.get("seal").is_some(), "sealed anew");
        let mut r = out.release;
        assert_eq!(r.planned_end, edited.planned_end);
        voided(&r, &ctx);
        // A new round of votes satisfies the quorum again.
        for (who, role) in [
            ("carol", "cab"),
            ("erin", "cab"),
            ("paula", "product_owner"),
        ] {
            r = run(&r, &ctx, who, json!({"command": "approve", "role": role})).release;
        }
        assert!(check(&r, State::Deployment, &ctx).allowed);
        // Written straight into the document, the edit is reported.
        reported_at(&edited, State::Deployment, &ctx, "planned_end");
        // Writing the same instant in another offset is not an edit.
        let mut r = approved();
        r.planned_end = Some(relman::Timestamp::parse("2026-12-13T03:00:00Z").unwrap());
        assert!(check(&r, State::Deployment, &ctx).allowed);
    }

    #[test]
    fn editing_scope_changes_or_cis_voids_the_approvals() {
        let ctx = context();
        type Edit = fn(&mut Release);
        // (the field amend sets, the edit, the path the record reports)
        let edits: Vec<(&str, Edit, &str)> = vec![
            ("scope", |r| r.scope = Some("Bigger scope".into()), "scope"),
            (
                "changes",
                |r| r.changes[0].affected_cis.push("web-2".into()),
                "changes[0]",
            ),
            (
                "changes",
                |r| r.changes.pop().map(drop).unwrap_or_default(),
                "changes",
            ),
            (
                "affected_cis",
                |r| r.affected_cis.push("lb-1".into()),
                "affected_cis",
            ),
        ];
        for (field, edit, path) in edits {
            let mut edited = approved();
            edit(&mut edited);
            // Written straight into the document: reported at its path.
            reported_at(&edited, State::Deployment, &ctx, path);
            // Through amend: the round is void.
            let r = run(&approved(), &ctx, "alice", amend(field, &edited)).release;
            assert_eq!(
                serde_json::to_value(&r).unwrap()[field],
                serde_json::to_value(&edited).unwrap()[field]
            );
            voided(&r, &ctx);
        }
        // Knowledge articles and the communication are no part of what was
        // approved: amending them keeps the round.
        let r = run(
            &approved(),
            &ctx,
            "alice",
            json!({"command": "amend", "reason": "linked", "set": {"knowledge_articles": ["KB0001", "KB0002"]}}),
        )
        .release;
        assert_eq!(r.approval_round, None);
        assert!(check(&r, State::Deployment, &ctx).allowed);
    }

    #[test]
    fn a_later_approval_replaces_a_rejection() {
        let ctx = context();
        let r = approved();
        let r = run(
            &r,
            &ctx,
            "erin",
            json!({"command": "reject", "role": "cab", "comment": "not yet"}),
        )
        .release;
        assert!(!met(&r, State::Deployment, &ctx, "approval.no_rejection"));
        let r = run(
            &r,
            &ctx,
            "erin",
            json!({"command": "approve", "role": "cab"}),
        )
        .release;
        assert!(check(&r, State::Deployment, &ctx).allowed);
    }

    #[test]
    fn standard_changes_are_pre_approved() {
        let ctx = context();
        let mut r = planning();
        r.kind = relman::ReleaseKind::Minor;
        for c in &mut r.changes {
            c.kind = relman::ChangeKind::Standard;
            c.approved = false;
        }
        let r = reach(r, "approval");
        assert!(r.approvals.is_empty());
        let report = check(&r, State::Deployment, &ctx);
        assert!(report.allowed, "{:#?}", report.unmet().collect::<Vec<_>>());
        assert!(requirement(&report, "approval.quorum")
            .message
            .contains("pre-approved"));
    }

    #[test]
    fn a_percentage_quorum_counts_the_directory() {
        let mut ctx = context();
        ctx.policy = Some(
            serde_json::from_value(
                json!({"lifecycle": {"major": {"quorum": [{"role": "cab", "percentage": 60}]}}}),
            )
            .unwrap(),
        );
        // CAB members in the directory: alice, bob, carol, erin, frank → 60% is 3.
        let mut r = release("approval");
        for who in ["carol", "erin"] {
            r = run(&r, &ctx, who, json!({"command": "approve", "role": "cab"})).release;
        }
        let report = check(&r, State::Deployment, &ctx);
        let q = requirement(&report, "approval.quorum");
        assert!(!q.met && q.message.contains("cab 2 of 3"), "{q:?}");
        let r = run(
            &r,
            &ctx,
            "frank",
            json!({"command": "approve", "role": "cab"}),
        )
        .release;
        assert!(met(&r, State::Deployment, &ctx, "approval.quorum"));
    }

    #[test]
    fn a_high_risk_release_needs_the_extra_approver() {
        let mut ctx = context();
        ctx.risk_level = Some(relman::RiskLevel::Critical);
        let r = approved();
        assert!(!met(&r, State::Deployment, &ctx, "approval.risk"));
        let r = run(
            &r,
            &ctx,
            "bea",
            json!({"command": "approve", "role": "business_stakeholder"}),
        )
        .release;
        assert!(check(&r, State::Deployment, &ctx).allowed);
        // The level can also come from an assessment attached to the
        // release (a sealed field, set in planning).
        let mut r = planning();
        r.risk = Some(
            serde_json::from_value(json!({"level": "high", "score": 61.5, "factors": []})).unwrap(),
        );
        let r = approved_from(r);
        let report = check(&r, State::Deployment, &context());
        let risk = requirement(&report, "approval.risk");
        assert!(!risk.met, "{risk:?}");
        assert_eq!(risk.data["source"], "release.risk");
        assert!(requirement(&report, "record.log").met);
    }
}

mod emergency {
    use super::*;

    /// An emergency release with one emergency change and unit tests,
    /// driven to `state`.
    fn emergency(state: &str) -> Release {
        let mut r = planning();
        r.kind = relman::ReleaseKind::Emergency;
        r.changes.truncate(1);
        r.changes[0].kind = relman::ChangeKind::Emergency;
        r.tests.truncate(1);
        reach(r, state)
    }

    fn freeze(ctx: &mut Context) {
        ctx.calendar = Some(
            serde_json::from_value(json!({"blackouts": [{
            "id": "freeze", "name": "Year-end freeze",
            "start": "2026-12-12T00:00:00Z", "end": "2027-01-04T00:00:00Z"}]}))
            .unwrap(),
        );
    }

    #[test]
    fn one_ecab_approval_and_unit_tests_suffice() {
        let ctx = context();
        let r = emergency("testing");
        assert!(check(&r, State::Approval, &ctx).allowed, "reduced tests");
        let r = run(&r, &ctx, "alice", json!({"command": "advance"})).release;
        let r = run(
            &r,
            &ctx,
            "ed",
            json!({"command": "approve", "role": "ecab"}),
        )
        .release;
        assert!(check(&r, State::Deployment, &ctx).allowed);
    }

    #[test]
    fn a_blackout_needs_an_ecab_override() {
        let mut ctx = context();
        freeze(&mut ctx);
        let r = emergency("approval");
        let r = run(
            &r,
            &ctx,
            "ed",
            json!({"command": "approve", "role": "ecab"}),
        )
        .release;
        let report = check(&r, State::Deployment, &ctx);
        let b = requirement(&report, "approval.blackout");
        assert!(!b.met && b.message.contains("override_blackout"), "{b:?}");
        let r = run(
            &r,
            &ctx,
            "ed",
            json!({"command": "approve", "role": "ecab", "override_blackout": true}),
        )
        .release;
        assert!(check(&r, State::Deployment, &ctx).allowed);
        let out = run(&r, &ctx, "alice", json!({"command": "start_deployment"}));
        let event = out.events.last().unwrap();
        assert_eq!(
            event.details["blackout_override"]["override_by"], "ed",
            "the override is in the log"
        );
    }

    #[test]
    fn only_ecab_overrides_and_only_for_emergencies() {
        let mut ctx = context();
        freeze(&mut ctx);
        let err = fails(
            &release("approval"),
            &ctx,
            "carol",
            json!({"command": "approve", "role": "cab", "override_blackout": true}),
        );
        assert_eq!(
            err.to_body().rule.as_deref(),
            Some("roles.blackout_override")
        );
    }

    #[test]
    fn the_review_is_mandatory() {
        let mut ctx = context();
        ctx.policy = Some(
            serde_json::from_value(json!({"lifecycle": {"emergency": {"review_required": false}}}))
                .unwrap(),
        );
        let r = emergency("review");
        assert_eq!(r.outcome, Some(relman::Outcome::Success));
        assert!(!met(&r, State::Closed, &ctx, "review.completed"));
        let r = run(&r, &ctx, "alice", json!({"command": "complete_review"})).release;
        // The PIR of an emergency also links the incident (issue #20).
        assert!(met(&r, State::Closed, &ctx, "review.completed"));
        assert!(!met(&r, State::Closed, &ctx, "review.incident_linked"));
        let r = run(
            &r,
            &ctx,
            "alice",
            json!({"command": "complete_review", "incidents": ["INC0001"]}),
        )
        .release;
        assert!(check(&r, State::Closed, &ctx).allowed);
    }
}

#[test]
fn a_failed_deployment_needs_a_rollback_before_review() {
    let ctx = context();
    let r = run(
        &approved(),
        &ctx,
        "alice",
        json!({"command": "start_deployment"}),
    )
    .release;
    let out = run(
        &r,
        &ctx,
        "dan",
        json!({"command": "complete_deployment", "outcome": "failed"}),
    );
    assert_eq!(
        out.release.state,
        State::Deployment,
        "a failure waits for the rollback"
    );
    let r = out.release;
    assert!(!met(&r, State::Review, &ctx, "deployment.rollback"));
    let out = run(
        &r,
        &ctx,
        "dan",
        json!({"command": "roll_back", "reason": "payment errors"}),
    );
    assert_eq!(out.release.state, State::Review);
    assert_eq!(out.release.outcome, Some(relman::Outcome::Failed));
    assert_eq!(out.notifications[0].trigger, relman::Trigger::RolledBack);
    // Minor releases normally need no review, but a failed one does.
    let minor = || {
        let mut p = planning();
        p.kind = relman::ReleaseKind::Minor;
        p
    };
    assert!(check(&reach(minor(), "review"), State::Closed, &ctx).allowed);
    let mut r = reach(minor(), "deployment");
    for (who, command) in [
        (
            "dan",
            json!({"command": "complete_deployment", "outcome": "failed"}),
        ),
        ("dan", json!({"command": "roll_back"})),
    ] {
        r = run(&r, &ctx, who, command).release;
    }
    assert_eq!(r.state, State::Review);
    let report = check(&r, State::Closed, &ctx);
    let review = requirement(&report, "review.completed");
    assert!(!review.met, "{review:?}");
    assert_eq!(review.data["failed"], true);
    let r = run(&r, &ctx, "alice", json!({"command": "complete_review"})).release;
    assert!(met(&r, State::Closed, &ctx, "review.completed"));
    // A release in deployment cannot be cancelled.
    let r = run(
        &approved(),
        &ctx,
        "alice",
        json!({"command": "start_deployment"}),
    )
    .release;
    let err = fails(
        &r,
        &ctx,
        "alice",
        json!({"command": "cancel", "reason": "x"}),
    );
    assert!(
        err.to_string().contains("only leave through an outcome")
            || err.code() == ErrorCode::TransitionDenied
    );
}

#[test]
fn commands_out_of_place_are_denied() {
    let ctx = context();
    let err = fails(
        &release("planning"),
        &ctx,
        "carol",
        json!({"command": "approve", "role": "cab"}),
    );
    assert_eq!(err.code(), ErrorCode::TransitionDenied);
    let err = fails(
        &release("planning"),
        &ctx,
        "carol",
        json!({"command": "send_back", "to": "development", "reason": "x"}),
    );
    assert_eq!(err.code(), ErrorCode::TransitionDenied);
    let err = fails(
        &release("testing"),
        &ctx,
        "carol",
        json!({"command": "send_back", "to": "planning", "reason": "x"}),
    );
    assert_eq!(err.code(), ErrorCode::TransitionDenied);
    let err = fails(
        &release("testing"),
        &ctx,
        "carol",
        json!({"command": "send_back", "to": "development", "reason": " "}),
    );
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(err.path(), Some("reason"));
    let err = fails(
        &release("deployment"),
        &ctx,
        "alice",
        json!({"command": "advance"}),
    );
    assert_eq!(err.code(), ErrorCode::TransitionDenied);
}

#[test]
fn check_previews_every_gate_on_the_way() {
    let ctx = context();
    let mut r = planning();
    r.rollback_plan = None;
    let r = reach(r, "testing");
    let report = check(&r, State::Deployment, &ctx);
    assert!(!report.allowed);
    assert!(!requirement(&report, "lifecycle.path").met);
    assert!(requirement(&report, "testing.required_kinds").met);
    assert!(!requirement(&report, "approval.quorum").met);
    assert!(!requirement(&report, "approval.rollback_plan").met);
    let report = check(&release("closed"), State::Planning, &ctx);
    assert!(!report.allowed);
    assert_eq!(report.requirements[0].rule, "record.log");
    assert!(report.requirements[0].met);
    assert_eq!(report.requirements[1].rule, "lifecycle.transition");
    assert!(!report.requirements[1].met);
}

#[test]
fn a_tampered_log_stops_apply() {
    let ctx = context();
    let mut r = run(
        &release("planning"),
        &ctx,
        "alice",
        json!({"command": "advance"}),
    )
    .release;
    r.log[0].actor = "mallory".into();
    let err = fails(&r, &ctx, "alice", json!({"command": "advance"}));
    assert_eq!(err.code(), ErrorCode::LogTampered);
    assert_eq!(err.path(), Some("log[0]"));
}

#[test]
fn a_command_to_the_current_state_is_denied_and_terminal_states_absorb() {
    let ctx = context();
    let r = run(
        &approved(),
        &ctx,
        "alice",
        json!({"command": "start_deployment"}),
    )
    .release;
    let err = fails(&r, &ctx, "alice", json!({"command": "start_deployment"}));
    assert_eq!(err.code(), ErrorCode::TransitionDenied);
    let closed = release("closed");
    for command in [
        json!({"command": "close"}),
        json!({"command": "cancel", "reason": "x"}),
        json!({"command": "advance"}),
    ] {
        let err = fails(&closed, &ctx, "alice", command);
        assert_eq!(err.code(), ErrorCode::TransitionDenied);
    }
}

#[test]
fn a_recorded_failure_cannot_be_overwritten_by_a_success() {
    let ctx = context();
    let r = run(
        &approved(),
        &ctx,
        "alice",
        json!({"command": "start_deployment"}),
    )
    .release;
    let r = run(
        &r,
        &ctx,
        "dan",
        json!({"command": "complete_deployment", "outcome": "failed"}),
    )
    .release;
    let err = fails(
        &r,
        &ctx,
        "dan",
        json!({"command": "complete_deployment", "outcome": "success"}),
    );
    assert_eq!(err.code(), ErrorCode::TransitionDenied);
    assert!(err.to_string().contains("1 unmet requirement"), "{err}");
}

#[test]
fn commands_cannot_go_back_in_time() {
    let ctx = context();
    let r = run(
        &release("planning"),
        &ctx,
        "alice",
        json!({"command": "advance"}),
    )
    .release;
    let mut c = cmd("alice", json!({"command": "advance"}));
    c.at = relman::Timestamp::parse("2026-11-30T10:00:00Z").unwrap();
    let err = apply(&r, &c, &ctx).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(err.path(), Some("at"));
}

#[test]
fn separation_of_duties_is_reported_before_missing_roles() {
    // The owner holds no voting role at all; the refusal still names the
    // separation-of-duties rule.
    let mut ctx = context();
    ctx.actors[0].roles = vec![relman::Role::ReleaseManager];
    let err = fails(
        &release("approval"),
        &ctx,
        "alice",
        json!({"command": "approve", "role": "cab"}),
    );
    assert_eq!(err.to_body().rule.as_deref(), Some("sod.owner_approval"));
}

/// `Action::NAMES` is every command the `command` schema admits, in its
/// order (the CLI's `--command` takes its names from it).
#[test]
fn action_names_are_the_commands_of_the_schema() {
    fn consts(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(c) = map
                    .get("properties")
                    .and_then(|p| p.get("command"))
                    .and_then(|c| c.get("const"))
                    .and_then(serde_json::Value::as_str)
                {
                    out.push(c.to_string());
                }
                map.values().for_each(|v| consts(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| consts(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    consts(&relman::schema::schema("command").unwrap(), &mut found);
    assert_eq!(found, relman::Action::NAMES);
}

/// The typed verdict of a prepared context agrees with the rendered report
/// (allowed, every rule and whether it is met, the unmet rules), renders
/// exactly `check`'s report, and the rarely reached branches of the
/// converted gates render their sentences.
#[test]
fn the_typed_verdict_renders_the_report() {
    let calendar: relman::Calendar = serde_json::from_value(json!({"blackouts": [{
        "id": "off", "name": "Elsewhere", "severity": "block",
        "start": "2027-02-01T00:00:00Z", "end": "2027-02-02T00:00:00Z"}]}))
    .unwrap();
    let contexts: Vec<Context> = vec![
        context(),
        Context {
            risk_level: Some(relman::RiskLevel::Critical),
            ..context()
        },
        Context {
            calendar: Some(calendar),
            ..context()
        },
    ];
    let releases = vec![
        planning(),
        release("development"),
        approved(),
        release("deployment"),
    ];
    for ctx in &contexts {
        let prepared = relman::PreparedContext::new(ctx.clone());
        for r in &releases {
            for target in State::ALL {
                let verdict = prepared.verdict(r, target);
                let report = check(r, target, ctx);
                assert_eq!(verdict.report(), report, "{} to {target:?}", r.id);
                assert_eq!(verdict.allowed(), report.allowed);
                let rules: Vec<(&str, bool)> = verdict.requirements().collect();
                let expected: Vec<(&str, bool)> = report
                    .requirements
                    .iter()
                    .map(|q| (q.rule.as_str(), q.met))
                    .collect();
                assert_eq!(rules, expected);
                let unmet: Vec<&str> = verdict.unmet_rules().collect();
                let expected: Vec<&str> = report.unmet().map(|q| q.rule.as_str()).collect();
                assert_eq!(unmet, expected);
                assert_eq!(verdict.into_report(), report);
            }
        }
    }
    let message = |r: &Release, target: State, ctx: &Context, rule: &str| {
        requirement(&check(r, target, ctx), rule).message.clone()
    };
    let ctx = context();
    assert_eq!(
        message(&planning(), State::Cancelled, &ctx, "lifecycle.transition"),
        "a release in planning may be cancelled"
    );
    assert_eq!(
        message(
            &release("development"),
            State::Planning,
            &ctx,
            "lifecycle.transition"
        ),
        "no transition from development back to planning (back-steps: testing or approval to development)"
    );
    assert_eq!(
        message(
            &release("deployment"),
            State::Cancelled,
            &ctx,
            "lifecycle.transition"
        ),
        "a release in deployment can only leave through an outcome"
    );
    assert_eq!(
        message(
            &approved(),
            State::Deployment,
            &contexts[2],
            "approval.blackout"
        ),
        "the window is outside every blocking blackout"
    );
    let report = check(&approved(), State::Deployment, &contexts[2]);
    assert_eq!(
        requirement(&report, "approval.blackout").data,
        json!({"blackouts": []})
    );
    let risk = requirement(
        &check(&approved(), State::Deployment, &contexts[1]),
        "approval.risk",
    )
    .clone();
    assert!(
        risk.message.starts_with("risk critical is above ")
            && (risk.message.contains("but approved by")
                || risk.message.contains("): needs an approval from a ")),
        "{}",
        risk.message
    );
    assert_eq!(
        risk.data
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(
            [
                "extra_approver_role",
                "extra_approvers",
                "level",
                "max",
                "source"
            ]
            .map(String::from)
            .to_vec()
        )
    );
}

/// The exact message and data of the promotion order, conflicts and
/// outstanding rejection branches (as rendered before their findings were
/// typed).
#[test]
fn promotion_conflicts_and_rejection_render_their_old_sentences() {
    let got = |r: &Release, ctx: &Context, rule: &str| {
        let report = check(r, State::Deployment, ctx);
        let q = requirement(&report, rule);
        json!({"met": q.met, "message": q.message, "data": q.data})
    };
    let order = |envs: &[&str]| {
        let mut ctx = context();
        let mut p = relman::Policy::default();
        p.lifecycle.promotion_order = envs.iter().map(|s| s.to_string()).collect();
        ctx.policy = Some(p);
        ctx
    };
    let schedule = |others: Vec<Release>| {
        let mut ctx = context();
        let s: relman::Schedule = serde_json::from_value(json!({"releases": []})).unwrap();
        ctx.schedule = Some(relman::Schedule {
            releases: others,
            ..s
        });
        ctx
    };
    let mut other = approved();
    other.id = "REL-OTHER".into();
    let rejected = run(
        &approved(),
        &context(),
        "erin",
        json!({"command": "reject", "role": "cab", "comment": "not yet"}),
    )
    .release;
    let all = json!([
        got(
            &approved(),
            &order(&["staging", "production"]),
            "approval.promotion_order"
        ),
        got(&approved(), &order(&["qa"]), "approval.promotion_order"),
        got(
            &approved(),
            &order(&["production"]),
            "approval.promotion_order"
        ),
        got(&approved(), &schedule(Vec::new()), "approval.conflicts"),
        got(&approved(), &schedule(vec![other]), "approval.conflicts"),
        got(&rejected, &context(), "approval.no_rejection"),
    ]);
    // Computed by the eager gates before the conversion.
    let golden = r#"[{"data":{"found":[],"missing":["staging"],"order":["staging","production"],"target":"production"},"message":"production needs a successful deployment of REL-1 to staging first","met":false},{"data":{"order":["qa"]},"message":"the release targets no environment of the promotion order","met":true},{"data":{"found":[],"missing":[],"order":["production"],"target":"production"},"message":"promoted in order before production","met":true},{"data":{"blocking":[],"warnings":0},"message":"no blocking conflict in the schedule (0 warning conflict(s))","met":true},{"data":{"blocking":[{"cis":["db-1","web-1"],"explanation":"REL-1 and REL-OTHER both touch db-1, web-1 between 2026-12-13T00:00:00Z and 2026-12-13T03:00:00Z","items":["REL-1","REL-OTHER"],"kind":"ci_overlap","severity":"block","window":{"end":"2026-12-13T03:00:00Z","start":"2026-12-13T00:00:00Z"}}],"warnings":1},"message":"blocking conflicts: ci_overlap (REL-1, REL-OTHER)","met":false},{"data":[{"approver":"erin","comment":"not yet","role":"cab"}],"message":"rejected by erin","met":false}]"#;
    let golden: Value = serde_json::from_str(golden).unwrap();
    assert_eq!(all.to_string(), golden.to_string());
}

/// When no risk level is given and the release's risk cannot be assessed
/// (here a CMDB with a duplicate CI id), `approval.risk` is unmet with the
/// old sentence and data built from the assessment's error.
#[test]
fn an_unassessable_risk_renders_its_old_sentence() {
    let mut ctx = context();
    ctx.risk_level = None;
    ctx.cmdb = Some(
        serde_json::from_value(json!({"cis": [
            {"id": "db-1", "name": "db", "class": "database"}, {"id": "db-1", "name": "db", "class": "database"}]}))
        .unwrap(),
    );
    let mut r = approved();
    r.risk = None;
    let err = relman::assess_risk(&r, &ctx).unwrap_err();
    let report = check(&r, State::Deployment, &ctx);
    let q = requirement(&report, "approval.risk");
    assert!(!q.met);
    assert_eq!(
        q.message,
        format!("no risk level given and the risk could not be assessed: {err}")
    );
    let max = relman::Policy::default().lifecycle.gates(r.kind).max_risk;
    assert_eq!(
        q.data,
        json!({"level": null, "source": "assessed", "max": max, "error": err.to_body()})
    );
}

/// `approval.promotion_order` with an earlier environment deployed: the
/// old message and data (each deployment found by environment and id).
#[test]
fn a_promotion_found_in_the_history_renders_its_old_data() {
    let mut ctx = context();
    let mut p = relman::Policy::default();
    p.lifecycle.promotion_order = vec!["staging".into(), "production".into()];
    ctx.policy = Some(p);
    let r = approved();
    ctx.history = Some(
        serde_json::from_value(json!({"deployments": [{
            "id": "D-7", "release_id": r.id, "service": "web", "environment": "staging",
            "finished_at": "2026-11-28T10:00:00Z", "outcome": "success"}]}))
        .unwrap(),
    );
    let report = check(&r, State::Deployment, &ctx);
    let q = requirement(&report, "approval.promotion_order");
    assert!(q.met);
    assert_eq!(q.message, "promoted in order before production");
    assert_eq!(
        q.data.to_string(),
        json!({"order": ["staging", "production"], "target": "production",
               "found": [{"environment": "staging", "deployment": "D-7"}], "missing": []})
        .to_string()
    );
}

/// A prepared context reuses a cached verification only for a release that
/// serialises exactly as the one verified: after a warm check of the
/// genuine release, an earlier event edited behind the unchanged head, an
/// event's time rewritten in another offset (the same instant, so equal as
/// a document, but another hash), and a document time rewritten likewise
/// are each judged afresh — reported exactly as `check` reports them, the
/// edited log denied.
#[test]
fn a_prepared_context_never_reuses_a_check_for_another_document() {
    let ctx = context();
    let genuine = approved();
    let head = genuine.log.last().map(|e| e.hash.clone());
    let edit = |f: &dyn Fn(&mut Value)| -> Release {
        let mut v = serde_json::to_value(&genuine).unwrap();
        f(&mut v);
        serde_json::from_value(v).unwrap()
    };
    let at = genuine.log[1].at.to_string();
    assert_eq!(at, AT);
    let edits = [
        edit(&|v| v["log"][0]["actor"] = json!("mallory")),
        edit(&|v| v["log"][1]["at"] = json!("2026-12-13T01:30:00+01:00")),
        edit(&|v| v["log"][1]["details"]["note"] = json!("added")),
        edit(&|v| {
            v["planned_start"] = json!(v["planned_start"]
                .as_str()
                .map(|s| s.replace('Z', "+00:00")))
        }),
    ];
    // The time rewritten in another offset is the same document to `==`.
    assert_eq!(edits[1], genuine);
    for edited in &edits {
        assert_eq!(edited.log.last().map(|e| e.hash.clone()), head);
    }
    for target in [State::Deployment, State::Approval] {
        let prepared = relman::PreparedContext::new(ctx.clone());
        let warm = prepared.check(&genuine, target);
        assert_eq!(warm, check(&genuine, target, &ctx));
        assert_eq!(prepared.check(&genuine, target), warm);
        for (i, edited) in edits.iter().enumerate() {
            let want = check(edited, target, &ctx);
            if i < 3 {
                assert!(!requirement(&want, "record.log").met, "edit {i}: {want:#?}");
            }
            assert_eq!(prepared.check(edited, target), want, "edit {i}");
            assert_eq!(prepared.verdict(edited, target).report(), want, "edit {i}");
            // And the genuine one is still served from its own entry.
            assert_eq!(prepared.check(&genuine, target), warm, "edit {i}");
        }
    }
}
