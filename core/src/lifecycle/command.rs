//! Lifecycle commands and their effect.

use super::approval::{conflict_of_interest, scope_fingerprint};
use super::gates::{self, is_terminal, next};
use super::notify::notifications;
use super::{Applied, GateReport, Requirement};
use crate::audit;
use crate::document::Extra;
use crate::error::{Error, Result, Warning};
use crate::{
    Actor, Approval, Context, Decision, Event, Outcome, Policy, Release, ReleaseKind, Review, Role,
    State, TestKind, TestRun, Timestamp, Trigger,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A lifecycle command: who, when, and what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Command {
    /// Actor id of the issuer (must be in `context.actors`).
    pub actor: String,
    /// When the command is issued (the caller's clock).
    pub at: Timestamp,
    /// The command and its parameters, tagged by `command`.
    #[serde(flatten)]
    pub action: Action,
}

/// The commands of SPEC §2, as `{"command": "<name>", …parameters}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Action {
    /// Move to the next state (from approval this starts the deployment,
    /// from review it closes the release).
    Advance,
    /// Step back to development from testing or approval; voids the
    /// approvals of the current round.
    SendBack {
        /// The state to go back to (`development`).
        to: State,
        /// Why (required).
        reason: String,
    },
    /// Record test runs (in development or testing).
    RecordTests {
        /// The runs; a later run of a kind replaces the earlier one for the
        /// gates.
        tests: Vec<TestRun>,
    },
    /// Approve in a role (in approval).
    Approve {
        /// The role the vote is cast in (the actor must hold it).
        role: Role,
        /// Comment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
        /// ECAB only, emergency releases only: let the release enter a
        /// blocking blackout.
        #[serde(default, skip_serializing_if = "crate::document::is_false")]
        override_blackout: bool,
    },
    /// Reject in a role (in approval).
    Reject {
        /// The role the vote is cast in.
        role: Role,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// Start the deployment (approval → deployment).
    StartDeployment,
    /// Record the outcome. A success moves to review; a failure stays in
    /// deployment until `roll_back`. Give `outcome`, or the final state of
    /// a rollout (`succeeded` → success, `rolled_back` → rolled_back,
    /// `aborted` → failed), or both when they agree.
    CompleteDeployment {
        /// How it went.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<Outcome>,
        /// The final state of the rollout (from `rollout_step`), whose
        /// phase gives the outcome.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rollout: Option<crate::rollout::RolloutState>,
    },
    /// Record a rollback and move to review.
    RollBack {
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Complete the post-implementation review (in review).
    CompleteReview {
        /// Summary.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        summary: Option<String>,
        /// Lessons learned.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lessons: Vec<String>,
    },
    /// Close the release (review → closed).
    Close,
    /// Cancel the release (before deployment).
    Cancel {
        /// Why (required).
        reason: String,
    },
}

impl Action {
    /// The command name, as in `{"command": …}`.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Advance => "advance",
            Action::SendBack { .. } => "send_back",
            Action::RecordTests { .. } => "record_tests",
            Action::Approve { .. } => "approve",
            Action::Reject { .. } => "reject",
            Action::StartDeployment => "start_deployment",
            Action::CompleteDeployment { .. } => "complete_deployment",
            Action::RollBack { .. } => "roll_back",
            Action::CompleteReview { .. } => "complete_review",
            Action::Close => "close",
            Action::Cancel { .. } => "cancel",
        }
    }
}

fn forbidden(rule: &str, message: String) -> Error {
    Error::Forbidden {
        rule: rule.to_string(),
        message,
    }
}

/// A denial of a command that is not possible in the current state.
fn not_now(release: &Release, target: State, message: String) -> Error {
    GateReport {
        release_id: release.id.clone(),
        from: release.state,
        target,
        allowed: false,
        requirements: vec![Requirement {
            rule: "lifecycle.transition".to_string(),
            met: false,
            message,
            data: json!({"state": release.state}),
        }],
        warnings: Vec::new(),
    }
    .into_denial()
}

fn require_text(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    Ok(())
}

