//! The Release document and the records inside it (changes, tests,
//! approvals, rollback plan, communication, review, audit log).

use super::{is_false, Extra};
use crate::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The kind of a release, which selects the lifecycle gates that apply.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseKind {
    /// A major release: full test suite, CAB quorum, communication plan.
    Major,
    /// A minor release.
    Minor,
    /// A patch release.
    Patch,
    /// An emergency release: ECAB approval, reduced tests, mandatory review.
    Emergency,
}

impl ReleaseKind {
    /// The snake_case name used in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseKind::Major => "major",
            ReleaseKind::Minor => "minor",
            ReleaseKind::Patch => "patch",
            ReleaseKind::Emergency => "emergency",
        }
    }
}

/// A lifecycle state (docs/lifecycle.md).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Scope, owner and window are being planned.
    Planning,
    /// Changes are being built.
    Development,
    /// Tests are being run and recorded.
    Testing,
    /// Waiting for the approval quorum (CAB / ECAB).
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

impl State {
    /// Every state in lifecycle order, `cancelled` last.
    pub const ALL: [State; 8] = [
        State::Planning,
        State::Development,
        State::Testing,
        State::Approval,
        State::Deployment,
        State::Review,
        State::Closed,
        State::Cancelled,
    ];

    /// The snake_case name used in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Planning => "planning",
            State::Development => "development",
            State::Testing => "testing",
            State::Approval => "approval",
            State::Deployment => "deployment",
            State::Review => "review",
            State::Closed => "closed",
            State::Cancelled => "cancelled",
        }
    }
}

/// The ITIL kind of a change record.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A pre-approved, low-risk, repeatable change (no CAB vote needed).
    Standard,
    /// A normal change, assessed and approved by the CAB.
    Normal,
    /// An emergency change, approved by the ECAB.
    Emergency,
}

impl ChangeKind {
    /// The snake_case name used in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Standard => "standard",
            ChangeKind::Normal => "normal",
            ChangeKind::Emergency => "emergency",
        }
    }
}

/// Links from a record to other ITSM records, by id.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct Links {
    /// Problem records this fixes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Requests this fulfils.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<String>,
    /// Incidents this relates to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<String>,
    /// Known errors (problems with a documented workaround) this fixes:
    /// resolvable by [`crate::closure()`] once the release deployed
    /// successfully.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_errors: Vec<String>,
    /// Change records this relates to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Links {
    /// True when no link of any kind is present and nothing extra is kept.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
            && self.requests.is_empty()
            && self.incidents.is_empty()
            && self.known_errors.is_empty()
            && self.changes.is_empty()
            && self.extra.is_empty()
    }
}

/// A change record inside a release.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Change {
    /// Unique id within the release (e.g. `CHG0040001`).
    pub id: String,
    /// Standard, normal or emergency.
    pub kind: ChangeKind,
    /// One-line summary, used in release notes.
    pub summary: String,
    /// Category used to group release notes (e.g. `feature`, `fix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Ids of the configuration items this change touches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected_cis: Vec<String>,
    /// Actor id of the implementer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementer: Option<String>,
    /// Whether the change record itself is approved.
    #[serde(default, skip_serializing_if = "is_false")]
    pub approved: bool,
    /// Linked problems, requests and incidents.
    #[serde(default, skip_serializing_if = "Links::is_empty")]
    pub links: Links,
    /// When the code of this change was committed (for lead time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub committed_at: Option<Timestamp>,
    /// Own window start; defaults to the release's window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_start: Option<Timestamp>,
    /// Own window end; defaults to the release's window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_end: Option<Timestamp>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Deployment strategy of a release (docs/rollout.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Everything at once.
    BigBang,
    /// Waves of targets with verification between waves.
    Phased,
    /// A second environment, switched over at promotion.
    BlueGreen,
    /// Progressive traffic shifting with analysis.
    Canary,
    /// A feature flag turned on for growing percentages of each cohort
    /// (internal, beta, everyone); rolling back turns it off.
    FeatureFlag,
}

