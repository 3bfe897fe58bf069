//! The parameters of each deployment strategy and their validation.

use crate::document::judge_step::{
    check_experiment_step, check_judge_step, ExperimentStep, JudgeStep,
};
use crate::document::{DeploymentPlan, Extra, Strategy};
use crate::error::{Problem, Warning};
use crate::foundation::path::join;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The longest duration a plan may name (ten years, in seconds): keeps the
/// time arithmetic far from overflow.
pub const MAX_DURATION_SECS: i64 = 10 * 366 * 86_400;

/// One step of a canary, written `{"set_weight": 10}`, `{"pause": {}}`,
/// `{"pause": {"duration_secs": 600}}` or `{"analysis": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CanaryStep {
    /// Send this percentage (0–100) of the traffic to the new version.
    SetWeight(i64),
    /// Wait: for `duration_secs`, or without one until a `resume` or
    /// `promote` command.
    Pause(PauseStep),
    /// Measure the metrics and decide: pass → next step, failure → roll
    /// back, inconclusive → pause for a human.
    Analysis(Analysis),
    /// Judge the canary against the baseline: pass → next step, marginal
    /// → pause, fail → roll back (docs/rollout.md, "The judge as a step").
    Judge(JudgeStep),
    /// Run variants against the baseline for a duration; the best passing
    /// one continues (docs/rollout.md, "Experiments").
    Experiment(ExperimentStep),
}

/// A pause, timed or open-ended.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct PauseStep {
    /// How long to wait (> 0); absent: until a `resume` or `promote`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<i64>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One wave of a phased rollout: a set of targets deployed together, then
/// an optional verification and an optional pause before the next wave.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Wave {
    /// A name for reports (e.g. `eu-west canaries`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The targets of this wave (hosts, regions, tenants); at least one,
    /// each in one wave only.
    pub targets: Vec<String>,
    /// The analysis that verifies the wave before the next one starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Analysis>,
    /// A pause after the wave (and its verification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<PauseStep>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a metric with no data in an observation counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoDataPolicy {
    /// Pause the rollout for a human (default).
    #[default]
    Pause,
    /// Count a failed measurement.
    Fail,
    /// Count a successful measurement.
    Pass,
}

/// How the samples of one metric in one observation become one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// The arithmetic mean (default).
    #[default]
    Mean,
    /// The median.
    Median,
    /// The largest sample.
    Max,
    /// The smallest sample.
    Min,
}

/// The thresholds of one metric in an analysis. A value within
/// [`min`, `max`] succeeds; a value below `fail_below` or above
/// `fail_above` fails; a value outside [`min`, `max`] but inside the fail
/// bounds is inconclusive. Without a fail bound on a side, leaving
/// [`min`, `max`] on that side fails.
///
/// [`min`]: MetricCheck::min
/// [`max`]: MetricCheck::max
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct MetricCheck {
    /// The metric name, as observations report it.
    pub name: String,
    /// Lowest successful value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Highest successful value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Values below this fail (≤ `min`); between it and `min`:
    /// inconclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_below: Option<f64>,
    /// Values above this fail (≥ `max`); between `max` and it:
    /// inconclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_above: Option<f64>,
    /// How samples become one value (default `mean`).
    #[serde(default)]
    pub aggregate: Aggregate,
    /// Failed measurements of this metric tolerated; overrides the
    /// analysis's `failure_limit` for this metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_limit: Option<u32>,
    /// Inconclusive measurements of this metric tolerated; overrides the
    /// analysis's `inconclusive_limit` for this metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inconclusive_limit: Option<u32>,
    /// Consecutive measurement errors of this metric tolerated; overrides
    /// the analysis's `consecutive_error_limit` for this metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_error_limit: Option<u32>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An analysis: metric thresholds measured over `count` observations, with
/// the limits that decide failure, inconclusiveness and errors. Absent
/// limits take the policy's `rollout.analysis` defaults.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Analysis {
    /// A name for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The metrics and their thresholds (at least one).
    pub metrics: Vec<MetricCheck>,
    /// Measurements per metric needed to pass (≥ 1; policy default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Failed measurements of a metric tolerated; one more fails the
    /// analysis (policy default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_limit: Option<u32>,
    /// Inconclusive measurements of a metric tolerated; one more pauses
    /// for a human (policy default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inconclusive_limit: Option<u32>,
    /// Consecutive measurement errors of a metric tolerated; one more fails
    /// the analysis (policy default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_error_limit: Option<u32>,
    /// What a metric without data counts as (policy default `pause`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_data: Option<NoDataPolicy>,
    /// Background analysis only (the plan's `analysis` of a canary,
    /// blue-green, phased or feature-flag rollout): the index of the step from which on
    /// observations are measured, whatever the rollout's state (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_step: Option<usize>,
    /// Background analysis only: what a breach (a metric over its
    /// failure or consecutive-error limit) does (policy default
    /// `roll_back`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<OnFailure>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a breach of a background analysis does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// Roll back: all traffic to the old version (default).
    #[default]
    RollBack,
    /// Stay paused (reason `analysis_failed`) for a human; every command
    /// that would raise the weight is denied, `abort` ends the rollout. At
    /// weight 100 a breach rolls back whatever this says.
    Pause,
}

