//! `relman._relman.KpiAccumulator`: KPIs over columnar tables given as
//! any Python object with the Arrow PyCapsule interface
//! (`__arrow_c_stream__`: pyarrow tables and readers, polars data frames,
//! DuckDB relations), behind `relman.compute_kpis_arrow` and
//! `relman.KpiAccumulator`.
//!
//! Each object's Arrow C stream is moved out of its capsule and read batch
//! by batch through [`relman_arrow::ArrowHistory`] with the GIL released:
//! the batches are the producer's buffers, used in place (no copy, no
//! Python object per value); only the rows being converted and what the
//! accumulator keeps take memory. The options and policy are read as
//! `compute_kpis_ndjson` reads them; errors are relman's exceptions
//! (`invalid_input` at `deployments.finished_at` for a column of a wrong
//! type, as the crate documents).

use crate::{guarded, params, raise};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule};
use relman_arrow::arrow::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use relman_arrow::{ArrowHistory, Table};

/// KPIs over Arrow tables fed in any number of parts:
/// `KpiAccumulator(options, policy)`, `update(deployments, incidents,
/// releases)` any number of times, `merge(other)`, then `finish()`.
#[pyclass(module = "relman._relman", name = "KpiAccumulator")]
pub(crate) struct KpiAccumulator {
    history: Option<ArrowHistory>,
}

fn spent(py: Python<'_>) -> PyErr {
    raise(
        py,
        &relman::Error::invalid_input("", "this accumulator has been finished or merged already"),
    )
}

/// A `TypeError` naming the argument unless `value` has
/// `__arrow_c_stream__`.
fn exportable(table: Table, value: &Bound<'_, PyAny>) -> PyResult<()> {
    if value.hasattr("__arrow_c_stream__")? {
        return Ok(());
    }
    Err(PyTypeError::new_err(format!(
        "{} must be an Arrow table or stream: an object with \
         `__arrow_c_stream__` (a pyarrow Table or RecordBatchReader, a \
         polars DataFrame, a DuckDB relation), not {}",
        table.name(),
        value.get_type().name()?
    )))
}

/// The Arrow C stream of `value` (given as the argument `name`), moved out
/// of the capsule its `__arrow_c_stream__()` returns. An object without
/// the method is a `TypeError` naming the argument; a stream whose schema
/// cannot be read is `invalid_input` at the table.
fn stream(
    py: Python<'_>,
    table: Table,
    value: &Bound<'_, PyAny>,
) -> PyResult<RecordBatchStreamReader> {
    let name = table.name();
    exportable(table, value)?;
    let capsule = value.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name}.__arrow_c_stream__() must return a PyCapsule"
        ))
    })?;
    // Checks the capsule's name ("arrow_array_stream") as well.
    let pointer = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
    // SAFETY: a capsule named "arrow_array_stream" holds a valid, aligned
    // `struct ArrowArrayStream` (the Arrow PyCapsule interface), which is
    // `FFI_ArrowArrayStream`'s C layout; it lives as long as the capsule,
    // which `capsule` keeps alive during the call. `from_raw` moves the
    // stream out and leaves a released one behind (release = NULL), as the
    // interface asks of a consumer: the capsule's destructor then frees
    // nothing, and the stream is released once, when the reader drops.
    #[allow(unsafe_code)]
    let reader = unsafe {
        RecordBatchStreamReader::from_raw(pointer.as_ptr().cast::<FFI_ArrowArrayStream>())
    };
    reader.map_err(|e| raise(py, &relman::Error::invalid_input(name, e.to_string())))
}

#[pymethods]
impl KpiAccumulator {
    #[new]
    #[pyo3(signature = (options=None, policy=None))]
    fn new(
        py: Python<'_>,
        options: Option<&Bound<'_, PyAny>>,
        policy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guarded(|| {
            let value = match params(&[("options", options), ("policy", policy)])? {
                Ok(v) => v,
                Err(e) => return Err(raise(py, &e)),
            };
            // The settings as compute_kpis_ndjson resolves them (same
            // errors and paths), each row read under the default limits.
            let history = relman::api::ops::compute_kpis_ndjson::settings(value)
                .and_then(|settings| ArrowHistory::new(settings, relman::limits::Limits::DEFAULT))
                .map_err(|e| raise(py, &e))?;
            Ok(KpiAccumulator {
                history: Some(history),
            })
        })
    }

