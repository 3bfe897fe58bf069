//! The series: the KPIs per week or month, every bucket touching the
//! period, empty ones included (`docs/kpi.md`, "Series and groups").

use super::days::{bucket_days, bucket_key_after, date, day_text, Span};
use super::finish::{kpi_set, DepFact, LeadFact, LooseIncident, RelFact};
use super::{KpiAccumulator, SeriesBucket, MAX_SERIES_POINTS};
use crate::error::{Error, Result};
use crate::policy::SeriesInterval;

/// The series over `span_of_period`; sorts `facts` and `lead_facts` by
/// bucket. A series of more than [`MAX_SERIES_POINTS`] points is
/// `limit_exceeded`.
pub(super) fn series(
    acc: &KpiAccumulator,
    span_of_period: Option<Span>,
    facts: &mut [DepFact],
    lead_facts: &mut [LeadFact],
    loose_incidents: &[LooseIncident],
    rels: &[RelFact<'_>],
) -> Result<Vec<SeriesBucket>> {
    let mut series = Vec::new();
    if let Some(span) = span_of_period {
        facts.sort_unstable_by_key(|d| d.bucket);
        lead_facts.sort_unstable_by_key(|l| l.bucket);
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
            let deps: Vec<&DepFact> = facts
                .get(di..di.saturating_add(dn))
                .map_or(Vec::new(), |s| s.iter().collect());
            di = di.saturating_add(dn);
            let ln = lead_facts
                .get(li..)
                .map_or(0, |s| s.partition_point(|l| l.bucket <= b));
            let slice = lead_facts.get(li..li.saturating_add(ln)).unwrap_or(&[]);
            li = li.saturating_add(ln);
            let no_commit = slice.iter().filter(|l| l.lead.is_none()).count() as u64;
            let values: Vec<i64> = slice.iter().filter_map(|l| l.lead).collect();
            let loose = loose_incidents.iter().filter(|l| l.bucket == b).count() as u64;
            let brels: Vec<&RelFact<'_>> = rels.iter().filter(|r| r.bucket == Some(b)).collect();
            let kpis = kpi_set(
                acc.settings.week_start,
                &deps,
                &values,
                no_commit,
                loose,
                &brels,
                Some(bucket_span),
            );
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
    Ok(series)
}
