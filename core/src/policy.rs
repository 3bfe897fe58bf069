//! The policy: every rule an organisation would tune, as data.
//!
//! One section per area (`lifecycle`, `risk`, `conflicts`, `rollout`, `kpi`,
//! `notes`, `limits`); every field is optional and [`Policy::default`] is a sound
//! ITIL-style policy. [`Policy::check`] rejects inconsistent values with the
//! path of each problem.
//!
//! A policy is **strict**: a key no section knows, at any depth, is
//! `invalid_policy` at its path with a "did you mean" suggestion, so a typo
//! (`quorom`, `forbid_team_aproval`) cannot leave a default silently in
//! force. Keys of the host organisation start with `u_` or `x_`
//! ([`is_host_field`]); they are allowed at every level and kept and written
//! back unchanged in the `extra` maps. The known keys come from the policy's
//! own JSON Schema ([`strict_schema`]), which says the same with
//! `additionalProperties: false` and `patternProperties` for `^[ux]_`.
//! Vacuous rules (an empty quorum, a notification rule with no recipient, a
//! promotion order of one environment) are refused too (`docs/policy.md`).
//! Other documents keep unknown fields of any name.

use crate::document::{
    Extra, NotifyRule, ReleaseKind, RiskLevel, Role, TestKind, Trigger, Weekday,
};
use crate::error::{Problem, Result};
use crate::limits::LimitsPolicy;
use crate::structure::resolve;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::OnceLock;

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
    /// Limits on input: sizes, counts, depths and lengths (see
    /// [`crate::limits`] and `docs/limits.md`). Not written when it is the
    /// default, so the policy fingerprints of earlier audit events hold.
    #[serde(skip_serializing_if = "LimitsPolicy::is_default")]
    pub limits: LimitsPolicy,
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
    /// `amend`: edit sealed fields after the log started (default
    /// release_manager).
    pub amend: Vec<Role>,
    /// `import`: vouch for facts from another system (default
    /// release_manager).
    pub import: Vec<Role>,
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
            amend: vec![ReleaseManager],
            import: vec![ReleaseManager],
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
    /// Whoever approved the release may not start, complete or roll back
    /// its deployment (default true). Relaxing it is recorded: the event
    /// of such a command names the relaxed rule in `details.sod_relaxed`.
    pub forbid_approver_deployment: bool,
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
            forbid_approver_deployment: true,
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
    #[schemars(with = "Vec<PolicyNotifyRule>")]
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
            if rules.quorum.as_ref().is_some_and(Vec::is_empty) {
                problems.push(Problem::new(
                    at(&format!("{base}.quorum")),
                    "an empty quorum would approve every release without a vote: \
                     give at least one rule {role, count} or {role, percentage}",
                ));
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
            let path = format!("lifecycle.notifications[{i}]");
            if rule.on.is_empty() {
                problems.push(Problem::new(
                    at(&format!("{path}.on")),
                    "a notification rule needs at least one trigger",
                ));
            }
            let nobody = rule.roles.is_empty()
                && !rule.approvers
                && !rule.owner
                && !rule.team
                && !rule.stakeholders
                && rule.named.is_empty();
            if nobody {
                problems.push(Problem::new(
                    at(&path),
                    "a notification rule needs at least one recipient: roles, approvers, \
                     owner, team, stakeholders or named",
                ));
            }
            for (j, name) in rule.named.iter().enumerate() {
                if name.trim().is_empty() {
                    problems.push(Problem::new(
                        at(&format!("{path}.named[{j}]")),
                        "must not be empty",
                    ));
                }
            }
        }
        self.check_promotion_order(at, problems);
    }

    /// A promotion order needs two environments or more (with one there is
    /// no earlier environment, so the rule could never require anything),
    /// each named once and not blank.
    fn check_promotion_order(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        let order = &self.promotion_order;
        if order.len() == 1 {
            problems.push(Problem::new(
                at("lifecycle.promotion_order"),
                "a promotion order of one environment never requires anything: \
                 list two or more environments, earliest first, or none",
            ));
        }
        for (i, env) in order.iter().enumerate() {
            let path = at(&format!("lifecycle.promotion_order[{i}]"));
            if env.trim().is_empty() {
                problems.push(Problem::new(path, "must not be empty"));
            } else if let Some(first) = order.iter().position(|e| e == env).filter(|&f| f < i) {
                problems.push(Problem::new(
                    path,
                    format!("`{env}` is listed twice (first at promotion_order[{first}])"),
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

/// Values a risk factor uses when the input it needs is missing from the
/// release or the context (see `docs/risk.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RiskNeutral {
    /// CI criticality without a CMDB, or when no affected CI is in it or
    /// has a criticality (default 0.5).
    pub ci_criticality: f64,
    /// Blast radius without a CMDB, or when no affected CI is in it
    /// (default 0.5).
    pub blast_radius: f64,
    /// Each timing component (maintenance window, warning blackout, peak
    /// hours) whose input is missing (default 0.5).
    pub timing: f64,
    /// Deployment strategy when the release has no deployment plan
    /// (default 1.0: treated as big bang).
    pub deployment_strategy: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for RiskNeutral {
    fn default() -> Self {
        RiskNeutral {
            ci_criticality: 0.5,
            blast_radius: 0.5,
            timing: 0.5,
            deployment_strategy: 1.0,
            extra: Extra::new(),
        }
    }
}

/// The counts at which a log-scaled factor reaches 1:
/// `value = min(1, ln(1 + n) / ln(1 + scale))`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RiskScales {
    /// Changes plus distinct affected CIs (default 50).
    pub change_size: f64,
    /// CIs reached by the blast radius beyond the affected ones (default 500).
    pub blast_radius_cis: f64,
    /// Distinct business services of the affected and reached CIs
    /// (default 20).
    pub blast_radius_services: f64,
    /// Depends-on entries plus pending dependencies and dependents in the
    /// schedule (default 10).
    pub dependencies: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for RiskScales {
    fn default() -> Self {
        RiskScales {
            change_size: 50.0,
            blast_radius_cis: 500.0,
            blast_radius_services: 20.0,
            dependencies: 10.0,
            extra: Extra::new(),
        }
    }
}

/// The Beta prior of the track-record factor: a service with no history
/// scores `failure_rate`; each past deployment moves it towards the
/// observed rate with weight `1 / (strength + n)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct TrackRecordPrior {
    /// Prior mean failure rate, in (0, 1) (default 0.2).
    pub failure_rate: f64,
    /// Prior strength in pseudo-deployments, > 0 (default 5): the prior is
    /// Beta(failure_rate·strength, (1 − failure_rate)·strength).
    pub strength: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for TrackRecordPrior {
    fn default() -> Self {
        TrackRecordPrior {
            failure_rate: 0.2,
            strength: 5.0,
            extra: Extra::new(),
        }
    }
}

/// Peak business hours: a deployment window overlapping them raises the
/// timing factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PeakHours {
    /// Days with peak hours (default Monday to Friday; empty: none).
    pub days: Vec<Weekday>,
    /// Local start, `HH:MM` (default `08:00`).
    pub start: String,
    /// Local end, `HH:MM`, after `start` (default `18:00`).
    pub end: String,
    /// IANA time zone of `start`/`end`; absent (default): the offset the
    /// release's `planned_start` is written in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for PeakHours {
    fn default() -> Self {
        use Weekday::*;
        PeakHours {
            days: vec![Mon, Tue, Wed, Thu, Fri],
            start: "08:00".to_string(),
            end: "18:00".to_string(),
            time_zone: None,
            extra: Extra::new(),
        }
    }
}

/// A fitted failure model (from `fit_risk_model`), kept apart from the
/// explainable weights: `failure_probability = σ(intercept + Σ coefficient ·
/// (value − mean) / std)` over the factor values (a factor with `std` 0
/// adds nothing). Coefficients may be negative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RiskModel {
    /// The intercept (log-odds at the mean of every factor).
    pub intercept: f64,
    /// Coefficient per factor name, on standardised values.
    pub coefficients: std::collections::BTreeMap<String, f64>,
    /// Training mean per factor name.
    pub means: std::collections::BTreeMap<String, f64>,
    /// Training standard deviation per factor name (≥ 0).
    pub stds: std::collections::BTreeMap<String, f64>,
    /// When the most recent training release was deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trained_at: Option<crate::Timestamp>,
    /// How many releases it was trained on.
    #[serde(default)]
    pub training_samples: u64,
    /// The L2 penalty it was fitted with.
    #[serde(default)]
    pub l2: f64,
    /// Held-out AUC at fitting time, when it could be computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout_auc: Option<f64>,
    /// Held-out Brier score at fitting time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout_brier: Option<f64>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The factor names of the risk score, in report order.
pub const RISK_FACTORS: [&str; 10] = [
    "change_size",
    "ci_criticality",
    "blast_radius",
    "test_evidence",
    "rollback_readiness",
    "deployment_strategy",
    "timing",
    "track_record",
    "emergency",
    "dependencies",
];

/// Risk section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RiskPolicy {
    /// Factor weights.
    pub weights: RiskWeights,
    /// Level thresholds.
    pub bands: RiskBands,
    /// How many CMDB hops the blast radius walks (default 3; at least 1, at
    /// most `limits.max_cmdb_depth`).
    pub blast_radius_depth: u32,
    /// Values of factors whose input is missing.
    pub neutral: RiskNeutral,
    /// Saturation counts of the log-scaled factors.
    pub scales: RiskScales,
    /// The prior of the track-record factor.
    pub track_record_prior: TrackRecordPrior,
    /// Peak business hours of the timing factor.
    pub peak_hours: PeakHours,
    /// A fitted failure model; with it, an assessment also reports
    /// `failure_probability`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<PolicyRiskModel>")]
    pub model: Option<RiskModel>,
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
            neutral: RiskNeutral::default(),
            scales: RiskScales::default(),
            track_record_prior: TrackRecordPrior::default(),
            peak_hours: PeakHours::default(),
            model: None,
            extra: Extra::new(),
        }
    }
}

/// Parses a local `HH:MM` time into minutes after midnight.
pub(crate) fn parse_hhmm(text: &str) -> Option<u32> {
    let well_formed = text.len() == 5 && text.as_bytes().get(2) == Some(&b':');
    let t = chrono::NaiveTime::parse_from_str(text, "%H:%M").ok()?;
    use chrono::Timelike;
    well_formed.then(|| t.hour().saturating_mul(60).saturating_add(t.minute()))
}

impl RiskPolicy {
    fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        let mut push = |path: &str, message: String| problems.push(Problem::new(at(path), message));
        let weights = self.weights.named();
        for (name, w) in weights {
            if !w.is_finite() || w < 0.0 {
                push(
                    &format!("risk.weights.{name}"),
                    format!("weight must be a finite number ≥ 0, got {w}"),
                );
            }
        }
        if weights.iter().all(|(_, w)| *w == 0.0) {
            push("risk.weights", "weights must not all be zero".to_string());
        }
        let b = &self.bands;
        for (name, v) in [
            ("medium", b.medium),
            ("high", b.high),
            ("critical", b.critical),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 100.0) {
                push(
                    &format!("risk.bands.{name}"),
                    format!("band threshold must be in (0, 100], got {v}"),
                );
            }
        }
        if !(b.medium < b.high && b.high < b.critical) {
            push(
                "risk.bands",
                format!(
                    "bands must increase: medium ({}) < high ({}) < critical ({})",
                    b.medium, b.high, b.critical
                ),
            );
        }
        // The upper bound is `limits.max_cmdb_depth` (`limit_exceeded`).
        if self.blast_radius_depth == 0 {
            push(
                "risk.blast_radius_depth",
                "must be at least 1, got 0".into(),
            );
        }
        let n = &self.neutral;
        for (name, v) in [
            ("ci_criticality", n.ci_criticality),
            ("blast_radius", n.blast_radius),
            ("timing", n.timing),
            ("deployment_strategy", n.deployment_strategy),
        ] {
            if !(0.0..=1.0).contains(&v) {
                push(
                    &format!("risk.neutral.{name}"),
                    format!("a neutral factor value is in [0, 1], got {v}"),
                );
            }
        }
        let s = &self.scales;
        for (name, v) in [
            ("change_size", s.change_size),
            ("blast_radius_cis", s.blast_radius_cis),
            ("blast_radius_services", s.blast_radius_services),
            ("dependencies", s.dependencies),
        ] {
            if !(v.is_finite() && v >= 1.0) {
                push(
                    &format!("risk.scales.{name}"),
                    format!("a saturation count must be a finite number ≥ 1, got {v}"),
                );
            }
        }
        let p = &self.track_record_prior;
        if !(p.failure_rate > 0.0 && p.failure_rate < 1.0) {
            push(
                "risk.track_record_prior.failure_rate",
                format!("must be in (0, 1), got {}", p.failure_rate),
            );
        }
        if !(p.strength.is_finite() && p.strength > 0.0) {
            push(
                "risk.track_record_prior.strength",
                format!("must be a finite number > 0, got {}", p.strength),
            );
        }
        let h = &self.peak_hours;
        let start = parse_hhmm(&h.start);
        let end = parse_hhmm(&h.end);
        for (name, text, parsed) in [("start", &h.start, start), ("end", &h.end, end)] {
            if parsed.is_none() {
                push(
                    &format!("risk.peak_hours.{name}"),
                    format!("`{text}` is not a local time HH:MM"),
                );
            }
        }
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                push(
                    "risk.peak_hours.end",
                    format!("must be after start ({} is not after {})", h.end, h.start),
                );
            }
        }
        if let Some(tz) = &h.time_zone {
            if tz.parse::<chrono_tz::Tz>().is_err() {
                push(
                    "risk.peak_hours.time_zone",
                    format!("`{tz}` is not an IANA time zone name"),
                );
            }
        }
        if let Some(m) = &self.model {
            if !m.intercept.is_finite() {
                push(
                    "risk.model.intercept",
                    format!("must be a finite number, got {}", m.intercept),
                );
            }
            for (field, map) in [
                ("coefficients", &m.coefficients),
                ("means", &m.means),
                ("stds", &m.stds),
            ] {
                for (name, v) in map {
                    let path = format!("risk.model.{field}.{name}");
                    if !RISK_FACTORS.contains(&name.as_str()) {
                        push(&path, format!("`{name}` is not a risk factor"));
                    } else if !v.is_finite() || (field == "stds" && *v < 0.0) {
                        push(
                            &path,
                            format!(
                                "must be a finite number{}, got {v}",
                                if field == "stds" { " ≥ 0" } else { "" }
                            ),
                        );
                    }
                }
            }
            for name in m.coefficients.keys() {
                for (field, map) in [("means", &m.means), ("stds", &m.stds)] {
                    if !map.contains_key(name) {
                        push(
                            &format!("risk.model.{field}"),
                            format!("has no entry for `{name}`, which has a coefficient"),
                        );
                    }
                }
            }
        }
    }
}

