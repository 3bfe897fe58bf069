//! Property tests of the lifecycle engine (SPEC §2): random command
//! sequences by random actors never panic, never reach `deployment` without
//! a satisfied quorum and the other leave-approval gates, terminal states
//! are absorbing, and every produced log verifies. A second property checks
//! that `check` is total and its verdict is the conjunction of its
//! requirements.
//!
//! The gates are re-computed by small oracles written here from SPEC §2 and
//! the default policy, independently of the engine, and compared with both
//! `check` and the outcome of `apply` (new state or error code) at every
//! step. A deterministic coverage test makes sure the generated sequences
//! get deep into the lifecycle, and two regression tests keep the core bugs
//! the sequence property found.

// Test helpers may unwrap, index and panic: a broken case should stop loudly
// (clippy.toml allows this inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{TestCaseError, TestRunner};
use relman::lifecycle::scope_fingerprint;
use relman::{
    apply, check, verify_log, Action, Approval, ChangeKind, Command, Context, Decision, ErrorCode,
    Outcome, Policy, Release, ReleaseKind, RiskLevel, Role, State, TestKind, TestRun, Timestamp,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------
// The fixed world: an actor directory covering every role, plus one unknown.
// ---------------------------------------------------------------------------

/// The actor directory: every role, some people with two.
const DIRECTORY: [(&str, &[&str]); 12] = [
    ("rita", &["release_manager"]),
    ("alice", &["release_manager", "cab"]),
    ("dan", &["release_team"]),
    ("bob", &["release_team", "cab"]),
    ("carol", &["cab"]),
    ("erin", &["cab"]),
    ("frank", &["cab", "product_owner"]),
    ("paula", &["product_owner"]),
    ("ed", &["ecab"]),
    ("eve", &["ecab", "cab"]),
    ("bea", &["business_stakeholder"]),
    ("quinn", &["qa"]),
];

/// An actor id that is in no directory.
const UNKNOWN: &str = "mallory";

/// Index `DIRECTORY.len()` (or anything beyond) is the unknown actor.
fn actor_name(i: usize) -> &'static str {
    DIRECTORY.get(i).map_or(UNKNOWN, |a| a.0)
}

fn role_name(role: Role) -> String {
    serde_json::to_value(role)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// Directory indices of the holders of any of `roles`.
fn holders(roles: &[Role]) -> Vec<usize> {
    let names: Vec<String> = roles.iter().map(|r| role_name(*r)).collect();
    DIRECTORY
        .iter()
        .enumerate()
        .filter(|(_, (_, rs))| rs.iter().any(|r| names.iter().any(|n| n == r)))
        .map(|(i, _)| i)
        .collect()
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// The time of the `i`-th command: one minute apart, strictly increasing.
fn at(i: usize) -> Timestamp {
    let m = i + 1;
    ts(&format!("2026-12-01T{:02}:{:02}:00Z", 8 + m / 60, m % 60))
}

const WINDOW_START: &str = "2026-12-13T01:00:00+01:00";
const WINDOW_END: &str = "2026-12-13T04:00:00+01:00";

// ---------------------------------------------------------------------------
// Releases and contexts.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct ChangeSpec {
    kind: ChangeKind,
    approved: bool,
    implementer: Option<usize>,
    has_cis: bool,
}

#[derive(Debug, Clone, Copy)]
enum Window {
    Valid,
    Inverted,
    Missing,
}

#[derive(Debug, Clone)]
struct ReleaseSpec {
    kind: ReleaseKind,
    owner: Option<usize>,
    team: Vec<usize>,
    scope: Option<&'static str>,
    window: Window,
    communication_plan: bool,
    rollback: Option<(bool, bool)>,
    changes: Vec<ChangeSpec>,
    knowledge_article: bool,
    /// Test runs already recorded when the release is created.
    tests: Vec<TestRun>,
}

fn build_release(spec: &ReleaseSpec) -> Release {
    let changes: Vec<Value> = spec
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut v = json!({
                "id": format!("CHG{i}"), "kind": c.kind, "summary": format!("change {i}"),
                "affected_cis": if c.has_cis { vec![format!("ci-{i}")] } else { vec![] },
                "approved": c.approved,
            });
            if let Some(who) = c.implementer {
                v["implementer"] = json!(actor_name(who));
            }
            v
        })
        .collect();
    let mut r = json!({
        "id": "REL-P", "title": "Property release", "kind": spec.kind, "state": "planning",
        "team": spec.team.iter().map(|i| actor_name(*i)).collect::<Vec<_>>(),
        "changes": changes,
        "services": ["checkout"], "environments": ["production"],
    });
    if let Some(o) = spec.owner {
        r["owner"] = json!(actor_name(o));
    }
    if let Some(s) = spec.scope {
        r["scope"] = json!(s);
    }
    match spec.window {
        Window::Valid => {
            r["planned_start"] = json!(WINDOW_START);
            r["planned_end"] = json!(WINDOW_END);
        }
        Window::Inverted => {
            r["planned_start"] = json!(WINDOW_END);
            r["planned_end"] = json!(WINDOW_START);
        }
        Window::Missing => {}
    }
    if spec.communication_plan {
        r["communication"] = json!({"plan": "Email stakeholders a week ahead"});
    }
    if let Some((documented, tested)) = spec.rollback {
        r["rollback_plan"] = json!({"documented": documented, "tested": tested});
    }
    if spec.knowledge_article {
        r["knowledge_articles"] = json!(["KB0001"]);
    }
    let mut r: Release = serde_json::from_value(r).unwrap();
    r.tests.clone_from(&spec.tests);
    r
}

#[derive(Debug, Clone)]
struct ContextSpec {
    /// A blocking one-off blackout over the planned window.
    blackout: bool,
    risk_level: Option<RiskLevel>,
    /// Replace every kind's quorum by `percentage`% of a role's members.
    percentage: Option<(Role, u32)>,
    forbid_team_approval: bool,
    forbid_implementer_uat_signoff: bool,
    /// Keep the directory (false: an empty directory; `check` only).
    directory: bool,
}

fn build_context(spec: &ContextSpec) -> Context {
    let actors: Vec<Value> = if spec.directory {
        DIRECTORY
            .iter()
            .map(|(id, roles)| json!({"id": id, "roles": roles}))
            .collect()
    } else {
        Vec::new()
    };
    let mut ctx = json!({"actors": actors, "now": "2026-12-01T08:00:00Z"});
    if spec.blackout {
        ctx["calendar"] = json!({"blackouts": [{
            "id": "freeze", "name": "Year-end freeze", "severity": "block",
            "start": "2026-12-12T00:00:00Z", "end": "2027-01-04T00:00:00Z"}]});
    }
    if let Some(level) = spec.risk_level {
        ctx["risk_level"] = json!(level);
    }
    let mut policy = json!({"lifecycle": {"separation_of_duties": {
        "forbid_team_approval": spec.forbid_team_approval,
        "forbid_implementer_uat_signoff": spec.forbid_implementer_uat_signoff,
    }}});
    if let Some((role, p)) = spec.percentage {
        let rules = json!({"quorum": [{"role": role, "percentage": p}]});
        for kind in ["major", "minor", "patch", "emergency"] {
            policy["lifecycle"][kind] = rules.clone();
        }
    }
    ctx["policy"] = policy;
    serde_json::from_value(ctx).unwrap()
}

