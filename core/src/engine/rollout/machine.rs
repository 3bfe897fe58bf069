//! The rollout state machine: [`rollout_step`].

// The judge and experiment steps (their own files, children of the
// machine: they extend it).
#[path = "experiment.rs"]
mod experiment;
#[path = "judge_step.rs"]
mod judge_step;

pub use experiment::{ExperimentRun, VariantVerdict};

use super::flag::{check_flag_state, enter, flag_advanced, flag_stages, terminated, FlagStage};
use super::SampleSet;
use crate::document::judge_step::{ExperimentStep, JudgeStep};
use crate::document::plan::{
    check_plan, plan_metrics, strategy_name, Aggregate, Analysis, CanaryStep, MetricCheck,
    NoDataPolicy, OnFailure,
};
use crate::document::{DeploymentPlan, Extra, Strategy};
use crate::error::{Error, Problem, Result, Warning};
use crate::foundation::path::join;
use crate::policy::RolloutPolicy;
use crate::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Where a rollout is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RolloutPhase {
    /// Not started: the first tick or `resume` starts it.
    #[default]
    Pending,
    /// Moving through the steps (at `step`, with `weight`).
    Progressing,
    /// Waiting: for time (a timed pause), or for a human (`reason`).
    Paused,
    /// Blue-green after the switch: post-promotion analysis and scale-down.
    Promoting,
    /// Done: all traffic on the new version (terminal).
    Succeeded,
    /// Stopped by an `abort` command; traffic back to the old version
    /// (terminal).
    Aborted,
    /// A failed analysis sent the traffic back to the old version
    /// (terminal).
    RolledBack,
}

impl RolloutPhase {
    /// True for `succeeded`, `aborted` and `rolled_back`.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RolloutPhase::Succeeded | RolloutPhase::Aborted | RolloutPhase::RolledBack
        )
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutPhase::Pending => "pending",
            RolloutPhase::Progressing => "progressing",
            RolloutPhase::Paused => "paused",
            RolloutPhase::Promoting => "promoting",
            RolloutPhase::Succeeded => "succeeded",
            RolloutPhase::Aborted => "aborted",
            RolloutPhase::RolledBack => "rolled_back",
        }
    }
}

/// Why a rollout is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PauseReason {
    /// A timed pause step; a tick at or after `resume_at` continues.
    Timed,
    /// An open pause step: waits for `resume` or `promote`.
    Step,
    /// Blue-green without auto-promotion: waits for `promote` (or
    /// `resume`).
    AwaitingPromotion,
    /// An analysis was inconclusive: waits for a human (`resume` accepts
    /// the analysis, `abort` stops).
    Inconclusive,
    /// A metric had no data under the `pause` no-data policy.
    NoData,
    /// The background analysis failed under `on_failure: pause`: waits for
    /// `abort`; `promote` and `resume` are denied (the breach is in
    /// `background.breach`).
    AnalysisFailed,
    /// A judge or experiment step's verdict was `marginal` (under
    /// `on_marginal: pause`): `resume` or `promote` accept it, `abort`
    /// stops.
    JudgeMarginal,
    /// A judge or experiment step's verdict was `fail` under `on_fail:
    /// pause`: `resume` or `promote` accept it, `abort` stops.
    JudgeFailed,
}

impl PauseReason {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PauseReason::Timed => "timed",
            PauseReason::Step => "step",
            PauseReason::AwaitingPromotion => "awaiting_promotion",
            PauseReason::Inconclusive => "inconclusive",
            PauseReason::NoData => "no_data",
            PauseReason::AnalysisFailed => "analysis_failed",
            PauseReason::JudgeMarginal => "judge_marginal",
            PauseReason::JudgeFailed => "judge_failed",
        }
    }
}

/// The tally of one metric in a running analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MetricTally {
    /// Measurements taken (successful + failed + inconclusive).
    pub measurements: u32,
    /// Values within [min, max] (and no-data counted as a pass).
    pub successful: u32,
    /// Values beyond the fail bounds (and no-data counted as a failure).
    pub failed: u32,
    /// Values between [min, max] and the fail bounds.
    pub inconclusive: u32,
    /// Measurement errors reported by the observation.
    pub errors: u32,
    /// Errors since the last measurement.
    pub consecutive_errors: u32,
    /// Observations without data for the metric.
    pub no_data: u32,
}

/// A running analysis: the tally of each metric.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnalysisRun {
    /// The analysis name, when the plan gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tallies by metric name.
    pub metrics: BTreeMap<String, MetricTally>,
}

/// The limit a background analysis breached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreachRule {
    /// More failed measurements than the metric's failure limit.
    FailureLimit,
    /// More consecutive measurement errors than the metric's limit.
    ConsecutiveErrorLimit,
}

/// A breach of the background analysis: the metric, the limit it went
/// over, and when. Once set it stays: no command raises the weight again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Breach {
    /// Which limit.
    pub rule: BreachRule,
    /// The metric that went over it.
    pub metric: String,
    /// Its failed measurements (or consecutive errors).
    pub count: u32,
    /// The limit (per metric, else of the analysis, else of the policy).
    pub limit: u32,
    /// The value of the metric in the breaching observation, if measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The step the rollout was at.
    pub step: usize,
    /// When the breach was observed.
    pub at: Timestamp,
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = self
            .value
            .map(|v| format!(", value {v}"))
            .unwrap_or_default();
        match self.rule {
            BreachRule::FailureLimit => write!(
                f,
                "the background analysis failed: `{}` failed {} time{} (failure limit {}{value}) at step {} ({})",
                self.metric,
                self.count,
                if self.count == 1 { "" } else { "s" },
                self.limit,
                self.step,
                self.at
            ),
            BreachRule::ConsecutiveErrorLimit => write!(
                f,
                "the background analysis errored: `{}` could not be measured {} times in a row (consecutive error limit {}) at step {} ({})",
                self.metric, self.count, self.limit, self.step, self.at
            ),
        }
    }
}

/// Where a rollout was when the background analysis paused it
/// (inconclusive or no data); `resume` goes back there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PausedFrom {
    /// The phase before the pause.
    pub phase: RolloutPhase,
    /// The pause reason before, if it was paused already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<PauseReason>,
}

/// The background analysis (the plan's `analysis` of a canary, blue-green
/// or phased rollout): its tallies from `starting_step` on, whether it
/// paused the rollout, and its breach.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackgroundRun {
    /// The analysis name, when the plan gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tallies by metric name.
    pub metrics: BTreeMap<String, MetricTally>,
    /// Set while the background analysis holds the rollout paused
    /// (inconclusive, no data): where `resume` returns to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_from: Option<PausedFrom>,
    /// The breach, once the analysis failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breach: Option<Breach>,
}

