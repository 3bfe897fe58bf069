//! The HTML report (issue #28), as a property: for any schedule of
//! releases and bare changes with windows, random CIs and titles full of
//! markup characters, the page is well-formed (every opened element closed,
//! in order), deterministic (two renders, the same bytes), draws one bar id
//! per item and lists every conflict `detect_conflicts` finds, and no value
//! escapes into markup.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use proptest::prelude::*;
use relman::{report, ReportGroupBy, ReportOptions, Schedule};
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[path = "support/html.rs"]
mod html;
use html::balanced;

fn ids(html: &str, class: &str) -> BTreeSet<String> {
    let marker = format!("<g class=\"{class}");
    html.match_indices(&marker)
        .map(|(i, _)| {
            let rest = &html[i..];
            let at = rest.find("data-id=\"").unwrap() + 9;
            rest[at..at + rest[at..].find('"').unwrap()].to_string()
        })
        .collect()
}

fn at(minutes: u32) -> String {
    let base = 1_796_169_600i64; // 2026-12-01T00:00:00Z
    let t = chrono::DateTime::from_timestamp(base + i64::from(minutes) * 60, 0).unwrap();
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// (start minute, length in minutes, CI indexes, title)
type Spec = (u32, u32, Vec<u8>, String);

fn schedule(releases: &[Spec], changes: &[Spec]) -> Schedule {
    let cis = |v: &Vec<u8>| -> Vec<String> { v.iter().map(|c| format!("ci-{c}")).collect() };
    let rels: Vec<Value> = releases
        .iter()
        .enumerate()
        .map(|(i, (s, l, c, t))| {
            json!({"id": format!("REL-{i}"), "title": t, "kind": "minor", "state": "planning",
                   "planned_start": at(*s), "planned_end": at(s + l), "affected_cis": cis(c)})
        })
        .collect();
    let chgs: Vec<Value> = changes
        .iter()
        .enumerate()
        .map(|(i, (s, l, c, t))| {
            json!({"id": format!("CHG-{i}"), "kind": "standard", "summary": t,
                   "planned_start": at(*s), "planned_end": at(s + l), "affected_cis": cis(c)})
        })
        .collect();
    let cmdb: Vec<Value> = (0..6u8)
        .map(|c| {
            json!({"id": format!("ci-{c}"), "name": "n", "class": "cmdb_ci_server",
                         "service": format!("svc-{}", c % 3)})
        })
        .collect();
    relman::from_value::<Schedule>(json!({"releases": rels, "changes": chgs,
        "cmdb": {"cis": cmdb},
        "calendar": {"blackouts": [{"id": "bo", "name": "Freeze <&>", "severity": "warn",
            "start": at(600), "end": at(900)}]}}))
    .unwrap()
    .document
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u32..40 * 24 * 60,
        1u32..600,
        proptest::collection::vec(0u8..6, 0..3),
        "[a-z<>&é✓][a-z <>&\"'é✓]{0,59}",
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn any_schedule_gives_a_well_formed_deterministic_page(
        releases in proptest::collection::vec(spec(), 0..25),
        changes in proptest::collection::vec(spec(), 0..6),
        by_service in any::<bool>(),
        berlin in any::<bool>(),
    ) {
        let s = schedule(&releases, &changes);
        let options = ReportOptions {
            group_by: if by_service { ReportGroupBy::Service } else { ReportGroupBy::Ci },
            time_zone: berlin.then(|| "Europe/Berlin".to_string()),
            ..ReportOptions::default()
        };
        let a = report(&s, None, &options).unwrap();
        let b = report(&s, None, &options).unwrap();
        prop_assert_eq!(&a, &b);
        if let Err(e) = balanced(&a.html) {
            prop_assert!(false, "{}", e);
        }
        prop_assert_eq!(a.releases, releases.len());
        prop_assert_eq!(a.changes, changes.len());
        prop_assert_eq!(ids(&a.html, "r").len(), releases.len());
        prop_assert_eq!(ids(&a.html, "c").len(), changes.len());
        let found = relman::detect_conflicts(&s).unwrap();
        prop_assert_eq!(a.conflicts, found.conflicts.len());
        prop_assert_eq!(a.html.matches("<tr id=\"c").count(), found.conflicts.len());
        prop_assert!(!a.html.contains("<script"));
    }
}

#[test]
fn the_balance_check_can_fail() {
    assert!(balanced("<p><b></p></b>").is_err());
    assert!(balanced("<p>").is_err());
    assert!(balanced("<p>a < b</p>").is_err());
    assert!(balanced("<svg><rect/></svg>").is_ok());
}
