//! Every policy def is the same in every published schema that has it: the
//! binding type generators need one shape per name. (Moved here from the
//! policy module's unit tests, which may not reach the schema catalogue:
//! the policy layer sits below the operations.)

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use relman::policy::strict_schema;
use relman::schema::SCHEMAS;
use serde_json::Value;

#[test]
fn every_policy_def_is_alike_in_every_published_schema() {
    let policy = strict_schema();
    let defs = policy["$defs"].as_object().unwrap();
    let mut differ = Vec::new();
    for entry in SCHEMAS {
        let schema = entry.schema();
        let Some(others) = schema.get("$defs").and_then(Value::as_object) else {
            continue;
        };
        for (name, def) in defs {
            if others.get(name).is_some_and(|other| other != def) {
                differ.push(format!("{name} in {}", entry.name));
            }
        }
    }
    assert!(differ.is_empty(), "policy defs that differ: {differ:?}");
}