/// How a release is deployed: the strategy and its parameters
/// (docs/rollout.md; see [`crate::rollout`]). Parameters of another strategy are ignored with
/// a warning.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct DeploymentPlan {
    /// The strategy.
    pub strategy: Strategy,
    /// Canary: the steps (`set_weight`, `pause`, `analysis`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<crate::document::plan::CanaryStep>,
    /// Phased: the waves of targets, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waves: Vec<crate::document::plan::Wave>,
    /// Blue-green: switch traffic without waiting for a `promote` command
    /// (policy default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_promote: Option<bool>,
    /// Blue-green: the analysis of the green (preview) stack before the
    /// switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_promotion_analysis: Option<crate::document::plan::Analysis>,
    /// Blue-green: the analysis after the switch; a failure switches back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_promotion_analysis: Option<crate::document::plan::Analysis>,
    /// Blue-green: how long the blue stack is kept after the switch
    /// (policy default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down_delay_secs: Option<i64>,
    /// Big bang: the verification after the deployment. Canary,
    /// blue-green, phased, feature flag: the background analysis (from
    /// `starting_step` on, whatever the rollout's state; docs/rollout.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<crate::document::plan::Analysis>,
    /// Feature flag: the flag's key (e.g. `new-checkout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    /// Feature flag: the cohorts in order, each with its percentage steps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cohorts: Vec<crate::document::flag::FlagCohort>,
    /// Strategy parameters relman does not interpret, kept unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl DeploymentPlan {
    /// A plan of `strategy` with no parameters.
    pub fn new(strategy: Strategy) -> Self {
        DeploymentPlan {
            strategy,
            steps: Vec::new(),
            waves: Vec::new(),
            auto_promote: None,
            pre_promotion_analysis: None,
            post_promotion_analysis: None,
            scale_down_delay_secs: None,
            analysis: None,
            flag: None,
            cohorts: Vec::new(),
            extra: Extra::new(),
        }
    }
}

/// The rollback plan of a release.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct RollbackPlan {
    /// The rollback procedure is written down.
    #[serde(default)]
    pub documented: bool,
    /// The rollback procedure has been rehearsed.
    #[serde(default)]
    pub tested: bool,
    /// Expected duration of a rollback, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_secs: Option<u64>,
    /// Free-text instructions, used in release notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A kind of test evidence.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
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

impl TestKind {
    /// The snake_case name used in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::Unit => "unit",
            TestKind::Integration => "integration",
            TestKind::Performance => "performance",
            TestKind::Security => "security",
            TestKind::Uat => "uat",
        }
    }
}

/// One recorded test run.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct TestRun {
    /// What kind of test this is.
    pub kind: TestKind,
    /// Number of passed cases.
    #[serde(default)]
    pub passed: u64,
    /// Number of failed cases.
    #[serde(default)]
    pub failed: u64,
    /// Number of skipped cases.
    #[serde(default)]
    pub skipped: u64,
    /// Actor id who signed the run off (required for UAT by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_off_by: Option<String>,
    /// When the run was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// The system an imported run came from (set by `import`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A role an actor can hold.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Owns releases and drives them through the lifecycle.
    ReleaseManager,
    /// Builds and deploys.
    ReleaseTeam,
    /// Change Advisory Board member.
    Cab,
    /// Emergency CAB member.
    Ecab,
    /// Product owner.
    ProductOwner,
    /// Business stakeholder.
    BusinessStakeholder,
    /// Quality assurance.
    Qa,
}

impl Role {
    /// The snake_case name used in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ReleaseManager => "release_manager",
            Role::ReleaseTeam => "release_team",
            Role::Cab => "cab",
            Role::Ecab => "ecab",
            Role::ProductOwner => "product_owner",
            Role::BusinessStakeholder => "business_stakeholder",
            Role::Qa => "qa",
        }
    }
}

/// An approval decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
}

