//! `record.log`, first in every gate report: the release's log verifies
//! and the document is its projection
//! (`docs/lifecycle.md`, "The record").

use super::Eval;
use serde_json::{json, Value};

/// `record.log`: the log verifies and the document is its projection.
/// Unmet for a broken chain, a document that differs from the replay, an
/// empty log past planning and a legacy log (no seal): then no fact of the
/// document counts.
pub(super) fn check(e: &mut Eval<'_>) {
    let log = e.log;
    let rec = &log.record;
    let imports: Vec<Value> = rec
        .imports
        .iter()
        .map(|i| json!({"seq": i.seq, "source": i.source, "records": i.records, "adopt": i.adopt}))
        .collect();
    let (met, msg, mut data) = if let Some(t) = &log.tamper {
        let differences = serde_json::to_value(&log.differences).unwrap_or(Value::Null);
        (
            false,
            format!("the record does not hold: {}", t.message),
            json!({"tamper": t.kind, "path": t.path, "differences": differences}),
        )
    } else if rec.legacy() {
        (
            false,
            format!(
                "the log of {} predates sealing: no event seals the fields the gates read; adopt the release through an import",
                e.release.id
            ),
            json!({"events": rec.events, "legacy": true}),
        )
    } else if let Some(sealed) = &rec.sealed_at {
        (
            true,
            format!(
                "the log verifies ({} events) and the document is its projection (fields sealed at seq {})",
                rec.events, sealed.seq
            ),
            json!({"events": rec.events, "sealed_at": sealed.seq}),
        )
    } else {
        (
            true,
            format!(
                "{} is in planning with an empty log: its fields are free to edit until the first event seals them",
                e.release.id
            ),
            json!({"events": 0}),
        )
    };
    if !imports.is_empty() {
        if let Some(map) = data.as_object_mut() {
            map.insert("imports".into(), Value::Array(imports));
        }
    }
    e.req("record.log", met, msg, data);
}
