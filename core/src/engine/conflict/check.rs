//! What detection relies on, checked before the model is built: windows in
//! order, bare changes scheduled, unique item ids, no self-dependency,
//! calendar periods that expand, schema versions (docs/conflicts.md).

use crate::calendar;
use crate::document::Scope;
use crate::error::{Error, Problem, Result, Warning};
use crate::foundation::hash::HashMap;
use crate::{Schedule, Timestamp};
use serde_json::Value;

/// Checks what detection relies on, collecting every problem with the
/// paths `parse` would report: windows in order, bare changes scheduled,
/// unique item ids, no self-dependency, calendar periods that expand
/// (valid recurrences, ends after starts, non-empty scopes), schema
/// versions. The full semantic validation of `parse` (which also warns
/// about unknown CIs) is not repeated: a schedule from `parse` has passed
/// it, and it costs more than detection on large schedules.
pub(crate) fn validate(schedule: &Schedule) -> Result<Vec<Warning>> {
    let mut problems: Vec<Problem> = Vec::new();
    let version = |path: &str, v: Option<u32>| -> Result<()> {
        match v {
            Some(v) if v != crate::document::SCHEMA_VERSION => Err(Error::UnsupportedVersion {
                path: path.to_string(),
                found: Value::from(v),
                supported: crate::document::SCHEMA_VERSION,
            }),
            _ => Ok(()),
        }
    };
    version("schema_version", schedule.schema_version)?;
    let window =
        |base: &str, s: &Option<Timestamp>, e: &Option<Timestamp>, problems: &mut Vec<Problem>| {
            if let (Some(s), Some(e)) = (s, e) {
                if e <= s {
                    problems.push(Problem::new(
                        crate::foundation::path::join(base, "planned_end"),
                        format!("must be after planned_start ({e} is not after {s})"),
                    ));
                }
            }
        };
    // Paths are made only for a problem: a large valid schedule formats
    // none.
    let mut ids: HashMap<&str, (bool, usize)> = HashMap::with_capacity_and_hasher(
        schedule
            .releases
            .len()
            .saturating_add(schedule.changes.len()),
        Default::default(),
    );
    let base_of = |(change, i): (bool, usize)| {
        if change {
            format!("changes[{i}]")
        } else {
            format!("releases[{i}]")
        }
    };
    for (i, r) in schedule.releases.iter().enumerate() {
        if r.schema_version.is_some() {
            version(&format!("releases[{i}].schema_version"), r.schema_version)?;
        }
        let unordered = |s: &Option<Timestamp>, e: &Option<Timestamp>| matches!((s, e), (Some(s), Some(e)) if e <= s);
        if unordered(&r.planned_start, &r.planned_end) {
            window(
                &base_of((false, i)),
                &r.planned_start,
                &r.planned_end,
                &mut problems,
            );
        }
        for (j, c) in r.changes.iter().enumerate() {
            if unordered(&c.planned_start, &c.planned_end) {
                window(
                    &format!("releases[{i}].changes[{j}]"),
                    &c.planned_start,
                    &c.planned_end,
                    &mut problems,
                );
            }
        }
        for (k, d) in r.depends_on.iter().enumerate() {
            if *d == r.id {
                problems.push(Problem::new(
                    format!("releases[{i}].depends_on[{k}]"),
                    format!("release `{d}` cannot depend on itself"),
                ));
            }
        }
        if let Some(first) = ids.insert(&r.id, (false, i)) {
            problems.push(Problem::new(
                format!("releases[{i}].id"),
                format!("duplicate item id `{}` (first at {})", r.id, base_of(first)),
            ));
        }
    }
    for (i, c) in schedule.changes.iter().enumerate() {
        let base = format!("changes[{i}]");
        if c.planned_start.is_none() || c.planned_end.is_none() {
            problems.push(Problem::new(
                base.clone(),
                "a change scheduled outside a release needs planned_start and planned_end",
            ));
        }
        window(&base, &c.planned_start, &c.planned_end, &mut problems);
        if let Some(first) = ids.insert(&c.id, (true, i)) {
            problems.push(Problem::new(
                format!("{base}.id"),
                format!("duplicate item id `{}` (first at {})", c.id, base_of(first)),
            ));
        }
    }
    if let Some(cal) = &schedule.calendar {
        version("calendar.schema_version", cal.schema_version)?;
        let periods = cal
            .blackouts
            .iter()
            .enumerate()
            .map(|(i, b)| {
                (
                    format!("calendar.blackouts[{i}]"),
                    &b.start,
                    &b.end,
                    &b.recurrence,
                    &b.scope,
                )
            })
            .chain(cal.maintenance_windows.iter().enumerate().map(|(i, w)| {
                (
                    format!("calendar.maintenance_windows[{i}]"),
                    &w.start,
                    &w.end,
                    &w.recurrence,
                    &w.scope,
                )
            }));
        for (path, start, end, recurrence, scope) in periods {
            // An empty range checks the period without expanding it.
            if let Err(e) = calendar::period_occurrences(
                start.as_ref(),
                end.as_ref(),
                recurrence.as_ref(),
                (0, 0),
                1,
                &path,
            ) {
                problems.extend(e.problems().iter().cloned());
            }
            if scope.as_ref().is_some_and(Scope::is_empty) {
                problems.push(Problem::new(
                    crate::foundation::path::join(&path, "scope"),
                    "scope names nothing; use {\"all\": true} or list CIs, classes, services or environments",
                ));
            }
        }
    }
    if let Some(cmdb) = &schedule.cmdb {
        version("cmdb.schema_version", cmdb.schema_version)?;
    }
    if let Some(policy) = &schedule.policy {
        version("policy.schema_version", policy.schema_version)?;
    }
    if problems.is_empty() {
        Ok(Vec::new())
    } else {
        Err(Error::InvalidInput { problems })
    }
}
