//! `PreparedSchedule` (docs/conflicts.md, "Prepared schedules") gives what
//! `detect_conflicts` gives, call after call, and its overlap kinds equal
//! the all-pairs oracle; detection on one thread and on several gives the
//! same report.

// Test code: a failing case should stop loudly (clippy.toml allows this
// inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::foundation::parallel::with_threads;
use relman::{detect_conflicts, PreparedSchedule, Schedule};
use relman_oracles::conflicts::{self, cmdb, oracle, report_keys, Item, BASE, CIS, STEP};
use relman_oracles::iso;
use serde_json::{json, Value};

#[path = "support/conflict_items.rs"]
mod conflict_items;
use conflict_items::gen_item;

/// A calendar of `n` maintenance windows (a few shared recurrence
/// patterns in several zones, so the expansion cache is exercised) named
/// by the CMDB's even CIs, and blackouts, one recurring.
fn calendar(n: usize) -> Value {
    let zones = ["UTC", "Europe/London", "America/New_York"];
    let windows: Vec<Value> = (0..n.max(1))
        .map(|i| {
            json!({"id": format!("mw-{i}"), "name": "w",
                   "recurrence": {"freq": "weekly", "by_day": ["mon", "wed", "fri"],
                                  "start_time": format!("{:02}:00", 18 + i % 3),
                                  "duration_secs": 28_800, "time_zone": zones[i % 3]}})
        })
        .collect();
    json!({
        "blackouts": [
            {"id": "freeze", "name": "Freeze", "start": iso(BASE + 40 * STEP), "end": iso(BASE + 60 * STEP),
             "scope": {"services": ["s1"]}},
            {"id": "batch", "name": "Batch", "severity": "warn", "scope": {"all": true},
             "recurrence": {"freq": "daily", "start_time": "03:00", "duration_secs": 3600, "time_zone": "Europe/Berlin"}}
        ],
        "maintenance_windows": windows
    })
}

/// The schedule of `items` with a CMDB of `edges` (even CIs naming a
/// maintenance window when `windows > 0`), the calendar and a capacity
/// limit.
fn schedule(items: &[Item], edges: &[(usize, usize)], windows: usize, depth: usize) -> Schedule {
    let releases: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, g)| conflicts::release(i, g, |d| Some(d % items.len().max(1))))
        .collect();
    let mut c = cmdb(edges);
    if windows > 0 {
        for (i, ci) in c["cis"].as_array_mut().unwrap().iter_mut().enumerate() {
            if i % 2 == 0 {
                ci["maintenance_windows"] = json!([format!("mw-{}", i % windows)]);
            }
        }
    }
    let mut v = json!({
        "cmdb": c,
        "policy": {"conflicts": {"related_ci_depth": depth,
                                 "capacity": [{"service": "s1", "max_concurrent": 3}, {"max_concurrent": 6}]}},
        "releases": releases
    });
    if windows > 0 {
        v["calendar"] = calendar(windows);
    }
    relman::from_value(v).unwrap().document
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn prepared_equals_detect_conflicts_and_the_oracle(
        items in proptest::collection::vec(gen_item(), 0..200),
        edges in proptest::collection::vec((0..CIS, 0..CIS), 0..16),
        windows in 0usize..5,
        depth in 0usize..3,
    ) {
        let s = schedule(&items, &edges, windows, depth);
        let cold = detect_conflicts(&s);
        let prepared = PreparedSchedule::new(s.clone());
        match (&cold, prepared) {
            (Ok(cold), Ok(p)) => {
                // Twice: the second call runs on the kept expansions.
                prop_assert_eq!(&p.conflicts().unwrap(), cold);
                prop_assert_eq!(&p.conflicts().unwrap(), cold);
                if windows == 0 {
                    prop_assert_eq!(report_keys(cold), oracle(&items, &edges, depth, true));
                }
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!("cold {a:?}, prepared {b:?}"),
        }
    }
}

/// Enough items that the sweeps, blackouts, maintenance windows and
/// rendering split into shards.
fn large() -> Schedule {
    let items: Vec<Item> = (0..3000usize)
        .map(|i| Item {
            start: BASE + ((i * 37) % 2000) as i64 * STEP,
            len: (1 + (i % 7) as i64) * STEP,
            cis: vec![i % CIS, (i * 5 + 3) % CIS],
            who: i % 5,
            own: (i % 3 == 0).then(|| {
                let s = BASE + ((i * 11) % 2000) as i64 * STEP;
                (s, s + 2 * STEP)
            }),
            own_cis: vec![(i * 7) % CIS],
            service: i % 3,
            deps: vec![i * 13],
        })
        .collect();
    schedule(&items, &[(0, 1), (2, 5), (5, 9), (3, 11), (7, 8)], 4, 2)
}

#[test]
fn one_thread_and_two_give_the_same_report() {
    let s = large();
    let one = with_threads(1, || detect_conflicts(&s).unwrap());
    let two = with_threads(2, || detect_conflicts(&s).unwrap());
    let four = with_threads(4, || detect_conflicts(&s).unwrap());
    assert!(one.conflicts.len() > 1000, "{}", one.conflicts.len());
    assert_eq!(one, two);
    assert_eq!(one, four);
    let p = PreparedSchedule::new(s).unwrap();
    assert_eq!(with_threads(1, || p.conflicts().unwrap()), one);
    assert_eq!(with_threads(2, || p.conflicts().unwrap()), one);
    // Byte-identical JSON too.
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&with_threads(2, || p.conflicts().unwrap())).unwrap()
    );
}

#[test]
fn prepared_schedule_is_send_sync_and_reports_errors_like_detect() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<PreparedSchedule>();
    // A calendar that expands past the policy's limit fails alike.
    let mut s = large();
    s.policy.as_mut().unwrap().conflicts.max_occurrences = 3;
    let cold = detect_conflicts(&s).unwrap_err();
    let prepared = PreparedSchedule::new(s).unwrap_err();
    assert_eq!(cold.code(), prepared.code());
    assert_eq!(cold.to_string(), prepared.to_string());
}
