//! iCalendar export: structure, UIDs, DST, escaping, folding (property
//! tests: fold → unfold is the identity, no line exceeds 75 octets, no
//! UTF-8 character is split) and bad options.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::ics::{escape_text, fold_line, unfold};
use relman::{calendar_ics, IcsOptions, Schedule, Timestamp};
use serde_json::json;

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn schedule() -> Schedule {
    relman::from_value::<Schedule>(json!({
        "releases": [
            {"id": "REL-1", "title": "Before the switch", "kind": "minor", "state": "approval",
             "planned_start": "2026-10-24T22:00:00+02:00", "planned_end": "2026-10-25T01:00:00+02:00",
             "changes": [{"id": "CHG1", "kind": "normal", "summary": "a; b, c\\d"}]},
            {"id": "REL-2", "title": "Across the switch", "kind": "patch", "state": "deployment",
             "planned_start": "2026-10-25T01:30:00+02:00", "planned_end": "2026-10-25T02:30:00+01:00",
             "scope": "Ünïcödé ✓ ".repeat(20)},
            {"id": "REL-3", "title": "Unscheduled", "kind": "patch", "state": "planning"}
        ],
        "calendar": {"blackouts": [
            {"id": "BO-WEEKEND", "name": "Weekend freeze", "severity": "block",
             "recurrence": {"freq": "weekly", "by_day": ["sat"], "start_time": "02:30",
                            "duration_secs": 7200, "time_zone": "Europe/Amsterdam"}}
        ]}
    }))
    .unwrap()
    .document
}

fn options() -> IcsOptions {
    let mut o = IcsOptions::new(ts("2026-10-20T08:00:00Z"));
    o.horizon_days = 14;
    o
}

#[test]
fn one_event_per_release_and_blackout_occurrence_with_stable_uids() {
    let out = calendar_ics(&schedule(), &options()).unwrap();
    let text = unfold(&out.ics);
    // 2 scheduled releases + one series for Saturdays 24 Oct and 31 Oct
    // (neither meets the DST change of Sunday 25 Oct).
    assert_eq!(out.events, 3);
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3);
    assert!(text.contains("UID:release-REL-1@relman.invalid\r\n"));
    assert!(text.contains("UID:blackout-BO-WEEKEND-series@relman.invalid\r\n"));
    assert!(text.contains("DTSTART;TZID=Europe/Amsterdam:20261024T023000\r\nDURATION:PT2H\r\n"));
    // 31 Oct is winter time: 02:30 CET = 01:30Z, the last start.
    assert!(text.contains("RRULE:FREQ=WEEKLY;WKST=MO;BYDAY=SA;UNTIL=20261031T013000Z\r\n"));
    assert!(text.contains("DTSTAMP:20261020T080000Z\r\n"));
    assert_eq!(out.warnings.len(), 1);
    assert_eq!(out.warnings[0].path, "releases[2]");
    // Same input, same bytes.
    assert_eq!(out.ics, calendar_ics(&schedule(), &options()).unwrap().ics);
}

#[test]
fn utc_times_and_crlf_everywhere() {
    let out = calendar_ics(&schedule(), &options()).unwrap();
    assert!(out.ics.contains("DTSTART:20261024T200000Z\r\n"));
    assert!(out.ics.contains("DTEND:20261025T013000Z\r\n"));
    assert!(!out.ics.replace("\r\n", "").contains('\n'));
    assert!(out.ics.ends_with("END:VCALENDAR\r\n"));
    for line in out.ics.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
    }
}

#[test]
fn tzid_with_a_vtimezone_covering_the_dst_change() {
    let mut o = options();
    o.time_zone = Some("Europe/Amsterdam".into());
    let text = unfold(&calendar_ics(&schedule(), &o).unwrap().ics);
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Amsterdam\r\n"));
    assert!(text.contains("DTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"));
    assert!(text.contains(
        "DTSTART;TZID=Europe/Amsterdam:20261024T220000\r\nDTEND;TZID=Europe/Amsterdam:20261025T010000\r\n"
    ));
    // 02:30 CET after the switch is the second 02:30: the end is written
    // in UTC, and so is the start with it.
    assert!(text.contains("DTSTART:20261024T233000Z\r\nDTEND:20261025T013000Z\r\n"));
    assert!(!text.contains("X-WR-TIMEZONE"));
}

