//! Import: Table API records as relman documents (see the module doc of
//! [`crate::interop`] and docs/integrations.md, "Mapping").

use super::rows::{
    chrono_format, rows, ExtraPlan, FastMap, FieldRef, Index, Name, Reading, Row, Source,
};
use super::{
    read_table_rows, DisplayValue, ImportedApproval, ServiceNowImport, ServiceNowImportOptions,
    ServiceNowTables, TableRows,
};
use crate::context::Schedule;
use crate::document::{
    Actor, Approval, Blackout, BlackoutSeverity, Calendar, Change, ChangeKind, Cmdb,
    ConfigurationItem, Criticality, Decision, Extra, Frequency, MaintenanceWindow, Recurrence,
    Relationship, Release, ReleaseKind, Role, State, Weekday,
};
use crate::error::{Error, Result, Warning};
use crate::lifecycle::{Action, Command};
use crate::limits::Limits;
use crate::policy::ServiceNowPolicy;
use crate::Timestamp;
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use schemars::JsonSchema;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

/// Imports Table API records into relman documents (see the module doc of
/// [`crate::interop`]).
///
/// Errors: `invalid_input` naming the table, the record's `number`/`sys_id`
/// and the field, at the JSON path (`tables.change_request.result[2].state`):
/// an unknown code or label, a malformed date, a display-only date without
/// the user's zone and format, a window ending before it starts, a
/// duplicate (change or release number, sys_id, CI name, user name, group
/// name), a field given as a list or an object without `value`, a
/// reference to a record missing from a table given, a display name that
/// names two records, a record without `sys_id`. References to tasks not
/// imported (a `task_ci`, approval, change task, incident or problem of
/// another task) are warnings (`reference_unresolved`).
///
/// The tables are first checked against the default read-time limits
/// ([`ServiceNowTables::check_limits`]).
pub fn import_servicenow(
    tables: ServiceNowTables,
    options: &ServiceNowImportOptions,
) -> Result<ServiceNowImport> {
    import_servicenow_with_limits(tables, options, &Limits::default())
}

/// [`import_servicenow`] under custom read-time limits.
pub fn import_servicenow_with_limits(
    tables: ServiceNowTables,
    options: &ServiceNowImportOptions,
    limits: &Limits,
) -> Result<ServiceNowImport> {
    tables.check_limits(limits)?;
    import_checked(tables, options)
}

/// Imports Table API responses given as JSON text, `(table, text)` with
/// `table` a name in [`super::TABLES`]: [`import_servicenow`]'s result
/// and errors, each text read under `limits` by [`read_table_rows`]
/// (the fast path: no `Value` of a table is built). A table given twice
/// is `invalid_input` at `tables.<table>`.
pub fn import_servicenow_text(
    tables: &[(&str, &str)],
    options: &ServiceNowImportOptions,
    limits: &Limits,
) -> Result<ServiceNowImport> {
    let mut read = Vec::with_capacity(tables.len());
    for (table, text) in tables {
        read.push(read_table_rows(table, text, limits)?);
    }
    import_servicenow_rows(read, options)
}

/// Imports tables read by [`read_table_rows`] (already checked against
/// the read-time limits there): [`import_servicenow`]'s result and
/// errors. A table given twice is `invalid_input` at `tables.<table>`.
pub fn import_servicenow_rows(
    tables: Vec<TableRows<'_>>,
    options: &ServiceNowImportOptions,
) -> Result<ServiceNowImport> {
    let mut sources = Sources(Vec::with_capacity(tables.len()));
    for t in tables {
        if sources.0.iter().any(|(name, _)| *name == t.table) {
            return Err(Error::invalid_input(
                format!("tables.{}", t.table),
                "given twice",
            ));
        }
        sources.0.push((t.table, Source::Rows(t.rows)));
    }
    import_sources(sources, options)
}

/// The tables given, by name.
struct Sources<'a>(Vec<(&'static str, Source<'a>)>);

impl<'a> Sources<'a> {
    /// Takes table `name` out, if given.
    fn take(&mut self, name: &str) -> Option<Source<'a>> {
        let i = self.0.iter().position(|(n, _)| *n == name)?;
        Some(self.0.swap_remove(i).1)
    }
}

/// The names of the members of each imported document, which a record's
/// unmapped field may not take (it goes into [`super::SHADOWED`]).
struct Reserved {
    release: BTreeSet<String>,
    change: BTreeSet<String>,
    ci: BTreeSet<String>,
    relationship: BTreeSet<String>,
    actor: BTreeSet<String>,
    window: BTreeSet<String>,
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
        // The import adds these to a release's and a change's extra.
        release: members::<Release>(&["sn_state", "priority", "assignment_group"]),
        change: members::<Change>(&[
            "state",
            "risk",
            "impact",
            "priority",
            "backout_plan",
            "test_plan",
            "implementation_plan",
            "justification",
            "assignment_group",
            "tasks",
            "parent",
        ]),
        ci: members::<ConfigurationItem>(&[]),
        relationship: members::<Relationship>(&[]),
        actor: members::<Actor>(&[]),
        window: members::<Blackout>(&["schedule_name"]),
    })
}

/// Ids already taken, with the record that took each (for the error);
/// the ids borrowed from the tables' text where they can be.
#[derive(Default)]
struct Taken<'a>(FastMap<Cow<'a, str>, Name<'a>>);

impl<'a> Taken<'a> {
    /// Takes `id` for `row`, or names the record that has it already
    /// (`invalid_input` at `row`'s `field`).
    fn take(&mut self, id: Cow<'a, str>, row: &Row<'a>, field: &str, what: &str) -> Result<()> {
        if let Some(earlier) = self.0.get(id.as_ref()) {
            return Err(row.error(
                field,
                format!("{what} `{id}` is also the {what} of {earlier}; they must be unique"),
            ));
        }
        self.0.insert(id, row.name.clone());
        Ok(())
    }
}

