//! Conflict detection over a schedule (docs/conflicts.md).
//!
//! Decides: which scheduled releases and bare changes collide — the same CI
//! (`ci_overlap`), CMDB-related CIs (`related_ci_overlap`), a blackout
//! (`blackout`), a CI touched outside its maintenance windows
//! (`outside_maintenance_window`), one implementer twice at once
//! (`assignee_overlap`), dependencies out of order or missing
//! (`dependency_order`), a `depends_on` cycle (`dependency_cycle`) and too
//! many items at once on a service or environment (`capacity`) — each
//! conflict with its severity, items, CIs, overlapping window and an
//! explanation.
//!
//! Needs: a [`Schedule`] — its releases and changes with their windows,
//! the CMDB (relationships, classes, services, environments, maintenance
//! window references), the calendar and the policy's `conflicts` section.
//!
//! Cost: touches are indexed by CI (and implementer) and swept in time
//! order, so the work grows with the number of touches plus the number of
//! overlaps found, never with the number of item pairs.
//!
//! Layout: `model` prepares the schedule (items, touches indexed by
//! CI and implementer, the CMDB graph, the expanded calendar); one file per
//! rule reads the model and writes its conflicts; `pairs`, `interval` and
//! `report` hold what the rules share (item pairs of a sweep, window
//! arithmetic, building and ordering conflicts).

mod assignee_overlap;
mod blackout;
mod capacity;
mod check;
mod ci_overlap;
mod dependency_cycle;
mod dependency_order;
mod interval;
mod maintenance_window;
mod model;
mod pairs;
mod related_ci_overlap;
mod report;

use crate::calendar::Interval;
use crate::document::Extra;
use crate::error::{Error, Result, Warning};
use crate::policy::Policy;
use crate::{Schedule, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::document::{ConflictKind, Severity};

pub(crate) use capacity::{limit_matches, over_capacity};
pub(crate) use check::validate;
pub(crate) use interval::fits;
pub(crate) use model::Model;

/// A window of time, start inclusive, end exclusive (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Window {
    /// Start.
    pub start: Timestamp,
    /// End.
    pub end: Timestamp,
}

impl Window {
    /// The window of an interval of Unix seconds.
    pub fn of(iv: Interval) -> Window {
        Window {
            start: Timestamp::from_utc(iv.start_utc()),
            end: Timestamp::from_utc(iv.end_utc()),
        }
    }
}

/// One conflict: its kind, severity, the items and CIs involved, the
/// overlapping window and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Conflict {
    /// The rule that fired.
    pub kind: ConflictKind,
    /// Block or warn (from the policy; a warning blackout and a missing
    /// dependency always warn).
    pub severity: Severity,
    /// The release / change ids involved, sorted (for `dependency_order`
    /// the dependent release and the release it depends on).
    pub items: Vec<String>,
    /// Every CI involved, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis: Vec<String>,
    /// The overlapping window (for pairs, from the first overlap to the end
    /// of the last); absent for kinds without one (cycles, missing or
    /// cancelled dependencies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// Why, in one sentence.
    pub explanation: String,
    /// The data the rule looked at (blackout id, maintenance windows,
    /// related CI pairs, capacity limit, cycle path…).
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub details: Extra,
}

/// The verdict of [`detect_conflicts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConflictReport {
    /// Every conflict, sorted by kind, items and window start.
    pub conflicts: Vec<Conflict>,
    /// How many conflicts block.
    pub blocking: usize,
    /// What was odd but did not decide the verdict.
    pub warnings: Vec<Warning>,
}

impl ConflictReport {
    /// True when at least one conflict blocks.
    pub fn has_blocking(&self) -> bool {
        self.blocking > 0
    }
}

/// Detects every conflict of `schedule` under its own policy (or the
/// default). Errors: `invalid_input` / `invalid_policy` for a schedule that
/// does not validate (paths as in the document), `limit_exceeded` when a
/// calendar entry expands to more occurrences than the policy allows.
pub fn detect_conflicts(schedule: &Schedule) -> Result<ConflictReport> {
    let policy = schedule.policy.clone().unwrap_or_default();
    detect_with_policy(schedule, &policy)
}

/// [`detect_conflicts`] under `policy` instead of the schedule's own.
pub fn detect_with_policy(schedule: &Schedule, policy: &Policy) -> Result<ConflictReport> {
    let mut warnings = validate(schedule)?;
    let problems = policy.check("policy");
    if !problems.is_empty() {
        return Err(Error::InvalidPolicy { problems });
    }
    policy.check_limits("policy")?;
    let model = Model::build(schedule, &policy.conflicts, None, None)?;
    let mut found = detect(model)?;
    warnings.append(&mut found.warnings);
    found.warnings = warnings;
    Ok(found)
}

/// Runs every rule over the model, in the order of the kinds, and sorts
/// the conflicts into the output order (docs/conflicts.md).
fn detect(model: Model<'_>) -> Result<ConflictReport> {
    let mut out = Vec::new();
    let ci_pairs = pairs::sweep(&model, &model.by_ci, false);
    ci_overlap::detect(&model, &ci_pairs, &mut out);
    related_ci_overlap::detect(&model, &ci_pairs, &mut out);
    blackout::detect(&model, &mut out);
    maintenance_window::detect(&model, &mut out)?;
    assignee_overlap::detect(&model, &mut out);
    dependency_order::detect(&model, &mut out);
    dependency_cycle::detect(&model, &mut out);
    capacity::detect(&model, &mut out);
    report::sort(&mut out);
    let blocking = out.iter().filter(|c| c.severity == Severity::Block).count();
    Ok(ConflictReport {
        conflicts: out,
        blocking,
        warnings: model.warnings,
    })
}
