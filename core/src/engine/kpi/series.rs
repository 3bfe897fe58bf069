//! The series: the KPIs per week or month, every bucket touching the
//! period, empty ones included (`docs/kpi.md`, "Series and groups").

use super::days::{bucket_days, bucket_key_after, date, day_text, Span};
use super::finish::{kpi_set, DepFact, LeadFact, LooseIncident, RelFact};
use super::{KpiAccumulator, SeriesBucket, MAX_SERIES_POINTS};
use crate::error::{Error, Result};
use crate::policy::SeriesInterval;
use std::ops::Range;

/// One bucket of the series to compute: its key, its days inside the
/// period and its deployments and lead times (ranges of the facts sorted
/// by bucket).
#[derive(Debug, Clone)]
pub(super) struct BucketJob {
    key: i32,
    first_day: i32,
    span: Span,
    deps: Range<usize>,
    leads: Range<usize>,
}

/// The buckets over `span_of_period`; sorts `facts` and `lead_facts` by
/// bucket (a stable order of contents is not needed: every KPI of a
/// bucket is a count, a sum or an order statistic). A series of more than
/// [`MAX_SERIES_POINTS`] points is `limit_exceeded`.
pub(super) fn bucket_jobs(
    acc: &KpiAccumulator,
    span_of_period: Option<Span>,
    facts: &mut [DepFact],
    lead_facts: &mut Vec<LeadFact>,
) -> Result<Vec<BucketJob>> {
    let mut jobs = Vec::new();
    let Some(span) = span_of_period else {
        return Ok(jobs);
    };
    // Deployments are in time order, so (nearly always) already by
    // bucket; lead times are in feeding order: a distribution sort by
    // bucket key (one bucket per key on a series of weeks or months).
    if !facts.is_sorted_by_key(|d| d.bucket) {
        facts.sort_unstable_by_key(|d| d.bucket);
    }
    if !lead_facts.is_sorted_by_key(|l| l.bucket) {
        *lead_facts = super::sort::sort_by_key_then(
            std::mem::take(lead_facts),
            |l| (i64::from(l.bucket) as u64) ^ (1 << 63),
            |a, b| a.bucket.cmp(&b.bucket),
        );
    }
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
        let dn = facts
            .get(di..)
            .map_or(0, |s| s.partition_point(|d| d.bucket <= b));
        let ln = lead_facts
            .get(li..)
            .map_or(0, |s| s.partition_point(|l| l.bucket <= b));
        jobs.push(BucketJob {
            key: b,
            first_day,
            span: bucket_span,
            deps: di..di.saturating_add(dn),
            leads: li..li.saturating_add(ln),
        });
        di = di.saturating_add(dn);
        li = li.saturating_add(ln);
        let after = bucket_key_after(b, acc.settings.series);
        if after <= b {
            // Saturated at the last key: nothing after it.
            break;
        }
        b = after;
    }
    Ok(jobs)
}

/// The KPIs of one bucket (`facts` and `lead_facts` sorted by
/// [`bucket_jobs`]).
pub(super) fn bucket(
    acc: &KpiAccumulator,
    job: &BucketJob,
    facts: &[DepFact],
    lead_facts: &[LeadFact],
    loose_incidents: &[LooseIncident],
    rels: &[RelFact<'_>],
) -> SeriesBucket {
    let b = job.key;
    let deps: Vec<&DepFact> = facts
        .get(job.deps.clone())
        .map_or(Vec::new(), |s| s.iter().collect());
    let slice = lead_facts.get(job.leads.clone()).unwrap_or(&[]);
    let no_commit = slice.iter().filter(|l| l.lead().is_none()).count() as u64;
    let values: Vec<i64> = slice.iter().filter_map(LeadFact::lead).collect();
    let loose = loose_incidents.iter().filter(|l| l.bucket == b).count() as u64;
    let brels: Vec<&RelFact<'_>> = rels.iter().filter(|r| r.bucket == Some(b)).collect();
    let kpis = kpi_set(
        acc.settings.week_start,
        &deps,
        &values,
        no_commit,
        loose,
        &brels,
        Some(job.span),
    );
    let key = match acc.settings.series {
        SeriesInterval::Week => day_text(b),
        SeriesInterval::Month => date(job.first_day).format("%Y-%m").to_string(),
    };
    SeriesBucket {
        bucket: key,
        first_day: day_text(job.span.first),
        last_day: day_text(job.span.last),
        kpis,
    }
}
