//! `approval.conflicts`: no blocking conflict other than a blackout or an
//! outside-maintenance-window conflict in the schedule involves the release (`docs/lifecycle.md`, "Gates (rule ids)")
//! and `docs/conflicts.md`.

use super::super::{Eval, Finding};

/// With a schedule in the context: the blocking conflicts that involve the
/// release (the release as given replaces its copy in the schedule), other
/// than blackouts, which `approval.blackout` decides, and conflicts with
/// maintenance windows, which `approval.maintenance_window` decides.
/// Without a schedule: not checked (`readiness.context` says whether one is
/// needed).
pub(super) fn check(e: &mut Eval<'_, '_>) {
    let Some(schedule) = e.context.schedule.as_ref() else {
        return e.find("approval.conflicts", true, Finding::ConflictsNoSchedule);
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
            let finding = Finding::ConflictsError { err };
            return e.find("approval.conflicts", false, finding);
        }
    };
    let (outside, mine): (Vec<crate::Conflict>, Vec<crate::Conflict>) = report
        .conflicts
        .into_iter()
        // Blackouts are the blackout gate's (with its ECAB override).
        .filter(|c| c.kind != crate::ConflictKind::Blackout && c.items.contains(&r.id))
        // Outside-maintenance-window conflicts are approval.maintenance_window's
        // (with its ECAB override).
        .partition(|c| c.kind == crate::ConflictKind::OutsideMaintenanceWindow);
    let total = mine.len();
    let blocking: Vec<crate::Conflict> = mine
        .into_iter()
        .filter(|c| c.severity == crate::Severity::Block)
        .collect();
    let warnings = total.saturating_sub(blocking.len());
    let met = blocking.is_empty();
    let finding = Finding::Conflicts { blocking, warnings };
    e.find("approval.conflicts", met, finding);
    super::maintenance_window::check(e, outside);
}
