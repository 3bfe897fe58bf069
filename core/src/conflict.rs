//! Conflict detection over a schedule (SPEC §4).
//!
//! Decides: which scheduled releases and bare changes collide — the same CI
//! (`ci_overlap`), CMDB-related CIs (`related_ci_overlap`), a blackout
//! (`blackout`), a CI touched outside its maintenance windows
//! (`outside_maintenance_window`), one implementer twice at once
//! (`assignee_overlap`), dependencies out of order or missing
//! (`dependency_order`), a `depends_on` cycle (`dependency_cycle`) and too
//! many items at once on a service or environment (`capacity`) — each
//! conflict with its severity, items, CIs, overlapping window and an
//! explanation.
//!
//! Needs: a [`Schedule`] — its releases and changes with their windows,
//! the CMDB (relationships, classes, services, environments, maintenance
//! window references), the calendar and the policy's `conflicts` section.
//!
//! Cost: touches are indexed by CI (and implementer) and swept in time
//! order, so the work grows with the number of touches plus the number of
//! overlaps found, never with the number of item pairs.

use crate::calendar::{self, Interval};
use crate::document::{BlackoutSeverity, Calendar, Cmdb, ConfigurationItem, Extra, Scope, State};
use crate::error::{Error, Result, Warning};
use crate::policy::{ConflictPolicy, Policy};
use crate::{Schedule, Timestamp};
use petgraph::graph::{NodeIndex, UnGraph};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: a fast hash for the short keys of the indexes (ids, small
/// integers); inputs are the caller's own documents, not an attacker's
/// stream, so SipHash's flooding defence buys nothing here.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        // One multiply-xorshift round per word (integers need no byte loop).
        let h = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A hash map with the [`Fnv`] hasher.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Fnv>>;

pub use crate::document::{ConflictKind, Severity};

/// A window of time, start inclusive, end exclusive (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Window {
    /// Start.
    pub start: Timestamp,
    /// End.
    pub end: Timestamp,
}

impl Window {
    /// The window of an interval of Unix seconds.
    pub fn of(iv: Interval) -> Window {
        Window {
            start: Timestamp::from_utc(iv.start_utc()),
            end: Timestamp::from_utc(iv.end_utc()),
        }
    }
}

/// One conflict: its kind, severity, the items and CIs involved, the
/// overlapping window and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Conflict {
    /// The rule that fired.
    pub kind: ConflictKind,
    /// Block or warn (from the policy; a warning blackout and a missing
    /// dependency always warn).
    pub severity: Severity,
    /// The release / change ids involved, sorted (for `dependency_order`
    /// the dependent release and the release it depends on).
    pub items: Vec<String>,
    /// Every CI involved, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis: Vec<String>,
    /// The overlapping window (for pairs, from the first overlap to the end
    /// of the last); absent for kinds without one (cycles, missing or
    /// cancelled dependencies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// Why, in one sentence.
    pub explanation: String,
    /// The data the rule looked at (blackout id, maintenance windows,
    /// related CI pairs, capacity limit, cycle path…).
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub details: Extra,
}

/// The verdict of [`detect_conflicts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConflictReport {
    /// Every conflict, sorted by kind, items and window start.
    pub conflicts: Vec<Conflict>,
    /// How many conflicts block.
    pub blocking: usize,
    /// What was odd but did not decide the verdict.
    pub warnings: Vec<Warning>,
}

impl ConflictReport {
    /// True when at least one conflict blocks.
    pub fn has_blocking(&self) -> bool {
        self.blocking > 0
    }
}

/// Detects every conflict of `schedule` under its own policy (or the
/// default). Errors: `invalid_input` / `invalid_policy` for a schedule that
/// does not validate (paths as in the document), `limit_exceeded` when a
/// calendar entry expands to more occurrences than the policy allows.
pub fn detect_conflicts(schedule: &Schedule) -> Result<ConflictReport> {
    let policy = schedule.policy.clone().unwrap_or_default();
    detect_with_policy(schedule, &policy)
}

