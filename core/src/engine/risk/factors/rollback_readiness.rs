//! `rollback_readiness`: whether the release has a rollback plan, and
//! whether it is documented and tested (`docs/risk.md`, "The factors").

use super::{computed, Computed};
use crate::Release;
use serde_json::json;

/// The factor's value, inputs and explanation.
pub(super) fn compute(r: &Release) -> Computed {
    match &r.rollback_plan {
        None => computed(
            1.0,
            json!({"plan": false, "documented": false, "tested": false}),
            "there is no rollback plan".to_string(),
        ),
        Some(p) => {
            let value =
                1.0 - 0.5 * f64::from(u8::from(p.documented)) - 0.5 * f64::from(u8::from(p.tested));
            let how = match (p.documented, p.tested) {
                (true, true) => "documented and tested",
                (true, false) => "documented but not tested",
                (false, true) => "tested but not documented",
                (false, false) => "neither documented nor tested",
            };
            computed(
                value,
                json!({"plan": true, "documented": p.documented, "tested": p.tested}),
                format!("the rollback plan is {how}"),
            )
        }
    }
}
