//! Small fixtures shared by the core's tests and the CLI's (which include
//! this file by path, as they do `conformance.rs`): the same documents and
//! the same reading of a result, whether it comes from the Rust API or
//! from the binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

use serde_json::{json, Value};

/// Three mebibytes: over the default document limit (docs/limits.md).
pub const THREE_MIB: usize = 3 * 1024 * 1024;

/// A release in approval planned for `[start, end]`, with one change
/// touching `cis`, implemented by `who` (a schedule entry for the conflict
/// tests).
pub fn rel(id: &str, start: &str, end: &str, cis: &[&str], who: &str) -> Value {
    json!({
        "id": id, "title": id, "kind": "minor", "state": "approval",
        "planned_start": start, "planned_end": end,
        "changes": [{"id": format!("{id}-c"), "kind": "normal", "summary": "s",
                     "affected_cis": cis, "implementer": who}]
    })
}

/// The keys of a KPI report's `groups`, in order.
pub fn group_keys(report: &Value) -> Vec<&str> {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect()
}
