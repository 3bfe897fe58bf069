//! The CMDB as a graph of harm: which CIs a fault in a CI can reach
//! (`docs/risk.md`, "The factors", `blast_radius`).
//!
//! Every relationship becomes one or two directed edges pointing from the
//! CI whose fault propagates to the CI that suffers it:
//!
//! | kind | `A kind B` | edge(s) |
//! |---|---|---|
//! | `depends_on`, `runs_on`, `hosted_on`, `uses`, any other kind | A needs B | B → A |
//! | `contains` | A holds B (rack, cluster) | A → B |
//! | `connects_to` | a link both ways | A → B and B → A |
//!
//! The blast radius of a set of affected CIs is a breadth-first walk along
//! these edges, at most `depth` hops, visiting each CI once (so cycles end).

use crate::document::{Cmdb, ConfigurationItem, Criticality};
use crate::error::{Error, Problem, Result};
use crate::foundation::parallel;
use crate::foundation::path::join;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use std::borrow::Cow;
use std::collections::HashMap;

/// How a relationship kind propagates a fault (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Propagation {
    /// A fault in `to` hurts `from`.
    ToFrom,
    /// A fault in `from` hurts `to`.
    FromTo,
    /// Both ways.
    Both,
}

/// The propagation of a relationship kind.
pub(crate) fn propagation(kind: &str) -> Propagation {
    match kind {
        "contains" => Propagation::FromTo,
        "connects_to" => Propagation::Both,
        _ => Propagation::ToFrom,
    }
}

/// A CMDB prepared for repeated blast-radius walks.
#[derive(Debug)]
pub(crate) struct CmdbIndex<'a> {
    /// The CIs, borrowed from the context or owned by the index.
    pub(crate) cis: Cow<'a, [ConfigurationItem]>,
    ids: HashMap<Cow<'a, str>, u32>,
    /// The harm edges, frozen from the petgraph graph into compressed
    /// adjacency: the CIs a fault in CI `i` reaches in one hop are
    /// `targets[offsets[i]..offsets[i + 1]]` (contiguous, so a walk touches
    /// one block per CI instead of chasing a linked list of edges).
    offsets: Vec<u32>,
    targets: Vec<u32>,
    /// The service index of each CI.
    service_of: Vec<Option<u32>>,
    services: usize,
    /// The criticality of each CI, dense.
    criticality: Vec<Option<Criticality>>,
    /// The reach of each CI at one depth, precomputed for risk scoring.
    balls: Option<Balls>,
}

/// The depth-bounded reach ("ball") of every CI: the CIs within `depth`
/// hops of it (itself included), each packed with its service as
/// `ci << 32 | service` (`NO_SERVICE` without one), contiguous per CI.
/// A CI whose ball is larger than [`BALL_CAP`] (a hub), or beyond the
/// memory budget, has none: a walk from it runs the breadth-first search.
/// The reach of a set of CIs at `depth` hops is the union of their balls,
/// so a walk over a few contiguous lists and two small bitsets replaces
/// thousands of scattered adjacency reads.
#[derive(Debug)]
struct Balls {
    depth: u32,
    /// `items[offsets[i]..offsets[i + 1]]` is the ball of CI `i`; a CI
    /// without one has `missing` set.
    offsets: Vec<u32>,
    items: Vec<u64>,
    missing: Vec<u64>,
}

/// The most CIs one precomputed ball may hold.
const BALL_CAP: usize = 256;
/// The most ball entries per CI of the CMDB, on average, kept in memory.
const BALL_BUDGET_PER_CI: usize = 64;
/// The service slot of a CI without a service.
const NO_SERVICE: u32 = u32::MAX;

