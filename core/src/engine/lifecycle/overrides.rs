//! ECAB overrides (`docs/lifecycle.md`, "ECAB overrides"): the `override`
//! command's checks, its replay from the log, and the override a gate
//! counts.
//!
//! An override is a logged command `{"command": "override", "rule": …,
//! "justification": …}` issued in approval by an actor holding a role of
//! `lifecycle.roles.override` (default `ecab`). It lets one rule of the
//! current approval round through: a send-back or an amendment that voids
//! the round voids it too, as it voids the votes. The release document
//! carries no copy: the gates read the override from the log's replay
//! ([`crate::record::Record::overrides`]) and nowhere else.

use crate::document::Extra;
use crate::error::{Error, Result};
use crate::identity::{self, Lookup};
pub(crate) use crate::record::OverrideNote;
use crate::record::Record;
use crate::{Actor, Policy, Release, ReleaseKind, Role};
use serde_json::json;

/// The rules an `override` may name, in the order the docs list them.
pub(crate) const OVERRIDABLE: [&str; 3] = [
    "approval.maintenance_window",
    "approval.blackout",
    "deployment.window",
];

/// Checks the parameters and the issuer of an `override` (the issuer's
/// role is checked like every command's, before this): a known rule, a
/// justification, `approval.blackout` only for an emergency release, and
/// neither the owner nor an implementer of a change (separation of duties,
/// under the same policy switches as approvals).
pub(crate) fn check(
    release: &Release,
    actor: &Actor,
    rule: &str,
    justification: &str,
    policy: &Policy,
) -> Result<()> {
    if !OVERRIDABLE.contains(&rule) {
        return Err(Error::invalid_input(
            "rule",
            format!(
                "`{}` cannot be overridden; one of: {}",
                rule.escape_debug(),
                OVERRIDABLE.join(", ")
            ),
        ));
    }
    if justification.trim().is_empty() {
        return Err(Error::invalid_input(
            "justification",
            "must not be empty: an override records why",
        ));
    }
    if let Some((rule, message)) = conflict(release, &actor.id, policy) {
        return Err(Error::Forbidden {
            rule: rule.to_string(),
            message,
        });
    }
    if rule == "approval.blackout" && release.kind != ReleaseKind::Emergency {
        return Err(Error::Forbidden {
            rule: "roles.blackout_override".to_string(),
            message: format!(
                "a blackout can be overridden only for an emergency release; {} is {}",
                release.id,
                release.kind.as_str()
            ),
        });
    }
    Ok(())
}

/// Separation of duties for an override: the owner
/// (`forbid_owner_approval`) and an implementer of any change
/// (`forbid_implementer_approval`) may not override the release's rules.
fn conflict(release: &Release, actor: &str, policy: &Policy) -> Option<(&'static str, String)> {
    let sod = &policy.lifecycle.separation_of_duties;
    if sod.forbid_owner_approval
        && release
            .owner
            .as_deref()
            .is_some_and(|o| identity::same_person(o, actor))
    {
        return Some((
            "sod.owner_override",
            format!(
                "{actor} owns release {} and cannot override its rules",
                release.id
            ),
        ));
    }
    if sod.forbid_implementer_approval {
        let implemented: Vec<&str> = release
            .changes
            .iter()
            .filter(|c| {
                c.implementer
                    .as_deref()
                    .is_some_and(|i| identity::same_person(i, actor))
            })
            .map(|c| c.id.as_str())
            .collect();
        if !implemented.is_empty() {
            return Some((
                "sod.implementer_override",
                format!(
                    "{actor} implements {} and cannot override the rules of release {}",
                    implemented.join(", "),
                    release.id
                ),
            ));
        }
    }
    None
}

/// The event details of an `override` in `round`.
pub(crate) fn details(details: &mut Extra, rule: &str, justification: &str, round: u32) {
    details.insert("rule".into(), json!(rule));
    details.insert("justification".into(), json!(justification));
    details.insert("round".into(), json!(round));
}

/// The override the gates count for `rule`: the latest one of the current
/// round whose issuer is in the directory as written, holds a role of
/// `lifecycle.roles.override` and is neither owner nor implementer. An
/// override that breaks these rules (a log rewritten with recomputed
/// hashes, a directory or policy that changed since) does not count.
pub(crate) fn in_force<'r>(
    record: &'r Record,
    release: &Release,
    actors: &[Actor],
    policy: &Policy,
    rule: &str,
) -> Option<&'r OverrideNote> {
    let roles: &[Role] = &policy.lifecycle.roles.override_;
    record
        .overrides
        .iter()
        .rev()
        .filter(|o| o.rule == rule && o.round == record.approval_round)
        .find(|o| {
            let holds = match identity::lookup(actors, &o.by, |a| a.id.as_str()) {
                Lookup::Exact(a) => roles.iter().any(|r| a.roles.contains(r)),
                Lookup::Confusable(_) | Lookup::Unknown => false,
            };
            let emergency_only =
                o.rule != "approval.blackout" || release.kind == ReleaseKind::Emergency;
            holds && emergency_only && conflict(release, &o.by, policy).is_none()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: &str) -> Actor {
        crate::from_value::<Actor>(json!({"id": id, "roles": ["ecab"]}))
            .unwrap()
            .document
    }

    fn release(kind: &str) -> Release {
        crate::from_value::<Release>(json!({
            "id": "R", "title": "t", "kind": kind, "state": "approval", "owner": "olga",
            "changes": [{"id": "C1", "kind": "normal", "summary": "s", "implementer": "ivan"}]
        }))
        .unwrap()
        .document
    }

    #[test]
    fn unknown_rule_and_empty_justification_are_invalid_input_with_path() {
        let p = Policy::default();
        let r = release("emergency");
        let e = check(&r, &actor("ed"), "approval.quorum", "why", &p).unwrap_err();
        assert_eq!(e.path(), Some("rule"));
        let e = check(&r, &actor("ed"), "deployment.window", "  ", &p).unwrap_err();
        assert_eq!(e.path(), Some("justification"));
        assert!(check(&r, &actor("ed"), "deployment.window", "why", &p).is_ok());
    }

    #[test]
    fn owner_implementer_and_non_emergency_blackout_are_forbidden() {
        let p = Policy::default();
        let r = release("emergency");
        let rule = |e: Error| e.to_body().rule.unwrap_or_default();
        let e = check(&r, &actor("Olga"), "deployment.window", "why", &p).unwrap_err();
        assert_eq!(rule(e), "sod.owner_override");
        let e = check(&r, &actor("ivan"), "deployment.window", "why", &p).unwrap_err();
        assert_eq!(rule(e), "sod.implementer_override");
        let e = check(
            &release("minor"),
            &actor("ed"),
            "approval.blackout",
            "why",
            &p,
        )
        .unwrap_err();
        assert_eq!(rule(e), "roles.blackout_override");
    }
}
