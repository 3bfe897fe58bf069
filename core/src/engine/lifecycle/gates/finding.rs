//! Typed requirement data, rendered late: what each converted gate found,
//! kept as plain values (borrowed from the release, context and policy
//! where possible) and turned into the requirement's message (`Display`
//! of the rule's sentence) and data (JSON) only when a [`GateReport`] is
//! built. A [`GateVerdict`](super::super::GateVerdict) that is never
//! rendered never formats a message nor builds a JSON value.
//!
//! Every gate records a typed finding; none renders eagerly.
//!
//! The rendering reuses the exact `json!` shapes and `format!` sentences
//! the gates used to build eagerly, so the serialised report is
//! byte-identical (keys sorted: serde_json here has no `preserve_order`).
//!
//! [`GateReport`]: super::super::GateReport

use super::line;
use crate::lifecycle::overrides::OverrideNote;
use crate::{Outcome, ReleaseKind, RiskLevel, Role, State, TestKind, Timestamp};
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
    /// The ids of the risk conditions that matched (empty: the level is
    /// the score's).
    pub conditions: Vec<String>,
    /// The factors (with a weight above 0) that read the CMDB, when there
    /// is none in the context: they took their neutral value, not checked.
    pub not_checked: Vec<&'static str>,
}

/// Why readiness needs a context part.
#[derive(Clone, Copy)]
pub(crate) enum Need {
    /// The policy lists it for the release's kind
    /// (`lifecycle.readiness.<kind>`).
    Kind(ReleaseKind),
    /// The risk is assessed and `blast_radius` weighs this much
    /// (`lifecycle.readiness.cmdb_when_blast_radius`).
    BlastRadius(f64),
}

/// One context part readiness needs, why, and whether the context gives it.
pub(crate) struct NeededPart {
    pub part: crate::policy::ContextPart,
    pub need: Need,
    pub present: bool,
}

impl NeededPart {
    /// Why the part is needed, as a sentence.
    fn why(&self) -> String {
        match self.need {
            Need::Kind(kind) => format!(
                "required for {k} releases (policy lifecycle.readiness.{k})",
                k = kind.as_str()
            ),
            Need::BlastRadius(weight) => {
                format!("risk uses blast_radius (weight {weight})")
            }
        }
    }
}

/// The latest run of one test kind, as the pass-rate gate counts it
/// (copied from the log's replay).
pub(crate) struct PassRun {
    pub kind: TestKind,
    pub passed: u64,
    pub failed: u64,
    /// The minimum pass rate for this kind.
    pub min: f64,
    /// The system an imported run came from.
    pub source: Option<String>,
}

impl PassRun {
    /// Passed over executed cases; `None` when no case was executed.
    fn rate(&self) -> Option<f64> {
        let executed = self.passed.saturating_add(self.failed);
        if executed == 0 {
            None
        } else {
            Some(self.passed as f64 / executed as f64)
        }
    }

    /// True when the run executed cases and its rate is not below the
    /// minimum.
    pub(crate) fn meets(&self) -> bool {
        match self.rate() {
            None => false,
            Some(rate) if rate < self.min => false,
            Some(_) => true,
        }
    }
}

/// Where a deployment start lies against the approved window.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum WindowPosition {
    /// The release has no planned window.
    NoWindow,
    /// The approval round was voided and the current one approved nothing.
    Voided { voided_round: u32 },
    /// This many seconds before the window opens.
    Before(u64),
    /// Inside the window (both ends included).
    Inside,
    /// This many seconds after the window closed.
    After(u64),
}

impl WindowPosition {
    fn name(self) -> &'static str {
        match self {
            WindowPosition::NoWindow => "no_window",
            WindowPosition::Voided { .. } => "voided",
            WindowPosition::Before(_) => "before",
            WindowPosition::Inside => "inside",
            WindowPosition::After(_) => "after",
        }
    }
}

