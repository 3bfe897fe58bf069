//! Every operation of the data contract by name, JSON in and JSON out.
//!
//! This is the one dispatch table the front ends share: the Python, Node and
//! Swift bindings convert their native values to a [`serde_json::Value`]
//! object keyed by parameter name (the `input` of a conformance vector),
//! call [`call`], and convert the result back. Parameter parsing, defaults
//! and error paths are therefore identical in every language.
//!
//! Each operation is one file of `src/api/ops/`: a typed parameters struct
//! (one field per parameter, in positional order, each with the reader that
//! says how it is read), a result type and the function that runs it,
//! declared with the `operation!` macro. `build.rs` lists the files and
//! generates the registry, so adding an operation is adding one file;
//! [`catalog`] describes every operation (parameters with their JSON
//! Schemas, result) for the generator of the bindings
//! (`bindings/codegen`).
//!
//! Paths in errors: a document parameter (`release`, `context`, `history`,
//! `schedule`, …) reports paths inside the document (`changes[1].summary`),
//! as [`parse`](crate::parse) does; any other parameter reports paths that
//! start with its name (`options.time_zone`, `plan.steps[0].set_weight`).
//!
//! Every parameter is read under the read-time [`Limits`] of documents
//! (docs/limits.md): a document parameter as [`from_value`](crate::from_value)
//! reads it (paths inside the document), a list of documents (`releases`)
//! for its length and then each document, the JSON text of `validate` as
//! [`parse`](crate::parse) reads it, and every other parameter — strings,
//! numbers, options, plans, sample sets, ServiceNow tables and export
//! inputs — before it is looked at, with paths that start with its name
//! (a 3 MiB `item` is `limit_exceeded` at `item`).
//!
//! ```
//! use serde_json::json;
//!
//! let verdict = relman::api::call(
//!     "verify_log",
//!     json!({"release": {"id": "R", "title": "T", "kind": "minor", "state": "planning"}}),
//! )?;
//! assert_eq!(verdict["valid"], true);
//!
//! let err = relman::api::call("check", json!({"target": "development"})).unwrap_err();
//! assert_eq!(err.code().as_str(), "invalid_input");
//! assert_eq!(err.path(), Some("release"));
//! # Ok::<(), relman::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::limits::Limits;
use serde::Serialize;
use serde_json::{Map, Value};

mod catalog;
mod glue;
pub mod read;

pub use crate::risk::{assess_risk_batch, BatchError, RiskBatch};
pub use catalog::{catalog, Catalog, OperationInfo, ParamInfo, TypeInfo};
pub use glue::{
    check_param_text, nesting_too_deep, panic_error, panic_message, parse_json, parse_param_text,
    ConversionError, HostError, PathStep, MAX_NESTING_DEPTH,
};
pub use read::ParamForm;

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// The parameter name (the key in the `params` object).
    pub name: &'static str,
    /// Whether the operation fails without it.
    pub required: bool,
    /// How [`call`] reads it (and so where the read-time limits apply).
    pub form: ParamForm,
}

/// One operation of the data contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The snake_case name (Python and [`call`]); Node uses camelCase.
    pub name: &'static str,
    /// Its parameters, in the order the positional front ends take them.
    pub params: &'static [Param],
    /// What it does, in one line.
    pub summary: &'static str,
}

/// One operation of the registry: its description and its entry points.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    /// The name, parameters and summary.
    pub(crate) operation: &'static Operation,
    /// Reads the checked parameters object under the read-time limits and
    /// runs the operation.
    pub(crate) call: fn(Map<String, Value>, &Limits) -> Result<Value>,
    /// The operation's catalog entry.
    pub(crate) describe: fn() -> OperationInfo,
}

