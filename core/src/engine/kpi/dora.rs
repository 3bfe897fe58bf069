//! The DORA benchmark table, kept as data: performance clusters of the
//! *Accelerate State of DevOps Report 2023* (DORA / Google Cloud), and the
//! rule that places a measured value in a tier (`docs/kpi.md`, "Tiers:
//! the DORA benchmark table").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A performance tier of the benchmark table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Elite performers.
    Elite,
    /// High performers.
    High,
    /// Medium performers.
    Medium,
    /// Low performers.
    Low,
}

/// One band of a metric: `min ≤ value ≤ max` (an absent bound is open).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct Band {
    /// The tier this band belongs to.
    pub tier: Tier,
    /// Lowest value in the band, inclusive.
    pub min: Option<f64>,
    /// Highest value in the band, inclusive.
    pub max: Option<f64>,
    /// The band as the report words it.
    pub label: &'static str,
}

/// The bands of one metric, best tier first.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct MetricBands {
    /// The metric (`deployment_frequency`, `lead_time`, …).
    pub metric: &'static str,
    /// The unit the bands are in.
    pub unit: &'static str,
    /// True when a larger value is better (deployment frequency).
    pub higher_is_better: bool,
    /// Bands, best tier first.
    pub bands: &'static [Band],
}

/// A benchmark table with its source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct BenchmarkTable {
    /// The publication the table comes from.
    pub source: &'static str,
    /// Its year.
    pub year: u16,
    /// How the table's wording was turned into numbers.
    pub notes: &'static str,
    /// One entry per metric the table covers.
    pub metrics: &'static [MetricBands],
}

const DAY: f64 = 86_400.0;
const HOUR: f64 = 3_600.0;
const WEEK: f64 = 7.0 * DAY;
const MONTH: f64 = 30.0 * DAY;
/// Once a month, in deployments per week (12 months / 52.1775 weeks).
const ONCE_A_MONTH_PER_WEEK: f64 = 12.0 / 52.1775;

const fn band(tier: Tier, min: Option<f64>, max: Option<f64>, label: &'static str) -> Band {
    Band {
        tier,
        min,
        max,
        label,
    }
}

/// The 2023 clusters (Accelerate State of DevOps Report 2023, "Software
/// delivery performance" table). Low and medium share their deployment
/// frequency and lead time bands; the better tier wins.
pub const DORA_2023: BenchmarkTable = BenchmarkTable {
    source: "Accelerate State of DevOps Report 2023 (DORA, Google Cloud), software delivery performance clusters",
    year: 2023,
    notes: "deployment frequency in successful production deployments per week (on demand = at least daily = 7/week; once a month = 12/52.1775 per week); lead time and recovery on the median, in seconds (a month = 30 days); the change failure rates 5/10/15/64 % are read as upper bounds 5/10/15 % and the rest; a value inside several bands gets the better tier; a value in a gap between bands gets the next worse band's tier; beyond the worst band, the worst tier; the 2023 table has no rework rate",
    metrics: &[
        MetricBands {
            metric: "deployment_frequency",
            unit: "deployments_per_week",
            higher_is_better: true,
            bands: &[
                band(Tier::Elite, Some(7.0), None, "on demand (multiple deploys per day)"),
                band(Tier::High, Some(1.0), Some(7.0), "between once per day and once per week"),
                band(Tier::Medium, Some(ONCE_A_MONTH_PER_WEEK), Some(1.0), "between once per week and once per month"),
                band(Tier::Low, Some(ONCE_A_MONTH_PER_WEEK), Some(1.0), "between once per week and once per month"),
            ],
        },
        MetricBands {
            metric: "lead_time",
            unit: "seconds",
            higher_is_better: false,
            bands: &[
                band(Tier::Elite, Some(0.0), Some(DAY), "less than one day"),
                band(Tier::High, Some(DAY), Some(WEEK), "between one day and one week"),
                band(Tier::Medium, Some(WEEK), Some(MONTH), "between one week and one month"),
                band(Tier::Low, Some(WEEK), Some(MONTH), "between one week and one month"),
            ],
        },
        MetricBands {
            metric: "change_failure_rate",
            unit: "fraction",
            higher_is_better: false,
            bands: &[
                band(Tier::Elite, Some(0.0), Some(0.05), "5%"),
                band(Tier::High, Some(0.05), Some(0.10), "10%"),
                band(Tier::Medium, Some(0.10), Some(0.15), "15%"),
                band(Tier::Low, Some(0.15), Some(1.0), "64%"),
            ],
        },
        MetricBands {
            metric: "failed_deployment_recovery_time",
            unit: "seconds",
            higher_is_better: false,
            bands: &[
                band(Tier::Elite, Some(0.0), Some(HOUR), "less than one hour"),
                band(Tier::High, Some(0.0), Some(DAY), "less than one day"),
                band(Tier::Medium, Some(DAY), Some(WEEK), "between one day and one week"),
                band(Tier::Low, Some(MONTH), Some(6.0 * MONTH), "between one month and six months"),
            ],
        },
    ],
};

/// The tier of a measured value and the band it fell in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TierVerdict {
    /// The tier; `null` when the value or the benchmark is missing.
    pub tier: Option<Tier>,
    /// The band's wording, or why there is no tier.
    pub explanation: String,
}