/// The state of a rollout, as [`rollout_step`] returns it and takes it
/// back. The default is `pending`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RolloutState {
    /// The phase.
    #[serde(default)]
    pub phase: RolloutPhase,
    /// The index of the current step in the strategy's step list (see
    /// docs/rollout.md; for a canary, the index in `steps`; for a feature
    /// flag, each cohort's percentages and pauses in order).
    #[serde(default)]
    pub step: usize,
    /// Percentage of traffic (or of targets) on the new version; for a
    /// feature flag, the percentage of `everyone` (the overall exposure).
    #[serde(default)]
    pub weight: u32,
    /// Why it is paused (only when `paused`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<PauseReason>,
    /// When the current step began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    /// When a timed pause or wait ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_at: Option<Timestamp>,
    /// The running analysis, if the current step is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisRun>,
    /// The background analysis, once it has measured (kept in terminal
    /// states: a breach denies later commands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<BackgroundRun>,
    /// The experiment step: running (its verdicts so far) or decided (its
    /// winner, kept for the following steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<ExperimentRun>,
    /// Feature flag: the cohort the flag is being rolled out to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohort: Option<String>,
    /// Feature flag: the percentage of `cohort` that sees the flag on (0
    /// once it is turned off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<u32>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A command of a human or a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RolloutCommand {
    /// Skip the remaining steps and put all traffic on the new version
    /// (blue-green before the switch: switch now).
    Promote,
    /// Leave a pause (an inconclusive or no-data pause: accept the
    /// analysis); start a pending rollout.
    Resume,
    /// Stop and send all traffic back to the old version.
    Abort,
}

/// What happened since the last step: a measurement, the passing of time,
/// or a command. Written `{"kind": "observation", "metrics": {…}}`,
/// `{"kind": "tick"}` or `{"kind": "command", "command": "promote"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RolloutInput {
    /// Metric values of the new version.
    Observation {
        /// Samples by metric name: a number or a list of numbers (`null`
        /// for NaN).
        #[serde(default)]
        metrics: SampleSet,
        /// Metrics whose measurement failed (a provider error).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        errors: Vec<String>,
        /// Samples of the live baseline (the old version), for a judge or
        /// experiment step.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        baseline: Option<SampleSet>,
        /// Samples of each experiment variant, by variant name.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        variants: BTreeMap<String, SampleSet>,
    },
    /// Time passed (ends timed pauses and waits).
    Tick,
    /// A command.
    Command {
        /// Which.
        command: RolloutCommand,
        /// Who issued it (for the reasons).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        actor: Option<String>,
        /// Why (for the reasons).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

/// The decision of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RolloutDecision {
    /// Nothing to change: keep going, keep waiting.
    Continue,
    /// Move on: more weight, or the next step.
    Advance,
    /// Stop and wait (for time or a human).
    Pause,
    /// All traffic to the new version (the blue-green switch, or success).
    Promote,
    /// All traffic back to the old version.
    RollBack,
}

/// One reason behind a decision: a stable rule id, a message and the data
/// looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Reason {
    /// Stable rule id, e.g. `analysis.failure_limit`.
    pub rule: String,
    /// What happened, in one sentence.
    pub message: String,
    /// The values looked at.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub data: Value,
}

/// The result of [`rollout_step`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RolloutStep {
    /// The next state.
    pub state: RolloutState,
    /// What to do.
    pub decision: RolloutDecision,
    /// Why, in order.
    pub reasons: Vec<Reason>,
    /// What was odd but did not decide.
    pub warnings: Vec<Warning>,
}

/// A step of the strategy's internal step list.
#[derive(Debug, Clone, Copy)]
enum Stage<'a> {
    Weight(u32),
    Flag(&'a str, u32),
    Pause(Option<i64>),
    Wait(i64),
    Analysis(&'a Analysis, &'static str),
    Judge(&'a JudgeStep),
    Experiment(&'a ExperimentStep),
    AwaitPromotion,
    Switch,
}

fn stages<'a>(plan: &'a DeploymentPlan, policy: &RolloutPolicy) -> Vec<Stage<'a>> {
    let mut out = Vec::new();
    match plan.strategy {
        Strategy::BigBang => {
            out.push(Stage::Weight(100));
            if let Some(a) = &plan.analysis {
                out.push(Stage::Analysis(a, "verification"));
            }
        }
        Strategy::FeatureFlag => {
            out.extend(flag_stages(plan).into_iter().map(|f| match f {
                FlagStage::Set { cohort, percentage } => Stage::Flag(cohort, percentage),
                FlagStage::Pause(d) => Stage::Pause(d),
            }));
        }
        Strategy::Canary => {
            for s in &plan.steps {
                out.push(match s {
                    CanaryStep::SetWeight(w) => Stage::Weight((*w).clamp(0, 100) as u32),
                    CanaryStep::Pause(p) => Stage::Pause(p.duration_secs),
                    CanaryStep::Analysis(a) => Stage::Analysis(a, "analysis"),
                    CanaryStep::Judge(j) => Stage::Judge(j),
                    CanaryStep::Experiment(e) => Stage::Experiment(e),
                });
            }
        }
        Strategy::Phased => {
            let total: usize = plan.waves.iter().map(|w| w.targets.len()).sum();
            let mut done = 0usize;
            for (i, w) in plan.waves.iter().enumerate() {
                // done <= total, a sum of list lengths: nothing saturates.
                done = done.saturating_add(w.targets.len());
                let weight = if i.saturating_add(1) == plan.waves.len() || total == 0 {
                    100
                } else {
                    done.saturating_mul(100).checked_div(total).unwrap_or(100) as u32
                };
                out.push(Stage::Weight(weight));
                if let Some(a) = &w.verification {
                    out.push(Stage::Analysis(a, "wave verification"));
                }
                if let Some(p) = &w.pause {
                    out.push(Stage::Pause(p.duration_secs));
                }
            }
        }
        Strategy::BlueGreen => {
            out.push(Stage::Weight(0));
            if let Some(a) = &plan.pre_promotion_analysis {
                out.push(Stage::Analysis(a, "pre-promotion analysis"));
            }
            if !plan.auto_promote.unwrap_or(policy.blue_green.auto_promote) {
                out.push(Stage::AwaitPromotion);
            }
            out.push(Stage::Switch);
            if let Some(a) = &plan.post_promotion_analysis {
                out.push(Stage::Analysis(a, "post-promotion analysis"));
            }
            let delay = plan.scale_down_delay_secs.unwrap_or(
                i64::try_from(policy.blue_green.scale_down_delay_secs).unwrap_or(i64::MAX),
            );
            out.push(Stage::Wait(delay));
        }
    }
    out
}

