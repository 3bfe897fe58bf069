//! `ci_criticality`: the criticality of the most critical affected CI known
//! to the CMDB (`docs/risk.md`, "The factors").

use super::{Computed, Detail, Num};
use crate::risk::RiskAssessor;
use crate::Criticality;
use serde::ser::SerializeMap;
use std::fmt;

/// What the factor used: rendered only when the assessment is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CiCriticality<'a> {
    /// No CMDB.
    NoCmdb { neutral: f64 },
    /// No known CI has a criticality.
    Unrated { known: usize, neutral: f64 },
    /// The most critical known CI.
    Most {
        name: &'static str,
        ci: &'a str,
        known: usize,
    },
}

/// The factor's value and typed inputs; `known` are the affected CIs found
/// in the CMDB.
pub(super) fn compute<'a>(a: &'a RiskAssessor<'_>, known: &[u32]) -> Computed<'a> {
    let risk = &a.policy().risk;
    let neutral = risk.neutral.ci_criticality;
    let detail = match &a.cmdb {
        None => return neutral_of(CiCriticality::NoCmdb { neutral }, neutral),
        Some(cmdb) => {
            let mut most: Option<(Criticality, u32)> = None;
            for &i in known {
                if let Some(c) = cmdb.criticality(i) {
                    // `Critical` sorts first.
                    if most.is_none_or(|(m, _)| c < m) {
                        most = Some((c, i));
                    }
                }
            }
            match most.and_then(|(c, i)| Some((c, cmdb.ci(i)?))) {
                None => {
                    return neutral_of(
                        CiCriticality::Unrated {
                            known: known.len(),
                            neutral,
                        },
                        neutral,
                    )
                }
                Some((c, ci)) => (c, ci.id.as_str()),
            }
        }
    };
    let (c, id) = detail;
    let (value, name) = match c {
        Criticality::Critical => (1.0, "critical"),
        Criticality::High => (0.75, "high"),
        Criticality::Medium => (0.5, "medium"),
        Criticality::Low => (0.25, "low"),
    };
    Computed {
        value,
        detail: Detail::CiCriticality(CiCriticality::Most {
            name,
            ci: id,
            known: known.len(),
        }),
    }
}

fn neutral_of(detail: CiCriticality<'_>, neutral: f64) -> Computed<'_> {
    Computed {
        value: neutral,
        detail: Detail::CiCriticality(detail),
    }
}

impl CiCriticality<'_> {
    /// [`CiCriticality::inputs`] written straight to a map, keys sorted.
    pub(super) fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        match self {
            CiCriticality::NoCmdb { neutral } => {
                m.serialize_entry("cmdb", &false)?;
                m.serialize_entry("neutral", &Num(*neutral))
            }
            CiCriticality::Unrated { known, neutral } => {
                m.serialize_entry("cmdb", &true)?;
                m.serialize_entry("known_cis", known)?;
                m.serialize_entry("neutral", &Num(*neutral))
            }
            CiCriticality::Most { name, ci, known } => {
                m.serialize_entry("ci", ci)?;
                m.serialize_entry("known_cis", known)?;
                m.serialize_entry("most_critical", name)
            }
        }
    }
}

impl fmt::Display for CiCriticality<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CiCriticality::NoCmdb { .. } => {
                f.write_str("no CMDB in the context: the neutral value is used")
            }
            CiCriticality::Unrated { .. } => f.write_str(
                "no affected CI in the CMDB has a criticality: the neutral value is used",
            ),
            CiCriticality::Most { name, ci, .. } => {
                write!(f, "the most critical affected CI, `{ci}`, is {name}")
            }
        }
    }
}