/// Declares one operation (in its own file of `src/api/ops/`).
///
/// ```text
/// operation! {
///     /// What it does, at length (the binding's doc comment).
///     name: check,
///     position: 2,
///     summary: "The gate report of moving a release to a target state (a dry run)",
///     params CheckParams {
///         /// The release.
///         release: req Release as Doc,
///         /// Where it shall go.
///         target: req State as Val,
///         /// What the gates may consult.
///         context: opt Context as Doc,
///     }
///     result: GateReport,
///     run(p) { Ok(crate::check(&p.release, p.target, &p.context.unwrap_or_default())) }
/// }
/// ```
///
/// `req`/`opt` say whether the parameter is required (an `opt` field is an
/// `Option`); the reader after `as` (see [`read`]) says how it is read.
/// `position` orders the table (the front ends' positional order of
/// operations). `params Name whole { … }` reads the whole parameters object
/// at once, as serde reads a struct (the ServiceNow operations).
macro_rules! operation {
    (
        $(#[doc = $doc:literal])*
        name: $name:ident,
        position: $position:literal,
        summary: $summary:literal,
        params $Params:ident $($mode:ident)? {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident : $req:ident $fty:ty as $reader:ident
            ),* $(,)?
        }
        result: $Out:ty,
        run($p:ident) $body:block
    ) => {
        #[allow(unused_imports)]
        use $crate::api::read::{AnyDoc, Doc, DocList, Keys, Lines, Read, Text, Val};

        #[doc = concat!("The parameters of `", stringify!($name), "`, in positional order.")]
        #[doc = ""]
        $(#[doc = $doc])*
        pub struct $Params {
            $(
                $(#[doc = $fdoc])*
                pub $field: operation!(@ty $req $fty),
            )*
        }

        /// The operation as the table lists it.
        pub const OPERATION: $crate::api::Operation = $crate::api::Operation {
            name: stringify!($name),
            params: &[$(
                $crate::api::Param {
                    name: stringify!($field),
                    required: operation!(@required $req),
                    form: <$reader as Read<$fty>>::FORM,
                },
            )*],
            summary: $summary,
        };

        /// Its place in the table (read by `build.rs`).
        #[allow(dead_code)]
        pub(crate) const POSITION: u32 = $position;

        pub(crate) const ENTRY: $crate::api::Entry = $crate::api::Entry {
            operation: &OPERATION,
            call: call_map,
            describe,
        };

        impl $Params {
            /// Reads the parameters from a checked parameters object
            /// (see [`crate::api::call`]) under the read-time `limits`, in
            /// positional order.
            fn read(
                map: serde_json::Map<String, serde_json::Value>,
                limits: &$crate::limits::Limits,
            ) -> $crate::Result<Self> {
                operation!(@read [$($mode)?] $Params map limits { $($field : $req $fty as $reader),* })
            }
        }

        impl<'de> serde::Deserialize<'de> for $Params {
            /// Reads the parameters object exactly as [`crate::api::call`]
            /// does (same checks, errors and paths).
            fn deserialize<D: serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                $crate::api::prepare(&OPERATION, value)
                    .and_then(|map| Self::read(map, &$crate::limits::Limits::DEFAULT))
                    .map_err(<D::Error as serde::de::Error>::custom)
            }
        }

        impl schemars::JsonSchema for $Params {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($Params).into()
            }

            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                let mut object = $crate::api::catalog::ObjectSchema::default();
                $(
                    object.property(
                        stringify!($field),
                        operation!(@required $req),
                        concat!($($fdoc, "\n"),*),
                        generator.subschema_for::<<$reader as Read<$fty>>::Schema>(),
                    );
                )*
                object.finish()
            }
        }

        fn call_map(
            map: serde_json::Map<String, serde_json::Value>,
            limits: &$crate::limits::Limits,
        ) -> $crate::Result<serde_json::Value> {
            $crate::api::out(run($Params::read(map, limits)?)?)
        }

        fn describe() -> $crate::api::OperationInfo {
            $crate::api::OperationInfo {
                name: stringify!($name).to_string(),
                summary: $summary.to_string(),
                doc: $crate::api::catalog::doc_text(concat!($($doc, "\n"),*)),
                params: vec![$(
                    $crate::api::catalog::param_info::<<$reader as Read<$fty>>::Schema>(
                        stringify!($field),
                        operation!(@required $req),
                        <$reader as Read<$fty>>::FORM,
                        concat!($($fdoc, "\n"),*),
                    ),
                )*],
                result: $crate::api::catalog::type_info::<$Out>(),
            }
        }

        #[doc = concat!("Runs `", stringify!($name), "`: ", $summary, ".")]
        pub fn run($p: $Params) -> $crate::Result<$Out> $body
    };

    (@ty req $t:ty) => { $t };
    (@ty opt $t:ty) => { Option<$t> };
    (@required req) => { true };
    (@required opt) => { false };

    // One parameter after the other, with its reader.
    (@read [] $Params:ident $map:ident $limits:ident { $($field:ident : $req:ident $fty:ty as $reader:ident),* }) => {{
        #[allow(unused_mut)]
        let mut $map = $map;
        Ok($Params {
            $($field: operation!(@field $req $reader $fty, $map, $limits, stringify!($field))?,)*
        })
    }};
    (@field req $reader:ident $t:ty, $map:ident, $limits:ident, $name:expr) => {
        $crate::api::read::required::<$reader, $t>(&mut $map, $name, $limits)
    };
    (@field opt $reader:ident $t:ty, $map:ident, $limits:ident, $name:expr) => {
        $crate::api::read::optional::<$reader, $t>(&mut $map, $name, $limits)
    };
    // The whole object at once, as serde reads a struct of these fields.
    // (Values only: `check_params` has applied the limits to each.)
    (@read [whole] $Params:ident $map:ident $limits:ident { $($field:ident : $req:ident $fty:ty as $reader:ident),* }) => {{
        let _ = $limits;
        #[derive(serde::Deserialize)]
        struct Whole {
            $($field: operation!(@ty $req $fty),)*
        }
        let whole: Whole = $crate::api::read::typed_value("", serde_json::Value::Object($map))?;
        Ok($Params { $($field: whole.$field,)* })
    }};
}

