//! The typed records and enums of the Swift API: a mirror of relman's
//! documents and results, converted to and from relman's JSON with serde.
//!
//! Each record names the fields a Swift user reads or writes most; every
//! other field of the document travels unchanged in `extra_json`
//! (`extraJson` in Swift), a JSON object flattened into the record's JSON,
//! so a host's record round-trips without loss. Lists and nested parts that
//! carry open JSON (policies, calendars, metric tables) are JSON text.
//! Optional fields keep "absent" and "present" apart, so `<type>_to_json`
//! writes back exactly what `<type>_from_json` read.

use crate::json::{JsonObject, JsonValue, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A snake_case string enum of relman's JSON.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }
    };
}

string_enum! {
    /// A lifecycle state.
    ReleaseState {
        /// Scope, owner and window are being planned.
        Planning,
        /// Changes are being built.
        Development,
        /// Tests are being run and recorded.
        Testing,
        /// Waiting for the approval quorum.
        Approval,
        /// Being deployed.
        Deployment,
        /// Post-implementation review.
        Review,
        /// Done (terminal).
        Closed,
        /// Abandoned before deployment (terminal).
        Cancelled,
    }
}

string_enum! {
    /// The kind of a release.
    ReleaseKind {
        /// A major release.
        Major,
        /// A minor release.
        Minor,
        /// A patch release.
        Patch,
        /// An emergency release.
        Emergency,
    }
}

string_enum! {
    /// A role an actor holds.
    Role {
        /// Release manager.
        ReleaseManager,
        /// Member of the release team.
        ReleaseTeam,
        /// Change advisory board.
        Cab,
        /// Emergency CAB.
        Ecab,
        /// Product owner.
        ProductOwner,
        /// Business stakeholder.
        BusinessStakeholder,
        /// Quality assurance.
        Qa,
    }
}

string_enum! {
    /// A risk level.
    RiskLevel {
        /// Below the medium band.
        Low,
        /// The medium band.
        Medium,
        /// The high band.
        High,
        /// At or above the critical band.
        Critical,
    }
}

string_enum! {
    /// The kind of an input document (for `validate`).
    DocumentKind {
        /// A release.
        Release,
        /// A change record.
        Change,
        /// A configuration item.
        ConfigurationItem,
        /// A CMDB.
        Cmdb,
        /// An actor.
        ActorRecord,
        /// A change calendar.
        Calendar,
        /// A schedule.
        Schedule,
        /// A history.
        History,
        /// A context.
        Context,
        /// A policy.
        Policy,
        /// A lifecycle command.
        Command,
        /// A rollout plan and inputs to replay.
        RolloutReplay,
        /// Canary and baseline samples to judge.
        CanaryComparison,
    }
}

string_enum! {
    /// The format of release notes.
    NotesFormat {
        /// Markdown (`md` is read as well).
        #[serde(alias = "md")]
        Markdown,
        /// HTML.
        Html,
    }
}

string_enum! {
    /// The decision of a rollout step.
    RolloutDecision {
        /// Keep the current step.
        Continue,
        /// Move to the next step.
        Advance,
        /// Wait.
        Pause,
        /// Promote the new version to everyone.
        Promote,
        /// Roll back.
        RollBack,
    }
}

string_enum! {
    /// The verdict of a canary judgement.
    CanaryVerdict {
        /// The canary is as good as the baseline.
        Pass,
        /// Neither clearly good nor clearly bad.
        Marginal,
        /// The canary is worse.
        Fail,
    }
}

string_enum! {
    /// The kind of a schedule conflict.
    ConflictKind {
        /// Two items touch the same CI at the same time.
        CiOverlap,
        /// Two items touch related CIs at the same time.
        RelatedCiOverlap,
        /// An item falls in a blackout.
        Blackout,
        /// An item falls outside its maintenance windows.
        OutsideMaintenanceWindow,
        /// One assignee on two items at once.
        AssigneeOverlap,
        /// A dependency is scheduled after its dependant.
        DependencyOrder,
        /// Dependencies form a cycle.
        DependencyCycle,
        /// Too many items at once.
        Capacity,
    }
}

string_enum! {
    /// How serious a conflict is.
    ConflictSeverity {
        /// It blocks the schedule.
        Block,
        /// A warning.
        Warn,
    }
}

