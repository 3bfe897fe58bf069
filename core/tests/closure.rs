//! Closure: snapshot tests on the bundled samples (`RELMAN_BLESS=1`
//! rewrites the snapshots under tests/snapshots/), and the bundled minor
//! release taken through deployment with `apply` — succeeded, deployed with
//! issues, failed, rolled back, cancelled — where closure and the release
//! notes must agree: fixes only after a successful deployment.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::closure::{Disposition, OpenReason, RecordKind};
use relman::{apply, closure, release_notes, verify_log, Command, Context, NotesFormat, Release};
use serde_json::{json, Value};
use std::path::Path;

fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/data")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

fn sample(name: &str) -> Release {
    relman::parse::<Release>(&example(name)).unwrap().document
}

#[path = "support/snapshot.rs"]
mod snapshots;
use snapshots::snapshot;

fn json_text(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

/// The bundled context with the bundled policy, calendar, schedule and
/// CMDB (what readiness needs).
fn context() -> Context {
    let mut ctx: Value = serde_json::from_str(&example("context.json")).unwrap();
    ctx["policy"] = serde_json::from_str(&example("policy.json")).unwrap();
    for part in ["calendar", "schedule", "cmdb"] {
        ctx[part] = serde_json::from_str(&example(&format!("{part}.json"))).unwrap();
    }
    serde_json::from_value(ctx).unwrap()
}

fn run(release: &Release, command: Value, at: &str) -> Release {
    let mut c = command;
    c["actor"] = json!("chidi.okafor");
    c["at"] = json!(at);
    let command: Command = serde_json::from_value(c.clone()).unwrap();
    apply(release, &command, &context())
        .unwrap_or_else(|e| panic!("{c} failed: {e}"))
        .release
}

/// The bundled minor release (in approval, quorum met) deployed.
fn deploying() -> Release {
    run(
        &sample("release-minor.json"),
        json!({"command": "start_deployment"}),
        "2026-12-01T20:05:00Z",
    )
}

fn completed(outcome: &str) -> Release {
    run(
        &deploying(),
        json!({"command": "complete_deployment", "outcome": outcome}),
        "2026-12-01T21:40:00Z",
    )
}

fn rolled_back() -> Release {
    run(
        &deploying(),
        json!({"command": "roll_back", "reason": "p95 listing latency regressed"}),
        "2026-12-01T21:40:00Z",
    )
}

const MINOR_RECORDS: [(RecordKind, &str); 4] = [
    (RecordKind::Problem, "PRB0040117"),
    (RecordKind::Problem, "PRB0040121"),
    (RecordKind::Request, "RITM0018802"),
    (RecordKind::Incident, "INC0089377"),
];

#[test]
fn closure_snapshots_on_every_sample_release() {
    for name in ["release-major", "release-minor", "release-emergency"] {
        let release = sample(&format!("{name}.json"));
        let c = closure(&release);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        // None of the samples is deployed yet: everything stays open.
        assert_eq!(c.disposition, Disposition::KeepOpen);
        assert_eq!(c.reason, Some(OpenReason::NotDeployed));
        assert_eq!(json_text(&c), json_text(&closure(&release)));
        snapshot(&format!("closure-{name}.json"), &json_text(&c));
    }
}

#[test]
fn deployed_releases_snapshots() {
    for (name, release) in [
        ("success", completed("success")),
        ("rolled-back", rolled_back()),
    ] {
        assert!(verify_log(&release, None).valid);
        snapshot(
            &format!("closure-release-minor-{name}.json"),
            &json_text(&closure(&release)),
        );
        snapshot(
            &format!("notes-release-minor-{name}.md"),
            &release_notes(&release, NotesFormat::Markdown).text,
        );
    }
}

#[test]
fn a_successful_deployment_resolves_and_publishes() {
    let c = closure(&completed("success"));
    assert_eq!(c.disposition, Disposition::Resolve);
    assert_eq!(c.rule, "closure.success");
    assert_eq!(c.outcome, Some(relman::Outcome::Success));
    assert!(c.outcome_seq.is_some());
    assert_eq!(c.resolve.problems, ["PRB0040117", "PRB0040121"]);
    assert_eq!(c.resolve.requests, ["RITM0018802"]);
    assert_eq!(c.resolve.incidents, ["INC0089377"]);
    assert_eq!(c.publish.knowledge_articles, ["KB0012044"]);
    assert!(c.keep_open.is_empty());
    assert!(c.warnings.is_empty());
    let md = release_notes(&completed("success"), NotesFormat::Markdown).text;
    assert!(md.contains("## Fixed problems and fulfilled requests"));
    assert!(md.contains("### Problems fixed\n\n- PRB0040117\n- PRB0040121\n"));
}

#[test]
fn success_with_issues_resolves_flagged() {
    let release = completed("success_with_issues");
    let c = closure(&release);
    assert_eq!(c.disposition, Disposition::ResolveWithIssues);
    assert_eq!(c.resolve.problems.len(), 2);
    assert_eq!(c.warnings.len(), 1);
    assert_eq!(c.warnings[0].code, "deployed_with_issues");
    assert_eq!(c.warnings[0].path, "outcome");
    let notes = release_notes(&release, NotesFormat::Markdown);
    assert!(notes
        .text
        .contains("## Fixed problems and fulfilled requests"));
    assert!(notes.text.contains("Deployed with issues"));
}

/// Acceptance: a rolled-back release's notes and closure keep its problems
/// open.
#[test]
fn a_rolled_back_release_keeps_its_problems_open_in_closure_and_notes() {
    let release = rolled_back();
    let c = closure(&release);
    assert_eq!(c.disposition, Disposition::KeepOpen);
    assert_eq!(c.reason, Some(OpenReason::RolledBack));
    assert_eq!(c.rule, "closure.rolled_back");
    assert_eq!(c.outcome, Some(relman::Outcome::RolledBack));
    assert!(c.resolve.is_empty());
    assert!(c.publish.knowledge_articles.is_empty());
    let open: Vec<_> = c
        .keep_open
        .iter()
        .map(|k| (k.kind, k.id.as_str(), k.reason))
        .collect();
    let mut want: Vec<_> = MINOR_RECORDS
        .iter()
        .map(|(k, id)| (*k, *id, OpenReason::RolledBack))
        .collect();
    want.push((
        RecordKind::KnowledgeArticle,
        "KB0012044",
        OpenReason::RolledBack,
    ));
    assert_eq!(open, want);

    for format in [NotesFormat::Markdown, NotesFormat::Html] {
        let text = release_notes(&release, format).text;
        assert!(!text.contains("Problems fixed"), "{text}");
        assert!(!text.contains("Requests fulfilled"), "{text}");
        assert!(!text.contains("Fixed problems"), "{text}");
        assert!(text.contains("Still open"), "{text}");
        assert!(text.contains("rolled back"), "{text}");
        assert!(text.contains("PRB0040117"), "{text}");
    }
}

#[test]
fn a_failed_deployment_keeps_everything_open() {
    let release = completed("failed");
    let c = closure(&release);
    assert_eq!(c.reason, Some(OpenReason::Failed));
    assert_eq!(c.state, relman::State::Deployment);
    assert!(c.keep_open.iter().all(|k| k.reason == OpenReason::Failed));
    assert_eq!(c.keep_open.len(), 5);
    let md = release_notes(&release, NotesFormat::Markdown).text;
    assert!(md.contains("The deployment failed"));
    assert!(!md.contains("Problems fixed"));
}

#[test]
fn a_cancelled_release_keeps_everything_open() {
    let release = run(
        &sample("release-minor.json"),
        json!({"command": "cancel", "reason": "superseded by Catalog 3.9"}),
        "2026-11-20T10:00:00Z",
    );
    let c = closure(&release);
    assert_eq!(c.reason, Some(OpenReason::Cancelled));
    assert_eq!(c.rule, "closure.cancelled");
    let md = release_notes(&release, NotesFormat::Markdown).text;
    assert!(md.contains("The release was cancelled"));
}

#[test]
fn deployment_in_progress_is_not_deployed() {
    let c = closure(&deploying());
    assert_eq!(c.reason, Some(OpenReason::NotDeployed));
    assert!(c.message.contains("state deployment"), "{}", c.message);
}

/// The document's own `outcome` is not believed: only the log's.
#[test]
fn an_outcome_written_into_the_document_is_not_believed() {
    let mut release = rolled_back();
    release.outcome = Some(relman::Outcome::Success);
    let c = closure(&release);
    assert_eq!(c.reason, Some(OpenReason::LogNotVerified));
    assert_eq!(c.rule, "closure.log_not_verified");
    assert_eq!(c.warnings[0].code, "log_not_verified");
    assert_eq!(c.warnings[0].path, "outcome");
    assert!(c.resolve.is_empty());
    let notes = release_notes(&release, NotesFormat::Markdown);
    assert!(!notes.text.contains("Problems fixed"));
    assert_eq!(notes.warnings[0].code, "log_not_verified");
}

#[test]
fn known_errors_are_read_deduplicated_and_sealed() {
    let mut release = sample("release-major.json");
    release.links.known_errors = vec!["KE0001".into(), "KE0002".into()];
    release.changes[0].links.known_errors = vec!["KE0001".into()];
    let c = closure(&release);
    let kes: Vec<_> = c
        .keep_open
        .iter()
        .filter(|k| k.kind == RecordKind::KnownError)
        .map(|k| k.id.as_str())
        .collect();
    assert_eq!(kes, ["KE0001", "KE0002"]);
    let md = release_notes(&release, NotesFormat::Markdown).text;
    assert!(md.contains("### Known errors to fix\n\n- KE0001\n- KE0002\n"));
    // Round trip, and skipped when empty.
    let text = serde_json::to_value(&release).unwrap();
    assert_eq!(text["links"]["known_errors"], json!(["KE0001", "KE0002"]));
    assert!(
        serde_json::to_value(sample("release-major.json")).unwrap()["links"]
            .get("known_errors")
            .is_none()
    );

    // A change's known errors are sealed with the change: editing them
    // after the genesis is a divergence.
    let mut sealed = sample("release-minor.json");
    assert!(verify_log(&sealed, None).valid);
    sealed.changes[0].links.known_errors = vec!["KE0009".into()];
    let v = verify_log(&sealed, None);
    assert!(!v.valid);
    assert_eq!(v.tamper.unwrap().path, format!("changes[0]"));
}
