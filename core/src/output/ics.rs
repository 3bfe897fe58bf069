//! iCalendar export: the forward schedule and the blackouts as an RFC 5545
//! file that Outlook, Google Calendar and Apple Calendar import.
//!
//! Decides: nothing — it presents. Needs: a [`Schedule`] (its releases, its
//! bare changes and its `calendar`) and [`IcsOptions`] with the caller's
//! `now` (the DTSTAMP of every event; relman never reads a clock).
//!
//! Output: one VEVENT per release with `planned_start` and `planned_end`
//! (UID `release-<id>@<uid_domain>`), optionally one per change (UID
//! `change-<id>@…`; a change without its own window takes its release's),
//! and one per blackout occurrence that intersects the horizon `[from,
//! from + horizon_days)` (UID `blackout-<id>-<start as YYYYMMDDTHHMMSSZ>@…`),
//! expanded by [`crate::calendar`] with its DST rules. Times are UTC (`Z`)
//! unless `time_zone` names an IANA zone: then DTSTART/DTEND carry `TZID`
//! and a VTIMEZONE lists every UTC-offset transition of the zone between a
//! year before the first and a year after the last event. TEXT values escape
//! backslash, semicolon, comma and newline; lines end in CRLF and are folded
//! at 75 octets without splitting a UTF-8 character. Output order is the
//! document order; the same input gives the same bytes.

use crate::calendar::{self, utc};
use crate::context::Schedule;
use crate::document::{Change, Release, State};
use crate::error::{Error, Result, Warning};
use crate::Timestamp;
use chrono::{Offset, TimeZone};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The most events one export may hold.
pub const MAX_EVENTS: usize = 100_000;

/// Options of [`calendar_ics`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IcsOptions {
    /// The DTSTAMP of every event, and the default start of the horizon.
    pub now: Timestamp,
    /// Start of the blackout horizon (default: `now`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    /// Length of the blackout horizon in days (default 90, at most 3660).
    #[serde(default = "default_horizon")]
    pub horizon_days: u32,
    /// Also one event per change (default false).
    #[serde(default)]
    pub per_change: bool,
    /// IANA zone for DTSTART/DTEND with a VTIMEZONE (default: UTC times).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The calendar's display name (X-WR-CALNAME); default `relman schedule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The domain part of every UID (default `relman.invalid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid_domain: Option<String>,
}

fn default_horizon() -> u32 {
    90
}

impl IcsOptions {
    /// Options with `now` and every default.
    pub fn new(now: Timestamp) -> Self {
        IcsOptions {
            now,
            from: None,
            horizon_days: default_horizon(),
            per_change: false,
            time_zone: None,
            name: None,
            uid_domain: None,
        }
    }
}

/// The result of [`calendar_ics`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IcsExport {
    /// The iCalendar text (CRLF line ends, folded).
    pub ics: String,
    /// How many VEVENTs it holds.
    pub events: usize,
    /// Odd but not fatal: e.g. a release without a planned window.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): `\` `;` `,` and newlines.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line (without line end) into physical lines of at
/// most 75 octets, each ended by CRLF; continuation lines start with a
/// space (RFC 5545 §3.1). Never splits a UTF-8 character.
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(
        line.len()
            .saturating_add((line.len() / 70).saturating_mul(3))
            .saturating_add(2),
    );
    let mut used = 0usize;
    for c in line.chars() {
        let n = c.len_utf8();
        if used.saturating_add(n) > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used = used.saturating_add(n);
    }
    out.push_str("\r\n");
    out
}

/// Unfolds iCalendar text: removes every CRLF followed by one space or tab.
pub fn unfold(text: &str) -> String {
    text.replace("\r\n ", "").replace("\r\n\t", "")
}

struct Writer {
    out: String,
}

impl Writer {
    fn line(&mut self, l: &str) {
        self.out.push_str(&fold_line(l));
    }
}

fn utc_stamp(secs: i64) -> String {
    utc(secs).format("%Y%m%dT%H%M%SZ").to_string()
}

enum Zone {
    Utc,
    Named(Tz),
}

