//! Approval routing (`lifecycle.routing`): an ordered decision table whose
//! rules map conditions on a release (kind, risk level, environment,
//! service, CI class and criticality, change kind, number of services) to
//! the approver groups it needs, each with its own quorum and an optional
//! order (docs/lifecycle.md, "Approval routing"; docs/policy.md, "Approval
//! routing"). The default has no rule, and then no release needs a group.

use crate::document::{ChangeKind, Criticality, Extra, ReleaseKind, RiskLevel};
use crate::error::Problem;
use crate::identity::canonical;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The approval routing table (`lifecycle.routing`).
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
#[serde(default)]
pub struct RoutingPolicy {
    /// `all` (default): every matching rule adds its groups; `first`: only
    /// the first matching rule, in table order, does.
    #[serde(rename = "match", skip_serializing_if = "RoutingMatch::is_all")]
    pub mode: RoutingMatch,
    /// The rules, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RoutingRule>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Which matching rules of the routing table apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoutingMatch {
    /// Every matching rule (the union of their groups).
    #[default]
    All,
    /// The first matching rule only.
    First,
}

impl RoutingMatch {
    fn is_all(&self) -> bool {
        *self == RoutingMatch::All
    }
}

/// One row of the routing table: when every given condition holds, the
/// release needs the groups of `require`.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct RoutingRule {
    /// Unique id of the rule (named in gate reports).
    pub id: String,
    /// What the rule is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The conditions; all given ones must hold (none: always matches).
    #[serde(default)]
    pub when: RoutingWhen,
    /// The approver groups required when the rule matches (at least one).
    pub require: Vec<GroupRequirement>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The conditions of a routing rule. An empty field tests nothing; every
/// given field must hold. Conditions on CIs need a CMDB and conditions on
/// the risk level a risk level: without them the rule fails closed (the
/// routing requirement is unmet and names what is missing).
#[derive(
    Debug, Clone, Default, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema,
)]
#[serde(default)]
pub struct RoutingWhen {
    /// The release's kind is one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<ReleaseKind>,
    /// The release's risk level is one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub risk_levels: Vec<RiskLevel>,
    /// The release's risk level is at least this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_risk: Option<RiskLevel>,
    /// The release targets one of these environments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// The release names one of these business services.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// A CI the release touches has one of these CMDB classes (and, with
    /// `criticality`, the same CI one of those criticalities).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ci_classes: Vec<String>,
    /// A CI the release touches has one of these CMDB criticalities.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub criticality: Vec<Criticality>,
    /// A change of the release is of one of these kinds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub change_kinds: Vec<ChangeKind>,
    /// The release names at least this many distinct business services.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_services: Option<u64>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One approver group a routing rule requires.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct GroupRequirement {
    /// The group (actors' `groups`, compared canonically).
    pub group: String,
    /// How many of its members must approve (absent: `any`, one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<GroupQuorum>,
    /// Groups whose quorum must be met first: only votes cast (in log
    /// order) after the last of them was met count for this group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A group's quorum: `"any"` (one member), `"all"` (every member),
/// `{"count": n}` or `{"percentage": p}` of the group's members in the
/// actor directory.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum GroupQuorum {
    /// `"any"` or `"all"`.
    Mode(QuorumMode),
    /// `{"count": n}` or `{"percentage": p}`.
    Rule(GroupQuorumRule),
}

impl Default for GroupQuorum {
    fn default() -> Self {
        GroupQuorum::Mode(QuorumMode::Any)
    }
}

impl GroupRequirement {
    /// The group's quorum, `any` when absent.
    pub fn quorum(&self) -> GroupQuorum {
        self.quorum.clone().unwrap_or_default()
    }
}

impl<'de> Deserialize<'de> for GroupQuorum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::String(s) => match s.as_str() {
                "any" => Ok(GroupQuorum::Mode(QuorumMode::Any)),
                "all" => Ok(GroupQuorum::Mode(QuorumMode::All)),
                other => Err(D::Error::custom(format!(
                    "unknown quorum `{other}`: expected \"any\", \"all\", {{\"count\": n}} or {{\"percentage\": p}}"
                ))),
            },
            v @ serde_json::Value::Object(_) => serde_json::from_value(v)
                .map(GroupQuorum::Rule)
                .map_err(D::Error::custom),
            _ => Err(D::Error::custom(
                "expected \"any\", \"all\", {\"count\": n} or {\"percentage\": p}",
            )),
        }
    }
}

/// `"any"` or `"all"` members of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuorumMode {
    /// One member.
    Any,
    /// Every member.
    All,
}

/// A group quorum by count or by percentage of its members.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct GroupQuorumRule {
    /// At least this many distinct members (≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// At least this percentage (0–100] of the group's members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<f64>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

impl RoutingPolicy {
    /// True when the table is the default one (no rule; it is then not
    /// written, so existing policy fingerprints hold).
    pub fn is_default(&self) -> bool {
        *self == RoutingPolicy::default()
    }

    /// Every group some rule requires, canonical.
    pub fn groups(&self) -> BTreeSet<String> {
        self.rules
            .iter()
            .flat_map(|r| r.require.iter())
            .map(|g| canonical(&g.group))
            .collect()
    }

