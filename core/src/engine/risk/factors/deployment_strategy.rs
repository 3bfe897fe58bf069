//! `deployment_strategy`: big bang > phased > blue-green > canary =
//! feature flag
//! (`docs/risk.md`, "The factors").

use super::{Computed, Detail, Num};
use crate::policy::RiskPolicy;
use crate::{Release, Strategy};
use serde::ser::SerializeMap;
use std::fmt;

/// What the factor used: rendered only when the assessment is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DeploymentStrategy {
    /// No strategy given.
    Missing { neutral: f64 },
    /// The strategy's name.
    Given(&'static str),
}

/// The factor's value and typed inputs.
pub(super) fn compute(risk: &RiskPolicy, r: &Release) -> Computed<'static> {
    match &r.deployment {
        None => Computed {
            value: risk.neutral.deployment_strategy,
            detail: Detail::DeploymentStrategy(DeploymentStrategy::Missing {
                neutral: risk.neutral.deployment_strategy,
            }),
        },
        Some(d) => {
            let (value, name) = match d.strategy {
                Strategy::BigBang => (1.0, "big_bang"),
                Strategy::Phased => (0.6, "phased"),
                Strategy::BlueGreen => (0.3, "blue_green"),
                Strategy::Canary => (0.15, "canary"),
                // Exposure grows by percentage with analysis and a
                // roll back (flag off), like a canary's.
                Strategy::FeatureFlag => (0.15, "feature_flag"),
            };
            Computed {
                value,
                detail: Detail::DeploymentStrategy(DeploymentStrategy::Given(name)),
            }
        }
    }
}

impl DeploymentStrategy {
    /// [`DeploymentStrategy::inputs`] written straight to a map, keys sorted.
    pub(super) fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        match self {
            DeploymentStrategy::Missing { neutral } => {
                m.serialize_entry("neutral", &Num(*neutral))?;
                m.serialize_entry("strategy", &())
            }
            DeploymentStrategy::Given(name) => m.serialize_entry("strategy", name),
        }
    }
}

impl fmt::Display for DeploymentStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeploymentStrategy::Missing { .. } => {
                f.write_str("no deployment strategy given: the neutral value (as big bang) is used")
            }
            DeploymentStrategy::Given(name) => {
                write!(f, "the deployment strategy is {}", name.replace('_', " "))
            }
        }
    }
}
