//! Delegation (`docs/lifecycle.md`, "Delegation"): an actor lends their
//! approval rights on one release to another for a period (`delegate`,
//! ended early by `revoke_delegation`); a vote naming `on_behalf_of` counts
//! for that principal only while a delegation from them to the voter covers
//! the vote's time. Separation of duties holds for both people, and one
//! person counts at most once per quorum rule.
//!
//! The delegations are the log's ([`crate::record::Delegation`]); this
//! module checks the commands and counts the delegated votes.

use super::approval::{conflict_of_interest, Excluded, VotesOf};
use crate::error::{Error, Result};
use crate::identity::{canonical, same_person};
use crate::record::{Delegation, Record};
use crate::{Actor, Approval, Policy, Release, Role, Timestamp};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The rule id of a delegated vote no delegation covers.
pub(crate) const RULE: &str = "approval.delegation";

fn forbidden(rule: &str, message: String) -> Error {
    Error::Forbidden {
        rule: rule.to_string(),
        message,
    }
}

/// The delegation from `principal` to `delegate` that covers `at` (the
/// earliest granted), or why none does, naming every period granted.
pub(crate) fn covering<'r>(
    record: &'r Record,
    release_id: &str,
    principal: &str,
    delegate: &str,
    at: &Timestamp,
) -> std::result::Result<&'r Delegation, String> {
    let granted: Vec<&Delegation> = record
        .delegations
        .iter()
        .filter(|g| g.between(principal, delegate))
        .collect();
    if let Some(g) = granted.iter().find(|g| g.covers(at)) {
        return Ok(g);
    }
    if granted.is_empty() {
        return Err(format!(
            "{delegate} cannot vote on behalf of {principal}: the log of {release_id} records no delegation from {principal} to {delegate}"
        ));
    }
    let periods: Vec<String> = granted.iter().map(|g| period(g)).collect();
    Err(format!(
        "{delegate} cannot vote on behalf of {principal} at {at}: no delegation covers it ({})",
        periods.join("; ")
    ))
}

/// `from … until … (seq n)`, with the revocation when there is one.
fn period(g: &Delegation) -> String {
    let revoked = match &g.revoked {
        Some((at, seq)) => format!(", revoked at {at} (seq {seq})"),
        None => String::new(),
    };
    format!(
        "delegated from {} until {} (seq {}){revoked}",
        g.from, g.until, g.seq
    )
}

/// The roles that vote on `release` under `policy`: the quorum roles and
/// the high-risk approver.
fn voting_roles(release: &Release, policy: &Policy) -> Vec<Role> {
    let gates = policy.lifecycle.gates(release.kind);
    let mut roles: Vec<Role> = gates.quorum.iter().map(|q| q.role).collect();
    roles.push(gates.high_risk_approver);
    roles
}

/// Checks a `delegate` command of `actor` to `delegate` (both found in the
/// directory) for [`from`, `until`) issued at `at`.
pub(crate) fn check_delegate(
    release: &Release,
    actor: &Actor,
    delegate: &Actor,
    from: &Timestamp,
    until: &Timestamp,
    at: &Timestamp,
    policy: &Policy,
) -> Result<()> {
    if same_person(&actor.id, &delegate.id) {
        return Err(Error::invalid_input(
            "to",
            format!("{} cannot delegate to themself", actor.id),
        ));
    }
    if from < at {
        return Err(Error::invalid_input(
            "from",
            format!("a delegation cannot be backdated ({from} is before the command's at {at})"),
        ));
    }
    if until <= from {
        return Err(Error::invalid_input(
            "until",
            format!("must be after from ({until} is not after {from})"),
        ));
    }
    let roles = voting_roles(release, policy);
    if !roles.iter().any(|r| actor.roles.contains(r)) {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        return Err(forbidden(
            "roles.delegate",
            format!(
                "{} holds none of the roles that vote on {} releases ({}) and has no approval rights to delegate",
                actor.id,
                release.kind.as_str(),
                names.join(", ")
            ),
        ));
    }
    let sod = &policy.lifecycle.separation_of_duties;
    if let Some((rule, message)) = conflict_of_interest(release, &actor.id, sod) {
        return Err(forbidden(
            rule,
            format!("{message}, and so has no approval rights to delegate"),
        ));
    }
    if let Some((rule, message)) = conflict_of_interest(release, &delegate.id, sod) {
        return Err(forbidden(
            rule,
            format!("{message}, not even on behalf of {}", actor.id),
        ));
    }
    Ok(())
}

