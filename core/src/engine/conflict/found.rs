//! Conflicts as the rules find them: typed data (ids borrowed from the
//! schedule, windows in Unix seconds, one variant per rule with what its
//! explanation and details need), sorted into the output order and
//! rendered — explanation sentence, RFC 3339 timestamps, details map —
//! only when the report is made. A caller that only counts conflicts
//! never renders one.

use super::model::Model;
use super::{Conflict, ConflictKind, Severity, Window};
use crate::calendar::{self, Interval};
use crate::document::{BlackoutSeverity, Extra};
use crate::Timestamp;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// Why a conflict fired, with the data its explanation and details need.
pub(super) enum Why<'a> {
    /// Two items touch the same CIs.
    CiOverlap,
    /// Two items touch related CIs: the links (CI of the first item, CI
    /// of the second; sorted) within `depth` hops.
    Related {
        links: Vec<(&'a str, &'a str)>,
        depth: u32,
    },
    /// An item inside blackout `blackout` (an index into the model's
    /// blackouts).
    Blackout { blackout: usize },
    /// An item touches CIs outside their maintenance windows (ids sorted).
    Outside { windows: Vec<&'a str> },
    /// Implementers (in interned order) on two items at once.
    Assignee { implementers: Vec<&'a str> },
    /// A dependency that is cancelled.
    DependencyCancelled {
        dependent: &'a str,
        dependency: &'a str,
    },
    /// A dependency that ends after its dependent starts; `reverse`: the
    /// dependency also depends on the dependent and starts (first) before
    /// it ends (second) — one conflict for the pair.
    DependencyLate {
        dependent: &'a str,
        dependency: &'a str,
        starts: i64,
        ends: i64,
        reverse: Option<(i64, i64)>,
    },
    /// A dependency that is not in the schedule.
    DependencyMissing {
        dependent: &'a str,
        dependency: &'a str,
    },
    /// A `depends_on` cycle, as a path through its smallest member.
    Cycle { path: Vec<&'a str> },
    /// Too many items at once under capacity limit `limit` (an index into
    /// the policy's limits).
    Capacity { limit: usize, peak: usize },
}

/// One conflict before rendering.
pub(super) struct Found<'a> {
    pub(super) kind: ConflictKind,
    pub(super) severity: Severity,
    /// Item ids, sorted, each once.
    pub(super) items: Vec<&'a str>,
    /// CI ids, sorted.
    pub(super) cis: Vec<&'a str>,
    pub(super) window: Option<Interval>,
    pub(super) why: Why<'a>,
}

impl Model {
    /// A conflict of `kind` between `items` (ids sorted, each once) with
    /// the severity the policy gives the kind; `cis` are name ids.
    pub(super) fn found<'a>(
        &'a self,
        kind: ConflictKind,
        items: &[u32],
        cis: impl IntoIterator<Item = u32>,
        window: Option<Interval>,
        why: Why<'a>,
    ) -> Found<'a> {
        let mut ids: Vec<&'a str> = items.iter().map(|i| self.id(*i)).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut cis: Vec<&'a str> = cis.into_iter().map(|c| self.name(c)).collect();
        cis.sort_unstable();
        Found {
            kind,
            severity: self.policy.severity.of(kind),
            items: ids,
            cis,
            window,
            why,
        }
    }

    /// The sentence that explains `f`.
    pub(super) fn explain(&self, f: &Found<'_>) -> String {
        self.explain_in(f, None)
    }

    /// The sentence that explains `f`; `window` is the text of its window
    /// when already rendered (the report renders it once for both).
    fn explain_in(&self, f: &Found<'_>, window: Option<&Window>) -> String {
        let (a, b) = (
            f.items.first().copied().unwrap_or(""),
            f.items.get(1).copied().unwrap_or(""),
        );
        let w = f.window.unwrap_or_default();
        let start = || -> Cow<'_, str> {
            match window {
                Some(t) => Cow::Borrowed(t.start.as_str()),
                None => Cow::Owned(fmt(w.start)),
            }
        };
        let end = || -> Cow<'_, str> {
            match window {
                Some(t) => Cow::Borrowed(t.end.as_str()),
                None => Cow::Owned(fmt(w.end)),
            }
        };
        match &f.why {
            Why::CiOverlap => format!(
                "{a} and {b} both touch {} between {} and {}",
                f.cis.join(", "),
                start(),
                end()
            ),
            Why::Related { links, depth } => {
                let shown: Vec<String> = links.iter().map(|(x, y)| format!("{x} ~ {y}")).collect();
                format!(
                    "{a} and {b} touch related CIs ({}; within {} CMDB hop{}) between {} and {}",
                    shown.join(", "),
                    depth,
                    if *depth == 1 { "" } else { "s" },
                    start(),
                    end()
                )
            }
            Why::Blackout { blackout } => {
                let bo = self.blackouts.get(*blackout);
                format!(
                    "{a} falls inside {} blackout {} ({}) between {} and {}",
                    match bo.map(|b| b.severity) {
                        Some(BlackoutSeverity::Warn) => "warning",
                        _ => "blocking",
                    },
                    bo.map_or("", |b| b.id.as_str()),
                    bo.map_or("", |b| b.name.as_str()),
                    start(),
                    end()
                )
            }
            Why::Outside { windows } => format!(
                "{a} touches {} outside {} maintenance windows ({})",
                f.cis.join(", "),
                if f.cis.len() == 1 { "its" } else { "their" },
                windows.join(", ")
            ),
            Why::Assignee { implementers } => format!(
                "{} implements both {a} and {b}, which overlap between {} and {}",
                implementers.join(", "),
                start(),
                end()
            ),
            Why::DependencyCancelled {
                dependent,
                dependency,
            } => format!("{dependent} depends on {dependency}, which is cancelled"),
            Why::DependencyLate {
                dependent,
                dependency,
                starts,
                ends,
                reverse: None,
            } => format!(
                "{dependent} starts at {}, before {dependency} (which it depends on) ends at {}",
                fmt(*starts),
                fmt(*ends)
            ),
            Why::DependencyLate {
                dependent,
                dependency,
                starts,
                ends,
                reverse: Some((rs, re)),
            } => format!(
                "{dependent} and {dependency} depend on each other: {dependent} starts at {}, before {dependency} ends at {}, and {dependency} starts at {}, before {dependent} ends at {}",
                fmt(*starts),
                fmt(*ends),
                fmt(*rs),
                fmt(*re)
            ),
            Why::DependencyMissing {
                dependent,
                dependency,
            } => format!("{dependent} depends on {dependency}, which is not in the schedule"),
            Why::Cycle { path } => format!("depends_on forms a cycle: {}", path.join(" → ")),
            Why::Capacity { limit, peak } => {
                let l = self.policy.capacity.get(*limit);
                let what = match l.map(|l| (&l.service, &l.environment)) {
                    Some((Some(s), Some(e))) => format!("service {s} in {e}"),
                    Some((Some(s), None)) => format!("service {s}"),
                    Some((None, Some(e))) => format!("environment {e}"),
                    _ => "the schedule".to_string(),
                };
                format!(
                    "{peak} items at once on {what} (at most {} allowed) between {} and {}",
                    l.map_or(0, |l| l.max_concurrent),
                    start(),
                    end()
                )
            }
        }
    }

    /// The data the rule looked at, as the report's `details`.
    fn details(&self, f: &Found<'_>) -> Extra {
        let mut d = Extra::new();
        match &f.why {
            Why::CiOverlap => {}
            Why::Related { links, depth } => {
                let pairs: Vec<Value> = links.iter().map(|(x, y)| json!([x, y])).collect();
                d.insert("related".into(), Value::Array(pairs));
                d.insert("depth".into(), json!(depth));
            }
            Why::Blackout { blackout } => {
                if let Some(b) = self.blackouts.get(*blackout) {
                    d.insert("blackout".into(), json!(b.id));
                    d.insert("blackout_severity".into(), json!(b.severity));
                }
            }
            Why::Outside { windows } => {
                d.insert("maintenance_windows".into(), json!(windows));
            }
            Why::Assignee { implementers } => {
                d.insert("implementers".into(), json!(implementers));
            }
            Why::DependencyCancelled {
                dependent,
                dependency,
            } => {
                d.insert("dependent".into(), json!(dependent));
                d.insert("dependency".into(), json!(dependency));
                d.insert("cancelled".into(), json!(true));
            }
            Why::DependencyLate {
                dependent,
                dependency,
                reverse,
                ..
            } => {
                d.insert("dependent".into(), json!(dependent));
                d.insert("dependency".into(), json!(dependency));
                if reverse.is_some() {
                    d.insert("mutual".into(), json!(true));
                    d.insert(
                        "directions".into(),
                        json!([
                            {"dependent": dependent, "dependency": dependency},
                            {"dependent": dependency, "dependency": dependent},
                        ]),
                    );
                }
            }
            Why::DependencyMissing { dependency, .. } => {
                d.insert("missing".into(), json!(dependency));
            }
            Why::Cycle { path } => {
                d.insert("cycle".into(), json!(path));
            }
            Why::Capacity { limit, peak } => {
                d.insert("limit".into(), json!(limit));
                if let Some(l) = self.policy.capacity.get(*limit) {
                    if let Some(s) = &l.service {
                        d.insert("service".into(), json!(s));
                    }
                    if let Some(e) = &l.environment {
                        d.insert("environment".into(), json!(e));
                    }
                    d.insert("max_concurrent".into(), json!(l.max_concurrent));
                }
                d.insert("peak".into(), json!(peak));
            }
        }
        d
    }

    /// `f` as it appears in the report.
    pub(super) fn render(&self, f: &Found<'_>) -> Conflict {
        let window = f.window.map(Window::of);
        Conflict {
            kind: f.kind,
            severity: f.severity,
            items: f.items.iter().map(|s| (*s).to_string()).collect(),
            cis: f.cis.iter().map(|s| (*s).to_string()).collect(),
            explanation: self.explain_in(f, window.as_ref()),
            window,
            details: self.details(f),
        }
    }

    /// Sorts conflicts into the output order: by kind, then items, then
    /// window start (none first), then explanation — rendered only for
    /// the few that tie on the rest. Stable: equal keys keep the order the
    /// rules found them in.
    pub(super) fn sort(&self, found: &mut [Found<'_>]) {
        found.sort_by(|x, y| {
            (x.kind, &x.items, x.window.map(|w| w.start))
                .cmp(&(y.kind, &y.items, y.window.map(|w| w.start)))
                .then_with(|| match (&x.why, &y.why) {
                    (Why::CiOverlap, Why::CiOverlap) if x.cis == y.cis && x.window == y.window => {
                        Ordering::Equal
                    }
                    _ => self.explain(x).cmp(&self.explain(y)),
                })
        });
    }
}

/// RFC 3339 UTC text of Unix seconds.
pub(crate) fn fmt(secs: i64) -> String {
    Timestamp::from_utc(calendar::utc(secs)).to_string()
}
