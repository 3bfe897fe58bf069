//! Issue #20, approval routing: the policy's decision table routes a
//! release to approver groups (a database CI class to the DBA group), each
//! with its own quorum and order; the gate `approval.routing` lists each
//! group, the rule and values that matched, the votes counted and missing.
//! Scenarios with the spec's roles: release manager (rita), CAB (carol,
//! erin), ECAB (ed), product owner (paula) and DBAs (dora, dmitri).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::{
    apply, check, from_value, verify_log, Command, Context, ErrorCode, Policy, Release, State,
};
use serde_json::{json, Value};

/// The DBA row of the routing table.
fn dba_rule(quorum: Value) -> Value {
    json!({
        "id": "database-needs-dba",
        "description": "Database CIs need a DBA",
        "when": {"ci_classes": ["cmdb_ci_db_instance"]},
        "require": [{"group": "dba", "quorum": quorum}]
    })
}

fn policy_with(routing: Value) -> Value {
    json!({"lifecycle": {"routing": routing}})
}

fn cmdb() -> Value {
    json!({
        "cis": [
            {"id": "web-1", "name": "Web 1", "class": "cmdb_ci_web_server", "criticality": "high"},
            {"id": "db-orders-prd", "name": "Orders DB", "class": "cmdb_ci_db_instance",
             "criticality": "critical"}
        ]
    })
}

/// The directory with the spec's roles, the DBA group and the CAB group,
/// a CMDB and `policy`.
fn context_with(policy: Value, with_cmdb: bool) -> Context {
    let mut ctx = json!({
        "actors": [
            {"id": "rita", "roles": ["release_manager"]},
            {"id": "bob", "roles": ["release_team"]},
            {"id": "carol", "roles": ["cab"], "groups": ["cab"]},
            {"id": "erin", "roles": ["cab"], "groups": ["cab", "dba"]},
            {"id": "ed", "roles": ["ecab"], "groups": ["ecab"]},
            {"id": "paula", "roles": ["product_owner"]},
            {"id": "quinn", "roles": ["qa"]},
            {"id": "dora", "roles": ["release_team"], "groups": ["DBA"]},
            {"id": "dmitri", "roles": ["release_team"], "groups": ["dba"]}
        ],
        "policy": policy,
        "now": "2026-12-01T09:00:00Z",
        // What readiness needs besides the CMDB (docs/lifecycle.md,
        // "Readiness"), empty: these tests are about routing.
        "calendar": {},
        "schedule": {"releases": []}
    });
    if with_cmdb {
        ctx["cmdb"] = cmdb();
    }
    from_value::<Context>(ctx).unwrap().document
}

fn context(quorum: Value) -> Context {
    context_with(policy_with(json!({"rules": [dba_rule(quorum)]})), true)
}

/// A major release touching the orders database, in planning.
fn planning(cis: &[&str]) -> Release {
    serde_json::from_value(json!({
        "id": "REL-7", "title": "Orders 2.0", "version": "2.0.0", "kind": "major",
        "state": "planning", "owner": "rita", "team": ["bob"],
        "planned_start": "2026-12-13T01:00:00Z", "planned_end": "2026-12-13T04:00:00Z",
        "scope": "Orders schema v2",
        "changes": [
            {"id": "CHG1", "kind": "normal", "summary": "Schema migration",
             "affected_cis": cis, "implementer": "bob", "approved": true}
        ],
        "services": ["orders"], "environments": ["production"],
        "rollback_plan": {"documented": true, "tested": true},
        "tests": [
            {"kind": "unit", "passed": 10, "failed": 0},
            {"kind": "integration", "passed": 10, "failed": 0},
            {"kind": "performance", "passed": 10, "failed": 0},
            {"kind": "security", "passed": 10, "failed": 0},
            {"kind": "uat", "passed": 10, "failed": 0, "signed_off_by": "quinn"}
        ],
        "communication": {"plan": "Email", "stakeholders": ["ops@shop.example"]},
        "knowledge_articles": ["KB1"],
        "risk": {"level": "medium", "score": 40.0}
    }))
    .unwrap()
}

