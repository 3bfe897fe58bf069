//! Property test of the record ("the log is the record";
//! docs/lifecycle.md, "The record"): for random command sequences, replaying
//! the log reproduces every gate-read field of the document, and any single
//! edit of one of those fields is reported by `verify_log`.
//!
//! A case starts from a release in planning and applies a random sequence
//! of commands that fit its state (advance, record_tests, approve, reject,
//! send_back, amend of random sealed fields, import of votes, runs or the
//! whole release, start and complete the deployment, roll_back,
//! complete_review, close, cancel). After every applied command the log
//! verifies with no difference, and the document equals what an oracle
//! written here replays from the log: votes, runs, outcome, times and round
//! from the events' details, sealed fields as they stood at the genesis and
//! then as each `amend` set them (`details.set`). The oracle never calls the
//! crate's replay.
//!
//! Then, for one release along the way, every gate-read field is edited in
//! turn (each sealed field, each field of a vote and of a run, a vote or a
//! run added or removed, outcome, deployment, rollback and review times,
//! the approval round): `verify_log` reports `diverged` with a difference
//! at that field, `check` reports `record.log` unmet and `apply` refuses
//! with `log_tampered`. Times written in another offset but at the same
//! instant are not edits.

// Test helpers may unwrap, index and panic: a broken case should stop loudly
// (clippy.toml allows this inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use relman::record::SEALED_FIELDS;
use relman::{
    apply, check, verify_log, Action, Amendment, Approval, Change, ChangeKind, Command, Context,
    Decision, ErrorCode, Event, Outcome, Release, ReleaseKind, RiskLevel, Role, State, TamperKind,
    TestKind, TestRun, Timestamp,
};
use relman_oracles::lifecycle::DIRECTORY;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------
// The world: a directory (`relman_oracles::lifecycle::DIRECTORY`, shared
// with the fuzz checks), the default policy with a low risk given, and who
// does what (owner rita; implementers bob and dan; deployer dan; tester
// quinn; voters nobody else is in conflict with).
// ---------------------------------------------------------------------------

/// Who may vote in which role: nobody here owns the release or implements
/// one of its changes.
const VOTERS: [(&str, Role); 9] = [
    ("carol", Role::Cab),
    ("erin", Role::Cab),
    ("frank", Role::Cab),
    ("eve", Role::Cab),
    ("frank", Role::ProductOwner),
    ("paula", Role::ProductOwner),
    ("ed", Role::Ecab),
    ("eve", Role::Ecab),
    ("bea", Role::BusinessStakeholder),
];

const SOURCE: &str = "servicenow:acme";

fn context() -> Context {
    let actors: Vec<Value> = DIRECTORY
        .iter()
        .map(|(id, roles)| json!({"id": id, "roles": roles}))
        .collect();
    serde_json::from_value(json!({
        "actors": actors, "now": "2026-12-13T00:00:00Z", "risk_level": "low",
    }))
    .unwrap()
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// The time of the `i`-th step: a minute apart, sometimes written in
/// another offset.
fn at(i: usize) -> Timestamp {
    // Inside the usual window (2026-12-13 00:00-03:00Z), so that a start
    // passes deployment.window.
    let m = i + 1;
    if i % 3 == 2 {
        ts(&format!(
            "2026-12-13T{:02}:{:02}:00+01:00",
            1 + m / 60,
            m % 60
        ))
    } else {
        ts(&format!("2026-12-13T{:02}:{:02}:00Z", m / 60, m % 60))
    }
}

/// The same instant, written in another offset.
fn elsewhere(t: &Timestamp) -> Timestamp {
    let offset = chrono::FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
    Timestamp::from_datetime(t.datetime().with_timezone(&offset))
}

/// An hour later.
fn later(t: &Timestamp) -> Timestamp {
    Timestamp::from_utc(t.utc() + chrono::Duration::hours(1))
}

fn from<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

// ---------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------

fn release_kind() -> impl Strategy<Value = ReleaseKind> {
    prop_oneof![
        Just(ReleaseKind::Major),
        Just(ReleaseKind::Minor),
        Just(ReleaseKind::Patch),
        Just(ReleaseKind::Emergency),
    ]
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        3 => Just(Outcome::Success),
        1 => Just(Outcome::SuccessWithIssues),
        2 => Just(Outcome::Failed),
        1 => Just(Outcome::RolledBack),
    ]
}

fn risk_level() -> impl Strategy<Value = RiskLevel> {
    prop_oneof![
        Just(RiskLevel::Low),
        Just(RiskLevel::Medium),
        Just(RiskLevel::High),
    ]
}

/// A change: its kind, approval, implementer (bob, dan or nobody), CIs,
/// a commit time and its own window or not.
fn change(i: usize) -> impl Strategy<Value = Change> {
    (
        prop_oneof![1 => Just("standard"), 3 => Just("normal"), 1 => Just("emergency")],
        prop::bool::weighted(0.95),
        prop_oneof![Just(None), Just(Some("bob")), Just(Some("dan"))],
        prop::collection::vec("ci-[a-z]{2}", 1..3),
        prop::bool::ANY,
        prop::bool::weighted(0.3),
    )
        .prop_map(
            move |(kind, approved, implementer, cis, committed, window)| {
                let mut c = json!({
                    "id": format!("CHG{i}"), "kind": kind, "summary": format!("change {i}"),
                    "affected_cis": cis, "approved": approved,
                });
                if let Some(who) = implementer {
                    c["implementer"] = json!(who);
                }
                if committed {
                    c["committed_at"] = json!("2026-11-20T12:00:00Z");
                }
                if window {
                    c["planned_start"] = json!("2026-12-13T01:30:00+01:00");
                    c["planned_end"] = json!("2026-12-13T02:30:00+01:00");
                }
                from(c)
            },
        )
}

