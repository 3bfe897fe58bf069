//! The finisher: from an accumulator to the [`KpiReport`] — the canonical
//! order of deployments, recovery, first shipments of changes, the period
//! covered and the warnings, then the KPIs over the whole period, the
//! series and the groups (`docs/kpi.md`).

use super::accumulate::{is_success, Dep, FirstShip, Rel, Shipment};
use super::attribute::{attribute, Attributed};
use super::days::{day_text, days_of, Span};
use super::dora::DORA_2023;
use super::dora_keys::dora_keys;
use super::groups::{group, group_keys};
use super::intern::{fx_hash, Names, NONE};
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
use crate::policy::KpiGroupBy;
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

/// For every deployment (canonical order), the finish time of the next
/// successful deployment of the same service and environment finishing
/// strictly later. The deployments are grouped by (service, environment)
/// — a distribution sort of (key, position), so each group lists its
/// members in canonical order — and each group is swept backward on its
/// own, a run of equal finish times at once; groups run on every core, in
/// contiguous ranges, and their answers are put back by position.
fn next_success(deps: &[Dep]) -> Vec<Option<i64>> {
    let keyed: Vec<(u64, usize)> = deps
        .iter()
        .enumerate()
        .map(|(pos, d)| ((u64::from(d.service) << 32) | u64::from(d.env), pos))
        .collect();
    let keyed = sort::sort_by_key_then(keyed, |e| e.0, |a, b| a.cmp(b));
    // Group boundaries: where the key changes.
    let mut bounds: Vec<usize> = Vec::new();
    let mut previous = None;
    for (k, e) in keyed.iter().enumerate() {
        if previous != Some(e.0) {
            bounds.push(k);
            previous = Some(e.0);
        }
    }
    bounds.push(keyed.len());
    let finish_of = |e: &(u64, usize)| deps.get(e.1).map_or(0, |d| d.finish);
    let success_of = |e: &(u64, usize)| deps.get(e.1).is_some_and(|d| is_success(d.outcome));
    let sweep = |members: &[(u64, usize)], out: &mut Vec<(usize, Option<i64>)>| {
        let mut latest: Option<i64> = None;
        let mut answers = vec![None; members.len()];
        let mut end = members.len();
        while end > 0 {
            let finish = members.get(end.saturating_sub(1)).map_or(0, finish_of);
            let mut start = end.saturating_sub(1);
            while start > 0
                && members
                    .get(start.saturating_sub(1))
                    .is_some_and(|e| finish_of(e) == finish)
            {
                start = start.saturating_sub(1);
            }
            if let Some(slots) = answers.get_mut(start..end) {
                slots.fill(latest);
            }
            if members
                .get(start..end)
                .is_some_and(|run| run.iter().any(success_of))
            {
                latest = Some(finish);
            }
            end = start;
        }
        out.extend(members.iter().zip(answers).map(|(e, a)| (e.1, a)));
    };
    let groups = bounds.len().saturating_sub(1);
    let chunks = parallel::ranges(groups, parallel::threads().saturating_mul(4).max(1));
    let swept: Vec<Vec<(usize, Option<i64>)>> = parallel::map(&chunks, |r| {
        let mut out = Vec::new();
        for g in r.clone() {
            let (Some(&a), Some(&b)) = (bounds.get(g), bounds.get(g.saturating_add(1))) else {
                continue;
            };
            sweep(keyed.get(a..b).unwrap_or(&[]), &mut out);
        }
        out
    });
    let mut next_ok: Vec<Option<i64>> = vec![None; deps.len()];
    for (pos, next) in swept.into_iter().flatten() {
        if let Some(slot) = next_ok.get_mut(pos) {
            *slot = next;
        }
    }
    next_ok
}

/// The key a fact is grouped by ([`NONE`] without grouping).
fn group_key(by: Option<KpiGroupBy>, service: u32, team: u32, env: u32) -> u32 {
    match by {
        Some(KpiGroupBy::Service) => service,
        Some(KpiGroupBy::Team) => team,
        Some(KpiGroupBy::Environment) => env,
        None => NONE,
    }
}

