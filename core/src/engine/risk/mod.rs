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
mod conditions;
mod factors;
mod fit;

pub use batch::{assess_batch_with, assess_risk_batch, BatchError, RiskBatch};
pub(crate) use batch::{verdicts_with, VerdictBatch};
pub use blast::{blast_radius, BlastRadius};
pub use conditions::{ConditionMatch, ConditionMatched, MatchedChange, MatchedCi};
pub use fit::{fit_risk_model, FitOptions, FitQuality, FitSamples, FittedRiskModel};

use crate::document::{FactorName, ReleaseKind};
use crate::error::{Error, Result, Warning};
use crate::foundation::parallel;
use crate::policy::{Gates, RiskAggregation, RiskModel};
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
    /// Points this factor adds to the score: `value · weight · 100 / Σ weight`
    /// under the default `weighted_mean` aggregation (docs/risk.md,
    /// "Aggregation"); the contributions always sum to the score.
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
    /// The assessed level: the level of the score by the policy's bands,
    /// raised to the level of every matching risk condition.
    pub level: RiskLevel,
    /// The level of the score alone, when a risk condition matched (absent
    /// otherwise: then `level` is the score's level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_level: Option<RiskLevel>,
    /// The aggregation of the score, when it is not the default
    /// `weighted_mean`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<RiskAggregation>,
    /// The predicted failure probability, when the policy has a fitted
    /// model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_probability: Option<f64>,
    /// Every factor, in a fixed order.
    pub factors: Vec<Factor>,
    /// The risk conditions of the policy that matched, in policy order
    /// (absent when none did).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<ConditionMatch>,
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
/// CMDB compiled into a graph over dense CI numbers (with the depth-bounded
/// reach of each CI precomputed), the history indexed by service, the gates
/// of each release kind and the model's terms resolved. Building it costs
/// about as much as reading the context once; each assessment then costs
/// only what the release needs. `Send + Sync`: one assessor serves every
/// thread.
#[derive(Debug)]
pub struct RiskAssessor<'a> {
    policy: Cow<'a, Policy>,
    cmdb: Option<CmdbIndex<'a>>,
    calendar: Option<Cow<'a, Calendar>>,
    /// The calendar's recurrences, parsed once.
    calendar_rules: factors::CalendarRules,
    track: Option<TrackIndex>,
    schedule: Option<ScheduleIndex>,
    /// The gates of each release kind (major, minor, patch, emergency).
    gates: [Gates; 4],
    /// Σ weight over the factors.
    total_weight: f64,
    /// The largest weight.
    max_weight: f64,
    /// The policy's risk conditions, compiled.
    conditions: Vec<conditions::Compiled>,
    /// The fitted model's intercept and, per factor in report order, its
    /// (coefficient, mean, std) when the model has all three.
    model: Option<(f64, [Option<ModelTerm>; 10])>,
}

