//! ServiceNow interop: Table API records in, field patches out.
//!
//! Decides: how ServiceNow records map onto relman documents and how relman
//! verdicts map back onto ServiceNow fields. Needs: the Table API responses
//! an integration already pulls, keyed by ServiceNow table name
//! ([`ServiceNowTables`], [`TABLES`]): `change_request`, `rm_release` /
//! `rm_release_scrum`, `task_ci`, `cmdb_ci` (any subclass), `cmdb_rel_ci`
//! with `cmdb_rel_type`, `sys_user`, `sys_user_group` and
//! `sys_user_grmember`, `sysapproval_approver` and `sysapproval_group`,
//! `change_task`, `cmn_schedule` with `cmn_schedule_span`, `incident` and
//! `problem`. Each is `{"result": [...]}` or a bare list of records.
//!
//! Three value modes, as the Table API's `sysparm_display_value` gives
//! them ([`DisplayValue`]): stored values (`false`, the default), `all`
//! (every field `{value, display_value, link}`; the value is used, the
//! display value only for journal fields) and display values only
//! (`true`), which the import reads only with the instance user's time
//! zone and date format given ([`ServiceNowImportOptions`]): dates are
//! never shifted silently. People, groups, CIs and releases are identified
//! by sys_id, resolved through the tables given; a display name is used
//! only for display-only rows, and one that names two records is an error.
//!
//! Codes (state, risk, impact, priority, type), release states and kinds,
//! choice labels and group → role come from
//! [`ServiceNowPolicy`], merged over
//! ServiceNow's out-of-box values. Every field relman does not map
//! (custom `u_*` fields included) is kept verbatim in the document's
//! `extra`, with `sys_id`; a field named like one of the document's own
//! members (`id`, `kind`, `schema_version`, …) is kept in the object
//! `extra.servicenow` ([`SHADOWED`]) instead. docs/integrations.md has
//! every mapping and code table with their sources.
//!
//! The imported schedule is a valid relman document: ids (release and
//! change numbers, CI names, user names) are unique, windows end after
//! they start, references resolve; an input that cannot give one is
//! `invalid_input` naming table, record (number or sys_id) and field at
//! the JSON path (`tables.change_request.result[3].start_date`).
//!
//! Export ([`export_servicenow`]) writes only the fields of its per-table
//! allowlist ([`EXPORT_TABLE_FIELDS`]).
//!
//! Both directions read under the read-time [`Limits`] of documents
//! (docs/limits.md): a table as JSON text ([`read_table`], or straight
//! into its records by [`read_table_rows`], the fast path of
//! [`import_servicenow_text`]: no `Value` of the table) or the export
//! input as JSON text ([`read_export`]) is checked for size, depth, items
//! per list and string length before it is parsed, and the tables as
//! values ([`import_servicenow`], [`ServiceNowTables::check_limits`]) for
//! all but the size. One past a limit is `limit_exceeded` at the JSON path
//! of the offence under the table's path
//! (`tables.change_request.result[3].short_description`).

use crate::context::Schedule;
use crate::document::{Actor, Decision, RiskLevel, Role};
use crate::error::{Error, Problem, Result, Warning};
use crate::lifecycle::Command;
use crate::limits::{self, Limits};
use crate::policy::ServiceNowPolicy;
use crate::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod export;
mod import;
mod rows;

pub use export::{
    change_as_release, export_fields, export_servicenow, FieldDiff, PatchAction, RecordPatch,
    ServiceNowExport, ServiceNowPatches, EXPORT_TABLE_FIELDS, JOURNAL_FIELDS,
};
pub(crate) use import::import_checked;
pub use import::{
    import_servicenow, import_servicenow_rows, import_servicenow_text,
    import_servicenow_with_limits,
};

/// The ServiceNow tables the import reads, by their ServiceNow names: the
/// members of [`ServiceNowTables`] and the `NAME` of the CLI's
/// `--table NAME=FILE`.
pub const TABLES: [&str; 17] = [
    "change_request",
    "rm_release",
    "rm_release_scrum",
    "task_ci",
    "cmdb_ci",
    "cmdb_rel_ci",
    "cmdb_rel_type",
    "sys_user",
    "sys_user_group",
    "sys_user_grmember",
    "sysapproval_approver",
    "sysapproval_group",
    "change_task",
    "cmn_schedule",
    "cmn_schedule_span",
    "incident",
    "problem",
];