/// Conflicts section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ConflictPolicy {
    /// Back-to-back windows (one ends when the next starts) do not conflict.
    pub allow_contiguous: bool,
    /// CMDB hops within which two CIs count as related (default 1; at most
    /// `limits.max_cmdb_depth`).
    pub related_ci_depth: u32,
    /// Concurrency limits per service and/or environment (default none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capacity: Vec<CapacityLimit>,
    /// Which conflict kinds block and which only warn.
    pub severity: ConflictSeverities,
    /// Step of the slot search, in seconds (default 900; slots start on
    /// multiples of it since the Unix epoch).
    pub slot_granularity_secs: u64,
    /// Most occurrences one calendar entry may expand to in one run
    /// (default 1 000 000); more is `limit_exceeded`.
    pub max_occurrences: u64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for ConflictPolicy {
    fn default() -> Self {
        ConflictPolicy {
            allow_contiguous: true,
            related_ci_depth: 1,
            capacity: Vec::new(),
            severity: ConflictSeverities::default(),
            slot_granularity_secs: 900,
            max_occurrences: crate::calendar::DEFAULT_MAX_OCCURRENCES,
            extra: Extra::new(),
        }
    }
}

/// At most `max_concurrent` releases (and bare changes) at once on a
/// service and/or environment. With neither, the limit counts every item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CapacityLimit {
    /// The business service counted (absent: any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The environment counted (absent: any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Most items allowed at the same instant (≥ 1).
    pub max_concurrent: u32,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The severity of each conflict kind. A warning blackout is always `warn`;
