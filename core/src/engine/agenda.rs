//! The CAB agenda (docs/reports.md, "CAB agenda"): the releases awaiting
//! approval in a period, each with what the change advisory board needs to
//! decide on it.
//!
//! Decides: nothing of its own — it gathers the verdicts of the other
//! engines. Needs: a [`Schedule`], a period `[from, to)` and a
//! [`Context`] (actors, history, policy; CMDB and calendar when the
//! schedule has none).
//!
//! An item is a release of the schedule in state `approval` whose planned
//! window intersects the period. For each item:
//!
//! - the **approval gate** is the lifecycle's: [`check`](crate::check()) of
//!   the release to `deployment` (so the log's replay, the quorum rules, the
//!   separation of duties and every other approval requirement are the
//!   lifecycle's own); the agenda lists each quorum group (required,
//!   approved by, missing votes, who in the directory may still vote), the
//!   extra approver a risk above the limit calls for, the outstanding
//!   rejections and every unmet requirement;
//! - the **conflicts** involving the release, from one conflict detection
//!   over the whole schedule;
//! - the **risk** score and level with the three largest contributions,
//!   from one [`RiskAssessor`] prepared for every item;
//! - the **rollback plan**: none, documented or tested, and its estimated
//!   duration.
//!
//! Items are ordered by window start, then risk score (higher first), then
//! release id. The policy in force is the context's, else the schedule's,
//! else the default; the CMDB and calendar are the schedule's, else the
//! context's.

use crate::conflict::{detect_with_policy, Window};
use crate::error::{Error, Result, Warning};
use crate::lifecycle::conflict_of_interest;
use crate::{
    check, ConflictKind, Context, Policy, Release, ReleaseKind, RiskAssessor, RiskLevel, Role,
    Schedule, Severity, State, Timestamp,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// How many risk factors an item lists.
const TOP_FACTORS: usize = 3;

/// The CAB agenda of a period: the result of [`cab_agenda`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CabAgenda {
    /// Start of the period (inclusive).
    pub from: Timestamp,
    /// End of the period (exclusive).
    pub to: Timestamp,
    /// The releases awaiting approval whose window intersects the period,
    /// by window start, then risk score (higher first), then id.
    pub items: Vec<AgendaItem>,
    /// What was odd but not fatal (e.g. a release in approval without a
    /// planned window, which cannot be placed in the period).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// One release on the agenda.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgendaItem {
    /// The release id.
    pub release_id: String,
    /// Its title.
    pub title: String,
    /// Its version, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Its kind.
    pub kind: ReleaseKind,
    /// Its owner (release manager), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Its planned window.
    pub window: Window,
    /// The business services it affects.
    #[serde(default)]
    pub services: Vec<String>,
    /// The environments it targets.
    #[serde(default)]
    pub environments: Vec<String>,
    /// True when every requirement of leaving approval is met now (the
    /// lifecycle's `check` to `deployment` allows it).
    pub ready: bool,
    /// The votes: quorum groups, extra approvers, rejections.
    pub approvals: AgendaApprovals,
    /// Every requirement of leaving approval that is not met, in gate
    /// order, as the lifecycle reports it.
    #[serde(default)]
    pub unmet: Vec<UnmetRequirement>,
    /// The conflicts of the schedule involving the release.
    #[serde(default)]
    pub conflicts: Vec<AgendaConflict>,
    /// The risk score, level and largest contributions.
    pub risk: AgendaRisk,
    /// The rollback plan's status.
    pub rollback: RollbackStatus,
}

/// The votes of an item's current approval round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgendaApprovals {
    /// The approval round votes count in.
    pub round: u32,
    /// True when every change is a standard change: pre-approved, no vote
    /// needed.
    pub standard_only: bool,
    /// True when the `approval.quorum` requirement is met.
    pub quorum_met: bool,
    /// The groups whose votes are required: every quorum rule of the
    /// release's kind, then the extra approver a risk above the limit
    /// needs.
    pub groups: Vec<ApprovalGroup>,
    /// Outstanding rejections (each person's latest vote).
    #[serde(default)]
    pub rejections: Vec<Rejection>,
}

