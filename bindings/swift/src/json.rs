//! The custom types that carry text across the FFI: [`Timestamp`] (RFC 3339
//! text kept exactly as written, so an offset such as `+02:00` survives a
//! round trip), [`JsonValue`] (any JSON value as text) and [`JsonObject`]
//! (a JSON object as text, used for the fields relman's typed records do not
//! name). All three are `String` in Swift and Python.
//!
//! Lifting never fails: the text is checked where it is used, so a bad
//! value is reported as `RelmanError.InvalidInput` with the JSON path of
//! the parameter, never as a UniFFI internal error.

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// An RFC 3339 timestamp with an offset (`Z` or `+02:00`), kept as written.
/// relman parses it where it is used and reports a bad one by its path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub String);

uniffi::custom_type!(Timestamp, String, {
    lower: |t| t.0,
    try_lift: |s| Ok(Timestamp(s)),
});

/// Any JSON value, as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonValue(pub String);

uniffi::custom_type!(JsonValue, String, {
    lower: |t| t.0,
    try_lift: |s| Ok(JsonValue(s)),
});

/// A JSON object, as JSON text: the fields of a document or result that the
/// typed record does not name (relman keeps unknown fields, so this is also
/// where a host's own fields travel). `{}` when there are none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonObject(pub String);

uniffi::custom_type!(JsonObject, String, {
    lower: |t| t.0,
    try_lift: |s| Ok(JsonObject(s)),
});

impl JsonValue {
    /// The value as JSON text.
    pub fn of(value: &Value) -> Self {
        JsonValue(value.to_string())
    }
}

impl Serialize for JsonValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value: Value = serde_json::from_str(&self.0)
            .map_err(|e| S::Error::custom(format!("not JSON text: {e}")))?;
        value.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Ok(JsonValue(value.to_string()))
    }
}

impl Serialize for JsonObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = if self.0.trim().is_empty() {
            "{}"
        } else {
            &self.0
        };
        let map: Map<String, Value> = serde_json::from_str(text)
            .map_err(|e| S::Error::custom(format!("not the JSON text of an object: {e}")))?;
        map.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)
            .map_err(|e| D::Error::custom(format!("expected an object: {e}")))?;
        Ok(JsonObject(Value::Object(map).to_string()))
    }
}

impl Default for JsonObject {
    fn default() -> Self {
        JsonObject("{}".to_string())
    }
}
