//! The native half of the `relman` Python package (`relman._relman`).
//!
//! Thin by design: [`call`] converts a Python dict of parameters to a
//! `serde_json::Value`, runs [`relman::api::call`] with the GIL released,
//! and converts the result back; errors become the exception classes of
//! `relman._errors` built from the shared [`relman::ErrorBody`]. The typed
//! per-operation functions, their docstrings and the `TypedDict`s live in
//! the pure-Python package beside this crate.
//!
//! No panic crosses into Python: every entry point runs under
//! `catch_unwind` and reports a panic as `RelmanError(code="internal")`.

mod convert;
mod kpi_arrow;
mod kpi_ndjson;
mod prepared_context;
mod prepared_schedule;
mod risk_assessor;

/// The extension's Rust allocations (the core's JSON values, its results)
/// go through mimalloc: the profile of a large `assess_risk_many` spent a
/// quarter of its time in glibc malloc's free-list upkeep.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple};
use relman::api;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

/// Parameters whose value is a plain string or number, from the operation
/// catalog (`relman::api::catalog`). Any other parameter given as a `str`
/// is JSON text (a document or an object), parsed in Rust so that errors
/// carry line and column.
fn scalar_parameters() -> &'static BTreeSet<String> {
    static SCALAR: OnceLock<BTreeSet<String>> = OnceLock::new();
    SCALAR.get_or_init(|| {
        api::catalog()
            .operations
            .into_iter()
            .flat_map(|op| op.params)
            .filter(|p| p.scalar)
            .map(|p| p.name)
            .collect()
    })
}

/// Runs `f`, turning a Rust panic into `relman::Error::Internal`.
fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Python::attach(|py| Err(raise(py, &api::panic_error(payload.as_ref())))),
    }
}

/// The Python exception for a relman error: `relman._errors._from_body`
/// picks the class from the error body's code.
fn raise(py: Python<'_>, err: &relman::Error) -> PyErr {
    static FROM_BODY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let built = (|| -> PyResult<PyErr> {
        let body = serde_json::to_value(err.to_body())
            .map_err(|e| PyTypeError::new_err(format!("cannot write an error body: {e}")))?;
        let body = convert::to_python(py, &body)?;
        let from_body = FROM_BODY.get_or_try_init(py, || {
            py.import("relman._errors")?
                .getattr("_from_body")
                .map(Bound::unbind)
        })?;
        let exc = from_body.bind(py).call1((body,))?;
        Ok(PyErr::from_value(exc))
    })();
    built.unwrap_or_else(|e| e)
}

/// The value of one parameter: JSON text parsed (for non-scalar
/// parameters), anything else walked.
fn parameter(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Result<Value, relman::Error>> {
    if !scalar_parameters().contains(name) {
        if let Ok(text) = value.cast::<PyString>() {
            return Ok(api::parse_param_text(name, &text.to_cow()?));
        }
    }
    match convert::parameter(name, value) {
        Ok(v) => Ok(Ok(v)),
        Err(e) => e.into_error("").map(Err).map_err(|h| h.error),
    }
}

/// The parameters object of a call: every entry of `params` but those set
/// to `None` ("not given"). A relman error (bad or too deep input) is the
/// inner `Err`; a Python error met on the way is the outer one.
fn parameters(params: &Bound<'_, PyDict>) -> PyResult<Result<Map<String, Value>, relman::Error>> {
    let mut map = Map::new();
    for (key, value) in params.iter() {
        if value.is_none() {
            continue;
        }
        let name = key
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("parameter names must be strings"))?
            .to_cow()?
            .into_owned();
        match parameter(&name, &value)? {
            Ok(v) => {
                map.insert(name, v);
            }
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(map))
}

/// Runs one operation of `relman.api` by name with a dict of parameters
/// (`None` values mean "not given") and returns its result as Python
/// objects. The GIL is released while the core runs.
#[pyfunction]
#[pyo3(name = "_call")]
fn call<'py>(
    py: Python<'py>,
    operation: &str,
    params: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    guarded(|| {
        let map = match parameters(params)? {
            Ok(map) => map,
            Err(e) => return Err(raise(py, &e)),
        };
        let operation = operation.to_string();
        detached(py, move || api::call(&operation, Value::Object(map)))
    })
}

/// Python's cyclic garbage collector, paused while a result is built.
///
/// A result is a tree of fresh dicts and lists (no cycles); building one
/// of many thousand containers otherwise triggers collections that walk
/// every live object again and again (a fifth of `assess_risk_many`'s time
/// in a profile). The GIL is held throughout, so no other Python code runs
/// while it is paused; the previous state is restored on drop.
struct GcPause<'py> {
    gc: Option<Bound<'py, PyModule>>,
}

impl<'py> GcPause<'py> {
    fn new(py: Python<'py>) -> PyResult<Self> {
        static GC: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
        let gc = GC
            .get_or_try_init(py, || py.import("gc").map(Bound::unbind))?
            .bind(py)
            .clone();
        if gc.call_method0("isenabled")?.is_truthy()? {
            gc.call_method0("disable")?;
            Ok(GcPause { gc: Some(gc) })
        } else {
            Ok(GcPause { gc: None })
        }
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if let Some(gc) = &self.gc {
            // Enabling cannot fail; if it somehow did, there is no caller to
            // tell from a destructor.
            let _ = gc.call_method0("enable");
        }
    }
}

