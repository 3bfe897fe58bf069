//! `blackout`: an item's window intersects an occurrence of a blackout
//! whose scope matches the item (back to back is outside). A blackout
//! with `severity: warn` always warns, whatever the policy says. The
//! conflict's CIs are the item's CIs that put it in scope (all of them for
//! an unscoped blackout); its window runs over every intersection
//! (docs/conflicts.md).

use super::interval::{hull, intersection};
use super::model::Model;
use super::report::fmt;
use super::{Conflict, ConflictKind, Severity};
use crate::calendar::Interval;
use crate::document::{BlackoutSeverity, Extra};
use serde_json::json;
use std::collections::BTreeSet;

/// Appends a conflict per active item and blackout it falls inside.
pub(super) fn detect(model: &Model<'_>, out: &mut Vec<Conflict>) {
    for (i, item) in model.items.iter().enumerate() {
        if !item.active {
            continue;
        }
        for b in &model.blackouts {
            let mut window: Option<Interval> = None;
            for w in &item.windows {
                for o in b.overlapping(*w) {
                    window = Some(hull(window, intersection(*o, *w)));
                }
            }
            let Some(window) = window else { continue };
            let Some(cis) = b.scope.matches(item, model) else {
                continue;
            };
            let cis: BTreeSet<u32> = cis.into_iter().collect();
            let explanation = format!(
                "{} falls inside {} blackout {} ({}) between {} and {}",
                item.id,
                match b.severity {
                    BlackoutSeverity::Block => "blocking",
                    BlackoutSeverity::Warn => "warning",
                },
                b.id,
                b.name,
                fmt(window.start),
                fmt(window.end)
            );
            let mut d = Extra::new();
            d.insert("blackout".into(), json!(b.id));
            d.insert("blackout_severity".into(), json!(b.severity));
            let mut c = model.conflict(
                ConflictKind::Blackout,
                &[i as u32],
                model.ci_names(&cis),
                Some(window),
                explanation,
                d,
            );
            if b.severity == BlackoutSeverity::Warn {
                c.severity = Severity::Warn;
            }
            out.push(c);
        }
    }
}
