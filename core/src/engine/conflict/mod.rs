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
//! CI and implementer in flat arrays, the CMDB graph, the expanded
//! calendar); `occurrences` caches calendar expansions per distinct
//! period; one file per rule reads the model and writes its conflicts as
//! typed data; `found` sorts and renders them; `pairs` and `interval` hold
//! what the rules share (item pairs of a sweep, window arithmetic). The
//! sweeps, blackouts, maintenance windows and rendering are split across
//! cores (`foundation::parallel`); every merge is order-independent or
//! kept in input order, so the report is the serial one.

mod assignee_overlap;
mod blackout;
mod capacity;
mod check;
mod ci_overlap;
mod dependency_cycle;
mod dependency_order;
mod found;
mod interval;
mod maintenance_window;
mod model;
mod occurrences;
mod pairs;
mod related_ci_overlap;

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
    let warnings = check(schedule, policy)?;
    let model = Model::build(schedule, &policy.conflicts, None, None)?;
    detect(&model, warnings)
}

/// The checks detection starts with: the schedule validates, the policy
/// checks; the validation's warnings.
fn check(schedule: &Schedule, policy: &Policy) -> Result<Vec<Warning>> {
    let warnings = validate(schedule)?;
    let problems = policy.check("policy");
    if !problems.is_empty() {
        return Err(Error::InvalidPolicy { problems });
    }
    policy.check_limits("policy")?;
    Ok(warnings)
}

/// A schedule prepared for conflict detection, for a host that asks for
/// the conflicts of the same schedule more than once (docs/conflicts.md,
/// "Prepared schedules"): the schedule is validated once and compiled
/// once (names interned, touches indexed by CI and implementer, the CMDB
/// graph), every calendar occurrence (blackouts, maintenance windows) is
/// expanded once per distinct period and merged once per set of windows,
/// and all of it is kept: [`PreparedSchedule::conflicts`] only sweeps and
/// renders.
/// [`PreparedSchedule::conflicts`] gives exactly what [`detect_conflicts`]
/// gives for the same schedule. Owned, `Send + Sync`: share it between
/// threads behind an `Arc`.
pub struct PreparedSchedule {
    schedule: Schedule,
    policy: Policy,
    warnings: Vec<Warning>,
    model: Model,
}

impl std::fmt::Debug for PreparedSchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedSchedule")
            .field("releases", &self.schedule.releases.len())
            .field("changes", &self.schedule.changes.len())
            .finish_non_exhaustive()
    }
}

impl PreparedSchedule {
    /// Prepares `schedule` under its own policy (or the default). Errors:
    /// those of [`detect_conflicts`] on the same schedule (a calendar that
    /// expands too far is found here, while preparing).
    pub fn new(schedule: Schedule) -> Result<PreparedSchedule> {
        let policy = schedule.policy.clone().unwrap_or_default();
        PreparedSchedule::with_policy(schedule, policy)
    }

    /// Prepares `schedule` under `policy` instead of its own (as
    /// [`detect_with_policy`]).
    pub fn with_policy(schedule: Schedule, policy: Policy) -> Result<PreparedSchedule> {
        let warnings = check(&schedule, &policy)?;
        let model = Model::build(&schedule, &policy.conflicts, None, None)?;
        let prepared = PreparedSchedule {
            schedule,
            policy,
            warnings,
            model,
        };
        prepared.warm()?;
        Ok(prepared)
    }

    /// Expands the calendar the way detection will (blackouts while the
    /// model is built, maintenance windows of every touched CI in CI
    /// order), so the first call to `conflicts` costs no more than later
    /// ones and a calendar error surfaces now.
    fn warm(&self) -> Result<()> {
        let model = &self.model;
        if model.has_calendar() {
            let mut key = None;
            for t in &model.by_ci.touches {
                if key != Some(t.key) {
                    model.maintenance(t.key)?;
                    key = Some(t.key);
                }
            }
        }
        Ok(())
    }

    /// Every conflict of the prepared schedule: the report
    /// [`detect_conflicts`] gives.
    pub fn conflicts(&self) -> Result<ConflictReport> {
        detect(&self.model, self.warnings.clone())
    }

    /// The schedule as prepared.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The policy the conflicts are detected under.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

/// Runs every rule over the model, in the order of the kinds, sorts the
/// conflicts into the output order (docs/conflicts.md) and renders them
/// (on every core); `warnings` go before the model's.
fn detect(model: &Model, mut warnings: Vec<Warning>) -> Result<ConflictReport> {
    warnings.extend(model.warnings.iter().cloned());
    let mut found = Vec::new();
    let ci_pairs = pairs::sweep(model, &model.by_ci, false);
    ci_overlap::detect(model, &ci_pairs, &mut found);
    related_ci_overlap::detect(model, &ci_pairs, &mut found);
    drop(ci_pairs);
    blackout::detect(model, &mut found);
    maintenance_window::detect(model, &mut found)?;
    assignee_overlap::detect(model, &mut found);
    dependency_order::detect(model, &mut found);
    dependency_cycle::detect(model, &mut found);
    capacity::detect(model, &mut found);
    model.sort(&mut found);
    let blocking = found
        .iter()
        .filter(|c| c.severity == Severity::Block)
        .count();
    let conflicts = crate::foundation::parallel::map(&found, |f| model.render(f));
    Ok(ConflictReport {
        conflicts,
        blocking,
        warnings,
    })
}
