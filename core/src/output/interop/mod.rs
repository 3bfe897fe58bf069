//! ServiceNow interop: Table API records in, field patches out.
//!
//! Decides: how ServiceNow records map onto relman documents and how relman
//! verdicts map back onto ServiceNow fields. Needs: Table API responses as
//! the REST API returns them (`{"result": [...]}`) for `change_request`
//! (required), `rm_release`, `cmdb_ci` (any subclass, by `sys_class_name`),
//! `cmdb_rel_ci` and `sysapproval_approver`.
//!
//! Values are strings; a field may also come as an object with `value` (and
//! `link` or `display_value`, as `sysparm_display_value=all` returns) — the
//! `value` is used. Empty or blank strings mean unset. Dates are
//! `YYYY-MM-DD HH:MM:SS` in UTC. Every field relman does not map (custom
//! `u_*` fields included) is kept verbatim in the document's `extra`,
//! together with `sys_id` and the mapped names of the numeric codes
//! (`state`, `risk`, `impact`, `priority`); a field named like one of the
//! document's own members (`id`, `kind`, `schema_version`, …) is kept in
//! the object `extra.servicenow` ([`SHADOWED`]) instead. The code tables
//! are in docs/integrations.md with their sources.
//!
//! The imported schedule is a valid relman document: ids (release and
//! change numbers, CI names) are unique, windows end after they start, and
//! relationships come with the CIs they relate; an input that cannot give
//! one is `invalid_input` naming the record and field.
//!
//! Export ([`export_servicenow`]) writes only the fields in
//! [`EXPORT_FIELDS`]: `risk`, `work_notes`, `conflict_status`,
//! `conflict_last_run` and `approval`.
//!
//! Both directions read under the read-time [`Limits`] of documents
//! (docs/limits.md): a table as JSON text ([`read_table`]) or the export
//! input as JSON text ([`read_export`]) is checked for size, depth, items
//! per list and string length before it is parsed, and the tables as
//! values ([`import_servicenow`], [`ServiceNowTables::check_limits`]) for
//! all but the size. One past a limit is `limit_exceeded` at the JSON path
//! of the offence under the table's name
//! (`change_requests.result[3].short_description`).

use crate::context::Schedule;
use crate::document::{
    Approval, Change, ChangeKind, Cmdb, ConfigurationItem, Criticality, Decision, Extra,
    Relationship, Release, ReleaseKind, RiskLevel, Role, State,
};
use crate::error::{Error, Problem, Result, Warning};
use crate::limits::{self, Limits};
use crate::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

/// The ServiceNow fields an export patch may write, and nothing else.
pub const EXPORT_FIELDS: [&str; 5] = [
    "risk",
    "work_notes",
    "conflict_status",
    "conflict_last_run",
    "approval",
];

/// The Table API responses to import; only `change_requests` is required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceNowTables {
    /// `change_request` records.
    pub change_requests: Value,
    /// `rm_release` records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub releases: Option<Value>,
    /// `cmdb_ci` records (any subclass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cis: Option<Value>,
    /// `cmdb_rel_ci` records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rels: Option<Value>,
    /// `sysapproval_approver` records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals: Option<Value>,
}

/// The names of the tables of [`ServiceNowTables`], in order: the
/// parameter names of the `import_servicenow` operation and the first
/// member of every path inside a table.
pub const TABLES: [&str; 5] = ["change_requests", "releases", "cis", "rels", "approvals"];

