//! `capacity`: more items at once than a limit of the policy's `capacity`
//! allows, on a service and/or environment (every item with neither). One
//! conflict per limit and over-capacity episode, listing every item active
//! during it, with the peak count (docs/conflicts.md).

use super::found::{Found, Why};
use super::model::{Item, Model};
use super::ConflictKind;
use crate::calendar::Interval;
use std::collections::BTreeSet;

/// Appends a conflict per capacity limit and episode over it.
pub(super) fn detect<'a>(model: &'a Model, out: &mut Vec<Found<'a>>) {
    for (li, limit) in model.policy.capacity.iter().enumerate() {
        let service = limit.service.as_deref().map(|s| model.names.get(s));
        let env = limit.environment.as_deref().map(|s| model.names.get(s));
        let spans: Vec<(u32, Interval)> = model
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.active && limit_matches(it, service, env))
            .filter_map(|(i, it)| it.span.map(|s| (i as u32, s)))
            .collect();
        for (window, members, peak) in
            over_capacity(&spans, limit.max_concurrent as usize, model.strict())
        {
            let ids: Vec<u32> = members.into_iter().collect();
            out.push(model.found(
                ConflictKind::Capacity,
                &ids,
                [],
                Some(window),
                Why::Capacity { limit: li, peak },
            ));
        }
    }
}

/// Whether a limit counts an item: `None` counts any, `Some(None)` a name
/// no item has (counts none), `Some(Some(k))` items with interned name `k`.
pub(crate) fn limit_matches(
    item: &Item,
    service: Option<Option<u32>>,
    env: Option<Option<u32>>,
) -> bool {
    let ok = |want: Option<Option<u32>>, have: &[u32]| match want {
        None => true,
        Some(None) => false,
        Some(Some(k)) => have.contains(&k),
    };
    ok(service, &item.services) && ok(env, &item.environments)
}

/// Episodes where more than `max` spans are active at once: the window,
/// every item active during it, and the peak count.
pub(crate) fn over_capacity(
    spans: &[(u32, Interval)],
    max: usize,
    strict: bool,
) -> Vec<(Interval, BTreeSet<u32>, usize)> {
    // Events: (time, order, +1/-1, item); with `strict`, an end at t comes
    // before a start at t (back-to-back is not concurrent).
    let mut events: Vec<(i64, u8, u32)> = Vec::with_capacity(spans.len().saturating_mul(2));
    for (i, s) in spans {
        events.push((s.start, if strict { 1 } else { 0 }, *i));
        events.push((s.end, if strict { 0 } else { 1 }, *i));
    }
    // Starts are marked by the order byte that sorts them: remember which.
    let start_order = if strict { 1 } else { 0 };
    events.sort_unstable();
    let mut active: BTreeSet<u32> = BTreeSet::new();
    let mut out = Vec::new();
    let mut episode: Option<(i64, BTreeSet<u32>, usize)> = None;
    for (t, order, item) in events {
        if order == start_order {
            active.insert(item);
            if active.len() > max {
                let e = episode.get_or_insert_with(|| (t, BTreeSet::new(), 0));
                e.1.extend(active.iter().copied());
                e.2 = e.2.max(active.len());
            }
        } else {
            active.remove(&item);
            if active.len() <= max {
                if let Some((start, members, peak)) = episode.take() {
                    out.push((Interval { start, end: t }, members, peak));
                }
            }
        }
    }
    out
}
