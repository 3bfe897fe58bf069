//! The schedule prepared for detection (docs/conflicts.md, "What an item
//! touches"): its items with their windows, CIs, classes, services,
//! environments and implementers; every touch of a CI and every piece of
//! work of an implementer, indexed by key and sorted by start; the CMDB as
//! a graph (for related CIs); blackouts expanded over the schedule's range;
//! maintenance windows expanded on demand, per CI.

use super::interval::{hull, overlaps};
use crate::calendar::{self, Interval};
use crate::document::{BlackoutSeverity, Calendar, Cmdb, ConfigurationItem, Scope, State};
use crate::error::{Result, Warning};
use crate::foundation::hash::HashMap;
use crate::foundation::intern::Interner;
use crate::policy::ConflictPolicy;
use crate::{Schedule, Timestamp};
use petgraph::graph::{NodeIndex, UnGraph};
use std::collections::{BTreeMap, BTreeSet};

/// One scheduled release or bare change.
pub(crate) struct Item<'a> {
    pub(crate) id: &'a str,
    pub(crate) path: String,
    pub(crate) state: Option<State>,
    pub(crate) span: Option<Interval>,
    pub(crate) windows: Vec<Interval>,
    pub(crate) cis: Vec<u32>,
    pub(crate) classes: Vec<u32>,
    pub(crate) services: Vec<u32>,
    pub(crate) environments: Vec<u32>,
    pub(crate) implementers: Vec<u32>,
    pub(crate) depends_on: &'a [String],
    /// Takes part in the time-based kinds (not cancelled, not closed, not
    /// the item a slot is being searched for).
    pub(crate) active: bool,
}

/// One CI touched by one item over one window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Touch {
    pub(crate) item: u32,
    pub(crate) key: u32,
    pub(crate) iv: Interval,
    /// For implementer touches: the change's CIs, as an index into
    /// `Model::work_cis`.
    pub(crate) cis: u32,
}

/// Touches grouped by key (CI or implementer), each group sorted by start.
pub(crate) struct Index {
    pub(crate) touches: Vec<Touch>,
    groups: HashMap<u32, (usize, usize, i64)>,
}

impl Index {
    fn new(mut touches: Vec<Touch>) -> Index {
        touches.sort_unstable_by_key(|t| (t.key, t.iv.start, t.iv.end, t.item));
        let mut groups = HashMap::default();
        let mut i = 0;
        while i < touches.len() {
            let key = touches.get(i).map_or(0, |t| t.key);
            let mut j = i;
            let mut longest = 0;
            while let Some(t) = touches.get(j).filter(|t| t.key == key) {
                longest = longest.max(t.iv.len());
                j = j.saturating_add(1);
            }
            groups.insert(key, (i, j, longest));
            i = j;
        }
        Index { touches, groups }
    }

    pub(crate) fn group(&self, key: u32) -> &[Touch] {
        self.groups
            .get(&key)
            .and_then(|(a, b, _)| self.touches.get(*a..*b))
            .unwrap_or(&[])
    }

    /// Touches of `key` that overlap `iv` (touching counts unless
    /// `strict`).
    pub(crate) fn overlapping(
        &self,
        key: u32,
        iv: Interval,
        strict: bool,
    ) -> impl Iterator<Item = &Touch> {
        let group = self.group(key);
        let longest = self.groups.get(&key).map_or(0, |g| g.2);
        let hi = group.partition_point(|t| {
            if strict {
                t.iv.start < iv.end
            } else {
                t.iv.start <= iv.end
            }
        });
        let lo_start = iv.start.saturating_sub(longest);
        let lo = group.partition_point(|t| t.iv.start < lo_start);
        group
            .get(lo..hi)
            .unwrap_or(&[])
            .iter()
            .filter(move |t| overlaps(t.iv, iv, strict))
    }
}

fn ts(t: &Option<Timestamp>) -> Option<i64> {
    t.as_ref().map(Timestamp::unix_seconds)
}

fn window_of(s: &Option<Timestamp>, e: &Option<Timestamp>) -> Option<Interval> {
    match (ts(s), ts(e)) {
        (Some(start), Some(end)) if start < end => Some(Interval { start, end }),
        _ => None,
    }
}