impl Zone {
    /// `DTSTART…` property for an instant.
    fn prop(&self, name: &str, secs: i64) -> String {
        match self {
            Zone::Utc => format!("{name}:{}", utc_stamp(secs)),
            Zone::Named(tz) => {
                let local = tz.from_utc_datetime(&utc(secs).naive_utc());
                let naive = local.naive_local();
                // An ambiguous local time reads as its first instant
                // (RFC 5545): write the second one in UTC instead.
                match tz.from_local_datetime(&naive) {
                    chrono::LocalResult::Single(_) => format!(
                        "{name};TZID={}:{}",
                        tz.name(),
                        naive.format("%Y%m%dT%H%M%S")
                    ),
                    chrono::LocalResult::Ambiguous(a, _) if a.timestamp() == secs => format!(
                        "{name};TZID={}:{}",
                        tz.name(),
                        naive.format("%Y%m%dT%H%M%S")
                    ),
                    _ => format!("{name}:{}", utc_stamp(secs)),
                }
            }
        }
    }
}

fn offset_at(tz: &Tz, secs: i64) -> (i32, bool, String) {
    let o = tz.offset_from_utc_datetime(&utc(secs).naive_utc());
    let dst = o.dst_offset().num_seconds() != 0;
    let abbr = o.abbreviation().unwrap_or("").to_string();
    (o.fix().local_minus_utc(), dst, abbr)
}

fn fmt_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

