//! `approval.routing`: the approver groups the policy's routing table
//! requires for the release have each met their quorum, in order
//! (`docs/lifecycle.md`, "Approval routing"). Absent when the policy has
//! no routing rule. A rule whose conditions need data the context lacks
//! (a CMDB for CI classes and criticality, a risk level) fails closed: the
//! requirement is unmet and names what is missing.

use super::super::{Eval, Finding};
use super::risk::assessed_risk;
use crate::identity::{self, canonical, Lookup};
use crate::lifecycle::approval::{principal, VotesOf};
use crate::policy::{GroupQuorum, GroupRequirement, QuorumMode, RoutingMatch, RoutingRule};
use crate::{Actor, ChangeKind, Criticality, Decision, ReleaseKind, RiskLevel};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What a matching rule matched, for the report.
#[derive(Clone, Default)]
pub(crate) struct Matched {
    kind: Option<ReleaseKind>,
    risk: Option<(RiskLevel, &'static str)>,
    environments: Vec<String>,
    services: Vec<String>,
    service_count: Option<u64>,
    cis: Vec<(String, String, Option<Criticality>)>,
    changes: Vec<(String, ChangeKind)>,
}

/// A rule of the table that matched the release.
pub(crate) struct MatchedRule {
    id: String,
    description: Option<String>,
    matched: Matched,
}

/// A rule that could not be decided for want of data: fails closed.
pub(crate) struct Undecided {
    rule: String,
    /// `cmdb`, `cis` (CIs not in the CMDB) or `risk_level`.
    missing: &'static str,
    detail: String,
}

/// Where a required group stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Met,
    Missing,
    Waiting,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Missing => "missing",
            Status::Waiting => "waiting",
        }
    }
}

/// One required group as counted.
pub(crate) struct GroupCount {
    group: String,
    rules: Vec<MatchedRule>,
    quorum: GroupQuorum,
    members: usize,
    needed: Option<u32>,
    approvers: Vec<String>,
    after: Vec<String>,
    waiting_for: Vec<String>,
    /// The `seq` after which votes count (the last `after` group's quorum).
    counts_after: Option<u64>,
    not_counted: Vec<(String, String)>,
    status: Status,
}

impl GroupCount {
    fn missing(&self) -> u32 {
        let have = u32::try_from(self.approvers.len()).unwrap_or(u32::MAX);
        self.needed.map_or(0, |n| n.saturating_sub(have))
    }
}

/// The typed finding of `approval.routing`.
pub(crate) struct RoutingFinding {
    mode: RoutingMatch,
    round: u32,
    standard_only: bool,
    groups: Vec<GroupCount>,
    undecided: Vec<Undecided>,
}