/// Inside the release's approved window (`deployment.window`).
const START: &str = "2026-12-13T01:30:00Z";

struct Clock(u32);

impl Clock {
    fn cmd(&mut self, actor: &str, command: Value) -> Command {
        self.0 += 1;
        let mut c = command;
        c["actor"] = json!(actor);
        if c.get("at").is_none() {
            c["at"] = json!(format!("2026-12-01T10:{:02}:00Z", self.0));
        }
        serde_json::from_value(c).unwrap()
    }
}

fn run(r: &Release, ctx: &Context, clock: &mut Clock, actor: &str, command: Value) -> Release {
    apply(r, &clock.cmd(actor, command.clone()), ctx)
        .unwrap_or_else(|e| panic!("{command} by {actor}: {e}"))
        .release
}

fn approve(role: &str, group: Option<&str>) -> Value {
    match group {
        Some(g) => json!({"command": "approve", "role": role, "group": g}),
        None => json!({"command": "approve", "role": role}),
    }
}

/// The release driven to approval with the CAB quorum (carol, erin) and
/// the product owner (paula) approved, none of them voting for a group.
fn in_approval(ctx: &Context, clock: &mut Clock, cis: &[&str]) -> Release {
    let mut r = planning(cis);
    for _ in 0..3 {
        r = run(&r, ctx, clock, "rita", json!({"command": "advance"}));
    }
    assert_eq!(r.state, State::Approval);
    for (who, role) in [
        ("carol", "cab"),
        ("erin", "cab"),
        ("paula", "product_owner"),
    ] {
        r = run(&r, ctx, clock, who, approve(role, None));
    }
    r
}

fn routing(r: &Release, ctx: &Context) -> relman::Requirement {
    let report = check(r, State::Deployment, ctx);
    report
        .requirements
        .into_iter()
        .find(|q| q.rule == "approval.routing")
        .unwrap_or_else(|| panic!("no approval.routing requirement"))
}

/// The DBA scenario proper: the CAB members here are not DBAs.
fn plain_context(quorum: Value) -> Context {
    let mut ctx = context(quorum);
    for a in &mut ctx.actors {
        if a.id == "erin" {
            a.groups = vec!["cab".to_string()];
        }
    }
    ctx
}

#[test]
fn missing_dba_vote_is_denied_then_the_dba_vote_meets_it() {
    let ctx = plain_context(json!("any"));
    let mut clock = Clock(0);
    let r = in_approval(&ctx, &mut clock, &["web-1", "db-orders-prd"]);
    let report = check(&r, State::Deployment, &ctx);
    assert!(!report.allowed);
    let req = routing(&r, &ctx);
    assert!(!req.met);
    assert_eq!(req.data["groups"][0]["status"], "missing");
    assert_eq!(req.data["groups"][0]["approvers"], json!([]));
    assert!(req.message.contains("dba 0 of 1"), "{}", req.message);
    // Every other requirement is met: only routing holds the release.
    let unmet: Vec<&str> = report
        .requirements
        .iter()
        .filter(|q| !q.met)
        .map(|q| q.rule.as_str())
        .collect();
    assert_eq!(unmet, ["approval.routing"]);
    let err = apply(
        &r,
        &clock.cmd("rita", json!({"command": "start_deployment", "at": START})),
        &ctx,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TransitionDenied);

    let r = run(
        &r,
        &ctx,
        &mut clock,
        "dora",
        approve("release_team", Some("dba")),
    );
    assert_eq!(r.approvals.last().unwrap().group.as_deref(), Some("dba"));
    assert_eq!(r.log.last().unwrap().details["group"], json!("dba"));
    let req = routing(&r, &ctx);
    assert!(req.met, "{}", req.message);
    assert_eq!(req.data["groups"][0]["approvers"], json!(["dora"]));
    assert_eq!(req.data["groups"][0]["status"], "met");
    assert!(check(&r, State::Deployment, &ctx).allowed);
    assert!(verify_log(&r, None).valid);
    let r = run(
        &r,
        &ctx,
        &mut clock,
        "rita",
        json!({"command": "start_deployment", "at": START}),
    );
    assert_eq!(r.state, State::Deployment);
}

