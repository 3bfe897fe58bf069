//! `timing`: the planned window outside the applicable maintenance
//! windows, overlapping a blackout in scope, or in peak hours
//! (`docs/risk.md`, "The factors").

use super::{Computed, Detail, Num};
use crate::calendar::{period_occurrences, Interval, Rule, Touches};
use crate::document::Recurrence;
use crate::policy::{parse_hhmm, PeakHours};
use crate::risk::RiskAssessor;
use crate::{BlackoutSeverity, Calendar, Release, Scope, Timestamp};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone};
use serde::ser::SerializeMap;
use std::collections::BTreeSet;
use std::fmt;

/// What the factor used: rendered only when the assessment is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Timing<'a> {
    /// No planned window.
    NoWindow { neutral: f64 },
    /// No calendar: peak hours only.
    NoCalendar { peak: Option<bool>, neutral: f64 },
    /// Maintenance windows, blackouts and peak hours.
    Calendar {
        mw_value: f64,
        mw: Maintenance<'a>,
        blackout_value: f64,
        /// Blackouts overlapping the window: id and severity.
        blackouts: Vec<(&'a str, &'static str)>,
        peak: Option<bool>,
        neutral: f64,
    },
}

/// What the maintenance windows say about the planned window.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Maintenance<'a> {
    /// No window applies.
    NoneApplies,
    /// Inside this window.
    Inside(&'a str),
    /// This window could not be expanded (why).
    Unexpanded(&'a str, String),
    /// Outside every applicable window.
    Outside,
}

/// The factor's value and typed inputs; `known` are the affected CIs found
/// in the CMDB.
pub(super) fn compute<'a>(a: &'a RiskAssessor<'_>, r: &'a Release, known: &[u32]) -> Computed<'a> {
    let risk = &a.policy().risk;
    let neutral = risk.neutral.timing;
    let window = match (&r.planned_start, &r.planned_end) {
        (Some(s), Some(e)) if s < e => Some((s, e)),
        _ => None,
    };
    let Some((start, end)) = window else {
        return Computed {
            value: neutral,
            detail: Detail::Timing(Timing::NoWindow { neutral }),
        };
    };
    let peak = overlaps_peak(&risk.peak_hours, start, end);
    let peak_value = match peak {
        Some(true) => 1.0,
        Some(false) => 0.0,
        None => neutral,
    };
    let Some(calendar) = a.calendar.as_deref() else {
        let value = 0.4 * neutral + 0.4 * neutral + 0.2 * peak_value;
        return Computed {
            value,
            detail: Detail::Timing(Timing::NoCalendar { peak, neutral }),
        };
    };
    let touches = touches(a, r, known);
    let rules = &a.calendar_rules;
    let (mw_value, mw) = maintenance(a, calendar, rules, &touches, known, start, end, neutral);
    let (blackout_value, blackouts) = blackouts(calendar, rules, &touches, start, end, neutral);
    let value = 0.4 * mw_value + 0.4 * blackout_value + 0.2 * peak_value;
    Computed {
        value,
        detail: Detail::Timing(Timing::Calendar {
            mw_value,
            mw,
            blackout_value,
            blackouts,
            peak,
            neutral,
        }),
    }
}

fn rendered_blackouts(list: &[(&str, &str)]) -> Vec<String> {
    list.iter()
        .map(|(id, severity)| format!("`{id}` ({severity})"))
        .collect()
}

impl Timing<'_> {
    /// [`Timing::inputs`] written straight to a map, keys sorted.
    pub(super) fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        match self {
            Timing::NoWindow { neutral } => {
                m.serialize_entry("neutral", &Num(*neutral))?;
                m.serialize_entry("window", &false)
            }
            Timing::NoCalendar { peak, neutral } => {
                m.serialize_entry("calendar", &false)?;
                m.serialize_entry("neutral", &Num(*neutral))?;
                m.serialize_entry("peak_hours", peak)
            }
            Timing::Calendar {
                mw_value,
                blackout_value,
                blackouts,
                peak,
                neutral,
                ..
            } => {
                m.serialize_entry("blackout", &Num(*blackout_value))?;
                m.serialize_entry("blackouts", &Blackouts(blackouts))?;
                m.serialize_entry("maintenance_window", &Num(*mw_value))?;
                m.serialize_entry("neutral", &Num(*neutral))?;
                m.serialize_entry("peak_hours", peak)
            }
        }
    }
}

