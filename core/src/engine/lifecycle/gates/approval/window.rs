//! `deployment.window`: the deployment starts inside the window the
//! current approval round approved, or an ECAB override of the rule lets it
//! start (`docs/lifecycle.md`, "Enforced deployment windows").

use super::super::finding::WindowPosition;
use super::super::{Eval, Finding};
use crate::error::Warning;
use crate::{ChangeKind, Decision, State};

/// Evaluated when the release is in approval, i.e. when leaving approval
/// means starting the deployment now. The start is the `at` of the
/// `start_deployment` (or `advance`) being applied — its event is the last
/// of the log the gates read — else, for `check`, `context.now`. Without
/// either the start is unknown: the rule is not listed and the warning
/// `deployment_window_not_checked` says so (`apply` always knows it). For
/// `check` with a `now` before the window opens the rule is not listed
/// either: the verdict is readiness for the window.
pub(super) fn check(e: &mut Eval<'_, '_>) {
    let r = e.release;
    if r.state != State::Approval || !e.gates.deployment_window_enforced {
        return;
    }
    let applied = r
        .log
        .last()
        .filter(|ev| ev.from == State::Approval && ev.to == State::Deployment);
    let (start, source) = match (applied, &e.context.now) {
        (Some(ev), _) => (ev.at.clone(), "command"),
        (None, Some(now)) => (now.clone(), "now"),
        (None, None) => {
            e.warnings.push(Warning::new(
                "deployment_window_not_checked",
                "now",
                "no context.now: the deployment start was not checked against the approved window (start_deployment checks its own time)",
            ));
            return;
        }
    };
    let round = e.log.record.approval_round;
    let window = match (&r.planned_start, &r.planned_end) {
        (Some(s), Some(t)) => Some((s, t)),
        _ => None,
    };
    // The window the current round approved is the planned window: an
    // amendment of it in approval voids the round, so every counted vote
    // covered it. A round that was voided and has approved nothing since
    // (and needs votes: not every change is standard) approved no window.
    let standard_only =
        !r.changes.is_empty() && r.changes.iter().all(|c| c.kind == ChangeKind::Standard);
    let approved = standard_only || e.votes().valid().any(|a| a.decision == Decision::Approved);
    let position = match window {
        _ if round > 1 && !approved => WindowPosition::Voided {
            voided_round: round.saturating_sub(1),
        },
        None => WindowPosition::NoWindow,
        Some((s, t)) => {
            let at = start.unix_seconds();
            let (s, t) = (s.unix_seconds(), t.unix_seconds());
            if at < s {
                WindowPosition::Before(s.abs_diff(at))
            } else if at > t {
                WindowPosition::After(at.abs_diff(t))
            } else {
                WindowPosition::Inside
            }
        }
    };
    // Before the window opens, `check` is the readiness verdict for the
    // window (the CAB agenda, a preview days ahead): the start at `now` is
    // not held against it. `apply` always holds it.
    if source == "now" && matches!(position, WindowPosition::Before(_)) {
        return;
    }
    let inside = position == WindowPosition::Inside;
    let override_ = if inside {
        None
    } else {
        e.override_of("deployment.window")
    };
    let met = inside || override_.is_some();
    let finding = Finding::DeploymentWindow {
        window,
        start,
        source,
        round,
        position,
        override_,
    };
    e.find("deployment.window", met, finding);
}
