//! JavaScript values ⇄ `serde_json::Value`, by hand.
//!
//! napi's own `serde_json::Value` conversion caps a value at one million
//! nodes (a batch of 100 000 releases exceeds it) and reports a generic
//! failure at its depth limit, so the binding walks values itself:
//!
//! - JS → JSON stops at [`relman::api::MAX_NESTING_DEPTH`] with
//!   [`relman::api::nesting_too_deep`] (`limit_exceeded`, the path where it
//!   stopped); the recursion is bounded by that depth, so a 100 000-deep
//!   array cannot overflow the stack.
//! - `Date` becomes RFC 3339 text in UTC (`toISOString`, offset `Z`).
//! - Like `JSON.stringify`: only own enumerable string keys are read, an
//!   `undefined` property is left out, `undefined` in an array becomes
//!   `null`. Unlike it, `NaN`, `±Infinity`, functions, symbols and `BigInt`
//!   are `invalid_input` (never a silent `null`).
//! - Results go back through `JSON.parse` of the serialised value (see
//!   [`to_js`]).
//! - Integral numbers within ±2^53 become JSON integers (so `count: 3`
//!   reads as an integer), every other number a float.

use napi::bindgen_prelude::{
    Array, FromNapiValue, Function, JsObjectValue, JsValue, Null, Object, ToNapiValue, Unknown,
};
use napi::{Env, JsDate, KeyCollectionMode, KeyConversion, KeyFilter, ValueType};
use relman::api::{ConversionError, PathStep, MAX_NESTING_DEPTH};
use serde_json::{Map, Number, Value};

/// A conversion failure, with the path collected on the way back up: the
/// form every binding shares ([`relman::api::ConversionError`]), a napi
/// error met on the way as its host error.
pub struct ConvertError(ConversionError<napi::Error>);

impl ConvertError {
    fn invalid(message: impl Into<String>) -> Self {
        ConvertError(ConversionError::invalid(message))
    }

    fn at(self, step: PathStep) -> Self {
        ConvertError(self.0.at(step))
    }

    /// The relman error, with the path starting at `root` (a parameter
    /// name, or empty for a whole document).
    pub fn into_error(self, root: &str) -> relman::Error {
        self.0.into_error(root).unwrap_or_else(|host| {
            relman::Error::internal(format!(
                "cannot read the JavaScript value at `{}`: {}",
                host.path, host.error
            ))
        })
    }
}

impl From<napi::Error> for ConvertError {
    fn from(e: napi::Error) -> Self {
        ConvertError(ConversionError::host(e))
    }
}

/// Converts a JS value; `depth` is the number of containers around it.
pub fn from_js(env: &Env, value: Unknown<'_>, depth: u64) -> Result<Value, ConvertError> {
    match value.get_type()? {
        ValueType::Null | ValueType::Undefined => Ok(Value::Null),
        ValueType::Boolean => Ok(Value::Bool(bool::from_unknown(value)?)),
        ValueType::Number => number(f64::from_unknown(value)?),
        ValueType::String => Ok(Value::String(String::from_unknown(value)?)),
        ValueType::Object => {
            let is_array = value.is_array()?;
            if !is_array && value.is_date()? {
                return date(JsDate::from_unknown(value)?.value_of()?);
            }
            if depth >= MAX_NESTING_DEPTH {
                return Err(ConvertError(ConversionError::too_deep()));
            }
            if is_array {
                let array = Array::from_unknown(value)?;
                let mut items = Vec::with_capacity(array.len() as usize);
                for i in 0..array.len() {
                    // One handle scope per element: the handles of a large
                    // list do not pile up in the call's scope.
                    let item = env.run_in_scope(|| {
                        let item: Unknown<'_> = array.get_element(i)?;
                        Ok(from_js(env, item, depth + 1)
                            .map_err(|e| e.at(PathStep::Index(i as usize))))
                    })??;
                    items.push(item);
                }
                Ok(Value::Array(items))
            } else {
                let object = Object::from_unknown(value)?;
                let keys = object.get_all_property_names(
                    KeyCollectionMode::OwnOnly,
                    KeyFilter::Enumerable,
                    KeyConversion::NumbersToStrings,
                )?;
                let count = keys.get_array_length()?;
                let mut map = Map::new();
                for i in 0..count {
                    let key: Unknown<'_> = keys.get_element(i)?;
                    if key.get_type()? != ValueType::String {
                        continue; // a symbol key, as JSON.stringify skips it
                    }
                    let item: Unknown<'_> = object.get_property(key)?;
                    let key = String::from_unknown(key)?;
                    if item.get_type()? == ValueType::Undefined {
                        continue;
                    }
                    let item = from_js(env, item, depth + 1)
                        .map_err(|e| e.at(PathStep::Key(key.clone())))?;
                    map.insert(key, item);
                }
                Ok(Value::Object(map))
            }
        }
        ValueType::BigInt => Err(ConvertError::invalid(
            "a BigInt is not a JSON value; pass a number",
        )),
        other => Err(ConvertError::invalid(format!(
            "a JavaScript {other} is not a JSON value"
        ))),
    }
}

