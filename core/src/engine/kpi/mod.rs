//! KPIs: the DORA five keys and the ITIL release KPIs over a [`History`]
//! (`docs/kpi.md`).
//!
//! What it decides: for a period, every KPI of the report (each defined
//! below as a formula: records counted, numerator, denominator, timestamps,
//! exclusions), a DORA tier per metric against [`dora::DORA_2023`], a
//! series per week or month and, on request, the same per service, team or
//! environment. What it needs: the history (deployments, incidents,
//! releases with their audit logs) and the options — the policy's `kpi`
//! section overridden by call options ([`KpiOptions`]).
//!
//! Scale-out: [`KpiAccumulator`] takes records one by one or by slices;
//! accumulators built on any partition of the records [`merge`] into the
//! same report as one accumulator over all of them, exactly (every sum is
//! an integer, every median is taken from all values, every tie is broken
//! on the records' content). See [`KpiAccumulator`] for the memory cost.
//! Accumulators travel between processes of one relman version as bytes
//! ([`to_bytes`], [`from_bytes`]; `docs/kpi.md`, "Bytes: shipping
//! accumulators between processes").
//!
//! [`merge`]: KpiAccumulator::merge
//! [`to_bytes`]: KpiAccumulator::to_bytes
//! [`from_bytes`]: KpiAccumulator::from_bytes
//!
//! # Definitions
//!
//! Times are whole seconds (sub-second parts are dropped). A record is in
//! the period when its reference time `t` has `from ≤ t < to` (an absent
//! bound is open); records outside the period are ignored, not errors.
//! Reference times: a deployment's `finished_at`, an incident's
//! `created_at`, a release's `deployed_at`, else its last audit event, else
//! its `created_at` (a release with none of them is counted only without
//! period bounds and is in no series bucket).
//!
//! *Production deployments* are deployments in the period whose
//! `environment` is one of `production_environments`; the DORA metrics
//! count only them. A *successful* deployment has outcome `success` or
//! `success_with_issues`.
//!
//! - **Deployment frequency**: `per_day = S / D`, `per_week = 7·S / D`,
//!   where `S` is the number of successful production deployments and `D`
//!   the number of local calendar days of the period (in `time_zone`; the
//!   days from the local day of `from` to the local day of `to − 1 s`, or,
//!   without bounds, from the first to the last local day with a record).
//!   `median_deploy_days_per_week`: for every week bucket touching the
//!   period (partial weeks included, empty weeks as 0), the number of
//!   distinct local days with a successful production deployment; the
//!   median of those counts. Tier on `per_week`.
//! - **Lead time for changes**: for every change id shipped by a successful
//!   production deployment, `lead = finished_at(first such deployment) −
//!   committed_at`, the first deployment being the earliest `finished_at`
//!   (ties: the earliest `committed_at`, then service, environment, team
//!   names). Changes without `committed_at` and negative leads are counted
//!   and excluded. Median, p90, mean over the changes; tier on the median.
//! - **Change failure rate**: `F / N`, `N` = production deployments (every
//!   outcome), `F` = those with outcome `failed` or `rolled_back`, or with at
//!   least one incident attributed to them; each deployment counted once.
//!   `success_with_issues` is a success.
//! - **Failed-deployment recovery time**: for every deployment counted in
//!   `F`, from its `finished_at` to whichever comes first of (a) the
//!   earliest `resolved_at` (not before that `finished_at`) of an incident
//!   attributed to it and (b) the `finished_at` of the next successful
//!   production deployment of the same service and environment. Failures
//!   with neither are counted as `unrecovered` and excluded. Median, p90,
//!   mean; tier on the median.
//! - **Deployment rework rate**: production deployments of kind `hotfix` or
//!   `rework` over all production deployments. The 2023 table has no
//!   rework tier.
//! - **Incident attribution**: an incident's `caused_by` names its
//!   deployment (`explicit`); with `explicit_then_window`, an incident
//!   without `caused_by` is attributed to the latest production deployment
//!   of its service finishing at or before `created_at` and at most
//!   `attribution_window_secs` earlier (ties: the greatest id). Incidents
//!   attributed to nothing are *unattributable*; incidents whose
//!   `caused_by` is not a counted production deployment are
//!   `linked_to_uncounted`. Both are counted and reported.
//!
//! ITIL, over the releases in the period:
//! - **release success rate**: outcome `success`/`success_with_issues` over
//!   releases with an outcome; **rollback rate**: outcome `rolled_back` over
//!   releases with an outcome;
//! - **emergency-release ratio**: kind `emergency` over all releases;
//! - **on-schedule rate**: `planned_start ≤ deployed_at ≤ planned_end` over
//!   releases with `deployed_at` and both planned bounds;
//! - **time in each state** (median, p90, mean over releases): from the
//!   audit log, each state-changing event (`from ≠ to`) ends the time in
//!   `from` and starts the time in `to`; `planning` starts at `created_at`;
//!   a release's repeated stays in one state are added up; the state it is
//!   still in is not counted. Time in `approval` is the CAB approval lead
//!   time;
//! - **UAT pass rate**: Σ passed over Σ (passed + failed) of the UAT runs;
//! - **incidents per release**: distinct incidents per release, counting
//!   the release's `links.incidents` and the incidents attributed to its
//!   production deployments (`release_id`), over all releases;
//! - **PIR share**: releases with `review.completed_at` over releases with
//!   an outcome; **knowledge-article share**: releases with at least one
//!   knowledge article over all releases.

