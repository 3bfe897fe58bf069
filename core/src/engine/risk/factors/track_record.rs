//! `track_record`: the failure rate of past deployments of the release's
//! services, smoothed with the policy's prior, and the history index it
//! reads (`docs/risk.md`, "The factors").

use super::{Computed, Detail, Num};
use crate::risk::RiskAssessor;
use crate::{History, Outcome, Release};
use serde::ser::SerializeMap;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// The history's deployments by service, in time order, for the
/// track record.
#[derive(Debug)]
pub(crate) struct TrackIndex {
    /// Per service: (finished_at in Unix seconds, failures so far including
    /// this one), sorted by time.
    by_service: HashMap<String, Vec<(i64, u32)>>,
}

fn failed(outcome: Outcome) -> bool {
    matches!(outcome, Outcome::Failed | Outcome::RolledBack)
}

impl TrackIndex {
    pub(crate) fn new(history: &History) -> Self {
        let mut raw: HashMap<&str, Vec<(i64, bool)>> = HashMap::new();
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
                (service.to_string(), cumulative)
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

/// What the factor used: rendered only when the assessment is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TrackRecord<'a> {
    /// No history: the prior.
    NoHistory { rate: f64, strength: f64 },
    /// The counts over the release's services.
    Counted {
        services: Vec<&'a str>,
        deployments: usize,
        failures: u64,
        rate: f64,
        strength: f64,
        value: f64,
    },
}

/// The factor's value and typed inputs; `known` are the affected CIs found
/// in the CMDB, `as_of` the time before which history counts.
pub(super) fn compute<'a>(
    a: &'a RiskAssessor<'_>,
    r: &'a Release,
    known: &[u32],
    as_of: Option<i64>,
) -> Computed<'a> {
    let prior = &a.policy().risk.track_record_prior;
    let alpha = prior.failure_rate * prior.strength;
    let Some(track) = &a.track else {
        return Computed {
            value: prior.failure_rate,
            detail: Detail::TrackRecord(TrackRecord::NoHistory {
                rate: prior.failure_rate,
                strength: prior.strength,
            }),
        };
    };
    let mut services: BTreeSet<&str> = r.services.iter().map(String::as_str).collect();
    if let Some(cmdb) = &a.cmdb {
        for &i in known {
            if let Some(s) = cmdb.ci(i).and_then(|c| c.service.as_deref()) {
                services.insert(s);
            }
        }
    }
    let (mut n, mut f) = (0usize, 0u64);
    for s in &services {
        let (dn, df) = track.count(s, as_of);
        n = n.saturating_add(dn);
        f = f.saturating_add(u64::from(df));
    }
    let value = (f as f64 + alpha) / (n as f64 + prior.strength);
    Computed {
        value,
        detail: Detail::TrackRecord(TrackRecord::Counted {
            services: services.into_iter().collect(),
            deployments: n,
            failures: f,
            rate: prior.failure_rate,
            strength: prior.strength,
            value,
        }),
    }
}

impl TrackRecord<'_> {
    /// [`TrackRecord::inputs`] written straight to a map, keys sorted.
    pub(super) fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        match self {
            TrackRecord::NoHistory { rate, strength } => {
                m.serialize_entry("history", &false)?;
                m.serialize_entry("prior_failure_rate", &Num(*rate))?;
                m.serialize_entry("prior_strength", &Num(*strength))
            }
            TrackRecord::Counted {
                services,
                deployments,
                failures,
                rate,
                strength,
                ..
            } => {
                m.serialize_entry("deployments", deployments)?;
                m.serialize_entry("failures", failures)?;
                m.serialize_entry("prior_failure_rate", &Num(*rate))?;
                m.serialize_entry("prior_strength", &Num(*strength))?;
                m.serialize_entry("services", services)
            }
        }
    }
}

impl fmt::Display for TrackRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrackRecord::NoHistory { rate, .. } => write!(
                f,
                "no history in the context: the prior failure rate {rate} is used"
            ),
            TrackRecord::Counted { services, rate, .. } if services.is_empty() => write!(
                f,
                "the release names no service: the prior failure rate {rate} is used"
            ),
            TrackRecord::Counted {
                services,
                deployments,
                failures,
                value,
                ..
            } => write!(
                f,
                "{} of {} past deployments of {} failed; smoothed with the prior, the failure rate is {:.3}",
                failures,
                deployments,
                services.join(", "),
                value
            ),
        }
    }
}
