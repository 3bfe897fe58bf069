//! `related_ci_overlap`: two items touch different CIs within the policy's
//! `related_ci_depth` CMDB hops of each other (relationships in either
//! direction, any kind) in overlapping windows; not reported for a pair
//! that already has `ci_overlap`. Details: the related CI pairs, first
//! item's CI first, and the depth (docs/conflicts.md).

use super::interval::intersection;
use super::model::Model;
use super::pairs::{Pair, Pairs};
use super::report::fmt;
use super::{Conflict, ConflictKind};
use crate::document::Extra;
use crate::foundation::hash::HashMap;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Appends a conflict per pair of items that touch related CIs at once,
/// leaving out the pairs of `ci_pairs` (they already share a CI).
pub(super) fn detect(model: &Model<'_>, ci_pairs: &Pairs, out: &mut Vec<Conflict>) {
    if model.policy.related_ci_depth == 0 {
        return;
    }
    let depth = model.policy.related_ci_depth;
    for ((a0, b0), p) in &related_pairs(model, ci_pairs) {
        let (a, b) = model.by_id(*a0, *b0);
        let swapped = a != *a0;
        let cis = model.ci_names(&p.cis);
        // Each link as [CI of the first item, CI of the second], by name.
        let mut links: Vec<(&str, &str)> = p
            .links
            .iter()
            .map(|(x, y)| {
                let (x, y) = if swapped { (y, x) } else { (x, y) };
                (model.name(*x), model.name(*y))
            })
            .collect();
        links.sort_unstable();
        let pairs: Vec<Value> = links.iter().map(|(x, y)| json!([x, y])).collect();
        let shown: Vec<String> = links.iter().map(|(x, y)| format!("{x} ~ {y}")).collect();
        let explanation = format!(
            "{} and {} touch related CIs ({}; within {} CMDB hop{}) between {} and {}",
            model.id(a),
            model.id(b),
            shown.join(", "),
            depth,
            if depth == 1 { "" } else { "s" },
            fmt(p.window.start),
            fmt(p.window.end)
        );
        let mut d = Extra::new();
        d.insert("related".into(), Value::Array(pairs));
        d.insert("depth".into(), json!(depth));
        out.push(model.conflict(
            ConflictKind::RelatedCiOverlap,
            &[a, b],
            cis,
            Some(p.window),
            explanation,
            d,
        ));
    }
}

/// For each CI touch, the touches of its related CIs that overlap it:
/// the pairs of items so linked, with the links.
fn related_pairs(model: &Model<'_>, ci_pairs: &Pairs) -> Pairs {
    let strict = model.strict();
    let mut out: Pairs = BTreeMap::new();
    let mut cache: HashMap<u32, Vec<u32>> = HashMap::default();
    for t in &model.by_ci.touches {
        let rel = cache.entry(t.key).or_insert_with(|| model.related(t.key));
        for r in rel.iter() {
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