/// Resolved analysis limits.
struct Limits {
    count: u32,
    failure: u32,
    inconclusive: u32,
    consecutive_errors: u32,
    no_data: NoDataPolicy,
    /// Per metric: (failure, inconclusive, consecutive errors), the
    /// metric's own limit or the analysis's.
    per_metric: BTreeMap<String, (u32, u32, u32)>,
    /// Whether any metric sets a limit of its own (then the reasons list
    /// them as `metric_limits`).
    overridden: bool,
}

impl Limits {
    /// (failure, inconclusive, consecutive errors) of a metric.
    fn of(&self, metric: &str) -> (u32, u32, u32) {
        self.per_metric.get(metric).copied().unwrap_or((
            self.failure,
            self.inconclusive,
            self.consecutive_errors,
        ))
    }

    /// The limits as reason data, with `metric_limits` only when a metric
    /// overrides the analysis.
    fn data(&self, tallies: &BTreeMap<String, MetricTally>, count: bool) -> Value {
        let mut data = json!({
            "tallies": tallies,
            "failure_limit": self.failure,
            "inconclusive_limit": self.inconclusive,
            "consecutive_error_limit": self.consecutive_errors,
            "no_data": self.no_data,
        });
        if let Some(obj) = data.as_object_mut() {
            if count {
                obj.insert("count".into(), json!(self.count));
            }
            if self.overridden {
                let per: serde_json::Map<String, Value> = self
                    .per_metric
                    .iter()
                    .map(|(name, (f, i, c))| {
                        (
                            name.clone(),
                            json!({"failure_limit": f, "inconclusive_limit": i, "consecutive_error_limit": c}),
                        )
                    })
                    .collect();
                obj.insert("metric_limits".into(), Value::Object(per));
            }
        }
        data
    }
}

fn limits(a: &Analysis, policy: &RolloutPolicy) -> Limits {
    let d = &policy.analysis;
    Limits {
        count: a.count.unwrap_or(d.count).max(1),
        failure: a.failure_limit.unwrap_or(d.failure_limit),
        inconclusive: a.inconclusive_limit.unwrap_or(d.inconclusive_limit),
        consecutive_errors: a
            .consecutive_error_limit
            .unwrap_or(d.consecutive_error_limit),
        no_data: a.no_data.unwrap_or(d.no_data),
        per_metric: a
            .metrics
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    (
                        m.failure_limit
                            .or(a.failure_limit)
                            .unwrap_or(d.failure_limit),
                        m.inconclusive_limit
                            .or(a.inconclusive_limit)
                            .unwrap_or(d.inconclusive_limit),
                        m.consecutive_error_limit
                            .or(a.consecutive_error_limit)
                            .unwrap_or(d.consecutive_error_limit),
                    ),
                )
            })
            .collect(),
        overridden: a.metrics.iter().any(|m| {
            m.failure_limit.is_some()
                || m.inconclusive_limit.is_some()
                || m.consecutive_error_limit.is_some()
        }),
    }
}

fn reason(rule: &str, message: impl Into<String>, data: Value) -> Reason {
    Reason {
        rule: rule.to_string(),
        message: message.into(),
        data,
    }
}

fn add_secs(now: &Timestamp, secs: i64) -> Result<Timestamp> {
    chrono::TimeDelta::try_seconds(secs)
        .and_then(|d| now.datetime().checked_add_signed(d))
        .map(Timestamp::from_datetime)
        .ok_or_else(|| Error::invalid_input("now", "the end of the pause is out of range"))
}

/// One step of a rollout with the default policy: see
/// [`rollout_step_with_policy`].
pub fn rollout_step(
    plan: &DeploymentPlan,
    state: &RolloutState,
    input: &RolloutInput,
    now: &Timestamp,
) -> Result<RolloutStep> {
    rollout_step_with_policy(plan, state, input, now, &RolloutPolicy::default())
}

/// One step of a rollout: the next state, the decision and its reasons.
///
/// Errors (`invalid_input`, paths under `plan`, `state`, `input`, `now`): an
/// invalid plan (empty, weights out of range or decreasing, non-positive
/// durations, …), a state that does not fit the plan, an observation of a
/// metric no analysis of the plan checks, NaN-only samples, `now` before
/// the state's `since`. Terminal states are absorbing: any input leaves
/// them unchanged (decision `continue`).
pub fn rollout_step_with_policy(
    plan: &DeploymentPlan,
    state: &RolloutState,
    input: &RolloutInput,
    now: &Timestamp,
    policy: &RolloutPolicy,
) -> Result<RolloutStep> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    check_plan(plan, "plan", true, &mut problems, &mut warnings);
    if !problems.is_empty() {
        return Err(Error::InvalidInput { problems });
    }
    let stages = stages(plan, policy);
    if let Some(n) = plan
        .analysis
        .as_ref()
        .and_then(|a| a.starting_step)
        .filter(|n| plan.strategy != Strategy::BigBang && *n >= stages.len())
    {
        return Err(Error::invalid_input(
            "plan.analysis.starting_step",
            format!(
                "step {n} does not exist: the {} rollout has {} steps (docs/rollout.md, the step list)",
                strategy_name(plan.strategy),
                stages.len()
            ),
        ));
    }
    check_input(plan, input, "input")?;
    check_state(state, &stages, now)?;

    let mut m = Machine {
        plan,
        policy,
        stages: &stages,
        now,
        state: state.clone(),
        reasons: Vec::new(),
        warnings,
    };
    if state.phase.is_terminal() {
        m.reasons.push(reason(
            "rollout.terminal",
            format!(
                "the rollout is {}; a terminal state does not change",
                state.phase.as_str()
            ),
            json!({"phase": state.phase}),
        ));
        if let RolloutInput::Command { command, .. } = input {
            if *command != RolloutCommand::Abort && m.deny(*command) {
                return Ok(m.finish(state, RolloutDecision::Continue));
            }
            m.warnings.push(Warning::new(
                "ignored_command",
                "input.command",
                format!(
                    "{} is ignored: the rollout is {}",
                    command_name(*command),
                    state.phase.as_str()
                ),
            ));
        }
        return Ok(m.finish(state, RolloutDecision::Continue));
    }
    m.apply(input)?;
    let decision = decide(state, &m.state);
    Ok(m.finish(state, decision))
}

fn command_name(c: RolloutCommand) -> &'static str {
    match c {
        RolloutCommand::Promote => "promote",
        RolloutCommand::Resume => "resume",
        RolloutCommand::Abort => "abort",
    }
}

