//! `change_size`: the number of changes and distinct affected CIs,
//! log-scaled against `risk.scales.change_size` (`docs/risk.md`, "The factors").

use super::{log_scaled, Computed, Detail, Num, Plural};
use crate::policy::RiskPolicy;
use crate::Release;
use serde::ser::SerializeMap;
use std::fmt;

/// What the factor used: rendered into inputs and an explanation only when
/// the assessment is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChangeSize {
    changes: usize,
    cis: usize,
    scale: f64,
}

/// The factor's value and typed inputs; `distinct` is the number of
/// distinct CIs when the caller has counted them already.
pub(super) fn compute<'a>(
    risk: &RiskPolicy,
    r: &'a Release,
    distinct: Option<usize>,
) -> Computed<'a> {
    let cis = distinct.unwrap_or_else(|| distinct_cis(r));
    let n = r.changes.len().saturating_add(cis);
    Computed {
        value: log_scaled(n as f64, risk.scales.change_size),
        detail: Detail::ChangeSize(ChangeSize {
            changes: r.changes.len(),
            cis,
            scale: risk.scales.change_size,
        }),
    }
}

/// How many distinct CIs the release and its changes name (as
/// `Release::all_affected_cis().len()`), without building a set for the
/// usual handful.
fn distinct_cis(r: &Release) -> usize {
    let own = r.affected_cis.iter();
    let all = || {
        own.clone()
            .chain(r.changes.iter().flat_map(|c| c.affected_cis.iter()))
    };
    let total = all().count();
    if total > 32 {
        return r.all_affected_cis().len();
    }
    // Quadratic over at most 32 names: count each name at its first place.
    all()
        .enumerate()
        .filter(|(i, ci)| !all().take(*i).any(|earlier| earlier == *ci))
        .count()
}

impl ChangeSize {
    /// [`ChangeSize::inputs`] written straight to a map, keys sorted.
    pub(super) fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("changes", &self.changes)?;
        m.serialize_entry("cis", &self.cis)?;
        m.serialize_entry("scale", &Num(self.scale))
    }
}

impl fmt::Display for ChangeSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} and {} affected, log-scaled against {}",
            Plural(self.changes, "change", "changes"),
            Plural(self.cis, "distinct CI", "distinct CIs"),
            self.scale
        )
    }
}