/// An instant as an unsigned key in the same order (the sign bit flipped).
fn time_key(t: i64) -> u64 {
    (t as u64) ^ (1 << 63)
}

/// A production deployment with everything the KPIs need.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct DepFact {
    pub(super) day: i32,
    pub(super) bucket: i32,
    /// The group key (service, team or environment, as grouped; [`NONE`]
    /// without grouping).
    pub(super) key: u32,
    pub(super) success: bool,
    pub(super) failure: bool,
    pub(super) bad_outcome: bool,
    pub(super) with_incident: bool,
    pub(super) rework: bool,
    pub(super) recovery: Option<i64>,
    pub(super) incidents: u64,
}

/// A lead time with where it belongs: 16 bytes (2.3 million of them at
/// a million deployments).
#[derive(Debug, Clone, Copy)]
pub(super) struct LeadFact {
    pub(super) bucket: i32,
    /// The group key (service, team or environment, as grouped; [`NONE`]
    /// without grouping).
    pub(super) key: u32,
    /// The lead in seconds, [`NO_LEAD`] without a commit time.
    lead: i64,
}

/// No lead (a change without `committed_at`). Instants are within
/// chrono's ±262,143 years, so a true lead is never `i64::MIN`; one that
/// were would be negative, and negative leads are only counted.
const NO_LEAD: i64 = i64::MIN;

impl LeadFact {
    fn new(bucket: i32, key: u32, lead: Option<i64>) -> LeadFact {
        LeadFact {
            bucket,
            key,
            lead: lead.map_or(NO_LEAD, |l| l.max(NO_LEAD.saturating_add(1))),
        }
    }