string_enum! {
    /// What is wrong with a tampered audit log.
    TamperKind {
        /// An event was edited.
        Edited,
        /// An event was removed.
        Removed,
        /// An event was inserted.
        Inserted,
        /// Events were reordered.
        Reordered,
        /// The log was cut short.
        Truncated,
        /// The release state does not match the log.
        StateMismatch,
        /// A release past planning has no log: its history is not recorded.
        EmptyLog,
        /// The document differs from what its log yields (`differences`
        /// lists each field).
        Diverged,
        /// Verified with a keyring: an event's MAC or signature does not
        /// verify, an unkeyed event follows a keyed one, or the log is not
        /// keyed.
        Unauthenticated,
    }
}

string_enum! {
    /// How a document field differs from what its audit log yields.
    DifferenceKind {
        /// The value is not the one the log sealed or set.
        Edited,
        /// A fact (a vote, a test run, an outcome) no event set.
        Unlogged,
        /// An event's fact the document lacks.
        Missing,
        /// An event's details cannot be read as the command they record.
        Unreadable,
    }
}

string_enum! {
    /// An approval decision.
    Decision {
        /// Approved.
        Approved,
        /// Rejected.
        Rejected,
    }
}

string_enum! {
    /// A kind of test evidence.
    TestKind {
        /// Unit tests.
        Unit,
        /// Integration tests.
        Integration,
        /// Performance / load tests.
        Performance,
        /// Security tests.
        Security,
        /// User acceptance tests.
        Uat,
    }
}

/// A release: the unit that moves through the lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Release {
    /// Document schema version (current: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub schema_version: Option<u32>,
    /// Unique id.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Version string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub version: Option<String>,
    /// Major, minor, patch or emergency.
    pub kind: ReleaseKind,
    /// Current lifecycle state.
    pub state: ReleaseState,
    /// The release manager's actor id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub owner: Option<String>,
    /// When the record was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub created_at: Option<Timestamp>,
    /// Start of the planned window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub planned_start: Option<Timestamp>,
    /// End of the planned window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub planned_end: Option<Timestamp>,
    /// Every other field (changes, tests, approvals, log, host fields, …)
    /// as a JSON object.
    #[serde(flatten)]
    pub extra_json: JsonObject,
}

/// A lifecycle command (`advance`, `approve`, `send_back`, `amend`,
/// `import`, …). `amend_command` and `import_command` build the two whose
/// parameters are documents from typed records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Command {
    /// The command name.
    pub command: String,
    /// The issuing actor's id.
    pub actor: String,
    /// When it is issued (the caller's clock).
    pub at: Timestamp,
    /// The command's parameters (`role`, `comment`, `reason`, `to`,
    /// `tests`, `set`, `source`, …) as a JSON object.
    #[serde(flatten)]
    pub extra_json: JsonObject,
}

/// The new values of an `amend` command: the sealed fields of a release;
/// a field left `None` keeps its value. Nested documents (the changes, the
/// deployment plan, the rollback plan, the communication, an attached risk)
/// are JSON text. relman refuses any other field, so there is no
/// `extra_json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// Release kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub kind: Option<ReleaseKind>,
    /// Owner (the release manager's actor id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub owner: Option<String>,
    /// Release team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub team: Option<Vec<String>>,
    /// Scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub scope: Option<String>,
    /// Objectives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub objectives: Option<Vec<String>>,
    /// The whole list of changes (JSON list text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub changes: Option<JsonValue>,
    /// The release's own affected CIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub affected_cis: Option<Vec<String>>,
    /// Window start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub planned_start: Option<Timestamp>,
    /// Window end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub planned_end: Option<Timestamp>,
    /// Business services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub services: Option<Vec<String>>,
    /// Target environments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub environments: Option<Vec<String>>,
    /// Releases this one depends on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub depends_on: Option<Vec<String>>,
    /// Deployment strategy and its parameters (JSON object text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub deployment: Option<JsonObject>,
    /// Rollback plan (JSON object text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub rollback_plan: Option<JsonObject>,
    /// Communication (JSON object text; its `plan` is sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub communication: Option<JsonObject>,
    /// An attached risk assessment (JSON object text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub risk: Option<JsonObject>,
    /// Knowledge articles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub knowledge_articles: Option<Vec<String>>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One approval vote (an item of a release's `approvals`, or a vote an
