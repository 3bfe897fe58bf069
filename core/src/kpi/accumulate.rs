//! The mergeable KPI accumulator and the final computation.

use super::dora::DORA_2023;
use super::stats::{median_counts, DurationStats, Rate};
use super::{
    AttributionSummary, BenchmarkRef, ChangeFailureRate, DeploymentFrequency, DoraKpis, ItilKpis,
    KpiGroup, KpiReport, KpiSet, KpiSettings, LeadTime, PeriodSpan, RecordCounts, RecoveryTime,
    ReworkRate, SeriesBucket, MAX_SERIES_POINTS,
};
use crate::document::{
    DeploymentKind, DeploymentRecord, History, Incident, Outcome, Release, ReleaseKind, State,
    TestKind, Weekday,
};
use crate::error::{Error, Problem, Result, Warning};
use crate::policy::{IncidentAttribution, KpiGroupBy, SeriesInterval};
use chrono::{Datelike, NaiveDate, TimeZone};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash, the multiply-rotate hash of rustc, with a final mix: several
/// times faster than SipHash on the short ids and names the KPIs hash millions of. It does
/// not resist deliberately colliding keys; the records are the host's own.
#[derive(Debug, Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            if let Some(head) = word.get_mut(..rest.len()) {
                head.copy_from_slice(rest);
            }
            self.add(u64::from_le_bytes(word) ^ (rest.len() as u64) << 59);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits (the bucket index) depending on
        // the low input bits only; fold the high bits down (murmur3 fmix).
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }
}

type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// No name (a deployment without a team, an incident without a service).
const NONE: u32 = u32::MAX;
/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
const EPOCH_CE_DAYS: i32 = 719_163;

/// Interned names (services, environments, teams, release ids).
#[derive(Debug, Clone, Default)]
struct Names {
    list: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        let i = u32::try_from(self.list.len()).unwrap_or(NONE - 1);
        self.list.push(name.into());
        self.index.insert(name.into(), i);
        i
    }

    fn get(&self, i: u32) -> &str {
        if i == NONE {
            return "(none)";
        }
        self.list.get(i as usize).map_or("(none)", |s| s)
    }

    fn find(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }
}

/// Strings stored back to back: one allocation for millions of ids.
#[derive(Debug, Clone, Default)]
struct Arena {
    text: String,
}

/// A string in an [`Arena`]: start and length.
#[derive(Debug, Clone, Copy)]
struct Span8 {
    start: u64,
    len: u32,
}

impl Arena {
    fn push(&mut self, s: &str) -> Span8 {
        let start = self.text.len() as u64;
        self.text.push_str(s);
        Span8 {
            start,
            len: u32::try_from(s.len()).unwrap_or(u32::MAX),
        }
    }

    fn get(&self, at: Span8) -> &str {
        let start = usize::try_from(at.start).unwrap_or(usize::MAX);
        self.text
            .get(start..start.saturating_add(at.len as usize))
            .unwrap_or("")
    }

    fn append(&mut self, other: &Arena) -> u64 {
        let shift = self.text.len() as u64;
        self.text.push_str(&other.text);
        shift
    }
}

fn fx_hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

/// One successful production shipment of a change (the first per id is
/// found in `finish`).
#[derive(Debug, Clone, Copy)]
struct Shipment {
    hash: u64,
    id: Span8,
    ship: FirstShip,
}

/// A production deployment in the period: 48 bytes plus its id.
#[derive(Debug, Clone, Copy)]
struct Dep {
    finish: i64,
    id: Span8,
    service: u32,
    env: u32,
    team: u32,
    release: u32,
    outcome: Outcome,
    kind: DeploymentKind,
}

/// The first successful production deployment of a change.
#[derive(Debug, Clone, Copy)]
struct FirstShip {
    finish: i64,
    committed: Option<i64>,
    service: u32,
    env: u32,
    team: u32,
}

/// An incident in the period.
#[derive(Debug, Clone)]
struct Inc {
    id: Box<str>,
    created: i64,
    resolved: Option<i64>,
    service: u32,
    caused_by: Option<Box<str>>,
}

/// A release in the period, reduced to what the ITIL KPIs need.
#[derive(Debug, Clone)]
struct Rel {
    id: Box<str>,
    time: Option<i64>,
    emergency: bool,
    outcome: Option<Outcome>,
    on_schedule: Option<bool>,
    states: Vec<(State, i64)>,
    uat_passed: u64,
    uat_failed: u64,
    pir: bool,
    knowledge: bool,
    services: Vec<u32>,
    teams: Vec<u32>,
    envs: Vec<u32>,
    incidents: Vec<Box<str>>,
}

/// Accumulates history records for [`KpiReport`]s; accumulators over any
/// partition of the records [`merge`](KpiAccumulator::merge) into exactly
/// the report of one accumulator over all of them.
///
/// Memory: per production deployment in the period, 48 bytes plus the
/// bytes of its id (kept back to back in one string); per change shipped
/// by a successful production deployment, 64 bytes plus the bytes of its
/// id; per incident in the period, about 72 bytes plus its id, service and
/// `caused_by` (boxed strings); per release, a few hundred bytes. Records
/// outside the period or not in production cost a counter only. `finish`
/// needs about as much again while it works (sorted copies, facts).
#[derive(Debug, Clone)]
pub struct KpiAccumulator {
    settings: KpiSettings,
    tz: Option<chrono_tz::Tz>,
    from: Option<i64>,
    to: Option<i64>,
    production: Vec<String>,
    names: Names,
    deps: Vec<Dep>,
    prod_names: Vec<u32>,
    ids: Arena,
    change_ids: Arena,
    shipments: Vec<Shipment>,
    incidents: Vec<Inc>,
    releases: Vec<Rel>,
    counts: RecordCounts,
    negative_stays: u64,
}

