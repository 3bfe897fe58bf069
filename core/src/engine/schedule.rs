//! Scheduling: free slots for an item, and the deployment order of
//! releases (docs/conflicts.md).
//!
//! Decides: the earliest windows in which a release or bare change could
//! run without a blocking conflict ([`suggest_slots`]), and the waves in
//! which dependent releases can ship plus the critical path by planned
//! duration ([`deployment_order`]).
//!
//! Needs: the [`Schedule`] (items, CMDB, calendar, policy), the item's id,
//! the duration, and the start of the search — relman never reads a clock,
//! so the caller passes `now` — with a horizon; for the order, the releases
//! with their `depends_on` and planned windows.

use crate::calendar::Interval;
use crate::conflict::{self, fits, limit_matches, over_capacity, Model, Severity, Window};
use crate::error::{Error, Result, Warning};
use crate::policy::{ConflictPolicy, Policy};
use crate::{BlackoutSeverity, Release, Schedule, State, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The largest number of slots one call may ask for.
pub const MAX_SLOTS: usize = 1000;

/// The longest horizon a slot search may cover: ten years.
pub const MAX_HORIZON_SECS: u64 = 10 * 366 * 86_400;

/// The longest slot [`suggest_slots`] may be asked for, in seconds: the
/// span of representable dates, [`crate::calendar::MAX_DURATION_SECS`]
/// (a slot longer than the horizon is allowed, with a warning, and finds
/// nothing). One past it is `invalid_input` at `duration_secs`.
pub const MAX_DURATION_SECS: u64 = crate::calendar::MAX_DURATION_SECS;

/// The verdict of [`suggest_slots`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SlotSuggestion {
    /// The release or change the slots are for.
    pub item: String,
    /// The length of each slot, in seconds.
    pub duration_secs: u64,
    /// Start of the search (the caller's `now`).
    pub from: Timestamp,
    /// End of the search: every slot ends by then.
    pub until: Timestamp,
    /// The search step: slots start on multiples of it since the epoch.
    pub granularity_secs: u64,
    /// The earliest free windows, in order, none overlapping the one
    /// before (fewer than asked when the horizon runs out).
    pub slots: Vec<Window>,
    /// What was odd but did not decide the result.
    pub warnings: Vec<Warning>,
}

/// Closed ranges of start times `[lo, hi]` (Unix seconds) that would make
/// a conflict.
type Forbidden = Vec<(i64, i64)>;

/// The earliest `count` windows of `duration_secs` for item `item` of the
/// schedule, starting at or after `from` and ending by `from + horizon`,
/// that create no blocking conflict when the item is moved there: inside
/// the maintenance windows of its CIs and outside blocking blackouts
/// (whatever the policy's severities for those two kinds), and free of
/// every other kind the policy makes blocking. The item is moved whole:
/// all its CIs and implementers take the slot's window. Each slot is the
/// earliest free start on the search grid (the policy's
/// `slot_granularity_secs`, default 15 minutes) at or after the end of the
/// slot before.
///
/// Errors: `invalid_input` for an unknown item (`item`), a duration of 0
/// or over [`MAX_DURATION_SECS`] (`duration_secs`), a zero horizon
/// (`horizon_secs`) or count (`count`) or a schedule that does not
/// validate; `limit_exceeded` for a horizon over ten years, more than 1000
/// slots or a calendar that expands too far.
pub fn suggest_slots(
    item: &str,
    schedule: &Schedule,
    duration_secs: u64,
    from: &Timestamp,
    horizon_secs: u64,
    count: usize,
) -> Result<SlotSuggestion> {
    let policy = schedule.policy.clone().unwrap_or_default();
    suggest_slots_with_policy(
        item,
        schedule,
        duration_secs,
        from,
        horizon_secs,
        count,
        &policy,
    )
}

