//! `dependency_order` once per pair (issue #21): on random schedules whose
//! releases repeat `depends_on` entries, depend on each other, on missing,
//! cancelled, closed and in-review releases, the conflicts equal the
//! oracle's (`relman_oracles::conflicts::dependency_order_oracle`) — one
//! per pair — and a prepared schedule reports exactly the same.

// Test code: a failing case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::{detect_conflicts, PreparedSchedule, Schedule};
use relman_oracles::conflicts::{dependency_order_keys, dependency_order_oracle, BASE, STEP};
use relman_oracles::iso;
use serde_json::{json, Value};

const STATES: [&str; 6] = [
    "development",
    "testing",
    "approval",
    "review",
    "closed",
    "cancelled",
];

/// One generated release: state, start (grid steps), length, raw deps.
type Gen = (usize, i64, i64, Vec<usize>);

fn gen() -> impl Strategy<Value = Gen> {
    (
        0usize..STATES.len(),
        0i64..40,
        1i64..8,
        proptest::collection::vec(0usize..12, 0..4),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn dependency_order_equals_the_oracle_once_per_pair(
        items in proptest::collection::vec(gen(), 1..10),
    ) {
        let n = items.len();
        let mut docs: Vec<Value> = Vec::new();
        let mut plain = Vec::new();
        for (i, (state, start, len, deps)) in items.iter().enumerate() {
            let id = format!("R{i}");
            // A raw choice past the releases names a missing one; repeats
            // are kept on purpose; a release never names itself.
            let deps: Vec<String> = deps
                .iter()
                .filter(|d| **d != i)
                .map(|d| if *d < n { format!("R{d}") } else { format!("X{d}") })
                .collect();
            let (s, e) = (BASE + start * STEP, BASE + (start + len) * STEP);
            docs.push(json!({
                "id": id, "title": "t", "kind": "minor", "state": STATES[*state],
                "planned_start": iso(s), "planned_end": iso(e),
                "depends_on": deps,
            }));
            plain.push((id, STATES[*state].to_string(), (s, e), deps));
        }
        let s: Schedule = relman::from_value(json!({"releases": docs})).unwrap().document;
        let report = detect_conflicts(&s).unwrap();
        let got = dependency_order_keys(&report);
        prop_assert_eq!(&got, &dependency_order_oracle(&plain));
        // At most one dependency_order conflict per pair of items.
        let mut pairs: Vec<&Vec<String>> = got.iter().map(|k| &k.0).collect();
        pairs.dedup();
        prop_assert_eq!(pairs.len(), got.len());
        let prepared = PreparedSchedule::new(s).unwrap().conflicts().unwrap();
        prop_assert_eq!(prepared, report);
    }
}