/// How one rule's conditions fared.
enum RuleOutcome {
    Match(Matched),
    NoMatch,
    Undecided(&'static str, String),
}

pub(super) fn check(e: &mut Eval<'_, '_>) {
    let routing = &e.policy.lifecycle.routing;
    if routing.rules.is_empty() {
        return;
    }
    let r = e.release;
    let standard_only =
        !r.changes.is_empty() && r.changes.iter().all(|c| c.kind == ChangeKind::Standard);
    let mut matched: Vec<(&RoutingRule, Matched)> = Vec::new();
    let mut undecided = Vec::new();
    for rule in &routing.rules {
        match evaluate(e, rule) {
            RuleOutcome::NoMatch => {}
            RuleOutcome::Match(m) => {
                matched.push((rule, m));
                if routing.mode == RoutingMatch::First {
                    break;
                }
            }
            RuleOutcome::Undecided(missing, detail) => {
                undecided.push(Undecided {
                    rule: rule.id.clone(),
                    missing,
                    detail,
                });
                // The first match cannot be known past an undecided rule.
                if routing.mode == RoutingMatch::First {
                    break;
                }
            }
        }
    }
    let votes = e.votes();
    let groups = count(&e.context.actors, votes, matched);
    let met = groups.iter().all(|g| g.status == Status::Met) && undecided.is_empty();
    let finding = RoutingFinding {
        mode: routing.mode,
        round: votes.round(),
        standard_only,
        groups,
        undecided,
    };
    e.find(
        "approval.routing",
        standard_only || met,
        Finding::Routing(finding),
    );
}

/// The CIs a routing rule looks at: the release's own and those of its
/// changes that need approval (standard changes are pre-approved), once
/// each, sorted.
fn routed_cis(release: &crate::Release) -> BTreeSet<&str> {
    release
        .affected_cis
        .iter()
        .chain(
            release
                .changes
                .iter()
                .filter(|c| c.kind != ChangeKind::Standard)
                .flat_map(|c| c.affected_cis.iter()),
        )
        .map(String::as_str)
        .collect()
}

fn evaluate(e: &Eval<'_, '_>, rule: &RoutingRule) -> RuleOutcome {
    let r = e.release;
    let w = &rule.when;
    let mut m = Matched::default();
    if !w.kinds.is_empty() {
        if !w.kinds.contains(&r.kind) {
            return RuleOutcome::NoMatch;
        }
        m.kind = Some(r.kind);
    }
    if !w.environments.is_empty() {
        m.environments = r
            .environments
            .iter()
            .filter(|x| w.environments.contains(x))
            .cloned()
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        if m.environments.is_empty() {
            return RuleOutcome::NoMatch;
        }
    }
    if !w.services.is_empty() {
        m.services = r
            .services
            .iter()
            .filter(|x| w.services.contains(x))
            .cloned()
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        if m.services.is_empty() {
            return RuleOutcome::NoMatch;
        }
    }
    if let Some(min) = w.min_services {
        let n = r.services.iter().collect::<BTreeSet<&String>>().len() as u64;
        if n < min {
            return RuleOutcome::NoMatch;
        }
        m.service_count = Some(n);
    }
    if !w.change_kinds.is_empty() {
        m.changes = r
            .changes
            .iter()
            .filter(|c| w.change_kinds.contains(&c.kind))
            .map(|c| (c.id.clone(), c.kind))
            .collect();
        if m.changes.is_empty() {
            return RuleOutcome::NoMatch;
        }
    }
    if w.needs_cmdb() {
        let Some(cmdb) = e.cmdb() else {
            return RuleOutcome::Undecided(
                "cmdb",
                format!(
                    "rule `{}` tests CI classes or criticality and the context has no CMDB",
                    rule.id
                ),
            );
        };
        let index: BTreeMap<&str, &crate::ConfigurationItem> =
            cmdb.cis.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut unknown = Vec::new();
        for id in routed_cis(r) {
            let Some(ci) = index.get(id) else {
                unknown.push(id);
                continue;
            };
            let class_ok = w.ci_classes.is_empty() || w.ci_classes.contains(&ci.class);
            let crit_ok = w.criticality.is_empty()
                || ci.criticality.is_some_and(|c| w.criticality.contains(&c));
            if class_ok && crit_ok {
                m.cis
                    .push((ci.id.clone(), ci.class.clone(), ci.criticality));
            }
        }
        if m.cis.is_empty() {
            if unknown.is_empty() {
                return RuleOutcome::NoMatch;
            }
            return RuleOutcome::Undecided(
                "cis",
                format!(
                    "rule `{}` tests CI classes or criticality and the CMDB does not know {}",
                    rule.id,
                    unknown.join(", ")
                ),
            );
        }
    }
    if w.needs_risk() {
        let (level, source) = match (e.context.risk_level, r.risk.as_ref().map(|a| a.level)) {
            (Some(l), _) => (l, "context.risk_level"),
            (None, Some(l)) => (l, "release.risk"),
            (None, None) => match assessed_risk(e) {
                Ok(a) => (a.level, "assessed"),
                Err(err) => {
                    return RuleOutcome::Undecided(
                        "risk_level",
                        format!(
                            "rule `{}` tests the risk level and it cannot be assessed: {err}",
                            rule.id
                        ),
                    )
                }
            },
        };
        let ok = if let Some(min) = w.min_risk {
            level >= min
        } else {
            w.risk_levels.contains(&level)
        };
        if !ok {
            return RuleOutcome::NoMatch;
        }
        m.risk = Some((level, source));
    }
    RuleOutcome::Match(m)
}

/// The distinct people of the directory in `group` (canonical ids).
fn members(actors: &[Actor], group: &str) -> BTreeSet<String> {
    actors
        .iter()
        .filter(|a| a.groups.iter().any(|g| canonical(g) == group))
        .map(|a| canonical(&a.id))
        .collect()
}

fn needed(quorum: &GroupQuorum, members: usize) -> Option<u32> {
    let m = u32::try_from(members).unwrap_or(u32::MAX);
    match quorum {
        GroupQuorum::Mode(QuorumMode::Any) => Some(1),
        GroupQuorum::Mode(QuorumMode::All) => (m > 0).then_some(m),
        GroupQuorum::Rule(rule) => match (rule.count, rule.percentage) {
            (Some(n), _) => Some(n),
            (None, Some(p)) => {
                if m == 0 {
                    return None;
                }
                // The smallest whole number of members that reaches p
                // percent.
                let exact = p / 100.0 * f64::from(m);
                let mut n = exact.floor();
                if n < exact - 1e-9 {
                    n += 1.0;
                }
                Some(n.clamp(1.0, f64::from(m)) as u32)
            }
            (None, None) => Some(1),
        },
    }
}

/// Merges the requirements of every matching rule per group (the largest
/// quorum; `after` groups united), then counts each group's votes in
/// dependency order.
fn count(
    actors: &[Actor],
    votes: VotesOf<'_>,
    matched: Vec<(&RoutingRule, Matched)>,
) -> Vec<GroupCount> {
    let mut groups: Vec<GroupCount> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for (rule, m) in matched {
        for req in &rule.require {
            let key = canonical(&req.group);
            let pos = match keys.iter().position(|k| *k == key) {
                Some(p) => p,
                None => {
                    let ms = members(actors, &key).len();
                    keys.push(key.clone());
                    groups.push(GroupCount {
                        group: req.group.clone(),
                        rules: Vec::new(),
                        quorum: req.quorum(),
                        members: ms,
                        needed: needed(&req.quorum(), ms),
                        approvers: Vec::new(),
                        after: Vec::new(),
                        waiting_for: Vec::new(),
                        counts_after: None,
                        not_counted: Vec::new(),
                        status: Status::Missing,
                    });
                    groups.len().saturating_sub(1)
                }
            };
            let Some(g) = groups.get_mut(pos) else {
                continue;
            };
            merge(g, req);
            g.rules.push(MatchedRule {
                id: rule.id.clone(),
                description: rule.description.clone(),
                matched: m.clone(),
            });
        }
    }
    // After-groups the release does not need impose no order.
    for g in &mut groups {
        g.after.retain(|a| keys.contains(&canonical(a)));
    }
    // Dependency order: a group is counted once every group it comes
    // after is; at most one pass per group (the policy check refuses
    // cycles; a group left over waits).
    let mut met_at: BTreeMap<String, Option<u64>> = BTreeMap::new();
    for _ in 0..=groups.len() {
        for (g, key) in groups.iter_mut().zip(&keys) {
            if met_at.contains_key(key) {
                continue;
            }
            let deps: Vec<String> = g.after.iter().map(|a| canonical(a)).collect();
            if !deps.iter().all(|d| met_at.contains_key(d)) {
                continue;
            }
            let mut threshold: Option<u64> = None;
            g.waiting_for.clear();
            for (d, name) in deps.iter().zip(&g.after) {
                match met_at.get(d).copied().flatten() {
                    Some(s) => threshold = Some(threshold.map_or(s, |t: u64| t.max(s))),
                    None => g.waiting_for.push(name.clone()),
                }
            }
            let at = tally(g, key, actors, votes, threshold);
            met_at.insert(key.clone(), at);
        }
    }
    for (g, key) in groups.iter_mut().zip(&keys) {
        if !met_at.contains_key(key) {
            g.waiting_for.clone_from(&g.after);
            g.status = Status::Waiting;
        }
    }
    groups
}

fn merge(g: &mut GroupCount, req: &GroupRequirement) {
    let n = needed(&req.quorum(), g.members);
    let stricter = match (n, g.needed) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(a), Some(b)) => a > b,
    };
    if stricter && !g.rules.is_empty() {
        g.quorum = req.quorum();
        g.needed = n;
    }
    for a in &req.after {
        if !g.after.iter().any(|x| canonical(x) == canonical(a)) {
            g.after.push(a.clone());
        }
    }
}