/// One factor's (coefficient, training mean, training std) in a model.
type ModelTerm = (f64, f64, f64);

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
            .or_else(|| schedule.and_then(|s| s.calendar.as_ref()))
            .map(Cow::Borrowed);
        Ok(RiskAssessor::compile(
            policy,
            cmdb,
            calendar,
            context.history.as_ref().map(TrackIndex::new),
            schedule.map(ScheduleIndex::new),
        ))
    }

    /// The rest of [`RiskAssessor::new`] once the policy is checked and the
    /// CMDB indexed: the per-CI reach, the gates, the weights, the model.
    fn compile(
        policy: Cow<'a, Policy>,
        mut cmdb: Option<CmdbIndex<'a>>,
        calendar: Option<Cow<'a, Calendar>>,
        track: Option<TrackIndex>,
        schedule: Option<ScheduleIndex>,
    ) -> Self {
        if let Some(index) = &mut cmdb {
            index.prepare_reach(policy.risk.blast_radius_depth);
        }
        let lifecycle = &policy.lifecycle;
        let gates = [
            ReleaseKind::Major,
            ReleaseKind::Minor,
            ReleaseKind::Patch,
            ReleaseKind::Emergency,
        ]
        .map(|kind| lifecycle.gates(kind));
        let weights = &policy.risk.weights;
        let total_weight: f64 = FactorName::ALL
            .into_iter()
            .map(|name| factors::weight(weights, name))
            .sum();
        let max_weight = FactorName::ALL
            .into_iter()
            .map(|name| factors::weight(weights, name))
            .fold(0.0_f64, f64::max);
        let conditions = conditions::compile(&policy.risk);
        let model = policy.risk.model.as_ref().map(|m| {
            let terms = FactorName::ALL.map(|name| {
                let key = name.as_str();
                match (m.coefficients.get(key), m.means.get(key), m.stds.get(key)) {
                    (Some(c), Some(mean), Some(s)) => Some((*c, *mean, *s)),
                    _ => None,
                }
            });
            (m.intercept, terms)
        });
        let calendar_rules = calendar
            .as_deref()
            .map(factors::CalendarRules::new)
            .unwrap_or_default();
        RiskAssessor {
            policy,
            cmdb,
            calendar,
            calendar_rules,
            track,
            schedule,
            gates,
            total_weight,
            max_weight,
            conditions,
            model,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The gates of a release kind, resolved once.
    pub(crate) fn gates(&self, kind: ReleaseKind) -> &Gates {
        let [major, minor, patch, emergency] = &self.gates;
        match kind {
            ReleaseKind::Major => major,
            ReleaseKind::Minor => minor,
            ReleaseKind::Patch => patch,
            ReleaseKind::Emergency => emergency,
        }
    }

    /// Assesses one release.
    pub fn assess(&self, release: &Release) -> Result<RiskAssessment> {
        self.verdict(release).map(|v| v.render())
    }

    /// Assesses one release straight to the JSON text of its
    /// [`RiskAssessment`] (what a host that hands the result on as JSON
    /// gets): the bytes of `serde_json::to_string(&self.assess(release)?)`
    /// written from the typed verdict, no map or `Value` built.
    pub fn assess_json(&self, release: &Release) -> Result<String> {
        let verdict = self.verdict(release)?;
        serde_json::to_string(&verdict)
            .map_err(|e| Error::internal(format!("cannot write the result: {e}")))
    }

    /// Assesses one release into the typed [`RiskVerdict`]: score, level,
    /// probability and factor values, with the inputs and explanations
    /// kept as data and rendered only by [`RiskVerdict::render`].
    pub fn verdict<'s>(&'s self, release: &'s Release) -> Result<RiskVerdict<'s>> {
        self.verdict_as_of(release, None)
    }

    /// Assesses one release counting only history finished before `as_of`
    /// (Unix seconds), as model fitting must.
    pub(crate) fn verdict_as_of<'s>(
        &'s self,
        release: &'s Release,
        as_of: Option<i64>,
    ) -> Result<RiskVerdict<'s>> {
        let mut warnings = Vec::new();
        let (computed, known) = factors::compute(self, release, as_of, &mut warnings);
        let policy: &Policy = &self.policy;
        let weights = &policy.risk.weights;
        let total = self.total_weight;
        if !(total > 0.0 && total.is_finite()) {
            return Err(Error::invalid_policy(
                "policy.risk.weights",
                "weights must not all be zero",
            ));
        }
        let aggregation = policy.risk.aggregation;
        let mut score = 0.0;
        let mut factors = computed.map(|(name, c)| {
            let weight = factors::weight(weights, name);
            let value = c.value.clamp(0.0, 1.0);
            let contribution = value * weight * 100.0 / total;
            score += contribution;
            VerdictFactor {
                name,
                value,
                weight,
                contribution,
                detail: c.detail,
            }
        });
        if aggregation != RiskAggregation::WeightedMean {
            score = aggregate(aggregation, self.max_weight, &mut factors);
        }
        let failure_probability = self.model.as_ref().map(|(intercept, terms)| {
            let mut z = *intercept;
            for (f, term) in factors.iter().zip(terms) {
                if let Some((c, m, s)) = term {
                    if *s > 0.0 {
                        z += c * (f.value - m) / s;
                    }
                }
            }
            sigmoid(z)
        });
        // Rounding can carry the sum a few ulps past 100 when every weighted
        // value is 1; the score stays in 0–100 (contributions still sum to it
        // within 1e-12).
        let score = score.clamp(0.0, 100.0);
        let score_level = level_of(score, policy);
        let hits = conditions::evaluate(
            &self.conditions,
            &policy.risk,
            self.cmdb.as_ref(),
            release,
            &known,
            &mut warnings,
        );
        let level = hits
            .iter()
            .map(|h| h.level)
            .fold(score_level, RiskLevel::max);
        Ok(RiskVerdict {
            release_id: &release.id,
            score,
            level,
            score_level,
            aggregation,
            failure_probability,
            factors,
            hits,
            warnings,
        })
    }
}

