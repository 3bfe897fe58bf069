//! `assess_risk_many`: many releases scored against one context.

use crate::api::RiskBatch;
use crate::{Context, Release, Result};

operation! {
    /// Scores many releases against one `context` (prepared once). One bad
    /// release does not sink the batch: its slot in `assessments` is null
    /// and `errors` has `{index, error}` for it.
    name: assess_risk_many,
    position: 6,
    summary: "Scores many releases against one context; one result or error per release",
    params AssessRiskManyParams {
        /// The releases; each is read on its own.
        releases: req Vec<Result<Release>> as DocList,
        /// The policy's risk weights, the CMDB, calendar, schedule and
        /// history the factors consult.
        context: opt Context as Doc,
    }
    result: RiskBatch,
    run(p) {
        crate::api::assess_risk_batch(&p.releases, &p.context.unwrap_or_default())
    }
}