/// Counts the group's approvals (votes after `threshold` when it comes
/// after other groups) and sets its status; returns the `seq` at which
/// its quorum was met.
fn tally(
    g: &mut GroupCount,
    key: &str,
    actors: &[Actor],
    votes: VotesOf<'_>,
    threshold: Option<u64>,
) -> Option<u64> {
    if !g.waiting_for.is_empty() {
        g.status = Status::Waiting;
        return None;
    }
    g.counts_after = threshold;
    let mut counted: Vec<(u64, String)> = Vec::new();
    for (seq, vote) in votes.valid_with_seq() {
        if vote.decision != Decision::Approved {
            continue;
        }
        if vote.group.as_deref().is_some_and(|x| canonical(x) != key) {
            continue;
        }
        let who = principal(vote);
        let member = match identity::lookup(actors, who, |a| a.id.as_str()) {
            Lookup::Exact(a) => a.groups.iter().any(|x| canonical(x) == key),
            _ => false,
        };
        if !member {
            if vote.group.is_some() {
                g.not_counted.push((
                    who.to_string(),
                    format!("not a member of the group `{}` in the directory", g.group),
                ));
            }
            continue;
        }
        if let Some(t) = threshold {
            if seq <= t {
                g.not_counted.push((
                    who.to_string(),
                    format!(
                        "cast at seq {seq}, before the groups it comes after ({}) met their quorum at seq {t}",
                        g.after.join(", ")
                    ),
                ));
                continue;
            }
        }
        counted.push((seq, who.to_string()));
    }
    counted.sort();
    g.approvers = counted.iter().map(|(_, w)| w.clone()).collect();
    let met = g
        .needed
        .and_then(|n| usize::try_from(n).ok())
        .and_then(|n| counted.get(n.checked_sub(1)?))
        .map(|(s, _)| *s);
    g.status = if met.is_some() {
        Status::Met
    } else {
        Status::Missing
    };
    met
}

