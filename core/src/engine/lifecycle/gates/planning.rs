//! The gate of leaving planning: an owner, a scope, a planned window and,
//! where the kind needs one, a communication plan
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::{Eval, Finding};

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    let r = e.release;
    let owner = r.owner.as_deref();
    let owned = owner.is_some_and(|o| !o.trim().is_empty());
    e.find("planning.owner", owned, Finding::PlanningOwner { owner });

    let scope = r.scope.as_deref();
    let described = scope.is_some_and(|s| !s.trim().is_empty());
    e.find(
        "planning.scope",
        described,
        Finding::PlanningScope { scope },
    );

    let (start, end) = (r.planned_start.as_ref(), r.planned_end.as_ref());
    let met = matches!((start, end), (Some(s), Some(t)) if s < t);
    e.find(
        "planning.window",
        met,
        Finding::PlanningWindow { start, end },
    );

    if e.gates.communication_plan_required {
        let plan = r
            .communication
            .as_ref()
            .and_then(|c| c.plan.as_deref())
            .filter(|p| !p.trim().is_empty());
        e.find(
            "planning.communication_plan",
            plan.is_some(),
            Finding::PlanningCommunication { kind: r.kind, plan },
        );
    }
}
