//! The judge as a canary step and the experiment step (docs/rollout.md,
//! "The judge as a step" and "Experiments"): their parameters and their
//! validation. The canary judge's per-metric settings live here too, so a
//! plan can name them.

use super::plan::MAX_DURATION_SECS;
use super::{is_false, Extra};
use crate::error::Problem;
use crate::foundation::path::join;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Which change of a metric is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BadDirection {
    /// Higher is worse (latency, errors).
    Increase,
    /// Lower is worse (throughput, conversions).
    Decrease,
    /// Any significant change is bad (default).
    #[default]
    Either,
}

/// How one metric is judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JudgedMetric {
    /// The metric name, as in the samples.
    pub name: String,
    /// Which change is bad (default `either`).
    #[serde(default)]
    pub direction: BadDirection,
    /// A critical metric that fails fails the canary whatever the score.
    #[serde(default, skip_serializing_if = "is_false")]
    pub critical: bool,
    /// Weight in the score (≥ 0, default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Allowed shift, relative to the baseline median (≥ 0; policy default
    /// 0.05): a significant shift no larger than this passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a judge verdict does to the rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JudgeAction {
    /// Go on with the next step (the default of `pass`).
    Continue,
    /// Pause for a human (the default of `marginal`): `resume` or
    /// `promote` accept the verdict, `abort` ends the rollout.
    Pause,
    /// All traffic back to the old version (the default of `fail`).
    RollBack,
}

impl JudgeAction {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            JudgeAction::Continue => "continue",
            JudgeAction::Pause => "pause",
            JudgeAction::RollBack => "roll_back",
        }
    }
}

/// A canary step that requires a judge verdict, written
/// `{"judge": {"metrics": [{"name": "latency_p99", "direction": "increase"}]}}`:
/// the next observation with `baseline` and canary samples is judged
/// (Mann-Whitney U, Hodges–Lehmann shift, weighted score) and the verdict
/// decides: `pass` continues, `marginal` pauses (`on_marginal`), `fail`
/// rolls back (`on_fail`). Absent thresholds take the policy's
/// `rollout.judge` defaults.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct JudgeStep {
    /// A name for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The metrics to judge (at least one), with their direction,
    /// criticality, weight and tolerance.
    pub metrics: Vec<JudgedMetric>,
    /// Significance level of the test, in (0, 0.5] (policy default 0.05).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// Lowest score that passes, 0–100 (policy default 95).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_score: Option<f64>,
    /// Lowest score that is marginal, 0–100, ≤ `pass_score` (policy
    /// default 75).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marginal_score: Option<f64>,
    /// Finite samples needed per metric on each side before the judge
    /// decides (≥ 1; default 1): an observation with fewer is not judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_samples: Option<u32>,
    /// What a `marginal` verdict does (policy default `pause`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_marginal: Option<JudgeAction>,
    /// What a `fail` verdict does: `roll_back` or `pause` (policy default
    /// `roll_back`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_fail: Option<JudgeAction>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One variant of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Variant {
    /// The variant's name, as observations report it under `variants`.
    pub name: String,
    /// Fields relman does not know (e.g. the host's image or weight), kept
    /// and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An experiment step (Argo Rollouts' `experiment`), written
/// `{"experiment": {"duration_secs": 600, "variants": [{"name": "a"},
/// {"name": "b"}], "judge": {…}}}`: the variants run against the live
/// baseline for the duration; each observation's variant samples are
/// judged against its `baseline`; when the duration has passed the best
/// passing variant wins (state `experiment.winner`) and the rollout
/// continues with it; without a passing variant the best verdict decides
/// as for a judge step.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct ExperimentStep {
    /// A name for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How long the variants run (> 0 seconds).
    pub duration_secs: i64,
    /// The variants (at least two, names unique).
    pub variants: Vec<Variant>,
    /// How each variant is judged against the baseline, and what the best
    /// verdict does.
    pub judge: JudgeStep,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Checks a judge step; paths under `base` (`plan.steps[2].judge`).
pub fn check_judge_step(j: &JudgeStep, base: &str, problems: &mut Vec<Problem>) {
    if j.metrics.is_empty() {
        problems.push(Problem::new(
            join(base, "metrics"),
            "a judge step needs at least one metric",
        ));
    }
    let mut names = BTreeSet::new();
    for (i, m) in j.metrics.iter().enumerate() {
        let path = format!("{}[{i}]", join(base, "metrics"));
        if m.name.trim().is_empty() {
            problems.push(Problem::new(join(&path, "name"), "must not be empty"));
        } else if !names.insert(m.name.as_str()) {
            problems.push(Problem::new(
                join(&path, "name"),
                format!("metric `{}` is listed twice in this judge step", m.name),
            ));
        }
        for (field, v) in [("weight", m.weight), ("tolerance", m.tolerance)] {
            if let Some(v) = v.filter(|v| !(v.is_finite() && *v >= 0.0)) {
                problems.push(Problem::new(
                    join(&path, field),
                    format!("must be a finite number ≥ 0, got {v}"),
                ));
            }
        }
    }
    if let Some(a) = j.alpha.filter(|a| !(*a > 0.0 && *a <= 0.5)) {
        problems.push(Problem::new(
            join(base, "alpha"),
            format!("must be in (0, 0.5], got {a}"),
        ));
    }
    for (field, v) in [
        ("pass_score", j.pass_score),
        ("marginal_score", j.marginal_score),
    ] {
        if let Some(v) = v.filter(|v| !(0.0..=100.0).contains(v)) {
            problems.push(Problem::new(
                join(base, field),
                format!("a score threshold is 0 to 100, got {v}"),
            ));
        }
    }
    if let (Some(p), Some(m)) = (j.pass_score, j.marginal_score) {
        if m > p {
            problems.push(Problem::new(
                join(base, "marginal_score"),
                format!("must not be above pass_score ({m} > {p})"),
            ));
        }
    }
    if j.min_samples == Some(0) {
        problems.push(Problem::new(
            join(base, "min_samples"),
            "must be at least 1",
        ));
    }
    if j.on_fail == Some(JudgeAction::Continue) {
        problems.push(Problem::new(
            join(base, "on_fail"),
            "a failing verdict must not continue: use pause or roll_back",
        ));
    }
}

/// Checks an experiment step; paths under `base`
/// (`plan.steps[1].experiment`).
pub fn check_experiment_step(e: &ExperimentStep, base: &str, problems: &mut Vec<Problem>) {
    if !(1..=MAX_DURATION_SECS).contains(&e.duration_secs) {
        problems.push(Problem::new(
            join(base, "duration_secs"),
            format!(
                "a duration must be positive (1 to {MAX_DURATION_SECS} seconds), got {}",
                e.duration_secs
            ),
        ));
    }
    if e.variants.len() < 2 {
        problems.push(Problem::new(
            join(base, "variants"),
            format!(
                "an experiment needs at least two variants, got {}",
                e.variants.len()
            ),
        ));
    }
    let mut names = BTreeSet::new();
    for (i, v) in e.variants.iter().enumerate() {
        let path = format!("{}[{i}].name", join(base, "variants"));
        if v.name.trim().is_empty() {
            problems.push(Problem::new(path, "must not be empty"));
        } else if !names.insert(v.name.as_str()) {
            problems.push(Problem::new(
                path,
                format!("variant `{}` is listed twice in this experiment", v.name),
            ));
        }
    }
    check_judge_step(&e.judge, &join(base, "judge"), problems);
}
