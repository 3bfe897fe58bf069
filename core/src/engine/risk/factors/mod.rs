//! The ten factors of the risk score, one file per factor, each a value
//! from 0 to 1 with the inputs it used and a one-sentence explanation.
//! Formulas and neutral values: `docs/risk.md`, "The factors".
//!
//! Every factor is named by a [`FactorName`]; [`compute`] gives each its
//! value in report order ([`FactorName::ALL`]) and [`weight`] looks its
//! weight up by name.

mod blast_radius;
mod change_size;
mod ci_criticality;
mod dependencies;
mod deployment_strategy;
mod emergency;
mod rollback_readiness;
mod test_evidence;
mod timing;
mod track_record;

pub(crate) use dependencies::ScheduleIndex;
pub(crate) use track_record::TrackIndex;

use super::RiskAssessor;
use crate::document::{FactorName, Release};
use crate::error::Warning;
use crate::policy::RiskWeights;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

pub(crate) use blast_radius::BlastRadius;
pub(crate) use change_size::ChangeSize;
pub(crate) use ci_criticality::CiCriticality;
pub(crate) use dependencies::Dependencies;
pub(crate) use deployment_strategy::DeploymentStrategy;
pub(crate) use emergency::Emergency;
pub(crate) use rollback_readiness::RollbackReadiness;
pub(crate) use test_evidence::TestEvidence;
pub(crate) use timing::{CalendarRules, Timing};
pub(crate) use track_record::TrackRecord;

/// One computed factor, before weighting: its value and the typed inputs
/// it used (rendered into the `inputs` map and the explanation only when
/// the assessment is).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Computed<'a> {
    pub(crate) value: f64,
    pub(crate) detail: Detail<'a>,
}

/// The typed inputs of one factor, one variant per factor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Detail<'a> {
    ChangeSize(ChangeSize),
    CiCriticality(CiCriticality<'a>),
    BlastRadius(BlastRadius),
    TestEvidence(TestEvidence<'a>),
    RollbackReadiness(RollbackReadiness),
    DeploymentStrategy(DeploymentStrategy),
    Timing(Timing<'a>),
    TrackRecord(TrackRecord<'a>),
    Emergency(Emergency),
    Dependencies(Dependencies<'a>),
}

impl Detail<'_> {
    /// The `inputs` map of the rendered factor: what
    /// [`Detail::write_inputs`] writes, collected into a map (one source for
    /// both the rendered and the directly serialised assessment).
    pub(crate) fn inputs(&self) -> Map<String, Value> {
        match serde_json::to_value(Inputs(self)) {
            Ok(Value::Object(map)) => map,
            // Unreachable: `write_inputs` writes string keys and plain values.
            _ => Map::new(),
        }
    }
}

impl Detail<'_> {
    /// The `inputs` map of the rendered factor written straight to a
    /// serializer: the same entries as [`Detail::inputs`], keys in the
    /// same (sorted) order, no map or strings built.
    fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        match self {
            Detail::ChangeSize(d) => d.write_inputs(m),
            Detail::CiCriticality(d) => d.write_inputs(m),
            Detail::BlastRadius(d) => d.write_inputs(m),
            Detail::TestEvidence(d) => d.write_inputs(m),
            Detail::RollbackReadiness(d) => d.write_inputs(m),
            Detail::DeploymentStrategy(d) => d.write_inputs(m),
            Detail::Timing(d) => d.write_inputs(m),
            Detail::TrackRecord(d) => d.write_inputs(m),
            Detail::Emergency(d) => d.write_inputs(m),
            Detail::Dependencies(d) => d.write_inputs(m),
        }
    }
}

/// A factor's `inputs` as a serializable map (see [`Detail::write_inputs`]).
pub(crate) struct Inputs<'d, 'a>(pub(crate) &'d Detail<'a>);

impl Serialize for Inputs<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        self.0.write_inputs(&mut m)?;
        m.end()
    }
}

/// A number of an `inputs` map as `json!` writes it: `null` when not
/// finite (as `serde_json::Value` holds it).
pub(crate) struct Num(pub(crate) f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() {
            s.serialize_f64(self.0)
        } else {
            s.serialize_unit()
        }
    }
}

/// Anything displayable, serialised as the string it displays (written
/// straight to the output by serializers that can).
pub(crate) struct Shown<T>(pub(crate) T);

impl<T: fmt::Display> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// The explanation of the rendered factor, one sentence.
impl fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::ChangeSize(d) => d.fmt(f),
            Detail::CiCriticality(d) => d.fmt(f),
            Detail::BlastRadius(d) => d.fmt(f),
            Detail::TestEvidence(d) => d.fmt(f),
            Detail::RollbackReadiness(d) => d.fmt(f),
            Detail::DeploymentStrategy(d) => d.fmt(f),
            Detail::Timing(d) => d.fmt(f),
            Detail::TrackRecord(d) => d.fmt(f),
            Detail::Emergency(d) => d.fmt(f),
            Detail::Dependencies(d) => d.fmt(f),
        }
    }
}

