//! A description of every operation — parameters in positional order with
//! their JSON Schemas, results — from which `bindings/codegen` writes the
//! per-operation functions of every binding.

use super::read::ParamForm;
use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Every operation of the data contract, in the table's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// The operations, in the order of [`OPERATIONS`](super::OPERATIONS).
    pub operations: Vec<OperationInfo>,
}

/// One operation of the [`Catalog`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationInfo {
    /// The snake_case name ([`call`](super::call), Python).
    pub name: String,
    /// What it does, in one line.
    pub summary: String,
    /// What it does, at length (the doc comment of its parameters struct).
    pub doc: String,
    /// Its parameters, in positional order.
    pub params: Vec<ParamInfo>,
    /// What it returns.
    pub result: TypeInfo,
}

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamInfo {
    /// The name (the key in the parameters object).
    pub name: String,
    /// Whether the operation fails without it.
    pub required: bool,
    /// How [`call`](super::call) reads it.
    pub form: ParamForm,
    /// Whether its value is a string, a number or a boolean (rather than a
    /// document, an object or a list): a binding that also takes JSON text
    /// for a parameter does so only for those that are not scalar.
    pub scalar: bool,
    /// The Rust type whose JSON Schema describes it (without module path;
    /// without the `Option` of an optional parameter).
    pub rust_type: String,
    /// The JSON Schema (draft 2020-12) of that type.
    pub schema: Value,
    /// Its documentation.
    pub doc: String,
}

/// A type with its JSON Schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeInfo {
    /// The Rust type name, without module path.
    pub rust_type: String,
    /// The JSON Schema (draft 2020-12) of that type.
    pub schema: Value,
}

/// Every operation: name, summary, documentation, parameters (positional
/// order, form, scalar or not, Rust type, JSON Schema, documentation) and
/// result (Rust type, JSON Schema).
pub fn catalog() -> Catalog {
    Catalog {
        operations: super::ops::ENTRIES.iter().map(|e| (e.describe)()).collect(),
    }
}

/// The catalog entry of one parameter whose type (for its schema) is `S`.
pub(crate) fn param_info<S: JsonSchema>(
    name: &str,
    required: bool,
    form: ParamForm,
    doc: &str,
) -> ParamInfo {
    let TypeInfo { rust_type, schema } = type_info::<S>();
    ParamInfo {
        name: name.to_string(),
        required,
        form,
        scalar: is_scalar(&schema, &schema, 0),
        rust_type,
        schema,
        doc: doc_text(doc),
    }
}

/// The name and root JSON Schema of `T`.
pub(crate) fn type_info<T: JsonSchema>() -> TypeInfo {
    let mut schema = crate::foundation::json_schema::generator(crate::document::SCHEMA_VERSION)
        .into_root_schema_for::<T>()
        .to_value();
    // A policy, wherever it appears, takes only known and `u_`/`x_` keys
    // (as in the published schemas).
    crate::policy::make_strict(&mut schema);
    TypeInfo {
        rust_type: short_type_name(std::any::type_name::<T>()),
        schema,
    }
}

/// Doc comment lines joined, each without the space after `///`.
pub(crate) fn doc_text(lines: &str) -> String {
    lines
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// `alloc::vec::Vec<relman::document::release::Release>` → `Vec<Release>`.
fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut word = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(&word));
    out
}

