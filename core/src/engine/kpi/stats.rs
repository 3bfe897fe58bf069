//! The statistics behind every KPI: rates with their numerator and
//! denominator, and duration summaries (true median, p90 by linear
//! interpolation, mean). An empty set gives `null` with a reason, never 0
//! or NaN (`docs/kpi.md`, "Statistics").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A share: `value = numerator / denominator`, or `null` with a reason when
/// the denominator is 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rate {
    /// Records counted in the numerator.
    pub numerator: u64,
    /// Records counted in the denominator.
    pub denominator: u64,
    /// `numerator / denominator` (0–1), `null` when the denominator is 0.
    pub value: Option<f64>,
    /// Why `value` is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Rate {
    /// The rate `numerator / denominator`; `empty` explains a zero
    /// denominator.
    pub fn new(numerator: u64, denominator: u64, empty: &str) -> Rate {
        if denominator == 0 {
            Rate {
                numerator,
                denominator,
                value: None,
                reason: Some(empty.to_string()),
            }
        } else {
            Rate {
                numerator,
                denominator,
                value: Some(numerator as f64 / denominator as f64),
                reason: None,
            }
        }
    }
}

/// A summary of durations in seconds: count, true median, p90 and mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DurationStats {
    /// How many durations were summarised.
    pub count: u64,
    /// The median: the middle value, or the mean of the middle pair for an
    /// even count; `null` for an empty set.
    pub median_secs: Option<f64>,
    /// The 90th percentile by linear interpolation between order statistics
    /// (numpy's default `linear` method); `null` for an empty set.
    pub p90_secs: Option<f64>,
    /// The arithmetic mean; `null` for an empty set.
    pub mean_secs: Option<f64>,
    /// Why the values are `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl DurationStats {
    /// Summarises `values`, sorting them in place; `empty` explains an
    /// empty set.
    ///
    /// Linear time: the order statistics are found by selection
    /// (`select_nth_unstable`), not by sorting; the values are the same as
    /// [`DurationStats::of_sorted`] on the sorted values.
    pub fn of(values: &mut [i64], empty: &str) -> DurationStats {
        let n = values.len();
        if n == 0 {
            return Self::of_sorted(&[], empty);
        }
        let sum: i128 = values.iter().map(|v| i128::from(*v)).sum();
        // p90 needs x[lo] and x[lo + 1]; the median x[n/2] (and x[n/2 − 1]).
        let h = n.saturating_sub(1) as f64 * 0.9;
        let lo = h.floor() as usize;
        let frac = h - lo as f64;
        let (_, a, right) = values.select_nth_unstable(lo);
        let a = *a;
        let b = right.iter().min().copied().unwrap_or(a);
        let p90 = if frac > 0.0 {
            a as f64 + frac * (b as f64 - a as f64)
        } else {
            a as f64
        };
        // The first selection left every value below position `lo` in
        // `values[..lo]`: the median (at n/2 < lo) is selected there.
        let below = if n / 2 < lo {
            values.get_mut(..lo).unwrap_or_default()
        } else {
            values
        };
        let (left, hi, _) = below.select_nth_unstable(n / 2);
        let hi = *hi;
        let median = if n % 2 == 1 {
            hi as f64
        } else {
            let lo = left.iter().max().copied().unwrap_or(hi);
            // Two i64 never overflow an i128.
            (i128::from(lo).saturating_add(i128::from(hi)) as f64) / 2.0
        };
        DurationStats {
            count: n as u64,
            median_secs: Some(median),
            p90_secs: Some(p90),
            mean_secs: Some(sum as f64 / n as f64),
            reason: None,
        }
    }

    /// Summarises values already sorted ascending.
    pub fn of_sorted(sorted: &[i64], empty: &str) -> DurationStats {
        let count = sorted.len() as u64;
        match (median(sorted), percentile(sorted, 0.9)) {
            (Some(m), Some(p)) => {
                let sum: i128 = sorted.iter().map(|v| i128::from(*v)).sum();
                DurationStats {
                    count,
                    median_secs: Some(m),
                    p90_secs: Some(p),
                    mean_secs: Some(sum as f64 / count as f64),
                    reason: None,
                }
            }
            _ => DurationStats {
                count,
                median_secs: None,
                p90_secs: None,
                mean_secs: None,
                reason: Some(empty.to_string()),
            },
        }
    }
}

/// The true median of sorted values: the middle one, or the mean of the
/// middle pair; `None` when empty.
pub fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let hi = *sorted.get(n / 2)?;
    if n % 2 == 1 {
        Some(hi as f64)
    } else {
        let lo = *sorted.get((n / 2).saturating_sub(1))?;
        Some((i128::from(lo).saturating_add(i128::from(hi)) as f64) / 2.0)
    }
}

/// The `p`-quantile (0 ≤ p ≤ 1) of sorted values by linear interpolation
/// between order statistics: `h = (n − 1)·p`, `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`
/// (numpy's default); `None` when empty.
pub fn percentile(sorted: &[i64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = n.saturating_sub(1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    let a = *sorted.get(lo)? as f64;
    match sorted.get(lo.saturating_add(1)) {
        Some(b) if frac > 0.0 => Some(a + frac * (*b as f64 - a)),
        _ => Some(a),
    }
}

/// The median of non-negative counts (deploy days per week).
pub fn median_counts(values: &mut [u32]) -> Option<f64> {
    let mut as_i64: Vec<i64> = values.iter().map(|v| i64::from(*v)).collect();
    as_i64.sort_unstable();
    median(&as_i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_count_averages_middle_pair() {
        assert_eq!(median(&[1, 2, 3, 10]), Some(2.5));
        assert_eq!(median(&[5]), Some(5.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn percentile_matches_numpy_linear() {
        // numpy.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9.1
        let v: Vec<i64> = (1..=10).collect();
        let p = percentile(&v, 0.9).unwrap();
        assert!((p - 9.1).abs() < 1e-12, "{p}");
        // numpy.percentile([10, 20], 90) == 19.0
        assert_eq!(percentile(&[10, 20], 0.9), Some(19.0));
        assert_eq!(percentile(&[7], 0.9), Some(7.0));
    }

    #[test]
    fn empty_sets_are_null_with_a_reason() {
        let s = DurationStats::of(&mut [], "no values");
        assert_eq!(s.median_secs, None);
        assert_eq!(s.reason.as_deref(), Some("no values"));
        let r = Rate::new(0, 0, "nothing");
        assert_eq!(r.value, None);
    }
}
