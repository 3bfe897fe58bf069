//! Risk section: factor weights, level bands, the blast radius depth,
//! neutral values of factors whose input is missing, saturation counts,
//! the track-record prior, peak hours, a fitted failure model, the
//! aggregation of the factors into the score and the risk conditions
//! (docs/risk.md, "Policy: `risk`").

use crate::document::{ChangeKind, Criticality, Extra, ReleaseKind, RiskLevel, Weekday};
use crate::error::Problem;
use schemars::JsonSchema;
use serde::Serialize;

policy_copy! {
    /// `risk.model`: the model `fit_risk_model` returns keeps them.
    pub(super) PolicyRiskModel of RiskModel
}

/// Explainable risk weights, one per factor (≥ 0, not all zero).
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct RiskWeights {
    /// Number of changes and CIs.
    pub change_size: f64,
    /// The most critical affected CI.
    pub ci_criticality: f64,
    /// CIs and services that depend on the affected CIs.
    pub blast_radius: f64,
    /// Missing or failed tests.
    pub test_evidence: f64,
    /// None / documented / tested rollback.
    pub rollback_readiness: f64,
    /// Big bang > phased > blue-green > canary.
    pub deployment_strategy: f64,
    /// Outside maintenance windows, warning blackouts, peak hours.
    pub timing: f64,
    /// Past failure rate of the same services.
    pub track_record: f64,
    /// Emergency release or changes.
    pub emergency: f64,
    /// Depends-on count and detected conflicts.
    pub dependencies: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for RiskWeights {
    fn default() -> Self {
        RiskWeights {
            change_size: 1.0,
            ci_criticality: 1.5,
            blast_radius: 1.5,
            test_evidence: 2.0,
            rollback_readiness: 1.5,
            deployment_strategy: 1.0,
            timing: 1.0,
            track_record: 1.5,
            emergency: 1.0,
            dependencies: 1.0,
            extra: Extra::new(),
        }
    }
}

impl RiskWeights {
    /// The weights by factor name, in a fixed order.
    pub fn named(&self) -> [(&'static str, f64); 10] {
        [
            ("change_size", self.change_size),
            ("ci_criticality", self.ci_criticality),
            ("blast_radius", self.blast_radius),
            ("test_evidence", self.test_evidence),
            ("rollback_readiness", self.rollback_readiness),
            ("deployment_strategy", self.deployment_strategy),
            ("timing", self.timing),
            ("track_record", self.track_record),
            ("emergency", self.emergency),
            ("dependencies", self.dependencies),
        ]
    }
}

/// Score thresholds of the risk levels: `low` < `medium` ≤ … < `critical`.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct RiskBands {
    /// Lowest score that is `medium` (default 25).
    pub medium: f64,
    /// Lowest score that is `high` (default 50).
    pub high: f64,
    /// Lowest score that is `critical` (default 75).
    pub critical: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for RiskBands {
    fn default() -> Self {
        RiskBands {
            medium: 25.0,
            high: 50.0,
            critical: 75.0,
            extra: Extra::new(),
        }
    }
}

/// Values a risk factor uses when the input it needs is missing from the
/// release or the context (see `docs/risk.md`).
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct RiskNeutral {
    /// CI criticality without a CMDB, or when no affected CI is in it or
    /// has a criticality (default 0.5).
    pub ci_criticality: f64,
    /// Blast radius without a CMDB, or when no affected CI is in it
    /// (default 0.5).
    pub blast_radius: f64,
    /// Each timing component (maintenance window, warning blackout, peak
    /// hours) whose input is missing (default 0.5).
    pub timing: f64,
    /// Deployment strategy when the release has no deployment plan
    /// (default 1.0: treated as big bang).
    pub deployment_strategy: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for RiskNeutral {
    fn default() -> Self {
        RiskNeutral {
            ci_criticality: 0.5,
            blast_radius: 0.5,
            timing: 0.5,
            deployment_strategy: 1.0,
            extra: Extra::new(),
        }
    }
}

/// The counts at which a log-scaled factor reaches 1:
/// `value = min(1, ln(1 + n) / ln(1 + scale))`.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct RiskScales {
    /// Changes plus distinct affected CIs (default 50).
    pub change_size: f64,
    /// CIs reached by the blast radius beyond the affected ones (default 500).
    pub blast_radius_cis: f64,
    /// Distinct business services of the affected and reached CIs
    /// (default 20).
    pub blast_radius_services: f64,
    /// Depends-on entries plus pending dependencies and dependents in the
    /// schedule (default 10).
    pub dependencies: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for RiskScales {
    fn default() -> Self {
        RiskScales {
            change_size: 50.0,
            blast_radius_cis: 500.0,
            blast_radius_services: 20.0,
            dependencies: 10.0,
            extra: Extra::new(),
        }
    }
}

/// The Beta prior of the track-record factor: a service with no history
/// scores `failure_rate`; each past deployment moves it towards the
/// observed rate with weight `1 / (strength + n)`.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct TrackRecordPrior {
    /// Prior mean failure rate, in (0, 1) (default 0.2).
    pub failure_rate: f64,
    /// Prior strength in pseudo-deployments, > 0 (default 5): the prior is
    /// Beta(failure_rate·strength, (1 − failure_rate)·strength).
    pub strength: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for TrackRecordPrior {
    fn default() -> Self {
        TrackRecordPrior {
            failure_rate: 0.2,
            strength: 5.0,
            extra: Extra::new(),
        }
    }
}

/// Peak business hours: a deployment window overlapping them raises the
/// timing factor.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct PeakHours {
    /// Days with peak hours (default Monday to Friday; empty: none).
    pub days: Vec<Weekday>,
    /// Local start, `HH:MM` (default `08:00`).
    pub start: String,
    /// Local end, `HH:MM`, after `start` (default `18:00`).
    pub end: String,
    /// IANA time zone of `start`/`end`; absent (default): the offset the
    /// release's `planned_start` is written in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for PeakHours {
    fn default() -> Self {
        use Weekday::*;
        PeakHours {
            days: vec![Mon, Tue, Wed, Thu, Fri],
            start: "08:00".to_string(),
            end: "18:00".to_string(),
            time_zone: None,
            extra: Extra::new(),
        }
    }
}

/// A fitted failure model (from `fit_risk_model`), kept apart from the
/// explainable weights: `failure_probability = σ(intercept + Σ coefficient ·
/// (value − mean) / std)` over the factor values (a factor with `std` 0
/// adds nothing). Coefficients may be negative.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct RiskModel {
    /// The intercept (log-odds at the mean of every factor).
    pub intercept: f64,
    /// Coefficient per factor name, on standardised values.
    pub coefficients: std::collections::BTreeMap<String, f64>,
    /// Training mean per factor name.
    pub means: std::collections::BTreeMap<String, f64>,
    /// Training standard deviation per factor name (≥ 0).
    pub stds: std::collections::BTreeMap<String, f64>,
    /// When the most recent training release was deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trained_at: Option<crate::Timestamp>,
    /// How many releases it was trained on.
    #[serde(default)]
    pub training_samples: u64,
    /// The L2 penalty it was fitted with.
    #[serde(default)]
    pub l2: f64,
    /// Held-out AUC at fitting time, when it could be computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout_auc: Option<f64>,
    /// Held-out Brier score at fitting time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout_brier: Option<f64>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The factor names of the risk score, in report order.
pub const RISK_FACTORS: [&str; 10] = [
    "change_size",
    "ci_criticality",
    "blast_radius",
    "test_evidence",
    "rollback_readiness",
    "deployment_strategy",
    "timing",
    "track_record",
    "emergency",
    "dependencies",
];

/// How the weighted factor values become the score (`risk.aggregation`,
/// docs/risk.md, "Aggregation"). Whatever the aggregation, the
/// contributions sum to the score and the score is in 0–100.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskAggregation {
    /// `score = 100 · Σ wᵢ·vᵢ / Σ wᵢ` (the default).
    #[default]
    WeightedMean,
    /// `score = 100 · maxᵢ vᵢ·wᵢ / w_max`: the worst factor, scaled by its
    /// weight relative to the heaviest one.
    Max,
    /// `score = 100 · (1 − Πᵢ (1 − vᵢ·wᵢ / w_max))`: each factor an
    /// independent chance of trouble.
    NoisyOr,
}

impl RiskAggregation {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskAggregation::WeightedMean => "weighted_mean",
            RiskAggregation::Max => "max",
            RiskAggregation::NoisyOr => "noisy_or",
        }
    }
}

