//! JSON Schemas (draft 2020-12) for every input and output document, the
//! published form of the data contract.

use crate::context::{Context, Schedule};
use crate::document::*;
use crate::error::ErrorBody;
use crate::validate::ValidationReport;
use crate::Policy;
use schemars::JsonSchema;
use serde_json::Value;

/// Whether a schema describes something relman reads or something it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A document relman reads.
    Input,
    /// A result relman writes.
    Output,
}

/// One published schema.
#[derive(Debug, Clone, Copy)]
pub struct SchemaEntry {
    /// The name used by `relman schema NAME` (snake_case).
    pub name: &'static str,
    /// Input or output.
    pub direction: Direction,
    /// One-line description.
    pub description: &'static str,
    generate: fn() -> Value,
}

impl SchemaEntry {
    /// The JSON Schema document.
    pub fn schema(&self) -> Value {
        (self.generate)()
    }
}

fn generate<T: JsonSchema>() -> Value {
    crate::structure::schema_for::<T>()
}

macro_rules! entries {
    ($($name:literal, $dir:ident, $ty:ty, $desc:literal;)*) => {
        /// Every published schema, inputs first.
        pub const SCHEMAS: &[SchemaEntry] = &[
            $(SchemaEntry {
                name: $name,
                direction: Direction::$dir,
                description: $desc,
                generate: generate::<$ty>,
            },)*
        ];
    };
}

entries! {
    "release", Input, Release, "A release with its changes, tests, approvals and audit log";
    "change", Input, Change, "A change record";
    "configuration_item", Input, ConfigurationItem, "A configuration item";
    "cmdb", Input, Cmdb, "CIs and their relationships";
    "actor", Input, Actor, "A person and their roles";
    "calendar", Input, Calendar, "Blackouts and maintenance windows";
    "schedule", Input, Schedule, "Scheduled releases and changes with CMDB, calendar, policy";
    "history", Input, History, "Past deployments, incidents and releases";
    "context", Input, Context, "What an operation may consult: actors, policy, CMDB, calendar, schedule, history, now";
    "policy", Input, Policy, "Lifecycle, risk, conflict, rollout, KPI and notes rules";
    "kpi_options", Input, crate::KpiOptions, "Call options of compute_kpis (override the policy's kpi section)";
    "command", Input, crate::Command, "A lifecycle command: actor, at and the command with its parameters";
    "fit_options", Input, crate::FitOptions, "Options of fit_risk_model: held-out fraction, L2 penalty, iterations";
    "rollout_replay", Input, crate::rollout::RolloutReplay, "A deployment plan, a start state and timed inputs to replay (relman rollout)";
    "canary_comparison", Input, crate::rollout::CanaryComparison, "Baseline and canary metric samples and the judge config (relman judge)";
    "deployment_plan", Input, DeploymentPlan, "A release's deployment: strategy and its parameters";
    "rollout_state", Input, crate::rollout::RolloutState, "The state of a rollout, as rollout_step returns and takes it";
    "rollout_input", Input, crate::rollout::RolloutInput, "One input of rollout_step: an observation, a tick or a command";
    "ics_options", Input, crate::IcsOptions, "Options of calendar_ics: now (DTSTAMP), horizon, per-change events, time zone";
    "report_options", Input, crate::ReportOptions, "Options of report: rows per CI or service, time zone, week start, title, window, now, KPI options";
    "servicenow_tables", Input, crate::ServiceNowTables, "ServiceNow Table API responses to import, keyed by table name (change_request, rm_release, task_ci, cmdb_ci, sys_user, sysapproval_approver, cmn_schedule, ...)";
    "servicenow_import_options", Input, crate::ServiceNowImportOptions, "Options of import_servicenow: how the rows were fetched, the user's zone and formats, the mapping";
    "servicenow_export", Input, crate::ServiceNowExport, "An imported schedule and relman verdicts to turn into ServiceNow patches";
    "judge_config", Input, crate::rollout::JudgeConfig, "How judge_canary judges: metrics, alpha, score thresholds";
    "keyring", Input, crate::keys::KeyringSpec, "The host's keys for keyed audit chains: keys by id, signing_key, adopt_unkeyed (passed in, never stored)";
    "validation_report", Output, ValidationReport, "The verdict of validate on a valid document";
    "gate_report", Output, crate::GateReport, "The verdict of check: every requirement of a transition";
    "applied", Output, crate::Applied, "The result of apply: new release, events, notifications, report";
    "log_verdict", Output, crate::LogVerdict, "The verdict of verify_log";
    "risk_assessment", Output, crate::RiskAssessment, "The verdict of assess_risk: score, level, every factor explained";
    "risk_batch", Output, crate::risk::RiskBatch, "The result of assess_risk_many: one assessment or error per release";
    "fitted_risk_model", Output, crate::FittedRiskModel, "The result of fit_risk_model: the model, its quality, sample counts";
    "rollout_step", Output, crate::rollout::RolloutStep, "The result of rollout_step: next state, decision, reasons";
    "rollout_replay_result", Output, crate::rollout::RolloutReplayResult, "The result of relman rollout: every step of a replay";
    "canary_judgement", Output, crate::rollout::CanaryJudgement, "The verdict of judge_canary: per-metric tests, score, verdict";
    "metric_import", Output, crate::rollout::MetricImport, "The result of import_metrics: baseline and canary samples per metric from Prometheus or Datadog responses, each metric's status";
    "conflict_report", Output, crate::ConflictReport, "The verdict of detect_conflicts: every conflict with kind, severity, items, CIs, window";
    "slot_suggestion", Output, crate::SlotSuggestion, "The result of suggest_slots: the earliest free windows for an item";
    "deployment_order", Output, crate::DeploymentOrder, "The result of deployment_order: dependency waves and the critical path";
    "kpi_report", Output, crate::KpiReport, "The result of compute_kpis: DORA and ITIL KPIs, series, groups";
    "unauthorized_report", Output, crate::UnauthorizedReport, "The result of unauthorized_changes: production deployments no approved release covers, with every reason";
    "closure", Output, crate::Closure, "The result of closure: the records to resolve, the articles to publish, what stays open and why";
    "release_notes", Output, crate::ReleaseNotes, "The result of release_notes: the notes as Markdown or HTML";
    "overdue_report", Output, crate::OverdueReport, "The result of overdue: releases past their retrospective-approval window, with votes counted and missing";
    "cab_agenda", Output, crate::CabAgenda, "The result of cab_agenda: releases awaiting approval in a period, with votes, conflicts, risk and rollback";
    "rendered_agenda", Output, crate::RenderedAgenda, "The result of render_cab_agenda: the CAB agenda as Markdown or HTML";
    "report", Output, crate::Report, "The result of report: the change calendar and KPI charts as one self-contained HTML page";
    "ics_export", Output, crate::IcsExport, "The result of calendar_ics: the iCalendar text and its event count";
    "servicenow_import", Output, crate::ServiceNowImport, "The result of import_servicenow: a schedule of releases, changes, the CMDB and the calendar; the directory; approvals; import commands";
    "servicenow_patches", Output, crate::ServiceNowPatches, "The result of export_servicenow: the field patch of each record";
    "error", Output, ErrorBody, "The JSON form of every error";
}

