//! The canary judge: [`judge_canary`].

use super::stats::{self, positive_zero, TestMethod};
use super::SampleSet;
use crate::document::Extra;
use crate::error::{Error, Problem, Result, Warning};
use crate::foundation::parallel;
use crate::limits::LimitsPolicy;
use crate::policy::RolloutPolicy;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use crate::document::judge_step::{BadDirection, JudgedMetric};

/// The configuration of a canary judgement. Absent values take the
/// policy's `rollout.judge` defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JudgeConfig {
    /// The metrics to judge; empty: every metric in the samples, with
    /// default settings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<JudgedMetric>,
    /// Significance level of the two-sided test, in (0, 0.5] (policy
    /// default 0.05); the shift interval has confidence 1 − alpha.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// Lowest score that passes (policy default 95).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_score: Option<f64>,
    /// Lowest score that is marginal (policy default 75).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marginal_score: Option<f64>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The class of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// No significant change in a bad direction beyond the tolerance.
    Pass,
    /// The canary is significantly higher (bad).
    High,
    /// The canary is significantly lower (bad).
    Low,
    /// No finite sample on one side.
    Nodata,
}

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CanaryVerdict {
    /// Score at or above the pass threshold, no critical failure.
    Pass,
    /// Score between the thresholds (or a critical metric without data).
    Marginal,
    /// Score below the marginal threshold, a critical metric failed, or no
    /// metric had data.
    Fail,
}

/// What one side's samples of a metric held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SampleSummary {
    /// Finite samples used.
    pub count: usize,
    /// NaN (`null`) or infinite samples dropped.
    pub dropped: usize,
    /// Median of the finite samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    /// Mean of the finite samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
}

/// The Mann-Whitney U test of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UTestReport {
    /// Exact or asymptotic.
    pub method: TestMethod,
    /// U of the canary sample (pairs with canary > baseline, ties half).
    pub u: f64,
    /// z of the normal approximation (asymptotic method only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z: Option<f64>,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// The Hodges–Lehmann shift (canary − baseline) with its Moses interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShiftReport {
    /// The median of every pairwise difference canary − baseline.
    pub estimate: f64,
    /// Lower bound (absent: unbounded, the samples are too small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<f64>,
    /// Upper bound (absent: unbounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
    /// Confidence of the interval (1 − alpha).
    pub confidence: f64,
    /// The shift relative to |baseline median| (absent when the median is
    /// 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative: Option<f64>,
}

/// The judgement of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricJudgement {
    /// The metric.
    pub name: String,
    /// pass, high, low or nodata.
    pub classification: Classification,
    /// Whether the metric is critical.
    pub critical: bool,
    /// Its weight in the score.
    pub weight: f64,
    /// Which change is bad.
    pub direction: BadDirection,
    /// The allowed relative shift.
    pub tolerance: f64,
    /// The baseline's samples.
    pub baseline: SampleSummary,
    /// The canary's samples.
    pub canary: SampleSummary,
    /// The test, when both sides have data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<UTestReport>,
    /// The shift, when both sides have data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<ShiftReport>,
    /// The rule that decided the class.
    pub rule: String,
    /// Why, in one sentence.
    pub explanation: String,
}

/// The verdict of [`judge_canary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CanaryJudgement {
    /// pass, marginal or fail.
    pub verdict: CanaryVerdict,
    /// Weighted share of passing metrics among those with data, 0–100.
    pub score: f64,
    /// The pass threshold used.
    pub pass_score: f64,
    /// The marginal threshold used.
    pub marginal_score: f64,
    /// The significance level used.
    pub alpha: f64,
    /// Every metric, in config order (or name order without a config).
    pub metrics: Vec<MetricJudgement>,
    /// Why the verdict, in order.
    pub reasons: Vec<String>,
    /// What was odd but did not decide.
    pub warnings: Vec<Warning>,
}

/// Judges a canary with the default policy: see
/// [`judge_canary_with_policy`].
pub fn judge_canary(
    baseline: &SampleSet,
    canary: &SampleSet,
    config: &JudgeConfig,
) -> Result<CanaryJudgement> {
    judge_canary_with_policy(baseline, canary, config, &RolloutPolicy::default())
}

