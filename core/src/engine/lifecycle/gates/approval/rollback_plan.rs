//! `approval.rollback_plan`: the rollback plan is documented (and tested
//! where the kind requires it) (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::Eval;
use serde_json::json;

pub(super) fn check(e: &mut Eval<'_>) {
    let plan = e.release.rollback_plan.as_ref();
    let documented = plan.is_some_and(|p| p.documented);
    let tested = plan.is_some_and(|p| p.tested);
    let mut missing = Vec::new();
    if e.gates.rollback_documented_required && !documented {
        missing.push("documented");
    }
    if e.gates.rollback_tested_required && !tested {
        missing.push("tested");
    }
    let msg = if missing.is_empty() {
        "the rollback plan is ready".to_string()
    } else {
        format!("the rollback plan must be {}", missing.join(" and "))
    };
    let data = json!({
        "documented": documented, "tested": tested,
        "documented_required": e.gates.rollback_documented_required,
        "tested_required": e.gates.rollback_tested_required,
    });
    e.req("approval.rollback_plan", missing.is_empty(), msg, data);
}
