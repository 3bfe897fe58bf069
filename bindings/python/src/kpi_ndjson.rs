//! `relman._relman.KpiNdjson`: the streaming reader of NDJSON histories
//! behind `relman.compute_kpis_ndjson` for files and iterables of lines
//! ([`relman::ndjson::NdjsonHistory`]). Only converts: the options and
//! policy are read as the operation reads them, each line is handed to the
//! core as it comes (never the whole text), errors are the same
//! exceptions.

use crate::{guarded, params, raise};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use relman::ndjson::NdjsonHistory;

/// A KPI report over NDJSON lines fed in any number of batches:
/// `KpiNdjson(options, policy)`, `feed(lines)` (any iterable of `str` or
/// `bytes` lines, e.g. a file opened in binary mode), then `finish()`.
#[pyclass(module = "relman._relman", name = "KpiNdjson")]
pub(crate) struct KpiNdjson {
    reader: Option<NdjsonHistory>,
    next_line: usize,
}

fn finished(py: Python<'_>) -> PyErr {
    raise(
        py,
        &relman::Error::invalid_input("", "this reader has finished already"),
    )
}

#[pymethods]
impl KpiNdjson {
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
            match relman::api::ops::compute_kpis_ndjson::reader(value) {
                Ok(reader) => Ok(KpiNdjson {
                    reader: Some(reader),
                    next_line: 1,
                }),
                Err(e) => Err(raise(py, &e)),
            }
        })
    }

    /// Reads every line of `lines` (`str` or UTF-8 `bytes`, with or
    /// without their line endings), numbering them on from the lines fed
    /// before.
    fn feed(&mut self, py: Python<'_>, lines: &Bound<'_, PyAny>) -> PyResult<()> {
        guarded(|| {
            let reader = self.reader.as_mut().ok_or_else(|| finished(py))?;
            for item in lines.try_iter()? {
                let item = item?;
                let number = self.next_line;
                self.next_line = number.saturating_add(1);
                let pushed = if let Ok(s) = item.cast::<PyString>() {
                    reader.push_line(number, &s.to_cow()?)
                } else if let Ok(b) = item.cast::<PyBytes>() {
                    match std::str::from_utf8(b.as_bytes()) {
                        Ok(text) => reader.push_line(number, text),
                        Err(e) => Err(relman::Error::InvalidInput {
                            problems: vec![relman::Problem {
                                path: format!("line {number}"),
                                message: format!("not UTF-8 text: {e}"),
                                line: Some(number),
                                column: None,
                            }],
                        }),
                    }
                } else {
                    return Err(PyTypeError::new_err(format!(
                        "NDJSON lines must be str or bytes, not {}",
                        item.get_type().name()?
                    )));
                };
                pushed.map_err(|e| raise(py, &e))?;
            }
            Ok(())
        })
    }

    /// The KPI report over every line fed (what `compute_kpis_ndjson`
    /// returns for the same text); the reader is spent.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guarded(|| {
            let reader = self.reader.take().ok_or_else(|| finished(py))?;
            crate::detached(py, move || {
                reader.finish().and_then(|r| {
                    serde_json::to_value(r).map_err(|e| relman::Error::internal(e.to_string()))
                })
            })
        })
    }
}
