//! Issue #20, "Delegation": an actor delegates their approval rights on a
//! release to another for a period (`delegate`, `revoke_delegation`,
//! logged commands); a delegated vote (`on_behalf_of`) names both people in
//! the gate report; delegation never lets anyone around separation of
//! duties, and one person counts once per quorum rule.
//!
//! The spec's roles: anna.jansen owns the release (release manager),
//! chidi.okafor deploys it (release manager), petra.mueller and
//! jonas.schmidt sit on the CAB, linh.nguyen and marco.rossi on the CAB and
//! the ECAB, ewa.kowalski is the product owner; bob.k is petra's deputy
//! (no CAB seat of his own). The major release needs CAB 2 + product
//! owner 1.

// Test helpers may unwrap, index and panic: a broken case should stop loudly
// (clippy.toml allows this inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::audit::{chain_seed, seal};
use relman::{
    apply, check, verify_log, Applied, Command, Context, DifferenceKind, Error, ErrorCode,
    GateReport, Release, Requirement, State,
};
use serde_json::{json, Value};

const MAJOR: &str = include_str!("../../examples/data/release-major.json");
const CONTEXT: &str = include_str!("../../examples/data/context.json");

const UNTIL: &str = "2026-11-27T00:00:00Z";

/// Inside the bundled major release's window (`deployment.window`).
const START: &str = "2026-12-13T01:30:00+01:00";

/// The sample directory with petra's deputy bob.k.
fn ctx() -> Context {
    ctx_with(|_| {})
}

fn ctx_with(f: impl FnOnce(&mut Value)) -> Context {
    let mut v: Value = serde_json::from_str(CONTEXT).unwrap();
    // What readiness needs (docs/lifecycle.md, "Readiness"), empty: these
    // tests are about other rules.
    v["calendar"] = json!({});
    v["schedule"] = json!({"releases": []});
    v["cmdb"] = json!({});
    v["actors"].as_array_mut().unwrap().push(json!({
        "id": "bob.k", "name": "Bob König", "roles": ["business_stakeholder"]
    }));
    f(&mut v);
    serde_json::from_value(v).unwrap()
}

fn grant(v: &mut Value, id: &str, role: &str) {
    let actors = v["actors"].as_array_mut().unwrap();
    let actor = actors.iter_mut().find(|a| a["id"] == id).unwrap();
    actor["roles"].as_array_mut().unwrap().push(json!(role));
}

fn planning() -> Release {
    serde_json::from_str(MAJOR).unwrap()
}

/// One minute per event of the log.
fn next_at(r: &Release) -> String {
    format!("2026-11-20T10:{:02}:00Z", r.log.len())
}

fn cmd(r: &Release, actor: &str, command: &Value) -> Command {
    let mut v = command.clone();
    v["actor"] = json!(actor);
    if v.get("at").is_none() {
        v["at"] = json!(next_at(r));
    }
    serde_json::from_value(v).unwrap()
}

fn run_in(r: &Release, c: &Context, actor: &str, command: Value) -> Applied {
    apply(r, &cmd(r, actor, &command), c).unwrap_or_else(|e| {
        panic!(
            "{command} by {actor} failed: {e}\n{:#}",
            serde_json::to_value(e.to_body()).unwrap()
        )
    })
}

fn run(r: &Release, actor: &str, command: Value) -> Release {
    run_in(r, &ctx(), actor, command).release
}

fn fails_in(r: &Release, c: &Context, actor: &str, command: Value) -> Value {
    let before = r.clone();
    let result = apply(r, &cmd(r, actor, &command), c);
    assert_eq!(*r, before, "the input release must not change");
    match result {
        Ok(applied) => panic!(
            "{command} by {actor} was applied: {:#?}",
            applied.events.last()
        ),
        Err(e) => body(&e),
    }
}

fn fails(r: &Release, actor: &str, command: Value) -> Value {
    fails_in(r, &ctx(), actor, command)
}

fn body(e: &Error) -> Value {
    serde_json::to_value(e.to_body()).unwrap()
}

