//! Property tests of the rollout state machine over random plans of every
//! strategy and random sequences of observations, ticks and commands:
//! the weight never decreases except to 0 on abort or roll back, nothing is
//! promoted after a failed analysis, terminal states are absorbing.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::rollout::{rollout_step, RolloutDecision, RolloutInput, RolloutPhase, RolloutState};
use relman::{DeploymentPlan, Timestamp};
use serde_json::{json, Value};

fn analysis() -> impl Strategy<Value = Value> {
    (
        1u32..3,
        0u32..2,
        0u32..2,
        0u32..3,
        prop::sample::select(vec!["pause", "fail", "pass"]),
    )
        .prop_map(|(count, failure, inconclusive, errors, no_data)| {
            json!({
                "metrics": [
                    {"name": "errors", "max": 1.0, "fail_above": 5.0},
                    {"name": "latency", "max": 300.0}
                ],
                "count": count,
                "failure_limit": failure,
                "inconclusive_limit": inconclusive,
                "consecutive_error_limit": errors,
                "no_data": no_data
            })
        })
}

fn canary() -> impl Strategy<Value = Value> {
    let step = prop_oneof![
        (0i64..=100).prop_map(|w| json!({"set_weight": w})),
        (1i64..1200).prop_map(|d| json!({"pause": {"duration_secs": d}})),
        Just(json!({"pause": {}})),
        analysis().prop_map(|a| json!({"analysis": a})),
    ];
    prop::collection::vec(step, 1..8).prop_map(|mut steps| {
        // Make the weights non-decreasing and end at 100.
        let mut max = 0;
        for s in &mut steps {
            if let Some(w) = s.get("set_weight").and_then(Value::as_i64) {
                max = max.max(w);
                *s = json!({"set_weight": max});
            }
        }
        steps.push(json!({"set_weight": 100}));
        json!({"strategy": "canary", "steps": steps})
    })
}

/// A feature-flag plan: some of internal and beta, then everyone; each
/// cohort's percentages non-decreasing and ending at 100, with an optional
/// timed or open pause.
fn feature_flag() -> impl Strategy<Value = Value> {
    let cohort = (
        prop::collection::vec(1i64..=100, 0..3),
        prop::option::of(prop::option::of(1i64..1200)),
    );
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(cohort, 3),
    )
        .prop_map(|(internal, beta, cohorts)| {
            let names = [("internal", internal), ("beta", beta), ("everyone", true)];
            let cohorts: Vec<Value> = names
                .iter()
                .zip(cohorts)
                .filter(|((_, keep), _)| *keep)
                .map(|((name, _), (mut steps, pause))| {
                    steps.sort_unstable();
                    steps.push(100);
                    let mut c = json!({"name": name, "steps": steps});
                    match pause {
                        Some(Some(d)) => c["pause"] = json!({"duration_secs": d}),
                        Some(None) => c["pause"] = json!({}),
                        None => {}
                    }
                    c
                })
                .collect();
            json!({"strategy": "feature_flag", "flag": "new-checkout", "cohorts": cohorts})
        })
}

/// The length of a feature-flag plan's step list: each percentage, each
/// followed by the cohort's pause, none after the final 100.
fn flag_steps(plan: &Value) -> usize {
    let cohorts = plan["cohorts"].as_array().unwrap();
    let mut n = 0;
    for (i, c) in cohorts.iter().enumerate() {
        let steps = c["steps"].as_array().unwrap().len();
        n += steps;
        if c.get("pause").is_some() {
            n += if i + 1 == cohorts.len() {
                steps - 1
            } else {
                steps
            };
        }
    }
    n
}

fn plan() -> impl Strategy<Value = Value> {
    prop_oneof![
        canary(),
        (feature_flag(), prop::option::of(analysis())).prop_map(|(mut p, a)| {
            if let Some(mut a) = a {
                // A background analysis: `count` does not apply.
                a.as_object_mut().unwrap().remove("count");
                p["analysis"] = a;
            }
            p
        }),
        (any::<bool>(), prop::option::of(analysis()), prop::option::of(analysis()), 0i64..600)
            .prop_map(|(auto, pre, post, delay)| {
                let mut p = json!({"strategy": "blue_green", "auto_promote": auto, "scale_down_delay_secs": delay});
                if let Some(a) = pre {
                    p["pre_promotion_analysis"] = a;
                }
                if let Some(a) = post {
                    p["post_promotion_analysis"] = a;
                }
                p
            }),
        prop::collection::vec((1usize..4, prop::option::of(analysis()), prop::option::of(1i64..900)), 1..4)
            .prop_map(|waves| {
                let mut n = 0;
                let waves: Vec<Value> = waves
                    .into_iter()
                    .map(|(targets, verification, pause)| {
                        let t: Vec<String> = (0..targets).map(|_| { n += 1; format!("t{n}") }).collect();
                        let mut w = json!({"targets": t});
                        if let Some(a) = verification {
                            w["verification"] = a;
                        }
                        if let Some(d) = pause {
                            w["pause"] = json!({"duration_secs": d});
                        }
                        w
                    })
                    .collect();
                json!({"strategy": "phased", "waves": waves})
            }),
        prop::option::of(analysis()).prop_map(|a| match a {
            Some(a) => json!({"strategy": "big_bang", "analysis": a}),
            None => json!({"strategy": "big_bang"}),
        }),
    ]
}

