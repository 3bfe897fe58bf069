//! `approval.promotion_order`: a successful deployment of the release to
//! every earlier environment of the promotion order it targets
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::Eval;
use crate::Outcome;
use serde_json::json;

pub(super) fn check(e: &mut Eval<'_, '_>) {
    let order = &e.policy.lifecycle.promotion_order;
    if order.is_empty() {
        return;
    }
    let r = e.release;
    let targets: Vec<&String> = order
        .iter()
        .filter(|env| r.environments.contains(env))
        .collect();
    let Some((last, earlier)) = targets.split_last() else {
        let msg = "the release targets no environment of the promotion order".to_string();
        return e.req(
            "approval.promotion_order",
            true,
            msg,
            json!({"order": order}),
        );
    };
    let history = e.context.history.as_ref();
    let mut missing = Vec::new();
    let mut found = Vec::new();
    for env in earlier {
        let ok = history.and_then(|h| {
            h.deployments.iter().find(|d| {
                d.release_id.as_deref() == Some(r.id.as_str())
                    && &&d.environment == env
                    && matches!(d.outcome, Outcome::Success | Outcome::SuccessWithIssues)
            })
        });
        match ok {
            Some(d) => found.push(json!({"environment": env, "deployment": d.id})),
            None => missing.push(env.as_str()),
        }
    }
    let data = json!({"order": order, "target": last, "found": found, "missing": missing});
    let msg = if missing.is_empty() {
        format!("promoted in order before {last}")
    } else {
        format!(
            "{last} needs a successful deployment of {} to {} first",
            r.id,
            missing.join(", ")
        )
    };
    e.req("approval.promotion_order", missing.is_empty(), msg, data);
}