    /// Reads every row of the tables given (deployments, then incidents,
    /// then releases), numbering rows on from those read before. Every
    /// argument is checked first; then each table's stream is opened,
    /// read to its end and released before the next one is opened (DuckDB
    /// streams one result of a connection at a time).
    #[pyo3(signature = (deployments=None, incidents=None, releases=None))]
    fn update(
        &mut self,
        py: Python<'_>,
        deployments: Option<&Bound<'_, PyAny>>,
        incidents: Option<&Bound<'_, PyAny>>,
        releases: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        guarded(|| {
            let history = self.history.as_mut().ok_or_else(|| spent(py))?;
            let mut tables = Vec::with_capacity(3);
            for (table, value) in [
                (Table::Deployments, deployments),
                (Table::Incidents, incidents),
                (Table::Releases, releases),
            ] {
                if let Some(value) = value.filter(|v| !v.is_none()) {
                    exportable(table, value)?;
                    tables.push((table, value));
                }
            }
            for (table, value) in tables {
                let reader = stream(py, table, value)?;
                // The producers' callbacks take the GIL themselves if they
                // need it (the C stream interface may be called from any
                // thread). The reader, and with it the stream, is released
                // at the end of the closure.
                let read = py.detach(|| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        history.read_batches(table, reader)
                    }))
                });
                match read {
                    Ok(result) => result.map_err(|e| raise(py, &e))?,
                    Err(payload) => std::panic::resume_unwind(payload),
                }
            }
            Ok(())
        })
    }

    /// Adds every row `other` has read (an accumulator of the same
    /// options and policy); `other` is spent.
    fn merge(&mut self, py: Python<'_>, other: &Bound<'_, KpiAccumulator>) -> PyResult<()> {
        guarded(|| {
            let mine = self.history.as_mut().ok_or_else(|| spent(py))?;
            // `self` is borrowed already: the same object cannot be.
            let mut other = other.try_borrow_mut().map_err(|_| {
                raise(
                    py,
                    &relman::Error::invalid_input(
                        "other",
                        "an accumulator cannot be merged into itself",
                    ),
                )
            })?;
            let theirs = other.history.as_ref().ok_or_else(|| spent(py))?;
            // Checked before `other` is spent, so that a refused merge
            // leaves both as they were.
            mine.accumulator()
                .check_merge(theirs.accumulator())
                .map_err(|e| raise(py, &e))?;
            let theirs = other.history.take().ok_or_else(|| spent(py))?;
            py.detach(|| mine.merge(theirs)).map_err(|e| raise(py, &e))
        })
    }

    /// This accumulator as bytes (`relman_arrow::ArrowHistory::to_bytes`),
    /// for another process of the same relman version; pickling uses them.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        guarded(|| {
            let history = self.history.as_ref().ok_or_else(|| spent(py))?;
            Ok(PyBytes::new(py, &history.to_bytes()))
        })
    }

    /// An accumulator read back from `to_bytes`; bytes of anything else
    /// are `invalid_input` at `bytes`.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<KpiAccumulator> {
        guarded(|| {
            let history = ArrowHistory::from_bytes(data, relman::limits::Limits::DEFAULT)
                .map_err(|e| raise(py, &e))?;
            Ok(KpiAccumulator {
                history: Some(history),
            })
        })
    }

    /// The KPI report over every row read (what `compute_kpis` returns for
    /// the same records); the accumulator is spent.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guarded(|| {
            let history = self.history.take().ok_or_else(|| spent(py))?;
            crate::detached(py, move || {
                history.finish().and_then(|r| {
                    serde_json::to_value(r).map_err(|e| relman::Error::internal(e.to_string()))
                })
            })
        })
    }
}
