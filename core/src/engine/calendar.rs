//! Calendar expansion: the occurrences of blackouts and maintenance windows
//! inside a time range.
//!
//! Decides: when a one-off or recurring period is in force, as instants
//! (Unix seconds, end exclusive). Needs: the [`Recurrence`] (daily, weekly
//! on given days, monthly on a day of the month or the nth weekday), its
//! IANA time zone and the range asked for, plus a limit on the number of
//! occurrences.
//!
//! Rules (RFC 5545 and docs/conflicts.md, "Calendars and time zones"): an occurrence starts at `start_time` local
//! time on each matching local date and lasts `duration_secs` of elapsed
//! time. A local start that does not exist (the spring-forward gap) moves
//! forward by the length of the gap (02:30 in a 02:00→03:00 gap starts at
//! 03:30); an ambiguous one (fall back) takes the first occurrence, i.e.
//! the earlier instant, still on summer time. `from` and `until` are local
//! dates, both inclusive. An `interval` above 1 counts periods from the
//! `from` date when given, else from 1970-01-01 (days), the week of Monday
//! 1969-12-29 (weeks) or January 1970 (months).

use crate::document::{Frequency, Recurrence};
use crate::error::{Error, Result};
use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

/// The default limit on the occurrences one expansion may produce (the
/// policy's default `conflicts.max_occurrences`).
pub use crate::policy::DEFAULT_MAX_OCCURRENCES;

/// The longest range one expansion may walk: about 50 years of days.
pub const MAX_RANGE_DAYS: i64 = 50 * 366;

/// The longest `duration_secs` a recurrence may have, in seconds: the span
/// of chrono's `DateTime<Utc>` (from its first to its last representable
/// second, about 524 000 years; 16 544 868 105 599 with chrono 0.4.45).
/// A longer occurrence would end outside every date relman can represent;
/// anything up to this bound fits a `TimeDelta` and, added to or taken
/// from any representable instant, an `i64` of Unix seconds. One past it is
/// `invalid_input` at the `duration_secs` path.
pub const MAX_DURATION_SECS: u64 = DateTime::<Utc>::MAX_UTC
    .timestamp()
    .abs_diff(DateTime::<Utc>::MIN_UTC.timestamp());

// The bound must fit chrono's `TimeDelta` (at most `i64::MAX` milliseconds).
const _: () = assert!(MAX_DURATION_SECS <= TimeDelta::MAX.num_seconds().unsigned_abs());

/// What is wrong with a duration of `secs` seconds: 0, or over
/// [`MAX_DURATION_SECS`]; `None` when it is fine.
pub(crate) fn duration_problem(secs: u64) -> Option<String> {
    if secs == 0 {
        Some("must be > 0".to_string())
    } else if secs > MAX_DURATION_SECS {
        Some(format!(
            "must be at most {MAX_DURATION_SECS} seconds (the span of representable dates), got {secs}"
        ))
    } else {
        None
    }
}

/// A duration as `i64` seconds, or `invalid_input` at `path` when it is 0
/// or over [`MAX_DURATION_SECS`].
pub(crate) fn check_duration(secs: u64, path: &str) -> Result<i64> {
    match (duration_problem(secs), i64::try_from(secs)) {
        (None, Ok(d)) => Ok(d),
        (problem, _) => Err(Error::invalid_input(
            path,
            problem.unwrap_or_else(|| "is out of range".to_string()),
        )),
    }
}

/// A half-open interval of instants `[start, end)` in Unix seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    /// First second inside the interval.
    pub start: i64,
    /// First second after the interval.
    pub end: i64,
}

impl Interval {
    /// The interval's length in seconds.
    pub fn len(&self) -> i64 {
        self.end.saturating_sub(self.start)
    }

    /// True when the interval holds no instant.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The start as a UTC date-time.
    pub fn start_utc(&self) -> DateTime<Utc> {
        utc(self.start)
    }

    /// The end as a UTC date-time.
    pub fn end_utc(&self) -> DateTime<Utc> {
        utc(self.end)
    }
}

/// The CI ids, CI classes, services and environments an item touches, for
/// matching the `scope` of blackouts and maintenance windows.
#[derive(Debug, Default)]
pub(crate) struct Touches<'a> {
    pub(crate) cis: std::collections::BTreeSet<&'a str>,
    pub(crate) classes: std::collections::BTreeSet<&'a str>,
    pub(crate) services: std::collections::BTreeSet<&'a str>,
    pub(crate) environments: std::collections::BTreeSet<&'a str>,
}

