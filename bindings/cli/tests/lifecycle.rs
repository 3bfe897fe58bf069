//! End-to-end tests of the lifecycle commands of the `relman` binary:
//! `check`, `apply`, `verify-log` and `demo` — exit codes, stdout, and the
//! JSON error body on stderr.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside `#[test]` functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};

mod common;
use common::{minor_in_planning, relman, sample, Run, TempFile};

/// The directory of the fixtures: the owner `rita` also sits on the CAB.
fn context() -> TempFile {
    TempFile::json(
        "context.json",
        &json!({
            "now": "2026-03-01T09:00:00Z",
            "actors": [
                {"id": "rita", "roles": ["release_manager", "cab"]},
                {"id": "carol", "roles": ["cab"]},
                {"id": "quinn", "roles": ["qa"]},
                {"id": "dev", "roles": ["release_team"]}
            ],
            // The assessed risk reads the CMDB: readiness needs one.
            "cmdb": {"cis": [{"id": "app-search", "name": "Search app", "class": "application",
                              "criticality": "low", "service": "search"}]}
        }),
    )
}

/// A minor release in planning with everything its gates need up to and
/// including approval, except the CAB vote.
fn minor_release() -> Value {
    let mut release = minor_in_planning("REL-T1");
    release["version"] = json!("2.1.0");
    release
}

/// Applies `--command NAME` with `flags` to `release`, writing the new
/// release back to the same file.
fn step(release: &TempFile, context: &TempFile, flags: &[&str]) -> Run {
    let mut args = vec![
        "apply",
        release.path(),
        "--context",
        context.path(),
        "--out",
        release.path(),
    ];
    args.extend_from_slice(flags);
    relman(&args)
}

fn rules(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|r| r["rule"].as_str().expect("a rule id").to_string())
        .collect()
}

// ------------------------------------------------------------------- check

#[test]
fn check_allowed_exits_0_with_every_requirement() {
    let run = relman(&[
        "check",
        &sample("release-major.json"),
        "--to",
        "development",
    ]);
    let report = run.exits(0).stdout_json();
    assert_eq!(report["allowed"], true);
    assert_eq!(report["from"], "planning");
    assert_eq!(report["target"], "development");
    let rules = rules(&report["requirements"]);
    for rule in [
        "planning.owner",
        "planning.scope",
        "planning.window",
        "planning.communication_plan",
    ] {
        assert!(rules.contains(&rule.to_string()), "{rules:?}");
    }
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn check_denied_exits_1_and_lists_the_unmet_requirements() {
    let mut release = minor_release();
    release["scope"] = Value::Null;
    release["planned_end"] = Value::Null;
    let file = TempFile::json("release.json", &release);
    let run = relman(&["check", file.path(), "--to", "development"]);
    let report = run.exits(1).stdout_json();
    assert_eq!(report["allowed"], false);
    let unmet: Vec<String> = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["met"] == false)
        .map(|r| r["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(unmet, ["planning.scope", "planning.window"]);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn check_uses_the_context_directory_and_previews_the_path() {
    let ctx = context();
    let file = TempFile::json("release.json", &minor_release());
    // The first event seals the test runs the release carries in planning
    // (before it, the log yields none for the testing gates to count).
    step(&file, &ctx, &["--command", "advance", "--actor", "rita"]).exits(0);
    let run = relman(&[
        "check",
        file.path(),
        "--to",
        "deployment",
        "--context",
        ctx.path(),
    ]);
    let report = run.exits(1).stdout_json();
    let unmet: Vec<String> = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["met"] == false)
        .map(|r| r["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(unmet, ["lifecycle.path", "approval.quorum"]);
}

#[test]
fn check_table_marks_each_requirement_and_ends_with_the_verdict() {
    let mut release = minor_release();
    release["scope"] = Value::Null;
    let file = TempFile::json("release.json", &release);
    let run = relman(&[
        "check",
        file.path(),
        "--to",
        "development",
        "--format",
        "table",
    ]);
    run.exits(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with("[ok] planning.owner")),
        "{}",
        run.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("[--] planning.scope") && l.contains("not described")),
        "{}",
        run.stdout
    );
    let last = lines.last().unwrap();
    assert!(last.starts_with("verdict: denied"), "{last}");
}

#[test]
fn check_rejects_an_unknown_state_with_exit_2() {
    let run = relman(&["check", &sample("release-major.json"), "--to", "shipped"]);
    let err = run.exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().contains("deployment"),
        "{err}"
    );
}

