//! The "Integrity" issue: the audit log is the record. One test per finding
//! of the issue (each reproduced on the code before it), plus `amend`,
//! `import` and legacy logs: every forged or edited fact is refused or
//! reported by `check`, `apply` and `verify_log` with its code and path (or
//! rule).
//!
//! Fixtures: the bundled major release (`examples/data/release-major.json`,
//! in planning) and its directory (`examples/data/context.json`); later
//! states are reached by applying real commands, and tampering is done on
//! the document afterwards, the way a host's database could be edited.

// Test helpers may unwrap, index and panic: a broken case should stop loudly
// (clippy.toml allows this inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::audit::{chain_seed, seal};
use relman::lifecycle::scope_fingerprint;
use relman::{
    apply, check, verify_log, Applied, Approval, Command, Context, DifferenceKind, Error,
    ErrorCode, GateReport, LogVerdict, Outcome, Release, ReleaseKind, Requirement, State,
    TamperKind,
};
use serde_json::{json, Value};

const MAJOR: &str = include_str!("../../examples/data/release-major.json");
const CONTEXT: &str = include_str!("../../examples/data/context.json");
const CALENDAR: &str = include_str!("../../examples/data/calendar.json");
const SCHEDULE: &str = include_str!("../../examples/data/schedule.json");
const CMDB: &str = include_str!("../../examples/data/cmdb.json");

/// The bundled context completed with what readiness needs (the bundled
/// calendar, schedule and CMDB; `examples/data/context.json` carries only
/// the directory and `now`).
fn ready(v: &mut Value) {
    for (part, text) in [
        ("calendar", CALENDAR),
        ("schedule", SCHEDULE),
        ("cmdb", CMDB),
    ] {
        v[part] = serde_json::from_str(text).unwrap();
    }
}

const SOURCE: &str = "servicenow:northwind";

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// The sample directory: anna.jansen (owner) and chidi.okafor are release
/// managers; petra.mueller, jonas.schmidt, linh.nguyen and marco.rossi sit
/// on the CAB (linh and marco on the ECAB too); ewa.kowalski is the product
/// owner; lena.fischer is QA.
fn ctx() -> Context {
    ctx_with(|_| {})
}

/// The same context without an actor directory.
fn no_directory() -> Context {
    let mut c = ctx();
    c.actors.clear();
    c
}

/// The sample context with `f` applied to its JSON.
fn ctx_with(f: impl FnOnce(&mut Value)) -> Context {
    let mut v: Value = serde_json::from_str(CONTEXT).unwrap();
    ready(&mut v);
    f(&mut v);
    serde_json::from_value(v).unwrap()
}

/// Gives `id` the extra `role` in the directory of `v`.
fn grant(v: &mut Value, id: &str, role: &str) {
    let actors = v["actors"].as_array_mut().unwrap();
    let actor = actors.iter_mut().find(|a| a["id"] == id).unwrap();
    actor["roles"].as_array_mut().unwrap().push(json!(role));
}

/// The sample major release, in planning with an empty log (a major release
/// needs CAB 2 + product owner 1).
fn planning() -> Release {
    serde_json::from_str(MAJOR).unwrap()
}

/// A command's time: one minute per event of the log, so that every
/// command is after the last event.
fn next_at(r: &Release) -> String {
    window_at(r)
}

fn cmd(r: &Release, actor: &str, command: &Value) -> Command {
    let mut v = command.clone();
    v["actor"] = json!(actor);
    if v.get("at").is_none() {
        v["at"] = json!(next_at(r));
    }
    serde_json::from_value(v).unwrap()
}

fn run(r: &Release, c: &Context, actor: &str, command: Value) -> Applied {
    apply(r, &cmd(r, actor, &command), c).unwrap_or_else(|e| {
        panic!(
            "{command} by {actor} failed: {e}\n{:#}",
            serde_json::to_value(e.to_body()).unwrap()
        )
    })
}

fn fails(r: &Release, c: &Context, actor: &str, command: Value) -> Error {
    let before = r.clone();
    let result = apply(r, &cmd(r, actor, &command), c);
    assert_eq!(*r, before, "the input release must not change");
    match result {
        Ok(applied) => panic!(
            "{command} by {actor} was applied: {:#?}",
            applied.events.last()
        ),
        Err(e) => e,
    }
}

fn advance(r: &Release, c: &Context) -> Release {
    run(r, c, "anna.jansen", json!({"command": "advance"})).release
}

/// The sample release, advanced through its gates to `approval` (the
/// genesis sealed its fields and its five test runs).
fn in_approval() -> Release {
    let c = ctx();
    let r = advance(&advance(&advance(&planning(), &c), &c), &c);
    assert_eq!(r.state, State::Approval);
    r
}

fn vote(r: &Release, c: &Context, who: &str, role: &str) -> Release {
    run(r, c, who, json!({"command": "approve", "role": role})).release
}

/// In approval with the full quorum cast through `approve`: petra.mueller
/// and jonas.schmidt (cab), ewa.kowalski (product owner).
fn approved() -> Release {
    let c = ctx();
    let r = vote(&in_approval(), &c, "petra.mueller", "cab");
    let r = vote(&r, &c, "jonas.schmidt", "cab");
    vote(&r, &c, "ewa.kowalski", "product_owner")
}

/// In deployment, started by chidi.okafor (who did not approve).
fn deploying() -> Release {
    let r = run(
        &approved(),
        &ctx(),
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    )
    .release;
    assert_eq!(r.state, State::Deployment);
    r
}

/// Closed through every state with real commands.
fn closed() -> Release {
    let c = ctx();
    let r = run(
        &deploying(),
        &c,
        "chidi.okafor",
        json!({"command": "complete_deployment", "outcome": "success"}),
    )
    .release;
    let r = run(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "complete_review", "summary": "went well"}),
    )
    .release;
    let r = run(&r, &c, "anna.jansen", json!({"command": "close"})).release;
    assert_eq!(r.state, State::Closed);
    r
}

/// A vote as a host would write it into `approvals[]` itself.
fn forged_vote(r: &Release, approver: &str, role: &str, at: &str) -> Approval {
    serde_json::from_value(json!({
        "approver": approver, "role": role, "decision": "approved", "at": at,
        "round": r.approval_round.unwrap_or(1), "fingerprint": scope_fingerprint(r),
    }))
    .unwrap()
}

// ---------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------

fn assert_error(err: &Error, code: ErrorCode, path: &str) {
    assert_eq!(err.code(), code, "{err}");
    assert_eq!(err.path(), Some(path), "{err}");
    let body = err.to_body();
    assert_eq!(body.code, code);
    assert_eq!(body.path.as_deref(), Some(path));
    assert!(!body.message.is_empty());
}

fn assert_forbidden(err: &Error, rule: &str) {
    assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    match err {
        Error::Forbidden { rule: r, .. } => assert_eq!(r, rule, "{err}"),
        other => panic!("not forbidden: {other}"),
    }
    assert_eq!(err.to_body().rule.as_deref(), Some(rule));
}

/// A `transition_denied` whose violations are exactly `rules`.
fn assert_denied(err: &Error, rules: &[&str]) {
    assert_eq!(err.code(), ErrorCode::TransitionDenied, "{err}");
    match err {
        Error::TransitionDenied { violations, .. } => {
            let got: Vec<&str> = violations.iter().map(|v| v.rule.as_str()).collect();
            assert_eq!(got, rules, "{err}");
        }
        other => panic!("not transition_denied: {other}"),
    }
}