/// The schema with this name (`-` and `_` are interchangeable).
pub fn schema(name: &str) -> Option<Value> {
    let name = name.replace('-', "_");
    SCHEMAS
        .iter()
        .find(|e| e.name == name)
        .map(SchemaEntry::schema)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// Every `(format, type)` pair and every integer schema without both
    /// bounds, anywhere in `value`.
    fn walk(value: &Value, formats: &mut Vec<String>, unbounded: &mut usize) {
        match value {
            Value::Object(map) => {
                if let Some(f) = map.get("format").and_then(Value::as_str) {
                    formats.push(f.to_string());
                }
                let integer = match map.get("type") {
                    Some(Value::String(t)) => t == "integer",
                    Some(Value::Array(a)) => a.iter().any(|t| t == "integer"),
                    _ => false,
                };
                if integer && !(map.contains_key("minimum") && map.contains_key("maximum")) {
                    *unbounded = unbounded.saturating_add(1);
                }
                map.values().for_each(|v| walk(v, formats, unbounded));
            }
            Value::Array(list) => list.iter().for_each(|v| walk(v, formats, unbounded)),
            _ => {}
        }
    }

    #[test]
    fn every_schema_is_portable() {
        for entry in SCHEMAS {
            let (mut formats, mut unbounded) = (Vec::new(), 0);
            walk(&entry.schema(), &mut formats, &mut unbounded);
            formats.retain(|f| f != "date-time");
            assert_eq!(formats, Vec::<String>::new(), "{}", entry.name);
            assert_eq!(unbounded, 0, "integers without bounds in {}", entry.name);
        }
    }

    #[test]
    fn schema_version_is_pinned_to_the_supported_one() {
        let mut pinned = 0_usize;
        for entry in SCHEMAS {
            let schema = entry.schema();
            let mut versions: Vec<&Value> = schema["properties"]
                .get("schema_version")
                .into_iter()
                .collect();
            if let Some(defs) = schema.get("$defs").and_then(Value::as_object) {
                versions.extend(
                    defs.values()
                        .filter_map(|d| d["properties"].get("schema_version")),
                );
            }
            for version in versions {
                if entry.name == "validation_report" {
                    // The report's version is an output, always the supported one.
                    continue;
                }
                assert_eq!(
                    version["enum"],
                    serde_json::json!([crate::document::SCHEMA_VERSION, null]),
                    "{}",
                    entry.name
                );
                pinned = pinned.saturating_add(1);
            }
        }
        assert!(pinned >= 12, "{pinned}");
    }
}
