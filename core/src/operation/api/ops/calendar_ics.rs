//! `calendar_ics`: an iCalendar of a schedule.

use crate::{IcsExport, IcsOptions, Schedule};

operation! {
    /// An iCalendar (.ics) of the releases, windows and blackouts of
    /// `schedule`.
    name: calendar_ics,
    position: 15,
    summary: "An iCalendar (.ics) of releases, windows and blackouts",
    params CalendarIcsParams {
        /// The schedule.
        schedule: req Schedule as Doc,
        /// `now` (DTSTAMP), horizon, per-change events, time zone.
        options: req IcsOptions as Val,
    }
    result: IcsExport,
    run(p) {
        crate::calendar_ics(&p.schedule, &p.options)
    }
}
