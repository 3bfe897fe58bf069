//! Delegations as the log records them: each `delegate` event grants its
//! actor's approval rights on the release to `details.to` for
//! [`details.from`, `details.until`); a `revoke_delegation` event ends every
//! delegation of its actor to `details.to` still running at its time.
//! `docs/lifecycle.md`, "Delegation".

use super::{read, Record};
use crate::identity::canonical;
use crate::{Event, Timestamp};

/// One delegation as the replay yields it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Delegation {
    /// Who delegates (the `delegate` event's actor), as written.
    pub delegator: String,
    /// Who may vote on the delegator's behalf, as written.
    pub to: String,
    /// When it starts (inclusive).
    pub from: Timestamp,
    /// When it ends (exclusive), as granted.
    pub until: Timestamp,
    /// The `seq` of the `delegate` event.
    pub seq: u64,
    /// When and by which event it was revoked, if it was.
    pub revoked: Option<(Timestamp, u64)>,
}

impl Delegation {
    /// When it ends in effect: `until`, or the revocation when earlier.
    pub(crate) fn end(&self) -> &Timestamp {
        match &self.revoked {
            Some((at, _)) if *at < self.until => at,
            _ => &self.until,
        }
    }

    /// True when it covers `at`: `from <= at < end`.
    pub(crate) fn covers(&self, at: &Timestamp) -> bool {
        self.from <= *at && *at < *self.end()
    }

    /// True when it runs from `delegator` to `to` (ids compared as one
    /// person, [`crate::identity`]).
    pub(crate) fn between(&self, delegator: &str, to: &str) -> bool {
        canonical(&self.delegator) == canonical(delegator) && canonical(&self.to) == canonical(to)
    }
}

/// Replays a `delegate` event; details that do not make a delegation
/// relman would record (no `to`, `until` not after `from`, a delegation to
/// oneself) are unreadable, so a forged one shows in `verify_log`.
pub(super) fn replay_delegate(
    rec: &mut Record,
    i: usize,
    e: &Event,
    problems: &mut Vec<(usize, String, String)>,
) {
    let d = &e.details;
    let to: Option<String> = read(d, "to", i, problems);
    let from: Option<Timestamp> = read(d, "from", i, problems);
    let until: Option<Timestamp> = read(d, "until", i, problems);
    let (Some(to), Some(from), Some(until)) = (to, from, until) else {
        problems.push((
            i,
            format!("log[{i}].details"),
            "a delegation without its to, from and until".to_string(),
        ));
        return;
    };
    if until <= from {
        problems.push((
            i,
            format!("log[{i}].details.until"),
            format!("the delegation ends ({until}) before it starts ({from})"),
        ));
        return;
    }
    if canonical(&to) == canonical(&e.actor) {
        problems.push((
            i,
            format!("log[{i}].details.to"),
            format!("{} delegates to themself", e.actor),
        ));
        return;
    }
    rec.delegations.push(Delegation {
        delegator: e.actor.clone(),
        to,
        from,
        until,
        seq: e.seq,
        revoked: None,
    });
}

/// Replays a `revoke_delegation` event: every delegation of the event's
/// actor to `details.to` still running at the event's time ends then.
pub(super) fn replay_revoke(
    rec: &mut Record,
    i: usize,
    e: &Event,
    problems: &mut Vec<(usize, String, String)>,
) {
    let to: Option<String> = read(&e.details, "to", i, problems);
    let Some(to) = to else {
        problems.push((
            i,
            format!("log[{i}].details.to"),
            "a revocation without its to".to_string(),
        ));
        return;
    };
    for g in rec
        .delegations
        .iter_mut()
        .filter(|g| g.between(&e.actor, &to) && g.revoked.is_none() && e.at < g.until)
    {
        g.revoked = Some((e.at.clone(), e.seq));
    }
}