/// Checks a deployment plan. With `runnable`, a plan without steps
/// (canary) or waves (phased) is a problem; without (a release document
/// that names only its strategy so far), it is a warning.
pub fn check_plan(
    plan: &DeploymentPlan,
    base: &str,
    runnable: bool,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Warning>,
) {
    let mut unused = |field: &str, present: bool| {
        if present {
            warnings.push(Warning::new(
                "unused_parameter",
                join(base, field),
                format!(
                    "`{field}` does not apply to the {} strategy and is ignored",
                    strategy_name(plan.strategy)
                ),
            ));
        }
    };
    let s = plan.strategy;
    if s != Strategy::Canary {
        unused("steps", !plan.steps.is_empty());
    }
    if s != Strategy::Phased {
        unused("waves", !plan.waves.is_empty());
    }
    if s != Strategy::BlueGreen {
        unused("auto_promote", plan.auto_promote.is_some());
        unused(
            "pre_promotion_analysis",
            plan.pre_promotion_analysis.is_some(),
        );
        unused(
            "post_promotion_analysis",
            plan.post_promotion_analysis.is_some(),
        );
        unused(
            "scale_down_delay_secs",
            plan.scale_down_delay_secs.is_some(),
        );
    }
    if s != Strategy::FeatureFlag {
        for (field, present) in super::flag::unused_flag_fields(plan) {
            unused(field, present);
        }
    }
    if let Some(a) = &plan.analysis {
        let path = join(base, "analysis");
        check_analysis(a, &path, problems);
        if s == Strategy::BigBang {
            step_analysis_fields(a, &path, warnings);
        } else {
            check_background(plan, a, &path, problems, warnings);
        }
    }
    // A release may name its strategy before its parameters: only a plan
    // to run needs steps or waves. A partial canary (not ending at 100 or
    // with a pause for promotion) is a warning in a release.
    let mut incomplete = |field: &str, message: &str, problems: &mut Vec<Problem>| {
        if runnable {
            problems.push(Problem::new(join(base, field), message));
        } else if !message.contains("the plan is empty") {
            warnings.push(Warning::new("incomplete_plan", join(base, field), message));
        }
    };
    match s {
        Strategy::BigBang => {}
        Strategy::FeatureFlag => {
            for (field, message) in super::flag::check_flag(plan, base, problems) {
                incomplete(field, &message, problems);
            }
        }
        Strategy::Canary => {
            if plan.steps.is_empty() {
                incomplete(
                    "steps",
                    "a canary needs at least one step (the plan is empty)",
                    problems,
                );
            } else {
                let mut step_warnings = Vec::new();
                let end = check_canary(&plan.steps, base, problems, &mut step_warnings);
                if let Some(end) = end {
                    incomplete("steps", &end, problems);
                }
                warnings.append(&mut step_warnings);
            }
        }
        Strategy::Phased => {
            if plan.waves.is_empty() {
                incomplete(
                    "waves",
                    "a phased rollout needs at least one wave (the plan is empty)",
                    problems,
                );
            }
            let mut seen = BTreeSet::new();
            for (i, w) in plan.waves.iter().enumerate() {
                let path = format!("{}[{i}]", join(base, "waves"));
                if w.targets.is_empty() {
                    problems.push(Problem::new(
                        join(&path, "targets"),
                        "a wave needs at least one target",
                    ));
                }
                for (j, t) in w.targets.iter().enumerate() {
                    let tp = format!("{}[{j}]", join(&path, "targets"));
                    if t.trim().is_empty() {
                        problems.push(Problem::new(tp, "must not be empty"));
                    } else if !seen.insert(t.as_str()) {
                        problems.push(Problem::new(
                            tp,
                            format!("target `{t}` is already in an earlier wave"),
                        ));
                    }
                }
                if let Some(a) = &w.verification {
                    check_analysis(a, &join(&path, "verification"), problems);
                    step_analysis_fields(a, &join(&path, "verification"), warnings);
                }
                if let Some(p) = &w.pause {
                    check_pause(p, &join(&path, "pause"), problems);
                }
            }
        }
        Strategy::BlueGreen => {
            for (field, a) in [
                ("pre_promotion_analysis", &plan.pre_promotion_analysis),
                ("post_promotion_analysis", &plan.post_promotion_analysis),
            ] {
                if let Some(a) = a {
                    check_analysis(a, &join(base, field), problems);
                    step_analysis_fields(a, &join(base, field), warnings);
                }
            }
            if let Some(d) = plan.scale_down_delay_secs {
                if !(0..=MAX_DURATION_SECS).contains(&d) {
                    problems.push(Problem::new(
                        join(base, "scale_down_delay_secs"),
                        format!("must be 0 to {MAX_DURATION_SECS} seconds, got {d}"),
                    ));
                }
            }
        }
    }
}

