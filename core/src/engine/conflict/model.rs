//! The schedule prepared for detection (docs/conflicts.md, "What an item
//! touches"): its items with their windows, CIs, classes, services,
//! environments and implementers; every touch of a CI and every piece of
//! work of an implementer, indexed by key and sorted by start; the CMDB as
//! a graph (for related CIs); blackouts expanded over the schedule's range;
//! maintenance windows expanded on demand, per CI.

use super::interval::{hull, overlaps};
use super::occurrences::Occurrences;
use crate::calendar::Interval;
use crate::document::{BlackoutSeverity, Calendar, Cmdb, Scope, State};
use crate::error::{Result, Warning};
use crate::foundation::hash::HashMap;
use crate::foundation::intern::{Interner, MAX_ID};
use crate::foundation::parallel;
use crate::policy::ConflictPolicy;
use crate::{Schedule, Timestamp};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// One scheduled release or bare change.
pub(crate) struct Item {
    pub(crate) id: Arc<str>,
    /// Where the item is: a release (`releases[i]`) or a bare change
    /// (`changes[i]`); its path is made only when a warning names it.
    origin: (bool, usize),
    pub(crate) state: Option<State>,
    pub(crate) span: Option<Interval>,
    pub(crate) windows: Vec<Interval>,
    pub(crate) cis: Vec<u32>,
    pub(crate) classes: Vec<u32>,
    pub(crate) services: Vec<u32>,
    pub(crate) environments: Vec<u32>,
    pub(crate) implementers: Vec<u32>,
    pub(crate) depends_on: Box<[String]>,
    /// Takes part in the time-based kinds (not cancelled, not closed, not
    /// the item a slot is being searched for).
    pub(crate) active: bool,
}

impl Item {
    /// The item's JSON path (`releases[3]`, `changes[0]`).
    pub(crate) fn path(&self) -> String {
        path_of(self.origin)
    }
}

