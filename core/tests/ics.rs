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
    // 2 scheduled releases + Saturdays 24 Oct and 31 Oct.
    assert_eq!(out.events, 4);
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 4);
    assert!(text.contains("UID:release-REL-1@relman.invalid\r\n"));
    assert!(text.contains("UID:blackout-BO-WEEKEND-20261024T003000Z@relman.invalid\r\n"));
    // 31 Oct is winter time: 02:30 CET = 01:30Z.
    assert!(text.contains("UID:blackout-BO-WEEKEND-20261031T013000Z@relman.invalid\r\n"));
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
    assert!(text.contains("DTSTART;TZID=Europe/Amsterdam:20261025T013000\r\n"));
    // 02:30 CET after the switch is the second 02:30: written in UTC.
    assert!(text.contains("DTEND:20261025T013000Z\r\n"));
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
