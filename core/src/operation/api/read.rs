//! How [`call`](super::call) reads one parameter: the readers an operation
//! names for each of its parameters (`release: req Release as Doc`), and
//! the read-time limits applied to a parameter before it is read.

use crate::error::{Error, Result};
use crate::foundation::path::join;
use crate::keys::{Keyring, KeyringSpec};
use crate::limits::{self, Limits};
use crate::validate::Document;
use crate::Release;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How [`call`](super::call) reads a parameter, and so where the read-time
/// limits apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamForm {
    /// A document, read as [`from_value`](crate::from_value) reads one:
    /// the limits apply with paths inside the document.
    Document,
    /// A list of documents (`releases`): its length is limited at the
    /// parameter's name, then each document is read as a document
    /// (anything but a list is checked as a [`ParamForm::Value`]).
    DocumentList,
    /// The JSON text of a document (`validate`'s `text`), read as
    /// [`parse`](crate::parse) reads one (size in bytes included).
    DocumentText,
    /// Anything else (a string, a number, options, a plan, ServiceNow
    /// tables): the limits apply to the value before it is read, with
    /// paths that start with the parameter's name.
    Value,
}

/// A way of reading a parameter into a `T`.
pub trait Read<T> {
    /// The type whose JSON Schema describes the parameter.
    type Schema: JsonSchema;
    /// Where the read-time limits apply.
    const FORM: ParamForm;
    /// Reads parameter `name` under the read-time `limits` (which a
    /// document applies with paths inside it; `check_param` has applied
    /// them to every other form already).
    fn read(name: &str, value: Value, limits: &Limits) -> Result<T>;
}

/// A value deserialised as it is; error paths start with the parameter's
/// name.
#[derive(Debug)]
pub enum Val {}

impl<T: DeserializeOwned + JsonSchema> Read<T> for Val {
    type Schema = T;
    const FORM: ParamForm = ParamForm::Value;
    fn read(name: &str, value: Value, _limits: &Limits) -> Result<T> {
        typed_value(name, value)
    }
}

/// A document, read as [`from_value`](crate::from_value) reads one (error
/// paths inside the document).
#[derive(Debug)]
pub enum Doc {}

impl<T: Document> Read<T> for Doc {
    type Schema = T;
    const FORM: ParamForm = ParamForm::Document;
    fn read(_name: &str, value: Value, limits: &Limits) -> Result<T> {
        crate::validate::from_value_with_limits::<T>(value, limits).map(|p| p.document)
    }
}

/// A document of a kind another parameter names, kept as a value
/// (`validate`'s `document`).
#[derive(Debug)]
pub enum AnyDoc {}

impl Read<Value> for AnyDoc {
    type Schema = Map<String, Value>;
    const FORM: ParamForm = ParamForm::Document;
    fn read(_name: &str, value: Value, _limits: &Limits) -> Result<Value> {
        Ok(value)
    }
}

/// The JSON text of a document (`validate`'s `text`), kept as a value: the
/// operation says what it makes of anything but a string.
#[derive(Debug)]
pub enum Text {}

impl Read<Value> for Text {
    type Schema = String;
    const FORM: ParamForm = ParamForm::DocumentText;
    fn read(_name: &str, value: Value, _limits: &Limits) -> Result<Value> {
        Ok(value)
    }
}

/// The host keyring ([`crate::keys`]), with error paths inside it
/// (`keys.keys[0].secret`).
#[derive(Debug)]
pub enum Keys {}

impl Read<Keyring> for Keys {
    type Schema = KeyringSpec;
    const FORM: ParamForm = ParamForm::Value;
    fn read(name: &str, value: Value, _limits: &Limits) -> Result<Keyring> {
        Keyring::from_value(&value).map_err(|e| prefix(e, name))
    }
}

/// A list of releases: as a whole (the first bad one fails the call, its
/// paths under `releases[i]`), or one result per release.
#[derive(Debug)]
pub enum DocList {}

fn release_list(name: &str, value: Value) -> Result<Vec<Value>> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(Error::invalid_input(
            name,
            format!("must be a list of releases, not {}", type_name(&other)),
        )),
    }
}