impl KpiAccumulator {
    /// An empty accumulator for these settings (see
    /// [`KpiSettings::resolve`]).
    pub fn new(settings: KpiSettings) -> Result<KpiAccumulator> {
        let tz: chrono_tz::Tz = settings.time_zone.parse().map_err(|_| {
            Error::invalid_input(
                "options.time_zone",
                format!("`{}` is not an IANA time zone name", settings.time_zone),
            )
        })?;
        let tz = (tz != chrono_tz::UTC).then_some(tz);
        let mut acc = KpiAccumulator {
            from: settings.from.as_ref().map(|t| t.unix_seconds()),
            to: settings.to.as_ref().map(|t| t.unix_seconds()),
            production: settings.production_environments.clone(),
            tz,
            settings,
            names: Names::default(),
            deps: Vec::new(),
            prod_names: Vec::new(),
            ids: Arena::default(),
            change_ids: Arena::default(),
            shipments: Vec::new(),
            incidents: Vec::new(),
            releases: Vec::new(),
            counts: RecordCounts::default(),
            negative_stays: 0,
        };
        acc.prod_names = acc
            .settings
            .production_environments
            .clone()
            .iter()
            .map(|e| acc.names.intern(e))
            .collect();
        Ok(acc)
    }

    /// The settings in force.
    pub fn settings(&self) -> &KpiSettings {
        &self.settings
    }

