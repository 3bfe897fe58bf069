//! `blast_radius`: the CIs and business services that depend on the
//! affected CIs within `risk.blast_radius_depth` hops of the CMDB
//! (`docs/risk.md`, "The factors").

use super::{log_scaled, Computed, Detail, Num, Plural};
use crate::risk::RiskAssessor;
use serde::ser::SerializeMap;
use std::fmt;

/// What the factor used: rendered only when the assessment is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BlastRadius {
    /// No CMDB.
    NoCmdb { neutral: f64 },
    /// No affected CI is in the CMDB.
    NoneKnown { neutral: f64 },
    /// What the walk reached.
    Reach {
        affected: usize,
        dependents: usize,
        services: usize,
        depth: u32,
        scale_cis: f64,
        scale_services: f64,
    },
}

/// The factor's value and typed inputs; `known` are the affected CIs found
/// in the CMDB.
pub(super) fn compute(a: &RiskAssessor<'_>, known: &[u32]) -> Computed<'static> {
    let risk = &a.policy().risk;
    let depth = risk.blast_radius_depth;
    let neutral = risk.neutral.blast_radius;
    match &a.cmdb {
        None => Computed {
            value: neutral,
            detail: Detail::BlastRadius(BlastRadius::NoCmdb { neutral }),
        },
        Some(_) if known.is_empty() => Computed {
            value: neutral,
            detail: Detail::BlastRadius(BlastRadius::NoneKnown { neutral }),
        },
        Some(cmdb) => {
            let reach = cmdb.reach(known, depth);
            let s = &risk.scales;
            let value = 0.5 * log_scaled(reach.dependents as f64, s.blast_radius_cis)
                + 0.5 * log_scaled(reach.services as f64, s.blast_radius_services);
            Computed {
                value,
                detail: Detail::BlastRadius(BlastRadius::Reach {
                    affected: reach.affected,
                    dependents: reach.dependents,
                    services: reach.services,
                    depth,
                    scale_cis: s.blast_radius_cis,
                    scale_services: s.blast_radius_services,
                }),
            }
        }
    }
}

impl BlastRadius {
    /// [`BlastRadius::inputs`] written straight to a map, keys sorted.
    pub(super) fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        match *self {
            BlastRadius::NoCmdb { neutral } => {
                m.serialize_entry("cmdb", &false)?;
                m.serialize_entry("neutral", &Num(neutral))
            }
            BlastRadius::NoneKnown { neutral } => {
                m.serialize_entry("cmdb", &true)?;
                m.serialize_entry("known_cis", &0)?;
                m.serialize_entry("neutral", &Num(neutral))
            }
            BlastRadius::Reach {
                affected,
                dependents,
                services,
                depth,
                scale_cis,
                scale_services,
            } => {
                m.serialize_entry("affected_cis", &affected)?;
                m.serialize_entry("dependent_cis", &dependents)?;
                m.serialize_entry("depth", &depth)?;
                m.serialize_entry("scale_cis", &Num(scale_cis))?;
                m.serialize_entry("scale_services", &Num(scale_services))?;
                m.serialize_entry("services", &services)
            }
        }
    }
}

impl fmt::Display for BlastRadius {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BlastRadius::NoCmdb { .. } => {
                f.write_str("no CMDB in the context: the neutral value is used")
            }
            BlastRadius::NoneKnown { .. } => {
                f.write_str("no affected CI is in the CMDB: the neutral value is used")
            }
            BlastRadius::Reach {
                affected,
                dependents,
                services,
                depth,
                ..
            } => write!(
                f,
                "within {}, {} on the {} affected, touching {}",
                Plural(depth as usize, "hop", "hops"),
                Plural(dependents, "CI depends", "CIs depend"),
                Plural(affected, "CI", "CIs"),
                Plural(services, "business service", "business services")
            ),
        }
    }
}
