//! `ci_criticality`: the criticality of the most critical affected CI known
//! to the CMDB (`docs/risk.md`, "The factors").

use super::{computed, Computed};
use crate::risk::RiskAssessor;
use crate::Criticality;
use serde_json::json;

/// The factor's value, inputs and explanation; `known` are the affected
/// CIs found in the CMDB.
pub(super) fn compute(a: &RiskAssessor<'_>, known: &[u32]) -> Computed {
    let risk = &a.policy().risk;
    match &a.cmdb {
        None => computed(
            risk.neutral.ci_criticality,
            json!({"cmdb": false, "neutral": risk.neutral.ci_criticality}),
            "no CMDB in the context: the neutral value is used".to_string(),
        ),
        Some(cmdb) => {
            let mut most: Option<(Criticality, &str)> = None;
            for &i in known {
                if let Some(ci) = cmdb.ci(i) {
                    if let Some(c) = ci.criticality {
                        // `Critical` sorts first.
                        if most.is_none_or(|(m, _)| c < m) {
                            most = Some((c, ci.id.as_str()));
                        }
                    }
                }
            }
            match most {
                None => computed(
                    risk.neutral.ci_criticality,
                    json!({"cmdb": true, "known_cis": known.len(), "neutral": risk.neutral.ci_criticality}),
                    "no affected CI in the CMDB has a criticality: the neutral value is used"
                        .to_string(),
                ),
                Some((c, id)) => {
                    let (value, name) = match c {
                        Criticality::Critical => (1.0, "critical"),
                        Criticality::High => (0.75, "high"),
                        Criticality::Medium => (0.5, "medium"),
                        Criticality::Low => (0.25, "low"),
                    };
                    computed(
                        value,
                        json!({"most_critical": name, "ci": id, "known_cis": known.len()}),
                        format!("the most critical affected CI, `{id}`, is {name}"),
                    )
                }
            }
        }
    }
}
