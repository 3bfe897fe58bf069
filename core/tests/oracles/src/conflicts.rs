//! Conflict detection's oracle: every pair of items compared directly for
//! `ci_overlap`, `related_ci_overlap` (CMDB distance by breadth-first
//! search) and `assignee_overlap` (docs/conflicts.md), and the schedule
//! the generated items make.

use crate::iso;
use relman::{detect_conflicts, ConflictKind, ConflictReport, Schedule};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// 2026-12-01T00:00:00Z, the start of the generated schedules.
pub const BASE: i64 = 1_796_083_200;
/// The grid of generated times: 15 minutes.
pub const STEP: i64 = 900;
/// CIs in the generated CMDB (`ci-0` … `ci-11`, in services `s0`–`s2`).
pub const CIS: usize = 12;

/// One generated item: a release with two changes — the main one in the
/// release's window, the other possibly in its own — touching some CIs,
/// implemented by someone (`p{who}` and `p{who + 1}`).
#[derive(Debug, Clone)]
pub struct Item {
    /// Start of the release window (Unix seconds).
    pub start: i64,
    /// Length of the release window (seconds).
    pub len: i64,
    /// CIs of the main change (indices below [`CIS`]).
    pub cis: Vec<usize>,
    /// Implementer of the main change.
    pub who: usize,
    /// The second change's own window, if any.
    pub own: Option<(i64, i64)>,
    /// CIs of the second change.
    pub own_cis: Vec<usize>,
    /// The release's service (`s{service}`).
    pub service: usize,
    /// Raw dependency choices, mapped to items by [`release`]'s caller.
    pub deps: Vec<usize>,
}

/// The id of CI `i`.
pub fn ci(i: usize) -> String {
    format!("ci-{i}")
}

/// The release document of item `i`; `dep_of` maps each raw dependency
/// choice to an item index (or none), a release never depending on itself.
pub fn release(i: usize, g: &Item, dep_of: impl Fn(usize) -> Option<usize>) -> Value {
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
        .filter_map(|d| dep_of(*d))
        .filter(|d| *d != i)
        .map(|d| format!("R{d:03}"))
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

/// The CMDB of [`CIS`] servers with `edges` (self-loops and repeats
/// dropped) as `depends_on` relationships.
pub fn cmdb(edges: &[(usize, usize)]) -> Value {
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

/// A touch as the oracle sees it: item, CI, window.
type Touch = (usize, String, i64, i64);

/// An implementer's work: item, implementer, window, the change's CIs.
type Work = (usize, String, i64, i64, Vec<usize>);

/// Item pair → (CIs, window hull).
type Pairs = BTreeMap<(usize, usize), (BTreeSet<String>, (i64, i64))>;

/// (kind, items, cis, window) of a conflict, comparable.
pub type Key = (String, Vec<String>, Vec<String>, Option<(String, String)>);

fn touches(items: &[Item]) -> (Vec<Touch>, Vec<Work>) {
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
/// (CMDB distance by breadth-first search, up to `depth`) and
/// assignee_overlap; `strict` is `allow_contiguous`. Sorted.
pub fn oracle(items: &[Item], edges: &[(usize, usize)], depth: usize, strict: bool) -> Vec<Key> {
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

/// The overlap-kind conflicts relman detects in `s`, comparable with
/// [`oracle`]'s. Panics when detection fails.
pub fn detected(s: &Schedule) -> Vec<Key> {
    let report = detect_conflicts(s).unwrap_or_else(|e| panic!("detect_conflicts failed: {e}"));
    report_keys(&report)
}

/// The overlap-kind conflicts of a report (from [`detect_conflicts`] or a
/// prepared schedule), comparable with [`oracle`]'s.
pub fn report_keys(report: &ConflictReport) -> Vec<Key> {
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

/// One `dependency_order` conflict as the oracle sees it: the two ids
/// sorted, the window in Unix seconds (none for a missing or cancelled
/// dependency).
pub type DependencyKey = (Vec<String>, Option<(i64, i64)>);

/// A release as [`dependency_order_oracle`] reads it: id, state, window
/// (Unix seconds), `depends_on` as written.
pub type DependencyRelease = (String, String, (i64, i64), Vec<String>);

/// `dependency_order` by its rule (docs/conflicts.md), over schedule
/// releases given as `(id, state, window, depends_on)`: for every active
/// release B (not cancelled or closed) and every *distinct* name A in its
/// `depends_on`: A missing or cancelled is one key without a window; A in
/// review or closed is fine; otherwise B starting before A ends is late,
/// window `[B.start, A.end)`. Late pairs are then merged per unordered
/// pair (A and B depending on each other): one key, the hull of both
/// windows. Sorted.
pub fn dependency_order_oracle(releases: &[DependencyRelease]) -> Vec<DependencyKey> {
    let by_id: BTreeMap<&str, &DependencyRelease> =
        releases.iter().map(|r| (r.0.as_str(), r)).collect();
    let mut out: Vec<DependencyKey> = Vec::new();
    let mut late: BTreeMap<Vec<String>, (i64, i64)> = BTreeMap::new();
    for (b, state, bw, deps) in releases {
        if state == "cancelled" || state == "closed" {
            continue;
        }
        let distinct: BTreeSet<&String> = deps.iter().collect();
        for a in distinct {
            let mut pair = vec![b.clone(), a.clone()];
            pair.sort();
            match by_id.get(a.as_str()) {
                None => out.push((pair, None)),
                Some((_, s, _, _)) if s == "cancelled" => out.push((pair, None)),
                Some((_, s, _, _)) if s == "review" || s == "closed" => {}
                Some((_, _, aw, _)) => {
                    if bw.0 < aw.1 {
                        let w = (bw.0, aw.1);
                        late.entry(pair)
                            .and_modify(|h| *h = (h.0.min(w.0), h.1.max(w.1)))
                            .or_insert(w);
                    }
                }
            }
        }
    }
    out.extend(late.into_iter().map(|(p, w)| (p, Some(w))));
    out.sort();
    out
}

/// The `dependency_order` conflicts of a report, comparable with
/// [`dependency_order_oracle`]'s.
pub fn dependency_order_keys(report: &ConflictReport) -> Vec<DependencyKey> {
    let mut out: Vec<DependencyKey> = report
        .conflicts
        .iter()
        .filter(|c| c.kind == ConflictKind::DependencyOrder)
        .map(|c| {
            (
                c.items.clone(),
                c.window
                    .as_ref()
                    .map(|w| (w.start.unix_seconds(), w.end.unix_seconds())),
            )
        })
        .collect();
    out.sort();
    out
}
