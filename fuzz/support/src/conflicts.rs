//! Conflict detection against the plain all-pairs oracle of
//! `relman_oracles::conflicts` (which `core/tests/conflicts_props.rs` also
//! uses), driven by fuzzer bytes instead of proptest.

use crate::gen::Gen;
use relman::Schedule;
use relman_oracles::conflicts::{cmdb, release, BASE, STEP};
use serde_json::{json, Value};

pub use relman_oracles::conflicts::{detected, Item, Key, CIS};

/// Most items in one case (the oracle is quadratic).
pub const MAX_ITEMS: usize = 48;

fn item(g: &mut Gen<'_>) -> Item {
    let start = BASE + g.range(0, 299) * STEP;
    let len = g.range(1, 11) * STEP;
    let mut cis = g.vec(3, |g| g.below(CIS));
    if cis.is_empty() {
        cis.push(g.below(CIS));
    }
    Item {
        start,
        len,
        cis,
        who: g.below(5),
        own: g.option(|g| {
            let s = g.range(0, 299);
            let l = g.range(1, 7);
            (BASE + s * STEP, BASE + (s + l) * STEP)
        }),
        own_cis: g.vec(2, |g| g.below(CIS)),
        service: g.below(3),
        deps: g.vec(2, |g| g.below(1000)),
    }
}

/// A generated case: items, CMDB edges, related-CI depth, and whether
/// contiguous windows are allowed.
#[derive(Debug, Clone)]
pub struct Case {
    /// The items.
    pub items: Vec<Item>,
    /// Directed CMDB edges between CI indices.
    pub edges: Vec<(usize, usize)>,
    /// `related_ci_depth`.
    pub depth: usize,
    /// `allow_contiguous`.
    pub strict: bool,
}

/// The case the bytes describe.
pub fn case(data: &[u8]) -> Case {
    let mut g = Gen::new(data);
    let depth = g.below(4);
    let strict = g.bool();
    let edges = g.vec(16, |g| (g.below(CIS), g.below(CIS)));
    let items = g.vec(MAX_ITEMS, item);
    Case {
        items,
        edges,
        depth,
        strict,
    }
}

/// The schedule document of a case.
pub fn schedule(case: &Case) -> Value {
    let n = case.items.len();
    let releases: Vec<Value> = case
        .items
        .iter()
        .enumerate()
        .map(|(i, g)| release(i, g, |d| Some(d % n.max(1))))
        .collect();
    json!({
        "cmdb": cmdb(&case.edges),
        "policy": {"conflicts": {"related_ci_depth": case.depth, "allow_contiguous": case.strict}},
        "releases": releases
    })
}

/// The all-pairs oracle's conflicts of a case.
pub fn oracle(case: &Case) -> Vec<Key> {
    relman_oracles::conflicts::oracle(&case.items, &case.edges, case.depth, case.strict)
}

/// `conflicts_diff`: a schedule of up to 48 releases (with dependencies,
/// possibly cyclic), their changes' own windows, CIs, implementers and a
/// CMDB, all from the bytes. Detection never fails on it, and the
/// ci/related-ci/assignee overlaps equal the all-pairs oracle.
pub fn check_conflicts_diff(data: &[u8]) {
    let case = case(data);
    let s: Schedule = match relman::from_value(schedule(&case)) {
        Ok(p) => p.document,
        Err(e) => panic!("a generated schedule does not validate: {e}"),
    };
    assert_eq!(detected(&s), oracle(&case), "{case:?}");
}
