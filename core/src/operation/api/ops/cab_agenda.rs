//! `cab_agenda`: the releases awaiting approval in a period.

use crate::{CabAgenda, Context, Schedule, Timestamp};

operation! {
    /// The CAB agenda of `schedule` for the period [`from`, `to`): every
    /// release in state `approval` whose planned window intersects the
    /// period, by window start, then risk (higher first), then id; each
    /// with its approval groups and missing votes (from the lifecycle's
    /// approval gate), its conflicts, risk score and largest factors, and
    /// rollback-plan status. `to` not after `from` is `invalid_input` at
    /// `to`.
    name: cab_agenda,
    position: 21,
    summary: "The CAB agenda: releases awaiting approval in a period, with votes, conflicts, risk and rollback",
    params CabAgendaParams {
        /// Scheduled releases and changes with their CMDB, calendar and
        /// policy.
        schedule: req Schedule as Doc,
        /// Start of the period (inclusive).
        from: req Timestamp as Val,
        /// End of the period (exclusive).
        to: req Timestamp as Val,
        /// The actor directory (approvers), policy, CMDB, calendar and
        /// history the gates and the risk assessment consult.
        context: opt Context as Doc,
    }
    result: CabAgenda,
    run(p) {
        crate::cab_agenda(&p.schedule, &p.from, &p.to, &p.context.unwrap_or_default())
    }
}