impl ServiceNowTables {
    /// Every table given, with its name (from [`TABLES`]).
    pub fn tables(&self) -> impl Iterator<Item = (&'static str, &Value)> + '_ {
        [
            ("change_requests", Some(&self.change_requests)),
            ("releases", self.releases.as_ref()),
            ("cis", self.cis.as_ref()),
            ("rels", self.rels.as_ref()),
            ("approvals", self.approvals.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, table)| table.map(|t| (name, t)))
    }

    /// Checks every table against the read-time `limits` (depth, items per
    /// list, string length; a value has no size in bytes): the first
    /// offence is `limit_exceeded` at its path under the table's name
    /// (`cis.result[7].name`, `change_requests.result` for too many
    /// records).
    pub fn check_limits(&self, limits: &Limits) -> Result<()> {
        for (name, table) in self.tables() {
            limits
                .check_value(table)
                .map_err(|e| limits::under(e, name))?;
        }
        Ok(())
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

/// The result of [`import_servicenow`]: a schedule holding the releases
/// (with their changes), the changes of no release, and the CMDB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceNowImport {
    /// The imported documents.
    pub schedule: Schedule,
    /// Odd but not fatal, e.g. a pending approval left out.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// Maps `change_request.state` (the "new change model" choices of the
/// `change_request` table since Istanbul) to a name.
pub fn change_state(code: &str) -> Option<&'static str> {
    Some(match code {
        "-5" => "new",
        "-4" => "assess",
        "-3" => "authorize",
        "-2" => "scheduled",
        "-1" => "implement",
        "0" => "review",
        "3" => "closed",
        "4" => "canceled",
        _ => return None,
    })
}

/// Maps `change_request.risk` (1 Very High, 2 High, 3 Moderate, 4 Low).
pub fn risk_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "very_high",
        "2" => "high",
        "3" => "moderate",
        "4" => "low",
        _ => return None,
    })
}

/// Maps `task.impact` (1 High, 2 Medium, 3 Low).
pub fn impact_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "high",
        "2" => "medium",
        "3" => "low",
        _ => return None,
    })
}

/// Maps `task.priority` (1 Critical, 2 High, 3 Moderate, 4 Low, 5 Planning).
pub fn priority_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "critical",
        "2" => "high",
        "3" => "moderate",
        "4" => "low",
        "5" => "planning",
        _ => return None,
    })
}

/// Maps `rm_release.state` (the `planned_task` / `task` state choices:
/// -5 Pending, 1 Open, 2 Work in Progress, 3 Closed Complete, 4 Closed
/// Incomplete, 7 Closed Skipped) to a relman lifecycle state.
pub fn release_state(code: &str) -> Option<State> {
    Some(match code {
        "-5" | "1" => State::Planning,
        "2" => State::Development,
        "3" | "4" => State::Closed,
        "7" => State::Cancelled,
        _ => return None,
    })
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

/// One record of a table, with what errors need to name it.
struct Record<'a> {
    fields: &'a Map<String, Value>,
    path: String,
    name: String,
}

impl Record<'_> {
    /// The value of a field: a string, or the `value` of an object; empty
    /// strings and nulls are unset.
    fn get(&self, field: &str) -> Option<String> {
        field_text(self.fields.get(field)?)
    }

    /// The display value of a reference, else its value.
    fn display(&self, field: &str) -> Option<String> {
        if let Some(Value::Object(o)) = self.fields.get(field) {
            if let Some(Value::String(s)) = o.get("display_value") {
                if !s.trim().is_empty() {
                    return Some(s.clone());
                }
            }
        }
        self.get(field)
    }

    fn error(&self, field: &str, message: impl std::fmt::Display) -> Error {
        Error::InvalidInput {
            problems: vec![Problem::new(
                format!("{}.{field}", self.path),
                format!("{} field `{field}`: {message}", self.name),
            )],
        }
    }

    fn date(&self, field: &str) -> Result<Option<Timestamp>> {
        let Some(s) = self.get(field) else {
            return Ok(None);
        };
        // Exactly the digits and separators of the format: chrono alone
        // would also take a signed or short year.
        let well_formed = s.len() == 19
            && s.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b' ',
                13 | 16 => b == b':',
                _ => b.is_ascii_digit(),
            });
        chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S")
            .ok()
            .filter(|_| well_formed)
            .map(|d| Some(Timestamp::from_utc(d.and_utc())))
            .ok_or_else(|| self.error(field, format!("`{s}` is not a date YYYY-MM-DD HH:MM:SS")))
    }

    /// Every field not in `mapped`, verbatim, plus `sys_id`. A field named
    /// like one of the document's own (`reserved`: `id`, `kind`,
    /// `schema_version`, …) or [`SHADOWED`] goes into the object
    /// [`SHADOWED`] instead, so that it can neither repeat a member nor be
    /// read back as the document's own field.
    fn extra(&self, mapped: &[&str], reserved: &BTreeSet<String>) -> Extra {
        let mut extra = Extra::new();
        let mut shadowed = Extra::new();
        for (k, v) in self.fields {
            if k != "sys_id" && mapped.contains(&k.as_str()) {
                continue;
            }
            if k == SHADOWED || reserved.contains(k) {
                shadowed.insert(k.clone(), v.clone());
            } else {
                extra.insert(k.clone(), v.clone());
            }
        }
        if !shadowed.is_empty() {
            extra.insert(SHADOWED.into(), Value::Object(shadowed));
        }
        extra
    }
}

