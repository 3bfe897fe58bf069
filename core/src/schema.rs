//! JSON Schemas (draft 2020-12) for every input and output document, the
//! published form of the data contract.

use crate::document::*;
use crate::error::ErrorBody;
use crate::validate::ValidationReport;
use crate::Policy;
use schemars::{JsonSchema, SchemaGenerator};
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
    let schema = SchemaGenerator::default().into_root_schema_for::<T>();
    schema.to_value()
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
    "validation_report", Output, ValidationReport, "The verdict of validate on a valid document";
    "gate_report", Output, crate::GateReport, "The verdict of check: every requirement of a transition";
    "applied", Output, crate::Applied, "The result of apply: new release, events, notifications, report";
    "log_verdict", Output, crate::LogVerdict, "The verdict of verify_log";
    "kpi_report", Output, crate::KpiReport, "The result of compute_kpis: DORA and ITIL KPIs, series, groups";
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
