//! The policy: every rule an organisation would tune, as data.
//!
//! One section per area (`lifecycle`, `risk`, `conflicts`, `rollout`, `kpi`,
//! `notes`); every field is optional and [`Policy::default`] is a sound
//! ITIL-style policy. [`Policy::check`] rejects inconsistent values with the
//! path of each problem.

use crate::document::{
    Extra, NotifyRule, ReleaseKind, RiskLevel, Role, TestKind, Trigger, Weekday,
};
use crate::error::Problem;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The policy document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Policy {
    /// Document schema version (current: 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<u32>,
    /// Lifecycle gates, approvals and separation of duties.
    pub lifecycle: LifecyclePolicy,
    /// Risk weights and level bands.
    pub risk: RiskPolicy,
    /// Conflict detection options.
    pub conflicts: ConflictPolicy,
    /// Rollout (blue-green, canary) defaults.
    pub rollout: RolloutPolicy,
    /// KPI options.
    pub kpi: KpiPolicy,
    /// Release notes options.
    pub notes: NotesPolicy,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One quorum requirement: approvals from a role, by count or percentage
/// of the role's members in the actor directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QuorumRule {
    /// The role whose members vote.
    pub role: Role,
    /// At least this many distinct approvers (≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// At least this percentage (0–100] of the role's members in the
    /// directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<f64>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl QuorumRule {
    fn count(role: Role, count: u32) -> Self {
        QuorumRule {
            role,
            count: Some(count),
            percentage: None,
            extra: Extra::new(),
        }
    }
}

/// The gates of one release kind. Every field is optional; an absent field
/// takes the kind's default (see [`Gates::defaults`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct KindRules {
    /// Leaving planning needs a communication plan (default: major only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communication_plan_required: Option<bool>,
    /// Test kinds that must be present to leave testing (default: major all
    /// five; minor unit, integration, uat; patch unit, integration;
    /// emergency unit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_tests: Option<Vec<TestKind>>,
    /// Minimum pass rate, passed / (passed + failed), of non-security runs
    /// (default 0.98).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_pass_rate: Option<f64>,
    /// Minimum pass rate of security runs (default 1.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_security_pass_rate: Option<f64>,
    /// UAT must be signed off (default: when UAT is required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uat_signoff_required: Option<bool>,
    /// The approval quorum (default: major CAB 2 + product owner 1; minor
    /// and patch CAB 1; emergency ECAB 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<Vec<QuorumRule>>,
    /// A documented rollback plan is needed to leave approval (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_documented_required: Option<bool>,
    /// The rollback plan must have been tested (default: major only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_tested_required: Option<bool>,
    /// Highest risk level that needs no extra approval (default medium;
    /// emergency high).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_risk: Option<RiskLevel>,
    /// The role whose approval lets a riskier release through (default
    /// business_stakeholder).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_risk_approver: Option<Role>,
    /// A completed post-implementation review is needed to close (default:
    /// major and emergency; always after a failed or rolled-back
    /// deployment, and always for emergencies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_required: Option<bool>,
    /// Knowledge articles must be linked to close (default: major only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub knowledge_articles_required: Option<bool>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The gates of one release kind with every default filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Gates {
    /// See [`KindRules::communication_plan_required`].
    pub communication_plan_required: bool,
    /// See [`KindRules::required_tests`].
    pub required_tests: Vec<TestKind>,
    /// See [`KindRules::min_pass_rate`].
    pub min_pass_rate: f64,
    /// See [`KindRules::min_security_pass_rate`].
    pub min_security_pass_rate: f64,
    /// See [`KindRules::uat_signoff_required`].
    pub uat_signoff_required: bool,
    /// See [`KindRules::quorum`].
    pub quorum: Vec<QuorumRule>,
    /// See [`KindRules::rollback_documented_required`].
    pub rollback_documented_required: bool,
    /// See [`KindRules::rollback_tested_required`].
    pub rollback_tested_required: bool,
    /// See [`KindRules::max_risk`].
    pub max_risk: RiskLevel,
    /// See [`KindRules::high_risk_approver`].
    pub high_risk_approver: Role,
    /// See [`KindRules::review_required`].
    pub review_required: bool,
    /// See [`KindRules::knowledge_articles_required`].
    pub knowledge_articles_required: bool,
}

