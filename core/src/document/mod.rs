//! The documents of the data contract (README.md, "The data contract") as
//! serde types.
//!
//! Every struct keeps the fields it does not know in `extra` and writes them
//! back unchanged, at every level, so a host can pass its records through
//! relman without loss. Known optional fields that are absent stay absent
//! on output; an explicit `null` (accepted for optional single values) or
//! an empty list of a known field is written back as absent. The policy is
//! the exception: it is written back with every default filled in, so what
//! is written is the policy in force.

mod actor;
mod auth;
mod calendar;
mod cmdb;
mod conflict;
pub mod flag;
mod history;
pub mod judge_step;
pub mod plan;
mod release;
mod risk_factor;

pub use actor::Actor;
pub use auth::{EventAuth, KeyAlgorithm};
pub use calendar::{
    Blackout, BlackoutSeverity, Calendar, Frequency, MaintenanceWindow, Recurrence, Scope, Weekday,
};
pub use cmdb::{Cmdb, ConfigurationItem, Criticality, Relationship};
pub use conflict::{ConflictKind, Severity};
pub use history::{CommitRef, DeploymentKind, DeploymentRecord, History, Incident};
pub use release::{
    Approval, AttachedRisk, Change, ChangeKind, Communication, Decision, DeploymentPlan, Event,
    Feedback, Links, NotifyRule, Outcome, Release, ReleaseKind, Review, RiskLevel, Role,
    RollbackPlan, State, Strategy, TestKind, TestRun, Trigger,
};
pub use risk_factor::FactorName;

/// The document schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

pub use crate::foundation::Extra;

#[allow(clippy::trivially_copy_pass_by_ref)]
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}
