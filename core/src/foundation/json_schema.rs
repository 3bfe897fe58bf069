//! `$ref` resolution in the JSON Schemas relman generates: shared by the
//! structural walk of documents and the policy's strictness check.

use serde_json::{Map, Value};

/// The schema `schema` stands for: its `#/$defs/Name` reference followed
/// through `defs` (up to eight hops; an unknown name stops there).
pub(crate) fn resolve<'a>(schema: &'a Value, defs: &'a Map<String, Value>) -> &'a Value {
    let mut s = schema;
    for _ in 0..8 {
        match s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            Some(name) => match defs.get(name) {
                Some(target) => s = target,
                None => return s,
            },
            None => return s,
        }
    }
    s
}

/// The generator of every schema relman publishes: schemars' default
/// settings (draft 2020-12) with the [`Portable`] transform, so any
/// validator reads them alike.
pub(crate) fn generator(schema_version: u32) -> schemars::SchemaGenerator {
    schemars::generate::SchemaSettings::default()
        .with_transform(Portable { schema_version })
        .into_generator()
}

/// Makes a schema portable: the non-standard `format`s schemars writes
/// for numbers (`uint8`, `uint32`, `uint64`, `uint`, `int64`, `double`,
/// …) are dropped, each integer format replaced by its `minimum` and
/// `maximum`; and a document's optional `schema_version` takes only the
/// supported version (or `null`, which reads as absent).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Portable {
    /// The one `schema_version` relman reads.
    pub(crate) schema_version: u32,
}

/// The bounds of an integer `format` schemars writes (`None` for another
/// format).
fn integer_bounds(format: &str) -> Option<(Value, Value)> {
    Some(match format {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" | "int" => (i64::MIN.into(), i64::MAX.into()),
        "uint8" => (0.into(), u8::MAX.into()),
        "uint16" => (0.into(), u16::MAX.into()),
        "uint32" => (0.into(), u32::MAX.into()),
        "uint64" | "uint" => (0.into(), u64::MAX.into()),
        _ => return None,
    })
}

impl schemars::transform::Transform for Portable {
    fn transform(&mut self, schema: &mut schemars::Schema) {
        schemars::transform::transform_subschemas(self, schema);
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        let format = obj.get("format").and_then(Value::as_str).map(str::to_owned);
        if let Some(format) = format {
            if let Some((min, max)) = integer_bounds(&format) {
                obj.remove("format");
                obj.entry("minimum").or_insert(min);
                obj.entry("maximum").or_insert(max);
            } else if format == "double" || format == "float" {
                obj.remove("format");
            }
        }
        let version = obj
            .get_mut("properties")
            .and_then(Value::as_object_mut)
            .and_then(|p| p.get_mut("schema_version"))
            .and_then(Value::as_object_mut);
        if let Some(version) = version {
            let optional = version.get("type") == Some(&serde_json::json!(["integer", "null"]));
            if optional {
                version.insert(
                    "enum".to_string(),
                    serde_json::json!([self.schema_version, null]),
                );
            }
        }
    }
}