/// Why a group's vote is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupReason {
    /// A quorum rule of the release's kind (`approval.quorum`).
    Quorum,
    /// The risk is above the policy's limit (`approval.risk`).
    RiskAboveLimit,
}

/// One group (role) whose approvals are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalGroup {
    /// The role that votes.
    pub role: Role,
    /// Why its vote is required.
    pub reason: GroupReason,
    /// How many approvals are needed; absent when a percentage rule has no
    /// member of the role in the directory to count from.
    #[serde(default)]
    pub needed: Option<u32>,
    /// Who approved in the current round (valid votes only).
    #[serde(default)]
    pub approved_by: Vec<String>,
    /// How many approvals are still missing (0 when the group is met).
    pub missing: u32,
    /// The directory members of the role who have not voted in this round
    /// and whom separation of duties does not keep from approving, sorted.
    #[serde(default)]
    pub eligible: Vec<String>,
}

/// An outstanding rejection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rejection {
    /// Who rejected.
    pub approver: String,
    /// The role they voted in.
    pub role: Role,
    /// Their comment, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A requirement of leaving approval that is not met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UnmetRequirement {
    /// The rule id (`approval.quorum`, `approval.rollback_plan`, …).
    pub rule: String,
    /// The lifecycle's sentence.
    pub message: String,
}

/// A conflict involving an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgendaConflict {
    /// The rule that fired.
    pub kind: ConflictKind,
    /// Block or warn.
    pub severity: Severity,
    /// The other releases and changes involved, sorted (empty for a
    /// conflict of the release alone, e.g. a blackout).
    #[serde(default)]
    pub with: Vec<String>,
    /// The CIs involved, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis: Vec<String>,
    /// The overlapping window, when the kind has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// The conflict engine's explanation.
    pub explanation: String,
}

/// An item's risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgendaRisk {
    /// The score from 0 to 100.
    pub score: f64,
    /// The assessed level.
    pub level: RiskLevel,
    /// The largest contributions (at most three, positive only), largest
    /// first.
    pub top_factors: Vec<TopFactor>,
}

/// One of an item's largest risk contributions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TopFactor {
    /// The factor name.
    pub name: String,
    /// Points it adds to the score.
    pub contribution: f64,
    /// The risk engine's explanation.
    pub explanation: String,
}

/// How far the rollback plan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RollbackState {
    /// No rollback plan, or one neither documented nor tested.
    None,
    /// Documented, not tested.
    Documented,
    /// Tested (rehearsed).
    Tested,
}

/// An item's rollback plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RollbackStatus {
    /// None, documented or tested.
    pub status: RollbackState,
    /// The expected duration of a rollback, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_secs: Option<u64>,
}

/// The quorum requirement's data, as the lifecycle's gate report writes it.
#[derive(Deserialize)]
struct QuorumData {
    #[serde(default)]
    round: u32,
    #[serde(default)]
    rules: Vec<QuorumRuleData>,
    #[serde(default)]
    standard_only: bool,
}

#[derive(Deserialize)]
struct QuorumRuleData {
    role: Role,
    needed: Option<u32>,
    #[serde(default)]
    approvers: Vec<String>,
}

/// The risk requirement's data: the extra approver above the limit.
#[derive(Deserialize)]
struct RiskData {
    extra_approver_role: Option<Role>,
    #[serde(default)]
    extra_approvers: Vec<String>,
}

/// The policy in force: the context's, else the schedule's, else the
/// default.
fn policy_of(schedule: &Schedule, context: &Context) -> Policy {
    context
        .policy
        .clone()
        .or_else(|| schedule.policy.clone())
        .unwrap_or_default()
}

