//! KPIs: accumulators over any split of a history, merged in any order,
//! give byte-identical JSON to one computation over the whole (the
//! property of `core/tests/kpi_props.rs`, driven by fuzzer bytes).

use crate::gen::{iso, Gen};
use relman::policy::{IncidentAttribution, KpiGroupBy, KpiPolicy, SeriesInterval};
use relman::{compute_kpis, History, KpiAccumulator, KpiOptions, KpiSettings, Timestamp};
use serde_json::{json, Value};

const BASE: i64 = 1_793_577_600; // 2026-11-02T00:00:00Z
const DAY: i64 = 86_400;

fn at(secs: i64) -> String {
    iso(BASE + secs)
}

/// A history from the bytes: deployments over ~5 weeks in 3 services and 2
/// environments, changes from a small id pool (so changes repeat),
/// incidents with and without links, releases with short logs.
pub fn history(g: &mut Gen<'_>) -> Value {
    let services = ["a", "b", "c"];
    let envs = ["production", "production", "staging"];
    let outcomes = ["success", "success_with_issues", "failed", "rolled_back"];
    let kinds = ["planned", "emergency", "hotfix", "rework"];
    let deployments: Vec<Value> = (0..g.below(61))
        .map(|i| {
            let t = g.range(0, 35 * DAY - 1);
            let changes: Vec<Value> = g.vec(2, |g| {
                let c = g.below(40);
                match g.option(|g| g.range(0, 5 * DAY - 1)) {
                    Some(lag) => json!({"id": format!("c{c}"), "committed_at": at(t - lag)}),
                    None => json!({"id": format!("c{c}")}),
                }
            });
            json!({"id": format!("d{i}"), "service": g.pick(&services), "environment": g.pick(&envs),
                   "finished_at": at(t), "started_at": at(t - 600), "outcome": g.pick(&outcomes),
                   "kind": g.pick(&kinds), "changes": changes, "team": format!("t{}", g.below(3)),
                   "release_id": format!("r{}", i % 8)})
        })
        .collect();
    let n = deployments.len();
    let incidents: Vec<Value> = (0..g.below(21))
        .map(|i| {
            let s = g.below(4);
            let t = g.range(0, 35 * DAY - 1);
            let mut v = json!({"id": format!("i{i}"), "created_at": at(t)});
            if s < 3 {
                v["service"] = json!(services[s]);
            }
            if let Some(d) = g.option(|g| g.range(0, 3 * DAY - 1)) {
                v["resolved_at"] = json!(at(t + d));
            }
            if let Some(c) = g.option(|g| g.below(60)).filter(|c| *c < n) {
                v["caused_by"] = json!(format!("d{c}"));
            }
            v
        })
        .collect();
    let states = [
        "planning",
        "development",
        "testing",
        "approval",
        "deployment",
        "review",
        "closed",
    ];
    let releases: Vec<Value> = (0..g.below(9))
        .map(|i| {
            let t = g.range(0, 35 * DAY - 1);
            let kind = g.pick(&["major", "minor", "patch", "emergency", "minor"]);
            let outcome = g.below(5);
            let steps = g.vec(6, |g| g.range(0, 3 * DAY - 1));
            let (passed, failed) = (g.below(20), g.below(5));
            let reviewed = g.bool();
            let mut when = t - 20 * DAY;
            let log: Vec<Value> = steps
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    when += d;
                    json!({"seq": k + 1, "at": at(when), "actor": "x", "command": "advance",
                           "from": states[k], "to": states[k + 1], "hash": "h"})
                })
                .collect();
            let mut v = json!({"id": format!("r{i}"), "title": "t", "kind": kind,
                "state": states[steps.len()], "created_at": at(t - 20 * DAY),
                "services": [services[i % 3]], "team": [format!("t{}", i % 2)],
                "environments": ["production"],
                "tests": [{"kind": "uat", "passed": passed, "failed": failed}],
                "log": log, "planned_start": at(t - 3600),
                "planned_end": at(t + 3600 * (i as i64 % 3 - 1))});
            if outcome < 4 && i % 5 != 0 {
                v["outcome"] = json!(outcomes[outcome]);
                v["deployed_at"] = json!(at(t));
            }
            if reviewed {
                v["review"] = json!({"completed_at": at(t + DAY)});
                v["knowledge_articles"] = json!(["kb"]);
            }
            v
        })
        .collect();
    json!({"deployments": deployments, "incidents": incidents, "releases": releases})
}

/// KPI options from the bytes: bounded or not, four time zones, week or
/// month series, both attributions, every grouping.
pub fn options(g: &mut Gen<'_>) -> KpiOptions {
    let bounded = g.bool();
    let ts = |s: i64| Timestamp::parse(&at(s)).expect("a generated timestamp parses");
    KpiOptions {
        from: bounded.then(|| ts(3 * DAY)),
        to: bounded.then(|| ts(30 * DAY + 7_200)),
        time_zone: Some(
            g.pick(&["UTC", "Asia/Tokyo", "America/New_York", "Europe/Paris"])
                .into(),
        ),
        week_start: Some(g.pick(&[
            relman::Weekday::Mon,
            relman::Weekday::Sun,
            relman::Weekday::Wed,
        ])),
        series: Some(g.pick(&[SeriesInterval::Week, SeriesInterval::Month])),
        incident_attribution: Some(g.pick(&[
            IncidentAttribution::ExplicitThenWindow,
            IncidentAttribution::Explicit,
        ])),
        group_by: g.option(|g| {
            g.pick(&[
                KpiGroupBy::Service,
                KpiGroupBy::Team,
                KpiGroupBy::Environment,
            ])
        }),
        ..KpiOptions::default()
    }
}

/// `kpi_diff`: a history, options, a number of shards and a partition of
/// every record into them, all from the bytes. The accumulators, merged in
/// a byte-chosen order, finish to exactly the JSON of `compute_kpis` over
/// the whole history.
pub fn check_kpi_diff(data: &[u8]) {
    let mut g = Gen::new(data);
    let options = options(&mut g);
    let shard_count = 1 + g.below(4);
    let reverse = g.bool();
    // Read without the semantic checks (as the proptest does): some
    // generated release windows are empty, which the KPIs must tolerate.
    let h: History = serde_json::from_value(history(&mut g)).expect("a generated history reads");
    let whole = compute_kpis(&h, &options).unwrap_or_else(|e| panic!("compute_kpis: {e}"));
    let settings = KpiSettings::resolve(&KpiPolicy::default(), &options).expect("settings");
    let mut shards: Vec<KpiAccumulator> = (0..shard_count)
        .map(|_| KpiAccumulator::new(settings.clone()).expect("an accumulator"))
        .collect();
    // The partition: the remaining bytes pick each record's shard.
    for d in &h.deployments {
        shards[g.below(shard_count)]
            .add_deployment(d)
            .unwrap_or_else(|p| panic!("add_deployment: {p}"));
    }
    for i in &h.incidents {
        shards[g.below(shard_count)]
            .add_incident(i)
            .unwrap_or_else(|p| panic!("add_incident: {p}"));
    }
    for r in &h.releases {
        shards[g.below(shard_count)].add_release(r);
    }
    if reverse {
        shards.reverse();
    }
    let mut merged = shards.remove(0);
    for s in shards {
        merged.merge(s).expect("merge");
    }
    let merged = merged.finish().expect("finish");
    assert_eq!(
        serde_json::to_string(&merged).expect("serialises"),
        serde_json::to_string(&whole).expect("serialises"),
        "merged shards differ from the whole"
    );
}