/// Blackouts serialised as [`rendered_blackouts`] renders them, without
/// the strings built.
struct Blackouts<'l, 'a>(&'l [(&'a str, &'static str)]);

impl serde::Serialize for Blackouts<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (id, severity) in self.0 {
            seq.serialize_element(&super::Shown(format_args!("`{id}` ({severity})")))?;
        }
        seq.end()
    }
}

impl fmt::Display for Maintenance<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Maintenance::NoneApplies => f.write_str("no maintenance window applies to the release"),
            Maintenance::Inside(id) => {
                write!(f, "the window is inside maintenance window `{id}`")
            }
            Maintenance::Unexpanded(id, e) => write!(
                f,
                "maintenance window `{id}` could not be expanded ({e}): neutral"
            ),
            Maintenance::Outside => {
                f.write_str("the window is outside every applicable maintenance window")
            }
        }
    }
}

fn in_or_outside(peak: Option<bool>) -> &'static str {
    if peak == Some(true) {
        "in "
    } else {
        "outside "
    }
}

impl fmt::Display for Timing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timing::NoWindow { .. } => {
                f.write_str("no planned window: the neutral value is used")
            }
            Timing::NoCalendar { peak, .. } => write!(
                f,
                "no calendar in the context (neutral for windows and blackouts); the window is {}peak hours",
                in_or_outside(*peak)
            ),
            Timing::Calendar {
                mw,
                blackout_value,
                blackouts,
                peak,
                ..
            } => {
                write!(f, "{mw}; ")?;
                if blackouts.is_empty() {
                    if *blackout_value > 0.0 {
                        f.write_str("a blackout could not be expanded (neutral)")?;
                    } else {
                        f.write_str("no blackout overlaps the window")?;
                    }
                } else {
                    write!(
                        f,
                        "the window overlaps blackout {}",
                        rendered_blackouts(blackouts).join(", ")
                    )?;
                }
                write!(f, "; the window is {}peak hours", in_or_outside(*peak))
            }
        }
    }
}

fn touches<'a>(a: &'a RiskAssessor<'_>, r: &'a Release, known: &[u32]) -> Touches<'a> {
    let mut t = Touches {
        cis: r.all_affected_cis().into_iter().collect(),
        classes: BTreeSet::new(),
        services: r.services.iter().map(String::as_str).collect(),
        environments: r.environments.iter().map(String::as_str).collect(),
    };
    if let Some(cmdb) = &a.cmdb {
        for &i in known {
            if let Some(ci) = cmdb.ci(i) {
                t.classes.insert(ci.class.as_str());
                if let Some(s) = &ci.service {
                    t.services.insert(s.as_str());
                }
                if let Some(e) = &ci.environment {
                    t.environments.insert(e.as_str());
                }
            }
        }
    }
    t
}

/// The calendar's recurrences parsed once per assessor (frequency, days,
/// start time, time zone), by index of the calendar's maintenance windows
/// and blackouts: a release then only expands each rule over its own
/// window instead of parsing the rule (and its time zone) again.
#[derive(Debug, Default)]
pub(crate) struct CalendarRules {
    maintenance: Vec<Option<Rule>>,
    blackouts: Vec<Option<Rule>>,
}

