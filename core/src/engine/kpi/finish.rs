//! The finisher: from an accumulator to the [`KpiReport`] — the canonical
//! order of deployments, recovery, first shipments of changes, the period
//! covered and the warnings, then the KPIs over the whole period, the
//! series and the groups (`docs/kpi.md`).

use super::accumulate::{is_success, FirstShip, Rel, Shipment};
use super::attribute::{attribute, Attributed};
use super::days::{day_text, days_of, Span};
use super::dora::DORA_2023;
use super::dora_keys::dora_keys;
use super::groups::{group, group_keys};
use super::intern::{fx_hash, HashMap, Names};
use super::itil::itil;
use super::series::{bucket, bucket_jobs, BucketJob};
use super::sort;
use super::{
    AttributionSummary, BenchmarkRef, KpiAccumulator, KpiGroup, KpiReport, KpiSet, PeriodSpan,
    SeriesBucket,
};
use crate::document::{DeploymentKind, Outcome, Weekday};
use crate::error::{Error, Result, Warning};
use crate::foundation::parallel;
use std::collections::BTreeSet;

/// Computes the report of `acc`.
pub(super) fn finish(acc: KpiAccumulator) -> Result<KpiReport> {
    Finisher::new(acc)?.report()
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

/// A production deployment with everything the KPIs need.
#[derive(Debug, Clone, Copy)]
pub(super) struct DepFact {
    pub(super) day: i32,
    pub(super) bucket: i32,
    pub(super) service: u32,
    pub(super) env: u32,
    pub(super) team: u32,
    pub(super) success: bool,
    pub(super) failure: bool,
    pub(super) bad_outcome: bool,
    pub(super) with_incident: bool,
    pub(super) rework: bool,
    pub(super) recovery: Option<i64>,
    pub(super) incidents: u64,
}

/// A lead time with where it belongs.
#[derive(Debug, Clone, Copy)]
pub(super) struct LeadFact {
    pub(super) bucket: i32,
    pub(super) service: u32,
    pub(super) env: u32,
    pub(super) team: u32,
    pub(super) lead: Option<i64>,
}

/// An unattributed incident with where it belongs.
#[derive(Debug, Clone, Copy)]
pub(super) struct LooseIncident {
    pub(super) bucket: i32,
    pub(super) service: u32,
}

/// A release with where it belongs and its incident count.
#[derive(Debug)]
pub(super) struct RelFact<'a> {
    pub(super) bucket: Option<i32>,
    pub(super) rel: &'a Rel,
    pub(super) incidents: u64,
}

/// One KPI set of the report to compute.
enum Job<'a> {
    /// The whole period.
    Whole,
    /// A bucket of the series.
    Bucket(&'a BucketJob),
    /// A group (its interned key).
    Group(u32),
}

/// A computed KPI set, in its place in the report.
enum Done {
    Whole(KpiSet),
    Bucket(SeriesBucket),
    Group(KpiGroup),
    Nothing,
}