fn number(n: f64) -> Result<Value, ConvertError> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() <= EXACT {
        // Exact: integral and within the range where f64 → i64 is lossless.
        #[allow(clippy::cast_possible_truncation)]
        return Ok(Value::Number(Number::from(n as i64)));
    }
    Number::from_f64(n)
        .map(Value::Number)
        .ok_or_else(|| ConvertError::invalid(format!("{n} is not a finite number")))
}

fn date(millis: f64) -> Result<Value, ConvertError> {
    let at = (millis.is_finite() && millis.fract() == 0.0)
        .then_some(millis)
        .and_then(|ms| {
            #[allow(clippy::cast_possible_truncation)]
            chrono::DateTime::from_timestamp_millis(ms as i64)
        })
        .ok_or_else(|| ConvertError::invalid("an invalid Date"))?;
    Ok(Value::String(
        at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    ))
}

/// Results up to this size (JSON text, bytes) are handed over as text to
/// the engine's `JSON.parse`; larger ones (beyond what a V8 string holds
/// comfortably) are built value by value.
const JSON_PARSE_LIMIT: usize = 1 << 28;

/// Converts a result to plain JS objects, arrays and primitives: serialised
/// in Rust and read by `JSON.parse`, which builds objects several times
/// faster than one N-API call per property (and defines `__proto__` keys as
/// plain data, never as the prototype).
pub fn to_js<'e>(env: &'e Env, value: &Value) -> napi::Result<Unknown<'e>> {
    let text = serde_json::to_string(value)
        .map_err(|e| napi::Error::from_reason(format!("cannot write the result: {e}")))?;
    if text.len() > JSON_PARSE_LIMIT {
        return build(env, value);
    }
    let json: Object<'_> = env.get_global()?.get_named_property("JSON")?;
    let parse: Function<'_, String, Unknown<'_>> = json.get_named_property("parse")?;
    parse.call(text)
}

/// Builds a result value by value (for results too large for one string).
fn build<'e>(env: &'e Env, value: &Value) -> napi::Result<Unknown<'e>> {
    match value {
        Value::Null => Null.into_unknown(env),
        Value::Bool(b) => b.into_unknown(env),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) if i.unsigned_abs() < (1 << 53) =>
            {
                #[allow(clippy::cast_precision_loss)]
                (i as f64).into_unknown(env)
            }
            (_, Some(f)) => f.into_unknown(env),
            _ => Null.into_unknown(env),
        },
        Value::String(s) => s.as_str().into_unknown(env),
        Value::Array(items) => {
            let len = u32::try_from(items.len())
                .map_err(|_| napi::Error::from_reason("array too long for JavaScript"))?;
            let mut array = env.create_array(len)?;
            for (i, item) in (0..len).zip(items) {
                array.set_element(i, build(env, item)?)?;
            }
            Ok(array.to_unknown())
        }
        Value::Object(map) => {
            let mut object = Object::new(env)?;
            for (key, item) in map {
                let key = key.as_str().into_unknown(env)?;
                object.set_property(key, build(env, item)?)?;
            }
            Ok(object.to_unknown())
        }
    }
}
