//! `track_record`: the failure rate of past deployments of the release's
//! services, smoothed with the policy's prior, and the history index it
//! reads (`docs/risk.md`, "The factors").

use super::{computed, Computed};
use crate::risk::RiskAssessor;
use crate::{History, Outcome, Release};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

/// The history's deployments by service, in time order, for the
/// track record.
#[derive(Debug)]
pub(crate) struct TrackIndex<'a> {
    /// Per service: (finished_at in Unix seconds, failures so far including
    /// this one), sorted by time.
    by_service: HashMap<&'a str, Vec<(i64, u32)>>,
}

fn failed(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Failed | Outcome::RolledBack)
}

impl<'a> TrackIndex<'a> {
    pub(crate) fn new(history: &'a History) -> Self {
        let mut raw: HashMap<&'a str, Vec<(i64, bool)>> = HashMap::new();
        for d in &history.deployments {
            raw.entry(d.service.as_str())
                .or_default()
                .push((d.finished_at.unix_seconds(), failed(d.outcome)));
        }
        let by_service = raw
            .into_iter()
            .map(|(service, mut list)| {
                list.sort_by_key(|(t, _)| *t);
                let mut failures = 0u32;
                let cumulative = list
                    .into_iter()
                    .map(|(t, f)| {
                        failures = failures.saturating_add(u32::from(f));
                        (t, failures)
                    })
                    .collect();
                (service, cumulative)
            })
            .collect();
        TrackIndex { by_service }
    }

    /// Deployments and failures of a service finished before `as_of`.
    fn count(&self, service: &str, as_of: Option<i64>) -> (usize, u32) {
        let Some(list) = self.by_service.get(service) else {
            return (0, 0);
        };
        let n = match as_of {
            Some(t) => list.partition_point(|(at, _)| *at < t),
            None => list.len(),
        };
        let failures = n
            .checked_sub(1)
            .and_then(|i| list.get(i))
            .map_or(0, |(_, f)| *f);
        (n, failures)
    }
}

/// The factor's value, inputs and explanation; `known` are the affected
/// CIs found in the CMDB, `as_of` the time before which history counts.
pub(super) fn compute(
    a: &RiskAssessor<'_>,
    r: &Release,
    known: &[u32],
    as_of: Option<i64>,
) -> Computed {
    let prior = &a.policy().risk.track_record_prior;
    let alpha = prior.failure_rate * prior.strength;
    let mut services: BTreeSet<&str> = r.services.iter().map(String::as_str).collect();
    if let Some(cmdb) = &a.cmdb {
        for &i in known {
            if let Some(s) = cmdb.ci(i).and_then(|c| c.service.as_deref()) {
                services.insert(s);
            }
        }
    }
    let Some(track) = &a.track else {
        return computed(
            prior.failure_rate,
            json!({"history": false, "prior_failure_rate": prior.failure_rate, "prior_strength": prior.strength}),
            format!(
                "no history in the context: the prior failure rate {} is used",
                prior.failure_rate
            ),
        );
    };
    let (mut n, mut f) = (0usize, 0u64);
    for s in &services {
        let (dn, df) = track.count(s, as_of);
        n = n.saturating_add(dn);
        f = f.saturating_add(u64::from(df));
    }
    let value = (f as f64 + alpha) / (n as f64 + prior.strength);
    let names: Vec<&str> = services.iter().copied().collect();
    let explanation = if services.is_empty() {
        format!(
            "the release names no service: the prior failure rate {} is used",
            prior.failure_rate
        )
    } else {
        format!(
            "{} of {} past deployments of {} failed; smoothed with the prior, the failure rate is {:.3}",
            f,
            n,
            names.join(", "),
            value
        )
    };
    computed(
        value,
        json!({
            "services": names, "deployments": n, "failures": f,
            "prior_failure_rate": prior.failure_rate, "prior_strength": prior.strength,
        }),
        explanation,
    )
}
