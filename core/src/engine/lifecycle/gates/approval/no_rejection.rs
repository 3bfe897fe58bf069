//! `approval.no_rejection`: no approver's latest vote is a rejection
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::{Eval, Finding};
use serde_json::{json, Value};

pub(super) fn check(e: &mut Eval<'_, '_>) {
    if e.votes().rejections().is_empty() {
        return e.find("approval.no_rejection", true, Finding::NoRejection);
    }
    let rejected: Vec<Value> = e
        .votes()
        .rejections()
        .iter()
        .map(|a| json!({"approver": a.approver, "role": a.role, "comment": a.comment}))
        .collect();
    let who: Vec<String> = rejected
        .iter()
        .filter_map(|v| v["approver"].as_str().map(str::to_string))
        .collect();
    let msg = if who.is_empty() {
        "no rejection outstanding".to_string()
    } else {
        format!("rejected by {}", who.join(", "))
    };
    e.req(
        "approval.no_rejection",
        who.is_empty(),
        msg,
        Value::Array(rejected),
    );
}
