//! Issue #20, approval routing through the CLI: a database CI class routes
//! a major release to the DBA group. `relman check --to deployment` (JSON
//! and `--format table`) before and after the DBA's vote, and without a
//! CMDB (fails closed), compared with the snapshots
//! `core/tests/snapshots/governance-routing*.{json,txt}` (bless with
//! `RELMAN_BLESS=1`); `relman apply --group` and its refusal.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};

mod common;
use common::{relman, Run, TempFile};

#[path = "../../../core/tests/support/snapshot.rs"]
mod snapshot;

/// The spec's roles (release manager, CAB, ECAB, product owner) and two
/// DBAs, a CMDB with the orders database and the DBA row of the routing
/// table.
fn context(with_cmdb: bool) -> Value {
    let mut ctx = json!({
        "now": "2026-12-01T09:00:00Z",
        "actors": [
            {"id": "rita", "roles": ["release_manager"]},
            {"id": "bob", "roles": ["release_team"]},
            {"id": "carol", "roles": ["cab"], "groups": ["cab"]},
            {"id": "erin", "roles": ["cab"], "groups": ["cab"]},
            {"id": "ed", "roles": ["ecab"], "groups": ["ecab"]},
            {"id": "paula", "roles": ["product_owner"]},
            {"id": "quinn", "roles": ["qa"]},
            {"id": "dora", "roles": ["release_team"], "groups": ["dba"]},
            {"id": "dmitri", "roles": ["release_team"], "groups": ["dba"]}
        ],
        "policy": {"lifecycle": {"routing": {"rules": [{
            "id": "database-needs-dba",
            "description": "Database CIs need a DBA",
            "when": {"ci_classes": ["cmdb_ci_db_instance"]},
            "require": [{"group": "dba", "quorum": "any"}]
        }]}}},
        // What readiness needs besides the CMDB (docs/lifecycle.md,
        // "Readiness"), empty: the snapshots are about routing.
        "calendar": {},
        "schedule": {"releases": []}
    });
    if with_cmdb {
        ctx["cmdb"] = json!({"cis": [
            {"id": "web-1", "name": "Web 1", "class": "cmdb_ci_web_server", "criticality": "high"},
            {"id": "db-orders-prd", "name": "Orders DB", "class": "cmdb_ci_db_instance",
             "criticality": "critical"}
        ]});
    }
    ctx
}

fn planning() -> Value {
    json!({
        "id": "REL-7", "title": "Orders 2.0", "version": "2.0.0", "kind": "major",
        "state": "planning", "owner": "rita", "team": ["bob"],
        "planned_start": "2026-12-13T01:00:00Z", "planned_end": "2026-12-13T04:00:00Z",
        "scope": "Orders schema v2",
        "changes": [
            {"id": "CHG1", "kind": "normal", "summary": "Schema migration",
             "affected_cis": ["web-1", "db-orders-prd"], "implementer": "bob", "approved": true}
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
    })
}

fn step(release: &TempFile, ctx: &TempFile, at: &str, flags: &[&str]) -> Run {
    let mut args = vec![
        "apply",
        release.path(),
        "--context",
        ctx.path(),
        "--out",
        release.path(),
        "--at",
        at,
    ];
    args.extend_from_slice(flags);
    relman(&args)
}

/// The release in approval with the CAB (carol, erin) and the product
/// owner (paula) approved.
fn in_approval(ctx: &TempFile) -> TempFile {
    let release = TempFile::json("routing-release.json", &planning());
    let mut minute = 0;
    let mut at = || {
        minute += 1;
        format!("2026-12-01T10:{minute:02}:00Z")
    };
    for _ in 0..3 {
        step(
            &release,
            ctx,
            &at(),
            &["--command", "advance", "--actor", "rita"],
        )
        .exits(0);
    }
    for (who, role) in [
        ("carol", "cab"),
        ("erin", "cab"),
        ("paula", "product_owner"),
    ] {
        step(
            &release,
            ctx,
            &at(),
            &["--command", "approve", "--actor", who, "--role", role],
        )
        .exits(0);
    }
    release
}

fn check(release: &TempFile, ctx: &TempFile, table: bool) -> Run {
    let mut args = vec![
        "check",
        release.path(),
        "--to",
        "deployment",
        "--context",
        ctx.path(),
    ];
    if table {
        args.extend_from_slice(&["--format", "table"]);
    }
    relman(&args)
}

fn pretty(run: &Run) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(&run.stdout_json()).unwrap()
    )
}

fn routing(run: &Run) -> Value {
    let report = run.stdout_json();
    report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "approval.routing")
        .cloned()
        .unwrap()
}

#[test]
fn a_database_ci_class_routes_to_the_dba_group() {
    let ctx = TempFile::json("routing-context.json", &context(true));
    let release = in_approval(&ctx);

    // Missing DBA vote: denied, the group listed with what matched.
    let denied = check(&release, &ctx, false);
    denied.exits(1);
    let req = routing(&denied);
    assert_eq!(req["met"], false);
    assert_eq!(req["data"]["groups"][0]["group"], "dba");
    assert_eq!(req["data"]["groups"][0]["missing"], 1);
    snapshot::snapshot("governance-routing-denied.json", &pretty(&denied));
    let table = check(&release, &ctx, true);
    table.exits(1);
    assert!(table.stdout.contains("group dba"), "{}", table.stdout);
    snapshot::snapshot("governance-routing-denied-table.txt", &table.stdout);

    // A CAB member who is no DBA cannot vote for the DBAs.
    let refused = step(
        &release,
        &ctx,
        "2026-12-01T11:00:00Z",
        &[
            "--command",
            "approve",
            "--actor",
            "carol",
            "--role",
            "cab",
            "--group",
            "dba",
        ],
    );
    refused.exits(1);
    let err = refused.stderr_json();
    assert_eq!(err["code"], "forbidden");
    assert_eq!(err["rule"], "roles.group");

    // The DBA votes for the group: met, allowed.
    step(
        &release,
        &ctx,
        "2026-12-01T11:05:00Z",
        &[
            "--command",
            "approve",
            "--actor",
            "dora",
            "--role",
            "release_team",
            "--group",
            "dba",
        ],
    )
    .exits(0);
    let after = release.read_json();
    assert_eq!(after["approvals"][3]["group"], "dba");
    let allowed = check(&release, &ctx, false);
    allowed.exits(0);
    assert_eq!(routing(&allowed)["met"], true);
    snapshot::snapshot("governance-routing-met.json", &pretty(&allowed));
    let table = check(&release, &ctx, true);
    table.exits(0);
    snapshot::snapshot("governance-routing-met-table.txt", &table.stdout);
    relman(&["verify-log", release.path()]).exits(0);
}

#[test]
fn without_a_cmdb_the_routing_fails_closed() {
    let ctx = TempFile::json("routing-context.json", &context(true));
    let release = in_approval(&ctx);
    let bare = TempFile::json("routing-bare.json", &context(false));
    let run = check(&release, &bare, false);
    run.exits(1);
    let req = routing(&run);
    assert_eq!(req["data"]["undecided"][0]["missing"], "cmdb");
    snapshot::snapshot("governance-routing-no-cmdb.json", &pretty(&run));
    let table = check(&release, &bare, true);
    table.exits(1);
    snapshot::snapshot("governance-routing-no-cmdb-table.txt", &table.stdout);
}
