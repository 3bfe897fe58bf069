//! Issue #20, "Readiness fails closed": the policy names the context parts
//! readiness needs per release kind (default: calendar and schedule for
//! major and emergency releases; a CMDB when the risk is assessed with a
//! blast-radius weight), a missing part is the unmet requirement
//! `readiness.context`, and the gates that could not look at it say "not
//! checked" instead of "ok". Scenario with the spec's roles: release
//! manager (rita; alice owns the release), CAB (carol, erin), ECAB (ed),
//! product owner (paula).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::{apply, check, Command, Context, Error, ErrorCode, Release, State};
use serde_json::{json, Value};

fn actors() -> Value {
    json!([
        {"id": "alice", "roles": ["release_manager"]},
        {"id": "rita", "roles": ["release_manager"]},
        {"id": "dan", "roles": ["release_team"]},
        {"id": "carol", "roles": ["cab"]},
        {"id": "erin", "roles": ["cab"]},
        {"id": "ed", "roles": ["ecab"]},
        {"id": "paula", "roles": ["product_owner"]},
        {"id": "quinn", "roles": ["qa"]}
    ])
}

fn calendar() -> Value {
    json!({"blackouts": [{
        "id": "bo-year-end", "name": "Year-end freeze", "severity": "block",
        "start": "2026-12-18T18:00:00+01:00", "end": "2027-01-04T07:00:00Z", "scope": {"all": true}
    }]})
}

fn schedule() -> Value {
    json!({"releases": []})
}

fn cmdb() -> Value {
    json!({"cis": [
        {"id": "web-1", "name": "Web 1", "class": "server", "criticality": "low", "service": "checkout"},
        {"id": "db-1", "name": "DB 1", "class": "database", "criticality": "low", "service": "checkout"}
    ]})
}

/// The directory and `now`, with the parts named in `parts` (`calendar`,
/// `schedule`, `cmdb`) and the extra top-level keys of `more`.
fn context(parts: &[&str], more: Value) -> Context {
    let mut ctx = json!({"actors": actors(), "now": "2026-12-01T09:00:00Z"});
    for part in parts {
        ctx[*part] = match *part {
            "calendar" => calendar(),
            "schedule" => schedule(),
            "cmdb" => cmdb(),
            other => panic!("no part {other}"),
        };
    }
    if let Value::Object(more) = more {
        for (k, v) in more {
            ctx[k] = v;
        }
    }
    serde_json::from_value(ctx).unwrap()
}

fn full() -> Context {
    context(&["calendar", "schedule", "cmdb"], json!({}))
}

/// A release of `kind` in planning carrying everything every gate asks for.
fn planning(kind: &str) -> Release {
    serde_json::from_value(json!({
        "id": "REL-7", "title": "Checkout 7.0", "version": "7.0.0", "kind": kind,
        "state": "planning", "owner": "alice", "team": ["dan"],
        "planned_start": "2026-12-13T01:00:00+01:00", "planned_end": "2026-12-13T04:00:00+01:00",
        "scope": "New checkout flow",
        "changes": [
            {"id": "CHG1", "kind": "normal", "summary": "New payment page", "affected_cis": ["web-1"],
             "implementer": "dan", "approved": true},
            {"id": "CHG2", "kind": "normal", "summary": "Schema migration", "affected_cis": ["db-1"],
             "implementer": "dan", "approved": true}
        ],
        "services": ["checkout"], "environments": ["production"],
        "rollback_plan": {"documented": true, "tested": true, "estimated_secs": 900},
        "tests": [
            {"kind": "unit", "passed": 500, "failed": 0},
            {"kind": "integration", "passed": 120, "failed": 0},
            {"kind": "performance", "passed": 10, "failed": 0},
            {"kind": "security", "passed": 40, "failed": 0},
            {"kind": "uat", "passed": 30, "failed": 0, "signed_off_by": "quinn"}
        ],
        "communication": {"plan": "Email stakeholders a week ahead"},
        "knowledge_articles": ["KB0001"]
    }))
    .unwrap()
}

