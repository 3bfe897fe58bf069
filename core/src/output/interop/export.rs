//! Export: relman's verdicts as ServiceNow field patches and approval
//! inserts.
//!
//! [`export_servicenow`] turns an imported schedule and relman's verdicts
//! about it into one [`RecordPatch`] per ServiceNow record to write:
//! updates of `change_request` and `rm_release` records (risk, conflict
//! status, approval, work notes) and inserts of `sysapproval_approver`
//! records for votes cast in relman. Only the fields of
//! [`EXPORT_TABLE_FIELDS`] are ever written. Given the records as fetched
//! (`fetched`), unchanged fields are left out and the export lists what
//! it would write ([`FieldDiff`]); a dry run returns only that list.

use super::{field_text, risk_code};
use crate::conflict::{Conflict, ConflictReport};
use crate::context::{Context, Schedule};
use crate::document::{
    Actor, Change, ChangeKind, Decision, Extra, Release, ReleaseKind, RollbackPlan, State,
};
use crate::error::{Error, Result, Warning};
use crate::lifecycle::GateReport;
use crate::limits::path_under;
use crate::risk::{RiskAssessment, RiskAssessor};
use crate::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The ServiceNow fields an export may write, per table, and nothing else:
/// updates of `change_request` (`risk`, `work_notes`, `conflict_status`,
/// `conflict_last_run`, `approval`) and `rm_release` (`work_notes`,
/// `approval`; it has no risk or conflict fields), and inserts of
/// `sysapproval_approver` (`sysapproval`, `document_id`, `source_table`,
/// `approver`, `state`, `comments`). [`export_fields`] reads it by table.
pub const EXPORT_TABLE_FIELDS: [(&str, &[&str]); 3] = [
    (
        CHANGE_REQUEST,
        &[
            "risk",
            "work_notes",
            "conflict_status",
            "conflict_last_run",
            "approval",
        ],
    ),
    (RM_RELEASE, &["work_notes", "approval"]),
    (
        SYSAPPROVAL_APPROVER,
        &[
            "sysapproval",
            "document_id",
            "source_table",
            "approver",
            "state",
            "comments",
        ],
    ),
];

/// The journal fields: a write appends an entry, so a fetched value never
/// makes one redundant.
pub const JOURNAL_FIELDS: [&str; 2] = ["work_notes", "comments"];

const CHANGE_REQUEST: &str = "change_request";
const RM_RELEASE: &str = "rm_release";
const SYSAPPROVAL_APPROVER: &str = "sysapproval_approver";

/// The fields an export may write on a record of `table`
/// ([`EXPORT_TABLE_FIELDS`]); none for any other table.
pub fn export_fields(table: &str) -> &'static [&'static str] {
    EXPORT_TABLE_FIELDS
        .iter()
        .find(|(t, _)| *t == table)
        .map_or(&[], |(_, fields)| *fields)
}

/// What [`export_servicenow`] turns into patches: the imported schedule
/// (whose documents carry `sys_id` in `extra`), relman's verdicts about it
/// and how to write them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceNowExport {
    /// The schedule as [`import_servicenow`](super::import_servicenow)
    /// produced it.
    pub schedule: Schedule,
    /// Risk assessments, keyed by `release_id` (a release or change id).
    /// One keyed by a change number is that change request's risk as is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risk: Vec<RiskAssessment>,
    /// A conflict report over the schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<ConflictReport>,
    /// Gate reports, keyed by `release_id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<GateReport>,
    /// The time of the export: `conflict_last_run` and the header line of
    /// every work note, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Timestamp>,
    /// What the per-change risk scoring consults (policy, CMDB, calendar,
    /// schedule, history); absent: `Context::default()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// Whether a change request without an assessment in `risk` is scored
    /// by relman as a one-change release ([`change_as_release`]) against
    /// `context`; absent: true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_changes: Option<bool>,
    /// The IANA time zone of the header line of work notes (e.g.
    /// `America/Los_Angeles`); absent: UTC. Unknown: `invalid_input` at
    /// `time_zone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The directory as imported: an actor's `extra.sys_id` is the
    /// `sys_user` sys_id written as `approver` of an approval insert.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<Actor>,
    /// The records as fetched, keyed by table name (`change_request`,
    /// `rm_release`, `sysapproval_approver`), each a Table API response
    /// `{"result": [...]}` or a bare list of records. Given, a field whose
    /// value is unchanged is not written (journal fields always are), an
    /// approval already recorded is not inserted, and the result lists
    /// every field written in `diff`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched: Option<BTreeMap<String, Value>>,
    /// Compute the `diff` only and return no patches; needs `fetched`
    /// (else `invalid_input` at `dry_run`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