/// `verify_log` says diverged at `first`, and lists exactly `expected`
/// (kind, path) in order.
fn assert_diverged(r: &Release, first: &str, expected: &[(DifferenceKind, &str)]) -> LogVerdict {
    let v = verify_log(r, None);
    assert!(!v.valid, "{v:#?}");
    let tamper = v.tamper.as_ref().unwrap();
    assert_eq!(tamper.kind, TamperKind::Diverged, "{v:#?}");
    assert_eq!(tamper.path, first, "{v:#?}");
    let got: Vec<(DifferenceKind, &str)> = v
        .differences
        .iter()
        .map(|d| (d.kind, d.path.as_str()))
        .collect();
    assert_eq!(got, expected, "{v:#?}");
    assert!(v.differences.iter().all(|d| !d.message.is_empty()));
    // The verdict's error is the one apply gives.
    assert_error(&v.error().unwrap(), ErrorCode::LogTampered, first);
    v
}

fn assert_valid(r: &Release) {
    let v = verify_log(r, None);
    assert!(v.valid, "{v:#?}");
    assert!(v.differences.is_empty(), "{v:#?}");
    assert!(v.warnings.is_empty(), "{v:#?}");
}

fn requirement<'a>(report: &'a GateReport, rule: &str) -> &'a Requirement {
    report
        .requirements
        .iter()
        .find(|r| r.rule == rule)
        .unwrap_or_else(|| panic!("no requirement {rule} in {:#?}", report.requirements))
}

/// `record.log` is unmet and names `path` as where the record breaks.
fn assert_record_unmet(report: &GateReport, path: &str) {
    assert!(!report.allowed);
    assert_eq!(report.requirements[0].rule, "record.log");
    let rec = requirement(report, "record.log");
    assert!(!rec.met, "{rec:#?}");
    assert_eq!(rec.data["path"], path, "{rec:#?}");
    assert_eq!(rec.data["tamper"], "diverged", "{rec:#?}");
}

