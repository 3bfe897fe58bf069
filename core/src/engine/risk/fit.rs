//! Calibration: a failure model learnt from past releases and their
//! outcomes (`docs/risk.md`, "The fitted model"), kept apart from the
//! explainable weights.
//!
//! Each past release with an outcome becomes one sample: its ten factor
//! values (computed as [`super::assess_risk`] would, counting only
//! deployments finished before it) and whether it failed (`failed` or
//! `rolled_back`). Samples are put in time order; the most recent fraction
//! is held out. The model is an L2-regularised logistic regression on
//! factor values standardised with the training mean and standard
//! deviation, fitted by Newton's method (deterministic: no randomness, a
//! fixed iteration order). Quality on the held-out part: AUC (ties count
//! one half) and Brier score.

use super::factors::TrackIndex;
use super::{predict, sigmoid, RiskAssessor};
use crate::document::{Extra, FactorName, History, Outcome};
use crate::error::{Error, Result, Warning};
use crate::policy::RiskModel;
use crate::{Context, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Factors plus the intercept.
const D: usize = FactorName::ALL.len() + 1;

/// The column of a factor in a sample, a mean or a coefficient vector
/// (column 0 is the intercept).
fn column(name: FactorName) -> usize {
    name.index().saturating_add(1)
}

/// How to fit a risk model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FitOptions {
    /// The most recent fraction of samples held out for evaluation, in
    /// [0, 0.9] (default 0.2; 0 evaluates nothing).
    pub holdout_fraction: f64,
    /// The L2 penalty on the coefficients (not the intercept), > 0
    /// (default 1.0): the fit minimises Σ log-loss + l2/2 · Σ β².
    pub l2: f64,
    /// Newton iterations at most, 1–1000 (default 100).
    pub max_iterations: u32,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            holdout_fraction: 0.2,
            l2: 1.0,
            max_iterations: 100,
            extra: Extra::new(),
        }
    }
}

/// How many samples the fit saw and used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FitSamples {
    /// Releases in the history.
    pub releases: usize,
    /// Releases skipped: no outcome, or no time (`deployed_at`,
    /// `planned_end` or `planned_start`) to order them by.
    pub skipped: usize,
    /// Samples trained on (the oldest).
    pub training: usize,
    /// Failures among them.
    pub training_failures: usize,
    /// Samples held out (the most recent).
    pub holdout: usize,
    /// Failures among them.
    pub holdout_failures: usize,
}

/// The quality of a fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FitQuality {
    /// AUC of the model on the held-out samples (absent when they hold
    /// only one outcome).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout_auc: Option<f64>,
    /// Brier score (mean squared error of the probability) on the held-out
    /// samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout_brier: Option<f64>,
    /// Brier score on the held-out samples of always predicting the
    /// training failure rate, for comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout_brier_base_rate: Option<f64>,
    /// AUC of the explainable score on the held-out samples, for
    /// comparison.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout_score_auc: Option<f64>,
    /// AUC of the model on the training samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_auc: Option<f64>,
    /// Brier score on the training samples.
    pub training_brier: f64,
    /// Newton iterations run.
    pub iterations: u32,
    /// Whether the last step was below 1e-9.
    pub converged: bool,
}

/// The result of [`fit_risk_model`]: the model to store as the policy's
/// `risk.model`, its quality and the sample counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FittedRiskModel {
    /// The model, ready for `policy.risk.model`.
    pub model: RiskModel,
    /// Quality on held-out and training samples.
    pub quality: FitQuality,
    /// Sample counts.
    pub samples: FitSamples,
    /// What was odd but not fatal.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

fn check_options(o: &FitOptions) -> Result<()> {
    if !(0.0..=0.9).contains(&o.holdout_fraction) {
        return Err(Error::invalid_input(
            "options.holdout_fraction",
            format!("must be in [0, 0.9], got {}", o.holdout_fraction),
        ));
    }
    if !(o.l2.is_finite() && o.l2 > 0.0) {
        return Err(Error::invalid_input(
            "options.l2",
            format!("must be a finite number > 0, got {}", o.l2),
        ));
    }
    if !(1..=1000).contains(&o.max_iterations) {
        return Err(Error::invalid_input(
            "options.max_iterations",
            format!("must be 1 to 1000, got {}", o.max_iterations),
        ));
    }
    Ok(())
}