fn path_of((change, i): (bool, usize)) -> String {
    if change {
        format!("changes[{i}]")
    } else {
        format!("releases[{i}]")
    }
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
/// Flat, CSR-style: one array of touches sorted by (key, start, end,
/// item), and per key (a dense interned id) the range of its group and
/// its longest touch.
pub(crate) struct Index {
    pub(crate) touches: Vec<Touch>,
    /// Per key id: (first touch, one past the last, longest touch).
    groups: Vec<(usize, usize, i64)>,
    /// The start of every non-empty group, in order, then the end.
    starts: Vec<usize>,
}

impl Index {
    fn new(mut touches: Vec<Touch>, keys: usize) -> Index {
        touches.sort_unstable_by_key(|t| (t.key, t.iv.start, t.iv.end, t.item));
        let mut groups = vec![(0, 0, 0); keys];
        let mut starts = Vec::new();
        let mut i = 0;
        while i < touches.len() {
            let key = touches.get(i).map_or(0, |t| t.key);
            let mut j = i;
            let mut longest = 0;
            while let Some(t) = touches.get(j).filter(|t| t.key == key) {
                longest = longest.max(t.iv.len());
                j = j.saturating_add(1);
            }
            if let Some(g) = groups.get_mut(key as usize) {
                *g = (i, j, longest);
            }
            starts.push(i);
            i = j;
        }
        starts.push(touches.len());
        Index {
            touches,
            groups,
            starts,
        }
    }

    pub(crate) fn group(&self, key: u32) -> &[Touch] {
        self.groups
            .get(key as usize)
            .and_then(|(a, b, _)| self.touches.get(*a..*b))
            .unwrap_or(&[])
    }

    /// The touches split into about `parts` runs of whole groups (one
    /// key never spans two runs), in order: the shards of a parallel
    /// sweep.
    pub(crate) fn shards(&self, parts: usize) -> Vec<&[Touch]> {
        let groups = self.starts.len().saturating_sub(1);
        crate::foundation::parallel::ranges(groups, parts)
            .into_iter()
            .filter_map(|r| {
                let a = *self.starts.get(r.start)?;
                let b = *self.starts.get(r.end)?;
                self.touches.get(a..b)
            })
            .collect()
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
        let longest = self.groups.get(key as usize).map_or(0, |g| g.2);
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

/// How many runs `n` names' worth of things are cut into for interning
/// on every core.
fn runs_of(n: usize) -> usize {
    if parallel::threads() > 1 && n > 1024 {
        parallel::threads().saturating_mul(2)
    } else {
        1
    }
}

/// What one run of items builds: the items, their CI touches and
/// implementer work (with the work's CI lists), warnings and the hull of
/// their spans.
#[derive(Default)]
struct Built {
    items: Vec<Item>,
    ci_touches: Vec<Touch>,
    work: Vec<Touch>,
    work_cis: Vec<Vec<u32>>,
    warnings: Vec<Warning>,
    range: Option<Interval>,
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
    fn new(scope: Option<&Scope>, names: &Interner<Arc<str>>) -> ScopeSets {
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

    /// Whether the scope names a CI's class, service or environment.
    fn attrs_match(&self, a: &CiDoc) -> bool {
        self.classes.contains(&a.class)
            || a.service.is_some_and(|k| self.services.contains(&k))
            || a.environment
                .is_some_and(|k| self.environments.contains(&k))
    }

    /// Whether the scope matches an item; the CIs that make it match.
    pub(super) fn matches(&self, item: &Item, model: &Model) -> Option<Vec<u32>> {
        if self.all {
            return Some(item.cis.clone());
        }
        let hit = |v: &[u32], s: &BTreeSet<u32>| v.iter().any(|x| s.contains(x));
        let cis: Vec<u32> = item
            .cis
            .iter()
            .copied()
            .filter(|c| {
                self.cis.contains(c) || model.ci_attrs(*c).is_some_and(|a| self.attrs_match(a))
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
pub(crate) struct BlackoutOcc {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) severity: BlackoutSeverity,
    pub(crate) scope: ScopeSets,
    pub(crate) occurrences: Vec<Interval>,
    longest: i64,
}

impl BlackoutOcc {
    /// Whether the blackout's scope matches the item.
    pub(crate) fn scope_matches(&self, item: &Item, model: &Model) -> bool {
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

/// A CMDB CI with its class, service and environment interned, and the
/// maintenance windows it names (indices into the calendar's windows;
/// names the calendar does not define are left out).
pub(crate) struct CiDoc {
    pub(crate) windows: Vec<usize>,
    pub(crate) class: u32,
    pub(crate) service: Option<u32>,
    pub(crate) environment: Option<u32>,
}

/// The schedule prepared for detection: items, touches indexed by CI and
/// by implementer, the CMDB graph, the expanded calendar. Owns everything
/// it holds (names interned once into a shared table), so a
/// [`super::PreparedSchedule`] keeps it across calls. Shared by the rules
/// across threads (`Sync`: the calendar caches lock).
pub(crate) struct Model {
    pub(crate) policy: ConflictPolicy,
    pub(crate) names: Interner<Arc<str>>,
    pub(crate) items: Vec<Item>,
    pub(crate) item_ids: HashMap<Arc<str>, u32>,
    pub(crate) by_ci: Index,
    pub(crate) by_implementer: Index,
    pub(crate) work_cis: Vec<Vec<u32>>,
    /// Per name id: the CMDB CI of that id, if any.
    ci_docs: Vec<Option<CiDoc>>,
    /// The CMDB as an undirected graph over name ids, CSR-style: the
    /// neighbours of `c` are `adjacent[offsets[c]..offsets[c + 1]]`.
    offsets: Vec<u32>,
    adjacent: Vec<u32>,
    calendar: Option<Calendar>,
    pub(crate) range: (i64, i64),
    pub(crate) blackouts: Vec<BlackoutOcc>,
    scoped_windows: Vec<(usize, ScopeSets)>,
    occurrences: Occurrences,
    /// The maintenance of each set of window indices met so far.
    window_sets: Mutex<HashMap<Vec<usize>, Maintenance>>,
    /// Per name id: the maintenance of that CI once worked out (a
    /// prepared schedule works each out once; later detections only read).
    per_ci: Vec<OnceLock<Option<Maintenance>>>,
    pub(crate) warnings: Vec<Warning>,
}

impl Model {
    /// Prepares `schedule`. `exclude` names an item left out of every
    /// time-based kind (the item a slot is searched for); `extra_range`
    /// widens the calendar expansion. The model keeps its own cache of
    /// calendar expansions.
    pub(crate) fn build(
        schedule: &Schedule,
        policy: &ConflictPolicy,
        exclude: Option<&str>,
        extra_range: Option<(i64, i64)>,
    ) -> Result<Model> {
        let occurrences = Occurrences::default();
        let cmdb: Option<&Cmdb> = schedule.cmdb.as_ref();
        let cmdb_cis = cmdb.map_or(0, |c| c.cis.len());
        let item_count = schedule
            .releases
            .len()
            .saturating_add(schedule.changes.len());
        let mut names: Interner<Arc<str>> =
            Interner::with_capacity(cmdb_cis.saturating_add(item_count).saturating_add(64));
        let calendar = schedule.calendar.as_ref();
        let mut window_ids: HashMap<&str, usize> = HashMap::default();
        if let Some(cal) = calendar {
            for (i, w) in cal.maintenance_windows.iter().enumerate() {
                window_ids.insert(w.id.as_str(), i);
            }
        }
        let mut ci_docs: Vec<Option<CiDoc>> = Vec::new();
        if let Some(cmdb) = cmdb {
            // The CIs' names in CMDB order (id, class, service,
            // environment), interned on every core.
            let runs = parallel::map(
                &parallel::ranges(cmdb.cis.len(), runs_of(cmdb.cis.len())),
                |r| {
                    let mut run: Vec<&str> = Vec::new();
                    for ci in cmdb.cis.get(r.clone()).unwrap_or(&[]) {
                        run.push(&ci.id);
                        run.push(&ci.class);
                        run.extend(ci.service.as_deref());
                        run.extend(ci.environment.as_deref());
                    }
                    run
                },
            );
            let ids = names.intern_runs(&runs);
            let mut ids = ids.iter().flatten().copied();
            let mut next = || ids.next().unwrap_or(MAX_ID);
            for ci in &cmdb.cis {
                let id = next();
                let class = next();
                let service = ci.service.as_deref().map(|_| next());
                let environment = ci.environment.as_deref().map(|_| next());
                let at = id as usize;
                if ci_docs.len() <= at {
                    ci_docs.resize_with(at.saturating_add(1), || None);
                }
                if let Some(slot) = ci_docs.get_mut(at) {
                    *slot = Some(CiDoc {
                        windows: ci
                            .maintenance_windows
                            .iter()
                            .filter_map(|w| window_ids.get(w.as_str()).copied())
                            .collect(),
                        class,
                        service,
                        environment,
                    });
                }
            }
        }
        // Every item's names in schedule order (per part its CIs and
        // implementer, then the services and environments), interned on
        // every core; `add_item` takes them in the same order.
        let ranges = parallel::ranges(item_count, runs_of(item_count));
        let runs = parallel::map(&ranges, |r| {
            let mut run: Vec<&str> = Vec::new();
            for i in r.clone() {
                if let Some(rel) = schedule.releases.get(i) {
                    run.extend(rel.affected_cis.iter().map(String::as_str));
                    for c in &rel.changes {
                        run.extend(c.affected_cis.iter().map(String::as_str));
                        run.extend(c.implementer.as_deref());
                    }
                    run.extend(rel.services.iter().map(String::as_str));
                    run.extend(rel.environments.iter().map(String::as_str));
                } else if let Some(c) = i
                    .checked_sub(schedule.releases.len())
                    .and_then(|i| schedule.changes.get(i))
                {
                    run.extend(c.affected_cis.iter().map(String::as_str));
                    run.extend(c.implementer.as_deref());
                }
            }
            run
        });
        let item_names = names.intern_runs(&runs);
        drop(runs);
        // The items, built in the same runs on every core and joined in
        // order (an implementer touch's CI list index shifted by the runs
        // before it): what one pass over the schedule would build.
        let jobs: Vec<(std::ops::Range<usize>, &[u32])> = ranges
            .iter()
            .cloned()
            .zip(item_names.iter().map(Vec::as_slice))
            .collect();
        let built = parallel::map(&jobs, |(r, ids)| {
            let mut b = Built::default();
            let mut item_names = ids.iter().copied();
            let mut add_item = |b: &mut Built,
                                index: u32,
                                id: &str,
                                origin: (bool, usize),
                                state: Option<State>,
                                main: Option<Interval>,
                                parts: &[(Option<Interval>, &[String], Option<&str>)],
                                services: &[String],
                                environments: &[String],
                                depends_on: &[String]| {
                let active =
                    !matches!(state, Some(State::Cancelled | State::Closed)) && exclude != Some(id);
                let mut cis = Vec::new();
                let mut windows = Vec::new();
                let mut implementers = Vec::new();
                let mut span = main;
                let mut unscheduled = false;
                for (w, part_cis, implementer) in parts.iter().copied() {
                    let first = cis.len();
                    for _ in part_cis {
                        cis.push(item_names.next().unwrap_or(MAX_ID));
                    }
                    let who = implementer.map(|_| item_names.next().unwrap_or(MAX_ID));
                    if let Some(who) = who {
                        implementers.push(who);
                    }
                    let Some(w) = w.or(main) else {
                        unscheduled |= !part_cis.is_empty();
                        continue;
                    };
                    if main.is_none() {
                        span = Some(hull(span, w));
                    }
                    windows.push(w);
                    if active {
                        let these = cis.get(first..).unwrap_or(&[]);
                        for c in these {
                            b.ci_touches.push(Touch {
                                item: index,
                                key: *c,
                                iv: w,
                                cis: 0,
                            });
                        }
                        if let Some(who) = who {
                            let mut these = these.to_vec();
                            these.sort_unstable();
                            these.dedup();
                            b.work.push(Touch {
                                item: index,
                                key: who,
                                iv: w,
                                cis: b.work_cis.len() as u32,
                            });
                            b.work_cis.push(these);
                        }
                    }
                }
                if let Some(s) = main {
                    windows.push(s);
                }
                if (unscheduled || span.is_none()) && exclude != Some(id) {
                    b.warnings.push(Warning::new(
                        "unscheduled_item",
                        path_of(origin),
                        format!("`{id}` has no planned window: only its dependencies are checked"),
                    ));
                }
                if let (Some(s), true) = (span, active) {
                    b.range = Some(hull(b.range, s));
                }
                for v in [&mut cis, &mut implementers] {
                    v.sort_unstable();
                    v.dedup();
                }
                windows.sort_unstable();
                windows.dedup();
                let mut classes = Vec::new();
                let mut svc: Vec<u32> = services
                    .iter()
                    .map(|_| item_names.next().unwrap_or(MAX_ID))
                    .collect();
                let mut env: Vec<u32> = environments
                    .iter()
                    .map(|_| item_names.next().unwrap_or(MAX_ID))
                    .collect();
                for c in &cis {
                    if let Some(Some(a)) = ci_docs.get(*c as usize) {
                        classes.push(a.class);
                        svc.extend(a.service);
                        env.extend(a.environment);
                    }
                }
                for v in [&mut classes, &mut svc, &mut env] {
                    v.sort_unstable();
                    v.dedup();
                }
                b.items.push(Item {
                    id: Arc::from(id),
                    origin,
                    state,
                    span,
                    windows,
                    cis,
                    classes,
                    services: svc,
                    environments: env,
                    implementers,
                    depends_on: depends_on.into(),
                    active,
                });
            };

            let mut parts = Vec::new();
            for i in r.clone() {
                let index = u32::try_from(i).unwrap_or(u32::MAX);
                if let Some(rel) = schedule.releases.get(i) {
                    let main = window_of(&rel.planned_start, &rel.planned_end);
                    parts.clear();
                    parts.push((main, rel.affected_cis.as_slice(), None));
                    for c in &rel.changes {
                        let own = window_of(&c.planned_start, &c.planned_end);
                        parts.push((
                            own.or(main),
                            c.affected_cis.as_slice(),
                            c.implementer.as_deref(),
                        ));
                    }
                    add_item(
                        &mut b,
                        index,
                        &rel.id,
                        (false, i),
                        Some(rel.state),
                        main,
                        &parts,
                        &rel.services,
                        &rel.environments,
                        &rel.depends_on,
                    );
                } else if let Some((ci, c)) = i
                    .checked_sub(schedule.releases.len())
                    .and_then(|ci| schedule.changes.get(ci).map(|c| (ci, c)))
                {
                    let own = window_of(&c.planned_start, &c.planned_end);
                    add_item(
                        &mut b,
                        index,
                        &c.id,
                        (true, ci),
                        None,
                        own,
                        &[(own, c.affected_cis.as_slice(), c.implementer.as_deref())],
                        &[],
                        &[],
                        &[],
                    );
                }
            }
            b
        });
        let mut items = Vec::with_capacity(item_count);
        let mut ci_touches = Vec::new();
        let mut work = Vec::new();
        let mut work_cis: Vec<Vec<u32>> = Vec::new();
        let mut warnings = Vec::new();
        let mut range: Option<Interval> = None;
        for mut b in built {
            let shift = u32::try_from(work_cis.len()).unwrap_or(u32::MAX);
            items.append(&mut b.items);
            ci_touches.append(&mut b.ci_touches);
            work.extend(b.work.into_iter().map(|t| Touch {
                cis: t.cis.saturating_add(shift),
                ..t
            }));
            work_cis.append(&mut b.work_cis);
            warnings.append(&mut b.warnings);
            if let Some(r) = b.range {
                range = Some(hull(range, r));
            }
        }
        let mut item_ids = HashMap::with_capacity_and_hasher(items.len(), Default::default());
        for (i, it) in items.iter().enumerate() {
            item_ids.insert(Arc::clone(&it.id), i as u32);
        }

        // The CMDB as an undirected graph (only needed for related CIs),
        // each edge once per direction, neighbours sorted.
        let mut edges: Vec<(u32, u32)> = Vec::new();
        if policy.related_ci_depth > 0 {
            if let Some(cmdb) = cmdb {
                edges.reserve(cmdb.relationships.len().saturating_mul(2));
                for rel in &cmdb.relationships {
                    let (Some(a), Some(b)) = (names.get(&rel.from), names.get(&rel.to)) else {
                        continue;
                    };
                    if a == b {
                        continue;
                    }
                    edges.push((a, b));
                    edges.push((b, a));
                }
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let mut offsets = vec![0u32; names.len().saturating_add(1)];
        for (a, _) in &edges {
            if let Some(o) = offsets.get_mut((*a as usize).saturating_add(1)) {
                *o = o.saturating_add(1);
            }
        }
        for i in 1..offsets.len() {
            let before = offsets.get(i.wrapping_sub(1)).copied().unwrap_or(0);
            if let Some(o) = offsets.get_mut(i) {
                *o = o.saturating_add(before);
            }
        }
        let adjacent: Vec<u32> = edges.into_iter().map(|(_, b)| b).collect();

        let range = match (range, extra_range) {
            (Some(r), Some((a, b))) => (r.start.min(a), r.end.max(b)),
            (Some(r), None) => (r.start, r.end),
            (None, Some(x)) => x,
            (None, None) => (0, 0),
        };
        let mut blackouts = Vec::new();
        let mut scoped_windows = Vec::new();
        if let Some(cal) = calendar {
            for (i, b) in cal.blackouts.iter().enumerate() {
                let path = format!("calendar.blackouts[{i}]");
                let (_, occ) = occurrences.expand(
                    b.start.as_ref(),
                    b.end.as_ref(),
                    b.recurrence.as_ref(),
                    range,
                    policy.max_occurrences,
                    &path,
                )?;
                let occurrences = occ.to_vec();
                let longest = occurrences.iter().map(Interval::len).max().unwrap_or(0);
                blackouts.push(BlackoutOcc {
                    id: b.id.clone(),
                    name: b.name.clone(),
                    severity: b.severity,
                    scope: ScopeSets::new(b.scope.as_ref(), &names),
                    occurrences,
                    longest,
                });
            }
            for (i, w) in cal.maintenance_windows.iter().enumerate() {
                if w.scope.is_some() {
                    scoped_windows.push((i, ScopeSets::new(w.scope.as_ref(), &names)));
                }
            }
        }
        let keys = names.len();
        Ok(Model {
            policy: policy.clone(),
            names,
            items,
            item_ids,
            by_ci: Index::new(ci_touches, keys),
            by_implementer: Index::new(work, keys),
            work_cis,
            ci_docs,
            offsets,
            adjacent,
            calendar: calendar.cloned(),
            range,
            blackouts,
            scoped_windows,
            occurrences,
            window_sets: Mutex::new(HashMap::default()),
            per_ci: std::iter::repeat_with(OnceLock::new).take(keys).collect(),
            warnings,
        })
    }

    /// The CMDB CI of name id `c` with its interned attributes.
    pub(crate) fn ci_attrs(&self, c: u32) -> Option<&CiDoc> {
        self.ci_docs.get(c as usize).and_then(Option::as_ref)
    }

    pub(crate) fn item(&self, i: u32) -> Option<&Item> {
        self.items.get(i as usize)
    }

    pub(crate) fn strict(&self) -> bool {
        self.policy.allow_contiguous
    }

    /// The CMDB neighbours of name id `c`, sorted.
    fn neighbours(&self, c: u32) -> &[u32] {
        let a = self.offsets.get(c as usize).copied().unwrap_or(0) as usize;
        let b = self
            .offsets
            .get((c as usize).saturating_add(1))
            .copied()
            .unwrap_or(0) as usize;
        self.adjacent.get(a..b).unwrap_or(&[])
    }

    /// CIs within `1..=depth` CMDB hops of `c` (either direction), sorted.
    pub(crate) fn related(&self, c: u32) -> Vec<u32> {
        let depth = self.policy.related_ci_depth;
        if self.neighbours(c).is_empty() {
            return Vec::new();
        }
        if depth == 1 {
            return self.neighbours(c).to_vec();
        }
        let mut seen: BTreeSet<u32> = BTreeSet::from([c]);
        let mut frontier = vec![c];
        let mut out = Vec::new();
        for _ in 1..=depth {
            let mut next = Vec::new();
            for n in frontier {
                for m in self.neighbours(n) {
                    if seen.insert(*m) {
                        next.push(*m);
                        out.push(*m);
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
    pub(crate) fn maintenance(&self, c: u32) -> Result<Option<Maintenance>> {
        let Some(cal) = &self.calendar else {
            return Ok(None);
        };
        let slot = self.per_ci.get(c as usize);
        if let Some(m) = slot.and_then(OnceLock::get) {
            return Ok(m.clone());
        }
        let m = self.work_out_maintenance(cal, c)?;
        if let Some(slot) = slot {
            // Another thread may have set it meanwhile: the same value.
            let _ = slot.set(m.clone());
        }
        Ok(m)
    }

    /// [`Model::maintenance`] without the per-CI cache.
    fn work_out_maintenance(&self, cal: &Calendar, c: u32) -> Result<Option<Maintenance>> {
        let ci = self.ci_attrs(c);
        let mut idx: Vec<usize> = Vec::new();
        if let Some(ci) = ci {
            idx.extend(ci.windows.iter().copied());
        }
        for (i, scope) in &self.scoped_windows {
            let hit =
                scope.all || scope.cis.contains(&c) || ci.is_some_and(|a| scope.attrs_match(a));
            if hit {
                idx.push(*i);
            }
        }
        if idx.is_empty() {
            return Ok(None);
        }
        idx.sort_unstable();
        idx.dedup();
        let sets = || {
            self.window_sets
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if let Some(m) = sets().get(&idx) {
            return Ok(Some(m.clone()));
        }
        let ids: Arc<[usize]> = idx
            .iter()
            .copied()
            .filter(|i| cal.maintenance_windows.get(*i).is_some())
            .collect();
        let mut patterns = Vec::with_capacity(idx.len());
        for i in &idx {
            let Some(w) = cal.maintenance_windows.get(*i) else {
                continue;
            };
            patterns.push(self.occurrences.window(
                *i,
                w.start.as_ref(),
                w.end.as_ref(),
                w.recurrence.as_ref(),
                self.range,
                self.policy.max_occurrences,
            )?);
        }
        let m = (self.occurrences.merged(patterns), ids);
        sets().insert(idx, m.clone());
        Ok(Some(m))
    }

    /// The id of item `i`.
    pub(crate) fn id(&self, i: u32) -> &str {
        self.item(i).map_or("", |it| &it.id)
    }

    /// The id of maintenance window `i` of the calendar.
    pub(crate) fn window_id(&self, i: usize) -> &str {
        self.calendar
            .as_ref()
            .and_then(|c| c.maintenance_windows.get(i))
            .map_or("", |w| w.id.as_str())
    }

    /// The text of interned name `n` (a CI, implementer, class…).
    pub(crate) fn name(&self, n: u32) -> &str {
        self.names.name(n).map_or("", |s| s)
    }

    /// Whether the schedule has a calendar.
    pub(super) fn has_calendar(&self) -> bool {
        self.calendar.is_some()
    }
}

/// The merged occurrences of a CI's maintenance windows, and the windows
/// (indices into the calendar's maintenance windows).
pub(crate) type Maintenance = (Arc<Vec<Interval>>, Arc<[usize]>);