/// The approvers the quorum counts in `role`, sorted.
fn approvers(report: &GateReport, role: &str) -> Vec<String> {
    let q = requirement(report, "approval.quorum");
    let rule = q.data["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == role)
        .unwrap_or_else(|| panic!("no {role} rule in {q:#?}"));
    let mut out: Vec<String> = serde_json::from_value(rule["approvers"].clone()).unwrap();
    out.sort();
    out
}

fn excluded(report: &GateReport) -> Vec<(String, String)> {
    requirement(report, "approval.quorum").data["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["approver"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Finding 1: votes written straight into approvals[]
// ---------------------------------------------------------------------------

#[test]
fn a_vote_written_into_approvals_is_reported_and_not_counted() {
    let c = ctx();
    let r = vote(&in_approval(), &c, "petra.mueller", "cab");
    let r = vote(&r, &c, "ewa.kowalski", "product_owner");
    // Control: the second CAB vote, cast through apply, completes the quorum.
    let honest = vote(&r, &c, "marco.rossi", "cab");
    assert!(check(&honest, State::Deployment, &c).allowed);

    // The same vote written into the document, with a valid fingerprint.
    let mut forged = r.clone();
    forged.approvals.push(forged_vote(
        &r,
        "marco.rossi",
        "cab",
        "2026-11-20T10:30:00Z",
    ));
    let v = assert_diverged(
        &forged,
        "approvals[2]",
        &[(DifferenceKind::Unlogged, "approvals[2]")],
    );
    assert_eq!(v.differences[0].seq, None);

    let report = check(&forged, State::Deployment, &c);
    assert_record_unmet(&report, "approvals[2]");
    assert_eq!(approvers(&report, "cab"), ["petra.mueller"]);
    assert!(!requirement(&report, "approval.quorum").met);

    let err = fails(
        &forged,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    );
    assert_error(&err, ErrorCode::LogTampered, "approvals[2]");
    // Nor can a vote be added on top of the forged one.
    let err = fails(
        &forged,
        &c,
        "jonas.schmidt",
        json!({"command": "approve", "role": "cab"}),
    );
    assert_error(&err, ErrorCode::LogTampered, "approvals[2]");
}

// ---------------------------------------------------------------------------
// Finding 2: tests, outcome, kind, change kinds and overrides
// ---------------------------------------------------------------------------

#[test]
fn a_test_run_written_into_tests_is_reported_and_not_counted() {
    let c = ctx();
    let mut p = planning();
    p.tests.retain(|t| t.kind != relman::TestKind::Security);
    let r = advance(&advance(&p, &c), &c);
    assert_eq!(r.state, State::Testing);
    let security = json!({"kind": "security", "passed": 57, "failed": 0,
                          "signed_off_by": "jonas.schmidt", "at": "2026-11-20T09:00:00Z"});
    // Control: recorded through apply, the run lets the release leave testing.
    let honest = run(
        &r,
        &c,
        "lena.fischer",
        json!({"command": "record_tests", "tests": [security]}),
    )
    .release;
    assert!(check(&honest, State::Approval, &c).allowed);

    let mut forged = r.clone();
    forged
        .tests
        .push(serde_json::from_value(security.clone()).unwrap());
    assert_diverged(
        &forged,
        "tests[4]",
        &[(DifferenceKind::Unlogged, "tests[4]")],
    );
    let report = check(&forged, State::Approval, &c);
    assert_record_unmet(&report, "tests[4]");
    let kinds = requirement(&report, "testing.required_kinds");
    assert!(!kinds.met);
    assert_eq!(kinds.data["missing"], json!(["security"]));
    let err = fails(&forged, &c, "anna.jansen", json!({"command": "advance"}));
    assert_error(&err, ErrorCode::LogTampered, "tests[4]");
}

#[test]
fn an_edited_failed_count_is_reported_and_not_counted() {
    let c = ctx();
    let r = advance(&advance(&planning(), &c), &c);
    let applied = run(
        &r,
        &c,
        "lena.fischer",
        json!({"command": "record_tests", "tests": [
            {"kind": "integration", "passed": 100, "failed": 50}
        ]}),
    );
    let seq = applied.events[0].seq;
    let r = applied.release;
    assert!(!requirement(&check(&r, State::Approval, &c), "testing.pass_rate").met);

    let mut forged = r.clone();
    forged.tests[5].failed = 0;
    let v = assert_diverged(
        &forged,
        "tests[5].failed",
        &[(DifferenceKind::Edited, "tests[5].failed")],
    );
    assert_eq!(v.differences[0].seq, Some(seq));
    let report = check(&forged, State::Approval, &c);
    assert_record_unmet(&report, "tests[5].failed");
    // The gate still sees the 50 failures the event recorded.
    let rate = requirement(&report, "testing.pass_rate");
    assert!(!rate.met, "{rate:#?}");
    assert!(rate
        .data
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kind"] == "integration" && k["failed"] == 50));
    let err = fails(&forged, &c, "anna.jansen", json!({"command": "advance"}));
    assert_error(&err, ErrorCode::LogTampered, "tests[5].failed");
}

#[test]
fn an_outcome_written_without_complete_deployment_is_reported_and_not_counted() {
    let c = ctx();
    let r = deploying();
    let mut forged = r.clone();
    forged.outcome = Some(Outcome::Success);
    forged.deployed_at = Some(serde_json::from_value(json!("2026-11-20T11:00:00Z")).unwrap());
    assert_diverged(
        &forged,
        "outcome",
        &[
            (DifferenceKind::Unlogged, "outcome"),
            (DifferenceKind::Unlogged, "deployed_at"),
        ],
    );
    let report = check(&forged, State::Review, &c);
    assert_record_unmet(&report, "outcome");
    let outcome = requirement(&report, "deployment.outcome");
    assert!(!outcome.met);
    assert_eq!(outcome.data["outcome"], Value::Null);
    let err = fails(&forged, &c, "anna.jansen", json!({"command": "advance"}));
    assert_error(&err, ErrorCode::LogTampered, "outcome");

    // Recorded through complete_deployment, the outcome counts.
    let done = run(
        &r,
        &c,
        "chidi.okafor",
        json!({"command": "complete_deployment", "outcome": "success"}),
    )
    .release;
    assert_valid(&done);
    assert_eq!(done.state, State::Review);
}

#[test]
fn relabelling_a_major_release_emergency_is_reported() {
    let c = ctx();
    let r = in_approval();
    // One ECAB vote instead of the CAB quorum: kind relabelled and the vote
    // written into the document.
    let mut forged = r.clone();
    forged.kind = ReleaseKind::Emergency;
    forged.approvals.push(forged_vote(
        &forged,
        "linh.nguyen",
        "ecab",
        "2026-11-20T10:30:00Z",
    ));
    let v = assert_diverged(
        &forged,
        "kind",
        &[
            (DifferenceKind::Edited, "kind"),
            (DifferenceKind::Unlogged, "approvals[0]"),
        ],
    );
    assert_eq!(v.differences[0].seq, Some(1), "the genesis sealed the kind");
    let report = check(&forged, State::Deployment, &c);
    assert_record_unmet(&report, "kind");
    assert!(approvers(&report, "ecab").is_empty());
    assert!(!requirement(&report, "approval.quorum").met);
    let err = fails(
        &forged,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    );
    assert_error(&err, ErrorCode::LogTampered, "kind");

    // The kind alone, relabelled: still diverged at `kind`.
    let mut relabelled = r.clone();
    relabelled.kind = ReleaseKind::Emergency;
    assert_diverged(&relabelled, "kind", &[(DifferenceKind::Edited, "kind")]);
    // An ECAB member cannot vote as ecab on it: the record comes first.
    let err = fails(
        &relabelled,
        &c,
        "linh.nguyen",
        json!({"command": "approve", "role": "ecab"}),
    );
    assert_error(&err, ErrorCode::LogTampered, "kind");
}

#[test]
fn changes_relabelled_standard_are_reported() {
    let c = ctx();
    let r = in_approval();
    // Control: without votes the release cannot leave approval.
    let report = check(&r, State::Deployment, &c);
    assert!(!requirement(&report, "approval.quorum").met);

    // Every normal change relabelled standard: no CAB vote would be needed.
    let mut forged = r.clone();
    for ch in &mut forged.changes {
        ch.kind = relman::ChangeKind::Standard;
    }
    assert_diverged(
        &forged,
        "changes[0]",
        &[
            (DifferenceKind::Edited, "changes[0]"),
            (DifferenceKind::Edited, "changes[1]"),
            (DifferenceKind::Edited, "changes[2]"),
            (DifferenceKind::Edited, "changes[5]"),
        ],
    );
    let report = check(&forged, State::Deployment, &c);
    assert_record_unmet(&report, "changes[0]");
    let err = fails(
        &forged,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    );
    assert_error(&err, ErrorCode::LogTampered, "changes[0]");

    // One change relabelled: the difference names that change.
    let mut one = r.clone();
    one.changes[2].kind = relman::ChangeKind::Standard;
    assert_diverged(
        &one,
        "changes[2]",
        &[(DifferenceKind::Edited, "changes[2]")],
    );
}

/// An emergency release (the sample relabelled while still in planning,
/// where sealed fields are free to edit) whose window falls in the Black
/// Friday production blackout, in approval.
fn emergency_in_blackout() -> (Release, Context) {
    let mut p = planning();
    p.kind = ReleaseKind::Emergency;
    p.planned_start = Some(serde_json::from_value(json!("2026-11-28T01:00:00+01:00")).unwrap());
    p.planned_end = Some(serde_json::from_value(json!("2026-11-28T04:00:00+01:00")).unwrap());
    // An empty schedule and the calendar's blackouts only: moved into the
    // Black Friday blackout, the release would also conflict with the
    // bundled schedule and maintenance windows (dependency order, outside
    // every window); this scenario is about the blackout.
    let c = ctx_with(|v| {
        v["schedule"] = json!({});
        v["calendar"]["maintenance_windows"] = json!([]);
    });
    let r = advance(&advance(&advance(&p, &c), &c), &c);
    assert_eq!(r.state, State::Approval);
    (r, c)
}

#[test]
fn an_override_blackout_nobody_cast_is_reported_and_not_counted() {
    let (r, c) = emergency_in_blackout();
    let r = vote(&r, &c, "linh.nguyen", "ecab");
    let seq = r.log.last().unwrap().seq;
    let report = check(&r, State::Deployment, &c);
    assert!(requirement(&report, "approval.quorum").met);
    assert!(!requirement(&report, "approval.blackout").met);

    let mut forged = r.clone();
    forged.approvals[0].override_blackout = true;
    let v = assert_diverged(
        &forged,
        "approvals[0].override_blackout",
        &[(DifferenceKind::Edited, "approvals[0].override_blackout")],
    );
    assert_eq!(v.differences[0].seq, Some(seq));
    let report = check(&forged, State::Deployment, &c);
    assert_record_unmet(&report, "approvals[0].override_blackout");
    let blackout = requirement(&report, "approval.blackout");
    assert!(!blackout.met);
    assert_eq!(blackout.data["override_by"], Value::Null);
    let err = fails(
        &forged,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    );
    assert_error(
        &err,
        ErrorCode::LogTampered,
        "approvals[0].override_blackout",
    );

    // Control: an override cast through apply lets the release through.
    let cast = run(
        &r,
        &c,
        "marco.rossi",
        json!({"command": "approve", "role": "ecab", "override_blackout": true}),
    )
    .release;
    let report = check(&cast, State::Deployment, &c);
    assert_eq!(
        requirement(&report, "approval.blackout").data["override_by"],
        "marco.rossi"
    );
    let started = run(
        &cast,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    );
    assert_eq!(
        started.events[0].details["blackout_override"]["override_by"],
        "marco.rossi"
    );
    assert_valid(&started.release);
}

// ---------------------------------------------------------------------------
// Finding 3: the latest vote by `at`, then seq, counts
// ---------------------------------------------------------------------------

fn import_votes(r: &Release, c: &Context, votes: Value) -> Release {
    run(
        r,
        c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "approvals": votes}),
    )
    .release
}

#[test]
fn the_latest_vote_by_time_counts_not_the_last_in_the_list() {
    let c = ctx();
    let base = vote(&in_approval(), &c, "petra.mueller", "cab");
    let base = vote(&base, &c, "ewa.kowalski", "product_owner");

    // jonas approves (10:05); an import then brings his earlier rejection
    // (09:00) from the source system: last in the list, first in time.
    let r = vote(&base, &c, "jonas.schmidt", "cab");
    let r = import_votes(
        &r,
        &c,
        json!([{"approver": "jonas.schmidt", "role": "cab", "decision": "rejected",
                "at": "2026-11-20T09:00:00Z", "comment": "superseded"}]),
    );
    assert_eq!(r.approvals.last().unwrap().approver, "jonas.schmidt");
    assert_eq!(r.approvals.len(), 4);
    assert_valid(&r);
    let report = check(&r, State::Deployment, &c);
    assert_eq!(
        approvers(&report, "cab"),
        ["jonas.schmidt", "petra.mueller"]
    );
    assert!(requirement(&report, "approval.no_rejection").met);
    assert!(report.allowed, "{report:#?}");

    // The other way round: jonas rejects (10:05), an import brings his
    // earlier approval (09:00): the rejection stands.
    let r = run(
        &base,
        &c,
        "jonas.schmidt",
        json!({"command": "reject", "role": "cab", "comment": "no"}),
    )
    .release;
    let r = import_votes(
        &r,
        &c,
        json!([{"approver": "jonas.schmidt", "role": "cab", "decision": "approved",
                "at": "2026-11-20T09:00:00Z"}]),
    );
    assert_valid(&r);
    let report = check(&r, State::Deployment, &c);
    assert_eq!(approvers(&report, "cab"), ["petra.mueller"]);
    let rejections = requirement(&report, "approval.no_rejection");
    assert!(!rejections.met);
    assert!(rejections.data.to_string().contains("jonas.schmidt"));
    let err = fails(
        &r,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    );
    assert_denied(&err, &["approval.quorum", "approval.no_rejection"]);

    // Same `at`: the later event (seq) wins. jonas approves at 10:05 and an
    // import at 10:06 brings a rejection stamped 10:05.
    let r = vote(&base, &c, "jonas.schmidt", "cab");
    let at = r.log.last().unwrap().at.clone();
    let r = import_votes(
        &r,
        &c,
        json!([{"approver": "jonas.schmidt", "role": "cab", "decision": "rejected", "at": at}]),
    );
    let report = check(&r, State::Deployment, &c);
    assert_eq!(approvers(&report, "cab"), ["petra.mueller"]);
    assert!(!requirement(&report, "approval.no_rejection").met);

    // Through commands alone time and list order agree: the later vote
    // replaces the earlier one.
    // Reject, then approve: the approval is the vote that counts.
    let r = run(
        &base,
        &c,
        "jonas.schmidt",
        json!({"command": "reject", "role": "cab", "comment": "rollback untested"}),
    )
    .release;
    assert!(!requirement(&check(&r, State::Deployment, &c), "approval.no_rejection").met);
    let r = vote(&r, &c, "jonas.schmidt", "cab");
    let report = check(&r, State::Deployment, &c);
    assert_eq!(
        approvers(&report, "cab"),
        ["jonas.schmidt", "petra.mueller"]
    );
    assert!(requirement(&report, "approval.no_rejection").met);
    assert!(report.allowed, "{report:#?}");
    // Approve, then reject: the rejection stands.
    let r = run(
        &r,
        &c,
        "jonas.schmidt",
        json!({"command": "reject", "role": "cab", "comment": "changed my mind"}),
    )
    .release;
    let report = check(&r, State::Deployment, &c);
    assert_eq!(approvers(&report, "cab"), ["petra.mueller"]);
    assert!(!requirement(&report, "approval.no_rejection").met);
}

// ---------------------------------------------------------------------------
// Finding 4: a deleted fingerprint does not revive a vote
// ---------------------------------------------------------------------------

#[test]
fn a_deleted_fingerprint_is_reported_and_an_amendment_voids_the_round() {
    let c = ctx();
    let r = approved();
    assert!(check(&r, State::Deployment, &c).allowed);
    let petra_seq = r.log[3].seq;
    assert_eq!(r.log[3].actor, "petra.mueller");

    // The fingerprint deleted from the document.
    let mut forged = r.clone();
    forged.approvals[0].fingerprint = None;
    let v = assert_diverged(
        &forged,
        "approvals[0].fingerprint",
        &[(DifferenceKind::Edited, "approvals[0].fingerprint")],
    );
    assert_eq!(v.differences[0].seq, Some(petra_seq));
    let err = fails(
        &forged,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    );
    assert_error(&err, ErrorCode::LogTampered, "approvals[0].fingerprint");

    // The old attack: scope edited, fingerprints deleted so that the votes
    // would survive the edit.
    let mut forged = r.clone();
    forged.scope = Some("Checkout 5.0 plus loyalty points".into());
    for a in &mut forged.approvals {
        a.fingerprint = None;
    }
    assert_diverged(
        &forged,
        "scope",
        &[
            (DifferenceKind::Edited, "scope"),
            (DifferenceKind::Edited, "approvals[0].fingerprint"),
            (DifferenceKind::Edited, "approvals[1].fingerprint"),
            (DifferenceKind::Edited, "approvals[2].fingerprint"),
        ],
    );
    assert_record_unmet(&check(&forged, State::Deployment, &c), "scope");
    let err = fails(
        &forged,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    );
    assert_error(&err, ErrorCode::LogTampered, "scope");

    // The supported scope change: amend in approval voids the round.
    let amended = run(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "amend", "reason": "loyalty points moved into 5.0",
               "set": {"scope": "Checkout 5.0 plus loyalty points"}}),
    );
    let event = &amended.events[0];
    assert_eq!(event.details["voided_round"], 1);
    assert_eq!(event.details["fields"], json!(["scope"]));
    let a = amended.release;
    assert_eq!(a.approval_round, Some(2));
    assert_eq!(a.approvals.len(), 3, "voided votes stay in the document");
    assert_valid(&a);
    let report = check(&a, State::Deployment, &c);
    assert!(approvers(&report, "cab").is_empty());
    assert!(approvers(&report, "product_owner").is_empty());
    assert_eq!(requirement(&report, "approval.quorum").data["round"], 2);
    let ex = excluded(&report);
    assert_eq!(ex.len(), 3, "{ex:?}");
    assert!(ex.iter().all(|(_, why)| why.contains("round 1")), "{ex:?}");
    let err = fails(
        &a,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    );
    // The voided round approved the window; the new round approved nothing
    // yet (deployment.window: "voided").
    assert_denied(&err, &["approval.quorum", "deployment.window"]);

    // Deleting the voided votes' fingerprints revives nothing: a difference.
    let mut forged = a.clone();
    forged.approvals[1].fingerprint = None;
    assert_diverged(
        &forged,
        "approvals[1].fingerprint",
        &[(DifferenceKind::Edited, "approvals[1].fingerprint")],
    );
    let report = check(&forged, State::Deployment, &c);
    assert!(approvers(&report, "cab").is_empty());

    // New votes in round 2 count.
    let again = vote(&a, &c, "petra.mueller", "cab");
    let again = vote(&again, &c, "jonas.schmidt", "cab");
    let again = vote(&again, &c, "ewa.kowalski", "product_owner");
    assert_eq!(again.approvals[5].round, Some(2));
    assert!(check(&again, State::Deployment, &c).allowed);
}