mod accumulate;
mod arena;
mod attribute;
mod bytes;
mod days;
pub mod dora;
mod dora_keys;
mod finish;
mod groups;
mod intern;
mod itil;
mod merge;
mod series;
mod sort;
pub mod stats;

pub use accumulate::{DeploymentFields, IncidentFields, KpiAccumulator};
pub use dora::{BenchmarkTable, Tier, TierReason, TierVerdict, Tiering, DORA_2023};
pub use stats::{DurationStats, Rate};

use crate::document::{History, Weekday};
use crate::error::{Error, Problem, Result, Warning};
use crate::policy::{IncidentAttribution, KpiGroupBy, KpiPolicy, SeriesInterval};
use crate::Timestamp;

/// The most points one KPI series may have (weeks or months from the first
/// to the last day of the period): 10 000, i.e. 190 years of weeks; a
/// longer period is `limit_exceeded` at `options.series`.
pub const MAX_SERIES_POINTS: u64 = 10_000;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Call options of [`compute_kpis`]; every field overrides the policy's
/// `kpi` section when set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KpiOptions {
    /// Start of the period (inclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    /// End of the period (exclusive; after `from`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Timestamp>,
    /// IANA time zone for days, weeks and months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// First day of a week.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub week_start: Option<Weekday>,
    /// Environments that count as production.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_environments: Option<Vec<String>>,
    /// Incident attribution rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_attribution: Option<IncidentAttribution>,
    /// Window of attribution by time, in seconds (> 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution_window_secs: Option<u64>,
    /// Series buckets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<SeriesInterval>,
    /// Group by service, team or environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<KpiGroupBy>,
}

/// The options in force: the policy's `kpi` section with the call options
/// applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KpiSettings {
    /// Start of the period (inclusive), if bounded.
    pub from: Option<Timestamp>,
    /// End of the period (exclusive), if bounded.
    pub to: Option<Timestamp>,
    /// IANA time zone of days, weeks and months.
    pub time_zone: String,
    /// First day of a week.
    pub week_start: Weekday,
    /// Environments that count as production.
    pub production_environments: Vec<String>,
    /// Incident attribution rule.
    pub incident_attribution: IncidentAttribution,
    /// Window of attribution by time, in seconds.
    pub attribution_window_secs: u64,
    /// Series buckets.
    pub series: SeriesInterval,
    /// Grouping, if any.
    pub group_by: Option<KpiGroupBy>,
}

