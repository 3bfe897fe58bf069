//! `validate`: checks a document of a given kind.

use crate::error::Error;
use crate::validate::{DocumentKind, ValidationReport};
use serde_json::Value;

operation! {
    /// Validates a document of `kind` (`release`, `schedule`, `policy`, …)
    /// given as a value (`document`) or as JSON text (`text`); returns the
    /// validation report, or fails with `invalid_input` listing every
    /// problem (with line and column for text).
    name: validate,
    position: 1,
    summary: "Validates a document of a kind given as a value or JSON text; lists every problem",
    params ValidateParams {
        /// The kind of document (`release`, `schedule`, `policy`, …; see
        /// `schema`).
        kind: req String as Val,
        /// The document as a value (give this or `text`).
        document: opt Value as AnyDoc,
        /// The document as JSON text (give this or `document`).
        text: opt Value as Text,
    }
    result: ValidationReport,
    run(p) {
        let kind = DocumentKind::from_name(&p.kind).ok_or_else(|| {
            Error::invalid_input("kind", format!("unknown document kind `{}`", p.kind))
        })?;
        match (p.document, p.text) {
            (Some(doc), None) => crate::validate_value(kind, doc),
            (None, Some(Value::String(text))) => crate::validate(kind, &text),
            (None, Some(other)) => Err(Error::invalid_input(
                "text",
                format!(
                    "must be a string of JSON text, not {}",
                    crate::api::read::type_name(&other)
                ),
            )),
            _ => Err(Error::invalid_input(
                "document",
                "give exactly one of `document` (a value) and `text` (JSON text)",
            )),
        }
    }
}
