//! Item pairs that share a key (a CI, an implementer) in overlapping
//! windows, found by one time-ordered sweep per key; what `ci_overlap`,
//! `related_ci_overlap` and `assignee_overlap` are built from. The keys
//! are split across cores in runs of whole groups; the partial pair maps
//! merge by union and hull, so the result is the serial one.

use super::interval::{hull, intersection};
use super::model::{Index, Model, Touch};
use crate::calendar::Interval;
use crate::foundation::hash::HashMap;
use crate::foundation::parallel;
use std::collections::{BTreeMap, BTreeSet};

/// Accumulates one item pair.
#[derive(Default)]
pub(super) struct Pair {
    /// Every CI involved.
    pub(super) cis: BTreeSet<u32>,
    /// The keys (CIs or implementers) the two items share.
    pub(super) keys: BTreeSet<u32>,
    /// Related CI links, (CI of the first item, CI of the second).
    pub(super) links: BTreeSet<(u32, u32)>,
    /// From the first overlap to the end of the last.
    pub(super) window: Interval,
    seen: bool,
}

impl Pair {
    /// Adds one overlap.
    pub(super) fn add(&mut self, iv: Interval) {
        self.window = if self.seen {
            hull(Some(self.window), iv)
        } else {
            iv
        };
        self.seen = true;
    }

    /// Folds in what another shard found for the same pair.
    fn merge(&mut self, other: Pair) {
        if other.seen {
            self.add(other.window);
        }
        self.cis.extend(other.cis);
        self.keys.extend(other.keys);
        self.links.extend(other.links);
    }
}

/// The item pairs of a model, keyed by (smaller index, larger index).
pub(super) type Pairs = BTreeMap<(u32, u32), Pair>;

/// Merges the pair maps of shards (in any order: union and hull commute).
pub(super) fn merge(parts: Vec<HashMap<(u32, u32), Pair>>) -> Pairs {
    let mut out = Pairs::new();
    for part in parts {
        for (k, p) in part {
            match out.entry(k) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(p);
                }
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(p),
            }
        }
    }
    out
}

/// How many shards batch work over `n` things splits into.
pub(super) fn shard_count(n: usize) -> usize {
    if parallel::threads() > 1 && n > 4096 {
        parallel::threads().saturating_mul(4)
    } else {
        1
    }
}

/// Pairs of items whose touches of one key overlap (a sweep per key). With
/// `implementers`, the keys are implementers and a pair's CIs are those of
/// both changes; otherwise the keys are the CIs.
pub(super) fn sweep(model: &Model, index: &Index, implementers: bool) -> Pairs {
    let shards = index.shards(shard_count(index.touches.len()));
    merge(parallel::map(&shards, |touches| {
        sweep_shard(model, touches, implementers)
    }))
}

fn sweep_shard(model: &Model, touches: &[Touch], implementers: bool) -> HashMap<(u32, u32), Pair> {
    let strict = model.strict();
    let mut pairs: HashMap<(u32, u32), Pair> = HashMap::default();
    let mut active: Vec<Touch> = Vec::new();
    let mut key = None;
    for t in touches {
        if key != Some(t.key) {
            active.clear();
            key = Some(t.key);
        }
        active.retain(|a| {
            if strict {
                a.iv.end > t.iv.start
            } else {
                a.iv.end >= t.iv.start
            }
        });
        for a in &active {
            if a.item == t.item {
                continue;
            }
            let k = (a.item.min(t.item), a.item.max(t.item));
            let p = pairs.entry(k).or_default();
            p.add(intersection(a.iv, t.iv));
            p.keys.insert(t.key);
            if implementers {
                for c in [a.cis, t.cis] {
                    if let Some(list) = model.work_cis.get(c as usize) {
                        p.cis.extend(list.iter().copied());
                    }
                }
            } else {
                p.cis.insert(t.key);
            }
        }
        active.push(*t);
    }
    pairs
}
