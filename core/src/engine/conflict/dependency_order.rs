//! `dependency_order`: B `depends_on` A and B starts before A ends; or A is
//! cancelled; or A is not in the schedule (always a warning, no window). A
//! in review or closed has shipped and is fine. Only active dependents are
//! checked (docs/conflicts.md).

use super::found::{Found, Why};
use super::model::Model;
use super::{ConflictKind, Severity};
use crate::calendar::Interval;
use crate::document::State;

/// Appends a conflict per dependency of an active item that is missing,
/// cancelled or not over when the item starts.
pub(super) fn detect<'a>(model: &'a Model, out: &mut Vec<Found<'a>>) {
    for (bi, b) in model.items.iter().enumerate() {
        for dep in b.depends_on.iter() {
            let Some(ai) = model.item_ids.get(dep.as_str()).copied() else {
                if b.active {
                    let mut items = vec![&*b.id, dep.as_str()];
                    items.sort_unstable();
                    // Whatever the policy's severity for the kind.
                    out.push(Found {
                        kind: ConflictKind::DependencyOrder,
                        severity: Severity::Warn,
                        items,
                        cis: Vec::new(),
                        window: None,
                        why: Why::DependencyMissing {
                            dependent: &b.id,
                            dependency: dep,
                        },
                    });
                }
                continue;
            };
            let Some(a) = model.item(ai) else { continue };
            if !b.active {
                continue;
            }
            let items = [bi as u32, ai];
            if a.state == Some(State::Cancelled) {
                out.push(model.found(
                    ConflictKind::DependencyOrder,
                    &items,
                    [],
                    None,
                    Why::DependencyCancelled {
                        dependent: &b.id,
                        dependency: dep,
                    },
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
                out.push(model.found(
                    ConflictKind::DependencyOrder,
                    &items,
                    [],
                    Some(window),
                    Why::DependencyLate {
                        dependent: &b.id,
                        dependency: dep,
                        starts: bs.start,
                        ends: as_.end,
                    },
                ));
            }
        }
    }
}