/// a missing dependency is always `warn`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ConflictSeverities {
    /// Same CI, overlapping windows (default block).
    pub ci_overlap: crate::conflict::Severity,
    /// Related CIs, overlapping windows (default warn).
    pub related_ci_overlap: crate::conflict::Severity,
    /// Inside a blackout (default block).
    pub blackout: crate::conflict::Severity,
    /// Outside the CI's maintenance windows (default block).
    pub outside_maintenance_window: crate::conflict::Severity,
    /// One implementer on two overlapping items (default warn).
    pub assignee_overlap: crate::conflict::Severity,
    /// Starts before a dependency ends, or depends on a cancelled release
    /// (default block).
    pub dependency_order: crate::conflict::Severity,
    /// A cycle in `depends_on` (default block).
    pub dependency_cycle: crate::conflict::Severity,
    /// Over a capacity limit (default block).
    pub capacity: crate::conflict::Severity,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for ConflictSeverities {
    fn default() -> Self {
        use crate::conflict::Severity::{Block, Warn};
        ConflictSeverities {
            ci_overlap: Block,
            related_ci_overlap: Warn,
            blackout: Block,
            outside_maintenance_window: Block,
            assignee_overlap: Warn,
            dependency_order: Block,
            dependency_cycle: Block,
            capacity: Block,
            extra: Extra::new(),
        }
    }
}

