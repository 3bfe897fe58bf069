//! `cab_agenda`: the releases awaiting approval in a period.

use crate::{CabAgenda, Context, Schedule, Timestamp};

operation! {
    /// The CAB agenda of `schedule` for the period [`period_start`,
    /// `period_end`): every release in state `approval` whose planned
    /// window intersects the period, by window start, then risk (higher first), then id; each
    /// with its approval groups and missing votes (from the lifecycle's
    /// approval gate), its conflicts, risk score and largest factors, and
    /// rollback-plan status. `period_end` not after `period_start` is
    /// `invalid_input` at `period_end`. (The period's ends are not named
    /// `from` and `to` because `from` is a Python keyword; the agenda
    /// writes them as `from` and `to`.)
    name: cab_agenda,
    position: 21,
    summary: "The CAB agenda: releases awaiting approval in a period, with votes, conflicts, risk and rollback",
    params CabAgendaParams {
        /// Scheduled releases and changes with their CMDB, calendar and
        /// policy.
        schedule: req Schedule as Doc,
        /// Start of the period (inclusive).
        period_start: req Timestamp as Val,
        /// End of the period (exclusive).
        period_end: req Timestamp as Val,
        /// The actor directory (approvers), policy, CMDB, calendar and
        /// history the gates and the risk assessment consult.
        context: opt Context as Doc,
    }
    result: CabAgenda,
    run(p) {
        crate::cab_agenda(
            &p.schedule,
            &p.period_start,
            &p.period_end,
            &p.context.unwrap_or_default(),
        )
    }
}
