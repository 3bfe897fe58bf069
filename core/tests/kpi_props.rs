//! Property tests of the KPIs (issue #6, acceptance 3): for random
//! histories and random partitions into shards, merged accumulators give
//! exactly the report of one computation over everything; median and p90
//! equal a sort-based oracle; lead times and the change failure rate equal
//! simple oracles written from the definitions (`relman_oracles::kpi`,
//! shared with the fuzz checks).

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::foundation::parallel;
use relman::kpi::DurationStats;
use relman::policy::{IncidentAttribution, KpiGroupBy, KpiPolicy, SeriesInterval};
use relman::{
    compute_kpis, Error, History, KpiAccumulator, KpiOptions, KpiReport, KpiSettings, Timestamp,
};
use serde_json::{json, Value};

use relman_oracles::kpi::{self, at};

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
        (0..20usize, 0..5usize),
        any::<bool>(),
    );
    (
        proptest::collection::vec(dep, 0..60),
        proptest::collection::vec(inc, 0..20),
        proptest::collection::vec(rel, 0..8),
    )
        .prop_map(|(deps, incs, rels)| {
            let n = deps.len();
            let deployments: Vec<Value> = deps
                .into_iter()
                .enumerate()
                .map(|(i, (s, e, t, o, k, changes, team))| {
                    kpi::deployment(i, s, e, t, o, k, &changes, team)
                })
                .collect();
            let incidents: Vec<Value> = incs
                .into_iter()
                .enumerate()
                .map(|(i, (s, t, dur, cause))| kpi::incident(i, s, t, dur, cause, n))
                .collect();
            let releases: Vec<Value> = rels
                .into_iter()
                .enumerate()
                .map(|(i, (t, kind, outcome, steps, tests, reviewed))| {
                    kpi::release(i, t, kind, outcome, &steps, tests, reviewed)
                })
                .collect();
            serde_json::from_value(
                json!({"deployments": deployments, "incidents": incidents, "releases": releases}),
            )
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

/// A report as its JSON text, an error as itself: what two runs must share.
fn outcome(r: Result<KpiReport, Error>) -> Result<String, Error> {
    r.map(|report| serde_json::to_string(&report).unwrap())
}

/// One accumulator fed every record on this thread: the serial run.
fn serial(settings: &KpiSettings, h: &History) -> Result<String, Error> {
    parallel::with_threads(1, || {
        let mut acc = KpiAccumulator::new(settings.clone())?;
        acc.add_history(h)?;
        outcome(acc.finish())
    })
}

/// A history of `n` deployments (a tenth of them with incidents), large
/// enough for `compute_kpis` to split it into shards.
fn large_history(n: usize) -> History {
    let deployments: Vec<Value> = (0..n)
        .map(|i| {
            let changes = [(i % 997, Some((i % 5) as i64 * 3_600)), (i / 3, None)];
            kpi::deployment(
                i,
                i % 3,
                i % 2,
                (i as i64) * 97,
                (i * 7) % 4,
                (i * 13) % 4,
                &changes,
                i % 3,
            )
        })
        .collect();
    let incidents: Vec<Value> = (0..n / 10)
        .map(|j| {
            let cause = (j % 3 != 0).then_some(j * 10 + 3);
            kpi::incident(
                j,
                j % 4,
                (j as i64) * 970 + 200,
                (j % 7 != 0).then_some(1_800),
                cause,
                n,
            )
        })
        .collect();
    let releases: Vec<Value> = (0..40)
        .map(|i| {
            kpi::release(
                i,
                (i as i64) * 86_400,
                i % 5,
                i % 4,
                &[3_600, 7_200],
                (i, 1),
                i % 2 == 0,
            )
        })
        .collect();
    serde_json::from_value(
        json!({"deployments": deployments, "incidents": incidents, "releases": releases}),
    )
    .unwrap()
}

#[test]
fn compute_kpis_on_two_threads_equals_one_thread() {
    let h = large_history(40_000);
    for options in [
        KpiOptions::default(),
        KpiOptions {
            group_by: Some(KpiGroupBy::Service),
            series: Some(SeriesInterval::Month),
            time_zone: Some("Asia/Tokyo".into()),
            ..KpiOptions::default()
        },
    ] {
        let one = parallel::with_threads(1, || outcome(compute_kpis(&h, &options))).unwrap();
        for threads in [2, 3, 4] {
            let many =
                parallel::with_threads(threads, || outcome(compute_kpis(&h, &options))).unwrap();
            assert!(one == many, "{threads} threads differ from one");
        }
    }
}

#[test]
fn errors_on_two_threads_are_the_serial_run_errors() {
    let mut h = large_history(20_000);
    // A bad incident early (first shard) and a bad deployment late (last
    // shard): the serial run reports the deployment.
    let inc = &mut h.incidents[5];
    inc.resolved_at = Some(Timestamp::parse(&at(0)).unwrap());
    inc.created_at = Timestamp::parse(&at(10)).unwrap();
    let late = h.deployments.len() - 10;
    h.deployments[late].started_at = Some(Timestamp::parse(&at(10_000_000)).unwrap());
    let one = parallel::with_threads(1, || compute_kpis(&h, &KpiOptions::default())).unwrap_err();
    let two = parallel::with_threads(2, || compute_kpis(&h, &KpiOptions::default())).unwrap_err();
    assert_eq!(one, two);
    assert!(
        format!("{one:?}").contains(&format!("deployments[{late}]")),
        "{one:?}"
    );
    // Without it, the incident.
    h.deployments[late].started_at = None;
    let one = parallel::with_threads(1, || compute_kpis(&h, &KpiOptions::default())).unwrap_err();
    let two = parallel::with_threads(2, || compute_kpis(&h, &KpiOptions::default())).unwrap_err();
    assert_eq!(one, two);
    assert!(format!("{one:?}").contains("incidents[5]"), "{one:?}");
}

/// A history of `n` deployments from `seed`: times from a small range
/// (many equal finish times), change ids from a small pool (changes
/// shipped many times), every service, environment and outcome — large
/// enough for the distribution sorts and the grouped sweeps of `finish`.
fn tied_history(n: usize, seed: u64) -> History {
    let mix = |i: usize, salt: u64| {
        let mut z = (i as u64 ^ seed ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z ^ (z >> 29)
    };
    let deployments: Vec<Value> = (0..n)
        .map(|i| {
            let r = mix(i, 1);
            let changes = [
                ((r % 900) as usize, Some(((r >> 10) % 5) as i64 * 3_600)),
                (((r >> 20) % 3_000) as usize, None),
            ];
            kpi::deployment(
                i,
                (r % 3) as usize,
                ((r >> 3) % 2) as usize,
                ((r >> 30) % 20_000) as i64 * 60,
                ((r >> 40) % 4) as usize,
                ((r >> 44) % 4) as usize,
                &changes[..1 + (r >> 50) as usize % 2],
                ((r >> 52) % 3) as usize,
            )
        })
        .collect();
    let incidents: Vec<Value> = (0..n / 10)
        .map(|j| {
            let r = mix(j, 2);
            let cause = (r % 3 != 0).then_some((r >> 8) as usize % (n + 50));
            kpi::incident(
                j,
                (r >> 16) as usize % 4,
                ((r >> 20) % 20_000) as i64 * 60 + 30,
                (r % 7 != 0).then_some(1_800),
                cause,
                n,
            )
        })
        .collect();
    serde_json::from_value(json!({"deployments": deployments, "incidents": incidents})).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn large_tied_histories_on_every_core_equal_the_serial_run(
        seed in any::<u64>(),
        n in 5_000..9_000usize,
        options in options(),
    ) {
        let h = tied_history(n, seed);
        let settings = KpiSettings::resolve(&KpiPolicy::default(), &options).unwrap();
        let two = parallel::with_threads(2, || outcome(compute_kpis(&h, &options)));
        prop_assert_eq!(two, serial(&settings, &h));
    }
}

/// `shard_count` accumulators over a random partition of `h`: each record
/// goes to the shard a hash of its position, the seed and its kind picks
/// (deployments, incidents and releases independently).
fn random_shards(
    h: &History,
    options: &KpiOptions,
    shard_count: usize,
    seed: u64,
) -> Vec<KpiAccumulator> {
    let settings = KpiSettings::resolve(&KpiPolicy::default(), options).unwrap();
    let mut shards: Vec<KpiAccumulator> = (0..shard_count)
        .map(|_| KpiAccumulator::new(settings.clone()).unwrap())
        .collect();
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
    shards
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn shards_on_every_core_equal_the_serial_run(
        h in history(),
        options in options(),
        parts in 1..6usize,
    ) {
        let settings = KpiSettings::resolve(&KpiPolicy::default(), &options).unwrap();
        let sharded = parallel::with_threads(2, || {
            outcome(
                KpiAccumulator::of_history_in_shards(settings.clone(), &h, parts)
                    .and_then(KpiAccumulator::finish),
            )
        });
        prop_assert_eq!(sharded, serial(&settings, &h));
    }

    #[test]
    fn merged_shards_equal_the_whole(
        h in history(),
        options in options(),
        shard_count in 1..5usize,
        seed in any::<u64>(),
    ) {
        let whole = compute_kpis(&h, &options).unwrap();
        let mut shards = random_shards(&h, &options, shard_count, seed);
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
    fn shards_through_bytes_equal_the_whole(
        h in history(),
        options in options(),
        shard_count in 1..5usize,
        seed in any::<u64>(),
    ) {
        // Spark's way: one accumulator per partition, shipped as bytes to
        // the driver, read back and merged there.
        let whole = compute_kpis(&h, &options).unwrap();
        let shards = random_shards(&h, &options, shard_count, seed);
        let shipped: Vec<Vec<u8>> = shards.iter().map(KpiAccumulator::to_bytes).collect();
        let mut received: Vec<KpiAccumulator> = Vec::new();
        for bytes in &shipped {
            let acc = KpiAccumulator::from_bytes(bytes).unwrap();
            // to_bytes ∘ from_bytes ∘ to_bytes is byte-identical.
            prop_assert!(acc.to_bytes() == *bytes, "bytes differ after a round trip");
            received.push(acc);
        }
        if seed % 2 == 0 {
            received.reverse();
        }
        let mut merged = received.remove(0);
        for s in received {
            merged.merge(s).unwrap();
        }
        // A merged accumulator travels too (a tree of merges).
        let bytes = merged.to_bytes();
        let merged = KpiAccumulator::from_bytes(&bytes).unwrap();
        prop_assert!(merged.to_bytes() == bytes, "merged bytes differ after a round trip");
        let merged = merged.finish().unwrap();
        prop_assert_eq!(
            serde_json::to_string(&merged).unwrap(),
            serde_json::to_string(&whole).unwrap()
        );
        // And each shard read back finishes as the shard itself does.
        for (shard, bytes) in shards.into_iter().zip(&shipped) {
            let direct = outcome(shard.finish());
            let read = outcome(KpiAccumulator::from_bytes(bytes).unwrap().finish());
            prop_assert_eq!(read, direct);
        }
    }

    #[test]
    fn median_and_p90_equal_a_sort_based_oracle(
        values in proptest::collection::vec(-1_000_000i64..1_000_000, 0..200),
    ) {
        let stats = DurationStats::of(&mut values.clone(), "empty");
        match kpi::median_p90_mean(&values) {
            None => prop_assert!(stats.median_secs.is_none() && stats.p90_secs.is_none() && stats.reason.is_some()),
            Some((median, p90, mean)) => {
                prop_assert!((stats.median_secs.unwrap() - median).abs() <= 1e-9 * median.abs().max(1.0));
                prop_assert!((stats.p90_secs.unwrap() - p90).abs() <= 1e-6 * p90.abs().max(1.0));
                prop_assert!((stats.mean_secs.unwrap() - mean).abs() <= 1e-9 * mean.abs().max(1.0));
            }
        }
    }

    #[test]
    fn lead_time_and_change_failure_equal_oracles(h in history()) {
        let options = KpiOptions {
            incident_attribution: Some(IncidentAttribution::Explicit),
            ..KpiOptions::default()
        };
        let report = compute_kpis(&h, &options).unwrap();
        // Lead: for each change id, the earliest successful production
        // deployment (then earliest commit) gives finish − commit.
        let oracle = DurationStats::of_sorted(&kpi::lead_times(&h), "x");
        prop_assert_eq!(report.kpis.dora.lead_time.stats.count, oracle.count);
        prop_assert_eq!(report.kpis.dora.lead_time.stats.median_secs, oracle.median_secs);
        // CFR: failed/rolled back or named by an incident's caused_by.
        let (failures, production) = kpi::change_failures(&h);
        prop_assert_eq!(report.kpis.dora.change_failure_rate.rate.numerator, failures);
        prop_assert_eq!(report.kpis.dora.change_failure_rate.rate.denominator, production);
    }
}

/// The history as NDJSON lines, one record per line, in the order of
/// `order` (a permutation of the records), with CRLF endings when `crlf`
/// and a blank line after every seventh record.
fn ndjson_lines(h: &History, seed: u64, crlf: bool) -> String {
    let mut records: Vec<Value> = Vec::new();
    records.extend(h.deployments.iter().map(|d| json!({"deployment": d})));
    records.extend(h.incidents.iter().map(|i| json!({"incident": i})));
    records.extend(h.releases.iter().map(|r| json!({"release": r})));
    // A seeded Fisher–Yates shuffle (seed 0: the document's order).
    if seed != 0 {
        let mut state = seed;
        for i in (1..records.len()).rev() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            records.swap(i, (state >> 33) as usize % (i + 1));
        }
    }
    let end = if crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    for (i, r) in records.iter().enumerate() {
        text.push_str(&serde_json::to_string(r).unwrap());
        text.push_str(end);
        if i % 7 == 6 {
            text.push_str(" \t");
            text.push_str(end);
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Acceptance 1 of issue #25 at small sizes: the same history as one
    /// JSON document and as NDJSON, in the document's order or shuffled,
    /// gives the same report (incident attribution does not depend on the
    /// order records are read in: `finish` sorts).
    #[test]
    fn ndjson_equals_the_document_in_any_order(
        h in history(),
        options in options(),
        seed in any::<u64>(),
        crlf in any::<bool>(),
    ) {
        // Only what a history document accepts: `caused_by` naming one of
        // its deployments, planned windows in order.
        let mut h = h;
        let ids: Vec<String> = h.deployments.iter().map(|d| d.id.clone()).collect();
        for inc in &mut h.incidents {
            if inc.caused_by.as_ref().is_some_and(|c| !ids.contains(c)) {
                inc.caused_by = None;
            }
        }
        for r in &mut h.releases {
            if let (Some(s), Some(e)) = (&r.planned_start, &r.planned_end) {
                if e <= s {
                    r.planned_end = None;
                }
            }
        }
        let document = relman::parse::<History>(&serde_json::to_string(&h).unwrap())
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .document;
        let whole = outcome(compute_kpis(&document, &options));
        for order in [0, seed] {
            let text = ndjson_lines(&h, order, crlf);
            let streamed = outcome(relman::ndjson::compute_kpis_ndjson(
                &text,
                &KpiPolicy::default(),
                &options,
                &relman::limits::Limits::DEFAULT,
            ));
            prop_assert_eq!(&streamed, &whole);
        }
    }
}
