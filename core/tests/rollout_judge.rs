//! The judge as a canary step and the experiment step: each verdict
//! (pass → next step, marginal → pause, fail → roll back), the per-step
//! and policy overrides, a missing baseline, min_samples, experiments with
//! one and with two failing variants, resume after a judge pause, and
//! every bad config with its error code and path.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::policy::RolloutPolicy;
use relman::rollout::{
    replay, rollout_step, rollout_step_with_policy, CanaryVerdict, PauseReason, RolloutDecision,
    RolloutInput, RolloutPhase, RolloutReplay, RolloutState,
};
use relman::DeploymentPlan;
use serde_json::{json, Value};

use RolloutDecision::{Advance, Continue, Pause, RollBack};

#[path = "support/rollout.rs"]
mod rollout_support;
use rollout_support::{input, plan, t};

fn policy(v: Value) -> RolloutPolicy {
    serde_json::from_value(v).unwrap()
}

const BASE_LAT: [f64; 8] = [200., 210., 205., 198., 202., 207., 199., 203.];
const GOOD_LAT: [f64; 8] = [201., 209., 204., 199., 203., 206., 200., 202.];
const BAD_LAT: [f64; 8] = [290., 310., 305., 298., 302., 307., 299., 303.];
const BASE_ERR: [f64; 8] = [0.002, 0.002, 0.001, 0.003, 0.002, 0.002, 0.001, 0.002];
const GOOD_ERR: [f64; 8] = [0.002, 0.001, 0.002, 0.003, 0.002, 0.001, 0.002, 0.002];
const BAD_ERR: [f64; 8] = [0.02, 0.03, 0.025, 0.021, 0.022, 0.028, 0.024, 0.026];

/// [set_weight 10, judge, set_weight 50, pause, set_weight 100]; the judge
/// weighs latency 1 and errors 4 (latency alone high: score 80, marginal).
fn judge_plan(extra: Value) -> DeploymentPlan {
    let mut judge = json!({"metrics": [
        {"name": "latency_p99_ms", "direction": "increase", "weight": 1},
        {"name": "error_rate", "direction": "increase", "weight": 4}
    ]});
    for (k, v) in extra.as_object().unwrap() {
        judge[k] = v.clone();
    }
    plan(json!({"strategy": "canary", "steps": [
        {"set_weight": 10}, {"judge": judge}, {"set_weight": 50}, {"pause": {}}, {"set_weight": 100}
    ]}))
}

fn observe(lat: &[f64], err: &[f64]) -> RolloutInput {
    input(json!({"kind": "observation",
        "metrics": {"latency_p99_ms": lat, "error_rate": err},
        "baseline": {"latency_p99_ms": BASE_LAT, "error_rate": BASE_ERR}}))
}

/// The state at the judge step (a tick started the rollout).
fn at_judge(p: &DeploymentPlan) -> RolloutState {
    let s = rollout_step(p, &RolloutState::default(), &RolloutInput::Tick, &t(0)).unwrap();
    assert_eq!(
        (s.state.phase, s.state.step, s.state.weight),
        (RolloutPhase::Progressing, 1, 10)
    );
    assert_eq!(s.reasons.last().unwrap().rule, "step.judge");
    s.state
}

fn error_of(r: relman::Result<impl std::fmt::Debug>) -> (String, String) {
    let e = r.unwrap_err();
    let body = serde_json::to_value(e.to_body()).unwrap();
    (
        body["code"].as_str().unwrap().to_string(),
        body["path"].as_str().unwrap().to_string(),
    )
}

#[test]
fn pass_advances_to_the_next_step() {
    let p = judge_plan(json!({}));
    let s = rollout_step(&p, &at_judge(&p), &observe(&GOOD_LAT, &GOOD_ERR), &t(10)).unwrap();
    assert_eq!(s.decision, Advance);
    assert_eq!(
        (s.state.phase, s.state.weight, s.state.step),
        (RolloutPhase::Paused, 50, 3)
    );
    let r = &s.reasons[0];
    assert_eq!(r.rule, "judge.passed");
    assert_eq!(r.data["verdict"], "pass");
    assert_eq!(r.data["score"], 100.0);
    assert_eq!(r.data["action"], "continue");
    assert_eq!(r.data["metrics"][0]["classification"], "pass");
}

