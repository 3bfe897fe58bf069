//! The gate of leaving planning: an owner, a scope, a planned window and,
//! where the kind needs one, a communication plan
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::Eval;
use serde_json::json;

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    let r = e.release;
    let owner = r.owner.as_deref().filter(|o| !o.trim().is_empty());
    let msg = match owner {
        Some(o) => format!("owned by {o}"),
        None => "the release has no owner (release manager)".to_string(),
    };
    e.req(
        "planning.owner",
        owner.is_some(),
        msg,
        json!({"owner": r.owner}),
    );

    let scope = r.scope.as_deref().filter(|s| !s.trim().is_empty());
    let msg = match scope {
        Some(_) => "the scope is described".to_string(),
        None => "the scope is not described".to_string(),
    };
    e.req(
        "planning.scope",
        scope.is_some(),
        msg,
        json!({"scope": r.scope}),
    );

    let data = json!({"planned_start": r.planned_start, "planned_end": r.planned_end});
    let (met, msg) = match (&r.planned_start, &r.planned_end) {
        (Some(s), Some(t)) if s < t => (true, format!("planned window {s} to {t}")),
        (Some(_), Some(_)) => (
            false,
            "the planned window ends before it starts".to_string(),
        ),
        _ => (
            false,
            "the planned window needs planned_start and planned_end".to_string(),
        ),
    };
    e.req("planning.window", met, msg, data);

    if e.gates.communication_plan_required {
        let plan = r
            .communication
            .as_ref()
            .and_then(|c| c.plan.as_deref())
            .filter(|p| !p.trim().is_empty());
        let msg = match plan {
            Some(_) => "a communication plan is in place".to_string(),
            None => format!("{:?} releases need a communication plan", r.kind).to_lowercase(),
        };
        e.req(
            "planning.communication_plan",
            plan.is_some(),
            msg,
            json!({"kind": r.kind, "plan": plan}),
        );
    }
}
