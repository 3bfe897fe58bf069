//! The record from the command line (docs/lifecycle.md, "The record"):
//! `apply --command amend|import` and their flags, `verify-log` with its
//! differences (JSON and table), `check` with the `record.log` requirement,
//! and the exit codes of a forged vote, a look-alike actor id and an
//! approver who deploys.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};

mod common;
use common::{minor_in_planning, record_fixture, relman, Run, TempFile};

/// `rita` owns the release and sits on the CAB; `mia` is another release
/// manager on the CAB, so she can approve and (but for the separation of
/// duties) deploy.
fn context() -> TempFile {
    TempFile::json("context.json", &record_fixture("context.json"))
}

/// A minor release in planning whose gates are met up to approval.
fn planning() -> TempFile {
    TempFile::json("release.json", &minor_in_planning("REL-R1"))
}

/// `relman apply RELEASE --context CTX --out RELEASE FLAGS…`.
fn step(release: &TempFile, ctx: &TempFile, flags: &[&str]) -> Run {
    let mut args = vec![
        "apply",
        release.path(),
        "--context",
        ctx.path(),
        "--out",
        release.path(),
    ];
    args.extend_from_slice(flags);
    relman(&args)
}

/// `relman apply RELEASE --context CTX FLAGS…` (nothing written back).
fn try_apply(release: &TempFile, ctx: &TempFile, flags: &[&str]) -> Run {
    let mut args = vec!["apply", release.path(), "--context", ctx.path()];
    args.extend_from_slice(flags);
    relman(&args)
}

fn advance(release: &TempFile, ctx: &TempFile, times: usize) {
    for _ in 0..times {
        step(release, ctx, &["--command", "advance", "--actor", "rita"]).exits(0);
    }
}

/// The release in approval with mia's CAB vote.
fn approved_by_mia(ctx: &TempFile) -> TempFile {
    let release = planning();
    advance(&release, ctx, 3);
    step(
        &release,
        ctx,
        &["--command", "approve", "--actor", "mia", "--role", "cab"],
    )
    .exits(0);
    release
}

/// The approved release with a second vote written straight into it.
fn forged(ctx: &TempFile) -> TempFile {
    let release = approved_by_mia(ctx);
    let mut doc = release.read_json();
    doc["approvals"].as_array_mut().unwrap().push(json!({
        "approver": "carol", "role": "cab", "decision": "approved", "at": "2026-03-01T09:30:00Z"
    }));
    TempFile::json("forged.json", &doc)
}

// ------------------------------------------------------------------- amend

#[test]
fn amend_from_flags_sets_sealed_fields_and_logs_them() {
    let ctx = context();
    let release = planning();
    advance(&release, &ctx, 1);
    let run = step(
        &release,
        &ctx,
        &[
            "--command",
            "amend",
            "--actor",
            "rita",
            "--reason",
            "typo tolerance joins the release",
            "--set",
            r#"{"scope": "Suggestions and typo tolerance", "services": ["search"]}"#,
        ],
    );
    let applied = run.exits(0).stdout_json();
    let event = &applied["events"][0];
    assert_eq!(event["command"], "amend");
    assert_eq!(
        event["details"]["reason"],
        "typo tolerance joins the release"
    );
    assert_eq!(event["details"]["fields"], json!(["scope", "services"]));
    let written = release.read_json();
    assert_eq!(written["scope"], "Suggestions and typo tolerance");
    assert_eq!(written["state"], "development");
    relman(&["verify-log", release.path()]).exits(0);
}

#[test]
fn amend_reads_the_amendment_from_a_file_and_voids_the_round_in_approval() {
    let ctx = context();
    let release = approved_by_mia(&ctx);
    let set = TempFile::json(
        "set.json",
        &json!({"planned_start": "2026-03-11T22:00:00Z", "planned_end": "2026-03-11T23:00:00Z"}),
    );
    let run = step(
        &release,
        &ctx,
        &[
            "--command",
            "amend",
            "--actor",
            "rita",
            "--reason",
            "the window moved",
            "--set",
            set.path(),
            "--format",
            "table",
        ],
    );
    run.exits(0);
    assert!(
        run.stdout
            .starts_with("REL-R1: stays in approval (amend by rita"),
        "{}",
        run.stdout
    );
    let written = release.read_json();
    assert_eq!(written["approval_round"], 2);
    assert_eq!(written["planned_start"], "2026-03-11T22:00:00Z");
    // The vote of round 1 no longer counts.
    let report = relman(&[
        "check",
        release.path(),
        "--to",
        "deployment",
        "--context",
        ctx.path(),
    ]);
    let report = report.exits(1).stdout_json();
    let quorum = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "approval.quorum")
        .unwrap()
        .clone();
    assert_eq!(quorum["met"], false);
}

