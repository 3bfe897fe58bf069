//! End-to-end tests of `relman rollout` with a judge step and an
//! experiment: the bundled example (`examples/rollout/judge-step.json`) as
//! a table and as JSON, a failing judge (exit 1) and a bad judge step
//! (exit 2 with its path).

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

fn relman(args: &[&str], stdin: Option<&Value>) -> (i32, String, String) {
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
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/rollout/judge-step.json")
}

fn example_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(example()).unwrap()).unwrap()
}

#[test]
fn the_judge_step_example_as_a_table() {
    let path = example();
    let (code, stdout, stderr) = relman(
        &["rollout", path.to_str().unwrap(), "--format", "table"],
        None,
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for needle in [
        "step.judge  step 1: judge `checkout vs baseline` starts (2 metrics)",
        "observe error_rate,latency_p99_ms +baseline",
        "judge.passed  step 1: judge `checkout vs baseline`: score 100.0 (pass ≥ 95, marginal ≥ 75): pass → continue",
        "observe +baseline variants large-cache,small-cache",
        "`small-cache` score 0.0 (pass ≥ 95, marginal ≥ 75): fail; `latency_p99_ms` high (critical)",
        "experiment.winner",
        "succeeded weight 100% step 5 winner large-cache",
        "final: succeeded at weight 100% (4 inputs)",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in\n{stdout}");
    }
}

#[test]
fn the_judge_step_example_as_json() {
    let path = example();
    let (code, stdout, _) = relman(&["rollout", path.to_str().unwrap()], None);
    assert_eq!(code, 0);
    let out: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        out["decisions"],
        json!(["advance", "advance", "continue", "promote"])
    );
    assert_eq!(out["state"]["experiment"]["winner"], "large-cache");
    assert_eq!(out["steps"][1]["reasons"][0]["rule"], "judge.passed");
    assert_eq!(out["steps"][1]["reasons"][0]["data"]["verdict"], "pass");
}

#[test]
fn a_failing_judge_rolls_back_and_exits_1() {
    let mut replay = example_json();
    // The canary's latency far above the baseline: the critical metric
    // fails.
    replay["inputs"][1]["metrics"]["latency_p99_ms"] =
        json!([290, 310, 305, 298, 302, 307, 299, 303]);
    let (code, stdout, _) = relman(&["rollout", "-", "--format", "table"], Some(&replay));
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("judge.failed"), "{stdout}");
    assert!(stdout.contains("→ roll_back"), "{stdout}");
    assert!(
        stdout.contains("final: rolled_back at weight 0%"),
        "{stdout}"
    );
}

#[test]
fn a_bad_judge_step_exits_2_with_its_path() {
    let mut replay = example_json();
    replay["plan"]["steps"][1]["judge"]["marginal_score"] = json!(99);
    replay["plan"]["steps"][1]["judge"]["pass_score"] = json!(90);
    let (code, _, stderr) = relman(&["rollout", "-"], Some(&replay));
    assert_eq!(code, 2, "{stderr}");
    let err: Value = serde_json::from_str(&stderr).unwrap();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "plan.steps[1].judge.marginal_score");

    let mut replay = example_json();
    replay["plan"]["steps"][3]["experiment"]["variants"] = json!([{"name": "only"}]);
    let (code, _, stderr) = relman(&["rollout", "-"], Some(&replay));
    assert_eq!(code, 2, "{stderr}");
    let err: Value = serde_json::from_str(&stderr).unwrap();
    assert_eq!(err["path"], "plan.steps[3].experiment.variants");
}