fn changes() -> impl Strategy<Value = Vec<Change>> {
    (1usize..4).prop_flat_map(|n| (0..n).map(change).collect::<Vec<_>>())
}

/// A passing suite of every kind, UAT signed off by quinn; runs without a
/// time or with one before the sequence.
fn suite() -> impl Strategy<Value = Vec<TestRun>> {
    (prop::collection::vec(1u64..200, 5), prop::bool::ANY).prop_map(|(passed, timed)| {
        ["unit", "integration", "performance", "security", "uat"]
            .iter()
            .zip(passed)
            .map(|(kind, passed)| {
                let mut t = json!({"kind": kind, "passed": passed, "failed": 0, "skipped": 1});
                if *kind == "uat" {
                    t["signed_off_by"] = json!("quinn");
                }
                if timed {
                    t["at"] = json!("2026-11-30T10:00:00+01:00");
                }
                from(t)
            })
            .collect()
    })
}

/// A few runs, passing or not.
fn some_runs() -> impl Strategy<Value = Vec<TestRun>> {
    prop::collection::vec(
        (
            prop_oneof![
                Just(TestKind::Unit),
                Just(TestKind::Integration),
                Just(TestKind::Security),
                Just(TestKind::Uat),
            ],
            0u64..50,
            0u64..3,
        )
            .prop_map(|(kind, passed, failed)| {
                from(json!({"kind": kind, "passed": passed, "failed": failed}))
            }),
        1..3,
    )
}

fn runs() -> impl Strategy<Value = Vec<TestRun>> {
    prop_oneof![3 => suite(), 1 => some_runs()]
}

/// A valid window: the usual one (sometimes written in UTC), or another.
fn window() -> impl Strategy<Value = (Timestamp, Timestamp)> {
    prop_oneof![
        Just(("2026-12-13T01:00:00+01:00", "2026-12-13T04:00:00+01:00")),
        Just(("2026-12-13T00:00:00Z", "2026-12-13T03:00:00Z")),
        Just(("2026-12-20T22:00:00Z", "2026-12-21T02:00:00Z")),
    ]
    .prop_map(|(s, e)| (ts(s), ts(e)))
}

/// An amendment that `apply` takes: any sealed fields, or (`late`) only
/// the knowledge articles and the communication.
fn amendment() -> impl Strategy<Value = (Amendment, Amendment)> {
    let p = 0.25;
    let who = (
        prop::option::weighted(p, release_kind()),
        prop::option::weighted(p, prop_oneof![Just("rita"), Just("alice")]),
        prop::option::weighted(
            p,
            prop::collection::vec(prop_oneof![Just("dan"), Just("quinn")], 0..3),
        ),
        prop::option::weighted(p, "[A-Z][a-z]{3,10}( [a-z]{2,8}){0,3}"),
        prop::option::weighted(p, prop::collection::vec("[a-z]{3,8}", 0..3)),
        prop::option::weighted(p, changes()),
    );
    let what = (
        prop::option::weighted(p, prop::collection::vec("ci-[a-z]{2}", 0..3)),
        prop::option::weighted(p, window()),
        prop::option::weighted(p, prop::collection::vec("[a-z]{3,6}", 0..2)),
        prop::option::weighted(
            p,
            prop::collection::vec(prop_oneof![Just("staging"), Just("production")], 0..2),
        ),
        prop::option::weighted(p, prop::collection::vec("REL-[0-9]{2}", 0..2)),
        prop::option::weighted(
            p,
            prop_oneof![Just("big_bang"), Just("blue_green"), Just("canary")],
        ),
    );
    let how = (
        prop::option::weighted(
            p,
            (
                prop::bool::weighted(0.95),
                prop::bool::weighted(0.85),
                prop::option::of(60u64..7200),
            ),
        ),
        prop::option::weighted(p, prop::option::of("[A-Z][a-z]{3,10}( [a-z]{2,8}){0,3}")),
        prop::option::weighted(p, (risk_level(), prop::option::of(0.0f64..100.0))),
        prop::option::weighted(p, prop::collection::vec("KB[0-9]{4}", 0..3)),
    );
    (who, what, how).prop_map(|(who, what, how)| {
        let (kind, owner, team, scope, objectives, changes) = who;
        let (affected_cis, window, services, environments, depends_on, strategy) = what;
        let (rollback, plan, risk, knowledge_articles) = how;
        let communication = plan.map(|plan| {
            let mut c = json!({"notified": ["ops"]});
            if let Some(plan) = plan {
                c["plan"] = json!(plan);
            }
            from::<relman::Communication>(c)
        });
        let mut set = Amendment {
            kind,
            owner: owner.map(str::to_string),
            team: team.map(|t| t.iter().map(|s| s.to_string()).collect()),
            scope,
            objectives,
            changes,
            affected_cis,
            planned_start: window.clone().map(|w| w.0),
            planned_end: window.map(|w| w.1),
            services,
            environments: environments.map(|e| e.iter().map(|s| s.to_string()).collect()),
            depends_on,
            deployment: strategy.map(|s| from(json!({"strategy": s}))),
            rollback_plan: rollback.map(|(documented, tested, secs)| {
                from(json!({"documented": documented, "tested": tested, "estimated_secs": secs}))
            }),
            communication: communication.clone(),
            risk: risk.map(|(level, score)| from(json!({"level": level, "score": score}))),
            knowledge_articles: knowledge_articles.clone(),
        };
        if set.fields().is_empty() {
            set.scope = Some("Checkout, second cut".to_string());
        }
        let mut late = Amendment {
            communication,
            knowledge_articles,
            ..Amendment::default()
        };
        if late.fields().is_empty() {
            late.knowledge_articles = Some(vec!["KB0042".to_string()]);
        }
        (set, late)
    })
}