fn quorum_json(q: &GroupQuorum) -> Value {
    serde_json::to_value(q).unwrap_or(Value::Null)
}

fn quorum_text(q: &GroupQuorum) -> String {
    match q {
        GroupQuorum::Mode(QuorumMode::Any) => "any".to_string(),
        GroupQuorum::Mode(QuorumMode::All) => "all".to_string(),
        GroupQuorum::Rule(r) => match (r.count, r.percentage) {
            (Some(n), _) => format!("count {n}"),
            (None, Some(p)) => format!("{p}%"),
            (None, None) => "any".to_string(),
        },
    }
}

impl Matched {
    fn json(&self) -> Value {
        let mut m = Map::new();
        if let Some(k) = self.kind {
            m.insert("kind".into(), json!(k));
        }
        if let Some((level, source)) = self.risk {
            m.insert(
                "risk_level".into(),
                json!({"level": level, "source": source}),
            );
        }
        if !self.environments.is_empty() {
            m.insert("environments".into(), json!(self.environments));
        }
        if !self.services.is_empty() {
            m.insert("services".into(), json!(self.services));
        }
        if let Some(n) = self.service_count {
            m.insert("service_count".into(), json!(n));
        }
        if !self.cis.is_empty() {
            let cis: Vec<Value> = self
                .cis
                .iter()
                .map(|(id, class, crit)| {
                    let mut c = json!({"id": id, "class": class});
                    if let (Some(cr), Some(map)) = (crit, c.as_object_mut()) {
                        map.insert("criticality".into(), json!(cr));
                    }
                    c
                })
                .collect();
            m.insert("cis".into(), Value::Array(cis));
        }
        if !self.changes.is_empty() {
            let changes: Vec<Value> = self
                .changes
                .iter()
                .map(|(id, kind)| json!({"id": id, "kind": kind}))
                .collect();
            m.insert("changes".into(), Value::Array(changes));
        }
        Value::Object(m)
    }

