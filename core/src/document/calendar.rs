//! The change calendar: blackouts and maintenance windows, one-off or
//! recurring in an IANA time zone.

use super::{is_false, Extra};
use crate::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a blackout or maintenance window applies to. Absent, or `all: true`,
/// means everything; otherwise it matches an item that touches any listed CI,
/// CI class, service or environment.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct Scope {
    /// Applies to everything.
    #[serde(default, skip_serializing_if = "is_false")]
    pub all: bool,
    /// CI ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis: Vec<String>,
    /// CI classes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ci_classes: Vec<String>,
    /// Business services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Environments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Scope {
    /// True when the scope names nothing at all (and is not `all`).
    pub fn is_empty(&self) -> bool {
        !self.all
            && self.cis.is_empty()
            && self.ci_classes.is_empty()
            && self.services.is_empty()
            && self.environments.is_empty()
    }
}

/// Whether a blackout blocks or only warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlackoutSeverity {
    /// Nothing may be deployed (an emergency needs an ECAB override).
    #[default]
    Block,
    /// Deployments are allowed but flagged (and raise risk).
    Warn,
}

/// How often a recurring window repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Every `interval` days.
    Daily,
    /// Every `interval` weeks, on `by_day`.
    Weekly,
    /// Every `interval` months, on `day_of_month` or the `nth` `by_day`.
    Monthly,
}

/// A day of the week.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// Days after Monday: 0 for Monday … 6 for Sunday (weeks start on
    /// Monday, as in `WKST=MO`).
    pub const fn days_from_monday(self) -> u8 {
        match self {
            Weekday::Mon => 0,
            Weekday::Tue => 1,
            Weekday::Wed => 2,
            Weekday::Thu => 3,
            Weekday::Fri => 4,
            Weekday::Sat => 5,
            Weekday::Sun => 6,
        }
    }
}

/// A recurrence rule: occurrences start at `start_time` local time in
/// `time_zone` and last `duration_secs` of elapsed time.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Recurrence {
    /// Daily, weekly or monthly.
    pub freq: Frequency,
    /// Repeat every `interval` periods (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub interval: u32,
    /// Weekly: the days; monthly with `nth`: the weekday (exactly one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_day: Vec<Weekday>,
    /// Monthly: the day of the month (1–31; months without it are skipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_of_month: Option<u8>,
    /// Monthly: which occurrence of the `by_day` weekday (1–5, or -1 for the
    /// last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<i8>,
    /// Local start time, `HH:MM` (24 h).
    pub start_time: String,
    /// Elapsed duration of each occurrence, in seconds (> 0).
    pub duration_secs: u64,
    /// IANA time zone name (e.g. `Europe/Paris`).
    pub time_zone: String,
    /// First day the rule applies (local date, `YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day the rule applies (local date, `YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// A blackout: a period in which changes are not allowed (or only warned).
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Blackout {
    /// Unique id within the calendar.
    pub id: String,
    /// Human name (e.g. `Year-end freeze`).
    pub name: String,
    /// Start, for a one-off blackout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    /// End, for a one-off blackout (after `start`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    /// Recurrence, instead of `start`/`end`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
    /// What it applies to (absent: everything).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Block (default) or warn.
    #[serde(default)]
    pub severity: BlackoutSeverity,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A maintenance window: when the CIs that reference it may be changed.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct MaintenanceWindow {
    /// Unique id within the calendar (CIs name it in `maintenance_windows`).
    pub id: String,
    /// Human name (e.g. `Sunday night`).
    pub name: String,
    /// Start, for a one-off window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    /// End, for a one-off window (after `start`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    /// Recurrence, instead of `start`/`end`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
    /// What it applies to besides the CIs that name it (absent: only those).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The change calendar.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct Calendar {
    /// Document schema version (current: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Blackouts (ids unique).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blackouts: Vec<Blackout>,
    /// Maintenance windows (ids unique).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintenance_windows: Vec<MaintenanceWindow>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}