thread_local! {
    /// Per-thread scratch bitsets (CIs seen, services seen), all zero
    /// between walks: a walk sets bits and clears exactly those it set, so
    /// no walk allocates or zeroes in proportion to the CMDB.
    static SCRATCH: std::cell::RefCell<(Vec<u64>, Vec<u64>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// What a walk reached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reach {
    /// Known affected CIs (the start of the walk).
    pub(crate) affected: usize,
    /// CIs reached beyond the affected ones.
    pub(crate) dependents: usize,
    /// Distinct services of the affected and reached CIs.
    pub(crate) services: usize,
    /// The CI indexes reached, when asked for.
    pub(crate) reached: Vec<u32>,
}

fn bit(set: &mut [u64], i: usize) -> bool {
    // Returns true when the bit was newly set.
    match set.get_mut(i / 64) {
        Some(word) => {
            let mask = 1u64 << (i % 64);
            let fresh = *word & mask == 0;
            *word |= mask;
            fresh
        }
        None => false,
    }
}

impl<'a> CmdbIndex<'a> {
    /// Indexes a CMDB found at `base` (for error paths). Duplicate CI ids
    /// and relationships to CIs not in the CMDB are `invalid_input`.
    pub(crate) fn new(cmdb: &'a Cmdb, base: &str) -> Result<Self> {
        let n = cmdb.cis.len();
        if u32::try_from(n).is_err() || u32::try_from(cmdb.relationships.len()).is_err() {
            return Err(Error::LimitExceeded {
                path: base.to_string(),
                what: "CMDB size".to_string(),
                limit: u64::from(u32::MAX),
                found: n.max(cmdb.relationships.len()) as u64,
            });
        }
        let mut problems = Vec::new();
        let mut ids = HashMap::with_capacity(n);
        let mut service_ids: HashMap<&str, u32> = HashMap::new();
        let mut service_of = Vec::with_capacity(n);
        for (i, ci) in cmdb.cis.iter().enumerate() {
            let idx = i as u32;
            if ids.insert(Cow::Borrowed(ci.id.as_str()), idx).is_some() {
                problems.push(Problem::new(
                    join(&format!("{}[{i}]", join(base, "cis")), "id"),
                    format!("duplicate CI id `{}`", ci.id),
                ));
            }
            service_of.push(ci.service.as_deref().map(|s| {
                let next = service_ids.len() as u32;
                *service_ids.entry(s).or_insert(next)
            }));
        }
        let mut graph = DiGraph::<(), (), u32>::with_capacity(n, cmdb.relationships.len());
        for _ in 0..n {
            graph.add_node(());
        }
        for (i, r) in cmdb.relationships.iter().enumerate() {
            let path = format!("{}[{i}]", join(base, "relationships"));
            let from = ids.get(r.from.as_str()).copied();
            let to = ids.get(r.to.as_str()).copied();
            for (end, id, found) in [("from", &r.from, from), ("to", &r.to, to)] {
                if found.is_none() {
                    problems.push(Problem::new(
                        join(&path, end),
                        format!("CI `{id}` is not in the CMDB"),
                    ));
                }
            }
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            let (a, b) = (NodeIndex::new(from as usize), NodeIndex::new(to as usize));
            match propagation(&r.kind) {
                Propagation::ToFrom => {
                    graph.add_edge(b, a, ());
                }
                Propagation::FromTo => {
                    graph.add_edge(a, b, ());
                }
                Propagation::Both => {
                    graph.add_edge(a, b, ());
                    graph.add_edge(b, a, ());
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::InvalidInput { problems });
        }
        let mut offsets = Vec::with_capacity(n.saturating_add(1));
        let mut targets = Vec::with_capacity(graph.edge_count());
        offsets.push(0u32);
        for node in graph.node_indices() {
            let start = targets.len();
            targets.extend(
                graph
                    .neighbors_directed(node, Direction::Outgoing)
                    .map(|t| t.index() as u32),
            );
            // petgraph lists the newest edge first; keep CMDB order.
            if let Some(added) = targets.get_mut(start..) {
                added.reverse();
            }
            offsets.push(targets.len() as u32);
        }
        Ok(CmdbIndex {
            cis: Cow::Borrowed(&cmdb.cis),
            ids,
            offsets,
            targets,
            service_of,
            services: service_ids.len(),
            criticality: cmdb.cis.iter().map(|c| c.criticality).collect(),
            balls: None,
        })
    }

    /// Indexes a CMDB it then owns (for a prepared object a host keeps).
    pub(crate) fn owned(cmdb: Cmdb, base: &str) -> Result<CmdbIndex<'static>> {
        let index = CmdbIndex::new(&cmdb, base)?;
        let ids = index
            .ids
            .into_iter()
            .map(|(k, v)| (Cow::Owned(k.into_owned()), v))
            .collect();
        let (offsets, targets, service_of, services, criticality) = (
            index.offsets,
            index.targets,
            index.service_of,
            index.services,
            index.criticality,
        );
        Ok(CmdbIndex {
            cis: Cow::Owned(cmdb.cis),
            ids,
            offsets,
            targets,
            service_of,
            services,
            criticality,
            balls: None,
        })
    }

    /// The criticality of the CI at an index.
    pub(crate) fn criticality(&self, index: u32) -> Option<Criticality> {
        self.criticality.get(index as usize).copied().flatten()
    }

    /// The CIs a fault in CI `i` reaches in one hop.
    fn neighbours(&self, i: usize) -> &[u32] {
        let (Some(&from), Some(&to)) = (self.offsets.get(i), self.offsets.get(i.saturating_add(1)))
        else {
            return &[];
        };
        self.targets.get(from as usize..to as usize).unwrap_or(&[])
    }

    /// Precomputes the ball of every CI at `depth` hops (see [`Balls`]),
    /// the CIs split over every core.
    pub(crate) fn prepare_reach(&mut self, depth: u32) {
        let n = self.cis.len();
        let budget = n.saturating_mul(BALL_BUDGET_PER_CI);
        let shards = parallel::ranges(n, parallel::threads().saturating_mul(4));
        let parts = parallel::map(&shards, |range| self.balls_of(range.clone(), depth));
        let mut offsets = Vec::with_capacity(n.saturating_add(1));
        let mut items = Vec::new();
        let mut missing = vec![0u64; n.div_ceil(64)];
        offsets.push(0u32);
        let mut ci = 0usize;
        for (lengths, list) in parts {
            let mut at = 0usize;
            for len in lengths {
                let end = at.saturating_add(len as usize);
                let fits = len != u32::MAX && items.len().saturating_add(len as usize) <= budget;
                match list.get(at..end) {
                    Some(ball) if fits => items.extend_from_slice(ball),
                    _ => {
                        bit(&mut missing, ci);
                    }
                }
                if len != u32::MAX {
                    at = end;
                }
                // `items` is below the budget, itself below u32::MAX · 64
                // only for CMDBs of under 2^32 CIs (checked in `new`).
                offsets.push(u32::try_from(items.len()).unwrap_or(u32::MAX));
                ci = ci.saturating_add(1);
            }
        }
        if u32::try_from(items.len()).is_err() {
            return;
        }
        self.balls = Some(Balls {
            depth,
            offsets,
            items,
            missing,
        });
    }

    /// The balls of the CIs in `range`: each ball's length (`u32::MAX`
    /// for one over [`BALL_CAP`]) and the entries, concatenated.
    fn balls_of(&self, range: std::ops::Range<usize>, depth: u32) -> (Vec<u32>, Vec<u64>) {
        let n = self.cis.len();
        let mut stamp = vec![u32::MAX; n];
        let mut lengths = Vec::with_capacity(range.len());
        let mut items = Vec::new();
        let mut frontier = Vec::new();
        let mut next = Vec::new();
        for (round, source) in range.enumerate() {
            let round = round as u32;
            let start = items.len();
            frontier.clear();
            frontier.push(source as u32);
            if let Some(s) = stamp.get_mut(source) {
                *s = round;
            }
            let mut ball: Vec<u32> = vec![source as u32];
            let mut over = false;
            'hops: for _ in 0..depth {
                for &ci in &frontier {
                    for &j in self.neighbours(ci as usize) {
                        if let Some(s) = stamp.get_mut(j as usize) {
                            if *s != round {
                                *s = round;
                                ball.push(j);
                                next.push(j);
                                if ball.len() > BALL_CAP {
                                    over = true;
                                    break 'hops;
                                }
                            }
                        }
                    }
                }
                std::mem::swap(&mut frontier, &mut next);
                next.clear();
                if frontier.is_empty() {
                    break;
                }
            }
            next.clear();
            if over {
                lengths.push(u32::MAX);
                continue;
            }
            items.extend(ball.iter().map(|&ci| {
                let service = self
                    .service_of
                    .get(ci as usize)
                    .copied()
                    .flatten()
                    .unwrap_or(NO_SERVICE);
                (u64::from(ci) << 32) | u64::from(service)
            }));
            lengths.push(items.len().saturating_sub(start) as u32);
        }
        (lengths, items)
    }

    /// What a walk of `depth` hops from `start` (CI indexes, sorted and
    /// distinct) reaches, counted only: from the precomputed balls when
    /// every start has one at this depth, else by [`CmdbIndex::walk`].
    pub(crate) fn reach(&self, start: &[u32], depth: u32) -> Reach {
        let Some(balls) = self.balls.as_ref().filter(|b| b.depth == depth) else {
            return self.walk(start, depth, false);
        };
        let mut lists = Vec::with_capacity(start.len());
        for &ci in start {
            let i = ci as usize;
            let missing = balls
                .missing
                .get(i / 64)
                .is_none_or(|w| w & (1u64 << (i % 64)) != 0);
            let list = match (balls.offsets.get(i), balls.offsets.get(i.saturating_add(1))) {
                (Some(&a), Some(&b)) if !missing => balls.items.get(a as usize..b as usize),
                _ => None,
            };
            match list {
                Some(list) => lists.push(list),
                None => return self.walk(start, depth, false),
            }
        }
        let union = |seen: &mut Vec<u64>, services: &mut Vec<u64>| {
            let (cis, svcs) = (self.cis.len().div_ceil(64), self.services.div_ceil(64));
            if seen.len() < cis {
                seen.resize(cis, 0);
            }
            if services.len() < svcs {
                services.resize(svcs, 0);
            }
            let (mut count, mut service_count) = (0usize, 0usize);
            for item in lists.iter().flat_map(|l| l.iter()) {
                let (ci, service) = ((item >> 32) as usize, (item & 0xffff_ffff) as u32);
                if bit(seen, ci) {
                    count = count.saturating_add(1);
                    if service != NO_SERVICE && bit(services, service as usize) {
                        service_count = service_count.saturating_add(1);
                    }
                }
            }
            // Leave the scratch all zero again.
            for item in lists.iter().flat_map(|l| l.iter()) {
                let (ci, service) = ((item >> 32) as usize, (item & 0xffff_ffff) as u32);
                if let Some(w) = seen.get_mut(ci / 64) {
                    *w = 0;
                }
                if let Some(w) = services.get_mut(service as usize / 64) {
                    *w = 0;
                }
            }
            Reach {
                affected: start.len(),
                // Every start is in its own ball.
                dependents: count.saturating_sub(start.len()),
                services: service_count,
                reached: Vec::new(),
            }
        };
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let (seen, services) = &mut *scratch;
                union(seen, services)
            }
            Err(_) => union(&mut Vec::new(), &mut Vec::new()),
        })
    }

    /// The index of a CI id.
    pub(crate) fn index(&self, id: &str) -> Option<u32> {
        self.ids.get(id).copied()
    }

    /// The CI at an index.
    pub(crate) fn ci(&self, index: u32) -> Option<&ConfigurationItem> {
        self.cis.get(index as usize)
    }

    /// Walks from `start` (CI indexes) at most `depth` hops along the
    /// harm edges, each CI once.
    pub(crate) fn walk(&self, start: &[u32], depth: u32, keep: bool) -> Reach {
        let n = self.cis.len();
        let mut seen = vec![0u64; n.div_ceil(64)];
        let mut services = vec![0u64; self.services.div_ceil(64)];
        let mut reach = Reach::default();
        let mut service_count = 0usize;
        let mut count_service = |ci: u32, services: &mut [u64]| {
            if let Some(Some(s)) = self.service_of.get(ci as usize) {
                if bit(services, *s as usize) {
                    service_count = service_count.saturating_add(1);
                }
            }
        };
        let mut frontier = Vec::with_capacity(start.len());
        for &ci in start {
            if bit(&mut seen, ci as usize) {
                reach.affected = reach.affected.saturating_add(1);
                frontier.push(ci);
                count_service(ci, &mut services);
            }
        }
        let mut next = Vec::new();
        for _ in 0..depth {
            if frontier.is_empty() {
                break;
            }
            for &ci in &frontier {
                let i = ci as usize;
                let (Some(&from), Some(&to)) =
                    (self.offsets.get(i), self.offsets.get(i.saturating_add(1)))
                else {
                    continue;
                };
                let neighbours = self.targets.get(from as usize..to as usize).unwrap_or(&[]);
                for &j in neighbours {
                    if bit(&mut seen, j as usize) {
                        reach.dependents = reach.dependents.saturating_add(1);
                        count_service(j, &mut services);
                        if keep {
                            reach.reached.push(j);
                        }
                        next.push(j);
                    }
                }
            }
            std::mem::swap(&mut frontier, &mut next);
            next.clear();
        }
        reach.services = service_count;
        reach
    }
}

