//! `detect_conflicts`: the conflicts of a schedule.

use crate::{ConflictReport, Schedule};

operation! {
    /// Every dependency, CI, calendar and resource conflict of `schedule`.
    name: detect_conflicts,
    position: 8,
    summary: "Every dependency, CI, calendar and resource conflict of a schedule",
    params DetectConflictsParams {
        /// Scheduled releases and changes with their CMDB, calendar and
        /// policy.
        schedule: req Schedule as Doc,
    }
    result: ConflictReport,
    run(p) {
        crate::detect_conflicts(&p.schedule)
    }
}