macro_rules! tables {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// The Table API responses to import, keyed by ServiceNow table
        /// name; each is `{"result": [...]}` or a bare list of records, and
        /// every one is optional. A name that is not a table the import
        /// reads is refused (a misspelt table would otherwise be ignored).
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct ServiceNowTables {
            $(
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $name: Option<Value>,
            )*
        }

        impl ServiceNowTables {
            /// Every table given, with its name (from [`TABLES`]).
            pub fn tables(&self) -> impl Iterator<Item = (&'static str, &Value)> + '_ {
                [$((stringify!($name), self.$name.as_ref()),)*]
                    .into_iter()
                    .filter_map(|(name, table)| table.map(|t| (name, t)))
            }

            /// Every table given, with its name, owned.
            pub(crate) fn into_named(self) -> Vec<(&'static str, Value)> {
                let mut named = Vec::new();
                $(
                    if let Some(t) = self.$name {
                        named.push((stringify!($name), t));
                    }
                )*
                named
            }

            /// The table named `name` (from [`TABLES`]), for a reader that
            /// fills the tables by name; `None` for an unknown name.
            pub fn slot(&mut self, name: &str) -> Option<&mut Option<Value>> {
                match name {
                    $(stringify!($name) => Some(&mut self.$name),)*
                    _ => None,
                }
            }
        }
    };
}

tables! {
    /// `change_request` records.
    change_request,
    /// `rm_release` records.
    rm_release,
    /// `rm_release_scrum` records (agile releases: `start_date` /
    /// `end_date` instead of the planned dates).
    rm_release_scrum,
    /// `task_ci` records: the affected CIs of each task.
    task_ci,
    /// `cmdb_ci` records (any subclass, by `sys_class_name`).
    cmdb_ci,
    /// `cmdb_rel_ci` records.
    cmdb_rel_ci,
    /// `cmdb_rel_type` records: relationship type names.
    cmdb_rel_type,
    /// `sys_user` records.
    sys_user,
    /// `sys_user_group` records.
    sys_user_group,
    /// `sys_user_grmember` records: group memberships.
    sys_user_grmember,
    /// `sysapproval_approver` records: one approver's approval of a task.
    sysapproval_approver,
    /// `sysapproval_group` records: a group's approval of a task.
    sysapproval_group,
    /// `change_task` records.
    change_task,
    /// `cmn_schedule` records: blackout and maintenance schedules.
    cmn_schedule,
    /// `cmn_schedule_span` records: the spans of those schedules.
    cmn_schedule_span,
    /// `incident` records (linked to changes by `rfc` / `caused_by`).
    incident,
    /// `problem` records (linked to changes by `rfc`).
    problem,
}

impl ServiceNowTables {
    /// Checks every table against the read-time `limits` (depth, items per
    /// list, string length; a value has no size in bytes): the first
    /// offence is `limit_exceeded` at its path under `tables.<name>`
    /// (`tables.cmdb_ci.result[7].name`, `tables.change_request.result`
    /// for too many records).
    pub fn check_limits(&self, limits: &Limits) -> Result<()> {
        for (name, table) in self.tables() {
            limits
                .check_value(table)
                .map_err(|e| limits::under(e, &format!("tables.{name}")))?;
        }
        Ok(())
    }
}

/// How the rows were fetched: the Table API's `sysparm_display_value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum DisplayValue {
    /// Stored values (`sysparm_display_value=false`, the API's default);
    /// `{value, display_value}` objects are read by their value too.
    #[default]
    #[serde(rename = "false")]
    False,
    /// `{value, display_value, link}` objects (`sysparm_display_value=all`,
    /// pysnc's default); read by their value.
    #[serde(rename = "all")]
    All,
    /// Display values only (`sysparm_display_value=true`): choice labels,
    /// display names for references, dates in the user's zone and format.
    /// Needs `time_zone` and `date_format`.
    #[serde(rename = "true")]
    True,
}

impl DisplayValue {
    /// True for the default (stored values).
    pub fn is_false(&self) -> bool {
        *self == DisplayValue::False
    }
}