impl ConflictSeverities {
    /// The severity the policy gives a kind.
    pub fn of(&self, kind: crate::conflict::ConflictKind) -> crate::conflict::Severity {
        use crate::conflict::ConflictKind as K;
        match kind {
            K::CiOverlap => self.ci_overlap,
            K::RelatedCiOverlap => self.related_ci_overlap,
            K::Blackout => self.blackout,
            K::OutsideMaintenanceWindow => self.outside_maintenance_window,
            K::AssigneeOverlap => self.assignee_overlap,
            K::DependencyOrder => self.dependency_order,
            K::DependencyCycle => self.dependency_cycle,
            K::Capacity => self.capacity,
        }
    }
}

impl ConflictPolicy {
    fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        for (i, c) in self.capacity.iter().enumerate() {
            if c.max_concurrent == 0 {
                problems.push(Problem::new(
                    at(&format!("conflicts.capacity[{i}].max_concurrent")),
                    "must be at least 1",
                ));
            }
        }
        if !(60..=86_400).contains(&self.slot_granularity_secs) {
            problems.push(Problem::new(
                at("conflicts.slot_granularity_secs"),
                format!(
                    "must be between 60 and 86400 seconds, got {}",
                    self.slot_granularity_secs
                ),
            ));
        }
        if self.max_occurrences == 0 {
            problems.push(Problem::new(
                at("conflicts.max_occurrences"),
                "must be at least 1",
            ));
        }
    }
}

