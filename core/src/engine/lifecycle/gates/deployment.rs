//! The gate of leaving deployment: an outcome recorded and, after a failure,
//! the rollback (`docs/lifecycle.md`, "Gates (rule ids)").

use super::Eval;
use crate::Outcome;
use serde_json::json;

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    let rec = &e.log.record;
    let outcome = rec.outcome.map(|(o, _)| o);
    let rolled_back_at = rec.rolled_back_at.as_ref().map(|(t, _)| t.clone());
    let msg = match outcome {
        Some(o) => format!("outcome recorded: {}", crate::record::outcome_name(o)),
        None => "no deployment outcome recorded".to_string(),
    };
    e.req(
        "deployment.outcome",
        outcome.is_some(),
        msg,
        json!({"outcome": outcome}),
    );
    if matches!(outcome, Some(Outcome::Failed | Outcome::RolledBack)) {
        let met = rolled_back_at.is_some();
        let msg = if met {
            "the rollback is recorded".to_string()
        } else {
            "a failed deployment needs roll_back recorded before review".to_string()
        };
        e.req(
            "deployment.rollback",
            met,
            msg,
            json!({"rolled_back_at": rolled_back_at}),
        );
    }
}