// ---------------------------------------------------------------------------
// Finding 5: identity
// ---------------------------------------------------------------------------

/// The sample release in approval with an empty log and `votes` in its
/// document, adopted by an import (which vouches for the document as the
/// source system's record).
fn adopted_with_votes(votes: &[(&str, &str)]) -> Release {
    let mut r = planning();
    r.state = State::Approval;
    for (i, (who, role)) in votes.iter().enumerate() {
        let at = format!("2026-11-19T09:{i:02}:00Z");
        let v = forged_vote(&r, who, role, &at);
        r.approvals.push(v);
    }
    let applied = run(
        &r,
        &ctx(),
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "records": ["CHG-IMPORT-1"], "adopt": true}),
    );
    let r = applied.release;
    assert_eq!(r.log.len(), 1);
    assert_valid(&r);
    assert!(r
        .approvals
        .iter()
        .all(|a| a.source.as_deref() == Some(SOURCE)));
    r
}

#[test]
fn spellings_of_one_person_count_once_without_a_directory() {
    let six = [
        "jörg.schmidt",
        "Jörg.Schmidt",
        "jörg.schmidt ",
        "jörg.schm\u{0456}dt",  // Cyrillic і
        "jo\u{0308}rg.schmidt", // NFD
        "jörg.sch\u{200B}midt", // zero-width space
    ];
    let five = [
        "jonas.schmidt",
        "Jonas.Schmidt",
        "jonas.schmidt ",
        "jonas.schm\u{0456}dt",
        "jonas.sch\u{200B}midt",
    ];
    for spellings in [&six[..], &five[..]] {
        let votes: Vec<(&str, &str)> = spellings.iter().map(|s| (*s, "cab")).collect();
        let r = adopted_with_votes(&votes);
        assert_eq!(r.approvals.len(), spellings.len());
        let report = check(&r, State::Deployment, &no_directory());
        assert!(requirement(&report, "record.log").met);
        // One person: the latest of the spellings is the vote that counts.
        assert_eq!(
            approvers(&report, "cab"),
            [*spellings.last().unwrap()],
            "{spellings:?}"
        );
        let quorum = requirement(&report, "approval.quorum");
        assert!(!quorum.met, "{quorum:#?}");
        assert!(quorum.message.contains("cab 1 of 2"), "{}", quorum.message);
    }
    // Two different people are still two.
    let r = adopted_with_votes(&[("jörg.schmidt", "cab"), ("jonas.schmidt", "cab")]);
    let report = check(&r, State::Deployment, &no_directory());
    assert_eq!(approvers(&report, "cab").len(), 2);
}

