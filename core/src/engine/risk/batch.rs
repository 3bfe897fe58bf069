//! The result of `assess_risk_many`: one assessment or error per release.

use crate::error::{ErrorBody, Result, Warning};
use crate::{Context, Release, RiskAssessment, RiskVerdict};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The result of `assess_risk_many`: one slot per release, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RiskBatch {
    /// The assessment of each release, `null` where that release failed.
    pub assessments: Vec<Option<RiskAssessment>>,
    /// The error of each release that failed, by its index in the input.
    pub errors: Vec<BatchError>,
    /// Odd but not fatal (the assessments carry their own warnings).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// One failed item of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BatchError {
    /// The index of the item in the input list.
    pub index: usize,
    /// The error, in the form every front end shares.
    pub error: ErrorBody,
}

/// Scores many releases against one context: the context is prepared once;
/// a release that cannot be parsed or assessed fills its slot with `None`
/// and adds a [`BatchError`], so one bad record does not sink the batch.
/// An invalid context fails the whole call.
pub fn assess_risk_batch(releases: &[Result<Release>], context: &Context) -> Result<RiskBatch> {
    let assessor = crate::RiskAssessor::new(context)?;
    Ok(assess_batch_with(&assessor, releases))
}

/// [`assess_risk_batch`] with an assessor already prepared (the bindings'
/// `RiskAssessor` objects): every core (feature `parallel`), results in
/// input order.
pub fn assess_batch_with(
    assessor: &crate::RiskAssessor<'_>,
    releases: &[Result<Release>],
) -> RiskBatch {
    let results = crate::foundation::parallel::map(releases, |release| {
        release
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|r| assessor.assess(r))
    });
    let (assessments, errors) = slots(results);
    RiskBatch {
        assessments,
        errors,
        warnings: Vec::new(),
    }
}

/// One slot per result, in order: the value, or `None` and a
/// [`BatchError`] naming its index.
fn slots<T>(results: Vec<Result<T>>) -> (Vec<Option<T>>, Vec<BatchError>) {
    let mut values = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for (index, result) in results.into_iter().enumerate() {
        match result {
            Ok(v) => values.push(Some(v)),
            Err(e) => {
                values.push(None);
                errors.push(BatchError {
                    index,
                    error: e.to_body(),
                });
            }
        }
    }
    (values, errors)
}

/// A [`RiskBatch`] with typed verdicts instead of rendered assessments:
/// it serialises to the same JSON as the `RiskBatch` of the same releases
/// (each verdict written straight to the output, see [`RiskVerdict`]'s
/// `Serialize`), for a host that hands the batch on as JSON.
#[derive(Debug, Serialize)]
pub(crate) struct VerdictBatch<'a> {
    assessments: Vec<Option<RiskVerdict<'a>>>,
    errors: Vec<BatchError>,
    warnings: Vec<Warning>,
}

/// [`assess_batch_with`] into typed verdicts (every core, input order).
pub(crate) fn verdicts_with<'a>(
    assessor: &'a crate::RiskAssessor<'_>,
    releases: &'a [Result<Release>],
) -> VerdictBatch<'a> {
    // By index: each verdict borrows its release for `'a`.
    let results =
        crate::foundation::parallel::map_range(releases.len(), |i| match releases.get(i) {
            Some(Ok(r)) => assessor.verdict(r),
            Some(Err(e)) => Err(e.clone()),
            None => Err(crate::Error::internal("a batch index out of range")),
        });
    let (assessments, errors) = slots(results);
    VerdictBatch {
        assessments,
        errors,
        warnings: Vec::new(),
    }
}