#[test]
fn text_values_are_escaped() {
    assert_eq!(escape_text("a;b,c\\d\ne\r\nf"), "a\\;b\\,c\\\\d\\ne\\nf");
    let mut o = options();
    o.per_change = true;
    let text = unfold(&calendar_ics(&schedule(), &o).unwrap().ics);
    assert!(
        text.contains("SUMMARY:CHG1: a\\; b\\, c\\\\d\r\n"),
        "{text}"
    );
}

#[test]
fn bad_options_are_invalid_input_with_a_path() {
    let mut o = options();
    o.time_zone = Some("Mars/Olympus".into());
    let e = calendar_ics(&schedule(), &o).unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert_eq!(e.path(), Some("options.time_zone"));
    let mut o = options();
    o.horizon_days = 0;
    assert_eq!(
        calendar_ics(&schedule(), &o).unwrap_err().path(),
        Some("options.horizon_days")
    );
    let mut s = schedule();
    s.calendar.as_mut().unwrap().blackouts[0]
        .recurrence
        .as_mut()
        .unwrap()
        .time_zone = "Nowhere".into();
    let e = calendar_ics(&s, &options()).unwrap_err();
    assert_eq!(e.path(), Some("calendar.blackouts[0].recurrence.time_zone"));
}

/// The oracle: split into chunks greedily, char by char, at 75 octets for
/// the first line and 74 (plus the space) for the others.
fn oracle_lines(s: &str) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in s.chars() {
        let limit = if lines.len() == 1 { 75 } else { 74 };
        if lines.last().unwrap().len() + c.len_utf8() > limit {
            lines.push(String::new());
        }
        lines.last_mut().unwrap().push(c);
    }
    lines
}

proptest! {
    #[test]
    fn fold_then_unfold_is_identity_and_lines_fit(s in "\\PC{0,400}") {
        // A content line holds no CR or LF (TEXT escapes them).
        let s: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        let folded = fold_line(&s);
        prop_assert!(folded.ends_with("\r\n"));
        let body = &folded[..folded.len() - 2];
        for (i, line) in body.split("\r\n").enumerate() {
            prop_assert!(line.len() <= 75, "line {} has {} octets", i, line.len());
            if i > 0 { prop_assert!(line.starts_with(' ')); }
        }
        prop_assert_eq!(unfold(body), s.clone());
        let expect: Vec<String> = oracle_lines(&s);
        let got: Vec<String> = body.split("\r\n").enumerate()
            .map(|(i, l)| if i == 0 { l.to_string() } else { l[1..].to_string() }).collect();
        prop_assert_eq!(got, expect);
    }

    #[test]
    fn escaped_text_survives_folding(s in "[a-zé✓;,\\\\\n ]{0,300}") {
        let line = format!("DESCRIPTION:{}", escape_text(&s));
        let folded = fold_line(&line);
        prop_assert_eq!(unfold(&folded), format!("{line}\r\n"));
    }
}

// ---- RRULE series, EXDATE, maintenance windows, DST nights -------------

fn blackout_schedule(recurrence: serde_json::Value) -> Schedule {
    relman::from_value::<Schedule>(json!({
        "releases": [],
        "calendar": {"blackouts": [{"id": "B", "name": "b", "recurrence": recurrence}]}
    }))
    .unwrap()
    .document
}

/// The unfolded export of one recurring blackout over `days` from `from`.
fn export_rule(recurrence: serde_json::Value, from: &str, days: u32) -> String {
    let mut o = IcsOptions::new(ts(from));
    o.horizon_days = days;
    unfold(
        &calendar_ics(&blackout_schedule(recurrence), &o)
            .unwrap()
            .ics,
    )
}