/// Checks the steps; returns the problem of a canary that does not end at
/// weight 100 or with an open pause, if it does not.
fn check_canary(
    steps: &[CanaryStep],
    base: &str,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Warning>,
) -> Option<String> {
    let mut last: Option<(i64, usize)> = None;
    for (i, step) in steps.iter().enumerate() {
        let path = format!("{}[{i}]", join(base, "steps"));
        match step {
            CanaryStep::SetWeight(w) => {
                let wp = join(&path, "set_weight");
                if !(0..=100).contains(w) {
                    problems.push(Problem::new(wp, format!("a weight is 0 to 100, got {w}")));
                } else if let Some((prev, at)) = last.filter(|(prev, _)| w < prev) {
                    problems.push(Problem::new(
                        wp,
                        format!("weights must not decrease: {w} after {prev} (steps[{at}])"),
                    ));
                }
                if (0..=100).contains(w) {
                    last = Some((*w, i));
                }
            }
            CanaryStep::Pause(p) => check_pause(p, &join(&path, "pause"), problems),
            CanaryStep::Analysis(a) => {
                check_analysis(a, &join(&path, "analysis"), problems);
                step_analysis_fields(a, &join(&path, "analysis"), warnings);
            }
            CanaryStep::Judge(j) => check_judge_step(j, &join(&path, "judge"), problems),
            CanaryStep::Experiment(e) => {
                check_experiment_step(e, &join(&path, "experiment"), problems)
            }
        }
    }
    let ends_at_full = last.is_some_and(|(w, _)| w == 100);
    let ends_with_promotion = matches!(
        steps.last(),
        Some(CanaryStep::Pause(PauseStep {
            duration_secs: None,
            ..
        }))
    );
    (!ends_at_full && !ends_with_promotion).then(|| {
        format!(
            "a canary must end at weight 100 or with an open pause for promotion (last weight: {})",
            last.map_or("none".to_string(), |(w, _)| w.to_string())
        )
    })
}

pub(crate) fn check_pause(p: &PauseStep, base: &str, problems: &mut Vec<Problem>) {
    if let Some(d) = p.duration_secs {
        if !(1..=MAX_DURATION_SECS).contains(&d) {
            problems.push(Problem::new(
                join(base, "duration_secs"),
                format!("a duration must be positive (1 to {MAX_DURATION_SECS} seconds), got {d}"),
            ));
        }
    }
}

/// `starting_step` and `on_failure` belong to a background analysis: on an
/// analysis that is a step they are ignored with a warning.
fn step_analysis_fields(a: &Analysis, base: &str, warnings: &mut Vec<Warning>) {
    for (field, present) in [
        ("starting_step", a.starting_step.is_some()),
        ("on_failure", a.on_failure.is_some()),
    ] {
        if present {
            warnings.push(Warning::new(
                "unused_parameter",
                join(base, field),
                format!("`{field}` applies only to a background analysis (the plan's `analysis` of a canary, blue-green, phased or feature-flag rollout) and is ignored"),
            ));
        }
    }
}

