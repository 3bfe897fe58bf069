//! Typed requirement data, rendered late: what each converted gate found,
//! kept as plain values (borrowed from the release, context and policy
//! where possible) and turned into the requirement's message (`Display`
//! of the rule's sentence) and data (JSON) only when a [`GateReport`] is
//! built. A [`GateVerdict`](super::super::GateVerdict) that is never
//! rendered never formats a message nor builds a JSON value.
//!
//! The rendering reuses the exact `json!` shapes and `format!` sentences
//! the gates used to build eagerly, so the serialised report is
//! byte-identical (keys sorted: serde_json here has no `preserve_order`).
//!
//! [`GateReport`]: super::super::GateReport

use super::approval_role_name as role_name;
use super::line;
use crate::{RiskLevel, Role, State};
use serde_json::{json, Value};

/// One quorum rule as counted.
pub(crate) struct QuorumCount {
    pub role: Role,
    pub count: Option<u32>,
    pub percentage: Option<f64>,
    pub needed: Option<u32>,
    pub approvers: Vec<String>,
}

/// The assessed part of a risk finding (absent when the level was given).
pub(crate) struct AssessedRisk {
    pub score: f64,
    pub contributions: Vec<(String, f64)>,
    pub failure_probability: Option<f64>,
}

/// What a gate found, per rule.
pub(crate) enum Finding<'a> {
    /// Transitional: a gate not converted (or a rare branch) renders
    /// eagerly.
    Rendered { message: String, data: Value },
    /// `record.log` on a legacy log.
    RecordLegacy { events: usize, imports: Vec<Value> },
    /// `record.log` on a sealed, verified log.
    RecordSealed {
        events: usize,
        seq: u64,
        imports: Vec<Value>,
    },
    /// `record.log` in planning with an empty log.
    RecordEmpty { imports: Vec<Value> },
    /// `lifecycle.transition` from a terminal state.
    TransitionTerminal { from: State, to: State },
    /// `lifecycle.transition` to the state the release is in.
    TransitionAlready { from: State, to: State },
    /// `lifecycle.transition` to `cancelled`.
    TransitionCancel { from: State, to: State },
    /// `lifecycle.transition` back to development.
    TransitionSendBack { from: State, to: State },
    /// `lifecycle.transition` off the main line.
    TransitionNone { from: State, to: State },
    /// `lifecycle.transition` backwards.
    TransitionBack { from: State, to: State },
    /// `lifecycle.path`: more than one state ahead (`i`, `j` positions on
    /// the main line).
    Path {
        from: State,
        to: State,
        i: usize,
        j: usize,
    },
    /// `approval.rollback_plan`.
    RollbackPlan {
        documented: bool,
        tested: bool,
        documented_required: bool,
        tested_required: bool,
    },
    /// `approval.changes_approved`.
    ChangesApproved { pending: Vec<&'a str> },
    /// `approval.no_rejection` with no rejection outstanding.
    NoRejection,
    /// `approval.quorum`.
    Quorum {
        round: u32,
        rules: Vec<QuorumCount>,
        excluded: Value,
        standard_only: bool,
        imported: Vec<Value>,
    },
    /// `approval.blackout` without a planned window.
    BlackoutNoWindow,
    /// `approval.blackout` without a calendar.
    BlackoutNoCalendar,
    /// `approval.blackout` outside every blocking blackout.
    BlackoutClear,
    /// `approval.risk` (level given or assessed).
    Risk {
        level: RiskLevel,
        source: &'static str,
        max: RiskLevel,
        assessed: Option<AssessedRisk>,
        /// Above the limit: the extra approver role and its approvers.
        extra: Option<(Role, Vec<String>)>,
    },
    // Variants of the h-g2 conversion: approval/promotion_order.rs,
    // approval/conflicts.rs, approval/blackout.rs (blocking hits),
    // approval/no_rejection.rs (outstanding rejections), approval/risk.rs
    // (cannot assess), record.rs (tampered log).
    /// `approval.promotion_order` when the release targets no environment
    /// of the order.
    PromotionNoTarget { order: &'a [String] },
    /// `approval.promotion_order`: the last targeted environment, the
    /// earlier ones deployed (environment, deployment id) and missing.
    PromotionOrder {
        order: &'a [String],
        target: &'a str,
        found: Vec<(&'a str, &'a str)>,
        missing: Vec<&'a str>,
    },
    /// `approval.conflicts` when the schedule could not be checked.
    ConflictsError { err: crate::error::Error },
    /// `approval.conflicts`: the blocking conflicts (other than blackouts)
    /// involving the release, and how many warning ones.
    Conflicts {
        blocking: Vec<crate::Conflict>,
        warnings: usize,
    },
    /// `approval.blackout` inside blocking blackouts (each with the
    /// occurrence hit), overridden or not by an ECAB approver (copied from
    /// the log's replay).
    BlackoutHit {
        hits: Vec<(&'a crate::Blackout, crate::Timestamp, crate::Timestamp)>,
        override_by: Option<String>,
        emergency: bool,
    },
    /// `approval.no_rejection` with rejections outstanding (approver,
    /// role, comment; copied from the log's replay).
    Rejected {
        rejections: Vec<(String, Role, Option<String>)>,
    },
    /// `approval.risk` when no level is given and the assessment failed.
    RiskUnassessed {
        max: RiskLevel,
        err: crate::error::Error,
    },
    /// `record.log` on a tampered log (copied from the log's replay).
    RecordTampered {
        tamper: crate::Tamper,
        differences: Vec<crate::record::Difference>,
        imports: Vec<Value>,
    },
}

fn with_imports(mut data: Value, imports: &[Value]) -> Value {
    if !imports.is_empty() {
        if let Some(map) = data.as_object_mut() {
            map.insert("imports".into(), Value::Array(imports.to_vec()));
        }
    }
    data
}

fn short(rules: &[QuorumCount]) -> Vec<String> {
    let mut short = Vec::new();
    for rule in rules {
        let have = rule.approvers.len() as u32;
        let role = role_name(rule.role);
        match rule.needed {
            Some(n) if have >= n => {}
            Some(n) => short.push(format!("{role} {have} of {n}")),
            None => short.push(format!(
                "{role}: no {role} members in the directory to count a percentage from"
            )),
        }
    }
    short
}

impl Finding<'_> {
    /// The requirement's message and data, exactly as the gate used to
    /// build them (`id` is the release's id).
    pub(crate) fn render(&self, id: &str) -> (String, Value) {
        match self {
            Finding::Rendered { message, data } => (message.clone(), data.clone()),
            Finding::RecordLegacy { events, imports } => (
                format!(
                    "the log of {id} predates sealing: no event seals the fields the gates read; adopt the release through an import"
                ),
                with_imports(json!({"events": events, "legacy": true}), imports),
            ),
            Finding::RecordSealed {
                events,
                seq,
                imports,
            } => (
                format!(
                    "the log verifies ({events} events) and the document is its projection (fields sealed at seq {seq})"
                ),
                with_imports(json!({"events": events, "sealed_at": seq}), imports),
            ),
            Finding::RecordEmpty { imports } => (
                format!(
                    "{id} is in planning with an empty log: its fields are free to edit until the first event seals them"
                ),
                with_imports(json!({"events": 0}), imports),
            ),
            Finding::TransitionTerminal { from, to } => (
                format!("{id} is {} and can no longer change state", from.as_str()),
                json!({"from": from, "to": to}),
            ),
            Finding::TransitionAlready { from, to } => (
                format!("{id} is already in {}", from.as_str()),
                json!({"from": from, "to": to}),
            ),
            Finding::TransitionCancel { from, to } => {
                let msg = if *from != State::Deployment && *from != State::Review {
                    format!("a release in {} may be cancelled", from.as_str())
                } else if *from == State::Deployment {
                    "a release in deployment can only leave through an outcome".to_string()
                } else {
                    "a deployed release cannot be cancelled; close it after its review"
                        .to_string()
                };
                (msg, json!({"from": from, "to": to}))
            }
            Finding::TransitionSendBack { from, to } => (
                format!("{} may be sent back to development", from.as_str()),
                json!({"from": from, "to": to}),
            ),
            Finding::TransitionNone { from, to } => (
                format!("no transition from {} to {}", from.as_str(), to.as_str()),
                json!({"from": from, "to": to}),
            ),
            Finding::TransitionBack { from, to } => (
                format!(
                    "no transition from {} back to {} (back-steps: testing or approval to development)",
                    from.as_str(),
                    to.as_str()
                ),
                json!({"from": from, "to": to}),
            ),
            Finding::Path { from, to, i, j } => {
                let via: Vec<&str> = line()
                    .iter()
                    .take(*j)
                    .skip(i.saturating_add(1))
                    .map(|s| s.as_str())
                    .collect();
                (
                    format!(
                        "{id} is in {}; reaching {} passes through {} one state at a time (gates of every state on the way are listed)",
                        from.as_str(),
                        to.as_str(),
                        via.join(", ")
                    ),
                    json!({"from": from, "to": to, "via": via}),
                )
            }
            Finding::RollbackPlan {
                documented,
                tested,
                documented_required,
                tested_required,
            } => {
                let mut missing = Vec::new();
                if *documented_required && !documented {
                    missing.push("documented");
                }
                if *tested_required && !tested {
                    missing.push("tested");
                }
                let msg = if missing.is_empty() {
                    "the rollback plan is ready".to_string()
                } else {
                    format!("the rollback plan must be {}", missing.join(" and "))
                };
                let data = json!({
                    "documented": documented, "tested": tested,
                    "documented_required": documented_required,
                    "tested_required": tested_required,
                });
                (msg, data)
            }
            Finding::ChangesApproved { pending } => {
                let msg = if pending.is_empty() {
                    "every change record is approved (standard changes are pre-approved)"
                        .to_string()
                } else {
                    format!("change records not approved: {}", pending.join(", "))
                };
                (msg, json!({"not_approved": pending}))
            }
            Finding::NoRejection => (
                "no rejection outstanding".to_string(),
                Value::Array(Vec::new()),
            ),
            Finding::Quorum {
                round,
                rules,
                excluded,
                standard_only,
                imported,
            } => {
                let data_rules: Vec<Value> = rules
                    .iter()
                    .map(|rule| {
                        json!({
                            "role": rule.role, "count": rule.count, "percentage": rule.percentage,
                            "needed": rule.needed, "approvers": rule.approvers,
                        })
                    })
                    .collect();
                let mut data = json!({"round": round, "rules": data_rules, "excluded": excluded, "standard_only": standard_only});
                if !imported.is_empty() {
                    if let Some(map) = data.as_object_mut() {
                        map.insert("vouched_by_import".into(), Value::Array(imported.clone()));
                    }
                }
                if *standard_only {
                    let msg = "every change is a standard change: pre-approved, no CAB vote needed"
                        .to_string();
                    return (msg, data);
                }
                let short = short(rules);
                let msg = if short.is_empty() {
                    format!("approval quorum met in round {round}")
                } else {
                    format!(
                        "approval quorum not met in round {round}: {}",
                        short.join(", ")
                    )
                };
                (msg, data)
            }
            Finding::BlackoutNoWindow => (
                "no planned window to check against blackouts".to_string(),
                Value::Null,
            ),
            Finding::BlackoutNoCalendar => (
                "no calendar in the context: no blackout to check".to_string(),
                json!({"calendar": false}),
            ),
            Finding::BlackoutClear => (
                "the window is outside every blocking blackout".to_string(),
                json!({"blackouts": Vec::<Value>::new()}),
            ),
            Finding::Risk {
                level,
                source,
                max,
                assessed,
                extra,
            } => {
                let assessed_data = |data: &mut Value| {
                    if let (Some(a), Some(map)) = (assessed, data.as_object_mut()) {
                        map.insert("score".to_string(), json!(a.score));
                        let contributions: serde_json::Map<String, Value> = a
                            .contributions
                            .iter()
                            .map(|(name, c)| (name.clone(), json!(c)))
                            .collect();
                        map.insert("contributions".to_string(), Value::Object(contributions));
                        if let Some(p) = a.failure_probability {
                            map.insert("failure_probability".to_string(), json!(p));
                        }
                    }
                };
                let label = match assessed {
                    Some(a) => format!("{} (assessed, score {:.1})", level.as_str(), a.score),
                    None => level.as_str().to_string(),
                };
                let Some((approver_role, extra)) = extra else {
                    let msg = format!("risk {label} is within the limit ({})", max.as_str());
                    let mut data = json!({"level": level, "source": source, "max": max});
                    assessed_data(&mut data);
                    return (msg, data);
                };
                let mut data = json!({
                    "level": level, "source": source, "max": max,
                    "extra_approver_role": approver_role, "extra_approvers": extra,
                });
                assessed_data(&mut data);
                let role = role_name(*approver_role);
                let msg = match extra.first() {
                    Some(who) => format!(
                        "risk {label} is above {} but approved by {role} {who}",
                        max.as_str()
                    ),
                    None => format!(
                        "risk {label} is above the limit ({}): needs an approval from a {role}",
                        max.as_str()
                    ),
                };
                (msg, data)
            }
            Finding::PromotionNoTarget { order } => (
                "the release targets no environment of the promotion order".to_string(),
                json!({"order": order}),
            ),
            Finding::PromotionOrder {
                order,
                target,
                found,
                missing,
            } => {
                let last = target;
                let found: Vec<Value> = found
                    .iter()
                    .map(|(env, d)| json!({"environment": env, "deployment": d}))
                    .collect();
                let data =
                    json!({"order": order, "target": last, "found": found, "missing": missing});
                let msg = if missing.is_empty() {
                    format!("promoted in order before {last}")
                } else {
                    format!(
                        "{last} needs a successful deployment of {} to {} first",
                        id,
                        missing.join(", ")
                    )
                };
                (msg, data)
            }
            Finding::ConflictsError { err } => (
                format!("the schedule could not be checked for conflicts: {err}"),
                json!({"error": err.to_body()}),
            ),
            Finding::Conflicts { blocking, warnings } => {
                let warn = warnings;
                let data = json!({"blocking": blocking, "warnings": warn});
                let msg = if blocking.is_empty() {
                    format!("no blocking conflict in the schedule ({warn} warning conflict(s))")
                } else {
                    let what: Vec<String> = blocking
                        .iter()
                        .map(|c| format!("{} ({})", c.kind.as_str(), c.items.join(", ")))
                        .collect();
                    format!("blocking conflicts: {}", what.join("; "))
                };
                (msg, data)
            }
            Finding::BlackoutHit {
                hits,
                override_by,
                emergency,
            } => {
                let data_hits: Vec<Value> = hits
                    .iter()
                    .map(|(b, s, t)| json!({"id": b.id, "name": b.name, "start": s, "end": t}))
                    .collect();
                let names: Vec<String> = hits
                    .iter()
                    .map(|(b, _, _)| format!("{} ({})", b.id, b.name))
                    .collect();
                let data = json!({"blackouts": data_hits, "override_by": override_by, "emergency": emergency});
                let msg = match override_by {
                    Some(who) => format!(
                        "inside blocking blackout {}, overridden by ECAB member {who}",
                        names.join(", ")
                    ),
                    None => {
                        let how = if *emergency {
                            "; an ECAB approval with override_blackout can let this emergency through"
                        } else {
                            ""
                        };
                        format!(
                            "the window falls inside blocking blackout {}{how}",
                            names.join(", ")
                        )
                    }
                };
                (msg, data)
            }
            Finding::Rejected { rejections } => {
                let rejected: Vec<Value> = rejections
                    .iter()
                    .map(|(approver, role, comment)| {
                        json!({"approver": approver, "role": role, "comment": comment})
                    })
                    .collect();
                let who: Vec<String> = rejected
                    .iter()
                    .filter_map(|v| v["approver"].as_str().map(str::to_string))
                    .collect();
                let msg = if who.is_empty() {
                    "no rejection outstanding".to_string()
                } else {
                    format!("rejected by {}", who.join(", "))
                };
                (msg, Value::Array(rejected))
            }
            Finding::RiskUnassessed { max, err } => (
                format!("no risk level given and the risk could not be assessed: {err}"),
                json!({"level": null, "source": "assessed", "max": max, "error": err.to_body()}),
            ),
            Finding::RecordTampered {
                tamper,
                differences,
                imports,
            } => {
                let t = tamper;
                let differences = serde_json::to_value(differences).unwrap_or(Value::Null);
                let data = with_imports(
                    json!({"tamper": t.kind, "path": t.path, "differences": differences}),
                    imports,
                );
                (format!("the record does not hold: {}", t.message), data)
            }
        }
    }
}