/// `import` brings from another system).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Approval {
    /// Actor id of the approver.
    pub approver: String,
    /// The role the approver votes in.
    pub role: Role,
    /// Approved or rejected.
    pub decision: Decision,
    /// When the vote was cast.
    pub at: Timestamp,
    /// Free-text comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub comment: Option<String>,
    /// The approval round the vote belongs to (set by relman).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub round: Option<u32>,
    /// The scope fingerprint the vote approved (set by relman).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub fingerprint: Option<String>,
    /// An ECAB approval that lets an emergency release enter a blocking
    /// blackout.
    #[serde(default, skip_serializing_if = "is_false")]
    #[uniffi(default = false)]
    pub override_blackout: bool,
    /// The system an imported vote came from (set by `import`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub source: Option<String>,
    /// Every other field (host fields) as a JSON object.
    #[serde(flatten)]
    pub extra_json: JsonObject,
}

/// One recorded test run (an item of a release's `tests`, or a run a
/// `record_tests` or `import` records). The counts keep "absent" apart
/// from 0, so a run written back is the run read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct TestRun {
    /// What kind of test this is.
    pub kind: TestKind,
    /// Number of passed cases (absent: 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub passed: Option<u64>,
    /// Number of failed cases (absent: 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub failed: Option<u64>,
    /// Number of skipped cases (absent: 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub skipped: Option<u64>,
    /// Actor id who signed the run off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub signed_off_by: Option<String>,
    /// When the run was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub at: Option<Timestamp>,
    /// The system an imported run came from (set by `import`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub source: Option<String>,
    /// Every other field (host fields) as a JSON object.
    #[serde(flatten)]
    pub extra_json: JsonObject,
}

/// A person or service account of the directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ActorRecord {
    /// Unique id.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub name: Option<String>,
    /// Roles held (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub roles: Option<Vec<Role>>,
    /// Every other field (email, host fields) as a JSON object.
    #[serde(flatten)]
    pub extra_json: JsonObject,
}

/// What an operation may consult besides its main input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Context {
    /// The current time (relman never reads a clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub now: Option<Timestamp>,
    /// The actor directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub actors: Option<Vec<ActorRecord>>,
    /// A risk level decided by the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub risk_level: Option<RiskLevel>,
    /// Every other part (policy, cmdb, calendar, schedule, history,
    /// schema_version) as a JSON object.
    #[serde(flatten)]
    pub extra_json: JsonObject,
}

/// Something odd but not fatal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Warning {
    /// A stable snake_case code.
    pub code: String,
    /// The JSON path it is about (empty: the whole input).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// What was odd.
    pub message: String,
}

/// One problem of an input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Problem {
    /// The JSON path of the offending value.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// 1-based line in JSON text, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based column in JSON text, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
}

impl From<&relman::Problem> for Problem {
    fn from(p: &relman::Problem) -> Self {
        Problem {
            path: p.path.clone(),
            message: p.message.clone(),
            line: p.line.map(|l| l as u64),
            column: p.column.map(|c| c as u64),
        }
    }
}

/// One unmet rule behind a denial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Violation {
    /// The stable rule id.
    pub rule: String,
    /// Why it is not met.
    pub message: String,
    /// The values the rule looked at (JSON text), when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<JsonValue>,
}

impl From<&relman::Violation> for Violation {
    fn from(v: &relman::Violation) -> Self {
        Violation {
            rule: v.rule.clone(),
            message: v.message.clone(),
            data: (!v.data.is_null()).then(|| JsonValue::of(&v.data)),
        }
    }
}

/// The result of `validate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ValidationReport {
    /// The kind validated.
    pub document: DocumentKind,
    /// The schema version read.
    pub schema_version: u32,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// One requirement of a gate report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Requirement {
    /// The stable rule id.
    pub rule: String,
    /// Whether it is met.
    pub met: bool,
    /// What it asks for, or why it is not met.
    pub message: String,
    /// The values the rule looked at (JSON text), when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<JsonValue>,
}

/// The gate report of moving a release to a target state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct GateReport {
    /// The release checked.
    pub release_id: String,
    /// Its state.
    pub from: ReleaseState,
    /// The target state.
    pub target: ReleaseState,
    /// Whether every requirement is met.
    pub allowed: bool,
    /// Every requirement, met or not.
    pub requirements: Vec<Requirement>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// One event of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Event {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When the command was applied.
    pub at: Timestamp,
    /// Who issued it.
    pub actor: String,
    /// The command name.
    pub command: String,
    /// ReleaseState before.
    pub from: ReleaseState,
    /// ReleaseState after.
    pub to: ReleaseState,
    /// The chain hash (SHA-256, hex).
    pub hash: String,
    /// Every other field (details, policy_fingerprint, host fields).
    #[serde(flatten)]
    pub extra_json: JsonObject,
}

