//! The DORA five keys of one set of production deployments: deployment
//! frequency, lead time for changes, change failure rate, failed-deployment
//! recovery time and rework rate, each with its tier (`docs/kpi.md`,
//! "DORA").

use super::days::{days_of, week_of, Span};
use super::dora::DORA_2023;
use super::finish::DepFact;
use super::stats::{median_counts, DurationStats, Rate};
use super::{ChangeFailureRate, DeploymentFrequency, DoraKpis, LeadTime, RecoveryTime, ReworkRate};
use crate::document::Weekday;

/// The DORA KPIs of `deps`, with the lead times (`leads`, in seconds) of
/// the changes they shipped first.
pub(super) fn dora_keys(
    week_start: Weekday,
    deps: &[&DepFact],
    leads: &[i64],
    without_commit: u64,
    loose: u64,
    span: Option<Span>,
) -> DoraKpis {
    let n = deps.len() as u64;
    let successes: Vec<i32> = deps.iter().filter(|d| d.success).map(|d| d.day).collect();
    let frequency = frequency(&successes, span, week_start);
    let failures = deps.iter().filter(|d| d.failure).count() as u64;
    let bad = deps.iter().filter(|d| d.bad_outcome).count() as u64;
    let with_incident = deps.iter().filter(|d| d.with_incident).count() as u64;
    let mut recoveries: Vec<i64> = deps.iter().filter_map(|d| d.recovery).collect();
    let unrecovered = deps
        .iter()
        .filter(|d| d.failure && d.recovery.is_none())
        .count() as u64;
    let negative = leads.iter().filter(|l| **l < 0).count() as u64;
    let mut valid: Vec<i64> = leads.iter().copied().filter(|l| *l >= 0).collect();
    let lead_stats = DurationStats::of(
        &mut valid,
        "no change with a commit time was shipped by a successful production deployment",
    );
    let cfr = Rate::new(failures, n, "no production deployments");
    let recovery = DurationStats::of(
        &mut recoveries,
        "no failed production deployment was recovered",
    );
    let rework = Rate::new(
        deps.iter().filter(|d| d.rework).count() as u64,
        n,
        "no production deployments",
    );
    DoraKpis {
        production_deployments: n,
        lead_time: LeadTime {
            tier: DORA_2023.tier("lead_time", lead_stats.median_secs, "no lead times"),
            stats: lead_stats,
            without_commit_time: without_commit,
            negative,
        },
        change_failure_rate: ChangeFailureRate {
            tier: DORA_2023.tier(
                "change_failure_rate",
                cfr.value,
                "no production deployments",
            ),
            rate: cfr,
            failed_or_rolled_back: bad,
            with_incident,
        },
        failed_deployment_recovery_time: RecoveryTime {
            tier: DORA_2023.tier(
                "failed_deployment_recovery_time",
                recovery.median_secs,
                "no recovered failed deployments",
            ),
            stats: recovery,
            unrecovered,
        },
        rework_rate: ReworkRate {
            tier: DORA_2023.tier("rework_rate", rework.value, "no production deployments"),
            rate: rework,
        },
        deployment_frequency: frequency,
        attributed_incidents: deps.iter().map(|d| d.incidents).sum(),
        unattributable_incidents: loose,
    }
}

fn frequency(success_days: &[i32], span: Option<Span>, week_start: Weekday) -> DeploymentFrequency {
    let deployments = success_days.len() as u64;
    let tier_of = |v: Option<f64>| DORA_2023.tier("deployment_frequency", v, "no period");
    let Some(span) = span else {
        return DeploymentFrequency {
            deployments,
            days: 0,
            per_day: None,
            per_week: None,
            weeks: 0,
            median_deploy_days_per_week: None,
            reason: Some("no period bounds and no dated records".to_string()),
            tier: tier_of(None),
        };
    };
    let days = days_of(span);
    let mut distinct: Vec<i32> = success_days.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let first_week = week_of(span.first, week_start);
    let last_week = week_of(span.last, week_start);
    let weeks =
        usize::try_from((last_week.saturating_sub(first_week) / 7).saturating_add(1)).unwrap_or(0);
    let mut per_week = vec![0u32; weeks];
    for d in distinct {
        let w = usize::try_from(week_of(d, week_start).saturating_sub(first_week) / 7)
            .unwrap_or(usize::MAX);
        if let Some(c) = per_week.get_mut(w) {
            *c = c.saturating_add(1);
        }
    }
    let per_day = (days > 0).then(|| deployments as f64 / days as f64);
    let per_week_rate = per_day.map(|p| p * 7.0);
    DeploymentFrequency {
        deployments,
        days,
        per_day,
        per_week: per_week_rate,
        weeks: weeks as u64,
        median_deploy_days_per_week: median_counts(&mut per_week),
        reason: None,
        tier: tier_of(per_week_rate),
    }
}
