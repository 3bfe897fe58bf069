//! Lifecycle commands and their effect.

use super::approval::{conflict_of_interest, scope_fingerprint};
use super::delegation;
use super::gates::{self, is_terminal, next};
use super::notify::notifications;
use super::{Applied, GateReport, Requirement};
use crate::audit;
use crate::document::Extra;
use crate::error::{Error, Result, Warning};
use crate::identity::{self, Lookup};
use crate::record::{self, Adopted, Record};
use crate::{
    Actor, Approval, AttachedRisk, Change, Communication, Context, Decision, DeploymentPlan, Event,
    Outcome, Policy, Release, ReleaseKind, Review, Role, RollbackPlan, State, TestKind, TestRun,
    Timestamp, Trigger,
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

/// The lifecycle commands (docs/lifecycle.md), as `{"command": "<name>", …parameters}`.
// `Amend` carries every sealed field; a command is built once per call and
// never stored in bulk, so boxing it would only cost every caller a `Box`.
#[allow(clippy::large_enum_variant)]
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
        /// The approver group the vote is cast for (approval routing): the
        /// voter must be a member; the vote then counts for that group
        /// only. Absent: it counts for every required group the voter
        /// belongs to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        /// Vote with the approval rights of this actor, who delegated them
        /// to the issuer (`delegate`) for a period covering `at`; the role
        /// is the principal's (docs/lifecycle.md, "Delegation").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<String>,
    },
    /// Reject in a role (in approval).
    Reject {
        /// The role the vote is cast in.
        role: Role,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
        /// The approver group the vote is cast for (see `approve`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        /// Vote with the approval rights of this actor, as for `approve`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_behalf_of: Option<String>,
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
        /// The incidents the review links (ids, e.g. `INC0091234`); closing
        /// an emergency release needs one linked (`review.incident_linked`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        incidents: Vec<String>,
    },
    /// Close the release (review → closed).
    Close,
    /// Cancel the release (before deployment).
    Cancel {
        /// Why (required).
        reason: String,
    },
    /// Edit sealed fields once the log has started (docs/lifecycle.md: the log
    /// is the record). Before deployment any sealed field; in deployment and review
    /// only `knowledge_articles` and `communication`. In approval, an
    /// amendment of anything approvers approve voids the round's votes and
    /// starts a new round. The event records the new values.
    Amend {
        /// Why (required).
        reason: String,
        /// The new values; fields left out keep theirs.
        set: Amendment,
    },
    /// Vouch for history that arrives from another system: votes (in
    /// approval), test runs (in development or testing) and/or `adopt`, which
    /// seals the release as it stands — the way a release past planning, or
    /// one whose log predates sealing, enters the record. Names its source.
    Import {
        /// The system the facts come from (e.g. `servicenow:acme`).
        source: String,
        /// The source's record ids (e.g. `sysapproval_approver` sys_ids).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        records: Vec<String>,
        /// Votes cast in the source; each counts in the current round.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        approvals: Vec<Approval>,
        /// Test runs recorded in the source.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tests: Vec<TestRun>,
        /// Seal the release as it stands and vouch for its votes, runs,
        /// outcome and review as the source's record.
        #[serde(default, skip_serializing_if = "crate::document::is_false")]
        adopt: bool,
    },
    /// Delegate the issuer's approval rights on this release to another
    /// actor for [`from`, `until`) (in planning to approval): votes that
    /// actor casts with `on_behalf_of` in that period count for the issuer
    /// (docs/lifecycle.md, "Delegation").
    Delegate {
        /// The delegate's actor id (in the directory; not the issuer).
        to: String,
        /// When it ends (exclusive; after `from`). Listed before the
        /// optional `from` so that generated bindings (UniFFI's Python
        /// backend) put required parameters first.
        until: Timestamp,
        /// When the delegation starts (default: the command's `at`; not
        /// before it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Timestamp>,
        /// Why, e.g. "on leave".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// End the issuer's delegations to `to` that still run (or are still
    /// to start) at the command's `at`. Votes already cast keep counting.
    RevokeDelegation {
        /// The delegate's actor id.
        to: String,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// ECAB override of one rule for the current approval round (in
    /// approval; docs/lifecycle.md, "ECAB overrides"): the gate report of
    /// the rule is met and names the override. A send-back or an amendment
    /// that voids the round voids it.
    Override {
        /// The rule overridden: `approval.maintenance_window`,
        /// `approval.blackout` (emergency releases) or `deployment.window`.
        rule: String,
        /// Why (required; recorded in the log).
        justification: String,
    },
}

/// The new values of an `amend` command: every sealed field of the release
/// (see [`crate::record::SEALED_FIELDS`]); a field left out keeps its value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// Release kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ReleaseKind>,
    /// Owner (release manager).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Release team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Vec<String>>,
    /// Scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Objectives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objectives: Option<Vec<String>>,
    /// The whole list of changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<Change>>,
    /// The release's own affected CIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affected_cis: Option<Vec<String>>,
    /// Window start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_start: Option<Timestamp>,
    /// Window end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_end: Option<Timestamp>,
    /// Business services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<String>>,
    /// Target environments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environments: Option<Vec<String>>,
    /// Releases this one depends on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<Vec<String>>,
    /// Deployment strategy and its parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<DeploymentPlan>,
    /// Rollback plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_plan: Option<RollbackPlan>,
    /// Communication (its `plan` is sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication: Option<Communication>,
    /// An attached risk assessment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<AttachedRisk>,
    /// Knowledge articles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge_articles: Option<Vec<String>>,
}