/// Runs one operation on JSON text and returns JSON text: the core alone,
/// without Python objects (for benches/python_bench.py's breakdown).
#[pyfunction]
#[pyo3(name = "_call_json")]
fn call_json(py: Python<'_>, operation: &str, params: &str) -> PyResult<String> {
    guarded(|| {
        let (operation, params) = (operation.to_string(), params.to_string());
        let result = py
            .detach(move || catch_unwind(AssertUnwindSafe(|| api::call_json(&operation, &params))));
        match result {
            Ok(Ok(text)) => Ok(text),
            Ok(Err(e)) => Err(raise(py, &e)),
            Err(payload) => std::panic::resume_unwind(payload),
        }
    })
}

/// Converts a dict of parameters to JSON values and back, without running
/// anything: the conversion cost alone (for benches/python_bench.py).
#[pyfunction]
#[pyo3(name = "_echo")]
fn echo<'py>(py: Python<'py>, params: &Bound<'py, PyDict>) -> PyResult<Bound<'py, PyAny>> {
    guarded(|| match parameters(params)? {
        Ok(map) => convert::to_python(py, &Value::Object(map)),
        Err(e) => Err(raise(py, &e)),
    })
}

/// Does nothing, natively: the floor of a call into the extension (for
/// benches/python_bench.py).
#[pyfunction]
#[pyo3(name = "_noop")]
fn noop(params: &Bound<'_, PyDict>) -> usize {
    params.len()
}

/// A test hook: panics inside the same guard every entry point uses, so the
/// tests can see a panic surface as `RelmanError(code="internal")`.
#[pyfunction]
#[pyo3(name = "_force_panic")]
fn force_panic(py: Python<'_>) -> PyResult<()> {
    guarded(|| {
        py.detach(panic_on_purpose);
        Ok(())
    })
}

#[allow(clippy::panic)] // the whole point of the test hook
fn panic_on_purpose() {
    panic!("forced panic (test hook)");
}

/// Every operation of the data contract: `(name, ((param, required), …),
/// summary)` tuples from `relman::api::OPERATIONS`.
fn operations<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
    let mut ops = Vec::with_capacity(api::OPERATIONS.len());
    for op in api::OPERATIONS {
        let params = PyTuple::new(py, op.params.iter().map(|p| (p.name, p.required)))?;
        ops.push((op.name, params, op.summary).into_pyobject(py)?);
    }
    PyTuple::new(py, ops)
}

/// The native module `relman._relman`.
#[pymodule]
#[pyo3(name = "_relman")]
fn relman_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_function(wrap_pyfunction!(call, m)?)?;
    m.add_function(wrap_pyfunction!(noop, m)?)?;
    m.add_function(wrap_pyfunction!(call_json, m)?)?;
    m.add_function(wrap_pyfunction!(echo, m)?)?;
    m.add_function(wrap_pyfunction!(force_panic, m)?)?;
    m.add_class::<prepared_context::PyPreparedContext>()?;
    m.add_class::<prepared_schedule::PreparedSchedule>()?;
    m.add_class::<risk_assessor::PyRiskAssessor>()?;
    m.add_class::<kpi_ndjson::KpiNdjson>()?;
    m.add_class::<kpi_arrow::KpiAccumulator>()?;
    m.add("OPERATIONS", operations(py)?)?;
    m.add(
        "SCHEMAS",
        PyTuple::new(py, relman::schema::SCHEMAS.iter().map(|s| s.name))?,
    )?;
    m.add("MAX_NESTING_DEPTH", api::MAX_NESTING_DEPTH)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCALAR_PARAMETERS", PyTuple::new(py, scalar_parameters())?)?;
    Ok(())
}

/// Runs core `work` with the GIL released (a panic is caught there and
/// resumed here, for `guarded` to turn into an exception) and returns its
/// result as Python objects: converted with the collector paused, the
/// result tree freed without the GIL; a relman error is raised.
pub(crate) fn detached<'py>(
    py: Python<'py>,
    work: impl FnOnce() -> relman::Result<Value> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    match py.detach(move || catch_unwind(AssertUnwindSafe(work))) {
        Ok(Ok(value)) => {
            let converted = {
                let _paused = GcPause::new(py)?;
                convert::to_python(py, &value)
            };
            py.detach(move || drop(value));
            converted
        }
        Ok(Err(e)) => Err(raise(py, &e)),
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// The parameters object of the given (not `None`) values, or the relman
/// error of the first bad one (the prepared objects' methods).
pub(crate) fn params(
    given: &[(&str, Option<&Bound<'_, PyAny>>)],
) -> PyResult<Result<serde_json::Value, relman::Error>> {
    let mut map = serde_json::Map::new();
    for (name, value) in given {
        let Some(value) = value.filter(|v| !v.is_none()) else {
            continue;
        };
        match parameter(name, value)? {
            Ok(v) => {
                map.insert((*name).to_string(), v);
            }
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(Ok(serde_json::Value::Object(map)))
}
