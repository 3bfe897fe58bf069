//! Risk section: factor weights, level bands, the blast radius depth,
//! neutral values of factors whose input is missing, saturation counts,
//! the track-record prior, peak hours and a fitted failure model
//! (docs/risk.md, "Policy: `risk`").

use crate::document::{Extra, Weekday};
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
            extra: Extra::new(),
        }
    }
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
    }
}
