//! Merging accumulators: accumulators over any partition of the records
//! merge into exactly the accumulator over all of them (`docs/kpi.md`,
//! "Scale-out").

use super::accumulate::{Dep, FirstShip, Inc, Rel, Shipment};
use super::arena::Span8;
use super::intern::NONE;
use super::{KpiAccumulator, KpiSettings};
use crate::error::{Error, Result};
use serde::Serialize;
use std::collections::BTreeSet;

impl KpiAccumulator {
    /// `Ok` when `other` can be [`merge`](Self::merge)d into this
    /// accumulator (both built with the same settings), else the error
    /// `merge` would return; for callers that must refuse a merge before
    /// they give `other` up.
    pub fn check_merge(&self, other: &KpiAccumulator) -> Result<()> {
        if self.settings != other.settings {
            return Err(match first_difference(&self.settings, &other.settings) {
                Some((field, mine, theirs)) => Error::invalid_input(
                    format!("options.{field}"),
                    format!(
                        "accumulators built with different settings cannot be merged: \
                         {field} is {mine} in this accumulator and {theirs} in the one \
                         merged into it"
                    ),
                ),
                None => Error::invalid_input(
                    "options",
                    "accumulators built with different settings cannot be merged",
                ),
            });
        }
        Ok(())
    }

    /// Adds every record of `other` (built with the same settings) to this
    /// accumulator. The result is the same whatever the partition and the
    /// order of merges.
    ///
    /// Errors: accumulators built with different settings are
    /// `invalid_input` at the path of the first option that differs
    /// (`options.from`, `options.to`, `options.time_zone`,
    /// `options.week_start`, `options.production_environments`,
    /// `options.incident_attribution`, `options.attribution_window_secs`,
    /// `options.series`, `options.group_by`), the message giving both
    /// values.
    pub fn merge(&mut self, other: KpiAccumulator) -> Result<()> {
        self.check_merge(&other)?;
        let map: Vec<u32> = other.names.iter().map(|n| self.names.intern(n)).collect();
        let remap = |i: u32| -> u32 {
            if i == NONE {
                NONE
            } else {
                map.get(i as usize).copied().unwrap_or(NONE)
            }
        };
        let shift = self.ids.append(&other.ids);
        self.deps.extend(other.deps.iter().map(|d| Dep {
            id: Span8 {
                start: d.id.start.saturating_add(shift),
                len: d.id.len,
            },
            service: remap(d.service),
            env: remap(d.env),
            team: remap(d.team),
            release: remap(d.release),
            ..*d
        }));
        let shift = self.change_ids.append(&other.change_ids);
        self.shipments
            .extend(other.shipments.iter().map(|s| Shipment {
                hash: s.hash,
                id: Span8 {
                    start: s.id.start.saturating_add(shift),
                    len: s.id.len,
                },
                ship: FirstShip {
                    service: remap(s.ship.service),
                    env: remap(s.ship.env),
                    team: remap(s.ship.team),
                    ..s.ship
                },
            }));
        let shift = self.incident_text.append(&other.incident_text);
        let moved = |s: Span8| Span8 {
            start: s.start.saturating_add(shift),
            len: s.len,
        };
        self.incidents.extend(other.incidents.iter().map(|i| Inc {
            id: moved(i.id),
            caused_by: i.caused_by.map(moved),
            service: remap(i.service),
            ..*i
        }));
        let remap_all = |v: Vec<u32>| -> Vec<u32> {
            let set: BTreeSet<u32> = v.into_iter().map(remap).collect();
            set.into_iter().collect()
        };
        self.releases
            .extend(other.releases.into_iter().map(|r| Rel {
                services: remap_all(r.services),
                teams: remap_all(r.teams),
                envs: remap_all(r.envs),
                ..r
            }));
        let c = &mut self.counts;
        let o = other.counts;
        c.deployments_read = c.deployments_read.saturating_add(o.deployments_read);
        c.deployments_outside_period = c
            .deployments_outside_period
            .saturating_add(o.deployments_outside_period);
        c.deployments_not_production = c
            .deployments_not_production
            .saturating_add(o.deployments_not_production);
        c.incidents_read = c.incidents_read.saturating_add(o.incidents_read);
        c.incidents_outside_period = c
            .incidents_outside_period
            .saturating_add(o.incidents_outside_period);
        c.releases_read = c.releases_read.saturating_add(o.releases_read);
        c.releases_outside_period = c
            .releases_outside_period
            .saturating_add(o.releases_outside_period);
        c.releases_undated = c.releases_undated.saturating_add(o.releases_undated);
        self.negative_stays = self.negative_stays.saturating_add(other.negative_stays);
        Ok(())
    }
}

/// The first option in which `a` and `b` differ: its name and both values
/// as JSON (`null` when unset).
fn first_difference(a: &KpiSettings, b: &KpiSettings) -> Option<(&'static str, String, String)> {
    fn json<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }
    fn differs<T: PartialEq + Serialize>(
        field: &'static str,
        a: &T,
        b: &T,
    ) -> Option<(&'static str, String, String)> {
        (a != b).then(|| (field, json(a), json(b)))
    }
    differs("from", &a.from, &b.from)
        .or_else(|| differs("to", &a.to, &b.to))
        .or_else(|| differs("time_zone", &a.time_zone, &b.time_zone))
        .or_else(|| differs("week_start", &a.week_start, &b.week_start))
        .or_else(|| {
            differs(
                "production_environments",
                &a.production_environments,
                &b.production_environments,
            )
        })
        .or_else(|| {
            differs(
                "incident_attribution",
                &a.incident_attribution,
                &b.incident_attribution,
            )
        })
        .or_else(|| {
            differs(
                "attribution_window_secs",
                &a.attribution_window_secs,
                &b.attribution_window_secs,
            )
        })
        .or_else(|| differs("series", &a.series, &b.series))
        .or_else(|| differs("group_by", &a.group_by, &b.group_by))
}
