//! `emergency`: an emergency release, or the share of emergency changes
//! (`docs/risk.md`, "The factors").

use super::{computed, Computed};
use crate::{ChangeKind, Release, ReleaseKind};
use serde_json::json;

/// The factor's value, inputs and explanation.
pub(super) fn compute(r: &Release) -> Computed {
    let emergency_changes = r
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Emergency)
        .count();
    let is_emergency = r.kind == ReleaseKind::Emergency;
    let value = if is_emergency {
        1.0
    } else if emergency_changes > 0 {
        0.5 + 0.5 * emergency_changes as f64 / r.changes.len().max(1) as f64
    } else {
        0.0
    };
    let explanation = if is_emergency {
        "this is an emergency release".to_string()
    } else if emergency_changes > 0 {
        format!(
            "{} of {} changes are emergency changes",
            emergency_changes,
            r.changes.len()
        )
    } else {
        "neither the release nor any change is an emergency".to_string()
    };
    computed(
        value,
        json!({"emergency_release": is_emergency, "emergency_changes": emergency_changes, "changes": r.changes.len()}),
        explanation,
    )
}
