//! Issue #21's two dependency fixes: `dependency_order` is reported once
//! per pair (two releases depending on each other, a repeated
//! `depends_on`), and `deployment_order` leaves closed and cancelled
//! releases out of the waves, saying so.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::{deployment_order, detect_conflicts, ConflictKind, Release, Schedule, State};
use serde_json::{json, Value};

fn release(id: &str, state: &str, start: &str, end: &str, deps: &[&str]) -> Value {
    json!({"id": id, "title": id, "kind": "minor", "state": state,
           "planned_start": start, "planned_end": end, "depends_on": deps})
}

fn schedule(releases: Vec<Value>) -> Schedule {
    relman::from_value(json!({ "releases": releases }))
        .unwrap()
        .document
}

fn dependency_order(s: &Schedule) -> Vec<relman::Conflict> {
    detect_conflicts(s)
        .unwrap()
        .conflicts
        .into_iter()
        .filter(|c| c.kind == ConflictKind::DependencyOrder)
        .collect()
}

#[test]
fn mutual_dependency_is_one_conflict_naming_both_directions() {
    let s = schedule(vec![
        release(
            "A",
            "approval",
            "2026-12-01T00:00:00Z",
            "2026-12-01T02:00:00Z",
            &["B"],
        ),
        release(
            "B",
            "approval",
            "2026-12-01T01:00:00Z",
            "2026-12-01T03:00:00Z",
            &["A"],
        ),
    ]);
    let found = dependency_order(&s);
    assert_eq!(found.len(), 1, "{found:#?}");
    let c = &found[0];
    assert_eq!(c.items, ["A", "B"]);
    assert_eq!(c.details["mutual"], json!(true));
    assert_eq!(
        c.details["directions"],
        json!([{"dependent": "A", "dependency": "B"}, {"dependent": "B", "dependency": "A"}])
    );
    // The hull of A-before-B-ends [00:00, 03:00) and B-before-A-ends
    // [01:00, 02:00).
    let w = c.window.as_ref().unwrap();
    assert_eq!(w.start.to_string(), "2026-12-01T00:00:00Z");
    assert_eq!(w.end.to_string(), "2026-12-01T03:00:00Z");
    assert!(
        c.explanation.contains("depend on each other"),
        "{}",
        c.explanation
    );
    // The cycle is still reported, as its own kind.
    let report = detect_conflicts(&s).unwrap();
    assert_eq!(
        report
            .conflicts
            .iter()
            .filter(|c| c.kind == ConflictKind::DependencyCycle)
            .count(),
        1
    );
}

#[test]
fn repeated_depends_on_is_one_conflict() {
    let s = schedule(vec![
        release(
            "A",
            "approval",
            "2026-12-01T00:00:00Z",
            "2026-12-01T02:00:00Z",
            &[],
        ),
        release(
            "B",
            "approval",
            "2026-12-01T01:00:00Z",
            "2026-12-01T03:00:00Z",
            &["A", "A"],
        ),
        release(
            "C",
            "approval",
            "2026-12-01T01:00:00Z",
            "2026-12-01T03:00:00Z",
            &["GONE", "GONE"],
        ),
        release(
            "D",
            "cancelled",
            "2026-12-01T01:00:00Z",
            "2026-12-01T03:00:00Z",
            &[],
        ),
        release(
            "E",
            "approval",
            "2026-12-01T01:00:00Z",
            "2026-12-01T03:00:00Z",
            &["D", "D"],
        ),
    ]);
    let found = dependency_order(&s);
    let items: Vec<Vec<String>> = found.iter().map(|c| c.items.clone()).collect();
    assert_eq!(
        items,
        [
            vec!["A".to_string(), "B".to_string()],
            vec!["C".to_string(), "GONE".to_string()],
            vec!["D".to_string(), "E".to_string()],
        ]
    );
    // A single direction keeps its details as before.
    assert!(found[0].details.get("mutual").is_none());
    assert_eq!(found[0].details["dependent"], json!("B"));
}

