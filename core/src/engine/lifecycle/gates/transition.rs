//! `lifecycle.transition` and `lifecycle.path`: which moves between states
//! exist, one state at a time on the main line
//! (`docs/lifecycle.md`, "States and commands").

use super::{is_terminal, line, position, Eval};
use crate::State;
use serde_json::json;

/// Checks that `target` can be reached from `from`; returns the positions
/// on the main line of `from` and `target` when the gates of the states
/// left on the way are to be evaluated too.
pub(super) fn check(e: &mut Eval<'_>, from: State, target: State) -> Option<(usize, usize)> {
    let data = json!({"from": from, "to": target});
    if is_terminal(from) {
        let msg = format!(
            "{} is {} and can no longer change state",
            e.release.id,
            from.as_str()
        );
        e.req("lifecycle.transition", false, msg, data);
        return None;
    }
    if from == target {
        let msg = format!("{} is already in {}", e.release.id, from.as_str());
        e.req("lifecycle.transition", false, msg, data);
        return None;
    }
    if target == State::Cancelled {
        let ok = from != State::Deployment && from != State::Review;
        let msg = if ok {
            format!("a release in {} may be cancelled", from.as_str())
        } else if from == State::Deployment {
            "a release in deployment can only leave through an outcome".to_string()
        } else {
            "a deployed release cannot be cancelled; close it after its review".to_string()
        };
        e.req("lifecycle.transition", ok, msg, data);
        return None;
    }
    if target == State::Development && matches!(from, State::Testing | State::Approval) {
        let msg = format!("{} may be sent back to development", from.as_str());
        e.req("lifecycle.transition", true, msg, data);
        return None;
    }
    let (Some(i), Some(j)) = (position(from), position(target)) else {
        let msg = format!(
            "no transition from {} to {}",
            from.as_str(),
            target.as_str()
        );
        e.req("lifecycle.transition", false, msg, data);
        return None;
    };
    if j < i {
        let msg = format!(
            "no transition from {} back to {} (back-steps: testing or approval to development)",
            from.as_str(),
            target.as_str()
        );
        e.req("lifecycle.transition", false, msg, data);
        return None;
    }
    // i and j are positions on the main line: no saturation.
    if j > i.saturating_add(1) {
        let via: Vec<&str> = line()
            .iter()
            .take(j)
            .skip(i.saturating_add(1))
            .map(|s| s.as_str())
            .collect();
        let msg = format!(
            "{} is in {}; reaching {} passes through {} one state at a time (gates of every state on the way are listed)",
            e.release.id,
            from.as_str(),
            target.as_str(),
            via.join(", ")
        );
        e.req(
            "lifecycle.path",
            false,
            msg,
            json!({"from": from, "to": target, "via": via}),
        );
    }
    Some((i, j))
}