/// The `seq`s of the delegations of `actor` to `to` that a
/// `revoke_delegation` at `at` ends (running or still to start); refused
/// at `to` when there is none.
pub(crate) fn check_revoke(
    record: &Record,
    actor: &str,
    to: &str,
    at: &Timestamp,
) -> Result<Vec<u64>> {
    let seqs: Vec<u64> = record
        .delegations
        .iter()
        .filter(|g| g.between(actor, to) && g.revoked.is_none() && *at < g.until)
        .map(|g| g.seq)
        .collect();
    if seqs.is_empty() {
        return Err(Error::invalid_input(
            "to",
            format!("{actor} has no delegation to {to} running at or after {at} to revoke"),
        ));
    }
    Ok(seqs)
}

/// Checks the delegation behind a vote `voter` casts at `at` on behalf of
/// `principal` (both found in the directory): not oneself, the voter not
/// conflicted, a delegation covering `at`. The principal's roles and
/// conflicts are checked by the caller as for their own vote.
pub(crate) fn check_delegated_vote(
    release: &Release,
    voter: &Actor,
    principal: &Actor,
    at: &Timestamp,
    path: &str,
    policy: &Policy,
    record: &Record,
) -> Result<()> {
    if same_person(&voter.id, &principal.id) {
        return Err(Error::invalid_input(
            path,
            format!(
                "names the voter {} themself; vote without on_behalf_of",
                voter.id
            ),
        ));
    }
    let sod = &policy.lifecycle.separation_of_duties;
    if let Some((rule, message)) = conflict_of_interest(release, &voter.id, sod) {
        return Err(forbidden(
            rule,
            format!("{message}, not even on behalf of {}", principal.id),
        ));
    }
    covering(record, &release.id, &principal.id, &voter.id, at)
        .map(|_| ())
        .map_err(|m| forbidden(RULE, m))
}

/// One person counts at most once per quorum rule: among the counted votes
/// (`valid`, indices into `approvals`, `order` giving each vote's position
/// in time), a voter who casts more than one in a role — their own and one
/// on someone's behalf, or for two principals — keeps their own vote, else
/// the earliest; the others move to `excluded` with the reason.
pub(crate) fn once_per_person(
    approvals: &[Approval],
    valid: &mut BTreeMap<String, usize>,
    order: &BTreeMap<usize, usize>,
    excluded: &mut Vec<Excluded>,
) {
    // (role, voter) → the votes cast by that person in that role.
    let mut by_voter: BTreeMap<(Role, String), Vec<usize>> = BTreeMap::new();
    for vote in valid.values() {
        if let Some(a) = approvals.get(*vote) {
            by_voter
                .entry((a.role, canonical(&a.approver)))
                .or_default()
                .push(*vote);
        }
    }
    let mut dropped: Vec<usize> = Vec::new();
    for ((role, _), mut cast) in by_voter {
        if cast.len() < 2 {
            continue;
        }
        let own = |v: &usize| approvals.get(*v).is_some_and(|a| a.on_behalf_of.is_none());
        cast.sort_by_key(|v| (!own(v), order.get(v).copied().unwrap_or(usize::MAX)));
        let Some((kept, rest)) = cast.split_first() else {
            continue;
        };
        let Some(k) = approvals.get(*kept) else {
            continue;
        };
        let counted = match &k.on_behalf_of {
            None => "their own vote".to_string(),
            Some(p) => format!("the vote on behalf of {p}"),
        };
        for v in rest {
            dropped.push(*v);
            excluded.push(Excluded {
                vote: *v,
                reason: format!(
                    "{} already counts in the {} quorum with {counted}; one person counts once per quorum rule",
                    k.approver,
                    role.as_str()
                ),
            });
        }
    }
    if !dropped.is_empty() {
        valid.retain(|_, v| !dropped.contains(v));
    }
}

/// The delegated votes that count, as the quorum finding names them:
/// `{"approver", "on_behalf_of", "role", "delegation": {"from", "until",
/// "seq", "revoked_at"?}}`, in the order of the counted votes.
pub(crate) fn delegated_json(votes: &VotesOf<'_>, release_id: &str) -> Vec<Value> {
    votes
        .valid()
        .filter_map(|a| {
            let p = a.on_behalf_of.as_deref()?;
            let g = covering(votes.record, release_id, p, &a.approver, &a.at).ok();
            let delegation = g.map(|g| {
                let mut d = json!({"from": g.from, "until": g.until, "seq": g.seq});
                if let (Some((at, _)), Some(map)) = (&g.revoked, d.as_object_mut()) {
                    map.insert("revoked_at".into(), json!(at));
                }
                d
            });
            Some(json!({
                "approver": a.approver,
                "on_behalf_of": p,
                "role": a.role,
                "decision": a.decision,
                "delegation": delegation,
            }))
        })
        .collect()
}