/// What a step may do; the command is picked when the step runs, among
/// those that fit the release's state.
#[derive(Debug, Clone)]
struct Intent {
    pick: usize,
    aux: usize,
    runs: Vec<TestRun>,
    /// Any sealed fields, and a late one (knowledge articles, communication).
    amend: (Amendment, Amendment),
    /// Imported votes: (voter index, approve?).
    votes: Vec<(usize, bool)>,
    outcome: Outcome,
    comment: Option<String>,
}

fn intent() -> impl Strategy<Value = Intent> {
    (
        any::<usize>(),
        any::<usize>(),
        runs(),
        amendment(),
        prop::collection::vec((0..VOTERS.len(), prop::bool::weighted(0.85)), 1..3),
        outcome(),
        prop::option::of("[a-z ]{1,12}"),
    )
        .prop_map(|(pick, aux, runs, amend, votes, outcome, comment)| Intent {
            pick,
            aux,
            runs,
            amend,
            votes,
            outcome,
            comment,
        })
}

/// The release in planning: complete, so that the sequences get far.
fn planning_release() -> impl Strategy<Value = Release> {
    (
        release_kind(),
        changes(),
        prop::option::weighted(0.4, suite()),
        prop::option::weighted(0.3, (risk_level(), 0.0f64..100.0)),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(kind, changes, tests, risk, depends)| {
            let mut r = json!({
                "id": "REL-R", "title": "Record property", "kind": kind, "state": "planning",
                "owner": "rita", "team": ["dan"], "scope": "New checkout flow",
                "objectives": ["faster checkout"],
                "planned_start": "2026-12-13T01:00:00+01:00", "planned_end": "2026-12-13T04:00:00+01:00",
                "services": ["checkout"], "environments": ["staging", "production"],
                "affected_cis": ["lb-1"],
                "deployment": {"strategy": "blue_green"},
                "rollback_plan": {"documented": true, "tested": true, "estimated_secs": 900},
                "communication": {"plan": "Email stakeholders a week ahead"},
                "knowledge_articles": ["KB0001"],
            });
            if let Some((level, score)) = risk {
                r["risk"] = json!({"level": level, "score": score});
            }
            if depends {
                r["depends_on"] = json!(["REL-01"]);
            }
            let mut r: Release = from(r);
            r.changes = changes;
            r.tests = tests.unwrap_or_default();
            r
        })
}

// ---------------------------------------------------------------------------
// Picking a command that fits.
// ---------------------------------------------------------------------------

fn command(actor: &str, at: Timestamp, action: Action) -> Command {
    Command {
        actor: actor.to_string(),
        at,
        action,
    }
}

fn import(approvals: Vec<Approval>, tests: Vec<TestRun>, adopt: bool) -> Action {
    Action::Import {
        source: SOURCE.to_string(),
        records: vec!["a1b2c3d4".to_string()],
        approvals,
        tests,
        adopt,
    }
}

/// The voters who vote on `r`'s kind.
fn voters(r: &Release) -> Vec<(&'static str, Role)> {
    let gates = relman::Policy::default().lifecycle.gates(r.kind);
    VOTERS
        .iter()
        .copied()
        .filter(|(_, role)| {
            gates.quorum.iter().any(|q| q.role == *role) || gates.high_risk_approver == *role
        })
        .collect()
}

/// The command step `i` issues on `r`, or `None` to end the sequence.
fn pick(r: &Release, i: usize, intent: &Intent) -> Option<Command> {
    use State::*;
    let now = at(i);
    let s = r.state;
    let cancellable = matches!(s, Planning | Development | Testing | Approval);
    if cancellable && intent.aux.is_multiple_of(150) {
        let reason = "no longer needed".to_string();
        return Some(command("rita", now, Action::Cancel { reason }));
    }
    let (set, late) = intent.amend.clone();
    let amend = |set: Amendment| Action::Amend {
        reason: "the plan changed".to_string(),
        set,
    };
    let runs: Vec<TestRun> = intent.runs.clone();
    let voters = voters(r);
    let vote = |n: usize| voters[n % voters.len()];
    let mut options: Vec<(usize, Command)> = Vec::new();
    let mut add = |weight: usize, actor: &str, action: Action| {
        options.push((weight, command(actor, now.clone(), action)));
    };
    match s {
        Planning => {
            add(6, "rita", Action::Advance);
            add(1, "rita", amend(set));
            add(1, "rita", import(Vec::new(), Vec::new(), true));
        }
        Development | Testing => {
            add(
                3,
                "quinn",
                Action::RecordTests {
                    tests: runs.clone(),
                },
            );
            add(1, "rita", import(Vec::new(), runs, false));
            add(
                if s == Development { 3 } else { 4 },
                "rita",
                Action::Advance,
            );
            add(1, "rita", amend(set));
            if s == Testing {
                add(
                    1,
                    "rita",
                    Action::SendBack {
                        to: Development,
                        reason: "defects".to_string(),
                    },
                );
            }
        }
        Approval => {
            let (who, role) = vote(intent.aux);
            add(
                8,
                who,
                Action::Approve {
                    role,
                    comment: intent.comment.clone(),
                    override_blackout: role == Role::Ecab && r.kind == ReleaseKind::Emergency,
                    group: None,
                    on_behalf_of: None,
                },
            );
            add(
                1,
                who,
                Action::Reject {
                    role,
                    comment: intent.comment.clone(),
                    group: None,
                    on_behalf_of: None,
                },
            );
            // Votes cast in the source before the import: before the
            // sequence, or a minute before this step.
            let votes: Vec<relman::Approval> = intent
                .votes
                .iter()
                .enumerate()
                .map(|(j, (n, approve))| {
                    let (who, role) = vote(*n);
                    let when = if j.is_multiple_of(2) {
                        ts("2026-11-30T09:00:00+01:00")
                    } else {
                        at(i.saturating_sub(1))
                    };
                    from(json!({
                        "approver": who, "role": role, "at": when,
                        "decision": if *approve { "approved" } else { "rejected" },
                    }))
                })
                .collect();
            add(2, "rita", import(votes, Vec::new(), false));
            add(1, "rita", amend(set));
            add(1, "rita", amend(late));
            add(
                1,
                "rita",
                Action::SendBack {
                    to: Development,
                    reason: "rejected".to_string(),
                },
            );
            add(5, "rita", Action::StartDeployment);
            add(1, "rita", import(Vec::new(), Vec::new(), true));
        }
        Deployment => {
            add(
                4,
                "dan",
                Action::CompleteDeployment {
                    outcome: Some(intent.outcome),
                    rollout: None,
                },
            );
            add(
                2,
                "dan",
                Action::RollBack {
                    reason: intent.comment.clone(),
                },
            );
            add(1, "rita", amend(late));
            add(1, "rita", import(Vec::new(), Vec::new(), true));
        }
        Review => {
            add(
                3,
                "rita",
                Action::CompleteReview {
                    summary: intent.comment.clone(),
                    lessons: vec!["smaller batches".to_string()],
                    incidents: Vec::new(),
                },
            );
            add(3, "rita", Action::Close);
            add(1, "rita", amend(late));
        }
        // The record of a closed or cancelled release holds; now and then
        // an import vouches for it once more, else the sequence ends.
        Closed | Cancelled if intent.pick.is_multiple_of(3) => {
            add(1, "rita", import(Vec::new(), Vec::new(), true));
        }
        Closed | Cancelled => return None,
    }
    let total: usize = options.iter().map(|(w, _)| w).sum();
    let mut n = intent.pick % total;
    for (w, c) in options {
        if n < w {
            return Some(c);
        }
        n -= w;
    }
    None
}

