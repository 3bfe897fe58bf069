//! The gates of each release kind: what leaving each lifecycle state needs
//! (tests, pass rates, sign-offs, quorum, rollback plan, risk ceiling,
//! review, knowledge articles), every field optional with a per-kind
//! default (docs/lifecycle.md, "Gates (rule ids)").

use super::approval::QuorumRule;
use crate::document::{Extra, ReleaseKind, RiskLevel, Role, TestKind};
use crate::error::Problem;
use schemars::JsonSchema;
use serde::Serialize;

/// The gates of one release kind. Every field is optional; an absent field
/// takes the kind's default (see [`Gates::defaults`]).
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
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
    /// Emergency releases only: `start_deployment` may go ahead before the
    /// approval quorum is met; the quorum is then due retrospectively
    /// within `retrospective_approval_secs` (default false; see
    /// docs/lifecycle.md, "The emergency path").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy_before_approval: Option<bool>,
    /// Emergency releases only: the retrospective approval of a release
    /// deployed before approval is due this many seconds after
    /// `start_deployment` (default 259200, 72 hours; 1 second to 31 days).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrospective_approval_secs: Option<u64>,
    /// Closing needs the post-implementation review to link at least one
    /// incident (`review.incident_linked`; default: emergency only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_incident_required: Option<bool>,
    /// `start_deployment` must lie inside the approved window unless an
    /// ECAB override of `deployment.window` says otherwise (default: every
    /// kind; see docs/lifecycle.md, "Enforced deployment windows").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_window_enforced: Option<bool>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl KindRules {
    /// True when nothing is set (every gate takes its default).
    pub fn is_unset(&self) -> bool {
        *self == KindRules::default()
    }
    /// Appends every problem of the rules of one kind (`lifecycle.<name>`,
    /// paths through `at`): pass rates in [0, 1], a non-empty quorum, each
    /// quorum rule.
    pub(super) fn check(
        &self,
        name: &str,
        at: &dyn Fn(&str) -> String,
        problems: &mut Vec<Problem>,
    ) {
        let base = format!("lifecycle.{name}");
        for (field, rate) in [
            ("min_pass_rate", self.min_pass_rate),
            ("min_security_pass_rate", self.min_security_pass_rate),
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
        if self.quorum.as_ref().is_some_and(Vec::is_empty) {
            problems.push(Problem::new(
                at(&format!("{base}.quorum")),
                "an empty quorum would approve every release without a vote: \
                 give at least one rule {role, count} or {role, percentage}",
            ));
        }
        for (i, q) in self.quorum.iter().flatten().enumerate() {
            q.check(at(&format!("{base}.quorum[{i}]")), problems);
        }
        super::emergency::check(name, self, at, problems);
    }
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
    /// See [`KindRules::deploy_before_approval`].
    pub deploy_before_approval: bool,
    /// See [`KindRules::retrospective_approval_secs`].
    pub retrospective_approval_secs: u64,
    /// See [`KindRules::review_incident_required`].
    pub review_incident_required: bool,
    /// See [`KindRules::deployment_window_enforced`].
    pub deployment_window_enforced: bool,
}

impl Gates {
    /// The default gates of a release kind (docs/lifecycle.md).
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
            deploy_before_approval: false,
            retrospective_approval_secs: super::emergency::DEFAULT_RETROSPECTIVE_APPROVAL_SECS,
            review_incident_required: kind == ReleaseKind::Emergency,
            deployment_window_enforced: true,
        }
    }

    /// The gates of `kind`: `rules` where set, the kind's defaults elsewhere.
    pub(super) fn resolve(kind: ReleaseKind, rules: &KindRules) -> Gates {
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
            deploy_before_approval: rules
                .deploy_before_approval
                .unwrap_or(d.deploy_before_approval),
            retrospective_approval_secs: rules
                .retrospective_approval_secs
                .unwrap_or(d.retrospective_approval_secs),
            review_incident_required: rules
                .review_incident_required
                .unwrap_or(d.review_incident_required),
            deployment_window_enforced: rules
                .deployment_window_enforced
                .unwrap_or(d.deployment_window_enforced),
        }
    }
}
