//! Feature-flag rollouts (`strategy: feature_flag`): the walk through the
//! cohorts with the background analysis, the flag turned off on a breach or
//! an abort, commands, and every bad plan with its error code and path.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::rollout::{
    replay, rollout_step, PauseReason, RolloutDecision, RolloutInput, RolloutPhase, RolloutReplay,
    RolloutState, RolloutStep,
};
use relman::validate::{validate_value, DocumentKind};
use relman::DeploymentPlan;
use serde_json::{json, Value};

use RolloutDecision::{Advance, Promote, RollBack};

#[path = "support/rollout.rs"]
mod rollout_support;
use rollout_support::{input, plan, t};

fn command(c: &str) -> RolloutInput {
    input(json!({"kind": "command", "command": c}))
}

fn observe(metrics: Value) -> RolloutInput {
    input(json!({"kind": "observation", "metrics": metrics}))
}

/// internal [10, 100] (10-minute pauses), beta [5, 25, 100] (30-minute
/// pauses), everyone [1, 5, 25, 50, 100] (open pauses), with a background
/// analysis of the error rate.
fn checkout() -> Value {
    json!({
        "strategy": "feature_flag",
        "flag": "new-checkout",
        "cohorts": [
            {"name": "internal", "steps": [10, 100], "pause": {"duration_secs": 600}},
            {"name": "beta", "steps": [5, 25, 100], "pause": {"duration_secs": 1800}},
            {"name": "everyone", "steps": [1, 5, 25, 50, 100], "pause": {}}
        ],
        "analysis": {"name": "checkout health", "metrics": [{"name": "error_rate", "max": 0.01}]}
    })
}

fn at(s: &RolloutState) -> (RolloutPhase, Option<&str>, Option<u32>, u32) {
    (s.phase, s.cohort.as_deref(), s.percentage, s.weight)
}

fn messages(step: &RolloutStep) -> Vec<&str> {
    step.reasons.iter().map(|r| r.message.as_str()).collect()
}

#[test]
fn the_flag_walks_the_cohorts_to_everyone() {
    use RolloutPhase::{Paused, Succeeded};
    let p = plan(checkout());
    let s0 = RolloutState::default();
    let s = rollout_step(&p, &s0, &RolloutInput::Tick, &t(0)).unwrap();
    // A higher percentage is `advance`, even while the weight (everyone's
    // percentage) stays 0.
    assert_eq!(s.decision, Advance);
    assert_eq!(at(&s.state), (Paused, Some("internal"), Some(10), 0));
    assert_eq!(s.state.reason, Some(PauseReason::Timed));
    assert!(messages(&s).contains(&"step 0: `new-checkout`: internal at 10 %"));

    // The pause ends: internal at 100, within the cohort.
    let s = rollout_step(&p, &s.state, &RolloutInput::Tick, &t(10)).unwrap();
    assert_eq!(s.decision, Advance);
    assert_eq!(at(&s.state), (Paused, Some("internal"), Some(100), 0));
    assert_eq!(s.state.step, 3);

    // The next cohort.
    let s = rollout_step(&p, &s.state, &RolloutInput::Tick, &t(20)).unwrap();
    assert_eq!(at(&s.state), (Paused, Some("beta"), Some(5), 0));
    assert!(messages(&s).contains(&"step 4: `new-checkout`: beta at 5 % (was internal at 100 %)"));

    // A healthy observation is counted by the background analysis.
    let s = rollout_step(&p, &s.state, &observe(json!({"error_rate": 0.002})), &t(30)).unwrap();
    assert_eq!(s.decision, RolloutDecision::Continue);
    let bg = s.state.background.as_ref().unwrap();
    assert_eq!(bg.metrics["error_rate"].successful, 1);

    let mut s = s;
    for minutes in [50, 80, 110] {
        s = rollout_step(&p, &s.state, &RolloutInput::Tick, &t(minutes)).unwrap();
    }
    // everyone at 1 %, then the cohort's open pause: weight 1.
    assert_eq!(at(&s.state), (Paused, Some("everyone"), Some(1), 1));
    assert_eq!(s.state.reason, Some(PauseReason::Step));
    // Time does not end an open pause.
    let waiting = rollout_step(&p, &s.state, &RolloutInput::Tick, &t(600)).unwrap();
    assert_eq!(waiting.state, s.state);

    for (i, pct) in [5, 25, 50].into_iter().enumerate() {
        s = rollout_step(&p, &s.state, &command("resume"), &t(120 + i as i64)).unwrap();
        assert_eq!(s.decision, Advance);
        assert_eq!(at(&s.state), (Paused, Some("everyone"), Some(pct), pct));
    }
    let done = rollout_step(&p, &s.state, &command("resume"), &t(200)).unwrap();
    assert_eq!(done.decision, Promote);
    assert_eq!(
        at(&done.state),
        (Succeeded, Some("everyone"), Some(100), 100)
    );
}

