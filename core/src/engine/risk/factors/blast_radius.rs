//! `blast_radius`: the CIs and business services that depend on the
//! affected CIs within `risk.blast_radius_depth` hops of the CMDB
//! (`docs/risk.md`, "The factors").

use super::{computed, log_scaled, plural, Computed};
use crate::risk::RiskAssessor;
use serde_json::json;

/// The factor's value, inputs and explanation; `known` are the affected
/// CIs found in the CMDB.
pub(super) fn compute(a: &RiskAssessor<'_>, known: &[u32]) -> Computed {
    let risk = &a.policy().risk;
    let depth = risk.blast_radius_depth;
    match &a.cmdb {
        None => computed(
            risk.neutral.blast_radius,
            json!({"cmdb": false, "neutral": risk.neutral.blast_radius}),
            "no CMDB in the context: the neutral value is used".to_string(),
        ),
        Some(_) if known.is_empty() => computed(
            risk.neutral.blast_radius,
            json!({"cmdb": true, "known_cis": 0, "neutral": risk.neutral.blast_radius}),
            "no affected CI is in the CMDB: the neutral value is used".to_string(),
        ),
        Some(cmdb) => {
            let reach = cmdb.walk(known, depth, false);
            let s = &risk.scales;
            let value = 0.5 * log_scaled(reach.dependents as f64, s.blast_radius_cis)
                + 0.5 * log_scaled(reach.services as f64, s.blast_radius_services);
            computed(
                value,
                json!({
                    "affected_cis": reach.affected, "dependent_cis": reach.dependents,
                    "services": reach.services, "depth": depth,
                    "scale_cis": s.blast_radius_cis, "scale_services": s.blast_radius_services,
                }),
                format!(
                    "within {}, {} on the {} affected, touching {}",
                    plural(depth as usize, "hop", "hops"),
                    plural(reach.dependents, "CI depends", "CIs depend"),
                    plural(reach.affected, "CI", "CIs"),
                    plural(reach.services, "business service", "business services")
                ),
            )
        }
    }
}