/// What a patch does to its record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PatchAction {
    /// Update the existing record `sys_id` (a `PATCH`).
    #[default]
    Update,
    /// Insert a new record into `table` (a `POST`); it has no sys_id yet.
    Insert,
}

/// The fields to write on one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordPatch {
    /// `update` an existing record or `insert` a new one.
    #[serde(default)]
    pub action: PatchAction,
    /// `change_request`, `rm_release` or `sysapproval_approver`.
    pub table: String,
    /// The record's sys_id; absent for an insert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sys_id: Option<String>,
    /// The record's number (relman id); for an approval insert, the number
    /// of the release voted on.
    pub number: String,
    /// Field → string value; only names [`EXPORT_TABLE_FIELDS`] lists for
    /// the table.
    pub fields: BTreeMap<String, String>,
}

/// One field an export writes, with the value fetched before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FieldDiff {
    /// The record's table.
    pub table: String,
    /// The record's sys_id; absent for an insert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sys_id: Option<String>,
    /// The record's number (the release's for an approval insert).
    pub number: String,
    /// The field written.
    pub field: String,
    /// Its value as fetched; absent when unset, for an insert, or for a
    /// record missing from `fetched`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The value written (for a journal field, the entry appended).
    pub after: String,
}

/// The result of [`export_servicenow`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceNowPatches {
    /// One patch per record with something to write, in schedule order
    /// (a release's approval inserts right after the release); empty for
    /// a dry run.
    pub patches: Vec<RecordPatch>,
    /// Given `fetched`: every field that is (or, in a dry run, would be)
    /// written, in patch order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diff: Vec<FieldDiff>,
    /// Verdicts about ids not in the schedule, votes whose approver has no
    /// sys_id, patched records missing from `fetched`, and the like.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// A change request scored as a release of its own, the way
/// [`export_servicenow`] rates each change request: id = the change's id,
/// title = its summary, kind = `emergency` for an emergency change else
/// `minor`, state = the parent release's state (else `planning`), changes
/// = the change alone, affected CIs = the change's, planned window = the
/// change's (where it has none, the parent's), owner = the implementer,
/// a documented `rollback_plan` whose `instructions` are the change's
/// `backout_plan` (from `extra`) when not blank, and environments and
/// services from the parent release; everything else is left unset.
pub fn change_as_release(change: &Change, parent: Option<&Release>) -> Release {
    let rollback_plan = change
        .extra
        .get("backout_plan")
        .and_then(field_text)
        .map(|plan| RollbackPlan {
            documented: true,
            instructions: Some(plan),
            ..RollbackPlan::default()
        });
    let kind = if change.kind == ChangeKind::Emergency {
        ReleaseKind::Emergency
    } else {
        ReleaseKind::Minor
    };
    let state = parent.map_or(State::Planning, |p| p.state);
    Release {
        owner: change.implementer.clone(),
        planned_start: change
            .planned_start
            .clone()
            .or_else(|| parent.and_then(|p| p.planned_start.clone())),
        planned_end: change
            .planned_end
            .clone()
            .or_else(|| parent.and_then(|p| p.planned_end.clone())),
        changes: vec![change.clone()],
        affected_cis: change.affected_cis.clone(),
        services: parent.map(|p| p.services.clone()).unwrap_or_default(),
        environments: parent.map(|p| p.environments.clone()).unwrap_or_default(),
        rollback_plan,
        ..Release::new(change.id.clone(), change.summary.clone(), kind, state)
    }
}

/// The `sys_id` an imported document carries, read as the import read it.
fn sys_id(extra: &Extra) -> Option<String> {
    field_text(extra.get("sys_id")?)
}

/// One record of the schedule that may be patched.
struct Target<'a> {
    table: &'static str,
    sys_id: String,
    id: &'a str,
    /// The change, for a change request.
    change: Option<&'a Change>,
    /// The release a change belongs to, or the release itself with its
    /// index for an `rm_release`.
    parent: Option<&'a Release>,
    release_index: Option<usize>,
}

/// The records as fetched: table → sys_id → record, and the approvals.
#[derive(Default)]
struct Fetched<'a> {
    records: HashMap<&'a str, HashMap<String, &'a Map<String, Value>>>,
    approvals: Vec<&'a Map<String, Value>>,
}

