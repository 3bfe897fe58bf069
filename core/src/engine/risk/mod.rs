//! Risk scoring (`docs/risk.md`): how risky a release is, and why.
//!
//! Decides: a score from 0 to 100, a level by the policy's bands, and for
//! each of ten factors its value (0–1), weight, contribution in points, the
//! inputs it used and a one-sentence explanation ([`assess_risk`]); with a
//! fitted model in the policy, the predicted failure probability too.
//! [`fit_risk_model`] learns that model from past releases and their
//! outcomes.
//!
//! Needs: the release and a [`Context`] whose every part is optional — the
//! policy (weights, bands, neutral values, prior, model), the CMDB (CI
//! criticality, blast radius), the calendar (maintenance windows,
//! blackouts), the schedule (dependencies) and the history (track record).
//! A factor whose input is missing says so and uses a documented neutral
//! value. Formulas: `docs/risk.md`. One file per factor under
//! `factors/`, each named by a [`FactorName`] and weighted by name.

mod batch;
mod blast;
mod factors;
mod fit;

pub use batch::{assess_risk_batch, BatchError, RiskBatch};
pub use blast::{blast_radius, BlastRadius};
pub use fit::{fit_risk_model, FitOptions, FitQuality, FitSamples, FittedRiskModel};

use crate::document::FactorName;
use crate::error::{Error, Result, Warning};
use crate::policy::RiskModel;
use crate::{Calendar, Context, Policy, Release, RiskLevel};
use blast::CmdbIndex;
use factors::{ScheduleIndex, TrackIndex};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// One factor of a risk score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Factor {
    /// The factor name (`change_size`, `ci_criticality`, …).
    pub name: String,
    /// How risky the release is on this factor, from 0 to 1.
    pub value: f64,
    /// The factor's weight in the policy.
    pub weight: f64,
    /// Points this factor adds to the score: `value · weight · 100 / Σ weight`.
    pub contribution: f64,
    /// The numbers (and names) the factor used.
    pub inputs: Map<String, Value>,
    /// Why the factor has this value, in one sentence.
    pub explanation: String,
}

/// The verdict of [`assess_risk`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RiskAssessment {
    /// The release assessed.
    pub release_id: String,
    /// The score from 0 to 100: the sum of the contributions.
    pub score: f64,
    /// The level of the score by the policy's bands.
    pub level: RiskLevel,
    /// The predicted failure probability, when the policy has a fitted
    /// model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_probability: Option<f64>,
    /// Every factor, in a fixed order.
    pub factors: Vec<Factor>,
    /// What was odd but not fatal (e.g. CIs unknown to the CMDB).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl RiskAssessment {
    /// The factor with this name.
    pub fn factor(&self, name: &str) -> Option<&Factor> {
        self.factors.iter().find(|f| f.name == name)
    }
}

/// The level of a score by the policy's bands: `low` below `medium`,
/// `critical` at or above `critical`.
pub fn level_of(score: f64, policy: &Policy) -> RiskLevel {
    let b = &policy.risk.bands;
    if score >= b.critical {
        RiskLevel::Critical
    } else if score >= b.high {
        RiskLevel::High
    } else if score >= b.medium {
        RiskLevel::Medium
    } else {
        RiskLevel::Low
    }
}

/// A context prepared for assessing many releases: the policy checked, the
/// CMDB indexed as a graph, the history indexed by service. Building it
/// costs about as much as reading the context once; each assessment then
/// costs only what the release needs.
#[derive(Debug)]
pub struct RiskAssessor<'a> {
    policy: Cow<'a, Policy>,
    cmdb: Option<CmdbIndex<'a>>,
    calendar: Option<&'a Calendar>,
    track: Option<TrackIndex<'a>>,
    schedule: Option<ScheduleIndex<'a>>,
}

