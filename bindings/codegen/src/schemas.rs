//! The published JSON Schemas, committed under `schemas/` at the root:
//! `schemas/<name>.json` for every name `relman schema` knows (the same
//! text it prints) and `schemas/index.json` listing them with their
//! direction and description.

use relman::schema::{Direction, SCHEMAS};
use std::path::PathBuf;

/// Pretty JSON with a final newline, as `relman schema NAME` prints it.
fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Every schema file and the index.
pub fn generate() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut index = Vec::new();
    for entry in SCHEMAS {
        let file = format!("{}.json", entry.name);
        index.push(serde_json::json!({
            "name": entry.name,
            "direction": match entry.direction {
                Direction::Input => "input",
                Direction::Output => "output",
            },
            "description": entry.description,
            "file": file,
        }));
        files.push((
            PathBuf::from("schemas").join(&file),
            pretty(&entry.schema()),
        ));
    }
    files.push((
        PathBuf::from("schemas/index.json"),
        pretty(&serde_json::Value::Array(index)),
    ));
    files
}
