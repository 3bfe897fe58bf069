//! Rollout plans, states and inputs from arbitrary bytes through
//! `rollout_step` and `judge_canary`.

use crate::check_error;
use crate::gen::Gen;
use relman::rollout::{
    judge_canary, rollout_step, JudgeConfig, RolloutDecision, RolloutInput, RolloutPhase,
    RolloutState, SampleSet,
};
use relman::{DeploymentPlan, Timestamp};
use serde_json::{json, Value};

fn analysis(g: &mut Gen<'_>) -> Value {
    let mut metrics = vec![json!({"name": "errors", "max": 1.0, "fail_above": 5.0})];
    if g.bool() {
        metrics.push(json!({"name": "latency", "max": 300.0}));
    }
    json!({
        "metrics": metrics,
        "count": g.range(0, 3),
        "failure_limit": g.range(0, 2),
        "inconclusive_limit": g.range(0, 2),
        "consecutive_error_limit": g.range(0, 3),
        "no_data": g.pick(&["pause", "fail", "pass"]),
    })
}

/// A plan of any strategy; weights and durations may be out of range or
/// out of order (the plan is then invalid and every step an error).
pub fn plan(g: &mut Gen<'_>) -> Value {
    match g.below(4) {
        0 => {
            let mut steps = g.vec(8, |g| match g.below(4) {
                0 => json!({"set_weight": g.range(-5, 105)}),
                1 => json!({"pause": {"duration_secs": g.range(-10, 1200)}}),
                2 => json!({"pause": {}}),
                _ => json!({"analysis": analysis(g)}),
            });
            if g.below(4) != 0 {
                // Mostly valid: non-decreasing weights ending at 100.
                let mut max = 0;
                for s in &mut steps {
                    if let Some(w) = s.get("set_weight").and_then(Value::as_i64) {
                        max = max.max(w.clamp(0, 100));
                        *s = json!({"set_weight": max});
                    }
                }
                steps.push(json!({"set_weight": 100}));
            }
            json!({"strategy": "canary", "steps": steps})
        }
        1 => {
            let mut p = json!({"strategy": "blue_green", "auto_promote": g.bool(),
                               "scale_down_delay_secs": g.range(-5, 600)});
            if g.bool() {
                p["pre_promotion_analysis"] = analysis(g);
            }
            if g.bool() {
                p["post_promotion_analysis"] = analysis(g);
            }
            p
        }
        2 => {
            let mut n = 0;
            let waves = g.vec(4, |g| {
                let targets: Vec<String> = (0..g.below(4))
                    .map(|_| {
                        n += 1;
                        format!("t{n}")
                    })
                    .collect();
                let mut w = json!({"targets": targets});
                if g.bool() {
                    w["verification"] = analysis(g);
                }
                if g.bool() {
                    w["pause"] = json!({"duration_secs": g.range(1, 900)});
                }
                w
            });
            json!({"strategy": "phased", "waves": waves})
        }
        _ => {
            if g.bool() {
                json!({"strategy": "big_bang", "analysis": analysis(g)})
            } else {
                json!({"strategy": "big_bang"})
            }
        }
    }
}

fn sample(g: &mut Gen<'_>) -> Value {
    match g.below(7) {
        0 => json!(0.0),
        1 => json!(3.0),
        2 => json!(9.0),
        3 => json!([100.0, 200.0]),
        4 => json!([400.0, null]),
        5 => json!([]),
        _ => json!(g.range(-1000, 1000) as f64 / 7.0),
    }
}

/// One rollout input.
pub fn input(g: &mut Gen<'_>) -> Value {
    match g.below(9) {
        0..=2 => json!({"kind": "tick"}),
        3..=5 => {
            let mut metrics = serde_json::Map::new();
            for name in ["errors", "latency", "unknown"] {
                if g.below(3) != 0 || name == "unknown" && g.below(8) == 0 {
                    metrics.insert(name.into(), sample(g));
                }
            }
            let errors: Vec<&str> = if g.below(4) == 0 {
                vec!["latency"]
            } else {
                vec![]
            };
            json!({"kind": "observation", "metrics": metrics, "errors": errors})
        }
        _ => json!({"kind": "command",
                    "command": g.pick(&["resume", "promote", "abort", "resume", "promote"])}),
    }
}

fn samples(g: &mut Gen<'_>) -> SampleSet {
    let mut set = SampleSet::new();
    for name in ["errors", "latency"] {
        if g.below(4) != 0 {
            let values = g.vec(40, |g| match g.below(10) {
                0 => f64::from_bits(g.u64()),
                1 => f64::NAN,
                _ => g.range(0, 50) as f64,
            });
            set = set.with(name, values);
        }
    }
    set
}

/// `rollout_inputs`: a plan, up to 40 inputs at increasing times, and two
/// sample sets, all from the bytes. `rollout_step` never panics and either
/// fails with a coded error or returns a state whose weight is 0..=100;
/// terminal states are absorbing; the weight only decreases, to 0, on a
/// roll back; a paused state carries its reason; a succeeded rollout is at
/// 100; the state survives JSON. `judge_canary` on arbitrary samples
/// (NaN and infinities included) never panics and fails only with a coded
/// error.
pub fn check_rollout_inputs(data: &[u8]) {
    let mut g = Gen::new(data);
    if let Ok(plan) = serde_json::from_value::<DeploymentPlan>(plan(&mut g)) {
        let mut now: Timestamp = "2026-12-01T10:00:00Z".parse().expect("a timestamp");
        let mut state = RolloutState::default();
        for _ in 0..40 {
            if g.is_empty() {
                break;
            }
            let gap = g.range(0, 900);
            now = relman::Timestamp::from_utc(relman::calendar::utc(now.unix_seconds() + gap));
            let Ok(i) = serde_json::from_value::<RolloutInput>(input(&mut g)) else {
                continue;
            };
            let step = match rollout_step(&plan, &state, &i, &now) {
                Ok(step) => step,
                Err(e) => {
                    check_error(&e);
                    continue;
                }
            };
            let next = &step.state;
            if state.phase.is_terminal() {
                assert_eq!(next, &state, "a terminal state changed");
                assert_eq!(step.decision, RolloutDecision::Continue);
            }
            assert!(next.weight <= 100, "weight {}", next.weight);
            if next.weight < state.weight {
                assert_eq!(next.weight, 0);
                assert!(matches!(
                    next.phase,
                    RolloutPhase::Aborted | RolloutPhase::RolledBack
                ));
                assert_eq!(step.decision, RolloutDecision::RollBack);
            }
            assert_eq!(next.phase == RolloutPhase::Paused, next.reason.is_some());
            if next.phase == RolloutPhase::Succeeded {
                assert_eq!(next.weight, 100);
            }
            let back: RolloutState =
                serde_json::from_value(serde_json::to_value(next).expect("serialises"))
                    .expect("a state reads back");
            assert_eq!(&back, next);
            state = step.state;
        }
    }
    let baseline = samples(&mut g);
    let canary = samples(&mut g);
    let config = JudgeConfig::default();
    match judge_canary(&baseline, &canary, &config) {
        Ok(j) => {
            serde_json::to_string(&j).expect("a judgement serialises");
        }
        Err(e) => check_error(&e),
    }
}
