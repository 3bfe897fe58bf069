//! `blackout`: an item's window intersects an occurrence of a blackout
//! whose scope matches the item (back to back is outside). A blackout
//! with `severity: warn` always warns, whatever the policy says. The
//! conflict's CIs are the item's CIs that put it in scope (all of them for
//! an unscoped blackout); its window runs over every intersection
//! (docs/conflicts.md).

use super::found::{Found, Why};
use super::interval::{hull, intersection};
use super::model::Model;
use super::{ConflictKind, Severity};
use crate::calendar::Interval;
use crate::document::BlackoutSeverity;
use crate::foundation::parallel;

/// Appends a conflict per active item and blackout it falls inside (the
/// items split across cores, results in item order).
pub(super) fn detect<'a>(model: &'a Model, out: &mut Vec<Found<'a>>) {
    if model.blackouts.is_empty() {
        return;
    }
    let parts = parallel::ranges(
        model.items.len(),
        super::pairs::shard_count(model.items.len()),
    );
    for mut part in parallel::map(&parts, |r| {
        let mut found = Vec::new();
        for i in r.clone() {
            item(model, i, &mut found);
        }
        found
    }) {
        out.append(&mut part);
    }
}

fn item<'a>(model: &'a Model, i: usize, out: &mut Vec<Found<'a>>) {
    let Some(item) = model.items.get(i) else {
        return;
    };
    if !item.active {
        return;
    }
    for (bi, b) in model.blackouts.iter().enumerate() {
        let mut window: Option<Interval> = None;
        for w in &item.windows {
            for o in b.overlapping(*w) {
                window = Some(hull(window, intersection(*o, *w)));
            }
        }
        let Some(window) = window else { continue };
        let Some(mut cis) = b.scope.matches(item, model) else {
            continue;
        };
        cis.sort_unstable();
        cis.dedup();
        let mut c = model.found(
            ConflictKind::Blackout,
            &[i as u32],
            cis,
            Some(window),
            Why::Blackout { blackout: bi },
        );
        if b.severity == BlackoutSeverity::Warn {
            c.severity = Severity::Warn;
        }
        out.push(c);
    }
}