// ---------------------------------------------------------------------------
// The oracle: what the log sets, replayed from the events here.
// ---------------------------------------------------------------------------

/// Every gate-read field as the log yields it.
#[derive(Debug, Clone)]
struct Projection {
    /// Sealed fields as JSON, by the names of [`SEALED_FIELDS`].
    sealed: BTreeMap<&'static str, Value>,
    approvals: Vec<Approval>,
    tests: Vec<TestRun>,
    round: u32,
    outcome: Option<Outcome>,
    deployed_at: Option<Timestamp>,
    rolled_back_at: Option<Timestamp>,
    review_completed_at: Option<Timestamp>,
}

/// The sealed fields of `r` as JSON.
fn sealed_of(r: &Release) -> BTreeMap<&'static str, Value> {
    let doc = serde_json::to_value(r).unwrap();
    SEALED_FIELDS
        .iter()
        .map(|name| {
            let v = match *name {
                "communication.plan" => doc
                    .get("communication")
                    .and_then(|c| c.get("plan"))
                    .cloned(),
                other => doc.get(other).cloned(),
            };
            (*name, v.unwrap_or(Value::Null))
        })
        .collect()
}

fn strip_vote(a: &Approval) -> Approval {
    Approval {
        extra: Default::default(),
        ..a.clone()
    }
}

fn strip_run(t: &TestRun) -> TestRun {
    TestRun {
        extra: Default::default(),
        ..t.clone()
    }
}

/// Replays `log` from the sealed fields of `genesis` (the release as the
/// first command found it).
fn replay(genesis: &Release, log: &[Event]) -> Projection {
    let mut p = Projection {
        sealed: sealed_of(genesis),
        approvals: Vec::new(),
        tests: Vec::new(),
        round: 1,
        outcome: None,
        deployed_at: None,
        rolled_back_at: None,
        review_completed_at: None,
    };
    for e in log {
        let d = &e.details;
        let field = |key: &str| d.get(key).cloned();
        if let Some(runs) = field("sealed_tests") {
            p.tests = from(runs);
        }
        match e.command.as_str() {
            "approve" | "reject" => p.approvals.push(Approval {
                approver: e.actor.clone(),
                role: from(field("role").unwrap()),
                decision: if e.command == "approve" {
                    Decision::Approved
                } else {
                    Decision::Rejected
                },
                at: e.at.clone(),
                comment: field("comment").map(from),
                round: field("round").map(from),
                fingerprint: field("fingerprint").map(from),
                override_blackout: field("override_blackout").is_some_and(|v| v == json!(true)),
                group: field("group").map(from),
                retrospective: field("retrospective").is_some_and(|v| v == json!(true)),
                source: None,
                on_behalf_of: field("on_behalf_of").map(from),
                extra: Default::default(),
            }),
            "send_back" => p.round += 1,
            "amend" => {
                let Some(Value::Object(set)) = field("set") else {
                    panic!("an amend event without details.set: {d:?}");
                };
                for (name, value) in set {
                    if name == "communication" {
                        let plan = value.get("plan").cloned().unwrap_or(Value::Null);
                        p.sealed.insert("communication.plan", plan);
                    } else {
                        let name = SEALED_FIELDS.iter().find(|f| **f == name).unwrap();
                        p.sealed.insert(name, value);
                    }
                }
                if d.contains_key("voided_round") {
                    p.round += 1;
                }
            }
            "record_tests" => p
                .tests
                .extend(from::<Vec<TestRun>>(field("tests").unwrap())),
            "complete_deployment" => {
                p.outcome = Some(from(field("outcome").unwrap()));
                p.deployed_at = Some(e.at.clone());
            }
            "roll_back" => {
                p.outcome = Some(from(field("outcome").unwrap()));
                p.rolled_back_at = Some(e.at.clone());
                p.deployed_at.get_or_insert_with(|| e.at.clone());
            }
            "complete_review" => p.review_completed_at = Some(e.at.clone()),
            "import" => {
                if let Some(adopted) = field("adopt") {
                    let take = |key: &str| adopted.get(key).cloned();
                    p.approvals = take("approvals").map(from).unwrap_or_default();
                    p.tests = take("tests").map(from).unwrap_or_default();
                    p.outcome = take("outcome").map(from);
                    p.deployed_at = take("deployed_at").map(from);
                    p.rolled_back_at = take("rolled_back_at").map(from);
                    p.review_completed_at = take("review_completed_at").map(from);
                    p.round = take("approval_round").map_or(1, from);
                }
                if let Some(votes) = field("approvals") {
                    p.approvals.extend(from::<Vec<Approval>>(votes));
                }
                if let Some(runs) = field("tests") {
                    p.tests.extend(from::<Vec<TestRun>>(runs));
                }
            }
            _ => {}
        }
    }
    p
}