fn input() -> impl Strategy<Value = Value> {
    let value = prop_oneof![
        Just(json!(0.0)),
        Just(json!(3.0)),
        Just(json!(9.0)),
        Just(json!([100.0, 200.0])),
        Just(json!([400.0, null])),
        Just(json!([])),
    ];
    prop_oneof![
        3 => Just(json!({"kind": "tick"})),
        4 => (prop::option::of(value.clone()), prop::option::of(value), any::<bool>()).prop_map(|(e, l, err)| {
            let mut metrics = serde_json::Map::new();
            if let Some(e) = e { metrics.insert("errors".into(), e); }
            if let Some(l) = l { metrics.insert("latency".into(), l); }
            let errors: Vec<&str> = if err { vec!["latency"] } else { vec![] };
            json!({"kind": "observation", "metrics": metrics, "errors": errors})
        }),
        1 => Just(json!({"kind": "command", "command": "resume"})),
        1 => Just(json!({"kind": "command", "command": "promote"})),
        1 => Just(json!({"kind": "command", "command": "abort"})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn rollout_invariants(
        plan_value in plan(),
        inputs in prop::collection::vec((input(), 0i64..900), 1..30),
    ) {
        let plan: DeploymentPlan = serde_json::from_value(plan_value.clone()).unwrap();
        let mut now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let mut state = RolloutState::default();
        let mut failed_analysis = false;
        // Observations that name only plan metrics; big_bang without an
        // analysis names none, so skip observations there.
        let known = relman::rollout::plan_metrics(&plan);
        for (raw, gap) in inputs {
            now = Timestamp::from_datetime(now.datetime() + chrono::Duration::seconds(gap));
            if raw["kind"] == "observation" && !known.contains("errors") {
                continue;
            }
            let i: RolloutInput = serde_json::from_value(raw.clone()).unwrap();
            let step = rollout_step(&plan, &state, &i, &now)
                .unwrap_or_else(|e| panic!("{plan_value} {raw}: {e}"));
            let next = &step.state;
            // Terminal states are absorbing.
            if state.phase.is_terminal() {
                prop_assert_eq!(next, &state);
                prop_assert_eq!(step.decision, RolloutDecision::Continue);
            }
            // The weight never decreases, except to 0 on abort or roll back.
            if next.weight < state.weight {
                prop_assert_eq!(next.weight, 0);
                prop_assert!(matches!(next.phase, RolloutPhase::Aborted | RolloutPhase::RolledBack));
                prop_assert_eq!(step.decision, RolloutDecision::RollBack);
            }
            prop_assert!(next.weight <= 100);
            prop_assert_eq!(next.phase == RolloutPhase::Paused, next.reason.is_some());
            // No promote after a failed analysis.
            if next.phase == RolloutPhase::RolledBack {
                failed_analysis = true;
            }
            if failed_analysis {
                prop_assert_ne!(step.decision, RolloutDecision::Promote);
                prop_assert_ne!(next.phase, RolloutPhase::Succeeded);
            }
            // A roll back decision is exactly the move into aborted / rolled_back.
            prop_assert_eq!(
                step.decision == RolloutDecision::RollBack,
                !state.phase.is_terminal()
                    && matches!(next.phase, RolloutPhase::Aborted | RolloutPhase::RolledBack)
            );
            if next.phase == RolloutPhase::Succeeded {
                prop_assert_eq!(next.weight, 100);
            }
            // A feature flag: on for everyone at 100 % on success, off
            // (percentage 0) on abort or roll back; weight is everyone's
            // percentage.
            if plan_value["strategy"] == "feature_flag" && next.phase != RolloutPhase::Pending {
                match next.phase {
                    RolloutPhase::Succeeded => {
                        prop_assert_eq!(next.cohort.as_deref(), Some("everyone"));
                        prop_assert_eq!(next.percentage, Some(100));
                    }
                    RolloutPhase::Aborted | RolloutPhase::RolledBack => {
                        prop_assert_eq!(next.percentage, Some(0));
                    }
                    _ => {
                        prop_assert!(next.cohort.is_some() && next.percentage.is_some());
                        let everyone = next.cohort.as_deref() == Some("everyone");
                        prop_assert_eq!(
                            next.weight,
                            if everyone { next.percentage.unwrap() } else { 0 }
                        );
                    }
                }
            }
            // The state survives JSON.
            let back: RolloutState = serde_json::from_value(serde_json::to_value(next).unwrap()).unwrap();
            prop_assert_eq!(&back, next);
            state = step.state;
        }
    }
}

// ---------------------------------------------------------------------------
// Background analysis (the plan's `analysis` of a canary or blue-green
// rollout): whatever the order of observations (passing, failing, no data,
// errors), ticks and commands, once a breach the policy counts as failing
// has been observed the weight never reaches 100 and the rollout never
// succeeds. A small oracle recounts the breach independently.

/// Per-metric limits of the oracle: (failure, consecutive errors).
#[derive(Debug, Clone, Copy)]
struct OracleLimits {
    failure: u32,
    errors: u32,
}

#[derive(Debug, Clone)]
struct Background {
    value: Value,
    starting_step: usize,
    /// error_rate, latency
    limits: [OracleLimits; 2],
    no_data: &'static str,
}

fn background(steps: usize) -> impl Strategy<Value = Background> {
    (
        0..steps,
        0u32..2,
        0u32..3,
        prop::option::of(0u32..3),
        prop::option::of(0u32..3),
        prop::sample::select(vec!["pause", "fail", "pass"]),
        prop::sample::select(vec!["roll_back", "pause"]),
    )
        .prop_map(
            move |(start, failure, errors, metric_failure, metric_errors, no_data, on_failure)| {
                let mut error_rate = json!({"name": "errors", "max": 1.0});
                if let Some(f) = metric_failure {
                    error_rate["failure_limit"] = json!(f);
                }
                if let Some(e) = metric_errors {
                    error_rate["consecutive_error_limit"] = json!(e);
                }
                Background {
                    value: json!({
                        "metrics": [error_rate, {"name": "latency", "max": 300.0, "fail_above": 500.0}],
                        "starting_step": start,
                        "failure_limit": failure,
                        "consecutive_error_limit": errors,
                        "no_data": no_data,
                        "on_failure": on_failure
                    }),
                    starting_step: start,
                    limits: [
                        OracleLimits {
                            failure: metric_failure.unwrap_or(failure),
                            errors: metric_errors.unwrap_or(errors),
                        },
                        OracleLimits { failure, errors },
                    ],
                    no_data,
                }
            },
        )
}

fn plan_with_background() -> impl Strategy<Value = (Value, Background)> {
    prop_oneof![
        feature_flag().prop_flat_map(|plan| {
            let n = flag_steps(&plan);
            (Just(plan), background(n)).prop_map(|(mut plan, bg)| {
                plan["analysis"] = bg.value.clone();
                (plan, bg)
            })
        }),
        canary().prop_flat_map(|plan| {
            let n = plan["steps"].as_array().unwrap().len();
            (Just(plan), background(n)).prop_map(|(mut plan, bg)| {
                plan["analysis"] = bg.value.clone();
                (plan, bg)
            })
        }),
        (any::<bool>(), prop::option::of(analysis()), prop::option::of(analysis()), 0i64..600)
            .prop_flat_map(|(auto, pre, post, delay)| {
                let mut p = json!({"strategy": "blue_green", "auto_promote": auto, "scale_down_delay_secs": delay});
                // weight 0, pre?, await?, switch, post?, wait
                let mut n = 3;
                if let Some(a) = pre {
                    p["pre_promotion_analysis"] = a;
                    n += 1;
                }
                if let Some(a) = post {
                    p["post_promotion_analysis"] = a;
                    n += 1;
                }
                if !auto {
                    n += 1;
                }
                (Just(p), background(n)).prop_map(|(mut plan, bg)| {
                    plan["analysis"] = bg.value.clone();
                    (plan, bg)
                })
            }),
    ]
}

/// One value of a metric in an observation: absent, a number, no data
/// (an empty list) or an error.
#[derive(Debug, Clone, Copy)]
enum Sample {
    Absent,
    Value(f64),
    NoData,
    Error,
}

fn sample(values: Vec<f64>) -> impl Strategy<Value = Sample> {
    prop_oneof![
        1 => Just(Sample::Absent),
        4 => prop::sample::select(values).prop_map(Sample::Value),
        1 => Just(Sample::NoData),
        1 => Just(Sample::Error),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Observe(Sample, Sample),
    Tick,
    Command(&'static str),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => (sample(vec![0.0, 0.5, 3.0]), sample(vec![100.0, 400.0, 900.0]))
            .prop_map(|(e, l)| Step::Observe(e, l)),
        2 => Just(Step::Tick),
        // "advance" is `resume` (leave the pause, next step); "time
        // passing" is the gap before each input plus ticks.
        1 => prop::sample::select(vec!["promote", "resume", "abort"]).prop_map(Step::Command),
    ]
}

fn to_input(s: &Step) -> Value {
    match s {
        Step::Tick => json!({"kind": "tick"}),
        Step::Command(c) => json!({"kind": "command", "command": c}),
        Step::Observe(e, l) => {
            let mut metrics = serde_json::Map::new();
            let mut errors = Vec::new();
            for (name, s) in [("errors", e), ("latency", l)] {
                match s {
                    Sample::Absent => {}
                    Sample::Value(v) => {
                        metrics.insert(name.into(), json!(v));
                    }
                    Sample::NoData => {
                        metrics.insert(name.into(), json!([]));
                    }
                    Sample::Error => errors.push(name),
                }
            }
            json!({"kind": "observation", "metrics": metrics, "errors": errors})
        }
    }
}

/// The oracle's count of one metric: failed measurements and consecutive
/// errors, as the background analysis defines them.
#[derive(Debug, Default, Clone, Copy)]
struct Count {
    failed: u32,
    consecutive_errors: u32,
}

impl Count {
    fn add(&mut self, s: Sample, fails_above: f64, no_data: &str) {
        match s {
            Sample::Absent => {}
            Sample::Error => self.consecutive_errors += 1,
            Sample::NoData => match no_data {
                "fail" => {
                    self.failed += 1;
                    self.consecutive_errors = 0;
                }
                "pass" => self.consecutive_errors = 0,
                _ => {}
            },
            Sample::Value(v) => {
                self.consecutive_errors = 0;
                if v > fails_above {
                    self.failed += 1;
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_background_breach_never_reaches_full_weight(
        (plan_value, bg) in plan_with_background(),
        inputs in prop::collection::vec((step(), 0i64..900), 1..40),
    ) {
        let plan: DeploymentPlan = serde_json::from_value(plan_value.clone()).unwrap();
        let mut now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let mut state = RolloutState::default();
        let mut counts = [Count::default(); 2];
        let mut breached = false;
        for (s, gap) in inputs {
            now = Timestamp::from_datetime(now.datetime() + chrono::Duration::seconds(gap));
            let raw = to_input(&s);
            let i: RolloutInput = serde_json::from_value(raw.clone()).unwrap();
            let step = rollout_step(&plan, &state, &i, &now)
                .unwrap_or_else(|e| panic!("{plan_value} {raw}: {e}"));
            let next = &step.state;
            // The oracle: the background analysis counts an observation
            // whenever the rollout is running at or after its starting
            // step, whatever the phase, until its first breach.
            let active = !breached
                && state.phase != RolloutPhase::Pending
                && !state.phase.is_terminal()
                && state.step >= bg.starting_step;
            if let (Step::Observe(e, l), true) = (&s, active) {
                counts[0].add(*e, 1.0, bg.no_data);
                counts[1].add(*l, 500.0, bg.no_data);
                breached = counts
                    .iter()
                    .zip(bg.limits.iter())
                    .any(|(c, lim)| c.failed > lim.failure || c.consecutive_errors > lim.errors);
            }
            let machine_breach = next.background.as_ref().is_some_and(|b| b.breach.is_some());
            prop_assert_eq!(machine_breach, breached, "{} {} {:?}", plan_value, raw, next);
            if breached {
                prop_assert!(next.weight < 100, "{} {:?}", plan_value, next);
                // A feature flag reaches no further cohort or percentage.
                if plan_value["strategy"] == "feature_flag" {
                    prop_assert_eq!(&next.cohort, &state.cohort);
                    prop_assert!(next.percentage <= state.percentage, "{:?}", next);
                }
                prop_assert_ne!(next.phase, RolloutPhase::Succeeded);
                prop_assert_ne!(step.decision, RolloutDecision::Promote);
                prop_assert!(
                    matches!(next.phase, RolloutPhase::RolledBack | RolloutPhase::Aborted)
                        || (next.phase == RolloutPhase::Paused
                            && next.reason == Some(relman::rollout::PauseReason::AnalysisFailed)),
                    "{:?}", next
                );
            }
            prop_assert_eq!(next.phase == RolloutPhase::Paused, next.reason.is_some());
            if next.weight < state.weight {
                prop_assert_eq!(next.weight, 0);
            }
            let back: RolloutState = serde_json::from_value(serde_json::to_value(next).unwrap()).unwrap();
            prop_assert_eq!(&back, next);
            state = step.state;
        }
    }
}

// A judge `fail` (judge step or experiment, default policy) never lets the
// weight reach 100 afterwards, whatever the inputs that follow (promote and
// resume included): the fail rolls back, and a rolled-back rollout is
// terminal.

fn judge_canary_plan() -> impl Strategy<Value = Value> {
    (0i64..=90, 0i64..=90, any::<bool>()).prop_map(|(a, b, experiment)| {
        let (lo, hi) = (a.min(b), a.max(b));
        let judge = json!({"metrics": [{"name": "latency", "direction": "increase"}]});
        let step = if experiment {
            json!({"experiment": {"duration_secs": 300,
                "variants": [{"name": "a"}, {"name": "b"}], "judge": judge}})
        } else {
            json!({"judge": judge})
        };
        json!({"strategy": "canary", "steps": [
            {"set_weight": lo}, {"pause": {"duration_secs": 60}}, step,
            {"set_weight": hi}, {"pause": {}}, {"set_weight": 100}
        ]})
    })
}

#[derive(Debug, Clone)]
enum JudgeInput {
    Tick,
    Good,
    Bad,
    NoBaseline,
    Command(&'static str),
}

fn judge_input() -> impl Strategy<Value = JudgeInput> {
    prop_oneof![
        3 => Just(JudgeInput::Tick),
        2 => Just(JudgeInput::Good),
        3 => Just(JudgeInput::Bad),
        1 => Just(JudgeInput::NoBaseline),
        1 => Just(JudgeInput::Command("promote")),
        2 => Just(JudgeInput::Command("resume")),
        1 => Just(JudgeInput::Command("abort")),
    ]
}

fn judge_raw(i: &JudgeInput, experiment: bool) -> Value {
    let base = [200., 210., 205., 198., 202., 207., 199., 203.];
    let good = [201., 209., 204., 199., 203., 206., 200., 202.];
    let bad = [290., 310., 305., 298., 302., 307., 299., 303.];
    let mut raw = match i {
        JudgeInput::Tick => json!({"kind": "tick"}),
        JudgeInput::Good => json!({"kind": "observation", "metrics": {"latency": good},
            "baseline": {"latency": base},
            "variants": {"a": {"latency": good}, "b": {"latency": good}}}),
        JudgeInput::Bad => json!({"kind": "observation", "metrics": {"latency": bad},
            "baseline": {"latency": base},
            "variants": {"a": {"latency": bad}, "b": {"latency": bad}}}),
        JudgeInput::NoBaseline => json!({"kind": "observation", "metrics": {"latency": good}}),
        JudgeInput::Command(c) => json!({"kind": "command", "command": c}),
    };
    if !experiment {
        if let Some(o) = raw.as_object_mut() {
            o.remove("variants");
        }
    }
    raw
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_judge_fail_never_reaches_full_weight(
        plan_value in judge_canary_plan(),
        inputs in prop::collection::vec((judge_input(), 0i64..400), 1..30),
    ) {
        let plan: DeploymentPlan = serde_json::from_value(plan_value.clone()).unwrap();
        let mut now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let mut state = RolloutState::default();
        let mut failed = false;
        let experiment = plan_value["steps"][2].get("experiment").is_some();
        for (i, gap) in inputs {
            now = Timestamp::from_datetime(now.datetime() + chrono::Duration::seconds(gap));
            let input: RolloutInput = serde_json::from_value(judge_raw(&i, experiment)).unwrap();
            let step = rollout_step(&plan, &state, &input, &now).unwrap();
            let judged_fail = step.reasons.iter().any(|r| {
                r.rule == "judge.failed"
                    || (r.rule == "experiment.no_winner" && r.data["verdict"] == "fail")
            });
            if judged_fail {
                prop_assert_eq!(step.decision, RolloutDecision::RollBack, "{:?}", step);
                failed = true;
            }
            if failed {
                prop_assert!(step.state.weight < 100, "{} {:?}", plan_value, step);
                prop_assert_eq!(step.state.phase, RolloutPhase::RolledBack);
            }
            state = step.state;
        }
    }
}