    fn in_period(&self, t: i64) -> bool {
        self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t < e)
    }

    /// Feeds every record of a history (a whole one or a slice of one).
    /// Error paths use the positions in `history`.
    pub fn add_history(&mut self, history: &History) -> Result<()> {
        self.add_deployments(&history.deployments)?;
        self.add_incidents(&history.incidents)?;
        for r in &history.releases {
            self.add_release(r);
        }
        Ok(())
    }

    /// Feeds a slice of deployments; error paths are `deployments[i]` with
    /// `i` the position in the slice.
    pub fn add_deployments(&mut self, deployments: &[DeploymentRecord]) -> Result<()> {
        for (i, d) in deployments.iter().enumerate() {
            self.add_deployment(d)
                .map_err(|p| prefixed("deployments", i, p))?;
        }
        Ok(())
    }

    /// Feeds a slice of incidents; error paths are `incidents[i]`.
    pub fn add_incidents(&mut self, incidents: &[Incident]) -> Result<()> {
        for (i, inc) in incidents.iter().enumerate() {
            self.add_incident(inc)
                .map_err(|p| prefixed("incidents", i, p))?;
        }
        Ok(())
    }

    /// Feeds one deployment. A deployment finishing before it started is an
    /// error whose path is relative to the record (`finished_at`).
    pub fn add_deployment(&mut self, d: &DeploymentRecord) -> std::result::Result<(), Problem> {
        let finish = d.finished_at.unix_seconds();
        if let Some(start) = &d.started_at {
            if d.finished_at < *start {
                return Err(Problem::new(
                    "finished_at",
                    format!(
                        "must not be before started_at ({} < {start})",
                        d.finished_at
                    ),
                ));
            }
        }
        self.counts.deployments_read = self.counts.deployments_read.saturating_add(1);
        if !self.in_period(finish) {
            self.counts.deployments_outside_period =
                self.counts.deployments_outside_period.saturating_add(1);
            return Ok(());
        }
        let Some(env) = self
            .production
            .iter()
            .position(|e| *e == d.environment)
            .and_then(|k| self.prod_names.get(k).copied())
        else {
            self.counts.deployments_not_production =
                self.counts.deployments_not_production.saturating_add(1);
            return Ok(());
        };
        let service = self.names.intern(&d.service);
        // Teams are only needed to group by them.
        let team = match (&d.team, self.settings.group_by) {
            (Some(t), Some(KpiGroupBy::Team)) => self.names.intern(t),
            _ => NONE,
        };
        let release = d
            .release_id
            .as_deref()
            .map_or(NONE, |r| self.names.intern(r));
        let id = self.ids.push(&d.id);
        self.deps.push(Dep {
            finish,
            id,
            service,
            env,
            team,
            release,
            outcome: d.outcome,
            kind: d.kind,
        });
        if is_success(d.outcome) {
            for c in &d.changes {
                let ship = FirstShip {
                    finish,
                    committed: c.committed_at.as_ref().map(|t| t.unix_seconds()),
                    service,
                    env,
                    team,
                };
                let id = self.change_ids.push(&c.id);
                self.shipments.push(Shipment {
                    hash: fx_hash(&c.id),
                    id,
                    ship,
                });
            }
        }
        Ok(())
    }

    /// Feeds one incident. An incident resolved before it was created is
    /// an error whose path is relative to the record (`resolved_at`).
    pub fn add_incident(&mut self, inc: &Incident) -> std::result::Result<(), Problem> {
        if let Some(resolved) = &inc.resolved_at {
            if *resolved < inc.created_at {
                return Err(Problem::new(
                    "resolved_at",
                    format!(
                        "must not be before created_at ({resolved} < {})",
                        inc.created_at
                    ),
                ));
            }
        }
        self.counts.incidents_read = self.counts.incidents_read.saturating_add(1);
        let created = inc.created_at.unix_seconds();
        if !self.in_period(created) {
            self.counts.incidents_outside_period =
                self.counts.incidents_outside_period.saturating_add(1);
            return Ok(());
        }
        let service = inc
            .service
            .as_deref()
            .map_or(NONE, |s| self.names.intern(s));
        self.incidents.push(Inc {
            id: inc.id.as_str().into(),
            created,
            resolved: inc.resolved_at.as_ref().map(|t| t.unix_seconds()),
            service,
            caused_by: inc.caused_by.as_deref().map(Into::into),
        });
        Ok(())
    }

    /// Feeds one release (its audit log gives the time in each state).
    pub fn add_release(&mut self, r: &Release) {
        self.counts.releases_read = self.counts.releases_read.saturating_add(1);
        let time = r
            .deployed_at
            .as_ref()
            .or(r.log.last().map(|e| &e.at))
            .or(r.created_at.as_ref())
            .map(|t| t.unix_seconds());
        match time {
            Some(t) if !self.in_period(t) => {
                self.counts.releases_outside_period =
                    self.counts.releases_outside_period.saturating_add(1);
                return;
            }
            None => {
                self.counts.releases_undated = self.counts.releases_undated.saturating_add(1);
                if self.from.is_some() || self.to.is_some() {
                    self.counts.releases_outside_period =
                        self.counts.releases_outside_period.saturating_add(1);
                    return;
                }
            }
            _ => {}
        }
        let mut stays: BTreeMap<State, i64> = BTreeMap::new();
        let mut current = r
            .created_at
            .as_ref()
            .map(|t| (State::Planning, t.unix_seconds()));
        for e in &r.log {
            if e.from == e.to {
                continue;
            }
            let at = e.at.unix_seconds();
            if let Some((state, since)) = current {
                if state == e.from {
                    if at >= since {
                        let stay = stays.entry(state).or_insert(0);
                        *stay = stay.saturating_add(at.saturating_sub(since));
                    } else {
                        self.negative_stays = self.negative_stays.saturating_add(1);
                    }
                }
            }
            current = Some((e.to, at));
        }
        let (mut uat_passed, mut uat_failed) = (0u64, 0u64);
        for t in r.tests.iter().filter(|t| t.kind == TestKind::Uat) {
            uat_passed = uat_passed.saturating_add(t.passed);
            uat_failed = uat_failed.saturating_add(t.failed);
        }
        let on_schedule = match (&r.deployed_at, &r.planned_start, &r.planned_end) {
            (Some(d), Some(s), Some(e)) => Some(s <= d && d <= e),
            _ => None,
        };
        let mut intern_all = |list: &[String]| -> Vec<u32> {
            let set: BTreeSet<u32> = list.iter().map(|s| self.names.intern(s)).collect();
            set.into_iter().collect()
        };
        let services = intern_all(&r.services);
        let teams = intern_all(&r.team);
        let envs = intern_all(&r.environments);
        let incidents: BTreeSet<Box<str>> = r
            .links
            .incidents
            .iter()
            .map(|s| s.as_str().into())
            .collect();
        self.releases.push(Rel {
            id: r.id.as_str().into(),
            time,
            emergency: r.kind == ReleaseKind::Emergency,
            outcome: r.outcome,
            on_schedule,
            states: stays.into_iter().collect(),
            uat_passed,
            uat_failed,
            pir: r.review.as_ref().is_some_and(|v| v.completed_at.is_some()),
            knowledge: !r.knowledge_articles.is_empty(),
            services,
            teams,
            envs,
            incidents: incidents.into_iter().collect(),
        });
    }

    /// Adds every record of `other` (built with the same settings) to this
    /// accumulator. The result is the same whatever the partition and the
    /// order of merges.
    pub fn merge(&mut self, other: KpiAccumulator) -> Result<()> {
        if other.settings != self.settings {
            return Err(Error::invalid_input(
                "options",
                "accumulators built with different settings cannot be merged",
            ));
        }
        let map: Vec<u32> = other
            .names
            .list
            .iter()
            .map(|n| self.names.intern(n))
            .collect();
        let remap = |i: u32| -> u32 {
            if i == NONE {
                NONE
            } else {
                map.get(i as usize).copied().unwrap_or(NONE)
            }
        };
        let shift = self.ids.append(&other.ids);
        self.deps.extend(other.deps.iter().map(|d| Dep {
            id: Span8 {
                start: d.id.start.saturating_add(shift),
                len: d.id.len,
            },
            service: remap(d.service),
            env: remap(d.env),
            team: remap(d.team),
            release: remap(d.release),
            ..*d
        }));
        let shift = self.change_ids.append(&other.change_ids);
        self.shipments
            .extend(other.shipments.iter().map(|s| Shipment {
                hash: s.hash,
                id: Span8 {
                    start: s.id.start.saturating_add(shift),
                    len: s.id.len,
                },
                ship: FirstShip {
                    service: remap(s.ship.service),
                    env: remap(s.ship.env),
                    team: remap(s.ship.team),
                    ..s.ship
                },
            }));
        self.incidents
            .extend(other.incidents.into_iter().map(|i| Inc {
                service: remap(i.service),
                ..i
            }));
        let remap_all = |v: Vec<u32>| -> Vec<u32> {
            let set: BTreeSet<u32> = v.into_iter().map(remap).collect();
            set.into_iter().collect()
        };
        self.releases
            .extend(other.releases.into_iter().map(|r| Rel {
                services: remap_all(r.services),
                teams: remap_all(r.teams),
                envs: remap_all(r.envs),
                ..r
            }));
        let c = &mut self.counts;
        let o = other.counts;
        c.deployments_read = c.deployments_read.saturating_add(o.deployments_read);
        c.deployments_outside_period = c
            .deployments_outside_period
            .saturating_add(o.deployments_outside_period);
        c.deployments_not_production = c
            .deployments_not_production
            .saturating_add(o.deployments_not_production);
        c.incidents_read = c.incidents_read.saturating_add(o.incidents_read);
        c.incidents_outside_period = c
            .incidents_outside_period
            .saturating_add(o.incidents_outside_period);
        c.releases_read = c.releases_read.saturating_add(o.releases_read);
        c.releases_outside_period = c
            .releases_outside_period
            .saturating_add(o.releases_outside_period);
        c.releases_undated = c.releases_undated.saturating_add(o.releases_undated);
        self.negative_stays = self.negative_stays.saturating_add(other.negative_stays);
        Ok(())
    }

    /// The local day (days since 1970-01-01 in the time zone) of an instant.
    fn day(&self, secs: i64) -> i32 {
        match self.tz {
            None => i32::try_from(secs.div_euclid(86_400)).unwrap_or(0),
            Some(tz) => match tz.timestamp_opt(secs, 0).single() {
                Some(t) => t
                    .date_naive()
                    .num_days_from_ce()
                    .saturating_sub(EPOCH_CE_DAYS),
                None => i32::try_from(secs.div_euclid(86_400)).unwrap_or(0),
            },
        }
    }

    /// The series bucket key of a local day: the first day of its week, or
    /// `year·12 + month0`.
    fn bucket(&self, day: i32) -> i32 {
        match self.settings.series {
            SeriesInterval::Week => week_of(day, self.settings.week_start),
            SeriesInterval::Month => {
                let d = date(day);
                d.year()
                    .saturating_mul(12)
                    .saturating_add(d.month0() as i32)
            }
        }
    }

    /// Computes the report. Duplicate deployment ids among the records fed
    /// are `invalid_input`.
    pub fn finish(self) -> Result<KpiReport> {
        Finisher::new(self)?.report()
    }
}

