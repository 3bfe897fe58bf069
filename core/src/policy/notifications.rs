//! Default notifications: who is told about what, for releases without
//! their own `communication.notify` rules (docs/lifecycle.md,
//! "Notifications"). A rule with no trigger or no recipient is refused
//! (docs/policy.md, "Vacuous rules are refused").

use crate::document::{NotifyRule, Role, Trigger};
use crate::error::Problem;

policy_copy! {
    /// `lifecycle.notifications[]`: a release's `communication.notify`
    /// keeps unknown fields.
    pub(super) PolicyNotifyRule of NotifyRule
}

/// The default rules: approvers and owner on entering approval; owner,
/// team and stakeholders on deployment events, cancellation and closure;
/// the CAB on a roll-back.
pub(super) fn defaults() -> Vec<NotifyRule> {
    let rule = |on: Vec<Trigger>| NotifyRule {
        on,
        ..NotifyRule::default()
    };
    vec![
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
    ]
}

/// Appends every problem of the rules (`lifecycle.notifications[i]`, paths
/// through `at`): each needs a trigger and a recipient, and names no blank
/// recipient.
pub(super) fn check(
    rules: &[NotifyRule],
    at: &dyn Fn(&str) -> String,
    problems: &mut Vec<Problem>,
) {
    for (i, rule) in rules.iter().enumerate() {
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
}
