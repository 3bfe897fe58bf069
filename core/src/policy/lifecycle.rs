//! Lifecycle section: gates per release kind, command roles, separation of
//! duties, promotion order and default notifications (docs/lifecycle.md).
//! A promotion order of one environment is refused (docs/policy.md,
//! "Vacuous rules are refused").

use super::gates::{Gates, KindRules};
use super::notifications;
use super::readiness::ReadinessPolicy;
use super::roles::CommandRoles;
use super::routing::RoutingPolicy;
use super::separation::SeparationOfDuties;
use crate::document::{Extra, NotifyRule, ReleaseKind};
use crate::error::Problem;
use schemars::JsonSchema;
use serde::Serialize;

/// Lifecycle section: gates per release kind, command roles, separation of
/// duties, promotion order and default notifications.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
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
    #[schemars(with = "Vec<notifications::PolicyNotifyRule>")]
    pub notifications: Vec<NotifyRule>,
    /// Approval routing: the decision table of the approver groups a
    /// release needs (`docs/lifecycle.md`, "Approval routing"). Default: no
    /// rule; not written when it is the default.
    #[serde(skip_serializing_if = "RoutingPolicy::is_default")]
    pub routing: RoutingPolicy,
    /// The context parts readiness needs per release kind
    /// (`readiness.context`; docs/policy.md, "Readiness"). Not written
    /// when it is the default.
    #[serde(skip_serializing_if = "ReadinessPolicy::is_default")]
    pub readiness: ReadinessPolicy,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for LifecyclePolicy {
    fn default() -> Self {
        LifecyclePolicy {
            major: KindRules::default(),
            minor: KindRules::default(),
            patch: KindRules::default(),
            emergency: KindRules::default(),
            roles: CommandRoles::default(),
            separation_of_duties: SeparationOfDuties::default(),
            promotion_order: Vec::new(),
            notifications: notifications::defaults(),
            routing: RoutingPolicy::default(),
            readiness: ReadinessPolicy::default(),
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

    /// Appends every problem of the section (paths `lifecycle.…` through
    /// `at`): the rules of each kind, the notification rules, the
    /// promotion order.
    pub(super) fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        let kinds = [
            ("major", &self.major),
            ("minor", &self.minor),
            ("patch", &self.patch),
            ("emergency", &self.emergency),
        ];
        for (name, rules) in kinds {
            rules.check(name, at, problems);
        }
        notifications::check(&self.notifications, at, problems);
        self.check_promotion_order(at, problems);
        self.routing.check(at, problems);
        self.readiness.check(at, problems);
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
