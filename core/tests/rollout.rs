//! The rollout state machine: every transition, the canary of the issue
//! replayed against good and bad observations, blue-green, phased and big
//! bang plans, analysis limits, bad input, and `complete_deployment` with a
//! rollout's final state.

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
    replay, rollout_step, rollout_step_with_policy, PauseReason, RolloutDecision, RolloutInput,
    RolloutPhase, RolloutReplay, RolloutState,
};
use relman::DeploymentPlan;
use serde_json::{json, Value};

use RolloutDecision::{Advance, Continue, Pause, Promote, RollBack};

#[path = "support/rollout.rs"]
mod rollout_support;
use rollout_support::{input, plan, t};

fn tick() -> RolloutInput {
    RolloutInput::Tick
}

fn command(c: &str) -> RolloutInput {
    input(json!({"kind": "command", "command": c}))
}

fn observe(metrics: Value) -> RolloutInput {
    input(json!({"kind": "observation", "metrics": metrics}))
}

/// The canary of the issue: [set_weight 10, pause 10m, analysis,
/// set_weight 50, pause, set_weight 100].
fn issue_canary() -> DeploymentPlan {
    plan(json!({"strategy": "canary", "steps": [
        {"set_weight": 10},
        {"pause": {"duration_secs": 600}},
        {"analysis": {"metrics": [
            {"name": "error_rate", "max": 0.01},
            {"name": "latency_p99", "max": 300, "fail_above": 500}
        ]}},
        {"set_weight": 50},
        {"pause": {}},
        {"set_weight": 100}
    ]}))
}

/// Runs inputs from `state`; returns every (decision, phase, weight).
fn run(
    p: &DeploymentPlan,
    mut state: RolloutState,
    inputs: &[(i64, RolloutInput)],
) -> (Vec<(RolloutDecision, RolloutPhase, u32)>, RolloutState) {
    let mut out = Vec::new();
    for (m, i) in inputs {
        let step = rollout_step(p, &state, i, &t(*m)).unwrap();
        out.push((step.decision, step.state.phase, step.state.weight));
        state = step.state;
    }
    (out, state)
}

use RolloutPhase::{Aborted, Paused, Pending, Progressing, Promoting, RolledBack, Succeeded};

#[test]
fn the_issue_canary_with_good_observations_succeeds() {
    let good = observe(json!({"error_rate": 0.002, "latency_p99": [210, 250, 240]}));
    let (steps, end) = run(
        &issue_canary(),
        RolloutState::default(),
        &[
            (0, tick()),
            (5, tick()),
            (10, tick()),
            (12, good),
            (20, tick()),
            (30, command("resume")),
        ],
    );
    assert_eq!(
        steps,
        vec![
            (Advance, Paused, 10),      // start: weight 10, timed pause
            (Continue, Paused, 10),     // 5 of 10 minutes
            (Advance, Progressing, 10), // pause over: analysis runs
            (Advance, Paused, 50),      // analysis passed: weight 50, open pause
            (Continue, Paused, 50),     // the open pause waits for a human
            (Promote, Succeeded, 100),  // resume: weight 100, done
        ]
    );
    assert_eq!(end.step, 6);
}

#[test]
fn the_issue_canary_with_bad_observations_rolls_back() {
    let bad = observe(json!({"error_rate": 0.05, "latency_p99": 220}));
    let (steps, end) = run(
        &issue_canary(),
        RolloutState::default(),
        &[
            (0, tick()),
            (10, tick()),
            (11, bad),
            (12, command("promote")),
            (13, tick()),
        ],
    );
    assert_eq!(
        steps,
        vec![
            (Advance, Paused, 10),
            (Advance, Progressing, 10),
            (RollBack, RolledBack, 0),
            // Terminal: no promote after a failed analysis.
            (Continue, RolledBack, 0),
            (Continue, RolledBack, 0),
        ]
    );
    assert_eq!(end.analysis, None);
}

#[test]
fn an_inconclusive_measurement_pauses_for_a_human() {
    let p = issue_canary();
    let (steps, state) = run(
        &p,
        RolloutState::default(),
        &[
            (0, tick()),
            (10, tick()),
            (
                11,
                observe(json!({"error_rate": 0.001, "latency_p99": 400})),
            ),
        ],
    );
    assert_eq!(steps[2], (Pause, Paused, 10));
    assert_eq!(state.reason, Some(PauseReason::Inconclusive));
    // A tick does not leave it; resume accepts the analysis.
    let s = rollout_step(&p, &state, &tick(), &t(12)).unwrap();
    assert_eq!(s.decision, Continue);
    let s = rollout_step(&p, &state, &command("resume"), &t(13)).unwrap();
    assert_eq!(
        (s.decision, s.state.phase, s.state.weight),
        (Advance, Paused, 50)
    );
    assert_eq!(s.reasons[0].rule, "command.resume_accepts_analysis");
    // Above fail_above fails.
    let (steps, _) = run(
        &p,
        RolloutState::default(),
        &[
            (0, tick()),
            (10, tick()),
            (
                11,
                observe(json!({"error_rate": 0.001, "latency_p99": 900})),
            ),
        ],
    );
    assert_eq!(steps[2], (RollBack, RolledBack, 0));
}

fn limited(extra: Value) -> DeploymentPlan {
    let mut analysis = json!({"metrics": [{"name": "errors", "max": 1}], "count": 3});
    for (k, v) in extra.as_object().unwrap() {
        analysis[k] = v.clone();
    }
    plan(json!({"strategy": "canary", "steps": [
        {"set_weight": 20}, {"analysis": analysis}, {"set_weight": 100}
    ]}))
}

