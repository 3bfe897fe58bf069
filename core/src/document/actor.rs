//! Actors: the directory that roles and approvals are checked against.

use super::Extra;
use crate::Role;
use schemars::JsonSchema;
use serde::Serialize;

/// A person (or service account) who issues commands or approves.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Actor {
    /// Document schema version (current: 1), when sent on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Unique id (user name or sys_id).
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Roles held.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Approver groups the actor belongs to (e.g. `dba`, `cab`), which
    /// the policy's approval routing requires votes from
    /// (`docs/lifecycle.md`, "Approval routing"). Group names are compared
    /// after the same canonicalisation as actor ids. Not written when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Contact address used in notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}