impl Touches<'_> {
    /// True when `scope` is `all` or names anything the item touches.
    pub(crate) fn matches(&self, scope: &crate::Scope) -> bool {
        let any = |list: &[String], set: &std::collections::BTreeSet<&str>| {
            list.iter().any(|x| set.contains(x.as_str()))
        };
        scope.all
            || any(&scope.cis, &self.cis)
            || any(&scope.ci_classes, &self.classes)
            || any(&scope.services, &self.services)
            || any(&scope.environments, &self.environments)
    }
}

/// A UTC date-time from Unix seconds (saturating at chrono's range).
pub fn utc(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(if secs < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// A recurrence with its text fields parsed. Two rules that compare equal
/// have the same occurrences (a cache of expansions is keyed by them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    freq: Frequency,
    interval: i64,
    days: [bool; 7],
    day_of_month: Option<u32>,
    nth: Option<i8>,
    start: NaiveTime,
    duration: i64,
    tz: Tz,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

impl Rule {
    /// Parses a recurrence; `path` is the JSON path of the recurrence, used
    /// in errors (`calendar.blackouts[2].recurrence.time_zone`).
    pub fn new(r: &Recurrence, path: &str) -> Result<Rule> {
        let at = |f: &str| crate::foundation::path::join(path, f);
        if r.interval == 0 {
            return Err(Error::invalid_input(at("interval"), "must be at least 1"));
        }
        let duration = check_duration(r.duration_secs, &at("duration_secs"))?;
        let tz: Tz = r.time_zone.parse().map_err(|_| {
            Error::invalid_input(
                at("time_zone"),
                format!("`{}` is not an IANA time zone name", r.time_zone),
            )
        })?;
        let start = NaiveTime::parse_from_str(&r.start_time, "%H:%M")
            .ok()
            .filter(|_| r.start_time.len() == 5)
            .ok_or_else(|| {
                Error::invalid_input(
                    at("start_time"),
                    format!("`{}` is not a local time HH:MM", r.start_time),
                )
            })?;
        let date = |name: &str, v: &Option<String>| -> Result<Option<NaiveDate>> {
            v.as_ref()
                .map(|s| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                        Error::invalid_input(at(name), format!("`{s}` is not a date YYYY-MM-DD"))
                    })
                })
                .transpose()
        };
        let mut days = [false; 7];
        for d in &r.by_day {
            if let Some(slot) = days.get_mut(usize::from(d.days_from_monday())) {
                *slot = true;
            }
        }
        match r.freq {
            Frequency::Weekly if r.by_day.is_empty() => {
                return Err(Error::invalid_input(
                    at("by_day"),
                    "a weekly recurrence needs at least one day",
                ))
            }
            Frequency::Monthly => match (r.day_of_month, r.nth) {
                (Some(d), None) if (1..=31).contains(&d) => {}
                (None, Some(n)) if (n == -1 || (1..=5).contains(&n)) && r.by_day.len() == 1 => {}
                _ => {
                    return Err(Error::invalid_input(
                        path,
                        "a monthly recurrence needs day_of_month 1–31, or nth (1–5, -1) with one by_day",
                    ))
                }
            },
            _ => {}
        }
        let (from, until) = (date("from", &r.from)?, date("until", &r.until)?);
        if let (Some(a), Some(b)) = (from, until) {
            if b < a {
                return Err(Error::invalid_input(
                    at("until"),
                    format!("must not be before from ({b} < {a})"),
                ));
            }
        }
        Ok(Rule {
            freq: r.freq,
            interval: i64::from(r.interval),
            days,
            day_of_month: r.day_of_month.map(u32::from),
            nth: r.nth,
            start,
            duration,
            tz,
            from,
            until,
        })
    }

    /// The elapsed duration of each occurrence, in seconds.
    pub fn duration(&self) -> i64 {
        self.duration
    }

    /// The rule's time zone.
    pub fn zone(&self) -> &Tz {
        &self.tz
    }

    /// The local start time of every occurrence (`start_time`).
    pub fn local_start(&self) -> NaiveTime {
        self.start
    }

    /// The rule as the value of an RFC 5545 `RRULE` without `UNTIL`
    /// (`FREQ=WEEKLY;WKST=MO;BYDAY=SA,SU`). Its occurrences equal the
    /// rule's own when `DTSTART` is one of them: intervals count from
    /// `DTSTART` there and from the anchor here, and `DTSTART` is on the
    /// anchor's phase. Weeks start on Monday (`WKST=MO`) as here; a
    /// `BYMONTHDAY` a month lacks is skipped (RFC 5545 §3.3.10) as here;
    /// `nth` -1 is `BYDAY=-1SU`, the last such weekday.
    pub fn rrule(&self) -> String {
        const NAMES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
        let days: Vec<&str> = NAMES
            .iter()
            .zip(self.days.iter())
            .filter(|(_, on)| **on)
            .map(|(n, _)| *n)
            .collect();
        let mut out = match self.freq {
            Frequency::Daily => "FREQ=DAILY".to_string(),
            Frequency::Weekly => format!("FREQ=WEEKLY;WKST=MO;BYDAY={}", days.join(",")),
            Frequency::Monthly => match (self.day_of_month, self.nth) {
                (Some(d), _) => format!("FREQ=MONTHLY;BYMONTHDAY={d}"),
                (None, Some(n)) => format!("FREQ=MONTHLY;BYDAY={n}{}", days.join(",")),
                (None, None) => "FREQ=MONTHLY".to_string(),
            },
        };
        if self.interval > 1 {
            out.push_str(&format!(";INTERVAL={}", self.interval));
        }
        out
    }

    fn anchor(&self) -> NaiveDate {
        self.from
            .unwrap_or(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default())
    }

    /// True when an occurrence starts on local date `d`.
    fn matches(&self, d: NaiveDate) -> bool {
        if self.from.is_some_and(|f| d < f) || self.until.is_some_and(|u| d > u) {
            return false;
        }
        let anchor = self.anchor();
        match self.freq {
            Frequency::Daily => {
                d.signed_duration_since(anchor)
                    .num_days()
                    .rem_euclid(self.interval)
                    == 0
            }
            Frequency::Weekly => {
                let wd = d.weekday().num_days_from_monday() as usize;
                if !self.days.get(wd).copied().unwrap_or(false) {
                    return false;
                }
                // The day number of the Monday of x's week (both terms
                // are far inside i64, so the subtraction never saturates).
                let monday = |x: NaiveDate| {
                    i64::from(x.num_days_from_ce())
                        .saturating_sub(i64::from(x.weekday().num_days_from_monday()))
                };
                let weeks = monday(d).saturating_sub(monday(anchor)) / 7;
                weeks.rem_euclid(self.interval) == 0
            }
            Frequency::Monthly => {
                let months = month_number(d).saturating_sub(month_number(anchor));
                if months.rem_euclid(self.interval) != 0 {
                    return false;
                }
                match (self.day_of_month, self.nth) {
                    (Some(dom), _) => d.day() == dom,
                    (None, Some(n)) => {
                        let wd = d.weekday().num_days_from_monday() as usize;
                        if !self.days.get(wd).copied().unwrap_or(false) {
                            return false;
                        }
                        if n == -1 {
                            // The last such weekday: a week later is next month.
                            d.checked_add_days(Days::new(7))
                                .is_none_or(|next| next.month() != d.month())
                        } else {
                            // n is 1 to 5 here (Rule::new checked it).
                            d.day0() / 7 == u32::from(n.unsigned_abs()).saturating_sub(1)
                        }
                    }
                    (None, None) => false,
                }
            }
        }
    }

    /// The instant a local date-time denotes in the rule's zone: a time in
    /// the spring-forward gap moves forward by the gap; an ambiguous time
    /// takes the earlier instant.
    pub fn resolve(&self, local: NaiveDateTime) -> i64 {
        resolve_local(&self.tz, local)
    }

    /// Every occurrence that intersects `[from, to)` (Unix seconds), in
    /// order. More than `limit` occurrences is `limit_exceeded` at `path`.
    pub fn occurrences(&self, from: i64, to: i64, limit: u64, path: &str) -> Result<Vec<Interval>> {
        let mut out = Vec::new();
        if to <= from {
            return Ok(out);
        }
        // Local dates that can hold an occurrence intersecting the range:
        // from a day before (offsets up to ±1 day) minus the duration in
        // days, to a day after.
        // The duration is at most MAX_DURATION_SECS, so `back` fits a
        // TimeDelta; a date before chrono's first keeps `first`, as before.
        let back = (self.duration / 86_400).saturating_add(2);
        let first = utc(from).date_naive();
        let first = TimeDelta::try_days(back)
            .and_then(|b| first.checked_sub_signed(b))
            .unwrap_or(first);
        let last = utc(to).date_naive();
        let last = last.checked_add_days(Days::new(2)).unwrap_or(last);
        let first = match self.from {
            Some(f) if f > first => f,
            _ => first,
        };
        let last = match self.until {
            Some(u) if u < last => u,
            _ => last,
        };
        let span = last.signed_duration_since(first).num_days();
        if span > MAX_RANGE_DAYS {
            return Err(Error::LimitExceeded {
                path: path.to_string(),
                what: "calendar expansion range in days".to_string(),
                limit: MAX_RANGE_DAYS.unsigned_abs(),
                found: span.unsigned_abs(),
            });
        }
        let mut d = first;
        while d <= last {
            if self.matches(d) {
                let start = self.resolve(d.and_time(self.start));
                let end = start.saturating_add(self.duration);
                if start < to && end > from {
                    if out.len() as u64 >= limit {
                        return Err(Error::LimitExceeded {
                            path: path.to_string(),
                            what: "calendar occurrences".to_string(),
                            limit,
                            found: limit.saturating_add(1),
                        });
                    }
                    out.push(Interval { start, end });
                }
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        Ok(out)
    }
}

/// The number of a date's month counted from January of year 0 (years
/// are within ±262 143, so the arithmetic never saturates).
fn month_number(d: NaiveDate) -> i64 {
    i64::from(d.year())
        .saturating_mul(12)
        .saturating_add(i64::from(d.month0()))
}

/// Resolves a local date-time in `tz` to Unix seconds (the DST rule of
/// docs/conflicts.md, "Calendars and time zones").
pub fn resolve_local(tz: &Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.timestamp(),
        chrono::LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        chrono::LocalResult::None => {
            // In a gap: read the local time with the offset in force before
            // the gap (a day earlier), which moves it forward by the gap.
            let before = local.checked_sub_days(Days::new(1)).unwrap_or(local);
            let offset = match tz.from_local_datetime(&before) {
                chrono::LocalResult::Single(t) => t.offset().fix().local_minus_utc(),
                chrono::LocalResult::Ambiguous(a, _) => a.offset().fix().local_minus_utc(),
                chrono::LocalResult::None => 0,
            };
            // A representable local time and an offset under a day: never
            // saturates.
            local
                .and_utc()
                .timestamp()
                .saturating_sub(i64::from(offset))
        }
    }
}