fn cmd(actor: &str, command: Value, at: &str) -> Command {
    let mut c = command;
    c["actor"] = json!(actor);
    c["at"] = json!(at);
    serde_json::from_value(c).unwrap()
}

/// `kind` driven to approval and approved by its quorum: CAB carol and
/// erin and product owner paula (major), CAB carol (minor, patch), ECAB ed
/// (emergency). The walk runs in the full context.
fn approved(kind: &str) -> Release {
    let ctx = full();
    let mut r = planning(kind);
    let votes: &[(&str, &str)] = match kind {
        "major" => &[
            ("carol", "cab"),
            ("erin", "cab"),
            ("paula", "product_owner"),
        ],
        "emergency" => &[("ed", "ecab")],
        _ => &[("carol", "cab")],
    };
    let mut steps = vec![
        ("rita", json!({"command": "advance"})),
        ("rita", json!({"command": "advance"})),
        ("rita", json!({"command": "advance"})),
    ];
    for (who, role) in votes {
        steps.push((*who, json!({"command": "approve", "role": role})));
    }
    for (i, (actor, c)) in steps.into_iter().enumerate() {
        let at = format!("2026-12-01T{:02}:00:00Z", 10 + i);
        r = apply(&r, &cmd(actor, c.clone(), &at), &ctx)
            .unwrap_or_else(|e| panic!("{c} by {actor}: {e}\n{:#?}", e.to_body()))
            .release;
    }
    assert_eq!(r.state, State::Approval);
    r
}

fn requirement<'a>(report: &'a relman::GateReport, rule: &str) -> &'a relman::Requirement {
    report
        .requirements
        .iter()
        .find(|r| r.rule == rule)
        .unwrap_or_else(|| panic!("no requirement {rule} in {:#?}", report.requirements))
}

fn unmet(report: &relman::GateReport) -> Vec<&str> {
    report.unmet().map(|r| r.rule.as_str()).collect()
}

fn start(r: &Release, ctx: &Context) -> Result<relman::Applied, Error> {
    apply(
        r,
        &cmd(
            "rita",
            json!({"command": "start_deployment"}),
            "2026-12-13T00:30:00Z",
        ),
        ctx,
    )
}

#[test]
fn major_release_without_calendar_is_denied() {
    let r = approved("major");
    let ctx = context(&["schedule", "cmdb"], json!({}));
    let report = check(&r, State::Deployment, &ctx);
    assert!(!report.allowed);
    assert_eq!(unmet(&report), ["readiness.context"]);
    let readiness = requirement(&report, "readiness.context");
    assert_eq!(
        readiness.message,
        "not ready: the context lacks calendar: required for major releases \
         (policy lifecycle.readiness.major)"
    );
    assert_eq!(readiness.data["missing"], json!(["calendar"]));
    assert_eq!(
        readiness.data["required"],
        json!([
            {"part": "calendar", "present": false,
             "why": "required for major releases (policy lifecycle.readiness.major)"},
            {"part": "schedule", "present": true,
             "why": "required for major releases (policy lifecycle.readiness.major)"},
            {"part": "cmdb", "present": true, "why": "risk uses blast_radius (weight 1.5)"}
        ])
    );
    // Never "ok — no calendar": the blackout gate says it did not look.
    let blackout = requirement(&report, "approval.blackout");
    assert!(blackout.met);
    assert_eq!(blackout.message, "not checked: no calendar in the context");
    assert_eq!(blackout.data["checked"], json!(false));

    // start_deployment sees the same gate and changes nothing.
    let err = start(&r, &ctx).unwrap_err();
    assert_eq!(err.code(), ErrorCode::TransitionDenied);
    let Error::TransitionDenied { violations, .. } = &err else {
        panic!("{err:?}")
    };
    let rules: Vec<&str> = violations.iter().map(|v| v.rule.as_str()).collect();
    assert_eq!(rules, ["readiness.context"]);
}