impl<'a> Fetched<'a> {
    /// Reads `fetched`: each table a `{"result": [...]}` or a list of
    /// records, each record an object with a `sys_id`.
    fn read(tables: &'a BTreeMap<String, Value>, warnings: &mut Vec<Warning>) -> Result<Self> {
        let mut out = Fetched::default();
        for (name, value) in tables {
            let Some((table, _)) = EXPORT_TABLE_FIELDS.iter().find(|(t, _)| *t == name) else {
                warnings.push(Warning::new(
                    "fetched_table_unknown",
                    format!("fetched.{name}"),
                    format!(
                        "`{name}` is not a table the export writes \
                         (change_request, rm_release, sysapproval_approver); ignored"
                    ),
                ));
                continue;
            };
            let (list, at) = match value {
                Value::Array(list) => (list, format!("fetched.{name}")),
                Value::Object(o) => match o.get("result") {
                    Some(Value::Array(list)) => (list, format!("fetched.{name}.result")),
                    _ => {
                        return Err(Error::invalid_input(
                            format!("fetched.{name}"),
                            "not a Table API response: expected {\"result\": [...]} or a list of records",
                        ))
                    }
                },
                _ => {
                    return Err(Error::invalid_input(
                        format!("fetched.{name}"),
                        "not a Table API response: expected {\"result\": [...]} or a list of records",
                    ))
                }
            };
            let records = out.records.entry(table).or_default();
            for (i, rec) in list.iter().enumerate() {
                let path = format!("{at}[{i}]");
                let Value::Object(fields) = rec else {
                    return Err(Error::invalid_input(path, "a record must be an object"));
                };
                let Some(id) = fields.get("sys_id").and_then(field_text) else {
                    return Err(Error::invalid_input(
                        format!("{path}.sys_id"),
                        "a fetched record must carry its sys_id",
                    ));
                };
                if *table == SYSAPPROVAL_APPROVER {
                    out.approvals.push(fields);
                }
                records.insert(id, fields);
            }
        }
        Ok(out)
    }

    /// The fetched record of `table` with `sys_id`.
    fn record(&self, table: &str, sys_id: &str) -> Option<&'a Map<String, Value>> {
        self.records.get(table)?.get(sys_id).copied()
    }

    /// Whether an approval record with these insert fields is already
    /// there (same task, approver and state).
    fn has_approval(&self, fields: &BTreeMap<String, String>) -> bool {
        let text = |rec: &Map<String, Value>, f: &str| rec.get(f).and_then(field_text);
        self.approvals.iter().any(|rec| {
            let task = fields.get("sysapproval");
            (text(rec, "sysapproval").as_ref() == task || text(rec, "document_id").as_ref() == task)
                && text(rec, "approver").as_ref() == fields.get("approver")
                && text(rec, "state").as_ref() == fields.get("state")
        })
    }
}

/// An error of the risk context, its path under `context`.
fn under_context(e: Error) -> Error {
    e.map_paths(|p| path_under("context", p))
}

/// The work note of a risk assessment: level, score and every factor.
fn risk_note(a: &RiskAssessment) -> String {
    let mut n = format!("[relman] Risk {} (score {:.1}).", a.level.as_str(), a.score);
    for f in &a.factors {
        n.push_str(&format!(
            "\n- {}: +{:.1} ({})",
            f.name, f.contribution, f.explanation
        ));
    }
    n
}

