//! End-to-end tests of `relman rollout` and `relman judge`: exit codes,
//! decisions on stdout, tables, and error bodies with paths on stderr.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside `#[test]` functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn exits(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    fn stdout_json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap()
    }

    fn stderr_json(&self) -> Value {
        serde_json::from_str(&self.stderr).unwrap()
    }
}

fn relman(args: &[&str], stdin: Option<&Value>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(v) = stdin {
            input.write_all(v.to_string().as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/rollout")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn decisions(run: &Run) -> Vec<String> {
    run.stdout_json()["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_good_canary_replays_to_success_with_exit_0() {
    let run = relman(&["rollout", &example("canary-good.json")], None);
    run.exits(0);
    assert_eq!(
        decisions(&run),
        ["advance", "continue", "advance", "advance", "continue", "promote"]
    );
    let out = run.stdout_json();
    assert_eq!(out["state"]["phase"], "succeeded");
    assert_eq!(out["state"]["weight"], 100);
    assert_eq!(out["steps"][3]["reasons"][1]["rule"], "analysis.passed");
}

#[test]
fn a_bad_canary_rolls_back_with_exit_1() {
    let run = relman(&["rollout", &example("canary-bad.json")], None);
    run.exits(1);
    assert_eq!(
        decisions(&run),
        ["advance", "continue", "advance", "roll_back", "continue"]
    );
    assert_eq!(run.stdout_json()["state"]["phase"], "rolled_back");
}

#[test]
fn blue_green_post_promotion_failure_exits_1_and_reads_well_as_a_table() {
    let run = relman(
        &[
            "rollout",
            &example("blue-green-post-promotion-fails.json"),
            "--format",
            "table",
        ],
        None,
    );
    run.exits(1);
    assert!(
        run.stdout.contains("-> promote   promoting weight 100%"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("-> roll_back rolled_back weight 0%"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("analysis.failure_limit"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .ends_with("final: rolled_back at weight 0% (5 inputs)\n"));
}

#[test]
fn policy_defaults_reach_the_rollout() {
    // No data: the default policy pauses, a policy with no_data fail rolls back.
    let doc = json!({
        "plan": {"strategy": "big_bang", "analysis": {"metrics": [{"name": "health", "min": 1}]}},
        "inputs": [
            {"at": "2026-12-01T10:00:00Z", "kind": "tick"},
            {"at": "2026-12-01T10:01:00Z", "kind": "observation", "metrics": {}}
        ]
    });
    let run = relman(&["rollout", "-"], Some(&doc));
    run.exits(0);
    assert_eq!(decisions(&run), ["advance", "pause"]);
    let dir = std::env::temp_dir().join(format!("relman-rollout-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("policy.json");
    std::fs::write(&policy, r#"{"rollout": {"analysis": {"no_data": "fail"}}}"#).unwrap();
    let run = relman(
        &["--policy", policy.to_str().unwrap(), "rollout", "-"],
        Some(&doc),
    );
    run.exits(1);
    assert_eq!(decisions(&run), ["advance", "roll_back"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rollout_bad_input_exits_2_with_the_path() {
    let cases = [
        (
            json!({"plan": {"strategy": "canary", "steps": []}, "inputs": []}),
            "plan.steps",
        ),
        (
            json!({"plan": {"strategy": "canary", "steps": [{"set_weight": 60}, {"set_weight": 30}, {"set_weight": 100}]}, "inputs": []}),
            "plan.steps[1].set_weight",
        ),
        (
            json!({"plan": {"strategy": "canary", "steps": [{"pause": {"duration_secs": -5}}, {"set_weight": 100}]}, "inputs": []}),
            "plan.steps[0].pause.duration_secs",
        ),
        (
            json!({"plan": {"strategy": "big_bang", "analysis": {"metrics": [{"name": "health", "min": 1}]}},
                   "inputs": [{"at": "2026-12-01T10:00:00Z", "kind": "observation", "metrics": {"cpu": 1}}]}),
            "inputs[0].metrics.cpu",
        ),
        (
            json!({"plan": {"strategy": "big_bang", "analysis": {"metrics": [{"name": "health", "min": 1}]}},
                   "inputs": [{"at": "2026-12-01T10:00:00Z", "kind": "observation", "metrics": {"health": [null]}}]}),
            "inputs[0].metrics.health",
        ),
        (
            json!({"plan": {"strategy": "big_bang"},
                   "inputs": [{"at": "2026-12-01T10:00:00Z", "kind": "tick"}, {"at": "2026-12-01T09:00:00Z", "kind": "tick"}]}),
            "inputs[1].at",
        ),
    ];
    for (doc, path) in cases {
        let run = relman(&["rollout", "-"], Some(&doc));
        run.exits(2);
        let err = run.stderr_json();
        assert_eq!(err["code"], "invalid_input", "{doc}");
        assert_eq!(err["path"], path, "{doc}: {err}");
    }
}

#[test]
fn judge_fails_new_critical_errors_and_passes_a_healthy_canary() {
    let run = relman(&["judge", &example("judge-new-errors.json")], None);
    run.exits(1);
    let j = run.stdout_json();
    assert_eq!(j["verdict"], "fail");
    assert_eq!(j["metrics"][1]["classification"], "high");
    assert_eq!(j["metrics"][1]["rule"], "critical_new_errors");
    assert_eq!(j["warnings"][0]["code"], "nan_dropped");

    let run = relman(
        &["judge", &example("judge-healthy.json"), "--format", "table"],
        None,
    );
    run.exits(0);
    assert!(
        run.stdout.contains("verdict: PASS (score 100.0)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.lines().next().unwrap().starts_with("metric"));
}

#[test]
fn judge_bad_input_exits_2_with_the_path() {
    let cases = [
        (
            json!({"baseline": {"x": [1, 2]}, "canary": {"x": [null, null]}}),
            "canary.x",
        ),
        (
            json!({"baseline": {"x": [1, 2]}, "canary": {"x": [1]}, "config": {"alpha": 2}}),
            "config.alpha",
        ),
        (
            json!({"baseline": {"x": "fast"}, "canary": {"x": [1]}}),
            "baseline.x",
        ),
        (
            json!({"baseline": {"x": [1, "2"]}, "canary": {"x": [1]}}),
            "baseline.x[1]",
        ),
    ];
    for (doc, path) in cases {
        let run = relman(&["judge", "-"], Some(&doc));
        run.exits(2);
        let err = run.stderr_json();
        assert_eq!(err["code"], "invalid_input", "{doc}");
        assert_eq!(err["path"], path, "{doc}: {err}");
    }
}

#[test]
fn validate_knows_the_new_documents() {
    for (file, kind) in [
        ("canary-good.json", "rollout_replay"),
        ("judge-healthy.json", "canary_comparison"),
    ] {
        let run = relman(&["validate", &example(file)], None);
        run.exits(0);
        assert_eq!(run.stdout_json()["document"], kind);
    }
}

/// The dropped-breach scenario of issue #22: the step analysis pauses for
/// lack of latency data, a 0.031 error rate (max 0.01) arrives during the
/// pause, then someone promotes.
fn dropped_breach(on_failure: Option<&str>) -> Value {
    let mut analysis = json!({"name": "error-rate", "metrics": [{"name": "error_rate", "max": 0.01}], "starting_step": 1});
    if let Some(o) = on_failure {
        analysis["on_failure"] = json!(o);
    }
    json!({
        "plan": {"strategy": "canary", "steps": [
            {"set_weight": 20},
            {"analysis": {"metrics": [{"name": "latency_p99", "max": 300}]}},
            {"set_weight": 50}, {"pause": {}}, {"set_weight": 100}
        ], "analysis": analysis},
        "inputs": [
            {"at": "2026-12-01T10:00:00Z", "kind": "tick"},
            {"at": "2026-12-01T10:05:00Z", "kind": "observation", "metrics": {"latency_p99": [], "error_rate": 0.004}},
            {"at": "2026-12-01T10:07:00Z", "kind": "observation", "metrics": {"error_rate": 0.031}},
            {"at": "2026-12-01T10:08:00Z", "kind": "command", "command": "promote", "actor": "rita"}
        ]
    })
}

#[test]
fn a_breach_during_a_no_data_pause_rolls_back_and_denies_the_promote() {
    let run = relman(&["rollout", "-"], Some(&dropped_breach(None)));
    run.exits(1);
    assert_eq!(
        decisions(&run),
        ["advance", "pause", "roll_back", "continue"]
    );
    let out = run.stdout_json();
    assert_eq!(out["steps"][1]["state"]["reason"], "no_data");
    assert_eq!(
        out["steps"][2]["reasons"][1]["rule"],
        "background.failure_limit"
    );
    assert_eq!(out["state"]["phase"], "rolled_back");
    assert_eq!(out["state"]["weight"], 0);
    assert_eq!(out["state"]["background"]["breach"]["value"], 0.031);
    let denied = &out["steps"][3]["reasons"][1];
    assert_eq!(denied["rule"], "command.denied");
    assert!(denied["message"]
        .as_str()
        .unwrap()
        .starts_with("promote is denied: the background analysis failed: `error_rate` failed 1 time (failure limit 0, value 0.031)"));
    assert_eq!(out["warnings"][0]["code"], "denied_command");
    assert_eq!(out["warnings"][0]["path"], "inputs[3].command");

    let table = relman(
        &["rollout", "-", "--format", "table"],
        Some(&dropped_breach(None)),
    );
    table.exits(1);
    assert!(
        table.stdout.contains("background.failure_limit"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("command.denied"), "{}", table.stdout);
    assert!(
        table
            .stdout
            .ends_with("final: rolled_back at weight 0% (4 inputs)\n"),
        "{}",
        table.stdout
    );
}

#[test]
fn a_breach_under_on_failure_pause_stays_paused_and_exits_1() {
    let run = relman(&["rollout", "-"], Some(&dropped_breach(Some("pause"))));
    run.exits(1);
    assert_eq!(decisions(&run), ["advance", "pause", "pause", "continue"]);
    let out = run.stdout_json();
    assert_eq!(out["state"]["phase"], "paused");
    assert_eq!(out["state"]["reason"], "analysis_failed");
    assert_eq!(out["state"]["weight"], 20);
    assert_eq!(out["steps"][3]["reasons"][0]["rule"], "command.denied");
}

#[test]
fn a_bad_starting_step_exits_2_with_its_path() {
    let mut doc = dropped_breach(None);
    doc["plan"]["analysis"]["starting_step"] = json!(9);
    let run = relman(&["rollout", "-"], Some(&doc));
    run.exits(2);
    let body = run.stderr_json();
    assert_eq!(body["code"], "invalid_input");
    assert_eq!(body["problems"][0]["path"], "plan.analysis.starting_step");
}