/// `min(1, ln(1 + n) / ln(1 + scale))`.
pub(crate) fn log_scaled(n: f64, scale: f64) -> f64 {
    if n <= 0.0 {
        return 0.0;
    }
    ((1.0 + n).ln() / (1.0 + scale).ln()).min(1.0)
}

/// `n` and the singular or plural noun: "1 change", "3 changes".
pub(crate) struct Plural<'s>(pub(crate) usize, pub(crate) &'s str, pub(crate) &'s str);

impl fmt::Display for Plural<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Plural(n, one, many) = *self;
        if n == 1 {
            write!(f, "1 {one}")
        } else {
            write!(f, "{n} {many}")
        }
    }
}

/// The weight of a factor in the policy's `risk.weights`.
pub(crate) fn weight(weights: &RiskWeights, name: FactorName) -> f64 {
    match name {
        FactorName::ChangeSize => weights.change_size,
        FactorName::CiCriticality => weights.ci_criticality,
        FactorName::BlastRadius => weights.blast_radius,
        FactorName::TestEvidence => weights.test_evidence,
        FactorName::RollbackReadiness => weights.rollback_readiness,
        FactorName::DeploymentStrategy => weights.deployment_strategy,
        FactorName::Timing => weights.timing,
        FactorName::TrackRecord => weights.track_record,
        FactorName::Emergency => weights.emergency,
        FactorName::Dependencies => weights.dependencies,
    }
}

/// Computes every factor, each with its name, in report order
/// ([`FactorName::ALL`]), and the affected CIs known to the CMDB (sorted
/// indexes).
pub(crate) fn compute<'a>(
    a: &'a RiskAssessor<'_>,
    r: &'a Release,
    as_of: Option<i64>,
    warnings: &mut Vec<Warning>,
) -> ([(FactorName, Computed<'a>); 10], Vec<u32>) {
    let (known, unknown) = known_cis(a, r, warnings);
    // With a CMDB, the distinct CIs the release names are the distinct
    // known ones (CMDB ids are unique) and the distinct unknown ones:
    // counted from the one hash look-up per CI already made.
    let distinct = a.cmdb.as_ref().map(|_| known.len().saturating_add(unknown));
    let computed = FactorName::ALL.map(|name| (name, factor(name, a, r, &known, distinct, as_of)));
    (computed, known)
}

/// One factor; `known` are the affected CIs found in the CMDB.
fn factor<'a>(
    name: FactorName,
    a: &'a RiskAssessor<'_>,
    r: &'a Release,
    known: &[u32],
    distinct: Option<usize>,
    as_of: Option<i64>,
) -> Computed<'a> {
    let risk = &a.policy().risk;
    match name {
        FactorName::ChangeSize => change_size::compute(risk, r, distinct),
        FactorName::CiCriticality => ci_criticality::compute(a, known),
        FactorName::BlastRadius => blast_radius::compute(a, known),
        FactorName::TestEvidence => test_evidence::compute(r, a.gates(r.kind)),
        FactorName::RollbackReadiness => rollback_readiness::compute(r),
        FactorName::DeploymentStrategy => deployment_strategy::compute(risk, r),
        FactorName::Timing => timing::compute(a, r, known),
        FactorName::TrackRecord => track_record::compute(a, r, known, as_of),
        FactorName::Emergency => emergency::compute(r),
        FactorName::Dependencies => dependencies::compute(a, r),
    }
}

/// The affected CIs known to the CMDB (indexes, sorted) and how many
/// distinct ones are not, warning (`unknown_ci`) about those.
fn known_cis(a: &RiskAssessor<'_>, r: &Release, warnings: &mut Vec<Warning>) -> (Vec<u32>, usize) {
    let mut known = Vec::new();
    let mut unknown = 0;
    if let Some(cmdb) = &a.cmdb {
        let mut warned = BTreeSet::new();
        let own = r
            .affected_cis
            .iter()
            .enumerate()
            .map(|(i, ci)| (ci, None, i));
        let of_changes = r.changes.iter().enumerate().flat_map(|(j, c)| {
            c.affected_cis
                .iter()
                .enumerate()
                .map(move |(k, ci)| (ci, Some(j), k))
        });
        for (ci, change, k) in own.chain(of_changes) {
            match cmdb.index(ci) {
                Some(i) => known.push(i),
                None if warned.insert(ci.as_str()) => {
                    let path = match change {
                        None => format!("affected_cis[{k}]"),
                        Some(j) => format!("changes[{j}].affected_cis[{k}]"),
                    };
                    warnings.push(Warning::new(
                        "unknown_ci",
                        path,
                        format!(
                            "CI `{ci}` is not in the CMDB: ignored by criticality and blast radius"
                        ),
                    ));
                }
                None => {}
            }
        }
        known.sort_unstable();
        known.dedup();
        unknown = warned.len();
    }
    (known, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_names_and_weights_match_the_policy() {
        let names: Vec<&str> = FactorName::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(names, crate::policy::RISK_FACTORS);
        let weights = RiskWeights::default();
        for ((name, w), factor) in weights.named().into_iter().zip(FactorName::ALL) {
            assert_eq!(name, factor.as_str());
            assert_eq!(w.to_bits(), weight(&weights, factor).to_bits());
        }
    }
}