/// One approval vote.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
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
    pub comment: Option<String>,
    /// The approval round the vote belongs to (absent: round 1). A send-back
    /// starts a new round and voids the votes of earlier ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<u32>,
    /// Fingerprint of the scope, changes, CIs and window the approver saw;
    /// when they change afterwards, the vote is void.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// An ECAB approval that lets an emergency release enter a blocking
    /// blackout.
    #[serde(default, skip_serializing_if = "is_false")]
    pub override_blackout: bool,
    /// The approver group the vote is cast for (approval routing,
    /// `docs/lifecycle.md`, "Approval routing"): it then counts for that
    /// group only. Absent: it counts for every required group the voter
    /// belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A retrospective vote: cast after the deployment started, on an
    /// emergency release deployed before its approval quorum was met
    /// (docs/lifecycle.md, "The emergency path").
    #[serde(default, skip_serializing_if = "is_false")]
    pub retrospective: bool,
    /// The system an imported vote came from (set by `import`; absent for
    /// votes cast through `approve` or `reject`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A delegated vote: the actor whose approval rights the approver
    /// used (the vote's principal), under a logged `delegate` covering the
    /// vote's time. Absent: the approver votes in their own right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An event of the lifecycle that the communication plan can notify on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The release entered `approval`.
    EnteredApproval,
    /// Deployment started.
    DeploymentStarted,
    /// Deployment completed (any outcome).
    DeploymentCompleted,
    /// The deployment was rolled back.
    RolledBack,
    /// The release was cancelled.
    Cancelled,
    /// The release was closed.
    Closed,
}

/// Who is told about which lifecycle events.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct NotifyRule {
    /// The events this rule fires on.
    pub on: Vec<Trigger>,
    /// Every actor of the directory holding one of these roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// The approvers the release kind's quorum asks for (their roles).
    #[serde(default, skip_serializing_if = "is_false")]
    pub approvers: bool,
    /// The release owner.
    #[serde(default, skip_serializing_if = "is_false")]
    pub owner: bool,
    /// The release team.
    #[serde(default, skip_serializing_if = "is_false")]
    pub team: bool,
    /// The release's stakeholder list (`communication.stakeholders`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub stakeholders: bool,
    /// Named recipients (actor ids, groups or addresses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named: Vec<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The communication plan of a release.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct Communication {
    /// The plan, as text (audiences, channels, timing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Who has been notified so far (actor ids, groups or addresses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notified: Vec<String>,
    /// The release's stakeholders (actor ids, groups or addresses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stakeholders: Vec<String>,
    /// Who is told about what; absent: the policy's `lifecycle.notifications`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<NotifyRule>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// How a deployment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Deployed as planned.
    Success,
    /// Deployed, with issues that did not need a rollback (a success for KPIs).
    SuccessWithIssues,
    /// Failed.
    Failed,
    /// Rolled back.
    RolledBack,
}

/// A risk level, by the policy's score bands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Score below the `medium` band.
    Low,
    /// Score in the `medium` band.
    Medium,
    /// Score in the `high` band.
    High,
    /// Score at or above the `critical` band.
    Critical,
}

impl RiskLevel {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Critical => "critical",
        }
    }
}