/// What a risk condition looks at (`risk.conditions[].when`): every given
/// test must hold (an absent or empty one holds). Docs: docs/risk.md,
/// "Risk conditions".
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
#[serde(default)]
pub struct RiskConditionWhen {
    /// The release's kind is one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<ReleaseKind>,
    /// An affected CI known to the CMDB has one of these classes (and,
    /// with `criticality`, the same CI one of those criticalities).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// An affected CI known to the CMDB has one of these criticalities
    /// (and, with `classes`, the same CI one of those classes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub criticality: Vec<Criticality>,
    /// The release names one of these business services.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// The release targets one of these environments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// A change of the release is of one of these kinds (`standard`,
    /// `normal`, `emergency`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub change_kinds: Vec<ChangeKind>,
    /// The release has at least this many changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_changes: Option<u64>,
    /// The release touches at least this many distinct CIs (its own
    /// `affected_cis` and its changes').
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_cis: Option<u64>,
    /// The release names at least this many distinct business services.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_services: Option<u64>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a matching risk condition does (`risk.conditions[].then`).
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct RiskConditionThen {
    /// The assessed level is at least this one.
    pub at_least: RiskLevel,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A risk condition (ServiceNow's risk conditions): when every test of
/// `when` holds for the release, its assessed level is at least
/// `then.at_least`, whatever the score.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct RiskCondition {
    /// Unique, non-empty id, named in the assessment.
    pub id: String,
    /// What the rule is for, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The tests, all of which must hold.
    #[serde(default)]
    pub when: RiskConditionWhen,
    /// The level a match imposes.
    pub then: RiskConditionThen,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl RiskCondition {
    /// Whether the condition needs the CMDB (it tests CI classes or
    /// criticality).
    pub fn needs_cmdb(&self) -> bool {
        !self.when.classes.is_empty() || !self.when.criticality.is_empty()
    }
}

/// Risk section.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct RiskPolicy {
    /// Factor weights.
    pub weights: RiskWeights,
    /// Level thresholds.
    pub bands: RiskBands,
    /// How many CMDB hops the blast radius walks (default 3; at least 1, at
    /// most `limits.max_cmdb_depth`).
    pub blast_radius_depth: u32,
    /// Values of factors whose input is missing.
    pub neutral: RiskNeutral,
    /// Saturation counts of the log-scaled factors.
    pub scales: RiskScales,
    /// The prior of the track-record factor.
    pub track_record_prior: TrackRecordPrior,
    /// Peak business hours of the timing factor.
    pub peak_hours: PeakHours,
    /// A fitted failure model; with it, an assessment also reports
    /// `failure_probability`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<PolicyRiskModel>")]
    pub model: Option<RiskModel>,
    /// How the weighted factor values become the score (default
    /// `weighted_mean`).
    #[serde(skip_serializing_if = "is_weighted_mean")]
    pub aggregation: RiskAggregation,
    /// Risk conditions, in order: the assessed level is the highest of the
    /// score's level and the level of every condition that matches
    /// (default none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<RiskCondition>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for RiskPolicy {
    fn default() -> Self {
        RiskPolicy {
            weights: RiskWeights::default(),
            bands: RiskBands::default(),
            blast_radius_depth: 3,
            neutral: RiskNeutral::default(),
            scales: RiskScales::default(),
            track_record_prior: TrackRecordPrior::default(),
            peak_hours: PeakHours::default(),
            model: None,
            aggregation: RiskAggregation::WeightedMean,
            conditions: Vec::new(),
            extra: Extra::new(),
        }
    }
}

fn is_weighted_mean(a: &RiskAggregation) -> bool {
    *a == RiskAggregation::WeightedMean
}

/// Parses a local `HH:MM` time into minutes after midnight.
pub(crate) fn parse_hhmm(text: &str) -> Option<u32> {
    let well_formed = text.len() == 5 && text.as_bytes().get(2) == Some(&b':');
    let t = chrono::NaiveTime::parse_from_str(text, "%H:%M").ok()?;
    use chrono::Timelike;
    well_formed.then(|| t.hour().saturating_mul(60).saturating_add(t.minute()))
}

impl RiskPolicy {
    /// Appends every problem of the section (paths `risk.…` through `at`).
    pub(super) fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        let mut push = |path: &str, message: String| problems.push(Problem::new(at(path), message));
        let weights = self.weights.named();
        for (name, w) in weights {
            if !w.is_finite() || w < 0.0 {
                push(
                    &format!("risk.weights.{name}"),
                    format!("weight must be a finite number ≥ 0, got {w}"),
                );
            }
        }
        if weights.iter().all(|(_, w)| *w == 0.0) {
            push("risk.weights", "weights must not all be zero".to_string());
        }
        let b = &self.bands;
        for (name, v) in [
            ("medium", b.medium),
            ("high", b.high),
            ("critical", b.critical),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 100.0) {
                push(
                    &format!("risk.bands.{name}"),
                    format!("band threshold must be in (0, 100], got {v}"),
                );
            }
        }
        if !(b.medium < b.high && b.high < b.critical) {
            push(
                "risk.bands",
                format!(
                    "bands must increase: medium ({}) < high ({}) < critical ({})",
                    b.medium, b.high, b.critical
                ),
            );
        }
        // The upper bound is `limits.max_cmdb_depth` (`limit_exceeded`).
        if self.blast_radius_depth == 0 {
            push(
                "risk.blast_radius_depth",
                "must be at least 1, got 0".into(),
            );
        }
        let n = &self.neutral;
        for (name, v) in [
            ("ci_criticality", n.ci_criticality),
            ("blast_radius", n.blast_radius),
            ("timing", n.timing),
            ("deployment_strategy", n.deployment_strategy),
        ] {
            if !(0.0..=1.0).contains(&v) {
                push(
                    &format!("risk.neutral.{name}"),
                    format!("a neutral factor value is in [0, 1], got {v}"),
                );
            }
        }
        let s = &self.scales;
        for (name, v) in [
            ("change_size", s.change_size),
            ("blast_radius_cis", s.blast_radius_cis),
            ("blast_radius_services", s.blast_radius_services),
            ("dependencies", s.dependencies),
        ] {
            if !(v.is_finite() && v >= 1.0) {
                push(
                    &format!("risk.scales.{name}"),
                    format!("a saturation count must be a finite number ≥ 1, got {v}"),
                );
            }
        }
        let p = &self.track_record_prior;
        if !(p.failure_rate > 0.0 && p.failure_rate < 1.0) {
            push(
                "risk.track_record_prior.failure_rate",
                format!("must be in (0, 1), got {}", p.failure_rate),
            );
        }
        if !(p.strength.is_finite() && p.strength > 0.0) {
            push(
                "risk.track_record_prior.strength",
                format!("must be a finite number > 0, got {}", p.strength),
            );
        }
        let h = &self.peak_hours;
        let start = parse_hhmm(&h.start);
        let end = parse_hhmm(&h.end);
        for (name, text, parsed) in [("start", &h.start, start), ("end", &h.end, end)] {
            if parsed.is_none() {
                push(
                    &format!("risk.peak_hours.{name}"),
                    format!("`{text}` is not a local time HH:MM"),
                );
            }
        }
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                push(
                    "risk.peak_hours.end",
                    format!("must be after start ({} is not after {})", h.end, h.start),
                );
            }
        }
        if let Some(tz) = &h.time_zone {
            if tz.parse::<chrono_tz::Tz>().is_err() {
                push(
                    "risk.peak_hours.time_zone",
                    format!("`{tz}` is not an IANA time zone name"),
                );
            }
        }
        if let Some(m) = &self.model {
            if !m.intercept.is_finite() {
                push(
                    "risk.model.intercept",
                    format!("must be a finite number, got {}", m.intercept),
                );
            }
            for (field, map) in [
                ("coefficients", &m.coefficients),
                ("means", &m.means),
                ("stds", &m.stds),
            ] {
                for (name, v) in map {
                    let path = format!("risk.model.{field}.{name}");
                    if !RISK_FACTORS.contains(&name.as_str()) {
                        push(&path, format!("`{name}` is not a risk factor"));
                    } else if !v.is_finite() || (field == "stds" && *v < 0.0) {
                        push(
                            &path,
                            format!(
                                "must be a finite number{}, got {v}",
                                if field == "stds" { " ≥ 0" } else { "" }
                            ),
                        );
                    }
                }
            }
            for name in m.coefficients.keys() {
                for (field, map) in [("means", &m.means), ("stds", &m.stds)] {
                    if !map.contains_key(name) {
                        push(
                            &format!("risk.model.{field}"),
                            format!("has no entry for `{name}`, which has a coefficient"),
                        );
                    }
                }
            }
        }
        let mut seen = std::collections::BTreeMap::new();
        for (i, c) in self.conditions.iter().enumerate() {
            let at_c = format!("risk.conditions[{i}]");
            if c.id.trim().is_empty() {
                push(
                    &format!("{at_c}.id"),
                    "a condition needs a non-empty id".into(),
                );
            } else if let Some(first) = seen.insert(c.id.as_str(), i) {
                seen.insert(c.id.as_str(), first);
                push(
                    &format!("{at_c}.id"),
                    format!(
                        "duplicate condition id `{}` (also risk.conditions[{first}])",
                        c.id
                    ),
                );
            }
            let w = &c.when;
            for (name, empty) in [
                ("classes", w.classes.iter().any(|s| s.trim().is_empty())),
                ("services", w.services.iter().any(|s| s.trim().is_empty())),
                (
                    "environments",
                    w.environments.iter().any(|s| s.trim().is_empty()),
                ),
            ] {
                if empty {
                    push(
                        &format!("{at_c}.when.{name}"),
                        "names must not be empty".into(),
                    );
                }
            }
        }
    }
}
