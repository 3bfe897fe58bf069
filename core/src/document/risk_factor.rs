//! The names of the risk factors: the vocabulary the policy weighs (its
//! `risk.weights` and fitted `risk.model`) and the risk engine reports
//! (`docs/risk.md`, "The factors").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One factor of the risk score; its serde name is the factor's name in
/// reports, weights and models (`change_size`, `ci_criticality`, …).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FactorName {
    /// Number of changes and CIs.
    ChangeSize,
    /// The most critical affected CI.
    CiCriticality,
    /// CIs and services that depend on the affected CIs.
    BlastRadius,
    /// Missing or failed tests.
    TestEvidence,
    /// None / documented / tested rollback.
    RollbackReadiness,
    /// Big bang > phased > blue-green > canary.
    DeploymentStrategy,
    /// Outside maintenance windows, blackouts, peak hours.
    Timing,
    /// Past failure rate of the same services.
    TrackRecord,
    /// Emergency release or changes.
    Emergency,
    /// Depends-on count and detected conflicts.
    Dependencies,
}

impl FactorName {
    /// Every factor, in report order.
    pub const ALL: [FactorName; 10] = [
        FactorName::ChangeSize,
        FactorName::CiCriticality,
        FactorName::BlastRadius,
        FactorName::TestEvidence,
        FactorName::RollbackReadiness,
        FactorName::DeploymentStrategy,
        FactorName::Timing,
        FactorName::TrackRecord,
        FactorName::Emergency,
        FactorName::Dependencies,
    ];

    /// The factor's name (its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            FactorName::ChangeSize => "change_size",
            FactorName::CiCriticality => "ci_criticality",
            FactorName::BlastRadius => "blast_radius",
            FactorName::TestEvidence => "test_evidence",
            FactorName::RollbackReadiness => "rollback_readiness",
            FactorName::DeploymentStrategy => "deployment_strategy",
            FactorName::Timing => "timing",
            FactorName::TrackRecord => "track_record",
            FactorName::Emergency => "emergency",
            FactorName::Dependencies => "dependencies",
        }
    }

    /// The factor with this name, if any.
    pub fn from_name(name: &str) -> Option<FactorName> {
        FactorName::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// The factor's place in [`FactorName::ALL`] (report order).
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for FactorName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_names_in_report_order() {
        for (i, f) in FactorName::ALL.into_iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(
                serde_json::to_value(f).unwrap(),
                serde_json::Value::String(f.as_str().to_string())
            );
            assert_eq!(FactorName::from_name(f.as_str()), Some(f));
        }
        assert_eq!(FactorName::from_name("nope"), None);
    }
}
