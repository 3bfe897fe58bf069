//! `approval.no_rejection`: no approver's latest vote is a rejection
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::{Eval, Finding};

pub(super) fn check(e: &mut Eval<'_, '_>) {
    let rejections: Vec<(String, crate::Role, Option<String>)> = e
        .votes()
        .rejections()
        .map(|a| (a.approver.clone(), a.role, a.comment.clone()))
        .collect();
    if rejections.is_empty() {
        return e.find("approval.no_rejection", true, Finding::NoRejection);
    }
    e.find(
        "approval.no_rejection",
        false,
        Finding::Rejected { rejections },
    );
}