/// The host's keys for keyed audit chains (passed in, never stored by
/// relman): keys by id, the id new events are keyed with, and whether a
/// log none of whose events is keyed is accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Keyring {
    /// The keys.
    pub keys: Vec<KeyringKey>,
    /// The id of the key new events are keyed with (needed by `apply`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub signing_key: Option<String>,
    /// Accept a log none of whose events is keyed (default false).
    #[serde(default)]
    #[uniffi(default = false)]
    pub adopt_unkeyed: bool,
}

/// One key of a [`Keyring`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct KeyringKey {
    /// The key id recorded in each event it keys.
    pub id: String,
    /// `hmac-sha256` or `ed25519`.
    pub alg: String,
    /// The secret as hex: the HMAC key (16–1024 bytes) or the 32-byte
    /// Ed25519 seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub secret: Option<String>,
    /// Ed25519: the 32-byte public key as hex (verify without signing);
    /// `public` in JSON (a keyword in Swift).
    #[serde(default, rename = "public", skip_serializing_if = "Option::is_none")]
    #[uniffi(default = None)]
    pub public_key: Option<String>,
}

/// A notification to send after a command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ReleaseNotification {
    /// The subject line.
    pub subject: String,
    /// The message body.
    pub message: String,
    /// Every other field (trigger, recipients) as a JSON object.
    #[serde(flatten)]
    pub extra_json: JsonObject,
}

/// The result of `apply`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Applied {
    /// The new release.
    pub release: Release,
    /// The events appended to its log.
    pub events: Vec<Event>,
    /// Notifications to send.
    pub notifications: Vec<ReleaseNotification>,
    /// The gate report that allowed the command.
    pub report: GateReport,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// The first bad event of a tampered log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Tamper {
    /// What is wrong.
    pub kind: TamperKind,
    /// The index of the event in the log, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// Its `seq`, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Its path (`log[3]`).
    pub path: String,
    /// A human message.
    pub message: String,
}

/// One field where the release document differs from what its audit log
/// yields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Difference {
    /// How it differs.
    pub kind: DifferenceKind,
    /// The JSON path of the field (`approvals[2]`, `kind`, `changes[1]`,
    /// `tests[0].failed`), or of the event details.
    pub path: String,
    /// The `seq` of the event that sealed or set the field, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// What differs, in one sentence.
    pub message: String,
}

/// The result of `verify_log`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct LogVerdict {
    /// Whether the chain verifies.
    pub valid: bool,
    /// The number of events.
    pub events: u64,
    /// The head hash.
    pub head: String,
    /// The first bad event, when the log does not verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tamper: Option<Tamper>,
    /// Events after the expected head, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_after_expected_head: Option<u64>,
    /// Every field where the document differs from what its log yields
    /// (empty when the chain itself is broken: nothing is replayed then).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// One explained risk factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Factor {
    /// The factor's name.
    pub name: String,
    /// Its value, 0–1.
    pub value: f64,
    /// Its weight.
    pub weight: f64,
    /// Its contribution to the score.
    pub contribution: f64,
    /// The inputs it looked at (JSON object text).
    pub inputs: JsonObject,
    /// Why it has this value.
    pub explanation: String,
}

/// The result of `assess_risk`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct RiskAssessment {
    /// The release assessed.
    pub release_id: String,
    /// The score, 0–100.
    pub score: f64,
    /// The level.
    pub level: RiskLevel,
    /// The failure probability, with a fitted model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_probability: Option<f64>,
    /// Every factor.
    pub factors: Vec<Factor>,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// An error as data (in a batch result).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ErrorBody {
    /// The stable code.
    pub code: String,
    /// A human message.
    pub message: String,
    /// The JSON path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Line in JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Column in JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// Every problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// The forbidding rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Every unmet rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    /// The gate report (JSON text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<JsonValue>,
}

/// One failed release of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct BatchError {
    /// Its index in the input.
    pub index: u64,
    /// Its error.
    pub error: ErrorBody,
}