/// The value of a field as text: a string, or the `value` of an object
/// (`{value, link}`, `{value, display_value}`), or a number or boolean
/// spelled out; empty or blank strings and nulls are unset.
fn field_text(value: &Value) -> Option<String> {
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

/// The names of the members of each imported document, which a record's
/// unmapped field may not take (it goes into [`SHADOWED`]).
struct Reserved {
    release: BTreeSet<String>,
    change: BTreeSet<String>,
    ci: BTreeSet<String>,
    relationship: BTreeSet<String>,
    approval: BTreeSet<String>,
}

/// The member names of `T` as its schema lists them, and `more`.
fn members<T: JsonSchema>(more: &[&str]) -> BTreeSet<String> {
    let schema = schemars::SchemaGenerator::default()
        .into_root_schema_for::<T>()
        .to_value();
    let mut names: BTreeSet<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    names.extend(more.iter().map(|m| (*m).to_string()));
    names
}

fn reserved() -> &'static Reserved {
    static RESERVED: std::sync::OnceLock<Reserved> = std::sync::OnceLock::new();
    RESERVED.get_or_init(|| Reserved {
        release: members::<Release>(&[]),
        // The import adds a change's approvals to its extra.
        change: members::<Change>(&["approvals"]),
        ci: members::<ConfigurationItem>(&[]),
        relationship: members::<Relationship>(&[]),
        approval: members::<Approval>(&[]),
    })
}

/// Ids already taken, with the record that took each (for the error).
#[derive(Default)]
struct Taken(HashMap<String, String>);

impl Taken {
    /// Takes `id` for `rec`, or names the record that has it already
    /// (`invalid_input` at `rec`'s `field`).
    fn take(&mut self, id: &str, rec: &Record<'_>, field: &str, what: &str) -> Result<()> {
        if let Some(earlier) = self.0.get(id) {
            return Err(rec.error(
                field,
                format!("{what} `{id}` is also the {what} of {earlier}; they must be unique"),
            ));
        }
        self.0.insert(id.to_string(), rec.name.clone());
        Ok(())
    }
}

/// `invalid_input` when an end is not after its start (relman documents
/// need windows in order).
fn in_order(
    rec: &Record<'_>,
    (start_field, start): (&str, Option<&Timestamp>),
    (end_field, end): (&str, Option<&Timestamp>),
) -> Result<()> {
    match (start, end) {
        (Some(s), Some(e)) if e <= s => Err(rec.error(
            end_field,
            format!("must be after {start_field} ({e} is not after {s})"),
        )),
        _ => Ok(()),
    }
}