/// [`detect_conflicts`] under `policy` instead of the schedule's own.
pub fn detect_with_policy(schedule: &Schedule, policy: &Policy) -> Result<ConflictReport> {
    let mut warnings = validate(schedule)?;
    let problems = policy.check("policy");
    if !problems.is_empty() {
        return Err(Error::InvalidPolicy { problems });
    }
    policy.check_limits("policy")?;
    let model = Model::build(schedule, &policy.conflicts, None, None)?;
    let mut found = model.detect()?;
    warnings.append(&mut found.warnings);
    found.warnings = warnings;
    Ok(found)
}

/// Checks what detection relies on, collecting every problem with the
/// paths `parse` would report: windows in order, bare changes scheduled,
/// unique item ids, no self-dependency, calendar periods that expand
/// (valid recurrences, ends after starts, non-empty scopes), schema
/// versions. The full semantic validation of `parse` (which also warns
/// about unknown CIs) is not repeated: a schedule from `parse` has passed
/// it, and it costs more than detection on large schedules.
pub(crate) fn validate(schedule: &Schedule) -> Result<Vec<Warning>> {
    use crate::error::Problem;
    let mut problems: Vec<Problem> = Vec::new();
    let version = |path: &str, v: Option<u32>| -> Result<()> {
        match v {
            Some(v) if v != crate::SCHEMA_VERSION => Err(Error::UnsupportedVersion {
                path: path.to_string(),
                found: Value::from(v),
                supported: crate::SCHEMA_VERSION,
            }),
            _ => Ok(()),
        }
    };
    version("schema_version", schedule.schema_version)?;
    let window =
        |base: &str, s: &Option<Timestamp>, e: &Option<Timestamp>, problems: &mut Vec<Problem>| {
            if let (Some(s), Some(e)) = (s, e) {
                if e <= s {
                    problems.push(Problem::new(
                        crate::foundation::path::join(base, "planned_end"),
                        format!("must be after planned_start ({e} is not after {s})"),
                    ));
                }
            }
        };
    let mut ids: HashMap<&str, String> = HashMap::default();
    for (i, r) in schedule.releases.iter().enumerate() {
        let base = format!("releases[{i}]");
        version(&format!("{base}.schema_version"), r.schema_version)?;
        window(&base, &r.planned_start, &r.planned_end, &mut problems);
        for (j, c) in r.changes.iter().enumerate() {
            if c.planned_start.is_some() && c.planned_end.is_some() {
                window(
                    &format!("{base}.changes[{j}]"),
                    &c.planned_start,
                    &c.planned_end,
                    &mut problems,
                );
            }
        }
        for (k, d) in r.depends_on.iter().enumerate() {
            if *d == r.id {
                problems.push(Problem::new(
                    format!("{base}.depends_on[{k}]"),
                    format!("release `{d}` cannot depend on itself"),
                ));
            }
        }
        if let Some(first) = ids.insert(&r.id, base.clone()) {
            problems.push(Problem::new(
                format!("{base}.id"),
                format!("duplicate item id `{}` (first at {first})", r.id),
            ));
        }
    }
    for (i, c) in schedule.changes.iter().enumerate() {
        let base = format!("changes[{i}]");
        if c.planned_start.is_none() || c.planned_end.is_none() {
            problems.push(Problem::new(
                base.clone(),
                "a change scheduled outside a release needs planned_start and planned_end",
            ));
        }
        window(&base, &c.planned_start, &c.planned_end, &mut problems);
        if let Some(first) = ids.insert(&c.id, base.clone()) {
            problems.push(Problem::new(
                format!("{base}.id"),
                format!("duplicate item id `{}` (first at {first})", c.id),
            ));
        }
    }
    if let Some(cal) = &schedule.calendar {
        version("calendar.schema_version", cal.schema_version)?;
        let periods = cal
            .blackouts
            .iter()
            .enumerate()
            .map(|(i, b)| {
                (
                    format!("calendar.blackouts[{i}]"),
                    &b.start,
                    &b.end,
                    &b.recurrence,
                    &b.scope,
                )
            })
            .chain(cal.maintenance_windows.iter().enumerate().map(|(i, w)| {
                (
                    format!("calendar.maintenance_windows[{i}]"),
                    &w.start,
                    &w.end,
                    &w.recurrence,
                    &w.scope,
                )
            }));
        for (path, start, end, recurrence, scope) in periods {
            // An empty range checks the period without expanding it.
            if let Err(e) = calendar::period_occurrences(
                start.as_ref(),
                end.as_ref(),
                recurrence.as_ref(),
                (0, 0),
                1,
                &path,
            ) {
                problems.extend(e.problems().iter().cloned());
            }
            if scope.as_ref().is_some_and(Scope::is_empty) {
                problems.push(Problem::new(
                    crate::foundation::path::join(&path, "scope"),
                    "scope names nothing; use {\"all\": true} or list CIs, classes, services or environments",
                ));
            }
        }
    }
    if let Some(cmdb) = &schedule.cmdb {
        version("cmdb.schema_version", cmdb.schema_version)?;
    }
    if let Some(policy) = &schedule.policy {
        version("policy.schema_version", policy.schema_version)?;
    }
    if problems.is_empty() {
        Ok(Vec::new())
    } else {
        Err(Error::InvalidInput { problems })
    }
}

