//! Property tests of conflict detection and slot suggestion (issue #5,
//! acceptance 3): on random schedules of up to a few hundred items the
//! overlap-type conflicts equal a plain all-pairs oracle written here, and
//! every suggested slot, added to the schedule, creates no blocking
//! conflict while no earlier start on the search grid would be free.

// Test code: a failing case should stop loudly (clippy.toml allows this
// inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::{detect_conflicts, suggest_slots, ConflictKind, Schedule, Severity, Timestamp};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

const BASE: i64 = 1_796_083_200; // 2026-12-01T00:00:00Z
const STEP: i64 = 900;
const CIS: usize = 12;

fn iso(s: i64) -> String {
    Timestamp::from_utc(relman::calendar::utc(s)).to_string()
}

/// One generated item: a release with one change (which may have its own
/// window), touching some CIs, implemented by someone.
#[derive(Debug, Clone)]
struct Gen {
    start: i64,
    len: i64,
    cis: Vec<usize>,
    who: usize,
    own: Option<(i64, i64)>,
    own_cis: Vec<usize>,
    service: usize,
    deps: Vec<usize>,
}

fn gen_item() -> impl Strategy<Value = Gen> {
    (
        0i64..300,
        1i64..12,
        proptest::collection::vec(0..CIS, 1..4),
        0usize..5,
        proptest::option::of((0i64..300, 1i64..8)),
        proptest::collection::vec(0..CIS, 0..3),
        0usize..3,
        proptest::collection::vec(0usize..1000, 0..3),
    )
        .prop_map(|(s, l, cis, who, own, own_cis, service, deps)| Gen {
            start: BASE + s * STEP,
            len: l * STEP,
            cis,
            who,
            own: own.map(|(s, l)| (BASE + s * STEP, BASE + (s + l) * STEP)),
            own_cis,
            service,
            deps,
        })
}

fn ci(i: usize) -> String {
    format!("ci-{i}")
}

fn release(i: usize, g: &Gen, acyclic_deps: bool) -> Value {
    let mut change = json!({
        "id": format!("R{i:03}-c2"), "kind": "normal", "summary": "own window",
        "affected_cis": g.own_cis.iter().map(|c| ci(*c)).collect::<Vec<_>>(),
        "implementer": format!("p{}", (g.who + 1) % 5)
    });
    if let Some((s, e)) = g.own {
        change["planned_start"] = json!(iso(s));
        change["planned_end"] = json!(iso(e));
    }
    let deps: BTreeSet<String> = g
        .deps
        .iter()
        .filter_map(|d| {
            let d = if acyclic_deps {
                if i == 0 {
                    return None;
                }
                d % i
            } else {
                d % 300
            };
            (d != i).then(|| format!("R{d:03}"))
        })
        .collect();
    json!({
        "id": format!("R{i:03}"), "title": "t", "kind": "minor", "state": "approval",
        "planned_start": iso(g.start), "planned_end": iso(g.start + g.len),
        "services": [format!("s{}", g.service)],
        "depends_on": deps,
        "changes": [
            {"id": format!("R{i:03}-c1"), "kind": "normal", "summary": "main",
             "affected_cis": g.cis.iter().map(|c| ci(*c)).collect::<Vec<_>>(),
             "implementer": format!("p{}", g.who)},
            change
        ]
    })
}

fn cmdb(edges: &[(usize, usize)]) -> Value {
    let cis: Vec<Value> = (0..CIS)
        .map(|i| json!({"id": ci(i), "name": ci(i), "class": "server", "service": format!("s{}", i % 3)}))
        .collect();
    let rels: BTreeSet<(usize, usize)> = edges.iter().filter(|(a, b)| a != b).copied().collect();
    let rels: Vec<Value> = rels
        .iter()
        .map(|(a, b)| json!({"from": ci(*a), "to": ci(*b), "kind": "depends_on"}))
        .collect();
    json!({"cis": cis, "relationships": rels})
}

/// A touch as the oracle sees it: item, CI or implementer, window.
type Touch = (usize, String, i64, i64);

/// An implementer's work: item, implementer, window, the change's CIs.
type Work = (usize, String, i64, i64, Vec<usize>);

/// Item pair → (CIs, window hull).
type Pairs = BTreeMap<(usize, usize), (BTreeSet<String>, (i64, i64))>;