/// Fits a failure model to the releases of `history` with an outcome.
///
/// The context gives the policy, CMDB, calendar and schedule the factors
/// need; the track record counts the deployments of `history` (not
/// `context.history`) finished before each release. Errors
/// (`invalid_input`): bad options (path under `options`), no usable
/// release, or training samples that all have the same outcome (path
/// `releases`); an inconsistent policy or CMDB as in
/// [`super::assess_risk`]. Never returns NaN.
pub fn fit_risk_model(
    history: &History,
    options: &FitOptions,
    context: &Context,
) -> Result<FittedRiskModel> {
    check_options(options)?;
    let mut assessor = RiskAssessor::new(context)?;
    assessor.track = Some(TrackIndex::new(history));

    let mut warnings = Vec::new();
    let mut samples: Vec<(&Timestamp, usize, [f64; D], f64, f64)> = Vec::new();
    let mut skipped = 0usize;
    for (i, r) in history.releases.iter().enumerate() {
        let time = r
            .deployed_at
            .as_ref()
            .or(r.planned_end.as_ref())
            .or(r.planned_start.as_ref());
        let (Some(outcome), Some(time)) = (r.outcome, time) else {
            skipped = skipped.saturating_add(1);
            continue;
        };
        // The verdict stays typed: fitting never renders an explanation.
        let mut verdict = assessor.verdict_as_of(r, Some(time.unix_seconds()))?;
        for w in verdict.take_warnings() {
            warnings.push(Warning::new(
                w.code,
                format!("releases[{i}].{}", w.path),
                w.message,
            ));
        }
        let mut x = [0.0; D];
        for (name, value) in verdict.values() {
            if let Some(slot) = x.get_mut(column(name)) {
                *slot = value;
            }
        }
        let y = f64::from(u8::from(matches!(
            outcome,
            Outcome::Failed | Outcome::RolledBack
        )));
        samples.push((time, i, x, y, verdict.score()));
    }
    if skipped > 0 {
        warnings.push(Warning::new(
            "releases_skipped",
            "releases",
            format!("{skipped} releases without an outcome or a time were skipped"),
        ));
    }
    if samples.is_empty() {
        return Err(Error::invalid_input(
            "releases",
            "no release with an outcome and a time (deployed_at, planned_end or planned_start) to learn from",
        ));
    }
    samples.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
    let n = samples.len();
    // A hold-out needs one sample left to train on: none with one sample
    // (fuzzing found `clamp(1, 0)` panicking there).
    let holdout = if options.holdout_fraction > 0.0 && n >= 2 {
        ((n as f64 * options.holdout_fraction).round() as usize).clamp(1, n.saturating_sub(1))
    } else {
        0
    };
    let (train, test) = samples.split_at(n.saturating_sub(holdout));
    let failures =
        |s: &[(&Timestamp, usize, [f64; D], f64, f64)]| s.iter().filter(|x| x.3 > 0.5).count();
    let training_failures = failures(train);
    if training_failures == 0 || training_failures == train.len() {
        let what = if training_failures == 0 {
            "succeeded"
        } else {
            "failed"
        };
        return Err(Error::invalid_input(
            "releases",
            format!(
                "every one of the {} training releases {what}: a failure model needs both outcomes",
                train.len()
            ),
        ));
    }

    // Standardise with the training mean and (population) standard deviation.
    let m = train.len() as f64;
    let mut means = [0.0; D];
    let mut stds = [0.0; D];
    for s in train {
        for (mean, x) in means.iter_mut().zip(&s.2) {
            *mean += x;
        }
    }
    for mean in means.iter_mut() {
        *mean /= m;
    }
    for s in train {
        for ((sd, x), mean) in stds.iter_mut().zip(&s.2).zip(&means) {
            *sd += (x - mean) * (x - mean);
        }
    }
    for sd in stds.iter_mut() {
        let variance = *sd / m;
        *sd = if variance > 1e-24 {
            variance.sqrt()
        } else {
            0.0
        };
    }
    let standardise = |x: &[f64; D]| -> [f64; D] {
        let mut z = [0.0; D];
        for (((zj, xj), mean), sd) in z.iter_mut().zip(x).zip(&means).zip(&stds) {
            *zj = if *sd > 0.0 { (xj - mean) / sd } else { 0.0 };
        }
        if let Some(first) = z.first_mut() {
            *first = 1.0;
        }
        z
    };
    let rows: Vec<([f64; D], f64)> = train.iter().map(|s| (standardise(&s.2), s.3)).collect();
    let (beta, iterations, converged) = newton(&rows, options);

    let mut coefficients = BTreeMap::new();
    let mut mean_map = BTreeMap::new();
    let mut std_map = BTreeMap::new();
    for name in FactorName::ALL {
        let k = column(name);
        let get = |a: &[f64; D]| a.get(k).copied().unwrap_or(0.0);
        coefficients.insert(name.as_str().to_string(), get(&beta));
        mean_map.insert(name.as_str().to_string(), get(&means));
        std_map.insert(name.as_str().to_string(), get(&stds));
        if get(&stds) == 0.0 {
            warnings.push(Warning::new(
                "constant_factor",
                "",
                format!("factor `{name}` has the same value in every training release: it gets no coefficient"),
            ));
        }
    }
    let mut model = RiskModel {
        intercept: beta.first().copied().unwrap_or(0.0),
        coefficients,
        means: mean_map,
        stds: std_map,
        trained_at: train.last().map(|s| s.0.clone()),
        training_samples: train.len() as u64,
        l2: options.l2,
        holdout_auc: None,
        holdout_brier: None,
        extra: Extra::new(),
    };
    let probability = |x: &[f64; D]| {
        predict(
            &model,
            FactorName::ALL
                .into_iter()
                .map(|n| (n.as_str(), x.get(column(n)).copied().unwrap_or(0.0))),
        )
    };
    let train_p: Vec<(f64, f64)> = train.iter().map(|s| (probability(&s.2), s.3)).collect();
    let test_p: Vec<(f64, f64)> = test.iter().map(|s| (probability(&s.2), s.3)).collect();
    let base_rate = training_failures as f64 / m;
    let test_scores: Vec<(f64, f64)> = test.iter().map(|s| (s.4, s.3)).collect();
    let quality = FitQuality {
        holdout_auc: auc(&test_p),
        holdout_brier: brier(&test_p),
        holdout_brier_base_rate: brier(&test.iter().map(|s| (base_rate, s.3)).collect::<Vec<_>>()),
        holdout_score_auc: auc(&test_scores),
        training_auc: auc(&train_p),
        training_brier: brier(&train_p).unwrap_or(0.0),
        iterations,
        converged,
    };
    if holdout > 0 && quality.holdout_auc.is_none() {
        warnings.push(Warning::new(
            "holdout_auc_undefined",
            "releases",
            "the held-out releases all have the same outcome: no AUC",
        ));
    }
    if !converged {
        warnings.push(Warning::new(
            "not_converged",
            "options.max_iterations",
            format!("Newton's method did not converge in {iterations} iterations"),
        ));
    }
    model.holdout_auc = quality.holdout_auc;
    model.holdout_brier = quality.holdout_brier;
    let holdout_failures = failures(test);
    Ok(FittedRiskModel {
        model,
        quality,
        samples: FitSamples {
            releases: history.releases.len(),
            skipped,
            training: train.len(),
            training_failures,
            holdout: test.len(),
            holdout_failures,
        },
        warnings,
    })
}

