//! `detect_conflicts`: the conflicts of a schedule.

use crate::limits::Limits;
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

/// `detect_conflicts`'s parameters (`{"schedule": …}`) read and checked
/// exactly as [`crate::api::call`] reads them, then prepared: what the
/// bindings' `PreparedSchedule` is built from, so that it fails with the
/// operation's errors at the operation's paths.
pub fn prepare(params: serde_json::Value) -> crate::Result<crate::PreparedSchedule> {
    let op = crate::api::operation("detect_conflicts")
        .ok_or_else(|| crate::Error::internal("the detect_conflicts operation is missing"))?;
    let mut map = crate::api::prepare(op, params)?;
    let schedule: Schedule =
        crate::api::read::required::<crate::api::read::Doc, Schedule>(&mut map, "schedule", &Limits::DEFAULT)?;
    crate::PreparedSchedule::new(schedule)
}

/// The report of a prepared schedule as the `detect_conflicts` operation
/// returns it (a JSON value).
pub fn prepared_conflicts(prepared: &crate::PreparedSchedule) -> crate::Result<serde_json::Value> {
    crate::api::out(prepared.conflicts()?)
}