impl CalendarRules {
    /// The rules of `calendar`; an entry that is not a recurrence, or one
    /// that does not parse, has none (it takes the uncached path, which
    /// gives the error).
    pub(crate) fn new(calendar: &Calendar) -> Self {
        let rule = |r: Option<&Recurrence>| r.and_then(|r| Rule::new(r, "").ok());
        CalendarRules {
            maintenance: calendar
                .maintenance_windows
                .iter()
                .map(|w| rule(w.recurrence.as_ref()))
                .collect(),
            blackouts: calendar
                .blackouts
                .iter()
                .map(|b| rule(b.recurrence.as_ref()))
                .collect(),
        }
    }
}

/// The occurrences of one calendar entry over `range`, exactly as
/// [`crate::calendar::period_occurrences`] gives them: a one-off period
/// checked in place, a recurrence expanded from its `rule` parsed once;
/// anything else, and every error, by `period_occurrences` itself at
/// `path()` (so errors and their paths are unchanged).
fn occurrences(
    rule: Option<&Rule>,
    start: Option<&Timestamp>,
    end: Option<&Timestamp>,
    recurrence: Option<&Recurrence>,
    range: (i64, i64),
    path: impl FnOnce() -> String,
) -> crate::Result<Vec<Interval>> {
    let limit = crate::calendar::DEFAULT_MAX_OCCURRENCES;
    match (start, end, recurrence, rule) {
        (Some(s), Some(e), None, _) if s.unix_seconds() < e.unix_seconds() => {
            let iv = Interval {
                start: s.unix_seconds(),
                end: e.unix_seconds(),
            };
            Ok(if iv.start < range.1 && iv.end > range.0 {
                vec![iv]
            } else {
                Vec::new()
            })
        }
        (None, None, Some(_), Some(rule)) => match rule.occurrences(range.0, range.1, limit, "") {
            Ok(list) => Ok(list),
            Err(_) => period_occurrences(start, end, recurrence, range, limit, &path()),
        },
        _ => period_occurrences(start, end, recurrence, range, limit, &path()),
    }
}

// One argument per input the rule reads.
#[allow(clippy::too_many_arguments)]
fn maintenance<'a>(
    a: &RiskAssessor<'_>,
    calendar: &'a Calendar,
    rules: &CalendarRules,
    t: &Touches<'_>,
    known: &[u32],
    start: &Timestamp,
    end: &Timestamp,
    neutral: f64,
) -> (f64, Maintenance<'a>) {
    let named: BTreeSet<&str> = match &a.cmdb {
        Some(cmdb) => known
            .iter()
            .filter_map(|&i| cmdb.ci(i))
            .flat_map(|ci| ci.maintenance_windows.iter().map(String::as_str))
            .collect(),
        None => BTreeSet::new(),
    };
    let applicable: Vec<_> = calendar
        .maintenance_windows
        .iter()
        .zip(rules.maintenance.iter().chain(std::iter::repeat(&None)))
        .filter(|(w, _)| {
            named.contains(w.id.as_str()) || w.scope.as_ref().is_some_and(|s| scope_matches(s, t))
        })
        .collect();
    if applicable.is_empty() {
        return (0.0, Maintenance::NoneApplies);
    }
    let range = (start.unix_seconds(), end.unix_seconds());
    // The path of an error counts the applicable windows, as it always has.
    for (i, (w, rule)) in applicable.iter().enumerate() {
        let occurrences = occurrences(
            rule.as_ref(),
            w.start.as_ref(),
            w.end.as_ref(),
            w.recurrence.as_ref(),
            range,
            || format!("calendar.maintenance_windows[{i}]"),
        );
        match occurrences {
            // Back-to-back occurrences count as one window.
            Ok(list) => {
                let merged = crate::calendar::merge(list);
                if merged
                    .iter()
                    .any(|iv| iv.start <= range.0 && range.1 <= iv.end)
                {
                    return (0.0, Maintenance::Inside(w.id.as_str()));
                }
            }
            Err(e) => {
                return (
                    neutral,
                    Maintenance::Unexpanded(w.id.as_str(), e.to_string()),
                )
            }
        }
    }
    (1.0, Maintenance::Outside)
}