#[test]
fn rrule_text_forms() {
    let cases = [
        (
            json!({"freq": "daily", "start_time": "09:00", "duration_secs": 3600, "time_zone": "UTC"}),
            "RRULE:FREQ=DAILY;UNTIL=20260110T090000Z",
        ),
        (
            json!({"freq": "daily", "interval": 3, "start_time": "09:00", "duration_secs": 60, "time_zone": "UTC"}),
            "RRULE:FREQ=DAILY;INTERVAL=3;UNTIL=20260110T090000Z",
        ),
        (
            json!({"freq": "weekly", "by_day": ["sun", "mon"], "start_time": "09:00", "duration_secs": 60, "time_zone": "UTC"}),
            "RRULE:FREQ=WEEKLY;WKST=MO;BYDAY=MO,SU;UNTIL=20260105T090000Z",
        ),
        (
            json!({"freq": "monthly", "day_of_month": 31, "start_time": "09:00", "duration_secs": 60, "time_zone": "UTC"}),
            "RRULE:FREQ=MONTHLY;BYMONTHDAY=31;UNTIL=20260531T090000Z",
        ),
        (
            json!({"freq": "monthly", "nth": -1, "by_day": ["fri"], "start_time": "09:00", "duration_secs": 60, "time_zone": "UTC"}),
            "RRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20260529T090000Z",
        ),
        (
            json!({"freq": "monthly", "nth": 2, "interval": 2, "by_day": ["tue"], "start_time": "09:00", "duration_secs": 60, "time_zone": "UTC"}),
            "RRULE:FREQ=MONTHLY;BYDAY=2TU;INTERVAL=2;UNTIL=20260512T090000Z",
        ),
    ];
    for (rule, rrule) in cases {
        let days = if rule["freq"] == "monthly" { 160 } else { 10 };
        let text = export_rule(rule.clone(), "2026-01-01T00:00:00Z", days);
        assert!(text.contains(&format!("{rrule}\r\n")), "{rule}: {text}");
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 1, "{rule}: {text}");
    }
}

#[test]
fn rule_until_and_from_bound_the_series() {
    // `from` 5 Jan, `until` 7 Jan (local dates, inclusive) inside the horizon.
    let text = export_rule(
        json!({"freq": "daily", "start_time": "22:00", "duration_secs": 3600,
               "time_zone": "Europe/Berlin", "from": "2026-01-05", "until": "2026-01-07"}),
        "2026-01-01T00:00:00Z",
        30,
    );
    assert!(
        text.contains("DTSTART;TZID=Europe/Berlin:20260105T220000\r\n"),
        "{text}"
    );
    assert!(
        text.contains("RRULE:FREQ=DAILY;UNTIL=20260107T210000Z\r\n"),
        "{text}"
    );
    // The rule's zone gets its VTIMEZONE even in a UTC export.
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
    // The horizon cuts a rule without until: UNTIL is the last start in it.
    let text = export_rule(
        json!({"freq": "daily", "start_time": "22:00", "duration_secs": 3600, "time_zone": "Europe/Berlin"}),
        "2026-01-01T00:00:00Z",
        3,
    );
    assert!(
        text.contains("RRULE:FREQ=DAILY;UNTIL=20260103T210000Z\r\n"),
        "{text}"
    );
}

#[test]
fn an_ambiguous_start_ends_the_series_and_a_new_one_follows() {
    // Nightly 02:30 Berlin across the autumn night of 25 Oct 2026.
    let text = export_rule(
        json!({"freq": "daily", "start_time": "02:30", "duration_secs": 7200, "time_zone": "Europe/Berlin"}),
        "2026-10-22T00:00:00Z",
        6,
    );
    assert!(
        text.contains("RRULE:FREQ=DAILY;UNTIL=20261024T003000Z\r\n"),
        "{text}"
    );
    // The first 02:30 (CEST), two hours of elapsed time, in UTC.
    assert!(
        text.contains(
            "UID:blackout-B-20261025T003000Z@relman.invalid\r\nDTSTAMP:20261022T000000Z\r\n\
         DTSTART:20261025T003000Z\r\nDTEND:20261025T023000Z\r\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "UID:blackout-B-series-20261025T003000Z@relman.invalid\r\nDTSTAMP:20261022T000000Z\r\n\
         DTSTART;TZID=Europe/Berlin:20261026T023000\r\n"
        ),
        "{text}"
    );
    assert!(!text.contains("EXDATE"), "{text}");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3);
}