/// The operations, one module each, and the registry (generated by
/// `build.rs` from the files of `src/api/ops/`).
pub mod ops {
    include!(concat!(env!("OUT_DIR"), "/api_ops.rs"));
}

/// Every operation, in the order of the front ends' table.
pub const OPERATIONS: &[Operation] = ops::OPERATIONS;

/// The operation with this name.
pub fn operation(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.name == name)
}

fn entry(name: &str) -> Option<&'static Entry> {
    ops::ENTRIES.iter().find(|e| e.operation.name == name)
}

/// Runs `operation` with `params`, an object keyed by parameter name.
///
/// Unknown operations, unknown or missing parameters and parameters of the
/// wrong shape are `invalid_input` errors naming the parameter. Every
/// parameter is read under the default read-time [`Limits`] (see
/// [`ParamForm`]): a string, list or nesting past a limit is
/// `limit_exceeded`, at a path starting with the parameter's name unless
/// the parameter is a document. Parameters
/// nested deeper than [`MAX_NESTING_DEPTH`] (below the parameters object)
/// are `limit_exceeded`, whatever their depth: they are checked and
/// released without recursion.
pub fn call(operation_name: &str, params: Value) -> Result<Value> {
    call_with_limits(operation_name, params, &Limits::DEFAULT)
}