/// Judges a canary against its baseline, metric by metric (a Mann-Whitney U
/// test, the Hodges–Lehmann shift and its Moses interval), then as a whole
/// (a weighted score and the critical metrics). See docs/rollout.md for
/// every rule.
///
/// Errors (`invalid_input`): a bad config (alpha, thresholds, weights,
/// tolerances, duplicate metric names; paths under `config`), a metric
/// whose samples on one side are all NaN (paths `baseline.<metric>`,
/// `canary.<metric>`).
pub fn judge_canary_with_policy(
    baseline: &SampleSet,
    canary: &SampleSet,
    config: &JudgeConfig,
    policy: &RolloutPolicy,
) -> Result<CanaryJudgement> {
    judge_canary_with_limits(baseline, canary, config, policy, &LimitsPolicy::default())
}

/// [`judge_canary_with_policy`] under custom limits: more samples of one
/// metric on one side than `limits.max_canary_samples` is `limit_exceeded`
/// (path `baseline.<metric>` or `canary.<metric>`), before any ranking.
pub fn judge_canary_with_limits(
    baseline: &SampleSet,
    canary: &SampleSet,
    config: &JudgeConfig,
    policy: &RolloutPolicy,
    limits: &LimitsPolicy,
) -> Result<CanaryJudgement> {
    for (side, set) in [("baseline", baseline), ("canary", canary)] {
        for (metric, samples) in &set.0 {
            limits.check_canary_samples(&format!("{side}.{metric}"), samples.len())?;
        }
    }
    let d = &policy.judge;
    // Every number the judgement outputs is normalised where it is made:
    // none is ever -0.0 (`positive_zero`).
    let alpha = positive_zero(config.alpha.unwrap_or(d.alpha));
    let pass_score = positive_zero(config.pass_score.unwrap_or(d.pass_score));
    let marginal_score = positive_zero(config.marginal_score.unwrap_or(d.marginal_score));
    let mut problems = Vec::new();
    if !(alpha > 0.0 && alpha <= 0.5) {
        problems.push(Problem::new(
            "config.alpha",
            format!("must be in (0, 0.5], got {alpha}"),
        ));
    }
    for (field, v) in [
        ("pass_score", pass_score),
        ("marginal_score", marginal_score),
    ] {
        if !(0.0..=100.0).contains(&v) {
            problems.push(Problem::new(
                format!("config.{field}"),
                format!("a score threshold is 0 to 100, got {v}"),
            ));
        }
    }
    if marginal_score > pass_score {
        problems.push(Problem::new(
            "config.marginal_score",
            format!("must not be above pass_score ({marginal_score} > {pass_score})"),
        ));
    }
    let mut warnings = Vec::new();
    let metrics: Vec<JudgedMetric> = if config.metrics.is_empty() {
        let names: BTreeSet<&String> = baseline.0.keys().chain(canary.0.keys()).collect();
        names
            .into_iter()
            .map(|name| JudgedMetric {
                name: name.clone(),
                direction: BadDirection::Either,
                critical: false,
                weight: None,
                tolerance: None,
                extra: Extra::new(),
            })
            .collect()
    } else {
        config.metrics.clone()
    };
    let mut names = BTreeSet::new();
    for (i, m) in config.metrics.iter().enumerate() {
        let path = format!("config.metrics[{i}]");
        if m.name.trim().is_empty() {
            problems.push(Problem::new(format!("{path}.name"), "must not be empty"));
        } else if !names.insert(m.name.as_str()) {
            problems.push(Problem::new(
                format!("{path}.name"),
                format!("metric `{}` is listed twice", m.name),
            ));
        }
        if let Some(w) = m.weight {
            if !(w.is_finite() && w >= 0.0) {
                problems.push(Problem::new(
                    format!("{path}.weight"),
                    format!("must be a finite number ≥ 0, got {w}"),
                ));
            }
        }
        if let Some(t) = m.tolerance {
            if !(t.is_finite() && t >= 0.0) {
                problems.push(Problem::new(
                    format!("{path}.tolerance"),
                    format!("must be a finite number ≥ 0, got {t}"),
                ));
            }
        }
    }
    for (side, set) in [("baseline", baseline), ("canary", canary)] {
        for (name, samples) in &set.0 {
            if !samples.is_empty() && samples.iter().all(|v| !v.is_finite()) {
                problems.push(Problem::new(
                    format!("{side}.{name}"),
                    "every sample is NaN (or infinite): the source is broken, not quiet; send an empty list for no data",
                ));
            }
            if !config.metrics.is_empty() && !names.contains(name.as_str()) {
                warnings.push(Warning::new(
                    "unjudged_metric",
                    format!("{side}.{name}"),
                    format!("metric `{name}` is not in config.metrics and is not judged"),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::InvalidInput { problems });
    }
    let confidence = 1.0 - alpha;
    // Every metric is judged on its own: on every core, results in config
    // order (the same as a serial run), warnings added in that order after.
    let judged = parallel::map(&metrics, |m| {
        let b = baseline.0.get(&m.name).map(Vec::as_slice).unwrap_or(&[]);
        let c = canary.0.get(&m.name).map(Vec::as_slice).unwrap_or(&[]);
        judge_metric(m, b, c, alpha, confidence, d.tolerance)
    });
    for (m, j) in metrics.iter().zip(&judged) {
        for (side, s) in [("baseline", &j.baseline), ("canary", &j.canary)] {
            if s.dropped > 0 {
                warnings.push(Warning::new(
                    "nan_dropped",
                    format!("{side}.{}", m.name),
                    format!(
                        "{} NaN or infinite sample{} dropped",
                        s.dropped,
                        if s.dropped == 1 { "" } else { "s" }
                    ),
                ));
            }
        }
    }

    // The score: weighted share of passing metrics among those with data.
    let with_data: Vec<&MetricJudgement> = judged
        .iter()
        .filter(|j| j.classification != Classification::Nodata)
        .collect();
    // Folds from +0.0: an empty `f64` sum is -0.0, which made a canary
    // without a passing metric score -0.0.
    let total_w: f64 = with_data.iter().map(|j| j.weight).fold(0.0, |a, w| a + w);
    let pass_w: f64 = with_data
        .iter()
        .filter(|j| j.classification == Classification::Pass)
        .map(|j| j.weight)
        .fold(0.0, |a, w| a + w);
    let score = if with_data.is_empty() {
        0.0
    } else if total_w > 0.0 {
        100.0 * pass_w / total_w
    } else {
        let passed = with_data
            .iter()
            .filter(|j| j.classification == Classification::Pass)
            .count();
        100.0 * passed as f64 / with_data.len() as f64
    };
    let score = positive_zero(score);
    let mut reasons = Vec::new();
    let failed_critical: Vec<&str> = judged
        .iter()
        .filter(|j| {
            j.critical && matches!(j.classification, Classification::High | Classification::Low)
        })
        .map(|j| j.name.as_str())
        .collect();
    let nodata_critical: Vec<&str> = judged
        .iter()
        .filter(|j| j.critical && j.classification == Classification::Nodata)
        .map(|j| j.name.as_str())
        .collect();
    let by_score = if score >= pass_score {
        CanaryVerdict::Pass
    } else if score >= marginal_score {
        CanaryVerdict::Marginal
    } else {
        CanaryVerdict::Fail
    };
    reasons.push(format!(
        "score {score:.1} (pass ≥ {pass_score}, marginal ≥ {marginal_score}): {}",
        verdict_name(by_score)
    ));
    let mut verdict = by_score;
    if with_data.is_empty() {
        verdict = CanaryVerdict::Fail;
        reasons
            .push("no metric has data on both sides: nothing shows the canary is healthy".into());
    }
    if !failed_critical.is_empty() {
        verdict = CanaryVerdict::Fail;
        reasons.push(format!(
            "critical metric{} failed: {}",
            if failed_critical.len() == 1 { "" } else { "s" },
            failed_critical.join(", ")
        ));
    }
    if !nodata_critical.is_empty() && verdict == CanaryVerdict::Pass {
        verdict = CanaryVerdict::Marginal;
        reasons.push(format!(
            "critical metric{} without data: {} (at best marginal)",
            if nodata_critical.len() == 1 { "" } else { "s" },
            nodata_critical.join(", ")
        ));
    }
    Ok(CanaryJudgement {
        verdict,
        score,
        pass_score,
        marginal_score,
        alpha,
        metrics: judged,
        reasons,
        warnings,
    })
}

fn verdict_name(v: CanaryVerdict) -> &'static str {
    match v {
        CanaryVerdict::Pass => "pass",
        CanaryVerdict::Marginal => "marginal",
        CanaryVerdict::Fail => "fail",
    }
}

fn finite_sorted(samples: &[f64]) -> (Vec<f64>, usize) {
    let mut v: Vec<f64> = samples
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .map(positive_zero)
        .collect();
    let dropped = samples.len().saturating_sub(v.len());
    stats::sort(&mut v);
    (v, dropped)
}

fn summary(sorted: &[f64], dropped: usize) -> SampleSummary {
    let n = sorted.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => sorted.get(n / 2).copied(),
        _ => match (sorted.get((n / 2).saturating_sub(1)), sorted.get(n / 2)) {
            (Some(a), Some(b)) => Some((a + b) / 2.0),
            _ => None,
        },
    };
    SampleSummary {
        count: n,
        dropped,
        median: median.map(positive_zero),
        mean: (n > 0).then(|| positive_zero(sorted.iter().fold(0.0, |a, x| a + x) / n as f64)),
    }
}

fn judge_metric(
    m: &JudgedMetric,
    baseline: &[f64],
    canary: &[f64],
    alpha: f64,
    confidence: f64,
    default_tolerance: f64,
) -> MetricJudgement {
    let (b, b_dropped) = finite_sorted(baseline);
    let (c, c_dropped) = finite_sorted(canary);
    let tolerance = positive_zero(m.tolerance.unwrap_or(default_tolerance));
    let mut j = MetricJudgement {
        name: m.name.clone(),
        classification: Classification::Nodata,
        critical: m.critical,
        weight: positive_zero(m.weight.unwrap_or(1.0)),
        direction: m.direction,
        tolerance,
        baseline: summary(&b, b_dropped),
        canary: summary(&c, c_dropped),
        test: None,
        shift: None,
        rule: String::new(),
        explanation: String::new(),
    };
    let increase_bad = matches!(m.direction, BadDirection::Increase | BadDirection::Either);
    // Errors where the baseline had none: decided before any test, so a
    // handful of samples is enough.
    if m.critical
        && increase_bad
        && !c.is_empty()
        && b.iter().all(|v| *v <= 0.0)
        && c.iter().any(|v| *v > 0.0)
    {
        let worst = c.last().copied().unwrap_or(0.0);
        j.classification = Classification::High;
        j.rule = "critical_new_errors".into();
        j.explanation = format!(
            "critical metric: the canary has non-zero values (up to {worst}) where the baseline has none ({} samples); fails regardless of sample size",
            b.len()
        );
        if !b.is_empty() {
            fill_test(&mut j, &b, &c, confidence);
        }
        return j;
    }
    if b.is_empty() || c.is_empty() {
        j.rule = "nodata".into();
        j.explanation = format!(
            "no finite samples in the {}",
            match (b.is_empty(), c.is_empty()) {
                (true, true) => "baseline or the canary",
                (true, false) => "baseline",
                _ => "canary",
            }
        );
        return j;
    }
    fill_test(&mut j, &b, &c, confidence);
    let (p, shift) = match (&j.test, &j.shift) {
        (Some(t), Some(s)) => (t.p_value, s.estimate),
        _ => return j,
    };
    let base_median = j.baseline.median.unwrap_or(0.0).abs();
    let allowed = tolerance * base_median;
    if p >= alpha {
        j.classification = Classification::Pass;
        j.rule = "not_significant".into();
        j.explanation = format!("no significant difference (p = {p:.4} ≥ alpha {alpha})");
    } else if shift.abs() <= allowed || shift == 0.0 {
        j.classification = Classification::Pass;
        j.rule = "within_tolerance".into();
        j.explanation = format!(
            "significant (p = {p:.4}) but the shift {shift} is within the tolerance ±{allowed} ({tolerance} × |baseline median|)"
        );
    } else {
        let high = shift > 0.0;
        let bad = if high {
            increase_bad
        } else {
            matches!(m.direction, BadDirection::Decrease | BadDirection::Either)
        };
        let dir = if high { "higher" } else { "lower" };
        if bad {
            j.classification = if high {
                Classification::High
            } else {
                Classification::Low
            };
            j.rule = "significant_shift".into();
            j.explanation = format!(
                "the canary is significantly {dir} (p = {p:.4} < alpha {alpha}; shift {shift} beyond ±{allowed})"
            );
        } else {
            j.classification = Classification::Pass;
            j.rule = "allowed_direction".into();
            j.explanation = format!(
                "the canary is significantly {dir} (p = {p:.4}), a change in the allowed direction"
            );
        }
    }
    j
}

fn fill_test(j: &mut MetricJudgement, b: &[f64], c: &[f64], confidence: f64) {
    let t = stats::mann_whitney(c, b);
    let exact = t.method == TestMethod::Exact;
    let s = stats::hodges_lehmann(b, c, confidence, exact);
    let base = j.baseline.median.unwrap_or(0.0);
    j.test = Some(UTestReport {
        method: t.method,
        u: positive_zero(t.u),
        z: t.z.map(positive_zero),
        p_value: positive_zero(t.p_value),
    });
    j.shift = Some(ShiftReport {
        estimate: s.estimate,
        lower: s.lower,
        upper: s.upper,
        confidence,
        relative: (base != 0.0).then(|| positive_zero(s.estimate / base.abs())),
    });
}