impl KpiSettings {
    /// Applies `options` over `policy`: a bad policy value is
    /// `invalid_policy` (path `kpi.…`), a bad option `invalid_input` (path
    /// `options.…`).
    pub fn resolve(policy: &KpiPolicy, options: &KpiOptions) -> Result<KpiSettings> {
        let mut policy_problems = Vec::new();
        policy.check(&|f: &str| f.to_string(), &mut policy_problems);
        if !policy_problems.is_empty() {
            return Err(Error::InvalidPolicy {
                problems: policy_problems,
            });
        }
        let settings = KpiSettings {
            from: options.from.clone().or_else(|| policy.period_from.clone()),
            to: options.to.clone().or_else(|| policy.period_to.clone()),
            time_zone: options
                .time_zone
                .clone()
                .unwrap_or_else(|| policy.time_zone.clone()),
            week_start: options.week_start.unwrap_or(policy.week_start),
            production_environments: options
                .production_environments
                .clone()
                .unwrap_or_else(|| policy.production_environments.clone()),
            incident_attribution: options
                .incident_attribution
                .unwrap_or(policy.incident_attribution),
            attribution_window_secs: options
                .attribution_window_secs
                .unwrap_or(policy.attribution_window_secs),
            series: options.series.unwrap_or(policy.series),
            group_by: options.group_by.or(policy.group_by),
        };
        let mut problems = Vec::new();
        if settings.time_zone.parse::<chrono_tz::Tz>().is_err() {
            problems.push(Problem::new(
                "options.time_zone",
                format!("`{}` is not an IANA time zone name", settings.time_zone),
            ));
        }
        if let (Some(from), Some(to)) = (&settings.from, &settings.to) {
            if to <= from {
                let path = if options.to.is_some() || options.from.is_some() {
                    "options.to"
                } else {
                    "kpi.period_to"
                };
                problems.push(Problem::new(
                    path,
                    format!("must be after from ({to} is not after {from})"),
                ));
            }
        }
        if settings.production_environments.is_empty() {
            problems.push(Problem::new(
                "options.production_environments",
                "at least one production environment is needed",
            ));
        }
        if settings.attribution_window_secs == 0 {
            problems.push(Problem::new(
                "options.attribution_window_secs",
                "must be > 0",
            ));
        }
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(Error::InvalidInput { problems })
        }
    }
}

/// Deployment frequency of a set of records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeploymentFrequency {
    /// Successful production deployments (`S`).
    pub deployments: u64,
    /// Local calendar days of the period or bucket (`D`).
    pub days: u64,
    /// `S / D`.
    pub per_day: Option<f64>,
    /// `7·S / D`.
    pub per_week: Option<f64>,
    /// Week buckets touching the period or bucket.
    pub weeks: u64,
    /// Median over those weeks of the distinct days with a successful
    /// production deployment.
    pub median_deploy_days_per_week: Option<f64>,
    /// Why the values are `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// DORA tier on `per_week`.
    pub tier: TierVerdict,
}

/// Lead time for changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LeadTime {
    /// Lead times of distinct changes (commit → first successful production
    /// deployment), in seconds.
    pub stats: DurationStats,
    /// Changes shipped without `committed_at` (excluded).
    pub without_commit_time: u64,
    /// Changes committed after their deployment finished (excluded).
    pub negative: u64,
    /// DORA tier on the median.
    pub tier: TierVerdict,
}

/// Change failure rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChangeFailureRate {
    /// Failed production deployments over production deployments.
    pub rate: Rate,
    /// Deployments with outcome `failed` or `rolled_back`.
    pub failed_or_rolled_back: u64,
    /// Deployments with at least one attributed incident (a deployment in
    /// both counts is counted once in `rate`).
    pub with_incident: u64,
    /// DORA tier.
    pub tier: TierVerdict,
}

/// Failed-deployment recovery time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecoveryTime {
    /// Recovery times of the failed deployments, in seconds.
    pub stats: DurationStats,
    /// Failed deployments with no resolution and no later success.
    pub unrecovered: u64,
    /// DORA tier on the median.
    pub tier: TierVerdict,
}

/// Deployment rework rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReworkRate {
    /// Hotfix and rework deployments over production deployments.
    pub rate: Rate,
    /// DORA tier (none in the 2023 table).
    pub tier: TierVerdict,
}

/// The DORA five keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DoraKpis {
    /// Production deployments (every outcome).
    pub production_deployments: u64,
    /// Deployment frequency.
    pub deployment_frequency: DeploymentFrequency,
    /// Lead time for changes.
    pub lead_time: LeadTime,
    /// Change failure rate.
    pub change_failure_rate: ChangeFailureRate,
    /// Failed-deployment recovery time.
    pub failed_deployment_recovery_time: RecoveryTime,
    /// Deployment rework rate.
    pub rework_rate: ReworkRate,
    /// Incidents attributed to these deployments.
    pub attributed_incidents: u64,
    /// Incidents attributed to nothing (created in the bucket; per service
    /// group when grouping by service; 0 in other groups).
    pub unattributable_incidents: u64,
}

/// The ITIL release KPIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ItilKpis {
    /// Releases counted.
    pub releases: u64,
    /// Successful over releases with an outcome.
    pub release_success_rate: Rate,
    /// Rolled back over releases with an outcome.
    pub rollback_rate: Rate,
    /// Emergency releases over releases.
    pub emergency_release_ratio: Rate,
    /// Deployed inside the planned window over releases with both.
    pub on_schedule_rate: Rate,
    /// Time in each lifecycle state (planning … review), in seconds.
    pub time_in_state: BTreeMap<String, DurationStats>,
    /// UAT cases passed over passed + failed.
    pub uat_pass_rate: Rate,
    /// Distinct incidents over releases (may exceed 1).
    pub incidents_per_release: Rate,
    /// Releases with a completed review over releases with an outcome.
    pub pir_share: Rate,
    /// Releases with knowledge articles over releases.
    pub knowledge_article_share: Rate,
}

