//! The gates of each state (SPEC §2), evaluated into requirements.

use super::approval::{needed, votes, Votes};
use super::{GateReport, LogCheck, Requirement};
use crate::calendar::Touches;
use crate::error::Warning;
use crate::policy::Gates;
use crate::{
    BlackoutSeverity, Calendar, ChangeKind, Cmdb, Context, Decision, Outcome, Policy, Release,
    ReleaseKind, Role, State, TestKind, TestRun,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The main line of states, in order: every state but `cancelled`, which
/// `State::ALL` lists last.
fn line() -> &'static [State] {
    State::ALL.split_last().map_or(&[], |(_, line)| line)
}

fn position(state: State) -> Option<usize> {
    line().iter().position(|s| *s == state)
}

/// The state after `state` on the main line.
pub(crate) fn next(state: State) -> Option<State> {
    position(state)
        .and_then(|i| line().get(i.saturating_add(1)))
        .copied()
}

/// True for `closed` and `cancelled`.
pub(crate) fn is_terminal(state: State) -> bool {
    matches!(state, State::Closed | State::Cancelled)
}

struct Eval<'a> {
    release: &'a Release,
    context: &'a Context,
    policy: &'a Policy,
    gates: Gates,
    out: Vec<Requirement>,
    warnings: Vec<Warning>,
    votes: Option<Votes<'a>>,
    /// The log's replay: the gates count only what it yields.
    log: &'a LogCheck,
}

impl<'a> Eval<'a> {
    fn req(&mut self, rule: &str, met: bool, message: String, data: Value) {
        self.out.push(Requirement {
            rule: rule.to_string(),
            met,
            message,
            data,
        });
    }

    fn votes(&mut self) -> &Votes<'a> {
        let (release, record, actors, sod) = (
            self.release,
            &self.log.record,
            &self.context.actors,
            &self.policy.lifecycle.separation_of_duties,
        );
        self.votes
            .get_or_insert_with(|| votes(release, record, actors, sod))
    }

    fn calendar(&self) -> Option<&'a Calendar> {
        let ctx = self.context;
        ctx.calendar
            .as_ref()
            .or_else(|| ctx.schedule.as_ref().and_then(|s| s.calendar.as_ref()))
    }

    fn cmdb(&self) -> Option<&'a Cmdb> {
        let ctx = self.context;
        ctx.cmdb
            .as_ref()
            .or_else(|| ctx.schedule.as_ref().and_then(|s| s.cmdb.as_ref()))
    }
}

/// Evaluates every requirement of moving `release` to `target`.
pub(crate) fn evaluate(
    release: &Release,
    target: State,
    context: &Context,
    policy: &Policy,
    log: &LogCheck,
) -> GateReport {
    let mut e = Eval {
        release,
        context,
        policy,
        gates: policy.lifecycle.gates(release.kind),
        out: Vec::new(),
        warnings: Vec::new(),
        votes: None,
        log,
    };
    let from = release.state;
    record_requirement(&mut e);
    transition(&mut e, from, target);
    let allowed = e.out.iter().all(|r| r.met);
    GateReport {
        release_id: release.id.clone(),
        from,
        target,
        allowed,
        requirements: e.out,
        warnings: e.warnings,
    }
}

/// `record.log`: the log verifies and the document is its projection.
/// Unmet for a broken chain, a document that differs from the replay, an
/// empty log past planning and a legacy log (no seal): then no fact of the
/// document counts.
fn record_requirement(e: &mut Eval<'_>) {
    let log = e.log;
    let rec = &log.record;
    let imports: Vec<Value> = rec
        .imports
        .iter()
        .map(|i| json!({"seq": i.seq, "source": i.source, "records": i.records, "adopt": i.adopt}))
        .collect();
    let (met, msg, mut data) = if let Some(t) = &log.tamper {
        let differences = serde_json::to_value(&log.differences).unwrap_or(Value::Null);
        (
            false,
            format!("the record does not hold: {}", t.message),
            json!({"tamper": t.kind, "path": t.path, "differences": differences}),
        )
    } else if rec.legacy() {
        (
            false,
            format!(
                "the log of {} predates sealing: no event seals the fields the gates read; adopt the release through an import",
                e.release.id
            ),
            json!({"events": rec.events, "legacy": true}),
        )
    } else if let Some(sealed) = &rec.sealed_at {
        (
            true,
            format!(
                "the log verifies ({} events) and the document is its projection (fields sealed at seq {})",
                rec.events, sealed.seq
            ),
            json!({"events": rec.events, "sealed_at": sealed.seq}),
        )
    } else {
        (
            true,
            format!(
                "{} is in planning with an empty log: its fields are free to edit until the first event seals them",
                e.release.id
            ),
            json!({"events": 0}),
        )
    };
    if !imports.is_empty() {
        if let Some(map) = data.as_object_mut() {
            map.insert("imports".into(), Value::Array(imports));
        }
    }
    e.req("record.log", met, msg, data);
}

