//! `relman.PreparedContext`: `check` with its context (and keys) prepared
//! once ([`relman::operation::prepared_context`]). Only converts: the
//! parameters are read as `relman.check` reads them, errors are the same
//! exceptions, and the core runs with the GIL released.

use crate::{guarded, params, raise};
use pyo3::prelude::*;
use relman::operation::prepared_context::PreparedCheck;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// `check` with its context prepared once: `PreparedContext(context,
/// keys)`, then `check(release, target)` as often as needed, from any
/// thread. Returns what `relman.check` returns, raises what it raises.
#[pyclass(frozen, module = "relman._relman", name = "PreparedContext")]
pub(crate) struct PyPreparedContext {
    inner: PreparedCheck,
}

#[pymethods]
impl PyPreparedContext {
    #[new]
    #[pyo3(signature = (context=None, keys=None))]
    fn new(
        py: Python<'_>,
        context: Option<&Bound<'_, PyAny>>,
        keys: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guarded(|| {
            let value = match params(&[("context", context), ("keys", keys)])? {
                Ok(v) => v,
                Err(e) => return Err(raise(py, &e)),
            };
            let built =
                py.detach(move || catch_unwind(AssertUnwindSafe(|| PreparedCheck::new(value))));
            match built {
                Ok(Ok(inner)) => Ok(PyPreparedContext { inner }),
                Ok(Err(e)) => Err(raise(py, &e)),
                Err(payload) => std::panic::resume_unwind(payload),
            }
        })
    }

    /// The gate report of moving `release` to `target` (what `relman.check`
    /// returns with this context and keys).
    #[pyo3(signature = (release=None, target=None))]
    fn check<'py>(
        &self,
        py: Python<'py>,
        release: Option<&Bound<'py, PyAny>>,
        target: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guarded(|| {
            let value = match params(&[("release", release), ("target", target)])? {
                Ok(v) => v,
                Err(e) => return Err(raise(py, &e)),
            };
            let inner = &self.inner;
            crate::detached(py, move || inner.check(value))
        })
    }

    /// How many verified releases the prepared context has cached.
    fn cached(&self) -> usize {
        self.inner.prepared().cached()
    }
}