#[test]
fn failure_limit_tolerates_that_many_failures() {
    let p = limited(json!({"failure_limit": 1}));
    let bad = || observe(json!({"errors": 5}));
    let good = || observe(json!({"errors": 0}));
    let (steps, _) = run(
        &p,
        RolloutState::default(),
        &[(0, tick()), (1, bad()), (2, good()), (3, good())],
    );
    assert_eq!(steps[1], (Continue, Progressing, 20));
    assert_eq!(steps[3], (Promote, Succeeded, 100));
    let (steps, state) = run(
        &p,
        RolloutState::default(),
        &[(0, tick()), (1, bad()), (2, bad())],
    );
    assert_eq!(steps[2], (RollBack, RolledBack, 0));
    assert_eq!(state.phase, RolledBack);
}

#[test]
fn inconclusive_limit_tolerates_that_many() {
    let p = plan(json!({"strategy": "canary", "steps": [
        {"set_weight": 20},
        {"analysis": {"metrics": [{"name": "errors", "max": 1, "fail_above": 10}], "count": 2, "inconclusive_limit": 1}},
        {"set_weight": 100}
    ]}));
    let meh = || observe(json!({"errors": 5}));
    let (steps, _) = run(
        &p,
        RolloutState::default(),
        &[(0, tick()), (1, meh()), (2, meh())],
    );
    assert_eq!(steps[1], (Continue, Progressing, 20));
    assert_eq!(steps[2], (Pause, Paused, 20));
}

#[test]
fn consecutive_errors_beyond_the_limit_roll_back() {
    let p = limited(json!({"consecutive_error_limit": 2}));
    let err = || input(json!({"kind": "observation", "errors": ["errors"]}));
    let good = || observe(json!({"errors": 0}));
    // Two errors, a measurement resets the run, two more: still fine.
    let (steps, _) = run(
        &p,
        RolloutState::default(),
        &[
            (0, tick()),
            (1, err()),
            (2, err()),
            (3, good()),
            (4, err()),
            (5, err()),
        ],
    );
    assert!(steps.iter().all(|s| s.0 != RollBack), "{steps:?}");
    let (steps, _) = run(
        &p,
        RolloutState::default(),
        &[(0, tick()), (1, err()), (2, err()), (3, err())],
    );
    assert_eq!(steps[3], (RollBack, RolledBack, 0));
}

#[test]
fn the_no_data_policy_pauses_fails_or_passes() {
    let empty = || observe(json!({}));
    for (policy, expected) in [
        ("pause", (Pause, Paused, 20)),
        ("fail", (RollBack, RolledBack, 0)),
        ("pass", (Continue, Progressing, 20)),
    ] {
        let p = limited(json!({"no_data": policy}));
        let (steps, state) = run(&p, RolloutState::default(), &[(0, tick()), (1, empty())]);
        assert_eq!(steps[1], expected, "{policy}");
        if policy == "pause" {
            assert_eq!(state.reason, Some(PauseReason::NoData));
        }
        if policy == "pass" {
            assert_eq!(state.analysis.unwrap().metrics["errors"].successful, 1);
        }
    }
    // The policy's default applies when the plan does not say.
    let mut policy = RolloutPolicy::default();
    policy.analysis.no_data = relman::rollout::NoDataPolicy::Fail;
    let p = limited(json!({}));
    let started = rollout_step(&p, &RolloutState::default(), &tick(), &t(0)).unwrap();
    let s = rollout_step_with_policy(&p, &started.state, &empty(), &t(1), &policy).unwrap();
    assert_eq!(s.decision, RollBack);
    // An empty list is no data too.
    let s = rollout_step(&p, &started.state, &observe(json!({"errors": []})), &t(1)).unwrap();
    assert_eq!(s.decision, Pause);
}

fn blue_green(auto: bool) -> DeploymentPlan {
    plan(json!({
        "strategy": "blue_green",
        "auto_promote": auto,
        "pre_promotion_analysis": {"metrics": [{"name": "smoke_failures", "max": 0}]},
        "post_promotion_analysis": {"metrics": [{"name": "error_rate", "max": 0.01}], "count": 2},
        "scale_down_delay_secs": 300
    }))
}

#[test]
fn blue_green_rolls_back_on_a_failed_post_promotion_analysis() {
    let (steps, end) = run(
        &blue_green(false),
        RolloutState::default(),
        &[
            (0, tick()),                                // green up, pre-analysis runs
            (1, observe(json!({"smoke_failures": 0}))), // passes: await promotion
            (2, tick()),
            (3, command("promote")),                    // switch
            (4, observe(json!({"error_rate": 0.001}))), // 1 of 2
            (5, observe(json!({"error_rate": 0.2}))),   // fails: switch back
        ],
    );
    assert_eq!(
        steps,
        vec![
            (Advance, Progressing, 0),
            (Pause, Paused, 0),
            (Continue, Paused, 0),
            (Promote, Promoting, 100),
            (Continue, Promoting, 100),
            (RollBack, RolledBack, 0),
        ]
    );
    assert_eq!(end.weight, 0);
}

#[test]
fn blue_green_auto_promotes_and_scales_down_after_the_delay() {
    let (steps, _) = run(
        &blue_green(true),
        RolloutState::default(),
        &[
            (0, tick()),
            (1, observe(json!({"smoke_failures": 0}))),
            (2, observe(json!({"error_rate": 0.0}))),
            (3, observe(json!({"error_rate": 0.001}))),
            (5, tick()),
            (8, tick()),
        ],
    );
    assert_eq!(
        steps,
        vec![
            (Advance, Progressing, 0),
            (Promote, Promoting, 100), // pre-analysis passed, auto switch
            (Continue, Promoting, 100),
            (Advance, Promoting, 100), // post-analysis passed: scale-down delay
            (Continue, Promoting, 100),
            (Promote, Succeeded, 100), // delay over
        ]
    );
    // A failed pre-promotion analysis never switches.
    let (steps, _) = run(
        &blue_green(true),
        RolloutState::default(),
        &[(0, tick()), (1, observe(json!({"smoke_failures": 3})))],
    );
    assert_eq!(steps[1], (RollBack, RolledBack, 0));
}

