//! The mergeable KPI accumulator: what it keeps of each deployment,
//! incident and release fed to it (`docs/kpi.md`, "Records, period and
//! time" and "Scale-out"). Merging is in `merge.rs`, the report in
//! `finish.rs`.

use super::arena::{Arena, Span8};
use super::intern::{fx_hash, Names, NONE};
use super::{KpiReport, KpiSettings, RecordCounts};
use crate::document::{
    DeploymentKind, DeploymentRecord, History, Incident, Outcome, Release, ReleaseKind, State,
    TestKind,
};
use crate::error::{Error, Problem, Result};
use crate::foundation::parallel;
use crate::policy::KpiGroupBy;
use std::collections::{BTreeMap, BTreeSet};

/// Below this many records a history is accumulated on one thread: a
/// shard's setup and the merge would cost more than they save.
const MIN_SHARDED_RECORDS: usize = 8_192;

/// One successful production shipment of a change (the first per id is
/// found in `finish`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Shipment {
    pub(super) hash: u64,
    pub(super) id: Span8,
    pub(super) ship: FirstShip,
}

/// A production deployment in the period: 48 bytes plus its id.
#[derive(Debug, Clone, Copy)]
pub(super) struct Dep {
    pub(super) finish: i64,
    pub(super) id: Span8,
    pub(super) service: u32,
    pub(super) env: u32,
    pub(super) team: u32,
    pub(super) release: u32,
    pub(super) outcome: Outcome,
    pub(super) kind: DeploymentKind,
}

/// The first successful production deployment of a change.
#[derive(Debug, Clone, Copy)]
pub(super) struct FirstShip {
    pub(super) finish: i64,
    pub(super) committed: Option<i64>,
    pub(super) service: u32,
    pub(super) env: u32,
    pub(super) team: u32,
}

/// An incident in the period: its id and `caused_by` are kept in the
/// accumulator's incident arena (no allocation per incident).
#[derive(Debug, Clone, Copy)]
pub(super) struct Inc {
    pub(super) id: Span8,
    pub(super) created: i64,
    pub(super) resolved: Option<i64>,
    pub(super) service: u32,
    pub(super) caused_by: Option<Span8>,
}

/// A release in the period, reduced to what the ITIL KPIs need.
#[derive(Debug, Clone)]
pub(super) struct Rel {
    pub(super) id: Box<str>,
    pub(super) time: Option<i64>,
    pub(super) emergency: bool,
    pub(super) outcome: Option<Outcome>,
    pub(super) on_schedule: Option<bool>,
    pub(super) states: Vec<(State, i64)>,
    pub(super) uat_passed: u64,
    pub(super) uat_failed: u64,
    pub(super) pir: bool,
    pub(super) knowledge: bool,
    pub(super) services: Vec<u32>,
    pub(super) teams: Vec<u32>,
    pub(super) envs: Vec<u32>,
    pub(super) incidents: Vec<Box<str>>,
}

/// A deployment's fields as the KPIs read them, borrowed from wherever
/// they are held: the input of
/// [`KpiAccumulator::add_deployment_fields`] (the fields of a
/// [`DeploymentRecord`] of the same name; times in Unix seconds).
#[derive(Debug, Clone, Copy)]
pub struct DeploymentFields<'a> {
    /// The deployment id.
    pub id: &'a str,
    /// The service deployed.
    pub service: &'a str,
    /// The environment deployed to.
    pub environment: &'a str,
    /// The team, if any.
    pub team: Option<&'a str>,
    /// The release deployed, if any.
    pub release_id: Option<&'a str>,
    /// When it finished, in Unix seconds.
    pub finished_at: i64,
    /// How it ended.
    pub outcome: Outcome,
    /// Planned, emergency, hotfix or rework.
    pub kind: DeploymentKind,
}

/// An incident's fields as the KPIs read them, borrowed: the input of
/// [`KpiAccumulator::add_incident_fields`] (the fields of an [`Incident`]
/// of the same name; times in Unix seconds).
#[derive(Debug, Clone, Copy)]
pub struct IncidentFields<'a> {
    /// The incident id.
    pub id: &'a str,
    /// The service affected, if known.
    pub service: Option<&'a str>,
    /// When it was opened, in Unix seconds.
    pub created_at: i64,
    /// When it was resolved, in Unix seconds, if it was.
    pub resolved_at: Option<i64>,
    /// The deployment that caused it, if known.
    pub caused_by: Option<&'a str>,
}