/// The state a command leads to (the current one for commands that do not
/// move the release), and the roles that may issue it.
fn plan<'p>(release: &Release, action: &Action, policy: &'p Policy) -> Result<(State, &'p [Role])> {
    let roles = &policy.lifecycle.roles;
    let s = release.state;
    let target = match action {
        Action::Advance => match (s, next(s)) {
            (State::Approval, _) => return Ok((State::Deployment, &roles.start_deployment)),
            (State::Review, _) => return Ok((State::Closed, &roles.close)),
            (State::Deployment, _) => {
                return Err(not_now(
                    release,
                    State::Review,
                    "advance cannot leave deployment: record complete_deployment (and roll_back after a failure)".to_string(),
                ))
            }
            (_, Some(n)) if !is_terminal(s) => return Ok((n, &roles.advance)),
            _ => return Err(not_now(release, s, format!("{} is {}: nothing to advance to", release.id, s.as_str()))),
        },
        Action::SendBack { to, .. } => {
            if *to != State::Development || !matches!(s, State::Testing | State::Approval) {
                return Err(not_now(
                    release,
                    *to,
                    format!(
                        "send_back goes from testing or approval to development, not from {} to {}",
                        s.as_str(),
                        to.as_str()
                    ),
                ));
            }
            return Ok((*to, &roles.send_back));
        }
        Action::RecordTests { .. } => {
            if !matches!(s, State::Development | State::Testing) {
                return Err(not_now(release, s, format!("tests are recorded in development or testing, not {}", s.as_str())));
            }
            return Ok((s, &roles.record_tests));
        }
        Action::Approve { .. } | Action::Reject { .. } => {
            if s != State::Approval {
                return Err(not_now(release, s, format!("votes are cast in approval, not {}", s.as_str())));
            }
            return Ok((s, &[]));
        }
        Action::StartDeployment => State::Deployment,
        Action::CompleteDeployment { outcome, rollout } => {
            let outcome = deployment_outcome(*outcome, rollout.as_ref())?;
            if s != State::Deployment {
                return Err(not_now(release, State::Review, format!("complete_deployment needs deployment, not {}", s.as_str())));
            }
            if let Some(recorded @ (Outcome::Failed | Outcome::RolledBack)) = release.outcome {
                return Err(not_now(
                    release,
                    State::Review,
                    format!(
                        "the outcome {} is already recorded; a failed deployment leaves only through roll_back",
                        serde_json::to_value(recorded).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
                    ),
                ));
            }
            return Ok(match outcome {
                Outcome::Success | Outcome::SuccessWithIssues => (State::Review, &roles.complete_deployment[..]),
                Outcome::Failed | Outcome::RolledBack => (State::Deployment, &roles.complete_deployment[..]),
            });
        }
        Action::RollBack { .. } => {
            if s != State::Deployment {
                return Err(not_now(release, State::Review, format!("roll_back needs deployment, not {}", s.as_str())));
            }
            return Ok((State::Review, &roles.roll_back));
        }
        Action::CompleteReview { .. } => {
            if s != State::Review {
                return Err(not_now(release, s, format!("the review is completed in review, not {}", s.as_str())));
            }
            return Ok((s, &roles.complete_review));
        }
        Action::Close => State::Closed,
        Action::Cancel { .. } => State::Cancelled,
    };
    let needed = match action {
        Action::StartDeployment => &roles.start_deployment,
        Action::Close => &roles.close,
        _ => &roles.cancel,
    };
    Ok((target, needed))
}

