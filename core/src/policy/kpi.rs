//! KPI section: time zone and week start of the buckets, production
//! environments, incident attribution, the period, series buckets and
//! grouping (docs/kpi.md, "Options").

use crate::document::{Extra, Weekday};
use crate::error::Problem;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How incidents are attributed to deployments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentAttribution {
    /// Only `caused_by` links count.
    Explicit,
    /// `caused_by`, else the latest production deployment of the same
    /// service within `attribution_window_secs` before the incident.
    #[default]
    ExplicitThenWindow,
}

/// Which calendar buckets the KPI series uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeriesInterval {
    /// Weeks starting on `week_start`, local to `time_zone`.
    #[default]
    Week,
    /// Calendar months local to `time_zone`.
    Month,
}

impl SeriesInterval {
    /// True for the default, weekly buckets.
    pub fn is_week(&self) -> bool {
        *self == SeriesInterval::Week
    }
}

/// What KPIs can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KpiGroupBy {
    /// The deployment's / incident's service; each of a release's `services[]`.
    Service,
    /// The deployment's `team`; each member of a release's `team[]`.
    Team,
    /// The deployment's environment; each of a release's `environments[]`.
    Environment,
}

/// KPI section.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct KpiPolicy {
    /// IANA time zone for day and week buckets (default `UTC`).
    pub time_zone: String,
    /// First day of a week bucket (default `mon`).
    pub week_start: Weekday,
    /// Environments that count as production (default `["production"]`).
    pub production_environments: Vec<String>,
    /// Incident attribution rule.
    pub incident_attribution: IncidentAttribution,
    /// Window for attribution by time, in seconds (default 86 400).
    pub attribution_window_secs: u64,
    /// Start of the period (inclusive); absent: unbounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_from: Option<crate::Timestamp>,
    /// End of the period (exclusive, after `period_from`); absent: unbounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_to: Option<crate::Timestamp>,
    /// Series buckets: `week` (default) or `month`. Written only when not
    /// the default, so that policies (and their fingerprints) written
    /// before this option existed stay the same.
    #[serde(skip_serializing_if = "SeriesInterval::is_week")]
    pub series: SeriesInterval,
    /// Group the KPIs by service, team or environment (default: no groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<KpiGroupBy>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for KpiPolicy {
    fn default() -> Self {
        KpiPolicy {
            time_zone: "UTC".to_string(),
            week_start: Weekday::Mon,
            production_environments: vec!["production".to_string()],
            incident_attribution: IncidentAttribution::default(),
            attribution_window_secs: 86_400,
            period_from: None,
            period_to: None,
            series: SeriesInterval::Week,
            group_by: None,
            extra: Extra::new(),
        }
    }
}

impl KpiPolicy {
    /// Appends every problem of this section (paths `kpi.…` through `at`).
    pub(crate) fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            problems.push(Problem::new(
                at("kpi.time_zone"),
                format!("`{}` is not an IANA time zone name", self.time_zone),
            ));
        }
        if self.production_environments.is_empty() {
            problems.push(Problem::new(
                at("kpi.production_environments"),
                "at least one production environment is needed",
            ));
        }
        if self.attribution_window_secs == 0 {
            problems.push(Problem::new(
                at("kpi.attribution_window_secs"),
                "must be > 0",
            ));
        }
        if let (Some(from), Some(to)) = (&self.period_from, &self.period_to) {
            if to <= from {
                problems.push(Problem::new(
                    at("kpi.period_to"),
                    format!("must be after period_from ({to} is not after {from})"),
                ));
            }
        }
    }
}
