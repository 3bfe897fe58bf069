//! Issue #20, acceptance 2 for the enforced windows: the gate reports of a
//! deployment started the day after its window (denied with
//! `deployment.window`) and of the same start after an ECAB override
//! (allowed, the report naming the override), through `relman check` and
//! `relman apply`, as JSON and as `--format table` — snapshots under
//! `core/tests/snapshots/governance-overrides-*` (bless with
//! `RELMAN_BLESS=1`).

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

const DAY_AFTER: &str = "2026-12-14T02:00:00Z";

fn context(now: Option<&str>) -> Value {
    let mut c = json!({"actors": [
        {"id": "rita", "roles": ["release_manager"]},
        {"id": "bob", "roles": ["release_team"]},
        {"id": "carol", "roles": ["cab"]},
        {"id": "erin", "roles": ["cab"]},
        {"id": "paula", "roles": ["product_owner"]},
        {"id": "quinn", "roles": ["qa"]},
        {"id": "ed", "roles": ["ecab"]}
    ]});
    // What readiness needs (docs/lifecycle.md, "Readiness"), empty: the
    // snapshots are about the window.
    c["calendar"] = json!({});
    c["schedule"] = json!({"releases": []});
    c["cmdb"] = json!({});
    if let Some(now) = now {
        c["now"] = json!(now);
    }
    c
}

fn planning() -> Value {
    json!({
        "id": "REL-7", "title": "Checkout 5.0", "version": "5.0.0", "kind": "major",
        "state": "planning", "owner": "rita", "team": ["bob"],
        "planned_start": "2026-12-13T01:00:00Z", "planned_end": "2026-12-13T04:00:00Z",
        "scope": "New checkout flow",
        "changes": [{"id": "CHG1", "kind": "normal", "summary": "New payment page",
                     "affected_cis": ["web-1"], "implementer": "bob", "approved": true}],
        "rollback_plan": {"documented": true, "tested": true},
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
    })
}

/// Applies `command` (by `actor` at `at`) to the release in `file`,
/// writing the new release back.
fn step(file: &TempFile, ctx: &TempFile, actor: &str, at: &str, command: Value) -> common::Run {
    let mut c = command;
    c["actor"] = json!(actor);
    c["at"] = json!(at);
    let cmd = TempFile::json("command.json", &c);
    relman(&[
        "apply",
        file.path(),
        cmd.path(),
        "--context",
        ctx.path(),
        "--out",
        file.path(),
    ])
}

/// The release in approval, approved by the CAB and the product owner.
fn approved(ctx: &TempFile) -> TempFile {
    let file = TempFile::json("release.json", &planning());
    for _ in 0..3 {
        step(
            &file,
            ctx,
            "rita",
            "2026-12-01T10:00:00Z",
            json!({"command": "advance"}),
        )
        .exits(0);
    }
    for (who, role) in [
        ("carol", "cab"),
        ("erin", "cab"),
        ("paula", "product_owner"),
    ] {
        step(
            &file,
            ctx,
            who,
            "2026-12-10T10:00:00Z",
            json!({"command": "approve", "role": role}),
        )
        .exits(0);
    }
    file
}

fn start_command() -> TempFile {
    TempFile::json(
        "start.json",
        &json!({"command": "start_deployment", "actor": "rita", "at": DAY_AFTER}),
    )
}

#[test]
fn the_day_after_the_window_is_denied_and_an_ecab_override_lets_it_start() {
    let ctx = TempFile::json("context.json", &context(None));
    let late = TempFile::json("late-context.json", &context(Some(DAY_AFTER)));
    let release = approved(&ctx);
    let start = start_command();

    // check at the day after: denied, deployment.window unmet.
    let run = relman(&[
        "check",
        release.path(),
        "--to",
        "deployment",
        "--context",
        late.path(),
    ]);
    run.exits(1);
    snapshot("governance-overrides-check-denied.json", &run.stdout);
    let table = relman(&[
        "--format",
        "table",
        "check",
        release.path(),
        "--to",
        "deployment",
        "--context",
        late.path(),
    ]);
    table.exits(1);
    snapshot("governance-overrides-check-denied-table.txt", &table.stdout);

    // apply start_deployment the day after: denied (exit 1, the error on stderr).
    let run = relman(&[
        "apply",
        release.path(),
        start.path(),
        "--context",
        ctx.path(),
    ]);
    run.exits(1);
    let err = run.stderr_json();
    assert_eq!(err["code"], "transition_denied");
    assert_eq!(err["violations"][0]["rule"], "deployment.window");
    snapshot("governance-overrides-apply-denied.json", &run.stderr);
    let table = relman(&[
        "--format",
        "table",
        "apply",
        release.path(),
        start.path(),
        "--context",
        ctx.path(),
    ]);
    table.exits(1);
    snapshot("governance-overrides-apply-denied-table.txt", &table.stderr);

    // The ECAB override, from flags.
    relman(&[
        "apply",
        release.path(),
        "--command",
        "override",
        "--actor",
        "ed",
        "--at",
        "2026-12-14T01:30:00Z",
        "--rule",
        "deployment.window",
        "--justification",
        "INC0042: the payment outage fix cannot wait for next Sunday",
        "--context",
        ctx.path(),
        "--out",
        release.path(),
    ])
    .exits(0);

    let run = relman(&[
        "check",
        release.path(),
        "--to",
        "deployment",
        "--context",
        late.path(),
    ]);
    run.exits(0);
    snapshot("governance-overrides-check-overridden.json", &run.stdout);
    let table = relman(&[
        "--format",
        "table",
        "check",
        release.path(),
        "--to",
        "deployment",
        "--context",
        late.path(),
    ]);
    table.exits(0);
    snapshot(
        "governance-overrides-check-overridden-table.txt",
        &table.stdout,
    );

    let run = relman(&[
        "apply",
        release.path(),
        start.path(),
        "--context",
        ctx.path(),
    ]);
    run.exits(0);
    let applied = run.stdout_json();
    let window = applied["report"]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "deployment.window")
        .unwrap()
        .clone();
    assert_eq!(window["met"], true);
    assert_eq!(window["data"]["override"]["by"], "ed");
    snapshot("governance-overrides-apply-overridden.json", &run.stdout);
    let table = relman(&[
        "--format",
        "table",
        "apply",
        release.path(),
        start.path(),
        "--context",
        ctx.path(),
    ]);
    table.exits(0);
    snapshot(
        "governance-overrides-apply-overridden-table.txt",
        &table.stdout,
    );
}

#[test]
fn override_flags_need_their_values_and_bad_rules_are_bad_input() {
    let ctx = TempFile::json("context.json", &context(None));
    let release = approved(&ctx);
    let run = relman(&[
        "apply",
        release.path(),
        "--command",
        "override",
        "--actor",
        "ed",
        "--at",
        "2026-12-14T01:30:00Z",
        "--rule",
        "deployment.window",
        "--context",
        ctx.path(),
    ]);
    run.exits(2);
    assert!(run.stderr.contains("--justification"), "{}", run.context());
    let run = relman(&[
        "apply",
        release.path(),
        "--command",
        "override",
        "--actor",
        "ed",
        "--at",
        "2026-12-14T01:30:00Z",
        "--rule",
        "approval.quorum",
        "--justification",
        "x",
        "--context",
        ctx.path(),
    ]);
    run.exits(2);
    let err = run.stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "rule");
}