impl Gates {
    /// The default gates of a release kind (SPEC §2).
    pub fn defaults(kind: ReleaseKind) -> Gates {
        use TestKind::*;
        let (tests, quorum) = match kind {
            ReleaseKind::Major => (
                vec![Unit, Integration, Performance, Security, Uat],
                vec![
                    QuorumRule::count(Role::Cab, 2),
                    QuorumRule::count(Role::ProductOwner, 1),
                ],
            ),
            ReleaseKind::Minor => (
                vec![Unit, Integration, Uat],
                vec![QuorumRule::count(Role::Cab, 1)],
            ),
            ReleaseKind::Patch => (
                vec![Unit, Integration],
                vec![QuorumRule::count(Role::Cab, 1)],
            ),
            ReleaseKind::Emergency => (vec![Unit], vec![QuorumRule::count(Role::Ecab, 1)]),
        };
        let major = kind == ReleaseKind::Major;
        Gates {
            communication_plan_required: major,
            uat_signoff_required: tests.contains(&Uat),
            required_tests: tests,
            min_pass_rate: 0.98,
            min_security_pass_rate: 1.0,
            quorum,
            rollback_documented_required: true,
            rollback_tested_required: major,
            max_risk: if kind == ReleaseKind::Emergency {
                RiskLevel::High
            } else {
                RiskLevel::Medium
            },
            high_risk_approver: Role::BusinessStakeholder,
            review_required: major || kind == ReleaseKind::Emergency,
            knowledge_articles_required: major,
        }
    }

    fn resolve(kind: ReleaseKind, rules: &KindRules) -> Gates {
        let d = Gates::defaults(kind);
        let required_tests = rules.required_tests.clone().unwrap_or(d.required_tests);
        Gates {
            communication_plan_required: rules
                .communication_plan_required
                .unwrap_or(d.communication_plan_required),
            uat_signoff_required: rules
                .uat_signoff_required
                .unwrap_or(required_tests.contains(&TestKind::Uat)),
            required_tests,
            min_pass_rate: rules.min_pass_rate.unwrap_or(d.min_pass_rate),
            min_security_pass_rate: rules
                .min_security_pass_rate
                .unwrap_or(d.min_security_pass_rate),
            quorum: rules.quorum.clone().unwrap_or(d.quorum),
            rollback_documented_required: rules
                .rollback_documented_required
                .unwrap_or(d.rollback_documented_required),
            rollback_tested_required: rules
                .rollback_tested_required
                .unwrap_or(d.rollback_tested_required),
            max_risk: rules.max_risk.unwrap_or(d.max_risk),
            high_risk_approver: rules.high_risk_approver.unwrap_or(d.high_risk_approver),
            review_required: rules.review_required.unwrap_or(d.review_required),
            knowledge_articles_required: rules
                .knowledge_articles_required
                .unwrap_or(d.knowledge_articles_required),
        }
    }
}