#[test]
fn every_missing_part_is_listed() {
    let r = approved("major");
    let ctx = context(&[], json!({}));
    let report = check(&r, State::Deployment, &ctx);
    let readiness = requirement(&report, "readiness.context");
    assert!(!readiness.met);
    assert_eq!(
        readiness.data["missing"],
        json!(["calendar", "schedule", "cmdb"])
    );
    assert_eq!(
        readiness.message,
        "not ready: the context lacks calendar: required for major releases \
         (policy lifecycle.readiness.major); schedule: required for major releases \
         (policy lifecycle.readiness.major); cmdb: risk uses blast_radius (weight 1.5)"
    );
    let conflicts = requirement(&report, "approval.conflicts");
    assert!(conflicts.met);
    assert_eq!(conflicts.message, "not checked: no schedule in the context");
    assert_eq!(conflicts.data, json!({"checked": false, "schedule": false}));
    let risk = requirement(&report, "approval.risk");
    assert!(
        risk.message
            .contains("not checked: no cmdb in the context (ci_criticality, blast_radius)"),
        "{}",
        risk.message
    );
    assert_eq!(risk.data["cmdb"], json!(false));
    assert_eq!(
        risk.data["not_checked"],
        json!(["ci_criticality", "blast_radius"])
    );
}

#[test]
fn full_context_is_ready() {
    let r = approved("major");
    let ctx = full();
    let report = check(&r, State::Deployment, &ctx);
    assert!(report.allowed, "{:#?}", report.requirements);
    let readiness = requirement(&report, "readiness.context");
    assert_eq!(
        readiness.message,
        "the context has every part readiness needs: calendar, schedule, cmdb"
    );
    assert_eq!(readiness.data["missing"], json!([]));
    let blackout = requirement(&report, "approval.blackout");
    assert_eq!(blackout.data.get("checked"), None);
    let risk = requirement(&report, "approval.risk");
    assert_eq!(risk.data.get("not_checked"), None);
    let applied = start(&r, &ctx).unwrap();
    assert_eq!(applied.release.state, State::Deployment);
}

#[test]
fn emergency_release_needs_the_schedule() {
    let r = approved("emergency");
    let ctx = context(&["calendar", "cmdb"], json!({}));
    let report = check(&r, State::Deployment, &ctx);
    assert_eq!(unmet(&report), ["readiness.context"]);
    assert_eq!(
        requirement(&report, "readiness.context").data["missing"],
        json!(["schedule"])
    );
    assert!(start(&r, &full()).is_ok());
}

#[test]
fn minor_release_needs_nothing_by_default() {
    let r = approved("minor");
    // The risk given: nothing is assessed, so no CMDB is needed either.
    let ctx = context(&[], json!({"risk_level": "low"}));
    let report = check(&r, State::Deployment, &ctx);
    assert!(report.allowed, "{:#?}", report.requirements);
    let readiness = requirement(&report, "readiness.context");
    assert_eq!(
        readiness.message,
        "readiness needs no context part for minor releases"
    );
    assert_eq!(
        readiness.data,
        json!({"kind": "minor", "required": [], "missing": []})
    );
    assert!(start(&r, &ctx).is_ok());
}

#[test]
fn assessed_risk_with_blast_radius_needs_a_cmdb() {
    let r = approved("minor");
    let ctx = context(&[], json!({}));
    let report = check(&r, State::Deployment, &ctx);
    assert_eq!(unmet(&report), ["readiness.context"]);
    assert_eq!(
        requirement(&report, "readiness.context").message,
        "not ready: the context lacks cmdb: risk uses blast_radius (weight 1.5)"
    );
    assert!(check(&r, State::Deployment, &context(&["cmdb"], json!({}))).allowed);
    // A CMDB inside the schedule counts, as the risk reads it there.
    let in_schedule = context(&[], json!({"schedule": {"cmdb": cmdb()}}));
    assert!(check(&r, State::Deployment, &in_schedule).allowed);
    // Without a blast-radius weight the risk does not need one.
    let weightless = context(
        &[],
        json!({"policy": {"risk": {"weights": {"blast_radius": 0}}}}),
    );
    let report = check(&r, State::Deployment, &weightless);
    assert!(report.allowed, "{:#?}", report.requirements);
    // ci_criticality still reads the CMDB: not checked, said so.
    assert_eq!(
        requirement(&report, "approval.risk").data["not_checked"],
        json!(["ci_criticality"])
    );
}