/// Turns relman verdicts into ServiceNow record patches (see the module
/// doc and docs/integrations.md, "Export"):
///
/// - every change request: `risk` (code 1..4) and a work note with every
///   factor, from an assessment keyed by its number or else from scoring
///   [`change_as_release`] against `context` (unless `score_changes` is
///   false); a release's assessment goes into its work note only;
/// - given a conflict report: `conflict_status` (`Conflict` when a conflict
///   names the change request or its release, else `No Conflict`),
///   `conflict_last_run` (given `now`), and a work note per conflict naming
///   the other records (a release with its change numbers);
/// - a gate report with target `deployment`: `approval` (`approved` when
///   allowed, else `requested`) and a work note listing unmet rules;
/// - a vote in `release.approvals` without a `sys_id` (cast in relman): an
///   insert of a `sysapproval_approver` record, the approver's sys_id
///   taken from `actors`;
/// - given `now`, every `work_notes` value starts with a header line
///   `[relman] YYYY-MM-DD HH:MM:SS ZONE` in `time_zone` (else UTC);
/// - given `fetched`, unchanged fields are left out and `diff` lists what
///   is written; `dry_run` returns the diff without patches.
///
/// Errors: `invalid_input` at `time_zone` for an unknown zone, at `dry_run`
/// for a dry run without `fetched`, at `fetched.<table>` or
/// `fetched.<table>.result[i]` for a malformed table or record, and at
/// `schedule.releases[i].sys_id` / `schedule.changes[i].sys_id` (…) for a
/// document without `sys_id` in `extra`; an error of `context` at a path
/// under `context`.
pub fn export_servicenow(input: &ServiceNowExport) -> Result<ServiceNowPatches> {
    let zone = match input.time_zone.as_deref() {
        None => chrono_tz::UTC,
        Some(name) => name.parse::<chrono_tz::Tz>().map_err(|_| {
            Error::invalid_input(
                "time_zone",
                format!("unknown time zone `{name}` (an IANA name such as America/Los_Angeles)"),
            )
        })?,
    };
    if input.dry_run && input.fetched.is_none() {
        return Err(Error::invalid_input(
            "dry_run",
            "a dry run compares against the records as fetched: give `fetched`",
        ));
    }
    let mut warnings = Vec::new();
    let fetched = match &input.fetched {
        Some(tables) => Some(Fetched::read(tables, &mut warnings)?),
        None => None,
    };
    let unscheduled = unscheduled_changes(&input.schedule)?;
    let targets = targets(&input.schedule, &unscheduled)?;
    let known: HashSet<&str> = targets.iter().map(|t| t.id).collect();
    // A release's change numbers, and the release of each change.
    let release_changes: HashMap<&str, Vec<&str>> = input
        .schedule
        .releases
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.changes.iter().map(|c| c.id.as_str()).collect(),
            )
        })
        .collect();

    let mut assessed: HashMap<&str, Vec<&RiskAssessment>> = HashMap::new();
    for (i, a) in input.risk.iter().enumerate() {
        let id = a.release_id.as_str();
        if known.contains(id) {
            assessed.entry(id).or_default().push(a);
        } else {
            warnings.push(Warning::new(
                "verdict_without_record",
                format!("risk[{i}]"),
                format!("no imported record `{id}`; skipped"),
            ));
        }
    }
    let mut gates: HashMap<&str, Vec<&GateReport>> = HashMap::new();
    for (i, g) in input.gates.iter().enumerate() {
        let id = g.release_id.as_str();
        if known.contains(id) {
            gates.entry(id).or_default().push(g);
        } else {
            warnings.push(Warning::new(
                "verdict_without_record",
                format!("gates[{i}]"),
                format!("no imported record `{id}`; skipped"),
            ));
        }
    }
    let default_context;
    let assessor = if input.score_changes.unwrap_or(true) {
        let context = match &input.context {
            Some(c) => c,
            None => {
                default_context = Context::default();
                &default_context
            }
        };
        Some(RiskAssessor::new(context).map_err(under_context)?)
    } else {
        None
    };
    let header = input.now.as_ref().map(|now| {
        format!(
            "[relman] {}",
            now.utc()
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M:%S %Z")
        )
    });
    let last_run = input
        .now
        .as_ref()
        .map(|now| now.utc().format("%Y-%m-%d %H:%M:%S").to_string());

    let mut patches = Vec::new();
    for t in &targets {
        let mut fields = BTreeMap::new();
        let mut notes = Vec::new();
        // Risk: the given assessments, else a change request's own score.
        let mut risks: Vec<Cow<'_, RiskAssessment>> = assessed
            .get(t.id)
            .map(|list| list.iter().map(|a| Cow::Borrowed(*a)).collect())
            .unwrap_or_default();
        if let (true, Some(change), Some(assessor)) = (risks.is_empty(), t.change, &assessor) {
            risks.push(Cow::Owned(
                assessor
                    .assess(&change_as_release(change, t.parent))
                    .map_err(under_context)?,
            ));
        }
        for a in &risks {
            // `risk` is a change_request field; rm_release gets the note.
            if t.change.is_some() {
                fields.insert("risk".to_string(), risk_code(a.level).to_string());
            }
            notes.push(risk_note(a));
        }
        if let Some(report) = &input.conflicts {
            let parent = t.change.and(t.parent).map(|p| p.id.as_str());
            let mine: Vec<&Conflict> = report
                .conflicts
                .iter()
                .filter(|c| {
                    c.items
                        .iter()
                        .any(|i| i == t.id || Some(i.as_str()) == parent)
                })
                .collect();
            if t.change.is_some() {
                let status = if mine.is_empty() {
                    "No Conflict"
                } else {
                    "Conflict"
                };
                fields.insert("conflict_status".to_string(), status.to_string());
                if let Some(at) = &last_run {
                    fields.insert("conflict_last_run".to_string(), at.clone());
                }
            }
            for c in mine {
                let kind = c.kind.as_str();
                if t.change.is_none() {
                    notes.push(format!("[relman] Conflict {kind}: {}", c.explanation));
                    continue;
                }
                let others: Vec<String> = c
                    .items
                    .iter()
                    .filter(|i| *i != t.id && Some(i.as_str()) != parent)
                    .map(|i| match release_changes.get(i.as_str()) {
                        Some(numbers) if !numbers.is_empty() => {
                            format!("{i} ({})", numbers.join(", "))
                        }
                        _ => i.clone(),
                    })
                    .collect();
                if others.is_empty() {
                    notes.push(format!("[relman] Conflict {kind}: {}", c.explanation));
                } else {
                    notes.push(format!(
                        "[relman] Conflict {kind} with {}: {}",
                        others.join(", "),
                        c.explanation
                    ));
                }
            }
        }
        for g in gates.get(t.id).into_iter().flatten() {
            if g.target != State::Deployment {
                continue;
            }
            let approval = if g.allowed { "approved" } else { "requested" };
            fields.insert("approval".to_string(), approval.to_string());
            let unmet: Vec<String> = g
                .unmet()
                .map(|r| format!("\n- {}: {}", r.rule, r.message))
                .collect();
            if !unmet.is_empty() {
                notes.push(format!(
                    "[relman] Not ready for deployment:{}",
                    unmet.concat()
                ));
            }
        }
        if !notes.is_empty() {
            let body = notes.join("\n\n");
            let note = match &header {
                Some(h) => format!("{h}\n{body}"),
                None => body,
            };
            fields.insert("work_notes".to_string(), note);
        }
        if !fields.is_empty() {
            patches.push(RecordPatch {
                action: PatchAction::Update,
                table: t.table.to_string(),
                sys_id: Some(t.sys_id.clone()),
                number: t.id.to_string(),
                fields,
            });
        }
        if let (Some(release), Some(i)) = (t.parent, t.release_index) {
            approval_inserts(
                release,
                i,
                &t.sys_id,
                &input.actors,
                &mut patches,
                &mut warnings,
            );
        }
    }

    let mut diff = Vec::new();
    if let Some(fetched) = &fetched {
        patches = patches
            .into_iter()
            .filter_map(|p| against_fetched(p, fetched, &mut diff, &mut warnings))
            .collect();
    }
    if input.dry_run {
        patches.clear();
    }
    Ok(ServiceNowPatches {
        patches,
        diff,
        warnings,
    })
}