impl Amendment {
    /// The names of the fields this amendment sets, in document order.
    pub fn fields(&self) -> Vec<&'static str> {
        let Amendment {
            kind,
            owner,
            team,
            scope,
            objectives,
            changes,
            affected_cis,
            planned_start,
            planned_end,
            services,
            environments,
            depends_on,
            deployment,
            rollback_plan,
            communication,
            risk,
            knowledge_articles,
        } = self;
        [
            ("kind", kind.is_some()),
            ("owner", owner.is_some()),
            ("team", team.is_some()),
            ("scope", scope.is_some()),
            ("objectives", objectives.is_some()),
            ("changes", changes.is_some()),
            ("affected_cis", affected_cis.is_some()),
            ("planned_start", planned_start.is_some()),
            ("planned_end", planned_end.is_some()),
            ("services", services.is_some()),
            ("environments", environments.is_some()),
            ("depends_on", depends_on.is_some()),
            ("deployment", deployment.is_some()),
            ("rollback_plan", rollback_plan.is_some()),
            ("communication", communication.is_some()),
            ("risk", risk.is_some()),
            ("knowledge_articles", knowledge_articles.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }

    /// True when it sets only what may change after the deployment
    /// started (knowledge articles, communication) and does not touch
    /// what approvers approve.
    fn after_deployment_only(&self) -> bool {
        self.fields()
            .iter()
            .all(|f| matches!(*f, "knowledge_articles" | "communication"))
    }

    /// Writes the new values into `release`.
    fn apply_to(&self, release: &mut Release) {
        let a = self.clone();
        if let Some(v) = a.kind {
            release.kind = v;
        }
        if let Some(v) = a.owner {
            release.owner = Some(v);
        }
        if let Some(v) = a.team {
            release.team = v;
        }
        if let Some(v) = a.scope {
            release.scope = Some(v);
        }
        if let Some(v) = a.objectives {
            release.objectives = v;
        }
        if let Some(v) = a.changes {
            release.changes = v;
        }
        if let Some(v) = a.affected_cis {
            release.affected_cis = v;
        }
        if let Some(v) = a.planned_start {
            release.planned_start = Some(v);
        }
        if let Some(v) = a.planned_end {
            release.planned_end = Some(v);
        }
        if let Some(v) = a.services {
            release.services = v;
        }
        if let Some(v) = a.environments {
            release.environments = v;
        }
        if let Some(v) = a.depends_on {
            release.depends_on = v;
        }
        if let Some(v) = a.deployment {
            release.deployment = Some(v);
        }
        if let Some(v) = a.rollback_plan {
            release.rollback_plan = Some(v);
        }
        if let Some(v) = a.communication {
            release.communication = Some(v);
        }
        if let Some(v) = a.risk {
            release.risk = Some(v);
        }
        if let Some(v) = a.knowledge_articles {
            release.knowledge_articles = v;
        }
    }
}

impl Action {
    /// A vote's parameters (approve, reject): the role, the blackout
    /// override, the group and the principal it is cast on behalf of.
    fn vote(&self) -> Option<(Role, bool, Option<&str>, Option<&str>)> {
        match self {
            Action::Approve {
                role,
                override_blackout,
                group,
                on_behalf_of,
                ..
            } => Some((
                *role,
                *override_blackout,
                group.as_deref(),
                on_behalf_of.as_deref(),
            )),
            Action::Reject {
                role,
                group,
                on_behalf_of,
                ..
            } => Some((*role, false, group.as_deref(), on_behalf_of.as_deref())),
            _ => None,
        }
    }