/// The CAB agenda of `schedule` for the period `[from, to)`.
///
/// Errors: `invalid_input` at `period_end` (the operation's name of `to`)
/// when `to` is not after `from`; the
/// errors of conflict detection on the schedule (`invalid_input`,
/// `invalid_policy`, `limit_exceeded`) and of preparing the risk context.
pub fn cab_agenda(
    schedule: &Schedule,
    from: &Timestamp,
    to: &Timestamp,
    context: &Context,
) -> Result<CabAgenda> {
    if to <= from {
        return Err(Error::invalid_input(
            "period_end",
            format!("must be after the period's start ({from}); got {to}"),
        ));
    }
    let policy = policy_of(schedule, context);
    // The schedule as the conflict engine reads it: the context's CMDB and
    // calendar when it has none of its own.
    let mut sched = schedule.clone();
    if sched.cmdb.is_none() {
        sched.cmdb = context.cmdb.clone();
    }
    if sched.calendar.is_none() {
        sched.calendar = context.calendar.clone();
    }
    let report = detect_with_policy(&sched, &policy)?;
    // The context the gates and the risk assessor read.
    let mut ctx = context.clone();
    ctx.policy = Some(policy);
    ctx.cmdb = sched.cmdb.clone();
    ctx.calendar = sched.calendar.clone();
    sched.policy = None;
    ctx.schedule = Some(sched);
    let assessor = RiskAssessor::new(&ctx)?;
    let mut warnings = report.warnings.clone();
    let mut items = Vec::new();
    for (i, release) in schedule.releases.iter().enumerate() {
        if release.state != State::Approval {
            continue;
        }
        let (Some(start), Some(end)) = (&release.planned_start, &release.planned_end) else {
            warnings.push(Warning::new(
                "agenda_no_window",
                format!("releases[{i}]"),
                format!(
                    "{} awaits approval but has no planned window; left off the agenda",
                    release.id
                ),
            ));
            continue;
        };
        if !(start < to && end > from) {
            continue;
        }
        let window = Window {
            start: start.clone(),
            end: end.clone(),
        };
        items.push(item(release, window, &ctx, &assessor, &report.conflicts)?);
    }
    items.sort_by(item_order);
    Ok(CabAgenda {
        from: from.clone(),
        to: to.clone(),
        items,
        warnings,
    })
}

fn item(
    release: &Release,
    window: Window,
    ctx: &Context,
    assessor: &RiskAssessor<'_>,
    conflicts: &[crate::Conflict],
) -> Result<AgendaItem> {
    let assessment = assessor.assess(release)?;
    let mut factors: Vec<&crate::Factor> = assessment
        .factors
        .iter()
        .filter(|f| f.contribution > 0.0)
        .collect();
    factors.sort_by(|a, b| {
        b.contribution
            .total_cmp(&a.contribution)
            .then_with(|| a.name.cmp(&b.name))
    });
    let top_factors = factors
        .into_iter()
        .take(TOP_FACTORS)
        .map(|f| TopFactor {
            name: f.name.clone(),
            contribution: f.contribution,
            explanation: f.explanation.clone(),
        })
        .collect();
    let risk = AgendaRisk {
        score: assessment.score,
        level: assessment.level,
        top_factors,
    };
    let gate = check(release, State::Deployment, ctx);
    let approvals = approvals(release, ctx, &gate);
    // The agenda asks whether approval is complete: whether the deployment
    // may start at this moment (deployment.window, listed once the window
    // has opened at `context.now`) is not the CAB's question.
    let counted = |r: &&crate::Requirement| r.rule != "deployment.window";
    let ready = gate.requirements.iter().filter(counted).all(|r| r.met);
    let unmet = gate
        .unmet()
        .filter(counted)
        .map(|r| UnmetRequirement {
            rule: r.rule.clone(),
            message: r.message.clone(),
        })
        .collect();
    let conflicts = conflicts
        .iter()
        .filter(|c| c.items.contains(&release.id))
        .map(|c| AgendaConflict {
            kind: c.kind,
            severity: c.severity,
            with: c
                .items
                .iter()
                .filter(|x| **x != release.id)
                .cloned()
                .collect(),
            cis: c.cis.clone(),
            window: c.window.clone(),
            explanation: c.explanation.clone(),
        })
        .collect();
    let rollback = match &release.rollback_plan {
        None => RollbackStatus {
            status: RollbackState::None,
            estimated_secs: None,
        },
        Some(p) => RollbackStatus {
            status: if p.tested {
                RollbackState::Tested
            } else if p.documented {
                RollbackState::Documented
            } else {
                RollbackState::None
            },
            estimated_secs: p.estimated_secs,
        },
    };
    Ok(AgendaItem {
        release_id: release.id.clone(),
        title: release.title.clone(),
        version: release.version.clone(),
        kind: release.kind,
        owner: release.owner.clone(),
        window,
        services: release.services.clone(),
        environments: release.environments.clone(),
        ready,
        approvals,
        unmet,
        conflicts,
        risk,
        rollback,
    })
}

