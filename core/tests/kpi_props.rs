//! Property tests of the KPIs (issue #6, acceptance 3): for random
//! histories and random partitions into shards, merged accumulators give
//! exactly the report of one computation over everything; median and p90
//! equal a sort-based oracle; lead times and the change failure rate equal
//! simple oracles written here from the definitions.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::kpi::DurationStats;
use relman::policy::{IncidentAttribution, KpiGroupBy, KpiPolicy, SeriesInterval};
use relman::{compute_kpis, History, KpiAccumulator, KpiOptions, KpiSettings, Timestamp};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const BASE: i64 = 1_793_577_600; // 2026-11-02T00:00:00Z

fn at(secs: i64) -> String {
    Timestamp::from_utc(chrono::DateTime::from_timestamp(BASE + secs, 0).unwrap())
        .as_str()
        .to_string()
}

/// A random history: deployments over ~5 weeks in 3 services and 2
/// environments, changes from a small id pool (so changes repeat),
/// incidents with and without links, releases with short logs.
fn history() -> impl Strategy<Value = History> {
    let dep = (
        0..3usize,
        0..3usize,
        0..(35 * 86_400i64),
        0..4usize,
        0..4usize,
        proptest::collection::vec((0..40usize, proptest::option::of(0..(5 * 86_400i64))), 0..3),
        0..3usize,
    );
    let inc = (
        0..4usize,
        0..(35 * 86_400i64),
        proptest::option::of(0..(3 * 86_400i64)),
        proptest::option::of(0..60usize),
    );
    let rel = (
        0..(35 * 86_400i64),
        0..5usize,
        0..4usize,
        proptest::collection::vec(0..(3 * 86_400i64), 0..6),
        (0..20u64, 0..5u64),
        any::<bool>(),
    );
    (
        proptest::collection::vec(dep, 0..60),
        proptest::collection::vec(inc, 0..20),
        proptest::collection::vec(rel, 0..8),
    )
        .prop_map(|(deps, incs, rels)| {
            let services = ["a", "b", "c"];
            let envs = ["production", "production", "staging"];
            let outcomes = ["success", "success_with_issues", "failed", "rolled_back"];
            let kinds = ["planned", "emergency", "hotfix", "rework"];
            let n = deps.len();
            let deployments: Vec<Value> = deps
                .into_iter()
                .enumerate()
                .map(|(i, (s, e, t, o, k, changes, team))| {
                    let changes: Vec<Value> = changes
                        .into_iter()
                        .map(|(c, lag)| match lag {
                            Some(lag) => json!({"id": format!("c{c}"), "committed_at": at(t - lag)}),
                            None => json!({"id": format!("c{c}")}),
                        })
                        .collect();
                    json!({"id": format!("d{i}"), "service": services[s], "environment": envs[e],
                           "finished_at": at(t), "started_at": at(t - 600), "outcome": outcomes[o],
                           "kind": kinds[k], "changes": changes, "team": format!("t{team}"),
                           "release_id": format!("r{}", i % 8)})
                })
                .collect();
            let incidents: Vec<Value> = incs
                .into_iter()
                .enumerate()
                .map(|(i, (s, t, dur, cause))| {
                    let mut v = json!({"id": format!("i{i}"), "created_at": at(t)});
                    if s < 3 {
                        v["service"] = json!(services[s]);
                    }
                    if let Some(d) = dur {
                        v["resolved_at"] = json!(at(t + d));
                    }
                    if let Some(c) = cause.filter(|c| *c < n) {
                        v["caused_by"] = json!(format!("d{c}"));
                    }
                    v
                })
                .collect();
            let releases: Vec<Value> = rels
                .into_iter()
                .enumerate()
                .map(|(i, (t, kind, outcome, steps, (passed, failed), reviewed))| {
                    let states = ["planning", "development", "testing", "approval", "deployment", "review", "closed"];
                    let mut when = t - 20 * 86_400;
                    let log: Vec<Value> = steps
                        .iter()
                        .enumerate()
                        .map(|(k, d)| {
                            when += d;
                            json!({"seq": k + 1, "at": at(when), "actor": "x", "command": "advance",
                                   "from": states[k], "to": states[k + 1], "hash": "h"})
                        })
                        .collect();
                    let kind_name = ["major", "minor", "patch", "emergency", "minor"][kind];
                    let state = states[steps.len()];
                    let mut v = json!({"id": format!("r{i}"), "title": "t",
                        "kind": kind_name,
                        "state": state, "created_at": at(t - 20 * 86_400),
                        "services": [services[i % 3]], "team": [format!("t{}", i % 2)],
                        "environments": ["production"],
                        "tests": [{"kind": "uat", "passed": passed, "failed": failed}],
                        "log": log, "planned_start": at(t - 3600), "planned_end": at(t + 3600 * (i as i64 % 3 - 1))});
                    if outcome < 4 && i % 5 != 0 {
                        v["outcome"] = json!(outcomes[outcome]);
                        v["deployed_at"] = json!(at(t));
                    }
                    if reviewed {
                        v["review"] = json!({"completed_at": at(t + 86_400)});
                        v["knowledge_articles"] = json!(["kb"]);
                    }
                    v
                })
                .collect();
            serde_json::from_value(json!({"deployments": deployments, "incidents": incidents, "releases": releases}))
                .unwrap()
        })
}

