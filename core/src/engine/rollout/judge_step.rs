//! The judge as a canary step (docs/rollout.md, "The judge as a step"): an
//! observation with `baseline` and canary samples is judged with the canary
//! judge, and the verdict continues, pauses or rolls back.

use super::{reason, Machine, PauseReason, RolloutPhase};
use crate::document::judge_step::{JudgeAction, JudgeStep};
use crate::document::plan::{CanaryStep, NoDataPolicy};
use crate::document::{DeploymentPlan, Extra};
use crate::engine::rollout::{
    judge_canary_with_policy, CanaryJudgement, CanaryVerdict, Classification, JudgeConfig,
    SampleSet,
};
use crate::error::{Error, Problem, Result};
use crate::foundation::path::join;
use crate::policy::RolloutPolicy;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The judgement of one metric, as the reasons carry it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct JudgedSummary {
    name: String,
    classification: Classification,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    critical: bool,
    weight: f64,
    baseline_count: usize,
    canary_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    p_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shift: Option<f64>,
}

/// A judgement as the reasons carry it: the verdict, the score, the
/// thresholds, each metric's class and what the verdict does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct JudgeSummary {
    pub(super) verdict: CanaryVerdict,
    pub(super) score: f64,
    pass_score: f64,
    marginal_score: f64,
    metrics: Vec<JudgedSummary>,
}

impl JudgeSummary {
    pub(super) fn of(j: &CanaryJudgement) -> Self {
        JudgeSummary {
            verdict: j.verdict,
            score: j.score,
            pass_score: j.pass_score,
            marginal_score: j.marginal_score,
            metrics: j
                .metrics
                .iter()
                .map(|m| JudgedSummary {
                    name: m.name.clone(),
                    classification: m.classification,
                    critical: m.critical,
                    weight: m.weight,
                    baseline_count: m.baseline.count,
                    canary_count: m.canary.count,
                    p_value: m.test.as_ref().map(|t| t.p_value),
                    shift: m.shift.as_ref().map(|s| s.estimate),
                })
                .collect(),
        }
    }

    /// `score 40.0 (pass ≥ 95, marginal ≥ 75): fail; `latency_p99` high
    /// (critical)`.
    pub(super) fn render(&self) -> String {
        let bad: Vec<String> = self
            .metrics
            .iter()
            .filter(|m| m.classification != Classification::Pass)
            .map(|m| {
                format!(
                    "`{}` {}{}",
                    m.name,
                    classification_name(m.classification),
                    if m.critical { " (critical)" } else { "" }
                )
            })
            .collect();
        format!(
            "score {:.1} (pass ≥ {}, marginal ≥ {}): {}{}",
            self.score,
            self.pass_score,
            self.marginal_score,
            verdict_name(self.verdict),
            if bad.is_empty() {
                String::new()
            } else {
                format!("; {}", bad.join(", "))
            }
        )
    }
}

pub(super) fn verdict_name(v: CanaryVerdict) -> &'static str {
    match v {
        CanaryVerdict::Pass => "pass",
        CanaryVerdict::Marginal => "marginal",
        CanaryVerdict::Fail => "fail",
    }
}

fn classification_name(c: Classification) -> &'static str {
    match c {
        Classification::Pass => "pass",
        Classification::High => "high",
        Classification::Low => "low",
        Classification::Nodata => "nodata",
    }
}

/// What a verdict does under the step and the policy: pass continues,
/// marginal pauses, fail rolls back, unless overridden.
pub(super) fn action(step: &JudgeStep, policy: &RolloutPolicy, v: CanaryVerdict) -> JudgeAction {
    match v {
        CanaryVerdict::Pass => JudgeAction::Continue,
        CanaryVerdict::Marginal => step
            .on_marginal
            .or(policy.judge.on_marginal)
            .unwrap_or(JudgeAction::Pause),
        CanaryVerdict::Fail => step
            .on_fail
            .or(policy.judge.on_fail)
            .unwrap_or(JudgeAction::RollBack),
    }
}