/// A calendar period's scope as interned sets.
pub(crate) struct ScopeSets {
    all: bool,
    cis: BTreeSet<u32>,
    classes: BTreeSet<u32>,
    services: BTreeSet<u32>,
    environments: BTreeSet<u32>,
}

impl ScopeSets {
    fn new(scope: Option<&Scope>, names: &Interner<&str>) -> ScopeSets {
        let set = |v: &[String]| v.iter().filter_map(|s| names.get(s)).collect();
        match scope {
            None => ScopeSets {
                all: true,
                cis: BTreeSet::new(),
                classes: BTreeSet::new(),
                services: BTreeSet::new(),
                environments: BTreeSet::new(),
            },
            Some(s) => ScopeSets {
                all: s.all,
                cis: set(&s.cis),
                classes: set(&s.ci_classes),
                services: set(&s.services),
                environments: set(&s.environments),
            },
        }
    }

    /// Whether the scope matches an item; the CIs that make it match.
    pub(super) fn matches(&self, item: &Item<'_>, model: &Model<'_>) -> Option<Vec<u32>> {
        if self.all {
            return Some(item.cis.clone());
        }
        let hit = |v: &[u32], s: &BTreeSet<u32>| v.iter().any(|x| s.contains(x));
        let cis: Vec<u32> = item
            .cis
            .iter()
            .copied()
            .filter(|c| {
                self.cis.contains(c)
                    || model.ci(*c).is_some_and(|ci| {
                        model
                            .names
                            .get(&ci.class)
                            .is_some_and(|k| self.classes.contains(&k))
                            || ci
                                .service
                                .as_deref()
                                .and_then(|s| model.names.get(s))
                                .is_some_and(|k| self.services.contains(&k))
                            || ci
                                .environment
                                .as_deref()
                                .and_then(|s| model.names.get(s))
                                .is_some_and(|k| self.environments.contains(&k))
                    })
            })
            .collect();
        if !cis.is_empty()
            || hit(&item.services, &self.services)
            || hit(&item.environments, &self.environments)
            || hit(&item.classes, &self.classes)
        {
            Some(cis)
        } else {
            None
        }
    }
}

/// A blackout expanded over the model's range.
pub(crate) struct BlackoutOcc<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) severity: BlackoutSeverity,
    pub(crate) scope: ScopeSets,
    pub(crate) occurrences: Vec<Interval>,
    longest: i64,
}

impl BlackoutOcc<'_> {
    /// Whether the blackout's scope matches the item.
    pub(crate) fn scope_matches(&self, item: &Item<'_>, model: &Model<'_>) -> bool {
        self.scope.matches(item, model).is_some()
    }

    /// Occurrences overlapping `iv` (strictly: back-to-back is no overlap).
    pub(crate) fn overlapping(&self, iv: Interval) -> impl Iterator<Item = &Interval> {
        let hi = self.occurrences.partition_point(|o| o.start < iv.end);
        let lo_start = iv.start.saturating_sub(self.longest);
        let lo = self.occurrences.partition_point(|o| o.start < lo_start);
        self.occurrences
            .get(lo..hi)
            .unwrap_or(&[])
            .iter()
            .filter(move |o| overlaps(**o, iv, true))
    }
}

/// The schedule prepared for detection: items, touches indexed by CI and
/// by implementer, the CMDB graph, the expanded calendar.
pub(crate) struct Model<'a> {
    pub(crate) policy: &'a ConflictPolicy,
    pub(crate) names: Interner<&'a str>,
    pub(crate) items: Vec<Item<'a>>,
    pub(crate) item_ids: HashMap<&'a str, u32>,
    pub(crate) by_ci: Index,
    pub(crate) by_implementer: Index,
    pub(crate) work_cis: Vec<Vec<u32>>,
    ci_docs: HashMap<u32, &'a ConfigurationItem>,
    graph: UnGraph<u32, ()>,
    nodes: HashMap<u32, NodeIndex>,
    calendar: Option<&'a Calendar>,
    pub(crate) range: (i64, i64),
    pub(crate) blackouts: Vec<BlackoutOcc<'a>>,
    window_ids: HashMap<&'a str, usize>,
    scoped_windows: Vec<(usize, ScopeSets)>,
    window_occ: std::cell::RefCell<HashMap<usize, std::rc::Rc<Vec<Interval>>>>,
    merged_occ: std::cell::RefCell<BTreeMap<Vec<usize>, std::rc::Rc<Vec<Interval>>>>,
    pub(crate) warnings: Vec<Warning>,
}

