//! Issue #20, "Delegation", through the CLI: petra.mueller (CAB) delegates
//! to her deputy bob.k (`apply --command delegate`), bob.k votes on her
//! behalf (`--on-behalf-of`), and `relman check` names both — JSON and
//! `--format table` snapshots (`core/tests/snapshots/governance-delegation*`,
//! blessed with `RELMAN_BLESS=1`); a delegated vote after the delegation
//! ended is refused (exit 1, snapshots of the error).

// Test code: a failing test should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};

mod common;
use common::{relman, sample, Run, TempFile};

#[path = "../../../core/tests/support/snapshot.rs"]
mod snapshot;
use snapshot::snapshot;

const UNTIL: &str = "2026-11-27T00:00:00Z";

/// The bundled directory with petra's deputy bob.k (no CAB seat).
fn context() -> TempFile {
    let mut ctx: Value =
        serde_json::from_str(&std::fs::read_to_string(sample("context.json")).unwrap()).unwrap();
    ctx["actors"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "bob.k", "name": "Bob König", "roles": ["business_stakeholder"]}));
    // What readiness needs (docs/lifecycle.md, "Readiness"): the bundled
    // calendar and CMDB, and no other release in the schedule (the
    // snapshots are about the delegated vote).
    for part in ["calendar", "cmdb"] {
        let file = sample(&format!("{part}.json"));
        ctx[part] = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    }
    ctx["schedule"] = json!({"releases": []});
    TempFile::json("delegation-context.json", &ctx)
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

/// The bundled major release taken to approval; petra.mueller delegates to
/// bob.k until UNTIL.
fn delegated(ctx: &TempFile) -> TempFile {
    let release: Value =
        serde_json::from_str(&std::fs::read_to_string(sample("release-major.json")).unwrap())
            .unwrap();
    let file = TempFile::json("delegation-release.json", &release);
    for (i, at) in [
        "2026-11-20T10:00:00Z",
        "2026-11-20T10:01:00Z",
        "2026-11-20T10:02:00Z",
    ]
    .iter()
    .enumerate()
    {
        let run = step(
            &file,
            ctx,
            at,
            &["--command", "advance", "--actor", "anna.jansen"],
        );
        run.exits(0);
        assert_eq!(i + 1, file.read_json()["log"].as_array().unwrap().len());
    }
    let run = step(
        &file,
        ctx,
        "2026-11-20T10:03:00Z",
        &[
            "--command",
            "delegate",
            "--actor",
            "petra.mueller",
            "--delegate",
            "bob.k",
            "--until",
            UNTIL,
            "--comment",
            "on leave",
        ],
    );
    let event = &run.exits(0).stdout_json()["events"][0];
    assert_eq!(event["command"], "delegate");
    assert_eq!(event["details"]["to"], "bob.k");
    file
}

#[test]
fn check_after_a_delegated_vote_names_both_json_and_table() {
    let ctx = context();
    let release = delegated(&ctx);
    step(
        &release,
        &ctx,
        "2026-11-20T10:04:00Z",
        &[
            "--command",
            "approve",
            "--actor",
            "bob.k",
            "--role",
            "cab",
            "--on-behalf-of",
            "petra.mueller",
        ],
    )
    .exits(0);
    for (at, who, role) in [
        ("2026-11-20T10:05:00Z", "jonas.schmidt", "cab"),
        ("2026-11-20T10:06:00Z", "ewa.kowalski", "product_owner"),
    ] {
        step(
            &release,
            &ctx,
            at,
            &["--command", "approve", "--actor", who, "--role", role],
        )
        .exits(0);
    }
    let check = |format: &[&str]| {
        let mut args = vec![
            "check",
            release.path(),
            "--to",
            "deployment",
            "--context",
            ctx.path(),
        ];
        args.extend_from_slice(format);
        relman(&args)
    };
    let json_run = check(&[]);
    let report = json_run.exits(0).stdout_json();
    let quorum = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "approval.quorum")
        .unwrap();
    assert_eq!(quorum["data"]["delegated"][0]["approver"], "bob.k");
    assert_eq!(
        quorum["data"]["delegated"][0]["on_behalf_of"],
        "petra.mueller"
    );
    snapshot("governance-delegation.json", &json_run.stdout);
    let table = check(&["--format", "table"]);
    table.exits(0);
    assert!(
        table.stdout.contains("bob.k for petra.mueller (cab)"),
        "{}",
        table.stdout
    );
    snapshot("governance-delegation-table.txt", &table.stdout);
}

#[test]
fn apply_of_a_delegated_vote_after_the_delegation_ended_is_refused() {
    let ctx = context();
    let release = delegated(&ctx);
    let before = release.read_json();
    let vote = |format: &[&str]| {
        let mut args = vec![
            "apply",
            release.path(),
            "--context",
            ctx.path(),
            "--command",
            "approve",
            "--actor",
            "bob.k",
            "--role",
            "cab",
            "--on-behalf-of",
            "petra.mueller",
            "--at",
            UNTIL,
        ];
        args.extend_from_slice(format);
        relman(&args)
    };
    let run = vote(&[]);
    let err = run.exits(1).stderr_json();
    assert_eq!(err["code"], "forbidden");
    assert_eq!(err["rule"], "approval.delegation");
    snapshot("governance-delegation-refused.json", &run.stderr);
    let table = vote(&["--format", "table"]);
    table.exits(1);
    snapshot("governance-delegation-refused-table.txt", &table.stderr);
    assert_eq!(release.read_json(), before);
}

#[test]
fn delegation_flags_are_checked() {
    let ctx = context();
    let release = delegated(&ctx);
    // --delegate belongs to delegate and revoke_delegation.
    let run = relman(&[
        "apply",
        release.path(),
        "--context",
        ctx.path(),
        "--command",
        "advance",
        "--actor",
        "anna.jansen",
        "--delegate",
        "bob.k",
        "--at",
        "2026-11-20T10:05:00Z",
    ]);
    run.exits(2);
    // delegate needs --until.
    let run = relman(&[
        "apply",
        release.path(),
        "--context",
        ctx.path(),
        "--command",
        "delegate",
        "--actor",
        "jonas.schmidt",
        "--delegate",
        "bob.k",
        "--at",
        "2026-11-20T10:05:00Z",
    ]);
    run.exits(2);
    assert!(run.stderr.contains("--until"), "{}", run.context());
    // A delegation to oneself: invalid_input at `to`, exit 2.
    let run = relman(&[
        "apply",
        release.path(),
        "--context",
        ctx.path(),
        "--command",
        "delegate",
        "--actor",
        "jonas.schmidt",
        "--delegate",
        "jonas.schmidt",
        "--until",
        UNTIL,
        "--at",
        "2026-11-20T10:05:00Z",
    ]);
    let err = run.exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "to");
    // revoke_delegation through the flags.
    let run = relman(&[
        "apply",
        release.path(),
        "--context",
        ctx.path(),
        "--command",
        "revoke_delegation",
        "--actor",
        "petra.mueller",
        "--delegate",
        "bob.k",
        "--at",
        "2026-11-20T10:05:00Z",
    ]);
    let out = run.exits(0).stdout_json();
    assert_eq!(out["events"][0]["details"]["revoked"], json!([4]));
}