/// Accumulates history records for [`KpiReport`]s; accumulators over any
/// partition of the records [`merge`](KpiAccumulator::merge) into exactly
/// the report of one accumulator over all of them; they travel between
/// processes as bytes ([`to_bytes`](KpiAccumulator::to_bytes),
/// [`from_bytes`](KpiAccumulator::from_bytes)).
///
/// Memory: per production deployment in the period, 48 bytes plus the
/// bytes of its id (kept back to back in one string); per change shipped
/// by a successful production deployment, 64 bytes plus the bytes of its
/// id; per incident in the period, 64 bytes plus the bytes of its id and
/// `caused_by` (kept back to back in one string); per release, a few hundred bytes. Records
/// outside the period or not in production cost a counter only. `finish`
/// needs about as much again while it works (sorted copies, facts).
#[derive(Debug, Clone)]
pub struct KpiAccumulator {
    pub(super) settings: KpiSettings,
    pub(super) tz: Option<chrono_tz::Tz>,
    pub(super) from: Option<i64>,
    pub(super) to: Option<i64>,
    pub(super) production: Vec<String>,
    pub(super) names: Names,
    pub(super) deps: Vec<Dep>,
    pub(super) prod_names: Vec<u32>,
    pub(super) ids: Arena,
    pub(super) change_ids: Arena,
    pub(super) incident_text: Arena,
    pub(super) shipments: Vec<Shipment>,
    pub(super) incidents: Vec<Inc>,
    pub(super) releases: Vec<Rel>,
    pub(super) counts: RecordCounts,
    pub(super) negative_stays: u64,
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
            incident_text: Arena::default(),
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