fn records<'a>(table: &'a Value, param: &str) -> Result<Vec<Record<'a>>> {
    let list = table
        .get("result")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::invalid_input(param, "expected a Table API response {\"result\": [...]}")
        })?;
    let mut out = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        let path = format!("{param}.result[{i}]");
        let fields = r
            .as_object()
            .ok_or_else(|| Error::invalid_input(&path, "a record must be an object"))?;
        // A record lands deeper in the schedule than in its table; it must
        // still be readable there.
        let depth = limits::depth(r, MAX_RECORD_DEPTH);
        if depth > MAX_RECORD_DEPTH {
            return Err(limits::exceeded(
                path,
                "JSON nesting depth of a record (it is nested deeper in the schedule)",
                MAX_RECORD_DEPTH,
                depth,
            ));
        }
        let mut rec = Record {
            fields,
            path,
            name: String::new(),
        };
        let number = rec.get("number");
        let sys_id = rec.get("sys_id");
        rec.name = match (number, sys_id) {
            (Some(n), Some(s)) => format!("{n} (sys_id {s})"),
            (Some(n), None) => n,
            (None, Some(s)) => format!("sys_id {s}"),
            (None, None) => format!("record {i}"),
        };
        out.push(rec);
    }
    Ok(out)
}

fn code<T>(rec: &Record<'_>, field: &str, map: fn(&str) -> Option<T>) -> Result<Option<T>> {
    match rec.get(field) {
        None => Ok(None),
        Some(c) => map(&c)
            .map(Some)
            .ok_or_else(|| rec.error(field, format!("unknown {field} code `{c}`"))),
    }
}

const CI_MAPPED: [&str; 6] = [
    "name",
    "sys_class_name",
    "business_criticality",
    "support_group",
    "environment",
    "sys_id",
];

fn criticality(s: &str) -> Option<Criticality> {
    Some(match s.split(' ').next().unwrap_or("") {
        "1" => Criticality::Critical,
        "2" => Criticality::High,
        "3" => Criticality::Medium,
        "4" => Criticality::Low,
        _ => return None,
    })
}