fn transition(e: &mut Eval<'_>, from: State, target: State) {
    let data = json!({"from": from, "to": target});
    if is_terminal(from) {
        let msg = format!(
            "{} is {} and can no longer change state",
            e.release.id,
            from.as_str()
        );
        return e.req("lifecycle.transition", false, msg, data);
    }
    if from == target {
        let msg = format!("{} is already in {}", e.release.id, from.as_str());
        return e.req("lifecycle.transition", false, msg, data);
    }
    if target == State::Cancelled {
        let ok = from != State::Deployment && from != State::Review;
        let msg = if ok {
            format!("a release in {} may be cancelled", from.as_str())
        } else if from == State::Deployment {
            "a release in deployment can only leave through an outcome".to_string()
        } else {
            "a deployed release cannot be cancelled; close it after its review".to_string()
        };
        return e.req("lifecycle.transition", ok, msg, data);
    }
    if target == State::Development && matches!(from, State::Testing | State::Approval) {
        let msg = format!("{} may be sent back to development", from.as_str());
        return e.req("lifecycle.transition", true, msg, data);
    }
    let (Some(i), Some(j)) = (position(from), position(target)) else {
        let msg = format!(
            "no transition from {} to {}",
            from.as_str(),
            target.as_str()
        );
        return e.req("lifecycle.transition", false, msg, data);
    };
    if j < i {
        let msg = format!(
            "no transition from {} back to {} (back-steps: testing or approval to development)",
            from.as_str(),
            target.as_str()
        );
        return e.req("lifecycle.transition", false, msg, data);
    }
    // i and j are positions on the main line: no saturation.
    if j > i.saturating_add(1) {
        let via: Vec<&str> = line()
            .iter()
            .take(j)
            .skip(i.saturating_add(1))
            .map(|s| s.as_str())
            .collect();
        let msg = format!(
            "{} is in {}; reaching {} passes through {} one state at a time (gates of every state on the way are listed)",
            e.release.id,
            from.as_str(),
            target.as_str(),
            via.join(", ")
        );
        e.req(
            "lifecycle.path",
            false,
            msg,
            json!({"from": from, "to": target, "via": via}),
        );
    }
    for state in line().iter().take(j).skip(i) {
        match state {
            State::Planning => leave_planning(e),
            State::Development => leave_development(e),
            State::Testing => leave_testing(e),
            State::Approval => leave_approval(e),
            State::Deployment => leave_deployment(e),
            State::Review => leave_review(e),
            State::Closed | State::Cancelled => {}
        }
    }
}

fn leave_planning(e: &mut Eval<'_>) {
    let r = e.release;
    let owner = r.owner.as_deref().filter(|o| !o.trim().is_empty());
    let msg = match owner {
        Some(o) => format!("owned by {o}"),
        None => "the release has no owner (release manager)".to_string(),
    };
    e.req(
        "planning.owner",
        owner.is_some(),
        msg,
        json!({"owner": r.owner}),
    );

    let scope = r.scope.as_deref().filter(|s| !s.trim().is_empty());
    let msg = match scope {
        Some(_) => "the scope is described".to_string(),
        None => "the scope is not described".to_string(),
    };
    e.req(
        "planning.scope",
        scope.is_some(),
        msg,
        json!({"scope": r.scope}),
    );

    let data = json!({"planned_start": r.planned_start, "planned_end": r.planned_end});
    let (met, msg) = match (&r.planned_start, &r.planned_end) {
        (Some(s), Some(t)) if s < t => (true, format!("planned window {s} to {t}")),
        (Some(_), Some(_)) => (
            false,
            "the planned window ends before it starts".to_string(),
        ),
        _ => (
            false,
            "the planned window needs planned_start and planned_end".to_string(),
        ),
    };
    e.req("planning.window", met, msg, data);

    if e.gates.communication_plan_required {
        let plan = r
            .communication
            .as_ref()
            .and_then(|c| c.plan.as_deref())
            .filter(|p| !p.trim().is_empty());
        let msg = match plan {
            Some(_) => "a communication plan is in place".to_string(),
            None => format!("{:?} releases need a communication plan", r.kind).to_lowercase(),
        };
        e.req(
            "planning.communication_plan",
            plan.is_some(),
            msg,
            json!({"kind": r.kind, "plan": plan}),
        );
    }
}

