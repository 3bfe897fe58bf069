//! `approval.conflicts`: no blocking conflict other than a blackout in the
//! schedule involves the release (`docs/lifecycle.md`, "Gates (rule ids)")
//! and `docs/conflicts.md`.

use super::super::Eval;
use serde_json::json;

/// With a schedule in the context: the blocking conflicts that involve the
/// release (the release as given replaces its copy in the schedule), other
/// than blackouts, which `approval.blackout` decides.
pub(super) fn check(e: &mut Eval<'_, '_>) {
    let Some(schedule) = e.context.schedule.as_ref() else {
        return;
    };
    let r = e.release;
    let mut s = schedule.clone();
    s.releases.retain(|x| x.id != r.id);
    s.changes.retain(|x| x.id != r.id);
    s.releases.push(r.clone());
    if s.cmdb.is_none() {
        s.cmdb = e.context.cmdb.clone();
    }
    if s.calendar.is_none() {
        s.calendar = e.context.calendar.clone();
    }
    s.policy = None;
    let report = match crate::conflict::detect_with_policy(&s, e.policy) {
        Ok(report) => report,
        Err(err) => {
            let msg = format!("the schedule could not be checked for conflicts: {err}");
            let data = json!({"error": err.to_body()});
            return e.req("approval.conflicts", false, msg, data);
        }
    };
    let mine: Vec<&crate::Conflict> = report
        .conflicts
        .iter()
        // Blackouts are the blackout gate's (with its ECAB override).
        .filter(|c| c.kind != crate::ConflictKind::Blackout && c.items.contains(&r.id))
        .collect();
    let blocking: Vec<&&crate::Conflict> = mine
        .iter()
        .filter(|c| c.severity == crate::Severity::Block)
        .collect();
    let warn = mine.len().saturating_sub(blocking.len());
    let data = json!({"blocking": blocking, "warnings": warn});
    let msg = if blocking.is_empty() {
        format!("no blocking conflict in the schedule ({warn} warning conflict(s))")
    } else {
        let what: Vec<String> = blocking
            .iter()
            .map(|c| format!("{} ({})", c.kind.as_str(), c.items.join(", ")))
            .collect();
        format!("blocking conflicts: {}", what.join("; "))
    };
    e.req("approval.conflicts", blocking.is_empty(), msg, data);
}