// ---------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------

fn release_kind() -> impl Strategy<Value = ReleaseKind> {
    prop_oneof![
        Just(ReleaseKind::Major),
        Just(ReleaseKind::Minor),
        Just(ReleaseKind::Patch),
        Just(ReleaseKind::Emergency),
    ]
}

fn change_kind() -> impl Strategy<Value = ChangeKind> {
    prop_oneof![
        1 => Just(ChangeKind::Standard),
        3 => Just(ChangeKind::Normal),
        1 => Just(ChangeKind::Emergency),
    ]
}

fn any_role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::ReleaseManager),
        Just(Role::ReleaseTeam),
        Just(Role::Cab),
        Just(Role::Ecab),
        Just(Role::ProductOwner),
        Just(Role::BusinessStakeholder),
        Just(Role::Qa),
    ]
}

/// Roles to vote in: mostly the voting roles, sometimes any.
fn vote_role() -> impl Strategy<Value = Role> {
    prop_oneof![
        5 => Just(Role::Cab),
        3 => Just(Role::Ecab),
        2 => Just(Role::ProductOwner),
        2 => Just(Role::BusinessStakeholder),
        2 => any_role(),
    ]
}

fn any_state() -> impl Strategy<Value = State> {
    prop_oneof![
        Just(State::Planning),
        Just(State::Development),
        Just(State::Testing),
        Just(State::Approval),
        Just(State::Deployment),
        Just(State::Review),
        Just(State::Closed),
        Just(State::Cancelled),
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
        Just(RiskLevel::Critical),
    ]
}

fn test_kind() -> impl Strategy<Value = TestKind> {
    prop_oneof![
        Just(TestKind::Unit),
        Just(TestKind::Integration),
        Just(TestKind::Performance),
        Just(TestKind::Security),
        Just(TestKind::Uat),
    ]
}

/// Any directory index, or the unknown actor.
fn any_actor() -> impl Strategy<Value = usize> {
    0..=DIRECTORY.len()
}

/// A required text: empty, blank or real.
fn reason() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => Just("   ".to_string()),
        4 => "[a-z]{1,8}( [a-z]{1,8}){0,2}",
    ]
}

fn comment() -> impl Strategy<Value = Option<String>> {
    prop::option::of("[a-z ]{0,10}")
}

fn signer() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(Some("quinn".to_string())),
        2 => any_actor().prop_map(|i| Some(actor_name(i).to_string())),
        1 => Just(Some(" ".to_string())),
        2 => Just(None),
    ]
}

fn test_run(at_minute: u32) -> impl Strategy<Value = TestRun> {
    (
        test_kind(),
        0u64..60,
        prop_oneof![3 => Just(0u64), 1 => 0u64..5],
        0u64..3,
        signer(),
    )
        .prop_map(move |(kind, passed, failed, skipped, signed_off_by)| {
            let mut t: TestRun = serde_json::from_value(json!({
                "kind": kind, "passed": passed, "failed": failed, "skipped": skipped,
            }))
            .unwrap();
            t.signed_off_by = signed_off_by;
            if at_minute > 0 {
                t.at = Some(ts(&format!("2026-11-30T10:{:02}:00Z", at_minute % 60)));
            }
            t
        })
}

/// A full passing suite of every test kind (UAT signed off by someone).
fn good_suite() -> impl Strategy<Value = Vec<TestRun>> {
    let uat_signer = prop_oneof![3 => Just(Some("quinn".to_string())), 1 => signer()];
    (prop::collection::vec(1u64..200, 5), uat_signer).prop_map(|(passed, signer)| {
        [
            TestKind::Unit,
            TestKind::Integration,
            TestKind::Performance,
            TestKind::Security,
            TestKind::Uat,
        ]
        .iter()
        .zip(passed)
        .map(|(kind, passed)| {
            let mut t: TestRun =
                serde_json::from_value(json!({"kind": kind, "passed": passed, "failed": 0}))
                    .unwrap();
            if *kind == TestKind::Uat {
                t.signed_off_by.clone_from(&signer);
            }
            t
        })
        .collect()
    })
}

fn test_runs() -> impl Strategy<Value = Vec<TestRun>> {
    prop_oneof![
        6 => good_suite(),
        1 => prop::collection::vec(test_run(0), 0..4),
        1 => prop::collection::vec(test_run(7), 1..3),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let moves = prop_oneof![
        20 => Just(Action::Advance),
        4 => Just(Action::StartDeployment),
        4 => Just(Action::Close),
        1 => reason().prop_map(|reason| Action::Cancel { reason }),
        2 => (
            prop_oneof![3 => Just(State::Development), 1 => any_state()],
            reason()
        )
            .prop_map(|(to, reason)| Action::SendBack { to, reason }),
    ];
    let records = prop_oneof![
        10 => test_runs().prop_map(|tests| Action::RecordTests { tests }),
        30 => (vote_role(), comment(), prop::bool::weighted(0.25)).prop_map(
            |(role, comment, override_blackout)| Action::Approve {
                role,
                comment,
                override_blackout,
            }
        ),
        2 => (vote_role(), comment()).prop_map(|(role, comment)| Action::Reject { role, comment }),
        8 => outcome().prop_map(|outcome| Action::CompleteDeployment { outcome: Some(outcome), rollout: None }),
        4 => prop::option::of("[a-z ]{1,10}").prop_map(|reason| Action::RollBack { reason }),
        4 => (
            prop::option::of("[a-z ]{1,10}"),
            prop::collection::vec("[a-z ]{1,10}", 0..2)
        )
            .prop_map(|(summary, lessons)| Action::CompleteReview { summary, lessons }),
    ];
    prop_oneof![31 => moves, 58 => records]
}

/// The roles that usually issue `action`, to steer some actors to it.
fn usual_roles(action: &Action) -> Vec<Role> {
    use Role::*;
    match action {
        Action::Advance
        | Action::StartDeployment
        | Action::Close
        | Action::Cancel { .. }
        | Action::CompleteReview { .. } => vec![ReleaseManager],
        Action::SendBack { .. } => vec![ReleaseManager, Cab, Ecab, Qa],
        Action::RecordTests { .. } => vec![Qa, ReleaseTeam, ReleaseManager],
        Action::Approve { role, .. } | Action::Reject { role, .. } => vec![*role],
        Action::CompleteDeployment { .. } | Action::RollBack { .. } => {
            vec![ReleaseManager, ReleaseTeam]
        }
    }
}

/// Who issues a step's command.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Any directory index, or the unknown actor.
    Anyone(usize),
    /// The `n`-th (modulo) holder of a role that usually issues the command.
    Usual(usize),
}

