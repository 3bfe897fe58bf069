//! `outside_maintenance_window`: a CI that has maintenance windows (those
//! it names plus every window whose scope matches it) is touched by a
//! window that does not fit entirely inside one of them; overlapping or
//! touching occurrences are merged first. One conflict per item, listing
//! the CIs so touched and the windows' ids (docs/conflicts.md).

use super::found::{Found, Why};
use super::interval::{fits, hull};
use super::model::{Model, Touch};
use super::pairs::shard_count;
use super::ConflictKind;
use crate::calendar::Interval;
use crate::error::Result;
use crate::foundation::hash::HashMap;
use crate::foundation::parallel;
use std::collections::{BTreeMap, BTreeSet};

/// Per item: the CIs touched outside their windows, the hull of those
/// touches, the windows (indices into the calendar's).
type OutsideHits = (BTreeSet<u32>, Option<Interval>, BTreeSet<usize>);

/// Appends a conflict per item that touches a CI outside its maintenance
/// windows. Errors: `limit_exceeded` when a window expands to more
/// occurrences than the policy allows (the first such CI in CI order,
/// as a serial run would find it). The CI groups are split across cores.
pub(super) fn detect<'a>(model: &'a Model, out: &mut Vec<Found<'a>>) -> Result<()> {
    if !model.has_calendar() {
        return Ok(());
    }
    let shards = model.by_ci.shards(shard_count(model.by_ci.touches.len()));
    let mut hits: BTreeMap<u32, OutsideHits> = BTreeMap::new();
    for part in parallel::map(&shards, |touches| shard(model, touches)) {
        for (item, (cis, window, ids)) in part? {
            let e = hits.entry(item).or_default();
            e.0.extend(cis);
            if let Some(w) = window {
                e.1 = Some(hull(e.1, w));
            }
            e.2.extend(ids);
        }
    }
    for (item, (cis, window, ids)) in hits {
        out.push(
            model.found(
                ConflictKind::OutsideMaintenanceWindow,
                &[item],
                cis,
                window,
                Why::Outside {
                    windows: ids
                        .into_iter()
                        .map(|i| model.window_id(i))
                        .collect::<BTreeSet<&str>>()
                        .into_iter()
                        .collect(),
                },
            ),
        );
    }
    Ok(())
}

fn shard(model: &Model, touches: &[Touch]) -> Result<HashMap<u32, OutsideHits>> {
    let mut hits: HashMap<u32, OutsideHits> = HashMap::default();
    let mut key = None;
    let mut m = None;
    for t in touches {
        if key != Some(t.key) {
            m = model.maintenance(t.key)?;
            key = Some(t.key);
        }
        let Some((merged, ids)) = &m else { continue };
        if fits(merged, t.iv) {
            continue;
        }
        let e = hits.entry(t.item).or_default();
        e.0.insert(t.key);
        e.1 = Some(hull(e.1, t.iv));
        e.2.extend(ids.iter().copied());
    }
    Ok(hits)
}