/// Every KPI for one set of records (the period, a bucket or a group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KpiSet {
    /// DORA.
    pub dora: DoraKpis,
    /// ITIL.
    pub itil: ItilKpis,
}

/// One bucket of the series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SeriesBucket {
    /// `2026-11-02` (week starting that day) or `2026-11` (month).
    pub bucket: String,
    /// First local day of the bucket inside the period.
    pub first_day: String,
    /// Last local day of the bucket inside the period.
    pub last_day: String,
    /// The KPIs of the records in the bucket.
    pub kpis: KpiSet,
}

/// One group (service, team or environment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KpiGroup {
    /// The group's service, team or environment (`(none)` for deployments
    /// without a team).
    pub key: String,
    /// The KPIs of the group's records over the period.
    pub kpis: KpiSet,
}

/// How incidents were attributed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AttributionSummary {
    /// Incidents in the period.
    pub incidents: u64,
    /// Attributed through `caused_by`.
    pub explicit: u64,
    /// Attributed by service and time window.
    pub window: u64,
    /// `caused_by` names a deployment not counted (not production, outside
    /// the period or unknown).
    pub linked_to_uncounted: u64,
    /// Attributed to nothing.
    pub unattributable: u64,
}

/// What was read and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordCounts {
    /// Deployments read.
    pub deployments_read: u64,
    /// Deployments outside the period (ignored).
    pub deployments_outside_period: u64,
    /// Deployments to other environments (ignored).
    pub deployments_not_production: u64,
    /// Incidents read.
    pub incidents_read: u64,
    /// Incidents outside the period (ignored).
    pub incidents_outside_period: u64,
    /// Releases read.
    pub releases_read: u64,
    /// Releases outside the period, or undated with period bounds (ignored).
    pub releases_outside_period: u64,
    /// Releases with no date at all.
    pub releases_undated: u64,
}

/// The period actually covered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PeriodSpan {
    /// First local day (`YYYY-MM-DD`), when there is one.
    pub first_day: Option<String>,
    /// Last local day, when there is one.
    pub last_day: Option<String>,
    /// Local days covered.
    pub days: u64,
}

/// The source of the tiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BenchmarkRef {
    /// The publication.
    pub source: String,
    /// Its year.
    pub year: u16,
    /// How its wording was turned into numbers.
    pub notes: String,
}

/// The result of [`compute_kpis`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KpiReport {
    /// The options in force.
    pub settings: KpiSettings,
    /// The local days covered.
    pub period: PeriodSpan,
    /// The benchmark table of the tiers.
    pub benchmark: BenchmarkRef,
    /// Every KPI over the whole period.
    pub kpis: KpiSet,
    /// The KPIs per week or month, every bucket touching the period.
    pub series: Vec<SeriesBucket>,
    /// The KPIs per group, when `group_by` is set (sorted by key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<KpiGroup>,
    /// How incidents were attributed.
    pub attribution: AttributionSummary,
    /// What was read and left out.
    pub records: RecordCounts,
    /// What was odd but not fatal.
    pub warnings: Vec<Warning>,
}

/// Computes every KPI of `history` with the default policy's `kpi` section
/// overridden by `options`.
///
/// Errors: `invalid_input` with the path of a deployment finishing before
/// it started (`deployments[i].finished_at`), an incident resolved before it
/// was created (`incidents[i].resolved_at`), duplicate deployment ids, and
/// bad options (`options.to` when `to ≤ from`, `options.time_zone` for an
/// unknown zone). Unknown outcomes are rejected when the history is parsed
/// (`deployments[i].outcome`).
pub fn compute_kpis(history: &History, options: &KpiOptions) -> Result<KpiReport> {
    compute_kpis_with(history, &KpiPolicy::default(), options)
}

/// [`compute_kpis`] with a policy's `kpi` section as the base of the
/// options (a bad policy value is `invalid_policy` with a `kpi.…` path).
pub fn compute_kpis_with(
    history: &History,
    policy: &KpiPolicy,
    options: &KpiOptions,
) -> Result<KpiReport> {
    let settings = KpiSettings::resolve(policy, options)?;
    KpiAccumulator::of_history(settings, history)?.finish()
}