impl<'a> Model<'a> {
    /// Prepares `schedule`. `exclude` names an item left out of every
    /// time-based kind (the item a slot is searched for); `extra_range`
    /// widens the calendar expansion.
    pub(crate) fn build(
        schedule: &'a Schedule,
        policy: &'a ConflictPolicy,
        exclude: Option<&str>,
        extra_range: Option<(i64, i64)>,
    ) -> Result<Model<'a>> {
        let mut names: Interner<&'a str> = Interner::default();
        let mut ci_docs = HashMap::default();
        // Interned class, service and environment of each CMDB CI.
        let mut ci_attrs: HashMap<u32, (u32, Option<u32>, Option<u32>)> = HashMap::default();
        let cmdb: Option<&Cmdb> = schedule.cmdb.as_ref();
        if let Some(cmdb) = cmdb {
            for ci in &cmdb.cis {
                let id = names.intern(&ci.id);
                ci_docs.insert(id, ci);
                let class = names.intern(&ci.class);
                let service = ci.service.as_deref().map(|s| names.intern(s));
                let env = ci.environment.as_deref().map(|e| names.intern(e));
                ci_attrs.insert(id, (class, service, env));
            }
        }
        let mut items = Vec::new();
        let mut ci_touches = Vec::new();
        let mut work = Vec::new();
        let mut work_cis: Vec<Vec<u32>> = Vec::new();
        let mut warnings = Vec::new();
        let mut range: Option<Interval> = None;