fn leave_development(e: &mut Eval<'_>) {
    let r = e.release;
    let n = r.changes.len();
    let msg = if n == 0 {
        "the release has no change records".to_string()
    } else {
        format!("{n} change record{}", if n == 1 { "" } else { "s" })
    };
    e.req("development.changes", n > 0, msg, json!({"changes": n}));

    let without: Vec<&str> = r
        .changes
        .iter()
        .filter(|c| c.affected_cis.is_empty())
        .map(|c| c.id.as_str())
        .collect();
    let msg = if without.is_empty() {
        "every change names its affected CIs".to_string()
    } else {
        format!("changes without affected CIs: {}", without.join(", "))
    };
    e.req(
        "development.affected_cis",
        without.is_empty(),
        msg,
        json!({"changes_without_cis": without}),
    );
}

/// The latest run of each test kind (later entries replace earlier ones).
fn latest_runs(tests: &[TestRun]) -> BTreeMap<TestKind, &TestRun> {
    tests.iter().map(|t| (t.kind, t)).collect()
}

fn kind_name(kind: TestKind) -> &'static str {
    match kind {
        TestKind::Unit => "unit",
        TestKind::Integration => "integration",
        TestKind::Performance => "performance",
        TestKind::Security => "security",
        TestKind::Uat => "uat",
    }
}

