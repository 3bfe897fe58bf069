//! What every binding needs around [`call`](super::call): JSON text given
//! for a parameter, nesting limits of native values, caught panics. Kept
//! here so that the Python, Node and Swift crates share one copy.

use crate::error::{Error, Problem};
use crate::limits;
use crate::validate::MAX_JSON_DEPTH;
use serde_json::Value;
use std::any::Any;

/// The limit on nesting depth for values handed to [`call`](super::call)
/// by a binding; the same as for JSON text ([`MAX_JSON_DEPTH`]).
pub const MAX_NESTING_DEPTH: u64 = MAX_JSON_DEPTH;

/// The `limit_exceeded` error a binding raises when a native value nests
/// deeper than [`MAX_NESTING_DEPTH`] (`path` is where it stopped).
pub fn nesting_too_deep(path: impl Into<String>) -> Error {
    Error::LimitExceeded {
        path: path.into(),
        what: "nesting depth".to_string(),
        limit: MAX_NESTING_DEPTH,
        found: MAX_NESTING_DEPTH.saturating_add(1),
    }
}

/// Checks the JSON text a binding was given for parameter `name` before
/// it parses the text into the value it passes to [`call`](super::call):
/// text past
/// [`DEFAULT_MAX_DOCUMENT_BYTES`](crate::limits::DEFAULT_MAX_DOCUMENT_BYTES)
/// is `limit_exceeded` at `name` (`call` applies every other limit to the
/// value, so this is the one only text has).
pub fn check_param_text(name: &str, text: &str) -> Result<(), Error> {
    let size = text.len() as u64;
    let limit = crate::limits::DEFAULT_MAX_DOCUMENT_BYTES;
    if size > limit {
        return Err(limits::exceeded(
            name,
            "parameter size in bytes",
            limit,
            size,
        ));
    }
    Ok(())
}

/// The value of JSON text a binding was given for parameter `name` (a
/// document or object parameter passed as text): text too large or nested
/// too deep is `limit_exceeded` at `name`; malformed text is
/// `invalid_input` at `name` (`not valid JSON text: …`) with the line and
/// column of the fault.
pub fn parse_param_text(name: &str, text: &str) -> Result<Value, Error> {
    check_param_text(name, text)?;
    parse_json(text, name, "not valid JSON text")
}

/// Parses JSON text: nesting past [`MAX_NESTING_DEPTH`] is
/// `limit_exceeded` at `path`; malformed text is `invalid_input` at `path`
/// with message `{lead}: {serde_json's message}` and the line and column
/// as fields of the problem (not repeated in the message).
pub fn parse_json(text: &str, path: &str, lead: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        if full.starts_with("recursion limit exceeded") {
            return nesting_too_deep(path);
        }
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        Error::InvalidInput {
            problems: vec![Problem {
                path: path.to_string(),
                message: format!("{lead}: {message}"),
                line: Some(e.line()),
                column: Some(e.column().max(1)),
            }],
        }
    })
}

/// The message of a caught panic's payload (`"no message"` when it is
/// neither a `&str` nor a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

/// The `internal` error a binding reports for a panic it caught at its
/// boundary (no panic crosses into the host language).
pub fn panic_error(payload: &(dyn Any + Send)) -> Error {
    Error::internal(format!(
        "relman panicked (a bug; please report it): {}",
        panic_message(payload)
    ))
}

/// One step of the path to a value: a key of an object or an index of a
/// list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// A key of an object (a mapping, a dict).
    Key(String),
    /// An index of a list.
    Index(usize),
}

/// Why a binding could not convert a native value (a Python, JavaScript or
/// Swift value) to JSON, and where: the steps are collected innermost
/// first, as a recursive converter unwinds. `H` is the host's own error
/// (met while reading the native value).
#[derive(Debug)]
pub struct ConversionError<H> {
    steps: Vec<PathStep>,
    kind: ConversionFailure<H>,
}

#[derive(Debug)]
enum ConversionFailure<H> {
    TooDeep,
    Invalid(String),
    Host(H),
}

/// A host error met while converting a value, with the path to it.
#[derive(Debug)]
pub struct HostError<H> {
    /// The JSON path of the value being read.
    pub path: String,
    /// The host's error.
    pub error: H,
}

impl<H> ConversionError<H> {
    /// A value JSON has no form for (`invalid_input`).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ConversionFailure::Invalid(message.into()))
    }

    /// A value nested deeper than [`MAX_NESTING_DEPTH`] (`limit_exceeded`).
    pub fn too_deep() -> Self {
        Self::new(ConversionFailure::TooDeep)
    }

    /// The host's own error.
    pub fn host(error: H) -> Self {
        Self::new(ConversionFailure::Host(error))
    }

    fn new(kind: ConversionFailure<H>) -> Self {
        ConversionError {
            steps: Vec::new(),
            kind,
        }
    }

    /// The same failure one step further out.
    pub fn at(mut self, step: PathStep) -> Self {
        self.steps.push(step);
        self
    }

    /// The JSON path under `root` (a parameter name, or empty): `a.b[3].c`.
    pub fn path(&self, root: &str) -> String {
        let mut path = root.to_string();
        for step in self.steps.iter().rev() {
            match step {
                PathStep::Key(k) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                }
                PathStep::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        path
    }

    /// The relman error, at its path under `root`; a host error is handed
    /// back with that path.
    pub fn into_error(self, root: &str) -> Result<Error, HostError<H>> {
        let path = self.path(root);
        match self.kind {
            ConversionFailure::TooDeep => Ok(nesting_too_deep(path)),
            ConversionFailure::Invalid(message) => Ok(Error::invalid_input(path, message)),
            ConversionFailure::Host(error) => Err(HostError { path, error }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_errors_carry_line_and_column() {
        let err = parse_param_text("release", "{\n  \"id\": }").unwrap_err();
        let body = err.to_body();
        assert_eq!(body.path.as_deref(), Some("release"));
        assert_eq!(
            err.to_string(),
            "release: not valid JSON text: expected value at line 2 column 9"
        );
        let deep = "[".repeat(1000);
        let err = parse_param_text("plan", &deep).unwrap_err();
        assert_eq!(err.code().as_str(), "limit_exceeded");
        assert_eq!(err.path(), Some("plan"));
    }

    #[test]
    fn a_conversion_error_names_its_path() {
        let err = ConversionError::<()>::invalid("not JSON")
            .at(PathStep::Key("at".to_string()))
            .at(PathStep::Index(2))
            .at(PathStep::Key("changes".to_string()));
        assert_eq!(err.path("release"), "release.changes[2].at");
        let err = err.into_error("").unwrap();
        assert_eq!(err.path(), Some("changes[2].at"));
        let err = ConversionError::<()>::too_deep().at(PathStep::Index(0));
        assert_eq!(
            err.into_error("").unwrap().code().as_str(),
            "limit_exceeded"
        );
        let host = ConversionError::host(7).at(PathStep::Key("k".to_string()));
        assert_eq!(host.into_error("p").unwrap_err().path, "p.k");
    }

    #[test]
    fn a_panic_payload_becomes_an_internal_error() {
        let payload: Box<dyn Any + Send> = Box::new("boom");
        let err = panic_error(payload.as_ref());
        assert_eq!(err.code().as_str(), "internal");
        assert!(err.to_string().contains("panicked"), "{err}");
        assert!(err.to_string().contains("boom"), "{err}");
        let payload: Box<dyn Any + Send> = Box::new(7_u8);
        assert_eq!(panic_message(payload.as_ref()), "no message");
    }
}