/// Adds `row` to `index` under `name`, refusing a sys_id seen before.
fn index<'a, N: std::fmt::Display>(
    index: &mut Index<'a>,
    row: &Row<'a>,
    name: Option<&str>,
    names: &[N],
) -> Result<usize> {
    index.add(row.sys_id.clone(), name).map_err(|earlier| {
        let other = names
            .get(earlier)
            .map_or_else(|| "another".to_string(), ToString::to_string);
        row.error(
            "sys_id",
            format!("sys_id `{}` is also the sys_id of {other}", row.sys_id),
        )
    })
}

/// `invalid_input` when an end is not after its start (relman documents
/// need windows in order).
fn in_order(
    row: &Row<'_>,
    (start_field, start): (&str, Option<&Timestamp>),
    (end_field, end): (&str, Option<&Timestamp>),
) -> Result<()> {
    match (start, end) {
        (Some(s), Some(e)) if e <= s => Err(row.error(
            end_field,
            format!("must be after {start_field} ({e} is not after {s})"),
        )),
        _ => Ok(()),
    }
}

fn criticality(s: &str) -> Option<Criticality> {
    Some(match s.split(' ').next().unwrap_or("") {
        "1" => Criticality::Critical,
        "2" => Criticality::High,
        "3" => Criticality::Medium,
        "4" => Criticality::Low,
        _ => return None,
    })
}

/// The relationship kind of a `cmdb_rel_type` name: snake_case of its
/// parent descriptor (`Depends on::Used by` → `depends_on`).
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

/// A warning about a reference to a task that was not imported.
fn unresolved(row: &Row<'_>, field: &str, value: &str, what: &str) -> Warning {
    Warning::new(
        "reference_unresolved",
        row.at(field),
        format!(
            "{}: {field} `{value}` is not among the imported {what}; left out",
            row.name
        ),
    )
}

/// What the import has read so far: the people, groups and CIs that later
/// tables refer to.
struct Directory<'a> {
    users: Index<'a>,
    actors: Vec<Actor>,
    user_names: Vec<Name<'a>>,
    groups: Index<'a>,
    group_names: Vec<String>,
    cis: Index<'a>,
    ci_ids: Vec<String>,
}

impl Directory<'_> {
    /// The actor id of the user in reference `field` (a `sys_user`
    /// sys_id, or the sys_id itself when `sys_user` was not given).
    fn user(&self, r: &Reading<'_>, row: &Row<'_>, field: &str) -> Result<Option<String>> {
        if let Some(i) = self.users.resolve(r, row, field, "sys_user")? {
            return Ok(self.actors.get(i).map(|a| a.id.clone()));
        }
        self.users.unresolved(r, row, field)
    }

    /// The name of the group in reference `field`; without
    /// `sys_user_group`, its display value (`all`) or sys_id.
    fn group(&self, r: &Reading<'_>, row: &Row<'_>, field: &str) -> Result<Option<String>> {
        if let Some(i) = self.groups.resolve(r, row, field, "sys_user_group")? {
            return Ok(self.group_names.get(i).cloned());
        }
        if self.groups.given {
            return Ok(None);
        }
        row.display_of(field)
    }

    /// The CI id in reference `field`; without `cmdb_ci`, the reference's
    /// display value (the CI's name) or sys_id.
    fn ci(&self, r: &Reading<'_>, row: &Row<'_>, field: &str) -> Result<Option<String>> {
        if self.cis.given {
            return Ok(self
                .cis
                .resolve(r, row, field, "cmdb_ci")?
                .and_then(|i| self.ci_ids.get(i).cloned()));
        }
        row.display_of(field)
    }
}

/// The reading of the options: mode, zone and formats, mapping.
fn reading(options: &ServiceNowImportOptions) -> Result<(DisplayValue, Option<(Tz, String)>)> {
    let zone = match &options.time_zone {
        None => None,
        Some(z) => Some(z.parse::<Tz>().map_err(|_| {
            Error::invalid_input(
                "options.time_zone",
                format!("`{z}` is not an IANA time zone"),
            )
        })?),
    };
    let date = match &options.date_format {
        None => None,
        Some(f) => Some(chrono_format(f).ok_or_else(|| {
            Error::invalid_input(
                "options.date_format",
                format!("`{f}` is not a date format relman reads (yyyy, yy, MM, MMM, dd and separators)"),
            )
        })?),
    };
    let time =
        chrono_format(options.time_format.as_deref().unwrap_or("HH:mm:ss")).ok_or_else(|| {
            Error::invalid_input(
                "options.time_format",
                "not a time format relman reads (HH, hh, mm, ss, a and separators)",
            )
        })?;
    let local = match (zone, date) {
        (Some(z), Some(d)) => Some((z, format!("{d} {time}"))),
        _ => None,
    };
    Ok((options.display_value, local))
}

const USER_MAPPED: [&str; 3] = ["user_name", "name", "email"];

const CI_MAPPED: [&str; 6] = [
    "name",
    "sys_class_name",
    "business_criticality",
    "support_group",
    "environment",
    "maintenance_schedule",
];

/// The release fields mapped besides its window (`planned_start_date` /
/// `planned_end_date`, or `start_date` / `end_date` of an agile release).
const RELEASE_MAPPED: [&str; 8] = [
    "number",
    "short_description",
    "description",
    "state",
    "assigned_to",
    "priority",
    "assignment_group",
    "sys_created_on",
];

const CHANGE_MAPPED: [&str; 19] = [
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
    "backout_plan",
    "test_plan",
    "implementation_plan",
    "justification",
    "assignment_group",
];

/// Plain-text fields of a change request kept under their own names.
const CHANGE_TEXT: [&str; 4] = [
    "backout_plan",
    "test_plan",
    "implementation_plan",
    "justification",
];

/// The import of tables already checked against the read-time limits.
pub(crate) fn import_checked(
    tables: ServiceNowTables,
    options: &ServiceNowImportOptions,
) -> Result<ServiceNowImport> {
    let named = tables.into_named();
    let sources = Sources(
        named
            .into_iter()
            .map(|(name, v)| (name, Source::Value(v)))
            .collect(),
    );
    import_sources(sources, options)
}

