//! `dependency_order`: B `depends_on` A and B starts before A ends; or A is
//! cancelled; or A is not in the schedule (always a warning, no window). A
//! in review or closed has shipped and is fine. Only active dependents are
//! checked (docs/conflicts.md).

use super::model::Model;
use super::report::fmt;
use super::{Conflict, ConflictKind, Severity};
use crate::calendar::Interval;
use crate::document::{Extra, State};
use serde_json::json;

/// Appends a conflict per dependency of an active item that is missing,
/// cancelled or not over when the item starts.
pub(super) fn detect(model: &Model<'_>, out: &mut Vec<Conflict>) {
    for (bi, b) in model.items.iter().enumerate() {
        for dep in b.depends_on {
            let Some(ai) = model.item_ids.get(dep.as_str()).copied() else {
                if b.active {
                    out.push(missing(b.id, dep));
                }
                continue;
            };
            let Some(a) = model.item(ai) else { continue };
            if !b.active {
                continue;
            }
            let items = [bi as u32, ai];
            if a.state == Some(State::Cancelled) {
                let explanation = format!("{} depends on {dep}, which is cancelled", b.id);
                let mut d = Extra::new();
                d.insert("dependent".into(), json!(b.id));
                d.insert("dependency".into(), json!(dep));
                d.insert("cancelled".into(), json!(true));
                out.push(model.conflict(
                    ConflictKind::DependencyOrder,
                    &items,
                    Vec::new(),
                    None,
                    explanation,
                    d,
                ));
                continue;
            }
            if matches!(a.state, Some(State::Review | State::Closed)) {
                continue;
            }
            let (Some(bs), Some(as_)) = (b.span, a.span) else {
                continue;
            };
            if bs.start < as_.end {
                let window = Interval {
                    start: bs.start,
                    end: as_.end,
                };
                let explanation = format!(
                    "{} starts at {}, before {dep} (which it depends on) ends at {}",
                    b.id,
                    fmt(bs.start),
                    fmt(as_.end)
                );
                let mut d = Extra::new();
                d.insert("dependent".into(), json!(b.id));
                d.insert("dependency".into(), json!(dep));
                out.push(model.conflict(
                    ConflictKind::DependencyOrder,
                    &items,
                    Vec::new(),
                    Some(window),
                    explanation,
                    d,
                ));
            }
        }
    }
}

/// The warning for a dependency that is not in the schedule (whatever the
/// policy's severity for the kind).
fn missing(dependent: &str, dep: &str) -> Conflict {
    let mut items = vec![dependent.to_string(), dep.to_string()];
    items.sort();
    let mut details = Extra::new();
    details.insert("missing".into(), json!(dep));
    Conflict {
        kind: ConflictKind::DependencyOrder,
        severity: Severity::Warn,
        items,
        cis: Vec::new(),
        window: None,
        explanation: format!("{dependent} depends on {dep}, which is not in the schedule"),
        details,
    }
}
