//! Deployment strategies (docs/rollout.md): what a rollout does next, and whether a
//! canary is healthy.
//!
//! Decides: the next state of a `big_bang`, `phased`, `blue_green`,
//! `canary` or `feature_flag` rollout and the decision (`continue`, `advance`, `pause`,
//! `promote`, `roll_back`) with its reasons, from the plan (a release's
//! [`DeploymentPlan`]), the current [`RolloutState`], one
//! [`RolloutInput`] (an observation, a tick or a command) and `now`
//! ([`rollout_step`]); and the verdict of a canary against its baseline
//! from metric samples ([`judge_canary`]: Mann-Whitney U, Hodges–Lehmann
//! shift with a Moses interval, a weighted score).
//!
//! Needs: the plan, the state the previous step returned (the default
//! state is `pending`), the input, `now`, and the policy's `rollout`
//! section for the defaults (analysis limits, judge thresholds, blue-green
//! settings). Pure: no clock, no randomness. docs/rollout.md has the state
//! diagram and every rule.
//!
//! ```
//! use relman::rollout::{rollout_step, RolloutDecision, RolloutInput, RolloutPhase, RolloutState};
//! use relman::{DeploymentPlan, Timestamp};
//!
//! let plan: DeploymentPlan = serde_json::from_str(r#"{"strategy": "canary", "steps": [
//!     {"set_weight": 10}, {"pause": {"duration_secs": 600}}, {"set_weight": 100}]}"#)?;
//! let t0: Timestamp = "2026-12-01T10:00:00Z".parse()?;
//! let step = rollout_step(&plan, &RolloutState::default(), &RolloutInput::Tick, &t0)?;
//! assert_eq!(step.decision, RolloutDecision::Advance);
//! assert_eq!((step.state.phase, step.state.weight), (RolloutPhase::Paused, 10));
//!
//! let t1: Timestamp = "2026-12-01T10:10:00Z".parse()?;
//! let done = rollout_step(&plan, &step.state, &RolloutInput::Tick, &t1)?;
//! assert_eq!(done.decision, RolloutDecision::Promote);
//! assert_eq!(done.state.phase, RolloutPhase::Succeeded);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod flag;
mod judge;
mod machine;
pub mod sources;
pub mod stats;

pub use crate::document::flag::{FlagCohort, COHORTS};
pub use crate::document::judge_step::{
    check_experiment_step, check_judge_step, ExperimentStep, JudgeAction, JudgeStep, Variant,
};
pub use crate::document::plan::{
    check_plan, plan_metrics, Aggregate, Analysis, CanaryStep, MetricCheck, NoDataPolicy,
    OnFailure, PauseStep, Wave, MAX_DURATION_SECS,
};
pub use judge::{
    judge_canary, judge_canary_with_limits, judge_canary_with_policy, BadDirection,
    CanaryJudgement, CanaryVerdict, Classification, JudgeConfig, JudgedMetric, MetricJudgement,
    SampleSummary, ShiftReport, UTestReport,
};
pub use machine::{
    rollout_step, rollout_step_with_policy, AnalysisRun, BackgroundRun, Breach, BreachRule,
    ExperimentRun, MetricTally, PauseReason, PausedFrom, Reason, RolloutCommand, RolloutDecision,
    RolloutInput, RolloutPhase, RolloutState, RolloutStep, VariantVerdict,
};
pub use sources::{
    import_metrics, ImportOptions, ImportedMetric, MetricFormat, MetricImport, MetricStatus,
    Selector, SideReport, SideStatus,
};

use crate::document::{DeploymentPlan, Extra};
use crate::error::{Error, Result, Warning};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Metric samples by metric name. In JSON each metric is a number or a
/// list of numbers; `null` stands for NaN (JSON has no NaN), and NaN is
/// written back as `null`. NaN and infinite samples are dropped (and
/// counted); a non-empty list with only NaN is an error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleSet(pub BTreeMap<String, Vec<f64>>);

impl SampleSet {
    /// An empty set.
    pub fn new() -> Self {
        SampleSet::default()
    }

    /// Adds (replaces) the samples of a metric.
    pub fn with(mut self, metric: impl Into<String>, samples: Vec<f64>) -> Self {
        self.0.insert(metric.into(), samples);
        self
    }
}

enum OneOrMany {
    One(Option<f64>),
    Many(Vec<Option<f64>>),
}

struct OneOrManyVisitor;

impl<'de> serde::de::Visitor<'de> for OneOrManyVisitor {
    type Value = OneOrMany;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number, null (NaN) or a list of numbers and nulls")
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<OneOrMany, E> {
        Ok(OneOrMany::One(Some(v)))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<OneOrMany, E> {
        Ok(OneOrMany::One(Some(v as f64)))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<OneOrMany, E> {
        Ok(OneOrMany::One(Some(v as f64)))
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<OneOrMany, E> {
        Ok(OneOrMany::One(None))
    }

    fn visit_none<E: serde::de::Error>(self) -> std::result::Result<OneOrMany, E> {
        Ok(OneOrMany::One(None))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<OneOrMany, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
        while let Some(v) = seq.next_element::<Option<f64>>()? {
            out.push(v);
        }
        Ok(OneOrMany::Many(out))
    }
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(OneOrManyVisitor)
    }
}

impl<'de> Deserialize<'de> for SampleSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = BTreeMap::<String, OneOrMany>::deserialize(d)?;
        let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
        Ok(SampleSet(
            raw.into_iter()
                .map(|(k, v)| {
                    let samples = match v {
                        OneOrMany::One(x) => vec![nan(x)],
                        OneOrMany::Many(xs) => xs.into_iter().map(nan).collect(),
                    };
                    (k, samples)
                })
                .collect(),
        ))
    }
}

