//! `unauthorized_changes`: production deployments no approved release
//! covers.

use crate::{History, Policy, Schedule, UnauthorizedReport};

operation! {
    /// The production deployments of `history` that no approved release
    /// covers: no release, an unknown release, a release never approved,
    /// outside the release's planned window, or on CIs the release did not
    /// declare — every reason of each (docs/reports.md, "Unauthorized
    /// changes"). Production environments are the policy's
    /// `kpi.production_environments`: of `policy` when given, else of the
    /// schedule's own policy, else the default (`["production"]`).
    name: unauthorized_changes,
    position: 20,
    summary: "Production deployments with no approved release, outside its window or on undeclared CIs",
    params UnauthorizedChangesParams {
        /// Past deployments (and releases, looked up after the schedule's).
        history: req History as Doc,
        /// The releases the deployments are checked against.
        schedule: req Schedule as Doc,
        /// The policy whose `kpi.production_environments` applies (default:
        /// the schedule's own policy, else the default policy).
        policy: opt Policy as Doc,
    }
    result: UnauthorizedReport,
    run(p) {
        let policy = match p.policy {
            Some(policy) => policy,
            None => p.schedule.policy.clone().unwrap_or_default(),
        };
        crate::unauthorized_changes(&p.history, &p.schedule, &policy.kpi.production_environments)
    }
}