/// `secs` as `1d 2h 3m 4s`, the units that are not zero.
fn span(secs: u64) -> String {
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut rest = secs;
    let mut out = Vec::new();
    for (size, unit) in units {
        let n = rest.checked_div(size).unwrap_or(0);
        rest = rest.checked_rem(size).unwrap_or(0);
        if n > 0 {
            out.push(format!("{n}{unit}"));
        }
    }
    if out.is_empty() {
        "0s".to_string()
    } else {
        out.join(" ")
    }
}

/// The sentence that names an override in a message.
fn overridden(o: &OverrideNote) -> String {
    format!(
        "overridden by ECAB member {} (seq {}): {}",
        o.by, o.seq, o.justification
    )
}

/// What a gate found, per rule.
pub(crate) enum Finding<'a> {
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
        /// The delegated votes counted (`delegation::delegated_json`).
        delegated: Vec<Value>,
    },
    /// `approval.routing` (the approver groups of the routing table).
    Routing(super::approval::RoutingFinding),
    /// `approval.blackout` without a planned window.
    BlackoutNoWindow,
    /// `approval.blackout` without a calendar.
    BlackoutNoCalendar,
    /// `approval.blackout` outside every blocking blackout.
    BlackoutClear,
    /// `approval.conflicts` without a schedule: not checked.
    ConflictsNoSchedule,
    /// `readiness.context`: the parts readiness needs for a release of
    /// `kind`, why, and which the context gives.
    ReadinessContext {
        kind: ReleaseKind,
        needs: Vec<NeededPart>,
    },
    /// `approval.risk` (level given or assessed).
    Risk {
        level: RiskLevel,
        source: &'static str,
        max: RiskLevel,
        assessed: Option<AssessedRisk>,
        /// Above the limit: the extra approver role and its approvers.
        extra: Option<(Role, Vec<String>)>,
    },
    // Leaving planning, development, testing, deployment and review
    // (`planning.rs`, `development.rs`, `testing.rs`, `deployment.rs`,
    // `review.rs`).
    /// `planning.owner`: the release's owner as written.
    PlanningOwner { owner: Option<&'a str> },
    /// `planning.scope`: the release's scope as written.
    PlanningScope { scope: Option<&'a str> },
    /// `planning.window`: the planned window as written.
    PlanningWindow {
        start: Option<&'a Timestamp>,
        end: Option<&'a Timestamp>,
    },
    /// `planning.communication_plan`: the kind and the plan (blank plans
    /// left out).
    PlanningCommunication {
        kind: ReleaseKind,
        plan: Option<&'a str>,
    },
    /// `development.changes`: how many change records.
    DevelopmentChanges { changes: usize },
    /// `development.affected_cis`: the changes naming no affected CI.
    DevelopmentAffectedCis { without: Vec<&'a str> },
    /// `deployment.outcome`: the outcome the log records.
    DeploymentOutcome { outcome: Option<Outcome> },
    /// `deployment.rollback`: when the log records the rollback (copied).
    DeploymentRollback { rolled_back_at: Option<Timestamp> },
    /// `review.completed`: when the log records the review (copied) and
    /// why one is required.
    ReviewCompleted {
        completed_at: Option<Timestamp>,
        required: bool,
        failed: bool,
        emergency: bool,
        kind: ReleaseKind,
    },
    /// `review.knowledge_articles`: the release's linked articles.
    ReviewKnowledgeArticles { articles: &'a [String] },
    /// `testing.required_kinds`: the kinds the gate requires and the kinds
    /// the log records (in kind order).
    TestingRequiredKinds {
        required: Vec<TestKind>,
        present: Vec<TestKind>,
    },
    /// `testing.pass_rate`: the latest run of each recorded kind.
    TestingPassRate { runs: Vec<PassRun> },
    /// `testing.uat_signoff`: whether a UAT run is recorded and who signed
    /// it off (blank names left out; copied from the log).
    TestingUatSignoff { uat: bool, signer: Option<String> },
    /// `testing.security_failures`: failed cases of the latest security run.
    TestingSecurityFailures { failed: u64 },
    // approval/promotion_order.rs, approval/conflicts.rs,
    // approval/blackout.rs (blocking hits), approval/no_rejection.rs
    // (outstanding rejections), approval/risk.rs (cannot assess),
    // record.rs (tampered log).
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
        /// An `override` of `approval.blackout` that lets it through.
        override_: Option<OverrideNote>,
    },
    /// `approval.maintenance_window`: the outside-maintenance-window
    /// conflicts of the release (blocking ones, and how many warning ones),
    /// and the ECAB override that lets them through.
    MaintenanceWindow {
        blocking: Vec<crate::Conflict>,
        warnings: usize,
        override_: Option<OverrideNote>,
    },
    /// `deployment.window`: where the deployment start lies against the
    /// approved window of the current round, and the override.
    DeploymentWindow {
        window: Option<(&'a Timestamp, &'a Timestamp)>,
        start: Timestamp,
        /// `command` (the start's `at`) or `now` (`context.now`).
        source: &'static str,
        round: u32,
        position: WindowPosition,
        override_: Option<OverrideNote>,
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
    /// The emergency path's rules (`emergency.rs`): a deferred
    /// `approval.quorum`, `emergency.retrospective_approval`,
    /// `review.incident_linked`.
    Emergency(super::emergency::EmergencyFinding<'a>),
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
        let role = rule.role.as_str();
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

/// `; delegated: bob.k for petra.mueller (cab)` for the delegated votes of
/// a quorum finding; empty without one.
fn delegated_names(delegated: &[Value]) -> String {
    let names: Vec<String> = delegated
        .iter()
        .map(|d| {
            let text = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or_default();
            format!(
                "{} for {} ({})",
                text("approver"),
                text("on_behalf_of"),
                text("role")
            )
        })
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!("; delegated: {}", names.join(", "))
    }
}

impl Finding<'_> {
    /// The requirement's message and data, exactly as the gate used to
    /// build them (`id` is the release's id).
    pub(crate) fn render(&self, id: &str) -> (String, Value) {
        match self {
            Finding::Emergency(f) => f.render(id),
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
                delegated,
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
                if !delegated.is_empty() {
                    if let Some(map) = data.as_object_mut() {
                        map.insert("delegated".into(), Value::Array(delegated.clone()));
                    }
                }
                let by_delegates = delegated_names(delegated);
                if *standard_only {
                    let msg = "every change is a standard change: pre-approved, no CAB vote needed"
                        .to_string();
                    return (msg, data);
                }
                let short = short(rules);
                let msg = if short.is_empty() {
                    format!("approval quorum met in round {round}{by_delegates}")
                } else {
                    format!(
                        "approval quorum not met in round {round}: {}{by_delegates}",
                        short.join(", ")
                    )
                };
                (msg, data)
            }
            Finding::Routing(routing) => routing.render(),
            Finding::BlackoutNoWindow => (
                "no planned window to check against blackouts".to_string(),
                Value::Null,
            ),
            Finding::BlackoutNoCalendar => (
                "not checked: no calendar in the context".to_string(),
                json!({"calendar": false, "checked": false}),
            ),
            Finding::ConflictsNoSchedule => (
                "not checked: no schedule in the context".to_string(),
                json!({"schedule": false, "checked": false}),
            ),
            Finding::ReadinessContext { kind, needs } => {
                let required: Vec<Value> = needs
                    .iter()
                    .map(|n| json!({"part": n.part, "why": n.why(), "present": n.present}))
                    .collect();
                let missing: Vec<&str> = needs
                    .iter()
                    .filter(|n| !n.present)
                    .map(|n| n.part.as_str())
                    .collect();
                let data = json!({"kind": kind, "required": required, "missing": missing});
                let msg = if needs.is_empty() {
                    format!(
                        "readiness needs no context part for {} releases",
                        kind.as_str()
                    )
                } else if missing.is_empty() {
                    let parts: Vec<&str> = needs.iter().map(|n| n.part.as_str()).collect();
                    format!(
                        "the context has every part readiness needs: {}",
                        parts.join(", ")
                    )
                } else {
                    let why: Vec<String> = needs
                        .iter()
                        .filter(|n| !n.present)
                        .map(|n| format!("{}: {}", n.part.as_str(), n.why()))
                        .collect();
                    format!(
                        "not ready: the context lacks {}",
                        why.join("; ")
                    )
                };
                (msg, data)
            }
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
                        if !a.conditions.is_empty() {
                            map.insert("conditions".to_string(), json!(a.conditions));
                        }
                        if !a.not_checked.is_empty() {
                            map.insert("cmdb".to_string(), json!(false));
                            map.insert("not_checked".to_string(), json!(a.not_checked));
                        }
                    }
                };
                let label = match assessed {
                    Some(a) if !a.conditions.is_empty() => format!(
                        "{} (assessed, score {:.1}; risk conditions {}{})",
                        level.as_str(),
                        a.score,
                        a.conditions
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        not_checked(&a.not_checked)
                    ),
                    Some(a) => format!(
                        "{} (assessed, score {:.1}{})",
                        level.as_str(),
                        a.score,
                        not_checked(&a.not_checked)
                    ),
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
                let role = approver_role.as_str();
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
            Finding::PlanningOwner { owner } => {
                let msg = match owner.filter(|o| !o.trim().is_empty()) {
                    Some(o) => format!("owned by {o}"),
                    None => "the release has no owner (release manager)".to_string(),
                };
                (msg, json!({"owner": owner}))
            }
            Finding::PlanningScope { scope } => {
                let msg = match scope.filter(|s| !s.trim().is_empty()) {
                    Some(_) => "the scope is described".to_string(),
                    None => "the scope is not described".to_string(),
                };
                (msg, json!({"scope": scope}))
            }
            Finding::PlanningWindow { start, end } => {
                let data = json!({"planned_start": start, "planned_end": end});
                let msg = match (start, end) {
                    (Some(s), Some(t)) if s < t => format!("planned window {s} to {t}"),
                    (Some(_), Some(_)) => "the planned window ends before it starts".to_string(),
                    _ => "the planned window needs planned_start and planned_end".to_string(),
                };
                (msg, data)
            }
            Finding::PlanningCommunication { kind, plan } => {
                let msg = match plan {
                    Some(_) => "a communication plan is in place".to_string(),
                    None => format!("{kind:?} releases need a communication plan").to_lowercase(),
                };
                (msg, json!({"kind": kind, "plan": plan}))
            }
            Finding::DevelopmentChanges { changes } => {
                let n = *changes;
                let msg = if n == 0 {
                    "the release has no change records".to_string()
                } else {
                    format!("{n} change record{}", if n == 1 { "" } else { "s" })
                };
                (msg, json!({"changes": n}))
            }
            Finding::DevelopmentAffectedCis { without } => {
                let msg = if without.is_empty() {
                    "every change names its affected CIs".to_string()
                } else {
                    format!("changes without affected CIs: {}", without.join(", "))
                };
                (msg, json!({"changes_without_cis": without}))
            }
            Finding::DeploymentOutcome { outcome } => {
                let msg = match outcome {
                    Some(o) => format!("outcome recorded: {}", crate::record::outcome_name(*o)),
                    None => "no deployment outcome recorded".to_string(),
                };
                (msg, json!({"outcome": outcome}))
            }
            Finding::DeploymentRollback { rolled_back_at } => {
                let msg = if rolled_back_at.is_some() {
                    "the rollback is recorded".to_string()
                } else {
                    "a failed deployment needs roll_back recorded before review".to_string()
                };
                (msg, json!({"rolled_back_at": rolled_back_at}))
            }
            Finding::ReviewCompleted {
                completed_at,
                required,
                failed,
                emergency,
                kind,
            } => {
                let why = if *emergency {
                    "emergency releases"
                } else if *failed {
                    "failed or rolled-back releases"
                } else {
                    "this release kind"
                };
                let msg = match (completed_at, required) {
                    (Some(at), _) => format!("post-implementation review completed at {at}"),
                    (None, true) => {
                        format!("a post-implementation review is mandatory for {why}")
                    }
                    (None, false) => format!(
                        "no post-implementation review is required for a successful {} release",
                        format!("{kind:?}").to_lowercase()
                    ),
                };
                (
                    msg,
                    json!({"completed_at": completed_at, "required": required, "failed": failed, "emergency": emergency}),
                )
            }
            Finding::ReviewKnowledgeArticles { articles } => {
                let n = articles.len();
                let msg = if n > 0 {
                    format!(
                        "{n} knowledge article{} linked",
                        if n == 1 { "" } else { "s" }
                    )
                } else {
                    "no knowledge article linked".to_string()
                };
                (msg, json!({"knowledge_articles": articles}))
            }
            Finding::TestingRequiredKinds { required, present } => {
                let missing: Vec<&str> = required
                    .iter()
                    .filter(|k| !present.contains(k))
                    .map(|k| k.as_str())
                    .collect();
                let names: Vec<&str> = required.iter().map(|k| k.as_str()).collect();
                let present: Vec<&str> = present.iter().map(|k| k.as_str()).collect();
                let msg = if missing.is_empty() {
                    format!(
                        "every required test kind is recorded ({})",
                        names.join(", ")
                    )
                } else {
                    format!("missing required test kinds: {}", missing.join(", "))
                };
                (
                    msg,
                    json!({"required": names, "present": present, "missing": missing}),
                )
            }
            Finding::TestingPassRate { runs } => {
                let mut failing = Vec::new();
                let mut rates = Vec::new();
                for run in runs {
                    let (kind, min, rate) = (run.kind, run.min, run.rate());
                    let mut entry = json!({"kind": kind, "passed": run.passed, "failed": run.failed, "rate": rate, "min": min});
                    if let (Some(source), Some(map)) = (&run.source, entry.as_object_mut()) {
                        // A run vouched for by an import rather than recorded by a command.
                        map.insert("vouched_by_import".into(), json!(source));
                    }
                    rates.push(entry);
                    match rate {
                        None => failing.push(format!("{} executed no test", kind.as_str())),
                        Some(rate) if rate < min => failing.push(format!(
                            "{} passed {:.1}% (minimum {:.1}%)",
                            kind.as_str(),
                            rate * 100.0,
                            min * 100.0
                        )),
                        Some(_) => {}
                    }
                }
                let msg = if failing.is_empty() {
                    "every recorded test kind meets its minimum pass rate".to_string()
                } else {
                    format!("pass rate too low: {}", failing.join("; "))
                };
                (msg, Value::Array(rates))
            }
            Finding::TestingUatSignoff { uat, signer } => {
                let msg = match (uat, signer) {
                    (_, Some(s)) => format!("UAT signed off by {s}"),
                    (true, None) => "UAT is not signed off".to_string(),
                    (false, None) => "no UAT run to sign off".to_string(),
                };
                (msg, json!({"signed_off_by": signer}))
            }
            Finding::TestingSecurityFailures { failed } => {
                let msg = if *failed == 0 {
                    "no failed security test".to_string()
                } else {
                    format!(
                        "{failed} security test{} failed",
                        if *failed == 1 { "" } else { "s" }
                    )
                };
                (msg, json!({"failed": failed}))
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
            Finding::MaintenanceWindow {
                blocking,
                warnings,
                override_,
            } => {
                let warn = warnings;
                let mut data = json!({"blocking": blocking, "warnings": warn});
                if let (Some(o), Some(map)) = (override_, data.as_object_mut()) {
                    map.insert("override".into(), o.to_json());
                }
                let what: Vec<String> = blocking
                    .iter()
                    .map(|c| c.explanation.clone())
                    .collect();
                let msg = match (blocking.is_empty(), override_) {
                    (true, _) => format!(
                        "inside the maintenance windows of its CIs ({warn} warning conflict(s))"
                    ),
                    (false, Some(o)) => format!(
                        "outside maintenance windows: {}; {}",
                        what.join("; "),
                        overridden(o)
                    ),
                    (false, None) => format!(
                        "outside maintenance windows: {}; an ECAB override of approval.maintenance_window can let it through",
                        what.join("; ")
                    ),
                };
                (msg, data)
            }
            Finding::DeploymentWindow {
                window,
                start,
                source,
                round,
                position,
                override_,
            } => {
                let mut data = json!({
                    "window": window.map(|(s, e)| json!({"start": s, "end": e})),
                    "start": start,
                    "source": source,
                    "round": round,
                    "position": position.name(),
                });
                if let Some(map) = data.as_object_mut() {
                    match position {
                        WindowPosition::Before(n) => {
                            map.insert("early_secs".into(), json!(n));
                        }
                        WindowPosition::After(n) => {
                            map.insert("late_secs".into(), json!(n));
                        }
                        WindowPosition::Voided { voided_round } => {
                            map.insert("voided_round".into(), json!(voided_round));
                        }
                        WindowPosition::NoWindow | WindowPosition::Inside => {}
                    }
                    if let Some(o) = override_ {
                        map.insert("override".into(), o.to_json());
                    }
                }
                let what = match (position, window) {
                    (WindowPosition::Inside, Some((s, e))) => {
                        format!("the deployment starts at {start}, inside the approved window {s} – {e}")
                    }
                    (WindowPosition::Before(n), Some((s, e))) => format!(
                        "the deployment starts at {start}, {} before the approved window {s} – {e}",
                        span(*n)
                    ),
                    (WindowPosition::After(n), Some((s, e))) => format!(
                        "the deployment starts at {start}, {} after the approved window {s} – {e} closed",
                        span(*n)
                    ),
                    (WindowPosition::Voided { voided_round }, _) => format!(
                        "the deployment starts at {start}, after approval round {voided_round} was voided; round {round} has approved no window"
                    ),
                    _ => format!("the deployment starts at {start}, but {id} has no planned window"),
                };
                let msg = match (position, override_) {
                    (WindowPosition::Inside, _) => what,
                    (_, Some(o)) => format!("{what}; {}", overridden(o)),
                    (_, None) => format!(
                        "{what}; an ECAB override of deployment.window can let it start"
                    ),
                };
                (msg, data)
            }
            Finding::BlackoutHit {
                hits,
                override_by,
                emergency,
                override_,
            } => {
                let data_hits: Vec<Value> = hits
                    .iter()
                    .map(|(b, s, t)| json!({"id": b.id, "name": b.name, "start": s, "end": t}))
                    .collect();
                let names: Vec<String> = hits
                    .iter()
                    .map(|(b, _, _)| format!("{} ({})", b.id, b.name))
                    .collect();
                let mut data = json!({"blackouts": data_hits, "override_by": override_by, "emergency": emergency});
                if let (Some(o), Some(map)) = (override_, data.as_object_mut()) {
                    map.insert("override".into(), o.to_json());
                }
                let msg = match override_by {
                    Some(_) if override_.is_some() => format!(
                        "inside blocking blackout {}, {}",
                        names.join(", "),
                        override_.as_ref().map(overridden).unwrap_or_default()
                    ),
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

/// The note a risk label carries for factors that could not read a CMDB
/// (empty when every factor could).
fn not_checked(factors: &[&str]) -> String {
    if factors.is_empty() {
        String::new()
    } else {
        format!(
            "; not checked: no cmdb in the context ({})",
            factors.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    //! Branches of the converted gates no lifecycle test reaches: the
    //! message and data the gates built eagerly before (`git show` of the
    //! gate files before their conversion).

    use super::*;

    fn rendered(f: Finding<'_>) -> (String, String) {
        let (msg, data) = f.render("r1");
        (msg, data.to_string())
    }

    #[test]
    fn planning_window_ending_before_it_starts() {
        let start = Timestamp::parse("2026-02-01T00:00:00Z").unwrap();
        let end = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        let f = Finding::PlanningWindow {
            start: Some(&start),
            end: Some(&end),
        };
        assert_eq!(
            rendered(f),
            (
                "the planned window ends before it starts".to_string(),
                r#"{"planned_end":"2026-01-01T00:00:00Z","planned_start":"2026-02-01T00:00:00Z"}"#
                    .to_string()
            )
        );
    }

    #[test]
    fn planning_communication_plan_missing() {
        let f = Finding::PlanningCommunication {
            kind: ReleaseKind::Major,
            plan: None,
        };
        assert_eq!(
            rendered(f),
            (
                "major releases need a communication plan".to_string(),
                r#"{"kind":"major","plan":null}"#.to_string()
            )
        );
    }

    #[test]
    fn development_changes_and_affected_cis() {
        let cases = [
            (
                Finding::DevelopmentChanges { changes: 0 },
                "the release has no change records",
                r#"{"changes":0}"#,
            ),
            (
                Finding::DevelopmentChanges { changes: 1 },
                "1 change record",
                r#"{"changes":1}"#,
            ),
            (
                Finding::DevelopmentChanges { changes: 3 },
                "3 change records",
                r#"{"changes":3}"#,
            ),
            (
                Finding::DevelopmentAffectedCis { without: vec![] },
                "every change names its affected CIs",
                r#"{"changes_without_cis":[]}"#,
            ),
            (
                Finding::DevelopmentAffectedCis {
                    without: vec!["CHG1", "CHG2"],
                },
                "changes without affected CIs: CHG1, CHG2",
                r#"{"changes_without_cis":["CHG1","CHG2"]}"#,
            ),
        ];
        for (f, msg, data) in cases {
            assert_eq!(rendered(f), (msg.to_string(), data.to_string()));
        }
    }

    #[test]
    fn deployment_outcome_and_rollback() {
        let at = Timestamp::parse("2026-03-01T10:00:00Z").unwrap();
        let cases = [
            (
                Finding::DeploymentOutcome { outcome: None },
                "no deployment outcome recorded".to_string(),
                r#"{"outcome":null}"#.to_string(),
            ),
            (
                Finding::DeploymentOutcome {
                    outcome: Some(Outcome::Failed),
                },
                format!(
                    "outcome recorded: {}",
                    crate::record::outcome_name(Outcome::Failed)
                ),
                json!({"outcome": Outcome::Failed}).to_string(),
            ),
            (
                Finding::DeploymentRollback {
                    rolled_back_at: Some(at),
                },
                "the rollback is recorded".to_string(),
                r#"{"rolled_back_at":"2026-03-01T10:00:00Z"}"#.to_string(),
            ),
            (
                Finding::DeploymentRollback {
                    rolled_back_at: None,
                },
                "a failed deployment needs roll_back recorded before review".to_string(),
                r#"{"rolled_back_at":null}"#.to_string(),
            ),
        ];
        for (f, msg, data) in cases {
            assert_eq!(rendered(f), (msg, data));
        }
    }

    #[test]
    fn review_completed_and_knowledge_articles() {
        let at = Timestamp::parse("2026-03-02T09:00:00Z").unwrap();
        let review = |completed_at: Option<Timestamp>, required, failed, emergency| {
            Finding::ReviewCompleted {
                completed_at,
                required,
                failed,
                emergency,
                kind: ReleaseKind::Minor,
            }
        };
        let two = ["KB1".to_string(), "KB2".to_string()];
        let cases = [
            (
                review(Some(at), true, false, false),
                "post-implementation review completed at 2026-03-02T09:00:00Z",
                r#"{"completed_at":"2026-03-02T09:00:00Z","emergency":false,"failed":false,"required":true}"#,
            ),
            (
                review(None, true, false, true),
                "a post-implementation review is mandatory for emergency releases",
                r#"{"completed_at":null,"emergency":true,"failed":false,"required":true}"#,
            ),
            (
                review(None, true, true, false),
                "a post-implementation review is mandatory for failed or rolled-back releases",
                r#"{"completed_at":null,"emergency":false,"failed":true,"required":true}"#,
            ),
            (
                review(None, true, false, false),
                "a post-implementation review is mandatory for this release kind",
                r#"{"completed_at":null,"emergency":false,"failed":false,"required":true}"#,
            ),
            (
                review(None, false, false, false),
                "no post-implementation review is required for a successful minor release",
                r#"{"completed_at":null,"emergency":false,"failed":false,"required":false}"#,
            ),
            (
                Finding::ReviewKnowledgeArticles { articles: &[] },
                "no knowledge article linked",
                r#"{"knowledge_articles":[]}"#,
            ),
            (
                Finding::ReviewKnowledgeArticles {
                    articles: &two[..1],
                },
                "1 knowledge article linked",
                r#"{"knowledge_articles":["KB1"]}"#,
            ),
            (
                Finding::ReviewKnowledgeArticles { articles: &two },
                "2 knowledge articles linked",
                r#"{"knowledge_articles":["KB1","KB2"]}"#,
            ),
        ];
        for (f, msg, data) in cases {
            assert_eq!(rendered(f), (msg.to_string(), data.to_string()));
        }
    }

    #[test]
    fn testing_kinds_pass_rates_signoff_and_security() {
        let run = |kind, passed, failed, min, source: Option<&str>| PassRun {
            kind,
            passed,
            failed,
            min,
            source: source.map(str::to_string),
        };
        let cases = [
            (
                Finding::TestingRequiredKinds {
                    required: vec![TestKind::Unit, TestKind::Security],
                    present: vec![TestKind::Unit, TestKind::Integration, TestKind::Security],
                },
                "every required test kind is recorded (unit, security)",
                r#"{"missing":[],"present":["unit","integration","security"],"required":["unit","security"]}"#,
            ),
            (
                Finding::TestingRequiredKinds {
                    required: vec![TestKind::Unit, TestKind::Security, TestKind::Uat],
                    present: vec![TestKind::Unit],
                },
                "missing required test kinds: security, uat",
                r#"{"missing":["security","uat"],"present":["unit"],"required":["unit","security","uat"]}"#,
            ),
            (
                Finding::TestingPassRate {
                    runs: vec![run(TestKind::Unit, 10, 0, 0.95, None)],
                },
                "every recorded test kind meets its minimum pass rate",
                r#"[{"failed":0,"kind":"unit","min":0.95,"passed":10,"rate":1.0}]"#,
            ),
            (
                Finding::TestingPassRate {
                    runs: vec![
                        run(TestKind::Unit, 3, 1, 0.95, None),
                        run(TestKind::Integration, 0, 0, 0.95, Some("jenkins")),
                        run(TestKind::Security, 1, 0, 1.0, None),
                    ],
                },
                "pass rate too low: unit passed 75.0% (minimum 95.0%); integration executed no test",
                r#"[{"failed":1,"kind":"unit","min":0.95,"passed":3,"rate":0.75},{"failed":0,"kind":"integration","min":0.95,"passed":0,"rate":null,"vouched_by_import":"jenkins"},{"failed":0,"kind":"security","min":1.0,"passed":1,"rate":1.0}]"#,
            ),
            (
                Finding::TestingUatSignoff {
                    uat: true,
                    signer: Some("ann".to_string()),
                },
                "UAT signed off by ann",
                r#"{"signed_off_by":"ann"}"#,
            ),
            (
                Finding::TestingUatSignoff {
                    uat: true,
                    signer: None,
                },
                "UAT is not signed off",
                r#"{"signed_off_by":null}"#,
            ),
            (
                Finding::TestingUatSignoff {
                    uat: false,
                    signer: None,
                },
                "no UAT run to sign off",
                r#"{"signed_off_by":null}"#,
            ),
            (
                Finding::TestingSecurityFailures { failed: 0 },
                "no failed security test",
                r#"{"failed":0}"#,
            ),
            (
                Finding::TestingSecurityFailures { failed: 1 },
                "1 security test failed",
                r#"{"failed":1}"#,
            ),
            (
                Finding::TestingSecurityFailures { failed: 2 },
                "2 security tests failed",
                r#"{"failed":2}"#,
            ),
        ];
        for (f, msg, data) in cases {
            assert_eq!(rendered(f), (msg.to_string(), data.to_string()));
        }
        assert!(run(TestKind::Unit, 19, 1, 0.95, None).meets());
        assert!(!run(TestKind::Unit, 18, 1, 0.95, None).meets());
        assert!(!run(TestKind::Unit, 0, 0, 0.0, None).meets());
    }
}