    /// Appends every problem of the table (paths `lifecycle.routing.…`
    /// through `at`): blank or duplicate rule ids, a rule without a
    /// group, a blank or repeated group, a quorum out of range, an
    /// `after` naming a group no rule requires or closing a cycle, a
    /// condition that cannot hold.
    pub(super) fn check(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        let known = self.groups();
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let base = format!("lifecycle.routing.rules[{i}]");
            if rule.id.trim().is_empty() {
                problems.push(Problem::new(at(&format!("{base}.id")), "must not be empty"));
            } else if let Some(first) = ids.get(rule.id.as_str()) {
                problems.push(Problem::new(
                    at(&format!("{base}.id")),
                    format!(
                        "rule id `{}` is used twice (first at routing.rules[{first}])",
                        rule.id
                    ),
                ));
            } else {
                ids.insert(rule.id.as_str(), i);
            }
            rule.when.check(&format!("{base}.when"), at, problems);
            if rule.require.is_empty() {
                problems.push(Problem::new(
                    at(&format!("{base}.require")),
                    "a routing rule that requires no group never requires anything: name at least one group",
                ));
            }
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for (j, req) in rule.require.iter().enumerate() {
                let path = format!("{base}.require[{j}]");
                let key = canonical(&req.group);
                if req.group.trim().is_empty() {
                    problems.push(Problem::new(
                        at(&format!("{path}.group")),
                        "must not be empty",
                    ));
                } else if let Some(first) = seen.get(&key) {
                    problems.push(Problem::new(
                        at(&format!("{path}.group")),
                        format!(
                            "group `{}` is required twice by this rule (first at require[{first}])",
                            req.group
                        ),
                    ));
                } else {
                    seen.insert(key.clone(), j);
                }
                if let Some(q) = &req.quorum {
                    q.check(&format!("{path}.quorum"), at, problems);
                }
                for (k, a) in req.after.iter().enumerate() {
                    let here = at(&format!("{path}.after[{k}]"));
                    let ak = canonical(a);
                    if ak == key {
                        problems.push(Problem::new(
                            here,
                            format!("group `{}` cannot come after itself", req.group),
                        ));
                    } else if !known.contains(&ak) {
                        problems.push(Problem::new(
                            here,
                            format!("group `{a}` is required by no routing rule"),
                        ));
                    }
                }
            }
        }
        self.check_cycles(at, problems);
    }

    /// The `after` edges of every rule form no cycle (two groups each
    /// waiting for the other would never be met).
    fn check_cycles(&self, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for rule in &self.rules {
            for req in &rule.require {
                let key = canonical(&req.group);
                for a in &req.after {
                    let ak = canonical(a);
                    if ak != key {
                        edges.entry(key.clone()).or_default().insert(ak);
                    }
                }
            }
        }
        // A group reaches itself through the edges: a cycle.
        let reaches = |from: &str, to: &str| {
            let mut stack = vec![from.to_string()];
            let mut seen = BTreeSet::new();
            while let Some(g) = stack.pop() {
                if g == to {
                    return true;
                }
                if seen.insert(g.clone()) {
                    if let Some(next) = edges.get(&g) {
                        stack.extend(next.iter().cloned());
                    }
                }
            }
            false
        };
        for (i, rule) in self.rules.iter().enumerate() {
            for (j, req) in rule.require.iter().enumerate() {
                let key = canonical(&req.group);
                for (k, a) in req.after.iter().enumerate() {
                    let ak = canonical(a);
                    if ak != key && reaches(&ak, &key) {
                        problems.push(Problem::new(
                            at(&format!(
                                "lifecycle.routing.rules[{i}].require[{j}].after[{k}]"
                            )),
                            format!(
                                "group `{}` after `{a}` closes a cycle: `{a}` already comes after `{}`",
                                req.group, req.group
                            ),
                        ));
                    }
                }
            }
        }
    }
}

impl RoutingWhen {
    /// True when the rule tests the CIs (and so needs a CMDB).
    pub fn needs_cmdb(&self) -> bool {
        !self.ci_classes.is_empty() || !self.criticality.is_empty()
    }

    /// True when the rule tests the risk level.
    pub fn needs_risk(&self) -> bool {
        !self.risk_levels.is_empty() || self.min_risk.is_some()
    }

    fn check(&self, base: &str, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        if !self.risk_levels.is_empty() && self.min_risk.is_some() {
            problems.push(Problem::new(
                at(&format!("{base}.min_risk")),
                "give risk_levels or min_risk, not both",
            ));
        }
        if self.min_services == Some(0) {
            problems.push(Problem::new(
                at(&format!("{base}.min_services")),
                "must be at least 1 (0 tests nothing: leave it out)",
            ));
        }
        let blank = |list: &[String], field: &str, problems: &mut Vec<Problem>| {
            for (i, v) in list.iter().enumerate() {
                if v.trim().is_empty() {
                    problems.push(Problem::new(
                        at(&format!("{base}.{field}[{i}]")),
                        "must not be empty",
                    ));
                }
            }
        };
        blank(&self.environments, "environments", problems);
        blank(&self.services, "services", problems);
        blank(&self.ci_classes, "ci_classes", problems);
    }
}

impl GroupQuorum {
    fn check(&self, path: &str, at: &dyn Fn(&str) -> String, problems: &mut Vec<Problem>) {
        let GroupQuorum::Rule(rule) = self else {
            return;
        };
        super::approval::check_count_or_percentage(
            rule.count,
            rule.percentage,
            at(path),
            " (or \"any\" / \"all\")",
            problems,
        );
    }
}
