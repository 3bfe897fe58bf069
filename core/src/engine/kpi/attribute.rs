//! Incident attribution: each incident in the period to the production
//! deployment that caused it, through `caused_by` or, with
//! `explicit_then_window`, by service and time window (`docs/kpi.md`,
//! "DORA").

use super::accumulate::Dep;
use super::finish::LooseIncident;
use super::intern::{fx_hash, HashMap, NONE};
use super::{AttributionSummary, KpiAccumulator};
use crate::policy::IncidentAttribution;
use std::collections::BTreeSet;

/// What attribution found.
pub(super) struct Attributed<'a> {
    /// Per deployment (canonical order): incidents attributed to it.
    pub(super) incidents_of: Vec<u64>,
    /// Per deployment: the earliest resolution, not before it finished, of
    /// an incident attributed to it.
    pub(super) resolution: Vec<Option<i64>>,
    /// The counts of the report.
    pub(super) summary: AttributionSummary,
    /// The incidents attributed to nothing.
    pub(super) loose: Vec<LooseIncident>,
    /// Per release (interned id): the incidents attributed to its
    /// deployments.
    pub(super) incident_release: HashMap<u32, BTreeSet<&'a str>>,
}

/// Attributes every incident of `acc` to `deps` (in canonical order);
/// `by_id` holds the deployments' id hashes and positions, sorted.
pub(super) fn attribute<'a>(
    acc: &'a KpiAccumulator,
    deps: &[Dep],
    by_id: &[(u64, usize)],
) -> Attributed<'a> {
    let dep_id = |pos: usize| deps.get(pos).map_or("", |d| acc.ids.get(d.id));
    // `caused_by` look-ups as a merge of two hash-sorted lists (one pass
    // instead of a binary search per incident).
    let mut explicit_target: Vec<Option<usize>> = vec![None; acc.incidents.len()];
    let mut wanted: Vec<(u64, usize)> = acc
        .incidents
        .iter()
        .enumerate()
        .filter_map(|(k, i)| i.caused_by.map(|c| (fx_hash(acc.incident_text.get(c)), k)))
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
            .and_then(|i| i.caused_by)
            .map_or("", |c| acc.incident_text.get(c));
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
                        if deps
                            .get(pos)
                            .is_some_and(|d| inc.created.saturating_sub(d.finish) <= window) =>
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
                            .insert(acc.incident_text.get(inc.id));
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
    Attributed {
        incidents_of,
        resolution,
        summary: attribution,
        loose,
        incident_release,
    }
}
