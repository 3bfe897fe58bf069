//! The gate of leaving development: change records, each naming its
//! affected CIs (`docs/lifecycle.md`, "Gates (rule ids)").

use super::Eval;
use serde_json::json;

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    let r = e.release;
    let n = r.changes.len();
    let msg = if n == 0 {
        "the release has no change records".to_string()
    } else {
        format!("{n} change record{}", if n == 1 { "" } else { "s" })
    };
    e.req("development.changes", n > 0, msg, json!({"changes": n}));

    let without: Vec<&str> = r
        .changes
        .iter()
        .filter(|c| c.affected_cis.is_empty())
        .map(|c| c.id.as_str())
        .collect();
    let msg = if without.is_empty() {
        "every change names its affected CIs".to_string()
    } else {
        format!("changes without affected CIs: {}", without.join(", "))
    };
    e.req(
        "development.affected_cis",
        without.is_empty(),
        msg,
        json!({"changes_without_cis": without}),
    );
}