fn releases(v: Vec<Value>) -> Vec<Release> {
    v.into_iter()
        .map(|r| relman::from_value::<Release>(r).unwrap().document)
        .collect()
}

#[test]
fn order_leaves_closed_and_cancelled_releases_out() {
    let rs = releases(vec![
        release(
            "OLD",
            "closed",
            "2026-11-01T00:00:00Z",
            "2026-11-01T01:00:00Z",
            &[],
        ),
        release(
            "DEAD",
            "cancelled",
            "2026-12-01T00:00:00Z",
            "2026-12-01T01:00:00Z",
            &[],
        ),
        release(
            "A",
            "approval",
            "2026-12-02T00:00:00Z",
            "2026-12-02T01:00:00Z",
            &["OLD"],
        ),
        release(
            "B",
            "testing",
            "2026-12-03T00:00:00Z",
            "2026-12-03T02:00:00Z",
            &["A", "DEAD"],
        ),
    ]);
    let o = deployment_order(&rs).unwrap();
    let waves: Vec<(usize, Vec<String>)> = o
        .waves
        .iter()
        .map(|w| (w.wave, w.releases.clone()))
        .collect();
    assert_eq!(
        waves,
        [(1, vec!["A".to_string()]), (2, vec!["B".to_string()])]
    );
    assert_eq!(o.critical_path.releases, ["A", "B"]);
    assert_eq!(o.critical_path.duration_secs, 3 * 3600);
    let skipped: Vec<(&str, State)> = o
        .skipped
        .iter()
        .map(|s| (s.release.as_str(), s.state))
        .collect();
    assert_eq!(
        skipped,
        [("DEAD", State::Cancelled), ("OLD", State::Closed)]
    );
    // The dependency on a closed release is met; the one on a cancelled
    // release is flagged at its path in the input.
    let codes: Vec<(&str, &str)> = o
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.path.as_str()))
        .collect();
    assert_eq!(
        codes,
        [("cancelled_dependency", "releases[3].depends_on[1]")]
    );
}

#[test]
fn a_cycle_through_a_cancelled_release_is_no_cycle() {
    let rs = releases(vec![
        release(
            "A",
            "approval",
            "2026-12-02T00:00:00Z",
            "2026-12-02T01:00:00Z",
            &["C"],
        ),
        release(
            "C",
            "cancelled",
            "2026-12-02T00:00:00Z",
            "2026-12-02T01:00:00Z",
            &["A"],
        ),
    ]);
    let o = deployment_order(&rs).unwrap();
    assert_eq!(o.waves.len(), 1);
    assert_eq!(o.waves[0].releases, ["A"]);
    // A cycle among the releases still in play is an error at the path of
    // its first member in the input (not in the filtered list).
    let rs = releases(vec![
        release(
            "Z",
            "closed",
            "2026-11-01T00:00:00Z",
            "2026-11-01T01:00:00Z",
            &[],
        ),
        release(
            "A",
            "approval",
            "2026-12-02T00:00:00Z",
            "2026-12-02T01:00:00Z",
            &["B"],
        ),
        release(
            "B",
            "approval",
            "2026-12-02T00:00:00Z",
            "2026-12-02T01:00:00Z",
            &["A"],
        ),
    ]);
    let e = deployment_order(&rs).unwrap_err();
    assert_eq!(e.code(), relman::ErrorCode::InvalidInput);
    assert_eq!(e.path(), Some("releases[1].depends_on"));
}

#[test]
fn nothing_skipped_writes_no_skipped_member() {
    let rs = releases(vec![release(
        "A",
        "approval",
        "2026-12-02T00:00:00Z",
        "2026-12-02T01:00:00Z",
        &[],
    )]);
    let v = serde_json::to_value(deployment_order(&rs).unwrap()).unwrap();
    assert!(v.get("skipped").is_none());
}