    /// Every command name, as in `{"command": …}`, in lifecycle order.
    pub const NAMES: [&'static str; 16] = [
        "advance",
        "send_back",
        "record_tests",
        "approve",
        "reject",
        "start_deployment",
        "complete_deployment",
        "roll_back",
        "complete_review",
        "close",
        "cancel",
        "amend",
        "import",
        "delegate",
        "revoke_delegation",
        "override",
    ];

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
            Action::Amend { .. } => "amend",
            Action::Import { .. } => "import",
            Action::Delegate { .. } => "delegate",
            Action::RevokeDelegation { .. } => "revoke_delegation",
            Action::Override { .. } => "override",
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
        Action::Amend { set, .. } => {
            let open = matches!(s, State::Planning | State::Development | State::Testing | State::Approval);
            let late = matches!(s, State::Deployment | State::Review) && set.after_deployment_only();
            if !open && !late {
                let what = if is_terminal(s) {
                    format!("{} is {}: its record is closed", release.id, s.as_str())
                } else {
                    format!(
                        "in {} only knowledge_articles and communication may be amended, not {}",
                        s.as_str(),
                        set.fields().join(", ")
                    )
                };
                return Err(not_now(release, s, what));
            }
            return Ok((s, &roles.amend));
        }
        Action::Import { approvals, tests, .. } => {
            if !approvals.is_empty() && s != State::Approval {
                return Err(not_now(release, s, format!("imported votes are cast in approval, not {}", s.as_str())));
            }
            if !tests.is_empty() && !matches!(s, State::Development | State::Testing) {
                return Err(not_now(release, s, format!("imported test runs are recorded in development or testing, not {}", s.as_str())));
            }
            return Ok((s, &roles.import));
        }
        Action::Delegate { .. } | Action::RevokeDelegation { .. } => {
            if !matches!(s, State::Planning | State::Development | State::Testing | State::Approval) {
                return Err(not_now(release, s, format!("approval rights are delegated from planning to approval, not in {}", s.as_str())));
            }
            // The delegator's voting roles are checked with the command.
            return Ok((s, &[]));
        }
        Action::Override { .. } => {
            if s != State::Approval {
                return Err(not_now(release, s, format!("overrides are issued in approval, not {}", s.as_str())));
            }
            return Ok((s, &roles.override_));
        }
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
    group: Option<&str>,
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
    let role_name = role.as_str();
    if !actor.roles.contains(&role) {
        return Err(forbidden(
            "roles.vote_role",
            format!(
                "{} does not hold the role {role_name} and cannot vote in it",
                actor.id
            ),
        ));
    }
    // A vote for a routed group is cast in any role the voter holds.
    let routed = super::routing_vote::check_group(actor, group, policy)?;
    let votes_here =
        routed || gates.quorum.iter().any(|q| q.role == role) || gates.high_risk_approver == role;
    if !votes_here {
        return Err(forbidden(
            "roles.vote_role",
            format!(
                "{role_name} does not vote on {} releases under this policy",
                release.kind.as_str()
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

/// Checks a vote `voter` casts at `at` in `role` (with the blackout
/// override flag), in their own right or, with `on_behalf_of` (its JSON
/// path `path`), with the rights a delegation lends them: the principal is
/// in the directory, holds the role and is not conflicted; the voter is not
/// conflicted either; a delegation covers `at`.
#[allow(clippy::too_many_arguments)]
fn check_cast(
    release: &Release,
    voter: &Actor,
    on_behalf_of: Option<&str>,
    path: &str,
    (role, override_blackout, group): (Role, bool, Option<&str>),
    at: &Timestamp,
    context: &Context,
    policy: &Policy,
    record: &Record,
) -> Result<()> {
    let Some(p) = on_behalf_of else {
        return check_vote(release, voter, role, override_blackout, group, policy);
    };
    require_text(path, p)?;
    let principal = directory_entry(context, p, path)?;
    delegation::check_delegated_vote(release, voter, principal, at, path, policy, record)?;
    check_vote(release, principal, role, override_blackout, group, policy)
}

/// Finds the issuer of a command in the directory: as written, or refused
/// when the id only collides with an entry (another casing, a look-alike,
/// stray white space).
fn directory_entry<'c>(context: &'c Context, id: &str, path: &str) -> Result<&'c Actor> {
    match identity::lookup(&context.actors, id, |a| a.id.as_str()) {
        Lookup::Exact(actor) => Ok(actor),
        Lookup::Confusable(actor) => Err(Error::Forbidden {
            rule: "identity.confusable".to_string(),
            message: format!(
                "{path} `{}` is not in the directory as written but is the same person as `{}` (compared after NFKC, case folding, trimming and the UTS #39 confusable skeleton); use the directory's id",
                id.escape_debug(),
                actor.id
            ),
        }),
        Lookup::Unknown => {
            let why = if context.actors.is_empty() {
                "the context has no actor directory (context.actors)".to_string()
            } else {
                format!("{path} `{}` is not in the directory", id.escape_debug())
            };
            Err(forbidden(
                "roles.directory",
                format!("{why}; every command is checked against it"),
            ))
        }
    }
}

/// The approval round after `round`; `invalid_input` at `approval_round`
/// past the last.
fn next_round(round: u32) -> Result<u32> {
    round
        .checked_add(1)
        .ok_or_else(|| Error::invalid_input("approval_round", "is at the last round"))
}

/// True for the commands that start, complete or roll back a deployment.
fn deploys(release: &Release, action: &Action) -> bool {
    match action {
        Action::StartDeployment | Action::CompleteDeployment { .. } | Action::RollBack { .. } => {
            true
        }
        Action::Advance => release.state == State::Approval,
        _ => false,
    }
}

pub(super) fn apply(
    release: &Release,
    command: &Command,
    context: &Context,
    policy: &Policy,
    record: &Record,
) -> Result<Applied> {
    let action = &command.action;
    let actor = directory_entry(context, &command.actor, "actor")?;

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
    // A vote on an emergency release deployed before its approval quorum
    // was met is retrospective (in deployment or review); the deployer may
    // not give it (docs/lifecycle.md, "The emergency path").
    let retrospective = super::emergency::retrospective_vote(release, action, record, actor)?;
    let (target, roles) = if retrospective {
        (release.state, &[][..])
    } else {
        plan(release, action, policy)?
    };
    match action {
        Action::Approve { .. } | Action::Reject { .. } => {
            if let Some((role, override_blackout, group, on_behalf_of)) = action.vote() {
                check_cast(
                    release,
                    actor,
                    on_behalf_of,
                    "on_behalf_of",
                    (role, override_blackout, group),
                    &command.at,
                    context,
                    policy,
                    record,
                )?;
            }
        }
        Action::Delegate {
            to, from, until, ..
        } => {
            require_text("to", to)?;
            let delegate = directory_entry(context, to, "to")?;
            let from = from.as_ref().unwrap_or(&command.at);
            delegation::check_delegate(release, actor, delegate, from, until, &command.at, policy)?;
        }
        Action::RevokeDelegation { to, .. } => require_text("to", to)?,
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
    let mut details = Extra::new();
    let sod = &policy.lifecycle.separation_of_duties;
    if deploys(release, action) && record.approved_by(&actor.id) {
        if sod.forbid_approver_deployment {
            return Err(forbidden(
                "sod.approver_deployment",
                format!(
                    "{} approved release {} and cannot also {} it (separation_of_duties.forbid_approver_deployment)",
                    actor.id,
                    release.id,
                    match action {
                        Action::RollBack { .. } => "roll back",
                        Action::CompleteDeployment { .. } => "complete the deployment of",
                        _ => "start the deployment of",
                    }
                ),
            ));
        }
        details.insert(
            "sod_relaxed".into(),
            json!(["separation_of_duties.forbid_approver_deployment"]),
        );
    }
    match action {
        Action::SendBack { reason, .. } => require_text("reason", reason)?,
        Action::Cancel { reason } => require_text("reason", reason)?,
        Action::Amend { reason, set } => {
            require_text("reason", reason)?;
            check_amendment(set)?;
        }
        Action::Import {
            source,
            approvals,
            tests,
            adopt,
            ..
        } => {
            require_text("source", source)?;
            if *adopt && record.sealed_at.is_some() {
                return Err(not_now(
                    release,
                    release.state,
                    format!(
                        "{} is already in the record (sealed at seq {}): adopt is for a release whose log is empty or predates sealing; use amend or an import of votes or runs",
                        release.id,
                        record.sealed_at.as_ref().map_or(0, |s| s.seq)
                    ),
                ));
            }
            if approvals.is_empty() && tests.is_empty() && !adopt {
                return Err(Error::invalid_input(
                    "approvals",
                    "an import vouches for something: give approvals, tests or adopt",
                ));
            }
            // The current round started with the last send-back or voiding
            // amendment: a vote cast before it belongs to a voided round.
            let round_start = release
                .log
                .iter()
                .rev()
                .find(|e| {
                    e.command == "send_back"
                        || (e.command == "amend" && e.details.contains_key("voided_round"))
                })
                .map(|e| &e.at);
            for (i, vote) in approvals.iter().enumerate() {
                if let Some(start) = round_start.filter(|start| vote.at < **start) {
                    return Err(Error::invalid_input(
                        format!("approvals[{i}].at"),
                        format!(
                            "the vote was cast before the current approval round started ({} is before {start}); it belongs to a voided round",
                            vote.at
                        ),
                    ));
                }
                if vote.at > command.at {
                    return Err(Error::invalid_input(
                        format!("approvals[{i}].at"),
                        format!(
                            "a vote cannot be cast after it is imported ({} is after the import at {})",
                            vote.at, command.at
                        ),
                    ));
                }
                let path = format!("approvals[{i}].approver");
                let voter = directory_entry(context, &vote.approver, &path)
                    .map_err(|e| at_path(e, &path))?;
                let behalf = format!("approvals[{i}].on_behalf_of");
                check_cast(
                    release,
                    voter,
                    vote.on_behalf_of.as_deref(),
                    &behalf,
                    (vote.role, vote.override_blackout, vote.group.as_deref()),
                    &vote.at,
                    context,
                    policy,
                    record,
                )
                .map_err(|e| at_path(e, &path))?;
            }
            for (i, run) in tests.iter().enumerate() {
                if run.at.as_ref().is_some_and(|t| *t > command.at) {
                    return Err(Error::invalid_input(
                        format!("tests[{i}].at"),
                        "a test run cannot be recorded after it is imported",
                    ));
                }
            }
            check_uat_signoff(release, tests, policy)?;
        }
        Action::Override {
            rule,
            justification,
        } => super::overrides::check(release, actor, rule, justification, policy)?,
        Action::CompleteReview { incidents, .. } => {
            for (i, id) in incidents.iter().enumerate() {
                require_text(&format!("incidents[{i}]"), id)?;
            }
        }
        Action::RecordTests { tests } => {
            if tests.is_empty() {
                return Err(Error::invalid_input(
                    "tests",
                    "record at least one test run",
                ));
            }
            check_uat_signoff(release, tests, policy)?;
        }
        _ => {}
    }

    let mut next = release.clone();
    let mut triggers = Vec::new();
    let at = &command.at;
    match action {
        Action::Advance | Action::StartDeployment | Action::Close => {}
        Action::SendBack { reason, .. } => {
            let round = release.approval_round.unwrap_or(1);
            next.approval_round = Some(next_round(round)?);
            details.insert("reason".into(), json!(reason));
            details.insert("voided_round".into(), json!(round));
        }
        Action::RecordTests { tests } => {
            let runs: Vec<TestRun> = tests
                .iter()
                .map(|t| TestRun {
                    at: t.at.clone().or_else(|| Some(at.clone())),
                    source: None,
                    ..record::without_extra_run(t)
                })
                .collect();
            details.insert("tests".into(), json!(runs));
            next.tests
                .extend(tests.iter().zip(runs).map(|(given, run)| TestRun {
                    extra: given.extra.clone(),
                    ..run
                }));
        }
        Action::Approve { .. } | Action::Reject { .. } => {}
        Action::Delegate {
            to,
            from,
            until,
            comment,
        } => {
            details.insert("to".into(), json!(to));
            details.insert("from".into(), json!(from.as_ref().unwrap_or(at)));
            details.insert("until".into(), json!(until));
            if let Some(c) = comment {
                details.insert("comment".into(), json!(c));
            }
        }
        Action::RevokeDelegation { to, comment } => {
            let revoked = delegation::check_revoke(record, &command.actor, to, at)?;
            details.insert("to".into(), json!(to));
            details.insert("revoked".into(), json!(revoked));
            if let Some(c) = comment {
                details.insert("comment".into(), json!(c));
            }
        }
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
        Action::CompleteReview {
            summary,
            lessons,
            incidents,
        } => {
            let review = next.review.get_or_insert_with(Review::default);
            review.completed_at = Some(at.clone());
            if summary.is_some() {
                review.summary.clone_from(summary);
            }
            review.lessons.extend(lessons.iter().cloned());
            if let Some(text) = summary {
                details.insert("summary".into(), json!(text));
            }
            if !lessons.is_empty() {
                details.insert("lessons".into(), json!(lessons));
            }
            if !incidents.is_empty() {
                review.incidents.extend(incidents.iter().cloned());
                details.insert("incidents".into(), json!(incidents));
            }
        }
        Action::Cancel { reason } => {
            details.insert("reason".into(), json!(reason));
        }
        Action::Override {
            rule,
            justification,
        } => {
            let round = release.approval_round.unwrap_or(1);
            super::overrides::details(&mut details, rule, justification, round);
        }
        Action::Amend { reason, set } => {
            details.insert("reason".into(), json!(reason));
            details.insert("fields".into(), json!(set.fields()));
            details.insert(
                "set".into(),
                serde_json::to_value(set)
                    .map_err(|e| Error::internal(format!("cannot serialise the amendment: {e}")))?,
            );
            set.apply_to(&mut next);
            if release.state == State::Approval && !set.after_deployment_only() {
                let round = release.approval_round.unwrap_or(1);
                next.approval_round = Some(next_round(round)?);
                details.insert("voided_round".into(), json!(round));
            }
        }
        Action::Import {
            source,
            records,
            approvals,
            tests,
            adopt,
        } => {
            details.insert("source".into(), json!(source));
            if !records.is_empty() {
                details.insert("records".into(), json!(records));
            }
            if *adopt {
                // Every fact adopted without a source of its own is marked
                // as vouched for by this import.
                for a in next.approvals.iter_mut().filter(|a| a.source.is_none()) {
                    a.source = Some(source.clone());
                }
                for t in next.tests.iter_mut().filter(|t| t.source.is_none()) {
                    t.source = Some(source.clone());
                }
                details.insert(
                    "adopt".into(),
                    serde_json::to_value(Adopted::of(&next)).map_err(|e| {
                        Error::internal(format!("cannot serialise the adopted record: {e}"))
                    })?,
                );
            }
            if !approvals.is_empty() {
                let round = next.approval_round.unwrap_or(1);
                let fingerprint = scope_fingerprint(&next);
                let votes: Vec<Approval> = approvals
                    .iter()
                    .map(|v| Approval {
                        round: Some(round),
                        fingerprint: Some(fingerprint.clone()),
                        source: Some(source.clone()),
                        retrospective: false,
                        ..record::without_extra_vote(v)
                    })
                    .collect();
                details.insert("approvals".into(), json!(votes));
                next.approvals
                    .extend(approvals.iter().zip(votes).map(|(given, vote)| Approval {
                        extra: given.extra.clone(),
                        ..vote
                    }));
            }
            if !tests.is_empty() {
                let runs: Vec<TestRun> = tests
                    .iter()
                    .map(|t| TestRun {
                        at: t.at.clone().or_else(|| Some(at.clone())),
                        source: Some(source.clone()),
                        ..record::without_extra_run(t)
                    })
                    .collect();
                details.insert("tests".into(), json!(runs));
                next.tests
                    .extend(tests.iter().zip(runs).map(|(given, run)| TestRun {
                        extra: given.extra.clone(),
                        ..run
                    }));
            }
        }
    }
    if let Action::Approve {
        role,
        comment,
        override_blackout,
        group,
        on_behalf_of,
    } = action
    {
        record_vote(
            &mut next,
            command,
            (*role, Decision::Approved),
            comment,
            (*override_blackout, retrospective),
            on_behalf_of,
            &mut details,
        );
        super::routing_vote::record_group(&mut next, group, &mut details);
    }
    if let Action::Reject {
        role,
        comment,
        group,
        on_behalf_of,
    } = action
    {
        record_vote(
            &mut next,
            command,
            (*role, Decision::Rejected),
            comment,
            (false, retrospective),
            on_behalf_of,
            &mut details,
        );
        super::routing_vote::record_group(&mut next, group, &mut details);
    }
    // The first event seals every sealed field as it stands (genesis); an
    // amendment and an adopting import seal the fields anew.
    let seals = release.log.is_empty()
        || matches!(
            action,
            Action::Amend { .. } | Action::Import { adopt: true, .. }
        );
    if seals {
        details.insert("seal".into(), record::seal(&next));
    }
    if release.log.is_empty() && release.state == State::Planning && !release.tests.is_empty() {
        let runs: Vec<TestRun> = release
            .tests
            .iter()
            .map(record::without_extra_run)
            .collect();
        details.insert("sealed_tests".into(), json!(runs));
    }

    let seq = match release.log.last() {
        None => 1,
        Some(e) => e.seq.checked_add(1).ok_or_else(|| {
            Error::invalid_input(
                format!("log[{}].seq", release.log.len().saturating_sub(1)),
                "the log is at its last sequence number",
            )
        })?,
    };
    let prev = audit::head(release);
    let mut event = Event {
        seq,
        at: at.clone(),
        actor: command.actor.clone(),
        command: action.name().to_string(),
        from: release.state,
        to: target,
        details,
        policy_fingerprint: audit::policy_fingerprint(policy)?,
        hash: String::new(),
        auth: None,
        extra: Extra::new(),
    };
    next.log.push(audit::seal(&prev, event.clone()));

    // Only these commands keep the release in its state; every other command
    // is a transition and passes the gates (which deny a "transition" to the
    // state the release is already in, so terminal states stay terminal).
    // The gates read the release with this command's event in its log, so
    // they count what the command records (an outcome, a rollback).
    let stays = match action {
        Action::RecordTests { .. }
        | Action::Approve { .. }
        | Action::Reject { .. }
        | Action::CompleteReview { .. }
        | Action::Amend { .. }
        | Action::Import { .. }
        | Action::Delegate { .. }
        | Action::RevokeDelegation { .. }
        | Action::Override { .. } => true,
        Action::CompleteDeployment { outcome, rollout } => matches!(
            deployment_outcome(*outcome, rollout.as_ref()),
            Ok(Outcome::Failed | Outcome::RolledBack)
        ),
        _ => false,
    };
    let replayed = record::replay(&next);
    let differences = record::differences(&next, &replayed);
    if let Some(d) = differences.first() {
        // The command wrote the document and its event together; a
        // difference here is relman's own bug, never the caller's input.
        return Err(Error::internal(format!(
            "the applied {} does not replay to its own document: {}: {}",
            action.name(),
            d.path,
            d.message
        )));
    }
    let report = if !stays {
        let mut log = super::LogCheck::of_applied(replayed);
        log.applying_at = Some(at.clone());
        let report = gates::evaluate(&next, target, context, policy, &log);
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
            // Report data, not a gate-read fact: the event is sealed again
            // with it (the replay does not read it).
            event
                .details
                .insert("blackout_override".into(), o.data.clone());
            next.log.pop();
            next.log.push(audit::seal(&prev, event.clone()));
        }
        // The emergency path: the quorum was deferred; the event records
        // when the retrospective approval is due (the replay reads it).
        if let Some(deferred) = super::emergency::deferral(&report) {
            event.details.insert("approval_deferred".into(), deferred);
            next.log.pop();
            next.log.push(audit::seal(&prev, event.clone()));
        }
    }
    let event = next
        .log
        .last()
        .cloned()
        .ok_or_else(|| Error::internal("the applied event vanished"))?;
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

/// The error `e` with its path set to `path` (for errors about one item of
/// a list parameter).
fn at_path(e: Error, path: &str) -> Error {
    match e {
        Error::Forbidden { rule, message } => Error::Forbidden {
            rule,
            message: format!("{path}: {message}"),
        },
        other => other,
    }
}

/// With `forbid_implementer_uat_signoff`: no UAT run signed off by an
/// implementer of a change (compared as one person).
fn check_uat_signoff(release: &Release, tests: &[TestRun], policy: &Policy) -> Result<()> {
    if !policy
        .lifecycle
        .separation_of_duties
        .forbid_implementer_uat_signoff
    {
        return Ok(());
    }
    for t in tests.iter().filter(|t| t.kind == TestKind::Uat) {
        if let Some(signer) = &t.signed_off_by {
            if release.changes.iter().any(|c| {
                c.implementer
                    .as_deref()
                    .is_some_and(|i| identity::same_person(i, signer))
            }) {
                return Err(forbidden(
                    "sod.implementer_uat_signoff",
                    format!(
                        "{signer} implements a change of {} and cannot sign off its UAT",
                        release.id
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// An amendment must set something, and what it sets must be consistent.
fn check_amendment(set: &Amendment) -> Result<()> {
    if set.fields().is_empty() {
        return Err(Error::invalid_input("set", "the amendment sets no field"));
    }
    if let (Some(start), Some(end)) = (&set.planned_start, &set.planned_end) {
        if end <= start {
            return Err(Error::invalid_input(
                "set.planned_end",
                format!("must be after planned_start ({end} is not after {start})"),
            ));
        }
    }
    if let Some(changes) = &set.changes {
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in changes.iter().enumerate() {
            if !seen.insert(c.id.as_str()) {
                return Err(Error::invalid_input(
                    format!("set.changes[{i}].id"),
                    format!("change id {} appears twice", c.id),
                ));
            }
        }
    }
    Ok(())
}

fn record_vote(
    next: &mut Release,
    command: &Command,
    (role, decision): (Role, Decision),
    comment: &Option<String>,
    (override_blackout, retrospective): (bool, bool),
    on_behalf_of: &Option<String>,
    details: &mut Extra,
) {
    let round = next.approval_round.unwrap_or(1);
    let fingerprint = scope_fingerprint(next);
    details.insert("role".into(), json!(role));
    details.insert("decision".into(), json!(decision));
    details.insert("round".into(), json!(round));
    details.insert("fingerprint".into(), json!(fingerprint));
    if let Some(c) = comment {
        details.insert("comment".into(), json!(c));
    }
    if override_blackout {
        details.insert("override_blackout".into(), Value::Bool(true));
    }
    if let Some(p) = on_behalf_of {
        details.insert("on_behalf_of".into(), json!(p));
    }
    if retrospective {
        details.insert("retrospective".into(), Value::Bool(true));
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
        group: None,
        retrospective,
        source: None,
        on_behalf_of: on_behalf_of.clone(),
        extra: Extra::new(),
    });
}
