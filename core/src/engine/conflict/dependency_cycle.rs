//! `dependency_cycle`: items whose `depends_on` form a cycle (a strongly
//! connected component of two or more), whatever their state. One conflict
//! per cycle with every member; details: a path through the smallest
//! member, e.g. `A → C → B → A` (docs/conflicts.md).

use super::found::{Found, Why};
use super::model::Model;
use super::ConflictKind;
use crate::foundation::hash::HashMap;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeSet;

/// Appends a conflict per dependency cycle.
pub(super) fn detect<'a>(model: &'a Model, out: &mut Vec<Found<'a>>) {
    let mut graph = DiGraph::<u32, ()>::new();
    let nodes: Vec<NodeIndex> = (0..model.items.len() as u32)
        .map(|i| graph.add_node(i))
        .collect();
    for (bi, b) in model.items.iter().enumerate() {
        let bn = nodes.get(bi).copied();
        for dep in b.depends_on.iter() {
            let Some(ai) = model.item_ids.get(dep.as_str()).copied() else {
                continue;
            };
            if let (Some(bn), Some(an)) = (bn, nodes.get(ai as usize).copied()) {
                graph.add_edge(bn, an, ());
            }
        }
    }
    for scc in petgraph::algo::tarjan_scc(&graph) {
        if scc.len() < 2 {
            continue;
        }
        let members: BTreeSet<u32> = scc
            .iter()
            .filter_map(|n| graph.node_weight(*n).copied())
            .collect();
        let path = cycle_path(model, &members);
        let ids: Vec<u32> = members.iter().copied().collect();
        out.push(model.found(
            ConflictKind::DependencyCycle,
            &ids,
            [],
            None,
            Why::Cycle { path },
        ));
    }
}

/// A cycle through the smallest member, by breadth-first search inside the
/// strongly connected component: `A → B → C → A`.
fn cycle_path<'a>(model: &'a Model, members: &BTreeSet<u32>) -> Vec<&'a str> {
    let Some(&start) = members.iter().next() else {
        return Vec::new();
    };
    let deps = |i: u32| -> Vec<u32> {
        let mut v: Vec<u32> = model
            .item(i)
            .map(|it| {
                it.depends_on
                    .iter()
                    .filter_map(|d| model.item_ids.get(d.as_str()).copied())
                    .filter(|d| members.contains(d))
                    .collect()
            })
            .unwrap_or_default();
        v.sort_by_key(|d| model.id(*d));
        v
    };
    let mut parent: HashMap<u32, u32> = HashMap::default();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut end = None;
    'search: while let Some(n) = queue.pop_front() {
        for m in deps(n) {
            if m == start {
                end = Some(n);
                break 'search;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(m) {
                e.insert(n);
                queue.push_back(m);
            }
        }
    }
    let mut path = vec![start];
    if let Some(mut n) = end {
        let mut back = vec![];
        while n != start {
            back.push(n);
            match parent.get(&n) {
                Some(p) => n = *p,
                None => break,
            }
        }
        back.reverse();
        path.extend(back);
    }
    path.push(start);
    path.into_iter().map(|i| model.id(i)).collect()
}
