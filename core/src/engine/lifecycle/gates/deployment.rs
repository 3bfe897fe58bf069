//! The gate of leaving deployment: an outcome recorded and, after a failure,
//! the rollback (`docs/lifecycle.md`, "Gates (rule ids)").

use super::{Eval, Finding};
use crate::Outcome;

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    let rec = &e.log.record;
    let outcome = rec.outcome.map(|(o, _)| o);
    // Copied: findings never borrow the log's replay.
    let rolled_back_at = rec.rolled_back_at.as_ref().map(|(t, _)| t.clone());
    e.find(
        "deployment.outcome",
        outcome.is_some(),
        Finding::DeploymentOutcome { outcome },
    );
    if matches!(outcome, Some(Outcome::Failed | Outcome::RolledBack)) {
        e.find(
            "deployment.rollback",
            rolled_back_at.is_some(),
            Finding::DeploymentRollback { rolled_back_at },
        );
    }
    super::emergency::retrospective(e, false);
}