/// One step of a sequence. Actors and vote roles are picked at random, some
/// of them when the step is run (to steer a fair share of the votes to the
/// roles the release's quorum counts, and of the commands to ones that fit
/// the release's state, so that runs get deep into the lifecycle).
#[derive(Debug, Clone)]
struct Step {
    who: Who,
    action: Action,
    /// For `approve` / `reject`: vote in the `n`-th (modulo) role that votes
    /// on the release's kind instead of the generated role.
    quorum_role: Option<usize>,
    /// When the command does not fit the release's state, replace it by the
    /// `n`-th (modulo) command that does.
    fit: Option<usize>,
}

fn step() -> impl Strategy<Value = Step> {
    (
        action(),
        prop_oneof![
            1 => any_actor().prop_map(Who::Anyone),
            3 => any::<usize>().prop_map(Who::Usual),
        ],
        prop::option::weighted(0.6, any::<usize>()),
        prop::option::weighted(0.4, any::<usize>()),
    )
        .prop_map(|(action, who, quorum_role, fit)| Step {
            who,
            action,
            quorum_role,
            fit,
        })
}

/// Whether a command is possible at all in a state (ignoring gates, roles
/// and parameters).
fn fits(state: State, action: &Action) -> bool {
    use State::*;
    match action {
        Action::Advance => !matches!(state, Deployment | Closed | Cancelled),
        Action::StartDeployment | Action::Approve { .. } | Action::Reject { .. } => {
            state == Approval
        }
        Action::Close | Action::CompleteReview { .. } => state == Review,
        Action::Cancel { .. } => matches!(state, Planning | Development | Testing | Approval),
        Action::SendBack { .. } => matches!(state, Testing | Approval),
        Action::RecordTests { .. } => matches!(state, Development | Testing),
        Action::CompleteDeployment { .. } | Action::RollBack { .. } => state == Deployment,
    }
}

/// A command that fits `state`, the `n`-th (modulo) of a few.
fn fitting(state: State, n: usize) -> Option<Action> {
    let options = match state {
        State::Planning | State::Development | State::Testing => vec![Action::Advance],
        State::Approval => vec![
            Action::Approve {
                role: Role::Cab,
                comment: None,
                override_blackout: n.is_multiple_of(7),
            },
            Action::Approve {
                role: Role::Cab,
                comment: None,
                override_blackout: false,
            },
            Action::StartDeployment,
        ],
        State::Deployment => vec![
            Action::CompleteDeployment {
                outcome: Some(Outcome::Success),
                rollout: None,
            },
            Action::CompleteDeployment {
                outcome: Some(Outcome::Failed),
                rollout: None,
            },
            Action::RollBack { reason: None },
        ],
        State::Review => vec![
            Action::CompleteReview {
                summary: Some("went well".to_string()),
                lessons: Vec::new(),
            },
            Action::Close,
        ],
        State::Closed | State::Cancelled => return None,
    };
    options.get(n % options.len()).cloned()
}

/// The actor index and the command of a step, for `release`.
fn resolve(step: &Step, release: &Release, policy: &Policy) -> (usize, Action) {
    let mut action = step.action.clone();
    if let Some(n) = step.fit {
        if !fits(release.state, &action) {
            if let Some(a) = fitting(release.state, n) {
                action = a;
            }
        }
    }
    if let Some(n) = step.quorum_role.or(step.fit) {
        let gates = policy.lifecycle.gates(release.kind);
        // Mostly the quorum's roles, sometimes the high-risk approver.
        let mut roles: Vec<Role> = gates.quorum.iter().map(|q| q.role).collect();
        roles = roles.repeat(3);
        roles.push(gates.high_risk_approver);
        let pick = roles[n % roles.len()];
        if let Action::Approve { role, .. } | Action::Reject { role, .. } = &mut action {
            *role = pick;
        }
    }
    let actor = match step.who {
        Who::Anyone(i) => i,
        Who::Usual(n) => {
            let pool = holders(&usual_roles(&action));
            if pool.is_empty() {
                DIRECTORY.len()
            } else {
                pool[n % pool.len()]
            }
        }
    };
    (actor, action)
}

fn change_spec() -> impl Strategy<Value = ChangeSpec> {
    (
        change_kind(),
        prop::bool::weighted(0.8),
        prop::option::weighted(0.7, any_actor()),
        prop::bool::weighted(0.9),
    )
        .prop_map(|(kind, approved, implementer, has_cis)| ChangeSpec {
            kind,
            approved,
            implementer: implementer.filter(|i| *i < DIRECTORY.len()),
            has_cis,
        })
}

fn random_release_spec() -> impl Strategy<Value = ReleaseSpec> {
    (
        release_kind(),
        prop_oneof![
            4 => (0usize..2).prop_map(Some), // a release manager
            2 => any_actor().prop_map(|i| Some(i.min(DIRECTORY.len() - 1))),
            1 => Just(None),
        ],
        prop::collection::vec(0..DIRECTORY.len(), 0..3),
        prop_oneof![6 => Just(Some("New checkout flow")), 1 => Just(Some(" ")), 1 => Just(None)],
        prop_oneof![
            8 => Just(Window::Valid),
            1 => Just(Window::Inverted),
            1 => Just(Window::Missing),
        ],
        prop::bool::weighted(0.8),
        prop::option::weighted(0.85, (prop::bool::weighted(0.9), prop::bool::weighted(0.7))),
        prop::collection::vec(change_spec(), 0..4),
        prop::bool::weighted(0.7),
    )
        .prop_map(
            |(
                kind,
                owner,
                team,
                scope,
                window,
                communication_plan,
                rollback,
                changes,
                knowledge_article,
            )| ReleaseSpec {
                kind,
                owner,
                team,
                scope,
                window,
                communication_plan,
                rollback,
                changes,
                knowledge_article,
                tests: Vec::new(),
            },
        )
}

/// A release that meets every planning, development and approval-record
/// gate (the votes and tests still have to come from commands).
fn complete_release_spec() -> impl Strategy<Value = ReleaseSpec> {
    (
        release_kind(),
        0usize..2,
        prop::collection::vec(0..DIRECTORY.len(), 0..3),
        prop::collection::vec(
            (change_kind(), prop::option::of(0..DIRECTORY.len())).prop_map(
                |(kind, implementer)| ChangeSpec {
                    kind,
                    approved: true,
                    implementer,
                    has_cis: true,
                },
            ),
            1..3,
        ),
        prop_oneof![1 => Just(Vec::new()), 1 => good_suite()],
    )
        .prop_map(|(kind, owner, team, changes, tests)| ReleaseSpec {
            kind,
            owner: Some(owner),
            team,
            scope: Some("New checkout flow"),
            window: Window::Valid,
            communication_plan: true,
            rollback: Some((true, true)),
            changes,
            knowledge_article: true,
            tests,
        })
}