/// Checks that an input names only metrics the plan checks and that no
/// metric has only NaN samples; paths under `base`.
pub(crate) fn check_input(plan: &DeploymentPlan, input: &RolloutInput, base: &str) -> Result<()> {
    let RolloutInput::Observation {
        metrics,
        errors,
        baseline,
        variants,
    } = input
    else {
        return Ok(());
    };
    let known = plan_metrics(plan);
    let mut problems = Vec::new();
    let known_list = || known.iter().copied().collect::<Vec<_>>().join(", ");
    for (name, samples) in &metrics.0 {
        let path = join(&join(base, "metrics"), name);
        if !known.contains(name.as_str()) {
            problems.push(Problem::new(
                path,
                format!(
                    "metric `{name}` is not checked by any analysis of the plan (known: {})",
                    known_list()
                ),
            ));
        } else if !samples.is_empty() && samples.iter().all(|v| !v.is_finite()) {
            problems.push(Problem::new(
                path,
                "every sample is NaN (or infinite): the source is broken, not quiet; send an empty list for no data",
            ));
        }
    }
    for (i, name) in errors.iter().enumerate() {
        if !known.contains(name.as_str()) {
            problems.push(Problem::new(
                format!("{}[{i}]", join(base, "errors")),
                format!(
                    "metric `{name}` is not checked by any analysis of the plan (known: {})",
                    known_list()
                ),
            ));
        }
    }
    judge_step::check_samples(
        plan,
        &known,
        baseline.as_ref(),
        variants,
        base,
        &mut problems,
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidInput { problems })
    }
}

fn check_state(state: &RolloutState, stages: &[Stage<'_>], now: &Timestamp) -> Result<()> {
    if state.phase != RolloutPhase::Pending
        && !state.phase.is_terminal()
        && state.step >= stages.len()
    {
        return Err(Error::invalid_input(
            "state.step",
            format!(
                "step {} does not exist: the plan has {} steps",
                state.step,
                stages.len()
            ),
        ));
    }
    check_flag_state(state)?;
    if state.weight > 100 {
        return Err(Error::invalid_input(
            "state.weight",
            format!("a weight is 0 to 100, got {}", state.weight),
        ));
    }
    if state.phase == RolloutPhase::Paused && state.reason.is_none() {
        return Err(Error::invalid_input(
            "state.reason",
            "a paused rollout needs a reason",
        ));
    }
    let background = state.background.as_ref();
    if state.reason == Some(PauseReason::AnalysisFailed)
        && background.and_then(|b| b.breach.as_ref()).is_none()
    {
        return Err(Error::invalid_input(
            "state.background.breach",
            "a rollout paused with reason analysis_failed needs the breach of its background analysis",
        ));
    }
    if state.phase != RolloutPhase::Paused && background.is_some_and(|b| b.paused_from.is_some()) {
        return Err(Error::invalid_input(
            "state.background.paused_from",
            "only a paused rollout is held by its background analysis",
        ));
    }
    if let Some(since) = &state.since {
        if now < since {
            return Err(Error::invalid_input(
                "now",
                format!("must not be before the state's since ({now} < {since})"),
            ));
        }
    }
    Ok(())
}

/// The decision, from the states before and after.
fn decide(before: &RolloutState, after: &RolloutState) -> RolloutDecision {
    use RolloutPhase::*;
    match after.phase {
        RolledBack | Aborted => return RolloutDecision::RollBack,
        Succeeded => return RolloutDecision::Promote,
        Promoting if before.phase != Promoting => return RolloutDecision::Promote,
        _ => {}
    }
    if after.weight > before.weight || flag_advanced(before, after) {
        return RolloutDecision::Advance;
    }
    if after.phase == Paused && (before.phase != Paused || before.reason != after.reason) {
        return RolloutDecision::Pause;
    }
    if after.step != before.step || after.phase != before.phase {
        return RolloutDecision::Advance;
    }
    RolloutDecision::Continue
}

struct Machine<'a> {
    plan: &'a DeploymentPlan,
    policy: &'a RolloutPolicy,
    stages: &'a [Stage<'a>],
    now: &'a Timestamp,
    state: RolloutState,
    reasons: Vec<Reason>,
    warnings: Vec<Warning>,
}

/// What one observation did to the running analysis.
enum Verdict {
    Running,
    Passed,
    Failed {
        rule: BreachRule,
        metric: String,
        count: u32,
        limit: u32,
    },
    Inconclusive(String),
    NoData(String),
}

impl<'a> Machine<'a> {
    fn finish(self, before: &RolloutState, decision: RolloutDecision) -> RolloutStep {
        let _ = before;
        RolloutStep {
            state: self.state,
            decision,
            reasons: self.reasons,
            warnings: self.warnings,
        }
    }

    fn switched(&self, index: usize) -> bool {
        self.stages
            .iter()
            .take(index)
            .any(|s| matches!(s, Stage::Switch))
    }

    fn apply(&mut self, input: &RolloutInput) -> Result<()> {
        let phase = self.state.phase;
        match input {
            RolloutInput::Tick => match phase {
                RolloutPhase::Pending => self.start("a tick"),
                _ => self.tick(),
            },
            RolloutInput::Observation {
                metrics,
                errors,
                baseline,
                variants,
            } => {
                if phase == RolloutPhase::Pending {
                    self.reasons.push(reason(
                        "rollout.not_started",
                        "the rollout has not started; the observation is not counted",
                        Value::Null,
                    ));
                    return Ok(());
                }
                self.observe(metrics, errors, baseline.as_ref(), variants)
            }
            RolloutInput::Command {
                command,
                actor,
                reason: why,
            } => {
                let by = match actor {
                    Some(a) => format!(" by {a}"),
                    None => String::new(),
                };
                let why = why.clone().map(|w| format!(": {w}")).unwrap_or_default();
                match command {
                    RolloutCommand::Abort => {
                        self.reasons.push(reason(
                            "command.abort",
                            format!("aborted{by}{why}; all traffic back to the old version"),
                            json!({"actor": actor, "weight_before": self.state.weight}),
                        ));
                        self.terminate(RolloutPhase::Aborted);
                        Ok(())
                    }
                    RolloutCommand::Resume => match phase {
                        RolloutPhase::Pending => self.start(&format!("resume{by}")),
                        RolloutPhase::Paused if self.deny(RolloutCommand::Resume) => Ok(()),
                        RolloutPhase::Paused if self.held() => {
                            self.accept_background(&by, &why, actor.as_deref());
                            Ok(())
                        }
                        RolloutPhase::Paused => {
                            let rule = match self.state.reason {
                                Some(PauseReason::Inconclusive) | Some(PauseReason::NoData) => {
                                    "command.resume_accepts_analysis"
                                }
                                Some(PauseReason::JudgeMarginal | PauseReason::JudgeFailed) => {
                                    self.accept_judgement();
                                    "command.resume_accepts_judgement"
                                }
                                _ => "command.resume",
                            };
                            let what = if rule == "command.resume" {
                                "resumed".to_string()
                            } else if rule == "command.resume_accepts_judgement" {
                                "resumed: the judge's verdict is accepted".to_string()
                            } else {
                                "resumed: the paused analysis is accepted as passed".to_string()
                            };
                            self.reasons.push(reason(
                                rule,
                                format!("{what}{by}{why}"),
                                json!({"actor": actor, "reason": self.state.reason, "step": self.state.step}),
                            ));
                            self.state.analysis = None;
                            self.run_from(self.state.step.saturating_add(1))
                        }
                        _ => {
                            self.warnings.push(Warning::new(
                                "ignored_command",
                                "input.command",
                                format!(
                                    "resume is ignored: the rollout is {}, not paused",
                                    phase.as_str()
                                ),
                            ));
                            self.reasons.push(reason(
                                "command.resume",
                                "nothing to resume",
                                json!({"phase": phase}),
                            ));
                            Ok(())
                        }
                    },
                    RolloutCommand::Promote => {
                        if self.deny(RolloutCommand::Promote) {
                            return Ok(());
                        }
                        if phase == RolloutPhase::Paused
                            && matches!(
                                self.state.reason,
                                Some(PauseReason::JudgeMarginal | PauseReason::JudgeFailed)
                            )
                        {
                            // Promoting past a judge pause accepts the
                            // verdict as `resume` does: an experiment
                            // without a winner names its best variant.
                            self.accept_judgement();
                        }
                        self.promote(&by, &why)
                    }
                }
            }
        }
    }

