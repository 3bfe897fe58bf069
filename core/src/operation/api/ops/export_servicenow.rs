//! `export_servicenow`: ServiceNow field patches from relman's verdicts.

use crate::{
    Actor, ConflictReport, Context, GateReport, RiskAssessment, Schedule, ServiceNowExport,
    ServiceNowPatches, Timestamp,
};
use serde_json::Value;
use std::collections::BTreeMap;

operation! {
    /// Per-record ServiceNow patches from relman's verdicts on an imported
    /// `schedule`: every change request's risk (given or scored by relman),
    /// conflict status pushed down from its release, gate approvals, work
    /// notes with a dated header, and `sysapproval_approver` inserts for
    /// votes cast in relman; against the records as `fetched`, only what
    /// changed, with a diff (or the diff alone, as a dry run).
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
        /// The time of the export (`conflict_last_run`, the work notes'
        /// header line), when known.
        now: opt Timestamp as Val,
        /// What the per-change risk scoring consults (absent: the default
        /// context).
        context: opt Context as Val,
        /// Score change requests without a given assessment (absent: true).
        score_changes: opt bool as Val,
        /// The IANA time zone of the work notes' header line (absent: UTC).
        time_zone: opt String as Val,
        /// The directory as imported (`extra.sys_id` = the sys_user sys_id),
        /// for the approver of approval inserts.
        actors: opt Vec<Actor> as Val,
        /// The records as fetched, keyed by table name (`change_request`,
        /// `rm_release`, `sysapproval_approver`): unchanged fields are not
        /// written and the result lists a `diff`.
        fetched: opt BTreeMap<String, Value> as Val,
        /// Return the diff only, no patches (needs `fetched`).
        dry_run: opt bool as Val,
    }
    result: ServiceNowPatches,
    run(p) {
        crate::export_servicenow(&ServiceNowExport {
            schedule: p.schedule,
            risk: p.risk.unwrap_or_default(),
            conflicts: p.conflicts,
            gates: p.gates.unwrap_or_default(),
            now: p.now,
            context: p.context,
            score_changes: p.score_changes,
            time_zone: p.time_zone,
            actors: p.actors.unwrap_or_default(),
            fetched: p.fetched,
            dry_run: p.dry_run.unwrap_or_default(),
        })
    }
}