    /// The condition that matched, in words.
    fn text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(k) = self.kind {
            parts.push(format!("the release is {}", k.as_str()));
        }
        if let Some((level, source)) = self.risk {
            parts.push(format!("its risk is {} ({source})", level.as_str()));
        }
        if !self.environments.is_empty() {
            parts.push(format!("it targets {}", self.environments.join(", ")));
        }
        if !self.services.is_empty() {
            parts.push(format!("it affects {}", self.services.join(", ")));
        }
        if let Some(n) = self.service_count {
            parts.push(format!("it names {n} services"));
        }
        if !self.cis.is_empty() {
            let list: Vec<String> = self
                .cis
                .iter()
                .map(|(id, class, _)| format!("CI `{id}` class {class}"))
                .collect();
            parts.push(format!("it touches {}", list.join(", ")));
        }
        if !self.changes.is_empty() {
            let list: Vec<String> = self
                .changes
                .iter()
                .map(|(id, k)| format!("{id} ({})", k.as_str()))
                .collect();
            parts.push(format!("it has the changes {}", list.join(", ")));
        }
        if parts.is_empty() {
            "always (no condition)".to_string()
        } else {
            parts.join("; ")
        }
    }
}

impl RoutingFinding {
    /// The requirement's message and data.
    pub(crate) fn render(&self) -> (String, Value) {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                let rules: Vec<Value> = g
                    .rules
                    .iter()
                    .map(|r| {
                        let mut v = json!({
                            "id": r.id,
                            "matched": r.matched.json(),
                            "condition": r.matched.text(),
                        });
                        if let (Some(d), Some(map)) = (&r.description, v.as_object_mut()) {
                            map.insert("description".into(), json!(d));
                        }
                        v
                    })
                    .collect();
                let not_counted: Vec<Value> = g
                    .not_counted
                    .iter()
                    .map(|(who, why)| json!({"approver": who, "reason": why}))
                    .collect();
                json!({
                    "group": g.group,
                    "status": g.status.as_str(),
                    "rules": rules,
                    "quorum": quorum_json(&g.quorum),
                    "members": g.members,
                    "needed": g.needed,
                    "approvers": g.approvers,
                    "missing": g.missing(),
                    "after": g.after,
                    "waiting_for": g.waiting_for,
                    "counts_after_seq": g.counts_after,
                    "not_counted": not_counted,
                })
            })
            .collect();
        let undecided: Vec<Value> = self
            .undecided
            .iter()
            .map(|u| json!({"rule": u.rule, "missing": u.missing, "message": u.detail}))
            .collect();
        let data = json!({
            "match": self.mode,
            "round": self.round,
            "standard_only": self.standard_only,
            "groups": groups,
            "undecided": undecided,
        });
        (self.message(), data)
    }

    fn message(&self) -> String {
        if self.standard_only {
            return "every change is a standard change: pre-approved, no approver group needed"
                .to_string();
        }
        if self.groups.is_empty() && self.undecided.is_empty() {
            return "no approval routing rule matches: no approver group required".to_string();
        }
        let mut short = Vec::new();
        for g in &self.groups {
            let have = g.approvers.len();
            match (g.status, g.needed) {
                (Status::Met, _) => {}
                (Status::Waiting, _) => short.push(format!(
                    "{} waits for {}",
                    g.group,
                    g.waiting_for.join(", ")
                )),
                (Status::Missing, Some(n)) => short.push(format!(
                    "{} {have} of {n} ({}; {} missing)",
                    g.group,
                    quorum_text(&g.quorum),
                    g.missing()
                )),
                (Status::Missing, None) => short.push(format!(
                    "{}: no members in the directory to count from",
                    g.group
                )),
            }
        }
        let mut msg = String::new();
        if short.is_empty() && self.undecided.is_empty() {
            let list: Vec<String> = self
                .groups
                .iter()
                .map(|g| {
                    format!(
                        "{} ({} of {})",
                        g.group,
                        g.approvers.len(),
                        g.needed.unwrap_or_default()
                    )
                })
                .collect();
            let _ = write!(
                msg,
                "approver groups met in round {}: {}",
                self.round,
                list.join(", ")
            );
            return msg;
        }
        let _ = write!(msg, "approver groups not met in round {}", self.round);
        if !short.is_empty() {
            let _ = write!(msg, ": {}", short.join(", "));
        }
        for u in &self.undecided {
            let _ = write!(msg, "; undecided (fails closed): {}", u.detail);
        }
        msg
    }
}