#[test]
fn check_of_an_invalid_release_is_an_error() {
    let file = TempFile::new("release.json", r#"{"id": "R", "title": "T"}"#);
    let err = relman(&["check", file.path(), "--to", "development"])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "kind");
}

// ------------------------------------------------------------------- apply

#[test]
fn apply_chains_through_the_lifecycle_with_out() {
    let ctx = context();
    let release = TempFile::json("release.json", &minor_release());

    let run = step(&release, &ctx, &["--command", "advance", "--actor", "rita"]);
    let applied = run.exits(0).stdout_json();
    assert_eq!(applied["release"]["state"], "development");
    assert_eq!(applied["events"][0]["seq"], 1);
    assert_eq!(applied["events"][0]["at"], "2026-03-01T09:00:00Z");
    assert_eq!(release.read_json(), applied["release"]);

    step(
        &release,
        &ctx,
        &[
            "--command",
            "advance",
            "--actor",
            "rita",
            "--at",
            "2026-03-01T10:00:00Z",
        ],
    )
    .exits(0);

    // A command document, including one the flags cannot build.
    let tests = TempFile::json(
        "command.json",
        &json!({
            "command": "record_tests", "actor": "quinn", "at": "2026-03-01T11:00:00Z",
            "tests": [{"kind": "integration", "passed": 22}]
        }),
    );
    let run = relman(&[
        "apply",
        release.path(),
        tests.path(),
        "--context",
        ctx.path(),
        "--out",
        release.path(),
    ]);
    assert_eq!(run.exits(0).stdout_json()["release"]["state"], "testing");

    let run = step(
        &release,
        &ctx,
        &[
            "--command",
            "advance",
            "--actor",
            "rita",
            "--now",
            "2026-03-01T12:00:00Z",
        ],
    );
    let applied = run.exits(0).stdout_json();
    assert_eq!(applied["release"]["state"], "approval");
    assert_eq!(applied["events"][0]["seq"], 4);
    let notification = &applied["notifications"][0];
    assert_eq!(notification["trigger"], "entered_approval");
    let recipients: Vec<&str> = notification["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["to"].as_str().unwrap())
        .collect();
    assert!(recipients.contains(&"carol"), "{recipients:?}");

    let run = step(
        &release,
        &ctx,
        &[
            "--command",
            "approve",
            "--actor",
            "carol",
            "--role",
            "cab",
            "--comment",
            "ok",
            "--at",
            "2026-03-01T13:00:00Z",
        ],
    );
    assert_eq!(
        run.exits(0).stdout_json()["release"]["approvals"][0]["approver"],
        "carol"
    );

    let run = step(
        &release,
        &ctx,
        &[
            "--command",
            "start-deployment",
            "--actor",
            "rita",
            "--at",
            "2026-03-01T14:00:00Z",
        ],
    );
    assert_eq!(run.exits(0).stdout_json()["release"]["state"], "deployment");

    let run = step(
        &release,
        &ctx,
        &[
            "--command",
            "complete_deployment",
            "--actor",
            "dev",
            "--outcome",
            "success",
            "--at",
            "2026-03-01T15:00:00Z",
            "--format",
            "table",
        ],
    );
    run.exits(0);
    assert!(
        run.stdout
            .starts_with("REL-T1: deployment → review (complete_deployment by dev at "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("event #7 hash "), "{}", run.stdout);
    assert!(
        run.stdout.contains("notify on deployment_completed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("rita (owner)"), "{}", run.stdout);

    let verdict = relman(&["verify-log", release.path()])
        .exits(0)
        .stdout_json();
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["events"], 7);
}

#[test]
fn apply_denied_exits_1_with_the_violations_on_stderr() {
    let ctx = context();
    let mut release = minor_release();
    release["scope"] = Value::Null;
    release["owner"] = Value::Null;
    let file = TempFile::json("release.json", &release);
    let before = file.read_json();
    let out = TempFile::new("out.json", "untouched");
    let run = relman(&[
        "apply",
        file.path(),
        "--command",
        "advance",
        "--actor",
        "rita",
        "--context",
        ctx.path(),
        "--out",
        out.path(),
    ]);
    let err = run.exits(1).stderr_json();
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(err["code"], "transition_denied");
    assert_eq!(
        rules(&err["violations"]),
        ["planning.owner", "planning.scope"]
    );
    assert_eq!(err["report"]["allowed"], false);
    // Nothing is written on a denial.
    assert_eq!(std::fs::read_to_string(&out.0).unwrap(), "untouched");
    assert_eq!(file.read_json(), before);
}

#[test]
fn apply_denied_table_lists_each_unmet_rule() {
    let ctx = context();
    let mut release = minor_release();
    release["scope"] = Value::Null;
    let file = TempFile::json("release.json", &release);
    let run = relman(&[
        "apply",
        file.path(),
        "--command",
        "advance",
        "--actor",
        "rita",
        "--context",
        ctx.path(),
        "--format",
        "table",
    ]);
    run.exits(1);
    assert!(run.stderr.contains("[--] planning.scope"), "{}", run.stderr);
}

#[test]
fn self_approval_is_forbidden_with_exit_1() {
    let ctx = context();
    let file = TempFile::json("release.json", &minor_release());
    // Into approval through the log (a release past planning without one
    // is refused as log_tampered).
    for _ in 0..3 {
        step(&file, &ctx, &["--command", "advance", "--actor", "rita"]).exits(0);
    }
    let run = relman(&[
        "apply",
        file.path(),
        "--command",
        "approve",
        "--actor",
        "rita",
        "--role",
        "cab",
        "--context",
        ctx.path(),
    ]);
    let err = run.exits(1).stderr_json();
    assert_eq!(err["code"], "forbidden");
    assert_eq!(err["rule"], "sod.owner_approval");
    assert!(err["message"].as_str().unwrap().contains("rita"), "{err}");
}

#[test]
fn a_tampered_log_refuses_apply_with_exit_1() {
    let ctx = context();
    let release = TempFile::json("release.json", &minor_release());
    step(&release, &ctx, &["--command", "advance", "--actor", "rita"]).exits(0);
    let mut doc = release.read_json();
    doc["log"][0]["actor"] = json!("mallory");
    let tampered = TempFile::json("tampered.json", &doc);
    let run = relman(&[
        "apply",
        tampered.path(),
        "--command",
        "advance",
        "--actor",
        "rita",
        "--context",
        ctx.path(),
    ]);
    let err = run.exits(1).stderr_json();
    assert_eq!(err["code"], "log_tampered");
    assert_eq!(err["path"], "log[0]");
}

#[test]
fn malformed_commands_exit_2() {
    let ctx = context();
    let release = TempFile::json("release.json", &minor_release());
    let cases = [
        // Missing `at`.
        r#"{"command": "advance", "actor": "rita"}"#,
        // Unknown command.
        r#"{"command": "fly", "actor": "rita", "at": "2026-03-01T09:00:00Z"}"#,
        // Blank reason.
        r#"{"command": "cancel", "actor": "rita", "at": "2026-03-01T09:00:00Z", "reason": " "}"#,
        // Not JSON.
        r#"{"command": "advance","#,
    ];
    for text in cases {
        let command = TempFile::new("command.json", text);
        let run = relman(&[
            "apply",
            release.path(),
            command.path(),
            "--context",
            ctx.path(),
        ]);
        let err = run.exits(2).stderr_json();
        assert_eq!(err["code"], "invalid_input", "{text}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains("command.json"),
            "{err}"
        );
    }
}

#[test]
fn command_flags_are_checked() {
    let ctx = context();
    let release = TempFile::json("release.json", &minor_release());
    let cases: [(&[&str], &str); 6] = [
        (&["--command", "approve", "--actor", "carol"], "--role"),
        (
            &[
                "--command",
                "advance",
                "--actor",
                "rita",
                "--outcome",
                "success",
            ],
            "does not apply",
        ),
        (
            &["--command", "record_tests", "--actor", "quinn"],
            "--tests",
        ),
        (&["--command", "cancel", "--actor", "rita"], "--reason"),
        (&["--command", "launch", "--actor", "rita"], "launch"),
        (&["--command", "advance"], "--actor"),
    ];
    for (flags, needle) in cases {
        let mut args = vec!["apply", release.path(), "--context", ctx.path()];
        args.extend_from_slice(flags);
        let run = relman(&args);
        let err = run.exits(2).stderr_json();
        assert_eq!(err["code"], "invalid_input", "{flags:?}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains(needle),
            "{flags:?}: {err}"
        );
    }
}

#[test]
fn flags_without_a_time_take_the_system_clock_and_say_so() {
    let ctx = TempFile::json(
        "context.json",
        &json!({"actors": [{"id": "rita", "roles": ["release_manager"]}]}),
    );
    let release = TempFile::json("release.json", &minor_release());
    let run = relman(&[
        "apply",
        release.path(),
        "--command",
        "advance",
        "--actor",
        "rita",
        "--context",
        ctx.path(),
    ]);
    run.exits(0);
    // The event's time is the clock's, named on stderr (the JSON is as
    // with --now).
    let used = run
        .stderr
        .trim_end()
        .strip_prefix("note: no --now: using the system clock, ")
        .unwrap_or_else(|| panic!("{}", run.context()))
        .to_string();
    let out = run.stdout_json();
    let last = out["release"]["log"].as_array().unwrap().last().unwrap();
    assert_eq!(last["at"], used.as_str(), "{out:#}");
}

#[test]
fn a_command_file_and_command_flags_conflict() {
    let command = TempFile::new(
        "command.json",
        r#"{"command": "advance", "actor": "rita", "at": "2026-03-01T09:00:00Z"}"#,
    );
    let run = relman(&[
        "apply",
        &sample("release-major.json"),
        command.path(),
        "--command",
        "advance",
        "--actor",
        "rita",
    ]);
    assert_eq!(run.exits(2).stderr_json()["code"], "invalid_input");
}

// -------------------------------------------------------------- verify-log

#[test]
fn verify_log_accepts_an_intact_log_and_catches_an_edit() {
    let ctx = context();
    let release = TempFile::json("release.json", &minor_release());
    for at in ["2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"] {
        step(
            &release,
            &ctx,
            &["--command", "advance", "--actor", "rita", "--at", at],
        )
        .exits(0);
    }
    let verdict = relman(&["verify-log", release.path()])
        .exits(0)
        .stdout_json();
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["events"], 2);
    let head = verdict["head"].as_str().unwrap().to_string();

    let table = relman(&["verify-log", release.path(), "--format", "table"]);
    assert!(
        table.exits(0).stdout.contains("log verified"),
        "{}",
        table.stdout
    );

    // The head stored after the first event: one event appended since.
    let first = release.read_json()["log"][0]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let verdict = relman(&["verify-log", release.path(), "--expected-head", &first])
        .exits(0)
        .stdout_json();
    assert_eq!(verdict["events_after_expected_head"], 1);

    // Edit an event's actor.
    let mut doc = release.read_json();
    doc["log"][1]["actor"] = json!("mallory");
    let tampered = TempFile::json("tampered.json", &doc);
    let run = relman(&["verify-log", tampered.path()]);
    let verdict = run.exits(1).stdout_json();
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["tamper"]["kind"], "edited");
    assert_eq!(verdict["tamper"]["path"], "log[1]");
    assert!(run.stderr.is_empty(), "{}", run.stderr);

    // Cut the last event off: only the stored head can tell.
    let mut doc = release.read_json();
    doc["log"].as_array_mut().unwrap().pop();
    doc["state"] = json!("development");
    let cut = TempFile::json("cut.json", &doc);
    relman(&["verify-log", cut.path()]).exits(0);
    let verdict = relman(&["verify-log", cut.path(), "--expected-head", &head])
        .exits(1)
        .stdout_json();
    assert_eq!(verdict["tamper"]["kind"], "truncated");

    let table = relman(&["verify-log", tampered.path(), "--format", "table"]);
    assert!(
        table.exits(1).stdout.contains("TAMPERED (edited)"),
        "{}",
        table.stdout
    );
}

#[test]
fn verify_log_rejects_a_malformed_head_with_exit_2() {
    let run = relman(&[
        "verify-log",
        &sample("release-major.json"),
        "--expected-head",
        "abc",
    ]);
    assert_eq!(run.exits(2).stderr_json()["code"], "invalid_input");
}

// -------------------------------------------------------------------- demo

#[test]
fn demo_runs_the_whole_lifecycle() {
    let run = relman(&["demo"]);
    run.exits(0);
    for needle in [
        "transition_denied",
        "planning.communication_plan",
        "sod.owner_approval",
        "approval quorum met",
        "notify on entered_approval",
        "notify on closed",
        "review → closed",
        "log verified",
        "REL-2026-050 is closed",
    ] {
        assert!(
            run.stdout.contains(needle),
            "`{needle}` missing:\n{}",
            run.stdout
        );
    }
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn demo_json_is_an_array_of_steps() {
    let steps = relman(&["demo", "--format", "json"]).exits(0).stdout_json();
    let steps = steps.as_array().expect("an array of steps");
    assert!(steps.len() >= 10, "{} steps", steps.len());
    let outcomes: Vec<&str> = steps
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    assert!(outcomes.contains(&"denied"), "{outcomes:?}");
    assert!(outcomes.contains(&"forbidden"), "{outcomes:?}");
    let last = steps.last().unwrap();
    assert_eq!(last["state"], "closed");
    assert_eq!(last["result"]["verdict"]["valid"], true);
    // The final release verifies on its own, through the CLI too.
    let release = TempFile::json("demo-release.json", &last["result"]["release"]);
    relman(&["verify-log", release.path()]).exits(0);
}
