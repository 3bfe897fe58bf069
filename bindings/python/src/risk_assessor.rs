//! `relman.RiskAssessor`: `assess_risk` and `assess_risk_many` with their
//! context prepared once ([`relman::operation::risk_assessor`]). Only
//! converts: the parameters are read as `relman.assess_risk` and
//! `relman.assess_risk_many` read them, errors are the same exceptions,
//! and the core runs with the GIL released.

use crate::{guarded, params, raise};
use pyo3::prelude::*;
use relman::operation::risk_assessor::PreparedRisk;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Risk with its context prepared once: `RiskAssessor(context)`, then
/// `assess(release)` or `assess_many(releases)` as often as needed, from
/// any thread. Returns what `relman.assess_risk` /
/// `relman.assess_risk_many` return, raises what they raise.
#[pyclass(frozen, module = "relman._relman", name = "RiskAssessor")]
pub(crate) struct PyRiskAssessor {
    inner: PreparedRisk,
}

#[pymethods]
impl PyRiskAssessor {
    #[new]
    #[pyo3(signature = (context=None))]
    fn new(py: Python<'_>, context: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        guarded(|| {
            let value = match params(&[("context", context)])? {
                Ok(v) => v,
                Err(e) => return Err(raise(py, &e)),
            };
            let built =
                py.detach(move || catch_unwind(AssertUnwindSafe(|| PreparedRisk::new(value))));
            match built {
                Ok(Ok(inner)) => Ok(PyRiskAssessor { inner }),
                Ok(Err(e)) => Err(raise(py, &e)),
                Err(payload) => std::panic::resume_unwind(payload),
            }
        })
    }

    /// The risk assessment of `release` (what `relman.assess_risk` returns
    /// with this context).
    #[pyo3(signature = (release=None))]
    fn assess<'py>(
        &self,
        py: Python<'py>,
        release: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, "release", release, PreparedRisk::assess)
    }

    /// The batch of `releases` (what `relman.assess_risk_many` returns with
    /// this context).
    #[pyo3(signature = (releases=None))]
    fn assess_many<'py>(
        &self,
        py: Python<'py>,
        releases: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(py, "releases", releases, PreparedRisk::assess_many)
    }
}

impl PyRiskAssessor {
    /// Runs `method` on the one parameter `name`, the GIL released.
    fn run<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        value: Option<&Bound<'py, PyAny>>,
        method: fn(&PreparedRisk, Value) -> Result<Value, relman::Error>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guarded(|| {
            let value = match params(&[(name, value)])? {
                Ok(v) => v,
                Err(e) => return Err(raise(py, &e)),
            };
            let inner = &self.inner;
            crate::detached(py, move || method(inner, value))
        })
    }
}