#[test]
fn phased_waves_advance_by_share_of_targets_with_verification() {
    let p = plan(json!({"strategy": "phased", "waves": [
        {"name": "canaries", "targets": ["a"], "verification": {"metrics": [{"name": "health", "min": 1}]}},
        {"targets": ["b", "c", "d"], "pause": {"duration_secs": 3600}},
        {"targets": ["e", "f", "g", "h"]}
    ]}));
    let (steps, _) = run(
        &p,
        RolloutState::default(),
        &[
            (0, tick()),
            (5, observe(json!({"health": 1}))),
            (30, tick()),
            (65, tick()),
        ],
    );
    assert_eq!(
        steps,
        vec![
            (Advance, Progressing, 12), // 1 of 8 targets
            (Advance, Paused, 50),      // 4 of 8, then an hour's pause
            (Continue, Paused, 50),
            (Promote, Succeeded, 100),
        ]
    );
    let (steps, _) = run(
        &p,
        RolloutState::default(),
        &[(0, tick()), (5, observe(json!({"health": 0})))],
    );
    assert_eq!(steps[1], (RollBack, RolledBack, 0));
}

#[test]
fn big_bang_goes_to_full_weight_and_verifies() {
    let p = plan(
        json!({"strategy": "big_bang", "analysis": {"metrics": [{"name": "health", "min": 1}]}}),
    );
    let (steps, _) = run(
        &p,
        RolloutState::default(),
        &[(0, tick()), (5, observe(json!({"health": 1})))],
    );
    assert_eq!(
        steps,
        vec![(Advance, Progressing, 100), (Promote, Succeeded, 100)]
    );
    let (steps, _) = run(
        &p,
        RolloutState::default(),
        &[(0, tick()), (5, observe(json!({"health": 0})))],
    );
    assert_eq!(steps[1], (RollBack, RolledBack, 0));
    let bare = plan(json!({"strategy": "big_bang"}));
    let (steps, _) = run(&bare, RolloutState::default(), &[(0, tick())]);
    assert_eq!(steps, vec![(Promote, Succeeded, 100)]);
}

#[test]
fn commands_in_every_phase() {
    let p = issue_canary();
    let pending = RolloutState::default();
    // pending: resume starts, promote finishes, abort aborts, observation waits.
    let s = rollout_step(&p, &pending, &command("resume"), &t(0)).unwrap();
    assert_eq!((s.decision, s.state.phase), (Advance, Paused));
    let s = rollout_step(&p, &pending, &command("promote"), &t(0)).unwrap();
    assert_eq!(
        (s.decision, s.state.phase, s.state.weight),
        (Promote, Succeeded, 100)
    );
    let s = rollout_step(&p, &pending, &command("abort"), &t(0)).unwrap();
    assert_eq!(
        (s.decision, s.state.phase, s.state.weight),
        (RollBack, Aborted, 0)
    );
    let s = rollout_step(&p, &pending, &observe(json!({"error_rate": 0})), &t(0)).unwrap();
    assert_eq!((s.decision, s.state.phase), (Continue, Pending));

    // progressing (analysis running): abort, promote; resume is ignored with a warning.
    let (_, running) = run(&p, pending.clone(), &[(0, tick()), (10, tick())]);
    assert_eq!(running.phase, Progressing);
    let s = rollout_step(&p, &running, &command("abort"), &t(11)).unwrap();
    assert_eq!(
        (s.decision, s.state.phase, s.state.weight),
        (RollBack, Aborted, 0)
    );
    let s = rollout_step(&p, &running, &command("promote"), &t(11)).unwrap();
    assert_eq!((s.decision, s.state.phase), (Promote, Succeeded));
    let s = rollout_step(&p, &running, &command("resume"), &t(11)).unwrap();
    assert_eq!((s.decision, s.state.phase), (Continue, Progressing));
    assert_eq!(s.warnings[0].code, "ignored_command");

    // paused (timed): resume skips the rest of the pause; abort.
    let (_, paused) = run(&p, pending.clone(), &[(0, tick())]);
    assert_eq!(paused.reason, Some(PauseReason::Timed));
    let s = rollout_step(&p, &paused, &command("resume"), &t(1)).unwrap();
    assert_eq!((s.decision, s.state.phase), (Advance, Progressing));
    let s = rollout_step(&p, &paused, &command("abort"), &t(1)).unwrap();
    assert_eq!(s.state.phase, Aborted);
    // An observation while paused is not counted.
    let s = rollout_step(&p, &paused, &observe(json!({"error_rate": 0.5})), &t(1)).unwrap();
    assert_eq!((s.decision, s.state.phase), (Continue, Paused));
    assert_eq!(s.reasons[0].rule, "analysis.not_running");

    // promoting (blue-green after the switch): promote finishes, abort.
    let (_, promoting) = run(
        &blue_green(true),
        pending.clone(),
        &[(0, tick()), (1, observe(json!({"smoke_failures": 0})))],
    );
    assert_eq!(promoting.phase, Promoting);
    let s = rollout_step(&blue_green(true), &promoting, &command("promote"), &t(2)).unwrap();
    assert_eq!((s.decision, s.state.phase), (Promote, Succeeded));
    let s = rollout_step(&blue_green(true), &promoting, &command("abort"), &t(2)).unwrap();
    assert_eq!(
        (s.decision, s.state.phase, s.state.weight),
        (RollBack, Aborted, 0)
    );

    // terminal: absorbing for every input.
    for terminal in [Succeeded, Aborted, RolledBack] {
        let state = RolloutState {
            phase: terminal,
            ..RolloutState::default()
        };
        for i in [
            tick(),
            command("promote"),
            command("resume"),
            command("abort"),
            observe(json!({"error_rate": 1})),
        ] {
            let s = rollout_step(&p, &state, &i, &t(0)).unwrap();
            assert_eq!(s.decision, Continue);
            assert_eq!(s.state, state);
        }
    }
}

