//! The gate of leaving approval, one file per rule: the quorum, no
//! outstanding rejection, the rollback plan, approved change records, no
//! blocking blackout, the risk limit, the promotion order, no blocking
//! conflict in the schedule, inside the maintenance windows (with an ECAB
//! override), the deployment start inside the approved window and a context
//! with every part readiness needs
//! (`docs/lifecycle.md`, "Gates (rule ids)" and "Approvals").

mod blackout;
mod changes_approved;
mod conflicts;
mod maintenance_window;
mod no_rejection;
mod promotion_order;
mod quorum;
mod readiness;
mod risk;
mod rollback_plan;
mod routing;

pub(super) use routing::RoutingFinding;
mod window;

use super::Eval;

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    quorum::check(e);
    routing::check(e);
    no_rejection::check(e);
    rollback_plan::check(e);
    changes_approved::check(e);
    blackout::check(e);
    risk::check(e);
    promotion_order::check(e);
    conflicts::check(e);
    window::check(e);
    readiness::check(e);
}
