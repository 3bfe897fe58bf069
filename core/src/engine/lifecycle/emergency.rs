//! The emergency path (docs/lifecycle.md, "The emergency path"): an
//! emergency release deployed before its approval quorum was met, the
//! retrospective votes that approve it afterwards, and where that approval
//! stands against its due time.
//!
//! The deferral is a fact of the log: the event that started the
//! deployment records `details.approval_deferred` (`due_at`,
//! `window_secs`), which the replay reads ([`crate::record`]). A
//! retrospective vote is an `approve` or `reject` cast in `deployment` or
//! `review`, sealed with `retrospective: true`; the deployer (the actor of
//! the starting event, compared as one person) may not cast it.

use super::approval::{needed, VotesOf};
use super::GateReport;
use crate::error::{Error, Result};
use crate::identity;
use crate::policy::QuorumRule;
use crate::record::{Deferred, Record};
use crate::{Action, Actor, Decision, Release, Role, State, Timestamp};
use serde_json::{json, Value};

/// True when `action` is a retrospective vote: an `approve` or `reject` of
/// a release in deployment or review whose deployment started before its
/// quorum was met. Errors: `forbidden` (rule `separation.deployer`) when
/// `actor` started that deployment; `invalid_input` at `override_blackout`
/// for a retrospective blackout override (the deployment has started).
pub(super) fn retrospective_vote(
    release: &Release,
    action: &Action,
    record: &Record,
    actor: &Actor,
) -> Result<bool> {
    let override_blackout = match action {
        Action::Approve {
            override_blackout, ..
        } => *override_blackout,
        Action::Reject { .. } => false,
        _ => return Ok(false),
    };
    if !matches!(release.state, State::Deployment | State::Review) {
        return Ok(false);
    }
    let Some(deferred) = &record.deferred else {
        return Ok(false);
    };
    if identity::same_person(&actor.id, &deferred.deployer) {
        return Err(Error::Forbidden {
            rule: "separation.deployer".to_string(),
            message: format!(
                "{} started the deployment of {} (seq {}) before its approval and cannot give its retrospective approval",
                actor.id, release.id, deferred.seq
            ),
        });
    }
    if override_blackout {
        return Err(Error::invalid_input(
            "override_blackout",
            "a retrospective vote cannot override a blackout: the deployment has already started",
        ));
    }
    Ok(true)
}

/// The `details.approval_deferred` of the event that starts a deployment
/// whose quorum the gate deferred (`approval.quorum` met with `deferred`
/// data), if it did.
pub(super) fn deferral(report: &GateReport) -> Option<Value> {
    let quorum = report
        .requirements
        .iter()
        .find(|r| r.rule == "approval.quorum")?;
    let deferred = quorum.data.get("deferred").filter(|d| !d.is_null())?;
    let due_at = deferred.get("due_at").filter(|d| !d.is_null())?;
    Some(json!({
        "due_at": due_at,
        "window_secs": deferred.get("window_secs"),
        "rules": ["approval.quorum"],
    }))
}

/// `at` plus `secs` seconds, in UTC; `None` past the end of time.
pub(crate) fn plus_secs(at: &Timestamp, secs: u64) -> Option<Timestamp> {
    let secs = i64::try_from(secs).ok()?;
    let utc = at
        .utc()
        .checked_add_signed(chrono::TimeDelta::try_seconds(secs)?)?;
    Some(Timestamp::from_utc(utc))
}

/// A duration in words: `1d 2h 3m 4s`, zero parts left out (`0s` for 0).
pub(crate) fn human_secs(secs: u64) -> String {
    let part = |unit: u64, of: u64| {
        secs.checked_rem(of)
            .and_then(|r| r.checked_div(unit))
            .unwrap_or(0)
    };
    let parts = [
        (secs.checked_div(86_400).unwrap_or(0), "d"),
        (part(3_600, 86_400), "h"),
        (part(60, 3_600), "m"),
        (part(1, 60), "s"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if words.is_empty() {
        "0s".to_string()
    } else {
        words.join(" ")
    }
}

/// One quorum rule counted retrospectively.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleCount {
    /// The role.
    pub role: Role,
    /// Approvals needed (`None`: a percentage of no members).
    pub needed: Option<u32>,
    /// Distinct approvers counted.
    pub approvers: Vec<String>,
}

impl RuleCount {
    /// True when the rule has its approvals.
    pub fn met(&self) -> bool {
        matches!(self.needed, Some(n) if self.approvers.len() as u64 >= u64::from(n))
    }

    /// Approvals still missing (0 when met; 1 when nothing can be counted).
    pub fn missing(&self) -> u64 {
        match self.needed {
            Some(n) => u64::from(n).saturating_sub(self.approvers.len() as u64),
            None => 1,
        }
    }
}

/// Where the retrospective approval of a release deployed before approval
/// stands.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RetroStatus {
    /// The deferral the log records.
    pub deferred: Deferred,
    /// The kind's quorum rules, counted over the round's votes.
    pub rules: Vec<RuleCount>,
    /// Outstanding rejections (approver, role).
    pub rejections: Vec<(String, Role)>,
    /// The retrospective votes that count (approver, role, decision, at).
    pub retrospective: Vec<(String, Role, Decision, Timestamp)>,
}