/// [`suggest_slots`] under `policy` instead of the schedule's own.
pub fn suggest_slots_with_policy(
    item: &str,
    schedule: &Schedule,
    duration_secs: u64,
    from: &Timestamp,
    horizon_secs: u64,
    count: usize,
    policy: &Policy,
) -> Result<SlotSuggestion> {
    let mut warnings = conflict::validate(schedule)?;
    let problems = policy.check("policy");
    if !problems.is_empty() {
        return Err(Error::InvalidPolicy { problems });
    }
    policy.check_limits("policy")?;
    let d = crate::calendar::check_duration(duration_secs, "duration_secs")?;
    if horizon_secs == 0 {
        return Err(Error::invalid_input("horizon_secs", "must be > 0"));
    }
    if count == 0 {
        return Err(Error::invalid_input("count", "must be at least 1"));
    }
    if horizon_secs > MAX_HORIZON_SECS {
        return Err(Error::LimitExceeded {
            path: "horizon_secs".into(),
            what: "slot search horizon in seconds".into(),
            limit: MAX_HORIZON_SECS,
            found: horizon_secs,
        });
    }
    if count > MAX_SLOTS {
        return Err(Error::LimitExceeded {
            path: "count".into(),
            what: "slots asked for".into(),
            limit: MAX_SLOTS as u64,
            found: count as u64,
        });
    }
    if duration_secs > horizon_secs {
        warnings.push(Warning::new(
            "duration_exceeds_horizon",
            "duration_secs",
            "the duration is longer than the horizon: no slot fits",
        ));
    }
    // Timestamps and durations are bounded far inside i64 (the range of
    // chrono's dates, MAX_DURATION_SECS, MAX_HORIZON_SECS): the saturating
    // operations below never saturate; they stop a wrap if that changes.
    let start = from.unix_seconds();
    let end = start.saturating_add(i64::try_from(horizon_secs).unwrap_or(i64::MAX));
    // Maintenance windows and blocking blackouts always bound a slot.
    let mut cp: ConflictPolicy = policy.conflicts.clone();
    cp.severity.outside_maintenance_window = Severity::Block;
    cp.severity.blackout = Severity::Block;
    let model = Model::build(
        schedule,
        &cp,
        Some(item),
        Some((start.saturating_sub(d), end.saturating_add(d))),
    )?;
    let Some(me) = model.item_ids.get(item).copied() else {
        return Err(Error::invalid_input(
            "item",
            format!("`{item}` is not a release or change of the schedule"),
        ));
    };
    warnings.extend(model.warnings.iter().cloned());
    let (forbidden, allowed) = constraints(&model, me, d, &mut warnings)?;
    let g = i64::try_from(policy.conflicts.slot_granularity_secs.max(1)).unwrap_or(i64::MAX);
    let mut slots = Vec::new();
    let mut t = ceil_to(start, g);
    let mut fi = 0usize;
    while slots.len() < count && t.saturating_add(d) <= end {
        // Skip forbidden ranges that end before t, jump over one holding t.
        while forbidden.get(fi).is_some_and(|f| f.1 < t) {
            fi = fi.saturating_add(1);
        }
        if let Some(f) = forbidden.get(fi).filter(|f| f.0 <= t) {
            t = ceil_to(f.1.saturating_add(1), g);
            continue;
        }
        match allowed
            .iter()
            .map(|m| next_fit(m, t, d))
            .try_fold(t, |acc, n| n.map(|n| acc.max(n)))
        {
            None => break,
            Some(n) if n > t => {
                t = ceil_to(n, g);
                continue;
            }
            Some(_) => {}
        }
        // t + d <= end: the loop condition.
        let slot_end = t.saturating_add(d);
        slots.push(Window::of(Interval {
            start: t,
            end: slot_end,
        }));
        t = ceil_to(slot_end, g);
    }
    Ok(SlotSuggestion {
        item: item.to_string(),
        duration_secs,
        from: from.clone(),
        until: Timestamp::from_utc(crate::calendar::utc(end)),
        granularity_secs: g.unsigned_abs(),
        slots,
        warnings,
    })
}

fn ceil_to(t: i64, g: i64) -> i64 {
    t.div_euclid(g)
        .saturating_add(i64::from(t.rem_euclid(g) != 0))
        .saturating_mul(g)
}

/// The earliest start ≥ t at which `[start, start + d)` fits inside one of
/// the merged intervals, if any.
fn next_fit(merged: &[Interval], t: i64, d: i64) -> Option<i64> {
    let i = merged.partition_point(|m| m.end < t.saturating_add(d));
    merged
        .get(i..)?
        .iter()
        .find(|m| m.len() >= d && m.end.saturating_sub(d) >= t)
        .map(|m| m.start.max(t))
}