    /// The lead in seconds, if the change has a commit time.
    pub(super) fn lead(&self) -> Option<i64> {
        (self.lead != NO_LEAD).then_some(self.lead)
    }
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
        // (Large lists are sorted by distribution on every core:
        // `sort::sort_by_key_then`; ids are compared only on equal times.)
        let ids = &acc.ids;
        let deps = sort::sort_by_key_then(
            std::mem::take(&mut acc.deps),
            |d| time_key(d.finish),
            |a, b| {
                a.finish
                    .cmp(&b.finish)
                    .then_with(|| ids.get(a.id).cmp(ids.get(b.id)))
            },
        );
        // Ids by hash, for `caused_by` look-ups and the duplicate check.
        let by_id: Vec<(u64, usize)> = parallel::map_range(deps.len(), |pos| {
            (deps.get(pos).map_or(0, |d| fx_hash(acc.ids.get(d.id))), pos)
        });
        let dep_id = |pos: usize| deps.get(pos).map_or("", |d| acc.ids.get(d.id));
        let by_id = sort::sort_by_key_then(
            by_id,
            |e| e.0,
            |a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| dep_id(a.1).cmp(dep_id(b.1)))
                    .then(a.1.cmp(&b.1))
            },
        );
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

        let next_ok = next_success(&deps);

        // One fact per deployment, on every core (local days and buckets
        // cost a time-zone conversion each).
        let facts: Vec<DepFact> = parallel::map_range(deps.len(), |pos| {
            let Some(d) = deps.get(pos) else {
                return DepFact::default();
            };
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
            DepFact {
                day,
                bucket: acc.bucket(day),
                key: group_key(acc.settings.group_by, d.service, d.team, d.env),
                success: is_success(d.outcome),
                failure,
                bad_outcome,
                with_incident: incidents > 0,
                rework: matches!(d.kind, DeploymentKind::Hotfix | DeploymentKind::Rework),
                recovery,
                incidents,
            }
        });

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
        let order = sort::sort_by_key_then(
            order,
            |e| e.0,
            |a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| match (at(a.1), at(b.1)) {
                        (Some(x), Some(y)) => change_id(x).cmp(change_id(y)).then_with(|| {
                            ship_key(&acc.names, &x.ship).cmp(&ship_key(&acc.names, &y.ship))
                        }),
                        _ => std::cmp::Ordering::Equal,
                    })
                    .then(a.1.cmp(&b.1))
            },
        );
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
        // The lead facts of the winners in feeding order, in contiguous
        // chunks on every core, concatenated in order.
        let chunks = parallel::ranges(
            shipments.len(),
            parallel::threads().saturating_mul(4).max(1),
        );
        let parts: Vec<Vec<LeadFact>> = parallel::map(&chunks, |r| {
            let ships = shipments.get(r.clone()).unwrap_or(&[]);
            let lost = loser.get(r.clone()).unwrap_or(&[]);
            ships
                .iter()
                .zip(lost)
                .filter(|(_, lost)| !**lost)
                .map(|(shipment, _)| {
                    let s = &shipment.ship;
                    let day = acc.day(s.finish);
                    let key = group_key(acc.settings.group_by, s.service, s.team, s.env);
                    LeadFact::new(
                        acc.bucket(day),
                        key,
                        s.committed.map(|c| s.finish.saturating_sub(c)),
                    )
                })
                .collect()
        });
        let total = parts.iter().map(Vec::len).sum::<usize>();
        let mut parts = parts.into_iter();
        let mut leads = parts.next().unwrap_or_default();
        leads.reserve(total.saturating_sub(leads.len()));
        for part in parts {
            leads.extend_from_slice(&part);
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
                let lead_values: Vec<i64> = leads.iter().filter_map(LeadFact::lead).collect();
                let all_deps: Vec<&DepFact> = deps.iter().collect();
                let all_rels: Vec<&RelFact<'_>> = rels.iter().collect();
                let without_commit = leads.iter().filter(|l| l.lead().is_none()).count() as u64;
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

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::engine::kpi::arena::Span8;

    /// Deployments with many equal finish times, 7 services, 2
    /// environments and every outcome, in canonical (time) order.
    fn deps(n: u64) -> Vec<Dep> {
        let mut deps: Vec<Dep> = (0..n)
            .map(|i| {
                let r = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17;
                Dep {
                    finish: (r % (n / 3 + 1)) as i64,
                    id: Span8 { start: i, len: 0 },
                    service: (r % 7) as u32,
                    env: ((r >> 5) % 2) as u32,
                    team: 0,
                    release: u32::MAX,
                    outcome: [
                        Outcome::Success,
                        Outcome::Failed,
                        Outcome::SuccessWithIssues,
                        Outcome::RolledBack,
                    ][((r >> 9) % 4) as usize],
                    kind: DeploymentKind::Planned,
                }
            })
            .collect();
        deps.sort_by_key(|d| d.finish);
        deps
    }

    /// The definition, one deployment at a time.
    fn oracle(deps: &[Dep]) -> Vec<Option<i64>> {
        deps.iter()
            .map(|d| {
                deps.iter()
                    .filter(|e| {
                        e.service == d.service
                            && e.env == d.env
                            && e.finish > d.finish
                            && is_success(e.outcome)
                    })
                    .map(|e| e.finish)
                    .min()
            })
            .collect()
    }

    #[test]
    fn the_grouped_sweep_is_the_definition_at_any_thread_count() {
        for n in [0, 1, 2, 50, 1_500] {
            let deps = deps(n);
            let want = oracle(&deps);
            for threads in [1, 2, 3] {
                let got = parallel::with_threads(threads, || next_success(&deps));
                assert_eq!(got, want, "{n} deployments, {threads} threads");
            }
        }
        // Large enough for the distribution sort on every core.
        let deps = deps(200_000);
        let one = parallel::with_threads(1, || next_success(&deps));
        let two = parallel::with_threads(2, || next_success(&deps));
        assert_eq!(one, two);
    }
}
