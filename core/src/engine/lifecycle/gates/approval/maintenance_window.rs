//! `approval.maintenance_window`: with a schedule in the context, the
//! release's deployment window lies inside the maintenance windows of its
//! CIs, or an ECAB override of the rule lets it through
//! (`docs/lifecycle.md`, "ECAB overrides").

use super::super::{Eval, Finding};

/// Decides the outside-maintenance-window conflicts that
/// `approval.conflicts` found for the release (`outside`). Listed only when
/// there is at least one: a release whose CIs have no maintenance window,
/// or whose window lies inside them, gets no requirement (as before).
pub(super) fn check(e: &mut Eval<'_, '_>, outside: Vec<crate::Conflict>) {
    if outside.is_empty() {
        return;
    }
    let total = outside.len();
    let blocking: Vec<crate::Conflict> = outside
        .into_iter()
        .filter(|c| c.severity == crate::Severity::Block)
        .collect();
    let warnings = total.saturating_sub(blocking.len());
    let override_ = if blocking.is_empty() {
        None
    } else {
        e.override_of("approval.maintenance_window")
    };
    let met = blocking.is_empty() || override_.is_some();
    let finding = Finding::MaintenanceWindow {
        blocking,
        warnings,
        override_,
    };
    e.find("approval.maintenance_window", met, finding);
}