/// The start times that would conflict (merged, sorted) and the
/// maintenance windows each CI must fit in.
fn constraints(
    model: &Model,
    me: u32,
    d: i64,
    warnings: &mut Vec<Warning>,
) -> Result<(Forbidden, Vec<std::sync::Arc<Vec<Interval>>>)> {
    let strict = model.strict();
    let sev = &model.policy.severity;
    let Some(item) = model.item(me) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut forbidden: Forbidden = Vec::new();
    // A busy interval [s, e) forbids starts t with [t, t+d) overlapping it.
    let busy = |iv: Interval, f: &mut Forbidden| {
        let lo = iv.start.saturating_sub(d);
        if strict {
            f.push((lo.saturating_add(1), iv.end.saturating_sub(1)));
        } else {
            f.push((lo, iv.end));
        }
    };
    let all = Interval {
        start: i64::MIN / 4,
        end: i64::MAX / 4,
    };
    if sev.ci_overlap == Severity::Block {
        for c in &item.cis {
            for t in model.by_ci.overlapping(*c, all, strict) {
                busy(t.iv, &mut forbidden);
            }
        }
    }
    if sev.related_ci_overlap == Severity::Block && model.policy.related_ci_depth > 0 {
        for c in &item.cis {
            for r in model.related(*c) {
                if item.cis.binary_search(&r).is_ok() {
                    continue;
                }
                for t in model.by_ci.overlapping(r, all, strict) {
                    busy(t.iv, &mut forbidden);
                }
            }
        }
    }
    if sev.assignee_overlap == Severity::Block {
        for who in &item.implementers {
            for t in model.by_implementer.overlapping(*who, all, strict) {
                busy(t.iv, &mut forbidden);
            }
        }
    }
    for b in &model.blackouts {
        if b.severity == BlackoutSeverity::Warn {
            continue;
        }
        if b.scope_matches(item, model) {
            for o in &b.occurrences {
                // Blackouts are strict: back-to-back is outside.
                forbidden.push((
                    o.start.saturating_sub(d).saturating_add(1),
                    o.end.saturating_sub(1),
                ));
            }
        }
    }
    if sev.dependency_order == Severity::Block {
        for dep in item.depends_on.iter() {
            let Some(a) = model
                .item_ids
                .get(dep.as_str())
                .and_then(|i| model.item(*i))
            else {
                continue;
            };
            if a.state == Some(State::Cancelled) {
                warnings.push(Warning::new(
                    "cancelled_dependency",
                    item.path(),
                    format!(
                        "`{}` depends on cancelled `{dep}`: every slot has that conflict",
                        item.id
                    ),
                ));
                continue;
            }
            if matches!(a.state, Some(State::Review | State::Closed)) || !a.active {
                continue;
            }
            if let Some(s) = a.span {
                forbidden.push((i64::MIN / 4, s.end.saturating_sub(1)));
            }
        }
        for other in &model.items {
            if !other.active || !other.depends_on.iter().any(|x| **x == *item.id) {
                continue;
            }
            if let Some(s) = other.span {
                forbidden.push((s.start.saturating_sub(d).saturating_add(1), i64::MAX / 4));
            }
        }
    }
    if sev.capacity == Severity::Block {
        for limit in &model.policy.capacity {
            let service = limit.service.as_deref().map(|s| model.names.get(s));
            let env = limit.environment.as_deref().map(|s| model.names.get(s));
            if !limit_matches(item, service, env) {
                continue;
            }
            let spans: Vec<(u32, Interval)> = model
                .items
                .iter()
                .enumerate()
                .filter(|(_, it)| it.active && limit_matches(it, service, env))
                .filter_map(|(i, it)| it.span.map(|s| (i as u32, s)))
                .collect();
            // Where the others already fill the limit, the item would
            // push it over.
            let max = (limit.max_concurrent as usize).saturating_sub(1);
            for (iv, _, _) in over_capacity(&spans, max, strict) {
                busy(iv, &mut forbidden);
            }
        }
    }
    let mut allowed = Vec::new();
    for c in &item.cis {
        if let Some((merged, _)) = model.maintenance(*c)? {
            allowed.push(merged);
        }
    }
    forbidden.sort_unstable();
    let mut merged: Forbidden = Vec::with_capacity(forbidden.len());
    for (lo, hi) in forbidden {
        if hi < lo {
            continue;
        }
        match merged.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    let _ = fits;
    Ok((merged, allowed))
}

/// One wave of [`DeploymentOrder`]: releases that can ship together once
/// every earlier wave has shipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Wave {
    /// 1 for the first wave.
    pub wave: usize,
    /// The release ids, sorted.
    pub releases: Vec<String>,
}

/// The critical path: the chain of dependencies with the longest total
/// planned duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CriticalPath {
    /// Release ids in deployment order.
    pub releases: Vec<String>,
    /// Sum of their planned durations, in seconds.
    pub duration_secs: u64,
}

