//! Issue #20, acceptance 1 and 2 for "Readiness fails closed": a fully
//! approved major release checked for deployment with no calendar in the
//! context is denied by `readiness.context`, naming the calendar; the gate
//! report of `relman check … --to deployment` (JSON and `--format table`)
//! and the denial of `relman apply … start_deployment` are snapshots under
//! `core/tests/snapshots/governance-readiness*` (`RELMAN_BLESS=1`
//! rewrites them). Roles: release manager rita (alice owns the release),
//! CAB carol and erin, ECAB ed, product owner paula.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{relman, TempFile};
use serde_json::{json, Value};

#[path = "../../../core/tests/support/snapshot.rs"]
mod snapshots;
use snapshots::snapshot;

fn context(calendar: bool) -> Value {
    let mut ctx = json!({
        "actors": [
            {"id": "alice", "roles": ["release_manager"]},
            {"id": "rita", "roles": ["release_manager"]},
            {"id": "dan", "roles": ["release_team"]},
            {"id": "carol", "roles": ["cab"]},
            {"id": "erin", "roles": ["cab"]},
            {"id": "ed", "roles": ["ecab"]},
            {"id": "paula", "roles": ["product_owner"]},
            {"id": "quinn", "roles": ["qa"]}
        ],
        "now": "2026-12-01T09:00:00Z",
        "schedule": {"releases": []},
        "cmdb": {"cis": [
            {"id": "web-1", "name": "Web 1", "class": "server", "criticality": "low", "service": "checkout"},
            {"id": "db-1", "name": "DB 1", "class": "database", "criticality": "low", "service": "checkout"}
        ]}
    });
    if calendar {
        ctx["calendar"] = json!({"blackouts": [{
            "id": "bo-year-end", "name": "Year-end freeze", "severity": "block",
            "start": "2026-12-18T18:00:00+01:00", "end": "2027-01-04T07:00:00Z",
            "scope": {"all": true}
        }]});
    }
    ctx
}

/// The major release REL-7, approved by carol, erin (CAB) and paula
/// (product owner) through `apply` in the full context.
fn approved_major() -> Value {
    let mut release: relman::Release = serde_json::from_value(json!({
        "id": "REL-7", "title": "Checkout 7.0", "version": "7.0.0", "kind": "major",
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
    .unwrap();
    let ctx: relman::Context = serde_json::from_value(context(true)).unwrap();
    let steps = [
        ("rita", json!({"command": "advance"})),
        ("rita", json!({"command": "advance"})),
        ("rita", json!({"command": "advance"})),
        ("carol", json!({"command": "approve", "role": "cab"})),
        ("erin", json!({"command": "approve", "role": "cab"})),
        (
            "paula",
            json!({"command": "approve", "role": "product_owner"}),
        ),
    ];
    for (i, (actor, mut c)) in steps.into_iter().enumerate() {
        c["actor"] = json!(actor);
        c["at"] = json!(format!("2026-12-01T{:02}:00:00Z", 10 + i));
        let command: relman::Command = serde_json::from_value(c).unwrap();
        release = relman::apply(&release, &command, &ctx).unwrap().release;
    }
    serde_json::to_value(&release).unwrap()
}

fn check(format: &[&str], calendar: bool) -> common::Run {
    let release = TempFile::json("readiness-release.json", &approved_major());
    let ctx = TempFile::json("readiness-context.json", &context(calendar));
    let mut args = vec!["--context", ctx.path()];
    args.extend_from_slice(format);
    args.extend_from_slice(&["check", release.path(), "--to", "deployment"]);
    relman(&args)
}

#[test]
fn no_calendar_major_release_is_denied_json_snapshot() {
    let run = check(&[], false);
    let report = run.exits(1).stdout_json();
    assert_eq!(report["allowed"], false);
    let unmet: Vec<&str> = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["met"] == false)
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(unmet, ["readiness.context"]);
    snapshot(
        "governance-readiness.json",
        &format!("{}\n", serde_json::to_string_pretty(&report).unwrap()),
    );
}

#[test]
fn no_calendar_major_release_is_denied_table_snapshot() {
    let run = check(&["--format", "table"], false);
    run.exits(1);
    assert!(
        run.stdout.contains("[--] readiness.context"),
        "{}",
        run.stdout
    );
    snapshot("governance-readiness-table.txt", &run.stdout);
}

#[test]
fn full_context_is_ready() {
    let run = check(&[], true);
    let report = run.exits(0).stdout_json();
    assert_eq!(report["allowed"], true);
}

#[test]
fn start_deployment_without_calendar_is_denied_and_writes_nothing() {
    let release = TempFile::json("readiness-release.json", &approved_major());
    let ctx = TempFile::json("readiness-context.json", &context(false));
    let out = TempFile::new("readiness-out.json", "untouched");
    let args = [
        "apply",
        release.path(),
        "--command",
        "start_deployment",
        "--actor",
        "rita",
        "--at",
        "2026-12-13T00:30:00Z",
        "--context",
        ctx.path(),
        "--out",
        out.path(),
    ];
    let run = relman(&args);
    let err = run.exits(1).stderr_json();
    assert_eq!(err["code"], "transition_denied");
    let rules: Vec<&str> = err["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["readiness.context"]);
    snapshot(
        "governance-readiness-apply.json",
        &format!("{}\n", serde_json::to_string_pretty(&err).unwrap()),
    );
    assert_eq!(std::fs::read_to_string(&out.0).unwrap(), "untouched");
}