/// Whether a schema accepts only strings, numbers or booleans (following
/// `$ref`s into the root's `$defs`, a few levels deep).
fn is_scalar(schema: &Value, root: &Value, depth: u8) -> bool {
    const SCALARS: [&str; 4] = ["string", "number", "integer", "boolean"];
    if depth > 8 {
        return false;
    }
    let Some(object) = schema.as_object() else {
        return false;
    };
    let all = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(|alternatives| {
                !alternatives.is_empty()
                    && alternatives
                        .iter()
                        .all(|a| is_scalar(a, root, depth.saturating_add(1)))
            })
    };
    if let Some(kind) = object.get("type") {
        return match kind {
            Value::String(t) => SCALARS.contains(&t.as_str()),
            Value::Array(types) => types.iter().all(|t| {
                t.as_str()
                    .is_some_and(|t| SCALARS.contains(&t) || t == "null")
            }),
            _ => false,
        };
    }
    if let Some(Value::Array(values)) = object.get("enum") {
        return values
            .iter()
            .all(|v| v.is_string() || v.is_number() || v.is_boolean());
    }
    if let Some(value) = object.get("const") {
        return value.is_string() || value.is_number() || value.is_boolean();
    }
    if let Some(Value::String(reference)) = object.get("$ref") {
        let target = reference
            .strip_prefix("#/$defs/")
            .and_then(|name| root.get("$defs").and_then(|d| d.get(name)));
        return target.is_some_and(|t| is_scalar(t, root, depth.saturating_add(1)));
    }
    all("oneOf") || all("anyOf")
}

/// The JSON Schema of a parameters object, built one property at a time
/// (by the `operation!` macro).
#[derive(Debug, Default)]
pub struct ObjectSchema {
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl ObjectSchema {
    /// Adds a parameter.
    pub fn property(&mut self, name: &str, required: bool, doc: &str, schema: Schema) {
        let mut schema = schema.to_value();
        let doc = doc_text(doc);
        if let (Value::Object(map), false) = (&mut schema, doc.is_empty()) {
            map.insert("description".to_string(), Value::String(doc));
        }
        self.properties.insert(name.to_string(), schema);
        if required {
            self.required.push(Value::String(name.to_string()));
        }
    }

    /// The object schema.
    pub fn finish(self) -> Schema {
        let mut map = Map::new();
        map.insert("type".to_string(), Value::String("object".to_string()));
        map.insert("properties".to_string(), Value::Object(self.properties));
        map.insert("required".to_string(), Value::Array(self.required));
        map.insert("additionalProperties".to_string(), Value::Bool(false));
        Schema::from(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_short() {
        assert_eq!(
            short_type_name("alloc::vec::Vec<relman::document::release::Release>"),
            "Vec<Release>"
        );
        assert_eq!(short_type_name("serde_json::value::Value"), "Value");
    }

    #[test]
    fn the_catalog_lists_every_operation_in_order() {
        let catalog = catalog();
        let names: Vec<&str> = catalog.operations.iter().map(|o| o.name.as_str()).collect();
        let table: Vec<&str> = super::super::OPERATIONS.iter().map(|o| o.name).collect();
        assert_eq!(names, table);
        for (info, op) in catalog.operations.iter().zip(super::super::OPERATIONS) {
            let params: Vec<(&str, bool, ParamForm)> = info
                .params
                .iter()
                .map(|p| (p.name.as_str(), p.required, p.form))
                .collect();
            let listed: Vec<(&str, bool, ParamForm)> = op
                .params
                .iter()
                .map(|p| (p.name, p.required, p.form))
                .collect();
            assert_eq!(params, listed, "{}", op.name);
            assert!(
                !info.summary.is_empty() && !info.doc.is_empty(),
                "{}",
                op.name
            );
            for p in &info.params {
                assert!(!p.doc.is_empty(), "{}.{} has no doc", op.name, p.name);
            }
        }
    }

    #[test]
    fn scalar_parameters_are_strings_and_numbers() {
        let mut scalar: Vec<String> = catalog()
            .operations
            .iter()
            .flat_map(|o| o.params.iter().filter(|p| p.scalar).map(|p| p.name.clone()))
            .collect();
        scalar.sort();
        scalar.dedup();
        assert_eq!(
            scalar,
            [
                "count",
                "dry_run",
                "duration_secs",
                "expected_head",
                "format",
                "horizon_secs",
                "item",
                "kind",
                "max_age_secs",
                "name",
                "now",
                "period_end",
                "period_start",
                "score_changes",
                "target",
                "text",
                "time_zone"
            ]
        );
    }
}