/// The roles that may issue each lifecycle command (any one suffices).
/// `approve` and `reject` need the role the vote is cast in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CommandRoles {
    /// `advance` (default release_manager).
    pub advance: Vec<Role>,
    /// `send_back` (default release_manager, cab, ecab, qa).
    pub send_back: Vec<Role>,
    /// `record_tests` (default qa, release_team, release_manager).
    pub record_tests: Vec<Role>,
    /// `start_deployment` (default release_manager).
    pub start_deployment: Vec<Role>,
    /// `complete_deployment` (default release_manager, release_team).
    pub complete_deployment: Vec<Role>,
    /// `roll_back` (default release_manager, release_team).
    pub roll_back: Vec<Role>,
    /// `complete_review` (default release_manager).
    pub complete_review: Vec<Role>,
    /// `close` (default release_manager).
    pub close: Vec<Role>,
    /// `cancel` (default release_manager).
    pub cancel: Vec<Role>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for CommandRoles {
    fn default() -> Self {
        use Role::*;
        CommandRoles {
            advance: vec![ReleaseManager],
            send_back: vec![ReleaseManager, Cab, Ecab, Qa],
            record_tests: vec![Qa, ReleaseTeam, ReleaseManager],
            start_deployment: vec![ReleaseManager],
            complete_deployment: vec![ReleaseManager, ReleaseTeam],
            roll_back: vec![ReleaseManager, ReleaseTeam],
            complete_review: vec![ReleaseManager],
            close: vec![ReleaseManager],
            cancel: vec![ReleaseManager],
            extra: Extra::new(),
        }
    }
}

/// Separation-of-duties rules. The first two are the floor of SPEC §2;
/// the others tighten it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SeparationOfDuties {
    /// The release owner may not approve it (default true).
    pub forbid_owner_approval: bool,
    /// An implementer of any change may not approve the release (default
    /// true).
    pub forbid_implementer_approval: bool,
    /// Members of the release team may not approve it (default false).
    pub forbid_team_approval: bool,
    /// An implementer may not sign off UAT (default false).
    pub forbid_implementer_uat_signoff: bool,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for SeparationOfDuties {
    fn default() -> Self {
        SeparationOfDuties {
            forbid_owner_approval: true,
            forbid_implementer_approval: true,
            forbid_team_approval: false,
            forbid_implementer_uat_signoff: false,
            extra: Extra::new(),
        }
    }
}

/// Lifecycle section: gates per release kind, command roles, separation of
/// duties, promotion order and default notifications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct LifecyclePolicy {
    /// Gates of major releases.
    #[serde(skip_serializing_if = "KindRules::is_unset")]
    pub major: KindRules,
    /// Gates of minor releases.
    #[serde(skip_serializing_if = "KindRules::is_unset")]
    pub minor: KindRules,
    /// Gates of patch releases.
    #[serde(skip_serializing_if = "KindRules::is_unset")]
    pub patch: KindRules,
    /// Gates of emergency releases.
    #[serde(skip_serializing_if = "KindRules::is_unset")]
    pub emergency: KindRules,
    /// Roles needed per command.
    pub roles: CommandRoles,
    /// Separation of duties.
    pub separation_of_duties: SeparationOfDuties,
    /// Environments in promotion order (e.g. `["staging", "production"]`):
    /// starting a deployment needs a successful deployment of the release to
    /// every earlier environment it targets, from `context.history`. Empty
    /// (default): no promotion rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub promotion_order: Vec<String>,
    /// Who is told about what, for releases without their own
    /// `communication.notify` rules.
    pub notifications: Vec<NotifyRule>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl KindRules {
    /// True when nothing is set (every gate takes its default).
    pub fn is_unset(&self) -> bool {
        *self == KindRules::default()
    }
}

impl Default for LifecyclePolicy {
    fn default() -> Self {
        let rule = |on: Vec<Trigger>| NotifyRule {
            on,
            ..NotifyRule::default()
        };
        LifecyclePolicy {
            major: KindRules::default(),
            minor: KindRules::default(),
            patch: KindRules::default(),
            emergency: KindRules::default(),
            roles: CommandRoles::default(),
            separation_of_duties: SeparationOfDuties::default(),
            promotion_order: Vec::new(),
            notifications: vec![
                NotifyRule {
                    approvers: true,
                    owner: true,
                    ..rule(vec![Trigger::EnteredApproval])
                },
                NotifyRule {
                    owner: true,
                    team: true,
                    stakeholders: true,
                    ..rule(vec![
                        Trigger::DeploymentStarted,
                        Trigger::DeploymentCompleted,
                        Trigger::RolledBack,
                        Trigger::Cancelled,
                        Trigger::Closed,
                    ])
                },
                NotifyRule {
                    roles: vec![Role::Cab],
                    ..rule(vec![Trigger::RolledBack])
                },
            ],
            extra: Extra::new(),
        }
    }
}