#[test]
fn marginal_pauses_for_a_human() {
    let p = judge_plan(json!({}));
    let s = rollout_step(&p, &at_judge(&p), &observe(&BAD_LAT, &GOOD_ERR), &t(10)).unwrap();
    assert_eq!(s.decision, Pause);
    assert_eq!(s.state.phase, RolloutPhase::Paused);
    assert_eq!(s.state.reason, Some(PauseReason::JudgeMarginal));
    assert_eq!(s.state.weight, 10);
    let r = &s.reasons[0];
    assert_eq!(r.rule, "judge.marginal");
    assert_eq!(r.data["score"], 80.0);
    assert_eq!(r.data["metrics"][0]["classification"], "high");
    assert!(r.message.contains("`latency_p99_ms` high"), "{}", r.message);

    // resume accepts the verdict: the next step; abort ends it.
    let resumed = rollout_step(
        &p,
        &s.state,
        &input(json!({"kind": "command", "command": "resume"})),
        &t(20),
    )
    .unwrap();
    assert_eq!(resumed.decision, Advance);
    assert_eq!(resumed.reasons[0].rule, "command.resume_accepts_judgement");
    assert_eq!(resumed.state.weight, 50);
    let aborted = rollout_step(
        &p,
        &s.state,
        &input(json!({"kind": "command", "command": "abort"})),
        &t(20),
    )
    .unwrap();
    assert_eq!(aborted.decision, RollBack);
    // A tick does not end a judge pause.
    let ticked = rollout_step(&p, &s.state, &RolloutInput::Tick, &t(30)).unwrap();
    assert_eq!(ticked.decision, Continue);
    assert_eq!(ticked.state.reason, Some(PauseReason::JudgeMarginal));
}

#[test]
fn fail_rolls_back() {
    let p = judge_plan(json!({}));
    let s = rollout_step(&p, &at_judge(&p), &observe(&BAD_LAT, &BAD_ERR), &t(10)).unwrap();
    assert_eq!(s.decision, RollBack);
    assert_eq!(
        (s.state.phase, s.state.weight),
        (RolloutPhase::RolledBack, 0)
    );
    assert_eq!(s.reasons[0].rule, "judge.failed");
    assert_eq!(s.reasons[0].data["verdict"], "fail");
    assert_eq!(s.reasons[0].data["action"], "roll_back");
}

#[test]
fn a_critical_metric_that_fails_fails_the_step() {
    let p = judge_plan(json!({"metrics": [
        {"name": "latency_p99_ms", "direction": "increase", "critical": true, "weight": 1},
        {"name": "error_rate", "direction": "increase", "weight": 9}
    ]}));
    let s = rollout_step(&p, &at_judge(&p), &observe(&BAD_LAT, &GOOD_ERR), &t(10)).unwrap();
    assert_eq!(s.decision, RollBack);
    assert_eq!(s.reasons[0].data["score"], 90.0);
}

#[test]
fn overrides_per_step_and_in_policy() {
    // Step: on_fail pause.
    let p = judge_plan(json!({"on_fail": "pause"}));
    let s = rollout_step(&p, &at_judge(&p), &observe(&BAD_LAT, &BAD_ERR), &t(10)).unwrap();
    assert_eq!(s.decision, Pause);
    assert_eq!(s.state.reason, Some(PauseReason::JudgeFailed));

    // Policy: on_marginal roll_back.
    let pol = policy(json!({"judge": {"on_marginal": "roll_back"}}));
    let p = judge_plan(json!({}));
    let s = rollout_step_with_policy(
        &p,
        &at_judge(&p),
        &observe(&BAD_LAT, &GOOD_ERR),
        &t(10),
        &pol,
    )
    .unwrap();
    assert_eq!(s.decision, RollBack);

    // The step wins over the policy.
    let p = judge_plan(json!({"on_marginal": "continue"}));
    let s = rollout_step_with_policy(
        &p,
        &at_judge(&p),
        &observe(&BAD_LAT, &GOOD_ERR),
        &t(10),
        &pol,
    )
    .unwrap();
    assert_eq!(s.decision, Advance);
    assert_eq!(s.state.weight, 50);

    // Policy: on_fail pause; thresholds from the policy.
    let pol =
        policy(json!({"judge": {"on_fail": "pause", "pass_score": 80, "marginal_score": 50}}));
    let p = judge_plan(json!({}));
    let s = rollout_step_with_policy(
        &p,
        &at_judge(&p),
        &observe(&BAD_LAT, &GOOD_ERR),
        &t(10),
        &pol,
    )
    .unwrap();
    assert_eq!(s.decision, Advance, "score 80 passes at pass_score 80");
    let s = rollout_step_with_policy(
        &p,
        &at_judge(&p),
        &observe(&BAD_LAT, &BAD_ERR),
        &t(10),
        &pol,
    )
    .unwrap();
    assert_eq!(s.state.reason, Some(PauseReason::JudgeFailed));
}