/// The outcome of `complete_deployment`: `outcome`, or the one a finished
/// rollout's phase gives (`succeeded` → success, `rolled_back` →
/// rolled_back, `aborted` → failed); both must agree when both are given.
pub(crate) fn deployment_outcome(
    outcome: Option<Outcome>,
    rollout: Option<&crate::rollout::RolloutState>,
) -> Result<Outcome> {
    use crate::rollout::RolloutPhase;
    let from_rollout = match rollout.map(|r| r.phase) {
        None => None,
        Some(RolloutPhase::Succeeded) => Some(Outcome::Success),
        Some(RolloutPhase::RolledBack) => Some(Outcome::RolledBack),
        Some(RolloutPhase::Aborted) => Some(Outcome::Failed),
        Some(phase) => {
            return Err(Error::invalid_input(
                "rollout.phase",
                format!(
                    "the rollout is {}: only a finished rollout (succeeded, rolled_back, aborted) gives an outcome",
                    phase.as_str()
                ),
            ))
        }
    };
    match (outcome, from_rollout) {
        (Some(o), Some(r))
            if o != r && !(o == Outcome::SuccessWithIssues && r == Outcome::Success) =>
        {
            Err(Error::invalid_input(
                "outcome",
                format!(
                    "{} disagrees with the rollout's final state, which gives {}",
                    outcome_name(o),
                    outcome_name(r)
                ),
            ))
        }
        (Some(o), _) => Ok(o),
        (None, Some(r)) => Ok(r),
        (None, None) => Err(Error::invalid_input(
            "outcome",
            "give the outcome, or the rollout's final state",
        )),
    }
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "success",
        Outcome::SuccessWithIssues => "success_with_issues",
        Outcome::Failed => "failed",
        Outcome::RolledBack => "rolled_back",
    }
}

/// Checks the actor may cast this vote: holds the role, the role votes on
/// this kind of release, no conflict of interest.
fn check_vote(
    release: &Release,
    actor: &Actor,
    role: Role,
    override_blackout: bool,
    policy: &Policy,
) -> Result<()> {
    // Separation of duties first: an owner or implementer hears why they may
    // never approve, whatever roles they hold.
    if let Some((rule, message)) =
        conflict_of_interest(release, &actor.id, &policy.lifecycle.separation_of_duties)
    {
        return Err(forbidden(rule, message));
    }
    let gates = policy.lifecycle.gates(release.kind);
    let role_name = serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    if !actor.roles.contains(&role) {
        return Err(forbidden(
            "roles.vote_role",
            format!(
                "{} does not hold the role {role_name} and cannot vote in it",
                actor.id
            ),
        ));
    }
    let votes_here =
        gates.quorum.iter().any(|q| q.role == role) || gates.high_risk_approver == role;
    if !votes_here {
        return Err(forbidden(
            "roles.vote_role",
            format!(
                "{role_name} does not vote on {} releases under this policy",
                kind_name(release.kind)
            ),
        ));
    }
    if override_blackout && (role != Role::Ecab || release.kind != ReleaseKind::Emergency) {
        return Err(forbidden(
            "roles.blackout_override",
            "only an ECAB member voting as ecab can override a blackout, and only for an emergency release".to_string(),
        ));
    }
    Ok(())
}

fn kind_name(kind: ReleaseKind) -> &'static str {
    match kind {
        ReleaseKind::Major => "major",
        ReleaseKind::Minor => "minor",
        ReleaseKind::Patch => "patch",
        ReleaseKind::Emergency => "emergency",
    }
}