fn prefixed(list: &str, i: usize, p: Problem) -> Error {
    Error::InvalidInput {
        problems: vec![Problem::new(format!("{list}[{i}].{}", p.path), p.message)],
    }
}

fn is_success(o: Outcome) -> bool {
    matches!(o, Outcome::Success | Outcome::SuccessWithIssues)
}

/// The canonical order of candidate first shipments of one change.
fn ship_key<'a>(names: &'a Names, s: &FirstShip) -> (i64, Option<i64>, &'a str, &'a str, &'a str) {
    (
        s.finish,
        s.committed,
        names.get(s.service),
        names.get(s.env),
        names.get(s.team),
    )
}

fn weekday_index(w: Weekday) -> i32 {
    match w {
        Weekday::Mon => 0,
        Weekday::Tue => 1,
        Weekday::Wed => 2,
        Weekday::Thu => 3,
        Weekday::Fri => 4,
        Weekday::Sat => 5,
        Weekday::Sun => 6,
    }
}

/// The first day of the week holding `day` (1970-01-01 was a Thursday).
fn week_of(day: i32, start: Weekday) -> i32 {
    // Local days are within chrono's dates (about ±10^8): nothing saturates.
    let wd = day.saturating_add(3).rem_euclid(7);
    day.saturating_sub(wd.saturating_sub(weekday_index(start)).rem_euclid(7))
}

fn date(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day.saturating_add(EPOCH_CE_DAYS)).unwrap_or_default()
}

fn day_text(day: i32) -> String {
    date(day).format("%Y-%m-%d").to_string()
}

/// A production deployment with everything the KPIs need.
#[derive(Debug, Clone, Copy)]
struct DepFact {
    day: i32,
    bucket: i32,
    service: u32,
    env: u32,
    team: u32,
    success: bool,
    failure: bool,
    bad_outcome: bool,
    with_incident: bool,
    rework: bool,
    recovery: Option<i64>,
    incidents: u64,
}

/// A lead time with where it belongs.
#[derive(Debug, Clone, Copy)]
struct LeadFact {
    bucket: i32,
    service: u32,
    env: u32,
    team: u32,
    lead: Option<i64>,
}

/// An unattributed incident with where it belongs.
#[derive(Debug, Clone, Copy)]
struct LooseIncident {
    bucket: i32,
    service: u32,
}

/// A release with where it belongs and its incident count.
#[derive(Debug)]
struct RelFact<'a> {
    bucket: Option<i32>,
    rel: &'a Rel,
    incidents: u64,
}

/// A set of local days: `first ..= last`.
#[derive(Debug, Clone, Copy)]
struct Span {
    first: i32,
    last: i32,
}

struct Finisher {
    acc: KpiAccumulator,
    deps: Vec<DepFact>,
    leads: Vec<LeadFact>,
    loose: Vec<LooseIncident>,
    release_incidents: Vec<u64>,
    attribution: AttributionSummary,
    span: Option<Span>,
    warnings: Vec<Warning>,
}

