//! `rollback_readiness`: whether the release has a rollback plan, and
//! whether it is documented and tested (`docs/risk.md`, "The factors").

use super::{Computed, Detail};
use crate::Release;
use serde::ser::SerializeMap;
use std::fmt;

/// What the factor used: rendered only when the assessment is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RollbackReadiness {
    /// No plan.
    NoPlan,
    /// A plan, documented and/or tested.
    Plan { documented: bool, tested: bool },
}

/// The factor's value and typed inputs.
pub(super) fn compute(r: &Release) -> Computed<'static> {
    match &r.rollback_plan {
        None => Computed {
            value: 1.0,
            detail: Detail::RollbackReadiness(RollbackReadiness::NoPlan),
        },
        Some(p) => Computed {
            value: 1.0
                - 0.5 * f64::from(u8::from(p.documented))
                - 0.5 * f64::from(u8::from(p.tested)),
            detail: Detail::RollbackReadiness(RollbackReadiness::Plan {
                documented: p.documented,
                tested: p.tested,
            }),
        },
    }
}

impl RollbackReadiness {
    /// [`RollbackReadiness::inputs`] written straight to a map, keys sorted.
    pub(super) fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        let (plan, documented, tested) = match *self {
            RollbackReadiness::NoPlan => (false, false, false),
            RollbackReadiness::Plan { documented, tested } => (true, documented, tested),
        };
        m.serialize_entry("documented", &documented)?;
        m.serialize_entry("plan", &plan)?;
        m.serialize_entry("tested", &tested)
    }
}

impl fmt::Display for RollbackReadiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RollbackReadiness::NoPlan => f.write_str("there is no rollback plan"),
            RollbackReadiness::Plan { documented, tested } => {
                let how = match (documented, tested) {
                    (true, true) => "documented and tested",
                    (true, false) => "documented but not tested",
                    (false, true) => "tested but not documented",
                    (false, false) => "neither documented nor tested",
                };
                write!(f, "the rollback plan is {how}")
            }
        }
    }
}
