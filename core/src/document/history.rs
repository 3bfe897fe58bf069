//! History: past deployments, incidents and releases, the input of KPIs and
//! of the track-record risk factor.

use super::Extra;
use crate::{Outcome, Release, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a deployment happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentKind {
    /// A planned deployment.
    #[default]
    Planned,
    /// An emergency deployment.
    Emergency,
    /// A hotfix for a previous deployment (counts as rework).
    Hotfix,
    /// Unplanned rework (counts as rework).
    Rework,
}

/// A change shipped by a deployment, for lead time.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct CommitRef {
    /// Change or commit id.
    pub id: String,
    /// When it was committed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub committed_at: Option<Timestamp>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One deployment to one environment.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct DeploymentRecord {
    /// Unique id within the history.
    pub id: String,
    /// The release deployed, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_id: Option<String>,
    /// The business service deployed.
    pub service: String,
    /// The environment (e.g. `staging`, `production`).
    pub environment: String,
    /// The team that deployed, for grouping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// When it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    /// When it finished (not before `started_at`).
    pub finished_at: Timestamp,
    /// How it ended.
    pub outcome: Outcome,
    /// Planned, emergency, hotfix or rework.
    #[serde(default)]
    pub kind: DeploymentKind,
    /// The changes it shipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<CommitRef>,
    /// The CIs it touched (CMDB ids), for the unauthorized-change check:
    /// a CI the release did not declare is reported (docs/reports.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis: Vec<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One incident.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Incident {
    /// Unique id within the history.
    pub id: String,
    /// The affected business service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Severity as the host writes it (e.g. `1`, `sev2`, `high`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// When it was opened.
    pub created_at: Timestamp,
    /// When it was resolved (not before `created_at`); absent while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
    /// The deployment that caused it, when known (an id of this history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Past deployments, incidents and releases.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct History {
    /// Document schema version (current: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Deployments (ids unique).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<DeploymentRecord>,
    /// Incidents (ids unique).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<Incident>,
    /// Releases, whose audit logs give the time of each state change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub releases: Vec<Release>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}
