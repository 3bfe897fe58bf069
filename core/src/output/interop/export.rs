//! Export: relman's verdicts as ServiceNow field patches.

use super::{field_text, risk_code};
use crate::conflict::ConflictReport;
use crate::context::Schedule;
use crate::document::{Change, Extra, State};
use crate::error::{Error, Result, Warning};
use crate::lifecycle::GateReport;
use crate::risk::RiskAssessment;
use crate::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// What [`export_servicenow`] turns into patches: the imported schedule
/// (whose documents carry `sys_id` in `extra`) and any verdicts about it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceNowExport {
    /// The schedule as [`import_servicenow`] produced it.
    pub schedule: Schedule,
    /// Risk assessments, keyed by `release_id` (a release or change id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risk: Vec<RiskAssessment>,
    /// A conflict report over the schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<ConflictReport>,
    /// Gate reports, keyed by `release_id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<GateReport>,
    /// The time of the conflict run (`conflict_last_run`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Timestamp>,
}

/// The fields to write on one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordPatch {
    /// `change_request` or `rm_release`.
    pub table: String,
    /// The record's sys_id.
    pub sys_id: String,
    /// The record's number (relman id).
    pub number: String,
    /// Field → string value; only names from [`EXPORT_FIELDS`].
    pub fields: BTreeMap<String, String>,
}

/// The result of [`export_servicenow`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceNowPatches {
    /// One patch per record with something to write, in schedule order.
    pub patches: Vec<RecordPatch>,
    /// Verdicts about ids not in the schedule, and the like.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// The `sys_id` an imported document carries, read as the import read it.
fn sys_id(extra: &Extra) -> Option<String> {
    field_text(extra.get("sys_id")?)
}

/// Turns relman verdicts into ServiceNow field patches (see the module
/// doc): a work note with every factor for an assessed record, and `risk`
/// (code) when it is a change request (`rm_release` has no risk field); `conflict_status` (`Conflict` / `No Conflict`) and
/// `conflict_last_run` for every change request when a conflict report is
/// given, with a work note per conflict; `approval` (`approved` when the
/// gate allows, else `requested`) and a work note listing unmet rules for
/// a gate report whose target is `deployment`.
///
/// Errors: `invalid_input` at `schedule.releases[i]` / `schedule.changes[i]`
/// for a document without `sys_id` in `extra`.
pub fn export_servicenow(input: &ServiceNowExport) -> Result<ServiceNowPatches> {
    let mut warnings = Vec::new();
    let mut targets: Vec<(String, String, String, bool)> = Vec::new(); // table, sys_id, id, is_change
    let need = |extra: &Extra, path: String, id: &str| {
        sys_id(extra).ok_or_else(|| {
            Error::invalid_input(
                format!("{path}.sys_id"),
                format!("{id} has no sys_id; only imported records can be exported"),
            )
        })
    };
    for (i, r) in input.schedule.releases.iter().enumerate() {
        let s = need(&r.extra, format!("schedule.releases[{i}]"), &r.id)?;
        targets.push(("rm_release".into(), s, r.id.clone(), false));
        for (j, c) in r.changes.iter().enumerate() {
            let s = need(
                &c.extra,
                format!("schedule.releases[{i}].changes[{j}]"),
                &c.id,
            )?;
            targets.push(("change_request".into(), s, c.id.clone(), true));
        }
    }
    for (i, c) in input.schedule.changes.iter().enumerate() {
        let s = need(&c.extra, format!("schedule.changes[{i}]"), &c.id)?;
        targets.push(("change_request".into(), s, c.id.clone(), true));
    }
    if let Some(Value::Array(list)) = input.schedule.extra.get("unscheduled_changes") {
        for (i, v) in list.iter().enumerate() {
            let c: Change = serde_json::from_value(v.clone()).map_err(|e| {
                Error::invalid_input(format!("schedule.unscheduled_changes[{i}]"), e.to_string())
            })?;
            let s = need(
                &c.extra,
                format!("schedule.unscheduled_changes[{i}]"),
                &c.id,
            )?;
            targets.push(("change_request".into(), s, c.id.clone(), true));
        }
    }
    let mut notes: HashMap<&str, Vec<String>> = HashMap::new();
    let mut fields: HashMap<&str, BTreeMap<String, String>> = HashMap::new();
    let known: std::collections::HashSet<&str> = targets.iter().map(|t| t.2.as_str()).collect();
    let changes: std::collections::HashSet<&str> = targets
        .iter()
        .filter(|t| t.3)
        .map(|t| t.2.as_str())
        .collect();
    for (i, a) in input.risk.iter().enumerate() {
        let id = a.release_id.as_str();
        if !known.contains(id) {
            warnings.push(Warning::new(
                "verdict_without_record",
                format!("risk[{i}]"),
                format!("no imported record `{id}`; skipped"),
            ));
            continue;
        }
        // `risk` is a change_request field; rm_release gets the work note.
        if changes.contains(id) {
            fields
                .entry(id)
                .or_default()
                .insert("risk".into(), risk_code(a.level).into());
        }
        let mut n = format!("[relman] Risk {} (score {:.1}).", a.level.as_str(), a.score);
        for f in &a.factors {
            n.push_str(&format!(
                "\n- {}: +{:.1} ({})",
                f.name, f.contribution, f.explanation
            ));
        }
        notes.entry(id).or_default().push(n);
    }
    if let Some(report) = &input.conflicts {
        for (_, _, id, is_change) in &targets {
            let mine: Vec<_> = report
                .conflicts
                .iter()
                .filter(|c| c.items.iter().any(|i| i == id))
                .collect();
            if *is_change {
                let f = fields.entry(id.as_str()).or_default();
                f.insert(
                    "conflict_status".into(),
                    if mine.is_empty() {
                        "No Conflict"
                    } else {
                        "Conflict"
                    }
                    .into(),
                );
                if let Some(now) = &input.now {
                    f.insert(
                        "conflict_last_run".into(),
                        now.utc().format("%Y-%m-%d %H:%M:%S").to_string(),
                    );
                }
            }
            for c in mine {
                let kind = serde_json::to_value(c.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                notes
                    .entry(id.as_str())
                    .or_default()
                    .push(format!("[relman] Conflict {kind}: {}", c.explanation));
            }
        }
    }
    for (i, g) in input.gates.iter().enumerate() {
        let id = g.release_id.as_str();
        if !known.contains(id) {
            warnings.push(Warning::new(
                "verdict_without_record",
                format!("gates[{i}]"),
                format!("no imported record `{id}`; skipped"),
            ));
            continue;
        }
        if g.target != State::Deployment {
            continue;
        }
        fields.entry(id).or_default().insert(
            "approval".into(),
            if g.allowed { "approved" } else { "requested" }.into(),
        );
        let unmet: Vec<String> = g
            .unmet()
            .map(|r| format!("\n- {}: {}", r.rule, r.message))
            .collect();
        if !unmet.is_empty() {
            notes.entry(id).or_default().push(format!(
                "[relman] Not ready for deployment:{}",
                unmet.concat()
            ));
        }
    }
    let mut patches = Vec::new();
    for (table, sys_id, id, _) in &targets {
        let mut f = fields.remove(id.as_str()).unwrap_or_default();
        if let Some(n) = notes.remove(id.as_str()) {
            f.insert("work_notes".into(), n.join("\n\n"));
        }
        if !f.is_empty() {
            patches.push(RecordPatch {
                table: table.clone(),
                sys_id: sys_id.clone(),
                number: id.clone(),
                fields: f,
            });
        }
    }
    Ok(ServiceNowPatches { patches, warnings })
}