/// Rollout section: the defaults of analyses, of the canary judge and of
/// blue-green plans (a plan or judge config overrides them per field).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RolloutPolicy {
    /// Analysis limits.
    pub analysis: AnalysisDefaults,
    /// Canary judge thresholds.
    pub judge: JudgeDefaults,
    /// Blue-green settings.
    pub blue_green: BlueGreenDefaults,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Defaults of every analysis of a rollout plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AnalysisDefaults {
    /// Measurements per metric needed to pass (≥ 1, default 1).
    pub count: u32,
    /// Failed measurements of a metric tolerated (default 0).
    pub failure_limit: u32,
    /// Inconclusive measurements of a metric tolerated (default 0).
    pub inconclusive_limit: u32,
    /// Consecutive measurement errors of a metric tolerated (default 4).
    pub consecutive_error_limit: u32,
    /// What a metric without data counts as (default `pause`).
    pub no_data: crate::rollout::NoDataPolicy,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for AnalysisDefaults {
    fn default() -> Self {
        AnalysisDefaults {
            count: 1,
            failure_limit: 0,
            inconclusive_limit: 0,
            consecutive_error_limit: 4,
            no_data: crate::rollout::NoDataPolicy::Pause,
            extra: Extra::new(),
        }
    }
}

/// Defaults of the canary judge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct JudgeDefaults {
    /// Significance level of the Mann-Whitney test, in (0, 0.5] (default
    /// 0.05).
    pub alpha: f64,
    /// Allowed shift relative to the baseline median, ≥ 0 (default 0.05).
    pub tolerance: f64,
    /// Lowest score that passes, 0–100 (default 95).
    pub pass_score: f64,
    /// Lowest score that is marginal, 0–100, ≤ pass_score (default 75).
    pub marginal_score: f64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for JudgeDefaults {
    fn default() -> Self {
        JudgeDefaults {
            alpha: 0.05,
            tolerance: 0.05,
            pass_score: 95.0,
            marginal_score: 75.0,
            extra: Extra::new(),
        }
    }
}

/// Defaults of blue-green plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BlueGreenDefaults {
    /// Switch without a `promote` command (default false: a human
    /// promotes).
    pub auto_promote: bool,
    /// Seconds the blue stack is kept after the switch (default 30).
    pub scale_down_delay_secs: u64,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for BlueGreenDefaults {
    fn default() -> Self {
        BlueGreenDefaults {
            auto_promote: false,
            scale_down_delay_secs: 30,
            extra: Extra::new(),
        }
    }
}

impl RolloutPolicy {
    fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        if self.analysis.count == 0 {
            problems.push(Problem::new(
                at("rollout.analysis.count"),
                "must be at least 1",
            ));
        }
        let j = &self.judge;
        if !(j.alpha > 0.0 && j.alpha <= 0.5) {
            problems.push(Problem::new(
                at("rollout.judge.alpha"),
                format!("must be in (0, 0.5], got {}", j.alpha),
            ));
        }
        if !(j.tolerance.is_finite() && j.tolerance >= 0.0) {
            problems.push(Problem::new(
                at("rollout.judge.tolerance"),
                format!("must be a finite number ≥ 0, got {}", j.tolerance),
            ));
        }
        for (name, v) in [
            ("pass_score", j.pass_score),
            ("marginal_score", j.marginal_score),
        ] {
            if !(0.0..=100.0).contains(&v) {
                problems.push(Problem::new(
                    at(&format!("rollout.judge.{name}")),
                    format!("a score threshold is 0 to 100, got {v}"),
                ));
            }
        }
        if j.marginal_score > j.pass_score {
            problems.push(Problem::new(
                at("rollout.judge.marginal_score"),
                format!(
                    "must not be above pass_score ({} > {})",
                    j.marginal_score, j.pass_score
                ),
            ));
        }
        let max = crate::rollout::MAX_DURATION_SECS as u64;
        if self.blue_green.scale_down_delay_secs > max {
            problems.push(Problem::new(
                at("rollout.blue_green.scale_down_delay_secs"),
                format!(
                    "must be at most {max} seconds, got {}",
                    self.blue_green.scale_down_delay_secs
                ),
            ));
        }
    }
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

/// Release notes section. `release_notes` has no tunable setting yet (its
/// sections are fixed, see `docs/integrations.md`); settings given here are
/// kept unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct NotesPolicy {
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The largest CMDB walk depth a policy may ask for by default
/// ([`crate::limits::DEFAULT_MAX_CMDB_DEPTH`]; the policy's
/// `limits.max_cmdb_depth` changes it).
pub const MAX_GRAPH_DEPTH: u32 = crate::limits::DEFAULT_MAX_CMDB_DEPTH;

impl Policy {
    /// Every inconsistency of the policy, with paths relative to `base`
    /// (empty for a policy document on its own, `policy` inside a context):
    /// first every unknown key ([`Policy::unknown_fields`]), then every
    /// value out of range or vacuous rule.
    pub fn check(&self, base: &str) -> Vec<Problem> {
        let mut problems = self.unknown_fields(base);
        let at = |field: &str| crate::foundation::path::join(base, field);

        self.lifecycle.check(&at, &mut problems);
        self.risk.check(&at, &mut problems);
        self.rollout.check(&at, &mut problems);
        self.conflicts.check(&at, &mut problems);
        self.kpi.check(&at, &mut problems);
        self.limits.check(&at, &mut problems);
        problems
    }

    /// The operation-time limits of the policy on its own settings: the
    /// CMDB walks it asks for (`conflicts.related_ci_depth`,
    /// `risk.blast_radius_depth`) within `limits.max_cmdb_depth`, else
    /// `limit_exceeded` (paths relative to `base`).
    pub fn check_limits(&self, base: &str) -> Result<()> {
        let at = |field: &str| crate::foundation::path::join(base, field);
        self.limits.check_cmdb_depth(
            &at("conflicts.related_ci_depth"),
            self.conflicts.related_ci_depth,
        )?;
        self.limits
            .check_cmdb_depth(&at("risk.blast_radius_depth"), self.risk.blast_radius_depth)
    }
}

impl Policy {
    /// Every key of the policy that no section knows, at any depth, with
    /// its path under `base` and a "did you mean" suggestion. Keys starting
    /// `u_` or `x_` ([`is_host_field`]) are allowed everywhere. The known
    /// keys are the properties of [`strict_schema`] at that level; the keys
    /// found are those serde kept in the `extra` maps.
    pub fn unknown_fields(&self, base: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        // Serialising a policy cannot fail (string keys only); were it to,
        // the typed checks still run.
        if let Ok(value) = serde_json::to_value(self) {
            let schema = strict_policy_schema();
            let empty = Map::new();
            let defs = schema
                .get("$defs")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            unknown_in(schema, defs, &value, base, &mut problems, 0);
        }
        problems
    }
}

/// The `patternProperties` pattern of the keys a policy object may carry
/// beyond its known fields: host fields starting `u_` or `x_`.
pub const HOST_FIELD_PATTERN: &str = "^[ux]_";

/// True for a host field name (`u_reviewed_at`, `x_ticket`): allowed at
/// every level of a policy and kept unchanged.
pub fn is_host_field(key: &str) -> bool {
    key.starts_with("u_") || key.starts_with("x_")
}

/// A schema-only name for a type a policy shares with other documents:
/// the same schema under a def name of its own, so the policy's copy can
/// be strict while the other documents keep unknown fields.
macro_rules! policy_copy {
    ($(#[$doc:meta])* $alias:ident of $ty:ty) => {
        $(#[$doc])*
        struct $alias;

        impl JsonSchema for $alias {
            fn schema_name() -> Cow<'static, str> {
                stringify!($alias).into()
            }

            fn json_schema(generator: &mut SchemaGenerator) -> Schema {
                <$ty>::json_schema(generator)
            }
        }
    };
}

policy_copy! {
    /// `lifecycle.notifications[]`: a release's `communication.notify`
    /// keeps unknown fields.
    PolicyNotifyRule of NotifyRule
}

policy_copy! {
    /// `risk.model`: the model `fit_risk_model` returns keeps them.
    PolicyRiskModel of RiskModel
}

/// The JSON Schema of the policy document, strict: every object of the
/// policy has `additionalProperties: false` and `patternProperties` for
/// [`HOST_FIELD_PATTERN`] (what `relman schema policy` prints).
pub fn strict_schema() -> Value {
    strict_policy_schema().clone()
}

/// Whether `key` may stand at the top level of a policy document: a
/// property of [`strict_schema`], `schema_version` or a host field.
pub(crate) fn is_top_level_key(key: &str) -> bool {
    key == "schema_version"
        || is_host_field(key)
        || strict_policy_schema()
            .get("properties")
            .and_then(|p| p.get(key))
            .is_some()
}

fn strict_policy_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut schema = SchemaGenerator::default()
            .into_root_schema_for::<Policy>()
            .to_value();
        make_strict(&mut schema);
        schema
    })
}