impl LifecyclePolicy {
    /// The gates of a release kind, defaults filled in.
    pub fn gates(&self, kind: ReleaseKind) -> Gates {
        let rules = match kind {
            ReleaseKind::Major => &self.major,
            ReleaseKind::Minor => &self.minor,
            ReleaseKind::Patch => &self.patch,
            ReleaseKind::Emergency => &self.emergency,
        };
        Gates::resolve(kind, rules)
    }

    fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        let kinds = [
            ("major", &self.major),
            ("minor", &self.minor),
            ("patch", &self.patch),
            ("emergency", &self.emergency),
        ];
        for (name, rules) in kinds {
            let base = format!("lifecycle.{name}");
            for (field, rate) in [
                ("min_pass_rate", rules.min_pass_rate),
                ("min_security_pass_rate", rules.min_security_pass_rate),
            ] {
                if let Some(r) = rate {
                    if !(0.0..=1.0).contains(&r) {
                        problems.push(Problem::new(
                            at(&format!("{base}.{field}")),
                            format!("a pass rate is a fraction from 0 to 1, got {r}"),
                        ));
                    }
                }
            }
            for (i, q) in rules.quorum.iter().flatten().enumerate() {
                let path = at(&format!("{base}.quorum[{i}]"));
                match (q.count, q.percentage) {
                    (Some(0), None) => {
                        problems.push(Problem::new(format!("{path}.count"), "must be at least 1"))
                    }
                    (Some(_), None) => {}
                    (None, Some(p)) if p > 0.0 && p <= 100.0 => {}
                    (None, Some(p)) => problems.push(Problem::new(
                        format!("{path}.percentage"),
                        format!("must be in (0, 100], got {p}"),
                    )),
                    _ => problems.push(Problem::new(
                        path,
                        "give exactly one of count or percentage",
                    )),
                }
            }
        }
        for (i, rule) in self.notifications.iter().enumerate() {
            if rule.on.is_empty() {
                problems.push(Problem::new(
                    at(&format!("lifecycle.notifications[{i}].on")),
                    "a notification rule needs at least one trigger",
                ));
            }
        }
    }
}

/// Explainable risk weights, one per factor (≥ 0, not all zero).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RiskWeights {
    /// Number of changes and CIs.
    pub change_size: f64,
    /// The most critical affected CI.
    pub ci_criticality: f64,
    /// CIs and services that depend on the affected CIs.
    pub blast_radius: f64,
    /// Missing or failed tests.
    pub test_evidence: f64,
    /// None / documented / tested rollback.
    pub rollback_readiness: f64,
    /// Big bang > phased > blue-green > canary.
    pub deployment_strategy: f64,
    /// Outside maintenance windows, warning blackouts, peak hours.
    pub timing: f64,
    /// Past failure rate of the same services.
    pub track_record: f64,
    /// Emergency release or changes.
    pub emergency: f64,
    /// Depends-on count and detected conflicts.
    pub dependencies: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for RiskWeights {
    fn default() -> Self {
        RiskWeights {
            change_size: 1.0,
            ci_criticality: 1.5,
            blast_radius: 1.5,
            test_evidence: 2.0,
            rollback_readiness: 1.5,
            deployment_strategy: 1.0,
            timing: 1.0,
            track_record: 1.5,
            emergency: 1.0,
            dependencies: 1.0,
            extra: Extra::new(),
        }
    }
}