/// The result of `assess_risk_many`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct RiskBatch {
    /// One slot per release; `None` where it failed.
    pub assessments: Vec<Option<RiskAssessment>>,
    /// The failures, by index.
    pub errors: Vec<BatchError>,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// The result of `fit_risk_model`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct FittedRiskModel {
    /// The model (JSON object text; put it in `policy.risk.model`).
    pub model: JsonObject,
    /// Fit quality: AUC, Brier, convergence (JSON object text).
    pub quality: JsonObject,
    /// Sample counts (JSON object text).
    pub samples: JsonObject,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// A time window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct TimeWindow {
    /// Start.
    pub start: Timestamp,
    /// End.
    pub end: Timestamp,
}

/// One schedule conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Conflict {
    /// The kind.
    pub kind: ConflictKind,
    /// How serious.
    pub severity: ConflictSeverity,
    /// The items involved.
    pub items: Vec<String>,
    /// The CIs involved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis: Vec<String>,
    /// The overlapping window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<TimeWindow>,
    /// A human explanation.
    pub explanation: String,
    /// Kind-specific details (JSON object text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<JsonObject>,
}

/// The result of `detect_conflicts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ConflictReport {
    /// Every conflict.
    pub conflicts: Vec<Conflict>,
    /// How many block.
    pub blocking: u64,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// The result of `suggest_slots`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct SlotSuggestion {
    /// The item.
    pub item: String,
    /// Its duration.
    pub duration_secs: u64,
    /// Start of the search.
    pub from: Timestamp,
    /// End of the search.
    pub until: Timestamp,
    /// The step of the search.
    pub granularity_secs: u64,
    /// The free slots found.
    pub slots: Vec<TimeWindow>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// One wave of a deployment order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct DeploymentWave {
    /// The wave number.
    pub wave: u64,
    /// The releases in it.
    pub releases: Vec<String>,
}

/// The critical path of a deployment order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct CriticalPath {
    /// The releases on it.
    pub releases: Vec<String>,
    /// Its duration.
    pub duration_secs: u64,
}

/// The result of `deployment_order`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct DeploymentOrder {
    /// The waves.
    pub waves: Vec<DeploymentWave>,
    /// The critical path.
    pub critical_path: CriticalPath,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// One reason behind a rollout decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Reason {
    /// The rule id.
    pub rule: String,
    /// A human message.
    pub message: String,
    /// The values looked at (JSON text), when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<JsonValue>,
}

/// The result of `rollout_step`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct RolloutStep {
    /// The new rollout state (JSON object text; pass it to the next step).
    pub state: JsonObject,
    /// The decision.
    pub decision: RolloutDecision,
    /// Why.
    pub reasons: Vec<Reason>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// The result of `judge_canary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct CanaryJudgement {
    /// The verdict.
    pub verdict: CanaryVerdict,
    /// The score, 0–100.
    pub score: f64,
    /// The pass threshold.
    pub pass_score: f64,
    /// The marginal threshold.
    pub marginal_score: f64,
    /// The significance level.
    pub alpha: f64,
    /// Per-metric judgements (JSON list text).
    pub metrics: JsonValue,
    /// Why, in words.
    pub reasons: Vec<String>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// The result of `compute_kpis`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct KpiReport {
    /// The DORA and ITIL KPIs (JSON object text).
    pub kpis: JsonObject,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// Every other part (settings, period, benchmark, series, groups,
    /// attribution, records) as a JSON object.
    #[serde(flatten)]
    pub extra_json: JsonObject,
}

/// The result of `release_notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ReleaseNotes {
    /// The format.
    pub format: NotesFormat,
    /// The notes.
    pub text: String,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// The result of `calendar_ics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct CalendarExport {
    /// The iCalendar text.
    pub ics: String,
    /// The number of events.
    pub events: u64,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// The result of `import_servicenow`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ServiceNowImport {
    /// The schedule (JSON object text).
    pub schedule: JsonObject,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// One ServiceNow record's field patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct RecordPatch {
    /// The table.
    pub table: String,
    /// The record's sys_id.
    pub sys_id: String,
    /// The record's number.
    pub number: String,
    /// The fields to write.
    pub fields: HashMap<String, String>,
}

/// The result of `export_servicenow`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ServiceNowPatches {
    /// One patch per record.
    pub patches: Vec<RecordPatch>,
    /// Warnings.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}
