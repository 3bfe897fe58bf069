//! Overdue retrospective approvals (docs/reports.md, "Overdue
//! retrospective approvals"): the releases of a schedule deployed before
//! approval on the emergency path whose retrospective approval is past its
//! due time.
//!
//! Decides: for every release of the schedule whose log records a
//! deployment started before the approval quorum was met
//! (`details.approval_deferred` of the starting event, docs/lifecycle.md,
//! "The emergency path"), whether the kind's quorum is met now — counted
//! over the current round's votes as the lifecycle counts them — and, when
//! not, whether `now` is past the due time (exactly at `due_at` is not yet
//! overdue; one second later is).
//!
//! Needs: the schedule (its releases), `now` (relman reads no clock), the
//! policy (the kind's quorum) and the actor directory (who may vote; the
//! members of a role for a percentage quorum).

use crate::audit::verify_with_record;
use crate::error::Warning;
use crate::lifecycle::{human_secs, retrospective_status};
use crate::{Actor, Policy, Role, Schedule, State, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One quorum rule of an overdue release, counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OverdueQuorum {
    /// The role whose members vote.
    pub role: Role,
    /// Approvals needed (absent: a percentage rule with no members of the
    /// role in the directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed: Option<u32>,
    /// The distinct approvers counted.
    pub approvers: Vec<String>,
    /// Approvals still missing.
    pub missing: u64,
}

/// A release past its retrospective-approval window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OverdueRelease {
    /// The release's id.
    pub release_id: String,
    /// Its title.
    pub title: String,
    /// Its state.
    pub state: State,
    /// Who started the deployment (who may not give the approval).
    pub deployed_by: String,
    /// When the deployment started.
    pub started_at: Timestamp,
    /// When the retrospective approval was due.
    pub due_at: Timestamp,
    /// Seconds past `due_at` at `now`.
    pub overdue_secs: u64,
    /// The same, in words (`1d 2h`).
    pub overdue: String,
    /// Approvals counted towards the quorum (distinct approvers).
    pub votes_counted: u64,
    /// Approvals still missing.
    pub votes_missing: u64,
    /// Each quorum rule, counted.
    pub quorum: Vec<OverdueQuorum>,
    /// Approvers whose latest vote rejects the release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected_by: Vec<String>,
}

/// The result of [`overdue`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OverdueReport {
    /// The time judged at.
    pub now: Timestamp,
    /// The overdue releases, most overdue first (by due time, then id).
    pub releases: Vec<OverdueRelease>,
    /// Releases deployed before approval whose approval is still within
    /// its window (not overdue, not approved).
    pub pending: usize,
    /// What was odd: releases whose log does not verify (left out).
    pub warnings: Vec<Warning>,
}

/// Every release of `schedule` past its retrospective-approval window at
/// `now` (docs/reports.md, "Overdue retrospective approvals"), counted
/// under `policy` with the directory `actors`. A release whose log does
/// not verify is left out with a `log_not_verified` warning.
pub fn overdue(
    schedule: &Schedule,
    now: &Timestamp,
    policy: &Policy,
    actors: &[Actor],
) -> OverdueReport {
    let mut releases = Vec::new();
    let mut warnings = Vec::new();
    let mut pending = 0usize;
    for (i, r) in schedule.releases.iter().enumerate() {
        let (verdict, record) = verify_with_record(r, None, None);
        if let Some(t) = verdict.tamper {
            // Only a release whose log could record a deferral is named.
            if !r.log.is_empty() {
                warnings.push(Warning::new(
                    "log_not_verified",
                    format!("releases[{i}]"),
                    format!(
                        "{}: the audit log does not verify ({}); its retrospective approval was not checked",
                        r.id, t.message
                    ),
                ));
            }
            continue;
        }
        if record.legacy() {
            continue;
        }
        let Some(status) = retrospective_status(r, &record, actors, policy) else {
            continue;
        };
        if status.approved() {
            continue;
        }
        let Some(secs) = status.overdue_secs(now) else {
            pending = pending.saturating_add(1);
            continue;
        };
        let (votes_counted, votes_missing) = status.counted_missing();
        let d = &status.deferred;
        releases.push(OverdueRelease {
            release_id: r.id.clone(),
            title: r.title.clone(),
            state: r.state,
            deployed_by: d.deployer.clone(),
            started_at: d.started_at.clone(),
            due_at: d.due_at.clone(),
            overdue_secs: secs,
            overdue: human_secs(secs),
            votes_counted,
            votes_missing,
            quorum: status
                .rules
                .iter()
                .map(|q| OverdueQuorum {
                    role: q.role,
                    needed: q.needed,
                    approvers: q.approvers.clone(),
                    missing: q.missing(),
                })
                .collect(),
            rejected_by: status.rejections.iter().map(|(w, _)| w.clone()).collect(),
        });
    }
    releases.sort_by(|a, b| {
        a.due_at
            .cmp(&b.due_at)
            .then_with(|| a.release_id.cmp(&b.release_id))
    });
    OverdueReport {
        now: now.clone(),
        releases,
        pending,
        warnings,
    }
}