#[test]
fn amend_flags_are_checked_with_exit_2() {
    let ctx = context();
    let release = planning();
    advance(&release, &ctx, 1);
    let before = release.read_json();
    let bad_json = TempFile::new("set.json", "{\n  \"scope\": ");
    let cases: [(&[&str], &str); 6] = [
        (
            &["--set", r#"{"scope": "x"}"#],
            "--command amend needs --reason",
        ),
        (&["--reason", "why"], "--command amend needs --set"),
        (
            &["--reason", "why", "--set", r#"{"title": "x"}"#],
            "unknown field `title`",
        ),
        (
            &["--reason", "why", "--set", "[1]"],
            "expected a JSON object",
        ),
        (
            &["--reason", "why", "--set", "/nonexistent/set.json"],
            "cannot read",
        ),
        (&["--reason", "why", "--set", "{}"], "sets no field"),
    ];
    for (flags, needle) in cases {
        let mut args = vec!["--command", "amend", "--actor", "rita"];
        args.extend_from_slice(flags);
        let run = try_apply(&release, &ctx, &args);
        let err = run.exits(2).stderr_json();
        assert_eq!(err["code"], "invalid_input", "{flags:?}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains(needle),
            "{flags:?}: {err}"
        );
    }
    // Malformed JSON in a file: its path, line and column.
    let run = try_apply(
        &release,
        &ctx,
        &[
            "--command",
            "amend",
            "--actor",
            "rita",
            "--reason",
            "why",
            "--set",
            bad_json.path(),
        ],
    );
    let err = run.exits(2).stderr_json();
    assert_eq!(err["path"], "set");
    assert_eq!(err["line"], 2);
    assert!(
        err["message"].as_str().unwrap().contains("set.json"),
        "{err}"
    );
    // A missing role is a negative verdict, not an error.
    let run = try_apply(
        &release,
        &ctx,
        &[
            "--command",
            "amend",
            "--actor",
            "quinn",
            "--reason",
            "why",
            "--set",
            r#"{"scope": "x"}"#,
        ],
    );
    assert_eq!(run.exits(1).stderr_json()["rule"], "roles.amend");
    // Flags of other commands are refused.
    let run = try_apply(
        &release,
        &ctx,
        &["--command", "advance", "--actor", "rita", "--set", "{}"],
    );
    let err = run.exits(2).stderr_json();
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("--set does not apply to advance"),
        "{err}"
    );
    assert_eq!(release.read_json(), before, "nothing written on an error");
}

// ------------------------------------------------------------------ import

#[test]
fn import_with_adopt_brings_a_release_past_planning_into_the_record() {
    let ctx = context();
    // A release that reaches relman in approval, with a vote cast
    // elsewhere and no log.
    let mut doc = planning().read_json();
    doc["state"] = json!("approval");
    doc["approvals"] = json!([
        {"approver": "carol", "role": "cab", "decision": "approved", "at": "2026-03-01T08:00:00Z"}
    ]);
    let release = TempFile::json("release.json", &doc);
    // The log is tampered (empty_log): every command but an adopting
    // import is refused.
    let verdict = relman(&["verify-log", release.path()]);
    let verdict = verdict.exits(1).stdout_json();
    assert_eq!(verdict["tamper"]["kind"], "empty_log");
    let refused = try_apply(&release, &ctx, &["--command", "advance", "--actor", "rita"]);
    let err = refused.exits(1).stderr_json();
    assert_eq!(err["code"], "log_tampered");
    assert_eq!(err["path"], "log");

    let run = step(
        &release,
        &ctx,
        &[
            "--command",
            "import",
            "--actor",
            "rita",
            "--source",
            "servicenow:acme",
            "--records",
            "RLSE0010041,CHG0041101",
            "--adopt",
        ],
    );
    let applied = run.exits(0).stdout_json();
    let details = &applied["events"][0]["details"];
    assert_eq!(details["source"], "servicenow:acme");
    assert_eq!(details["records"], json!(["RLSE0010041", "CHG0041101"]));
    assert!(details.get("adopt").is_some() && details.get("seal").is_some());
    let written = release.read_json();
    assert_eq!(written["approvals"][0]["source"], "servicenow:acme");
    relman(&["verify-log", release.path()]).exits(0);
    // The adopted vote counts.
    relman(&[
        "check",
        release.path(),
        "--to",
        "deployment",
        "--context",
        ctx.path(),
    ])
    .exits(0);
}

#[test]
fn import_votes_and_runs_from_files() {
    let ctx = context();
    // Runs, in development.
    let release = planning();
    advance(&release, &ctx, 1);
    let runs = TempFile::json(
        "runs.json",
        &json!([{"kind": "security", "passed": 12, "failed": 0}]),
    );
    let run = step(
        &release,
        &ctx,
        &[
            "--command",
            "import",
            "--actor",
            "rita",
            "--source",
            "jenkins:search",
            "--records",
            "build-812",
            "--tests",
            runs.path(),
        ],
    );
    run.exits(0);
    let written = release.read_json();
    let last = written["tests"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "security");
    assert_eq!(last["source"], "jenkins:search");

    // Votes, in approval: they count for the quorum.
    let release = planning();
    advance(&release, &ctx, 3);
    let votes = TempFile::json(
        "votes.json",
        &json!([{"approver": "carol", "role": "cab", "decision": "approved", "at": "2026-03-01T08:00:00Z"}]),
    );
    step(
        &release,
        &ctx,
        &[
            "--command",
            "import",
            "--actor",
            "rita",
            "--source",
            "servicenow:acme",
            "--approvals",
            votes.path(),
        ],
    )
    .exits(0);
    let written = release.read_json();
    assert_eq!(written["approvals"][0]["source"], "servicenow:acme");
    relman(&[
        "check",
        release.path(),
        "--to",
        "deployment",
        "--context",
        ctx.path(),
    ])
    .exits(0);

    // An imported vote is checked like a cast one (exit 1); the flags like
    // any (exit 2).
    let own = r#"[{"approver": "rita", "role": "cab", "decision": "approved", "at": "2026-03-01T08:00:00Z"}]"#;
    let run = try_apply(
        &release,
        &ctx,
        &[
            "--command",
            "import",
            "--actor",
            "rita",
            "--source",
            "sn",
            "--approvals",
            own,
        ],
    );
    assert_eq!(run.exits(1).stderr_json()["rule"], "sod.owner_approval");
    let run = try_apply(
        &release,
        &ctx,
        &["--command", "import", "--actor", "rita", "--adopt"],
    );
    assert!(
        run.exits(2).stderr.contains("needs --source"),
        "{}",
        run.stderr
    );
    let run = try_apply(
        &release,
        &ctx,
        &[
            "--command",
            "import",
            "--actor",
            "rita",
            "--source",
            "sn",
            "--approvals",
            r#"{"approver": "carol"}"#,
        ],
    );
    assert!(
        run.exits(2).stderr.contains("expected a JSON list"),
        "{}",
        run.stderr
    );
    let run = try_apply(
        &release,
        &ctx,
        &["--command", "import", "--actor", "rita", "--source", "sn"],
    );
    assert_eq!(run.exits(2).stderr_json()["path"], "approvals");
}

#[test]
fn record_tests_takes_its_runs_from_tests() {
    let ctx = context();
    let release = planning();
    advance(&release, &ctx, 1);
    step(
        &release,
        &ctx,
        &[
            "--command",
            "record_tests",
            "--actor",
            "quinn",
            "--tests",
            r#"[{"kind": "performance", "passed": 7}]"#,
        ],
    )
    .exits(0);
    let written = release.read_json();
    let last = written["tests"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "performance");
    assert!(last.get("source").is_none());
}

// ------------------------------------------------------------- verify-log

#[test]
fn verify_log_lists_the_differences_of_a_forged_vote() {
    let ctx = context();
    let forged = forged(&ctx);
    let run = relman(&["verify-log", forged.path()]);
    let verdict = run.exits(1).stdout_json();
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["tamper"]["kind"], "diverged");
    assert_eq!(verdict["tamper"]["path"], "approvals[1]");
    let differences = verdict["differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1);
    assert_eq!(differences[0]["kind"], "unlogged");
    assert_eq!(differences[0]["path"], "approvals[1]");
    assert!(differences[0].get("seq").is_none());
    assert!(run.stderr.is_empty(), "{}", run.stderr);

    let table = relman(&["verify-log", forged.path(), "--format", "table"]);
    table.exits(1);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(
        lines[0].starts_with("REL-R1: log TAMPERED (diverged) at approvals[1]"),
        "{}",
        table.stdout
    );
    assert!(
        lines[1].starts_with("difference [unlogged] approvals[1]: the vote of carol"),
        "{}",
        table.stdout
    );
}

#[test]
fn verify_log_table_names_the_event_behind_an_edited_field() {
    let ctx = context();
    let release = approved_by_mia(&ctx);
    let mut doc = release.read_json();
    doc["kind"] = json!("major");
    doc["approvals"][0]["decision"] = json!("rejected");
    let edited = TempFile::json("edited.json", &doc);
    let verdict = relman(&["verify-log", edited.path()])
        .exits(1)
        .stdout_json();
    let paths: Vec<&str> = verdict["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"kind"), "{paths:?}");
    assert!(
        verdict["differences"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["kind"] == "edited" && d["seq"].is_u64()),
        "{verdict}"
    );
    let table = relman(&["verify-log", edited.path(), "--format", "table"]);
    table.exits(1);
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.starts_with("difference [edited] kind (seq 1): ")),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.starts_with("difference [edited] approvals[0].decision (seq 4): ")),
        "{}",
        table.stdout
    );
    // A valid log has no difference line and no `differences` key.
    let clean = relman(&["verify-log", release.path(), "--format", "table"]);
    clean.exits(0);
    assert!(!clean.stdout.contains("difference"), "{}", clean.stdout);
    let json = relman(&["verify-log", release.path()])
        .exits(0)
        .stdout_json();
    assert!(json.get("differences").is_none(), "{json}");
}

