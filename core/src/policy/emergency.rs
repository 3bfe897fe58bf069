//! The emergency path of the lifecycle policy (docs/lifecycle.md, "The
//! emergency path"): the keys of `lifecycle.emergency` that only emergency
//! releases read — deployment before approval with a retrospective
//! approval due within a window after `start_deployment` — and the
//! incident link the post-implementation review of a release needs
//! (`review_incident_required`, default on for emergency releases only).
//!
//! The keys live in the emergency kind's rules ([`super::KindRules`]), so
//! `lifecycle.emergency = {"deploy_before_approval": true,
//! "retrospective_approval_secs": 259200, …}`; absent keys take their
//! defaults and are not written back, so the fingerprint of a policy that
//! does not set them is unchanged.

use super::gates::KindRules;
use crate::error::Problem;

/// The default retrospective-approval window: 72 hours after
/// `start_deployment`.
pub const DEFAULT_RETROSPECTIVE_APPROVAL_SECS: u64 = 259_200;

/// The longest retrospective-approval window a policy may set: 31 days. A
/// longer window would leave an unapproved emergency change in production
/// for more than a month; ServiceNow's retrospective emergency change
/// closes within days.
pub const MAX_RETROSPECTIVE_APPROVAL_SECS: u64 = 2_678_400;

/// Appends the problems of the emergency-path keys of the rules of the kind
/// `name` (paths `lifecycle.<name>.<key>` through `at`):
/// `deploy_before_approval` and `retrospective_approval_secs` belong to the
/// emergency kind only, and the window is from 1 second to 31 days.
pub(super) fn check(
    name: &str,
    rules: &KindRules,
    at: &dyn Fn(&str) -> String,
    problems: &mut Vec<Problem>,
) {
    let base = format!("lifecycle.{name}");
    if name != "emergency" {
        for (key, set) in [
            (
                "deploy_before_approval",
                rules.deploy_before_approval.is_some(),
            ),
            (
                "retrospective_approval_secs",
                rules.retrospective_approval_secs.is_some(),
            ),
        ] {
            if set {
                problems.push(Problem::new(
                    at(&format!("{base}.{key}")),
                    format!(
                        "the emergency path applies to emergency releases only: set {key} under lifecycle.emergency, not lifecycle.{name}"
                    ),
                ));
            }
        }
        return;
    }
    if let Some(secs) = rules.retrospective_approval_secs {
        if secs == 0 || secs > MAX_RETROSPECTIVE_APPROVAL_SECS {
            problems.push(Problem::new(
                at(&format!("{base}.retrospective_approval_secs")),
                format!(
                    "the retrospective-approval window is from 1 second to {MAX_RETROSPECTIVE_APPROVAL_SECS} seconds (31 days), got {secs}"
                ),
            ));
        }
    }
}