impl<'a> RiskAssessor<'a> {
    /// Prepares `context`. Errors: an inconsistent policy
    /// (`invalid_policy`, paths under `policy`), duplicate CI ids or a
    /// relationship to a CI not in the CMDB (`invalid_input`, paths under
    /// `cmdb` or `schedule.cmdb`).
    pub fn new(context: &'a Context) -> Result<Self> {
        let policy = match &context.policy {
            Some(p) => Cow::Borrowed(p),
            None => Cow::Owned(Policy::default()),
        };
        let problems = policy.check("policy");
        if !problems.is_empty() {
            return Err(Error::InvalidPolicy { problems });
        }
        policy.check_limits("policy")?;
        let schedule = context.schedule.as_ref();
        let cmdb = match (&context.cmdb, schedule.and_then(|s| s.cmdb.as_ref())) {
            (Some(c), _) => Some(CmdbIndex::new(c, "cmdb")?),
            (None, Some(c)) => Some(CmdbIndex::new(c, "schedule.cmdb")?),
            (None, None) => None,
        };
        let calendar = context
            .calendar
            .as_ref()
            .or_else(|| schedule.and_then(|s| s.calendar.as_ref()));
        Ok(RiskAssessor {
            policy,
            cmdb,
            calendar,
            track: context.history.as_ref().map(TrackIndex::new),
            schedule: schedule.map(ScheduleIndex::new),
        })
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Assesses one release.
    pub fn assess(&self, release: &Release) -> Result<RiskAssessment> {
        self.assess_as_of(release, None)
    }

    /// Assesses one release counting only history finished before `as_of`
    /// (Unix seconds), as model fitting must.
    pub(crate) fn assess_as_of(
        &self,
        release: &Release,
        as_of: Option<i64>,
    ) -> Result<RiskAssessment> {
        let mut warnings = Vec::new();
        let computed = factors::compute(self, release, as_of, &mut warnings);
        let policy: &Policy = &self.policy;
        let weights = &policy.risk.weights;
        let total: f64 = FactorName::ALL
            .into_iter()
            .map(|name| factors::weight(weights, name))
            .sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(Error::invalid_policy(
                "policy.risk.weights",
                "weights must not all be zero",
            ));
        }
        let mut out = Vec::with_capacity(computed.len());
        let mut score = 0.0;
        for (name, c) in computed {
            let weight = factors::weight(weights, name);
            let value = c.value.clamp(0.0, 1.0);
            let contribution = value * weight * 100.0 / total;
            score += contribution;
            out.push(Factor {
                name: name.as_str().to_string(),
                value,
                weight,
                contribution,
                inputs: c.inputs,
                explanation: c.explanation,
            });
        }
        let failure_probability = policy
            .risk
            .model
            .as_ref()
            .map(|m| predict(m, out.iter().map(|f| (f.name.as_str(), f.value))));
        // Rounding can carry the sum a few ulps past 100 when every weighted
        // value is 1; the score stays in 0–100 (contributions still sum to it
        // within 1e-12).
        let score = score.clamp(0.0, 100.0);
        Ok(RiskAssessment {
            release_id: release.id.clone(),
            score,
            level: level_of(score, policy),
            failure_probability,
            factors: out,
            warnings,
        })
    }
}

/// The logistic function, stable for large |x|.
pub(crate) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The failure probability a fitted model gives to factor values.
pub(crate) fn predict<'n>(model: &RiskModel, values: impl Iterator<Item = (&'n str, f64)>) -> f64 {
    let mut z = model.intercept;
    for (name, value) in values {
        let (Some(c), Some(m), Some(s)) = (
            model.coefficients.get(name),
            model.means.get(name),
            model.stds.get(name),
        ) else {
            continue;
        };
        if *s > 0.0 {
            z += c * (value - m) / s;
        }
    }
    sigmoid(z)
}

/// Assesses the risk of a release: score, level, every factor with its
/// inputs and explanation, and with a fitted model in the policy the
/// failure probability.
///
/// The verdict is data, however high the risk. Errors: an inconsistent
/// policy (`invalid_policy`), a CMDB with duplicate CI ids or a
/// relationship to a missing CI (`invalid_input` with the path). A CI the
/// release names that is not in the CMDB is a warning (`unknown_ci`).
///
/// ```
/// use relman::{assess_risk, Context, Release, RiskLevel};
///
/// let release: Release = relman::parse(include_str!("../../../../examples/data/release-minor.json"))?.document;
/// let assessment = assess_risk(&release, &Context::default())?;
/// let sum: f64 = assessment.factors.iter().map(|f| f.contribution).sum();
/// assert!((sum - assessment.score).abs() < 1e-9);
/// assert_eq!(assessment.factors.len(), 10);
/// # Ok::<(), relman::Error>(())
/// ```
pub fn assess_risk(release: &Release, context: &Context) -> Result<RiskAssessment> {
    RiskAssessor::new(context)?.assess(release)
}

/// Assesses many releases against one context, preparing the context (the
/// policy check, the CMDB graph, the history index) once. One result per
/// release, in order; an error of the context is repeated for each.
pub fn assess_risk_many(releases: &[Release], context: &Context) -> Vec<Result<RiskAssessment>> {
    match RiskAssessor::new(context) {
        Ok(assessor) => releases.iter().map(|r| assessor.assess(r)).collect(),
        Err(e) => releases.iter().map(|_| Err(e.clone())).collect(),
    }
}