    fn start(&mut self, what: &str) -> Result<()> {
        self.reasons.push(reason(
            "rollout.start",
            format!(
                "{what} starts the {} rollout",
                strategy_name(self.plan.strategy)
            ),
            json!({"strategy": self.plan.strategy}),
        ));
        self.run_from(0)
    }

    fn terminate(&mut self, phase: RolloutPhase) {
        self.state.phase = phase;
        self.state.weight = if phase == RolloutPhase::Succeeded {
            100
        } else {
            0
        };
        self.state.reason = None;
        self.state.resume_at = None;
        self.state.analysis = None;
        self.state.since = Some(self.now.clone());
        if let Some(b) = &mut self.state.background {
            b.paused_from = None;
        }
        if self.plan.strategy == Strategy::FeatureFlag {
            if let Some(r) = terminated(self.plan, &mut self.state, phase) {
                self.reasons.push(r);
            }
        }
    }

    /// True while the background analysis holds the rollout paused.
    fn held(&self) -> bool {
        self.state
            .background
            .as_ref()
            .is_some_and(|b| b.paused_from.is_some())
    }

    /// `resume` of a pause of the background analysis: back to where the
    /// rollout was; the inconclusive measurements so far are accepted (the
    /// counts start again from 0).
    fn accept_background(&mut self, by: &str, why: &str, actor: Option<&str>) {
        let Some(bg) = self.state.background.as_mut() else {
            return;
        };
        let Some(from) = bg.paused_from.take() else {
            return;
        };
        for t in bg.metrics.values_mut() {
            t.inconclusive = 0;
        }
        self.reasons.push(reason(
            "command.resume_accepts_background",
            format!(
                "resumed{by}{why}: the background analysis's {} is accepted; back to {}{}",
                self.state.reason.map(PauseReason::as_str).unwrap_or_default(),
                from.phase.as_str(),
                from.reason
                    .map(|r| format!(" ({})", r.as_str()))
                    .unwrap_or_default()
            ),
            json!({"actor": actor, "reason": self.state.reason, "step": self.state.step, "back_to": from}),
        ));
        self.state.phase = from.phase;
        self.state.reason = from.reason;
    }

    fn promote(&mut self, by: &str, why: &str) -> Result<()> {
        let switch = self.stages.iter().position(|s| matches!(s, Stage::Switch));
        match switch {
            Some(at) if self.state.step < at || self.state.phase == RolloutPhase::Pending => {
                let skipped = at.saturating_sub(self.state.step);
                self.reasons.push(reason(
                    "command.promote",
                    format!("promoted{by}{why}: switching traffic to the green stack now"),
                    json!({"skipped_steps": skipped}),
                ));
                self.state.analysis = None;
                self.run_from(at)
            }
            _ => {
                let remaining = self.stages.len().saturating_sub(self.state.step);
                self.reasons.push(reason(
                    "command.promote",
                    format!("promoted{by}{why}: all traffic to the new version, remaining steps skipped"),
                    json!({"skipped_steps": remaining, "weight_before": self.state.weight}),
                ));
                self.state.step = self.stages.len();
                self.terminate(RolloutPhase::Succeeded);
                Ok(())
            }
        }
    }

    fn tick(&mut self) -> Result<()> {
        if let (Some(Stage::Experiment(e)), RolloutPhase::Progressing) =
            (self.stages.get(self.state.step).copied(), self.state.phase)
        {
            return self.tick_experiment(e);
        }
        // Only a timed pause (or a wait while progressing / promoting) ends
        // with time: a pause for a human waits for a command.
        let timed = self.state.phase != RolloutPhase::Paused
            || self.state.reason == Some(PauseReason::Timed);
        if let Some(at) = self.state.resume_at.clone().filter(|_| timed) {
            if *self.now >= at {
                self.reasons.push(reason(
                    "step.wait_over",
                    format!("the wait of step {} ended at {at}", self.state.step),
                    json!({"resume_at": at}),
                ));
                return self.run_from(self.state.step.saturating_add(1));
            }
            self.reasons.push(reason(
                "step.waiting",
                format!("waiting until {at}"),
                json!({"resume_at": at}),
            ));
            return Ok(());
        }
        let what = match (self.state.phase, self.state.reason) {
            (RolloutPhase::Paused, Some(r)) => format!(
                "paused ({}): waiting for a command",
                serde_json::to_value(r)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ),
            _ if self.state.analysis.is_some() => "waiting for measurements".to_string(),
            _ => "nothing to do".to_string(),
        };
        self.reasons.push(reason(
            "step.waiting",
            what,
            json!({"step": self.state.step}),
        ));
        Ok(())
    }