impl Finisher {
    fn new(mut acc: KpiAccumulator) -> Result<Finisher> {
        // Canonical order: by finish time, then id (ids are unique).
        let mut deps = std::mem::take(&mut acc.deps);
        deps.sort_unstable_by(|a, b| {
            a.finish
                .cmp(&b.finish)
                .then_with(|| acc.ids.get(a.id).cmp(acc.ids.get(b.id)))
        });
        // Ids by hash, for `caused_by` look-ups and the duplicate check.
        let mut by_id: Vec<(u64, usize)> = deps
            .iter()
            .enumerate()
            .map(|(pos, d)| (fx_hash(acc.ids.get(d.id)), pos))
            .collect();
        let dep_id = |pos: usize| deps.get(pos).map_or("", |d| acc.ids.get(d.id));
        by_id.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| dep_id(a.1).cmp(dep_id(b.1))));
        for pair in by_id.windows(2) {
            if let [a, b] = pair {
                if a.0 == b.0 && dep_id(a.1) == dep_id(b.1) {
                    return Err(Error::invalid_input(
                        "deployments",
                        format!(
                            "duplicate deployment id `{}` among the records",
                            dep_id(a.1)
                        ),
                    ));
                }
            }
        }
        // `caused_by` look-ups as a merge of two hash-sorted lists (one pass
        // instead of a binary search per incident).
        let mut explicit_target: Vec<Option<usize>> = vec![None; acc.incidents.len()];
        let mut wanted: Vec<(u64, usize)> = acc
            .incidents
            .iter()
            .enumerate()
            .filter_map(|(k, i)| i.caused_by.as_deref().map(|c| (fx_hash(c), k)))
            .collect();
        wanted.sort_unstable();
        let mut j = 0usize;
        for (h, k) in wanted {
            while by_id.get(j).is_some_and(|e| e.0 < h) {
                j = j.saturating_add(1);
            }
            let cause = acc
                .incidents
                .get(k)
                .and_then(|i| i.caused_by.as_deref())
                .unwrap_or("");
            let found = by_id.get(j..).and_then(|rest| {
                rest.iter()
                    .take_while(|e| e.0 == h)
                    .find(|e| dep_id(e.1) == cause)
                    .map(|e| e.1)
            });
            if let Some(slot) = explicit_target.get_mut(k) {
                *slot = found;
            }
        }

        // The next successful deployment of the same service and
        // environment finishing strictly later: one backward sweep over the
        // deployments in time order, a group of equal finish times at once.
        let mut next_ok: Vec<Option<i64>> = vec![None; deps.len()];
        let mut latest_ok: HashMap<(u32, u32), i64> = HashMap::default();
        let mut end = deps.len();
        while end > 0 {
            let finish = deps.get(end.saturating_sub(1)).map_or(0, |d| d.finish);
            let start = deps
                .get(..end)
                .map_or(0, |s| s.partition_point(|d| d.finish < finish));
            for pos in start..end {
                if let (Some(d), Some(slot)) = (deps.get(pos), next_ok.get_mut(pos)) {
                    *slot = latest_ok.get(&(d.service, d.env)).copied();
                }
            }
            for d in deps.get(start..end).unwrap_or(&[]) {
                if is_success(d.outcome) {
                    latest_ok.insert((d.service, d.env), finish);
                }
            }
            end = start;
        }

        // Attribution by window: the latest production deployment of the
        // service finishing at or before the incident (ties: greatest id),
        // by one forward sweep over incidents in time order.
        let mut window_candidate: Vec<Option<usize>> = vec![None; acc.incidents.len()];
        if acc.settings.incident_attribution == IncidentAttribution::ExplicitThenWindow {
            let mut loose_order: Vec<usize> = acc
                .incidents
                .iter()
                .enumerate()
                .filter(|(_, i)| i.caused_by.is_none() && i.service != NONE)
                .map(|(k, _)| k)
                .collect();
            let created = |k: usize| acc.incidents.get(k).map_or(0, |i| i.created);
            loose_order.sort_unstable_by_key(|k| created(*k));
            let mut latest: HashMap<u32, usize> = HashMap::default();
            let mut next = 0usize;
            for k in loose_order {
                let Some(inc) = acc.incidents.get(k) else {
                    continue;
                };
                while let Some(d) = deps.get(next).filter(|d| d.finish <= inc.created) {
                    latest.insert(d.service, next);
                    next = next.saturating_add(1);
                }
                if let Some(slot) = window_candidate.get_mut(k) {
                    *slot = latest.get(&inc.service).copied();
                }
            }
        }

        let mut incidents_of = vec![0u64; deps.len()];
        let mut resolution: Vec<Option<i64>> = vec![None; deps.len()];
        let mut attribution = AttributionSummary::default();
        let mut loose = Vec::new();
        let mut incident_release: HashMap<u32, BTreeSet<&str>> = HashMap::default();
        let window = i64::try_from(acc.settings.attribution_window_secs).unwrap_or(i64::MAX);
        for (k, inc) in acc.incidents.iter().enumerate() {
            attribution.incidents = attribution.incidents.saturating_add(1);
            let target = match &inc.caused_by {
                Some(_) => match explicit_target.get(k).copied().flatten() {
                    Some(pos) => {
                        attribution.explicit = attribution.explicit.saturating_add(1);
                        Some(pos)
                    }
                    None => {
                        attribution.linked_to_uncounted =
                            attribution.linked_to_uncounted.saturating_add(1);
                        continue;
                    }
                },
                None if acc.settings.incident_attribution
                    == IncidentAttribution::ExplicitThenWindow =>
                {
                    match window_candidate.get(k).copied().flatten() {
                        Some(pos)
                            if deps.get(pos).is_some_and(|d| {
                                inc.created.saturating_sub(d.finish) <= window
                            }) =>
                        {
                            attribution.window = attribution.window.saturating_add(1);
                            Some(pos)
                        }
                        _ => None,
                    }
                }
                None => None,
            };
            match target {
                Some(pos) => {
                    if let Some(n) = incidents_of.get_mut(pos) {
                        *n = n.saturating_add(1);
                    }
                    let finish = deps.get(pos).map_or(0, |d| d.finish);
                    if let (Some(r), Some(slot)) = (inc.resolved, resolution.get_mut(pos)) {
                        if r >= finish {
                            *slot = Some(slot.map_or(r, |s: i64| s.min(r)));
                        }
                    }
                    if let Some(d) = deps.get(pos) {
                        if d.release != NONE {
                            incident_release
                                .entry(d.release)
                                .or_default()
                                .insert(&inc.id);
                        }
                    }
                }
                None => {
                    attribution.unattributable = attribution.unattributable.saturating_add(1);
                    let day = acc.day(inc.created);
                    loose.push(LooseIncident {
                        bucket: acc.bucket(day),
                        service: inc.service,
                    });
                }
            }
        }

        let mut facts = Vec::with_capacity(deps.len());
        for (pos, d) in deps.iter().enumerate() {
            let incidents = incidents_of.get(pos).copied().unwrap_or(0);
            let bad_outcome = matches!(d.outcome, Outcome::Failed | Outcome::RolledBack);
            let failure = bad_outcome || incidents > 0;
            let recovery = if failure {
                let next = next_ok.get(pos).copied().flatten();
                let resolved = resolution.get(pos).copied().flatten();
                let end = match (next, resolved) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                end.map(|e| e.saturating_sub(d.finish))
            } else {
                None
            };
            let day = acc.day(d.finish);
            facts.push(DepFact {
                day,
                bucket: acc.bucket(day),
                service: d.service,
                env: d.env,
                team: d.team,
                success: is_success(d.outcome),
                failure,
                bad_outcome,
                with_incident: incidents > 0,
                rework: matches!(d.kind, DeploymentKind::Hotfix | DeploymentKind::Rework),
                recovery,
                incidents,
            });
        }

        // The first shipment of every change id: sort by (hash, id, the
        // canonical order of shipments) and keep the first of each id.
        let shipments = std::mem::take(&mut acc.shipments);
        let change_id = |s: &Shipment| acc.change_ids.get(s.id);
        let at = |i: u32| shipments.get(i as usize);
        let mut order: Vec<(u64, u32)> = shipments
            .iter()
            .enumerate()
            .map(|(i, s)| (s.hash, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        order.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| match (at(a.1), at(b.1)) {
                (Some(x), Some(y)) => change_id(x).cmp(change_id(y)).then_with(|| {
                    ship_key(&acc.names, &x.ship).cmp(&ship_key(&acc.names, &y.ship))
                }),
                _ => std::cmp::Ordering::Equal,
            })
        });
        // Runs of equal hashes (duplicate ids, rare collisions) are sorted
        // by id and canonical order: every entry after the first of an id
        // loses. Everything else is read in feeding order, sequentially.
        let mut loser = vec![false; shipments.len()];
        let mut k = 0;
        while let Some(&(hash, _)) = order.get(k) {
            let run = order
                .get(k..)
                .map_or(0, |rest| rest.iter().take_while(|e| e.0 == hash).count())
                .max(1);
            if run > 1 {
                let mut previous: Option<&Shipment> = None;
                for &(_, i) in order.get(k..k.saturating_add(run)).unwrap_or(&[]) {
                    let Some(s) = at(i) else { continue };
                    if previous.is_some_and(|p| change_id(p) == change_id(s)) {
                        if let Some(l) = loser.get_mut(i as usize) {
                            *l = true;
                        }
                    } else {
                        previous = Some(s);
                    }
                }
            }
            k = k.saturating_add(run);
        }
        drop(order);
        let mut leads = Vec::with_capacity(shipments.len());
        for (shipment, lost) in shipments.iter().zip(&loser) {
            if *lost {
                continue;
            }
            let s = &shipment.ship;
            let day = acc.day(s.finish);
            leads.push(LeadFact {
                bucket: acc.bucket(day),
                service: s.service,
                env: s.env,
                team: s.team,
                lead: s.committed.map(|c| s.finish.saturating_sub(c)),
            });
        }

        let release_incidents = acc
            .releases
            .iter()
            .map(|r| {
                let mut all: BTreeSet<&str> = r.incidents.iter().map(|s| &**s).collect();
                if let Some(linked) = acc.names.find(&r.id).and_then(|k| incident_release.get(&k)) {
                    all.extend(linked.iter().copied());
                }
                all.len() as u64
            })
            .collect();

        // The local days covered.
        let span = match (acc.from, acc.to) {
            (Some(f), Some(t)) => Some(Span {
                first: acc.day(f),
                last: acc.day(t.saturating_sub(1)),
            }),
            _ => {
                let mut days: Vec<i32> = facts.iter().map(|f| f.day).collect();
                days.extend(acc.incidents.iter().map(|i| acc.day(i.created)));
                days.extend(
                    acc.releases
                        .iter()
                        .filter_map(|r| r.time.map(|t| acc.day(t))),
                );
                let lo = days.iter().min().copied();
                let hi = days.iter().max().copied();
                match (lo, hi) {
                    (Some(lo), Some(hi)) => Some(Span {
                        first: acc.from.map_or(lo, |f| acc.day(f)),
                        last: acc.to.map_or(hi, |t| acc.day(t.saturating_sub(1))),
                    }),
                    _ => None,
                }
            }
        };

        let mut warnings = Vec::new();
        if attribution.unattributable > 0 {
            warnings.push(Warning::new(
                "unattributable_incidents",
                "incidents",
                format!(
                    "{} incident(s) could not be attributed to a production deployment",
                    attribution.unattributable
                ),
            ));
        }
        if attribution.linked_to_uncounted > 0 {
            warnings.push(Warning::new(
                "incident_linked_to_uncounted_deployment",
                "incidents",
                format!(
                    "{} incident(s) name a deployment that is not a production deployment in the period",
                    attribution.linked_to_uncounted
                ),
            ));
        }
        if acc.negative_stays > 0 {
            warnings.push(Warning::new(
                "log_out_of_order",
                "releases",
                format!(
                    "{} state change(s) in release logs are dated before the state was entered; not counted",
                    acc.negative_stays
                ),
            ));
        }
        if acc.counts.releases_undated > 0 {
            warnings.push(Warning::new(
                "undated_release",
                "releases",
                format!(
                    "{} release(s) have no deployed_at, log or created_at",
                    acc.counts.releases_undated
                ),
            ));
        }
        Ok(Finisher {
            acc,
            deps: facts,
            leads,
            loose,
            release_incidents,
            attribution,
            span,
            warnings,
        })
    }

    fn report(mut self) -> Result<KpiReport> {
        let acc = &self.acc;
        let rels: Vec<RelFact<'_>> = acc
            .releases
            .iter()
            .zip(&self.release_incidents)
            .map(|(rel, n)| RelFact {
                bucket: rel.time.map(|t| acc.bucket(acc.day(t))),
                rel,
                incidents: *n,
            })
            .collect();

        // The whole period.
        let lead_values: Vec<i64> = self.leads.iter().filter_map(|l| l.lead).collect();
        let all_deps: Vec<&DepFact> = self.deps.iter().collect();
        let all_rels: Vec<&RelFact<'_>> = rels.iter().collect();
        let without_commit = self.leads.iter().filter(|l| l.lead.is_none()).count() as u64;
        let kpis = self.set(
            &all_deps,
            &lead_values,
            without_commit,
            self.loose.len() as u64,
            &all_rels,
            self.span,
        );

        // The series: sort facts by bucket, then walk the buckets.
        let mut series = Vec::new();
        if let Some(span) = self.span {
            self.deps.sort_unstable_by_key(|d| d.bucket);
            self.leads.sort_unstable_by_key(|l| l.bucket);
            let mut b = acc.bucket(span.first);
            let last = acc.bucket(span.last);
            // A period of millennia (from hostile dates) would mean millions
            // of empty points: refuse it before walking it.
            let points = match acc.settings.series {
                SeriesInterval::Week => {
                    (i64::from(last).saturating_sub(i64::from(b)) / 7).saturating_add(1)
                }
                SeriesInterval::Month => i64::from(last)
                    .saturating_sub(i64::from(b))
                    .saturating_add(1),
            };
            if points > MAX_SERIES_POINTS as i64 {
                return Err(Error::LimitExceeded {
                    path: "options.series".to_string(),
                    what: "KPI series points".to_string(),
                    limit: MAX_SERIES_POINTS,
                    found: points as u64,
                });
            }
            let (mut di, mut li) = (0usize, 0usize);
            while b <= last {
                let (first_day, next) = bucket_days(b, acc.settings.series);
                let bucket_span = Span {
                    first: first_day.max(span.first),
                    last: next.saturating_sub(1).min(span.last),
                };
                let dn = self
                    .deps
                    .get(di..)
                    .map_or(0, |s| s.partition_point(|d| d.bucket <= b));
                let deps: Vec<&DepFact> = self
                    .deps
                    .get(di..di.saturating_add(dn))
                    .map_or(Vec::new(), |s| s.iter().collect());
                di = di.saturating_add(dn);
                let ln = self
                    .leads
                    .get(li..)
                    .map_or(0, |s| s.partition_point(|l| l.bucket <= b));
                let slice = self.leads.get(li..li.saturating_add(ln)).unwrap_or(&[]);
                li = li.saturating_add(ln);
                let no_commit = slice.iter().filter(|l| l.lead.is_none()).count() as u64;
                let values: Vec<i64> = slice.iter().filter_map(|l| l.lead).collect();
                let loose = self.loose.iter().filter(|l| l.bucket == b).count() as u64;
                let brels: Vec<&RelFact<'_>> =
                    rels.iter().filter(|r| r.bucket == Some(b)).collect();
                let kpis = self.set(&deps, &values, no_commit, loose, &brels, Some(bucket_span));
                let bucket = match acc.settings.series {
                    SeriesInterval::Week => day_text(b),
                    SeriesInterval::Month => date(first_day).format("%Y-%m").to_string(),
                };
                series.push(SeriesBucket {
                    bucket,
                    first_day: day_text(bucket_span.first),
                    last_day: day_text(bucket_span.last),
                    kpis,
                });
                let after = bucket_key_after(b, acc.settings.series);
                if after <= b {
                    // Saturated at the last key: nothing after it.
                    break;
                }
                b = after;
            }
        }

        // The groups.
        let mut groups = Vec::new();
        if let Some(by) = acc.settings.group_by {
            let dep_key = |d: &DepFact| match by {
                KpiGroupBy::Service => d.service,
                KpiGroupBy::Team => d.team,
                KpiGroupBy::Environment => d.env,
            };
            let lead_key = |l: &LeadFact| match by {
                KpiGroupBy::Service => l.service,
                KpiGroupBy::Team => l.team,
                KpiGroupBy::Environment => l.env,
            };
            fn keys_of(by: KpiGroupBy, r: &Rel) -> &[u32] {
                match by {
                    KpiGroupBy::Service => &r.services,
                    KpiGroupBy::Team => &r.teams,
                    KpiGroupBy::Environment => &r.envs,
                }
            }
            let mut keys: BTreeMap<&str, u32> = BTreeMap::new();
            for k in self.deps.iter().map(dep_key) {
                keys.insert(acc.names.get(k), k);
            }
            for r in &acc.releases {
                for k in keys_of(by, r) {
                    keys.insert(acc.names.get(*k), *k);
                }
            }
            for (name, k) in keys {
                let deps: Vec<&DepFact> = self.deps.iter().filter(|d| dep_key(d) == k).collect();
                let in_group: Vec<&LeadFact> =
                    self.leads.iter().filter(|l| lead_key(l) == k).collect();
                let no_commit = in_group.iter().filter(|l| l.lead.is_none()).count() as u64;
                let values: Vec<i64> = in_group.iter().filter_map(|l| l.lead).collect();
                let loose = if by == KpiGroupBy::Service {
                    self.loose.iter().filter(|l| l.service == k).count() as u64
                } else {
                    0
                };
                let grels: Vec<&RelFact<'_>> = rels
                    .iter()
                    .filter(|r| keys_of(by, r.rel).contains(&k))
                    .collect();
                let kpis = self.set(&deps, &values, no_commit, loose, &grels, self.span);
                groups.push(KpiGroup {
                    key: name.to_string(),
                    kpis,
                });
            }
        }

        let span = self.span;
        Ok(KpiReport {
            settings: acc.settings.clone(),
            period: PeriodSpan {
                first_day: span.map(|s| day_text(s.first)),
                last_day: span.map(|s| day_text(s.last)),
                days: span.map_or(0, days_of),
            },
            benchmark: BenchmarkRef {
                source: DORA_2023.source.to_string(),
                year: DORA_2023.year,
                notes: DORA_2023.notes.to_string(),
            },
            kpis,
            series,
            groups,
            attribution: self.attribution.clone(),
            records: acc.counts.clone(),
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    /// Every KPI of one set of records.
    fn set(
        &self,
        deps: &[&DepFact],
        leads: &[i64],
        without_commit: u64,
        loose: u64,
        rels: &[&RelFact<'_>],
        span: Option<Span>,
    ) -> KpiSet {
        let acc = &self.acc;
        let n = deps.len() as u64;
        let successes: Vec<i32> = deps.iter().filter(|d| d.success).map(|d| d.day).collect();
        let frequency = frequency(&successes, span, acc.settings.week_start);
        let failures = deps.iter().filter(|d| d.failure).count() as u64;
        let bad = deps.iter().filter(|d| d.bad_outcome).count() as u64;
        let with_incident = deps.iter().filter(|d| d.with_incident).count() as u64;
        let mut recoveries: Vec<i64> = deps.iter().filter_map(|d| d.recovery).collect();
        let unrecovered = deps
            .iter()
            .filter(|d| d.failure && d.recovery.is_none())
            .count() as u64;
        let negative = leads.iter().filter(|l| **l < 0).count() as u64;
        let mut valid: Vec<i64> = leads.iter().copied().filter(|l| *l >= 0).collect();
        let lead_stats = DurationStats::of(
            &mut valid,
            "no change with a commit time was shipped by a successful production deployment",
        );
        let cfr = Rate::new(failures, n, "no production deployments");
        let recovery = DurationStats::of(
            &mut recoveries,
            "no failed production deployment was recovered",
        );
        let rework = Rate::new(
            deps.iter().filter(|d| d.rework).count() as u64,
            n,
            "no production deployments",
        );
        let dora = DoraKpis {
            production_deployments: n,
            lead_time: LeadTime {
                tier: DORA_2023.tier("lead_time", lead_stats.median_secs, "no lead times"),
                stats: lead_stats,
                without_commit_time: without_commit,
                negative,
            },
            change_failure_rate: ChangeFailureRate {
                tier: DORA_2023.tier(
                    "change_failure_rate",
                    cfr.value,
                    "no production deployments",
                ),
                rate: cfr,
                failed_or_rolled_back: bad,
                with_incident,
            },
            failed_deployment_recovery_time: RecoveryTime {
                tier: DORA_2023.tier(
                    "failed_deployment_recovery_time",
                    recovery.median_secs,
                    "no recovered failed deployments",
                ),
                stats: recovery,
                unrecovered,
            },
            rework_rate: ReworkRate {
                tier: DORA_2023.tier("rework_rate", rework.value, "no production deployments"),
                rate: rework,
            },
            deployment_frequency: frequency,
            attributed_incidents: deps.iter().map(|d| d.incidents).sum(),
            unattributable_incidents: loose,
        };
        KpiSet {
            dora,
            itil: itil(rels),
        }
    }
}

fn days_of(s: Span) -> u64 {
    u64::try_from(
        i64::from(s.last)
            .saturating_sub(i64::from(s.first))
            .saturating_add(1),
    )
    .unwrap_or(0)
}

/// The first local day of a bucket and the first day of the next one.
fn bucket_days(b: i32, series: SeriesInterval) -> (i32, i32) {
    match series {
        SeriesInterval::Week => (b, b.saturating_add(7)),
        SeriesInterval::Month => (month_first_day(b), month_first_day(b.saturating_add(1))),
    }
}

fn month_first_day(key: i32) -> i32 {
    let (y, m0) = (key.div_euclid(12), key.rem_euclid(12));
    NaiveDate::from_ymd_opt(y, (m0 as u32).saturating_add(1), 1)
        .map_or(0, |d| d.num_days_from_ce().saturating_sub(EPOCH_CE_DAYS))
}

fn bucket_key_after(b: i32, series: SeriesInterval) -> i32 {
    match series {
        SeriesInterval::Week => b.saturating_add(7),
        SeriesInterval::Month => b.saturating_add(1),
    }
}

fn frequency(success_days: &[i32], span: Option<Span>, week_start: Weekday) -> DeploymentFrequency {
    let deployments = success_days.len() as u64;
    let tier_of = |v: Option<f64>| DORA_2023.tier("deployment_frequency", v, "no period");
    let Some(span) = span else {
        return DeploymentFrequency {
            deployments,
            days: 0,
            per_day: None,
            per_week: None,
            weeks: 0,
            median_deploy_days_per_week: None,
            reason: Some("no period bounds and no dated records".to_string()),
            tier: tier_of(None),
        };
    };
    let days = days_of(span);
    let mut distinct: Vec<i32> = success_days.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let first_week = week_of(span.first, week_start);
    let last_week = week_of(span.last, week_start);
    let weeks =
        usize::try_from((last_week.saturating_sub(first_week) / 7).saturating_add(1)).unwrap_or(0);
    let mut per_week = vec![0u32; weeks];
    for d in distinct {
        let w = usize::try_from(week_of(d, week_start).saturating_sub(first_week) / 7)
            .unwrap_or(usize::MAX);
        if let Some(c) = per_week.get_mut(w) {
            *c = c.saturating_add(1);
        }
    }
    let per_day = (days > 0).then(|| deployments as f64 / days as f64);
    let per_week_rate = per_day.map(|p| p * 7.0);
    DeploymentFrequency {
        deployments,
        days,
        per_day,
        per_week: per_week_rate,
        weeks: weeks as u64,
        median_deploy_days_per_week: median_counts(&mut per_week),
        reason: None,
        tier: tier_of(per_week_rate),
    }
}

fn itil(rels: &[&RelFact<'_>]) -> ItilKpis {
    let n = rels.len() as u64;
    let with_outcome = rels.iter().filter(|r| r.rel.outcome.is_some()).count() as u64;
    let count = |f: &dyn Fn(&Rel) -> bool| rels.iter().filter(|r| f(r.rel)).count() as u64;
    let success = count(&|r| r.outcome.is_some_and(is_success));
    let rolled_back = count(&|r| r.outcome == Some(Outcome::RolledBack));
    let emergency = count(&|r| r.emergency);
    let scheduled = count(&|r| r.on_schedule.is_some());
    let on_time = count(&|r| r.on_schedule == Some(true));
    let pir = count(&|r| r.outcome.is_some() && r.pir);
    let knowledge = count(&|r| r.knowledge);
    // Caller-controlled case counts: `Iterator::sum` would overflow.
    let uat_passed = rels
        .iter()
        .fold(0u64, |sum, r| sum.saturating_add(r.rel.uat_passed));
    let uat_failed = rels
        .iter()
        .fold(0u64, |sum, r| sum.saturating_add(r.rel.uat_failed));
    let incidents: u64 = rels.iter().map(|r| r.incidents).sum();
    let mut time_in_state = BTreeMap::new();
    for state in [
        State::Planning,
        State::Development,
        State::Testing,
        State::Approval,
        State::Deployment,
        State::Review,
    ] {
        let mut values: Vec<i64> = rels
            .iter()
            .filter_map(|r| {
                r.rel
                    .states
                    .iter()
                    .find(|(s, _)| *s == state)
                    .map(|(_, v)| *v)
            })
            .collect();
        time_in_state.insert(
            state.as_str().to_string(),
            DurationStats::of(&mut values, "no release left this state in its audit log"),
        );
    }
    ItilKpis {
        releases: n,
        release_success_rate: Rate::new(success, with_outcome, "no release with an outcome"),
        rollback_rate: Rate::new(rolled_back, with_outcome, "no release with an outcome"),
        emergency_release_ratio: Rate::new(emergency, n, "no releases"),
        on_schedule_rate: Rate::new(
            on_time,
            scheduled,
            "no release with deployed_at and a planned window",
        ),
        time_in_state,
        uat_pass_rate: Rate::new(
            uat_passed,
            uat_passed.saturating_add(uat_failed),
            "no passed or failed UAT cases",
        ),
        incidents_per_release: Rate::new(incidents, n, "no releases"),
        pir_share: Rate::new(pir, with_outcome, "no release with an outcome"),
        knowledge_article_share: Rate::new(knowledge, n, "no releases"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_the_chosen_day() {
        // 1970-01-01 (day 0) was a Thursday.
        assert_eq!(week_of(0, Weekday::Mon), -3);
        assert_eq!(week_of(0, Weekday::Sun), -4);
        assert_eq!(week_of(0, Weekday::Thu), 0);
        assert_eq!(day_text(0), "1970-01-01");
        assert_eq!(month_first_day(1970 * 12 + 1), 31);
    }
}