/// The changes of `schedule.extra.unscheduled_changes`.
fn unscheduled_changes(schedule: &Schedule) -> Result<Vec<Change>> {
    match schedule.extra.get("unscheduled_changes") {
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, v)| {
                serde_json::from_value(v.clone()).map_err(|e| {
                    Error::invalid_input(
                        format!("schedule.unscheduled_changes[{i}]"),
                        e.to_string(),
                    )
                })
            })
            .collect(),
        _ => Ok(Vec::new()),
    }
}

/// Every record of the schedule, in schedule order: each release then its
/// change requests, the bare change requests, the unscheduled ones.
fn targets<'a>(schedule: &'a Schedule, unscheduled: &'a [Change]) -> Result<Vec<Target<'a>>> {
    let need = |extra: &Extra, path: String, id: &str| {
        sys_id(extra).ok_or_else(|| {
            Error::invalid_input(
                format!("{path}.sys_id"),
                format!("{id} has no sys_id; only imported records can be exported"),
            )
        })
    };
    let change = |c: &'a Change, parent: Option<&'a Release>, path: String| {
        Ok(Target {
            table: CHANGE_REQUEST,
            sys_id: need(&c.extra, path, &c.id)?,
            id: c.id.as_str(),
            change: Some(c),
            parent,
            release_index: None,
        })
    };
    let mut targets = Vec::new();
    for (i, r) in schedule.releases.iter().enumerate() {
        targets.push(Target {
            table: RM_RELEASE,
            sys_id: need(&r.extra, format!("schedule.releases[{i}]"), &r.id)?,
            id: r.id.as_str(),
            change: None,
            parent: Some(r),
            release_index: Some(i),
        });
        for (j, c) in r.changes.iter().enumerate() {
            targets.push(change(
                c,
                Some(r),
                format!("schedule.releases[{i}].changes[{j}]"),
            )?);
        }
    }
    for (i, c) in schedule.changes.iter().enumerate() {
        targets.push(change(c, None, format!("schedule.changes[{i}]"))?);
    }
    for (i, c) in unscheduled.iter().enumerate() {
        targets.push(change(
            c,
            None,
            format!("schedule.unscheduled_changes[{i}]"),
        )?);
    }
    Ok(targets)
}