fn touches(items: &[Gen]) -> (Vec<Touch>, Vec<Work>) {
    let mut cis = Vec::new();
    let mut work = Vec::new();
    for (i, g) in items.iter().enumerate() {
        let main = (g.start, g.start + g.len);
        for c in &g.cis {
            cis.push((i, ci(*c), main.0, main.1));
        }
        work.push((i, format!("p{}", g.who), main.0, main.1, g.cis.clone()));
        let own = g.own.unwrap_or(main);
        for c in &g.own_cis {
            cis.push((i, ci(*c), own.0, own.1));
        }
        work.push((
            i,
            format!("p{}", (g.who + 1) % 5),
            own.0,
            own.1,
            g.own_cis.clone(),
        ));
    }
    (cis, work)
}

fn overlap(a: (i64, i64), b: (i64, i64), strict: bool) -> bool {
    if strict {
        a.0 < b.1 && b.0 < a.1
    } else {
        a.0 <= b.1 && b.0 <= a.1
    }
}

/// (kind, items, cis, window) of a conflict, comparable.
type Key = (String, Vec<String>, Vec<String>, Option<(String, String)>);

fn add(map: &mut Pairs, a: usize, b: usize, cis: &[String], w: (i64, i64)) {
    let k = (a.min(b), a.max(b));
    let e = map.entry(k).or_insert_with(|| (BTreeSet::new(), w));
    e.0.extend(cis.iter().cloned());
    e.1 = (e.1 .0.min(w.0), e.1 .1.max(w.1));
}

fn keys(kind: &str, map: &Pairs) -> Vec<Key> {
    map.iter()
        .map(|((a, b), (cis, w))| {
            (
                kind.to_string(),
                vec![format!("R{a:03}"), format!("R{b:03}")],
                cis.iter().cloned().collect(),
                Some((iso(w.0), iso(w.1))),
            )
        })
        .collect()
}

/// Every pair of items compared directly: ci_overlap, related_ci_overlap
/// (CMDB distance by breadth-first search) and assignee_overlap.
fn oracle(items: &[Gen], edges: &[(usize, usize)], depth: usize, strict: bool) -> Vec<Key> {
    let (cis, work) = touches(items);
    let mut same = BTreeMap::new();
    let mut related = BTreeMap::new();
    let mut people = BTreeMap::new();
    // CMDB distances, undirected.
    let mut adj = vec![BTreeSet::new(); CIS];
    for (a, b) in edges {
        if a != b {
            adj[*a].insert(*b);
            adj[*b].insert(*a);
        }
    }
    let dist = |a: usize, b: usize| -> Option<usize> {
        let mut seen = [usize::MAX; CIS];
        seen[a] = 0;
        let mut q = VecDeque::from([a]);
        while let Some(n) = q.pop_front() {
            for m in &adj[n] {
                if seen[*m] == usize::MAX {
                    seen[*m] = seen[n] + 1;
                    q.push_back(*m);
                }
            }
        }
        (seen[b] != usize::MAX).then_some(seen[b])
    };
    let idx = |c: &str| c.trim_start_matches("ci-").parse::<usize>().unwrap();
    for x in &cis {
        for y in &cis {
            if x.0 >= y.0 || !overlap((x.2, x.3), (y.2, y.3), strict) {
                continue;
            }
            let w = (x.2.max(y.2), x.3.min(y.3));
            if x.1 == y.1 {
                add(&mut same, x.0, y.0, std::slice::from_ref(&x.1), w);
            } else if depth > 0 && dist(idx(&x.1), idx(&y.1)).is_some_and(|d| d <= depth) {
                add(&mut related, x.0, y.0, &[x.1.clone(), y.1.clone()], w);
            }
        }
    }
    related.retain(|k, _| !same.contains_key(k));
    for x in &work {
        for y in &work {
            if x.0 >= y.0 || x.1 != y.1 || !overlap((x.2, x.3), (y.2, y.3), strict) {
                continue;
            }
            let w = (x.2.max(y.2), x.3.min(y.3));
            let c: Vec<String> = x.4.iter().chain(&y.4).map(|c| ci(*c)).collect();
            add(&mut people, x.0, y.0, &c, w);
        }
    }
    let mut out = keys("ci_overlap", &same);
    out.extend(keys("related_ci_overlap", &related));
    out.extend(keys("assignee_overlap", &people));
    out.sort();
    out
}

fn detected(s: &Schedule) -> Vec<Key> {
    let report = detect_conflicts(s).unwrap();
    let mut out: Vec<Key> = report
        .conflicts
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                ConflictKind::CiOverlap
                    | ConflictKind::RelatedCiOverlap
                    | ConflictKind::AssigneeOverlap
            )
        })
        .map(|c| {
            (
                c.kind.as_str().to_string(),
                c.items.clone(),
                c.cis.clone(),
                c.window
                    .as_ref()
                    .map(|w| (w.start.to_string(), w.end.to_string())),
            )
        })
        .collect();
    out.sort();
    out
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