fn blackouts<'a>(
    calendar: &'a Calendar,
    rules: &CalendarRules,
    t: &Touches<'_>,
    start: &Timestamp,
    end: &Timestamp,
    neutral: f64,
) -> (f64, Vec<(&'a str, &'static str)>) {
    let mut hits = Vec::new();
    let mut unexpanded = false;
    let range = (start.unix_seconds(), end.unix_seconds());
    for (i, b) in calendar.blackouts.iter().enumerate() {
        if !b.scope.as_ref().is_none_or(|s| scope_matches(s, t)) {
            continue;
        }
        let occurrences = occurrences(
            rules.blackouts.get(i).and_then(Option::as_ref),
            b.start.as_ref(),
            b.end.as_ref(),
            b.recurrence.as_ref(),
            range,
            || format!("calendar.blackouts[{i}]"),
        );
        match occurrences {
            Ok(list) if list.iter().any(|iv| iv.start < range.1 && range.0 < iv.end) => {
                let severity = match b.severity {
                    BlackoutSeverity::Warn => "warn",
                    BlackoutSeverity::Block => "block",
                };
                hits.push((b.id.as_str(), severity));
            }
            Ok(_) => {}
            Err(_) => unexpanded = true,
        }
    }
    let value = if !hits.is_empty() {
        1.0
    } else if unexpanded {
        neutral
    } else {
        0.0
    };
    (value, hits)
}

/// Whether `[start, end)` overlaps peak hours, or `None` when the policy's
/// time zone cannot place them.
fn overlaps_peak(h: &PeakHours, start: &Timestamp, end: &Timestamp) -> Option<bool> {
    if h.days.is_empty() {
        return Some(false);
    }
    let (from, to) = (parse_hhmm(&h.start)?, parse_hhmm(&h.end)?);
    let (s, e) = (start.datetime(), end.datetime());
    // Longer than a week: every weekday is inside.
    if e.signed_duration_since(s).num_days() >= 7 {
        return Some(true);
    }
    let tz: Option<chrono_tz::Tz> = match &h.time_zone {
        Some(name) => Some(name.parse().ok()?),
        None => None,
    };
    let offset = *s.offset();
    let local_date = |t: DateTime<FixedOffset>| match tz {
        Some(z) => t.with_timezone(&z).date_naive(),
        None => t.date_naive(),
    };
    let instant = |d: NaiveDate, minutes: u32| -> Option<DateTime<FixedOffset>> {
        let naive = d.and_hms_opt(minutes / 60, minutes % 60, 0)?;
        match tz {
            Some(z) => {
                let local = z.from_local_datetime(&naive);
                local
                    .earliest()
                    .or_else(|| local.latest())
                    .map(|t| t.fixed_offset())
            }
            None => offset.from_local_datetime(&naive).single(),
        }
    };
    let mut day = local_date(s).pred_opt()?;
    let last = local_date(e);
    while day <= last {
        let weekday = match day.weekday() {
            chrono::Weekday::Mon => crate::Weekday::Mon,
            chrono::Weekday::Tue => crate::Weekday::Tue,
            chrono::Weekday::Wed => crate::Weekday::Wed,
            chrono::Weekday::Thu => crate::Weekday::Thu,
            chrono::Weekday::Fri => crate::Weekday::Fri,
            chrono::Weekday::Sat => crate::Weekday::Sat,
            chrono::Weekday::Sun => crate::Weekday::Sun,
        };
        if h.days.contains(&weekday) {
            if let (Some(ps), Some(pe)) = (instant(day, from), instant(day, to)) {
                if s < pe && ps < e {
                    return Some(true);
                }
            }
        }
        day = day.succ_opt()?;
    }
    Some(false)
}

fn scope_matches(scope: &Scope, t: &Touches<'_>) -> bool {
    t.matches(scope)
}