#[test]
fn the_owner_under_another_casing_cannot_approve() {
    // Recorded votes (adopted) by the owner under three casings: excluded.
    let r = adopted_with_votes(&[
        ("Anna.Jansen", "cab"),
        ("ANNA.JANSEN", "cab"),
        ("anna.jansen ", "cab"),
        ("petra.mueller", "cab"),
    ]);
    for c in [no_directory(), ctx()] {
        let report = check(&r, State::Deployment, &c);
        assert_eq!(approvers(&report, "cab"), ["petra.mueller"]);
        let ex = excluded(&report);
        let owner: Vec<&str> = ex
            .iter()
            .filter(|(_, why)| why.contains("owns release REL-2026-050"))
            .map(|(who, _)| who.as_str())
            .collect();
        assert_eq!(
            owner,
            ["Anna.Jansen", "ANNA.JANSEN", "anna.jansen "],
            "{ex:?}"
        );
    }

    // A directory with the owner's other accounts, all on the CAB: each is
    // refused at apply.
    let c = ctx_with(|v| {
        let actors = v["actors"].as_array_mut().unwrap();
        for id in ["Anna.Jansen", "ANNA.JANSEN", "anna.jansen "] {
            actors.push(json!({"id": id, "roles": ["cab"]}));
        }
    });
    let r = in_approval();
    for id in ["Anna.Jansen", "ANNA.JANSEN", "anna.jansen "] {
        let err = fails(&r, &c, id, json!({"command": "approve", "role": "cab"}));
        assert_forbidden(&err, "sod.owner_approval");
    }
    // And so is the owner as written.
    let c = ctx_with(|v| grant(v, "anna.jansen", "cab"));
    let err = fails(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "approve", "role": "cab"}),
    );
    assert_forbidden(&err, "sod.owner_approval");
}

#[test]
fn a_command_under_a_confusable_id_is_forbidden() {
    let c = ctx();
    let r = in_approval();
    for id in [
        "Jonas.Schmidt",
        "jonas.schmidt ",
        "jonas.schm\u{0456}dt",
        "jonas.sch\u{200B}midt",
    ] {
        let err = fails(&r, &c, id, json!({"command": "approve", "role": "cab"}));
        assert_forbidden(&err, "identity.confusable");
    }
    // The issuer of any command, not only votes.
    for id in [
        "Chidi.Okafor",
        " chidi.okafor",
        "ch\u{0456}di.okafor",
        "chidi.oka\u{200B}for",
    ] {
        let err = fails(&r, &c, id, json!({"command": "cancel", "reason": "x"}));
        assert_forbidden(&err, "identity.confusable");
    }
    // An imported vote under a confusable id is refused too.
    let err = fails(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "approvals": [
            {"approver": "Jonas.Schmidt", "role": "cab", "decision": "approved",
             "at": "2026-11-20T09:00:00Z"}
        ]}),
    );
    assert_forbidden(&err, "identity.confusable");
    // The directory's spelling is accepted.
    let ok = vote(&r, &c, "jonas.schmidt", "cab");
    assert_eq!(ok.approvals[0].approver, "jonas.schmidt");
}

// ---------------------------------------------------------------------------
// Finding 6: whoever approved does not deploy
// ---------------------------------------------------------------------------

#[test]
fn an_approver_may_not_start_complete_or_roll_back_the_deployment() {
    // petra.mueller is on the CAB and a release manager too.
    let c = ctx_with(|v| grant(v, "petra.mueller", "release_manager"));
    let r = approved();
    for command in [
        json!({"command": "start_deployment"}),
        json!({"command": "advance"}),
    ] {
        let err = fails(&r, &c, "petra.mueller", command);
        assert_forbidden(&err, "sod.approver_deployment");
    }
    let started = run(
        &r,
        &c,
        "chidi.okafor",
        json!({"command": "start_deployment"}),
    );
    assert!(started.events[0].details.get("sod_relaxed").is_none());
    let d = started.release;
    for command in [
        json!({"command": "complete_deployment", "outcome": "success"}),
        json!({"command": "roll_back", "reason": "errors"}),
    ] {
        let err = fails(&d, &c, "petra.mueller", command);
        assert_forbidden(&err, "sod.approver_deployment");
    }
    // The approver's second account, under another casing, is the same
    // person.
    let c2 = ctx_with(|v| {
        let actors = v["actors"].as_array_mut().unwrap();
        actors.push(json!({"id": "Petra.Mueller", "roles": ["release_manager"]}));
    });
    let err = fails(
        &r,
        &c2,
        "Petra.Mueller",
        json!({"command": "start_deployment"}),
    );
    assert_forbidden(&err, "sod.approver_deployment");
    // A vote that came through an import counts as having approved.
    let r2 = vote(&in_approval(), &c, "jonas.schmidt", "cab");
    let r2 = run(
        &r2,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "approvals": [
            {"approver": "petra.mueller", "role": "cab", "decision": "approved",
             "at": "2026-11-19T16:00:00Z"}]}),
    )
    .release;
    let r2 = vote(&r2, &c, "ewa.kowalski", "product_owner");
    assert!(check(&r2, State::Deployment, &c).allowed);
    let err = fails(
        &r2,
        &c,
        "petra.mueller",
        json!({"command": "start_deployment"}),
    );
    assert_forbidden(&err, "sod.approver_deployment");

    // The policy relaxes the rule: allowed, and each event says so.
    let relaxed = ctx_with(|v| {
        grant(v, "petra.mueller", "release_manager");
        v["policy"] =
            json!({"lifecycle": {"separation_of_duties": {"forbid_approver_deployment": false}}});
    });
    let sod = json!(["separation_of_duties.forbid_approver_deployment"]);
    let started = run(
        &r,
        &relaxed,
        "petra.mueller",
        json!({"command": "start_deployment"}),
    );
    assert_eq!(started.events[0].details["sod_relaxed"], sod);
    let d = started.release;
    let rolled = run(
        &d,
        &relaxed,
        "petra.mueller",
        json!({"command": "roll_back", "reason": "errors"}),
    );
    assert_eq!(rolled.events[0].details["sod_relaxed"], sod);
    assert_eq!(rolled.release.state, State::Review);
    let done = run(
        &d,
        &relaxed,
        "petra.mueller",
        json!({"command": "complete_deployment", "outcome": "success"}),
    );
    assert_eq!(done.events[0].details["sod_relaxed"], sod);
    assert_valid(&done.release);
    // Someone who did not approve leaves no such mark.
    let by_chidi = run(
        &d,
        &relaxed,
        "chidi.okafor",
        json!({"command": "complete_deployment", "outcome": "success"}),
    );
    assert!(by_chidi.events[0].details.get("sod_relaxed").is_none());
}

// ---------------------------------------------------------------------------
// Finding 7: a deleted log
// ---------------------------------------------------------------------------

