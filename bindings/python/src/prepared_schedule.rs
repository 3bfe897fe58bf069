//! `relman.PreparedSchedule`: a schedule prepared once for conflict
//! detection (docs/conflicts.md, "Prepared schedules"). Built from the
//! schedule `detect_conflicts` takes (a dict or JSON text), read and
//! checked as the operation reads it, so it fails with the operation's
//! errors; `conflicts()` returns what `relman.detect_conflicts` returns.
//! The core runs with the GIL released; no panic crosses into Python.

use crate::{detached, guarded, parameter, raise};
use pyo3::prelude::*;
use relman::api::ops::detect_conflicts::{prepare, prepared_conflicts};
use serde_json::json;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// A schedule prepared for conflict detection.
#[pyclass(module = "relman._relman", name = "PreparedSchedule", frozen)]
pub struct PreparedSchedule {
    inner: relman::PreparedSchedule,
}

#[pymethods]
impl PreparedSchedule {
    /// Prepares `schedule` (a dict or JSON text): validates it and
    /// expands its calendar once. Raises what `detect_conflicts` raises.
    #[new]
    fn new(py: Python<'_>, schedule: &Bound<'_, PyAny>) -> PyResult<Self> {
        guarded(|| {
            let value = match parameter("schedule", schedule)? {
                Ok(v) => v,
                Err(e) => return Err(raise(py, &e)),
            };
            let params = json!({ "schedule": value });
            match py.detach(move || catch_unwind(AssertUnwindSafe(|| prepare(params)))) {
                Ok(Ok(inner)) => Ok(PreparedSchedule { inner }),
                Ok(Err(e)) => Err(raise(py, &e)),
                Err(payload) => resume_unwind(payload),
            }
        })
    }

    /// Every conflict of the prepared schedule: the report
    /// `detect_conflicts` returns for it.
    fn conflicts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guarded(|| {
            let inner = &self.inner;
            detached(py, || prepared_conflicts(inner))
        })
    }

    fn __repr__(&self) -> String {
        let s = self.inner.schedule();
        format!(
            "PreparedSchedule(releases={}, changes={})",
            s.releases.len(),
            s.changes.len()
        )
    }
}
