//! `assignee_overlap`: one implementer on two items whose work overlaps.
//! One conflict per item pair, naming every shared implementer and the CIs
//! of both pieces of work (docs/conflicts.md).

use super::found::{Found, Why};
use super::model::Model;
use super::pairs;
use super::ConflictKind;

/// Appends a conflict per pair of items that share an implementer at once.
pub(super) fn detect<'a>(model: &'a Model, out: &mut Vec<Found<'a>>) {
    for ((a, b), p) in &pairs::sweep(model, &model.by_implementer, true) {
        let implementers = p.keys.iter().map(|k| model.name(*k)).collect();
        out.push(model.found(
            ConflictKind::AssigneeOverlap,
            &[*a, *b],
            p.cis.iter().copied(),
            Some(p.window),
            Why::Assignee { implementers },
        ));
    }
}