/// `forbidden` with `rule`; the message, for more assertions.
fn forbidden(b: &Value, rule: &str) -> String {
    assert_eq!(b["code"], "forbidden", "{b:#}");
    assert_eq!(b["rule"], rule, "{b:#}");
    b["message"].as_str().unwrap().to_string()
}

/// `invalid_input` at `path`.
fn invalid_at(b: &Value, path: &str) {
    assert_eq!(b["code"], "invalid_input", "{b:#}");
    assert_eq!(b["path"], path, "{b:#}");
}

fn in_approval() -> Release {
    let mut r = planning();
    for _ in 0..3 {
        r = run(&r, "anna.jansen", json!({"command": "advance"}));
    }
    assert_eq!(r.state, State::Approval);
    r
}

fn delegate(r: &Release, from: &str, to: &str) -> Release {
    run(
        r,
        from,
        json!({"command": "delegate", "to": to, "until": UNTIL, "comment": "on leave"}),
    )
}

fn approve(r: &Release, who: &str, role: &str) -> Release {
    run(r, who, json!({"command": "approve", "role": role}))
}

fn approve_for(r: &Release, who: &str, principal: &str, role: &str) -> Release {
    run(
        r,
        who,
        json!({"command": "approve", "role": role, "on_behalf_of": principal}),
    )
}

fn requirement<'a>(report: &'a GateReport, rule: &str) -> &'a Requirement {
    report
        .requirements
        .iter()
        .find(|r| r.rule == rule)
        .unwrap_or_else(|| panic!("no requirement {rule} in {:#?}", report.requirements))
}

