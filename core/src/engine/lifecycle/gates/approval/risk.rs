//! `approval.risk`: the risk level is within the kind's limit, or a
//! high-risk approver approved (`docs/risk.md`, "The lifecycle risk gate").

use super::super::Eval;
use super::role_name;
use crate::risk::RiskAssessment;
use serde_json::{json, Value};

/// The release's assessed risk: kept in the prepared context's cell when
/// there is one, assessed afresh otherwise.
fn assessed_risk<'a>(e: &Eval<'a>) -> crate::error::Result<std::borrow::Cow<'a, RiskAssessment>> {
    match e.risk {
        Some(cell) => cell
            .get_or_init(|| crate::risk::assess_risk(e.release, e.context))
            .as_ref()
            .map(std::borrow::Cow::Borrowed)
            .map_err(Clone::clone),
        None => crate::risk::assess_risk(e.release, e.context).map(std::borrow::Cow::Owned),
    }
}

pub(super) fn check(e: &mut Eval<'_>) {
    let r = e.release;
    let max = e.gates.max_risk;
    let approver_role = e.gates.high_risk_approver;
    let (level, source, assessed) = match (e.context.risk_level, r.risk.as_ref().map(|a| a.level)) {
        (Some(l), _) => (l, "context.risk_level", None),
        (None, Some(l)) => (l, "release.risk", None),
        (None, None) => match assessed_risk(e) {
            Ok(a) => (a.level, "assessed", Some(a)),
            Err(err) => {
                let msg = format!("no risk level given and the risk could not be assessed: {err}");
                let data = json!({"level": null, "source": "assessed", "max": max, "error": err.to_body()});
                return e.req("approval.risk", false, msg, data);
            }
        },
    };
    let assessed_data = |data: &mut Value| {
        if let (Some(a), Some(map)) = (&assessed, data.as_object_mut()) {
            map.insert("score".to_string(), json!(a.score));
            let contributions: serde_json::Map<String, Value> = a
                .factors
                .iter()
                .map(|f| (f.name.clone(), json!(f.contribution)))
                .collect();
            map.insert("contributions".to_string(), Value::Object(contributions));
            if let Some(p) = a.failure_probability {
                map.insert("failure_probability".to_string(), json!(p));
            }
        }
    };
    if let Some(a) = &assessed {
        e.warnings.extend(a.warnings.iter().cloned());
    }
    let label = match &assessed {
        Some(a) => format!("{} (assessed, score {:.1})", level.as_str(), a.score),
        None => level.as_str().to_string(),
    };
    if level <= max {
        let msg = format!("risk {label} is within the limit ({})", max.as_str());
        let mut data = json!({"level": level, "source": source, "max": max});
        assessed_data(&mut data);
        return e.req("approval.risk", true, msg, data);
    }
    let extra = e.votes().approvers_in(approver_role);
    let mut data = json!({
        "level": level, "source": source, "max": max,
        "extra_approver_role": approver_role, "extra_approvers": extra,
    });
    assessed_data(&mut data);
    let role = role_name(approver_role);
    let (met, msg) = match extra.first() {
        Some(who) => (
            true,
            format!(
                "risk {label} is above {} but approved by {role} {who}",
                max.as_str()
            ),
        ),
        None => (
            false,
            format!(
                "risk {label} is above the limit ({}): needs an approval from a {role}",
                max.as_str()
            ),
        ),
    };
    e.req("approval.risk", met, msg, data);
}