fn error_of(p: Value, state: RolloutState, i: RolloutInput) -> (String, String) {
    let e = rollout_step(&plan(p), &state, &i, &t(0)).unwrap_err();
    (
        e.code().as_str().to_string(),
        e.path().unwrap_or("").to_string(),
    )
}

#[test]
fn bad_input_has_codes_and_paths() {
    let ii = "invalid_input".to_string();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"strategy": "canary"}), "plan.steps"),
        (json!({"strategy": "canary", "steps": []}), "plan.steps"),
        (json!({"strategy": "phased", "waves": []}), "plan.waves"),
        (
            json!({"strategy": "canary", "steps": [{"set_weight": 120}]}),
            "plan.steps[0].set_weight",
        ),
        (
            json!({"strategy": "canary", "steps": [{"set_weight": -5}, {"set_weight": 100}]}),
            "plan.steps[0].set_weight",
        ),
        (
            json!({"strategy": "canary", "steps": [{"set_weight": 60}, {"set_weight": 40}, {"set_weight": 100}]}),
            "plan.steps[1].set_weight",
        ),
        (
            json!({"strategy": "canary", "steps": [{"set_weight": 10}, {"pause": {"duration_secs": -600}}, {"set_weight": 100}]}),
            "plan.steps[1].pause.duration_secs",
        ),
        (
            json!({"strategy": "canary", "steps": [{"set_weight": 10}, {"pause": {"duration_secs": 0}}, {"set_weight": 100}]}),
            "plan.steps[1].pause.duration_secs",
        ),
        (
            json!({"strategy": "canary", "steps": [{"set_weight": 10}, {"set_weight": 50}]}),
            "plan.steps",
        ),
        (
            json!({"strategy": "blue_green", "scale_down_delay_secs": -1}),
            "plan.scale_down_delay_secs",
        ),
        (
            json!({"strategy": "phased", "waves": [{"targets": ["a"], "pause": {"duration_secs": -1}}]}),
            "plan.waves[0].pause.duration_secs",
        ),
        (
            json!({"strategy": "phased", "waves": [{"targets": []}]}),
            "plan.waves[0].targets",
        ),
        (
            json!({"strategy": "phased", "waves": [{"targets": ["a"]}, {"targets": ["a"]}]}),
            "plan.waves[1].targets[0]",
        ),
        (
            json!({"strategy": "big_bang", "analysis": {"metrics": []}}),
            "plan.analysis.metrics",
        ),
        (
            json!({"strategy": "big_bang", "analysis": {"metrics": [{"name": "x"}]}}),
            "plan.analysis.metrics[0]",
        ),
        (
            json!({"strategy": "big_bang", "analysis": {"metrics": [{"name": "x", "min": 5, "max": 1}]}}),
            "plan.analysis.metrics[0].max",
        ),
        (
            json!({"strategy": "big_bang", "analysis": {"metrics": [{"name": "x", "max": 1}], "count": 0}}),
            "plan.analysis.count",
        ),
    ];
    for (p, path) in cases {
        let got = error_of(p.clone(), RolloutState::default(), tick());
        assert_eq!(got, (ii.clone(), path.to_string()), "{p}");
    }
    // Observations of metrics the plan does not check, and NaN-only samples.
    let canary = serde_json::to_value(issue_canary()).unwrap();
    let got = error_of(
        canary.clone(),
        RolloutState::default(),
        observe(json!({"cpu": 0.5})),
    );
    assert_eq!(got, (ii.clone(), "input.metrics.cpu".to_string()));
    let got = error_of(
        canary.clone(),
        RolloutState::default(),
        input(json!({"kind": "observation", "errors": ["disk"]})),
    );
    assert_eq!(got, (ii.clone(), "input.errors[0]".to_string()));
    let got = error_of(
        canary.clone(),
        RolloutState::default(),
        observe(json!({"error_rate": [null, null]})),
    );
    assert_eq!(got, (ii.clone(), "input.metrics.error_rate".to_string()));
    // A state that does not fit, and time going backwards.
    let bad_step = RolloutState {
        phase: Progressing,
        step: 9,
        ..RolloutState::default()
    };
    assert_eq!(
        error_of(canary.clone(), bad_step, tick()),
        (ii.clone(), "state.step".to_string())
    );
    let later = RolloutState {
        phase: Paused,
        reason: Some(PauseReason::Step),
        step: 4,
        since: Some(t(30)),
        ..RolloutState::default()
    };
    assert_eq!(error_of(canary, later, tick()), (ii, "now".to_string()));
}

#[test]
fn a_release_may_name_only_its_strategy_but_a_bad_plan_is_invalid() {
    // The bundled samples name a strategy without steps: fine in a release.
    let r =
        relman::parse::<relman::Release>(include_str!("../../examples/data/release-major.json"))
            .unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let mut v: Value =
        serde_json::from_str(include_str!("../../examples/data/release-major.json")).unwrap();
    v["deployment"] = json!({"strategy": "canary", "steps": [{"set_weight": 50}, {"set_weight": 20}], "u_owner": "sre"});
    let e = relman::from_value::<relman::Release>(v.clone()).unwrap_err();
    assert_eq!(e.path(), Some("deployment.steps[1].set_weight"));
    // A partial canary is a warning in a release (an error to run).
    v["deployment"] = json!({"strategy": "canary", "steps": [{"set_weight": 50}]});
    let r = relman::from_value::<relman::Release>(v.clone()).unwrap();
    assert_eq!(r.warnings[0].code, "incomplete_plan");
    assert_eq!(r.warnings[0].path, "deployment.steps");
    // Unknown plan fields are kept.
    v["deployment"] = json!({"strategy": "canary", "steps": [{"set_weight": 50}, {"set_weight": 100}], "u_owner": "sre"});
    let r = relman::from_value::<relman::Release>(v).unwrap().document;
    let back = serde_json::to_value(r.deployment.unwrap()).unwrap();
    assert_eq!(back["u_owner"], "sre");
    assert_eq!(back["steps"][1]["set_weight"], 100);
}

