//! The experiment step (docs/rollout.md, "Experiments"): variants run
//! against the live baseline for a duration; each observation's variant
//! samples are judged against its baseline; when the duration has passed,
//! the best passing variant wins and the rollout continues with it.

use super::judge_step::{action, judge, short_of_samples, verdict_name, JudgeSummary};
use super::{add_secs, reason, Machine, Stage};
use crate::document::judge_step::{ExperimentStep, JudgeAction};
use crate::engine::rollout::{CanaryVerdict, SampleSet};
use crate::error::{Error, Result};
use crate::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The latest verdict of one variant of an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VariantVerdict {
    /// pass, marginal or fail.
    pub verdict: CanaryVerdict,
    /// The judge's score, 0–100.
    pub score: f64,
    /// When the variant was judged.
    pub at: Timestamp,
}

/// An experiment step: while it runs, the latest verdict of each variant;
/// once decided, the winner (kept for the following steps: they roll out
/// the winning variant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExperimentRun {
    /// The index of the experiment step.
    pub step: usize,
    /// The experiment's name, when the plan gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When the variants' duration ends.
    pub ends_at: Timestamp,
    /// The latest verdict of each variant judged so far, by name.
    #[serde(default)]
    pub verdicts: BTreeMap<String, VariantVerdict>,
    /// The variant that continues, once decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winner: Option<String>,
}

/// Rank of a verdict: pass above marginal above fail.
fn rank(v: CanaryVerdict) -> u8 {
    match v {
        CanaryVerdict::Pass => 2,
        CanaryVerdict::Marginal => 1,
        CanaryVerdict::Fail => 0,
    }
}

/// The best variant: the highest verdict, then the highest score, then the
/// first in plan order. A variant never judged counts as `fail`, score 0.
fn best<'e>(e: &'e ExperimentStep, run: &ExperimentRun) -> Option<(&'e str, CanaryVerdict, f64)> {
    let mut out: Option<(&str, CanaryVerdict, f64)> = None;
    for v in &e.variants {
        let (verdict, score) = run
            .verdicts
            .get(&v.name)
            .map_or((CanaryVerdict::Fail, 0.0), |r| (r.verdict, r.score));
        let better = out.is_none_or(|(_, bv, bs)| {
            rank(verdict) > rank(bv) || (rank(verdict) == rank(bv) && score > bs)
        });
        if better {
            out = Some((v.name.as_str(), verdict, score));
        }
    }
    out
}

