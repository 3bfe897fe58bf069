//! `related_ci_overlap`: two items touch different CIs within the policy's
//! `related_ci_depth` CMDB hops of each other (relationships in either
//! direction, any kind) in overlapping windows; not reported for a pair
//! that already has `ci_overlap`. Details: the related CI pairs, first
//! item's CI first, and the depth (docs/conflicts.md).

use super::found::{Found, Why};
use super::interval::intersection;
use super::model::{Model, Touch};
use super::pairs::{self, Pair, Pairs};
use super::ConflictKind;
use crate::foundation::hash::HashMap;
use crate::foundation::parallel;

/// Appends a conflict per pair of items that touch related CIs at once,
/// leaving out the pairs of `ci_pairs` (they already share a CI).
pub(super) fn detect<'a>(model: &'a Model, ci_pairs: &Pairs, out: &mut Vec<Found<'a>>) {
    if model.policy.related_ci_depth == 0 {
        return;
    }
    let depth = model.policy.related_ci_depth;
    for ((a0, b0), p) in &related_pairs(model, ci_pairs) {
        let swapped = model.id(*b0) < model.id(*a0);
        // Each link as [CI of the first item, CI of the second], by name.
        let mut links: Vec<(&'a str, &'a str)> = p
            .links
            .iter()
            .map(|(x, y)| {
                let (x, y) = if swapped { (y, x) } else { (x, y) };
                (model.name(*x), model.name(*y))
            })
            .collect();
        links.sort_unstable();
        out.push(model.found(
            ConflictKind::RelatedCiOverlap,
            &[*a0, *b0],
            p.cis.iter().copied(),
            Some(p.window),
            Why::Related { links, depth },
        ));
    }
}

/// For each CI touch, the touches of its related CIs that overlap it:
/// the pairs of items so linked, with the links. The touches are split
/// across cores (whole CI groups per shard, so each shard looks up a
/// CI's relatives once).
fn related_pairs(model: &Model, ci_pairs: &Pairs) -> Pairs {
    let shards = model
        .by_ci
        .shards(pairs::shard_count(model.by_ci.touches.len()));
    pairs::merge(parallel::map(&shards, |touches| {
        related_shard(model, ci_pairs, touches)
    }))
}

fn related_shard(model: &Model, ci_pairs: &Pairs, touches: &[Touch]) -> HashMap<(u32, u32), Pair> {
    let strict = model.strict();
    let mut out: HashMap<(u32, u32), Pair> = HashMap::default();
    let mut key = None;
    let mut rel: Vec<u32> = Vec::new();
    for t in touches {
        if key != Some(t.key) {
            rel = model.related(t.key);
            key = Some(t.key);
        }
        for r in &rel {
            if *r == t.key {
                continue;
            }
            for u in model.by_ci.overlapping(*r, t.iv, strict) {
                if u.item == t.item {
                    continue;
                }
                let k = (t.item.min(u.item), t.item.max(u.item));
                if ci_pairs.contains_key(&k) {
                    continue;
                }
                let p: &mut Pair = out.entry(k).or_default();
                p.add(intersection(t.iv, u.iv));
                p.cis.insert(t.key);
                p.cis.insert(*r);
                // Each link once, in the pair's item order.
                let link = if t.item < u.item {
                    (t.key, *r)
                } else {
                    (*r, t.key)
                };
                p.links.insert(link);
            }
        }
    }
    out
}
