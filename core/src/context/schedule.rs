//! The schedule: releases (and bare changes) with their windows, plus the
//! CMDB, calendar and policy that conflict detection needs.

use crate::document::Extra;
use crate::{Calendar, Change, Cmdb, Policy, Release};
use schemars::JsonSchema;
use serde::Serialize;

/// A forward schedule of releases and bare changes.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct Schedule {
    /// Document schema version (current: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Scheduled releases (ids unique across releases and changes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub releases: Vec<Release>,
    /// Changes scheduled outside any release (each needs its own window).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// The CMDB the items' CIs refer to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmdb: Option<Cmdb>,
    /// The change calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<Calendar>,
    /// The policy (conflict options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}