impl RiskAssessor<'static> {
    /// Prepares a context it takes over, for a host (or a binding) that
    /// keeps the assessor without keeping the context: the same checks,
    /// errors and verdicts as [`RiskAssessor::new`].
    pub fn from_context(context: Context) -> Result<Self> {
        let Context {
            policy,
            cmdb,
            calendar,
            mut schedule,
            history,
            ..
        } = context;
        let policy = policy.unwrap_or_default();
        let problems = policy.check("policy");
        if !problems.is_empty() {
            return Err(Error::InvalidPolicy { problems });
        }
        policy.check_limits("policy")?;
        let schedule_cmdb = schedule.as_mut().and_then(|s| s.cmdb.take());
        let schedule_calendar = schedule.as_mut().and_then(|s| s.calendar.take());
        let cmdb = match (cmdb, &schedule_cmdb) {
            (Some(c), _) => Some(CmdbIndex::owned(c, "cmdb")?),
            (None, Some(c)) => Some(CmdbIndex::owned(c.clone(), "schedule.cmdb")?),
            (None, None) => None,
        };
        // Conflict detection reads the schedule with its own CMDB and
        // calendar: give them back before indexing it.
        let index = schedule.map(|mut s| {
            s.cmdb = schedule_cmdb;
            s.calendar = schedule_calendar.clone();
            ScheduleIndex::new(&s)
        });
        let calendar = calendar.or(schedule_calendar).map(Cow::Owned);
        Ok(RiskAssessor::compile(
            Cow::Owned(policy),
            cmdb,
            calendar,
            history.as_ref().map(TrackIndex::new),
            index,
        ))
    }
}

/// The score of a non-default aggregation (docs/risk.md, "Aggregation"),
/// rewriting each factor's contribution so that they sum to it. With
/// `pᵢ = vᵢ · wᵢ / w_max` (the weighted value relative to the heaviest
/// factor, in 0–1): `max` scores `100 · max pᵢ`, shared equally by the
/// factors that reach it; `noisy_or` scores `100 · (1 − Π(1 − pᵢ))`,
/// shared in proportion to `pᵢ`.
fn aggregate(
    aggregation: RiskAggregation,
    max_weight: f64,
    factors: &mut [VerdictFactor<'_>],
) -> f64 {
    let p = |f: &VerdictFactor<'_>| {
        if max_weight > 0.0 {
            (f.value * f.weight / max_weight).clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    match aggregation {
        RiskAggregation::WeightedMean => factors.iter().map(|f| f.contribution).sum(),
        RiskAggregation::Max => {
            let top = factors.iter().map(p).fold(0.0_f64, f64::max);
            let ties = factors.iter().filter(|f| top > 0.0 && p(f) == top).count();
            let score = 100.0 * top;
            let share = if ties > 0 { score / ties as f64 } else { 0.0 };
            for f in factors.iter_mut() {
                f.contribution = if top > 0.0 && p(f) == top { share } else { 0.0 };
            }
            score
        }
        RiskAggregation::NoisyOr => {
            let none: f64 = factors.iter().map(|f| 1.0 - p(f)).product();
            let score = (100.0 * (1.0 - none)).clamp(0.0, 100.0);
            let sum: f64 = factors.iter().map(p).sum();
            for f in factors.iter_mut() {
                f.contribution = if sum > 0.0 { score * p(f) / sum } else { 0.0 };
            }
            score
        }
    }
}

/// One factor of a [`RiskVerdict`], its inputs still typed.
#[derive(Debug, Clone, PartialEq)]
struct VerdictFactor<'a> {
    name: FactorName,
    value: f64,
    weight: f64,
    contribution: f64,
    detail: factors::Detail<'a>,
}

/// The typed verdict of [`RiskAssessor::verdict`]: the numbers of a
/// [`RiskAssessment`] with each factor's inputs and explanation kept as
/// data (borrowing the release and the assessor), rendered into the
/// public form by [`RiskVerdict::render`] only when a caller shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskVerdict<'a> {
    release_id: &'a str,
    score: f64,
    level: RiskLevel,
    score_level: RiskLevel,
    aggregation: RiskAggregation,
    failure_probability: Option<f64>,
    factors: [VerdictFactor<'a>; 10],
    hits: Vec<conditions::Hit<'a>>,
    warnings: Vec<Warning>,
}

impl<'a> RiskVerdict<'a> {
    /// The release assessed.
    pub fn release_id(&self) -> &'a str {
        self.release_id
    }

    /// The score from 0 to 100.
    pub fn score(&self) -> f64 {
        self.score
    }

    /// The assessed level: the score's level raised by every matching
    /// risk condition.
    pub fn level(&self) -> RiskLevel {
        self.level
    }

    /// The level of the score alone, by the policy's bands.
    pub fn score_level(&self) -> RiskLevel {
        self.score_level
    }

    /// The ids of the risk conditions that matched, in policy order.
    pub fn matched_conditions(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.hits.iter().map(|h| h.condition.id.as_str())
    }

    /// The predicted failure probability, with a fitted model.
    pub fn failure_probability(&self) -> Option<f64> {
        self.failure_probability
    }

    /// Each factor's name and value (0–1), in report order.
    pub fn values(&self) -> impl Iterator<Item = (FactorName, f64)> + '_ {
        self.factors.iter().map(|f| (f.name, f.value))
    }

    /// What was odd but not fatal.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Takes the warnings out.
    pub(crate) fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// The public, rendered form: each factor's inputs map and explanation
    /// built now.
    pub fn render(self) -> RiskAssessment {
        RiskAssessment {
            release_id: self.release_id.to_string(),
            score: self.score,
            level: self.level,
            score_level: (!self.hits.is_empty()).then_some(self.score_level),
            aggregation: (self.aggregation != RiskAggregation::WeightedMean)
                .then_some(self.aggregation),
            failure_probability: self.failure_probability,
            factors: self
                .factors
                .iter()
                .map(|f| Factor {
                    name: f.name.as_str().to_string(),
                    value: f.value,
                    weight: f.weight,
                    contribution: f.contribution,
                    inputs: f.detail.inputs(),
                    explanation: explanation(&f.detail),
                })
                .collect(),
            conditions: self.hits.iter().map(conditions::Hit::render).collect(),
            warnings: self.warnings,
        }
    }
}

