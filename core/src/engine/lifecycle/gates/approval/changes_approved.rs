//! `approval.changes_approved`: every non-standard change record is
//! approved (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::{Eval, Finding};
use crate::ChangeKind;

pub(super) fn check(e: &mut Eval<'_, '_>) {
    let pending: Vec<&str> = e
        .release
        .changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Standard && !c.approved)
        .map(|c| c.id.as_str())
        .collect();
    let met = pending.is_empty();
    e.find(
        "approval.changes_approved",
        met,
        Finding::ChangesApproved { pending },
    );
}