/// Options of [`import_servicenow`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceNowImportOptions {
    /// How the rows were fetched (`false`, `all` or `true`, as
    /// `sysparm_display_value`; default `false`).
    #[serde(default, skip_serializing_if = "DisplayValue::is_false")]
    pub display_value: DisplayValue,
    /// The instance user's IANA time zone (e.g. `America/Los_Angeles`):
    /// display-only dates are local to it. Required with `display_value`
    /// `true` when a date is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The instance user's date format, in ServiceNow's notation
    /// (`yyyy-MM-dd`, `MM/dd/yyyy`, `dd.MM.yyyy`, …). Required with
    /// `display_value` `true` when a date is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_format: Option<String>,
    /// The instance user's time format (default `HH:mm:ss`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_format: Option<String>,
    /// The source named by the `import` commands of release votes
    /// (default `servicenow`; e.g. `servicenow:acme`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The actor who issues those commands: the integration's account in
    /// relman's directory (default `servicenow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Code, label and group mappings over the out-of-box ones (as the
    /// policy's `servicenow` section).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::policy::ServiceNowMapping>")]
    pub mapping: Option<ServiceNowPolicy>,
}

/// One approval record as imported: every state kept, the approver
/// resolved to an actor id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImportedApproval {
    /// The approval record's sys_id.
    pub sys_id: String,
    /// `sysapproval_approver` (one person) or `sysapproval_group` (a
    /// group).
    pub table: String,
    /// The id (number) of the change request or release approved.
    pub task: String,
    /// The approver's actor id (`sysapproval_approver`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// The approving group's name (`sysapproval_group`, or the group an
    /// approver's approval belongs to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The role voted in: the group's role by the mapping, else the
    /// approver's first group role, else `cab`.
    pub role: Role,
    /// The ServiceNow state as stored: `requested`, `approved`,
    /// `rejected`, `not_required`, `cancelled`, `duplicate`, `not
    /// requested`.
    pub state: String,
    /// The decision, for `approved` and `rejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// When it was decided (`sys_updated_on`), for a decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// The approver's comments (the journal's text when fetched with
    /// display values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The result of [`import_servicenow`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceNowImport {
    /// The releases (with their change requests by `parent`), the change
    /// requests of no release, the CMDB and the change calendar.
    pub schedule: Schedule,
    /// The directory: one actor per `sys_user` (id = `user_name`), with
    /// the names of their groups and the roles those groups map to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<Actor>,
    /// Every approval record, in every state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ImportedApproval>,
    /// `import` commands that enter the decided votes on releases into
    /// their logs (apply them with the host's keys; docs/lifecycle.md,
    /// "Import").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<Command>,
    /// Odd but not fatal, e.g. a task_ci row of a change not imported.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// The ServiceNow `change_request.risk` code of a relman risk level.
pub fn risk_code(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Critical => "1",
        RiskLevel::High => "2",
        RiskLevel::Medium => "3",
        RiskLevel::Low => "4",
    }
}

/// Reads one table (a Table API response `{"result": [...]}`) from JSON
/// text under the default read-time limits; `name` is the table's name in
/// [`TABLES`] and starts every path reported. See
/// [`read_table_with_limits`].
pub fn read_table(name: &str, text: &str) -> Result<Value> {
    read_table_with_limits(name, text, &Limits::default())
}

/// Reads one table from JSON text under `limits`: the text is checked for
/// size, depth, items per list and string length before it is parsed
/// (`limit_exceeded` at `name` for the size, else at the path of the
/// offence under `name`); text that is not JSON is `invalid_input` at
/// `name` with line and column. The shape of the records is checked by
/// the import.
pub fn read_table_with_limits(name: &str, text: &str, limits: &Limits) -> Result<Value> {
    limits
        .check_text(text)
        .map_err(|e| limits::under(e, name))?;
    let mut de = serde_json::Deserializer::from_str(text);
    // `check_text` has bounded the depth, so serde_json's own recursion
    // limit (one level less) is not needed.
    de.disable_recursion_limit();
    let value = Value::deserialize(&mut de).map_err(|e| not_json(name, &e))?;
    de.end().map_err(|e| not_json(name, &e))?;
    Ok(value)
}

/// One table read from JSON text by [`read_table_rows`]: its records,
/// for [`import_servicenow_rows`], read without building a [`Value`] of
/// the table.
pub struct TableRows<'a> {
    table: &'static str,
    rows: rows::ReadRows<'a>,
}

impl TableRows<'_> {
    /// The table's name (from [`TABLES`]).
    pub fn table(&self) -> &'static str {
        self.table
    }
}