    pub(super) fn in_period(&self, t: i64) -> bool {
        self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|e| t < e)
    }

    /// An accumulator over every record of `history`, built on every core:
    /// the history is split into contiguous shards (as many as batch
    /// threads), each accumulated on its own thread, then merged in shard
    /// order — exactly the accumulator of [`add_history`] on one thread
    /// (merging is exact, see [`merge`]). Errors are the serial run's: the
    /// first bad deployment, else the first bad incident.
    ///
    /// [`add_history`]: KpiAccumulator::add_history
    /// [`merge`]: KpiAccumulator::merge
    pub fn of_history(settings: KpiSettings, history: &History) -> Result<KpiAccumulator> {
        let records = history
            .deployments
            .len()
            .saturating_add(history.incidents.len())
            .saturating_add(history.releases.len());
        let threads = parallel::threads();
        if threads < 2 || records < MIN_SHARDED_RECORDS {
            let mut acc = KpiAccumulator::new(settings)?;
            acc.add_history(history)?;
            return Ok(acc);
        }
        let parts = threads.min(records / (MIN_SHARDED_RECORDS / 2)).max(1);
        KpiAccumulator::of_history_in_shards(settings, history, parts)
    }

    /// [`of_history`](KpiAccumulator::of_history) with exactly `parts`
    /// contiguous shards (at most one per record; on as many threads as
    /// batch work has): the same accumulator whatever `parts`.
    pub fn of_history_in_shards(
        settings: KpiSettings,
        history: &History,
        parts: usize,
    ) -> Result<KpiAccumulator> {
        let records = history
            .deployments
            .len()
            .max(history.incidents.len())
            .max(history.releases.len());
        let parts = parts.clamp(1, records.max(1));
        let deps = parallel::ranges(history.deployments.len(), parts);
        let incs = parallel::ranges(history.incidents.len(), parts);
        let rels = parallel::ranges(history.releases.len(), parts);
        let shard = |k: usize| -> std::result::Result<KpiAccumulator, (u8, Error)> {
            let mut acc = KpiAccumulator::new(settings.clone()).map_err(|e| (0, e))?;
            let mine = deps.get(k).cloned().unwrap_or(0..0);
            acc.deps.reserve(mine.len());
            for i in mine {
                if let Some(d) = history.deployments.get(i) {
                    acc.add_deployment(d)
                        .map_err(|p| (1, prefixed("deployments", i, p)))?;
                }
            }
            for i in incs.get(k).cloned().unwrap_or(0..0) {
                if let Some(inc) = history.incidents.get(i) {
                    acc.add_incident(inc)
                        .map_err(|p| (2, prefixed("incidents", i, p)))?;
                }
            }
            for r in rels
                .get(k)
                .and_then(|r| history.releases.get(r.clone()))
                .unwrap_or(&[])
            {
                acc.add_release(r);
            }
            Ok(acc)
        };
        let shards = parallel::map_range(parts, shard);
        // The serial run stops at the first bad deployment, else at the
        // first bad incident: the earliest shard failing in the earliest
        // phase holds it.
        let mut first_error: Option<(u8, Error)> = None;
        for (phase, e) in shards.iter().filter_map(|s| s.as_ref().err()) {
            if first_error.as_ref().is_none_or(|(p, _)| phase < p) {
                first_error = Some((*phase, e.clone()));
            }
        }
        if let Some((_, e)) = first_error {
            return Err(e);
        }
        let mut merged: Option<KpiAccumulator> = None;
        for acc in shards.into_iter().flatten() {
            match &mut merged {
                None => merged = Some(acc),
                Some(m) => m.merge(acc)?,
            }
        }
        match merged {
            Some(m) => Ok(m),
            None => KpiAccumulator::new(settings),
        }
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
        self.deps.reserve(deployments.len());
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
        self.push_deployment(
            &DeploymentFields {
                id: &d.id,
                service: &d.service,
                environment: &d.environment,
                team: d.team.as_deref(),
                release_id: d.release_id.as_deref(),
                finished_at: d.finished_at.unix_seconds(),
                outcome: d.outcome,
                kind: d.kind,
            },
            d.changes.iter().map(|c| {
                (
                    c.id.as_str(),
                    c.committed_at.as_ref().map(|t| t.unix_seconds()),
                )
            }),
        );
        Ok(())
    }

    /// Feeds one deployment given as borrowed fields and its changes as
    /// `(id, committed_at)` pairs (Unix seconds): what
    /// [`add_deployment`](KpiAccumulator::add_deployment) keeps of a
    /// [`DeploymentRecord`], without building one — for readers of
    /// columnar input (`relman-arrow`) that hold the strings already. The
    /// accumulator is the same as after `add_deployment` of the record with
    /// these fields.
    ///
    /// The record's own checks are the caller's: a non-empty `id`, the
    /// read-time limits, and `finished_at` not before `started_at`
    /// (`add_deployment` checks the last).
    pub fn add_deployment_fields<'c>(
        &mut self,
        fields: &DeploymentFields<'_>,
        changes: impl IntoIterator<Item = (&'c str, Option<i64>)>,
    ) {
        self.push_deployment(fields, changes);
    }

    fn push_deployment<'c>(
        &mut self,
        d: &DeploymentFields<'_>,
        changes: impl IntoIterator<Item = (&'c str, Option<i64>)>,
    ) {
        let finish = d.finished_at;
        self.counts.deployments_read = self.counts.deployments_read.saturating_add(1);
        if !self.in_period(finish) {
            self.counts.deployments_outside_period =
                self.counts.deployments_outside_period.saturating_add(1);
            return;
        }
        let Some(env) = self
            .production
            .iter()
            .position(|e| *e == d.environment)
            .and_then(|k| self.prod_names.get(k).copied())
        else {
            self.counts.deployments_not_production =
                self.counts.deployments_not_production.saturating_add(1);
            return;
        };
        let service = self.names.intern(d.service);
        // Teams are only needed to group by them.
        let team = match (d.team, self.settings.group_by) {
            (Some(t), Some(KpiGroupBy::Team)) => self.names.intern(t),
            _ => NONE,
        };
        let release = d.release_id.map_or(NONE, |r| self.names.intern(r));
        let id = self.ids.push(d.id);
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
            for (change, committed) in changes {
                let ship = FirstShip {
                    finish,
                    committed,
                    service,
                    env,
                    team,
                };
                let id = self.change_ids.push(change);
                self.shipments.push(Shipment {
                    hash: fx_hash(change),
                    id,
                    ship,
                });
            }
        }
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
        self.add_incident_fields(&IncidentFields {
            id: &inc.id,
            service: inc.service.as_deref(),
            created_at: inc.created_at.unix_seconds(),
            resolved_at: inc.resolved_at.as_ref().map(|t| t.unix_seconds()),
            caused_by: inc.caused_by.as_deref(),
        });
        Ok(())
    }

    /// Feeds one incident given as borrowed fields (times in Unix
    /// seconds): the accumulator is the same as after
    /// [`add_incident`](KpiAccumulator::add_incident) of the record with
    /// these fields. The record's own checks are the caller's: a non-empty
    /// `id`, the read-time limits, and `resolved_at` not before
    /// `created_at` (`add_incident` checks the last).
    pub fn add_incident_fields(&mut self, inc: &IncidentFields<'_>) {
        self.counts.incidents_read = self.counts.incidents_read.saturating_add(1);
        let created = inc.created_at;
        if !self.in_period(created) {
            self.counts.incidents_outside_period =
                self.counts.incidents_outside_period.saturating_add(1);
            return;
        }
        let service = inc.service.map_or(NONE, |s| self.names.intern(s));
        let id = self.incident_text.push(inc.id);
        let caused_by = inc.caused_by.map(|c| self.incident_text.push(c));
        self.incidents.push(Inc {
            id,
            created,
            resolved: inc.resolved_at,
            service,
            caused_by,
        });
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

    /// Computes the report. Duplicate deployment ids among the records fed
    /// are `invalid_input`.
    pub fn finish(self) -> Result<KpiReport> {
        super::finish::finish(self)
    }
}

pub(super) fn prefixed(list: &str, i: usize, p: Problem) -> Error {
    Error::InvalidInput {
        problems: vec![Problem::new(format!("{list}[{i}].{}", p.path), p.message)],
    }
}

pub(super) fn is_success(o: Outcome) -> bool {
    matches!(o, Outcome::Success | Outcome::SuccessWithIssues)
}