/// Makes the policy inside a generated root schema strict, wherever it is:
/// the root itself when it is the policy's schema, else the `Policy` def
/// (a context's or a schedule's policy); with every def the policy
/// reaches. Each object schema with `properties` gets
/// `additionalProperties: false` and `patternProperties: {"^[ux]_": {}}`.
/// A schema without a policy is left as it is.
pub fn make_strict(root: &mut Value) {
    let is_policy = root.get("title").and_then(Value::as_str) == Some("Policy");
    let mut names = Vec::new();
    if is_policy {
        collect_refs(root, &mut names);
    } else if let Some(policy) = root.pointer("/$defs/Policy") {
        names.push("Policy".to_string());
        collect_refs(policy, &mut names);
    } else {
        return;
    }
    // Every def the policy reaches, transitively.
    let mut i = 0;
    while let Some(name) = names.get(i).cloned() {
        if let Some(def) = root.get("$defs").and_then(|d| d.get(&name)) {
            let mut more = Vec::new();
            collect_refs(def, &mut more);
            for m in more {
                if !names.contains(&m) {
                    names.push(m);
                }
            }
        }
        i = i.saturating_add(1);
    }
    if is_policy {
        strict_objects(root);
    }
    if let Some(defs) = root.get_mut("$defs").and_then(Value::as_object_mut) {
        for name in &names {
            if let Some(def) = defs.get_mut(name) {
                strict_objects(def);
            }
        }
    }
}

