//! `approval.promotion_order`: a successful deployment of the release to
//! every earlier environment of the promotion order it targets
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::{Eval, Finding};
use crate::Outcome;

pub(super) fn check(e: &mut Eval<'_, '_>) {
    let order = e.policy.lifecycle.promotion_order.as_slice();
    if order.is_empty() {
        return;
    }
    let r = e.release;
    let targets: Vec<&String> = order
        .iter()
        .filter(|env| r.environments.contains(env))
        .collect();
    let Some((last, earlier)) = targets.split_last() else {
        let finding = Finding::PromotionNoTarget { order };
        return e.find("approval.promotion_order", true, finding);
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
            Some(d) => found.push((env.as_str(), d.id.as_str())),
            None => missing.push(env.as_str()),
        }
    }
    let met = missing.is_empty();
    let finding = Finding::PromotionOrder {
        order,
        target: last.as_str(),
        found,
        missing,
    };
    e.find("approval.promotion_order", met, finding);
}