impl RetroStatus {
    /// Counts the round's votes against `quorum`.
    pub fn of(
        deferred: &Deferred,
        votes: VotesOf<'_>,
        quorum: &[QuorumRule],
        actors: &[Actor],
    ) -> RetroStatus {
        let rules = quorum
            .iter()
            .map(|rule| RuleCount {
                role: rule.role,
                needed: needed(rule, actors),
                approvers: votes.approvers_in(rule.role).map(str::to_string).collect(),
            })
            .collect();
        let rejections = votes
            .rejections()
            .map(|a| (a.approver.clone(), a.role))
            .collect();
        let retrospective = votes
            .valid()
            .filter(|a| a.retrospective)
            .map(|a| (a.approver.clone(), a.role, a.decision, a.at.clone()))
            .collect();
        RetroStatus {
            deferred: deferred.clone(),
            rules,
            rejections,
            retrospective,
        }
    }

    /// True when every quorum rule is met and no rejection is outstanding.
    pub fn approved(&self) -> bool {
        self.rejections.is_empty() && self.rules.iter().all(RuleCount::met)
    }

    /// Seconds past the due time at `now` (`None` when not past it:
    /// exactly at `due_at` is not yet overdue).
    pub fn overdue_secs(&self, now: &Timestamp) -> Option<u64> {
        let late = now
            .unix_seconds()
            .checked_sub(self.deferred.due_at.unix_seconds())?;
        if late > 0 {
            u64::try_from(late).ok()
        } else if late == 0 && now.utc() > self.deferred.due_at.utc() {
            // Within the last second: a fraction past is overdue.
            Some(0)
        } else {
            None
        }
    }

    /// Votes counted (distinct approvers in the quorum's roles) and
    /// missing.
    pub fn counted_missing(&self) -> (u64, u64) {
        let counted = self
            .rules
            .iter()
            .map(|r| r.approvers.len() as u64)
            .fold(0u64, u64::saturating_add);
        let missing = self
            .rules
            .iter()
            .map(RuleCount::missing)
            .fold(0u64, u64::saturating_add);
        (counted, missing)
    }

    /// The quorum counts as report data.
    pub fn rules_json(&self) -> Value {
        Value::Array(
            self.rules
                .iter()
                .map(|r| {
                    json!({
                        "role": r.role,
                        "needed": r.needed,
                        "approvers": r.approvers,
                        "missing": r.missing(),
                    })
                })
                .collect(),
        )
    }

    /// What is short, in words: `ecab 0 of 1`, rejections.
    pub fn short(&self) -> Vec<String> {
        let mut short: Vec<String> = self
            .rules
            .iter()
            .filter(|r| !r.met())
            .map(|r| match r.needed {
                Some(n) => format!("{} {} of {n}", r.role.as_str(), r.approvers.len()),
                None => format!("{}: no members in the directory", r.role.as_str()),
            })
            .collect();
        for (who, role) in &self.rejections {
            short.push(format!("rejected by {who} ({})", role.as_str()));
        }
        short
    }
}

/// Where the retrospective approval of `release` stands, from its log's
/// replay `record` (`None` when the log records no deployment before
/// approval): votes counted over the current round against the kind's
/// quorum under `policy`, the directory `actors` deciding who may vote.
pub(crate) fn retrospective_status(
    release: &Release,
    record: &Record,
    actors: &[Actor],
    policy: &crate::Policy,
) -> Option<RetroStatus> {
    let deferred = record.deferred.as_ref()?;
    let gates = policy.lifecycle.gates(release.kind);
    let sod = &policy.lifecycle.separation_of_duties;
    let votes = super::approval::votes(release, record, actors, sod);
    let of = VotesOf {
        votes: &votes,
        record,
    };
    Some(RetroStatus::of(deferred, of, &gates.quorum, actors))
}