#[test]
fn exdate_and_a_utc_event_for_an_occurrence_across_the_change() {
    // Nightly 01:00 Berlin for 3 h: on 25 Oct it spans the fall back
    // (01:00 CEST to 03:00 CET, 23:00Z to 02:00Z).
    let text = export_rule(
        json!({"freq": "daily", "start_time": "01:00", "duration_secs": 10800, "time_zone": "Europe/Berlin"}),
        "2026-10-22T00:00:00Z",
        6,
    );
    assert!(
        text.contains(
            "DTSTART;TZID=Europe/Berlin:20261022T010000\r\nDURATION:PT3H\r\n\
         RRULE:FREQ=DAILY;UNTIL=20261027T000000Z\r\nEXDATE;TZID=Europe/Berlin:20261025T010000\r\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "UID:blackout-B-20261024T230000Z@relman.invalid\r\nDTSTAMP:20261022T000000Z\r\n\
         DTSTART:20261024T230000Z\r\nDTEND:20261025T020000Z\r\n"
        ),
        "{text}"
    );
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
}

/// The `UID`s of the series in an export, in order.
fn series_uids(text: &str) -> Vec<&str> {
    text.split("\r\n")
        .filter_map(|l| l.strip_prefix("UID:"))
        .filter(|uid| uid.contains("-series"))
        .collect()
}

#[test]
fn series_uids_stay_as_the_horizon_moves() {
    // Nightly 02:30 Berlin: its series are split at the DST nights. A
    // series is named after the split before it (29 Mar, 02:30 moved to
    // 03:30 CEST = 01:30Z; 25 Oct, the first 02:30 = 00:30Z), not after
    // the horizon's first occurrence.
    let rule = json!({"freq": "daily", "start_time": "02:30", "duration_secs": 3600, "time_zone": "Europe/Berlin"});
    let spring = "blackout-B-series-20260329T013000Z@relman.invalid";
    let autumn = "blackout-B-series-20261025T003000Z@relman.invalid";
    for from in ["2026-10-01T00:00:00Z", "2026-10-08T00:00:00Z"] {
        let text = export_rule(rule.clone(), from, 30);
        assert_eq!(series_uids(&text), [spring, autumn], "{from}:\n{text}");
    }
    // Past the autumn night, the series after it keeps its name.
    let text = export_rule(rule.clone(), "2026-11-02T00:00:00Z", 30);
    assert_eq!(series_uids(&text), [autumn], "{text}");
    // A rule no offset change splits: one name for ever.
    let plain = json!({"freq": "daily", "start_time": "22:00", "duration_secs": 3600, "time_zone": "Europe/Berlin"});
    for from in ["2026-01-01T00:00:00Z", "2026-10-01T00:00:00Z"] {
        let text = export_rule(plain.clone(), from, 60);
        assert_eq!(
            series_uids(&text),
            ["blackout-B-series@relman.invalid"],
            "{from}:\n{text}"
        );
    }
}

#[test]
fn a_gap_start_ends_the_series_and_a_new_one_follows() {
    // Nightly 02:30 Berlin across the spring night of 29 Mar 2026: 02:30
    // does not exist and moves to 03:30 CEST (01:30Z).
    let text = export_rule(
        json!({"freq": "daily", "start_time": "02:30", "duration_secs": 3600, "time_zone": "Europe/Berlin"}),
        "2026-03-26T00:00:00Z",
        6,
    );
    assert!(
        text.contains("RRULE:FREQ=DAILY;UNTIL=20260328T013000Z\r\n"),
        "{text}"
    );
    assert!(
        text.contains("DTSTART:20260329T013000Z\r\nDTEND:20260329T023000Z\r\n"),
        "{text}"
    );
    assert!(
        text.contains("UID:blackout-B-series-20260329T013000Z@relman.invalid\r\n"),
        "{text}"
    );
    assert!(!text.contains("EXDATE"), "{text}");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3);
}

#[test]
fn fewer_than_two_plain_occurrences_are_written_one_by_one() {
    let text = export_rule(
        json!({"freq": "weekly", "by_day": ["sun"], "start_time": "02:30", "duration_secs": 3600, "time_zone": "Europe/Berlin"}),
        "2026-10-20T00:00:00Z",
        7,
    );
    assert!(!text.contains("RRULE"), "{text}");
    assert!(
        text.contains("UID:blackout-B-20261025T003000Z@relman.invalid\r\n"),
        "{text}"
    );
}

