//! iCalendar export: the forward schedule, the blackouts and (on request)
//! the maintenance windows as an RFC 5545 file that Outlook, Google
//! Calendar and Apple Calendar import, and that Python `icalendar` and
//! `recurring-ical-events` and npm `node-ical` and `ical.js` all read as
//! the same instants.
//!
//! Decides: nothing — it presents. Needs: a [`Schedule`] (its releases, its
//! bare changes and its `calendar`) and [`IcsOptions`] with the caller's
//! `now` (the DTSTAMP of every event; relman never reads a clock).
//!
//! Output: one VEVENT per release with `planned_start` and `planned_end`
//! (UID `release-<id>@<uid_domain>`), optionally one per change (UID
//! `change-<id>@…`; a change without its own window takes its release's),
//! then the blackouts and, with `maintenance_windows`, the maintenance
//! windows whose occurrences intersect the horizon `[from, from +
//! horizon_days)`, as [`crate::calendar`] expands them with its DST rules.
//!
//! - A one-off period, and an occurrence written on its own, is one VEVENT
//!   with DTSTART/DTEND (UID `blackout-<id>-<start as
//!   YYYYMMDDTHHMMSSZ>@…`, or `maintenance-…`).
//! - A recurring period is written as series: one VEVENT with `DTSTART` in
//!   the rule's zone (`TZID`), `DURATION` (elapsed, never days), an `RRULE`
//!   bounded by `UNTIL` = the UTC start of its last occurrence in the
//!   stretch (so never past the horizon or the rule's `until`), UID
//!   `…-<id>-series-<start of the split occurrence before it, as
//!   YYYYMMDDTHHMMSSZ>@…` (`…-<id>-series@…` when the two years before hold
//!   none), so that the UID does not move with the horizon.
//! - An occurrence whose span crosses a UTC-offset change or ends at an
//!   ambiguous local time gets an `EXDATE` (local time, `TZID`) in its
//!   series and is written on its own, in UTC.
//! - An occurrence whose local start is ambiguous (fall back) or fell in a
//!   spring-forward gap (moved forward by the gap) ends the series: it is
//!   written on its own and a new series starts after it. A stretch with
//!   fewer than two occurrences the rule carries is written occurrence by
//!   occurrence.
//!
//! docs/integrations.md ("iCalendar") records what each of the four
//! parsers reads from the other forms, which is why these are chosen.
//! Times are UTC (`Z`) unless `time_zone` names an IANA zone: then a one-off
//! event's DTSTART/DTEND carry `TZID` when both local times are
//! unambiguous (else both are UTC); there is no X-WR-TIMEZONE. Each zone
//! used (that one and the zones of the series) gets a VTIMEZONE listing
//! every UTC-offset transition between a year before the first and a year
//! after the last occurrence. TEXT values escape backslash, semicolon,
//! comma and newline; lines end in CRLF and are folded at 75 octets without
//! splitting a UTF-8 character. Output order is the document order
//! (releases, changes, blackouts, windows; each period's events by start);
//! the same input gives the same bytes.

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
    /// Also the maintenance windows (CATEGORIES `MAINTENANCE`, UID
    /// `maintenance-<id>-…`; default false).
    #[serde(default)]
    pub maintenance_windows: bool,
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
            maintenance_windows: false,
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
    /// The `DTSTART` and `DTEND` properties of a one-off event: both with
    /// `TZID` when the zone is named and both local times are
    /// unambiguous, else both in UTC. An ambiguous local time reads as its
    /// first instant in RFC 5545 and Python's icalendar, as its second in
    /// node-ical and ical.js; a TZID start with a UTC end is shifted by
    /// recurring-ical-events.
    fn props(&self, start: i64, end: i64) -> [String; 2] {
        match self {
            Zone::Named(tz) if unambiguous(tz, start) && unambiguous(tz, end) => {
                let at = |secs| local_at(tz, secs).format("%Y%m%dT%H%M%S");
                [
                    format!("DTSTART;TZID={}:{}", tz.name(), at(start)),
                    format!("DTEND;TZID={}:{}", tz.name(), at(end)),
                ]
            }
            _ => [
                format!("DTSTART:{}", utc_stamp(start)),
                format!("DTEND:{}", utc_stamp(end)),
            ],
        }
    }
}