/// [`call`] under custom read-time `limits` (the CLI's
/// `--max-document-bytes` and `--max-items`): every parameter, and every
/// document a parameter holds, is read under them. The nesting bound of
/// the parameters object stays [`MAX_NESTING_DEPTH`].
pub fn call_with_limits(operation_name: &str, params: Value, limits: &Limits) -> Result<Value> {
    refuse_too_deep(params).and_then(|params| {
        let entry = entry(operation_name).ok_or_else(|| {
            Error::invalid_input(
                "",
                format!(
                    "unknown operation `{operation_name}`; known: {}",
                    OPERATIONS
                        .iter()
                        .map(|o| o.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let map = check_params(entry.operation, params, limits)?;
        (entry.call)(map, limits)
    })
}

/// The parameters too deep to deserialise safely are refused, and taken
/// apart without recursion (the parameters object itself is one level).
fn refuse_too_deep(params: Value) -> Result<Value> {
    let depth = crate::limits::depth(&params, MAX_NESTING_DEPTH + 1);
    if depth > MAX_NESTING_DEPTH + 1 {
        crate::limits::dismantle(params);
        return Err(nesting_too_deep(""));
    }
    Ok(params)
}

/// The checks of [`call`] before an operation reads its parameters: the
/// depth, an object (or null), no unknown and every required parameter,
/// the read-time limits. Nulls are dropped (absent and null are the same).
pub(crate) fn prepare(op: &Operation, params: Value) -> Result<Map<String, Value>> {
    refuse_too_deep(params).and_then(|params| check_params(op, params, &Limits::DEFAULT))
}

fn check_params(op: &Operation, params: Value, limits: &Limits) -> Result<Map<String, Value>> {
    let mut params = match params {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => {
            return Err(Error::invalid_input(
                "",
                format!(
                    "the parameters of `{}` must be an object keyed by parameter name, not {}",
                    op.name,
                    read::type_name(&other)
                ),
            ))
        }
    };
    // Absent and null mean the same: an optional parameter not given.
    params.retain(|_, v| !v.is_null());
    if let Some(unknown) = params
        .keys()
        .find(|k| !op.params.iter().any(|p| p.name == k.as_str()))
    {
        return Err(Error::invalid_input(
            unknown.clone(),
            format!(
                "`{}` takes no parameter `{unknown}`; its parameters: {}",
                op.name,
                op.params
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if let Some(missing) = op
        .params
        .iter()
        .find(|p| p.required && !params.contains_key(p.name))
    {
        return Err(Error::invalid_input(
            missing.name,
            format!("`{}` needs the parameter `{}`", op.name, missing.name),
        ));
    }
    for (name, value) in &params {
        let form = op
            .params
            .iter()
            .find(|p| p.name == name.as_str())
            .map_or(ParamForm::Value, |p| p.form);
        read::check_param(form, name, value, limits)?;
    }
    Ok(params)
}

/// How [`call`] reads parameter `param` of operation `operation` (see
/// [`ParamForm`]); [`ParamForm::Value`] for a name the table does not list.
pub fn param_form(operation: &str, param: &str) -> ParamForm {
    self::operation(operation)
        .and_then(|op| op.params.iter().find(|p| p.name == param))
        .map_or(ParamForm::Value, |p| p.form)
}

/// Like [`call`], with the parameters and the result as JSON text (for
/// front ends that pass strings, such as the Swift binding's raw entry).
pub fn call_json(operation_name: &str, params: &str) -> Result<String> {
    call_json_with_limits(operation_name, params, &Limits::DEFAULT)
}

/// [`call_json`] under custom read-time `limits`: the parameters text may
/// hold at most `max_document_bytes`, and [`call_with_limits`] reads it.
pub fn call_json_with_limits(
    operation_name: &str,
    params: &str,
    limits: &Limits,
) -> Result<String> {
    let size = params.len() as u64;
    if size > limits.max_document_bytes {
        return Err(crate::limits::exceeded(
            "",
            "parameters size in bytes",
            limits.max_document_bytes,
            size,
        ));
    }
    let params = glue::parse_json(params, "", "parameters are not JSON")?;
    let result = call_with_limits(operation_name, params, limits)?;
    serde_json::to_string(&result)
        .map_err(|e| Error::internal(format!("cannot write the result: {e}")))
}

/// A result as JSON.
pub(crate) fn out<T: Serialize>(value: T) -> Result<Value> {
    serde_json::to_value(value)
        .map_err(|e| Error::internal(format!("cannot write the result: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_listed_operation_is_dispatched() {
        for op in OPERATIONS {
            let err = call(op.name, json!({"no_such_parameter": 1})).unwrap_err();
            assert_eq!(err.path(), Some("no_such_parameter"), "{}", op.name);
        }
        let err = call("no_such_operation", json!({})).unwrap_err();
        assert!(err.to_string().contains("unknown operation"), "{err}");
    }

    #[test]
    fn the_table_keeps_its_order() {
        let names: Vec<&str> = OPERATIONS.iter().map(|o| o.name).collect();
        let at = |name: &str| names.iter().position(|n| *n == name);
        assert_eq!(at("validate"), Some(0), "{names:?}");
        assert_eq!(at("check"), Some(1), "{names:?}");
        assert_eq!(at("schema"), Some(17), "{names:?}");
    }

    #[test]
    fn missing_and_mistyped_parameters_are_named() {
        let err = call("suggest_slots", json!({"schedule": {}})).unwrap_err();
        assert_eq!(err.path(), Some("item"));
        let err = call(
            "judge_canary",
            json!({"baseline": {}, "canary": {}, "config": {"alpha": "x"}}),
        )
        .unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_input");
        assert_eq!(err.path(), Some("config.alpha"));
        let err = call("check", json!([1])).unwrap_err();
        assert!(err.to_string().contains("keyed by parameter name"), "{err}");
    }

    #[test]
    fn typed_parameters_read_as_call_does() {
        let params: ops::check::CheckParams =
            serde_json::from_value(json!({"release": {"id": "R", "title": "T", "kind": "minor", "state": "planning"}, "target": "development"}))
                .unwrap();
        assert_eq!(params.release.id, "R");
        let err = serde_json::from_value::<ops::check::CheckParams>(json!({"target": "x"}))
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("needs the parameter `release`"),
            "{err}"
        );
    }

    #[test]
    fn a_batch_keeps_going_past_a_bad_release() {
        let good = json!({"id": "R1", "title": "T", "kind": "minor", "state": "planning"});
        let bad = json!({"id": "R2", "title": "T", "kind": "huge", "state": "planning"});
        let result = call("assess_risk_many", json!({"releases": [good, bad]})).unwrap();
        assert_eq!(result["assessments"][0]["release_id"], "R1");
        assert_eq!(result["assessments"][1], Value::Null);
        assert_eq!(result["errors"][0]["index"], 1);
        assert_eq!(result["errors"][0]["error"]["path"], "kind");
    }

    #[test]
    fn json_text_in_and_out() {
        let text = call_json("schema", r#"{"name": "release"}"#).unwrap();
        assert!(text.contains("\"title\""));
        let err = call_json("schema", "{\"name\": }").unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_input");
        assert_eq!(
            err.to_string(),
            "parameters are not JSON: expected value at line 1 column 10"
        );
        let deep = "[".repeat(100_000);
        let err = call_json("schema", &deep).unwrap_err();
        assert_eq!(err.code().as_str(), "limit_exceeded");
    }
}