#[test]
fn replay_names_the_failing_input() {
    let doc: RolloutReplay = serde_json::from_value(json!({
        "plan": serde_json::to_value(issue_canary()).unwrap(),
        "inputs": [
            {"at": "2026-12-01T10:00:00Z", "kind": "tick"},
            {"at": "2026-12-01T10:10:00Z", "kind": "tick"},
            {"at": "2026-12-01T10:11:00Z", "kind": "observation", "metrics": {"cpu": 1}}
        ]
    }))
    .unwrap();
    let e = replay(&doc, &RolloutPolicy::default()).unwrap_err();
    assert_eq!(e.path(), Some("inputs[2].metrics.cpu"));
}

/// A minor release in deployment, driven there from planning through
/// `apply` (so its log is its record), and a context in which rita (release
/// team) may complete it.
fn deploying_release() -> (relman::Release, relman::Context) {
    let mut release: relman::Release = relman::from_value(json!({
        "id": "REL-R", "title": "Rollout", "kind": "minor", "state": "planning",
        "owner": "alice", "scope": "Canary the new pricing service",
        "planned_start": "2026-12-06T01:00:00Z", "planned_end": "2026-12-06T03:00:00Z",
        "changes": [{"id": "CHG-R", "kind": "normal", "summary": "pricing v2",
                     "affected_cis": ["pricing-1"], "implementer": "rita", "approved": true}],
        "rollback_plan": {"documented": true},
        "tests": [
            {"kind": "unit", "passed": 10, "failed": 0},
            {"kind": "integration", "passed": 10, "failed": 0},
            {"kind": "uat", "passed": 5, "failed": 0, "signed_off_by": "quinn"}
        ]
    }))
    .unwrap()
    .document;
    let context: relman::Context = relman::from_value(json!({
        "actors": [
            {"id": "alice", "roles": ["release_manager"]},
            {"id": "carol", "roles": ["cab"]},
            {"id": "rita", "roles": ["release_team"]}
        ],
        // What readiness needs, empty: this test is about the rollout.
        "calendar": {}, "schedule": {}, "cmdb": {}
    }))
    .unwrap()
    .document;
    for (actor, command) in [
        ("alice", json!({"command": "advance"})),
        ("alice", json!({"command": "advance"})),
        ("alice", json!({"command": "advance"})),
        ("carol", json!({"command": "approve", "role": "cab"})),
        ("alice", json!({"command": "start_deployment"})),
    ] {
        let mut c = command.clone();
        c["actor"] = json!(actor);
        // Inside the window (deployment.window).
        c["at"] = json!("2026-12-06T01:30:00Z");
        let c: relman::Command = relman::from_value(c).unwrap().document;
        release = relman::apply(&release, &c, &context)
            .unwrap_or_else(|e| panic!("{command} by {actor}: {e}"))
            .release;
    }
    assert_eq!(release.state, relman::State::Deployment);
    (release, context)
}

fn complete(extra: Value) -> relman::Command {
    let mut c =
        json!({"command": "complete_deployment", "actor": "rita", "at": "2026-12-06T02:30:00Z"});
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    relman::from_value(c).unwrap().document
}

#[test]
fn complete_deployment_takes_the_rollout_final_state_as_its_outcome() {
    let (release, context) = deploying_release();
    let final_state = |phase: &str| json!({"rollout": {"phase": phase, "step": 6, "weight": if phase == "succeeded" {100} else {0}}});
    let applied = relman::apply(&release, &complete(final_state("succeeded")), &context).unwrap();
    assert_eq!(applied.release.outcome, Some(relman::Outcome::Success));
    assert_eq!(applied.release.state, relman::State::Review);
    assert_eq!(applied.events[0].details["rollout"]["phase"], "succeeded");

    let applied = relman::apply(&release, &complete(final_state("rolled_back")), &context).unwrap();
    assert_eq!(applied.release.outcome, Some(relman::Outcome::RolledBack));
    assert_eq!(applied.release.state, relman::State::Deployment);
    let applied = relman::apply(&release, &complete(final_state("aborted")), &context).unwrap();
    assert_eq!(applied.release.outcome, Some(relman::Outcome::Failed));

    // A rollout still running is no outcome; a disagreeing outcome is refused.
    let e = relman::apply(&release, &complete(final_state("progressing")), &context).unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.path()),
        ("invalid_input", Some("rollout.phase"))
    );
    let mut both = final_state("rolled_back");
    both["outcome"] = json!("success");
    let e = relman::apply(&release, &complete(both), &context).unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.path()),
        ("invalid_input", Some("outcome"))
    );
    let e = relman::apply(&release, &complete(json!({})), &context).unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.path()),
        ("invalid_input", Some("outcome"))
    );
    // The outcome alone works as before.
    let applied =
        relman::apply(&release, &complete(json!({"outcome": "success"})), &context).unwrap();
    assert_eq!(applied.release.outcome, Some(relman::Outcome::Success));
    // A state straight from rollout_step is accepted as is.
    let done = rollout_step(
        &plan(json!({"strategy": "big_bang"})),
        &RolloutState::default(),
        &tick(),
        &t(0),
    )
    .unwrap();
    let c = complete(json!({"rollout": serde_json::to_value(&done.state).unwrap()}));
    assert_eq!(
        relman::apply(&release, &c, &context)
            .unwrap()
            .release
            .outcome,
        Some(relman::Outcome::Success)
    );
}