        let mut add_item = |items: &mut Vec<Item<'a>>,
                            names: &mut Interner<&'a str>,
                            id: &'a str,
                            path: String,
                            state: Option<State>,
                            main: Option<Interval>,
                            parts: Vec<(Option<Interval>, &'a [String], Option<&'a str>)>,
                            services: &'a [String],
                            environments: &'a [String],
                            depends_on: &'a [String]| {
            let index = items.len() as u32;
            let active =
                !matches!(state, Some(State::Cancelled | State::Closed)) && exclude != Some(id);
            let mut cis = BTreeSet::new();
            let mut windows = BTreeSet::new();
            let mut implementers = BTreeSet::new();
            let mut span = main;
            let mut unscheduled = false;
            for (w, part_cis, implementer) in parts {
                let mut these = Vec::new();
                for ci in part_cis {
                    let c = names.intern(ci);
                    cis.insert(c);
                    these.push(c);
                }
                let who = implementer.map(|w| names.intern(w));
                if let Some(who) = who {
                    implementers.insert(who);
                }
                let Some(w) = w.or(main) else {
                    unscheduled |= !part_cis.is_empty();
                    continue;
                };
                if main.is_none() {
                    span = Some(hull(span, w));
                }
                windows.insert(w);
                if active {
                    for c in &these {
                        ci_touches.push(Touch {
                            item: index,
                            key: *c,
                            iv: w,
                            cis: 0,
                        });
                    }
                }
                if let Some(who) = who {
                    if active {
                        these.sort_unstable();
                        these.dedup();
                        work.push(Touch {
                            item: index,
                            key: who,
                            iv: w,
                            cis: work_cis.len() as u32,
                        });
                        work_cis.push(these);
                    }
                }
            }
            if let Some(s) = main {
                windows.insert(s);
            }
            if (unscheduled || span.is_none()) && exclude != Some(id) {
                warnings.push(Warning::new(
                    "unscheduled_item",
                    path.clone(),
                    format!("`{id}` has no planned window: only its dependencies are checked"),
                ));
            }
            if let (Some(s), true) = (span, active) {
                range = Some(hull(range, s));
            }
            let mut classes = Vec::new();
            let mut svc: Vec<u32> = services.iter().map(|s| names.intern(s)).collect();
            let mut env: Vec<u32> = environments.iter().map(|s| names.intern(s)).collect();
            for c in &cis {
                if let Some((class, service, environment)) = ci_attrs.get(c) {
                    classes.push(*class);
                    svc.extend(*service);
                    env.extend(*environment);
                }
            }
            for v in [&mut classes, &mut svc, &mut env] {
                v.sort_unstable();
                v.dedup();
            }
            items.push(Item {
                id,
                path,
                state,
                span,
                windows: windows.into_iter().collect(),
                cis: cis.into_iter().collect(),
                classes,
                services: svc,
                environments: env,
                implementers: implementers.into_iter().collect(),
                depends_on,
                active,
            });
        };

        for (i, r) in schedule.releases.iter().enumerate() {
            let main = window_of(&r.planned_start, &r.planned_end);
            let mut parts = vec![(main, r.affected_cis.as_slice(), None)];
            for c in &r.changes {
                let own = window_of(&c.planned_start, &c.planned_end);
                parts.push((
                    own.or(main),
                    c.affected_cis.as_slice(),
                    c.implementer.as_deref(),
                ));
            }
            add_item(
                &mut items,
                &mut names,
                &r.id,
                format!("releases[{i}]"),
                Some(r.state),
                main,
                parts,
                &r.services,
                &r.environments,
                &r.depends_on,
            );
        }
        for (i, c) in schedule.changes.iter().enumerate() {
            let own = window_of(&c.planned_start, &c.planned_end);
            add_item(
                &mut items,
                &mut names,
                &c.id,
                format!("changes[{i}]"),
                None,
                own,
                vec![(own, c.affected_cis.as_slice(), c.implementer.as_deref())],
                &[],
                &[],
                &[],
            );
        }
        let item_ids = items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id, i as u32))
            .collect();

        // The CMDB as an undirected graph (only needed for related CIs).
        let mut graph = UnGraph::new_undirected();
        let mut nodes = HashMap::default();
        if policy.related_ci_depth > 0 {
            if let Some(cmdb) = cmdb {
                for rel in &cmdb.relationships {
                    let (Some(a), Some(b)) = (names.get(&rel.from), names.get(&rel.to)) else {
                        continue;
                    };
                    if a == b {
                        continue;
                    }
                    let na = *nodes.entry(a).or_insert_with(|| graph.add_node(a));
                    let nb = *nodes.entry(b).or_insert_with(|| graph.add_node(b));
                    graph.update_edge(na, nb, ());
                }
            }
        }

        let range = match (range, extra_range) {
            (Some(r), Some((a, b))) => (r.start.min(a), r.end.max(b)),
            (Some(r), None) => (r.start, r.end),
            (None, Some(x)) => x,
            (None, None) => (0, 0),
        };
        let calendar = schedule.calendar.as_ref();
        let mut blackouts = Vec::new();
        let mut window_ids = HashMap::default();
        let mut scoped_windows = Vec::new();
        if let Some(cal) = calendar {
            for (i, b) in cal.blackouts.iter().enumerate() {
                let path = format!("calendar.blackouts[{i}]");
                let occurrences = calendar::period_occurrences(
                    b.start.as_ref(),
                    b.end.as_ref(),
                    b.recurrence.as_ref(),
                    range,
                    policy.max_occurrences,
                    &path,
                )?;
                let longest = occurrences.iter().map(Interval::len).max().unwrap_or(0);
                blackouts.push(BlackoutOcc {
                    id: &b.id,
                    name: &b.name,
                    severity: b.severity,
                    scope: ScopeSets::new(b.scope.as_ref(), &names),
                    occurrences,
                    longest,
                });
            }
            for (i, w) in cal.maintenance_windows.iter().enumerate() {
                window_ids.insert(w.id.as_str(), i);
                if w.scope.is_some() {
                    scoped_windows.push((i, ScopeSets::new(w.scope.as_ref(), &names)));
                }
            }
        }
        Ok(Model {
            policy,
            names,
            items,
            item_ids,
            by_ci: Index::new(ci_touches),
            by_implementer: Index::new(work),
            work_cis,
            ci_docs,
            graph,
            nodes,
            calendar,
            range,
            blackouts,
            window_ids,
            scoped_windows,
            window_occ: std::cell::RefCell::new(HashMap::default()),
            merged_occ: std::cell::RefCell::new(BTreeMap::new()),
            warnings,
        })
    }

    pub(crate) fn ci(&self, c: u32) -> Option<&'a ConfigurationItem> {
        self.ci_docs.get(&c).copied()
    }

    pub(crate) fn item(&self, i: u32) -> Option<&Item<'a>> {
        self.items.get(i as usize)
    }

    pub(crate) fn strict(&self) -> bool {
        self.policy.allow_contiguous
    }

    /// CIs within `1..=depth` CMDB hops of `c` (either direction).
    pub(crate) fn related(&self, c: u32) -> Vec<u32> {
        let depth = self.policy.related_ci_depth;
        let Some(start) = self.nodes.get(&c) else {
            return Vec::new();
        };
        let mut seen: HashMap<NodeIndex, u32> = HashMap::default();
        seen.insert(*start, 0);
        let mut frontier = vec![*start];
        let mut out = Vec::new();
        for d in 1..=depth {
            let mut next = Vec::new();
            for n in frontier {
                for m in self.graph.neighbors(n) {
                    if let std::collections::hash_map::Entry::Vacant(e) = seen.entry(m) {
                        e.insert(d);
                        next.push(m);
                        if let Some(w) = self.graph.node_weight(m) {
                            out.push(*w);
                        }
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        out.sort_unstable();
        out
    }

    /// The merged occurrences of the maintenance windows that apply to CI
    /// `c` and their ids, or `None` when no window applies.
    pub(crate) fn maintenance(&self, c: u32) -> Result<Option<Maintenance<'a>>> {
        let Some(cal) = self.calendar else {
            return Ok(None);
        };
        let ci = self.ci(c);
        let mut idx: BTreeSet<usize> = BTreeSet::new();
        if let Some(ci) = ci {
            for w in &ci.maintenance_windows {
                if let Some(i) = self.window_ids.get(w.as_str()) {
                    idx.insert(*i);
                }
            }
        }
        for (i, scope) in &self.scoped_windows {
            let hit = scope.all
                || scope.cis.contains(&c)
                || ci.is_some_and(|ci| {
                    self.names
                        .get(&ci.class)
                        .is_some_and(|k| scope.classes.contains(&k))
                        || ci
                            .service
                            .as_deref()
                            .and_then(|s| self.names.get(s))
                            .is_some_and(|k| scope.services.contains(&k))
                        || ci
                            .environment
                            .as_deref()
                            .and_then(|s| self.names.get(s))
                            .is_some_and(|k| scope.environments.contains(&k))
                });
            if hit {
                idx.insert(*i);
            }
        }
        if idx.is_empty() {
            return Ok(None);
        }
        let ids: Vec<&'a str> = idx
            .iter()
            .filter_map(|i| cal.maintenance_windows.get(*i).map(|w| w.id.as_str()))
            .collect();
        let key: Vec<usize> = idx.into_iter().collect();
        if let Some(m) = self.merged_occ.borrow().get(&key) {
            return Ok(Some((m.clone(), ids)));
        }
        let mut all = Vec::new();
        for i in &key {
            let Some(w) = cal.maintenance_windows.get(*i) else {
                continue;
            };
            let cached = self.window_occ.borrow().get(i).cloned();
            let occ = match cached {
                Some(o) => o,
                None => {
                    let o = std::rc::Rc::new(calendar::period_occurrences(
                        w.start.as_ref(),
                        w.end.as_ref(),
                        w.recurrence.as_ref(),
                        self.range,
                        self.policy.max_occurrences,
                        &format!("calendar.maintenance_windows[{i}]"),
                    )?);
                    self.window_occ.borrow_mut().insert(*i, o.clone());
                    o
                }
            };
            all.extend(occ.iter().copied());
        }
        let merged = std::rc::Rc::new(calendar::merge(all));
        self.merged_occ.borrow_mut().insert(key, merged.clone());
        Ok(Some((merged, ids)))
    }

    /// The id of item `i`.
    pub(crate) fn id(&self, i: u32) -> &'a str {
        self.item(i).map_or("", |it| it.id)
    }

    /// The text of interned name `n` (a CI, implementer, class…).
    pub(crate) fn name(&self, n: u32) -> &'a str {
        self.names.name(n).copied().unwrap_or("")
    }

    /// Whether the schedule has a calendar.
    pub(super) fn has_calendar(&self) -> bool {
        self.calendar.is_some()
    }
}

/// The merged occurrences of a CI's maintenance windows, and their ids.
pub(crate) type Maintenance<'a> = (std::rc::Rc<Vec<Interval>>, Vec<&'a str>);