pub(super) fn apply(
    release: &Release,
    command: &Command,
    context: &Context,
    policy: &Policy,
) -> Result<Applied> {
    let action = &command.action;
    let actor = context
        .actors
        .iter()
        .find(|a| a.id == command.actor)
        .ok_or_else(|| {
            let why = if context.actors.is_empty() {
                "the context has no actor directory (context.actors)".to_string()
            } else {
                format!("actor `{}` is not in the directory", command.actor)
            };
            forbidden(
                "roles.directory",
                format!("{why}; every command is checked against it"),
            )
        })?;

    if let Some(last) = release.log.last() {
        if command.at < last.at {
            return Err(Error::invalid_input(
                "at",
                format!(
                    "must not be before the last event of the log (seq {} at {})",
                    last.seq, last.at
                ),
            ));
        }
    }
    let (target, roles) = plan(release, action, policy)?;
    match action {
        Action::Approve {
            role,
            override_blackout,
            ..
        } => check_vote(release, actor, *role, *override_blackout, policy)?,
        Action::Reject { role, .. } => check_vote(release, actor, *role, false, policy)?,
        _ => {
            if !roles.iter().any(|r| actor.roles.contains(r)) {
                let names: Vec<String> = roles
                    .iter()
                    .filter_map(|r| {
                        serde_json::to_value(r)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                    })
                    .collect();
                return Err(forbidden(
                    &format!("roles.{}", action.name()),
                    format!(
                        "{} needs one of the roles {}; {} has none of them",
                        action.name(),
                        names.join(", "),
                        actor.id
                    ),
                ));
            }
        }
    }
    match action {
        Action::SendBack { reason, .. } => require_text("reason", reason)?,
        Action::Cancel { reason } => require_text("reason", reason)?,
        Action::RecordTests { tests } => {
            if tests.is_empty() {
                return Err(Error::invalid_input(
                    "tests",
                    "record at least one test run",
                ));
            }
            if policy
                .lifecycle
                .separation_of_duties
                .forbid_implementer_uat_signoff
            {
                for t in tests.iter().filter(|t| t.kind == TestKind::Uat) {
                    if let Some(signer) = &t.signed_off_by {
                        if release
                            .changes
                            .iter()
                            .any(|c| c.implementer.as_deref() == Some(signer))
                        {
                            return Err(forbidden(
                                "sod.implementer_uat_signoff",
                                format!("{signer} implements a change of {} and cannot sign off its UAT", release.id),
                            ));
                        }
                    }
                }
            }
        }
        _ => {}
    }

    let mut next = release.clone();
    let mut details = Extra::new();
    let mut triggers = Vec::new();
    let at = &command.at;
    match action {
        Action::Advance | Action::StartDeployment | Action::Close => {}
        Action::SendBack { reason, .. } => {
            let round = release.approval_round.unwrap_or(1);
            next.approval_round = Some(round + 1);
            details.insert("reason".into(), json!(reason));
            details.insert("voided_round".into(), json!(round));
        }
        Action::RecordTests { tests } => {
            let runs: Vec<TestRun> = tests
                .iter()
                .map(|t| TestRun {
                    at: t.at.clone().or_else(|| Some(at.clone())),
                    ..t.clone()
                })
                .collect();
            details.insert(
                "tests".into(),
                json!(runs.iter().map(|t| json!({"kind": t.kind, "passed": t.passed, "failed": t.failed, "skipped": t.skipped})).collect::<Vec<_>>()),
            );
            next.tests.extend(runs);
        }
        Action::Approve { .. } | Action::Reject { .. } => {}
        Action::CompleteDeployment { outcome, rollout } => {
            let outcome = deployment_outcome(*outcome, rollout.as_ref())?;
            next.outcome = Some(outcome);
            next.deployed_at = Some(at.clone());
            details.insert("outcome".into(), json!(outcome));
            if let Some(r) = rollout {
                details.insert(
                    "rollout".into(),
                    json!({"phase": r.phase, "weight": r.weight, "step": r.step}),
                );
            }
            triggers.push(Trigger::DeploymentCompleted);
        }
        Action::RollBack { reason } => {
            next.rolled_back_at = Some(at.clone());
            if !matches!(next.outcome, Some(Outcome::Failed)) {
                next.outcome = Some(Outcome::RolledBack);
            }
            if next.deployed_at.is_none() {
                next.deployed_at = Some(at.clone());
            }
            if let Some(r) = reason {
                details.insert("reason".into(), json!(r));
            }
            details.insert("outcome".into(), json!(next.outcome));
            triggers.push(Trigger::RolledBack);
        }
        Action::CompleteReview { summary, lessons } => {
            let review = next.review.get_or_insert_with(Review::default);
            review.completed_at = Some(at.clone());
            if summary.is_some() {
                review.summary.clone_from(summary);
            }
            review.lessons.extend(lessons.iter().cloned());
        }
        Action::Cancel { reason } => {
            details.insert("reason".into(), json!(reason));
        }
    }
    if let Action::Approve {
        role,
        comment,
        override_blackout,
    } = action
    {
        record_vote(
            &mut next,
            command,
            *role,
            Decision::Approved,
            comment,
            *override_blackout,
            &mut details,
        );
    }
    if let Action::Reject { role, comment } = action {
        record_vote(
            &mut next,
            command,
            *role,
            Decision::Rejected,
            comment,
            false,
            &mut details,
        );
    }
    // Transitions pass through the gates, evaluated on the release with the
    // command's own data recorded (an outcome, a rollback); staying commands
    // need only the state checks above.
    // Only these commands keep the release in its state; every other command
    // is a transition and passes the gates (which deny a "transition" to the
    // state the release is already in, so terminal states stay terminal).
    let stays = match action {
        Action::RecordTests { .. }
        | Action::Approve { .. }
        | Action::Reject { .. }
        | Action::CompleteReview { .. } => true,
        Action::CompleteDeployment { outcome, rollout } => matches!(
            deployment_outcome(*outcome, rollout.as_ref()),
            Ok(Outcome::Failed | Outcome::RolledBack)
        ),
        _ => false,
    };
    let report = if !stays {
        let report = gates::evaluate(&next, target, context, policy);
        if !report.allowed {
            return Err(report.into_denial());
        }
        report
    } else {
        GateReport {
            release_id: release.id.clone(),
            from: release.state,
            target,
            allowed: true,
            requirements: vec![Requirement {
                rule: "lifecycle.state".to_string(),
                met: true,
                message: format!(
                    "{} is possible in {}",
                    action.name(),
                    release.state.as_str()
                ),
                data: json!({"state": release.state}),
            }],
            warnings: Vec::new(),
        }
    };

    let mut warnings = report.warnings.clone();
    next.state = target;
    match (release.state, target) {
        (from, State::Approval) if from != State::Approval => {
            triggers.push(Trigger::EnteredApproval)
        }
        (State::Approval, State::Deployment) => triggers.push(Trigger::DeploymentStarted),
        (_, State::Cancelled) => triggers.push(Trigger::Cancelled),
        (_, State::Closed) => triggers.push(Trigger::Closed),
        _ => {}
    }
    if target == State::Deployment && release.state == State::Approval {
        if let Some(o) = report.requirements.iter().find(|r| {
            r.rule == "approval.blackout" && r.data.get("override_by").is_some_and(|v| !v.is_null())
        }) {
            details.insert("blackout_override".into(), o.data.clone());
        }
    }

    let seq = release.log.last().map_or(1, |e| e.seq + 1);
    let prev = audit::head(release);
    let event = audit::seal(
        &prev,
        Event {
            seq,
            at: at.clone(),
            actor: command.actor.clone(),
            command: action.name().to_string(),
            from: release.state,
            to: target,
            details,
            policy_fingerprint: audit::policy_fingerprint(policy)?,
            hash: String::new(),
            extra: Extra::new(),
        },
    );
    next.log.push(event.clone());
    let notifications = notifications(&next, &event, &triggers, context, policy);
    if next.communication.is_none() && !notifications.is_empty() {
        warnings.push(Warning::new(
            "no_communication_plan",
            "communication",
            "the release has no communication plan; notifications follow the policy's defaults",
        ));
    }
    Ok(Applied {
        release: next,
        events: vec![event],
        notifications,
        report,
        warnings,
    })
}

fn record_vote(
    next: &mut Release,
    command: &Command,
    role: Role,
    decision: Decision,
    comment: &Option<String>,
    override_blackout: bool,
    details: &mut Extra,
) {
    let round = next.approval_round.unwrap_or(1);
    let fingerprint = scope_fingerprint(next);
    details.insert("role".into(), json!(role));
    details.insert("decision".into(), json!(decision));
    details.insert("round".into(), json!(round));
    if let Some(c) = comment {
        details.insert("comment".into(), json!(c));
    }
    if override_blackout {
        details.insert("override_blackout".into(), Value::Bool(true));
    }
    next.approvals.push(Approval {
        approver: command.actor.clone(),
        role,
        decision,
        at: command.at.clone(),
        comment: comment.clone(),
        round: Some(round),
        fingerprint: Some(fingerprint),
        override_blackout,
        extra: Extra::new(),
    });
}