#[test]
fn a_default_policy_serialises_as_before() {
    let v = serde_json::to_value(RolloutPolicy::default()).unwrap();
    assert!(v["judge"].get("on_marginal").is_none());
    assert!(v["judge"].get("on_fail").is_none());
}

#[test]
fn missing_baseline_follows_the_no_data_policy() {
    let p = judge_plan(json!({}));
    let no_baseline = input(json!({"kind": "observation",
        "metrics": {"latency_p99_ms": GOOD_LAT, "error_rate": GOOD_ERR}}));
    let s = rollout_step(&p, &at_judge(&p), &no_baseline, &t(10)).unwrap();
    assert_eq!(s.decision, Pause);
    assert_eq!(s.state.reason, Some(PauseReason::NoData));
    assert_eq!(s.reasons[0].rule, "judge.no_baseline");

    let fail = policy(json!({"analysis": {"no_data": "fail"}}));
    let s = rollout_step_with_policy(&p, &at_judge(&p), &no_baseline, &t(10), &fail).unwrap();
    assert_eq!(s.decision, RollBack);
    let pass = policy(json!({"analysis": {"no_data": "pass"}}));
    let s = rollout_step_with_policy(&p, &at_judge(&p), &no_baseline, &t(10), &pass).unwrap();
    assert_eq!(s.decision, Advance);
}

#[test]
fn too_few_samples_wait() {
    let p = judge_plan(json!({"min_samples": 10}));
    let state = at_judge(&p);
    let s = rollout_step(&p, &state, &observe(&BAD_LAT, &BAD_ERR), &t(10)).unwrap();
    assert_eq!(s.decision, Continue);
    assert_eq!(s.state, state);
    assert_eq!(s.reasons[0].rule, "judge.insufficient_samples");
}

#[test]
fn a_background_breach_still_rolls_back_at_a_judge_step() {
    let mut v = serde_json::to_value(judge_plan(json!({}))).unwrap();
    v["analysis"] = json!({"metrics": [{"name": "error_rate", "max": 0.01}]});
    let p = plan(v);
    let s = rollout_step(&p, &at_judge(&p), &observe(&GOOD_LAT, &BAD_ERR), &t(10)).unwrap();
    assert_eq!(s.decision, RollBack);
    assert_eq!(s.reasons.last().unwrap().rule, "background.failure_limit");
}

fn experiment_plan(extra: Value) -> DeploymentPlan {
    let mut e = json!({"name": "cache sizes", "duration_secs": 600,
        "variants": [{"name": "a"}, {"name": "b"}],
        "judge": {"metrics": [{"name": "latency_p99_ms", "direction": "increase", "critical": true}]}});
    for (k, v) in extra.as_object().unwrap() {
        e[k] = v.clone();
    }
    plan(json!({"strategy": "canary", "steps": [
        {"set_weight": 10}, {"experiment": e}, {"set_weight": 50}, {"pause": {}}, {"set_weight": 100}
    ]}))
}

fn variants(a: &[f64], b: &[f64]) -> RolloutInput {
    input(
        json!({"kind": "observation", "baseline": {"latency_p99_ms": BASE_LAT},
        "variants": {"a": {"latency_p99_ms": a}, "b": {"latency_p99_ms": b}}}),
    )
}

fn at_experiment(p: &DeploymentPlan) -> RolloutState {
    let s = rollout_step(p, &RolloutState::default(), &RolloutInput::Tick, &t(0)).unwrap();
    assert_eq!(s.reasons.last().unwrap().rule, "step.experiment");
    let run = s.state.experiment.as_ref().unwrap();
    assert_eq!((run.step, &run.ends_at), (1, &t(10)));
    s.state
}

