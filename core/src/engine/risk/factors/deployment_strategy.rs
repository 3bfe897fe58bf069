//! `deployment_strategy`: big bang > phased > blue-green > canary
//! (`docs/risk.md`, "The factors").

use super::{computed, Computed};
use crate::policy::RiskPolicy;
use crate::{Release, Strategy};
use serde_json::json;

/// The factor's value, inputs and explanation.
pub(super) fn compute(risk: &RiskPolicy, r: &Release) -> Computed {
    match &r.deployment {
        None => computed(
            risk.neutral.deployment_strategy,
            json!({"strategy": null, "neutral": risk.neutral.deployment_strategy}),
            "no deployment strategy given: the neutral value (as big bang) is used".to_string(),
        ),
        Some(d) => {
            let (value, name) = match d.strategy {
                Strategy::BigBang => (1.0, "big_bang"),
                Strategy::Phased => (0.6, "phased"),
                Strategy::BlueGreen => (0.3, "blue_green"),
                Strategy::Canary => (0.15, "canary"),
            };
            computed(
                value,
                json!({"strategy": name}),
                format!("the deployment strategy is {}", name.replace('_', " ")),
            )
        }
    }
}
