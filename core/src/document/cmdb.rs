//! The configuration management database: CIs and their relationships.

use super::Extra;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How critical a configuration item is to the business.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Criticality {
    /// Outage stops the business.
    Critical,
    /// Outage hurts many users.
    High,
    /// Outage hurts some users.
    Medium,
    /// Outage is an inconvenience.
    Low,
}

/// A configuration item (server, database, application, …).
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct ConfigurationItem {
    /// Document schema version (current: 1), when sent on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Unique id (e.g. a ServiceNow sys_id or a name).
    pub id: String,
    /// Human name.
    pub name: String,
    /// CI class (e.g. `cmdb_ci_server`, `cmdb_ci_db_instance`).
    pub class: String,
    /// Business criticality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<Criticality>,
    /// The business service the CI belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The group that owns the CI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_group: Option<String>,
    /// The environment the CI runs in (e.g. `production`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Ids of the calendar's maintenance windows that apply to this CI.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintenance_windows: Vec<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A directed relationship between two CIs. `A depends_on B` means a fault
/// in B can hurt A.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Relationship {
    /// The dependent CI id.
    pub from: String,
    /// The CI it relates to.
    pub to: String,
    /// `depends_on`, `runs_on`, `hosted_on`, `connects_to`, `contains`, or
    /// another kind the host uses.
    pub kind: String,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The CMDB: configuration items and their relationships.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct Cmdb {
    /// Document schema version (current: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// The configuration items (ids unique).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis: Vec<ConfigurationItem>,
    /// Relationships between the CIs (both ends must be CIs of this CMDB).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Relationship>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}