impl RiskWeights {
    /// The weights by factor name, in a fixed order.
    pub fn named(&self) -> [(&'static str, f64); 10] {
        [
            ("change_size", self.change_size),
            ("ci_criticality", self.ci_criticality),
            ("blast_radius", self.blast_radius),
            ("test_evidence", self.test_evidence),
            ("rollback_readiness", self.rollback_readiness),
            ("deployment_strategy", self.deployment_strategy),
            ("timing", self.timing),
            ("track_record", self.track_record),
            ("emergency", self.emergency),
            ("dependencies", self.dependencies),
        ]
    }
}

/// Score thresholds of the risk levels: `low` < `medium` ≤ … < `critical`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RiskBands {
    /// Lowest score that is `medium` (default 25).
    pub medium: f64,
    /// Lowest score that is `high` (default 50).
    pub high: f64,
    /// Lowest score that is `critical` (default 75).
    pub critical: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for RiskBands {
    fn default() -> Self {
        RiskBands {
            medium: 25.0,
            high: 50.0,
            critical: 75.0,
            extra: Extra::new(),
        }
    }
}

/// Risk section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RiskPolicy {
    /// Factor weights.
    pub weights: RiskWeights,
    /// Level thresholds.
    pub bands: RiskBands,
    /// How many CMDB hops the blast radius walks (1–16, default 3).
    pub blast_radius_depth: u32,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for RiskPolicy {
    fn default() -> Self {
        RiskPolicy {
            weights: RiskWeights::default(),
            bands: RiskBands::default(),
            blast_radius_depth: 3,
            extra: Extra::new(),
        }
    }
}

/// Conflicts section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ConflictPolicy {
    /// Back-to-back windows (one ends when the next starts) do not conflict.
    pub allow_contiguous: bool,
    /// CMDB hops within which two CIs count as related (0–16, default 1).
    pub related_ci_depth: u32,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for ConflictPolicy {
    fn default() -> Self {
        ConflictPolicy {
            allow_contiguous: true,
            related_ci_depth: 1,
            extra: Extra::new(),
        }
    }
}

/// Rollout section, filled in by the deployment-strategy engine; settings
/// not yet known are kept unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RolloutPolicy {
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// How incidents are attributed to deployments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentAttribution {
    /// Only `caused_by` links count.
    Explicit,
    /// `caused_by`, else the latest production deployment of the same
    /// service within `attribution_window_secs` before the incident.
    #[default]
    ExplicitThenWindow,
}

/// Which calendar buckets the KPI series uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeriesInterval {
    /// Weeks starting on `week_start`, local to `time_zone`.
    #[default]
    Week,
    /// Calendar months local to `time_zone`.
    Month,
}

impl SeriesInterval {
    /// True for the default, weekly buckets.
    pub fn is_week(&self) -> bool {
        *self == SeriesInterval::Week
    }
}

/// What KPIs can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KpiGroupBy {
    /// The deployment's / incident's service; each of a release's `services[]`.
    Service,
    /// The deployment's `team`; each member of a release's `team[]`.
    Team,
    /// The deployment's environment; each of a release's `environments[]`.
    Environment,
}

/// KPI section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct KpiPolicy {
    /// IANA time zone for day and week buckets (default `UTC`).
    pub time_zone: String,
    /// First day of a week bucket (default `mon`).
    pub week_start: Weekday,
    /// Environments that count as production (default `["production"]`).
    pub production_environments: Vec<String>,
    /// Incident attribution rule.
    pub incident_attribution: IncidentAttribution,
    /// Window for attribution by time, in seconds (default 86 400).
    pub attribution_window_secs: u64,
    /// Start of the period (inclusive); absent: unbounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_from: Option<crate::Timestamp>,
    /// End of the period (exclusive, after `period_from`); absent: unbounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_to: Option<crate::Timestamp>,
    /// Series buckets: `week` (default) or `month`. Written only when not
    /// the default, so that policies (and their fingerprints) written
    /// before this option existed stay the same.
    #[serde(skip_serializing_if = "SeriesInterval::is_week")]
    pub series: SeriesInterval,
    /// Group the KPIs by service, team or environment (default: no groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<KpiGroupBy>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for KpiPolicy {
    fn default() -> Self {
        KpiPolicy {
            time_zone: "UTC".to_string(),
            week_start: Weekday::Mon,
            production_environments: vec!["production".to_string()],
            incident_attribution: IncidentAttribution::default(),
            attribution_window_secs: 86_400,
            period_from: None,
            period_to: None,
            series: SeriesInterval::Week,
            group_by: None,
            extra: Extra::new(),
        }
    }
}