impl Serialize for SampleSet {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        // serde_json writes NaN as null.
        self.0.serialize(s)
    }
}

impl JsonSchema for SampleSet {
    fn schema_name() -> Cow<'static, str> {
        "SampleSet".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "Samples by metric name: a number or a list of numbers (null for NaN).",
            "type": "object",
            "additionalProperties": {
                "anyOf": [
                    {"type": ["number", "null"]},
                    {"type": "array", "items": {"type": ["number", "null"]}}
                ]
            }
        })
    }
}

/// A rollout to replay: a plan, the state to start from (default
/// `pending`) and the inputs in order, each with its time. The input of
/// `relman rollout`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RolloutReplay {
    /// Document schema version (current: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// The deployment plan (as in a release's `deployment`).
    pub plan: DeploymentPlan,
    /// The state to start from (default `pending`).
    #[serde(default)]
    pub state: RolloutState,
    /// The inputs, in time order.
    pub inputs: Vec<TimedInput>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One input of a replay with its time: `{"at": "…", "kind": "tick"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TimedInput {
    /// When the input happened (the `now` of its step).
    pub at: crate::Timestamp,
    /// The input.
    #[serde(flatten)]
    pub input: RolloutInput,
}

/// The result of [`replay`]: every step in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RolloutReplayResult {
    /// One entry per input.
    pub steps: Vec<ReplayedStep>,
    /// The state after the last input.
    pub state: RolloutState,
    /// The decisions, in order (a summary of `steps`).
    pub decisions: Vec<RolloutDecision>,
    /// Warnings of the whole replay (each step keeps its own too).
    pub warnings: Vec<Warning>,
}

/// One replayed input and its step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReplayedStep {
    /// The input's index in `inputs`.
    pub index: usize,
    /// When.
    pub at: crate::Timestamp,
    /// The input.
    pub input: RolloutInput,
    /// The decision.
    pub decision: RolloutDecision,
    /// The state after the step.
    pub state: RolloutState,
    /// Why.
    pub reasons: Vec<Reason>,
    /// What was odd.
    pub warnings: Vec<Warning>,
}

/// Replays inputs against a plan, one [`rollout_step_with_policy`] each,
/// from `replay.state`. Errors name the input: `inputs[3].metrics.x`.
pub fn replay(
    replay: &RolloutReplay,
    policy: &crate::policy::RolloutPolicy,
) -> Result<RolloutReplayResult> {
    let mut state = replay.state.clone();
    let mut steps = Vec::with_capacity(replay.inputs.len());
    let mut warnings = Vec::new();
    for (i, timed) in replay.inputs.iter().enumerate() {
        let base = format!("inputs[{i}]");
        let step = rollout_step_with_policy(&replay.plan, &state, &timed.input, &timed.at, policy)
            .map_err(|e| rebase(e, i, &base))?;
        warnings.extend(step.warnings.iter().map(|w| Warning {
            path: rebase_path(&w.path, &base),
            ..w.clone()
        }));
        state = step.state.clone();
        steps.push(ReplayedStep {
            index: i,
            at: timed.at.clone(),
            input: timed.input.clone(),
            decision: step.decision,
            state: step.state,
            reasons: step.reasons,
            warnings: step.warnings,
        });
    }
    Ok(RolloutReplayResult {
        decisions: steps.iter().map(|s| s.decision).collect(),
        steps,
        state,
        warnings,
    })
}

/// Checks one input of a replay against the plan (metric names, NaN-only
/// samples), with paths under `base` (e.g. `inputs[3]`).
pub fn check_input_at(plan: &DeploymentPlan, input: &RolloutInput, base: &str) -> Result<()> {
    machine::check_input(plan, input, base)
}

fn rebase_path(path: &str, base: &str) -> String {
    if let Some(rest) = path.strip_prefix("input") {
        format!("{base}{rest}")
    } else if path == "now" {
        format!("{base}.at")
    } else {
        path.to_string()
    }
}

fn rebase(e: Error, _i: usize, base: &str) -> Error {
    match e {
        Error::InvalidInput { problems } => Error::InvalidInput {
            problems: problems
                .into_iter()
                .map(|mut p| {
                    p.path = rebase_path(&p.path, base);
                    p
                })
                .collect(),
        },
        other => other,
    }
}

/// The input of `relman judge`: the baseline and canary samples and the
/// config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CanaryComparison {
    /// Document schema version (current: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Samples of the baseline (the old version).
    pub baseline: SampleSet,
    /// Samples of the canary (the new version).
    pub canary: SampleSet,
    /// How to judge (default: every metric, policy defaults).
    #[serde(default)]
    pub config: JudgeConfig,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}