#[test]
fn an_experiment_with_one_failing_variant_continues_with_the_other() {
    let p = experiment_plan(json!({}));
    let s = rollout_step(
        &p,
        &at_experiment(&p),
        &variants(&BAD_LAT, &GOOD_LAT),
        &t(5),
    )
    .unwrap();
    assert_eq!(s.decision, Continue);
    let run = s.state.experiment.clone().unwrap();
    assert_eq!(run.verdicts["a"].verdict, CanaryVerdict::Fail);
    assert_eq!(run.verdicts["b"].verdict, CanaryVerdict::Pass);
    assert_eq!(run.winner, None);
    // Before the end a tick waits.
    let waiting = rollout_step(&p, &s.state, &RolloutInput::Tick, &t(9)).unwrap();
    assert_eq!(waiting.decision, Continue);
    // At the end: b wins, the next step.
    let done = rollout_step(&p, &s.state, &RolloutInput::Tick, &t(10)).unwrap();
    assert_eq!(done.decision, Advance);
    assert_eq!(done.state.weight, 50);
    assert_eq!(
        done.state.experiment.as_ref().unwrap().winner.as_deref(),
        Some("b")
    );
    assert_eq!(done.reasons[0].rule, "experiment.winner");
    assert_eq!(done.reasons[0].data["best"], "b");
    // The winner stays named for the following steps.
    let later = rollout_step(
        &p,
        &done.state,
        &input(json!({"kind": "command", "command": "resume"})),
        &t(20),
    )
    .unwrap();
    assert_eq!(later.state.phase, RolloutPhase::Succeeded);
    assert_eq!(later.state.experiment.unwrap().winner.as_deref(), Some("b"));
}

#[test]
fn the_best_passing_variant_wins() {
    let p = experiment_plan(json!({}));
    // Both pass: the first in plan order wins at equal scores.
    let s = rollout_step(
        &p,
        &at_experiment(&p),
        &variants(&GOOD_LAT, &GOOD_LAT),
        &t(10),
    )
    .unwrap();
    assert_eq!(s.state.experiment.unwrap().winner.as_deref(), Some("a"));
}

#[test]
fn an_experiment_with_both_failing_rolls_back_or_pauses() {
    let p = experiment_plan(json!({}));
    let s = rollout_step(
        &p,
        &at_experiment(&p),
        &variants(&BAD_LAT, &BAD_LAT),
        &t(10),
    )
    .unwrap();
    assert_eq!(s.decision, RollBack);
    assert!(s.reasons.iter().any(|r| r.rule == "experiment.no_winner"));

    let pol = policy(json!({"judge": {"on_fail": "pause"}}));
    let s = rollout_step_with_policy(
        &p,
        &at_experiment(&p),
        &variants(&BAD_LAT, &BAD_LAT),
        &t(10),
        &pol,
    )
    .unwrap();
    assert_eq!(s.decision, Pause);
    assert_eq!(s.state.reason, Some(PauseReason::JudgeFailed));
    // resume accepts: the best variant (first in plan order at equal
    // scores) becomes the winner.
    let resumed = rollout_step(
        &p,
        &s.state,
        &input(json!({"kind": "command", "command": "resume"})),
        &t(12),
    )
    .unwrap();
    assert_eq!(resumed.decision, Advance);
    assert_eq!(
        resumed.state.experiment.unwrap().winner.as_deref(),
        Some("a")
    );
    // promote accepts it too: the rollout ends at 100 % with the variant
    // it promoted named, never without one.
    let promoted = rollout_step(
        &p,
        &s.state,
        &input(json!({"kind": "command", "command": "promote"})),
        &t(12),
    )
    .unwrap();
    assert_eq!(promoted.decision, RolloutDecision::Promote);
    assert_eq!(promoted.state.weight, 100);
    assert!(promoted
        .reasons
        .iter()
        .any(|r| r.rule == "experiment.winner"));
    assert_eq!(
        promoted.state.experiment.unwrap().winner.as_deref(),
        Some("a")
    );
}

#[test]
fn a_variant_never_judged_cannot_win() {
    let p = experiment_plan(json!({}));
    let only_a = input(
        json!({"kind": "observation", "baseline": {"latency_p99_ms": BASE_LAT},
        "variants": {"a": {"latency_p99_ms": BAD_LAT}}}),
    );
    let s = rollout_step(&p, &at_experiment(&p), &only_a, &t(5)).unwrap();
    let end = rollout_step(&p, &s.state, &RolloutInput::Tick, &t(10)).unwrap();
    assert_eq!(end.decision, RollBack);
    assert!(
        end.reasons[0].message.contains("`b` never judged"),
        "{}",
        end.reasons[0].message
    );
}

