//! Property tests of conflict detection and slot suggestion (issue #5,
//! acceptance 3): on random schedules of up to a few hundred items the
//! overlap-type conflicts equal a plain all-pairs oracle
//! (`relman_oracles::conflicts`, shared with the fuzz checks), and every
//! suggested slot, added to the schedule, creates no blocking conflict
//! while no earlier start on the search grid would be free.

// Test code: a failing case should stop loudly (clippy.toml allows this
// inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::{detect_conflicts, suggest_slots, Schedule, Severity, Timestamp};
use relman_oracles::conflicts::{self, cmdb, detected, oracle, Item, BASE, CIS, STEP};
use relman_oracles::iso;
use serde_json::{json, Value};

#[path = "support/conflict_items.rs"]
mod conflict_items;
use conflict_items::gen_item;

/// Item `i`'s release; with `acyclic_deps` it depends only on earlier
/// items.
fn release(i: usize, g: &Item, acyclic_deps: bool) -> Value {
    if acyclic_deps {
        conflicts::release(i, g, |d| (i != 0).then(|| d % i.max(1)))
    } else {
        conflicts::release(i, g, |d| Some(d % 300))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn overlap_kinds_equal_the_all_pairs_oracle(
        items in proptest::collection::vec(gen_item(), 0..300),
        edges in proptest::collection::vec((0..CIS, 0..CIS), 0..16),
        depth in 0usize..4,
        strict in any::<bool>(),
    ) {
        let releases: Vec<Value> = items.iter().enumerate().map(|(i, g)| release(i, g, false)).collect();
        let v = json!({
            "cmdb": cmdb(&edges),
            "policy": {"conflicts": {"related_ci_depth": depth, "allow_contiguous": strict}},
            "releases": releases
        });
        let s: Schedule = relman::from_value(v).unwrap().document;
        prop_assert_eq!(detected(&s), oracle(&items, &edges, depth, strict));
    }
}

/// The schedule with item `target` moved to `[t, t + d)` (its changes'
/// own windows dropped: the whole item moves).
fn moved(v: &Value, target: usize, t: i64, d: i64) -> Schedule {
    let mut v = v.clone();
    let r = &mut v["releases"][target];
    r["planned_start"] = json!(iso(t));
    r["planned_end"] = json!(iso(t + d));
    for c in r["changes"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("planned_start");
        c.as_object_mut().unwrap().remove("planned_end");
    }
    relman::from_value(v).unwrap().document
}

fn blocking_for(s: &Schedule, id: &str) -> Vec<String> {
    detect_conflicts(s)
        .unwrap()
        .conflicts
        .iter()
        .filter(|c| c.severity == Severity::Block && c.items.iter().any(|i| i == id))
        .map(|c| format!("{}: {}", c.kind.as_str(), c.explanation))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn slots_are_free_and_nothing_earlier_is(
        items in proptest::collection::vec(gen_item(), 1..60),
        edges in proptest::collection::vec((0..CIS, 0..CIS), 0..8),
        target in 0usize..1000,
        dur in 1i64..9,
        from in 0i64..200,
        capacity in proptest::option::of(1u32..3),
        related_blocks in any::<bool>(),
        strict in any::<bool>(),
    ) {
        let target = target % items.len();
        let releases: Vec<Value> = items.iter().enumerate().map(|(i, g)| release(i, g, true)).collect();
        let mut c = cmdb(&edges);
        // Half the CIs have a nightly maintenance window 18:00–06:00 UTC.
        for i in (0..CIS).step_by(2) {
            c["cis"][i]["maintenance_windows"] = json!(["night"]);
        }
        let mut policy = json!({"conflicts": {"allow_contiguous": strict}});
        if let Some(max) = capacity {
            policy["conflicts"]["capacity"] = json!([{"service": "s0", "max_concurrent": max}]);
        }
        if related_blocks {
            policy["conflicts"]["severity"] = json!({"related_ci_overlap": "block", "assignee_overlap": "block"});
        }
        let v = json!({
            "cmdb": c,
            "policy": policy,
            "calendar": {
                "maintenance_windows": [{"id": "night", "name": "Night", "recurrence":
                    {"freq": "daily", "start_time": "18:00", "duration_secs": 43200, "time_zone": "UTC"}}],
                "blackouts": [
                    {"id": "b1", "name": "Freeze", "start": iso(BASE + 30 * 3600), "end": iso(BASE + 40 * 3600),
                     "scope": {"services": ["s1"]}},
                    {"id": "b2", "name": "Lunch", "recurrence":
                        {"freq": "daily", "start_time": "11:00", "duration_secs": 7200, "time_zone": "Europe/Berlin"}}
                ]
            },
            "releases": releases
        });
        let s: Schedule = relman::from_value(v.clone()).unwrap().document;
        let id = format!("R{target:03}");
        let d = dur * STEP;
        let start = BASE + from * STEP + 7 * 60; // off the grid on purpose
        let horizon = 3 * 86_400;
        let now = Timestamp::parse(&iso(start)).unwrap();
        let out = suggest_slots(&id, &s, d as u64, &now, horizon as u64, 3).unwrap();
        let mut previous_end = start;
        for slot in &out.slots {
            let t = slot.start.unix_seconds();
            prop_assert_eq!(slot.end.unix_seconds() - t, d);
            prop_assert_eq!(t % STEP, 0);
            prop_assert!(t >= previous_end);
            prop_assert!(t + d <= start + horizon);
            let blocking = blocking_for(&moved(&v, target, t, d), &id);
            prop_assert!(blocking.is_empty(), "slot {} has {:?}", slot.start, blocking);
            // Every grid start between the previous slot and this one is taken.
            let mut g = (previous_end + STEP - 1).div_euclid(STEP) * STEP;
            while g < t {
                let blocking = blocking_for(&moved(&v, target, g, d), &id);
                prop_assert!(!blocking.is_empty(), "{} was free but {} was suggested", iso(g), slot.start);
                g += STEP;
            }
            previous_end = t + d;
        }
        if out.slots.len() < 3 {
            // Nothing free in the rest of the horizon either.
            let mut g = (previous_end + STEP - 1).div_euclid(STEP) * STEP;
            while g + d <= start + horizon {
                let blocking = blocking_for(&moved(&v, target, g, d), &id);
                prop_assert!(!blocking.is_empty(), "{} was free but not suggested", iso(g));
                g += STEP;
            }
        }
    }
}
