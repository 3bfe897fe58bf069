//! `ci_overlap`: two items touch the same CI in overlapping windows
//! (back-to-back windows overlap unless the policy's `allow_contiguous`
//! says otherwise). One conflict per item pair, listing every shared CI;
//! the window runs from the first overlap to the end of the last
//! (docs/conflicts.md).

use super::model::Model;
use super::pairs::Pairs;
use super::report::fmt;
use super::{Conflict, ConflictKind};
use crate::document::Extra;

/// Appends a conflict per pair of items that share a CI (`ci_pairs`, from
/// the sweep of the CI index).
pub(super) fn detect(model: &Model<'_>, ci_pairs: &Pairs, out: &mut Vec<Conflict>) {
    for ((a, b), p) in ci_pairs {
        let (a, b) = model.by_id(*a, *b);
        let cis = model.ci_names(&p.cis);
        let explanation = format!(
            "{} and {} both touch {} between {} and {}",
            model.id(a),
            model.id(b),
            cis.join(", "),
            fmt(p.window.start),
            fmt(p.window.end)
        );
        out.push(model.conflict(
            ConflictKind::CiOverlap,
            &[a, b],
            cis,
            Some(p.window),
            explanation,
            Extra::new(),
        ));
    }
}
