//! `ci_overlap`: two items touch the same CI in overlapping windows
//! (back-to-back windows overlap unless the policy's `allow_contiguous`
//! says otherwise). One conflict per item pair, listing every shared CI;
//! the window runs from the first overlap to the end of the last
//! (docs/conflicts.md).

use super::found::{Found, Why};
use super::model::Model;
use super::pairs::Pairs;
use super::ConflictKind;

/// Appends a conflict per pair of items that share a CI (`ci_pairs`, from
/// the sweep of the CI index).
pub(super) fn detect<'a>(model: &'a Model, ci_pairs: &Pairs, out: &mut Vec<Found<'a>>) {
    for ((a, b), p) in ci_pairs {
        out.push(model.found(
            ConflictKind::CiOverlap,
            &[*a, *b],
            p.cis.iter().copied(),
            Some(p.window),
            Why::CiOverlap,
        ));
    }
}
