//! The custom types that carry core values as text or wider numbers across
//! the FFI (`String` and `UInt64` in Swift):
//!
//! * [`Timestamp`]: relman's RFC 3339 timestamp, as the text it was written
//!   in (an offset such as `+02:00` survives a round trip);
//! * [`JsonValue`] / [`JsonObject`]: any JSON value, and the objects of
//!   unknown fields (`extra`), as JSON text;
//! * [`Count`]: a `usize` count, as `u64`;
//! * every core document the generator lists as JSON text
//!   (`bindings/codegen/src/swift/remote.rs`, `json_text!`): as its text.
//!
//! A value that cannot be lifted (text that is not a timestamp or not JSON
//! of the document) is `RelmanError.InvalidInput`, never a UniFFI internal
//! error: the lift error is the `RelmanError` UniFFI hands back as the
//! function's error.

use crate::RelmanError;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// An RFC 3339 timestamp with an offset: `String` in Swift.
pub type Timestamp = relman::Timestamp;

/// Any JSON value: its JSON text in Swift.
pub type JsonValue = serde_json::Value;

/// A JSON object (a document's unknown fields, `extra`): its JSON text in
/// Swift, `{}` when there are none.
pub type JsonObject = relman::Extra;

/// A count (`usize` in relman): `UInt64` in Swift.
pub type Count = usize;

/// The error of a value that cannot be lifted.
fn lift_error(message: String) -> uniffi::deps::anyhow::Error {
    RelmanError::invalid_input("", message).into()
}

uniffi::custom_type!(Timestamp, String, {
    remote,
    lower: |t| t.as_str().to_string(),
    try_lift: |s| Timestamp::parse(&s).map_err(lift_error),
});

uniffi::custom_type!(Count, u64, {
    remote,
    lower: |n| u64::try_from(n).unwrap_or(u64::MAX),
    try_lift: |n| usize::try_from(n).map_err(|_| lift_error(format!("{n} is too large a count"))),
});

/// `value` as JSON text (lowering cannot fail: relman's documents have
/// string keys only).
pub(crate) fn to_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

/// A document of type `T` from its JSON text; `InvalidInput` with the path
/// and position of the first problem. Empty text is the empty object.
pub(crate) fn from_text<T: DeserializeOwned>(text: &str) -> Result<T, RelmanError> {
    let text = if text.trim().is_empty() { "{}" } else { text };
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        let position = format!(" at line {} column {}", inner.line(), inner.column());
        let message = message.strip_suffix(&position).unwrap_or(&message);
        let base = if path == "." { "" } else { &path };
        // A missing field's path names the field (`changes[0].summary`).
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|f| f.strip_suffix('`'));
        let problem = relman::Problem {
            path: missing.map_or_else(
                || base.to_string(),
                |f| relman::foundation::path::join(base, f),
            ),
            message: message.to_string(),
            line: Some(inner.line()),
            column: Some(inner.column().max(1)),
        };
        RelmanError::from(relman::Error::InvalidInput {
            problems: vec![problem],
        })
    })
}

uniffi::custom_type!(JsonValue, String, {
    remote,
    lower: |v| to_text(&v),
    try_lift: |s| Ok(from_text(&s)?),
});

uniffi::custom_type!(JsonObject, String, {
    remote,
    lower: |v| to_text(&v),
    try_lift: |s| Ok(from_text(&s)?),
});

/// A core document as its JSON text across the FFI.
macro_rules! json_text {
    ($name:ident) => {
        uniffi::custom_type!($name, String, {
            remote,
            lower: |v| $crate::json::to_text(&v),
            try_lift: |s| Ok($crate::json::from_text(&s)?),
        });
    };
}
pub(crate) use json_text;
