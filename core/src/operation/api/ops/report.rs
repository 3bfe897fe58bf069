//! `report`: the change calendar and the KPI trends as one HTML page.

use crate::{History, Report, ReportOptions, Schedule};

operation! {
    /// The change calendar of `schedule` as a week-by-week timeline
    /// (conflicts highlighted and listed, blackouts and maintenance windows
    /// shaded) and, with `history`, the DORA KPI series as charts with the
    /// tier bands: one self-contained HTML page (docs/reports.md).
    name: report,
    position: 26,
    summary: "The change calendar and KPI charts as one self-contained HTML page",
    params ReportParams {
        /// Scheduled releases and changes with their CMDB, calendar and
        /// policy.
        schedule: req Schedule as Doc,
        /// Past deployments, incidents and releases (adds the KPI charts).
        history: opt History as Doc,
        /// Rows per CI or service, time zone, week start, title, window,
        /// `now`, KPI options.
        options: opt ReportOptions as Val,
    }
    result: Report,
    run(p) {
        crate::report(&p.schedule, p.history.as_ref(), &p.options.unwrap_or_default())
    }
}
