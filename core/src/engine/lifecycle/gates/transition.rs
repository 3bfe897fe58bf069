//! `lifecycle.transition` and `lifecycle.path`: which moves between states
//! exist, one state at a time on the main line
//! (`docs/lifecycle.md`, "States and commands").

use super::{is_terminal, position, Eval, Finding};
use crate::State;

/// Checks that `target` can be reached from `from`; returns the positions
/// on the main line of `from` and `target` when the gates of the states
/// left on the way are to be evaluated too.
pub(super) fn check(e: &mut Eval<'_, '_>, from: State, target: State) -> Option<(usize, usize)> {
    let (to, f) = (target, from);
    if is_terminal(from) {
        e.find(
            "lifecycle.transition",
            false,
            Finding::TransitionTerminal { from: f, to },
        );
        return None;
    }
    if from == target {
        let finding = Finding::TransitionAlready { from: f, to };
        e.find("lifecycle.transition", false, finding);
        return None;
    }
    if target == State::Cancelled {
        let ok = from != State::Deployment && from != State::Review;
        let finding = Finding::TransitionCancel { from: f, to };
        e.find("lifecycle.transition", ok, finding);
        return None;
    }
    if target == State::Development && matches!(from, State::Testing | State::Approval) {
        let finding = Finding::TransitionSendBack { from: f, to };
        e.find("lifecycle.transition", true, finding);
        return None;
    }
    let (Some(i), Some(j)) = (position(from), position(target)) else {
        let finding = Finding::TransitionNone { from: f, to };
        e.find("lifecycle.transition", false, finding);
        return None;
    };
    if j < i {
        let finding = Finding::TransitionBack { from: f, to };
        e.find("lifecycle.transition", false, finding);
        return None;
    }
    // i and j are positions on the main line: no saturation.
    if j > i.saturating_add(1) {
        let finding = Finding::Path { from: f, to, i, j };
        e.find("lifecycle.path", false, finding);
    }
    Some((i, j))
}
