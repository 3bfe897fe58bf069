//! `approval.risk`: the risk level is within the kind's limit, or a
//! high-risk approver approved (`docs/risk.md`, "The lifecycle risk gate").

use super::super::finding::AssessedRisk;
use super::super::{Eval, Finding};
use crate::risk::RiskAssessment;

/// The release's assessed risk, assessed at most once per log (a
/// prepared context keeps it with the cached release).
pub(super) fn assessed_risk<'l>(e: &Eval<'_, 'l>) -> crate::error::Result<&'l RiskAssessment> {
    e.derived
        .risk
        .get_or_init(|| crate::risk::assess_risk(e.release, e.context))
        .as_ref()
        .map_err(Clone::clone)
}

pub(super) fn check(e: &mut Eval<'_, '_>) {
    let r = e.release;
    let max = e.gates.max_risk;
    let approver_role = e.gates.high_risk_approver;
    let (level, source, assessed) = match (e.context.risk_level, r.risk.as_ref().map(|a| a.level)) {
        (Some(l), _) => (l, "context.risk_level", None),
        (None, Some(l)) => (l, "release.risk", None),
        (None, None) => match assessed_risk(e) {
            Ok(a) => (a.level, "assessed", Some(a)),
            Err(err) => {
                let finding = Finding::RiskUnassessed { max, err };
                return e.find("approval.risk", false, finding);
            }
        },
    };
    if let Some(a) = &assessed {
        e.warnings.extend(a.warnings.iter().cloned());
    }
    let assessed = assessed.map(|a| AssessedRisk {
        score: a.score,
        contributions: a
            .factors
            .iter()
            .map(|f| (f.name.clone(), f.contribution))
            .collect(),
        failure_probability: a.failure_probability,
        conditions: a.conditions.iter().map(|c| c.id.clone()).collect(),
        not_checked: if e.cmdb().is_none() {
            let w = &e.policy.risk.weights;
            [
                ("ci_criticality", w.ci_criticality),
                ("blast_radius", w.blast_radius),
            ]
            .into_iter()
            .filter(|(_, weight)| *weight > 0.0)
            .map(|(name, _)| name)
            .collect()
        } else {
            Vec::new()
        },
    });
    if level <= max {
        let finding = Finding::Risk {
            level,
            source,
            max,
            assessed,
            extra: None,
        };
        return e.find("approval.risk", true, finding);
    }
    let extra: Vec<String> = e
        .votes()
        .approvers_in(approver_role)
        .map(str::to_string)
        .collect();
    let met = !extra.is_empty();
    let finding = Finding::Risk {
        level,
        source,
        max,
        assessed,
        extra: Some((approver_role, extra)),
    };
    e.find("approval.risk", met, finding);
}