fn approvers(report: &GateReport, role: &str) -> Vec<String> {
    let q = requirement(report, "approval.quorum");
    let rule = q.data["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == role)
        .unwrap();
    let mut out: Vec<String> = serde_json::from_value(rule["approvers"].clone()).unwrap();
    out.sort();
    out
}

fn quorum(r: &Release) -> Requirement {
    requirement(&check(r, State::Deployment, &ctx()), "approval.quorum").clone()
}

/// petra.mueller (CAB) is away: she delegates to her deputy bob.k, who
/// votes on her behalf; with jonas.schmidt and ewa.kowalski the quorum is
/// met and the report names both bob.k and petra.mueller.
fn delegated_quorum() -> Release {
    let r = delegate(&in_approval(), "petra.mueller", "bob.k");
    let r = approve_for(&r, "bob.k", "petra.mueller", "cab");
    let r = approve(&r, "jonas.schmidt", "cab");
    approve(&r, "ewa.kowalski", "product_owner")
}

#[test]
fn a_delegate_votes_while_the_approver_is_away_and_the_report_names_both() {
    let r = delegated_quorum();
    // The event of the delegation and of the vote seal what the gates read.
    let granted = &r.log[3];
    assert_eq!(granted.command, "delegate");
    assert_eq!(granted.actor, "petra.mueller");
    assert_eq!(granted.details["to"], "bob.k");
    assert_eq!(granted.details["from"], "2026-11-20T10:03:00Z");
    assert_eq!(granted.details["until"], UNTIL);
    assert_eq!(granted.details["comment"], "on leave");
    assert_eq!(
        (granted.from, granted.to),
        (State::Approval, State::Approval)
    );
    let cast = &r.log[4];
    assert_eq!(cast.actor, "bob.k");
    assert_eq!(cast.details["on_behalf_of"], "petra.mueller");
    assert_eq!(r.approvals[0].approver, "bob.k");
    assert_eq!(
        r.approvals[0].on_behalf_of.as_deref(),
        Some("petra.mueller")
    );

    let report = check(&r, State::Deployment, &ctx());
    let q = requirement(&report, "approval.quorum");
    assert!(q.met, "{q:#?}");
    assert_eq!(
        q.message,
        "approval quorum met in round 1; delegated: bob.k for petra.mueller (cab)"
    );
    // The quorum counts the principal; the delegated vote names both.
    assert_eq!(
        approvers(&report, "cab"),
        ["jonas.schmidt", "petra.mueller"]
    );
    assert_eq!(
        q.data["delegated"],
        json!([{
            "approver": "bob.k", "on_behalf_of": "petra.mueller", "role": "cab",
            "decision": "approved",
            "delegation": {"from": "2026-11-20T10:03:00Z", "until": UNTIL, "seq": 4},
        }])
    );
    assert!(report.allowed, "{:#?}", report.unmet().collect::<Vec<_>>());
    assert!(verify_log(&r, None).valid);
    let r = run(
        &r,
        "chidi.okafor",
        json!({"command": "start_deployment", "at": START}),
    );
    assert_eq!(r.state, State::Deployment);
}

#[test]
fn a_report_without_delegation_keeps_its_shape() {
    let r = approve(&in_approval(), "petra.mueller", "cab");
    let q = quorum(&r);
    assert!(q.data.get("delegated").is_none(), "{q:#?}");
    assert_eq!(
        q.message,
        "approval quorum not met in round 1: cab 1 of 2, product_owner 0 of 1"
    );
}

#[test]
fn an_expired_delegation_is_refused_and_named() {
    let r = delegate(&in_approval(), "petra.mueller", "bob.k");
    let b = fails(
        &r,
        "bob.k",
        json!({"command": "approve", "role": "cab", "on_behalf_of": "petra.mueller", "at": UNTIL}),
    );
    let m = forbidden(&b, "approval.delegation");
    assert!(
        m.contains("delegated from 2026-11-20T10:03:00Z until 2026-11-27T00:00:00Z (seq 4)"),
        "{m}"
    );
    // A delegation still to start does not cover today either.
    let r = run(
        &in_approval(),
        "petra.mueller",
        json!({"command": "delegate", "to": "bob.k", "from": "2026-11-24T00:00:00Z", "until": UNTIL}),
    );
    let b = fails(
        &r,
        "bob.k",
        json!({"command": "approve", "role": "cab", "on_behalf_of": "petra.mueller"}),
    );
    forbidden(&b, "approval.delegation");
    // Inside the period it counts.
    let r = run(
        &r,
        "bob.k",
        json!({"command": "approve", "role": "cab", "on_behalf_of": "petra.mueller", "at": "2026-11-24T00:00:00Z"}),
    );
    assert_eq!(
        approvers(&check(&r, State::Deployment, &ctx()), "cab"),
        ["petra.mueller"]
    );
}

#[test]
fn a_vote_on_behalf_without_a_delegation_is_refused() {
    let r = delegate(&in_approval(), "petra.mueller", "bob.k");
    let b = fails(
        &r,
        "bob.k",
        json!({"command": "approve", "role": "cab", "on_behalf_of": "jonas.schmidt"}),
    );
    let m = forbidden(&b, "approval.delegation");
    assert!(
        m.contains("records no delegation from jonas.schmidt to bob.k"),
        "{m}"
    );
    // Delegations are not transitive: bob.k cannot pass petra's rights on.
    let b = fails(
        &r,
        "linh.nguyen",
        json!({"command": "approve", "role": "cab", "on_behalf_of": "petra.mueller"}),
    );
    forbidden(&b, "approval.delegation");
}

#[test]
fn the_role_is_the_principals() {
    // ewa.kowalski (product owner) delegates to bob.k: he votes as product
    // owner for her, never as CAB.
    let r = delegate(&in_approval(), "ewa.kowalski", "bob.k");
    let b = fails(
        &r,
        "bob.k",
        json!({"command": "approve", "role": "cab", "on_behalf_of": "ewa.kowalski"}),
    );
    let m = forbidden(&b, "roles.vote_role");
    assert!(m.contains("ewa.kowalski does not hold the role cab"), "{m}");
    let r = approve_for(&r, "bob.k", "ewa.kowalski", "product_owner");
    assert_eq!(
        approvers(&check(&r, State::Deployment, &ctx()), "product_owner"),
        ["ewa.kowalski"]
    );
}

#[test]
fn the_owner_cannot_be_a_delegate_nor_delegate() {
    let r = in_approval();
    // The owner as delegate: refused when delegated.
    let b = fails(
        &r,
        "petra.mueller",
        json!({"command": "delegate", "to": "anna.jansen", "until": UNTIL}),
    );
    let m = forbidden(&b, "sod.owner_approval");
    assert!(m.contains("not even on behalf of petra.mueller"), "{m}");
    // An implementer as delegate: refused.
    let b = fails(
        &r,
        "petra.mueller",
        json!({"command": "delegate", "to": "sofia.alvarez", "until": UNTIL}),
    );
    forbidden(&b, "sod.implementer_approval");
    // The owner holding a CAB seat has no approval rights to delegate.
    let c = ctx_with(|v| grant(v, "anna.jansen", "cab"));
    let b = fails_in(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "delegate", "to": "bob.k", "until": UNTIL}),
    );
    let m = forbidden(&b, "sod.owner_approval");
    assert!(m.contains("no approval rights to delegate"), "{m}");
}