/// The local date-time of an instant in `tz`.
fn local_at(tz: &Tz, secs: i64) -> chrono::NaiveDateTime {
    tz.from_utc_datetime(&utc(secs).naive_utc()).naive_local()
}

/// True when the instant's local time in `tz` denotes it alone (it is not
/// in a fall-back hour).
fn unambiguous(tz: &Tz, secs: i64) -> bool {
    matches!(
        tz.from_local_datetime(&local_at(tz, secs)),
        chrono::LocalResult::Single(_)
    )
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
    transp: &'static str,
    series: Option<Series>,
}

/// A recurring VEVENT: `DTSTART` (the event's `start`) in `tz`, `DURATION`,
/// `RRULE` up to `until` and the `EXDATE`s.
struct Series {
    tz: Tz,
    rrule: String,
    until: i64,
    duration: i64,
    exdates: Vec<chrono::NaiveDateTime>,
}

/// `PT…H…M…S` of elapsed seconds (never days, which are nominal).
fn fmt_duration(secs: i64) -> String {
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    let mut out = "PT".to_string();
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || (h == 0 && m == 0) {
        out.push_str(&format!("{s}S"));
    }
    out
}

/// How an occurrence of a rule can be written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// As an instance of the RRULE.
    Series,
    /// On its own, with an EXDATE in the series: its span meets a
    /// UTC-offset change, or it ends at an ambiguous local time.
    Except,
    /// On its own, ending the series: its local start was in a gap, or is
    /// ambiguous (an EXDATE there is read as different instants).
    Split,
}

/// How `iv`, an occurrence of `rule`, can be written; `changes` are the
/// UTC-offset changes of the rule's zone over all its occurrences, sorted.
fn fit(rule: &calendar::Rule, iv: calendar::Interval, changes: &[i64]) -> Fit {
    let tz = rule.zone();
    if local_at(tz, iv.start).time() != rule.local_start() || !unambiguous(tz, iv.start) {
        return Fit::Split;
    }
    // The first change after the start, if any, comes at or after the end.
    let after = changes.partition_point(|t| *t <= iv.start);
    let steady = offset_at(tz, iv.start).0 == offset_at(tz, iv.end).0
        && changes.get(after).is_none_or(|t| *t >= iv.end);
    if unambiguous(tz, iv.end) && steady {
        Fit::Series
    } else {
        Fit::Except
    }
}

/// What a blackout or maintenance window contributes besides its times.
struct Period<'a> {
    /// `blackout` or `maintenance` (the UID prefix).
    kind: &'static str,
    id: &'a str,
    summary: String,
    description: String,
    categories: &'static str,
    transp: &'static str,
}

