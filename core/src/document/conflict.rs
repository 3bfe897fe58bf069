//! The kinds and severities of schedule conflicts: the vocabulary the
//! policy tunes and the conflict engine reports.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Whether a conflict blocks a deployment or only warns.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The items may not go ahead as scheduled.
    Block,
    /// Allowed, but worth a look.
    Warn,
}

/// The eight kinds of conflict, in report order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Two items touch the same CI in overlapping windows.
    CiOverlap,
    /// Two items touch CIs related in the CMDB (within the policy's depth)
    /// in overlapping windows.
    RelatedCiOverlap,
    /// An item's window intersects a blackout whose scope matches it.
    Blackout,
    /// An item touches a CI with maintenance windows outside them.
    OutsideMaintenanceWindow,
    /// One implementer on two overlapping items.
    AssigneeOverlap,
    /// A release starts before a release it depends on ends, or depends on
    /// a cancelled release or one not in the schedule.
    DependencyOrder,
    /// Releases whose `depends_on` form a cycle.
    DependencyCycle,
    /// More concurrent items on a service or environment than allowed.
    Capacity,
}

impl ConflictKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::CiOverlap => "ci_overlap",
            ConflictKind::RelatedCiOverlap => "related_ci_overlap",
            ConflictKind::Blackout => "blackout",
            ConflictKind::OutsideMaintenanceWindow => "outside_maintenance_window",
            ConflictKind::AssigneeOverlap => "assignee_overlap",
            ConflictKind::DependencyOrder => "dependency_order",
            ConflictKind::DependencyCycle => "dependency_cycle",
            ConflictKind::Capacity => "capacity",
        }
    }
}