#[test]
fn policy_opts_out_and_in() {
    let r = approved("major");
    let relaxed = json!({"policy": {"lifecycle": {"readiness": {
        "major": [], "cmdb_when_blast_radius": false
    }}}});
    // The policy changes the fingerprint the votes recorded: the votes of
    // the walk (default policy) stay valid for the round.
    let ctx = context(&[], relaxed);
    let report = check(&r, State::Deployment, &ctx);
    let readiness = requirement(&report, "readiness.context");
    assert!(readiness.met, "{:#?}", report.requirements);
    assert_eq!(
        readiness.message,
        "readiness needs no context part for major releases"
    );
    // Stricter: a minor release that needs the history and `now`.
    let minor = approved("minor");
    let strict = context(
        &["cmdb"],
        json!({"policy": {"lifecycle": {"readiness": {"minor": ["history", "now", "actors"]}}}}),
    );
    let report = check(&minor, State::Deployment, &strict);
    let readiness = requirement(&report, "readiness.context");
    assert!(!readiness.met);
    assert_eq!(readiness.data["missing"], json!(["history"]));
}

#[test]
fn default_readiness_is_not_written() {
    let policy = relman::Policy::default();
    let text = serde_json::to_value(&policy).unwrap();
    assert_eq!(text["lifecycle"].get("readiness"), None);
    let set: relman::Policy =
        serde_json::from_value(json!({"lifecycle": {"readiness": {"minor": ["cmdb"]}}})).unwrap();
    let written = serde_json::to_value(&set).unwrap();
    assert_eq!(written["lifecycle"]["readiness"]["minor"], json!(["cmdb"]));
    assert_eq!(
        written["lifecycle"]["readiness"]["major"],
        json!(["calendar", "schedule"])
    );
}

fn policy_error(policy: Value) -> Error {
    relman::parse::<relman::Policy>(&policy.to_string()).unwrap_err()
}

#[test]
fn unknown_part_is_invalid_policy_at_its_path() {
    let err = policy_error(json!({"lifecycle": {"readiness": {"major": ["calender"]}}}));
    assert_eq!(err.code(), ErrorCode::InvalidPolicy, "{err:?}");
    let body = err.to_body();
    assert_eq!(body.path.as_deref(), Some("lifecycle.readiness.major[0]"));
    assert!(
        err.to_string().contains("unknown variant `calender`"),
        "{err}"
    );
}

#[test]
fn part_listed_twice_is_invalid_policy() {
    let err = policy_error(json!({"lifecycle": {"readiness": {"emergency": ["cmdb", "cmdb"]}}}));
    assert_eq!(err.code(), ErrorCode::InvalidPolicy, "{err:?}");
    let problems: Vec<(String, String)> = err
        .problems()
        .iter()
        .map(|p| (p.path.clone(), p.message.clone()))
        .collect();
    assert_eq!(
        problems,
        [(
            "lifecycle.readiness.emergency[1]".to_string(),
            "`cmdb` is listed twice (first at emergency[0])".to_string()
        )]
    );
}

#[test]
fn unknown_readiness_key_is_invalid_policy() {
    let err = policy_error(json!({"lifecycle": {"readiness": {"majr": []}}}));
    assert_eq!(err.code(), ErrorCode::InvalidPolicy, "{err:?}");
    assert_eq!(err.problems()[0].path, "lifecycle.readiness.majr");
}