#[test]
fn bad_configs_are_invalid_input_with_their_path() {
    let cases: Vec<(DeploymentPlan, &str)> = vec![
        (
            judge_plan(json!({"metrics": []})),
            "plan.steps[1].judge.metrics",
        ),
        (
            judge_plan(json!({"pass_score": 80, "marginal_score": 90})),
            "plan.steps[1].judge.marginal_score",
        ),
        (
            judge_plan(json!({"pass_score": 120})),
            "plan.steps[1].judge.pass_score",
        ),
        (
            judge_plan(json!({"marginal_score": -1})),
            "plan.steps[1].judge.marginal_score",
        ),
        (judge_plan(json!({"alpha": 0})), "plan.steps[1].judge.alpha"),
        (
            judge_plan(json!({"min_samples": 0})),
            "plan.steps[1].judge.min_samples",
        ),
        (
            judge_plan(json!({"on_fail": "continue"})),
            "plan.steps[1].judge.on_fail",
        ),
        (
            judge_plan(json!({"metrics": [{"name": "x"}, {"name": "x"}]})),
            "plan.steps[1].judge.metrics[1].name",
        ),
        (
            judge_plan(json!({"metrics": [{"name": "x", "tolerance": -0.1}]})),
            "plan.steps[1].judge.metrics[0].tolerance",
        ),
        (
            experiment_plan(json!({"variants": [{"name": "a"}]})),
            "plan.steps[1].experiment.variants",
        ),
        (
            experiment_plan(json!({"variants": [{"name": "a"}, {"name": "a"}]})),
            "plan.steps[1].experiment.variants[1].name",
        ),
        (
            experiment_plan(json!({"variants": [{"name": "a"}, {"name": " "}]})),
            "plan.steps[1].experiment.variants[1].name",
        ),
        (
            experiment_plan(json!({"duration_secs": 0})),
            "plan.steps[1].experiment.duration_secs",
        ),
        (
            experiment_plan(json!({"duration_secs": -5})),
            "plan.steps[1].experiment.duration_secs",
        ),
        (
            experiment_plan(json!({"judge": {"metrics": []}})),
            "plan.steps[1].experiment.judge.metrics",
        ),
    ];
    for (p, path) in cases {
        let got = error_of(rollout_step(
            &p,
            &RolloutState::default(),
            &RolloutInput::Tick,
            &t(0),
        ));
        assert_eq!(got, ("invalid_input".to_string(), path.to_string()));
    }
}

#[test]
fn bad_observations_are_invalid_input_with_their_path() {
    let p = experiment_plan(json!({}));
    let state = at_experiment(&p);
    let cases = [
        (
            json!({"kind": "observation", "variants": {"c": {"latency_p99_ms": [1]}}}),
            "input.variants.c",
        ),
        (
            json!({"kind": "observation", "baseline": {"latency_p99_ms": [null]}}),
            "input.baseline.latency_p99_ms",
        ),
        (
            json!({"kind": "observation", "variants": {"a": {"latency_p99_ms": [null, null]}}}),
            "input.variants.a.latency_p99_ms",
        ),
        (
            json!({"kind": "observation", "baseline": {"cpu": [1]}}),
            "input.baseline.cpu",
        ),
    ];
    for (obs, path) in cases {
        let got = error_of(rollout_step(&p, &state, &input(obs), &t(5)));
        assert_eq!(got, ("invalid_input".to_string(), path.to_string()));
    }
    // A state at the experiment step without its run.
    let bare: RolloutState = serde_json::from_value(
        json!({"phase": "progressing", "step": 1, "weight": 10, "since": "2026-12-01T10:00:00Z"}),
    )
    .unwrap();
    let got = error_of(rollout_step(&p, &bare, &RolloutInput::Tick, &t(5)));
    assert_eq!(
        got,
        ("invalid_input".to_string(), "state.experiment".to_string())
    );
}

#[test]
fn a_bad_policy_is_invalid_policy_with_its_path() {
    for (text, path) in [
        (
            r#"{"rollout": {"judge": {"on_fail": "continue"}}}"#,
            "rollout.judge.on_fail",
        ),
        (
            r#"{"rollout": {"judge": {"on_marginal": "maybe"}}}"#,
            "rollout.judge.on_marginal",
        ),
        (
            r#"{"rollout": {"judge": {"on_verdict": "pause"}}}"#,
            "rollout.judge.on_verdict",
        ),
    ] {
        let err = relman::parse::<relman::Policy>(text).unwrap_err();
        assert_eq!(err.code(), relman::ErrorCode::InvalidPolicy, "{err}");
        assert_eq!(err.path(), Some(path), "{err}");
    }
}

#[test]
fn the_example_replays_to_success_with_the_winner() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/rollout/judge-step.json"),
    )
    .unwrap();
    let r: RolloutReplay = serde_json::from_str(&text).unwrap();
    let out = replay(&r, &RolloutPolicy::default()).unwrap();
    assert_eq!(
        out.decisions,
        vec![Advance, Advance, Continue, RolloutDecision::Promote]
    );
    assert_eq!(out.state.phase, RolloutPhase::Succeeded);
    assert_eq!(
        out.state.experiment.unwrap().winner.as_deref(),
        Some("large-cache")
    );
}