    /// Enters stages from `index` on, running through those that complete
    /// at once (weights, the switch, zero waits).
    fn run_from(&mut self, mut index: usize) -> Result<()> {
        if let Some(b) = &mut self.state.background {
            b.paused_from = None;
        }
        self.state.reason = None;
        self.state.resume_at = None;
        self.state.analysis = None;
        self.state.since = Some(self.now.clone());
        loop {
            self.state.step = index;
            let promoted = self.switched(index);
            self.state.phase = if promoted {
                RolloutPhase::Promoting
            } else {
                RolloutPhase::Progressing
            };
            let Some(stage) = self.stages.get(index).copied() else {
                self.reasons.push(reason(
                    "rollout.complete",
                    "every step is done: all traffic on the new version",
                    json!({"steps": self.stages.len()}),
                ));
                self.terminate(RolloutPhase::Succeeded);
                return Ok(());
            };
            match stage {
                Stage::Weight(w) => {
                    if w != self.state.weight {
                        self.reasons.push(reason(
                            "step.set_weight",
                            format!("step {index}: weight {} → {w}", self.state.weight),
                            json!({"step": index, "from": self.state.weight, "to": w}),
                        ));
                    }
                    self.state.weight = self.state.weight.max(w);
                    index = index.saturating_add(1);
                }
                Stage::Flag(cohort, percentage) => {
                    let r = enter(self.plan, &mut self.state, index, cohort, percentage);
                    self.reasons.push(r);
                    index = index.saturating_add(1);
                }
                Stage::Switch => {
                    self.reasons.push(reason(
                        "step.switch",
                        format!("step {index}: traffic switched to the green stack"),
                        json!({"step": index}),
                    ));
                    self.state.weight = 100;
                    index = index.saturating_add(1);
                }
                Stage::Pause(Some(d)) => {
                    let at = add_secs(self.now, d)?;
                    self.reasons.push(reason(
                        "step.pause",
                        format!("step {index}: pause for {d} s, until {at}"),
                        json!({"step": index, "duration_secs": d, "resume_at": at}),
                    ));
                    self.state.phase = RolloutPhase::Paused;
                    self.state.reason = Some(PauseReason::Timed);
                    self.state.resume_at = Some(at);
                    return Ok(());
                }
                Stage::Pause(None) => {
                    self.reasons.push(reason(
                        "step.pause",
                        format!("step {index}: pause until resume or promote"),
                        json!({"step": index}),
                    ));
                    self.state.phase = RolloutPhase::Paused;
                    self.state.reason = Some(PauseReason::Step);
                    return Ok(());
                }
                Stage::AwaitPromotion => {
                    self.reasons.push(reason(
                        "step.await_promotion",
                        format!("step {index}: the green stack is ready; waiting for promote (auto_promote is off)"),
                        json!({"step": index}),
                    ));
                    self.state.phase = RolloutPhase::Paused;
                    self.state.reason = Some(PauseReason::AwaitingPromotion);
                    return Ok(());
                }
                Stage::Wait(d) if d <= 0 => {
                    index = index.saturating_add(1);
                }
                Stage::Wait(d) => {
                    let at = add_secs(self.now, d)?;
                    self.reasons.push(reason(
                        "step.scale_down_delay",
                        format!("step {index}: the blue stack is kept {d} s, until {at}"),
                        json!({"step": index, "duration_secs": d, "resume_at": at}),
                    ));
                    self.state.resume_at = Some(at);
                    return Ok(());
                }
                Stage::Analysis(a, what) => {
                    self.reasons.push(reason(
                        "step.analysis",
                        format!(
                            "step {index}: {what}{} starts ({} metric{})",
                            a.name
                                .as_ref()
                                .map(|n| format!(" `{n}`"))
                                .unwrap_or_default(),
                            a.metrics.len(),
                            if a.metrics.len() == 1 { "" } else { "s" }
                        ),
                        json!({"step": index, "metrics": a.metrics.iter().map(|m| &m.name).collect::<Vec<_>>()}),
                    ));
                    self.state.analysis = Some(AnalysisRun {
                        name: a.name.clone(),
                        metrics: a
                            .metrics
                            .iter()
                            .map(|m| (m.name.clone(), MetricTally::default()))
                            .collect(),
                    });
                    return Ok(());
                }
                Stage::Judge(j) => return self.enter_judge(index, j),
                Stage::Experiment(e) => return self.enter_experiment(index, e),
            }
        }
    }