#[test]
fn a_deleted_log_is_tampering_until_an_import_adopts_the_release() {
    let c = ctx();
    for (state, r) in [("closed", closed()), ("approval", approved())] {
        assert_valid(&r);
        let mut wiped = r.clone();
        wiped.log.clear();
        let v = verify_log(&wiped, None);
        assert!(!v.valid, "{state}: {v:#?}");
        let tamper = v.tamper.as_ref().unwrap();
        assert_eq!(tamper.kind, TamperKind::EmptyLog);
        assert_eq!(tamper.path, "log");
        assert_error(&v.error().unwrap(), ErrorCode::LogTampered, "log");
        let report = check(&wiped, State::Closed, &c);
        let rec = requirement(&report, "record.log");
        assert!(!rec.met);
        assert_eq!(rec.data["tamper"], "empty_log");

        // No fresh chain from here: every command but an adopting import.
        for (actor, command) in [
            ("anna.jansen", json!({"command": "advance"})),
            (
                "anna.jansen",
                json!({"command": "cancel", "reason": "start over"}),
            ),
            ("chidi.okafor", json!({"command": "start_deployment"})),
            (
                "anna.jansen",
                json!({"command": "import", "source": SOURCE, "tests": [
                    {"kind": "unit", "passed": 1, "failed": 0}
                ]}),
            ),
            (
                "anna.jansen",
                json!({"command": "amend", "reason": "r",
                                   "set": {"knowledge_articles": ["KB1"]}}),
            ),
        ] {
            let err = fails(&wiped, &c, actor, command.clone());
            assert_error(&err, ErrorCode::LogTampered, "log");
        }
        // Only a role the policy names may adopt.
        let err = fails(
            &wiped,
            &c,
            "petra.mueller",
            json!({"command": "import", "source": SOURCE, "adopt": true}),
        );
        assert_forbidden(&err, "roles.import");

        let adopted = run(
            &wiped,
            &c,
            "anna.jansen",
            json!({"command": "import", "source": SOURCE, "records": ["RLSE0010050"], "adopt": true}),
        );
        let event = &adopted.events[0];
        assert_eq!(event.seq, 1);
        assert_eq!(event.command, "import");
        assert!(event.details.contains_key("seal"));
        assert!(event.details.contains_key("adopt"));
        let a = adopted.release;
        assert_eq!(a.state, wiped.state);
        assert_valid(&a);
        let report = check(&a, State::Closed, &c);
        let rec = requirement(&report, "record.log");
        assert!(rec.met, "{rec:#?}");
        assert_eq!(
            rec.data["imports"],
            json!([{"seq": 1, "source": SOURCE, "records": ["RLSE0010050"], "adopt": true}])
        );
    }
}

/// Regression: an adopting import of a closed release whose review lists
/// incidents failed with `internal` ("the applied import does not replay to
/// its own document: review.incidents …"): `details.adopt` recorded the
/// review's time but not its incidents.
#[test]
fn an_import_adopts_a_reviewed_release_with_its_incidents() {
    let c = ctx();
    let r = run(
        &deploying(),
        &c,
        "chidi.okafor",
        json!({"command": "complete_deployment", "outcome": "success_with_issues"}),
    )
    .release;
    let r = run(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "complete_review", "summary": "slow card checks",
               "incidents": ["INC0088410", "INC0088411"]}),
    )
    .release;
    let mut wiped = run(&r, &c, "anna.jansen", json!({"command": "close"})).release;
    wiped.log.clear();
    let adopted = run(
        &wiped,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "adopt": true}),
    );
    let adopt = &adopted.events[0].details["adopt"];
    assert_eq!(
        adopt["review_incidents"],
        json!(["INC0088410", "INC0088411"]),
        "{adopt:#}"
    );
    let a = adopted.release;
    assert_valid(&a);
    let report = check(&a, State::Closed, &c);
    let rec = requirement(&report, "record.log");
    assert!(rec.met, "{rec:#?}");
    // Editing the incidents afterwards is still caught.
    let mut edited = a.clone();
    if let Some(review) = edited.review.as_mut() {
        review.incidents.pop();
    }
    let report = check(&edited, State::Closed, &c);
    let rec = requirement(&report, "record.log");
    assert!(!rec.met, "{rec:#?}");
    // Without incidents, `details.adopt` is as before (no empty list).
    let mut none = closed();
    none.log.clear();
    let adopted = run(
        &none,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "adopt": true}),
    );
    let adopt = &adopted.events[0].details["adopt"];
    assert!(adopt.get("review_incidents").is_none(), "{adopt:#}");
}

#[test]
fn a_planning_release_cannot_carry_votes_an_outcome_or_a_review() {
    let c = ctx();
    let p = planning();
    // Sealed fields and test runs are free to edit before the genesis.
    assert!(verify_log(&p, None).valid);

    let mut voted = p.clone();
    voted.approvals.push(forged_vote(
        &p,
        "petra.mueller",
        "cab",
        "2026-11-19T09:00:00Z",
    ));
    assert_diverged(
        &voted,
        "approvals[0]",
        &[(DifferenceKind::Unlogged, "approvals[0]")],
    );
    let err = fails(&voted, &c, "anna.jansen", json!({"command": "advance"}));
    assert_error(&err, ErrorCode::LogTampered, "approvals[0]");

    let mut deployed = p.clone();
    deployed.outcome = Some(Outcome::Success);
    assert_diverged(
        &deployed,
        "outcome",
        &[(DifferenceKind::Unlogged, "outcome")],
    );
    let err = fails(&deployed, &c, "anna.jansen", json!({"command": "advance"}));
    assert_error(&err, ErrorCode::LogTampered, "outcome");

    let mut reviewed = p.clone();
    reviewed.review =
        Some(serde_json::from_value(json!({"completed_at": "2026-11-19T09:00:00Z"})).unwrap());
    assert_diverged(
        &reviewed,
        "review.completed_at",
        &[(DifferenceKind::Unlogged, "review.completed_at")],
    );
    let err = fails(&reviewed, &c, "anna.jansen", json!({"command": "advance"}));
    assert_error(&err, ErrorCode::LogTampered, "review.completed_at");
}

// ---------------------------------------------------------------------------
// amend
// ---------------------------------------------------------------------------

#[test]
fn amend_sets_sealed_fields_and_records_them() {
    let c = ctx();
    let r = advance(&planning(), &c);
    assert_eq!(r.state, State::Development);
    let applied = run(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "amend", "reason": "window moved a week",
               "set": {"scope": "One-page checkout only", "planned_start": "2026-12-20T01:00:00+01:00",
                       "planned_end": "2026-12-20T04:00:00+01:00"}}),
    );
    let event = &applied.events[0];
    assert_eq!(event.command, "amend");
    assert_eq!(event.from, State::Development);
    assert_eq!(event.to, State::Development);
    assert_eq!(event.details["reason"], "window moved a week");
    assert_eq!(
        event.details["fields"],
        json!(["scope", "planned_start", "planned_end"])
    );
    assert_eq!(event.details["set"]["scope"], "One-page checkout only");
    assert_eq!(
        event.details["set"]["planned_end"],
        "2026-12-20T04:00:00+01:00"
    );
    assert!(event.details.contains_key("seal"));
    assert!(
        event.details.get("voided_round").is_none(),
        "no round outside approval"
    );
    let a = applied.release;
    assert_eq!(a.scope.as_deref(), Some("One-page checkout only"));
    assert_eq!(
        a.planned_end.as_ref().unwrap().as_str(),
        "2026-12-20T04:00:00+01:00"
    );
    assert_eq!(a.approval_round, r.approval_round);
    assert_valid(&a);
    // The amended value is now the sealed one: reverting it by hand is an edit.
    let mut reverted = a.clone();
    reverted.scope = r.scope.clone();
    assert_diverged(&reverted, "scope", &[(DifferenceKind::Edited, "scope")]);
}