impl Period<'_> {
    fn event(&self, uid: String, iv: calendar::Interval, series: Option<Series>) -> Event {
        Event {
            uid,
            start: iv.start,
            end: iv.end,
            summary: self.summary.clone(),
            description: self.description.clone(),
            categories: self.categories,
            status: Some("CONFIRMED"),
            location: None,
            transp: self.transp,
            series,
        }
    }

    fn single(&self, iv: calendar::Interval, domain: &str) -> Event {
        let uid = format!("{}-{}-{}@{domain}", self.kind, self.id, utc_stamp(iv.start));
        self.event(uid, iv, None)
    }

    /// The VEVENTs of `occ`, the occurrences of `rule` (or of a one-off
    /// period when `rule` is `None`), in order.
    fn events(
        &self,
        rule: Option<&calendar::Rule>,
        occ: &[calendar::Interval],
        domain: &str,
    ) -> Vec<Event> {
        let Some(rule) = rule else {
            return occ.iter().map(|iv| self.single(*iv, domain)).collect();
        };
        let mut out = Vec::new();
        let mut stretch: Vec<(calendar::Interval, Fit)> = Vec::new();
        // One scan of the zone's offset changes for all the occurrences.
        let changes = match (occ.first(), occ.iter().map(|iv| iv.end).max()) {
            (Some(first), Some(last)) => transitions(rule.zone(), first.start, last),
            _ => Vec::new(),
        };
        // A series is named after the split occurrence before it, so that
        // its UID does not move with the horizon.
        let mut after = occ.first().and_then(|iv| split_before(rule, iv.start));
        for iv in occ {
            match fit(rule, *iv, &changes) {
                Fit::Split => {
                    self.stretch(rule, &stretch, after, domain, &mut out);
                    stretch.clear();
                    out.push(self.single(*iv, domain));
                    after = Some(iv.start);
                }
                f => stretch.push((*iv, f)),
            }
        }
        self.stretch(rule, &stretch, after, domain, &mut out);
        out
    }

    /// One stretch of occurrences without a gap or ambiguous start: a series from the
    /// first to the last occurrence the rule carries, the rest on its own.
    /// `after` is the start of the split occurrence before the stretch (the
    /// series' name), if the rule has one.
    fn stretch(
        &self,
        rule: &calendar::Rule,
        stretch: &[(calendar::Interval, Fit)],
        after: Option<i64>,
        domain: &str,
        out: &mut Vec<Event>,
    ) {
        let carried = |(_, f): &&(calendar::Interval, Fit)| *f == Fit::Series;
        let (first, last) = match (
            stretch.iter().position(|x| carried(&x)),
            stretch.iter().rposition(|x| carried(&x)),
        ) {
            (Some(a), Some(b)) if a < b => (a, b),
            _ => {
                out.extend(stretch.iter().map(|(iv, _)| self.single(*iv, domain)));
                return;
            }
        };
        let tz = rule.zone();
        for (j, (iv, f)) in stretch.iter().enumerate() {
            if j == first {
                let exdates = stretch
                    .iter()
                    .skip(first)
                    .take(last.saturating_sub(first))
                    .filter(|(_, f)| *f == Fit::Except)
                    .map(|(x, _)| local_at(tz, x.start))
                    .collect();
                let until = stretch.get(last).map_or(iv.start, |(x, _)| x.start);
                let uid = match after {
                    None => format!("{}-{}-series@{domain}", self.kind, self.id),
                    Some(t) => {
                        format!("{}-{}-series-{}@{domain}", self.kind, self.id, utc_stamp(t))
                    }
                };
                let series = Series {
                    tz: *tz,
                    rrule: rule.rrule(),
                    until,
                    duration: rule.duration(),
                    exdates,
                };
                out.push(self.event(uid, *iv, Some(series)));
            } else if *f != Fit::Series || j < first || j > last {
                out.push(self.single(*iv, domain));
            }
        }
    }
}

/// How far back [`split_before`] looks: two years, so that a rule whose
/// zone changes its offsets yearly meets its previous split in reach.
const SPLIT_LOOKBACK_SECS: i64 = 2 * 366 * 86_400;

/// The start of the last occurrence of `rule` before `before` whose local
/// start is ambiguous or in a gap (a split, which ends a series), looking
/// back [`SPLIT_LOOKBACK_SECS`]; `None` when there is none (a zone without
/// offset changes, a start time no change reaches, a rule that begins
/// later). A split can only come within a day or two of an offset change,
/// so only the occurrences around each change are expanded, latest first.
fn split_before(rule: &calendar::Rule, before: i64) -> Option<i64> {
    const NEAR: i64 = 2 * 86_400;
    let changes = transitions(
        rule.zone(),
        before.saturating_sub(SPLIT_LOOKBACK_SECS),
        before,
    );
    changes.iter().rev().find_map(|&t| {
        let occ = rule
            .occurrences(
                t.saturating_sub(NEAR),
                t.saturating_add(NEAR).min(before),
                64,
                "",
            )
            .ok()?;
        let last = occ.iter().map(|iv| iv.end).max()?;
        let near = transitions(rule.zone(), t.saturating_sub(NEAR), last);
        occ.iter()
            .rev()
            .filter(|iv| iv.start < before)
            .find(|iv| fit(rule, **iv, &near) == Fit::Split)
            .map(|iv| iv.start)
    })
}

