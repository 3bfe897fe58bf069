//! `approval.changes_approved`: every non-standard change record is
//! approved (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::Eval;
use crate::ChangeKind;
use serde_json::json;

pub(super) fn check(e: &mut Eval<'_>) {
    let pending: Vec<&str> = e
        .release
        .changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Standard && !c.approved)
        .map(|c| c.id.as_str())
        .collect();
    let msg = if pending.is_empty() {
        "every change record is approved (standard changes are pre-approved)".to_string()
    } else {
        format!("change records not approved: {}", pending.join(", "))
    };
    e.req(
        "approval.changes_approved",
        pending.is_empty(),
        msg,
        json!({"not_approved": pending}),
    );
}
