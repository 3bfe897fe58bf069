//! Parsing from arbitrary bytes: every document kind, the round trip, and
//! every operation of [`relman::api`] with arbitrary parameters.

use crate::check_error;
use relman::{parse, Document, DocumentKind};
use serde_json::Value;

/// The kind the first byte selects, and the rest as text (invalid UTF-8
/// replaced, so every input reaches the parser).
fn split(data: &[u8]) -> Option<(u8, String)> {
    let (selector, rest) = data.split_first()?;
    Some((*selector, String::from_utf8_lossy(rest).into_owned()))
}

fn kind_of(selector: u8) -> DocumentKind {
    DocumentKind::ALL[usize::from(selector) % DocumentKind::ALL.len()]
}

/// `document_parse`: the first byte picks one of the 13 document kinds, the
/// rest is JSON text. Validating it — as text and, when it is JSON, as a
/// value — never panics, and every error has a known code (never
/// `internal`), a message and an `ErrorBody` that serialises.
pub fn check_document_parse(data: &[u8]) {
    let Some((selector, text)) = split(data) else {
        return;
    };
    let kind = kind_of(selector);
    if let Err(e) = relman::validate(kind, &text) {
        check_error(&e);
    }
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        if let Err(e) = relman::validate_value(kind, value) {
            check_error(&e);
        }
    }
}

fn roundtrip<T: Document>(text: &str) {
    let first = match parse::<T>(text) {
        Ok(p) => p.document,
        Err(e) => return check_error(&e),
    };
    let written = serde_json::to_string(&first).expect("a parsed document serialises");
    let second = match parse::<T>(&written) {
        Ok(p) => p.document,
        Err(e) => panic!("{} written back does not parse: {e}\n{written}", T::KIND),
    };
    let again = serde_json::to_string(&second).expect("serialises");
    assert_eq!(written, again, "{} changed in a round trip", T::KIND);
    let as_value = serde_json::to_value(&first).expect("serialises to a value");
    let from_value = match relman::from_value::<T>(as_value.clone()) {
        Ok(p) => p.document,
        Err(e) => panic!("{} as a value does not parse: {e}\n{as_value}", T::KIND),
    };
    assert_eq!(
        serde_json::to_value(&from_value).expect("serialises"),
        as_value,
        "{} changed in a round trip through a value",
        T::KIND
    );
}

/// `document_roundtrip`: the first byte picks the kind; a document that
/// parses, written back to JSON, parses again to the same document (the
/// JSON written both times is identical), also through a JSON value.
pub fn check_document_roundtrip(data: &[u8]) {
    let Some((selector, text)) = split(data) else {
        return;
    };
    match kind_of(selector) {
        DocumentKind::Release => roundtrip::<relman::Release>(&text),
        DocumentKind::Change => roundtrip::<relman::Change>(&text),
        DocumentKind::ConfigurationItem => roundtrip::<relman::ConfigurationItem>(&text),
        DocumentKind::Cmdb => roundtrip::<relman::Cmdb>(&text),
        DocumentKind::Actor => roundtrip::<relman::Actor>(&text),
        DocumentKind::Calendar => roundtrip::<relman::Calendar>(&text),
        DocumentKind::Schedule => roundtrip::<relman::Schedule>(&text),
        DocumentKind::History => roundtrip::<relman::History>(&text),
        DocumentKind::Context => roundtrip::<relman::Context>(&text),
        DocumentKind::Policy => roundtrip::<relman::Policy>(&text),
        DocumentKind::Command => roundtrip::<relman::Command>(&text),
        DocumentKind::RolloutReplay => roundtrip::<relman::rollout::RolloutReplay>(&text),
        DocumentKind::CanaryComparison => roundtrip::<relman::rollout::CanaryComparison>(&text),
    }
}

/// `api_call`: the first byte picks an operation of
/// [`relman::api::OPERATIONS`], the rest is its parameters as JSON text.
/// [`relman::api::call_json`] never panics; a result is JSON; an error has
/// a known code (never `internal`) and a serialisable body.
pub fn check_api_call(data: &[u8]) {
    let Some((selector, text)) = split(data) else {
        return;
    };
    let ops = relman::api::OPERATIONS;
    let op = ops[usize::from(selector) % ops.len()];
    match relman::api::call_json(op.name, &text) {
        Ok(out) => {
            serde_json::from_str::<Value>(&out)
                .unwrap_or_else(|e| panic!("{} wrote a result that is not JSON: {e}", op.name));
        }
        Err(e) => check_error(&e),
    }
}