use chrono::Offset;

/// The occurrences of a period given either as `start`/`end` or as a
/// recurrence, intersecting `[from, to)`. `path` is the period's JSON path.
pub fn period_occurrences(
    start: Option<&crate::Timestamp>,
    end: Option<&crate::Timestamp>,
    recurrence: Option<&Recurrence>,
    range: (i64, i64),
    limit: u64,
    path: &str,
) -> Result<Vec<Interval>> {
    let (from, to) = range;
    match (start, end, recurrence) {
        (Some(s), Some(e), None) => {
            let iv = Interval {
                start: s.unix_seconds(),
                end: e.unix_seconds(),
            };
            if iv.end <= iv.start {
                return Err(Error::invalid_input(
                    crate::foundation::path::join(path, "end"),
                    format!("must be after start ({e} is not after {s})"),
                ));
            }
            Ok(if iv.start < to && iv.end > from {
                vec![iv]
            } else {
                Vec::new()
            })
        }
        (None, None, Some(r)) => {
            let rpath = crate::foundation::path::join(path, "recurrence");
            Rule::new(r, &rpath)?.occurrences(from, to, limit, &rpath)
        }
        _ => Err(Error::invalid_input(
            path,
            "needs either start and end, or a recurrence",
        )),
    }
}

/// Merges overlapping or touching intervals (sorted output).
pub fn merge(mut v: Vec<Interval>) -> Vec<Interval> {
    v.sort_unstable();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for iv in v {
        match out.last_mut() {
            Some(last) if iv.start <= last.end => last.end = last.end.max(iv.end),
            _ => out.push(iv),
        }
    }
    out
}
