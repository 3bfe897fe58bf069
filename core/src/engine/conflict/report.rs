//! Building conflicts from the model's items, and their output order
//! (docs/conflicts.md): by kind, then items, then window start, then
//! explanation.

use super::model::Model;
use super::{Conflict, ConflictKind, Window};
use crate::calendar::{self, Interval};
use crate::document::Extra;
use crate::Timestamp;
use std::collections::BTreeSet;

impl<'a> Model<'a> {
    /// A pair of items, the smaller id first.
    pub(super) fn by_id(&self, a: u32, b: u32) -> (u32, u32) {
        if self.id(a) <= self.id(b) {
            (a, b)
        } else {
            (b, a)
        }
    }

    /// The names of interned CIs, sorted.
    pub(super) fn ci_names(&self, cis: &BTreeSet<u32>) -> Vec<String> {
        let mut v: Vec<String> = cis.iter().map(|c| self.name(*c).to_string()).collect();
        v.sort();
        v
    }

    /// A conflict of `kind` between `items` (ids sorted, each once) with
    /// the severity the policy gives the kind.
    pub(super) fn conflict(
        &self,
        kind: ConflictKind,
        items: &[u32],
        cis: Vec<String>,
        window: Option<Interval>,
        explanation: String,
        details: Extra,
    ) -> Conflict {
        let mut ids: Vec<String> = items.iter().map(|i| self.id(*i).to_string()).collect();
        ids.sort();
        ids.dedup();
        Conflict {
            kind,
            severity: self.policy.severity.of(kind),
            items: ids,
            cis,
            window: window.map(Window::of),
            explanation,
            details,
        }
    }
}

/// Sorts conflicts into the output order (stable: equal keys keep the
/// order the rules found them in).
pub(super) fn sort(out: &mut [Conflict]) {
    out.sort_by(|x, y| {
        (
            x.kind,
            &x.items,
            x.window.as_ref().map(|w| &w.start),
            &x.explanation,
        )
            .cmp(&(
                y.kind,
                &y.items,
                y.window.as_ref().map(|w| &w.start),
                &y.explanation,
            ))
    });
}

/// RFC 3339 UTC text of Unix seconds.
pub(crate) fn fmt(secs: i64) -> String {
    Timestamp::from_utc(calendar::utc(secs)).to_string()
}