fn verdict_list(e: &ExperimentStep, run: &ExperimentRun) -> String {
    e.variants
        .iter()
        .map(|v| match run.verdicts.get(&v.name) {
            Some(r) => format!(
                "`{}` {} (score {:.1})",
                v.name,
                verdict_name(r.verdict),
                r.score
            ),
            None => format!("`{}` never judged (counts as fail)", v.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn label(index: usize, e: &ExperimentStep) -> String {
    format!(
        "step {index}: experiment{}",
        e.name
            .as_ref()
            .map(|n| format!(" `{n}`"))
            .unwrap_or_default()
    )
}

impl<'a> Machine<'a> {
    /// Enters an experiment step: the variants run until `ends_at`.
    pub(super) fn enter_experiment(&mut self, index: usize, e: &ExperimentStep) -> Result<()> {
        let ends_at = add_secs(self.now, e.duration_secs)?;
        let names: Vec<&str> = e.variants.iter().map(|v| v.name.as_str()).collect();
        self.reasons.push(reason(
            "step.experiment",
            format!(
                "{} starts: variants {} against the baseline for {} s, until {ends_at}",
                label(index, e),
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                e.duration_secs
            ),
            json!({"step": index, "variants": names, "duration_secs": e.duration_secs, "ends_at": ends_at}),
        ));
        self.state.resume_at = Some(ends_at.clone());
        self.state.experiment = Some(ExperimentRun {
            step: index,
            name: e.name.clone(),
            ends_at,
            verdicts: BTreeMap::new(),
            winner: None,
        });
        Ok(())
    }

    /// The running experiment of the current step.
    fn running(&self) -> Result<ExperimentRun> {
        self.state
            .experiment
            .clone()
            .filter(|r| r.step == self.state.step && r.winner.is_none())
            .ok_or_else(|| {
                Error::invalid_input(
                    "state.experiment",
                    format!(
                        "the rollout is at experiment step {} but the state has no running experiment of that step",
                        self.state.step
                    ),
                )
            })
    }

    /// Judges each variant of an observation against its baseline, then
    /// decides if the duration has passed.
    pub(super) fn observe_experiment(
        &mut self,
        e: &ExperimentStep,
        baseline: Option<&SampleSet>,
        variants: &BTreeMap<String, SampleSet>,
    ) -> Result<()> {
        let index = self.state.step;
        let mut run = self.running()?;
        match baseline {
            None => self.reasons.push(reason(
                "experiment.no_baseline",
                format!(
                    "{}: the observation has no baseline samples; the variants are not judged",
                    label(index, e)
                ),
                json!({"step": index}),
            )),
            Some(baseline) => {
                let mut judged = serde_json::Map::new();
                let mut parts = Vec::new();
                for v in &e.variants {
                    let Some(samples) = variants.get(&v.name) else {
                        continue;
                    };
                    let short = short_of_samples(&e.judge, baseline, samples);
                    if !short.is_empty() {
                        parts.push(format!(
                            "`{}` not judged (fewer than min_samples {})",
                            v.name,
                            e.judge.min_samples.unwrap_or(1)
                        ));
                        continue;
                    }
                    let step_path = format!("plan.steps[{index}].experiment.judge");
                    let canary_path = format!("input.variants.{}", v.name);
                    let j = judge(
                        &e.judge,
                        self.policy,
                        baseline,
                        samples,
                        [&step_path, "input.baseline", &canary_path],
                    )?;
                    let summary = JudgeSummary::of(&j);
                    parts.push(format!("`{}` {}", v.name, summary.render()));
                    run.verdicts.insert(
                        v.name.clone(),
                        VariantVerdict {
                            verdict: summary.verdict,
                            score: summary.score,
                            at: self.now.clone(),
                        },
                    );
                    judged.insert(
                        v.name.clone(),
                        serde_json::to_value(&summary).unwrap_or(Value::Null),
                    );
                }
                let message = if parts.is_empty() {
                    format!(
                        "{}: the observation has no samples of a variant",
                        label(index, e)
                    )
                } else {
                    format!("{}: {}", label(index, e), parts.join("; "))
                };
                self.reasons.push(reason(
                    "experiment.judged",
                    message,
                    json!({"step": index, "variants": judged}),
                ));
            }
        }
        self.state.experiment = Some(run.clone());
        if *self.now >= run.ends_at {
            return self.conclude(e, run);
        }
        self.reasons.push(reason(
            "experiment.running",
            format!(
                "{}: running until {}; verdicts so far: {}",
                label(index, e),
                run.ends_at,
                verdict_list(e, &run)
            ),
            json!({"step": index, "ends_at": run.ends_at, "verdicts": run.verdicts}),
        ));
        Ok(())
    }

    /// A tick at an experiment step: decides once the duration has passed.
    pub(super) fn tick_experiment(&mut self, e: &ExperimentStep) -> Result<()> {
        let run = self.running()?;
        if *self.now >= run.ends_at {
            return self.conclude(e, run);
        }
        self.reasons.push(reason(
            "step.waiting",
            format!(
                "{}: running until {}",
                label(self.state.step, e),
                run.ends_at
            ),
            json!({"step": self.state.step, "ends_at": run.ends_at}),
        ));
        Ok(())
    }

    /// The duration has passed: the best passing variant wins; without
    /// one, the best verdict acts as a judge step's would.
    fn conclude(&mut self, e: &ExperimentStep, mut run: ExperimentRun) -> Result<()> {
        let index = self.state.step;
        let Some((name, verdict, score)) = best(e, &run) else {
            return Ok(());
        };
        let what = action(&e.judge, self.policy, verdict);
        let data = json!({
            "step": index,
            "best": name,
            "verdict": verdict,
            "score": score,
            "action": what,
            "verdicts": run.verdicts,
        });
        if verdict == CanaryVerdict::Pass {
            run.winner = Some(name.to_string());
            self.reasons.push(reason(
                "experiment.winner",
                format!(
                    "{}: over at {}: `{name}` wins ({}); the rollout continues with `{name}`",
                    label(index, e),
                    run.ends_at,
                    verdict_list(e, &run)
                ),
                data,
            ));
            self.state.experiment = Some(run);
            return self.run_from(index.saturating_add(1));
        }
        self.reasons.push(reason(
            "experiment.no_winner",
            format!(
                "{}: over at {}: no variant passed ({}); the best, `{name}`, is {}: {}",
                label(index, e),
                run.ends_at,
                verdict_list(e, &run),
                verdict_name(verdict),
                what.as_str()
            ),
            data,
        ));
        self.state.experiment = Some(run);
        if what == JudgeAction::Continue {
            // on_marginal continue: the best variant goes on.
            self.accept_judgement();
        }
        self.act(what, verdict)
    }

    /// A judge verdict accepted by a human (`resume`) or by `on_marginal:
    /// continue`: at an experiment step without a winner, the best
    /// variant becomes the winner.
    pub(super) fn accept_judgement(&mut self) {
        let Some(Stage::Experiment(e)) = self.stages.get(self.state.step).copied() else {
            return;
        };
        let step = self.state.step;
        let Some(run) = self
            .state
            .experiment
            .as_mut()
            .filter(|r| r.step == step && r.winner.is_none())
        else {
            return;
        };
        let Some((name, verdict, score)) =
            best(e, run).filter(|(n, ..)| run.verdicts.contains_key(*n))
        else {
            return;
        };
        run.winner = Some(name.to_string());
        self.reasons.push(reason(
            "experiment.winner",
            format!(
                "step {}: `{name}` ({}, score {score:.1}) continues: its verdict is accepted",
                self.state.step,
                verdict_name(verdict)
            ),
            json!({"step": self.state.step, "winner": name, "verdict": verdict, "score": score}),
        ));
    }
}