/// Why a value has its tier, typed: [`TierReason`]'s `Display` is the
/// explanation a [`TierVerdict`] shows, written only when a report is
/// rendered ([`Tiering::render`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TierReason<'a> {
    /// The table has no bands for the metric.
    NoMetric {
        /// The table's year.
        year: u16,
        /// The metric asked for.
        metric: &'a str,
    },
    /// No value was measured; the caller's reason.
    Missing(&'a str),
    /// The value fell in, between or beyond the bands.
    Band {
        /// The measured value.
        value: f64,
        /// Its unit.
        unit: &'static str,
        /// `in the band`, `between bands; next worse band` or `beyond the worst band`.
        how: &'static str,
        /// The band's wording.
        label: &'static str,
        /// The table's source.
        source: &'static str,
        /// The table's year.
        year: u16,
    },
    /// The metric has no bands at all.
    EmptyTable,
}

impl std::fmt::Display for TierReason<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TierReason::NoMetric { year, metric } => {
                write!(f, "the {year} benchmark table has no {metric}")
            }
            TierReason::Missing(why) => f.write_str(why),
            TierReason::Band {
                value,
                unit,
                how,
                label,
                source,
                year,
            } => write!(f, "{value} {unit} is {how} `{label}` ({source} {year})"),
            TierReason::EmptyTable => f.write_str("empty benchmark table"),
        }
    }
}

/// A tier and its typed reason, before rendering.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tiering<'a> {
    /// The tier; `None` when the value or the benchmark is missing.
    pub tier: Option<Tier>,
    /// Why.
    pub reason: TierReason<'a>,
}

impl Tiering<'_> {
    /// The verdict as reports show it (the reason written out).
    pub fn render(&self) -> TierVerdict {
        TierVerdict {
            tier: self.tier,
            explanation: self.reason.to_string(),
        }
    }
}

impl BenchmarkTable {
    /// The tier of `value` for `metric`, rendered (see [`BenchmarkTable::classify`]).
    pub fn tier(&self, metric: &str, value: Option<f64>, missing: &str) -> TierVerdict {
        self.classify(metric, value, missing).render()
    }

    /// The tier of `value` for `metric` with its typed reason (see
    /// [`DORA_2023`]'s notes for the rule); `None` as value gives no tier
    /// with `missing` as the reason.
    pub fn classify<'a>(
        &self,
        metric: &'a str,
        value: Option<f64>,
        missing: &'a str,
    ) -> Tiering<'a> {
        let Some(bands) = self.metrics.iter().find(|m| m.metric == metric) else {
            return Tiering {
                tier: None,
                reason: TierReason::NoMetric {
                    year: self.year,
                    metric,
                },
            };
        };
        let Some(v) = value else {
            return Tiering {
                tier: None,
                reason: TierReason::Missing(missing),
            };
        };
        let contains = |b: &Band| b.min.is_none_or(|m| v >= m) && b.max.is_none_or(|m| v <= m);
        // Bands are best first: the first match is the better tier.
        let worse = |b: &Band| {
            if bands.higher_is_better {
                b.max.is_some_and(|m| m < v)
            } else {
                b.min.is_some_and(|m| m > v)
            }
        };
        let (found, how) = match bands.bands.iter().find(|b| contains(b)) {
            Some(b) => (Some(b), "in the band"),
            None => match bands.bands.iter().find(|b| worse(b)) {
                Some(b) => (Some(b), "between bands; next worse band"),
                None => (bands.bands.last(), "beyond the worst band"),
            },
        };
        match found {
            Some(b) => Tiering {
                tier: Some(b.tier),
                reason: TierReason::Band {
                    value: v,
                    unit: bands.unit,
                    how,
                    label: b.label,
                    source: self.source,
                    year: self.year,
                },
            },
            None => Tiering {
                tier: None,
                reason: TierReason::EmptyTable,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_bands_give_the_better_tier() {
        let t = DORA_2023.tier("lead_time", Some(10.0 * DAY), "");
        assert_eq!(t.tier, Some(Tier::Medium));
        let t = DORA_2023.tier("failed_deployment_recovery_time", Some(1800.0), "");
        assert_eq!(t.tier, Some(Tier::Elite));
        let t = DORA_2023.tier("deployment_frequency", Some(0.5), "");
        assert_eq!(t.tier, Some(Tier::Medium));
    }

    #[test]
    fn gaps_and_extremes() {
        // Two weeks lies between medium (≤ 1 week) and low (≥ 1 month).
        let t = DORA_2023.tier("failed_deployment_recovery_time", Some(14.0 * DAY), "");
        assert_eq!(t.tier, Some(Tier::Low));
        let t = DORA_2023.tier("deployment_frequency", Some(0.01), "");
        assert_eq!(t.tier, Some(Tier::Low));
        let t = DORA_2023.tier("deployment_frequency", Some(30.0), "");
        assert_eq!(t.tier, Some(Tier::Elite));
        let t = DORA_2023.tier("rework_rate", Some(0.1), "");
        assert_eq!(t.tier, None);
        let t = DORA_2023.tier("lead_time", None, "no lead times");
        assert_eq!(t.explanation, "no lead times");
        let t = DORA_2023.classify("lead_time", Some(10.0 * DAY), "");
        assert!(matches!(
            t.reason,
            TierReason::Band {
                how: "in the band",
                ..
            }
        ));
        let shown = t.render().explanation;
        assert!(
            shown.starts_with(&format!("{} seconds is in the band `", 10.0 * DAY)),
            "{shown}"
        );
        assert!(shown.ends_with(" 2023)"), "{shown}");
    }
}