#[test]
fn amend_bad_input_and_late_amendments() {
    let c = ctx();
    let r = advance(&planning(), &c);
    let err = fails(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "amend", "reason": "r", "set": {}}),
    );
    assert_error(&err, ErrorCode::InvalidInput, "set");
    let err = fails(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "amend", "reason": "  ", "set": {"scope": "x"}}),
    );
    assert_error(&err, ErrorCode::InvalidInput, "reason");
    let err = fails(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "amend", "reason": "r", "set": {
            "planned_start": "2026-12-20T04:00:00Z", "planned_end": "2026-12-20T01:00:00Z"}}),
    );
    assert_error(&err, ErrorCode::InvalidInput, "set.planned_end");
    let mut dup = r.changes.clone();
    dup.push(r.changes[0].clone());
    let err = fails(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "amend", "reason": "r", "set": {"changes": dup}}),
    );
    assert_error(&err, ErrorCode::InvalidInput, "set.changes[6].id");
    // Only the roles the policy names.
    let err = fails(
        &r,
        &c,
        "petra.mueller",
        json!({"command": "amend", "reason": "r", "set": {"scope": "x"}}),
    );
    assert_forbidden(&err, "roles.amend");

    // Without `reason` at all, through the JSON API.
    let err = relman::api::call(
        "apply",
        json!({"release": r, "context": c, "command": {
            "command": "amend", "actor": "anna.jansen", "at": next_at(&r), "set": {"scope": "x"}}}),
    )
    .unwrap_err();
    assert_error(&err, ErrorCode::InvalidInput, "reason");
    assert!(err.to_string().contains("missing field `reason`"), "{err}");

    // After the deployment started, a scope field cannot be amended...
    let d = deploying();
    let err = fails(
        &d,
        &c,
        "anna.jansen",
        json!({"command": "amend", "reason": "r", "set": {"scope": "x"}}),
    );
    assert_denied(&err, &["lifecycle.transition"]);
    // ...but knowledge articles and communication can, without a new round.
    let ok = run(
        &d,
        &c,
        "anna.jansen",
        json!({"command": "amend", "reason": "KB written", "set": {"knowledge_articles": ["KB0012099"]}}),
    );
    assert!(ok.events[0].details.get("voided_round").is_none());
    assert_eq!(ok.release.knowledge_articles, ["KB0012099"]);
    assert_valid(&ok.release);
    // A closed release's record is closed.
    let err = fails(
        &closed(),
        &c,
        "anna.jansen",
        json!({"command": "amend", "reason": "r", "set": {"knowledge_articles": ["KB1"]}}),
    );
    assert_denied(&err, &["lifecycle.transition"]);
}

// ---------------------------------------------------------------------------
// import
// ---------------------------------------------------------------------------

#[test]
fn an_imported_vote_counts_and_names_its_source() {
    let c = ctx();
    let r = vote(&in_approval(), &c, "petra.mueller", "cab");
    let r = vote(&r, &c, "ewa.kowalski", "product_owner");
    let applied = run(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "records": ["a1b2c3"], "approvals": [
            {"approver": "marco.rossi", "role": "cab", "decision": "approved",
             "at": "2026-11-19T16:00:00Z", "comment": "approved in the CAB meeting"}
        ]}),
    );
    let seq = applied.events[0].seq;
    assert!(applied.events[0].details.get("seal").is_none());
    let r = applied.release;
    let imported = &r.approvals[2];
    assert_eq!(imported.source.as_deref(), Some(SOURCE));
    assert_eq!(imported.round, Some(1));
    assert_eq!(
        imported.fingerprint.as_deref(),
        Some(scope_fingerprint(&r).as_str())
    );
    assert_valid(&r);

    let report = check(&r, State::Deployment, &c);
    assert!(report.allowed, "{report:#?}");
    assert_eq!(approvers(&report, "cab"), ["marco.rossi", "petra.mueller"]);
    assert_eq!(
        requirement(&report, "approval.quorum").data["vouched_by_import"],
        json!([{"approver": "marco.rossi", "role": "cab", "source": SOURCE}])
    );
    assert_eq!(
        requirement(&report, "record.log").data["imports"],
        json!([{"seq": seq, "source": SOURCE, "records": ["a1b2c3"], "adopt": false}])
    );
    // The imported vote's source is part of the record.
    let mut forged = r.clone();
    forged.approvals[2].source = None;
    assert_diverged(
        &forged,
        "approvals[2].source",
        &[(DifferenceKind::Edited, "approvals[2].source")],
    );
}

#[test]
fn imported_test_runs_count_in_testing() {
    let c = ctx();
    let mut p = planning();
    p.tests.clear();
    let r = advance(&advance(&p, &c), &c);
    let report = check(&r, State::Approval, &c);
    assert!(!requirement(&report, "testing.required_kinds").met);
    let runs: Vec<Value> = serde_json::to_value(planning().tests)
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    let r = run(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": "jenkins:ci", "tests": runs}),
    )
    .release;
    assert!(r
        .tests
        .iter()
        .all(|t| t.source.as_deref() == Some("jenkins:ci")));
    assert_valid(&r);
    assert!(check(&r, State::Approval, &c).allowed);
}

#[test]
fn import_bad_input() {
    let c = ctx();
    let testing = advance(&advance(&planning(), &c), &c);
    let approval = in_approval();
    let marco = json!([{"approver": "marco.rossi", "role": "cab", "decision": "approved",
                        "at": "2026-11-19T16:00:00Z"}]);
    // Votes are imported in approval only, runs in development or testing.
    let err = fails(
        &testing,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "approvals": marco}),
    );
    assert_denied(&err, &["lifecycle.transition"]);
    let err = fails(
        &approval,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "tests": [
            {"kind": "unit", "passed": 1, "failed": 0}]}),
    );
    assert_denied(&err, &["lifecycle.transition"]);
    // Each imported vote is checked like an approve: the owner, an
    // implementer, a role the voter does not hold, a voter not in the
    // directory.
    let c_impl = ctx_with(|v| grant(v, "sofia.alvarez", "cab"));
    for (issuer, voter, context, rule) in [
        ("chidi.okafor", "anna.jansen", &c, "sod.owner_approval"),
        (
            "anna.jansen",
            "sofia.alvarez",
            &c_impl,
            "sod.implementer_approval",
        ),
        ("anna.jansen", "ewa.kowalski", &c, "roles.vote_role"),
        ("anna.jansen", "mallory", &c, "roles.directory"),
    ] {
        let err = fails(
            &approval,
            context,
            issuer,
            json!({"command": "import", "source": SOURCE, "approvals": [
                {"approver": voter, "role": "cab", "decision": "approved",
                 "at": "2026-11-19T16:00:00Z"}]}),
        );
        assert_forbidden(&err, rule);
    }
    // Nothing to vouch for.
    let err = fails(
        &approval,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE}),
    );
    assert_error(&err, ErrorCode::InvalidInput, "approvals");
    // No source.
    let err = fails(
        &approval,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": " ", "approvals": marco}),
    );
    assert_error(&err, ErrorCode::InvalidInput, "source");
    // A role the policy does not name for import.
    let err = fails(
        &approval,
        &c,
        "petra.mueller",
        json!({"command": "import", "source": SOURCE, "approvals": marco}),
    );
    assert_forbidden(&err, "roles.import");
}

// ---------------------------------------------------------------------------
// Legacy logs
// ---------------------------------------------------------------------------

/// `r`'s log as written before sealing: no `seal` (nor `sealed_tests`) in
/// any event, the chain recomputed so it still holds.
fn unsealed(r: &Release) -> Release {
    let mut out = r.clone();
    let mut prev = chain_seed(&r.id);
    out.log = r
        .log
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.details.remove("seal");
            e.details.remove("sealed_tests");
            let e = seal(&prev, e);
            prev = e.hash.clone();
            e
        })
        .collect();
    out
}