/// A release [`deployment_order`] left out of the waves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SkippedRelease {
    /// The release id.
    pub release: String,
    /// Its state: `closed` (shipped and done) or `cancelled` (will not
    /// ship).
    pub state: State,
    /// Why it was left out, in one sentence.
    pub reason: String,
}

/// The verdict of [`deployment_order`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeploymentOrder {
    /// The waves, first to last.
    pub waves: Vec<Wave>,
    /// The critical path by planned duration.
    pub critical_path: CriticalPath,
    /// The closed and cancelled releases left out of the waves, by id
    /// (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedRelease>,
    /// What was odd (unknown dependencies, dependencies on a cancelled
    /// release, missing windows).
    pub warnings: Vec<Warning>,
}

/// Dependency waves and the critical path of `releases`.
///
/// A release's wave is one more than the latest wave among the releases it
/// depends on (1 without dependencies): the earliest it can ship. The
/// critical path is the dependency chain with the largest sum of planned
/// durations (`planned_end - planned_start`; 0 without a window); ties go
/// to the chain of smaller ids. A `depends_on` naming a release not in the
/// list is ignored with a warning.
///
/// Closed and cancelled releases are left out of the waves and the
/// critical path and listed in `skipped`: a closed one has shipped, so a
/// dependency on it is met; a cancelled one will not ship, so a dependency
/// on it is dropped with the warning `cancelled_dependency` at the
/// dependent's `depends_on[j]` (the dependent cannot ship as planned).
///
/// Errors: `invalid_input` when the dependencies form a cycle, naming its
/// members, at the `depends_on` path of the first member in the list;
/// `invalid_input` for duplicate release ids.
pub fn deployment_order(all: &[Release]) -> Result<DeploymentOrder> {
    let mut warnings = Vec::new();
    let mut states: HashMap<&str, State> = HashMap::new();
    for (i, r) in all.iter().enumerate() {
        if states.insert(r.id.as_str(), r.state).is_some() {
            return Err(Error::invalid_input(
                format!("releases[{i}].id"),
                format!("duplicate release id `{}`", r.id),
            ));
        }
    }
    let done = |s: State| matches!(s, State::Closed | State::Cancelled);
    let mut skipped: Vec<SkippedRelease> = all
        .iter()
        .filter(|r| done(r.state))
        .map(|r| SkippedRelease {
            release: r.id.clone(),
            state: r.state,
            reason: if r.state == State::Closed {
                format!("`{}` is closed: it has shipped", r.id)
            } else {
                format!("`{}` is cancelled: it will not ship", r.id)
            },
        })
        .collect();
    skipped.sort_by(|a, b| a.release.cmp(&b.release));
    // The releases in the waves, with their paths in the input.
    let kept: Vec<(usize, &Release)> = all
        .iter()
        .enumerate()
        .filter(|(_, r)| !done(r.state))
        .collect();
    let releases: Vec<&Release> = kept.iter().map(|(_, r)| *r).collect();
    let at = |k: usize| kept.get(k).map_or(k, |(i, _)| *i);
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (k, r) in releases.iter().enumerate() {
        index.insert(r.id.as_str(), k);
    }
    let mut graph = petgraph::graph::DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..releases.len()).map(|i| graph.add_node(i)).collect();
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); releases.len()];
    for (i, r) in releases.iter().enumerate() {
        let p = at(i);
        for (j, dep) in r.depends_on.iter().enumerate() {
            match (index.get(dep.as_str()), states.get(dep.as_str())) {
                (Some(&a), _) => {
                    if let (Some(x), Some(y), Some(list)) =
                        (nodes.get(a), nodes.get(i), deps.get_mut(i))
                    {
                        graph.update_edge(*x, *y, ());
                        list.push(a);
                    }
                }
                (None, Some(State::Closed)) => {}
                (None, Some(State::Cancelled)) => warnings.push(Warning::new(
                    "cancelled_dependency",
                    format!("releases[{p}].depends_on[{j}]"),
                    format!(
                        "`{}` depends on `{dep}`, which is cancelled: it cannot ship as planned",
                        r.id
                    ),
                )),
                _ => warnings.push(Warning::new(
                    "unknown_dependency",
                    format!("releases[{p}].depends_on[{j}]"),
                    format!("`{dep}` is not among the releases: ignored"),
                )),
            }
        }
        if r.planned_start.is_none() || r.planned_end.is_none() {
            warnings.push(Warning::new(
                "no_planned_window",
                format!("releases[{p}]"),
                format!("`{}` has no planned window: its duration counts as 0", r.id),
            ));
        }
    }
    let order = match petgraph::algo::toposort(&graph, None) {
        Ok(o) => o,
        Err(_) => {
            // Name the members of every cycle, at the first member's path.
            let mut cycles: Vec<Vec<usize>> = petgraph::algo::tarjan_scc(&graph)
                .into_iter()
                .filter(|c| c.len() > 1)
                .map(|c| {
                    let mut v: Vec<usize> = c
                        .iter()
                        .filter_map(|n| graph.node_weight(*n).copied())
                        .collect();
                    v.sort_unstable();
                    v
                })
                .collect();
            cycles.sort();
            let first = at(cycles.first().and_then(|c| c.first()).copied().unwrap_or(0));
            let names: Vec<String> = cycles
                .iter()
                .map(|c| {
                    c.iter()
                        .filter_map(|i| releases.get(*i).map(|r| r.id.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .collect();
            return Err(Error::invalid_input(
                format!("releases[{first}].depends_on"),
                format!(
                    "depends_on forms a cycle between {}",
                    names.join("; and between ")
                ),
            ));
        }
    };
    let duration = |i: usize| -> u64 {
        releases
            .get(i)
            .and_then(|r| match (&r.planned_start, &r.planned_end) {
                (Some(s), Some(e)) => e
                    .unix_seconds()
                    .checked_sub(s.unix_seconds())
                    .and_then(|secs| u64::try_from(secs).ok()),
                _ => None,
            })
            .unwrap_or(0)
    };
    let id = |i: usize| releases.get(i).map_or("", |r| r.id.as_str());
    let mut wave = vec![1usize; releases.len()];
    // Longest path ending at each release, and its predecessor.
    let mut best: Vec<(u64, Option<usize>)> =
        (0..releases.len()).map(|i| (duration(i), None)).collect();
    for n in order {
        let Some(&i) = graph.node_weight(n) else {
            continue;
        };
        let Some(ds) = deps.get(i) else { continue };
        let mut w = 1;
        let mut pick: Option<(u64, usize)> = None;
        for &a in ds {
            w = w.max(wave.get(a).copied().unwrap_or(0).saturating_add(1));
            let len = best.get(a).map_or(0, |b| b.0);
            pick = match pick {
                Some((l, p))
                    if l > len
                        || (l == len && chain_key(&best, p, &id) <= chain_key(&best, a, &id)) =>
                {
                    Some((l, p))
                }
                _ => Some((len, a)),
            };
        }
        if let Some(slot) = wave.get_mut(i) {
            *slot = w;
        }
        if let (Some((len, p)), Some(b)) = (pick, best.get_mut(i)) {
            *b = (len.saturating_add(duration(i)), Some(p));
        }
    }
    let mut waves: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (i, w) in wave.iter().enumerate() {
        waves.entry(*w).or_default().push(id(i).to_string());
    }
    let waves = waves
        .into_iter()
        .map(|(w, mut releases)| {
            releases.sort();
            Wave { wave: w, releases }
        })
        .collect();
    let mut end: Option<usize> = None;
    for i in 0..releases.len() {
        end = match end {
            None => Some(i),
            Some(e) => {
                let (be, bi) = (
                    best.get(e).map_or(0, |b| b.0),
                    best.get(i).map_or(0, |b| b.0),
                );
                if bi > be || (bi == be && chain_key(&best, i, &id) < chain_key(&best, e, &id)) {
                    Some(i)
                } else {
                    Some(e)
                }
            }
        };
    }
    let mut path = Vec::new();
    let mut cur = end;
    let mut guard = BTreeSet::new();
    while let Some(c) = cur {
        if !guard.insert(c) {
            break;
        }
        path.push(id(c).to_string());
        cur = best.get(c).and_then(|b| b.1);
    }
    path.reverse();
    let total = end.and_then(|e| best.get(e)).map_or(0, |b| b.0);
    Ok(DeploymentOrder {
        waves,
        critical_path: CriticalPath {
            releases: path,
            duration_secs: total,
        },
        skipped,
        warnings,
    })
}

/// The ids of the chain ending at `i`, first to last, for tie-breaks.
fn chain_key<'a>(
    best: &[(u64, Option<usize>)],
    i: usize,
    id: &dyn Fn(usize) -> &'a str,
) -> Vec<&'a str> {
    let mut v = Vec::new();
    let mut cur = Some(i);
    while let Some(c) = cur {
        if v.len() > best.len() {
            break;
        }
        v.push(id(c));
        cur = best.get(c).and_then(|b| b.1);
    }
    v.reverse();
    v
}