/// The blast radius of a set of CIs in a CMDB, as ids: what a walk of at
/// most `depth` hops from the CIs to the CIs that depend on them reaches.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct BlastRadius {
    /// How many of the given CIs are in the CMDB (the start of the walk).
    pub affected_cis: usize,
    /// The CIs reached beyond the given ones, sorted by id.
    pub dependent_cis: Vec<String>,
    /// The distinct business services of the given and reached CIs, sorted.
    pub services: Vec<String>,
    /// Given CI ids that are not in the CMDB (ignored by the walk).
    pub unknown_cis: Vec<String>,
}

/// The blast radius of `cis` in `cmdb` at `depth` hops (see the module
/// table for how each relationship kind propagates a fault). Cycle-safe:
/// every CI is visited once. Errors: duplicate CI ids or relationships to
/// CIs not in the CMDB (`invalid_input` with the path under `cmdb`).
pub fn blast_radius(cmdb: &Cmdb, cis: &[&str], depth: u32) -> Result<BlastRadius> {
    let index = CmdbIndex::new(cmdb, "cmdb")?;
    let mut start = Vec::new();
    let mut unknown_cis = Vec::new();
    for id in cis {
        match index.index(id) {
            Some(i) => start.push(i),
            None => unknown_cis.push((*id).to_string()),
        }
    }
    let reach = index.walk(&start, depth, true);
    let mut dependent_cis: Vec<String> = reach
        .reached
        .iter()
        .filter_map(|&i| index.ci(i).map(|c| c.id.clone()))
        .collect();
    dependent_cis.sort();
    let mut services: Vec<String> = start
        .iter()
        .chain(&reach.reached)
        .filter_map(|&i| index.ci(i).and_then(|c| c.service.clone()))
        .collect();
    services.sort();
    services.dedup();
    Ok(BlastRadius {
        affected_cis: reach.affected,
        dependent_cis,
        services,
        unknown_cis,
    })
}
