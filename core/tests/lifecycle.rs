//! The lifecycle engine: every default gate met and unmet, separation of
//! duties, approval rounds, the emergency path and the audit trail of
//! applied commands.

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
        "now": "2026-11-29T09:00:00Z"
    }))
    .unwrap()
}

/// A major release with everything every gate asks for, in `state`.
fn release(state: &str) -> Release {
    serde_json::from_value(json!({
        "id": "REL-1", "title": "Checkout 5.0", "version": "5.0.0", "kind": "major",
        "state": state, "owner": "alice", "team": ["bob", "dan"],
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
        "knowledge_articles": ["KB0001"],
        "review": {"completed_at": "2026-12-15T10:00:00Z", "summary": "went well"}
    }))
    .unwrap()
}

fn cmd(actor: &str, command: Value) -> Command {
    let mut c = command;
    c["actor"] = json!(actor);
    c["at"] = json!("2026-12-01T10:00:00Z");
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
    let ctx = context();
    let mut r = release("approval");
    for (who, role) in [
        ("carol", "cab"),
        ("erin", "cab"),
        ("paula", "product_owner"),
    ] {
        r = run(&r, &ctx, who, json!({"command": "approve", "role": role})).release;
    }
    r
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

/// Every default gate: met on the complete release, unmet after `break_it`.
#[test]
fn every_default_gate_is_met_and_unmet() {
    type Breaker = fn(&mut Release, &mut Context);
    let cases: Vec<(&str, State, &str, Breaker)> = vec![
        ("planning", State::Development, "planning.owner", |r, _| {
            r.owner = None
        }),
        ("planning", State::Development, "planning.scope", |r, _| {
            r.scope = Some(" ".into())
        }),
        ("planning", State::Development, "planning.window", |r, _| {
            r.planned_end = None
        }),
        (
            "planning",
            State::Development,
            "planning.communication_plan",
            |r, _| r.communication = None,
        ),
        (
            "development",
            State::Testing,
            "development.changes",
            |r, _| r.changes.clear(),
        ),
        (
            "development",
            State::Testing,
            "development.affected_cis",
            |r, _| r.changes[1].affected_cis.clear(),
        ),
        (
            "testing",
            State::Approval,
            "testing.required_kinds",
            |r, _| r.tests.retain(|t| t.kind != relman::TestKind::Performance),
        ),
        ("testing", State::Approval, "testing.pass_rate", |r, _| {
            r.tests[1].failed = 10
        }),
        ("testing", State::Approval, "testing.uat_signoff", |r, _| {
            r.tests[4].signed_off_by = None
        }),
        (
            "testing",
            State::Approval,
            "testing.security_failures",
            |r, c| {
                // With a lower security pass rate only this gate fails.
                r.tests[3].failed = 1;
                c.policy = Some(
                    serde_json::from_value(
                        json!({"lifecycle": {"major": {"min_security_pass_rate": 0.9}}}),
                    )
                    .unwrap(),
                );
            },
        ),
        ("approval", State::Deployment, "approval.quorum", |r, _| {
            r.approvals.remove(1);
        }),
        (
            "approval",
            State::Deployment,
            "approval.no_rejection",
            |r, _| {
                let mut v = r.approvals[0].clone();
                v.decision = relman::Decision::Rejected;
                v.approver = "frank".into();
                r.approvals.push(v);
            },
        ),
        (
            "approval",
            State::Deployment,
            "approval.rollback_plan",
            |r, _| r.rollback_plan.as_mut().unwrap().tested = false,
        ),
        (
            "approval",
            State::Deployment,
            "approval.changes_approved",
            |r, _| r.changes[0].approved = false,
        ),
        (
            "approval",
            State::Deployment,
            "approval.blackout",
            |_, c| {
                c.calendar = Some(
                    serde_json::from_value(json!({"blackouts": [{
                "id": "freeze", "name": "Year-end freeze", "severity": "block",
                "start": "2026-12-12T00:00:00Z", "end": "2027-01-04T00:00:00Z"}]}))
                    .unwrap(),
                );
            },
        ),
        ("approval", State::Deployment, "approval.risk", |_, c| {
            c.risk_level = Some(relman::RiskLevel::High)
        }),
        (
            "approval",
            State::Deployment,
            "approval.promotion_order",
            |_, c| {
                let mut p = relman::Policy::default();
                p.lifecycle.promotion_order = vec!["staging".into(), "production".into()];
                c.policy = Some(p);
            },
        ),
        ("deployment", State::Review, "deployment.outcome", |r, _| {
            r.outcome = None
        }),
        (
            "deployment",
            State::Review,
            "deployment.rollback",
            |r, _| r.outcome = Some(relman::Outcome::Failed),
        ),
        ("review", State::Closed, "review.completed", |r, _| {
            r.review = None
        }),
        (
            "review",
            State::Closed,
            "review.knowledge_articles",
            |r, _| r.knowledge_articles.clear(),
        ),
    ];
    for (state, target, rule, break_it) in cases {
        let mut r = if state == "approval" {
            approved()
        } else {
            release(state)
        };
        if state == "deployment" {
            r.outcome = Some(relman::Outcome::Success);
        }
        let mut ctx = context();
        let report = check(&r, target, &ctx);
        assert!(
            report.allowed,
            "{rule}: baseline should pass: {:#?}",
            report.unmet().collect::<Vec<_>>()
        );
        let had_rule = report.requirements.iter().any(|x| x.rule == rule);
        break_it(&mut r, &mut ctx);
        let report = check(&r, target, &ctx);
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

#[test]
fn a_denial_lists_every_unmet_gate() {
    let ctx = context();
    let mut r = release("planning");
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
    assert_eq!(
        report["requirements"].as_array().unwrap().len(),
        4,
        "met requirements are listed too"
    );
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
    let mut r = release("planning");
    r.review = None;
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
        let mut r = release("approval");
        r.team.push("erin".into());
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
        // Replace erin's vote by one from the owner, written straight into the document.
        let mut forged = r.approvals[1].clone();
        forged.approver = "alice".into();
        r.approvals[1] = forged;
        let report = check(&r, State::Deployment, &ctx);
        let q = requirement(&report, "approval.quorum");
        assert!(!q.met);
        assert_eq!(q.data["excluded"][0]["approver"], "alice");
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

    #[test]
    fn editing_the_window_after_approval_voids_the_approvals() {
        let ctx = context();
        let mut r = approved();
        r.planned_end = Some(relman::Timestamp::parse("2026-12-13T05:00:00+01:00").unwrap());
        let report = check(&r, State::Deployment, &ctx);
        let q = requirement(&report, "approval.quorum");
        assert!(!q.met);
        assert!(q.data["excluded"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("changed after this vote"));
        // Writing the same instant in another offset is not an edit.
        let mut r = approved();
        r.planned_end = Some(relman::Timestamp::parse("2026-12-13T03:00:00Z").unwrap());
        assert!(check(&r, State::Deployment, &ctx).allowed);
    }

    #[test]
    fn editing_scope_changes_or_cis_voids_the_approvals() {
        let ctx = context();
        let edits: Vec<fn(&mut Release)> = vec![
            |r| r.scope = Some("Bigger scope".into()),
            |r| r.changes[0].affected_cis.push("web-2".into()),
            |r| r.changes.pop().map(drop).unwrap_or_default(),
            |r| r.affected_cis.push("lb-1".into()),
        ];
        for edit in edits {
            let mut r = approved();
            edit(&mut r);
            assert!(!met(&r, State::Deployment, &ctx, "approval.quorum"));
        }
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
        let mut r = release("approval");
        r.kind = relman::ReleaseKind::Minor;
        for c in &mut r.changes {
            c.kind = relman::ChangeKind::Standard;
            c.approved = false;
        }
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
        // The level can also come from an assessment attached to the release.
        let mut r = approved();
        r.risk = Some(
            serde_json::from_value(json!({"level": "high", "score": 61.5, "factors": []})).unwrap(),
        );
        assert!(!met(&r, State::Deployment, &context(), "approval.risk"));
    }
}

mod emergency {
    use super::*;

    fn emergency(state: &str) -> Release {
        let mut r = release(state);
        r.kind = relman::ReleaseKind::Emergency;
        r.changes.truncate(1);
        r.changes[0].kind = relman::ChangeKind::Emergency;
        r.tests.truncate(1);
        r.review = None;
        r
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
        let mut r = emergency("review");
        r.outcome = Some(relman::Outcome::Success);
        assert!(!met(&r, State::Closed, &ctx, "review.completed"));
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
    let mut r = out.release;
    // Minor releases normally need no review, but a failed one does.
    r.kind = relman::ReleaseKind::Minor;
    r.review = None;
    r.log.clear();
    assert!(!met(&r, State::Closed, &ctx, "review.completed"));
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
    let mut r = release("testing");
    r.rollback_plan = None;
    let report = check(&r, State::Deployment, &ctx);
    assert!(!report.allowed);
    assert!(!requirement(&report, "lifecycle.path").met);
    assert!(requirement(&report, "testing.required_kinds").met);
    assert!(!requirement(&report, "approval.quorum").met);
    assert!(!requirement(&report, "approval.rollback_plan").met);
    let report = check(&release("closed"), State::Planning, &ctx);
    assert!(!report.allowed && report.requirements[0].rule == "lifecycle.transition");
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
    let mut closed = release("review");
    closed.outcome = Some(relman::Outcome::Success);
    let closed = run(&closed, &ctx, "alice", json!({"command": "close"})).release;
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
