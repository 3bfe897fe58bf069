//! What the prepared objects of the bindings share (`PreparedCheck`,
//! `PreparedRisk`): their parameters read exactly as [`crate::api::call`]
//! reads an operation's — unknown and missing parameters, depth and
//! read-time limits, in `call`'s order — and their results written as JSON
//! value or text.

use crate::api::read;
use crate::api::{self, ParamForm};
use crate::error::{Error, Result};
use crate::limits::Limits;
use serde_json::{Map, Value};

/// The parameters object `params` of operation `op` restricted to `allowed`
/// (nulls dropped), every one of `required` present, with `call`'s depth
/// and read-time limits applied.
pub(crate) fn parameters(
    params: Value,
    op: &str,
    allowed: &[&str],
    required: &[&str],
    what: &str,
) -> Result<Map<String, Value>> {
    let depth = crate::limits::depth(&params, api::MAX_NESTING_DEPTH + 1);
    if depth > api::MAX_NESTING_DEPTH + 1 {
        crate::limits::dismantle(params);
        return Err(api::nesting_too_deep(""));
    }
    let mut map = match params {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => {
            return Err(Error::invalid_input(
                "",
                format!(
                    "the parameters of {what} must be an object keyed by parameter name, not {}",
                    read::type_name(&other)
                ),
            ))
        }
    };
    map.retain(|_, v| !v.is_null());
    if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::invalid_input(
            unknown.clone(),
            format!(
                "{what} takes no parameter `{unknown}`; its parameters: {}",
                allowed.join(", ")
            ),
        ));
    }
    if let Some(missing) = required.iter().find(|p| !map.contains_key(**p)) {
        return Err(Error::invalid_input(
            *missing,
            format!("`{op}` needs the parameter `{missing}`"),
        ));
    }
    let limits = Limits::default();
    for (name, value) in &map {
        let form: ParamForm = api::param_form(op, name);
        read::check_param(form, name, value, &limits)?;
    }
    Ok(map)
}

/// A result as JSON.
pub(crate) fn out<T: serde::Serialize>(result: &T) -> Result<Value> {
    serde_json::to_value(result)
        .map_err(|e| Error::internal(format!("cannot write the result: {e}")))
}

/// `params` as JSON text, under `call_json`'s size limit.
pub(crate) fn parse(params: &str) -> Result<Value> {
    let size = params.len() as u64;
    if size > crate::limits::DEFAULT_MAX_DOCUMENT_BYTES {
        return Err(crate::limits::exceeded(
            "",
            "parameters size in bytes",
            crate::limits::DEFAULT_MAX_DOCUMENT_BYTES,
            size,
        ));
    }
    api::parse_json(params, "", "parameters are not JSON")
}

/// JSON text of a result.
pub(crate) fn text(result: &Value) -> Result<String> {
    serde_json::to_string(result)
        .map_err(|e| Error::internal(format!("cannot write the result: {e}")))
}