/// A list left out is the empty list; the rest compares as written.
fn normal(v: &Value) -> Value {
    match v {
        Value::Array(a) if a.is_empty() => Value::Null,
        other => other.clone(),
    }
}

/// The document's gate-read fields equal the projection, field by field
/// (times as instants).
fn reproduces(r: &Release, p: &Projection) -> Result<(), TestCaseError> {
    let doc = sealed_of(r);
    for name in SEALED_FIELDS {
        let (d, want) = (&doc[name], &p.sealed[name]);
        match name {
            "planned_start" | "planned_end" => prop_assert_eq!(
                from::<Option<Timestamp>>(d.clone()),
                from::<Option<Timestamp>>(want.clone()),
                "{}",
                name
            ),
            "changes" => prop_assert_eq!(
                from::<Option<Vec<Change>>>(d.clone()),
                from::<Option<Vec<Change>>>(want.clone()),
                "changes"
            ),
            _ => prop_assert_eq!(normal(d), normal(want), "{}", name),
        }
    }
    let votes: Vec<Approval> = r.approvals.iter().map(strip_vote).collect();
    prop_assert_eq!(votes, p.approvals.clone(), "approvals");
    let runs: Vec<TestRun> = r.tests.iter().map(strip_run).collect();
    prop_assert_eq!(runs, p.tests.clone(), "tests");
    prop_assert_eq!(r.approval_round.unwrap_or(1), p.round, "approval_round");
    prop_assert_eq!(r.outcome, p.outcome, "outcome");
    prop_assert_eq!(&r.deployed_at, &p.deployed_at, "deployed_at");
    prop_assert_eq!(&r.rolled_back_at, &p.rolled_back_at, "rolled_back_at");
    let done = r.review.as_ref().and_then(|v| v.completed_at.clone());
    prop_assert_eq!(&done, &p.review_completed_at, "review.completed_at");
    Ok(())
}

// ---------------------------------------------------------------------------
// Edits.
// ---------------------------------------------------------------------------

/// Where `verify_log` must report an edit.
#[derive(Debug, Clone)]
enum At {
    /// A difference at exactly this path.
    Path(String),
    /// A difference whose path starts with this.
    Under(String),
}

type Edit = (String, Box<dyn Fn(&mut Release)>, At);

fn edit(label: impl Into<String>, f: impl Fn(&mut Release) + 'static, at: At) -> Edit {
    (label.into(), Box::new(f), at)
}

fn path(p: impl Into<String>) -> At {
    At::Path(p.into())
}

fn another_kind(k: ReleaseKind) -> ReleaseKind {
    match k {
        ReleaseKind::Major => ReleaseKind::Minor,
        ReleaseKind::Minor => ReleaseKind::Patch,
        ReleaseKind::Patch => ReleaseKind::Emergency,
        ReleaseKind::Emergency => ReleaseKind::Major,
    }
}

fn another_role(role: Role) -> Role {
    if role == Role::Cab {
        Role::Ecab
    } else {
        Role::Cab
    }
}

fn another_outcome(o: Option<Outcome>) -> Option<Outcome> {
    match o {
        None => Some(Outcome::Success),
        Some(Outcome::Success) => Some(Outcome::Failed),
        Some(_) => None,
    }
}

/// A time set, moved or removed: always another instant.
fn another_time(t: &Option<Timestamp>) -> Option<Timestamp> {
    match t {
        None => Some(ts("2026-12-24T12:00:00Z")),
        Some(t) if t.utc().timestamp() % 2 == 0 => Some(later(t)),
        Some(_) => None,
    }
}

fn grow(list: &mut Vec<String>) {
    list.push("zz-edited".to_string());
}