/// The import of tables given as values or read from text.
fn import_sources<'a>(
    mut tables: Sources<'a>,
    options: &ServiceNowImportOptions,
) -> Result<ServiceNowImport> {
    let default_mapping = ServiceNowPolicy::default();
    let mapping = options.mapping.as_ref().unwrap_or(&default_mapping);
    let (mode, local) = reading(options)?;
    let r = Reading {
        mode,
        local,
        mapping,
    };
    let reserved = reserved();
    let mut warnings = Vec::new();
    let change_request = tables.take("change_request");
    let rm_release = tables.take("rm_release");
    let rm_release_scrum = tables.take("rm_release_scrum");
    let task_ci = tables.take("task_ci");
    let cmdb_ci = tables.take("cmdb_ci");
    let cmdb_rel_ci = tables.take("cmdb_rel_ci");
    let cmdb_rel_type = tables.take("cmdb_rel_type");
    let sys_user = tables.take("sys_user");
    let sys_user_group = tables.take("sys_user_group");
    let sys_user_grmember = tables.take("sys_user_grmember");
    let sysapproval_approver = tables.take("sysapproval_approver");
    let sysapproval_group = tables.take("sysapproval_group");
    let change_task = tables.take("change_task");
    let cmn_schedule = tables.take("cmn_schedule");
    let cmn_schedule_span = tables.take("cmn_schedule_span");
    let incident = tables.take("incident");
    let problem = tables.take("problem");

    let mut dir = Directory {
        users: Index::new(sys_user.is_some(), mode),
        actors: Vec::new(),
        user_names: Vec::new(),
        groups: Index::new(sys_user_group.is_some(), mode),
        group_names: Vec::new(),
        cis: Index::new(cmdb_ci.is_some(), mode),
        ci_ids: Vec::new(),
    };

    // People.
    let mut user_taken = Taken::default();
    let user_plan = ExtraPlan::new("sys_user", &USER_MAPPED, &reserved.actor);
    for row in rows("sys_user", sys_user)? {
        let name = row.value_of("name")?;
        index(&mut dir.users, &row, name.as_deref(), &dir.user_names)?;
        let (key, field) = match row.text_of("user_name")? {
            Some(u) => (u, "user_name"),
            None => (row.sys_id.clone(), "sys_id"),
        };
        let id = key.to_string();
        user_taken.take(key, &row, field, "user name")?;
        dir.user_names.push(row.name.clone());
        let email = row.value_of("email")?;
        dir.actors.push(Actor {
            schema_version: None,
            id,
            name,
            roles: Vec::new(),
            groups: Vec::new(),
            email,
            extra: row.into_extra(&user_plan),
        });
    }
    let mut group_taken = Taken::default();
    let mut group_rows = Vec::new();
    for row in rows("sys_user_group", sys_user_group)? {
        let name = row
            .value_of("name")?
            .ok_or_else(|| row.error("name", "missing (groups are known by name)"))?;
        group_taken.take(Cow::Owned(name.clone()), &row, "name", "group name")?;
        index(&mut dir.groups, &row, Some(&name), &group_rows)?;
        group_rows.push(row.name.clone());
        dir.group_names.push(name);
    }
    let members = rows("sys_user_grmember", sys_user_grmember)?;
    if !(members.is_empty() || dir.users.given && dir.groups.given) {
        return Err(Error::invalid_input(
            "tables.sys_user_grmember",
            "group memberships need the sys_user and sys_user_group records they join",
        ));
    }
    for row in &members {
        let user = dir
            .users
            .resolve(&r, row, "user", "sys_user")?
            .ok_or_else(|| row.error("user", "missing"))?;
        let group = dir
            .groups
            .resolve(&r, row, "group", "sys_user_group")?
            .and_then(|g| dir.group_names.get(g).cloned())
            .ok_or_else(|| row.error("group", "missing"))?;
        let role = mapping.group_role(&group);
        if let Some(actor) = dir.actors.get_mut(user) {
            if !actor.groups.contains(&group) {
                actor.groups.push(group);
            }
            if let Some(role) = role {
                if !actor.roles.contains(&role) {
                    actor.roles.push(role);
                }
            }
        }
    }

    // Schedules, before the CIs that name their maintenance schedule.
    let (calendar, windows_of) = schedules(&r, cmn_schedule, cmn_schedule_span, &mut warnings)?;

    // CMDB.
    let mut cmdb = Cmdb::default();
    let mut ci_taken = Taken::default();
    let ci_rows = rows("cmdb_ci", cmdb_ci)?;
    let ci_plan = ExtraPlan::new("cmdb_ci", &CI_MAPPED, &reserved.ci);
    for row in ci_rows {
        let (key, name_field) = match row.text_of("name")? {
            Some(n) => (n, "name"),
            None => (row.sys_id.clone(), "sys_id"),
        };
        let name = key.to_string();
        ci_taken.take(key, &row, name_field, "CI name")?;
        index(&mut dir.cis, &row, Some(&name), &dir.ci_ids)?;
        dir.ci_ids.push(name.clone());
        let criticality = match row.choice_str(&r, "business_criticality")? {
            None => None,
            Some(c) => Some(criticality(&c).ok_or_else(|| {
                row.error("business_criticality", format!("unknown criticality `{c}`"))
            })?),
        };
        let maintenance_windows = match row.value_of("maintenance_schedule")? {
            None => Vec::new(),
            Some(s) => windows_of
                .get(&s)
                .cloned()
                .ok_or_else(|| {
                    row.error(
                        "maintenance_schedule",
                        format!("references schedule `{s}`, which is not among the cmn_schedule maintenance schedules"),
                    )
                })?,
        };
        cmdb.cis.push(ConfigurationItem {
            schema_version: None,
            id: name.clone(),
            name,
            class: row
                .value_of("sys_class_name")?
                .unwrap_or_else(|| "cmdb_ci".into()),
            criticality,
            service: None,
            owner_group: dir.group(&r, &row, "support_group")?,
            environment: row.value_of("environment")?,
            maintenance_windows,
            extra: row.into_extra(&ci_plan),
        });
    }
    let mut rel_types = Index::new(cmdb_rel_type.is_some(), mode);
    let mut rel_type_names = Vec::new();
    for row in rows("cmdb_rel_type", cmdb_rel_type)? {
        let name = row
            .value_of("name")?
            .ok_or_else(|| row.error("name", "missing"))?;
        index(&mut rel_types, &row, Some(&name), &rel_type_names)?;
        rel_type_names.push(name);
    }
    let rels = rows("cmdb_rel_ci", cmdb_rel_ci)?;
    if !dir.cis.given && !rels.is_empty() {
        // Relationships between CIs the CMDB does not hold would make it
        // invalid.
        return Err(Error::invalid_input(
            "tables.cmdb_rel_ci",
            "cmdb_rel_ci records need the cmdb_ci records they relate",
        ));
    }
    let rel_plan = ExtraPlan::new(
        "cmdb_rel_ci",
        &["parent", "child", "type"],
        &reserved.relationship,
    );
    for row in rels {
        let from = dir
            .ci(&r, &row, "parent")?
            .ok_or_else(|| row.error("parent", "missing"))?;
        let to = dir
            .ci(&r, &row, "child")?
            .ok_or_else(|| row.error("child", "missing"))?;
        let kind = match rel_types.resolve(&r, &row, "type", "cmdb_rel_type")? {
            Some(i) => rel_kind(rel_type_names.get(i).map(String::as_str).unwrap_or("")),
            None => match row.display_of("type")? {
                Some(d) if d.contains("::") => rel_kind(&d),
                Some(d) => {
                    warnings.push(Warning::new(
                        "relationship_type_unresolved",
                        row.at("type"),
                        format!(
                            "{}: type `{d}` is not resolved (give the cmdb_rel_type records); kept as is",
                            row.name
                        ),
                    ));
                    d
                }
                None => return Err(row.error("type", "missing")),
            },
        };
        cmdb.relationships.push(Relationship {
            from,
            to,
            kind,
            extra: row.into_extra(&rel_plan),
        });
    }

    // Releases and changes: one id each, among both.
    let mut item_taken = Taken::default();
    let mut releases: Vec<Release> = Vec::new();
    let mut release_index = Index::new(rm_release.is_some() || rm_release_scrum.is_some(), mode);
    let mut release_names = Vec::new();
    let mut kind_set: Vec<bool> = Vec::new();
    // The fields mapped of a release with a planned window, and of an
    // agile release (its start_date / end_date).
    let release_mapped = |window: [&'static str; 2]| {
        let mut mapped: Vec<&str> = RELEASE_MAPPED.to_vec();
        mapped.extend(window);
        if let Some(f) = &mapping.release_kind_field {
            mapped.push(f);
        }
        mapped
    };
    let planned_mapped = release_mapped(["planned_start_date", "planned_end_date"]);
    let agile_mapped = release_mapped(["start_date", "end_date"]);
    let planned_plan = ExtraPlan::new("rm_release", &planned_mapped, &reserved.release);
    let agile_plan = ExtraPlan::new("rm_release", &agile_mapped, &reserved.release);
    for row in rows("rm_release", rm_release)?
        .into_iter()
        .chain(rows("rm_release_scrum", rm_release_scrum)?)
    {
        let (start_field, end_field) =
            if row.get("planned_start_date").is_some() || row.get("planned_end_date").is_some() {
                ("planned_start_date", "planned_end_date")
            } else {
                ("start_date", "end_date")
            };
        let (state, state_name) = match row.code(&r, "state", |c| mapping.release_state(c))? {
            Some((s, n)) => (s, n),
            None => (State::Planning, None),
        };
        let (key, id_field) = match row.text_of("number")? {
            Some(n) => (n, "number"),
            None => (row.sys_id.clone(), "sys_id"),
        };
        let id = key.to_string();
        item_taken.take(key, &row, id_field, "id")?;
        index(&mut release_index, &row, Some(&id), &release_names)?;
        release_names.push(row.name.clone());
        let planned_start = row.date(&r, start_field)?;
        let planned_end = row.date(&r, end_field)?;
        in_order(
            &row,
            (start_field, planned_start.as_ref()),
            (end_field, planned_end.as_ref()),
        )?;
        let kind = match &mapping.release_kind_field {
            Some(f) => match row.value_of(f)? {
                Some(v) => Some(mapping.release_kind(&v).ok_or_else(|| {
                    row.error(
                        f,
                        format!("unknown release kind `{v}` (see the mapping's release_kinds)"),
                    )
                })?),
                None => None,
            },
            None => None,
        };
        kind_set.push(kind.is_some());
        let priority = row.code(&r, "priority", |c| mapping.priority(c))?;
        let group = dir.group(&r, &row, "assignment_group")?;
        let owner = dir.user(&r, &row, "assigned_to")?;
        let title = row
            .value_of("short_description")?
            .unwrap_or_else(|| id.clone());
        let scope = row.value_of("description")?;
        let created_at = row.date(&r, "sys_created_on")?;
        let plan = if start_field == "planned_start_date" {
            &planned_plan
        } else {
            &agile_plan
        };
        let mut extra = row.into_extra(plan);
        for (k, v) in [
            ("sn_state", state_name.map(String::from)),
            ("priority", priority),
            ("assignment_group", group),
        ] {
            if let Some(v) = v {
                extra.insert(k.into(), Value::String(v));
            }
        }
        releases.push(Release {
            owner,
            created_at,
            planned_start,
            planned_end,
            scope,
            extra,
            ..Release::new(id, title, kind.unwrap_or(ReleaseKind::Minor), state)
        });
    }

    // What hangs off change requests, by the change's sys_id.
    let mut change_rows = rows("change_request", change_request)?;
    let mut change_index = Index::new(true, mode);
    let mut change_names = Vec::new();
    for row in &change_rows {
        let number = row.value_of("number")?;
        index(&mut change_index, row, number.as_deref(), &change_names)?;
        change_names.push(row.name.clone());
    }
    // task → its CIs, change tasks, incidents, problems (in record order).
    let mut task_cis: FastMap<usize, Vec<String>> = FastMap::default();
    for row in rows("task_ci", task_ci)? {
        let Some(task) = task_ref(&r, &row, "task", &change_index, &mut warnings)? else {
            continue;
        };
        let ci = dir
            .ci(&r, &row, "ci_item")?
            .ok_or_else(|| row.error("ci_item", "missing"))?;
        let list = task_cis.entry(task).or_default();
        if !list.contains(&ci) {
            list.push(ci);
        }
    }
    let mut tasks_of: FastMap<usize, Vec<Value>> = FastMap::default();
    for row in rows("change_task", change_task)? {
        let Some(task) = task_ref(&r, &row, "change_request", &change_index, &mut warnings)? else {
            continue;
        };
        let mut t = serde_json::Map::new();
        t.insert("sys_id".into(), Value::String(row.sys_id.to_string()));
        for f in ["number", "short_description", "change_task_type"] {
            if let Some(v) = row.value_of(f)? {
                t.insert(f.into(), Value::String(v));
            }
        }
        if let Some(s) = row.value_of("state")? {
            t.insert("state".into(), Value::String(s));
        }
        for f in ["planned_start_date", "planned_end_date"] {
            if let Some(d) = row.date(&r, f)? {
                t.insert(f.into(), Value::String(d.to_string()));
            }
        }
        if let Some(a) = dir.user(&r, &row, "assigned_to")? {
            t.insert("assigned_to".into(), Value::String(a));
        }
        tasks_of.entry(task).or_default().push(Value::Object(t));
    }
    let mut incidents_of: FastMap<usize, Vec<String>> = FastMap::default();
    for row in rows("incident", incident)? {
        let id = row
            .value_of("number")?
            .unwrap_or_else(|| row.sys_id.to_string());
        for field in ["rfc", "caused_by"] {
            if row.value_of(field)?.is_none() {
                continue;
            }
            if let Some(task) = task_ref(&r, &row, field, &change_index, &mut warnings)? {
                let list = incidents_of.entry(task).or_default();
                if !list.contains(&id) {
                    list.push(id.clone());
                }
            }
        }
    }
    let mut problems_of: FastMap<usize, Vec<String>> = FastMap::default();
    for row in rows("problem", problem)? {
        let id = row
            .value_of("number")?
            .unwrap_or_else(|| row.sys_id.to_string());
        if row.value_of("rfc")?.is_none() {
            continue;
        }
        if let Some(task) = task_ref(&r, &row, "rfc", &change_index, &mut warnings)? {
            problems_of.entry(task).or_default().push(id);
        }
    }

    // Changes.
    let mut loose: Vec<Change> = Vec::new();
    // change index → (Some(release index) | None, index in that list)
    let mut placed: Vec<(Option<usize>, usize)> = Vec::with_capacity(change_rows.len());
    let mut emergency_in: BTreeSet<usize> = BTreeSet::new();
    let change_plan = ExtraPlan::new("change_request", &CHANGE_MAPPED, &reserved.change);
    for (ci, row) in change_rows.drain(..).enumerate() {
        let kind = match row.choice_str(&r, "type")? {
            None => ChangeKind::Normal,
            Some(t) => mapping.change_kind(&t).ok_or_else(|| {
                row.error(
                    "type",
                    format!("unknown type `{t}` (standard, normal, emergency or the mapping's change_types)"),
                )
            })?,
        };
        let state = row.code(&r, "state", |c| mapping.change_state(c))?;
        let risk = row.code(&r, "risk", |c| mapping.risk(c))?;
        let impact = row.code(&r, "impact", |c| mapping.impact(c))?;
        let priority = row.code(&r, "priority", |c| mapping.priority(c))?;
        let planned_start = row.date(&r, "start_date")?;
        let planned_end = row.date(&r, "end_date")?;
        in_order(
            &row,
            ("start_date", planned_start.as_ref()),
            ("end_date", planned_end.as_ref()),
        )?;
        let (key, id_field) = match row.text_of("number")? {
            Some(n) => (n, "number"),
            None => (row.sys_id.clone(), "sys_id"),
        };
        let id = key.to_string();
        item_taken.take(key, &row, id_field, "id")?;
        let mut affected_cis: Vec<String> = dir.ci(&r, &row, "cmdb_ci")?.into_iter().collect();
        for c in task_cis.remove(&ci).unwrap_or_default() {
            if !affected_cis.contains(&c) {
                affected_cis.push(c);
            }
        }
        let implementer = dir.user(&r, &row, "assigned_to")?;
        let approved = row.choice_str(&r, "approval")?.as_deref() == Some("approved");
        let summary = row.value_of("short_description")?.unwrap_or_default();
        let category = row.value_of("category")?;
        let group = dir.group(&r, &row, "assignment_group")?;
        let parent = release_index.resolve_quiet(&r, &row, "parent")?;
        let parent_value = if parent.is_none() {
            row.get("parent")
                .as_ref()
                .map(FieldRef::to_value)
                .filter(|v| !matches!(v, Value::String(s) if s.trim().is_empty()) && !v.is_null())
        } else {
            None
        };
        let [a, b, c, d] = CHANGE_TEXT.map(|f| row.value_of(f).map(|v| (f, v)));
        let texts = [a?, b?, c?, d?];
        let mut extra = row.into_extra(&change_plan);
        for (field, name) in [
            ("state", state),
            ("risk", risk),
            ("impact", impact),
            ("priority", priority),
            ("assignment_group", group),
        ]
        .into_iter()
        .chain(texts)
        {
            if let Some(n) = name {
                extra.insert(field.into(), Value::String(n));
            }
        }
        if let Some(t) = tasks_of.remove(&ci) {
            extra.insert("tasks".into(), Value::Array(t));
        }
        if let Some(p) = parent_value {
            extra.insert("parent".into(), p);
        }
        let links = crate::document::Links {
            incidents: incidents_of.remove(&ci).unwrap_or_default(),
            problems: problems_of.remove(&ci).unwrap_or_default(),
            ..Default::default()
        };
        let change = Change {
            id,
            kind,
            summary,
            category,
            affected_cis,
            implementer,
            approved,
            links,
            committed_at: None,
            planned_start,
            planned_end,
            extra,
        };
        match parent.and_then(|ri| releases.get_mut(ri).map(|r| (ri, r))) {
            Some((ri, release)) => {
                if kind == ChangeKind::Emergency {
                    emergency_in.insert(ri);
                }
                placed.push((Some(ri), release.changes.len()));
                release.changes.push(change);
            }
            None => {
                placed.push((None, loose.len()));
                loose.push(change);
            }
        }
    }
    for ri in emergency_in {
        if let (Some(release), Some(false)) = (releases.get_mut(ri), kind_set.get(ri)) {
            release.kind = ReleaseKind::Emergency;
        }
    }
    for release in &mut releases {
        let mut cis: Vec<String> = Vec::new();
        for c in release.changes.iter().flat_map(|c| &c.affected_cis) {
            if !cis.contains(c) {
                cis.push(c.clone());
            }
        }
        release.affected_cis = cis;
    }

    // Approvals.
    let mut approvals: Vec<ImportedApproval> = Vec::new();
    let tasks = Tasks {
        changes: &change_index,
        releases_index: &release_index,
        placed: &placed,
        releases: &releases,
        loose: &loose,
    };
    let mut group_approvals: HashMap<String, (Option<String>, Option<Role>)> = HashMap::new();
    for row in rows("sysapproval_group", sysapproval_group)? {
        let group = dir.group(&r, &row, "assignment_group")?;
        let role = group.as_deref().and_then(|g| mapping.group_role(g));
        group_approvals.insert(row.sys_id.to_string(), (group.clone(), role));
        let Some(task) = tasks.approval_task(&r, &row, "parent", &mut warnings)? else {
            continue;
        };
        let state = row
            .choice(&r, "approval")?
            .ok_or_else(|| row.error("approval", "missing"))?;
        let decision = decision(&row, "approval", &state)?;
        approvals.push(ImportedApproval {
            sys_id: row.sys_id.to_string(),
            table: "sysapproval_group".into(),
            task: task.0,
            approver: None,
            group,
            role: role.unwrap_or(Role::Cab),
            at: if decision.is_some() {
                row.date(&r, "sys_updated_on")?
            } else {
                None
            },
            state,
            decision,
            comment: row.display_of("comments")?,
        });
    }
    let mut votes: HashMap<usize, Vec<(Approval, String)>> = HashMap::new();
    for row in rows("sysapproval_approver", sysapproval_approver)? {
        let field = if row.value_of("sysapproval")?.is_some() {
            "sysapproval"
        } else {
            "document_id"
        };
        let Some((task, release)) = tasks.approval_task(&r, &row, field, &mut warnings)? else {
            continue;
        };
        let state = row
            .choice(&r, "state")?
            .ok_or_else(|| row.error("state", "missing"))?;
        let decision = decision(&row, "state", &state)?;
        let approver = dir
            .user(&r, &row, "approver")?
            .ok_or_else(|| row.error("approver", "missing"))?;
        let (group, group_role) = match row.value_of("group")? {
            None => (None, None),
            Some(g) => match group_approvals.get(&g) {
                Some((name, role)) => (name.clone(), *role),
                None => (None, None),
            },
        };
        let role = group_role
            .or_else(|| {
                dir.actors
                    .iter()
                    .find(|a| a.id == approver)
                    .and_then(|a| a.groups.iter().find_map(|g| mapping.group_role(g)))
            })
            .unwrap_or(Role::Cab);
        let at = match decision {
            Some(_) => Some(row.date(&r, "sys_updated_on")?.ok_or_else(|| {
                row.error("sys_updated_on", "missing (when the decision was made)")
            })?),
            None => None,
        };
        let comment = row.display_of("comments")?;
        if let (Some(ri), Some(d), Some(at)) = (release, decision, &at) {
            votes.entry(ri).or_default().push((
                Approval {
                    approver: approver.clone(),
                    role,
                    decision: d,
                    at: at.clone(),
                    comment: comment.clone(),
                    round: None,
                    fingerprint: None,
                    override_blackout: false,
                    group: group.clone(),
                    retrospective: false,
                    source: None,
                    on_behalf_of: None,
                    extra: Extra::new(),
                },
                row.sys_id.to_string(),
            ));
        }
        approvals.push(ImportedApproval {
            sys_id: row.sys_id.to_string(),
            table: "sysapproval_approver".into(),
            task,
            approver: Some(approver),
            group,
            role,
            state,
            decision,
            at,
            comment,
        });
    }
    let mut commands = Vec::new();
    let source = options
        .source
        .clone()
        .unwrap_or_else(|| "servicenow".into());
    let actor = options.actor.clone().unwrap_or_else(|| "servicenow".into());
    let mut voted: Vec<usize> = votes.keys().copied().collect();
    voted.sort_unstable();
    for ri in voted {
        let list = votes.remove(&ri).unwrap_or_default();
        let Some(at) = list.iter().map(|(a, _)| a.at.clone()).max() else {
            continue;
        };
        let (approvals, records): (Vec<Approval>, Vec<String>) = list.into_iter().unzip();
        if let Some(release) = releases.get(ri) {
            if release.state != State::Approval {
                warnings.push(Warning::new(
                    "votes_not_in_approval",
                    format!("schedule.releases[{ri}]"),
                    format!(
                        "{}: {} decided vote(s) on a release in {}; relman records votes in approval, so its import command will be refused until the release is there",
                        release.id,
                        approvals.len(),
                        release.state.as_str()
                    ),
                ));
            }
        }
        commands.push(Command {
            actor: actor.clone(),
            at,
            action: Action::Import {
                source: source.clone(),
                records,
                approvals,
                tests: Vec::new(),
                adopt: false,
            },
        });
    }

    // A schedule's bare changes need a window: keep the others beside it.
    // (Sized up front: a change is large, and most are scheduled.)
    let mut changes = Vec::with_capacity(loose.len());
    let mut unscheduled = Vec::new();
    for c in loose {
        if c.planned_start.is_some() && c.planned_end.is_some() {
            changes.push(c);
        } else {
            unscheduled.push(c);
        }
    }
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
    let has_cmdb = dir.cis.given || !cmdb.relationships.is_empty();
    Ok(ServiceNowImport {
        schedule: Schedule {
            schema_version: None,
            releases,
            changes,
            cmdb: has_cmdb.then_some(cmdb),
            calendar,
            policy: None,
            extra,
        },
        actors: dir.actors,
        approvals,
        commands,
        warnings,
    })
}

