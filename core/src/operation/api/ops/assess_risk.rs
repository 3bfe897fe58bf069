//! `assess_risk`: a release's risk score.

use crate::{Context, Release, RiskAssessment};

operation! {
    /// Scores `release`'s risk (0-100, a level) with every factor
    /// explained.
    name: assess_risk,
    position: 5,
    summary: "Scores a release's risk with every factor explained",
    params AssessRiskParams {
        /// The release.
        release: req Release as Doc,
        /// The policy's risk weights, the CMDB, calendar, schedule and
        /// history the factors consult.
        context: opt Context as Doc,
    }
    result: RiskAssessment,
    run(p) {
        crate::assess_risk(&p.release, &p.context.unwrap_or_default())
    }
}
