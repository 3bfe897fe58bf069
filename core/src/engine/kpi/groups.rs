//! The groups: the KPIs per service, team or environment over the whole
//! period, sorted by key (`docs/kpi.md`, "Series and groups").

use super::accumulate::Rel;
use super::days::Span;
use super::finish::{kpi_set, DepFact, LeadFact, LooseIncident, RelFact};
use super::{KpiAccumulator, KpiGroup};
use crate::policy::KpiGroupBy;
use std::collections::BTreeMap;

/// The groups of `settings.group_by`, if set.
pub(super) fn groups(
    acc: &KpiAccumulator,
    facts: &[DepFact],
    lead_facts: &[LeadFact],
    loose_incidents: &[LooseIncident],
    rels: &[RelFact<'_>],
    span: Option<Span>,
) -> Vec<KpiGroup> {
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
        for k in facts.iter().map(dep_key) {
            keys.insert(acc.names.get(k), k);
        }
        for r in &acc.releases {
            for k in keys_of(by, r) {
                keys.insert(acc.names.get(*k), *k);
            }
        }
        for (name, k) in keys {
            let deps: Vec<&DepFact> = facts.iter().filter(|d| dep_key(d) == k).collect();
            let in_group: Vec<&LeadFact> = lead_facts.iter().filter(|l| lead_key(l) == k).collect();
            let no_commit = in_group.iter().filter(|l| l.lead.is_none()).count() as u64;
            let values: Vec<i64> = in_group.iter().filter_map(|l| l.lead).collect();
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
            groups.push(KpiGroup {
                key: name.to_string(),
                kpis,
            });
        }
    }
    groups
}