/// Every single edit of a gate-read field of `r`, with where it must be
/// reported; `n` picks which vote, run and change are edited.
fn edits(r: &Release, n: usize) -> Vec<Edit> {
    let mut out: Vec<Edit> = vec![
        edit("kind", |r| r.kind = another_kind(r.kind), path("kind")),
        edit(
            "owner",
            |r| r.owner = Some(format!("{}x", r.owner.clone().unwrap_or_default())),
            path("owner"),
        ),
        edit("team", |r| grow(&mut r.team), path("team")),
        edit(
            "scope",
            |r| r.scope = Some(format!("{}!", r.scope.clone().unwrap_or_default())),
            path("scope"),
        ),
        edit(
            "objectives",
            |r| grow(&mut r.objectives),
            path("objectives"),
        ),
        edit(
            "affected_cis",
            |r| grow(&mut r.affected_cis),
            path("affected_cis"),
        ),
        edit(
            "planned_start",
            |r| r.planned_start = another_time(&r.planned_start),
            path("planned_start"),
        ),
        edit(
            "planned_end",
            |r| r.planned_end = another_time(&r.planned_end),
            path("planned_end"),
        ),
        edit("services", |r| grow(&mut r.services), path("services")),
        edit(
            "environments",
            |r| grow(&mut r.environments),
            path("environments"),
        ),
        edit(
            "depends_on",
            |r| grow(&mut r.depends_on),
            path("depends_on"),
        ),
        edit(
            "deployment",
            |r| {
                let strategy = match r
                    .deployment
                    .as_ref()
                    .map(|d| serde_json::to_value(d.strategy).unwrap())
                {
                    Some(s) if s == json!("big_bang") => "canary",
                    _ => "big_bang",
                };
                r.deployment = Some(from(json!({"strategy": strategy})));
            },
            path("deployment"),
        ),
        edit(
            "rollback_plan",
            |r| match &mut r.rollback_plan {
                Some(p) => p.documented = !p.documented,
                None => r.rollback_plan = Some(from(json!({"documented": true}))),
            },
            path("rollback_plan"),
        ),
        edit(
            "communication.plan",
            |r| {
                let c = r.communication.get_or_insert_with(Default::default);
                c.plan = Some(format!("{}!", c.plan.clone().unwrap_or_default()));
            },
            path("communication.plan"),
        ),
        edit(
            "risk",
            |r| match &mut r.risk {
                Some(k) => k.score = Some(k.score.unwrap_or(0.0) + 1.5),
                None => r.risk = Some(from(json!({"level": "low"}))),
            },
            path("risk"),
        ),
        edit(
            "knowledge_articles",
            |r| grow(&mut r.knowledge_articles),
            path("knowledge_articles"),
        ),
        // A change added, removed or reordered.
        edit(
            "changes: one more",
            |r| {
                r.changes.push(from(json!({
                    "id": "CHG-EXTRA", "kind": "normal", "summary": "sneaked in",
                    "affected_cis": ["db-1"], "approved": true,
                })))
            },
            path(format!("changes[{}]", r.changes.len())),
        ),
        edit(
            "approval_round",
            |r| r.approval_round = Some(r.approval_round.unwrap_or(1) + 1),
            path("approval_round"),
        ),
        edit(
            "outcome",
            |r| r.outcome = another_outcome(r.outcome),
            path("outcome"),
        ),
        edit(
            "deployed_at",
            |r| r.deployed_at = another_time(&r.deployed_at),
            path("deployed_at"),
        ),
        edit(
            "rolled_back_at",
            |r| r.rolled_back_at = another_time(&r.rolled_back_at),
            path("rolled_back_at"),
        ),
        edit(
            "review.completed_at",
            |r| {
                let review = r.review.get_or_insert_with(Default::default);
                review.completed_at = another_time(&review.completed_at);
            },
            path("review.completed_at"),
        ),
        // A vote or a run written into the document.
        edit(
            "approvals: one more",
            |r| {
                r.approvals.push(from(json!({
                    "approver": "carol", "role": "cab", "decision": "approved",
                    "at": "2026-12-01T08:30:00Z", "round": r.approval_round.unwrap_or(1),
                })))
            },
            path(format!("approvals[{}]", r.approvals.len())),
        ),
        edit(
            "tests: one more",
            |r| {
                r.tests
                    .push(from(json!({"kind": "unit", "passed": 10, "failed": 0})))
            },
            path(format!("tests[{}]", r.tests.len())),
        ),
    ];
    if !r.changes.is_empty() {
        let i = n % r.changes.len();
        let p = || path(format!("changes[{i}]"));
        out.extend([
            edit(
                format!("changes[{i}].summary"),
                move |r| r.changes[i].summary.push('!'),
                p(),
            ),
            edit(
                format!("changes[{i}].kind"),
                move |r| {
                    r.changes[i].kind = match r.changes[i].kind {
                        ChangeKind::Standard => ChangeKind::Normal,
                        _ => ChangeKind::Standard,
                    }
                },
                p(),
            ),
            edit(
                format!("changes[{i}].affected_cis"),
                move |r| grow(&mut r.changes[i].affected_cis),
                p(),
            ),
            edit(
                format!("changes[{i}].implementer"),
                move |r| {
                    r.changes[i].implementer = match r.changes[i].implementer {
                        Some(_) => None,
                        None => Some("erin".to_string()),
                    }
                },
                p(),
            ),
            edit(
                format!("changes[{i}].approved"),
                move |r| r.changes[i].approved = !r.changes[i].approved,
                p(),
            ),
            edit(
                format!("changes[{i}].links"),
                move |r| grow(&mut r.changes[i].links.problems),
                p(),
            ),
            edit(
                format!("changes[{i}].committed_at"),
                move |r| r.changes[i].committed_at = another_time(&r.changes[i].committed_at),
                p(),
            ),
            edit(
                format!("changes[{i}].planned_end"),
                move |r| r.changes[i].planned_end = another_time(&r.changes[i].planned_end),
                p(),
            ),
            edit(
                format!("changes[{i}] removed"),
                move |r| {
                    r.changes.remove(i);
                },
                path("changes"),
            ),
        ]);
    }
    if r.changes.len() >= 2 {
        out.push(edit(
            "changes reordered",
            |r| r.changes.swap(0, 1),
            path("changes"),
        ));
    }
    if !r.approvals.is_empty() {
        let i = n % r.approvals.len();
        let p = move |f: &str| path(format!("approvals[{i}].{f}"));
        out.extend([
            edit(
                "vote approver",
                move |r| r.approvals[i].approver.push('x'),
                p("approver"),
            ),
            edit(
                "vote role",
                move |r| r.approvals[i].role = another_role(r.approvals[i].role),
                p("role"),
            ),
            edit(
                "vote decision",
                move |r| {
                    r.approvals[i].decision = match r.approvals[i].decision {
                        Decision::Approved => Decision::Rejected,
                        Decision::Rejected => Decision::Approved,
                    }
                },
                p("decision"),
            ),
            edit(
                "vote at",
                move |r| r.approvals[i].at = later(&r.approvals[i].at),
                p("at"),
            ),
            edit(
                "vote comment",
                move |r| {
                    r.approvals[i].comment = match &r.approvals[i].comment {
                        Some(_) => None,
                        None => Some("edited".to_string()),
                    }
                },
                p("comment"),
            ),
            edit(
                "vote round",
                move |r| r.approvals[i].round = Some(r.approvals[i].round.unwrap_or(1) + 1),
                p("round"),
            ),
            edit(
                "vote fingerprint",
                move |r| {
                    r.approvals[i].fingerprint = match &r.approvals[i].fingerprint {
                        Some(f) if f == "sha256:00" => None,
                        _ => Some("sha256:00".to_string()),
                    }
                },
                p("fingerprint"),
            ),
            edit(
                "vote override_blackout",
                move |r| r.approvals[i].override_blackout = !r.approvals[i].override_blackout,
                p("override_blackout"),
            ),
            edit(
                "vote source",
                move |r| {
                    r.approvals[i].source = match &r.approvals[i].source {
                        Some(_) => None,
                        None => Some("portal".to_string()),
                    }
                },
                p("source"),
            ),
            edit(
                "vote removed",
                move |r| {
                    r.approvals.remove(i);
                },
                At::Under("approvals[".to_string()),
            ),
        ]);
    }
    if !r.tests.is_empty() {
        let i = n % r.tests.len();
        let p = move |f: &str| path(format!("tests[{i}].{f}"));
        out.extend([
            edit(
                "run kind",
                move |r| {
                    r.tests[i].kind = match r.tests[i].kind {
                        TestKind::Unit => TestKind::Uat,
                        _ => TestKind::Unit,
                    }
                },
                p("kind"),
            ),
            edit("run passed", move |r| r.tests[i].passed += 1, p("passed")),
            edit("run failed", move |r| r.tests[i].failed += 1, p("failed")),
            edit(
                "run skipped",
                move |r| r.tests[i].skipped += 1,
                p("skipped"),
            ),
            edit(
                "run signed_off_by",
                move |r| {
                    r.tests[i].signed_off_by = match &r.tests[i].signed_off_by {
                        Some(_) => None,
                        None => Some("quinn".to_string()),
                    }
                },
                p("signed_off_by"),
            ),
            edit(
                "run at",
                move |r| r.tests[i].at = another_time(&r.tests[i].at),
                p("at"),
            ),
            edit(
                "run source",
                move |r| {
                    r.tests[i].source = match &r.tests[i].source {
                        Some(_) => None,
                        None => Some("portal".to_string()),
                    }
                },
                p("source"),
            ),
            edit(
                "run removed",
                move |r| {
                    r.tests.remove(i);
                },
                At::Under("tests[".to_string()),
            ),
        ]);
    }
    out
}