fn scope_text(scope: Option<&crate::Scope>, none: &str) -> String {
    match scope {
        None => none.to_string(),
        Some(s) if s.all => "all".to_string(),
        Some(s) if s.is_empty() => none.to_string(),
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
    }
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
        transp: "OPAQUE",
        series: None,
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
        transp: "OPAQUE",
        series: None,
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
    // The first and last instant of every occurrence (series included),
    // for the VTIMEZONE range.
    let mut span: Option<(i64, i64)> = None;
    for e in &events {
        span = Some(span.map_or((e.start, e.end), |(a, b)| (a.min(e.start), b.max(e.end))));
    }
    if let Some(cal) = &schedule.calendar {
        let blackouts = cal.blackouts.iter().enumerate().map(|(i, b)| {
            let severity = match b.severity {
                crate::document::BlackoutSeverity::Block => "block",
                crate::document::BlackoutSeverity::Warn => "warn",
            };
            let period = Period {
                kind: "blackout",
                id: &b.id,
                summary: format!("Blackout: {}", b.name),
                description: format!(
                    "Change blackout {} (severity {severity}). Scope: {}.",
                    b.id,
                    scope_text(b.scope.as_ref(), "all")
                ),
                categories: "BLACKOUT",
                transp: "OPAQUE",
            };
            let times = (b.start.as_ref(), b.end.as_ref(), b.recurrence.as_ref());
            (format!("calendar.blackouts[{i}]"), period, times)
        });
        let windows = cal
            .maintenance_windows
            .iter()
            .enumerate()
            .filter(|_| options.maintenance_windows)
            .map(|(i, m)| {
                let period = Period {
                    kind: "maintenance",
                    id: &m.id,
                    summary: format!("Maintenance window: {}", m.name),
                    description: format!(
                        "Maintenance window {}. Scope: {}.",
                        m.id,
                        scope_text(m.scope.as_ref(), "the CIs that name it")
                    ),
                    categories: "MAINTENANCE",
                    transp: "TRANSPARENT",
                };
                let times = (m.start.as_ref(), m.end.as_ref(), m.recurrence.as_ref());
                (format!("calendar.maintenance_windows[{i}]"), period, times)
            });
        for (path, period, (start, end, recurrence)) in blackouts.chain(windows) {
            let occ = calendar::period_occurrences(
                start,
                end,
                recurrence,
                (from, to),
                MAX_EVENTS as u64,
                &path,
            )?;
            for iv in &occ {
                span = Some(span.map_or((iv.start, iv.end), |(a, b)| {
                    (a.min(iv.start), b.max(iv.end))
                }));
            }
            let rule = match recurrence {
                Some(r) => Some(calendar::Rule::new(
                    r,
                    &crate::foundation::path::join(&path, "recurrence"),
                )?),
                None => None,
            };
            events.extend(period.events(rule.as_ref(), &occ, domain));
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
    // The export zone first, then the zone of each series in order.
    let mut zones: Vec<Tz> = Vec::new();
    // No X-WR-TIMEZONE: recurring-ical-events (x-wr-timezone) rewrites
    // every UTC time into that zone and so reads the second of two equal
    // local times as the first.
    if let Zone::Named(tz) = &zone {
        zones.push(*tz);
    }
    for e in &events {
        if let Some(s) = &e.series {
            if !zones.contains(&s.tz) {
                zones.push(s.tz);
            }
        }
    }
    let (first, last) = span.unwrap_or((from, to));
    for tz in &zones {
        vtimezone(&mut w, tz, first, last);
    }
    let stamp = utc_stamp(options.now.unix_seconds());
    for e in &events {
        w.line("BEGIN:VEVENT");
        w.line(&format!("UID:{}", escape_text(&e.uid)));
        w.line(&format!("DTSTAMP:{stamp}"));
        match &e.series {
            None => {
                for p in zone.props(e.start, e.end) {
                    w.line(&p);
                }
            }
            Some(s) => {
                let name = s.tz.name();
                let local = local_at(&s.tz, e.start).format("%Y%m%dT%H%M%S");
                w.line(&format!("DTSTART;TZID={name}:{local}"));
                w.line(&format!("DURATION:{}", fmt_duration(s.duration)));
                w.line(&format!("RRULE:{};UNTIL={}", s.rrule, utc_stamp(s.until)));
                for x in &s.exdates {
                    w.line(&format!("EXDATE;TZID={name}:{}", x.format("%Y%m%dT%H%M%S")));
                }
            }
        }
        w.line(&format!("SUMMARY:{}", escape_text(&e.summary)));
        w.line(&format!("DESCRIPTION:{}", escape_text(&e.description)));
        if let Some(l) = &e.location {
            w.line(&format!("LOCATION:{}", escape_text(l)));
        }
        w.line(&format!("CATEGORIES:{}", e.categories));
        if let Some(s) = e.status {
            w.line(&format!("STATUS:{s}"));
        }
        w.line(&format!("TRANSP:{}", e.transp));
        w.line("END:VEVENT");
    }
    w.line("END:VCALENDAR");
    Ok(IcsExport {
        ics: w.out,
        events: events.len(),
        warnings,
    })
}