impl std::fmt::Debug for TableRows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableRows")
            .field("table", &self.table)
            .field("records", &self.rows.as_ref().map(Vec::len))
            .finish()
    }
}

/// Reads table `table` (a name in [`TABLES`]) from JSON text under
/// `limits`, straight into its records (the fast path of the import: no
/// [`Value`] of the table is built). Checked as
/// [`read_table_with_limits`] checks it, before it is parsed, with paths
/// under `tables.<table>`; an unknown table name is `invalid_input` at
/// `tables`. A table of the wrong shape (not `{"result": [...]}` or a
/// list, a record that is not an object or has no `sys_id`) is reported
/// by the import, with the same error as for the table as a value.
pub fn read_table_rows<'a>(table: &str, text: &'a str, limits: &Limits) -> Result<TableRows<'a>> {
    let Some(table) = TABLES.iter().copied().find(|t| *t == table) else {
        return Err(Error::invalid_input(
            "tables",
            format!(
                "`{table}` is not a table relman imports ({})",
                TABLES.join(", ")
            ),
        ));
    };
    let at = format!("tables.{table}");
    limits.check_text(text).map_err(|e| limits::under(e, &at))?;
    let mut de = serde_json::Deserializer::from_str(text);
    // `check_text` has bounded the depth (see `read_table_with_limits`).
    de.disable_recursion_limit();
    let rows = rows::read_rows(table, &mut de).map_err(|e| not_json(&at, &e))?;
    de.end().map_err(|e| not_json(&at, &e))?;
    Ok(TableRows { table, rows })
}

/// Reads the input of [`export_servicenow`] from JSON text under the
/// default read-time limits (see [`read_export_with_limits`]).
pub fn read_export(text: &str) -> Result<ServiceNowExport> {
    read_export_with_limits(text, &Limits::default())
}

/// Reads the input of [`export_servicenow`] from JSON text under `limits`:
/// size, depth, items per list and string length are checked before it is
/// parsed (`limit_exceeded` at the path of the offence:
/// `schedule.releases[0].title`); a wrong shape is `invalid_input` at its
/// path.
pub fn read_export_with_limits(text: &str, limits: &Limits) -> Result<ServiceNowExport> {
    limits.check_text(text)?;
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let export = serde_path_to_error::deserialize::<_, ServiceNowExport>(&mut de).map_err(|e| {
        let mut path = e.path().to_string();
        if path == "." {
            path.clear();
        }
        let message = e.inner().to_string();
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|s| s.split('`').next())
        {
            path = limits::path_under(&path, field);
        }
        not_json_at(path, e.inner(), "")
    })?;
    de.end().map_err(|e| not_json_at(String::new(), &e, ""))?;
    Ok(export)
}

/// `invalid_input` for text of table `name` that is not JSON.
fn not_json(name: &str, e: &serde_json::Error) -> Error {
    not_json_at(name.to_string(), e, "not JSON: ")
}

/// `invalid_input` at `path` for a serde_json error, its position in
/// `line` and `column` rather than in the message.
fn not_json_at(path: String, e: &serde_json::Error, lead: &str) -> Error {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    let (line, column) = match e.line() {
        0 => (None, None),
        l => (Some(l), Some(e.column().max(1))),
    };
    Error::InvalidInput {
        problems: vec![Problem {
            path,
            message: format!("{lead}{message}"),
            line,
            column,
        }],
    }
}

/// The value of a field as text: a string, or the `value` of an object
/// (`{value, link}`, `{value, display_value}`), or a number or boolean
/// spelled out; empty or blank strings and nulls are unset.
pub(crate) fn field_text(value: &Value) -> Option<String> {
    let v = match value {
        Value::String(s) => s.clone(),
        Value::Object(o) => match o.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => return None,
        },
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!v.trim().is_empty()).then_some(v)
}

/// The deepest nesting of one record (the record itself is level 1): a
/// record lands at most 6 levels down in the imported schedule (an
/// approval of a change of a release) and its fields named like members
/// one level further down in `extra.servicenow`, so that the schedule
/// stays within [`MAX_JSON_DEPTH`](crate::limits::MAX_JSON_DEPTH).
pub const MAX_RECORD_DEPTH: u64 = crate::limits::MAX_JSON_DEPTH - 7;

/// The member of a document's `extra` holding the record's fields named
/// like one of the document's own (see the module doc).
pub const SHADOWED: &str = "servicenow";
