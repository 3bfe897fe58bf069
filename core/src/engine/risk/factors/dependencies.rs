//! `dependencies`: the releases this one depends on (and those not yet
//! deployed), the releases depending on it and the conflicts detected in
//! the schedule, log-scaled (`docs/risk.md`, "The factors").

use super::{log_scaled, Computed, Detail, Num, Plural};
use crate::risk::RiskAssessor;
use crate::{Release, Schedule, State};
use serde::ser::SerializeMap;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// The schedule's releases by id, who depends on whom, and the conflicts
/// detected in it (blocking and warning counts per item id).
#[derive(Debug)]
pub(crate) struct ScheduleIndex {
    /// The state of each release of the schedule, by id.
    releases: HashMap<String, State>,
    dependents: HashMap<String, usize>,
    /// Per item id: (blocking, warning) conflicts; `Err` with the reason
    /// when detection could not run on this schedule.
    conflicts: std::result::Result<HashMap<String, (usize, usize)>, String>,
}

impl ScheduleIndex {
    pub(crate) fn new(schedule: &Schedule) -> Self {
        let mut releases = HashMap::new();
        let mut dependents: HashMap<String, usize> = HashMap::new();
        for r in &schedule.releases {
            releases.insert(r.id.clone(), r.state);
            let unique: BTreeSet<&str> = r.depends_on.iter().map(String::as_str).collect();
            for dep in unique {
                if dep != r.id {
                    let count = dependents.entry(dep.to_string()).or_default();
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

/// What the factor used: rendered only when the assessment is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Dependencies<'a> {
    /// No schedule: the declared dependencies only.
    NoSchedule { declared: usize, scale: f64 },
    /// Counted in the schedule.
    Scheduled {
        declared: usize,
        pending: Vec<&'a str>,
        dependents: usize,
        blocking: usize,
        warning: usize,
        /// Why conflicts could not be counted, if they could not.
        unchecked: Option<&'a str>,
        scale: f64,
    },
}

/// The distinct dependencies of a release, in id order.
fn unique(r: &Release) -> BTreeSet<&str> {
    r.depends_on.iter().map(String::as_str).collect()
}

/// How many distinct ids `depends_on` lists, without a set for the usual few.
fn count_unique(list: &[String]) -> usize {
    if list.len() > 32 {
        return list.iter().collect::<BTreeSet<_>>().len();
    }
    list.iter()
        .enumerate()
        .filter(|(i, id)| !list.iter().take(*i).any(|earlier| earlier == *id))
        .count()
}

/// The factor's value and typed inputs.
pub(super) fn compute<'a>(a: &'a RiskAssessor<'_>, r: &'a Release) -> Computed<'a> {
    let scale = a.policy().risk.scales.dependencies;
    let Some(schedule) = &a.schedule else {
        let declared = count_unique(&r.depends_on);
        return Computed {
            value: log_scaled(declared as f64, scale),
            detail: Detail::Dependencies(Dependencies::NoSchedule { declared, scale }),
        };
    };
    let unique = unique(r);
    let declared = unique.len();
    let pending: Vec<&str> = unique
        .iter()
        .copied()
        .filter(|id| {
            schedule
                .releases
                .get(*id)
                .is_some_and(|state| !matches!(state, State::Review | State::Closed))
        })
        .collect();
    let dependents = schedule.dependents.get(r.id.as_str()).copied().unwrap_or(0);
    let (blocking, warning, unchecked) = match &schedule.conflicts {
        Ok(counts) => {
            let (b, w) = counts.get(r.id.as_str()).copied().unwrap_or((0, 0));
            (b, w, None)
        }
        Err(why) => (0, 0, Some(why.as_str())),
    };
    let total = declared
        .saturating_add(pending.len())
        .saturating_add(dependents)
        .saturating_add(blocking)
        .saturating_add(warning);
    Computed {
        value: log_scaled(total as f64, scale),
        detail: Detail::Dependencies(Dependencies::Scheduled {
            declared,
            pending,
            dependents,
            blocking,
            warning,
            unchecked,
            scale,
        }),
    }
}

impl Dependencies<'_> {
    /// [`Dependencies::inputs`] written straight to a map, keys sorted.
    pub(super) fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        match self {
            Dependencies::NoSchedule { declared, scale } => {
                m.serialize_entry("depends_on", declared)?;
                m.serialize_entry("scale", &Num(*scale))?;
                m.serialize_entry("schedule", &false)
            }
            Dependencies::Scheduled {
                declared,
                pending,
                dependents,
                blocking,
                warning,
                scale,
                ..
            } => {
                m.serialize_entry("blocking_conflicts", blocking)?;
                m.serialize_entry("dependents", dependents)?;
                m.serialize_entry("depends_on", declared)?;
                m.serialize_entry("pending", pending)?;
                m.serialize_entry("scale", &Num(*scale))?;
                m.serialize_entry("schedule", &true)?;
                m.serialize_entry("warning_conflicts", warning)
            }
        }
    }
}

impl fmt::Display for Dependencies<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dependencies::NoSchedule { declared, .. } => write!(
                f,
                "the release depends on {}; no schedule in the context to see their state or its dependents",
                Plural(*declared, "release", "releases")
            ),
            Dependencies::Scheduled {
                declared,
                pending,
                dependents,
                blocking,
                warning,
                unchecked,
                ..
            } => {
                write!(
                    f,
                    "the release depends on {} ({} not yet deployed) and {} in the schedule; ",
                    Plural(*declared, "release", "releases"),
                    pending.len(),
                    Plural(*dependents, "release depends on it", "releases depend on it")
                )?;
                match unchecked {
                    None => write!(
                        f,
                        "{blocking} blocking and {warning} warning conflicts detected in the schedule"
                    ),
                    Some(why) => write!(
                        f,
                        "conflicts not counted: the schedule could not be checked ({why})"
                    ),
                }
            }
        }
    }
}