/// The decision of an approval state: `approved`, `rejected`, or none for
/// the undecided states; an unknown state is an error.
fn decision(row: &Row<'_>, field: &str, state: &str) -> Result<Option<Decision>> {
    match state {
        "approved" => Ok(Some(Decision::Approved)),
        "rejected" => Ok(Some(Decision::Rejected)),
        s if crate::policy::APPROVAL_STATES.iter().any(|(k, _)| *k == s)
            || s == "not requested" =>
        {
            Ok(None)
        }
        other => Err(row.error(
            field,
            format!("unknown approval state `{other}` (requested, approved, rejected, not_required, cancelled, duplicate)"),
        )),
    }
}

/// The change request a `task`-like reference names, or a warning when it
/// names none imported.
fn task_ref(
    r: &Reading<'_>,
    row: &Row<'_>,
    field: &str,
    changes: &Index<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Option<usize>> {
    let Some(v) = row.value_of(field)? else {
        return Err(row.error(field, "missing"));
    };
    match changes.resolve_quiet(r, row, field)? {
        Some(i) => Ok(Some(i)),
        None => {
            warnings.push(unresolved(row, field, &v, "change requests"));
            Ok(None)
        }
    }
}

/// Where the imported tasks are, for approvals to find theirs.
struct Tasks<'t> {
    changes: &'t Index<'t>,
    releases_index: &'t Index<'t>,
    /// Each change's (release index, or none; index in that list).
    placed: &'t [(Option<usize>, usize)],
    releases: &'t [Release],
    loose: &'t [Change],
}