/// A risk assessment attached to a release (at least its level).
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct AttachedRisk {
    /// The assessed level.
    pub level: RiskLevel,
    /// The score 0–100, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The rest of the assessment (factors, …), kept unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One piece of user feedback collected in the review.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Feedback {
    /// Who gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Satisfaction from 1 (bad) to 5 (good).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    /// What they said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The post-implementation review.
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
pub struct Review {
    /// When the review was completed; absent while it is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    /// Summary of the review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Lessons learned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lessons: Vec<String>,
    /// The incidents the review links (set by `complete_review`;
    /// docs/lifecycle.md, "The emergency path").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<String>,
    /// Feedback from users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<Feedback>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One event of the audit trail (docs/lifecycle.md), linked to the previous one by a
/// SHA-256 hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Event {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When the command was applied (given by the caller).
    pub at: Timestamp,
    /// Actor id who issued the command.
    pub actor: String,
    /// The command name (e.g. `advance`, `approve`).
    pub command: String,
    /// State before the command.
    pub from: State,
    /// State after the command.
    pub to: State,
    /// Command details (reason, outcome, override, …).
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub details: Extra,
    /// Fingerprint of the policy that decided the command.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub policy_fingerprint: String,
    /// SHA-256 (hex) over the previous hash and this event's canonical JSON.
    pub hash: String,
    /// In a keyed log: the host key's MAC or signature over `hash` (see
    /// [`crate::keys`]). Not part of the hashed body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<crate::document::EventAuth>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A release: the unit that moves through the lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct Release {
    /// Document schema version (current: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Unique id (e.g. `RLSE0010001`).
    pub id: String,
    /// Human title.
    pub title: String,
    /// Version string (e.g. `4.2.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Major, minor, patch or emergency.
    pub kind: ReleaseKind,
    /// Current lifecycle state.
    pub state: State,
    /// Actor id of the release manager who owns the release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Actor ids of the release team.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub team: Vec<String>,
    /// When the release record was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Start of the planned deployment window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_start: Option<Timestamp>,
    /// End of the planned deployment window (after `planned_start`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_end: Option<Timestamp>,
    /// What is in and out of scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Business objectives.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objectives: Vec<String>,
    /// The change records of the release (ids unique).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// CIs touched by the release itself, in addition to its changes'.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected_cis: Vec<String>,
    /// Business services affected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Target environments, in promotion order (e.g. `staging`, `production`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// Ids of releases that must be deployed before this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Deployment strategy and parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<DeploymentPlan>,
    /// Rollback plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_plan: Option<RollbackPlan>,
    /// Recorded test runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestRun>,
    /// Approval votes of the current round.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    /// Communication plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication: Option<Communication>,
    /// How the deployment ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// When the deployment finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployed_at: Option<Timestamp>,
    /// When the deployment was rolled back (`roll_back` command).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_at: Option<Timestamp>,
    /// The current approval round (absent: 1); a send-back increments it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_round: Option<u32>,
    /// The latest risk assessment attached by the host (at least a level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<AttachedRisk>,
    /// Post-implementation review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// Linked knowledge articles (ids or URLs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub knowledge_articles: Vec<String>,
    /// Linked requests, problems, incidents and change records.
    #[serde(default, skip_serializing_if = "Links::is_empty")]
    pub links: Links,
    /// The audit trail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<Event>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Release {
    /// A release of this id, title, kind and state with nothing else set:
    /// no window, owner, changes, plans, approvals or log (for a release a
    /// host builds from another system's record; fill in the rest with
    /// struct update syntax).
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        kind: ReleaseKind,
        state: State,
    ) -> Release {
        Release {
            schema_version: None,
            id: id.into(),
            title: title.into(),
            version: None,
            kind,
            state,
            owner: None,
            team: Vec::new(),
            created_at: None,
            planned_start: None,
            planned_end: None,
            scope: None,
            objectives: Vec::new(),
            changes: Vec::new(),
            affected_cis: Vec::new(),
            services: Vec::new(),
            environments: Vec::new(),
            depends_on: Vec::new(),
            deployment: None,
            rollback_plan: None,
            tests: Vec::new(),
            approvals: Vec::new(),
            communication: None,
            outcome: None,
            deployed_at: None,
            rolled_back_at: None,
            approval_round: None,
            risk: None,
            review: None,
            knowledge_articles: Vec::new(),
            links: Links::default(),
            log: Vec::new(),
            extra: Extra::new(),
        }
    }

    /// Every CI the release touches: its own and its changes', deduplicated,
    /// in first-seen order.
    pub fn all_affected_cis(&self) -> Vec<&str> {
        let mut seen = std::collections::BTreeSet::new();
        let own = self.affected_cis.iter();
        let from_changes = self.changes.iter().flat_map(|c| c.affected_cis.iter());
        own.chain(from_changes)
            .map(String::as_str)
            .filter(|ci| seen.insert(*ci))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each `as_str` is the name serde writes, for every variant.
    #[test]
    fn as_str_is_the_serialized_name() {
        fn same<T: Serialize + Copy>(values: &[T], name: fn(T) -> &'static str) {
            for &v in values {
                assert_eq!(serde_json::to_value(v).unwrap(), name(v));
            }
        }
        use ReleaseKind as K;
        same(&[K::Major, K::Minor, K::Patch, K::Emergency], K::as_str);
        use ChangeKind as C;
        same(&[C::Standard, C::Normal, C::Emergency], C::as_str);
        use TestKind as T;
        same(
            &[T::Unit, T::Integration, T::Performance, T::Security, T::Uat],
            T::as_str,
        );
        use Role as R;
        same(
            &[
                R::ReleaseManager,
                R::ReleaseTeam,
                R::Cab,
                R::Ecab,
                R::ProductOwner,
                R::BusinessStakeholder,
                R::Qa,
            ],
            R::as_str,
        );
        same(&State::ALL, State::as_str);
    }
}