fn beta_at_25() -> (DeploymentPlan, RolloutState) {
    let p = plan(checkout());
    let mut s = RolloutState::default();
    for minutes in [0, 10, 20, 50] {
        s = rollout_step(&p, &s, &RolloutInput::Tick, &t(minutes))
            .unwrap()
            .state;
    }
    assert_eq!(at(&s), (RolloutPhase::Paused, Some("beta"), Some(25), 0));
    (p, s)
}

#[test]
fn a_breach_turns_the_flag_off_for_everyone() {
    let (p, s) = beta_at_25();
    let r = rollout_step(&p, &s, &observe(json!({"error_rate": 0.05})), &t(55)).unwrap();
    assert_eq!(r.decision, RollBack);
    assert_eq!(
        at(&r.state),
        (RolloutPhase::RolledBack, Some("beta"), Some(0), 0)
    );
    let off = r.reasons.iter().find(|r| r.rule == "flag.off").unwrap();
    assert_eq!(
        off.message,
        "flag `new-checkout` off for everyone (was beta at 25 %)"
    );
    assert_eq!(
        off.data["from"],
        json!({"cohort": "beta", "percentage": 25})
    );
    // A later promote is denied with the breach.
    let later = rollout_step(&p, &r.state, &command("promote"), &t(60)).unwrap();
    assert_eq!(later.state, r.state);
    assert!(later.reasons.iter().any(|r| r.rule == "command.denied"));
}

#[test]
fn a_breach_under_on_failure_pause_keeps_the_flag_where_it_is() {
    let mut v = checkout();
    v["analysis"]["on_failure"] = json!("pause");
    let p = plan(v);
    let (_, s) = beta_at_25();
    let r = rollout_step(&p, &s, &observe(json!({"error_rate": 0.05})), &t(55)).unwrap();
    assert_eq!(r.state.reason, Some(PauseReason::AnalysisFailed));
    assert_eq!(
        at(&r.state),
        (RolloutPhase::Paused, Some("beta"), Some(25), 0)
    );
    for c in ["resume", "promote"] {
        let d = rollout_step(&p, &r.state, &command(c), &t(60)).unwrap();
        assert_eq!(d.state, r.state, "{c}");
    }
    let a = rollout_step(&p, &r.state, &command("abort"), &t(61)).unwrap();
    assert_eq!(
        at(&a.state),
        (RolloutPhase::Aborted, Some("beta"), Some(0), 0)
    );
}

#[test]
fn abort_and_promote() {
    let (p, s) = beta_at_25();
    let a = rollout_step(&p, &s, &command("abort"), &t(55)).unwrap();
    assert_eq!(a.decision, RollBack);
    assert_eq!(
        at(&a.state),
        (RolloutPhase::Aborted, Some("beta"), Some(0), 0)
    );
    assert!(messages(&a).contains(&"flag `new-checkout` off for everyone (was beta at 25 %)"));

    let pr = rollout_step(&p, &s, &command("promote"), &t(55)).unwrap();
    assert_eq!(pr.decision, Promote);
    assert_eq!(
        at(&pr.state),
        (RolloutPhase::Succeeded, Some("everyone"), Some(100), 100)
    );
    assert!(
        messages(&pr).contains(&"flag `new-checkout` on for everyone at 100 % (was beta at 25 %)")
    );

    // Abort before the start: off, nothing was on.
    let early = rollout_step(&p, &RolloutState::default(), &command("abort"), &t(0)).unwrap();
    assert_eq!(early.state.percentage, Some(0));
    assert!(messages(&early).contains(&"flag `new-checkout` off for everyone (was not yet on)"));
}