#[test]
fn a_delegate_who_joined_the_team_is_refused() {
    // petra delegates to bob.k; then the release team gains bob.k (an
    // amendment, which voids nothing outside approval).
    let r = delegate(&in_approval(), "petra.mueller", "bob.k");
    let r = approve_for(&r, "bob.k", "petra.mueller", "cab");
    let mut policy_ctx: Value = serde_json::from_str(CONTEXT).unwrap();
    policy_ctx["actors"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "bob.k", "roles": ["business_stakeholder"]}));
    policy_ctx["policy"] =
        json!({"lifecycle": {"separation_of_duties": {"forbid_team_approval": true}}});
    let strict: Context = serde_json::from_value(policy_ctx).unwrap();
    let mut amended = r.clone();
    amended = run_in(
        &amended,
        &strict,
        "anna.jansen",
        json!({"command": "amend", "reason": "bob joins the team", "set": {"team": ["bob.k"]}}),
    )
    .release;
    // The amendment in approval voided the round; a fresh delegated vote is
    // refused now that bob.k is on the team.
    let b = fails_in(
        &amended,
        &strict,
        "bob.k",
        json!({"command": "approve", "role": "cab", "on_behalf_of": "petra.mueller"}),
    );
    let m = forbidden(&b, "sod.team_approval");
    assert!(m.contains("not even on behalf of petra.mueller"), "{m}");
}