/// Strings of the schedule interned as small integers.
#[derive(Default)]
pub(crate) struct Names<'a> {
    ids: HashMap<&'a str, u32>,
    names: Vec<&'a str>,
}

impl<'a> Names<'a> {
    pub(crate) fn intern(&mut self, s: &'a str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(s);
        self.ids.insert(s, id);
        id
    }

    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    pub(crate) fn name(&self, id: u32) -> &'a str {
        self.names.get(id as usize).copied().unwrap_or("")
    }

    fn len(&self) -> usize {
        self.names.len()
    }
}

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

/// Whether two windows overlap; with `strict`, back-to-back windows do not.
pub(crate) fn overlaps(a: Interval, b: Interval, strict: bool) -> bool {
    if strict {
        a.start < b.end && b.start < a.end
    } else {
        a.start <= b.end && b.start <= a.end
    }
}

fn intersection(a: Interval, b: Interval) -> Interval {
    Interval {
        start: a.start.max(b.start),
        end: a.end.min(b.end),
    }
}

fn hull(a: Option<Interval>, b: Interval) -> Interval {
    match a {
        None => b,
        Some(a) => Interval {
            start: a.start.min(b.start),
            end: a.end.max(b.end),
        },
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
    fn new(scope: Option<&Scope>, names: &Names<'_>) -> ScopeSets {
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
    fn matches(&self, item: &Item<'_>, model: &Model<'_>) -> Option<Vec<u32>> {
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
    pub(crate) names: Names<'a>,
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
        let mut names = Names::default();
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
                            names: &mut Names<'a>,
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
        let _ = names.len();
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

    /// Runs every rule.
    fn detect(self) -> Result<ConflictReport> {
        let mut out = Vec::new();
        let ci_pairs = self.pair_sweep(&self.by_ci, false);
        let mut related: BTreeMap<(u32, u32), Pair> = BTreeMap::new();
        if self.policy.related_ci_depth > 0 {
            self.related_pairs(&ci_pairs, &mut related);
        }
        for ((a, b), p) in &ci_pairs {
            let (a, b) = &self.by_id(*a, *b);
            let cis = self.ci_names(&p.cis);
            let explanation = format!(
                "{} and {} both touch {} between {} and {}",
                self.id(*a),
                self.id(*b),
                cis.join(", "),
                fmt(p.window.start),
                fmt(p.window.end)
            );
            out.push(self.conflict(
                ConflictKind::CiOverlap,
                &[*a, *b],
                cis,
                Some(p.window),
                explanation,
                Extra::new(),
            ));
        }
        for ((a0, b0), p) in &related {
            let (a, b) = &self.by_id(*a0, *b0);
            let swapped = a != a0;
            let cis = self.ci_names(&p.cis);
            // Each link as [CI of the first item, CI of the second], by name.
            let mut links: Vec<(&str, &str)> = p
                .links
                .iter()
                .map(|(x, y)| {
                    let (x, y) = if swapped { (y, x) } else { (x, y) };
                    (self.names.name(*x), self.names.name(*y))
                })
                .collect();
            links.sort_unstable();
            let pairs: Vec<Value> = links.iter().map(|(x, y)| json!([x, y])).collect();
            let shown: Vec<String> = links.iter().map(|(x, y)| format!("{x} ~ {y}")).collect();
            let explanation = format!(
                "{} and {} touch related CIs ({}; within {} CMDB hop{}) between {} and {}",
                self.id(*a),
                self.id(*b),
                shown.join(", "),
                self.policy.related_ci_depth,
                if self.policy.related_ci_depth == 1 {
                    ""
                } else {
                    "s"
                },
                fmt(p.window.start),
                fmt(p.window.end)
            );
            let mut d = Extra::new();
            d.insert("related".into(), Value::Array(pairs));
            d.insert("depth".into(), json!(self.policy.related_ci_depth));
            out.push(self.conflict(
                ConflictKind::RelatedCiOverlap,
                &[*a, *b],
                cis,
                Some(p.window),
                explanation,
                d,
            ));
        }
        self.blackout_conflicts(&mut out);
        self.maintenance_conflicts(&mut out)?;
        for ((a, b), p) in &self.pair_sweep(&self.by_implementer, true) {
            let (a, b) = &self.by_id(*a, *b);
            let who: Vec<&str> = p.keys.iter().map(|k| self.names.name(*k)).collect();
            let cis = self.ci_names(&p.cis);
            let explanation = format!(
                "{} implements both {} and {}, which overlap between {} and {}",
                who.join(", "),
                self.id(*a),
                self.id(*b),
                fmt(p.window.start),
                fmt(p.window.end)
            );
            let mut d = Extra::new();
            d.insert("implementers".into(), json!(who));
            out.push(self.conflict(
                ConflictKind::AssigneeOverlap,
                &[*a, *b],
                cis,
                Some(p.window),
                explanation,
                d,
            ));
        }
        self.dependency_conflicts(&mut out);
        self.capacity_conflicts(&mut out);
        out.sort_by(|x, y| {
            (
                x.kind,
                &x.items,
                x.window.as_ref().map(|w| &w.start),
                &x.explanation,
            )
                .cmp(&(
                    y.kind,
                    &y.items,
                    y.window.as_ref().map(|w| &w.start),
                    &y.explanation,
                ))
        });
        let blocking = out.iter().filter(|c| c.severity == Severity::Block).count();
        Ok(ConflictReport {
            conflicts: out,
            blocking,
            warnings: self.warnings,
        })
    }

    /// A pair of items, the smaller id first.
    fn by_id(&self, a: u32, b: u32) -> (u32, u32) {
        if self.id(a) <= self.id(b) {
            (a, b)
        } else {
            (b, a)
        }
    }

    pub(crate) fn id(&self, i: u32) -> &'a str {
        self.item(i).map_or("", |it| it.id)
    }

    fn ci_names(&self, cis: &BTreeSet<u32>) -> Vec<String> {
        let mut v: Vec<String> = cis
            .iter()
            .map(|c| self.names.name(*c).to_string())
            .collect();
        v.sort();
        v
    }

    fn conflict(
        &self,
        kind: ConflictKind,
        items: &[u32],
        cis: Vec<String>,
        window: Option<Interval>,
        explanation: String,
        details: Extra,
    ) -> Conflict {
        let mut ids: Vec<String> = items.iter().map(|i| self.id(*i).to_string()).collect();
        ids.sort();
        ids.dedup();
        Conflict {
            kind,
            severity: self.policy.severity.of(kind),
            items: ids,
            cis,
            window: window.map(Window::of),
            explanation,
            details,
        }
    }

    /// Pairs of items whose touches of one key overlap (a sweep per key).
    fn pair_sweep(&self, index: &Index, implementers: bool) -> BTreeMap<(u32, u32), Pair> {
        let strict = self.strict();
        let mut pairs: HashMap<(u32, u32), Pair> = HashMap::default();
        let mut active: Vec<Touch> = Vec::new();
        let mut key = None;
        for t in &index.touches {
            if key != Some(t.key) {
                active.clear();
                key = Some(t.key);
            }
            active.retain(|a| {
                if strict {
                    a.iv.end > t.iv.start
                } else {
                    a.iv.end >= t.iv.start
                }
            });
            for a in &active {
                if a.item == t.item {
                    continue;
                }
                let k = (a.item.min(t.item), a.item.max(t.item));
                let p = pairs.entry(k).or_default();
                p.add(intersection(a.iv, t.iv));
                p.keys.insert(t.key);
                if implementers {
                    for c in [a.cis, t.cis] {
                        if let Some(list) = self.work_cis.get(c as usize) {
                            p.cis.extend(list.iter().copied());
                        }
                    }
                } else {
                    p.cis.insert(t.key);
                }
            }
            active.push(*t);
        }
        pairs.into_iter().collect()
    }

    fn related_pairs(
        &self,
        ci_pairs: &BTreeMap<(u32, u32), Pair>,
        out: &mut BTreeMap<(u32, u32), Pair>,
    ) {
        let strict = self.strict();
        let mut cache: HashMap<u32, Vec<u32>> = HashMap::default();
        for t in &self.by_ci.touches {
            let rel = cache.entry(t.key).or_insert_with(|| self.related(t.key));
            for r in rel.iter() {
                if *r == t.key {
                    continue;
                }
                for u in self.by_ci.overlapping(*r, t.iv, strict) {
                    if u.item == t.item {
                        continue;
                    }
                    let k = (t.item.min(u.item), t.item.max(u.item));
                    if ci_pairs.contains_key(&k) {
                        continue;
                    }
                    let p = out.entry(k).or_default();
                    p.add(intersection(t.iv, u.iv));
                    p.cis.insert(t.key);
                    p.cis.insert(*r);
                    // Each link once, in the pair's item order.
                    let link = if t.item < u.item {
                        (t.key, *r)
                    } else {
                        (*r, t.key)
                    };
                    p.links.insert(link);
                }
            }
        }
    }

    fn blackout_conflicts(&self, out: &mut Vec<Conflict>) {
        for (i, item) in self.items.iter().enumerate() {
            if !item.active {
                continue;
            }
            for b in &self.blackouts {
                let mut window: Option<Interval> = None;
                for w in &item.windows {
                    for o in b.overlapping(*w) {
                        window = Some(hull(window, intersection(*o, *w)));
                    }
                }
                let Some(window) = window else { continue };
                let Some(cis) = b.scope.matches(item, self) else {
                    continue;
                };
                let cis: BTreeSet<u32> = cis.into_iter().collect();
                let explanation = format!(
                    "{} falls inside {} blackout {} ({}) between {} and {}",
                    item.id,
                    match b.severity {
                        BlackoutSeverity::Block => "blocking",
                        BlackoutSeverity::Warn => "warning",
                    },
                    b.id,
                    b.name,
                    fmt(window.start),
                    fmt(window.end)
                );
                let mut d = Extra::new();
                d.insert("blackout".into(), json!(b.id));
                d.insert("blackout_severity".into(), json!(b.severity));
                let mut c = self.conflict(
                    ConflictKind::Blackout,
                    &[i as u32],
                    self.ci_names(&cis),
                    Some(window),
                    explanation,
                    d,
                );
                if b.severity == BlackoutSeverity::Warn {
                    c.severity = Severity::Warn;
                }
                out.push(c);
            }
        }
    }

    fn maintenance_conflicts(&self, out: &mut Vec<Conflict>) -> Result<()> {
        if self.calendar.is_none() {
            return Ok(());
        }
        let mut cache: HashMap<u32, Option<Maintenance<'a>>> = HashMap::default();
        let mut hits: BTreeMap<u32, OutsideHits<'a>> = BTreeMap::new();
        for t in &self.by_ci.touches {
            let m = match cache.get(&t.key) {
                Some(m) => m.clone(),
                None => {
                    let m = self.maintenance(t.key)?;
                    cache.insert(t.key, m.clone());
                    m
                }
            };
            let Some((merged, ids)) = m else { continue };
            if fits(&merged, t.iv) {
                continue;
            }
            let e = hits.entry(t.item).or_default();
            e.0.insert(t.key);
            e.1 = Some(hull(e.1, t.iv));
            e.2.extend(ids.iter().copied());
        }
        for (item, (cis, window, ids)) in hits {
            let names = self.ci_names(&cis);
            let explanation = format!(
                "{} touches {} outside {} maintenance windows ({})",
                self.id(item),
                names.join(", "),
                if names.len() == 1 { "its" } else { "their" },
                ids.iter().copied().collect::<Vec<_>>().join(", ")
            );
            let mut d = Extra::new();
            d.insert("maintenance_windows".into(), json!(ids));
            out.push(self.conflict(
                ConflictKind::OutsideMaintenanceWindow,
                &[item],
                names,
                window,
                explanation,
                d,
            ));
        }
        Ok(())
    }

    fn dependency_conflicts(&self, out: &mut Vec<Conflict>) {
        let mut graph = petgraph::graph::DiGraph::<u32, ()>::new();
        let nodes: Vec<NodeIndex> = (0..self.items.len() as u32)
            .map(|i| graph.add_node(i))
            .collect();
        for (bi, b) in self.items.iter().enumerate() {
            let bn = nodes.get(bi).copied();
            for dep in b.depends_on {
                let Some(ai) = self.item_ids.get(dep.as_str()).copied() else {
                    if b.active {
                        let mut c = Conflict {
                            kind: ConflictKind::DependencyOrder,
                            severity: Severity::Warn,
                            items: {
                                let mut v = vec![b.id.to_string(), dep.clone()];
                                v.sort();
                                v
                            },
                            cis: Vec::new(),
                            window: None,
                            explanation: format!(
                                "{} depends on {dep}, which is not in the schedule",
                                b.id
                            ),
                            details: Extra::new(),
                        };
                        c.details.insert("missing".into(), json!(dep));
                        out.push(c);
                    }
                    continue;
                };
                if let (Some(bn), Some(an)) = (bn, nodes.get(ai as usize).copied()) {
                    graph.add_edge(bn, an, ());
                }
                let Some(a) = self.item(ai) else { continue };
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
                    out.push(self.conflict(
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
                    out.push(self.conflict(
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
        for scc in petgraph::algo::tarjan_scc(&graph) {
            if scc.len() < 2 {
                continue;
            }
            let members: BTreeSet<u32> = scc
                .iter()
                .filter_map(|n| graph.node_weight(*n).copied())
                .collect();
            let path = cycle_path(self, &members);
            let ids: Vec<u32> = members.iter().copied().collect();
            let explanation = format!("depends_on forms a cycle: {}", path.join(" → "));
            let mut d = Extra::new();
            d.insert("cycle".into(), json!(path));
            out.push(self.conflict(
                ConflictKind::DependencyCycle,
                &ids,
                Vec::new(),
                None,
                explanation,
                d,
            ));
        }
    }

    fn capacity_conflicts(&self, out: &mut Vec<Conflict>) {
        for (li, limit) in self.policy.capacity.iter().enumerate() {
            let service = limit.service.as_deref().map(|s| self.names.get(s));
            let env = limit.environment.as_deref().map(|s| self.names.get(s));
            let spans: Vec<(u32, Interval)> = self
                .items
                .iter()
                .enumerate()
                .filter(|(_, it)| it.active && limit_matches(it, service, env))
                .filter_map(|(i, it)| it.span.map(|s| (i as u32, s)))
                .collect();
            for (window, members, peak) in
                over_capacity(&spans, limit.max_concurrent as usize, self.strict())
            {
                let what = describe_limit(limit);
                let explanation = format!(
                    "{peak} items at once on {what} (at most {} allowed) between {} and {}",
                    limit.max_concurrent,
                    fmt(window.start),
                    fmt(window.end)
                );
                let mut d = Extra::new();
                d.insert("limit".into(), json!(li));
                if let Some(s) = &limit.service {
                    d.insert("service".into(), json!(s));
                }
                if let Some(e) = &limit.environment {
                    d.insert("environment".into(), json!(e));
                }
                d.insert("max_concurrent".into(), json!(limit.max_concurrent));
                d.insert("peak".into(), json!(peak));
                let ids: Vec<u32> = members.into_iter().collect();
                out.push(self.conflict(
                    ConflictKind::Capacity,
                    &ids,
                    Vec::new(),
                    Some(window),
                    explanation,
                    d,
                ));
            }
        }
    }
}

/// The merged occurrences of a CI's maintenance windows, and their ids.
pub(crate) type Maintenance<'a> = (std::rc::Rc<Vec<Interval>>, Vec<&'a str>);

/// Per item: the CIs touched outside their windows, the hull of those
/// touches, the window ids.
type OutsideHits<'a> = (BTreeSet<u32>, Option<Interval>, BTreeSet<&'a str>);

/// Whether `iv` lies inside one of the merged, sorted intervals.
pub(crate) fn fits(merged: &[Interval], iv: Interval) -> bool {
    let i = merged.partition_point(|m| m.start <= iv.start);
    i.checked_sub(1)
        .and_then(|p| merged.get(p))
        .is_some_and(|m| iv.end <= m.end)
}

pub(crate) fn limit_matches(
    item: &Item<'_>,
    service: Option<Option<u32>>,
    env: Option<Option<u32>>,
) -> bool {
    let ok = |want: Option<Option<u32>>, have: &[u32]| match want {
        None => true,
        Some(None) => false,
        Some(Some(k)) => have.contains(&k),
    };
    ok(service, &item.services) && ok(env, &item.environments)
}

fn describe_limit(limit: &crate::policy::CapacityLimit) -> String {
    match (&limit.service, &limit.environment) {
        (Some(s), Some(e)) => format!("service {s} in {e}"),
        (Some(s), None) => format!("service {s}"),
        (None, Some(e)) => format!("environment {e}"),
        (None, None) => "the schedule".to_string(),
    }
}

/// Episodes where more than `max` spans are active at once: the window,
/// every item active during it, and the peak count.
pub(crate) fn over_capacity(
    spans: &[(u32, Interval)],
    max: usize,
    strict: bool,
) -> Vec<(Interval, BTreeSet<u32>, usize)> {
    // Events: (time, order, +1/-1, item); with `strict`, an end at t comes
    // before a start at t (back-to-back is not concurrent).
    let mut events: Vec<(i64, u8, u32)> = Vec::with_capacity(spans.len().saturating_mul(2));
    for (i, s) in spans {
        events.push((s.start, if strict { 1 } else { 0 }, *i));
        events.push((s.end, if strict { 0 } else { 1 }, *i));
    }
    // Starts are marked by the order byte that sorts them: remember which.
    let start_order = if strict { 1 } else { 0 };
    events.sort_unstable();
    let mut active: BTreeSet<u32> = BTreeSet::new();
    let mut out = Vec::new();
    let mut episode: Option<(i64, BTreeSet<u32>, usize)> = None;
    for (t, order, item) in events {
        if order == start_order {
            active.insert(item);
            if active.len() > max {
                let e = episode.get_or_insert_with(|| (t, BTreeSet::new(), 0));
                e.1.extend(active.iter().copied());
                e.2 = e.2.max(active.len());
            }
        } else {
            active.remove(&item);
            if active.len() <= max {
                if let Some((start, members, peak)) = episode.take() {
                    out.push((Interval { start, end: t }, members, peak));
                }
            }
        }
    }
    out
}

/// A cycle through the smallest member, by breadth-first search inside the
/// strongly connected component: `A → B → C → A`.
fn cycle_path(model: &Model<'_>, members: &BTreeSet<u32>) -> Vec<String> {
    let Some(&start) = members.iter().next() else {
        return Vec::new();
    };
    let deps = |i: u32| -> Vec<u32> {
        let mut v: Vec<u32> = model
            .item(i)
            .map(|it| {
                it.depends_on
                    .iter()
                    .filter_map(|d| model.item_ids.get(d.as_str()).copied())
                    .filter(|d| members.contains(d))
                    .collect()
            })
            .unwrap_or_default();
        v.sort_by_key(|d| model.id(*d));
        v
    };
    let mut parent: HashMap<u32, u32> = HashMap::default();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut end = None;
    'search: while let Some(n) = queue.pop_front() {
        for m in deps(n) {
            if m == start {
                end = Some(n);
                break 'search;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(m) {
                e.insert(n);
                queue.push_back(m);
            }
        }
    }
    let mut path = vec![start];
    if let Some(mut n) = end {
        let mut back = vec![];
        while n != start {
            back.push(n);
            match parent.get(&n) {
                Some(p) => n = *p,
                None => break,
            }
        }
        back.reverse();
        path.extend(back);
    }
    path.push(start);
    path.into_iter().map(|i| model.id(i).to_string()).collect()
}

/// Accumulates one item pair.
#[derive(Default)]
struct Pair {
    cis: BTreeSet<u32>,
    keys: BTreeSet<u32>,
    links: BTreeSet<(u32, u32)>,
    window: Interval,
    seen: bool,
}

impl Pair {
    fn add(&mut self, iv: Interval) {
        self.window = if self.seen {
            hull(Some(self.window), iv)
        } else {
            iv
        };
        self.seen = true;
    }
}

/// RFC 3339 UTC text of Unix seconds.
pub(crate) fn fmt(secs: i64) -> String {
    Timestamp::from_utc(calendar::utc(secs)).to_string()
}