#[test]
fn a_release_without_database_cis_needs_no_group() {
    let ctx = plain_context(json!("any"));
    let mut clock = Clock(0);
    let r = in_approval(&ctx, &mut clock, &["web-1"]);
    let req = routing(&r, &ctx);
    assert!(req.met);
    assert_eq!(req.data["groups"], json!([]));
    assert!(req.message.contains("no approval routing rule matches"));
}

#[test]
fn the_default_policy_has_no_routing_requirement() {
    let ctx = context_with(json!({}), true);
    let mut clock = Clock(0);
    let r = in_approval(&ctx, &mut clock, &["db-orders-prd"]);
    let report = check(&r, State::Deployment, &ctx);
    assert!(report
        .requirements
        .iter()
        .all(|q| q.rule != "approval.routing"));
    assert!(report.allowed);
}

#[test]
fn without_a_cmdb_a_ci_class_rule_fails_closed() {
    let ctx = context_with(
        policy_with(json!({"rules": [dba_rule(json!("any"))]})),
        false,
    );
    let mut clock = Clock(0);
    let r = in_approval(&ctx, &mut clock, &["db-orders-prd"]);
    let req = routing(&r, &ctx);
    assert!(!req.met);
    assert_eq!(req.data["undecided"][0]["rule"], "database-needs-dba");
    assert_eq!(req.data["undecided"][0]["missing"], "cmdb");
    assert!(req.message.contains("no CMDB"), "{}", req.message);
}

#[test]
fn a_ci_the_cmdb_does_not_know_fails_closed() {
    let ctx = plain_context(json!("any"));
    let mut clock = Clock(0);
    let r = in_approval(&ctx, &mut clock, &["web-1", "db-unknown"]);
    let req = routing(&r, &ctx);
    assert!(!req.met);
    assert_eq!(req.data["undecided"][0]["missing"], "cis");
    assert!(req.message.contains("db-unknown"), "{}", req.message);
}

#[test]
fn a_risk_condition_uses_the_release_risk_level() {
    let rule = json!({
        "id": "high-risk-needs-ecab", "when": {"min_risk": "high"},
        "require": [{"group": "ecab"}]
    });
    let ctx = context_with(policy_with(json!({"rules": [rule]})), true);
    let mut clock = Clock(0);
    let r = in_approval(&ctx, &mut clock, &["web-1"]);
    // The release's risk is medium: no match.
    assert!(routing(&r, &ctx).met);
    let mut high = ctx.clone();
    high.risk_level = Some(relman::RiskLevel::High);
    let req = routing(&r, &high);
    assert!(!req.met);
    assert_eq!(
        req.data["groups"][0]["rules"][0]["matched"]["risk_level"],
        json!({"level": "high", "source": "context.risk_level"})
    );
}

#[test]
fn order_a_group_after_another_counts_only_later_votes() {
    let routing_table = json!({"rules": [
        {"id": "db-cab-first", "when": {"ci_classes": ["cmdb_ci_db_instance"]},
         "require": [
            {"group": "cab", "quorum": {"count": 2}},
            {"group": "dba", "quorum": "any", "after": ["cab"]}
         ]}
    ]});
    let mut ctx = context_with(policy_with(routing_table), true);
    for a in &mut ctx.actors {
        if a.id == "erin" {
            a.groups = vec!["cab".to_string()];
        }
    }
    let mut clock = Clock(0);
    let mut r = planning(&["db-orders-prd"]);
    for _ in 0..3 {
        r = run(&r, &ctx, &mut clock, "rita", json!({"command": "advance"}));
    }
    // The DBA votes first: the CAB has not met its quorum.
    r = run(
        &r,
        &ctx,
        &mut clock,
        "dora",
        approve("release_team", Some("dba")),
    );
    r = run(&r, &ctx, &mut clock, "carol", approve("cab", None));
    let req = routing(&r, &ctx);
    let dba = &req.data["groups"][1];
    assert_eq!(dba["group"], "dba");
    assert_eq!(dba["status"], "waiting");
    assert_eq!(dba["waiting_for"], json!(["cab"]));
    assert!(req.message.contains("dba waits for cab"), "{}", req.message);
    r = run(&r, &ctx, &mut clock, "erin", approve("cab", None));
    r = run(
        &r,
        &ctx,
        &mut clock,
        "paula",
        approve("product_owner", None),
    );
    // The CAB is met; dora's vote came before it and does not count.
    let req = routing(&r, &ctx);
    assert_eq!(req.data["groups"][0]["status"], "met");
    let dba = &req.data["groups"][1];
    assert_eq!(dba["status"], "missing");
    assert_eq!(dba["approvers"], json!([]));
    assert_eq!(dba["not_counted"][0]["approver"], "dora");
    assert!(!req.met);
    // A DBA vote after the CAB's quorum counts.
    r = run(
        &r,
        &ctx,
        &mut clock,
        "dmitri",
        approve("release_team", Some("dba")),
    );
    let req = routing(&r, &ctx);
    assert!(req.met, "{}", req.message);
    assert_eq!(req.data["groups"][1]["approvers"], json!(["dmitri"]));
    assert!(check(&r, State::Deployment, &ctx).allowed);
}