/// The `sysapproval_approver` inserts for the votes of release `i` cast in
/// relman (no `sys_id`): approver sys_ids from `actors`; a vote whose
/// approver has none is skipped with `approver_without_sys_id`.
fn approval_inserts(
    release: &Release,
    i: usize,
    release_sys_id: &str,
    actors: &[Actor],
    patches: &mut Vec<RecordPatch>,
    warnings: &mut Vec<Warning>,
) {
    for (j, vote) in release.approvals.iter().enumerate() {
        if sys_id(&vote.extra).is_some() {
            continue; // imported from ServiceNow: already there
        }
        let approver = actors
            .iter()
            .find(|a| crate::identity::same_person(&a.id, &vote.approver))
            .and_then(|a| sys_id(&a.extra));
        let Some(approver) = approver else {
            warnings.push(Warning::new(
                "approver_without_sys_id",
                format!("schedule.releases[{i}].approvals[{j}].approver"),
                format!(
                    "no sys_user sys_id for `{}` in `actors`; the vote on {} is not exported",
                    vote.approver, release.id
                ),
            ));
            continue;
        };
        let mut fields = BTreeMap::new();
        fields.insert("sysapproval".to_string(), release_sys_id.to_string());
        fields.insert("document_id".to_string(), release_sys_id.to_string());
        fields.insert("source_table".to_string(), RM_RELEASE.to_string());
        fields.insert("approver".to_string(), approver);
        let state = match vote.decision {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
        };
        fields.insert("state".to_string(), state.to_string());
        if let Some(comment) = vote.comment.as_ref().filter(|c| !c.trim().is_empty()) {
            fields.insert("comments".to_string(), comment.clone());
        }
        patches.push(RecordPatch {
            action: PatchAction::Insert,
            table: SYSAPPROVAL_APPROVER.to_string(),
            sys_id: None,
            number: release.id.clone(),
            fields,
        });
    }
}

/// `patch` against the records as fetched: unchanged fields dropped
/// (journal fields kept), an approval already recorded dropped, every
/// field left recorded in `diff`; `None` when nothing is left.
fn against_fetched(
    mut patch: RecordPatch,
    fetched: &Fetched<'_>,
    diff: &mut Vec<FieldDiff>,
    warnings: &mut Vec<Warning>,
) -> Option<RecordPatch> {
    let record = match (&patch.action, &patch.sys_id) {
        (PatchAction::Insert, _) => {
            if fetched.has_approval(&patch.fields) {
                return None;
            }
            None
        }
        (PatchAction::Update, Some(id)) => {
            let record = fetched.record(&patch.table, id);
            if record.is_none() {
                warnings.push(Warning::new(
                    "record_not_fetched",
                    format!("fetched.{}", patch.table),
                    format!(
                        "{} {} (sys_id {id}) is not among the fetched records; \
                         every field is written",
                        patch.table, patch.number
                    ),
                ));
            }
            record
        }
        (PatchAction::Update, None) => None,
    };
    if let Some(rec) = record {
        patch.fields.retain(|field, value| {
            JOURNAL_FIELDS.contains(&field.as_str())
                || rec.get(field).and_then(field_text).as_deref() != Some(value.as_str())
        });
    }
    for (field, value) in &patch.fields {
        diff.push(FieldDiff {
            table: patch.table.clone(),
            sys_id: patch.sys_id.clone(),
            number: patch.number.clone(),
            field: field.clone(),
            before: record.and_then(|r| r.get(field)).and_then(field_text),
            after: value.clone(),
        });
    }
    (!patch.fields.is_empty()).then_some(patch)
}