#[test]
fn apply_on_a_forged_vote_is_log_tampered_exit_1() {
    let ctx = context();
    let forged = forged(&ctx);
    let before = forged.read_json();
    let run = step(&forged, &ctx, &["--command", "advance", "--actor", "rita"]);
    let err = run.exits(1).stderr_json();
    assert_eq!(err["code"], "log_tampered");
    assert_eq!(err["path"], "approvals[1]");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(forged.read_json(), before, "nothing written on a refusal");
}

// ------------------------------------------------------------------- check

#[test]
fn check_table_shows_the_record_requirement_first() {
    let ctx = context();
    let release = approved_by_mia(&ctx);
    let run = relman(&[
        "check",
        release.path(),
        "--to",
        "deployment",
        "--context",
        ctx.path(),
        "--format",
        "table",
    ]);
    run.exits(0);
    let first = run.stdout.lines().next().unwrap();
    assert!(first.starts_with("[ok] record.log "), "{}", run.stdout);

    let forged = forged(&ctx);
    let run = relman(&[
        "check",
        forged.path(),
        "--to",
        "deployment",
        "--context",
        ctx.path(),
        "--format",
        "table",
    ]);
    run.exits(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("[--] record.log ") && lines[0].contains("carol"),
        "{}",
        run.stdout
    );
    assert!(
        lines.last().unwrap().starts_with("verdict: denied"),
        "{}",
        run.stdout
    );
    let report = relman(&[
        "check",
        forged.path(),
        "--to",
        "deployment",
        "--context",
        ctx.path(),
    ])
    .exits(1)
    .stdout_json();
    assert_eq!(report["requirements"][0]["rule"], "record.log");
    assert_eq!(
        report["requirements"][0]["data"]["differences"][0]["path"],
        "approvals[1]"
    );
}

