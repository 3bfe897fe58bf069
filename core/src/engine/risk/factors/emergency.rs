//! `emergency`: an emergency release, or the share of emergency changes
//! (`docs/risk.md`, "The factors").

use super::{Computed, Detail};
use crate::{ChangeKind, Release, ReleaseKind};
use serde::ser::SerializeMap;
use std::fmt;

/// What the factor used: rendered only when the assessment is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Emergency {
    is_emergency: bool,
    emergency_changes: usize,
    changes: usize,
}

/// The factor's value and typed inputs.
pub(super) fn compute(r: &Release) -> Computed<'static> {
    let emergency_changes = r
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Emergency)
        .count();
    let is_emergency = r.kind == ReleaseKind::Emergency;
    let value = if is_emergency {
        1.0
    } else if emergency_changes > 0 {
        0.5 + 0.5 * emergency_changes as f64 / r.changes.len().max(1) as f64
    } else {
        0.0
    };
    Computed {
        value,
        detail: Detail::Emergency(Emergency {
            is_emergency,
            emergency_changes,
            changes: r.changes.len(),
        }),
    }
}

impl Emergency {
    /// [`Emergency::inputs`] written straight to a map, keys sorted.
    pub(super) fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("changes", &self.changes)?;
        m.serialize_entry("emergency_changes", &self.emergency_changes)?;
        m.serialize_entry("emergency_release", &self.is_emergency)
    }
}

impl fmt::Display for Emergency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_emergency {
            f.write_str("this is an emergency release")
        } else if self.emergency_changes > 0 {
            write!(
                f,
                "{} of {} changes are emergency changes",
                self.emergency_changes, self.changes
            )
        } else {
            f.write_str("neither the release nor any change is an emergency")
        }
    }
}