#[test]
fn starting_step_indexes_the_flattened_step_list() {
    // Steps: 0 internal 10, 1 pause, 2 internal 100, 3 pause, 4 beta 5, …
    let mut v = checkout();
    v["analysis"]["starting_step"] = json!(4);
    let p = plan(v);
    let s = rollout_step(&p, &RolloutState::default(), &RolloutInput::Tick, &t(0)).unwrap();
    let r = rollout_step(&p, &s.state, &observe(json!({"error_rate": 0.05})), &t(5)).unwrap();
    assert_eq!(r.state.phase, RolloutPhase::Paused);
    assert!(r.state.background.is_none());
    let (p2, beta) = {
        let (_, s) = beta_at_25();
        (p.clone(), s)
    };
    let r = rollout_step(&p2, &beta, &observe(json!({"error_rate": 0.05})), &t(55)).unwrap();
    assert_eq!(r.state.phase, RolloutPhase::RolledBack);

    // 19 steps (0 to 18): 19 does not exist.
    let mut v = checkout();
    v["analysis"]["starting_step"] = json!(19);
    let e = rollout_step(
        &plan(v),
        &RolloutState::default(),
        &RolloutInput::Tick,
        &t(0),
    )
    .unwrap_err()
    .to_body();
    assert_eq!(e.code.as_str(), "invalid_input");
    assert_eq!(e.problems[0].path, "plan.analysis.starting_step");
}

/// The error of a rollout_step on `plan`: (code, paths).
fn error(plan_value: Value) -> (String, Vec<String>) {
    let p: DeploymentPlan = serde_json::from_value(plan_value).unwrap();
    let e = rollout_step(&p, &RolloutState::default(), &RolloutInput::Tick, &t(0))
        .unwrap_err()
        .to_body();
    (
        e.code.as_str().to_string(),
        e.problems.iter().map(|p| p.path.clone()).collect(),
    )
}

fn with(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = checkout();
    f(&mut v);
    v
}

#[test]
fn bad_plans_have_code_and_path() {
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "percentages out of order",
            with(|v| v["cohorts"][1]["steps"] = json!([5, 50, 25, 100])),
            "plan.cohorts[1].steps[2]",
        ),
        (
            "unknown cohort",
            with(|v| v["cohorts"][1]["name"] = json!("staff")),
            "plan.cohorts[1].name",
        ),
        (
            "cohort out of order",
            with(|v| {
                let c = v["cohorts"].as_array().unwrap().clone();
                v["cohorts"] = json!([c[1], c[0], c[2]]);
            }),
            "plan.cohorts[1].name",
        ),
        (
            "cohort listed twice",
            with(|v| {
                let c = v["cohorts"].as_array().unwrap().clone();
                v["cohorts"] = json!([c[0], c[1], c[1], c[2]]);
            }),
            "plan.cohorts[2].name",
        ),
        (
            "percentage 0",
            with(|v| v["cohorts"][0]["steps"] = json!([0, 100])),
            "plan.cohorts[0].steps[0]",
        ),
        (
            "percentage 101",
            with(|v| v["cohorts"][2]["steps"] = json!([50, 101])),
            "plan.cohorts[2].steps[1]",
        ),
        (
            "cohort not ending at 100",
            with(|v| v["cohorts"][1]["steps"] = json!([5, 50])),
            "plan.cohorts[1].steps",
        ),
        (
            "cohort without steps",
            with(|v| v["cohorts"][0]["steps"] = json!([])),
            "plan.cohorts[0].steps",
        ),
        (
            "no flag key",
            with(|v| {
                v.as_object_mut().unwrap().remove("flag");
            }),
            "plan.flag",
        ),
        (
            "empty flag key",
            with(|v| v["flag"] = json!("  ")),
            "plan.flag",
        ),
        (
            "no cohorts",
            with(|v| {
                v.as_object_mut().unwrap().remove("cohorts");
            }),
            "plan.cohorts",
        ),
        (
            "not ending with everyone",
            with(|v| {
                let c = v["cohorts"].as_array().unwrap().clone();
                v["cohorts"] = json!([c[0], c[1]]);
            }),
            "plan.cohorts",
        ),
        (
            "negative pause",
            with(|v| v["cohorts"][1]["pause"] = json!({"duration_secs": -5})),
            "plan.cohorts[1].pause.duration_secs",
        ),
    ];
    for (what, v, path) in cases {
        let (code, paths) = error(v);
        assert_eq!(code, "invalid_input", "{what}");
        assert_eq!(paths, vec![path.to_string()], "{what}");
    }
}