fn release_spec() -> impl Strategy<Value = ReleaseSpec> {
    prop_oneof![1 => random_release_spec(), 2 => complete_release_spec()]
}

/// Contexts with a blocking blackout with probability `blackout`, with the
/// directory or not as `directory` says.
fn context_spec(
    blackout: f64,
    directory: impl Strategy<Value = bool>,
) -> impl Strategy<Value = ContextSpec> {
    (
        prop::bool::weighted(blackout),
        prop::option::weighted(0.3, risk_level()),
        prop::option::weighted(
            0.25,
            (
                prop_oneof![
                    3 => Just(Role::Cab),
                    1 => Just(Role::Ecab),
                    1 => Just(Role::ProductOwner),
                ],
                1u32..=100,
            ),
        ),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        directory,
    )
        .prop_map(
            |(
                blackout,
                risk_level,
                percentage,
                forbid_team_approval,
                forbid_implementer_uat_signoff,
                directory,
            )| ContextSpec {
                blackout,
                risk_level,
                percentage,
                forbid_team_approval,
                forbid_implementer_uat_signoff,
                directory,
            },
        )
}

// ---------------------------------------------------------------------------
// Oracles: the gates of SPEC §2 under the default policy (plus the tunings
// the context spec makes), written independently of the engine.
// ---------------------------------------------------------------------------

fn policy_of(ctx: &Context) -> Policy {
    ctx.policy.clone().unwrap_or_default()
}

fn holds(ctx: &Context, actor: &str, role: Role) -> bool {
    ctx.actors
        .iter()
        .any(|a| a.id == actor && a.roles.contains(&role))
}

/// Why `actor` may not approve `r`, if anything (owner, implementer, team).
fn conflicted(r: &Release, actor: &str, policy: &Policy) -> bool {
    let sod = &policy.lifecycle.separation_of_duties;
    (sod.forbid_owner_approval && r.owner.as_deref() == Some(actor))
        || (sod.forbid_implementer_approval
            && r.changes
                .iter()
                .any(|c| c.implementer.as_deref() == Some(actor)))
        || (sod.forbid_team_approval && r.team.iter().any(|t| t == actor))
}

/// The latest counting vote of each approver in the current round.
fn latest_votes<'a>(
    r: &'a Release,
    ctx: &Context,
    policy: &Policy,
) -> BTreeMap<&'a str, &'a Approval> {
    let round = r.approval_round.unwrap_or(1);
    let fingerprint = scope_fingerprint(r);
    let mut latest = BTreeMap::new();
    for a in &r.approvals {
        let counts = a.round.unwrap_or(1) == round
            && a.fingerprint.as_ref().is_none_or(|f| *f == fingerprint)
            && !conflicted(r, &a.approver, policy)
            // With no directory (a dry run) there is nothing to check against.
            && (ctx.actors.is_empty() || holds(ctx, &a.approver, a.role));
        if counts {
            latest.insert(a.approver.as_str(), a);
        }
    }
    latest
}

fn quorum_met(r: &Release, ctx: &Context, policy: &Policy) -> bool {
    if !r.changes.is_empty() && r.changes.iter().all(|c| c.kind == ChangeKind::Standard) {
        return true; // standard changes are pre-approved
    }
    let latest = latest_votes(r, ctx, policy);
    policy.lifecycle.gates(r.kind).quorum.iter().all(|rule| {
        let have = latest
            .values()
            .filter(|a| a.role == rule.role && a.decision == Decision::Approved)
            .count() as u64;
        let need = match (rule.count, rule.percentage) {
            (Some(n), _) => Some(u64::from(n)),
            (None, Some(p)) => {
                let members = ctx
                    .actors
                    .iter()
                    .filter(|a| a.roles.contains(&rule.role))
                    .count() as u64;
                // Percentages here are whole numbers: ceil(p/100 * members).
                let p = p as u64;
                (members > 0).then(|| (p * members).div_ceil(100).max(1))
            }
            (None, None) => Some(1),
        };
        need.is_some_and(|n| have >= n)
    })
}

fn window(r: &Release) -> Option<(&Timestamp, &Timestamp)> {
    match (&r.planned_start, &r.planned_end) {
        (Some(s), Some(e)) => Some((s, e)),
        _ => None,
    }
}

fn in_blocking_blackout(r: &Release, ctx: &Context) -> bool {
    let Some((s, e)) = window(r) else {
        return false;
    };
    ctx.calendar.as_ref().is_some_and(|c| {
        c.blackouts.iter().any(|b| {
            let block = serde_json::to_value(b.severity).unwrap() == json!("block");
            match (&b.start, &b.end) {
                (Some(bs), Some(be)) => block && s < be && bs < e,
                _ => false,
            }
        })
    })
}

fn text(s: Option<&str>) -> bool {
    s.is_some_and(|s| !s.trim().is_empty())
}

/// A failed or rolled-back outcome.
fn is_failure(o: Option<Outcome>) -> bool {
    matches!(o, Some(Outcome::Failed | Outcome::RolledBack))
}

