//! `approval.rollback_plan`: the rollback plan is documented (and tested
//! where the kind requires it) (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::{Eval, Finding};

pub(super) fn check(e: &mut Eval<'_, '_>) {
    let plan = e.release.rollback_plan.as_ref();
    let documented = plan.is_some_and(|p| p.documented);
    let tested = plan.is_some_and(|p| p.tested);
    let g = &e.gates;
    let (documented_required, tested_required) =
        (g.rollback_documented_required, g.rollback_tested_required);
    let met = (documented || !documented_required) && (tested || !tested_required);
    let finding = Finding::RollbackPlan {
        documented,
        tested,
        documented_required,
        tested_required,
    };
    e.find("approval.rollback_plan", met, finding);
}