    /// The background analysis, when it covers the current step (a
    /// non-big-bang plan with an `analysis`, from its `starting_step` on).
    fn background(&self) -> Option<&'a Analysis> {
        let a = self.plan.analysis.as_ref()?;
        (self.plan.strategy != Strategy::BigBang
            && !self.state.phase.is_terminal()
            && self.state.phase != RolloutPhase::Pending
            && self.state.step >= a.starting_step.unwrap_or(0))
        .then_some(a)
    }

    fn observe(
        &mut self,
        metrics: &SampleSet,
        errors: &[String],
        baseline: Option<&SampleSet>,
        variants: &BTreeMap<String, SampleSet>,
    ) -> Result<()> {
        let background = self.background();
        if let Some(bg) = background {
            if self.observe_background(bg, metrics, errors)? {
                return Ok(());
            }
        }
        let held = self
            .state
            .background
            .as_ref()
            .is_some_and(|b| b.paused_from.is_some());
        let analysis = match (self.stages.get(self.state.step), self.state.phase) {
            (Some(Stage::Analysis(a, _)), RolloutPhase::Progressing | RolloutPhase::Promoting)
                if self.state.analysis.is_some() =>
            {
                *a
            }
            (Some(Stage::Judge(j)), RolloutPhase::Progressing) => {
                return self.observe_judge(j, metrics, baseline);
            }
            (Some(Stage::Experiment(e)), RolloutPhase::Progressing) => {
                return self.observe_experiment(e, baseline, variants);
            }
            (Some(Stage::Analysis(..)), RolloutPhase::Paused)
                if held && self.state.analysis.is_some() =>
            {
                self.reasons.push(reason(
                    "analysis.held",
                    "the background analysis holds the rollout paused; the step's analysis does not count this observation",
                    json!({"step": self.state.step}),
                ));
                return Ok(());
            }
            _ => {
                if background.is_none() {
                    self.reasons.push(reason(
                        "analysis.not_running",
                        "no analysis is running at this step; the observation is not counted",
                        json!({"step": self.state.step, "phase": self.state.phase}),
                    ));
                }
                return Ok(());
            }
        };
        let limits = limits(analysis, self.policy);
        let mut run = self.state.analysis.clone().unwrap_or_default();
        let (measured, no_data_pause, _) = measure(
            analysis,
            limits.no_data,
            &mut run.metrics,
            metrics,
            errors,
            false,
        );
        self.reasons.push(reason(
            "analysis.measurement",
            format!(
                "measured {} metric{}",
                measured.len(),
                if measured.len() == 1 { "" } else { "s" }
            ),
            Value::Array(measured),
        ));
        let verdict = evaluate(&run.metrics, &limits, &no_data_pause);
        let data = limits.data(&run.metrics, true);
        self.state.analysis = Some(run);
        match verdict {
            Verdict::Running => {
                self.reasons.push(reason(
                    "analysis.running",
                    format!(
                        "the analysis needs {} measurement{} per metric",
                        limits.count,
                        if limits.count == 1 { "" } else { "s" }
                    ),
                    data,
                ));
                Ok(())
            }
            Verdict::Passed => {
                self.reasons.push(reason(
                    "analysis.passed",
                    "the analysis passed: every metric measured, no limit exceeded",
                    data,
                ));
                self.run_from(self.state.step.saturating_add(1))
            }
            Verdict::Failed {
                rule,
                metric,
                count,
                limit,
            } => {
                self.reasons.push(reason(
                    &rule_id("analysis", rule),
                    failed_message(rule, &metric, count, limit),
                    data,
                ));
                self.terminate(RolloutPhase::RolledBack);
                Ok(())
            }
            Verdict::Inconclusive(message) => {
                self.reasons
                    .push(reason("analysis.inconclusive_limit", message, data));
                self.state.phase = RolloutPhase::Paused;
                self.state.reason = Some(PauseReason::Inconclusive);
                Ok(())
            }
            Verdict::NoData(message) => {
                self.reasons.push(reason("analysis.no_data", message, data));
                self.state.phase = RolloutPhase::Paused;
                self.state.reason = Some(PauseReason::NoData);
                Ok(())
            }
        }
    }

    /// Measures an observation for the background analysis. Returns true
    /// when the observation is used up: a breach (rolled back, or paused
    /// under `on_failure: pause`), an earlier breach, or a new hold (the
    /// rollout paused, inconclusive or no data).
    fn observe_background(
        &mut self,
        bg: &Analysis,
        metrics: &SampleSet,
        errors: &[String],
    ) -> Result<bool> {
        let mut run = self
            .state
            .background
            .clone()
            .unwrap_or_else(|| BackgroundRun {
                name: bg.name.clone(),
                metrics: bg
                    .metrics
                    .iter()
                    .map(|m| (m.name.clone(), MetricTally::default()))
                    .collect(),
                paused_from: None,
                breach: None,
            });
        if let Some(breach) = &run.breach {
            self.reasons.push(reason(
                "background.breached",
                format!("{breach}; the observation is not counted"),
                json!({"breach": breach}),
            ));
            return Ok(true);
        }
        let limits = limits(bg, self.policy);
        let (measured, no_data_pause, values) =
            measure(bg, limits.no_data, &mut run.metrics, metrics, errors, true);
        if measured.is_empty() {
            self.reasons.push(reason(
                "background.not_measured",
                format!(
                    "the observation has none of the background analysis's metrics ({}); nothing counted for it",
                    bg.metrics
                        .iter()
                        .map(|m| format!("`{}`", m.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                json!({"step": self.state.step, "phase": self.state.phase}),
            ));
            return Ok(false);
        }
        self.reasons.push(reason(
            "background.measurement",
            format!(
                "background analysis: measured {} metric{} at step {} ({})",
                measured.len(),
                if measured.len() == 1 { "" } else { "s" },
                self.state.step,
                self.state.phase.as_str()
            ),
            Value::Array(measured),
        ));
        let on_failure = bg
            .on_failure
            .or(self.policy.analysis.on_failure)
            .unwrap_or_default();
        let mut data = limits.data(&run.metrics, false);
        if let Some(obj) = data.as_object_mut() {
            obj.insert("on_failure".into(), json!(on_failure));
            obj.insert("starting_step".into(), json!(bg.starting_step.unwrap_or(0)));
        }
        let verdict = evaluate(&run.metrics, &limits, &no_data_pause);
        let no_data_verdict = matches!(verdict, Verdict::NoData(_));
        match verdict {
            Verdict::Failed {
                rule,
                metric,
                count,
                limit,
            } => {
                let breach = Breach {
                    rule,
                    value: values.get(&metric).copied(),
                    metric,
                    count,
                    limit,
                    step: self.state.step,
                    at: self.now.clone(),
                };
                let pause = on_failure == OnFailure::Pause && self.state.weight < 100;
                let what = if pause {
                    "the rollout stays paused (on_failure pause): promote and resume are denied, abort ends it"
                } else if on_failure == OnFailure::Pause {
                    "roll back (at weight 100 a pause would leave all traffic on the new version)"
                } else {
                    "roll back"
                };
                self.reasons.push(reason(
                    &rule_id("background", rule),
                    format!("{breach}: {what}"),
                    data,
                ));
                run.breach = Some(breach);
                run.paused_from = None;
                self.state.background = Some(run);
                if pause {
                    self.state.phase = RolloutPhase::Paused;
                    self.state.reason = Some(PauseReason::AnalysisFailed);
                    self.state.resume_at = None;
                    self.state.analysis = None;
                } else {
                    self.terminate(RolloutPhase::RolledBack);
                }
                Ok(true)
            }
            Verdict::Inconclusive(message) | Verdict::NoData(message) => {
                let (rule, why) = if no_data_verdict {
                    ("background.no_data", PauseReason::NoData)
                } else {
                    ("background.inconclusive_limit", PauseReason::Inconclusive)
                };
                let held = run.paused_from.is_some();
                let message = if held {
                    format!("background analysis: {message} (already paused by it)")
                } else {
                    format!("background analysis: {message}")
                };
                self.reasons.push(reason(rule, message, data));
                if !held {
                    run.paused_from = Some(PausedFrom {
                        phase: self.state.phase,
                        reason: self.state.reason,
                    });
                    self.state.phase = RolloutPhase::Paused;
                    self.state.reason = Some(why);
                }
                self.state.background = Some(run);
                Ok(!held)
            }
            Verdict::Running | Verdict::Passed => {
                self.reasons.push(reason(
                    "background.running",
                    "background analysis: no limit exceeded",
                    data,
                ));
                self.state.background = Some(run);
                Ok(false)
            }
        }
    }

    /// Why a command that would raise the weight is denied: the breach of
    /// the background analysis, if there is one.
    fn deny(&mut self, command: RolloutCommand) -> bool {
        let Some(breach) = self
            .state
            .background
            .as_ref()
            .and_then(|b| b.breach.clone())
        else {
            return false;
        };
        let name = command_name(command);
        self.reasons.push(reason(
            "command.denied",
            format!("{name} is denied: {breach}"),
            json!({"command": command, "breach": breach}),
        ));
        self.warnings.push(Warning::new(
            "denied_command",
            "input.command",
            format!("{name} is denied: {breach}"),
        ));
        true
    }
}

enum Measured {
    Success,
    Failed,
    Inconclusive,
}

fn classify(c: &MetricCheck, v: f64) -> Measured {
    let below_min = c.min.is_some_and(|m| v < m);
    let above_max = c.max.is_some_and(|m| v > m);
    let below_fail = c.fail_below.is_some_and(|m| v < m);
    let above_fail = c.fail_above.is_some_and(|m| v > m);
    if below_fail
        || above_fail
        || (below_min && c.fail_below.is_none())
        || (above_max && c.fail_above.is_none())
    {
        Measured::Failed
    } else if below_min || above_max {
        Measured::Inconclusive
    } else {
        Measured::Success
    }
}

/// The value of one metric in one observation: the aggregate of its finite
/// samples; `None` when there are none (no data).
fn aggregate(samples: &[f64], how: Aggregate) -> Option<f64> {
    let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    let n = v.len() as f64;
    Some(match how {
        Aggregate::Mean => v.iter().sum::<f64>() / n,
        Aggregate::Max => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Aggregate::Min => v.iter().copied().fold(f64::INFINITY, f64::min),
        Aggregate::Median => {
            v.sort_unstable_by(f64::total_cmp);
            let mid = v.len() / 2;
            if v.len() % 2 == 1 {
                v.get(mid).copied()?
            } else {
                (v.get(mid.saturating_sub(1)).copied()? + v.get(mid).copied()?) / 2.0
            }
        }
    })
}

fn evaluate(
    tallies: &BTreeMap<String, MetricTally>,
    limits: &Limits,
    no_data_pause: &[String],
) -> Verdict {
    for (name, t) in tallies {
        let limit = limits.of(name).0;
        if t.failed > limit {
            return Verdict::Failed {
                rule: BreachRule::FailureLimit,
                metric: name.clone(),
                count: t.failed,
                limit,
            };
        }
    }
    for (name, t) in tallies {
        let limit = limits.of(name).2;
        if t.consecutive_errors > limit {
            return Verdict::Failed {
                rule: BreachRule::ConsecutiveErrorLimit,
                metric: name.clone(),
                count: t.consecutive_errors,
                limit,
            };
        }
    }
    for (name, t) in tallies {
        let limit = limits.of(name).1;
        if t.inconclusive > limit {
            return Verdict::Inconclusive(format!(
                "`{name}` was inconclusive {} time{} (inconclusive limit {limit}): pause for a human",
                t.inconclusive,
                if t.inconclusive == 1 { "" } else { "s" },
            ));
        }
    }
    if !no_data_pause.is_empty() {
        return Verdict::NoData(format!(
            "no data for {} (no-data policy pause): pause for a human",
            no_data_pause
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if tallies.values().all(|t| t.measurements >= limits.count) {
        Verdict::Passed
    } else {
        Verdict::Running
    }
}

/// The message of a failed analysis step (the words of the rule).
fn failed_message(rule: BreachRule, metric: &str, count: u32, limit: u32) -> String {
    match rule {
        BreachRule::FailureLimit => format!(
            "`{metric}` failed {count} time{} (failure limit {limit}): the analysis failed, roll back",
            if count == 1 { "" } else { "s" },
        ),
        BreachRule::ConsecutiveErrorLimit => format!(
            "`{metric}` could not be measured {count} times in a row (consecutive error limit {limit}): the analysis errored, roll back"
        ),
    }
}

fn rule_id(prefix: &str, rule: BreachRule) -> String {
    match rule {
        BreachRule::FailureLimit => format!("{prefix}.failure_limit"),
        BreachRule::ConsecutiveErrorLimit => format!("{prefix}.consecutive_error_limit"),
    }
}

/// Measures one observation into `tallies`: one entry per metric of the
/// analysis for the reasons, the metrics without data under the `pause`
/// policy, and each measured value. With `skip_absent` (the background
/// analysis), a metric neither in `metrics` nor in `errors` is not
/// measured.
fn measure(
    analysis: &Analysis,
    no_data: NoDataPolicy,
    tallies: &mut BTreeMap<String, MetricTally>,
    metrics: &SampleSet,
    errors: &[String],
    skip_absent: bool,
) -> (Vec<Value>, Vec<String>, BTreeMap<String, f64>) {
    let error_set: BTreeSet<&str> = errors.iter().map(String::as_str).collect();
    let mut measured = Vec::new();
    let mut no_data_pause = Vec::new();
    let mut values = BTreeMap::new();
    for check in &analysis.metrics {
        let samples = metrics.0.get(&check.name);
        let errored = error_set.contains(check.name.as_str());
        if skip_absent && samples.is_none() && !errored {
            continue;
        }
        let tally = tallies.entry(check.name.clone()).or_default();
        let outcome: &str = if errored {
            tally.errors = tally.errors.saturating_add(1);
            tally.consecutive_errors = tally.consecutive_errors.saturating_add(1);
            "error"
        } else {
            match samples.and_then(|s| aggregate(s, check.aggregate)) {
                None => {
                    tally.no_data = tally.no_data.saturating_add(1);
                    match no_data {
                        NoDataPolicy::Pass => {
                            tally.measurements = tally.measurements.saturating_add(1);
                            tally.successful = tally.successful.saturating_add(1);
                            tally.consecutive_errors = 0;
                            "no_data_pass"
                        }
                        NoDataPolicy::Fail => {
                            tally.measurements = tally.measurements.saturating_add(1);
                            tally.failed = tally.failed.saturating_add(1);
                            tally.consecutive_errors = 0;
                            "no_data_fail"
                        }
                        NoDataPolicy::Pause => {
                            no_data_pause.push(check.name.clone());
                            "no_data"
                        }
                    }
                }
                Some(v) => {
                    tally.measurements = tally.measurements.saturating_add(1);
                    tally.consecutive_errors = 0;
                    match classify(check, v) {
                        Measured::Success => {
                            tally.successful = tally.successful.saturating_add(1);
                            "successful"
                        }
                        Measured::Failed => {
                            tally.failed = tally.failed.saturating_add(1);
                            "failed"
                        }
                        Measured::Inconclusive => {
                            tally.inconclusive = tally.inconclusive.saturating_add(1);
                            "inconclusive"
                        }
                    }
                }
            }
        };
        let value = samples.and_then(|s| aggregate(s, check.aggregate));
        if let Some(v) = value {
            values.insert(check.name.clone(), v);
        }
        measured.push(json!({
            "metric": check.name,
            "value": value,
            "result": outcome,
            "min": check.min, "max": check.max,
            "fail_below": check.fail_below, "fail_above": check.fail_above,
        }));
    }
    (measured, no_data_pause, values)
}