/// The requirements of leaving `state` (rule id → met), or `None` for a
/// state without gates.
fn gates_of(r: &Release, state: State, ctx: &Context) -> Option<BTreeMap<&'static str, bool>> {
    let policy = policy_of(ctx);
    let kind = r.kind;
    let major = kind == ReleaseKind::Major;
    let emergency = kind == ReleaseKind::Emergency;
    let mut m = BTreeMap::new();
    match state {
        State::Planning => {
            m.insert("planning.owner", text(r.owner.as_deref()));
            m.insert("planning.scope", text(r.scope.as_deref()));
            m.insert("planning.window", window(r).is_some_and(|(s, e)| s < e));
            if major {
                let plan = r.communication.as_ref().and_then(|c| c.plan.as_deref());
                m.insert("planning.communication_plan", text(plan));
            }
        }
        State::Development => {
            m.insert("development.changes", !r.changes.is_empty());
            m.insert(
                "development.affected_cis",
                r.changes.iter().all(|c| !c.affected_cis.is_empty()),
            );
        }
        State::Testing => {
            use TestKind::*;
            let required = match kind {
                ReleaseKind::Major => vec![Unit, Integration, Performance, Security, Uat],
                ReleaseKind::Minor => vec![Unit, Integration, Uat],
                ReleaseKind::Patch => vec![Unit, Integration],
                ReleaseKind::Emergency => vec![Unit],
            };
            let mut latest: BTreeMap<TestKind, &TestRun> = BTreeMap::new();
            for t in &r.tests {
                latest.insert(t.kind, t);
            }
            m.insert(
                "testing.required_kinds",
                required.iter().all(|k| latest.contains_key(k)),
            );
            // passed / (passed + failed) >= 98% (security: 100%), in integers.
            let rates_ok = latest.iter().all(|(k, t)| {
                let executed = t.passed + t.failed;
                let min = if *k == Security { 100 } else { 98 };
                executed > 0 && 100 * t.passed >= min * executed
            });
            m.insert("testing.pass_rate", rates_ok);
            if required.contains(&Uat) {
                let signer = latest.get(&Uat).and_then(|t| t.signed_off_by.as_deref());
                m.insert("testing.uat_signoff", text(signer));
            }
            m.insert(
                "testing.security_failures",
                latest.get(&Security).is_none_or(|t| t.failed == 0),
            );
        }
        State::Approval => {
            let latest = latest_votes(r, ctx, &policy);
            m.insert("approval.quorum", quorum_met(r, ctx, &policy));
            m.insert(
                "approval.no_rejection",
                latest.values().all(|a| a.decision != Decision::Rejected),
            );
            let plan = r.rollback_plan.as_ref();
            m.insert(
                "approval.rollback_plan",
                plan.is_some_and(|p| p.documented && (p.tested || !major)),
            );
            m.insert(
                "approval.changes_approved",
                r.changes
                    .iter()
                    .all(|c| c.kind == ChangeKind::Standard || c.approved),
            );
            let override_by_ecab = latest.values().any(|a| {
                a.role == Role::Ecab && a.decision == Decision::Approved && a.override_blackout
            });
            m.insert(
                "approval.blackout",
                window(r).is_some()
                    && (!in_blocking_blackout(r, ctx) || (emergency && override_by_ecab)),
            );
            let max = if emergency {
                RiskLevel::High
            } else {
                RiskLevel::Medium
            };
            // Without a given level the gate assesses the risk (issue #4);
            // the assessment itself is tested in core/tests/risk.rs.
            let level = ctx
                .risk_level
                .or(r.risk.as_ref().map(|a| a.level))
                .or_else(|| relman::assess_risk(r, ctx).ok().map(|a| a.level));
            let extra_approval = latest
                .values()
                .any(|a| a.role == Role::BusinessStakeholder && a.decision == Decision::Approved);
            m.insert(
                "approval.risk",
                level.is_none_or(|l| l <= max) || extra_approval,
            );
        }
        State::Deployment => {
            m.insert("deployment.outcome", r.outcome.is_some());
            if is_failure(r.outcome) {
                m.insert("deployment.rollback", r.rolled_back_at.is_some());
            }
        }
        State::Review => {
            // Always listed; met when done or not required.
            let required = major || emergency || is_failure(r.outcome);
            let done = r.review.as_ref().and_then(|v| v.completed_at.as_ref());
            m.insert("review.completed", done.is_some() || !required);
            if major {
                m.insert(
                    "review.knowledge_articles",
                    !r.knowledge_articles.is_empty(),
                );
            }
        }
        State::Closed | State::Cancelled => return None,
    }
    Some(m)
}

fn gates_met(r: &Release, state: State, ctx: &Context) -> bool {
    gates_of(r, state, ctx).is_some_and(|m| m.values().all(|v| *v))
}

/// The main-line successor of a state.
fn successor(s: State) -> Option<State> {
    match s {
        State::Planning => Some(State::Development),
        State::Development => Some(State::Testing),
        State::Testing => Some(State::Approval),
        State::Approval => Some(State::Deployment),
        State::Deployment => Some(State::Review),
        State::Review => Some(State::Closed),
        State::Closed | State::Cancelled => None,
    }
}

fn is_terminal(s: State) -> bool {
    matches!(s, State::Closed | State::Cancelled)
}

/// Every transition SPEC §2 allows (state changes only).
fn legal_edge(from: State, to: State) -> bool {
    use State::*;
    successor(from) == Some(to)
        || (to == Development && matches!(from, Testing | Approval))
        || (to == Cancelled && matches!(from, Planning | Development | Testing | Approval))
}

/// The requirements `check(r, target)` reports for leaving `state`, by
/// rule id.
fn reported(report: &relman::GateReport, state: State) -> BTreeMap<String, bool> {
    let prefix = format!("{}.", state.as_str());
    report
        .requirements
        .iter()
        .filter(|q| q.rule.starts_with(&prefix))
        .map(|q| (q.rule.clone(), q.met))
        .collect()
}

/// The oracle's and `check`'s view of the gates of leaving `r`'s state
/// agree, rule by rule.
fn gates_agree(r: &Release, ctx: &Context) -> Result<(), TestCaseError> {
    let Some(next) = successor(r.state) else {
        return Ok(());
    };
    let Some(oracle) = gates_of(r, r.state, ctx) else {
        return Ok(());
    };
    let report = check(r, next, ctx);
    let oracle: BTreeMap<String, bool> = oracle
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    prop_assert_eq!(
        reported(&report, r.state),
        oracle,
        "gates of leaving {:?} differ from the oracle: {:#?}",
        r.state,
        report.requirements
    );
    Ok(())
}

/// The error `apply` should return.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Denial {
    Forbidden,
    TransitionDenied,
    InvalidInput,
    /// Several checks fail and the spec does not say which one is reported.
    AnyOf,
}

impl Denial {
    fn admits(self, code: ErrorCode) -> bool {
        match self {
            Denial::Forbidden => code == ErrorCode::Forbidden,
            Denial::TransitionDenied => code == ErrorCode::TransitionDenied,
            Denial::InvalidInput => code == ErrorCode::InvalidInput,
            Denial::AnyOf => matches!(
                code,
                ErrorCode::Forbidden | ErrorCode::TransitionDenied | ErrorCode::InvalidInput
            ),
        }
    }
}

