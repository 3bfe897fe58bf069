//! `change_size`: the number of changes and distinct affected CIs,
//! log-scaled against `risk.scales.change_size` (`docs/risk.md`, "The factors").

use super::{computed, log_scaled, plural, Computed};
use crate::policy::RiskPolicy;
use crate::Release;
use serde_json::json;

/// The factor's value, inputs and explanation.
pub(super) fn compute(risk: &RiskPolicy, r: &Release) -> Computed {
    let cis = r.all_affected_cis();
    let n = r.changes.len().saturating_add(cis.len());
    computed(
        log_scaled(n as f64, risk.scales.change_size),
        json!({"changes": r.changes.len(), "cis": cis.len(), "scale": risk.scales.change_size}),
        format!(
            "{} and {} affected, log-scaled against {}",
            plural(r.changes.len(), "change", "changes"),
            plural(cis.len(), "distinct CI", "distinct CIs"),
            risk.scales.change_size
        ),
    )
}