#[test]
fn bad_rollout_policy_values_are_invalid_policy_with_paths() {
    let cases = [
        (
            json!({"rollout": {"judge": {"alpha": 0}}}),
            "rollout.judge.alpha",
        ),
        (
            json!({"rollout": {"judge": {"tolerance": -1}}}),
            "rollout.judge.tolerance",
        ),
        (
            json!({"rollout": {"judge": {"pass_score": 101}}}),
            "rollout.judge.pass_score",
        ),
        (
            json!({"rollout": {"judge": {"pass_score": 60, "marginal_score": 70}}}),
            "rollout.judge.marginal_score",
        ),
        (
            json!({"rollout": {"analysis": {"count": 0}}}),
            "rollout.analysis.count",
        ),
        (
            json!({"rollout": {"analysis": {"no_data": "ignore"}}}),
            "rollout.analysis.no_data",
        ),
        (
            json!({"rollout": {"blue_green": {"scale_down_delay_secs": 999_999_999_u64}}}),
            "rollout.blue_green.scale_down_delay_secs",
        ),
    ];
    for (p, path) in cases {
        let e = relman::from_value::<relman::Policy>(p.clone()).unwrap_err();
        assert_eq!(e.code().as_str(), "invalid_policy", "{p}");
        assert_eq!(e.path(), Some(path), "{p}");
    }
    // Unknown fields of the section are kept; defaults are written back.
    let p = relman::from_value::<relman::Policy>(
        json!({"rollout": {"u_team": "sre", "judge": {"alpha": 0.01}}}),
    )
    .unwrap()
    .document;
    let back = serde_json::to_value(&p).unwrap();
    assert_eq!(back["rollout"]["u_team"], "sre");
    assert_eq!(back["rollout"]["judge"]["alpha"], 0.01);
    assert_eq!(back["rollout"]["judge"]["pass_score"], 95.0);
    assert_eq!(back["rollout"]["analysis"]["consecutive_error_limit"], 4);
}

// ---------------------------------------------------------------------------
// Background analysis (the plan's `analysis` of a canary, blue-green or
// phased rollout).

/// [set_weight 20, pause 10m, set_weight 50, pause, set_weight 100] with a
/// background analysis from step 1 (extra fields merged in).
fn background_canary(extra: Value) -> DeploymentPlan {
    let mut bg = json!({"metrics": [
        {"name": "error_rate", "max": 0.01},
        {"name": "latency_p99", "max": 300, "fail_above": 500}
    ], "starting_step": 1});
    for (k, v) in extra.as_object().unwrap() {
        bg[k] = v.clone();
    }
    plan(json!({"strategy": "canary", "steps": [
        {"set_weight": 20},
        {"pause": {"duration_secs": 600}},
        {"set_weight": 50},
        {"pause": {}},
        {"set_weight": 100}
    ], "analysis": bg}))
}

fn rules(s: &relman::rollout::RolloutStep) -> Vec<&str> {
    s.reasons.iter().map(|r| r.rule.as_str()).collect()
}

#[test]
fn background_analysis_counts_observations_in_a_timed_pause_and_rolls_back() {
    let p = background_canary(json!({}));
    let started = rollout_step(&p, &RolloutState::default(), &tick(), &t(0)).unwrap();
    assert_eq!(started.state.reason, Some(PauseReason::Timed));
    let s = rollout_step(
        &p,
        &started.state,
        &observe(json!({"error_rate": 0.002})),
        &t(1),
    )
    .unwrap();
    assert_eq!(rules(&s), ["background.measurement", "background.running"]);
    assert_eq!(s.decision, Continue);
    let s = rollout_step(&p, &s.state, &observe(json!({"error_rate": 0.031})), &t(2)).unwrap();
    assert_eq!(s.decision, RollBack);
    assert_eq!(
        (s.state.phase, s.state.weight),
        (RolloutPhase::RolledBack, 0)
    );
    assert!(
        s.reasons[1].message.contains("`error_rate` failed 1 time"),
        "{:?}",
        s.reasons
    );
    // Every command that would raise the weight is denied, naming the breach.
    for c in ["promote", "resume"] {
        let d = rollout_step(&p, &s.state, &command(c), &t(3)).unwrap();
        assert_eq!(d.decision, Continue);
        assert_eq!(d.state, s.state);
        assert_eq!(rules(&d), ["rollout.terminal", "command.denied"]);
        assert!(d.reasons[1].message.contains("error_rate"));
        assert_eq!(d.warnings[0].code, "denied_command");
    }
}

#[test]
fn before_the_starting_step_the_observation_is_not_counted() {
    let p = plan(json!({"strategy": "canary", "steps": [
        {"set_weight": 20}, {"pause": {}}, {"set_weight": 50}, {"pause": {}}, {"set_weight": 100}
    ], "analysis": {"metrics": [{"name": "error_rate", "max": 0.01}], "starting_step": 3}}));
    let started = rollout_step(&p, &RolloutState::default(), &tick(), &t(0)).unwrap();
    assert_eq!(started.state.step, 1);
    let s = rollout_step(
        &p,
        &started.state,
        &observe(json!({"error_rate": 0.5})),
        &t(1),
    )
    .unwrap();
    assert_eq!(rules(&s), ["analysis.not_running"]);
    assert_eq!(s.state, started.state);
    let s = rollout_step(&p, &s.state, &command("resume"), &t(2)).unwrap();
    assert_eq!((s.state.step, s.state.weight), (3, 50));
    let s = rollout_step(&p, &s.state, &observe(json!({"error_rate": 0.5})), &t(3)).unwrap();
    assert_eq!(s.decision, RollBack);
}