/// Rewrites every time the record holds in another offset: the same
/// instants, so no edit.
fn same_instants(r: &mut Release) {
    let shift = |t: &mut Option<Timestamp>| {
        if let Some(x) = t {
            *x = elsewhere(x);
        }
    };
    shift(&mut r.planned_start);
    shift(&mut r.planned_end);
    shift(&mut r.deployed_at);
    shift(&mut r.rolled_back_at);
    if let Some(review) = &mut r.review {
        shift(&mut review.completed_at);
    }
    for a in &mut r.approvals {
        a.at = elsewhere(&a.at);
    }
    for t in &mut r.tests {
        shift(&mut t.at);
    }
    for c in &mut r.changes {
        shift(&mut c.planned_start);
        shift(&mut c.planned_end);
        shift(&mut c.committed_at);
    }
}

/// `r`'s log verifies, the document is its projection, and every single
/// edit of a gate-read field is reported where it was made.
fn every_edit_is_reported(r: &Release, n: usize, ctx: &Context) -> Result<usize, TestCaseError> {
    let mut moved = r.clone();
    same_instants(&mut moved);
    let verdict = verify_log(&moved, None);
    prop_assert!(
        verdict.valid,
        "times rewritten in another offset count as an edit: {verdict:#?}"
    );
    let target = match r.state {
        State::Planning => State::Development,
        State::Development => State::Testing,
        State::Testing => State::Approval,
        State::Approval => State::Deployment,
        State::Deployment => State::Review,
        State::Review | State::Closed | State::Cancelled => State::Closed,
    };
    let edits = edits(r, n);
    for (k, (label, apply_edit, at)) in edits.iter().enumerate() {
        let mut edited = r.clone();
        apply_edit(&mut edited);
        prop_assert!(&edited != r, "{}: the edit changed nothing", label);
        let verdict = verify_log(&edited, None);
        prop_assert!(!verdict.valid, "{}: not reported", label);
        let tamper = verdict.tamper.as_ref().unwrap();
        prop_assert_eq!(tamper.kind, TamperKind::Diverged, "{}: {:?}", label, tamper);
        let paths: Vec<&str> = verdict
            .differences
            .iter()
            .map(|d| d.path.as_str())
            .collect();
        prop_assert_eq!(Some(tamper.path.as_str()), paths.first().copied());
        let found = match at {
            At::Path(p) => paths.contains(&p.as_str()),
            At::Under(p) => paths.iter().any(|x| x.starts_with(p.as_str())),
        };
        prop_assert!(
            found,
            "{}: expected a difference at {:?}, got {:?}",
            label,
            at,
            paths
        );
        // The gates see a record that does not hold...
        let report = check(&edited, target, ctx);
        let first = report.requirements.first().unwrap();
        prop_assert_eq!(first.rule.as_str(), "record.log");
        prop_assert!(
            !first.met,
            "{}: record.log met for an edited document",
            label
        );
        prop_assert!(!report.allowed);
        // ... and apply refuses to build on it (checked for every fourth
        // edit: each check replays the whole log again).
        if !k.wrapping_add(n).is_multiple_of(4) {
            continue;
        }
        let err = apply(
            &edited,
            &command("rita", ts("2026-12-31T00:00:00Z"), Action::Advance),
            ctx,
        )
        .map(|a| a.release.state)
        .unwrap_err();
        prop_assert_eq!(err.code(), ErrorCode::LogTampered, "{}: {}", label, err);
    }
    Ok(edits.len())
}

