//! The groups: the KPIs per service, team or environment over the whole
//! period, sorted by key (`docs/kpi.md`, "Series and groups").

use super::accumulate::Rel;
use super::days::Span;
use super::finish::{kpi_set, DepFact, LeadFact, LooseIncident, RelFact};
use super::{KpiAccumulator, KpiGroup};
use crate::policy::KpiGroupBy;
use std::collections::BTreeMap;

/// Deployment facts carry the key of the grouping in force.
fn dep_key(_by: KpiGroupBy, d: &DepFact) -> u32 {
    d.key
}

fn keys_of(by: KpiGroupBy, r: &Rel) -> &[u32] {
    match by {
        KpiGroupBy::Service => &r.services,
        KpiGroupBy::Team => &r.teams,
        KpiGroupBy::Environment => &r.envs,
    }
}

/// The groups of `settings.group_by` (none when unset), sorted by name:
/// each group's interned key.
pub(super) fn group_keys(acc: &KpiAccumulator, facts: &[DepFact]) -> Vec<u32> {
    let Some(by) = acc.settings.group_by else {
        return Vec::new();
    };
    let mut keys: BTreeMap<&str, u32> = BTreeMap::new();
    for k in facts.iter().map(|d| dep_key(by, d)) {
        keys.insert(acc.names.get(k), k);
    }
    for r in &acc.releases {
        for k in keys_of(by, r) {
            keys.insert(acc.names.get(*k), *k);
        }
    }
    keys.into_values().collect()
}

/// The KPIs of the group `k` (one of [`group_keys`]).
pub(super) fn group(
    acc: &KpiAccumulator,
    k: u32,
    facts: &[DepFact],
    lead_facts: &[LeadFact],
    loose_incidents: &[LooseIncident],
    rels: &[RelFact<'_>],
    span: Option<Span>,
) -> Option<KpiGroup> {
    let by = acc.settings.group_by?;
    let deps: Vec<&DepFact> = facts.iter().filter(|d| dep_key(by, d) == k).collect();
    // Lead facts carry the key of the grouping in force.
    let in_group: Vec<&LeadFact> = lead_facts.iter().filter(|l| l.key == k).collect();
    let no_commit = in_group.iter().filter(|l| l.lead().is_none()).count() as u64;
    let values: Vec<i64> = in_group.iter().filter_map(|l| l.lead()).collect();
    let loose = if by == KpiGroupBy::Service {
        loose_incidents.iter().filter(|l| l.service == k).count() as u64
    } else {
        0
    };
    let grels: Vec<&RelFact<'_>> = rels
        .iter()
        .filter(|r| keys_of(by, r.rel).contains(&k))
        .collect();
    let kpis = kpi_set(
        acc.settings.week_start,
        &deps,
        &values,
        no_commit,
        loose,
        &grels,
        span,
    );
    Some(KpiGroup {
        key: acc.names.get(k).to_string(),
        kpis,
    })
}