#[test]
fn maintenance_windows_only_on_request() {
    let s = relman::from_value::<Schedule>(json!({
        "releases": [],
        "calendar": {"maintenance_windows": [
            {"id": "MW1", "name": "Sunday night", "scope": {"cis": ["db"]},
             "recurrence": {"freq": "weekly", "by_day": ["sun"], "start_time": "01:00",
                            "duration_secs": 7200, "time_zone": "UTC"}},
            {"id": "MW2", "name": "Once", "start": "2026-01-07T10:00:00Z", "end": "2026-01-07T11:00:00Z"}
        ]}
    }))
    .unwrap()
    .document;
    let mut o = IcsOptions::new(ts("2026-01-01T00:00:00Z"));
    o.horizon_days = 20;
    let off = calendar_ics(&s, &o).unwrap();
    assert_eq!(off.events, 0);
    assert!(!off.ics.contains("MAINTENANCE"));
    o.maintenance_windows = true;
    let on = calendar_ics(&s, &o).unwrap();
    let text = unfold(&on.ics);
    assert_eq!(on.events, 2);
    assert!(
        text.contains("UID:maintenance-MW1-series@relman.invalid\r\n"),
        "{text}"
    );
    assert!(text.contains("RRULE:FREQ=WEEKLY;WKST=MO;BYDAY=SU;UNTIL=20260118T010000Z\r\n"));
    assert!(text.contains("UID:maintenance-MW2-20260107T100000Z@relman.invalid\r\n"));
    assert_eq!(text.matches("CATEGORIES:MAINTENANCE\r\n").count(), 2);
    assert!(text.contains("SUMMARY:Maintenance window: Sunday night\r\n"));
    assert!(text.contains("Scope: CIs db."));
    assert_eq!(text.matches("TRANSP:TRANSPARENT\r\n").count(), 2);
    // The option round-trips through JSON and defaults to false.
    let v: IcsOptions = serde_json::from_value(json!({"now": "2026-01-01T00:00:00Z"})).unwrap();
    assert!(!v.maintenance_windows);
}

#[test]
fn bad_maintenance_windows_are_invalid_input_with_a_path() {
    let good = || {
        relman::from_value::<Schedule>(json!({
            "releases": [], "calendar": {"maintenance_windows": [
                {"id": "MW", "name": "x", "recurrence": {"freq": "weekly", "by_day": ["sun"],
                 "start_time": "01:00", "duration_secs": 60, "time_zone": "UTC"}}
            ]}
        }))
        .unwrap()
        .document
    };
    type Breaker = fn(&mut relman::document::MaintenanceWindow);
    let cases: [(Breaker, &str); 5] = [
        (
            |m| m.recurrence.as_mut().unwrap().start_time = "25:00".into(),
            "calendar.maintenance_windows[0].recurrence.start_time",
        ),
        (
            |m| m.recurrence.as_mut().unwrap().by_day.clear(),
            "calendar.maintenance_windows[0].recurrence.by_day",
        ),
        (
            |m| m.recurrence.as_mut().unwrap().time_zone = "Nowhere".into(),
            "calendar.maintenance_windows[0].recurrence.time_zone",
        ),
        (
            |m| {
                m.recurrence = None;
                m.start = Some(ts("2026-01-02T00:00:00Z"));
                m.end = Some(ts("2026-01-01T00:00:00Z"));
            },
            "calendar.maintenance_windows[0].end",
        ),
        (|m| m.recurrence = None, "calendar.maintenance_windows[0]"),
    ];
    for (breaker, path) in cases {
        let mut s = good();
        breaker(&mut s.calendar.as_mut().unwrap().maintenance_windows[0]);
        let mut o = IcsOptions::new(ts("2026-01-01T00:00:00Z"));
        o.maintenance_windows = true;
        let e = calendar_ics(&s, &o).unwrap_err();
        assert_eq!(e.code().as_str(), "invalid_input", "{path}");
        assert_eq!(e.path(), Some(path));
        // Left out, they are not read.
        o.maintenance_windows = false;
        assert!(calendar_ics(&s, &o).is_ok(), "{path}");
    }
    let mut o = IcsOptions::new(ts("2026-01-01T00:00:00Z"));
    o.horizon_days = 3661;
    let e = calendar_ics(&schedule(), &o).unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert_eq!(e.path(), Some("options.horizon_days"));
}