/// What `apply` should do with a command: the new state, or the denial.
/// Follows the order of checks of the engine's documentation: the
/// directory, the state, the role and separation of duties, the
/// parameters, then the gates.
fn expected(r: &Release, actor: &str, action: &Action, ctx: &Context) -> Result<State, Denial> {
    use Denial::*;
    use State::*;
    let policy = policy_of(ctx);
    let roles = &policy.lifecycle.roles;
    if !ctx.actors.iter().any(|a| a.id == actor) {
        return Err(Forbidden);
    }
    let any_of = |rs: &[Role]| rs.iter().any(|x| holds(ctx, actor, *x));
    let s = r.state;
    let gate = |target: State| {
        if gates_met(r, s, ctx) {
            Ok(target)
        } else {
            Err(TransitionDenied)
        }
    };
    match action {
        Action::Advance => {
            let (target, need) = match s {
                Planning | Development | Testing => (successor(s).unwrap(), &roles.advance),
                Approval => (Deployment, &roles.start_deployment),
                Review => (Closed, &roles.close),
                Deployment | Closed | Cancelled => return Err(TransitionDenied),
            };
            if !any_of(need) {
                return Err(Forbidden);
            }
            gate(target)
        }
        Action::StartDeployment | Action::Close | Action::Cancel { .. } => {
            let (possible, target, need) = match action {
                Action::StartDeployment => (s == Approval, Deployment, &roles.start_deployment),
                Action::Close => (s == Review, Closed, &roles.close),
                _ => (
                    matches!(s, Planning | Development | Testing | Approval),
                    Cancelled,
                    &roles.cancel,
                ),
            };
            let blank = matches!(action, Action::Cancel { reason } if reason.trim().is_empty());
            // When the command is impossible in this state *and* the actor
            // or its parameters are wrong too, either error is right.
            if !possible && (blank || !any_of(need)) {
                return Err(AnyOf);
            }
            if !any_of(need) {
                return Err(Forbidden);
            }
            if blank {
                return Err(InvalidInput);
            }
            if !possible {
                return Err(TransitionDenied);
            }
            if target == Cancelled {
                Ok(Cancelled)
            } else {
                gate(target)
            }
        }
        Action::SendBack { to, reason } => {
            if *to != Development || !matches!(s, Testing | Approval) {
                return Err(TransitionDenied);
            }
            if !any_of(&roles.send_back) {
                return Err(Forbidden);
            }
            if reason.trim().is_empty() {
                return Err(InvalidInput);
            }
            Ok(Development)
        }
        Action::RecordTests { tests } => {
            if !matches!(s, Development | Testing) {
                return Err(TransitionDenied);
            }
            if !any_of(&roles.record_tests) {
                return Err(Forbidden);
            }
            if tests.is_empty() {
                return Err(InvalidInput);
            }
            let implementer_signs = tests.iter().any(|t| {
                t.kind == TestKind::Uat
                    && t.signed_off_by.as_ref().is_some_and(|who| {
                        r.changes
                            .iter()
                            .any(|c| c.implementer.as_ref() == Some(who))
                    })
            });
            if policy
                .lifecycle
                .separation_of_duties
                .forbid_implementer_uat_signoff
                && implementer_signs
            {
                return Err(Forbidden);
            }
            Ok(s)
        }
        Action::Approve { role, .. } | Action::Reject { role, .. } => {
            if s != Approval {
                return Err(TransitionDenied);
            }
            let gates = policy.lifecycle.gates(r.kind);
            let votes_here =
                gates.quorum.iter().any(|q| q.role == *role) || gates.high_risk_approver == *role;
            let overrides = matches!(
                action,
                Action::Approve {
                    override_blackout: true,
                    ..
                }
            );
            if !holds(ctx, actor, *role)
                || !votes_here
                || conflicted(r, actor, &policy)
                || (overrides && (*role != Role::Ecab || r.kind != ReleaseKind::Emergency))
            {
                return Err(Forbidden);
            }
            Ok(s)
        }
        Action::CompleteDeployment { outcome, .. } => {
            if s != Deployment {
                return Err(TransitionDenied);
            }
            // A recorded failure is not overwritten: it leaves through
            // roll_back only.
            if is_failure(r.outcome) {
                return Err(if any_of(&roles.complete_deployment) {
                    TransitionDenied
                } else {
                    AnyOf
                });
            }
            if !any_of(&roles.complete_deployment) {
                return Err(Forbidden);
            }
            Ok(if is_failure(*outcome) {
                Deployment
            } else {
                Review
            })
        }
        Action::RollBack { .. } => {
            if s != Deployment {
                return Err(TransitionDenied);
            }
            if !any_of(&roles.roll_back) {
                return Err(Forbidden);
            }
            Ok(Review)
        }
        Action::CompleteReview { .. } => {
            if s != Review {
                return Err(TransitionDenied);
            }
            if !any_of(&roles.complete_review) {
                return Err(Forbidden);
            }
            Ok(Review)
        }
    }
}

// ---------------------------------------------------------------------------
// The sequence property.
// ---------------------------------------------------------------------------

/// What a run went through, for the coverage check.
#[derive(Debug, Default, Clone, Copy)]
struct Reached {
    deployment: bool,
    review: bool,
    closed: bool,
    cancelled: bool,
    denied_start: bool,
    furthest: Option<State>,
}

