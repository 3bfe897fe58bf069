//! Python values ⇄ `serde_json::Value`, and nothing else: no domain logic.
//!
//! Python → JSON is a manual walk, depth-limited at
//! [`relman::api::MAX_NESTING_DEPTH`] so a 100 000-deep list is a
//! `limit_exceeded` error rather than a stack overflow. `bool` is tested
//! before `int` (it is a subclass); an aware `datetime` becomes RFC 3339 text
//! keeping its offset; a naive one, or any type JSON has no form for, is an
//! `invalid_input` error naming the path (`release.changes[2].at`).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use relman::api::{PathStep as Step, MAX_NESTING_DEPTH};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// Why a value could not be converted, and where (the shared form of every
/// binding); a Python error met on the way is its host error.
pub(crate) type ConversionError = relman::api::ConversionError<PyErr>;

/// A Python error met while converting.
fn host(err: PyErr) -> ConversionError {
    ConversionError::host(err)
}

/// Converts the value of parameter `name` (depth 1: the parameter object is
/// depth 0).
pub(crate) fn parameter(name: &str, value: &Bound<'_, PyAny>) -> Result<Value, ConversionError> {
    to_value(value, 1).map_err(|e| e.at(Step::Key(name.to_string())))
}

fn to_value(obj: &Bound<'_, PyAny>, depth: u64) -> Result<Value, ConversionError> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow().map_err(host)?.into_owned()));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        if depth > MAX_NESTING_DEPTH {
            return Err(ConversionError::too_deep());
        }
        let mut map = Map::new();
        for (key, item) in dict.iter() {
            let key = match key.cast::<PyString>() {
                Ok(k) => k.to_cow().map_err(host)?.into_owned(),
                Err(_) => {
                    return Err(ConversionError::invalid(format!(
                        "mapping keys must be strings, not {}",
                        type_name(&key)
                    )))
                }
            };
            match to_value(&item, depth + 1) {
                Ok(v) => {
                    map.insert(key, v);
                }
                Err(e) => return Err(e.at(Step::Key(key))),
            }
        }
        return Ok(Value::Object(map));
    }
    if let Ok(list) = obj.cast::<PyList>() {
        if depth > MAX_NESTING_DEPTH {
            return Err(ConversionError::too_deep());
        }
        let mut items = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            items.push(to_value(&item, depth + 1).map_err(|e| e.at(Step::Index(i)))?);
        }
        return Ok(Value::Array(items));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: `True` is an `int` too.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Err(ConversionError::invalid(
            "integer out of range (JSON numbers here fit in 64 bits)",
        ));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| ConversionError::invalid("not a finite number (NaN or infinity)"));
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        if depth > MAX_NESTING_DEPTH {
            return Err(ConversionError::too_deep());
        }
        let mut items = Vec::with_capacity(tuple.len());
        for (i, item) in tuple.iter().enumerate() {
            items.push(to_value(&item, depth + 1).map_err(|e| e.at(Step::Index(i)))?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(dt) = obj.cast::<PyDateTime>() {
        return timestamp(dt);
    }
    Err(ConversionError::invalid(format!(
        "cannot convert {} to JSON; use dict, list, tuple, str, int, float, bool, None \
         or a datetime with tzinfo",
        type_name(obj)
    )))
}

/// An aware datetime as RFC 3339 text with its own offset.
fn timestamp(dt: &Bound<'_, PyDateTime>) -> Result<Value, ConversionError> {
    if dt.call_method0("utcoffset").map_err(host)?.is_none() {
        return Err(ConversionError::invalid(
            "a naive datetime (no tzinfo) is not a timestamp; attach a time zone, \
             e.g. datetime(..., tzinfo=timezone.utc)",
        ));
    }
    let text: String = dt
        .call_method0("isoformat")
        .and_then(|t| t.extract())
        .map_err(host)?;
    Ok(Value::String(text))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| format!("a `{n}`"))
        .unwrap_or_else(|_| "this value".to_string())
}

/// A JSON value as Python objects: dicts, lists, str, int (integers stay
/// ints), float, bool, None. Keys repeat across the items of a result (every
/// factor has `name`, `points`, …), so each distinct key becomes one Python
/// string shared by every dict, as `json.loads` does.
pub(crate) fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    let mut keys = HashMap::new();
    to_python_with(py, value, &mut keys)
}

fn to_python_with<'py, 'v>(
    py: Python<'py>,
    value: &'v Value,
    keys: &mut HashMap<&'v str, Bound<'py, PyString>>,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let mut converted = Vec::with_capacity(items.len());
            for item in items {
                converted.push(to_python_with(py, item, keys)?);
            }
            PyList::new(py, converted)?.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                let key = keys
                    .entry(k.as_str())
                    .or_insert_with(|| PyString::new(py, k))
                    .clone();
                dict.set_item(key, to_python_with(py, v, keys)?)?;
            }
            dict.into_any()
        }
    })
}