fn options() -> impl Strategy<Value = KpiOptions> {
    (
        any::<bool>(),
        0..4usize,
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(0..3usize),
        0..3usize,
    )
        .prop_map(|(bounded, tz, month, explicit, group, week)| KpiOptions {
            from: bounded.then(|| Timestamp::parse(&at(3 * 86_400)).unwrap()),
            to: bounded.then(|| Timestamp::parse(&at(30 * 86_400 + 7_200)).unwrap()),
            time_zone: Some(["UTC", "Asia/Tokyo", "America/New_York", "Europe/Paris"][tz].into()),
            week_start: Some(
                [
                    relman::Weekday::Mon,
                    relman::Weekday::Sun,
                    relman::Weekday::Wed,
                ][week],
            ),
            series: Some(if month {
                SeriesInterval::Month
            } else {
                SeriesInterval::Week
            }),
            incident_attribution: Some(if explicit {
                IncidentAttribution::Explicit
            } else {
                IncidentAttribution::ExplicitThenWindow
            }),
            group_by: group.map(|g| {
                [
                    KpiGroupBy::Service,
                    KpiGroupBy::Team,
                    KpiGroupBy::Environment,
                ][g]
            }),
            ..KpiOptions::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn merged_shards_equal_the_whole(
        h in history(),
        options in options(),
        shard_count in 1..5usize,
        seed in any::<u64>(),
    ) {
        let whole = compute_kpis(&h, &options).unwrap();
        let settings = KpiSettings::resolve(&KpiPolicy::default(), &options).unwrap();
        let mut shards: Vec<KpiAccumulator> =
            (0..shard_count).map(|_| KpiAccumulator::new(settings.clone()).unwrap()).collect();
        // A random partition: each record goes to the shard its hash picks.
        let pick = |k: usize, salt: u64| {
            let x = (k as u64 ^ seed ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            (x >> 33) as usize % shard_count
        };
        for (k, d) in h.deployments.iter().enumerate() {
            shards[pick(k, 1)].add_deployment(d).unwrap();
        }
        for (k, i) in h.incidents.iter().enumerate() {
            shards[pick(k, 2)].add_incident(i).unwrap();
        }
        for (k, r) in h.releases.iter().enumerate() {
            shards[pick(k, 3)].add_release(r);
        }
        // Merge in a seed-dependent order (a tree when there are four).
        if seed % 2 == 0 {
            shards.reverse();
        }
        let mut merged = shards.remove(0);
        for s in shards {
            merged.merge(s).unwrap();
        }
        let merged = merged.finish().unwrap();
        prop_assert_eq!(
            serde_json::to_string(&merged).unwrap(),
            serde_json::to_string(&whole).unwrap()
        );
    }

    #[test]
    fn median_and_p90_equal_a_sort_based_oracle(
        mut values in proptest::collection::vec(-1_000_000i64..1_000_000, 0..200),
    ) {
        let stats = DurationStats::of(&mut values.clone(), "empty");
        values.sort();
        let n = values.len();
        if n == 0 {
            prop_assert!(stats.median_secs.is_none() && stats.p90_secs.is_none() && stats.reason.is_some());
        } else {
            let median = if n % 2 == 1 {
                values[n / 2] as f64
            } else {
                (values[n / 2 - 1] as f64 + values[n / 2] as f64) / 2.0
            };
            // numpy 'linear': position (n - 1)·0.9 between order statistics.
            let pos = (n - 1) as f64 * 0.9;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            let p90 = values[lo] as f64 + (pos - lo as f64) * (values[hi] - values[lo]) as f64;
            let mean = values.iter().sum::<i64>() as f64 / n as f64;
            prop_assert!((stats.median_secs.unwrap() - median).abs() <= 1e-9 * median.abs().max(1.0));
            prop_assert!((stats.p90_secs.unwrap() - p90).abs() <= 1e-6 * p90.abs().max(1.0));
            prop_assert!((stats.mean_secs.unwrap() - mean).abs() <= 1e-9 * mean.abs().max(1.0));
        }
    }

    #[test]
    fn lead_time_and_change_failure_equal_oracles(h in history()) {
        let options = KpiOptions {
            incident_attribution: Some(IncidentAttribution::Explicit),
            ..KpiOptions::default()
        };
        let report = compute_kpis(&h, &options).unwrap();
        let success = |o: relman::Outcome| matches!(o, relman::Outcome::Success | relman::Outcome::SuccessWithIssues);
        let prod: Vec<&relman::DeploymentRecord> =
            h.deployments.iter().filter(|d| d.environment == "production").collect();
        // Lead: for each change id, the earliest successful production
        // deployment (then earliest commit) gives finish − commit.
        let mut first: BTreeMap<&str, (i64, Option<i64>)> = BTreeMap::new();
        for d in prod.iter().filter(|d| success(d.outcome)) {
            for c in &d.changes {
                let cand = (d.finished_at.unix_seconds(), c.committed_at.as_ref().map(Timestamp::unix_seconds));
                let e = first.entry(c.id.as_str()).or_insert(cand);
                if cand < *e {
                    *e = cand;
                }
            }
        }
        let mut leads: Vec<i64> = first.values().filter_map(|(f, c)| c.map(|c| f - c)).filter(|l| *l >= 0).collect();
        leads.sort();
        let oracle = DurationStats::of_sorted(&leads, "x");
        prop_assert_eq!(report.kpis.dora.lead_time.stats.count, oracle.count);
        prop_assert_eq!(report.kpis.dora.lead_time.stats.median_secs, oracle.median_secs);
        // CFR: failed/rolled back or named by an incident's caused_by.
        let failures = prod
            .iter()
            .filter(|d| {
                matches!(d.outcome, relman::Outcome::Failed | relman::Outcome::RolledBack)
                    || h.incidents.iter().any(|i| i.caused_by.as_deref() == Some(d.id.as_str()))
            })
            .count() as u64;
        prop_assert_eq!(report.kpis.dora.change_failure_rate.rate.numerator, failures);
        prop_assert_eq!(report.kpis.dora.change_failure_rate.rate.denominator, prod.len() as u64);
    }
}