#[test]
fn a_legacy_log_verifies_with_a_warning_and_only_an_adopting_import_is_applied() {
    let c = ctx();
    let r = unsealed(&advance(&advance(&planning(), &c), &c));
    assert_eq!(r.state, State::Testing);
    let v = verify_log(&r, None);
    assert!(v.valid, "{v:#?}");
    assert!(v.differences.is_empty());
    let codes: Vec<&str> = v.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["legacy_log"]);
    assert_eq!(v.warnings[0].path, "log");

    let report = check(&r, State::Approval, &c);
    let rec = requirement(&report, "record.log");
    assert!(!rec.met);
    assert_eq!(rec.data["legacy"], true);
    assert!(!report.allowed);

    for (actor, command) in [
        ("anna.jansen", json!({"command": "advance"})),
        (
            "lena.fischer",
            json!({"command": "record_tests", "tests": [
            {"kind": "unit", "passed": 1, "failed": 0}]}),
        ),
        (
            "anna.jansen",
            json!({"command": "import", "source": SOURCE, "tests": [
            {"kind": "unit", "passed": 1, "failed": 0}]}),
        ),
    ] {
        let err = fails(&r, &c, actor, command);
        assert_denied(&err, &["record.log"]);
    }

    let adopted = run(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": "relman:legacy", "adopt": true}),
    );
    assert_eq!(adopted.events[0].seq, 3);
    let a = adopted.release;
    assert_valid(&a);
    let report = check(&a, State::Approval, &c);
    assert!(report.allowed, "{report:#?}");
    assert_eq!(
        requirement(&report, "record.log").data["imports"],
        json!([{"seq": 3, "source": "relman:legacy", "records": [], "adopt": true}])
    );
    let next = advance(&a, &c);
    assert_eq!(next.state, State::Approval);
}

// ---------------------------------------------------------------------------
// Imported facts cannot postdate their import; stale adopted votes are void
// ---------------------------------------------------------------------------

/// A vote dated after its import would outrank every later real vote (votes
/// are ordered by `at`): refused with its path.
#[test]
fn an_imported_vote_dated_after_its_import_is_refused() {
    let c = ctx();
    let r = vote(&in_approval(), &c, "petra.mueller", "cab");
    let err = fails(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "approvals": [
            {"approver": "jonas.schmidt", "role": "cab", "decision": "approved",
             "at": "2099-01-01T00:00:00Z"}
        ]}),
    );
    assert_error(&err, ErrorCode::InvalidInput, "approvals[0].at");

    let r = advance(&advance(&planning(), &c), &c);
    let err = fails(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "tests": [
            {"kind": "unit", "passed": 1, "at": "2099-01-01T00:00:00Z"}
        ]}),
    );
    assert_error(&err, ErrorCode::InvalidInput, "tests[0].at");
}

/// An adopted vote carrying the fingerprint of another scope was cast
/// before the scope changed: it does not count.
#[test]
fn an_adopted_vote_with_a_stale_fingerprint_is_void() {
    let mut r = planning();
    r.state = State::Approval;
    let mut stale = forged_vote(&r, "petra.mueller", "cab", "2026-11-19T09:00:00Z");
    stale.fingerprint = Some(format!("sha256:{}", "0".repeat(64)));
    let current = forged_vote(&r, "jonas.schmidt", "cab", "2026-11-19T09:01:00Z");
    let current = Approval {
        fingerprint: Some(relman::lifecycle::scope_fingerprint(&r)),
        ..current
    };
    r.approvals = vec![stale, current];
    let r = run(
        &r,
        &ctx(),
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "adopt": true}),
    )
    .release;
    assert_valid(&r);
    let report = check(&r, State::Deployment, &ctx());
    assert_eq!(approvers(&report, "cab"), vec!["jonas.schmidt".to_string()]);
    let out = excluded(&report);
    assert!(
        out.iter()
            .any(|(who, why)| who == "petra.mueller" && why.contains("scope")),
        "{out:?}"
    );
}

/// Adoption is the way in for an empty or unsealed log only: once the
/// record is sealed, another adopt would re-vouch for facts commands set.
#[test]
fn adopt_is_refused_once_the_record_is_sealed() {
    let c = ctx();
    let r = vote(&in_approval(), &c, "petra.mueller", "cab");
    let err = fails(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "adopt": true}),
    );
    assert_denied(&err, &["lifecycle.transition"]);
    let Error::TransitionDenied { violations, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        violations[0].message.contains("already in the record"),
        "{violations:?}"
    );
}

/// A percentage quorum counts people: two directory entries of one person
/// are one member, as their votes count once.
#[test]
fn a_percentage_quorum_counts_people_not_directory_entries() {
    let c = ctx_with(|v| {
        v["actors"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "Petra.Mueller", "roles": ["cab"]}));
        v["policy"] =
            json!({"lifecycle": {"major": {"quorum": [{"role": "cab", "percentage": 100}]}}});
    });
    let cab: Vec<String> = c
        .actors
        .iter()
        .filter(|a| a.roles.contains(&relman::Role::Cab))
        .map(|a| a.id.clone())
        .collect();
    let mut r = in_approval();
    for who in cab.iter().filter(|id| *id != "Petra.Mueller") {
        r = vote(&r, &c, who, "cab");
    }
    let report = check(&r, State::Deployment, &c);
    let quorum = requirement(&report, "approval.quorum");
    assert!(quorum.met, "{quorum:?}");
    assert_eq!(
        quorum.data["rules"][0]["needed"],
        json!(cab.len() - 1),
        "{quorum:?}"
    );
}

/// A readiness preview from planning counts the test runs the first event
/// will seal, as the record will after it.
#[test]
fn a_preview_from_planning_counts_the_runs_the_genesis_will_seal() {
    let c = ctx();
    let r = planning();
    assert!(!r.tests.is_empty());
    let preview = check(&r, State::Approval, &c);
    assert!(
        requirement(&preview, "testing.required_kinds").met,
        "{preview:?}"
    );
    let after = check(&advance(&r, &c), State::Approval, &c);
    assert_eq!(
        requirement(&preview, "testing.pass_rate").met,
        requirement(&after, "testing.pass_rate").met
    );
}

/// A bad value inside a command names its path (serde loses it inside the
/// tagged command; the parser finds the member the message quotes).
#[test]
fn bad_values_inside_a_command_name_their_path() {
    for (command, path) in [
        (
            json!({"command": "amend", "reason": "r", "set": {"title": "x"}}),
            "set.title",
        ),
        (json!({"command": "approve", "role": "nope"}), "role"),
        (
            json!({"command": "import", "source": "s", "approvals": [
                {"approver": "a", "role": "cab", "decision": "maybe", "at": "2026-11-20T10:00:00Z"}
            ]}),
            "approvals[0].decision",
        ),
    ] {
        let mut v = command.clone();
        v["actor"] = json!("anna.jansen");
        v["at"] = json!("2026-11-20T10:00:00Z");
        let err = relman::from_value::<Command>(v).unwrap_err();
        assert_error(&err, ErrorCode::InvalidInput, path);
    }
}

/// An imported vote cast before the current round started (a send-back or
/// an amendment in approval) belongs to a voided round: refused.
#[test]
fn an_imported_vote_from_a_voided_round_is_refused() {
    let c = ctx();
    let r = in_approval();
    let r = run(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "amend", "reason": "scope grew", "set": {"scope": "Checkout and wallet"}}),
    )
    .release;
    assert_eq!(r.approval_round, Some(2));
    let voided_at = r.log.last().unwrap().at.clone();
    let err = fails(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "approvals": [
            {"approver": "jonas.schmidt", "role": "cab", "decision": "approved",
             "at": "2026-11-19T16:00:00Z"}]}),
    );
    assert_error(&err, ErrorCode::InvalidInput, "approvals[0].at");
    // Cast after the round started, it counts.
    let r = run(
        &r,
        &c,
        "anna.jansen",
        json!({"command": "import", "source": SOURCE, "approvals": [
            {"approver": "jonas.schmidt", "role": "cab", "decision": "approved",
             "at": voided_at}]}),
    )
    .release;
    let report = check(&r, State::Deployment, &c);
    assert_eq!(approvers(&report, "cab"), vec!["jonas.schmidt".to_string()]);
}

/// A command's time inside the release's window (deployment.window): one
/// minute per event of the log after `planned_start`, and never before the
/// last event.
fn window_at(r: &Release) -> String {
    let start = r
        .planned_start
        .as_ref()
        .map_or(1_795_000_000, |t| t.unix_seconds());
    let n = i64::try_from(r.log.len()).unwrap();
    let mut secs = start + 60 * n;
    if let Some(last) = r.log.last() {
        secs = secs.max(last.at.unix_seconds() + 60);
    }
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