/// The groups, votes and rejections of the approval gate's report.
fn approvals(release: &Release, ctx: &Context, gate: &crate::GateReport) -> AgendaApprovals {
    let data_of = |rule: &str| {
        gate.requirements
            .iter()
            .find(|r| r.rule == rule)
            .map(|r| (r.met, r.data.clone()))
    };
    let quorum = data_of("approval.quorum");
    let quorum_met = quorum.as_ref().is_some_and(|(met, _)| *met);
    let q: Option<QuorumData> = quorum.and_then(|(_, d)| serde_json::from_value(d).ok());
    let rejections: Vec<Rejection> = data_of("approval.no_rejection")
        .and_then(|(_, d)| serde_json::from_value(d).ok())
        .unwrap_or_default();
    let sod = ctx
        .policy
        .as_ref()
        .map(|p| p.lifecycle.separation_of_duties.clone())
        .unwrap_or_default();
    let voted: Vec<&str> = rejections.iter().map(|r| r.approver.as_str()).collect();
    let eligible = |role: Role, approved: &[String]| -> Vec<String> {
        let mut out: Vec<String> = ctx
            .actors
            .iter()
            .filter(|a| a.roles.contains(&role))
            .filter(|a| {
                !approved
                    .iter()
                    .map(String::as_str)
                    .chain(voted.iter().copied())
                    .any(|v| crate::identity::same_person(v, &a.id))
            })
            .filter(|a| conflict_of_interest(release, &a.id, &sod).is_none())
            .map(|a| a.id.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    };
    let mut groups = Vec::new();
    let (round, standard_only) = match q {
        Some(q) => {
            for rule in q.rules {
                let have = u32::try_from(rule.approvers.len()).unwrap_or(u32::MAX);
                let missing = match (q.standard_only, rule.needed) {
                    (true, _) => 0,
                    (false, Some(n)) => n.saturating_sub(have),
                    (false, None) => 1,
                };
                groups.push(ApprovalGroup {
                    role: rule.role,
                    reason: GroupReason::Quorum,
                    needed: rule.needed,
                    eligible: if missing > 0 {
                        eligible(rule.role, &rule.approvers)
                    } else {
                        Vec::new()
                    },
                    approved_by: rule.approvers,
                    missing,
                });
            }
            (q.round, q.standard_only)
        }
        None => (release.approval_round.unwrap_or(1), false),
    };
    let risk: Option<RiskData> =
        data_of("approval.risk").and_then(|(_, d)| serde_json::from_value(d).ok());
    if let Some(RiskData {
        extra_approver_role: Some(role),
        extra_approvers,
    }) = risk
    {
        let missing = u32::from(extra_approvers.is_empty());
        groups.push(ApprovalGroup {
            role,
            reason: GroupReason::RiskAboveLimit,
            needed: Some(1),
            eligible: if missing > 0 {
                eligible(role, &extra_approvers)
            } else {
                Vec::new()
            },
            approved_by: extra_approvers,
            missing,
        });
    }
    AgendaApprovals {
        round,
        standard_only,
        quorum_met,
        groups,
        rejections,
    }
}

/// The order of items: window start, then risk score (higher first), then
/// id.
fn item_order(a: &AgendaItem, b: &AgendaItem) -> Ordering {
    a.window
        .start
        .cmp(&b.window.start)
        .then_with(|| b.risk.score.total_cmp(&a.risk.score))
        .then_with(|| a.release_id.cmp(&b.release_id))
}
