//! `overdue`: releases past their retrospective-approval window.

use crate::{Context, OverdueReport, Policy, Schedule, Timestamp};

operation! {
    /// The releases of `schedule` deployed before approval on the
    /// emergency path (`lifecycle.emergency.deploy_before_approval`) whose
    /// retrospective approval is past its due time at `now` — due
    /// `retrospective_approval_secs` (default 72 h) after
    /// `start_deployment`; exactly at the due time is not yet overdue
    /// (docs/reports.md, "Overdue retrospective approvals"). Each with its
    /// deployer, start, due time, seconds overdue and votes counted and
    /// missing; by due time, then id. The quorum is the policy's: `policy`
    /// when given, else the context's, else the schedule's own, else the
    /// default; the context's actor directory decides who may vote.
    name: overdue,
    position: 24,
    summary: "Releases deployed before approval whose retrospective approval is overdue",
    params OverdueParams {
        /// The releases to check.
        schedule: req Schedule as Doc,
        /// The time to judge at (relman reads no clock).
        now: req Timestamp as Val,
        /// The policy whose emergency quorum applies (default: the
        /// context's, else the schedule's own, else the default policy).
        policy: opt Policy as Doc,
        /// The actor directory (who may vote, role members for percentage
        /// quorums) and, when `policy` is not given, the policy.
        context: opt Context as Doc,
    }
    result: OverdueReport,
    run(p) {
        let context = p.context.unwrap_or_default();
        let policy = p
            .policy
            .or_else(|| context.policy.clone())
            .or_else(|| p.schedule.policy.clone())
            .unwrap_or_default();
        Ok(crate::overdue(&p.schedule, &p.now, &policy, &context.actors))
    }
}
