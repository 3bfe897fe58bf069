//! The `group` of a vote (approval routing, `docs/lifecycle.md`, "Approval
//! routing"): who may cast a vote for a group, and how the vote records it.

use crate::document::Extra;
use crate::error::{Error, Result};
use crate::identity::canonical;
use crate::{Actor, Policy, Release};
use serde_json::json;

/// Checks a vote's `group`: `Ok(false)` without one; `Ok(true)` when the
/// policy's routing table requires the group and `actor` is a member;
/// else `forbidden` with rule `roles.group` (a blank group is
/// `invalid_input` at `group`).
pub(super) fn check_group(actor: &Actor, group: Option<&str>, policy: &Policy) -> Result<bool> {
    let Some(group) = group else {
        return Ok(false);
    };
    if group.trim().is_empty() {
        return Err(Error::invalid_input("group", "must not be empty"));
    }
    let key = canonical(group);
    let forbidden = |message: String| Error::Forbidden {
        rule: "roles.group".to_string(),
        message,
    };
    if !policy.lifecycle.routing.groups().contains(&key) {
        return Err(forbidden(format!(
            "no approval routing rule of the policy requires the group `{group}`; a vote can only be cast for a routed group"
        )));
    }
    if !actor.groups.iter().any(|g| canonical(g) == key) {
        return Err(forbidden(format!(
            "{} is not a member of the group `{group}` and cannot vote for it",
            actor.id
        )));
    }
    Ok(true)
}

/// Records the group of the vote just cast (the last of `next.approvals`)
/// in the vote and in the event's details, which seal it.
pub(super) fn record_group(next: &mut Release, group: &Option<String>, details: &mut Extra) {
    let Some(group) = group else {
        return;
    };
    if let Some(vote) = next.approvals.last_mut() {
        vote.group = Some(group.clone());
    }
    details.insert("group".into(), json!(group));
}
