//! Approval quorums: how many approvals from which role a release kind
//! needs, by count or by percentage of the role's members
//! (docs/lifecycle.md, "Approvals"). An empty quorum is refused
//! (docs/policy.md, "Vacuous rules are refused").

use crate::document::{Extra, Role};
use crate::error::Problem;
use schemars::JsonSchema;
use serde::Serialize;

/// One quorum requirement: approvals from a role, by count or percentage
/// of the role's members in the actor directory.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct QuorumRule {
    /// The role whose members vote.
    pub role: Role,
    /// At least this many distinct approvers (≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// At least this percentage (0–100] of the role's members in the
    /// directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<f64>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl QuorumRule {
    /// A rule of `count` approvals from `role`.
    pub(super) fn count(role: Role, count: u32) -> Self {
        QuorumRule {
            role,
            count: Some(count),
            percentage: None,
            extra: Extra::new(),
        }
    }

    /// Appends the problem of this rule, at `path` (exactly one of count,
    /// at least 1, or percentage, in (0, 100]).
    pub(super) fn check(&self, path: String, problems: &mut Vec<Problem>) {
        check_count_or_percentage(self.count, self.percentage, path, "", problems);
    }
}

/// Appends the problem of a quorum given by count or percentage, at `path`:
/// exactly one of them, a count of at least 1, a percentage in (0, 100];
/// `or` names the other forms the quorum may take, if any (routing's
/// `"any"` and `"all"`).
pub(super) fn check_count_or_percentage(
    count: Option<u32>,
    percentage: Option<f64>,
    path: String,
    or: &str,
    problems: &mut Vec<Problem>,
) {
    match (count, percentage) {
        (Some(0), None) => {
            problems.push(Problem::new(format!("{path}.count"), "must be at least 1"))
        }
        (Some(_), None) => {}
        (None, Some(p)) if p > 0.0 && p <= 100.0 => {}
        (None, Some(p)) => problems.push(Problem::new(
            format!("{path}.percentage"),
            format!("must be in (0, 100], got {p}"),
        )),
        _ => problems.push(Problem::new(
            path,
            format!("give exactly one of count or percentage{or}"),
        )),
    }
}
