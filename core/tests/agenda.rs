//! The CAB agenda: snapshot tests of the JSON, Markdown and HTML agenda on
//! the bundled schedule and context (`RELMAN_BLESS=1 cargo test -p relman
//! --test agenda` rewrites `tests/snapshots/cab-agenda.*`), the period
//! filter and order, votes and rejections cast through the lifecycle,
//! conflicts, escaping and bad input.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::agenda::{GroupReason, RollbackState};
use relman::{
    cab_agenda, render_cab_agenda, Command, ConflictKind, Context, ErrorCode, NotesFormat, Policy,
    Release, Role, Schedule, Timestamp,
};
use serde_json::json;
use std::path::Path;

fn data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/data")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

fn schedule() -> Schedule {
    relman::parse::<Schedule>(&data("schedule.json"))
        .unwrap()
        .document
}

/// The bundled context with the bundled policy and history.
fn context() -> Context {
    let mut c = relman::parse::<Context>(&data("context.json"))
        .unwrap()
        .document;
    c.policy = Some(
        relman::parse::<Policy>(&data("policy.json"))
            .unwrap()
            .document,
    );
    c.history = Some(
        relman::parse::<relman::History>(&data("history.json"))
            .unwrap()
            .document,
    );
    c
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

const FROM: &str = "2026-11-30T00:00:00Z";
const TO: &str = "2026-12-14T00:00:00Z";

#[path = "support/snapshot.rs"]
mod snapshots;
use snapshots::snapshot;

#[test]
fn agenda_snapshots_on_the_bundled_data() {
    let agenda = cab_agenda(&schedule(), &t(FROM), &t(TO), &context()).unwrap();
    let ids: Vec<&str> = agenda.items.iter().map(|i| i.release_id.as_str()).collect();
    // The two releases of the bundled schedule in approval, by window.
    assert_eq!(ids, ["REL-2026-041", "REL-2026-048"]);
    let mut json = serde_json::to_string_pretty(&agenda).unwrap();
    json.push('\n');
    snapshot("cab-agenda.json", &json);
    for (format, ext) in [(NotesFormat::Markdown, "md"), (NotesFormat::Html, "html")] {
        let text = render_cab_agenda(&agenda, format);
        // Deterministic: a second run is byte-identical.
        let again = cab_agenda(&schedule(), &t(FROM), &t(TO), &context()).unwrap();
        assert_eq!(text, render_cab_agenda(&again, format));
        snapshot(&format!("cab-agenda.{ext}"), &text.text);
    }
    // The JSON reads back into the same agenda (render_cab_agenda's input).
    let back: relman::CabAgenda = serde_json::from_str(&json).unwrap();
    assert_eq!(back, agenda);
}

#[test]
fn the_period_is_half_open_and_only_approval_counts() {
    let s = schedule();
    let c = context();
    // REL-2026-041: 2026-12-01T20:00Z to 22:30Z. Ending at `from`, starting
    // at `to`: left off.
    let ends_at_from = cab_agenda(
        &s,
        &t("2026-12-01T22:30:00Z"),
        &t("2026-12-02T00:00:00Z"),
        &c,
    )
    .unwrap();
    assert!(ends_at_from.items.is_empty());
    let starts_at_to = cab_agenda(
        &s,
        &t("2026-12-01T00:00:00Z"),
        &t("2026-12-01T20:00:00Z"),
        &c,
    )
    .unwrap();
    assert!(starts_at_to.items.is_empty());
    let inside = cab_agenda(
        &s,
        &t("2026-12-01T22:29:59Z"),
        &t("2026-12-01T22:30:00Z"),
        &c,
    )
    .unwrap();
    assert_eq!(inside.items.len(), 1);
    // REL-2026-045 (testing) overlaps 2026-12-06 but is not in approval.
    let dec6 = cab_agenda(
        &s,
        &t("2026-12-06T00:00:00Z"),
        &t("2026-12-07T00:00:00Z"),
        &c,
    )
    .unwrap();
    let ids: Vec<&str> = dec6.items.iter().map(|i| i.release_id.as_str()).collect();
    assert_eq!(ids, ["REL-2026-048"]);
}

#[test]
fn items_with_one_start_go_by_risk_then_id() {
    let mut s = schedule();
    let c = context();
    // A copy of REL-2026-048 under another id, at the same start: the copy
    // with more changes scores higher and comes first.
    let base = s
        .releases
        .iter()
        .find(|r| r.id == "REL-2026-048")
        .unwrap()
        .clone();
    let mut twin = base.clone();
    twin.id = "REL-2026-000".into();
    s.releases.push(twin);
    let agenda = cab_agenda(&s, &t(FROM), &t(TO), &c).unwrap();
    let tail: Vec<(&str, f64)> = agenda
        .items
        .iter()
        .skip(1)
        .map(|i| (i.release_id.as_str(), i.risk.score))
        .collect();
    assert_eq!(tail.len(), 2);
    if tail[0].1 == tail[1].1 {
        assert_eq!(tail[0].0, "REL-2026-000", "equal risk: by id");
    } else {
        assert!(tail[0].1 > tail[1].1, "{tail:?}");
    }
    for w in agenda.items.windows(2) {
        assert!(w[0].window.start <= w[1].window.start);
    }
}

fn command(value: serde_json::Value) -> Command {
    serde_json::from_value(value).unwrap()
}

#[test]
fn votes_cast_through_the_lifecycle_show_as_approved_and_rejected() {
    let mut s = schedule();
    let c = context();
    let i = s
        .releases
        .iter()
        .position(|r| r.id == "REL-2026-041")
        .unwrap();
    let release: Release = s.releases[i].clone();
    let approved = relman::apply(
        &release,
        &command(
            json!({"actor": "petra.mueller", "at": "2026-12-01T09:00:00+01:00",
                        "command": "approve", "role": "cab"}),
        ),
        &c,
    )
    .unwrap()
    .release;
    let rejected = relman::apply(
        &approved,
        &command(
            json!({"actor": "ewa.kowalski", "at": "2026-12-01T10:00:00+01:00",
                        "command": "reject", "role": "product_owner",
                        "comment": "needs a <tested> rollback"}),
        ),
        &c,
    )
    .unwrap()
    .release;
    s.releases[i] = rejected;
    let agenda = cab_agenda(&s, &t(FROM), &t(TO), &c).unwrap();
    let item = &agenda.items[0];
    assert_eq!(item.release_id, "REL-2026-041");
    assert!(!item.ready);
    let cab = &item.approvals.groups[0];
    assert_eq!(
        (cab.role, cab.reason, cab.needed, cab.missing),
        (Role::Cab, GroupReason::Quorum, Some(1), 0)
    );
    assert_eq!(cab.approved_by, ["petra.mueller"]);
    assert!(cab.eligible.is_empty(), "a met group lists nobody");
    let po = &item.approvals.groups[1];
    assert_eq!((po.role, po.missing), (Role::ProductOwner, 1));
    // ewa.kowalski has voted (a rejection): not listed as eligible.
    assert_eq!(po.eligible, ["raphael.dubois"]);
    assert_eq!(item.approvals.rejections.len(), 1);
    assert_eq!(item.approvals.rejections[0].approver, "ewa.kowalski");
    let rules: Vec<&str> = item.unmet.iter().map(|u| u.rule.as_str()).collect();
    assert!(rules.contains(&"approval.no_rejection"), "{rules:?}");
    let html = render_cab_agenda(&agenda, NotesFormat::Html).text;
    assert!(
        html.contains("rejected by ewa.kowalski (product_owner): needs a &lt;tested&gt; rollback")
    );
    let md = render_cab_agenda(&agenda, NotesFormat::Markdown).text;
    assert!(
        md.contains("- cab: 1 of 1 approved (petra.mueller); met\n"),
        "{md}"
    );
}

#[test]
fn conflicts_of_the_schedule_are_listed_with_the_other_items() {
    let mut s = schedule();
    let c = context();
    // REL-2026-048 moved onto REL-2026-041's window: both touch the same
    // service in production, and the conflict names the other release.
    let i = s
        .releases
        .iter()
        .position(|r| r.id == "REL-2026-048")
        .unwrap();
    let j = s
        .releases
        .iter()
        .position(|r| r.id == "REL-2026-041")
        .unwrap();
    let cis = s.releases[j]
        .all_affected_cis()
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    let (start, end) = (
        s.releases[j].planned_start.clone(),
        s.releases[j].planned_end.clone(),
    );
    s.releases[i].planned_start = start;
    s.releases[i].planned_end = end;
    s.releases[i].changes[0].affected_cis = cis;
    let agenda = cab_agenda(&s, &t(FROM), &t(TO), &c).unwrap();
    for item in &agenda.items {
        let overlap = item
            .conflicts
            .iter()
            .find(|c| c.kind == ConflictKind::CiOverlap)
            .unwrap_or_else(|| panic!("{}: {:?}", item.release_id, item.conflicts));
        let other = if item.release_id == "REL-2026-041" {
            "REL-2026-048"
        } else {
            "REL-2026-041"
        };
        assert_eq!(overlap.with, [other]);
        assert!(!overlap.explanation.is_empty());
    }
    let md = render_cab_agenda(&agenda, NotesFormat::Markdown).text;
    assert!(md.contains("### Conflicts"), "{md}");
}

#[test]
fn rollback_status_and_a_missing_window() {
    let mut s = schedule();
    let c = context();
    let i = s
        .releases
        .iter()
        .position(|r| r.id == "REL-2026-048")
        .unwrap();
    s.releases[i].rollback_plan = Some(relman::RollbackPlan {
        documented: true,
        tested: false,
        estimated_secs: Some(1500),
        instructions: None,
        extra: Default::default(),
    });
    let j = s
        .releases
        .iter()
        .position(|r| r.id == "REL-2026-041")
        .unwrap();
    s.releases[j].planned_end = None;
    let agenda = cab_agenda(&s, &t(FROM), &t(TO), &c).unwrap();
    assert_eq!(agenda.items.len(), 1);
    let item = &agenda.items[0];
    assert_eq!(item.rollback.status, RollbackState::Documented);
    assert_eq!(item.rollback.estimated_secs, Some(1500));
    let w = agenda
        .warnings
        .iter()
        .find(|w| w.code == "agenda_no_window")
        .unwrap();
    assert_eq!(w.path, format!("releases[{j}]"));
    let md = render_cab_agenda(&agenda, NotesFormat::Markdown).text;
    assert!(
        md.contains("- documented, not tested; estimated 25 min\n"),
        "{md}"
    );
}

#[test]
fn values_are_escaped_in_html_and_markdown() {
    let mut s = schedule();
    let c = context();
    for r in &mut s.releases {
        if r.id == "REL-2026-048" {
            r.title = "<script>alert('x')</script> & *bold* | pipe".into();
        }
    }
    let agenda = cab_agenda(&s, &t(FROM), &t(TO), &c).unwrap();
    let html = render_cab_agenda(&agenda, NotesFormat::Html).text;
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; *bold* | pipe"));
    let md = render_cab_agenda(&agenda, NotesFormat::Markdown).text;
    assert!(
        md.contains("\\<script\\>alert('x')\\</script\\> & \\*bold\\* \\| pipe"),
        "{md}"
    );
}

#[test]
fn an_empty_period_renders_a_sentence() {
    let agenda = cab_agenda(
        &schedule(),
        &t("2027-01-01T00:00:00Z"),
        &t("2027-01-08T00:00:00Z"),
        &context(),
    )
    .unwrap();
    assert!(agenda.items.is_empty());
    let md = render_cab_agenda(&agenda, NotesFormat::Markdown).text;
    assert!(
        md.ends_with("No release awaits approval in this period.\n"),
        "{md}"
    );
}

#[test]
fn bad_input_has_a_code_and_a_path() {
    let s = schedule();
    let c = context();
    for (from, to) in [(TO, FROM), (FROM, FROM)] {
        let err = cab_agenda(&s, &t(from), &t(to), &c).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert_eq!(err.path(), Some("period_end"));
    }
    // Through the registry: a start that is not RFC 3339, a missing end,
    // an agenda that is not one, an unknown format.
    let cases = [
        (
            "cab_agenda",
            json!({"schedule": {}, "period_start": "yesterday", "period_end": TO}),
            "period_start",
        ),
        (
            "cab_agenda",
            json!({"schedule": {}, "period_start": FROM}),
            "period_end",
        ),
        (
            "render_cab_agenda",
            json!({"agenda": {"from": FROM}, "format": "markdown"}),
            "agenda",
        ),
        (
            "render_cab_agenda",
            json!({"agenda": {"from": FROM, "to": TO, "items": []}, "format": "pdf"}),
            "format",
        ),
    ];
    for (op, params, path) in cases {
        let err = relman::api::call(op, params.clone()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{op} {params}");
        assert!(
            err.path().is_some_and(|p| p.starts_with(path)),
            "{op} {params}: {:?}",
            err.path()
        );
    }
    // A policy the schedule carries is checked: invalid_policy.
    let mut bad = s.clone();
    let mut policy = Policy::default();
    policy.risk.bands.medium = 90.0;
    bad.policy = Some(policy);
    let err = cab_agenda(&bad, &t(FROM), &t(TO), &Context::default()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidPolicy);
}