/// Writes the JSON of [`RiskVerdict::render`]'s [`RiskAssessment`] straight
/// to the serializer: the same fields in the same order, each factor's
/// `inputs` map with the same (sorted) keys and its explanation written
/// from the typed data, so no map, `Value` or owned string is built. The
/// bytes equal `serde_json::to_string(&verdict.render())` (a test holds
/// them to it); a host that wants JSON text pays only for the text.
impl Serialize for RiskVerdict<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let matched = !self.hits.is_empty();
        let aggregated = self.aggregation != RiskAggregation::WeightedMean;
        let fields = [
            self.failure_probability.is_some(),
            matched,
            matched,
            aggregated,
        ]
        .into_iter()
        .fold(5_usize, |n, b| n.saturating_add(usize::from(b)));
        let mut st = s.serialize_struct("RiskAssessment", fields)?;
        st.serialize_field("release_id", self.release_id)?;
        st.serialize_field("score", &self.score)?;
        st.serialize_field("level", &self.level)?;
        if matched {
            st.serialize_field("score_level", &Some(self.score_level))?;
        } else {
            st.skip_field("score_level")?;
        }
        if aggregated {
            st.serialize_field("aggregation", &Some(self.aggregation))?;
        } else {
            st.skip_field("aggregation")?;
        }
        if self.failure_probability.is_some() {
            st.serialize_field("failure_probability", &self.failure_probability)?;
        } else {
            st.skip_field("failure_probability")?;
        }
        st.serialize_field("factors", self.factors.as_slice())?;
        if matched {
            st.serialize_field("conditions", &self.hits)?;
        } else {
            st.skip_field("conditions")?;
        }
        st.serialize_field("warnings", &self.warnings)?;
        st.end()
    }
}

/// One factor as [`Factor`] serialises.
impl Serialize for VerdictFactor<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Factor", 6)?;
        st.serialize_field("name", self.name.as_str())?;
        st.serialize_field("value", &self.value)?;
        st.serialize_field("weight", &self.weight)?;
        st.serialize_field("contribution", &self.contribution)?;
        st.serialize_field("inputs", &factors::Inputs(&self.detail))?;
        st.serialize_field("explanation", &factors::Shown(&self.detail))?;
        st.end()
    }
}

/// A factor's explanation as an owned string, written into one buffer
/// sized for the usual sentence (`to_string` would grow it from empty, a
/// reallocation per doubling) and trimmed to fit, so a retained assessment
/// holds one allocation per explanation.
fn explanation(detail: &factors::Detail<'_>) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(160);
    // Writing to a String cannot fail.
    let _ = write!(s, "{detail}");
    s.shrink_to_fit();
    s
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
/// policy check, the CMDB graph, the history index) once and spreading the
/// releases over every core (feature `parallel`; the results are the same
/// at any thread count). One result per release, in order; an error of the
/// context is repeated for each.
pub fn assess_risk_many(releases: &[Release], context: &Context) -> Vec<Result<RiskAssessment>> {
    match RiskAssessor::new(context) {
        Ok(assessor) => parallel::map(releases, |r| assessor.assess(r)),
        Err(e) => releases.iter().map(|_| Err(e.clone())).collect(),
    }
}