fn run_sequence(
    rspec: &ReleaseSpec,
    cspec: &ContextSpec,
    steps: &[Step],
) -> Result<Reached, TestCaseError> {
    let ctx = build_context(cspec);
    let mut release = build_release(rspec);
    let mut reached = Reached::default();
    let mut ok_steps = 0usize;
    // A failed or rolled-back outcome recorded in the current deployment and
    // not yet followed by roll_back.
    let mut failure_pending = false;
    // Some deployment of this release failed or was rolled back.
    let mut ever_failed = false;
    let policy = policy_of(&ctx);
    for (i, step) in steps.iter().enumerate() {
        let (who, action) = resolve(step, &release, &policy);
        let action = &action;
        let actor = actor_name(who);
        let command = Command {
            actor: actor.to_string(),
            at: at(i),
            action: action.clone(),
        };
        let before = release.clone();
        gates_agree(&before, &ctx)?;
        let want = expected(&before, actor, action, &ctx);
        let result = apply(&release, &command, &ctx);
        prop_assert_eq!(&release, &before, "apply changed its input");
        match result {
            Err(e) => {
                let code = e.code();
                prop_assert!(
                    matches!(
                        code,
                        ErrorCode::TransitionDenied
                            | ErrorCode::Forbidden
                            | ErrorCode::InvalidInput
                    ),
                    "step {i}: unexpected error code {code:?}: {e}"
                );
                prop_assert!(
                    want.is_err_and(|w| w.admits(code)),
                    "step {i}: {} by {actor} in {:?}: expected {want:?}, got {e}",
                    action.name(),
                    before.state,
                );
                // A denial carries the unmet rules.
                if let relman::Error::TransitionDenied { violations, .. } = &e {
                    prop_assert!(!violations.is_empty(), "a denial without violations: {e}");
                }
                if before.state == State::Approval
                    && matches!(action, Action::StartDeployment | Action::Advance)
                    && code == ErrorCode::TransitionDenied
                {
                    reached.denied_start = true;
                }
            }
            Ok(applied) => {
                // (3) terminal states are absorbing.
                prop_assert!(
                    !is_terminal(before.state),
                    "step {i}: {} by {actor} succeeded in {:?}",
                    action.name(),
                    before.state
                );
                let after = applied.release;
                let (from, to) = (before.state, after.state);
                prop_assert_eq!(
                    Ok(to),
                    want,
                    "step {}: {} by {} from {:?}",
                    i,
                    action.name(),
                    actor,
                    from
                );
                // (5) only the transitions SPEC §2 allows.
                prop_assert!(
                    from == to || legal_edge(from, to),
                    "step {i}: illegal transition {from:?} -> {to:?}"
                );
                // (2) deployment only with every leave-approval gate met.
                if from == State::Approval && to == State::Deployment {
                    let report = check(&before, State::Deployment, &ctx);
                    prop_assert!(report.allowed, "started deployment against {report:#?}");
                    prop_assert!(
                        report
                            .requirements
                            .iter()
                            .filter(|q| q.rule.starts_with("approval."))
                            .all(|q| q.met),
                        "started deployment with an unmet approval gate: {report:#?}"
                    );
                    prop_assert!(
                        quorum_met(&before, &ctx, &policy),
                        "deployment without a quorum: {:#?}",
                        before.approvals
                    );
                    prop_assert!(gates_met(&before, State::Approval, &ctx));
                }
                // The spec's rules around failures (SPEC §2: a failed
                // deployment needs roll_back before review; the review is
                // mandatory after any failed release).
                if from == State::Deployment && to == State::Review && failure_pending {
                    prop_assert!(
                        matches!(action, Action::RollBack { .. }),
                        "step {i}: a failed deployment reached review through {} without roll_back",
                        action.name()
                    );
                }
                if to == State::Closed && ever_failed {
                    prop_assert!(
                        after
                            .review
                            .as_ref()
                            .is_some_and(|v| v.completed_at.is_some()),
                        "step {i}: a release whose deployment failed was closed without a review"
                    );
                }
                match action {
                    Action::CompleteDeployment { outcome, .. } if is_failure(*outcome) => {
                        failure_pending = true;
                        ever_failed = true;
                    }
                    Action::RollBack { .. } => {
                        failure_pending = false;
                        ever_failed = true;
                    }
                    _ => {}
                }
                // (4) the log grows by one event that verifies.
                ok_steps += 1;
                prop_assert_eq!(after.log.len(), ok_steps);
                prop_assert_eq!(applied.events.len(), 1);
                let event = after.log.last().unwrap();
                prop_assert_eq!(&applied.events[0], event);
                prop_assert_eq!(event.from, from);
                prop_assert_eq!(event.to, to);
                prop_assert_eq!(event.seq, ok_steps as u64);
                prop_assert_eq!(&event.actor, actor);
                prop_assert_eq!(event.command.as_str(), action.name());
                let verdict = verify_log(&after, Some(&event.hash));
                prop_assert!(verdict.valid, "log does not verify: {verdict:#?}");
                prop_assert_eq!(verdict.events, ok_steps);
                prop_assert!(verdict.events_after_expected_head.unwrap_or(0) == 0);
                // Approvals only change by one appended vote.
                let voted = matches!(action, Action::Approve { .. } | Action::Reject { .. });
                prop_assert_eq!(
                    after.approvals.len(),
                    before.approvals.len() + usize::from(voted)
                );
                if to != State::Cancelled && reached.furthest.is_none_or(|f| f < to) {
                    reached.furthest = Some(to);
                }
                match to {
                    State::Deployment => reached.deployment = true,
                    State::Review => reached.review = true,
                    State::Closed => reached.closed = true,
                    State::Cancelled => reached.cancelled = true,
                    _ => {}
                }
                release = after;
            }
        }
    }
    // The whole log: consecutive events chain states, and the release's
    // state is the last event's `to`.
    let mut state = State::Planning;
    for e in &release.log {
        prop_assert_eq!(e.from, state);
        state = e.to;
    }
    prop_assert_eq!(release.state, state);
    Ok(reached)
}

fn sequence_case() -> impl Strategy<Value = (ReleaseSpec, ContextSpec, Vec<Step>)> {
    (
        release_spec(),
        context_spec(0.2, Just(true)),
        prop_oneof![
            1 => prop::collection::vec(step(), 1..10),
            3 => prop::collection::vec(step(), 10..=40),
        ],
    )
}

// ---------------------------------------------------------------------------
// The check property: random releases in random states.
// ---------------------------------------------------------------------------

fn approval(r_fingerprint: String) -> impl Strategy<Value = Approval> {
    (
        any_actor(),
        vote_role(),
        prop::bool::weighted(0.8),
        prop::option::of(1u32..=3),
        prop_oneof![
            2 => Just(None),
            2 => Just(Some(r_fingerprint)),
            1 => Just(Some("sha256:00".to_string())),
        ],
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(who, role, approved, round, fingerprint, override_blackout)| {
                let mut a: Approval = serde_json::from_value(json!({
                    "approver": actor_name(who), "role": role,
                    "decision": if approved { "approved" } else { "rejected" },
                    "at": "2026-12-02T10:00:00Z",
                }))
                .unwrap();
                a.round = round;
                a.fingerprint = fingerprint;
                a.override_blackout = override_blackout;
                a
            },
        )
}

fn random_release() -> impl Strategy<Value = Release> {
    release_spec().prop_flat_map(|spec| {
        let base = build_release(&spec);
        let fp = scope_fingerprint(&base);
        (
            Just(base),
            prop_oneof![1 => Just(State::Approval), 2 => any_state()],
            prop_oneof![2 => good_suite(), 2 => prop::collection::vec(test_run(3), 0..6)],
            prop::collection::vec(approval(fp), 0..8),
            prop::option::of(1u32..=3),
            prop::option::of(outcome()),
            prop::bool::ANY,
            prop::bool::ANY,
        )
            .prop_map(
                |(mut r, state, tests, approvals, round, outcome, rolled_back, reviewed)| {
                    r.state = state;
                    r.tests = tests;
                    r.approvals = approvals;
                    r.approval_round = round;
                    r.outcome = outcome;
                    if rolled_back {
                        r.rolled_back_at = Some(ts("2026-12-13T05:00:00Z"));
                    }
                    if reviewed {
                        r.review =
                            serde_json::from_value(json!({"completed_at": "2026-12-15T10:00:00Z"}))
                                .unwrap();
                    }
                    r
                },
            )
    })
}

fn check_case(r: &Release, target: State, ctx: &Context) -> Result<(), TestCaseError> {
    let report = check(r, target, ctx);
    prop_assert_eq!(&report.release_id, &r.id);
    prop_assert_eq!(report.from, r.state);
    prop_assert_eq!(report.target, target);
    prop_assert_eq!(
        report.allowed,
        report.requirements.iter().all(|q| q.met),
        "allowed is not the conjunction of the requirements: {:#?}",
        report
    );
    if report.allowed {
        prop_assert!(
            legal_edge(r.state, target),
            "check allows {:?} -> {:?}",
            r.state,
            target
        );
    }
    if is_terminal(r.state) || r.state == target {
        prop_assert!(!report.allowed);
    }
    // For the next state on the main line, the oracle agrees rule by rule,
    // and the verdict is exactly "every gate of the current state is met".
    // The gates of leaving the current state agree with the oracle, rule by
    // rule; so do those of every state on the way to a target further
    // ahead (the readiness preview).
    gates_agree(r, ctx)?;
    let line = [
        State::Planning,
        State::Development,
        State::Testing,
        State::Approval,
        State::Deployment,
        State::Review,
        State::Closed,
    ];
    let at_line = |s: State| line.iter().position(|x| *x == s);
    if let (Some(i), Some(j)) = (at_line(r.state), at_line(target)) {
        for state in line.iter().take(j).skip(i) {
            let oracle: BTreeMap<String, bool> = gates_of(r, *state, ctx)
                .unwrap()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            prop_assert_eq!(
                reported(&report, *state),
                oracle,
                "{:?} -> {:?}: gates of {:?}",
                r.state,
                target,
                state
            );
        }
    }
    if successor(r.state) == Some(target) {
        prop_assert_eq!(report.allowed, gates_met(r, r.state, ctx));
    }
    // Every rule id belongs to the transition or to a state's gates.
    for q in &report.requirements {
        let known = q.rule.starts_with("lifecycle.")
            || [
                "planning.",
                "development.",
                "testing.",
                "approval.",
                "deployment.",
                "review.",
            ]
            .iter()
            .any(|p| q.rule.starts_with(p));
        prop_assert!(known, "unknown rule id {}", q.rule);
    }
    Ok(())
}