#[test]
fn a_state_percentage_over_100_is_bad_input() {
    let p = plan(checkout());
    let s: RolloutState = serde_json::from_value(json!({
        "phase": "paused", "reason": "step", "step": 11, "weight": 1,
        "cohort": "everyone", "percentage": 150
    }))
    .unwrap();
    let e = rollout_step(&p, &s, &command("resume"), &t(0))
        .unwrap_err()
        .to_body();
    assert_eq!(e.code.as_str(), "invalid_input");
    assert_eq!(e.problems[0].path, "state.percentage");
}

#[test]
fn parameters_of_other_strategies_are_unused() {
    let mut v = checkout();
    v["steps"] = json!([{"set_weight": 100}]);
    v["auto_promote"] = json!(true);
    let r = rollout_step(
        &plan(v),
        &RolloutState::default(),
        &RolloutInput::Tick,
        &t(0),
    )
    .unwrap();
    let warned: Vec<(&str, &str)> = r
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.path.as_str()))
        .collect();
    assert_eq!(
        warned,
        [
            ("unused_parameter", "plan.steps"),
            ("unused_parameter", "plan.auto_promote")
        ]
    );
    // … and flag / cohorts on a canary.
    let canary = plan(json!({
        "strategy": "canary", "steps": [{"set_weight": 100}],
        "flag": "new-checkout", "cohorts": [{"name": "everyone", "steps": [100]}]
    }));
    let r = rollout_step(
        &canary,
        &RolloutState::default(),
        &RolloutInput::Tick,
        &t(0),
    )
    .unwrap();
    let warned: Vec<(&str, &str)> = r
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.path.as_str()))
        .collect();
    assert_eq!(
        warned,
        [
            ("unused_parameter", "plan.flag"),
            ("unused_parameter", "plan.cohorts")
        ]
    );
    assert!(r.state.cohort.is_none() && r.state.percentage.is_none());
}

fn planning_release(deployment: Value) -> Value {
    let mut r: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../examples/data/release-minor.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let o = r.as_object_mut().unwrap();
    o.insert("state".into(), json!("planning"));
    for k in ["log", "approvals"] {
        o.remove(k);
    }
    o.insert("deployment".into(), deployment);
    r
}

#[test]
fn a_release_with_a_feature_flag_plan_validates() {
    let report = validate_value(DocumentKind::Release, planning_release(checkout())).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    // Named before its parameters: valid, with incomplete_plan warnings.
    let report = validate_value(
        DocumentKind::Release,
        planning_release(json!({"strategy": "feature_flag", "flag": "new-checkout",
            "cohorts": [{"name": "internal", "steps": [100]}]})),
    )
    .unwrap();
    let warned: Vec<(&str, &str)> = report
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.path.as_str()))
        .collect();
    assert_eq!(warned, [("incomplete_plan", "deployment.cohorts")]);
    // A bad cohort is an error in a release too.
    let e = validate_value(
        DocumentKind::Release,
        planning_release(with(|v| v["cohorts"][0]["name"] = json!("staff"))),
    )
    .unwrap_err()
    .to_body();
    assert_eq!(e.code.as_str(), "invalid_input");
    assert_eq!(e.problems[0].path, "deployment.cohorts[0].name");
}

#[test]
fn the_example_replays_to_everyone() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/rollout/feature-flag.json"),
    )
    .unwrap();
    let doc: RolloutReplay = serde_json::from_str(&text).unwrap();
    let r = replay(&doc, &Default::default()).unwrap();
    assert_eq!(
        at(&r.state),
        (RolloutPhase::Succeeded, Some("everyone"), Some(100), 100)
    );
    assert!(!r.decisions.contains(&RollBack));
}