/// The def names a schema refers to (`#/$defs/Name`), outside `$defs`.
fn collect_refs(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$defs" {
                    continue;
                }
                if k == "$ref" {
                    if let Some(name) = v.as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
                        if !out.iter().any(|n| n == name) {
                            out.push(name.to_string());
                        }
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Makes every object schema with `properties` in `schema` strict, walking
/// only schema positions (properties, items, branches), not `$defs`.
fn strict_objects(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.contains_key("properties") {
        obj.insert("additionalProperties".into(), Value::Bool(false));
        let mut patterns = Map::new();
        patterns.insert(HOST_FIELD_PATTERN.into(), Value::Object(Map::new()));
        obj.insert("patternProperties".into(), Value::Object(patterns));
    }
    for (k, v) in obj.iter_mut() {
        match k.as_str() {
            "properties" => {
                if let Some(props) = v.as_object_mut() {
                    props.values_mut().for_each(strict_objects);
                }
            }
            "items" | "additionalProperties" => strict_objects(v),
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                if let Some(branches) = v.as_array_mut() {
                    branches.iter_mut().for_each(strict_objects);
                }
            }
            _ => {}
        }
    }
}

/// Walks a policy value against the strict schema, appending a problem per
/// key an object schema with `additionalProperties: false` does not know.
fn unknown_in(
    schema: &Value,
    defs: &Map<String, Value>,
    value: &Value,
    path: &str,
    out: &mut Vec<Problem>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let schema = resolve(schema, defs);
    // An optional value (`anyOf: [T, null]`): the first branch that fits.
    if let Some(branches) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        let fits = |b: &&Value| {
            let b = resolve(b, defs);
            (value.is_object() && b.get("properties").is_some())
                || (value.is_array() && b.get("items").is_some())
        };
        if let Some(branch) = branches.iter().find(fits) {
            unknown_in(branch, defs, value, path, out, depth.saturating_add(1));
        }
        return;
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties");
            for (key, v) in map {
                let here = crate::foundation::path::join(path, key);
                if let Some(p) = props.and_then(|p| p.get(key)) {
                    unknown_in(p, defs, v, &here, out, depth.saturating_add(1));
                } else if extra == Some(&Value::Bool(false)) {
                    if !is_host_field(key) {
                        let known = props.into_iter().flat_map(|p| p.keys().map(String::as_str));
                        out.push(unknown_field(here, key, known));
                    }
                } else if let Some(s) = extra.filter(|s| s.is_object()) {
                    unknown_in(s, defs, v, &here, out, depth.saturating_add(1));
                }
            }
        }
        Value::Array(items) => {
            if let Some(s) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    unknown_in(
                        s,
                        defs,
                        v,
                        &format!("{path}[{i}]"),
                        out,
                        depth.saturating_add(1),
                    );
                }
            }
        }
        _ => {}
    }
}