/// 256 cases per property (a few seconds in a debug build); set
/// `PROPTEST_CASES` for a longer run.
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() {
        default.cases
    } else {
        256
    };
    ProptestConfig { cases, ..default }
}

proptest! {
    #![proptest_config(config())]

    /// Random command sequences by random actors: see the module docs.
    #[test]
    fn random_command_sequences_keep_the_lifecycle_rules(
        (rspec, cspec, steps) in sequence_case()
    ) {
        run_sequence(&rspec, &cspec, &steps)?;
    }

    /// `check` is total, and `allowed` is "every requirement met".
    #[test]
    fn check_is_total_and_its_verdict_is_the_conjunction(
        r in random_release(),
        // None: the state after the release's own (the usual question).
        target in prop::option::of(any_state()),
        cspec in context_spec(0.5, prop::bool::weighted(0.9)),
    ) {
        let ctx = build_context(&cspec);
        let target = target.or(successor(r.state)).unwrap_or(State::Closed);
        check_case(&r, target, &ctx)?;
    }
}

/// The sequence generator is not vacuous: with a fixed seed, a fair share
/// of runs gets deployed, reviewed, closed and cancelled, and some
/// deployments are denied.
#[test]
fn the_sequence_generator_reaches_every_stage() {
    let mut runner = TestRunner::deterministic();
    let strategy = sequence_case();
    let mut totals = BTreeMap::<&str, usize>::new();
    let mut furthest = BTreeMap::<String, usize>::new();
    for _ in 0..256 {
        let (rspec, cspec, steps) = strategy.new_tree(&mut runner).unwrap().current();
        let reached = run_sequence(&rspec, &cspec, &steps).unwrap();
        for (name, hit) in [
            ("deployment", reached.deployment),
            ("review", reached.review),
            ("closed", reached.closed),
            ("cancelled", reached.cancelled),
            ("denied_start", reached.denied_start),
        ] {
            *totals.entry(name).or_default() += usize::from(hit);
        }
        *furthest
            .entry(format!("{:?}", reached.furthest))
            .or_default() += 1;
    }
    // Minimum counts out of 256 runs (the fixed seed gives about twice as
    // many): the deep states are reached often enough to test them.
    let minimum = [
        ("deployment", 20),
        ("review", 10),
        ("closed", 5),
        ("cancelled", 10),
        ("denied_start", 20),
    ];
    let short: BTreeSet<&str> = minimum
        .iter()
        .filter(|(stage, min)| totals.get(stage).copied().unwrap_or(0) < *min)
        .map(|(stage, _)| *stage)
        .collect();
    assert!(
        short.is_empty(),
        "too few runs reach {short:?}: {totals:?}; furthest states: {furthest:?}"
    );
}

fn plain_context() -> Context {
    build_context(&ContextSpec {
        blackout: false,
        risk_level: None,
        percentage: None,
        forbid_team_approval: false,
        forbid_implementer_uat_signoff: false,
        directory: true,
    })
}

fn by_rita(i: usize, action: Action) -> Command {
    Command {
        actor: "rita".to_string(),
        at: at(i),
        action,
    }
}

// Regression (found by the sequence property, fixed in the core since):
// `start_deployment`, `close` and `cancel` issued in the very state they aim
// at were treated as commands that keep the state, skipped the gates and
// appended an event (`closed -> closed`, `cancelled -> cancelled`, a second
// `start_deployment`): terminal states were not absorbing.
#[test]
fn a_command_aimed_at_the_current_state_is_denied() {
    let ctx = plain_context();
    for (state, action) in [
        (
            State::Cancelled,
            Action::Cancel {
                reason: "again".to_string(),
            },
        ),
        (State::Closed, Action::Close),
        (State::Deployment, Action::StartDeployment),
    ] {
        let mut r: Release = serde_json::from_value(json!({
            "id": "REL-B", "title": "Again", "kind": "minor", "state": "planning",
            "owner": "alice",
        }))
        .unwrap();
        r.state = state;
        let err = apply(&r, &by_rita(0, action.clone()), &ctx)
            .map(|a| a.events)
            .expect_err(&format!("{} in {state:?} was accepted", action.name()));
        assert_eq!(err.code(), ErrorCode::TransitionDenied, "{err}");
    }
}

// Regression (found by the sequence property, fixed in the core since):
// after `complete_deployment(failed)` a later `complete_deployment(success)`
// overwrote the outcome, so the release reached review without `roll_back`
// and, the failure being gone, closed without the mandatory review.
#[test]
fn a_success_cannot_overwrite_a_failed_deployment() {
    let ctx = plain_context();
    let r: Release = serde_json::from_value(json!({
        "id": "REL-F", "title": "Failed", "kind": "minor", "state": "deployment",
        "owner": "alice",
    }))
    .unwrap();
    let complete = |outcome| Action::CompleteDeployment {
        outcome: Some(outcome),
        rollout: None,
    };
    let failed = apply(&r, &by_rita(0, complete(Outcome::Failed)), &ctx)
        .unwrap()
        .release;
    assert_eq!(failed.state, State::Deployment);
    let err = apply(&failed, &by_rita(1, complete(Outcome::Success)), &ctx)
        .map(|a| a.release.state)
        .expect_err("a success was recorded over a failed deployment");
    assert_eq!(err.code(), ErrorCode::TransitionDenied, "{err}");
    let rolled_back = apply(
        &failed,
        &by_rita(2, Action::RollBack { reason: None }),
        &ctx,
    )
    .unwrap()
    .release;
    assert_eq!(rolled_back.state, State::Review);
    let err = apply(&rolled_back, &by_rita(3, Action::Close), &ctx)
        .map(|a| a.release.state)
        .expect_err("a failed release closed without its review");
    assert_eq!(err.code(), ErrorCode::TransitionDenied, "{err}");
}