#[test]
fn ambiguous_one_off_times_are_written_in_utc() {
    // The first 02:30 of the Berlin autumn night: UTC, not TZID.
    let s = relman::from_value::<Schedule>(json!({"releases": [
        {"id": "R", "title": "t", "kind": "patch", "state": "approval",
         "planned_start": "2026-10-25T02:30:00+02:00", "planned_end": "2026-10-25T04:00:00+01:00"}
    ]}))
    .unwrap()
    .document;
    let mut o = IcsOptions::new(ts("2026-10-01T00:00:00Z"));
    o.time_zone = Some("Europe/Berlin".into());
    let text = unfold(&calendar_ics(&s, &o).unwrap().ics);
    // The end alone is unambiguous; both are written in UTC.
    assert!(
        text.contains("DTSTART:20261025T003000Z\r\nDTEND:20261025T030000Z\r\n"),
        "{text}"
    );
}

/// The DST-night fixture the four-parser check (bindings/cli/tests/
/// ics_check.py) exports, and the horizon it uses.
const NIGHTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/ics/dst-nights.json"
);
const NIGHTS_EXPECTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/ics/dst-nights.expected.json"
);
const NIGHTS_NOW: &str = "2026-03-01T00:00:00Z";
const NIGHTS_DAYS: u32 = 300;

/// relman's own expansion of the fixture: every release window and every
/// blackout and maintenance-window occurrence in the horizon, by
/// `relman::calendar::period_occurrences`. ics_check.py compares what the
/// four parsers read from the export with this list;
/// `RELMAN_BLESS=1` rewrites it.
#[test]
fn dst_nights_expected_intervals_are_relmans_expansion() {
    let s: Schedule = relman::from_value(
        serde_json::from_str(&std::fs::read_to_string(NIGHTS).unwrap()).unwrap(),
    )
    .unwrap()
    .document;
    let from = ts(NIGHTS_NOW).unix_seconds();
    let to = from + i64::from(NIGHTS_DAYS) * 86_400;
    let mut out = Vec::new();
    for r in &s.releases {
        let (a, b) = (
            r.planned_start.as_ref().unwrap(),
            r.planned_end.as_ref().unwrap(),
        );
        out.push(json!({"source": format!("release-{}", r.id), "start": a.unix_seconds(), "end": b.unix_seconds()}));
    }
    let cal = s.calendar.as_ref().unwrap();
    let periods = cal
        .blackouts
        .iter()
        .map(|b| {
            (
                format!("blackout-{}", b.id),
                b.start.as_ref(),
                b.end.as_ref(),
                b.recurrence.as_ref(),
            )
        })
        .chain(cal.maintenance_windows.iter().map(|m| {
            (
                format!("maintenance-{}", m.id),
                m.start.as_ref(),
                m.end.as_ref(),
                m.recurrence.as_ref(),
            )
        }));
    for (source, a, b, r) in periods {
        for iv in relman::calendar::period_occurrences(a, b, r, (from, to), 100_000, "x").unwrap() {
            out.push(json!({"source": source, "start": iv.start, "end": iv.end}));
        }
    }
    let doc = json!({
        "comment": "relman's own expansion of dst-nights.json (core/tests/ics.rs writes it with RELMAN_BLESS=1)",
        "now": NIGHTS_NOW,
        "horizon_days": NIGHTS_DAYS,
        "intervals": out,
    });
    let text = format!("{}\n", serde_json::to_string_pretty(&doc).unwrap());
    if std::env::var_os("RELMAN_BLESS").is_some() {
        std::fs::write(NIGHTS_EXPECTED, &text).unwrap();
    }
    let committed = std::fs::read_to_string(NIGHTS_EXPECTED).unwrap_or_default();
    assert_eq!(
        committed, text,
        "dst-nights.expected.json is stale: RELMAN_BLESS=1"
    );
    // The series keep the export short: far fewer VEVENTs than occurrences.
    let mut o = IcsOptions::new(ts(NIGHTS_NOW));
    o.horizon_days = NIGHTS_DAYS;
    o.maintenance_windows = true;
    let export = calendar_ics(&s, &o).unwrap();
    assert!(
        export.events * 10 < out.len(),
        "{} events for {} intervals",
        export.events,
        out.len()
    );
}