// ---------------------------------------------------------------------------
// The property.
// ---------------------------------------------------------------------------

/// What the runs went through, for the coverage check.
#[derive(Debug, Default)]
struct Seen {
    applied: usize,
    commands: BTreeMap<String, usize>,
    states: BTreeMap<State, usize>,
    edits: usize,
}

/// Applies the intents to `start`, checking the record after each applied
/// command; then edits the release as it stood after step `edit_after` (or
/// at the end) — every edit checked when `check_edits`, else only counted.
fn run(
    start: &Release,
    intents: &[Intent],
    edit_after: usize,
    n: usize,
    check_edits: bool,
) -> Result<Seen, TestCaseError> {
    let ctx = context();
    let mut r = start.clone();
    let mut seen = Seen::default();
    // The release as the first command found it: the genesis seals it.
    let mut genesis: Option<Release> = None;
    let mut snapshot: Option<Release> = None;
    for (i, intent) in intents.iter().enumerate() {
        let Some(cmd) = pick(&r, i, intent) else {
            break;
        };
        let Ok(applied) = apply(&r, &cmd, &ctx) else {
            // A gate or a rule said no: the sequence goes on.
            continue;
        };
        let before_events = r.log.len();
        if genesis.is_none() {
            genesis = Some(r.clone());
        }
        r = applied.release;
        prop_assert_eq!(r.log.len(), before_events + 1);
        seen.applied += 1;
        *seen
            .commands
            .entry(cmd.action.name().to_string())
            .or_default() += 1;
        *seen.states.entry(r.state).or_default() += 1;
        let verdict = verify_log(&r, None);
        prop_assert!(verdict.valid, "after {}: {:#?}", cmd.action.name(), verdict);
        prop_assert!(verdict.differences.is_empty());
        prop_assert!(verdict.warnings.is_empty(), "{:?}", verdict.warnings);
        let projection = replay(genesis.as_ref().unwrap(), &r.log);
        reproduces(&r, &projection)?;
        if i >= edit_after && snapshot.is_none() {
            snapshot = Some(r.clone());
        }
    }
    if let Some(s) = snapshot.or_else(|| genesis.is_some().then(|| r.clone())) {
        seen.edits = if check_edits {
            every_edit_is_reported(&s, n, &ctx)?
        } else {
            edits(&s, n).len()
        };
    }
    Ok(seen)
}

fn case() -> impl Strategy<Value = (Release, Vec<Intent>, usize, usize)> {
    (
        planning_release(),
        prop::collection::vec(intent(), 5..40),
        0usize..24,
        any::<usize>(),
    )
}

/// 32 cases (a few seconds in a debug build); set `PROPTEST_CASES` for a
/// longer run.
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() {
        default.cases
    } else {
        32
    };
    ProptestConfig { cases, ..default }
}

proptest! {
    #![proptest_config(config())]

    /// See the module documentation.
    #[test]
    fn the_log_reproduces_the_document_and_reports_every_edit(
        (start, intents, edit_after, n) in case()
    ) {
        run(&start, &intents, edit_after, n, true)?;
    }
}

/// A planning release with an empty log: the sealed fields and the runs are
/// free to edit; votes, an outcome, a rollback, a review or a later round
/// are not (they only come from commands).
#[test]
fn before_the_genesis_only_command_facts_are_held_against_the_document() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let ctx = context();
    for _ in 0..16 {
        use proptest::strategy::ValueTree;
        let r = planning_release().new_tree(&mut runner).unwrap().current();
        assert!(verify_log(&r, None).valid);
        for (label, f, _) in edits(&r, 0) {
            let mut edited = r.clone();
            f(&mut edited);
            let facts = !edited.approvals.is_empty()
                || edited.outcome.is_some()
                || edited.deployed_at.is_some()
                || edited.rolled_back_at.is_some()
                || edited
                    .review
                    .as_ref()
                    .is_some_and(|v| v.completed_at.is_some())
                || edited.approval_round.unwrap_or(1) != 1;
            let verdict = verify_log(&edited, None);
            assert_eq!(verdict.valid, !facts, "{label}: {verdict:#?}");
            let report = check(&edited, State::Development, &ctx);
            assert_eq!(report.requirements[0].rule, "record.log");
            assert_eq!(report.requirements[0].met, !facts, "{label}");
        }
    }
}

/// The generated sequences are not vacuous: with a fixed seed they apply
/// every kind of command, reach every state, and edit a fair number of
/// fields.
#[test]
fn the_sequences_reach_every_command_and_state() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = case();
    let mut commands = BTreeMap::<String, usize>::new();
    let mut states = BTreeMap::<State, usize>::new();
    let mut edits = 0;
    for _ in 0..48 {
        let (start, intents, edit_after, n) = strategy.new_tree(&mut runner).unwrap().current();
        let seen = run(&start, &intents, edit_after, n, false).unwrap();
        for (c, k) in seen.commands {
            *commands.entry(c).or_default() += k;
        }
        for (s, k) in seen.states {
            *states.entry(s).or_default() += k;
        }
        edits += seen.edits;
    }
    for name in [
        "advance",
        "record_tests",
        "approve",
        "reject",
        "send_back",
        "amend",
        "import",
        "start_deployment",
        "complete_deployment",
        "roll_back",
        "complete_review",
        "close",
        "cancel",
    ] {
        assert!(
            commands.get(name).copied().unwrap_or(0) >= 3,
            "{name} applied too rarely: {commands:?}"
        );
    }
    for state in State::ALL {
        assert!(
            states.get(&state).copied().unwrap_or(0) >= 3,
            "{state:?} reached too rarely: {states:?}"
        );
    }
    assert!(edits >= 48 * 20, "only {edits} edits checked");
}