/// `ln(1 + e^z)`, stable.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn dot(a: &[f64; D], b: &[f64; D]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn objective(rows: &[([f64; D], f64)], beta: &[f64; D], l2: f64) -> f64 {
    let loss: f64 = rows
        .iter()
        .map(|(x, y)| {
            let z = dot(x, beta);
            softplus(z) - y * z
        })
        .sum();
    let penalty: f64 = beta.iter().skip(1).map(|b| b * b).sum();
    loss + 0.5 * l2 * penalty
}

/// Newton's method with step halving on the penalised log-loss. Returns
/// the coefficients (intercept first), the iterations run and whether the
/// last step was below 1e-9.
fn newton(rows: &[([f64; D], f64)], options: &FitOptions) -> ([f64; D], u32, bool) {
    let l2 = options.l2;
    let mut beta = [0.0; D];
    let mut current = objective(rows, &beta, l2);
    for iteration in 1..=options.max_iterations {
        let mut g = [0.0; D];
        let mut h = [[0.0; D]; D];
        for (x, y) in rows {
            let p = sigmoid(dot(x, &beta));
            let w = p * (1.0 - p);
            for ((gj, hrow), xj) in g.iter_mut().zip(h.iter_mut()).zip(x) {
                *gj += (p - y) * xj;
                for (hjk, xk) in hrow.iter_mut().zip(x) {
                    *hjk += w * xj * xk;
                }
            }
        }
        for (j, ((gj, hrow), bj)) in g.iter_mut().zip(h.iter_mut()).zip(&beta).enumerate() {
            let penalty = if j == 0 { 0.0 } else { l2 };
            *gj += penalty * bj;
            if let Some(hjj) = hrow.get_mut(j) {
                *hjj += penalty + 1e-9;
            }
        }
        let Some(step) = cholesky_solve(&h, &g) else {
            return (beta, iteration, false);
        };
        let mut t = 1.0;
        loop {
            let mut candidate = beta;
            for (c, s) in candidate.iter_mut().zip(&step) {
                *c -= t * s;
            }
            let value = objective(rows, &candidate, l2);
            if value.is_finite() && value <= current {
                beta = candidate;
                current = value;
                break;
            }
            t *= 0.5;
            if t < 1e-10 {
                return (beta, iteration, true);
            }
        }
        let size = step.iter().fold(0.0f64, |m, s| m.max((t * s).abs()));
        if size < 1e-9 {
            return (beta, iteration, true);
        }
    }
    (beta, options.max_iterations, false)
}

