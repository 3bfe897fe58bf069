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
