//! `approval.quorum`: the approvals of the current round meet every quorum
//! rule of the kind, unless every change is a standard change
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::Eval;
use super::role_name;
use crate::lifecycle::approval::needed;
use crate::ChangeKind;
use serde_json::{json, Value};

pub(super) fn check(e: &mut Eval<'_>) {
    let r = e.release;
    let all_standard =
        !r.changes.is_empty() && r.changes.iter().all(|c| c.kind == ChangeKind::Standard);
    let rules = e.gates.quorum.clone();
    let actors = &e.context.actors;
    let votes = e.votes();
    let round = votes.round;
    let excluded = votes.excluded_json();
    let mut short = Vec::new();
    let mut data_rules = Vec::new();
    for rule in &rules {
        let approvers = votes.approvers_in(rule.role);
        let need = needed(rule, actors);
        let have = approvers.len() as u32;
        let role = role_name(rule.role);
        match need {
            Some(n) if have >= n => {}
            Some(n) => short.push(format!("{role} {have} of {n}")),
            None => short.push(format!(
                "{role}: no {role} members in the directory to count a percentage from"
            )),
        }
        data_rules.push(json!({
            "role": rule.role, "count": rule.count, "percentage": rule.percentage,
            "needed": need, "approvers": approvers,
        }));
    }
    let imported: Vec<Value> = votes
        .valid
        .values()
        .filter_map(|a| {
            a.source
                .as_ref()
                .map(|s| json!({"approver": a.approver, "role": a.role, "source": s}))
        })
        .collect();
    let mut data = json!({"round": round, "rules": data_rules, "excluded": excluded, "standard_only": all_standard});
    if !imported.is_empty() {
        if let Some(map) = data.as_object_mut() {
            // Votes vouched for by an import rather than cast by a command.
            map.insert("vouched_by_import".into(), Value::Array(imported));
        }
    }
    if all_standard {
        let msg = "every change is a standard change: pre-approved, no CAB vote needed".to_string();
        return e.req("approval.quorum", true, msg, data);
    }
    let msg = if short.is_empty() {
        format!("approval quorum met in round {round}")
    } else {
        format!(
            "approval quorum not met in round {round}: {}",
            short.join(", ")
        )
    };
    e.req("approval.quorum", short.is_empty(), msg, data);
}
