//! `dependency_order`: B `depends_on` A and B starts before A ends; or A is
//! cancelled; or A is not in the schedule (always a warning, no window). A
//! in review or closed has shipped and is fine. Only active dependents are
//! checked (docs/conflicts.md).
//!
//! Once per pair: a `depends_on` that names the same release twice is
//! checked once, and when A and B depend on each other and each starts
//! before the other ends, one conflict covers both directions (its window
//! the hull of both, its details listing both).

use super::found::{Found, Why};
use super::model::Model;
use super::{ConflictKind, Severity};
use crate::calendar::Interval;
use crate::document::State;
use std::collections::{HashMap, HashSet};

/// Appends a conflict per dependency of an active item that is missing,
/// cancelled or not over when the item starts.
pub(super) fn detect<'a>(model: &'a Model, out: &mut Vec<Found<'a>>) {
    // (dependent, dependency name) already checked: a repeated entry.
    let mut checked: HashSet<(usize, &str)> = HashSet::new();
    // Late pairs found so far (dependent, dependency) → index in `out`.
    let mut late: HashMap<(u32, u32), usize> = HashMap::new();
    for (bi, b) in model.items.iter().enumerate() {
        for dep in b.depends_on.iter() {
            if !checked.insert((bi, dep.as_str())) {
                continue;
            }
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
                // The other direction already reported: one conflict.
                if let Some(k) = late.get(&(ai, bi as u32)).copied() {
                    if let Some(f) = out.get_mut(k) {
                        if let Why::DependencyLate { reverse, .. } = &mut f.why {
                            *reverse = Some((bs.start, as_.end));
                        }
                        f.window = Some(match f.window {
                            Some(w) => Interval {
                                start: w.start.min(window.start),
                                end: w.end.max(window.end),
                            },
                            None => window,
                        });
                    }
                    continue;
                }
                late.insert((bi as u32, ai), out.len());
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
                        reverse: None,
                    },
                ));
            }
        }
    }
}