// ------------------------------------------------- identity and separation

#[test]
fn a_look_alike_actor_id_is_forbidden_exit_1() {
    let ctx = context();
    let release = planning();
    advance(&release, &ctx, 3);
    for actor in ["Carol", "carol ", "c\u{0430}rol", "ca\u{200B}rol"] {
        let run = try_apply(
            &release,
            &ctx,
            &["--command", "approve", "--actor", actor, "--role", "cab"],
        );
        let err = run.exits(1).stderr_json();
        assert_eq!(err["code"], "forbidden", "{actor:?}");
        assert_eq!(err["rule"], "identity.confusable", "{actor:?}");
    }
    let table = try_apply(
        &release,
        &ctx,
        &[
            "--command",
            "approve",
            "--actor",
            "Carol",
            "--role",
            "cab",
            "--format",
            "table",
        ],
    );
    table.exits(1);
    assert!(
        table.stderr.contains("  rule: identity.confusable"),
        "{}",
        table.stderr
    );
}

#[test]
fn an_approver_may_not_deploy_exit_1_unless_the_policy_relaxes_it() {
    let ctx = context();
    let release = approved_by_mia(&ctx);
    let run = try_apply(
        &release,
        &ctx,
        &["--command", "start_deployment", "--actor", "mia"],
    );
    let err = run.exits(1).stderr_json();
    assert_eq!(err["rule"], "sod.approver_deployment");
    let relaxed = TempFile::json(
        "policy.json",
        &json!({"lifecycle": {"separation_of_duties": {"forbid_approver_deployment": false}}}),
    );
    let run = relman(&[
        "apply",
        release.path(),
        "--context",
        ctx.path(),
        "--policy",
        relaxed.path(),
        "--command",
        "start_deployment",
        "--actor",
        "mia",
    ]);
    let applied: Value = run.exits(0).stdout_json();
    assert_eq!(
        applied["events"][0]["details"]["sod_relaxed"],
        json!(["separation_of_duties.forbid_approver_deployment"])
    );
}
