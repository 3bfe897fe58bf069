//! KPIs: accumulators over any split of a history, merged in any order,
//! give byte-identical JSON to one computation over the whole (the
//! property of `core/tests/kpi_props.rs`, driven by fuzzer bytes; the
//! records are built by `relman_oracles::kpi`, as there).

use crate::gen::Gen;
use relman::policy::{IncidentAttribution, KpiGroupBy, KpiPolicy, SeriesInterval};
use relman::{compute_kpis, History, KpiAccumulator, KpiOptions, KpiSettings, Timestamp};
use relman_oracles::kpi::{at, deployment, incident, release, DAY};
use serde_json::{json, Value};

/// A history from the bytes: deployments over ~5 weeks in 3 services and 2
/// environments, changes from a small id pool (so changes repeat),
/// incidents with and without links, releases with short logs.
pub fn history(g: &mut Gen<'_>) -> Value {
    let deployments: Vec<Value> = (0..g.below(61))
        .map(|i| {
            let t = g.range(0, 35 * DAY - 1);
            let changes = g.vec(2, |g| (g.below(40), g.option(|g| g.range(0, 5 * DAY - 1))));
            let (service, env, outcome) = (g.below(3), g.below(3), g.below(4));
            let (kind, team) = (g.below(4), g.below(3));
            deployment(i, service, env, t, outcome, kind, &changes, team)
        })
        .collect();
    let n = deployments.len();
    let incidents: Vec<Value> = (0..g.below(21))
        .map(|i| {
            let s = g.below(4);
            let t = g.range(0, 35 * DAY - 1);
            let resolved = g.option(|g| g.range(0, 3 * DAY - 1));
            let cause = g.option(|g| g.below(60));
            incident(i, s, t, resolved, cause, n)
        })
        .collect();
    let releases: Vec<Value> = (0..g.below(9))
        .map(|i| {
            let t = g.range(0, 35 * DAY - 1);
            let kind = g.below(5);
            let outcome = g.below(5);
            let steps = g.vec(6, |g| g.range(0, 3 * DAY - 1));
            let tests = (g.below(20), g.below(5));
            let reviewed = g.bool();
            release(i, t, kind, outcome, &steps, tests, reviewed)
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