/// Every instant in `[from, to)` where the zone's UTC offset changes.
fn transitions(tz: &Tz, from: i64, to: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let step = 86_400 * 7;
    let mut t = from;
    while t < to {
        let next = t.saturating_add(step).min(to);
        if offset_at(tz, t).0 != offset_at(tz, next).0 {
            // Binary search for the first second with the new offset.
            let (mut lo, mut hi) = (t, next);
            let base = offset_at(tz, t).0;
            // lo < hi <= lo + a week: the differences never saturate.
            while hi.saturating_sub(lo) > 1 {
                let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
                if offset_at(tz, mid).0 == base {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(hi);
            t = hi;
            continue;
        }
        t = next;
    }
    out
}

fn vtimezone(w: &mut Writer, tz: &Tz, first: i64, last: i64) {
    let from = first.saturating_sub(366 * 86_400);
    let to = last.saturating_add(366 * 86_400);
    w.line("BEGIN:VTIMEZONE");
    w.line(&format!("TZID:{}", tz.name()));
    let trans = transitions(tz, from, to);
    let emit = |w: &mut Writer, at: i64, before: i32| {
        let (after, dst, abbr) = offset_at(tz, at);
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        w.line(&format!("BEGIN:{kind}"));
        let local = utc(at.saturating_add(i64::from(before))).naive_utc();
        w.line(&format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")));
        w.line(&format!("TZOFFSETFROM:{}", fmt_offset(before)));
        w.line(&format!("TZOFFSETTO:{}", fmt_offset(after)));
        if !abbr.is_empty() {
            w.line(&format!("TZNAME:{}", escape_text(&abbr)));
        }
        w.line(&format!("END:{kind}"));
    };
    // The offset in force at the start of the range, as an observance
    // beginning there.
    let (start_offset, _, _) = offset_at(tz, from);
    emit(w, from, start_offset);
    for t in trans {
        let before = offset_at(tz, t.saturating_sub(1)).0;
        emit(w, t, before);
    }
    w.line("END:VTIMEZONE");
}

struct Event {
    uid: String,
    start: i64,
    end: i64,
    summary: String,
    description: String,
    categories: &'static str,
    status: Option<&'static str>,
    location: Option<String>,
}

fn release_event(r: &Release, domain: &str) -> Option<Event> {
    let (s, e) = (r.planned_start.as_ref()?, r.planned_end.as_ref()?);
    let mut desc = format!(
        "Release {} ({}), state {}.",
        r.id,
        kind(r),
        r.state.as_str()
    );
    if let Some(scope) = &r.scope {
        desc.push_str("\n\n");
        desc.push_str(scope);
    }
    if !r.changes.is_empty() {
        desc.push_str("\n\nChanges:");
        for c in &r.changes {
            desc.push_str(&format!("\n- {}: {}", c.id, c.summary));
        }
    }
    let cis = r.all_affected_cis();
    if !cis.is_empty() {
        desc.push_str(&format!("\n\nCIs: {}", cis.join(", ")));
    }
    Some(Event {
        uid: format!("release-{}@{domain}", r.id),
        start: s.unix_seconds(),
        end: e.unix_seconds(),
        summary: match &r.version {
            Some(v) if !v.is_empty() && !r.title.contains(v.as_str()) => {
                format!("{} {v}", r.title)
            }
            _ => r.title.clone(),
        },
        description: desc,
        categories: "RELEASE",
        status: Some(match r.state {
            State::Cancelled => "CANCELLED",
            State::Planning | State::Development | State::Testing | State::Approval => "TENTATIVE",
            _ => "CONFIRMED",
        }),
        location: (!r.environments.is_empty()).then(|| r.environments.join(", ")),
    })
}

fn kind(r: &Release) -> &'static str {
    match r.kind {
        crate::document::ReleaseKind::Major => "major",
        crate::document::ReleaseKind::Minor => "minor",
        crate::document::ReleaseKind::Patch => "patch",
        crate::document::ReleaseKind::Emergency => "emergency",
    }
}

fn change_event(
    c: &Change,
    window: (Option<&Timestamp>, Option<&Timestamp>),
    domain: &str,
) -> Option<Event> {
    let s = c.planned_start.as_ref().or(window.0)?;
    let e = c.planned_end.as_ref().or(window.1)?;
    let mut desc = format!("Change {}: {}", c.id, c.summary);
    if !c.affected_cis.is_empty() {
        desc.push_str(&format!("\n\nCIs: {}", c.affected_cis.join(", ")));
    }
    if let Some(i) = &c.implementer {
        desc.push_str(&format!("\nImplementer: {i}"));
    }
    Some(Event {
        uid: format!("change-{}@{domain}", c.id),
        start: s.unix_seconds(),
        end: e.unix_seconds(),
        summary: format!("{}: {}", c.id, c.summary),
        description: desc,
        categories: "CHANGE",
        status: None,
        location: None,
    })
}

/// Renders the schedule as iCalendar text (see the module doc).
///
/// Errors: `invalid_input` at `options.time_zone` for an unknown zone, at
/// `options.horizon_days` for 0 or more than 3660 days, at the blackout's
/// path for a bad recurrence; `limit_exceeded` past [`MAX_EVENTS`].
pub fn calendar_ics(schedule: &Schedule, options: &IcsOptions) -> Result<IcsExport> {
    let zone = match &options.time_zone {
        None => Zone::Utc,
        Some(name) if name == "UTC" || name == "Etc/UTC" => Zone::Utc,
        Some(name) => Zone::Named(name.parse::<Tz>().map_err(|_| {
            Error::invalid_input(
                "options.time_zone",
                format!("`{name}` is not an IANA time zone name"),
            )
        })?),
    };
    if options.horizon_days == 0 || options.horizon_days > 3660 {
        return Err(Error::invalid_input(
            "options.horizon_days",
            "must be between 1 and 3660",
        ));
    }
    let domain = options.uid_domain.as_deref().unwrap_or("relman.invalid");
    let mut warnings = Vec::new();
    let mut events = Vec::new();
    for (i, r) in schedule.releases.iter().enumerate() {
        match release_event(r, domain) {
            Some(e) => events.push(e),
            None => warnings.push(Warning::new(
                "release_not_scheduled",
                format!("releases[{i}]"),
                format!("release {} has no planned window; left out", r.id),
            )),
        }
        if options.per_change {
            for c in &r.changes {
                events.extend(change_event(
                    c,
                    (r.planned_start.as_ref(), r.planned_end.as_ref()),
                    domain,
                ));
            }
        }
    }
    for (i, c) in schedule.changes.iter().enumerate() {
        match change_event(c, (None, None), domain) {
            Some(e) => events.push(e),
            None => warnings.push(Warning::new(
                "change_not_scheduled",
                format!("changes[{i}]"),
                format!("change {} has no planned window; left out", c.id),
            )),
        }
    }
    let from = options.from.as_ref().unwrap_or(&options.now).unix_seconds();
    let to = from.saturating_add(i64::from(options.horizon_days).saturating_mul(86_400));
    if let Some(cal) = &schedule.calendar {
        for (i, b) in cal.blackouts.iter().enumerate() {
            let path = format!("calendar.blackouts[{i}]");
            let occ = calendar::period_occurrences(
                b.start.as_ref(),
                b.end.as_ref(),
                b.recurrence.as_ref(),
                (from, to),
                MAX_EVENTS as u64,
                &path,
            )?;
            let severity = match b.severity {
                crate::document::BlackoutSeverity::Block => "block",
                crate::document::BlackoutSeverity::Warn => "warn",
            };
            let scope = match &b.scope {
                None => "all".to_string(),
                Some(s) if s.all || s.is_empty() => "all".to_string(),
                Some(s) => {
                    let mut parts = Vec::new();
                    for (label, v) in [
                        ("CIs", &s.cis),
                        ("CI classes", &s.ci_classes),
                        ("services", &s.services),
                        ("environments", &s.environments),
                    ] {
                        if !v.is_empty() {
                            parts.push(format!("{label} {}", v.join(", ")));
                        }
                    }
                    parts.join("; ")
                }
            };
            for iv in occ {
                events.push(Event {
                    uid: format!("blackout-{}-{}@{domain}", b.id, utc_stamp(iv.start)),
                    start: iv.start,
                    end: iv.end,
                    summary: format!("Blackout: {}", b.name),
                    description: format!(
                        "Change blackout {} (severity {severity}). Scope: {scope}.",
                        b.id
                    ),
                    categories: "BLACKOUT",
                    status: Some("CONFIRMED"),
                    location: None,
                });
            }
            if events.len() > MAX_EVENTS {
                return Err(Error::LimitExceeded {
                    path,
                    what: "calendar events".into(),
                    limit: MAX_EVENTS as u64,
                    found: events.len() as u64,
                });
            }
        }
    }
    let mut w = Writer { out: String::new() };
    w.line("BEGIN:VCALENDAR");
    w.line("VERSION:2.0");
    w.line(&format!(
        "PRODID:-//relman//relman {}//EN",
        env!("CARGO_PKG_VERSION")
    ));
    w.line("CALSCALE:GREGORIAN");
    w.line("METHOD:PUBLISH");
    w.line(&format!(
        "X-WR-CALNAME:{}",
        escape_text(options.name.as_deref().unwrap_or("relman schedule"))
    ));
    if let Zone::Named(tz) = &zone {
        w.line(&format!("X-WR-TIMEZONE:{}", tz.name()));
        let first = events.iter().map(|e| e.start).min().unwrap_or(from);
        let last = events.iter().map(|e| e.end).max().unwrap_or(to);
        vtimezone(&mut w, tz, first, last);
    }
    let stamp = utc_stamp(options.now.unix_seconds());
    for e in &events {
        w.line("BEGIN:VEVENT");
        w.line(&format!("UID:{}", escape_text(&e.uid)));
        w.line(&format!("DTSTAMP:{stamp}"));
        w.line(&zone.prop("DTSTART", e.start));
        w.line(&zone.prop("DTEND", e.end));
        w.line(&format!("SUMMARY:{}", escape_text(&e.summary)));
        w.line(&format!("DESCRIPTION:{}", escape_text(&e.description)));
        if let Some(l) = &e.location {
            w.line(&format!("LOCATION:{}", escape_text(l)));
        }
        w.line(&format!("CATEGORIES:{}", e.categories));
        if let Some(s) = e.status {
            w.line(&format!("STATUS:{s}"));
        }
        w.line("TRANSP:OPAQUE");
        w.line("END:VEVENT");
    }
    w.line("END:VCALENDAR");
    Ok(IcsExport {
        ics: w.out,
        events: events.len(),
        warnings,
    })
}
