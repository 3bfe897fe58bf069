//! `approval.quorum`: the approvals of the current round meet every quorum
//! rule of the kind, unless every change is a standard change
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::super::finding::QuorumCount;
use super::super::{Eval, Finding};
use crate::lifecycle::approval::needed;
use crate::ChangeKind;
use serde_json::{json, Value};

pub(super) fn check(e: &mut Eval<'_, '_>) {
    let r = e.release;
    let all_standard =
        !r.changes.is_empty() && r.changes.iter().all(|c| c.kind == ChangeKind::Standard);
    let rules = &e.gates.quorum;
    let actors = &e.context.actors;
    let votes = e.votes();
    let round = votes.round();
    let excluded = votes.excluded_json();
    let mut met = true;
    let mut counts = Vec::with_capacity(rules.len());
    for rule in rules {
        let approvers: Vec<String> = votes.approvers_in(rule.role).map(str::to_string).collect();
        let need = needed(rule, actors);
        let have = approvers.len() as u32;
        if !matches!(need, Some(n) if have >= n) {
            met = false;
        }
        counts.push(QuorumCount {
            role: rule.role,
            count: rule.count,
            percentage: rule.percentage,
            needed: need,
            approvers,
        });
    }
    let imported: Vec<Value> = votes
        .valid()
        .filter_map(|a| {
            a.source
                .as_ref()
                .map(|s| json!({"approver": a.approver, "role": a.role, "source": s}))
        })
        .collect();
    // Delegated votes name both people (absent from the data without one).
    let delegated = crate::lifecycle::delegation::delegated_json(&votes, &r.id);
    let finding = Finding::Quorum {
        round,
        rules: counts,
        excluded,
        standard_only: all_standard,
        imported,
        delegated,
    };
    if all_standard || met {
        return e.find("approval.quorum", true, finding);
    }
    // The emergency path: deploy before approval, the quorum due
    // retrospectively (docs/lifecycle.md, "The emergency path").
    if super::super::emergency::deferrable(e) {
        let deferred = super::super::emergency::defer(e, finding);
        return e.find("approval.quorum", true, deferred);
    }
    e.find("approval.quorum", false, finding);
}