#[test]
fn on_failure_pause_waits_for_abort_and_denies_the_rest() {
    let p = background_canary(json!({"on_failure": "pause"}));
    let started = rollout_step(&p, &RolloutState::default(), &tick(), &t(0)).unwrap();
    let s = rollout_step(
        &p,
        &started.state,
        &observe(json!({"latency_p99": 900})),
        &t(1),
    )
    .unwrap();
    assert_eq!(s.decision, Pause);
    assert_eq!(s.state.reason, Some(PauseReason::AnalysisFailed));
    assert_eq!(s.state.weight, 20);
    assert_eq!(rules(&s)[1], "background.failure_limit");
    // Time passing does not end the pause; promote and resume are denied;
    // observations are no longer counted.
    let after = rollout_step(&p, &s.state, &tick(), &t(30)).unwrap();
    assert_eq!(after.state, s.state);
    for c in ["promote", "resume"] {
        let d = rollout_step(&p, &s.state, &command(c), &t(31)).unwrap();
        assert_eq!((d.decision, &d.state), (Continue, &s.state));
        assert_eq!(rules(&d), ["command.denied"]);
    }
    let o = rollout_step(&p, &s.state, &observe(json!({"error_rate": 0.0})), &t(32)).unwrap();
    assert_eq!(rules(&o), ["background.breached"]);
    assert_eq!(o.state, s.state);
    let a = rollout_step(&p, &s.state, &command("abort"), &t(33)).unwrap();
    assert_eq!(
        (a.decision, a.state.phase),
        (RollBack, RolloutPhase::Aborted)
    );
    // The policy sets the default; the plan wins.
    let mut policy = RolloutPolicy::default();
    policy.analysis.on_failure = Some(relman::rollout::OnFailure::Pause);
    let p = background_canary(json!({}));
    let s = rollout_step_with_policy(
        &p,
        &started.state,
        &observe(json!({"error_rate": 1})),
        &t(1),
        &policy,
    )
    .unwrap();
    assert_eq!(s.state.reason, Some(PauseReason::AnalysisFailed));
    let p = background_canary(json!({"on_failure": "roll_back"}));
    let s = rollout_step_with_policy(
        &p,
        &started.state,
        &observe(json!({"error_rate": 1})),
        &t(1),
        &policy,
    )
    .unwrap();
    assert_eq!(s.state.phase, RolloutPhase::RolledBack);
}

#[test]
fn a_breach_at_full_weight_rolls_back_even_under_on_failure_pause() {
    let p = plan(
        json!({"strategy": "blue_green", "auto_promote": true, "scale_down_delay_secs": 600,
        "analysis": {"metrics": [{"name": "error_rate", "max": 0.01}], "on_failure": "pause"}}),
    );
    let s = rollout_step(&p, &RolloutState::default(), &tick(), &t(0)).unwrap();
    assert_eq!(
        (s.state.phase, s.state.weight),
        (RolloutPhase::Promoting, 100)
    );
    let s = rollout_step(&p, &s.state, &observe(json!({"error_rate": 0.2})), &t(1)).unwrap();
    assert_eq!(
        (s.decision, s.state.phase, s.state.weight),
        (RollBack, RolloutPhase::RolledBack, 0)
    );
    assert!(
        s.reasons[1].message.contains("at weight 100"),
        "{:?}",
        s.reasons
    );
}

#[test]
fn an_inconclusive_background_holds_the_rollout_until_resume() {
    let p = background_canary(json!({}));
    let started = rollout_step(&p, &RolloutState::default(), &tick(), &t(0)).unwrap();
    // latency 400: between max 300 and fail_above 500 → inconclusive.
    let s = rollout_step(
        &p,
        &started.state,
        &observe(json!({"latency_p99": 400})),
        &t(1),
    )
    .unwrap();
    assert_eq!(
        (s.decision, s.state.reason),
        (Pause, Some(PauseReason::Inconclusive))
    );
    assert_eq!(rules(&s)[1], "background.inconclusive_limit");
    // The timed pause's end does not release a hold.
    let held = rollout_step(&p, &s.state, &tick(), &t(20)).unwrap();
    assert_eq!(held.state, s.state);
    // resume goes back to the timed pause, which then ends with a tick.
    let r = rollout_step(&p, &s.state, &command("resume"), &t(21)).unwrap();
    assert_eq!(rules(&r), ["command.resume_accepts_background"]);
    assert_eq!(
        (r.state.phase, r.state.reason, r.state.step),
        (RolloutPhase::Paused, Some(PauseReason::Timed), 1)
    );
    assert_eq!(
        r.state.background.as_ref().unwrap().metrics["latency_p99"].inconclusive,
        0
    );
    let n = rollout_step(&p, &r.state, &tick(), &t(22)).unwrap();
    assert_eq!((n.state.step, n.state.weight), (3, 50));
}

