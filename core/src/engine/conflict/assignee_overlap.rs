//! `assignee_overlap`: one implementer on two items whose work overlaps.
//! One conflict per item pair, naming every shared implementer and the CIs
//! of both pieces of work (docs/conflicts.md).

use super::model::Model;
use super::pairs;
use super::report::fmt;
use super::{Conflict, ConflictKind};
use crate::document::Extra;
use serde_json::json;

/// Appends a conflict per pair of items that share an implementer at once.
pub(super) fn detect(model: &Model<'_>, out: &mut Vec<Conflict>) {
    for ((a, b), p) in &pairs::sweep(model, &model.by_implementer, true) {
        let (a, b) = model.by_id(*a, *b);
        let who: Vec<&str> = p.keys.iter().map(|k| model.name(*k)).collect();
        let cis = model.ci_names(&p.cis);
        let explanation = format!(
            "{} implements both {} and {}, which overlap between {} and {}",
            who.join(", "),
            model.id(a),
            model.id(b),
            fmt(p.window.start),
            fmt(p.window.end)
        );
        let mut d = Extra::new();
        d.insert("implementers".into(), json!(who));
        out.push(model.conflict(
            ConflictKind::AssigneeOverlap,
            &[a, b],
            cis,
            Some(p.window),
            explanation,
            d,
        ));
    }
}
