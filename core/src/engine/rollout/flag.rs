//! Feature-flag rollouts in the rollout machine: the step list of a
//! `feature_flag` plan, what entering a cohort step does to the state, and
//! the flag turned off (roll back, abort) or on for everyone (success).
//!
//! The step list: per cohort, per percentage step, one step setting the
//! flag, followed by the cohort's `pause` if it has one (none after the
//! final 100 of `everyone`). `state.step` indexes this list. The state
//! carries the current `cohort` and its `percentage`; `weight` is the
//! overall exposure, the percentage of `everyone` (0 while only `internal`
//! or `beta` see the flag).

use super::machine::{Reason, RolloutPhase, RolloutState};
use crate::document::flag::EVERYONE;
use crate::document::DeploymentPlan;
use crate::error::{Error, Result};
use serde_json::json;

/// One step of a feature-flag plan's step list.
#[derive(Debug, Clone, Copy)]
pub(super) enum FlagStage<'a> {
    /// Turn the flag on for `percentage` % of `cohort`.
    Set {
        /// The cohort's name.
        cohort: &'a str,
        /// 1 to 100.
        percentage: u32,
    },
    /// The cohort's pause: timed (seconds) or open.
    Pause(Option<i64>),
}

/// The step list of a feature-flag plan (checked before: known cohorts,
/// percentages 1 to 100).
pub(super) fn flag_stages(plan: &DeploymentPlan) -> Vec<FlagStage<'_>> {
    let mut out = Vec::new();
    let cohorts = plan.cohorts.len();
    for (i, c) in plan.cohorts.iter().enumerate() {
        let last_cohort = i.saturating_add(1) == cohorts;
        for (j, p) in c.steps.iter().enumerate() {
            out.push(FlagStage::Set {
                cohort: c.name.as_str(),
                percentage: (*p).clamp(0, 100) as u32,
            });
            let final_step = last_cohort && j.saturating_add(1) == c.steps.len();
            if let Some(pause) = c.pause.as_ref().filter(|_| !final_step) {
                out.push(FlagStage::Pause(pause.duration_secs));
            }
        }
    }
    out
}

fn key(plan: &DeploymentPlan) -> &str {
    plan.flag.as_deref().unwrap_or_default()
}

/// Enters step `index`, which sets the flag to `percentage` % of `cohort`:
/// the state's cohort and percentage, the weight when the cohort is
/// `everyone`, and the reason naming both.
pub(super) fn enter(
    plan: &DeploymentPlan,
    state: &mut RolloutState,
    index: usize,
    cohort: &str,
    percentage: u32,
) -> Reason {
    let from = match (&state.cohort, state.percentage) {
        (Some(c), Some(p)) => format!(" (was {c} at {p} %)"),
        _ => String::new(),
    };
    let data = json!({
        "step": index,
        "flag": key(plan),
        "cohort": cohort,
        "percentage": percentage,
        "from": {"cohort": state.cohort, "percentage": state.percentage},
    });
    state.cohort = Some(cohort.to_string());
    state.percentage = Some(percentage);
    if cohort == EVERYONE {
        state.weight = state.weight.max(percentage);
    }
    Reason {
        rule: "step.set_flag".to_string(),
        message: format!(
            "step {index}: `{}`: {cohort} at {percentage} %{from}",
            key(plan)
        ),
        data,
    }
}

/// The flag at the end of a rollout: off for everyone after a roll back or
/// an abort (the cohort stays, the percentage is 0), on for everyone after
/// success. The reason says so (none when the flag is already on for
/// everyone at 100 %).
pub(super) fn terminated(
    plan: &DeploymentPlan,
    state: &mut RolloutState,
    phase: RolloutPhase,
) -> Option<Reason> {
    let was = match (&state.cohort, state.percentage) {
        (Some(c), Some(p)) => format!("{c} at {p} %"),
        _ => "not yet on".to_string(),
    };
    let data = json!({
        "flag": key(plan),
        "from": {"cohort": state.cohort, "percentage": state.percentage},
    });
    if phase == RolloutPhase::Succeeded {
        if state.cohort.as_deref() == Some(EVERYONE) && state.percentage == Some(100) {
            return None;
        }
        state.cohort = Some(EVERYONE.to_string());
        state.percentage = Some(100);
        Some(Reason {
            rule: "flag.on".to_string(),
            message: format!("flag `{}` on for everyone at 100 % (was {was})", key(plan)),
            data,
        })
    } else {
        state.percentage = Some(0);
        Some(Reason {
            rule: "flag.off".to_string(),
            message: format!("flag `{}` off for everyone (was {was})", key(plan)),
            data,
        })
    }
}

/// Checks the flag fields of a state: a percentage is 0 to 100.
pub(super) fn check_flag_state(state: &RolloutState) -> Result<()> {
    match state.percentage {
        Some(p) if p > 100 => Err(Error::invalid_input(
            "state.percentage",
            format!("a percentage is 0 to 100, got {p}"),
        )),
        _ => Ok(()),
    }
}

/// True when a step turned the flag on for more: a new cohort, or a higher
/// percentage of the same one (the decision is `advance` even while the
/// overall exposure, the weight, stays 0).
pub(super) fn flag_advanced(before: &RolloutState, after: &RolloutState) -> bool {
    after.cohort.is_some()
        && (after.cohort != before.cohort || after.percentage > before.percentage)
}
