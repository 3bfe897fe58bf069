//! Conflicts section: back-to-back windows, related-CI depth, capacity
//! limits, the severity of each conflict kind, the slot-search step and the
//! calendar expansion limit (docs/conflicts.md, "Policy: `conflicts`").

use crate::document::{ConflictKind, Extra, Severity};
use crate::error::Problem;
use schemars::JsonSchema;
use serde::Serialize;

/// The default limit on the occurrences one calendar entry may expand to
/// in one run (`conflicts.max_occurrences`).
pub const DEFAULT_MAX_OCCURRENCES: u64 = 1_000_000;

/// Conflicts section.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct ConflictPolicy {
    /// Back-to-back windows (one ends when the next starts) do not conflict.
    pub allow_contiguous: bool,
    /// CMDB hops within which two CIs count as related (default 1; at most
    /// `limits.max_cmdb_depth`).
    pub related_ci_depth: u32,
    /// Concurrency limits per service and/or environment (default none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capacity: Vec<CapacityLimit>,
    /// Which conflict kinds block and which only warn.
    pub severity: ConflictSeverities,
    /// Step of the slot search, in seconds (default 900; slots start on
    /// multiples of it since the Unix epoch).
    pub slot_granularity_secs: u64,
    /// Most occurrences one calendar entry may expand to in one run
    /// (default 1 000 000); more is `limit_exceeded`.
    pub max_occurrences: u64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for ConflictPolicy {
    fn default() -> Self {
        ConflictPolicy {
            allow_contiguous: true,
            related_ci_depth: 1,
            capacity: Vec::new(),
            severity: ConflictSeverities::default(),
            slot_granularity_secs: 900,
            max_occurrences: DEFAULT_MAX_OCCURRENCES,
            extra: Extra::new(),
        }
    }
}

/// At most `max_concurrent` releases (and bare changes) at once on a
/// service and/or environment. With neither, the limit counts every item.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct CapacityLimit {
    /// The business service counted (absent: any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The environment counted (absent: any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Most items allowed at the same instant (≥ 1).
    pub max_concurrent: u32,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The severity of each conflict kind. A warning blackout is always `warn`;
/// a missing dependency is always `warn`.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
#[serde(default)]
pub struct ConflictSeverities {
    /// Same CI, overlapping windows (default block).
    pub ci_overlap: Severity,
    /// Related CIs, overlapping windows (default warn).
    pub related_ci_overlap: Severity,
    /// Inside a blackout (default block).
    pub blackout: Severity,
    /// Outside the CI's maintenance windows (default block).
    pub outside_maintenance_window: Severity,
    /// One implementer on two overlapping items (default warn).
    pub assignee_overlap: Severity,
    /// Starts before a dependency ends, or depends on a cancelled release
    /// (default block).
    pub dependency_order: Severity,
    /// A cycle in `depends_on` (default block).
    pub dependency_cycle: Severity,
    /// Over a capacity limit (default block).
    pub capacity: Severity,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for ConflictSeverities {
    fn default() -> Self {
        use Severity::{Block, Warn};
        ConflictSeverities {
            ci_overlap: Block,
            related_ci_overlap: Warn,
            blackout: Block,
            outside_maintenance_window: Block,
            assignee_overlap: Warn,
            dependency_order: Block,
            dependency_cycle: Block,
            capacity: Block,
            extra: Extra::new(),
        }
    }
}

impl ConflictSeverities {
    /// The severity the policy gives a kind.
    pub fn of(&self, kind: ConflictKind) -> Severity {
        use ConflictKind as K;
        match kind {
            K::CiOverlap => self.ci_overlap,
            K::RelatedCiOverlap => self.related_ci_overlap,
            K::Blackout => self.blackout,
            K::OutsideMaintenanceWindow => self.outside_maintenance_window,
            K::AssigneeOverlap => self.assignee_overlap,
            K::DependencyOrder => self.dependency_order,
            K::DependencyCycle => self.dependency_cycle,
            K::Capacity => self.capacity,
        }
    }
}

impl ConflictPolicy {
    /// Appends every problem of the section (paths `conflicts.…` through
    /// `at`).
    pub(super) fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        for (i, c) in self.capacity.iter().enumerate() {
            if c.max_concurrent == 0 {
                problems.push(Problem::new(
                    at(&format!("conflicts.capacity[{i}].max_concurrent")),
                    "must be at least 1",
                ));
            }
        }
        if !(60..=86_400).contains(&self.slot_granularity_secs) {
            problems.push(Problem::new(
                at("conflicts.slot_granularity_secs"),
                format!(
                    "must be between 60 and 86400 seconds, got {}",
                    self.slot_granularity_secs
                ),
            ));
        }
        if self.max_occurrences == 0 {
            problems.push(Problem::new(
                at("conflicts.max_occurrences"),
                "must be at least 1",
            ));
        }
    }
}