#[test]
fn per_metric_limits_override_the_analysis() {
    // A step analysis: error_rate tolerates one failure, latency none.
    let p = plan(json!({"strategy": "canary", "steps": [
        {"set_weight": 10},
        {"analysis": {"count": 3, "failure_limit": 0, "metrics": [
            {"name": "error_rate", "max": 0.01, "failure_limit": 1},
            {"name": "latency_p99", "max": 300}
        ]}},
        {"set_weight": 100}
    ]}));
    let started = rollout_step(&p, &RolloutState::default(), &tick(), &t(0)).unwrap();
    let s = rollout_step(
        &p,
        &started.state,
        &observe(json!({"error_rate": 0.5, "latency_p99": 100})),
        &t(1),
    )
    .unwrap();
    assert_eq!(s.decision, Continue);
    assert_eq!(
        s.reasons[1].data["metric_limits"]["error_rate"]["failure_limit"],
        1
    );
    assert_eq!(
        s.reasons[1].data["metric_limits"]["latency_p99"]["failure_limit"],
        0
    );
    let s2 = rollout_step(
        &p,
        &s.state,
        &observe(json!({"error_rate": 0.5, "latency_p99": 100})),
        &t(2),
    )
    .unwrap();
    assert_eq!(s2.decision, RollBack);
    assert!(s2.reasons[1].message.contains("failure limit 1"));
    let s3 = rollout_step(
        &p,
        &s.state,
        &observe(json!({"error_rate": 0.0, "latency_p99": 900})),
        &t(2),
    )
    .unwrap();
    assert_eq!(s3.decision, RollBack);
    assert!(s3.reasons[1]
        .message
        .contains("`latency_p99` failed 1 time (failure limit 0)"));
    // Without a per-metric limit the reasons are as before (no metric_limits).
    let s = rollout_step(&issue_canary(), &RolloutState::default(), &tick(), &t(0)).unwrap();
    let s = rollout_step(&issue_canary(), &s.state, &tick(), &t(10)).unwrap();
    let s = rollout_step(
        &issue_canary(),
        &s.state,
        &observe(json!({"error_rate": 0.0, "latency_p99": 100})),
        &t(11),
    )
    .unwrap();
    assert!(s
        .reasons
        .iter()
        .all(|r| r.data.get("metric_limits").is_none()));
}

#[test]
fn background_fields_elsewhere_are_unused_parameters() {
    let p = plan(json!({"strategy": "canary", "steps": [
        {"set_weight": 10},
        {"analysis": {"metrics": [{"name": "e", "max": 1}], "starting_step": 0, "on_failure": "pause"}},
        {"set_weight": 100}
    ], "analysis": {"metrics": [{"name": "e2", "max": 1}], "count": 3}}));
    let s = rollout_step(&p, &RolloutState::default(), &tick(), &t(0)).unwrap();
    let paths: Vec<(&str, &str)> = s
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.path.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("unused_parameter", "plan.analysis.count"),
            ("unused_parameter", "plan.steps[1].analysis.starting_step"),
            ("unused_parameter", "plan.steps[1].analysis.on_failure"),
        ]
    );
    let p = plan(
        json!({"strategy": "big_bang", "analysis": {"metrics": [{"name": "e", "max": 1}], "starting_step": 0}}),
    );
    let s = rollout_step(&p, &RolloutState::default(), &tick(), &t(0)).unwrap();
    assert_eq!(s.warnings[0].path, "plan.analysis.starting_step");
}

#[test]
fn bad_background_plans_have_codes_and_paths() {
    let ii = "invalid_input".to_string();
    let cases: Vec<(Value, &str)> = vec![
        // starting_step out of range: a canary's steps, a blue-green step list.
        (
            json!({"strategy": "canary", "steps": [{"set_weight": 100}], "analysis": {"metrics": [{"name": "e", "max": 1}], "starting_step": 1}}),
            "plan.analysis.starting_step",
        ),
        (
            json!({"strategy": "blue_green", "auto_promote": true, "analysis": {"metrics": [{"name": "e", "max": 1}], "starting_step": 3}}),
            "plan.analysis.starting_step",
        ),
        // empty metrics
        (
            json!({"strategy": "canary", "steps": [{"set_weight": 100}], "analysis": {"metrics": []}}),
            "plan.analysis.metrics",
        ),
        // a metric without a threshold
        (
            json!({"strategy": "phased", "waves": [{"targets": ["a"]}], "analysis": {"metrics": [{"name": "e"}]}}),
            "plan.analysis.metrics[0]",
        ),
    ];
    for (p, path) in cases {
        assert_eq!(
            error_of(p.clone(), RolloutState::default(), tick()),
            (ii.clone(), path.to_string()),
            "{p}"
        );
    }
    // Limits that are not counts, an unknown on_failure: the JSON contract.
    let call = |bg: Value| {
        let e = relman::api::call(
            "rollout_step",
            json!({
                "plan": {"strategy": "canary", "steps": [{"set_weight": 100}], "analysis": bg},
                "input": {"kind": "tick"}, "now": "2026-12-01T10:00:00Z"
            }),
        )
        .unwrap_err();
        (
            e.code().as_str().to_string(),
            e.path().unwrap_or("").to_string(),
        )
    };
    for (bg, path) in [
        (
            json!({"metrics": [{"name": "e", "max": 1, "failure_limit": -1}]}),
            "plan.analysis.metrics[0].failure_limit",
        ),
        (
            json!({"metrics": [{"name": "e", "max": 1, "consecutive_error_limit": 1.5}]}),
            "plan.analysis.metrics[0].consecutive_error_limit",
        ),
        (
            json!({"metrics": [{"name": "e", "max": 1}], "inconclusive_limit": "two"}),
            "plan.analysis.inconclusive_limit",
        ),
        (
            json!({"metrics": [{"name": "e", "max": 1}], "starting_step": -1}),
            "plan.analysis.starting_step",
        ),
        (
            json!({"metrics": [{"name": "e", "max": 1}], "on_failure": "explode"}),
            "plan.analysis.on_failure",
        ),
    ] {
        assert_eq!(call(bg.clone()), (ii.clone(), path.to_string()), "{bg}");
    }
    // The policy's default.
    let e = relman::from_value::<relman::Policy>(
        json!({"rollout": {"analysis": {"on_failure": "explode"}}}),
    )
    .unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.path()),
        ("invalid_policy", Some("rollout.analysis.on_failure"))
    );
    // A state paused for a failed analysis needs its breach.
    let state: RolloutState = serde_json::from_value(
        json!({"phase": "paused", "reason": "analysis_failed", "step": 1, "weight": 20}),
    )
    .unwrap();
    assert_eq!(
        error_of(
            serde_json::to_value(background_canary(json!({}))).unwrap(),
            state,
            tick()
        ),
        (ii, "state.background.breach".to_string())
    );
}
