//! `export_servicenow`: ServiceNow field patches from relman's verdicts.

use crate::{
    ConflictReport, GateReport, RiskAssessment, Schedule, ServiceNowExport, ServiceNowPatches,
    Timestamp,
};

operation! {
    /// Per-record ServiceNow field patches from relman's verdicts (risk
    /// assessments, a conflict report, gate reports) on an imported
    /// `schedule`.
    name: export_servicenow,
    position: 17,
    summary: "Per-record ServiceNow field patches from relman's verdicts",
    params ExportServicenowParams whole {
        /// The schedule as `import_servicenow` produced it.
        schedule: req Schedule as Val,
        /// Risk assessments, keyed by `release_id` (a release or change id).
        risk: opt Vec<RiskAssessment> as Val,
        /// A conflict report over the schedule.
        conflicts: opt ConflictReport as Val,
        /// Gate reports, keyed by `release_id`.
        gates: opt Vec<GateReport> as Val,
        /// The time of the conflict run (`conflict_last_run`), when known.
        now: opt Timestamp as Val,
    }
    result: ServiceNowPatches,
    run(p) {
        crate::export_servicenow(&ServiceNowExport {
            schedule: p.schedule,
            risk: p.risk.unwrap_or_default(),
            conflicts: p.conflicts,
            gates: p.gates.unwrap_or_default(),
            now: p.now,
        })
    }
}
