//! Notifications the communication plan calls for. relman sends nothing;
//! the host does.

use crate::policy::Policy;
use crate::{Context, Event, NotifyRule, Release, Role, Trigger};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One recipient and why they are on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Recipient {
    /// Actor id, group or address.
    pub to: String,
    /// Why: `owner`, `team`, `stakeholder`, `named`, or `role:<role>`.
    pub via: String,
}

/// A message the host should send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Notification {
    /// The lifecycle event that calls for it.
    pub trigger: Trigger,
    /// Who to tell (deduplicated, first reason kept).
    pub recipients: Vec<Recipient>,
    /// Subject line.
    pub subject: String,
    /// A short message.
    pub message: String,
}

fn trigger_text(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::EnteredApproval => "awaiting approval",
        Trigger::DeploymentStarted => "deployment started",
        Trigger::DeploymentCompleted => "deployment completed",
        Trigger::RolledBack => "rolled back",
        Trigger::Cancelled => "cancelled",
        Trigger::Closed => "closed",
    }
}

fn recipients(
    rule: &NotifyRule,
    release: &Release,
    context: &Context,
    policy: &Policy,
) -> Vec<Recipient> {
    let mut out: Vec<Recipient> = Vec::new();
    let mut add = |to: &str, via: String| {
        if !to.trim().is_empty() && !out.iter().any(|r| r.to == to) {
            out.push(Recipient {
                to: to.to_string(),
                via,
            });
        }
    };
    if rule.owner {
        if let Some(o) = &release.owner {
            add(o, "owner".to_string());
        }
    }
    if rule.team {
        for t in &release.team {
            add(t, "team".to_string());
        }
    }
    let mut roles: Vec<Role> = rule.roles.clone();
    if rule.approvers {
        let gates = policy.lifecycle.gates(release.kind);
        roles.extend(gates.quorum.iter().map(|q| q.role));
    }
    for role in roles {
        for a in context.actors.iter().filter(|a| a.roles.contains(&role)) {
            add(&a.id, format!("role:{}", role.as_str()));
        }
    }
    if rule.stakeholders {
        for s in release
            .communication
            .iter()
            .flat_map(|c| c.stakeholders.iter())
        {
            add(s, "stakeholder".to_string());
        }
    }
    for n in &rule.named {
        add(n, "named".to_string());
    }
    out
}

/// The notifications for the triggers fired by one command.
pub(crate) fn notifications(
    release: &Release,
    event: &Event,
    triggers: &[Trigger],
    context: &Context,
    policy: &Policy,
) -> Vec<Notification> {
    let rules: &[NotifyRule] = match &release.communication {
        Some(c) if !c.notify.is_empty() => &c.notify,
        _ => &policy.lifecycle.notifications,
    };
    let mut out = Vec::new();
    for &trigger in triggers {
        let mut list: Vec<Recipient> = Vec::new();
        for rule in rules.iter().filter(|r| r.on.contains(&trigger)) {
            for r in recipients(rule, release, context, policy) {
                if !list.iter().any(|x| x.to == r.to) {
                    list.push(r);
                }
            }
        }
        if list.is_empty() {
            continue;
        }
        let version = release
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let subject = format!(
            "[{}] {}{}: {}",
            release.id,
            release.title,
            version,
            trigger_text(trigger)
        );
        let mut message = format!(
            "{}{} ({}) is {} — {} by {} at {}.",
            release.title,
            version,
            release.id,
            trigger_text(trigger),
            event.command,
            event.actor,
            event.at
        );
        if let (Some(s), Some(e)) = (&release.planned_start, &release.planned_end) {
            message.push_str(&format!(" Planned window: {s} to {e}."));
        }
        if let Some(reason) = event.details.get("reason").and_then(|v| v.as_str()) {
            message.push_str(&format!(" Reason: {reason}."));
        }
        if let Some(outcome) = event.details.get("outcome").and_then(|v| v.as_str()) {
            message.push_str(&format!(" Outcome: {outcome}."));
        }
        out.push(Notification {
            trigger,
            recipients: list,
            subject,
            message,
        });
    }
    out
}