impl Tasks<'_> {
    /// The id of the change request or release an approval approves (and
    /// the release's index for a release), or a warning when it is
    /// neither.
    fn approval_task(
        &self,
        r: &Reading<'_>,
        row: &Row<'_>,
        field: &str,
        warnings: &mut Vec<Warning>,
    ) -> Result<Option<(String, Option<usize>)>> {
        let Some(v) = row.value_of(field)? else {
            return Err(row.error(field, "missing"));
        };
        if let Some(ri) = self.releases_index.resolve_quiet(r, row, field)? {
            if let Some(rel) = self.releases.get(ri) {
                return Ok(Some((rel.id.clone(), Some(ri))));
            }
        }
        if let Some(ci) = self.changes.resolve_quiet(r, row, field)? {
            let change = match self.placed.get(ci) {
                Some((Some(ri), i)) => self.releases.get(*ri).and_then(|r| r.changes.get(*i)),
                Some((None, i)) => self.loose.get(*i),
                None => None,
            };
            if let Some(c) = change {
                return Ok(Some((c.id.clone(), None)));
            }
        }
        warnings.push(unresolved(row, field, &v, "change requests or releases"));
        Ok(None)
    }
}

/// The window ids of each maintenance schedule, by its sys_id.
type WindowsOf = HashMap<String, Vec<String>>;