/// What the report is computed from: the accumulator and the facts derived
/// from its records.
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
        // (Large lists are sorted on every core: `sort::sort_by`.)
        let ids = &acc.ids;
        let deps = sort::sort_by(std::mem::take(&mut acc.deps), |a, b| {
            a.finish
                .cmp(&b.finish)
                .then_with(|| ids.get(a.id).cmp(ids.get(b.id)))
        });
        // Ids by hash, for `caused_by` look-ups and the duplicate check.
        let by_id: Vec<(u64, usize)> = parallel::map_range(deps.len(), |pos| {
            (deps.get(pos).map_or(0, |d| fx_hash(acc.ids.get(d.id))), pos)
        });
        let dep_id = |pos: usize| deps.get(pos).map_or("", |d| acc.ids.get(d.id));
        let by_id = sort::sort_by(by_id, |a, b| {
            a.0.cmp(&b.0)
                .then_with(|| dep_id(a.1).cmp(dep_id(b.1)))
                .then(a.1.cmp(&b.1))
        });
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
        // Taken before attribution borrows the rest of `acc`.
        let shipments = std::mem::take(&mut acc.shipments);
        let Attributed {
            incidents_of,
            resolution,
            summary: attribution,
            loose,
            incident_release,
        } = attribute(&acc, &deps, &by_id);

        // The next successful deployment of the same service and
        // environment finishing strictly later: one backward sweep over the
        // deployments in time order, a group of equal finish times at once.
        let mut next_ok: Vec<Option<i64>> = vec![None; deps.len()];
        let mut latest_ok: HashMap<(u32, u32), i64> = HashMap::default();
        let mut end = deps.len();
        while end > 0 {
            let finish = deps.get(end.saturating_sub(1)).map_or(0, |d| d.finish);
            // The group of equal finish times ending at `end`: a short walk
            // back (a binary search over the whole prefix per group missed
            // the cache at every probe).
            let mut start = end.saturating_sub(1);
            while start > 0
                && deps
                    .get(start.saturating_sub(1))
                    .is_some_and(|d| d.finish == finish)
            {
                start = start.saturating_sub(1);
            }
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
        let change_id = |s: &Shipment| acc.change_ids.get(s.id);
        let at = |i: u32| shipments.get(i as usize);
        let order: Vec<(u64, u32)> = shipments
            .iter()
            .enumerate()
            .map(|(i, s)| (s.hash, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        // Ties (the same change shipped twice at the same instant by the
        // same service, environment and team) give equal lead facts; the
        // position breaks them so every thread count sorts alike.
        let order = sort::sort_by(order, |a, b| {
            a.0.cmp(&b.0)
                .then_with(|| match (at(a.1), at(b.1)) {
                    (Some(x), Some(y)) => change_id(x).cmp(change_id(y)).then_with(|| {
                        ship_key(&acc.names, &x.ship).cmp(&ship_key(&acc.names, &y.ship))
                    }),
                    _ => std::cmp::Ordering::Equal,
                })
                .then(a.1.cmp(&b.1))
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

        // Every KPI set — the whole period, each series bucket, each
        // group — is computed on its own: on every core, put back in order.
        let jobs = bucket_jobs(acc, self.span, &mut self.deps, &mut self.leads)?;
        let keys = group_keys(acc, &self.deps);
        let mut all: Vec<Job<'_>> =
            Vec::with_capacity(jobs.len().saturating_add(keys.len()).saturating_add(1));
        all.push(Job::Whole);
        all.extend(jobs.iter().map(Job::Bucket));
        all.extend(keys.iter().map(|k| Job::Group(*k)));
        let (deps, leads, loose, span) = (&self.deps, &self.leads, &self.loose, self.span);
        let done = parallel::map(&all, |job| match job {
            Job::Whole => {
                let lead_values: Vec<i64> = leads.iter().filter_map(|l| l.lead).collect();
                let all_deps: Vec<&DepFact> = deps.iter().collect();
                let all_rels: Vec<&RelFact<'_>> = rels.iter().collect();
                let without_commit = leads.iter().filter(|l| l.lead.is_none()).count() as u64;
                Done::Whole(kpi_set(
                    acc.settings.week_start,
                    &all_deps,
                    &lead_values,
                    without_commit,
                    loose.len() as u64,
                    &all_rels,
                    span,
                ))
            }
            Job::Bucket(b) => Done::Bucket(bucket(acc, b, deps, leads, loose, &rels)),
            Job::Group(k) => match group(acc, *k, deps, leads, loose, &rels, span) {
                Some(g) => Done::Group(g),
                None => Done::Nothing,
            },
        });
        let mut kpis = None;
        let mut series = Vec::with_capacity(jobs.len());
        let mut groups = Vec::with_capacity(keys.len());
        for d in done {
            match d {
                Done::Whole(k) => kpis = Some(k),
                Done::Bucket(b) => series.push(b),
                Done::Group(g) => groups.push(g),
                Done::Nothing => {}
            }
        }
        let Some(kpis) = kpis else {
            return Err(Error::invalid_input("", "no KPI set was computed"));
        };

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
}

/// Every KPI of one set of records.
pub(super) fn kpi_set(
    week_start: Weekday,
    deps: &[&DepFact],
    leads: &[i64],
    without_commit: u64,
    loose: u64,
    rels: &[&RelFact<'_>],
    span: Option<Span>,
) -> KpiSet {
    KpiSet {
        dora: dora_keys(week_start, deps, leads, without_commit, loose, span),
        itil: itil(rels),
    }
}