/// Checks what only a background analysis has: a canary's `starting_step`
/// names one of its steps (other strategies: checked against their step
/// list by the rollout machine); `count` does not apply (a background
/// analysis runs until the rollout ends).
fn check_background(
    plan: &DeploymentPlan,
    a: &Analysis,
    base: &str,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Warning>,
) {
    if let Some(n) = a.starting_step {
        if plan.strategy == Strategy::Canary && !plan.steps.is_empty() && n >= plan.steps.len() {
            problems.push(Problem::new(
                join(base, "starting_step"),
                format!(
                    "step {n} does not exist: the canary has {} steps (0 to {})",
                    plan.steps.len(),
                    plan.steps.len().saturating_sub(1)
                ),
            ));
        }
    }
    if a.count.is_some() {
        warnings.push(Warning::new(
            "unused_parameter",
            join(base, "count"),
            "`count` does not apply to a background analysis (it runs until the rollout ends) and is ignored",
        ));
    }
}

fn check_analysis(a: &Analysis, base: &str, problems: &mut Vec<Problem>) {
    if a.metrics.is_empty() {
        problems.push(Problem::new(
            join(base, "metrics"),
            "an analysis needs at least one metric",
        ));
    }
    if a.count == Some(0) {
        problems.push(Problem::new(join(base, "count"), "must be at least 1"));
    }
    let mut names = BTreeSet::new();
    for (i, m) in a.metrics.iter().enumerate() {
        let path = format!("{}[{i}]", join(base, "metrics"));
        if m.name.trim().is_empty() {
            problems.push(Problem::new(join(&path, "name"), "must not be empty"));
        } else if !names.insert(m.name.as_str()) {
            problems.push(Problem::new(
                join(&path, "name"),
                format!("metric `{}` is listed twice in this analysis", m.name),
            ));
        }
        let bounds = [
            ("min", m.min),
            ("max", m.max),
            ("fail_below", m.fail_below),
            ("fail_above", m.fail_above),
        ];
        for (field, v) in bounds {
            if v.is_some_and(|v| !v.is_finite()) {
                problems.push(Problem::new(join(&path, field), "must be a finite number"));
            }
        }
        if bounds.iter().all(|(_, v)| v.is_none()) {
            problems.push(Problem::new(
                path.clone(),
                "a metric check needs at least one threshold (min, max, fail_below or fail_above)",
            ));
        }
        let pairs = [
            ("max", m.min, m.max, "must not be below min"),
            ("fail_below", m.fail_below, m.min, "must not be above min"),
            ("fail_above", m.max, m.fail_above, "must not be below max"),
        ];
        for (field, low, high, message) in pairs {
            if let (Some(l), Some(h)) = (low, high) {
                if l > h {
                    problems.push(Problem::new(
                        join(&path, field),
                        format!("{message} ({l} > {h})"),
                    ));
                }
            }
        }
    }
}

/// The snake_case name of a strategy.
pub fn strategy_name(s: Strategy) -> &'static str {
    match s {
        Strategy::BigBang => "big_bang",
        Strategy::Phased => "phased",
        Strategy::BlueGreen => "blue_green",
        Strategy::Canary => "canary",
        Strategy::FeatureFlag => "feature_flag",
    }
}

/// Every metric name an analysis of the plan checks.
pub fn plan_metrics(plan: &DeploymentPlan) -> BTreeSet<&str> {
    let mut analyses: Vec<&Analysis> = Vec::new();
    analyses.extend(plan.steps.iter().filter_map(|s| match s {
        CanaryStep::Analysis(a) => Some(a),
        _ => None,
    }));
    analyses.extend(plan.waves.iter().filter_map(|w| w.verification.as_ref()));
    analyses.extend(plan.pre_promotion_analysis.iter());
    analyses.extend(plan.post_promotion_analysis.iter());
    analyses.extend(plan.analysis.iter());
    let mut names: BTreeSet<&str> = analyses
        .into_iter()
        .flat_map(|a| a.metrics.iter().map(|m| m.name.as_str()))
        .collect();
    for s in &plan.steps {
        let judge = match s {
            CanaryStep::Judge(j) => j,
            CanaryStep::Experiment(e) => &e.judge,
            _ => continue,
        };
        names.extend(judge.metrics.iter().map(|m| m.name.as_str()));
    }
    names
}