/// The change calendar from `cmn_schedule` and `cmn_schedule_span`, and
/// the window ids of each maintenance schedule.
fn schedules(
    r: &Reading<'_>,
    schedules: Option<Source<'_>>,
    spans: Option<Source<'_>>,
    warnings: &mut Vec<Warning>,
) -> Result<(Option<Calendar>, WindowsOf)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Blackout,
        Maintenance,
    }
    let given = schedules.is_some();
    let mut by_sys: HashMap<String, (Kind, String, Tz)> = HashMap::new();
    let mut names = Index::new(given, r.mode);
    let mut schedule_names = Vec::new();
    for row in rows("cmn_schedule", schedules)? {
        let name = row
            .value_of("name")?
            .ok_or_else(|| row.error("name", "missing"))?;
        index(&mut names, &row, Some(&name), &schedule_names)?;
        schedule_names.push(row.name.clone());
        let class = row.value_of("sys_class_name")?.unwrap_or_default();
        let kind = match (row.value_of("type")?.as_deref(), class.as_str()) {
            (Some("blackout"), _) | (_, "cmn_schedule_blackout") => Kind::Blackout,
            (Some("maintenance"), _) | (_, "cmn_schedule_maintenance") => Kind::Maintenance,
            _ => {
                warnings.push(Warning::new(
                    "schedule_ignored",
                    row.at("type"),
                    format!(
                        "{}: neither a blackout nor a maintenance schedule; left out",
                        row.name
                    ),
                ));
                continue;
            }
        };
        let zone = match row.value_of("time_zone")? {
            Some(z) => z
                .parse::<Tz>()
                .map_err(|_| row.error("time_zone", format!("`{z}` is not an IANA time zone")))?,
            None => match &r.local {
                Some((tz, _)) => *tz,
                None => return Err(row.error(
                    "time_zone",
                    "missing (a floating schedule): give options.time_zone, the zone it is read in",
                )),
            },
        };
        by_sys.insert(row.sys_id.to_string(), (kind, name, zone));
    }
    let span_rows = rows("cmn_schedule_span", spans)?;
    if !given && !span_rows.is_empty() {
        return Err(Error::invalid_input(
            "tables.cmn_schedule_span",
            "schedule spans need the cmn_schedule records they belong to",
        ));
    }
    let mut calendar = Calendar::default();
    let mut windows_of: HashMap<String, Vec<String>> = HashMap::new();
    let span_plan = ExtraPlan::new(
        "cmn_schedule_span",
        &[
            "name",
            "start_date_time",
            "end_date_time",
            "repeat_type",
            "repeat_count",
            "days_of_week",
            "repeat_until",
        ],
        &reserved().window,
    );
    for row in span_rows {
        let Some(si) = names.resolve(r, &row, "schedule", "cmn_schedule")? else {
            return Err(row.error("schedule", "missing"));
        };
        let schedule_sys = names.sys_id(si).unwrap_or_default().to_string();
        let Some((kind, schedule_name, zone)) = by_sys.get(&schedule_sys).cloned() else {
            // A schedule left out above (neither kind).
            continue;
        };
        let span_name = row.value_of("name")?;
        let name = match &span_name {
            Some(n) => format!("{schedule_name}: {n}"),
            None => schedule_name.clone(),
        };
        let (start, end, recurrence) = span_times(&row, zone)?;
        let id = row.sys_id.to_string();
        let mut extra = row.into_extra(&span_plan);
        extra.insert("schedule_name".into(), Value::String(schedule_name));
        match kind {
            Kind::Blackout => calendar.blackouts.push(Blackout {
                id,
                name,
                start,
                end,
                recurrence,
                scope: None,
                severity: BlackoutSeverity::Block,
                extra,
            }),
            Kind::Maintenance => {
                windows_of.entry(schedule_sys).or_default().push(id.clone());
                calendar.maintenance_windows.push(MaintenanceWindow {
                    id,
                    name,
                    start,
                    end,
                    recurrence,
                    scope: None,
                    extra,
                })
            }
        }
    }
    // Maintenance schedules without spans still resolve (to no window).
    for (sys, (kind, ..)) in &by_sys {
        if *kind == Kind::Maintenance {
            windows_of.entry(sys.clone()).or_default();
        }
    }
    let any = !calendar.blackouts.is_empty() || !calendar.maintenance_windows.is_empty();
    Ok((any.then_some(calendar), windows_of))
}