impl KpiPolicy {
    /// Appends every problem of this section (paths `kpi.…` through `at`).
    pub(crate) fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            problems.push(Problem::new(
                at("kpi.time_zone"),
                format!("`{}` is not an IANA time zone name", self.time_zone),
            ));
        }
        if self.production_environments.is_empty() {
            problems.push(Problem::new(
                at("kpi.production_environments"),
                "at least one production environment is needed",
            ));
        }
        if self.attribution_window_secs == 0 {
            problems.push(Problem::new(
                at("kpi.attribution_window_secs"),
                "must be > 0",
            ));
        }
        if let (Some(from), Some(to)) = (&self.period_from, &self.period_to) {
            if to <= from {
                problems.push(Problem::new(
                    at("kpi.period_to"),
                    format!("must be after period_from ({to} is not after {from})"),
                ));
            }
        }
    }
}

/// Release notes section, filled in by the notes generator; settings not yet
/// known are kept unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct NotesPolicy {
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The largest CMDB walk depth a policy may ask for.
pub const MAX_GRAPH_DEPTH: u32 = 16;

impl Policy {
    /// Every inconsistency of the policy, with paths relative to `base`
    /// (empty for a policy document on its own, `policy` inside a context).
    pub fn check(&self, base: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        let at = |field: &str| crate::validate::join(base, field);

        self.lifecycle.check(&at, &mut problems);
        let weights = self.risk.weights.named();
        for (name, w) in weights {
            if !w.is_finite() || w < 0.0 {
                problems.push(Problem::new(
                    at(&format!("risk.weights.{name}")),
                    format!("weight must be a finite number ≥ 0, got {w}"),
                ));
            }
        }
        if weights.iter().all(|(_, w)| *w == 0.0) {
            problems.push(Problem::new(
                at("risk.weights"),
                "weights must not all be zero",
            ));
        }

        let b = &self.risk.bands;
        let bands = [
            ("medium", b.medium),
            ("high", b.high),
            ("critical", b.critical),
        ];
        for (name, v) in bands {
            if !(v.is_finite() && v > 0.0 && v <= 100.0) {
                problems.push(Problem::new(
                    at(&format!("risk.bands.{name}")),
                    format!("band threshold must be in (0, 100], got {v}"),
                ));
            }
        }
        if !(b.medium < b.high && b.high < b.critical) {
            problems.push(Problem::new(
                at("risk.bands"),
                format!(
                    "bands must increase: medium ({}) < high ({}) < critical ({})",
                    b.medium, b.high, b.critical
                ),
            ));
        }
        if !(1..=MAX_GRAPH_DEPTH).contains(&self.risk.blast_radius_depth) {
            problems.push(Problem::new(
                at("risk.blast_radius_depth"),
                format!(
                    "must be between 1 and {MAX_GRAPH_DEPTH}, got {}",
                    self.risk.blast_radius_depth
                ),
            ));
        }
        if self.conflicts.related_ci_depth > MAX_GRAPH_DEPTH {
            problems.push(Problem::new(
                at("conflicts.related_ci_depth"),
                format!(
                    "must be between 0 and {MAX_GRAPH_DEPTH}, got {}",
                    self.conflicts.related_ci_depth
                ),
            ));
        }
        self.kpi.check(&at, &mut problems);
        problems
    }
}