/// Solves `a x = b` for a symmetric positive definite `a` (Cholesky).
fn cholesky_solve(a: &[[f64; D]; D], b: &[f64; D]) -> Option<[f64; D]> {
    let mut l = [[0.0; D]; D];
    for i in 0..D {
        for j in 0..=i {
            let mut s = *a.get(i)?.get(j)?;
            for k in 0..j {
                s -= l.get(i)?.get(k)? * l.get(j)?.get(k)?;
            }
            let v = if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                s.sqrt()
            } else {
                s / l.get(j)?.get(j)?
            };
            *l.get_mut(i)?.get_mut(j)? = v;
        }
    }
    let mut y = [0.0; D];
    for i in 0..D {
        let mut s = *b.get(i)?;
        for k in 0..i {
            s -= l.get(i)?.get(k)? * y.get(k)?;
        }
        *y.get_mut(i)? = s / l.get(i)?.get(i)?;
    }
    let mut x = [0.0; D];
    for i in (0..D).rev() {
        let mut s = *y.get(i)?;
        for k in i.saturating_add(1)..D {
            s -= l.get(k)?.get(i)? * x.get(k)?;
        }
        *x.get_mut(i)? = s / l.get(i)?.get(i)?;
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The area under the ROC curve of `(score, outcome)` pairs: the
/// probability that a random failure scores above a random success, ties
/// counting one half (Mann–Whitney with average ranks). `None` without
/// both outcomes.
pub(crate) fn auc(pairs: &[(f64, f64)]) -> Option<f64> {
    let positives = pairs.iter().filter(|p| p.1 > 0.5).count();
    let negatives = pairs.len().saturating_sub(positives);
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<&(f64, f64)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let score = sorted.get(i).map_or(0.0, |p| p.0);
        let mut j = i;
        while sorted.get(j).is_some_and(|p| p.0 == score) {
            j = j.saturating_add(1);
        }
        // Ranks i+1 ..= j share their average (j <= len: no saturation).
        let average = i.saturating_add(1).saturating_add(j) as f64 / 2.0;
        let tied_positives = sorted
            .get(i..j)
            .map_or(0, |s| s.iter().filter(|p| p.1 > 0.5).count());
        rank_sum += average * tied_positives as f64;
        i = j;
    }
    let (p, q) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * q))
}

/// The Brier score of `(probability, outcome)` pairs; `None` when empty.
pub(crate) fn brier(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let sum: f64 = pairs.iter().map(|(p, y)| (p - y) * (p - y)).sum();
    Some(sum / pairs.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_one_half() {
        assert_eq!(auc(&[(0.5, 1.0), (0.5, 0.0)]), Some(0.5));
        assert_eq!(auc(&[(0.9, 1.0), (0.1, 0.0)]), Some(1.0));
        assert_eq!(auc(&[(0.1, 1.0), (0.9, 0.0)]), Some(0.0));
        // 2 positives × 2 negatives: pairs (0.8>0.2) (0.8>0.5) (0.5=0.5 → ½) (0.5>0.2) = 3.5 / 4
        assert_eq!(
            auc(&[(0.8, 1.0), (0.5, 1.0), (0.5, 0.0), (0.2, 0.0)]),
            Some(0.875)
        );
        assert_eq!(auc(&[(0.8, 1.0)]), None);
    }

    #[test]
    fn cholesky_solves_a_diagonal_system() {
        let mut a = [[0.0; D]; D];
        for (i, row) in a.iter_mut().enumerate() {
            row[i] = 2.0;
        }
        let x = cholesky_solve(&a, &[4.0; D]).unwrap();
        assert!(x.iter().all(|v| (v - 2.0).abs() < 1e-12));
    }
}
