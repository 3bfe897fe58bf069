//! `record.log`, first in every gate report: the release's log verifies
//! and the document is its projection
//! (`docs/lifecycle.md`, "The record").

use super::{Eval, Finding};
use serde_json::{json, Value};

/// `record.log`: the log verifies and the document is its projection.
/// Unmet for a broken chain, a document that differs from the replay, an
/// empty log past planning and a legacy log (no seal): then no fact of the
/// document counts.
pub(super) fn check(e: &mut Eval<'_, '_>) {
    let log = e.log;
    let rec = &log.record;
    let imports: Vec<Value> = rec
        .imports
        .iter()
        .map(|i| json!({"seq": i.seq, "source": i.source, "records": i.records, "adopt": i.adopt}))
        .collect();
    if let Some(t) = &log.tamper {
        let finding = Finding::RecordTampered {
            tamper: t.clone(),
            differences: log.differences.clone(),
            imports,
        };
        return e.find("record.log", false, finding);
    }
    let (met, finding) = if rec.legacy() {
        let events = rec.events;
        (false, Finding::RecordLegacy { events, imports })
    } else if let Some(sealed) = &rec.sealed_at {
        let (events, seq) = (rec.events, sealed.seq);
        let finding = Finding::RecordSealed {
            events,
            seq,
            imports,
        };
        (true, finding)
    } else {
        (true, Finding::RecordEmpty { imports })
    };
    e.find("record.log", met, finding);
}
