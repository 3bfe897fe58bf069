//! KPI accumulators as bytes (`KpiAccumulator::from_bytes`, docs/kpi.md
//! "Bytes: shipping accumulators between processes"): any bytes never
//! panic the decoder; an error is `invalid_input` at `bytes`; bytes that decode are exactly the
//! `to_bytes` of what they decode to (the encoding is canonical), decode
//! again to the same bytes, merge with an empty accumulator of the same
//! settings in either order to the same bytes, and `finish` never panics.

use relman::policy::{KpiGroupBy, KpiPolicy};
use relman::{History, KpiAccumulator, KpiOptions, KpiSettings, Timestamp};
use relman_oracles::kpi::{at, deployment, incident, release, DAY};
use serde_json::{json, Value};

/// `kpi_accumulator_bytes`: the bytes as an encoded accumulator.
pub fn check_kpi_accumulator_bytes(data: &[u8]) {
    let acc = match KpiAccumulator::from_bytes(data) {
        Err(err) => {
            crate::check_error(&err);
            assert_eq!(err.code(), relman::ErrorCode::InvalidInput, "{err:?}");
            assert_eq!(err.path(), Some("bytes"), "{err:?}");
            return;
        }
        Ok(acc) => acc,
    };
    let bytes = acc.to_bytes();
    assert!(
        bytes == data,
        "bytes that decode are not the bytes of what they decode to"
    );
    let again = KpiAccumulator::from_bytes(&bytes).unwrap_or_else(|e| panic!("re-read: {e}"));
    assert!(
        again.to_bytes() == bytes,
        "a second round trip changes the bytes"
    );
    // An empty accumulator of the same settings adds nothing, either way.
    let empty = KpiAccumulator::new(acc.settings().clone())
        .unwrap_or_else(|e| panic!("the settings read make no accumulator: {e}"));
    let mut left = again.clone();
    left.merge(empty.clone())
        .unwrap_or_else(|e| panic!("merge: {e}"));
    assert!(
        left.to_bytes() == bytes,
        "merging an empty accumulator changes the bytes"
    );
    let mut right = empty;
    right.merge(again).unwrap_or_else(|e| panic!("merge: {e}"));
    assert!(
        right.to_bytes() == bytes,
        "merging into an empty accumulator changes the bytes"
    );
    if let Err(err) = acc.finish() {
        crate::check_error(&err);
    }
}

/// A small history of `n` deployments (with changes, teams and releases),
/// `n / 2` incidents and `n / 3` releases, days apart.
fn history(n: usize) -> History {
    let deployments: Vec<Value> = (0..n)
        .map(|i| {
            let t = i as i64 * DAY + 3_600;
            deployment(
                i,
                i % 3,
                i % 3,
                t,
                i % 4,
                (i + 1) % 4,
                &[(i, Some(7_200)), (i + 1, None)],
                i % 2,
            )
        })
        .collect();
    let incidents: Vec<Value> = (0..n / 2)
        .map(|j| {
            incident(
                j,
                j % 4,
                j as i64 * DAY + 7_200,
                (j != 2).then_some(900),
                (j % 2 == 0).then_some(j),
                n,
            )
        })
        .collect();
    let mut releases: Vec<Value> = (0..n / 3)
        .map(|i| {
            release(
                i,
                (i as i64 + 1) * DAY,
                i % 5,
                i % 5,
                &[3_600, 7_200, 600],
                (5, 1),
                i % 2 == 1,
            )
        })
        .collect();
    if let Some(r) = releases.first_mut() {
        r["links"] = json!({"incidents": ["i0", "i9"]});
    }
    let undated = json!({"id": "undated", "title": "t", "kind": "minor", "state": "planning"});
    releases.push(undated);
    serde_json::from_value(
        json!({"deployments": deployments, "incidents": incidents, "releases": releases}),
    )
    .unwrap_or_else(|e| panic!("the seed history reads: {e}"))
}

/// Valid encodings of small accumulators, named: the seeds of
/// `fuzz/corpus/kpi_accumulator_bytes/` (written by `cargo run -p
/// relman-fuzz-support --example kpi_accumulator_seeds`; rewrite them when
/// the relman version or the format changes, or they are only refused).
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let settings = |options: KpiOptions| {
        KpiSettings::resolve(&KpiPolicy::default(), &options)
            .unwrap_or_else(|e| panic!("seed settings: {e}"))
    };
    let of = |options: KpiOptions, n: usize| {
        KpiAccumulator::of_history(settings(options), &history(n))
            .unwrap_or_else(|e| panic!("seed accumulator: {e}"))
    };
    let time = |secs: i64| Timestamp::parse(&at(secs)).unwrap_or_else(|e| panic!("{e}"));
    let by_team = KpiOptions {
        group_by: Some(KpiGroupBy::Team),
        time_zone: Some("Europe/Paris".into()),
        production_environments: Some(vec!["production".into(), "staging".into()]),
        ..KpiOptions::default()
    };
    let bounded = KpiOptions {
        from: Some(time(DAY)),
        to: Some(time(5 * DAY)),
        ..KpiOptions::default()
    };
    // Two partitions merged: names interned in another order.
    let mut merged = of(by_team.clone(), 4);
    let other = KpiAccumulator::of_history(settings(by_team.clone()), &history(7))
        .unwrap_or_else(|e| panic!("seed accumulator: {e}"));
    merged
        .merge(other)
        .unwrap_or_else(|e| panic!("seed merge: {e}"));
    vec![
        (
            "one_undated_release",
            of(KpiOptions::default(), 0).to_bytes(),
        ),
        ("small_default", of(KpiOptions::default(), 6).to_bytes()),
        ("small_by_team_paris", of(by_team, 6).to_bytes()),
        ("small_bounded", of(bounded, 9).to_bytes()),
        ("merged_by_team", merged.to_bytes()),
    ]
}
