//! `outside_maintenance_window`: a CI that has maintenance windows (those
//! it names plus every window whose scope matches it) is touched by a
//! window that does not fit entirely inside one of them; overlapping or
//! touching occurrences are merged first. One conflict per item, listing
//! the CIs so touched and the windows' ids (docs/conflicts.md).

use super::interval::{fits, hull};
use super::model::{Maintenance, Model};
use super::{Conflict, ConflictKind};
use crate::calendar::Interval;
use crate::document::Extra;
use crate::error::Result;
use crate::foundation::hash::HashMap;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Per item: the CIs touched outside their windows, the hull of those
/// touches, the window ids.
type OutsideHits<'a> = (BTreeSet<u32>, Option<Interval>, BTreeSet<&'a str>);

/// Appends a conflict per item that touches a CI outside its maintenance
/// windows. Errors: `limit_exceeded` when a window expands to more
/// occurrences than the policy allows.
pub(super) fn detect<'a>(model: &Model<'a>, out: &mut Vec<Conflict>) -> Result<()> {
    if !model.has_calendar() {
        return Ok(());
    }
    let mut cache: HashMap<u32, Option<Maintenance<'a>>> = HashMap::default();
    let mut hits: BTreeMap<u32, OutsideHits<'a>> = BTreeMap::new();
    for t in &model.by_ci.touches {
        let m = match cache.get(&t.key) {
            Some(m) => m.clone(),
            None => {
                let m = model.maintenance(t.key)?;
                cache.insert(t.key, m.clone());
                m
            }
        };
        let Some((merged, ids)) = m else { continue };
        if fits(&merged, t.iv) {
            continue;
        }
        let e = hits.entry(t.item).or_default();
        e.0.insert(t.key);
        e.1 = Some(hull(e.1, t.iv));
        e.2.extend(ids.iter().copied());
    }
    for (item, (cis, window, ids)) in hits {
        let names = model.ci_names(&cis);
        let explanation = format!(
            "{} touches {} outside {} maintenance windows ({})",
            model.id(item),
            names.join(", "),
            if names.len() == 1 { "its" } else { "their" },
            ids.iter().copied().collect::<Vec<_>>().join(", ")
        );
        let mut d = Extra::new();
        d.insert("maintenance_windows".into(), json!(ids));
        out.push(model.conflict(
            ConflictKind::OutsideMaintenanceWindow,
            &[item],
            names,
            window,
            explanation,
            d,
        ));
    }
    Ok(())
}
