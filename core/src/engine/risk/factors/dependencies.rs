//! `dependencies`: the releases this one depends on (and those not yet
//! deployed), the releases depending on it and the conflicts detected in
//! the schedule, log-scaled (`docs/risk.md`, "The factors").

use super::{computed, log_scaled, plural, Computed};
use crate::risk::RiskAssessor;
use crate::{Release, Schedule, State};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

/// The schedule's releases by id, who depends on whom, and the conflicts
/// detected in it (blocking and warning counts per item id).
#[derive(Debug)]
pub(crate) struct ScheduleIndex<'a> {
    releases: HashMap<&'a str, &'a Release>,
    dependents: HashMap<&'a str, usize>,
    /// Per item id: (blocking, warning) conflicts; `Err` with the reason
    /// when detection could not run on this schedule.
    conflicts: std::result::Result<HashMap<String, (usize, usize)>, String>,
}

impl<'a> ScheduleIndex<'a> {
    pub(crate) fn new(schedule: &'a Schedule) -> Self {
        let mut releases = HashMap::new();
        let mut dependents: HashMap<&'a str, usize> = HashMap::new();
        for r in &schedule.releases {
            releases.insert(r.id.as_str(), r);
            let unique: BTreeSet<&str> = r.depends_on.iter().map(String::as_str).collect();
            for dep in unique {
                if dep != r.id {
                    let count = dependents.entry(dep).or_default();
                    *count = count.saturating_add(1);
                }
            }
        }
        let conflicts = crate::conflict::detect_conflicts(schedule)
            .map(|report| {
                let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
                for c in &report.conflicts {
                    for item in &c.items {
                        let entry = counts.entry(item.clone()).or_default();
                        match c.severity {
                            crate::conflict::Severity::Block => entry.0 = entry.0.saturating_add(1),
                            crate::conflict::Severity::Warn => entry.1 = entry.1.saturating_add(1),
                        }
                    }
                }
                counts
            })
            .map_err(|e| e.to_string());
        ScheduleIndex {
            releases,
            dependents,
            conflicts,
        }
    }
}

/// The factor's value, inputs and explanation.
pub(super) fn compute(a: &RiskAssessor<'_>, r: &Release) -> Computed {
    let scale = a.policy().risk.scales.dependencies;
    let unique: BTreeSet<&str> = r.depends_on.iter().map(String::as_str).collect();
    let declared = unique.len();
    let Some(schedule) = &a.schedule else {
        return computed(
            log_scaled(declared as f64, scale),
            json!({"depends_on": declared, "schedule": false, "scale": scale}),
            format!(
                "the release depends on {}; no schedule in the context to see their state or its dependents",
                plural(declared, "release", "releases")
            ),
        );
    };
    let pending: Vec<&str> = unique
        .iter()
        .copied()
        .filter(|id| {
            schedule
                .releases
                .get(id)
                .is_some_and(|d| !matches!(d.state, State::Review | State::Closed))
        })
        .collect();
    let dependents = schedule.dependents.get(r.id.as_str()).copied().unwrap_or(0);
    let (blocking, warning, conflict_note) = match &schedule.conflicts {
        Ok(counts) => {
            let (b, w) = counts.get(r.id.as_str()).copied().unwrap_or((0, 0));
            (
                b,
                w,
                format!("{b} blocking and {w} warning conflicts detected in the schedule"),
            )
        }
        Err(why) => (
            0,
            0,
            format!("conflicts not counted: the schedule could not be checked ({why})"),
        ),
    };
    let total = declared
        .saturating_add(pending.len())
        .saturating_add(dependents)
        .saturating_add(blocking)
        .saturating_add(warning);
    computed(
        log_scaled(total as f64, scale),
        json!({
            "depends_on": declared, "pending": pending, "dependents": dependents,
            "blocking_conflicts": blocking, "warning_conflicts": warning,
            "schedule": true, "scale": scale,
        }),
        format!(
            "the release depends on {} ({} not yet deployed) and {} in the schedule; {conflict_note}",
            plural(declared, "release", "releases"),
            pending.len(),
            plural(dependents, "release depends on it", "releases depend on it")
        ),
    )
}