fn leave_testing(e: &mut Eval<'_>) {
    let latest = latest_runs(&e.log.record.tests);
    let required = e.gates.required_tests.clone();
    let missing: Vec<&str> = required
        .iter()
        .filter(|k| !latest.contains_key(k))
        .map(|k| kind_name(*k))
        .collect();
    let names: Vec<&str> = required.iter().map(|k| kind_name(*k)).collect();
    let present: Vec<&str> = latest.keys().map(|k| kind_name(*k)).collect();
    let msg = if missing.is_empty() {
        format!(
            "every required test kind is recorded ({})",
            names.join(", ")
        )
    } else {
        format!("missing required test kinds: {}", missing.join(", "))
    };
    e.req(
        "testing.required_kinds",
        missing.is_empty(),
        msg,
        json!({"required": names, "present": present, "missing": missing}),
    );

    let mut failing = Vec::new();
    let mut rates = Vec::new();
    for (kind, run) in &latest {
        let min = if *kind == TestKind::Security {
            e.gates.min_security_pass_rate
        } else {
            e.gates.min_pass_rate
        };
        let executed = run.passed.saturating_add(run.failed);
        let rate = if executed == 0 {
            None
        } else {
            Some(run.passed as f64 / executed as f64)
        };
        let mut entry = json!({"kind": kind, "passed": run.passed, "failed": run.failed, "rate": rate, "min": min});
        if let (Some(source), Some(map)) = (&run.source, entry.as_object_mut()) {
            // A run vouched for by an import rather than recorded by a command.
            map.insert("vouched_by_import".into(), json!(source));
        }
        rates.push(entry);
        match rate {
            None => failing.push(format!("{} executed no test", kind_name(*kind))),
            Some(rate) if rate < min => failing.push(format!(
                "{} passed {:.1}% (minimum {:.1}%)",
                kind_name(*kind),
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
    e.req(
        "testing.pass_rate",
        failing.is_empty(),
        msg,
        Value::Array(rates),
    );

    if e.gates.uat_signoff_required {
        let uat = latest.get(&TestKind::Uat);
        let signer = uat
            .and_then(|u| u.signed_off_by.as_deref())
            .filter(|s| !s.trim().is_empty());
        let msg = match (uat, signer) {
            (_, Some(s)) => format!("UAT signed off by {s}"),
            (Some(_), None) => "UAT is not signed off".to_string(),
            (None, None) => "no UAT run to sign off".to_string(),
        };
        e.req(
            "testing.uat_signoff",
            signer.is_some(),
            msg,
            json!({"signed_off_by": signer}),
        );
    }

    let security_failed = latest
        .get(&TestKind::Security)
        .map(|s| s.failed)
        .unwrap_or(0);
    let msg = if security_failed == 0 {
        "no failed security test".to_string()
    } else {
        format!(
            "{security_failed} security test{} failed",
            if security_failed == 1 { "" } else { "s" }
        )
    };
    e.req(
        "testing.security_failures",
        security_failed == 0,
        msg,
        json!({"failed": security_failed}),
    );
}

fn leave_approval(e: &mut Eval<'_>) {
    quorum(e);
    rejections(e);
    rollback_plan(e);
    changes_approved(e);
    blackout(e);
    risk(e);
    promotion_order(e);
    conflicts(e);
}

fn quorum(e: &mut Eval<'_>) {
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

fn role_name(role: Role) -> &'static str {
    match role {
        Role::ReleaseManager => "release_manager",
        Role::ReleaseTeam => "release_team",
        Role::Cab => "cab",
        Role::Ecab => "ecab",
        Role::ProductOwner => "product_owner",
        Role::BusinessStakeholder => "business_stakeholder",
        Role::Qa => "qa",
    }
}

fn rejections(e: &mut Eval<'_>) {
    let rejected: Vec<Value> = e
        .votes()
        .rejections()
        .iter()
        .map(|a| json!({"approver": a.approver, "role": a.role, "comment": a.comment}))
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
    e.req(
        "approval.no_rejection",
        who.is_empty(),
        msg,
        Value::Array(rejected),
    );
}

fn rollback_plan(e: &mut Eval<'_>) {
    let plan = e.release.rollback_plan.as_ref();
    let documented = plan.is_some_and(|p| p.documented);
    let tested = plan.is_some_and(|p| p.tested);
    let mut missing = Vec::new();
    if e.gates.rollback_documented_required && !documented {
        missing.push("documented");
    }
    if e.gates.rollback_tested_required && !tested {
        missing.push("tested");
    }
    let msg = if missing.is_empty() {
        "the rollback plan is ready".to_string()
    } else {
        format!("the rollback plan must be {}", missing.join(" and "))
    };
    let data = json!({
        "documented": documented, "tested": tested,
        "documented_required": e.gates.rollback_documented_required,
        "tested_required": e.gates.rollback_tested_required,
    });
    e.req("approval.rollback_plan", missing.is_empty(), msg, data);
}

fn changes_approved(e: &mut Eval<'_>) {
    let pending: Vec<&str> = e
        .release
        .changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Standard && !c.approved)
        .map(|c| c.id.as_str())
        .collect();
    let msg = if pending.is_empty() {
        "every change record is approved (standard changes are pre-approved)".to_string()
    } else {
        format!("change records not approved: {}", pending.join(", "))
    };
    e.req(
        "approval.changes_approved",
        pending.is_empty(),
        msg,
        json!({"not_approved": pending}),
    );
}

fn touches<'a>(release: &'a Release, cmdb: Option<&'a Cmdb>) -> Touches<'a> {
    let cis: BTreeSet<&str> = release.all_affected_cis().into_iter().collect();
    let mut classes = BTreeSet::new();
    let mut services: BTreeSet<&str> = release.services.iter().map(String::as_str).collect();
    let mut environments: BTreeSet<&str> =
        release.environments.iter().map(String::as_str).collect();
    if let Some(cmdb) = cmdb {
        for ci in cmdb.cis.iter().filter(|c| cis.contains(c.id.as_str())) {
            classes.insert(ci.class.as_str());
            if let Some(s) = &ci.service {
                services.insert(s.as_str());
            }
            if let Some(env) = &ci.environment {
                environments.insert(env.as_str());
            }
        }
    }
    Touches {
        cis,
        classes,
        services,
        environments,
    }
}

fn scope_matches(scope: Option<&crate::Scope>, t: &Touches<'_>) -> bool {
    scope.is_none_or(|s| t.matches(s))
}

fn blackout(e: &mut Eval<'_>) {
    let r = e.release;
    let (Some(start), Some(end)) = (&r.planned_start, &r.planned_end) else {
        let msg = "no planned window to check against blackouts".to_string();
        return e.req("approval.blackout", false, msg, Value::Null);
    };
    let Some(calendar) = e.calendar() else {
        let msg = "no calendar in the context: no blackout to check".to_string();
        return e.req("approval.blackout", true, msg, json!({"calendar": false}));
    };
    let t = touches(r, e.cmdb());
    let mut hits = Vec::new();
    let range = (start.unix_seconds(), end.unix_seconds());
    for (i, b) in calendar.blackouts.iter().enumerate() {
        if !scope_matches(b.scope.as_ref(), &t) {
            continue;
        }
        // One-off and recurring blackouts alike: the first occurrence
        // that intersects the window.
        let path = format!("calendar.blackouts[{i}]");
        let limit = e.policy.conflicts.max_occurrences;
        let (bs, be) = match crate::calendar::period_occurrences(
            b.start.as_ref(),
            b.end.as_ref(),
            b.recurrence.as_ref(),
            range,
            limit,
            &path,
        ) {
            Ok(occ) => match (occ.first(), &b.start, &b.end) {
                (None, _, _) => continue,
                (Some(_), Some(s), Some(t)) => (s.clone(), t.clone()),
                (Some(o), _, _) => (
                    crate::Timestamp::from_utc(o.start_utc()),
                    crate::Timestamp::from_utc(o.end_utc()),
                ),
            },
            Err(err) => {
                e.warnings.push(Warning::new(
                    "blackout_not_checked",
                    path,
                    format!("blackout `{}` could not be expanded: {err}", b.id),
                ));
                continue;
            }
        };
        match b.severity {
            BlackoutSeverity::Warn => e.warnings.push(Warning::new(
                "warning_blackout",
                "planned_start",
                format!(
                    "the window overlaps warning blackout `{}` ({})",
                    b.id, b.name
                ),
            )),
            BlackoutSeverity::Block => hits.push((b, bs, be)),
        }
    }
    let data_hits: Vec<Value> = hits
        .iter()
        .map(|(b, s, t)| json!({"id": b.id, "name": b.name, "start": s, "end": t}))
        .collect();
    if hits.is_empty() {
        let msg = "the window is outside every blocking blackout".to_string();
        return e.req(
            "approval.blackout",
            true,
            msg,
            json!({"blackouts": data_hits}),
        );
    }
    let names: Vec<String> = hits
        .iter()
        .map(|(b, _, _)| format!("{} ({})", b.id, b.name))
        .collect();
    let emergency = r.kind == ReleaseKind::Emergency;
    let override_by: Option<String> = if emergency {
        e.votes()
            .valid
            .values()
            .find(|a| {
                a.role == Role::Ecab && a.decision == Decision::Approved && a.override_blackout
            })
            .map(|a| a.approver.clone())
    } else {
        None
    };
    let data = json!({"blackouts": data_hits, "override_by": override_by, "emergency": emergency});
    match override_by {
        Some(who) => e.req(
            "approval.blackout",
            true,
            format!(
                "inside blocking blackout {}, overridden by ECAB member {who}",
                names.join(", ")
            ),
            data,
        ),
        None => {
            let how = if emergency {
                "; an ECAB approval with override_blackout can let this emergency through"
            } else {
                ""
            };
            e.req(
                "approval.blackout",
                false,
                format!(
                    "the window falls inside blocking blackout {}{how}",
                    names.join(", ")
                ),
                data,
            )
        }
    }
}

fn risk(e: &mut Eval<'_>) {
    let r = e.release;
    let max = e.gates.max_risk;
    let approver_role = e.gates.high_risk_approver;
    let (level, source, assessed) = match (e.context.risk_level, r.risk.as_ref().map(|a| a.level)) {
        (Some(l), _) => (l, "context.risk_level", None),
        (None, Some(l)) => (l, "release.risk", None),
        (None, None) => match crate::risk::assess_risk(r, e.context) {
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

fn promotion_order(e: &mut Eval<'_>) {
    let order = &e.policy.lifecycle.promotion_order;
    if order.is_empty() {
        return;
    }
    let r = e.release;
    let targets: Vec<&String> = order
        .iter()
        .filter(|env| r.environments.contains(env))
        .collect();
    let Some((last, earlier)) = targets.split_last() else {
        let msg = "the release targets no environment of the promotion order".to_string();
        return e.req(
            "approval.promotion_order",
            true,
            msg,
            json!({"order": order}),
        );
    };
    let history = e.context.history.as_ref();
    let mut missing = Vec::new();
    let mut found = Vec::new();
    for env in earlier {
        let ok = history.and_then(|h| {
            h.deployments.iter().find(|d| {
                d.release_id.as_deref() == Some(r.id.as_str())
                    && &&d.environment == env
                    && matches!(d.outcome, Outcome::Success | Outcome::SuccessWithIssues)
            })
        });
        match ok {
            Some(d) => found.push(json!({"environment": env, "deployment": d.id})),
            None => missing.push(env.as_str()),
        }
    }
    let data = json!({"order": order, "target": last, "found": found, "missing": missing});
    let msg = if missing.is_empty() {
        format!("promoted in order before {last}")
    } else {
        format!(
            "{last} needs a successful deployment of {} to {} first",
            r.id,
            missing.join(", ")
        )
    };
    e.req("approval.promotion_order", missing.is_empty(), msg, data);
}

/// With a schedule in the context: the blocking conflicts that involve the
/// release (the release as given replaces its copy in the schedule), other
/// than blackouts, which `approval.blackout` decides.
fn conflicts(e: &mut Eval<'_>) {
    let Some(schedule) = e.context.schedule.as_ref() else {
        return;
    };
    let r = e.release;
    let mut s = schedule.clone();
    s.releases.retain(|x| x.id != r.id);
    s.changes.retain(|x| x.id != r.id);
    s.releases.push(r.clone());
    if s.cmdb.is_none() {
        s.cmdb = e.context.cmdb.clone();
    }
    if s.calendar.is_none() {
        s.calendar = e.context.calendar.clone();
    }
    s.policy = None;
    let report = match crate::conflict::detect_with_policy(&s, e.policy) {
        Ok(report) => report,
        Err(err) => {
            let msg = format!("the schedule could not be checked for conflicts: {err}");
            let data = json!({"error": err.to_body()});
            return e.req("approval.conflicts", false, msg, data);
        }
    };
    let mine: Vec<&crate::Conflict> = report
        .conflicts
        .iter()
        // Blackouts are the blackout gate's (with its ECAB override).
        .filter(|c| c.kind != crate::ConflictKind::Blackout && c.items.contains(&r.id))
        .collect();
    let blocking: Vec<&&crate::Conflict> = mine
        .iter()
        .filter(|c| c.severity == crate::Severity::Block)
        .collect();
    let warn = mine.len().saturating_sub(blocking.len());
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
    e.req("approval.conflicts", blocking.is_empty(), msg, data);
}

fn leave_deployment(e: &mut Eval<'_>) {
    let rec = &e.log.record;
    let outcome = rec.outcome.map(|(o, _)| o);
    let rolled_back_at = rec.rolled_back_at.as_ref().map(|(t, _)| t.clone());
    let msg = match outcome {
        Some(o) => format!("outcome recorded: {}", crate::record::outcome_name(o)),
        None => "no deployment outcome recorded".to_string(),
    };
    e.req(
        "deployment.outcome",
        outcome.is_some(),
        msg,
        json!({"outcome": outcome}),
    );
    if matches!(outcome, Some(Outcome::Failed | Outcome::RolledBack)) {
        let met = rolled_back_at.is_some();
        let msg = if met {
            "the rollback is recorded".to_string()
        } else {
            "a failed deployment needs roll_back recorded before review".to_string()
        };
        e.req(
            "deployment.rollback",
            met,
            msg,
            json!({"rolled_back_at": rolled_back_at}),
        );
    }
}

fn leave_review(e: &mut Eval<'_>) {
    let r = e.release;
    let rec = &e.log.record;
    let failed = matches!(
        rec.outcome,
        Some((Outcome::Failed | Outcome::RolledBack, _))
    );
    let emergency = r.kind == ReleaseKind::Emergency;
    let required = e.gates.review_required || failed || emergency;
    let done = rec.review_completed_at.as_ref().map(|(t, _)| t);
    let why = if emergency {
        "emergency releases"
    } else if failed {
        "failed or rolled-back releases"
    } else {
        "this release kind"
    };
    let msg = match (done, required) {
        (Some(at), _) => format!("post-implementation review completed at {at}"),
        (None, true) => format!("a post-implementation review is mandatory for {why}"),
        (None, false) => format!(
            "no post-implementation review is required for a successful {} release",
            format!("{:?}", r.kind).to_lowercase()
        ),
    };
    e.req(
        "review.completed",
        done.is_some() || !required,
        msg,
        json!({"completed_at": done, "required": required, "failed": failed, "emergency": emergency}),
    );
    if e.gates.knowledge_articles_required {
        let n = r.knowledge_articles.len();
        let msg = if n > 0 {
            format!(
                "{n} knowledge article{} linked",
                if n == 1 { "" } else { "s" }
            )
        } else {
            "no knowledge article linked".to_string()
        };
        e.req(
            "review.knowledge_articles",
            n > 0,
            msg,
            json!({"knowledge_articles": r.knowledge_articles}),
        );
    }
}