/// The judged metrics whose samples on a side are fewer than the step's
/// `min_samples`: `(metric, side, count)`.
pub(super) fn short_of_samples<'s>(
    step: &'s JudgeStep,
    baseline: &SampleSet,
    canary: &SampleSet,
) -> Vec<(&'s str, &'static str, usize)> {
    let Some(min) = step.min_samples.filter(|m| *m > 1) else {
        return Vec::new();
    };
    let finite = |set: &SampleSet, name: &str| {
        set.0
            .get(name)
            .map_or(0, |s| s.iter().filter(|v| v.is_finite()).count())
    };
    let mut out = Vec::new();
    for m in &step.metrics {
        for (side, set) in [("baseline", baseline), ("canary", canary)] {
            let n = finite(set, &m.name);
            if n < min as usize {
                out.push((m.name.as_str(), side, n));
            }
        }
    }
    out
}

/// Judges `canary` against `baseline` with the step's settings (only the
/// step's metrics are looked at). Error paths: `config.…` under
/// `step_path`, the sides under `baseline_path` / `canary_path`.
pub(super) fn judge(
    step: &JudgeStep,
    policy: &RolloutPolicy,
    baseline: &SampleSet,
    canary: &SampleSet,
    paths: [&str; 3],
) -> Result<CanaryJudgement> {
    let names: BTreeSet<&str> = step.metrics.iter().map(|m| m.name.as_str()).collect();
    let only = |set: &SampleSet| {
        SampleSet(
            set.0
                .iter()
                .filter(|(k, _)| names.contains(k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    };
    let config = JudgeConfig {
        metrics: step.metrics.clone(),
        alpha: step.alpha,
        pass_score: step.pass_score,
        marginal_score: step.marginal_score,
        extra: Extra::new(),
    };
    judge_canary_with_policy(&only(baseline), &only(canary), &config, policy).map_err(|e| match e {
        Error::InvalidInput { problems } => Error::InvalidInput {
            problems: problems
                .into_iter()
                .map(|mut p| {
                    let [step_path, baseline_path, canary_path] = paths;
                    p.path = if let Some(rest) = p.path.strip_prefix("config.") {
                        join(step_path, rest)
                    } else if let Some(rest) = p.path.strip_prefix("baseline.") {
                        join(baseline_path, rest)
                    } else if let Some(rest) = p.path.strip_prefix("canary.") {
                        join(canary_path, rest)
                    } else {
                        p.path
                    };
                    p
                })
                .collect(),
        },
        other => other,
    })
}

/// Checks an observation's `baseline` and `variants`: metric names the
/// plan knows, no NaN-only samples, variant names of an experiment step.
pub(super) fn check_samples(
    plan: &DeploymentPlan,
    known: &BTreeSet<&str>,
    baseline: Option<&SampleSet>,
    variants: &BTreeMap<String, SampleSet>,
    base: &str,
    problems: &mut Vec<Problem>,
) {
    let variant_names: BTreeSet<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match s {
            CanaryStep::Experiment(e) => Some(e),
            _ => None,
        })
        .flat_map(|e| e.variants.iter().map(|v| v.name.as_str()))
        .collect();
    let mut sets: Vec<(String, &SampleSet)> = Vec::new();
    if let Some(b) = baseline {
        sets.push((join(base, "baseline"), b));
    }
    for (name, set) in variants {
        let path = join(&join(base, "variants"), name);
        if !variant_names.contains(name.as_str()) {
            problems.push(Problem::new(
                path,
                format!(
                    "variant `{name}` is not in any experiment step of the plan (known: {})",
                    variant_names.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        } else {
            sets.push((path, set));
        }
    }
    for (path, set) in sets {
        for (name, samples) in &set.0 {
            let path = join(&path, name);
            if !known.contains(name.as_str()) {
                problems.push(Problem::new(
                    path,
                    format!(
                        "metric `{name}` is not checked by any analysis of the plan (known: {})",
                        known.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                ));
            } else if !samples.is_empty() && samples.iter().all(|v| !v.is_finite()) {
                problems.push(Problem::new(
                    path,
                    "every sample is NaN (or infinite): the source is broken, not quiet; send an empty list for no data",
                ));
            }
        }
    }
}

fn step_label(index: usize, step: &JudgeStep) -> String {
    format!(
        "step {index}: judge{}",
        step.name
            .as_ref()
            .map(|n| format!(" `{n}`"))
            .unwrap_or_default()
    )
}

impl<'a> Machine<'a> {
    /// Enters a judge step: it waits for an observation with a baseline.
    pub(super) fn enter_judge(&mut self, index: usize, step: &JudgeStep) -> Result<()> {
        self.reasons.push(reason(
            "step.judge",
            format!(
                "{} starts ({} metric{}): waiting for an observation with baseline and canary samples",
                step_label(index, step),
                step.metrics.len(),
                if step.metrics.len() == 1 { "" } else { "s" }
            ),
            json!({"step": index, "metrics": step.metrics.iter().map(|m| &m.name).collect::<Vec<_>>()}),
        ));
        Ok(())
    }

    /// Judges an observation at a judge step.
    pub(super) fn observe_judge(
        &mut self,
        step: &JudgeStep,
        canary: &SampleSet,
        baseline: Option<&SampleSet>,
    ) -> Result<()> {
        let index = self.state.step;
        let label = step_label(index, step);
        let Some(baseline) = baseline else {
            let no_data = self.policy.analysis.no_data;
            let data = json!({"step": index, "no_data": no_data});
            return match no_data {
                NoDataPolicy::Pause => {
                    self.reasons.push(reason(
                        "judge.no_baseline",
                        format!("{label}: the observation has no baseline samples (no-data policy pause): pause for a human"),
                        data,
                    ));
                    self.state.phase = RolloutPhase::Paused;
                    self.state.reason = Some(PauseReason::NoData);
                    Ok(())
                }
                NoDataPolicy::Fail => {
                    let what = action(step, self.policy, CanaryVerdict::Fail);
                    self.reasons.push(reason(
                        "judge.no_baseline",
                        format!(
                            "{label}: the observation has no baseline samples (no-data policy fail): counts as a fail verdict, {}",
                            what.as_str()
                        ),
                        data,
                    ));
                    self.act(what, CanaryVerdict::Fail)
                }
                NoDataPolicy::Pass => {
                    self.reasons.push(reason(
                        "judge.no_baseline",
                        format!("{label}: the observation has no baseline samples (no-data policy pass): counts as a pass verdict, continue"),
                        data,
                    ));
                    self.act(JudgeAction::Continue, CanaryVerdict::Pass)
                }
            };
        };
        let short = short_of_samples(step, baseline, canary);
        if !short.is_empty() {
            let min = step.min_samples.unwrap_or(1);
            self.reasons.push(reason(
                "judge.insufficient_samples",
                format!(
                    "{label}: {} below min_samples {min}; the observation is not judged",
                    short
                        .iter()
                        .map(|(m, side, n)| format!("`{m}` has {n} {side} sample{}", if *n == 1 { "" } else { "s" }))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                json!({
                    "step": index,
                    "min_samples": min,
                    "short": short.iter().map(|(m, side, n)| json!({"metric": m, "side": side, "count": n})).collect::<Vec<_>>(),
                }),
            ));
            return Ok(());
        }
        let step_path = format!("plan.steps[{index}].judge");
        let judgement = judge(
            step,
            self.policy,
            baseline,
            canary,
            [&step_path, "input.baseline", "input.metrics"],
        )?;
        let summary = JudgeSummary::of(&judgement);
        let what = action(step, self.policy, summary.verdict);
        let rule = match summary.verdict {
            CanaryVerdict::Pass => "judge.passed",
            CanaryVerdict::Marginal => "judge.marginal",
            CanaryVerdict::Fail => "judge.failed",
        };
        let mut data = serde_json::to_value(&summary).unwrap_or(Value::Null);
        if let Some(obj) = data.as_object_mut() {
            obj.insert("step".into(), json!(index));
            obj.insert("action".into(), json!(what));
        }
        self.reasons.push(reason(
            rule,
            format!("{label}: {} → {}", summary.render(), what.as_str()),
            data,
        ));
        self.act(what, summary.verdict)
    }

    /// Carries out what a verdict does.
    pub(super) fn act(&mut self, what: JudgeAction, verdict: CanaryVerdict) -> Result<()> {
        match what {
            JudgeAction::Continue => self.run_from(self.state.step.saturating_add(1)),
            JudgeAction::Pause => {
                self.state.phase = RolloutPhase::Paused;
                self.state.reason = Some(if verdict == CanaryVerdict::Fail {
                    PauseReason::JudgeFailed
                } else {
                    PauseReason::JudgeMarginal
                });
                self.state.resume_at = None;
                Ok(())
            }
            JudgeAction::RollBack => {
                self.terminate(RolloutPhase::RolledBack);
                Ok(())
            }
        }
    }
}