/// A span's `YYYYMMDDTHHMMSS` date-time, local to the schedule's zone
/// (or UTC with a trailing `Z`).
fn span_time(row: &Row<'_>, field: &str) -> Result<NaiveDateTime> {
    let s = row
        .value_of(field)?
        .ok_or_else(|| row.error(field, "missing"))?;
    let plain = s.strip_suffix('Z').unwrap_or(&s);
    NaiveDateTime::parse_from_str(plain, "%Y%m%dT%H%M%S")
        .ok()
        .filter(|_| plain.len() == 15)
        .ok_or_else(|| {
            row.error(
                field,
                format!("`{s}` is not a schedule date-time YYYYMMDDTHHMMSS"),
            )
        })
}

/// The one-off start and end, or the recurrence, of a span.
fn span_times(
    row: &Row<'_>,
    zone: Tz,
) -> Result<(Option<Timestamp>, Option<Timestamp>, Option<Recurrence>)> {
    let start = span_time(row, "start_date_time")?;
    let end = span_time(row, "end_date_time")?;
    if end <= start {
        return Err(row.error("end_date_time", "must be after start_date_time"));
    }
    let utc_given = row
        .value_of("start_date_time")?
        .is_some_and(|s| s.ends_with('Z'));
    let repeat = row.value_of("repeat_type")?.unwrap_or_default();
    let to_utc = |field: &str, t: NaiveDateTime| -> Result<Timestamp> {
        if utc_given {
            return Ok(Timestamp::from_utc(t.and_utc()));
        }
        match zone.from_local_datetime(&t) {
            chrono::LocalResult::Single(x) | chrono::LocalResult::Ambiguous(x, _) => {
                Ok(Timestamp::from_utc(x.with_timezone(&chrono::Utc)))
            }
            chrono::LocalResult::None => Err(row.error(
                field,
                format!("{t} does not exist in {zone} (a clock change skips it)"),
            )),
        }
    };
    if repeat.is_empty() {
        return Ok((
            Some(to_utc("start_date_time", start)?),
            Some(to_utc("end_date_time", end)?),
            None,
        ));
    }
    let interval =
        match row.value_of("repeat_count")? {
            None => 1,
            Some(c) => c.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                row.error("repeat_count", format!("`{c}` is not a positive count"))
            })?,
        };
    let weekday = |d: char| -> Option<Weekday> {
        Some(match d {
            '1' => Weekday::Mon,
            '2' => Weekday::Tue,
            '3' => Weekday::Wed,
            '4' => Weekday::Thu,
            '5' => Weekday::Fri,
            '6' => Weekday::Sat,
            '7' => Weekday::Sun,
            _ => return None,
        })
    };
    let start_day = || {
        use chrono::Datelike;
        char::from_digit(start.weekday().number_from_monday(), 10).and_then(weekday)
    };
    let (freq, by_day, day_of_month) = match repeat.as_str() {
        "daily" => (Frequency::Daily, Vec::new(), None),
        "weekdays" => (
            Frequency::Weekly,
            vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            None,
        ),
        "weekends" => (Frequency::Weekly, vec![Weekday::Sat, Weekday::Sun], None),
        "weekly" => {
            let days = row.value_of("days_of_week")?.unwrap_or_default();
            let mut by_day = Vec::new();
            for d in days.chars().filter(|c| !c.is_whitespace() && *c != ',') {
                let w = weekday(d).ok_or_else(|| {
                    row.error("days_of_week", format!("`{days}` is not a list of days 1 (Monday) to 7 (Sunday)"))
                })?;
                if !by_day.contains(&w) {
                    by_day.push(w);
                }
            }
            if by_day.is_empty() {
                by_day.extend(start_day());
            }
            (Frequency::Weekly, by_day, None)
        }
        "monthly" => {
            use chrono::Datelike;
            (
                Frequency::Monthly,
                Vec::new(),
                u8::try_from(start.day()).ok(),
            )
        }
        other => {
            return Err(row.error(
                "repeat_type",
                format!("`{other}` is not a repeat relman's calendar holds (daily, weekdays, weekends, weekly, monthly)"),
            ))
        }
    };
    let duration_secs = u64::try_from(end.signed_duration_since(start).num_seconds())
        .map_err(|_| row.error("end_date_time", "must be after start_date_time"))?;
    let until = match row.value_of("repeat_until")? {
        None => None,
        Some(u) => Some(
            chrono::NaiveDate::parse_from_str(u.get(..8).unwrap_or(&u), "%Y%m%d")
                .map_err(|_| row.error("repeat_until", format!("`{u}` is not a date YYYYMMDD")))?
                .format("%Y-%m-%d")
                .to_string(),
        ),
    };
    Ok((
        None,
        None,
        Some(Recurrence {
            freq,
            interval,
            by_day,
            day_of_month,
            nth: None,
            start_time: start.format("%H:%M").to_string(),
            duration_secs,
            time_zone: if utc_given {
                "UTC".into()
            } else {
                zone.name().to_string()
            },
            from: Some(start.format("%Y-%m-%d").to_string()),
            until,
            extra: Extra::new(),
        }),
    ))
}