impl Read<Vec<Release>> for DocList {
    type Schema = Vec<Release>;
    const FORM: ParamForm = ParamForm::DocumentList;
    fn read(name: &str, value: Value, limits: &Limits) -> Result<Vec<Release>> {
        let items = release_list(name, value)?;
        let mut parsed = Vec::with_capacity(items.len());
        for (i, r) in items.into_iter().enumerate() {
            let release = crate::validate::from_value_with_limits::<Release>(r, limits)
                .map_err(|e| prefix(e, &format!("{name}[{i}]")))?;
            parsed.push(release.document);
        }
        Ok(parsed)
    }
}

impl Read<Vec<Result<Release>>> for DocList {
    type Schema = Vec<Release>;
    const FORM: ParamForm = ParamForm::DocumentList;
    fn read(name: &str, value: Value, limits: &Limits) -> Result<Vec<Result<Release>>> {
        Ok(release_list(name, value)?
            .into_iter()
            .map(|r| {
                crate::validate::from_value_with_limits::<Release>(r, limits).map(|p| p.document)
            })
            .collect())
    }
}

/// Reads a required parameter (its absence is refused before reading)
/// under the read-time `limits`.
pub fn required<R: Read<T>, T>(
    map: &mut Map<String, Value>,
    name: &str,
    limits: &Limits,
) -> Result<T> {
    match map.remove(name) {
        Some(v) => R::read(name, v, limits),
        None => Err(Error::invalid_input(name, "missing parameter")),
    }
}

/// Reads an optional parameter under the read-time `limits`.
pub fn optional<R: Read<T>, T>(
    map: &mut Map<String, Value>,
    name: &str,
    limits: &Limits,
) -> Result<Option<T>> {
    map.remove(name)
        .map(|v| R::read(name, v, limits))
        .transpose()
}

/// Applies the read-time `limits` to one parameter as its `form` says;
/// documents are left to the reading of the document.
pub(crate) fn check_param(
    form: ParamForm,
    name: &str,
    value: &Value,
    limits: &Limits,
) -> Result<()> {
    match form {
        ParamForm::Document | ParamForm::DocumentText => Ok(()),
        ParamForm::DocumentList => match value {
            Value::Array(items) if items.len() as u64 > limits.max_items => Err(limits::exceeded(
                name,
                "items in a list",
                limits.max_items,
                items.len() as u64,
            )),
            Value::Array(_) => Ok(()),
            // Not a list, so refused as one, but not before the limits.
            other => limits
                .check_value(other)
                .map_err(|e| limits::under(e, name)),
        },
        ParamForm::Value => limits
            .check_value(value)
            .map_err(|e| limits::under(e, name)),
    }
}

/// The JSON type of a value, for messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Prefixes every path of an input error with `base` (for documents inside
/// a list parameter).
pub(crate) fn prefix(err: Error, base: &str) -> Error {
    err.map_paths(|p| join(base, p))
}

/// Deserialises a non-document parameter; paths start with `name`.
pub fn typed_value<T: DeserializeOwned>(name: &str, value: Value) -> Result<T> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|err| {
        let inner_path = err.path().to_string();
        let mut path = if inner_path == "." {
            name.to_string()
        } else {
            join(name, &inner_path)
        };
        let message = err.inner().to_string();
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|s| s.strip_suffix('`'))
        {
            path = join(&path, field);
        }
        Error::invalid_input(path, message)
    })
}

/// NDJSON text (`compute_kpis_ndjson`'s `text`) with the read-time limits
/// in force, which apply to each of its records.
#[derive(Debug, Clone)]
pub struct NdjsonText {
    /// The text.
    pub text: String,
    /// The limits each record is read under.
    pub limits: Limits,
}

/// The text of an NDJSON history: a string, not limited as a whole (its
/// records are, one by one, when it is read).
#[derive(Debug)]
pub enum Lines {}

impl Read<NdjsonText> for Lines {
    type Schema = String;
    const FORM: ParamForm = ParamForm::DocumentText;
    fn read(name: &str, value: Value, limits: &Limits) -> Result<NdjsonText> {
        match value {
            Value::String(text) => Ok(NdjsonText {
                text,
                limits: limits.clone(),
            }),
            other => Err(Error::invalid_input(
                name,
                format!("must be a string of NDJSON text, not {}", type_name(&other)),
            )),
        }
    }
}