/// The problem of an unknown key at `path`: the closest known key of its
/// level as a suggestion when one is near enough (Damerau–Levenshtein
/// distance ≤ 2, ≤ 1 for keys of three characters or fewer, ignoring case
/// and `-` for `_`), else the known keys.
pub(crate) fn unknown_field<'a>(
    path: String,
    key: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Problem {
    let mut known: Vec<&str> = known.into_iter().collect();
    known.sort_unstable();
    let norm = |s: &str| s.to_lowercase().replace('-', "_");
    let wanted = norm(key);
    let wanted_len = wanted.chars().count();
    let limit = if wanted_len <= 3 { 1 } else { 2 };
    // A distance within `limit` needs lengths within `limit` of each other:
    // only those are compared, so a key of any length costs no more than
    // the known keys themselves.
    let closest = known
        .iter()
        .filter(|k| norm(k).chars().count().abs_diff(wanted_len) <= limit)
        .map(|k| (edit_distance(&wanted, &norm(k)), *k))
        .filter(|(d, _)| *d <= limit)
        .min();
    const HOST: &str = "a field of your own must start with `u_` or `x_`";
    let message = match closest {
        Some((_, k)) => format!("unknown field `{key}`, did you mean `{k}`? ({HOST})"),
        None if known.is_empty() => format!("unknown field `{key}` ({HOST})"),
        None => format!(
            "unknown field `{key}`, expected one of {} ({HOST})",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Problem::new(path, message)
}

/// The optimal-string-alignment (restricted Damerau–Levenshtein) distance:
/// insertions, deletions, substitutions and swaps of adjacent characters.
// Reviewed exception to the arithmetic lint: every index is at most the
// length of one of the two strings (known policy keys, and a key within two
// characters of one), so no sum or product can overflow.
#[allow(clippy::arithmetic_side_effects)]
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d: Vec<usize> = vec![0; (a.len() + 1) * width];
    let get = |d: &[usize], i: usize, j: usize| d.get(i * width + j).copied().unwrap_or(usize::MAX);
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let v = if i == 0 || j == 0 {
                i + j
            } else {
                let (ca, cb) = (a.get(i - 1), b.get(j - 1));
                let cost = usize::from(ca != cb);
                let mut v = (get(&d, i - 1, j).saturating_add(1))
                    .min(get(&d, i, j - 1).saturating_add(1))
                    .min(get(&d, i - 1, j - 1).saturating_add(cost));
                if i > 1 && j > 1 && ca == b.get(j - 2) && a.get(i - 2) == cb {
                    v = v.min(get(&d, i - 2, j - 2).saturating_add(1));
                }
                v
            };
            if let Some(cell) = d.get_mut(i * width + j) {
                *cell = v;
            }
        }
    }
    get(&d, a.len(), b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("quorom", "quorum"), 1);
        assert_eq!(
            edit_distance("forbid_team_aproval", "forbid_team_approval"),
            1
        );
        assert_eq!(edit_distance("qourum", "quorum"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn the_suggestion_is_the_closest_known_key() {
        let p = unknown_field("a.quorom".into(), "quorom", ["quorum", "max_risk"]);
        assert!(
            p.message.contains("did you mean `quorum`?"),
            "{}",
            p.message
        );
        let p = unknown_field("a.Max-Risk".into(), "Max-Risk", ["quorum", "max_risk"]);
        assert!(
            p.message.contains("did you mean `max_risk`?"),
            "{}",
            p.message
        );
        let p = unknown_field("a.zzz".into(), "zzz", ["quorum", "max_risk"]);
        assert!(
            p.message.contains("expected one of `max_risk`, `quorum`"),
            "{}",
            p.message
        );
    }

    /// Every object the policy holds is a struct that keeps unknown keys
    /// (a flattened `extra` map), so the strict check sees every one; and
    /// every policy def is the same in every published schema that has it
    /// (the binding type generators need one shape per name).
    #[test]
    fn every_policy_object_is_strict_and_alike_everywhere() {
        let policy = strict_schema();
        let defs = policy["$defs"].as_object().unwrap();
        assert_eq!(policy["additionalProperties"], false);
        for (name, def) in defs {
            if def.get("properties").is_some() {
                assert_eq!(def["additionalProperties"], false, "{name}");
                assert_eq!(
                    def["patternProperties"][HOST_FIELD_PATTERN],
                    serde_json::json!({}),
                    "{name}"
                );
            }
        }
        assert!(defs.contains_key("PolicyNotifyRule"));
        assert!(!defs.contains_key("NotifyRule"));
        assert!(defs.contains_key("PolicyRiskModel"));
        let mut differ = Vec::new();
        for entry in crate::schema::SCHEMAS {
            let schema = entry.schema();
            let Some(others) = schema.get("$defs").and_then(Value::as_object) else {
                continue;
            };
            for (name, def) in defs {
                if others.get(name).is_some_and(|other| other != def) {
                    differ.push(format!("{name} in {}", entry.name));
                }
            }
        }
        assert!(differ.is_empty(), "policy defs that differ: {differ:?}");
    }
}