#[test]
fn one_person_counts_once_per_quorum_rule() {
    // petra delegates to linh.nguyen, who sits on the CAB herself: linh's
    // own vote and her vote for petra do not both count.
    let r = delegate(&in_approval(), "petra.mueller", "linh.nguyen");
    let r = approve(&r, "linh.nguyen", "cab");
    let r = approve_for(&r, "linh.nguyen", "petra.mueller", "cab");
    let report = check(&r, State::Deployment, &ctx());
    let q = requirement(&report, "approval.quorum");
    assert!(!q.met);
    assert_eq!(approvers(&report, "cab"), ["linh.nguyen"]);
    assert_eq!(
        q.data["excluded"],
        json!([{
            "approver": "linh.nguyen", "on_behalf_of": "petra.mueller",
            "reason": "linh.nguyen already counts in the cab quorum with their own vote; one person counts once per quorum rule",
        }])
    );
    assert!(q.data.get("delegated").is_none());

    // A delegate of two CAB members counts once too: the earlier vote.
    let r = delegate(&in_approval(), "petra.mueller", "bob.k");
    let r = delegate(&r, "jonas.schmidt", "bob.k");
    let r = approve_for(&r, "bob.k", "petra.mueller", "cab");
    let r = approve_for(&r, "bob.k", "jonas.schmidt", "cab");
    let report = check(&r, State::Deployment, &ctx());
    assert_eq!(approvers(&report, "cab"), ["petra.mueller"]);
    let q = requirement(&report, "approval.quorum");
    assert_eq!(q.data["excluded"][0]["on_behalf_of"], "jonas.schmidt");
    assert!(q.data["excluded"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("with the vote on behalf of petra.mueller"));
}

#[test]
fn the_principals_own_later_vote_replaces_the_delegated_one() {
    let r = delegate(&in_approval(), "petra.mueller", "bob.k");
    let r = approve_for(&r, "bob.k", "petra.mueller", "cab");
    let r = run(
        &r,
        "petra.mueller",
        json!({"command": "reject", "role": "cab", "comment": "back from leave: not yet"}),
    );
    let report = check(&r, State::Deployment, &ctx());
    assert!(approvers(&report, "cab").is_empty());
    assert!(!requirement(&report, "approval.no_rejection").met);
    assert!(requirement(&report, "approval.quorum")
        .data
        .get("delegated")
        .is_none());
}

#[test]
fn a_delegate_who_approved_cannot_deploy_and_neither_can_the_principal() {
    // chidi.okafor (release manager) holds a CAB seat here and is petra's
    // delegate: having approved for her, he may not start the deployment.
    let c = ctx_with(|v| grant(v, "chidi.okafor", "cab"));
    let r = run_in(
        &in_approval(),
        &c,
        "petra.mueller",
        json!({"command": "delegate", "to": "chidi.okafor", "until": UNTIL}),
    )
    .release;
    let r = run_in(
        &r,
        &c,
        "chidi.okafor",
        json!({"command": "approve", "role": "cab", "on_behalf_of": "petra.mueller"}),
    )
    .release;
    let r = run_in(
        &r,
        &c,
        "jonas.schmidt",
        json!({"command": "approve", "role": "cab"}),
    )
    .release;
    let r = run_in(
        &r,
        &c,
        "ewa.kowalski",
        json!({"command": "approve", "role": "product_owner"}),
    )
    .release;
    let b = fails_in(
        &r,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment", "at": START}),
    );
    forbidden(&b, "sod.approver_deployment");
}

#[test]
fn revoking_ends_the_delegation_but_keeps_the_votes_cast() {
    let r = delegate(&in_approval(), "petra.mueller", "bob.k");
    let r = approve_for(&r, "bob.k", "petra.mueller", "cab");
    let r = run(
        &r,
        "petra.mueller",
        json!({"command": "revoke_delegation", "to": "bob.k", "comment": "back early"}),
    );
    assert_eq!(r.log.last().unwrap().details["revoked"], json!([4]));
    assert_eq!(
        approvers(&check(&r, State::Deployment, &ctx()), "cab"),
        ["petra.mueller"]
    );
    let b = fails(
        &r,
        "bob.k",
        json!({"command": "reject", "role": "cab", "on_behalf_of": "petra.mueller"}),
    );
    let m = forbidden(&b, "approval.delegation");
    assert!(m.contains("revoked at 2026-11-20T10:05:00Z (seq 6)"), "{m}");
    // Nothing left to revoke.
    let b = fails(
        &r,
        "petra.mueller",
        json!({"command": "revoke_delegation", "to": "bob.k"}),
    );
    invalid_at(&b, "to");
    assert!(verify_log(&r, None).valid);
}

#[test]
fn bad_delegations_get_their_code_and_path() {
    let r = in_approval();
    let d = |v: Value| fails(&r, "petra.mueller", v);
    invalid_at(
        &d(json!({"command": "delegate", "to": " ", "until": UNTIL})),
        "to",
    );
    invalid_at(
        &d(json!({"command": "delegate", "to": "petra.mueller", "until": UNTIL})),
        "to",
    );
    // Another spelling of the same person is still oneself.
    let b = d(json!({"command": "delegate", "to": "Petra.Mueller", "until": UNTIL}));
    forbidden(&b, "identity.confusable");
    invalid_at(
        &d(json!({"command": "delegate", "to": "bob.k", "until": "2026-11-20T10:03:00Z"})),
        "until",
    );
    invalid_at(
        &d(
            json!({"command": "delegate", "to": "bob.k", "from": "2026-11-25T00:00:00Z", "until": "2026-11-24T00:00:00Z"}),
        ),
        "until",
    );
    invalid_at(
        &d(
            json!({"command": "delegate", "to": "bob.k", "from": "2026-11-19T00:00:00Z", "until": UNTIL}),
        ),
        "from",
    );
    let m = forbidden(
        &d(json!({"command": "delegate", "to": "nobody", "until": UNTIL})),
        "roles.directory",
    );
    assert!(m.contains("to `nobody` is not in the directory"), "{m}");
    // Who holds no voting role has nothing to delegate.
    let b = fails(
        &r,
        "lena.fischer",
        json!({"command": "delegate", "to": "bob.k", "until": UNTIL}),
    );
    forbidden(&b, "roles.delegate");
    // A missing until is a bad command document.
    let e = serde_json::from_value::<Command>(json!({
        "command": "delegate", "to": "bob.k", "actor": "petra.mueller", "at": "2026-11-20T10:03:00Z"
    }));
    assert!(e.is_err());
    // Votes on someone's behalf.
    let r = delegate(&r, "petra.mueller", "bob.k");
    invalid_at(
        &fails(
            &r,
            "bob.k",
            json!({"command": "approve", "role": "cab", "on_behalf_of": "bob.k"}),
        ),
        "on_behalf_of",
    );
    invalid_at(
        &fails(
            &r,
            "bob.k",
            json!({"command": "approve", "role": "cab", "on_behalf_of": ""}),
        ),
        "on_behalf_of",
    );
    let m = forbidden(
        &fails(
            &r,
            "bob.k",
            json!({"command": "approve", "role": "cab", "on_behalf_of": "nobody"}),
        ),
        "roles.directory",
    );
    assert!(m.contains("on_behalf_of `nobody`"), "{m}");
}

#[test]
fn delegation_runs_from_planning_to_approval() {
    // In planning (the delegation is the genesis that seals the release).
    let r = delegate(&planning(), "petra.mueller", "bob.k");
    assert_eq!(r.state, State::Planning);
    assert!(r.log[0].details.contains_key("seal"));
    assert!(verify_log(&r, None).valid);
    // Not once the deployment started.
    let r = delegated_quorum();
    let r = run(
        &r,
        "chidi.okafor",
        json!({"command": "start_deployment", "at": START}),
    );
    let b = fails(
        &r,
        "jonas.schmidt",
        json!({"command": "delegate", "to": "bob.k", "at": "2026-12-13T02:00:00+01:00",
               "until": "2026-12-20T00:00:00Z"}),
    );
    assert_eq!(b["code"], "transition_denied", "{b:#}");
}

#[test]
fn a_forged_delegation_is_caught_by_verify_log() {
    let r = delegated_quorum();
    // 1. A delegation written into the document's vote: not what the log
    //    cast.
    let mut edited = approve(&in_approval(), "jonas.schmidt", "cab");
    edited.approvals[0].on_behalf_of = Some("petra.mueller".to_string());
    let v = verify_log(&edited, None);
    assert!(
        v.differences
            .iter()
            .any(|d| d.kind == DifferenceKind::Edited && d.path == "approvals[0].on_behalf_of"),
        "{v:#?}"
    );
    let report = check(&edited, State::Deployment, &ctx());
    assert!(!requirement(&report, "record.log").met);

    // 2. A delegate event slipped into the log (no new hash): the chain
    //    breaks there.
    let mut inserted = r.clone();
    let mut forged = inserted.log[3].clone();
    forged.details.insert("to".into(), json!("marco.rossi"));
    inserted.log.insert(4, forged);
    let v = verify_log(&inserted, None);
    assert!(!v.valid);
    assert!(v.tamper.is_some());

    // 3. The whole chain rewritten (no key) with a delegation relman never
    //    records (ending before it starts): the replay reports it.
    let mut rewritten = r.clone();
    rewritten.log[3]
        .details
        .insert("until".into(), json!("2026-11-01T00:00:00Z"));
    let mut prev = chain_seed(&rewritten.id);
    for e in rewritten.log.iter_mut() {
        *e = seal(&prev, e.clone());
        prev = e.hash.clone();
    }
    let v = verify_log(&rewritten, None);
    assert!(
        v.differences
            .iter()
            .any(|d| d.kind == DifferenceKind::Unreadable && d.path == "log[3].details.until"),
        "{v:#?}"
    );
    let report = check(&rewritten, State::Deployment, &ctx());
    assert!(!report.allowed);
    // And the vote it covered does not count: no delegation covers it.
    let e: Error = apply(
        &rewritten,
        &cmd(
            &rewritten,
            "chidi.okafor",
            &json!({"command": "start_deployment"}),
        ),
        &ctx(),
    )
    .unwrap_err();
    assert_ne!(e.code(), ErrorCode::InvalidInput);
}
