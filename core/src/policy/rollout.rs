//! Rollout section: the defaults of analyses, of the canary judge and of
//! blue-green plans (docs/rollout.md).

use crate::document::judge_step::JudgeAction;
use crate::document::plan::{NoDataPolicy, OnFailure, MAX_DURATION_SECS};
use crate::document::Extra;
use crate::error::Problem;
use schemars::JsonSchema;
use serde::Serialize;

/// Rollout section: the defaults of analyses, of the canary judge and of
/// blue-green plans (a plan or judge config overrides them per field).
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
#[serde(default)]
pub struct RolloutPolicy {
    /// Analysis limits.
    pub analysis: AnalysisDefaults,
    /// Canary judge thresholds.
    pub judge: JudgeDefaults,
    /// Blue-green settings.
    pub blue_green: BlueGreenDefaults,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Defaults of every analysis of a rollout plan.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct AnalysisDefaults {
    /// Measurements per metric needed to pass (≥ 1, default 1).
    pub count: u32,
    /// Failed measurements of a metric tolerated (default 0).
    pub failure_limit: u32,
    /// Inconclusive measurements of a metric tolerated (default 0).
    pub inconclusive_limit: u32,
    /// Consecutive measurement errors of a metric tolerated (default 4).
    pub consecutive_error_limit: u32,
    /// What a metric without data counts as (default `pause`).
    pub no_data: NoDataPolicy,
    /// What a breach of a background analysis does: `roll_back` (the
    /// default when absent) or `pause` (reason `analysis_failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<OnFailure>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for AnalysisDefaults {
    fn default() -> Self {
        AnalysisDefaults {
            count: 1,
            failure_limit: 0,
            inconclusive_limit: 0,
            consecutive_error_limit: 4,
            no_data: NoDataPolicy::Pause,
            on_failure: None,
            extra: Extra::new(),
        }
    }
}

/// Defaults of the canary judge.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct JudgeDefaults {
    /// Significance level of the Mann-Whitney test, in (0, 0.5] (default
    /// 0.05).
    pub alpha: f64,
    /// Allowed shift relative to the baseline median, ≥ 0 (default 0.05).
    pub tolerance: f64,
    /// Lowest score that passes, 0–100 (default 95).
    pub pass_score: f64,
    /// Lowest score that is marginal, 0–100, ≤ pass_score (default 75).
    pub marginal_score: f64,
    /// What a `marginal` verdict of a judge or experiment step does:
    /// `continue`, `pause` (the default when absent) or `roll_back`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_marginal: Option<JudgeAction>,
    /// What a `fail` verdict of a judge or experiment step does:
    /// `roll_back` (the default when absent) or `pause`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_fail: Option<JudgeAction>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for JudgeDefaults {
    fn default() -> Self {
        JudgeDefaults {
            alpha: 0.05,
            tolerance: 0.05,
            pass_score: 95.0,
            marginal_score: 75.0,
            on_marginal: None,
            on_fail: None,
            extra: Extra::new(),
        }
    }
}

/// Defaults of blue-green plans.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct BlueGreenDefaults {
    /// Switch without a `promote` command (default false: a human
    /// promotes).
    pub auto_promote: bool,
    /// Seconds the blue stack is kept after the switch (default 30).
    pub scale_down_delay_secs: u64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for BlueGreenDefaults {
    fn default() -> Self {
        BlueGreenDefaults {
            auto_promote: false,
            scale_down_delay_secs: 30,
            extra: Extra::new(),
        }
    }
}

impl RolloutPolicy {
    /// Appends every problem of the section (paths `rollout.…` through
    /// `at`).
    pub(super) fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        if self.analysis.count == 0 {
            problems.push(Problem::new(
                at("rollout.analysis.count"),
                "must be at least 1",
            ));
        }
        let j = &self.judge;
        if !(j.alpha > 0.0 && j.alpha <= 0.5) {
            problems.push(Problem::new(
                at("rollout.judge.alpha"),
                format!("must be in (0, 0.5], got {}", j.alpha),
            ));
        }
        if !(j.tolerance.is_finite() && j.tolerance >= 0.0) {
            problems.push(Problem::new(
                at("rollout.judge.tolerance"),
                format!("must be a finite number ≥ 0, got {}", j.tolerance),
            ));
        }
        for (name, v) in [
            ("pass_score", j.pass_score),
            ("marginal_score", j.marginal_score),
        ] {
            if !(0.0..=100.0).contains(&v) {
                problems.push(Problem::new(
                    at(&format!("rollout.judge.{name}")),
                    format!("a score threshold is 0 to 100, got {v}"),
                ));
            }
        }
        if j.marginal_score > j.pass_score {
            problems.push(Problem::new(
                at("rollout.judge.marginal_score"),
                format!(
                    "must not be above pass_score ({} > {})",
                    j.marginal_score, j.pass_score
                ),
            ));
        }
        if j.on_fail == Some(JudgeAction::Continue) {
            problems.push(Problem::new(
                at("rollout.judge.on_fail"),
                "a failing verdict must not continue: use pause or roll_back",
            ));
        }
        let max = MAX_DURATION_SECS as u64;
        if self.blue_green.scale_down_delay_secs > max {
            problems.push(Problem::new(
                at("rollout.blue_green.scale_down_delay_secs"),
                format!(
                    "must be at most {max} seconds, got {}",
                    self.blue_green.scale_down_delay_secs
                ),
            ));
        }
    }
}