fn rel_kind(descriptor: &str) -> String {
    let parent = descriptor.split("::").next().unwrap_or(descriptor).trim();
    let mut out = String::new();
    for c in parent.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

const CHANGE_MAPPED: [&str; 14] = [
    "number",
    "type",
    "short_description",
    "category",
    "cmdb_ci",
    "assigned_to",
    "approval",
    "start_date",
    "end_date",
    "state",
    "risk",
    "impact",
    "priority",
    "parent",
];

const RELEASE_MAPPED: [&str; 8] = [
    "number",
    "short_description",
    "description",
    "state",
    "planned_start_date",
    "planned_end_date",
    "assigned_to",
    "priority",
];

/// Imports Table API records into relman documents (see the module doc).
///
/// Errors: `invalid_input` naming the record's `number`/`sys_id` and field,
/// with the JSON path (`change_requests.result[2].state`): an unknown
/// state/risk/impact/priority/type code, a malformed date, a window ending
/// before it starts, an id (number, or sys_id without one) or CI name
/// taken by an earlier record, a reference to a CI missing from `cis`
/// (when `cis` is given), to a missing parent or approval task, a record
/// without `sys_id`; relationships without `cis` (at `rels`).
///
/// The tables are first checked against the default read-time limits
/// ([`ServiceNowTables::check_limits`]): `limit_exceeded` at the path of
/// the offence (`change_requests.result[3].short_description`).
pub fn import_servicenow(tables: &ServiceNowTables) -> Result<ServiceNowImport> {
    import_servicenow_with_limits(tables, &Limits::default())
}

/// [`import_servicenow`] under custom read-time limits.
pub fn import_servicenow_with_limits(
    tables: &ServiceNowTables,
    limits: &Limits,
) -> Result<ServiceNowImport> {
    tables.check_limits(limits)?;
    import_checked(tables)
}

/// The import of tables already checked against the read-time limits.
pub(crate) fn import_checked(tables: &ServiceNowTables) -> Result<ServiceNowImport> {
    let mut warnings = Vec::new();
    let reserved = reserved();
    // CMDB.
    let mut cmdb = Cmdb::default();
    let mut ci_taken = Taken::default();
    let mut ci_ids: HashMap<String, String> = HashMap::new();
    if let Some(t) = &tables.cis {
        for rec in records(t, "cis")? {
            let sys_id = rec
                .get("sys_id")
                .ok_or_else(|| rec.error("sys_id", "missing"))?;
            let name = rec.get("name").unwrap_or_else(|| sys_id.clone());
            let name_field = if rec.get("name").is_some() {
                "name"
            } else {
                "sys_id"
            };
            ci_taken.take(&name, &rec, name_field, "CI name")?;
            let criticality = match rec.get("business_criticality") {
                None => None,
                Some(c) => Some(criticality(&c).ok_or_else(|| {
                    rec.error("business_criticality", format!("unknown criticality `{c}`"))
                })?),
            };
            ci_ids.insert(sys_id, name.clone());
            cmdb.cis.push(ConfigurationItem {
                schema_version: None,
                id: name.clone(),
                name,
                class: rec
                    .get("sys_class_name")
                    .unwrap_or_else(|| "cmdb_ci".into()),
                criticality,
                service: None,
                owner_group: rec.display("support_group"),
                environment: rec.get("environment"),
                maintenance_windows: Vec::new(),
                extra: rec.extra(&CI_MAPPED, &reserved.ci),
            });
        }
    }
    let have_cis = tables.cis.is_some();
    let ci_ref = |rec: &Record<'_>, field: &str| -> Result<Option<String>> {
        let Some(v) = rec.get(field) else {
            return Ok(None);
        };
        match ci_ids.get(&v) {
            Some(id) => Ok(Some(id.clone())),
            None if have_cis => Err(rec.error(
                field,
                format!("references CI `{v}`, which is not in the cmdb_ci records"),
            )),
            None => Ok(Some(rec.display(field).unwrap_or(v))),
        }
    };
    if let Some(t) = &tables.rels {
        let rels = records(t, "rels")?;
        if !have_cis && !rels.is_empty() {
            // Relationships between CIs the CMDB does not hold would make
            // it invalid.
            return Err(Error::invalid_input(
                "rels",
                "cmdb_rel_ci records need the cmdb_ci records they relate (`cis`)",
            ));
        }
        for rec in rels {
            let from = ci_ref(&rec, "parent")?.ok_or_else(|| rec.error("parent", "missing"))?;
            let to = ci_ref(&rec, "child")?.ok_or_else(|| rec.error("child", "missing"))?;
            let kind = match rec.display("type") {
                Some(d) if d.contains("::") => rel_kind(&d),
                Some(d) => {
                    warnings.push(Warning::new(
                        "relationship_type_unresolved",
                        format!("{}.type", rec.path),
                        format!("{}: type `{d}` has no display value; kept as is", rec.name),
                    ));
                    d
                }
                None => return Err(rec.error("type", "missing")),
            };
            cmdb.relationships.push(Relationship {
                from,
                to,
                kind,
                extra: rec.extra(&["parent", "child", "type"], &reserved.relationship),
            });
        }
    }
    // Releases and changes: one id each, among both.
    let mut item_taken = Taken::default();
    let id_field = |rec: &Record<'_>| {
        if rec.get("number").is_some() {
            "number"
        } else {
            "sys_id"
        }
    };
    // Releases.
    let mut releases: Vec<Release> = Vec::new();
    let mut release_by_sys: HashMap<String, usize> = HashMap::new();
    if let Some(t) = &tables.releases {
        for rec in records(t, "releases")? {
            let sys_id = rec
                .get("sys_id")
                .ok_or_else(|| rec.error("sys_id", "missing"))?;
            let state = code(&rec, "state", release_state)?.unwrap_or(State::Planning);
            let mut extra = rec.extra(&RELEASE_MAPPED, &reserved.release);
            if let Some(p) = code(&rec, "priority", priority_name)? {
                extra.insert("priority".into(), Value::String(p.into()));
            }
            let id = rec.get("number").unwrap_or_else(|| sys_id.clone());
            item_taken.take(&id, &rec, id_field(&rec), "id")?;
            let planned_start = rec.date("planned_start_date")?;
            let planned_end = rec.date("planned_end_date")?;
            in_order(
                &rec,
                ("planned_start_date", planned_start.as_ref()),
                ("planned_end_date", planned_end.as_ref()),
            )?;
            release_by_sys.insert(sys_id, releases.len());
            releases.push(Release {
                schema_version: None,
                id: id.clone(),
                title: rec.get("short_description").unwrap_or(id),
                version: None,
                kind: ReleaseKind::Minor,
                state,
                owner: rec.display("assigned_to"),
                team: Vec::new(),
                created_at: rec.date("sys_created_on")?,
                planned_start,
                planned_end,
                scope: rec.get("description"),
                objectives: Vec::new(),
                changes: Vec::new(),
                affected_cis: Vec::new(),
                services: Vec::new(),
                environments: Vec::new(),
                depends_on: Vec::new(),
                deployment: None,
                rollback_plan: None,
                tests: Vec::new(),
                approvals: Vec::new(),
                communication: None,
                outcome: None,
                deployed_at: None,
                rolled_back_at: None,
                approval_round: None,
                risk: None,
                review: None,
                knowledge_articles: Vec::new(),
                links: Default::default(),
                log: Vec::new(),
                extra,
            });
        }
    }
    // Changes.
    let mut loose: Vec<Change> = Vec::new();
    // sys_id → (Some(release index) | None, index in that list)
    let mut change_by_sys: HashMap<String, (Option<usize>, usize)> = HashMap::new();
    for rec in records(&tables.change_requests, "change_requests")? {
        let sys_id = rec
            .get("sys_id")
            .ok_or_else(|| rec.error("sys_id", "missing"))?;
        let kind = match rec.get("type").as_deref() {
            Some("standard") => ChangeKind::Standard,
            Some("normal") | None => ChangeKind::Normal,
            Some("emergency") => ChangeKind::Emergency,
            Some(other) => {
                return Err(rec.error(
                    "type",
                    format!("unknown type `{other}` (standard, normal or emergency)"),
                ))
            }
        };
        let mut extra = rec.extra(&CHANGE_MAPPED, &reserved.change);
        for (field, name) in [
            ("state", code(&rec, "state", change_state)?),
            ("risk", code(&rec, "risk", risk_name)?),
            ("impact", code(&rec, "impact", impact_name)?),
            ("priority", code(&rec, "priority", priority_name)?),
        ] {
            if let Some(n) = name {
                extra.insert(field.into(), Value::String(n.into()));
            }
        }
        let planned_start = rec.date("start_date")?;
        let planned_end = rec.date("end_date")?;
        in_order(
            &rec,
            ("start_date", planned_start.as_ref()),
            ("end_date", planned_end.as_ref()),
        )?;
        let id = rec.get("number").unwrap_or_else(|| sys_id.clone());
        item_taken.take(&id, &rec, id_field(&rec), "id")?;
        let change = Change {
            id,
            kind,
            summary: rec.get("short_description").unwrap_or_default(),
            category: rec.get("category"),
            affected_cis: ci_ref(&rec, "cmdb_ci")?.into_iter().collect(),
            implementer: rec.display("assigned_to"),
            approved: rec.get("approval").as_deref() == Some("approved"),
            links: Default::default(),
            committed_at: None,
            planned_start,
            planned_end,
            extra,
        };
        let parent = rec.get("parent");
        match parent.as_ref().and_then(|p| release_by_sys.get(p)) {
            Some(&ri) => {
                if let Some(r) = releases.get_mut(ri) {
                    change_by_sys.insert(sys_id, (Some(ri), r.changes.len()));
                    r.changes.push(change);
                }
            }
            None => {
                let mut change = change;
                if let Some(p) = parent {
                    change.extra.insert(
                        "parent".into(),
                        rec.fields
                            .get("parent")
                            .cloned()
                            .unwrap_or(Value::String(p)),
                    );
                }
                change_by_sys.insert(sys_id, (None, loose.len()));
                loose.push(change);
            }
        }
    }
    // Approvals.
    if let Some(t) = &tables.approvals {
        for rec in records(t, "approvals")? {
            let task = rec
                .get("sysapproval")
                .or_else(|| rec.get("document_id"))
                .ok_or_else(|| rec.error("sysapproval", "missing"))?;
            let decision = match rec.get("state").as_deref() {
                Some("approved") => Decision::Approved,
                Some("rejected") => Decision::Rejected,
                Some(
                    "requested" | "not requested" | "not_required" | "cancelled" | "duplicate",
                )
                | None => {
                    warnings.push(Warning::new(
                        "approval_pending",
                        format!("{}.state", rec.path),
                        format!("{}: no decision yet; left out", rec.name),
                    ));
                    continue;
                }
                Some(other) => {
                    return Err(rec.error("state", format!("unknown approval state `{other}`")))
                }
            };
            let at = rec
                .date("sys_updated_on")?
                .ok_or_else(|| rec.error("sys_updated_on", "missing"))?;
            let approval = Approval {
                approver: rec
                    .display("approver")
                    .ok_or_else(|| rec.error("approver", "missing"))?,
                role: Role::Cab,
                decision,
                at,
                comment: rec.get("comments"),
                round: None,
                fingerprint: None,
                override_blackout: false,
                group: None,
                retrospective: false,
                source: None,
                on_behalf_of: None,
                extra: rec.extra(&["approver", "state", "comments"], &reserved.approval),
            };
            if let Some(&ri) = release_by_sys.get(&task) {
                if let Some(r) = releases.get_mut(ri) {
                    r.approvals.push(approval);
                }
            } else if let Some(&(ri, ci)) = change_by_sys.get(&task) {
                let change = match ri {
                    Some(ri) => releases.get_mut(ri).and_then(|r| r.changes.get_mut(ci)),
                    None => loose.get_mut(ci),
                };
                if let Some(c) = change {
                    let list = c
                        .extra
                        .entry("approvals")
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(a) = list {
                        a.push(serde_json::to_value(&approval).unwrap_or(Value::Null));
                    }
                }
            } else {
                return Err(rec.error(
                    "sysapproval",
                    format!("references task `{task}`, which is not among the imported change requests or releases"),
                ));
            }
        }
    }
    // A schedule's bare changes need a window: keep the others beside it.
    let (changes, unscheduled): (Vec<Change>, Vec<Change>) = loose
        .into_iter()
        .partition(|c| c.planned_start.is_some() && c.planned_end.is_some());
    let mut extra = Extra::new();
    if !unscheduled.is_empty() {
        for c in &unscheduled {
            warnings.push(Warning::new(
                "change_not_scheduled",
                "schedule.unscheduled_changes",
                format!(
                    "{} belongs to no release and has no start_date/end_date; kept in unscheduled_changes",
                    c.id
                ),
            ));
        }
        extra.insert(
            "unscheduled_changes".into(),
            serde_json::to_value(&unscheduled).unwrap_or(Value::Null),
        );
    }
    Ok(ServiceNowImport {
        schedule: Schedule {
            schema_version: None,
            releases,
            changes,
            cmdb: (tables.cis.is_some() || tables.rels.is_some()).then_some(cmdb),
            calendar: None,
            policy: None,
            extra,
        },
        warnings,
    })
}

mod export;
pub use export::{
    change_as_release, export_fields, export_servicenow, FieldDiff, PatchAction, RecordPatch,
    ServiceNowExport, ServiceNowPatches, EXPORT_TABLE_FIELDS, JOURNAL_FIELDS,
};
