//! The context: what an operation may consult besides its main input.

use crate::document::Extra;
mod schedule;

pub use schedule::Schedule;

use crate::{Actor, Calendar, Cmdb, History, Policy, RiskLevel, Timestamp};
use schemars::JsonSchema;
use serde::Serialize;

/// Everything an operation may consult besides its main input; every part
/// is optional.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct Context {
    /// Document schema version (current: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// The directory roles and approvals are checked against (ids unique).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<Actor>,
    /// The policy (absent: `Policy::default()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    /// The CMDB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmdb: Option<Cmdb>,
    /// The change calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<Calendar>,
    /// The forward schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// Past deployments, incidents and releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
    /// A risk level decided by the host, used by the lifecycle risk gate
    /// when given (else the release's attached assessment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_level: Option<RiskLevel>,
    /// The current time, given by the caller (relman never reads a clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Timestamp>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}