fn dba_count_after(quorum: Value, voters: &[&str]) -> (bool, Value) {
    let ctx = plain_context(quorum);
    let mut clock = Clock(0);
    let mut r = in_approval(&ctx, &mut clock, &["db-orders-prd"]);
    for v in voters {
        r = run(
            &r,
            &ctx,
            &mut clock,
            v,
            approve("release_team", Some("dba")),
        );
    }
    let req = routing(&r, &ctx);
    (req.met, req.data["groups"][0].clone())
}

#[test]
fn quorums_any_all_count_and_percentage() {
    // any: one of the two DBAs.
    let (met, g) = dba_count_after(json!("any"), &["dora"]);
    assert!(met);
    assert_eq!(g["needed"], 1);
    // all: both DBAs (the group has two members).
    let (met, g) = dba_count_after(json!("all"), &["dora"]);
    assert!(!met);
    assert_eq!(
        (g["members"].clone(), g["needed"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(g["missing"], 1);
    let (met, _) = dba_count_after(json!("all"), &["dora", "dmitri"]);
    assert!(met);
    // count 2.
    let (met, g) = dba_count_after(json!({"count": 2}), &["dmitri"]);
    assert!(!met);
    assert_eq!(g["quorum"], json!({"count": 2}));
    // 50 % of two members is one.
    let (met, g) = dba_count_after(json!({"percentage": 50}), &["dmitri"]);
    assert!(met);
    assert_eq!(g["needed"], 1);
    // 51 % of two is two.
    let (met, g) = dba_count_after(json!({"percentage": 51}), &["dmitri"]);
    assert!(!met);
    assert_eq!(g["needed"], 2);
}

#[test]
fn a_vote_without_group_counts_for_every_group_of_the_voter_one_with_a_group_only_for_it() {
    // erin is in cab and dba: her plain CAB vote counts for the DBAs too.
    let table = json!({"rules": [
        {"id": "db", "when": {"ci_classes": ["cmdb_ci_db_instance"]},
         "require": [{"group": "cab", "quorum": {"count": 2}}, {"group": "dba"}]}
    ]});
    let ctx = context_with(policy_with(table), true);
    let mut clock = Clock(0);
    let r = in_approval(&ctx, &mut clock, &["db-orders-prd"]);
    let req = routing(&r, &ctx);
    assert!(req.met, "{}", req.message);
    assert_eq!(req.data["groups"][0]["approvers"], json!(["carol", "erin"]));
    assert_eq!(req.data["groups"][1]["approvers"], json!(["erin"]));
    // Voting again for the cab group only, she no longer counts for dba.
    let r = run(&r, &ctx, &mut clock, "erin", approve("cab", Some("cab")));
    let req = routing(&r, &ctx);
    assert!(!req.met);
    assert_eq!(req.data["groups"][0]["status"], "met");
    assert_eq!(req.data["groups"][1]["approvers"], json!([]));
}

#[test]
fn a_vote_for_a_group_needs_membership_and_a_routed_group() {
    let ctx = plain_context(json!("any"));
    let mut clock = Clock(0);
    let r = in_approval(&ctx, &mut clock, &["db-orders-prd"]);
    let err = apply(&r, &clock.cmd("carol", approve("cab", Some("dba"))), &ctx).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(err.to_body().rule.as_deref(), Some("roles.group"), "{err}");
    assert!(err.to_string().contains("not a member"), "{err}");
    let err = apply(
        &r,
        &clock.cmd("carol", approve("cab", Some("network"))),
        &ctx,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(err.to_body().rule.as_deref(), Some("roles.group"));
    // A DBA without a group votes only in a role that votes here.
    let err = apply(&r, &clock.cmd("dora", approve("release_team", None)), &ctx).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(err.to_body().rule.as_deref(), Some("roles.vote_role"));
    // Group names compare canonically (dora is in `DBA`).
    let ok = apply(
        &r,
        &clock.cmd("dora", approve("release_team", Some(" Dba "))),
        &ctx,
    );
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn the_log_seals_the_group_of_a_vote() {
    let ctx = plain_context(json!("any"));
    let mut clock = Clock(0);
    let r = in_approval(&ctx, &mut clock, &["db-orders-prd"]);
    let r = run(
        &r,
        &ctx,
        &mut clock,
        "dora",
        approve("release_team", Some("dba")),
    );
    assert!(verify_log(&r, None).valid);
    let mut edited = r.clone();
    edited.approvals.last_mut().unwrap().group = Some("cab".to_string());
    let v = verify_log(&edited, None);
    assert!(!v.valid);
    let text = serde_json::to_string(&v).unwrap();
    assert!(text.contains("group"), "{text}");
    // The gates count the replay: the edited group changes nothing.
    assert!(routing(&edited, &ctx).met);
}

#[test]
fn match_first_applies_only_the_first_matching_rule() {
    let table = json!({"match": "first", "rules": [
        {"id": "db", "when": {"ci_classes": ["cmdb_ci_db_instance"]}, "require": [{"group": "dba"}]},
        {"id": "prod", "when": {"environments": ["production"]}, "require": [{"group": "ecab"}]}
    ]});
    let ctx = context_with(policy_with(table.clone()), true);
    let mut clock = Clock(0);
    let r = in_approval(&ctx, &mut clock, &["db-orders-prd"]);
    let req = routing(&r, &ctx);
    let groups: Vec<&str> = req.data["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["dba"]);
    let mut all = table;
    all["match"] = json!("all");
    let ctx = context_with(policy_with(all), true);
    let req = routing(&r, &ctx);
    assert_eq!(req.data["groups"].as_array().unwrap().len(), 2);
}

#[test]
fn a_standard_only_release_is_pre_approved() {
    let ctx = plain_context(json!("any"));
    let mut r = planning(&["db-orders-prd"]);
    r.changes[0].kind = relman::ChangeKind::Standard;
    r.affected_cis = vec!["db-orders-prd".to_string()];
    let req = routing(&r, &ctx);
    assert!(req.met);
    assert_eq!(req.data["standard_only"], true);
}

// ---------------------------------------------------------------------------
// Bad routing tables: invalid_policy at their path
// ---------------------------------------------------------------------------

fn policy_error(routing: Value) -> Vec<String> {
    let err = from_value::<Policy>(policy_with(routing)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidPolicy, "{err}");
    err.problems().iter().map(|p| p.path.clone()).collect()
}

fn rule(id: &str, require: Value) -> Value {
    json!({"id": id, "require": require})
}

#[test]
fn a_rule_without_a_group_is_invalid() {
    let paths = policy_error(json!({"rules": [rule("r", json!([]))]}));
    assert_eq!(paths, ["lifecycle.routing.rules[0].require"]);
}

#[test]
fn an_unknown_group_in_after_is_invalid() {
    let paths =
        policy_error(json!({"rules": [rule("r", json!([{"group": "dba", "after": ["cab"]}]))]}));
    assert_eq!(paths, ["lifecycle.routing.rules[0].require[0].after[0]"]);
}

#[test]
fn a_cycle_in_after_is_invalid() {
    let paths = policy_error(json!({"rules": [
        rule("a", json!([{"group": "dba", "after": ["cab"]}])),
        rule("b", json!([{"group": "cab", "after": ["dba"]}]))
    ]}));
    assert_eq!(
        paths,
        [
            "lifecycle.routing.rules[0].require[0].after[0]",
            "lifecycle.routing.rules[1].require[0].after[0]"
        ]
    );
    let paths =
        policy_error(json!({"rules": [rule("a", json!([{"group": "dba", "after": ["DBA"]}]))]}));
    assert_eq!(paths, ["lifecycle.routing.rules[0].require[0].after[0]"]);
}

#[test]
fn a_percentage_out_of_range_is_invalid() {
    let paths = policy_error(
        json!({"rules": [rule("r", json!([{"group": "dba", "quorum": {"percentage": 120}}]))]}),
    );
    assert_eq!(
        paths,
        ["lifecycle.routing.rules[0].require[0].quorum.percentage"]
    );
}

#[test]
fn a_count_of_zero_is_invalid() {
    let paths = policy_error(
        json!({"rules": [rule("r", json!([{"group": "dba", "quorum": {"count": 0}}]))]}),
    );
    assert_eq!(
        paths,
        ["lifecycle.routing.rules[0].require[0].quorum.count"]
    );
}

#[test]
fn duplicate_rule_ids_are_invalid() {
    let paths = policy_error(json!({"rules": [
        rule("r", json!([{"group": "dba"}])),
        rule("r", json!([{"group": "cab"}]))
    ]}));
    assert_eq!(paths, ["lifecycle.routing.rules[1].id"]);
}

#[test]
fn an_unknown_quorum_or_key_is_invalid() {
    let paths =
        policy_error(json!({"rules": [rule("r", json!([{"group": "dba", "quorum": "most"}]))]}));
    assert_eq!(paths, ["lifecycle.routing.rules[0].require[0].quorum"]);
    let paths = policy_error(
        json!({"rules": [{"id": "r", "when": {"ci_class": ["x"]}, "require": [{"group": "dba"}]}]}),
    );
    assert_eq!(paths, ["lifecycle.routing.rules[0].when.ci_class"]);
    let paths = policy_error(
        json!({"rules": [rule("r", json!([{"group": "dba", "quorum": {"count": 1, "percentage": 50}}]))]}),
    );
    assert_eq!(paths, ["lifecycle.routing.rules[0].require[0].quorum"]);
    let paths =
        policy_error(json!({"rules": [rule("r", json!([{"group": "dba"}, {"group": "DBA"}]))]}));
    assert_eq!(paths, ["lifecycle.routing.rules[0].require[1].group"]);
}

#[test]
fn the_default_routing_is_not_written() {
    let p = Policy::default();
    let v = serde_json::to_value(&p).unwrap();
    assert!(v["lifecycle"].get("routing").is_none());
    // Nor is a table's default match mode; a quorum is written as given
    // (absent stays absent, an explicit "any" round-trips).
    let rules = json!({"rules": [
        dba_rule(json!("any")),
        {"id": "plain", "require": [{"group": "cab"}]}
    ]});
    let p = from_value::<Policy>(policy_with(rules)).unwrap().document;
    let v = serde_json::to_value(&p).unwrap();
    assert!(v["lifecycle"]["routing"].get("match").is_none());
    assert_eq!(
        v["lifecycle"]["routing"]["rules"][0]["require"][0]["quorum"],
        "any"
    );
    assert!(v["lifecycle"]["routing"]["rules"][1]["require"][0]
        .get("quorum")
        .is_none());
}

#[test]
fn the_bundled_policy_routes_database_cis_of_a_major_release_to_dba() {
    let policy: Policy = relman::parse(include_str!("../../examples/data/policy.json"))
        .unwrap()
        .document;
    let rule = &policy.lifecycle.routing.rules[0];
    assert_eq!(rule.id, "database-needs-dba");
    let ctx: Context = relman::parse(include_str!("../../examples/data/context.json"))
        .unwrap()
        .document;
    let dbas: Vec<&str> = ctx
        .actors
        .iter()
        .filter(|a| a.groups.iter().any(|g| g == "dba"))
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(dbas, ["farah.said", "jan.novak"]);
}
