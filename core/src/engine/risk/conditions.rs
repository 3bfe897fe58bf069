//! Risk conditions (`docs/risk.md`, "Risk conditions"): policy rules "when
//! the release is … then its level is at least …", evaluated beside the
//! score. The assessed level is the highest of the score's level and the
//! level of every matching condition; each match names what it matched.
//!
//! The conditions are compiled once per [`RiskAssessor`](super::RiskAssessor)
//! (kinds and criticalities as masks, names as sets) and evaluated per
//! release against the affected CIs already looked up in the CMDB index.

use super::blast::CmdbIndex;
use crate::document::{ChangeKind, Criticality, Release, ReleaseKind, RiskLevel};
use crate::error::Warning;
use crate::policy::{RiskCondition, RiskPolicy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::fmt;

/// One condition of the policy, compiled.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// Its place in `risk.conditions`.
    index: usize,
    /// Release kinds (major, minor, patch, emergency); all false: any.
    kinds: [bool; 4],
    /// CI classes; empty: any.
    classes: HashSet<String>,
    /// CI criticalities (critical, high, medium, low); all false: any.
    criticality: [bool; 4],
    services: HashSet<String>,
    environments: HashSet<String>,
    /// Change kinds (standard, normal, emergency); all false: any.
    change_kinds: [bool; 3],
    min_changes: Option<u64>,
    min_cis: Option<u64>,
    min_services: Option<u64>,
    level: RiskLevel,
}

fn kind_slot(kind: ReleaseKind) -> usize {
    match kind {
        ReleaseKind::Major => 0,
        ReleaseKind::Minor => 1,
        ReleaseKind::Patch => 2,
        ReleaseKind::Emergency => 3,
    }
}

fn criticality_slot(c: Criticality) -> usize {
    match c {
        Criticality::Critical => 0,
        Criticality::High => 1,
        Criticality::Medium => 2,
        Criticality::Low => 3,
    }
}

fn change_kind_slot(c: ChangeKind) -> usize {
    match c {
        ChangeKind::Standard => 0,
        ChangeKind::Normal => 1,
        ChangeKind::Emergency => 2,
    }
}

/// Compiles the policy's conditions, in order.
pub(crate) fn compile(risk: &RiskPolicy) -> Vec<Compiled> {
    risk.conditions
        .iter()
        .enumerate()
        .map(|(index, c)| {
            let w = &c.when;
            let mut kinds = [false; 4];
            for k in &w.kinds {
                if let Some(slot) = kinds.get_mut(kind_slot(*k)) {
                    *slot = true;
                }
            }
            let mut criticality = [false; 4];
            for k in &w.criticality {
                if let Some(slot) = criticality.get_mut(criticality_slot(*k)) {
                    *slot = true;
                }
            }
            let mut change_kinds = [false; 3];
            for k in &w.change_kinds {
                if let Some(slot) = change_kinds.get_mut(change_kind_slot(*k)) {
                    *slot = true;
                }
            }
            Compiled {
                index,
                kinds,
                classes: w.classes.iter().cloned().collect(),
                criticality,
                services: w.services.iter().cloned().collect(),
                environments: w.environments.iter().cloned().collect(),
                change_kinds,
                min_changes: w.min_changes,
                min_cis: w.min_cis,
                min_services: w.min_services,
                level: c.then.at_least,
            }
        })
        .collect()
}

impl Compiled {
    fn needs_cmdb(&self) -> bool {
        !self.classes.is_empty() || self.criticality.iter().any(|b| *b)
    }
}

/// A CI a condition matched on its class or criticality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MatchedCi {
    /// The CI id.
    pub id: String,
    /// Its class in the CMDB.
    pub class: String,
    /// Its criticality in the CMDB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<Criticality>,
}

/// A change a condition matched on its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MatchedChange {
    /// The change id.
    pub id: String,
    /// Its kind.
    pub kind: ChangeKind,
}

/// What a matching condition looked at, one entry per test it has (a test
/// the condition does not have is absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConditionMatched {
    /// The release's kind (the condition tests `kinds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ReleaseKind>,
    /// The affected CIs with a listed class and criticality, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cis: Vec<MatchedCi>,
    /// The release's services the condition lists, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// The release's environments the condition lists, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// The changes of a listed kind, in release order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<MatchedChange>,
    /// The number of changes (the condition has `min_changes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_count: Option<u64>,
    /// The number of distinct affected CIs (the condition has `min_cis`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_count: Option<u64>,
    /// The number of distinct services (the condition has `min_services`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_count: Option<u64>,
}

/// A risk condition that matched the release, in the assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConditionMatch {
    /// The condition's id (`risk.conditions[].id`).
    pub id: String,
    /// The condition's description, when the policy gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The level the condition imposes (`then.at_least`).
    pub level: RiskLevel,
    /// What it matched.
    pub matched: ConditionMatched,
    /// Why it matched, in one sentence.
    pub explanation: String,
}

/// A matching condition in the typed verdict: the policy's rule and what
/// it matched; the explanation is written only when shown.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit<'a> {
    pub(crate) condition: &'a RiskCondition,
    pub(crate) level: RiskLevel,
    pub(crate) matched: ConditionMatched,
}

impl Hit<'_> {
    /// The public form.
    pub(crate) fn render(&self) -> ConditionMatch {
        ConditionMatch {
            id: self.condition.id.clone(),
            description: self.condition.description.clone(),
            level: self.level,
            matched: self.matched.clone(),
            explanation: self.to_string(),
        }
    }
}

/// Serialises as [`ConditionMatch`], the explanation written from the data.
impl Serialize for Hit<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ConditionMatch", 5)?;
        st.serialize_field("id", &self.condition.id)?;
        if self.condition.description.is_some() {
            st.serialize_field("description", &self.condition.description)?;
        } else {
            st.skip_field("description")?;
        }
        st.serialize_field("level", &self.level)?;
        st.serialize_field("matched", &self.matched)?;
        st.serialize_field("explanation", &super::factors::Shown(self))?;
        st.end()
    }
}

/// The explanation: what matched, then the level it imposes.
impl fmt::Display for Hit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.matched;
        let mut parts: Vec<String> = Vec::new();
        if let Some(k) = m.kind {
            parts.push(format!("the release is {}", k.as_str()));
        }
        if !m.cis.is_empty() {
            let list: Vec<String> = m
                .cis
                .iter()
                .map(|c| match c.criticality {
                    Some(cr) => format!("`{}` ({}, {})", c.id, c.class, criticality_name(cr)),
                    None => format!("`{}` ({})", c.id, c.class),
                })
                .collect();
            parts.push(format!("it touches {}", list.join(", ")));
        }
        if !m.services.is_empty() {
            parts.push(format!("it affects {}", m.services.join(", ")));
        }
        if !m.environments.is_empty() {
            parts.push(format!("it targets {}", m.environments.join(", ")));
        }
        if !m.changes.is_empty() {
            let list: Vec<String> = m
                .changes
                .iter()
                .map(|c| format!("{} ({})", c.id, c.kind.as_str()))
                .collect();
            parts.push(format!("it has the changes {}", list.join(", ")));
        }
        let plural = |n: u64, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        if let Some(n) = m.change_count {
            parts.push(format!("it has {}", plural(n, "change", "changes")));
        }
        if let Some(n) = m.ci_count {
            parts.push(format!(
                "it touches {}",
                plural(n, "distinct CI", "distinct CIs")
            ));
        }
        if let Some(n) = m.service_count {
            parts.push(format!("it names {}", plural(n, "service", "services")));
        }
        let id = &self.condition.id;
        let level = self.level.as_str();
        if parts.is_empty() {
            write!(
                f,
                "condition `{id}` has no test and always matches: at least {level}"
            )
        } else {
            write!(
                f,
                "{}: at least {level} (condition `{id}`)",
                parts.join("; ")
            )
        }
    }
}

fn criticality_name(c: Criticality) -> &'static str {
    match c {
        Criticality::Critical => "critical",
        Criticality::High => "high",
        Criticality::Medium => "medium",
        Criticality::Low => "low",
    }
}

/// Evaluates every compiled condition on a release, in policy order.
/// `known` are the affected CIs found in the CMDB (sorted indexes). A
/// condition that tests CI classes or criticality does not match without a
/// CMDB; when its other tests hold, a `risk_condition_needs_cmdb` warning
/// names it.
pub(crate) fn evaluate<'a>(
    compiled: &[Compiled],
    risk: &'a RiskPolicy,
    cmdb: Option<&CmdbIndex<'_>>,
    release: &Release,
    known: &[u32],
    warnings: &mut Vec<Warning>,
) -> Vec<Hit<'a>> {
    let mut hits = Vec::new();
    if compiled.is_empty() {
        return hits;
    }
    let mut distinct_cis: Option<u64> = None;
    for c in compiled {
        let Some(condition) = risk.conditions.get(c.index) else {
            continue;
        };
        let mut m = ConditionMatched::default();
        if c.kinds.iter().any(|b| *b) {
            if !c
                .kinds
                .get(kind_slot(release.kind))
                .copied()
                .unwrap_or(false)
            {
                continue;
            }
            m.kind = Some(release.kind);
        }
        if !c.services.is_empty() {
            let found: BTreeSet<&str> = release
                .services
                .iter()
                .map(String::as_str)
                .filter(|s| c.services.contains(*s))
                .collect();
            if found.is_empty() {
                continue;
            }
            m.services = found.into_iter().map(str::to_string).collect();
        }
        if !c.environments.is_empty() {
            let found: BTreeSet<&str> = release
                .environments
                .iter()
                .map(String::as_str)
                .filter(|s| c.environments.contains(*s))
                .collect();
            if found.is_empty() {
                continue;
            }
            m.environments = found.into_iter().map(str::to_string).collect();
        }
        if c.change_kinds.iter().any(|b| *b) {
            m.changes = release
                .changes
                .iter()
                .filter(|ch| {
                    c.change_kinds
                        .get(change_kind_slot(ch.kind))
                        .copied()
                        .unwrap_or(false)
                })
                .map(|ch| MatchedChange {
                    id: ch.id.clone(),
                    kind: ch.kind,
                })
                .collect();
            if m.changes.is_empty() {
                continue;
            }
        }
        if let Some(min) = c.min_changes {
            let n = release.changes.len() as u64;
            if n < min {
                continue;
            }
            m.change_count = Some(n);
        }
        if let Some(min) = c.min_cis {
            let n = *distinct_cis.get_or_insert_with(|| {
                release
                    .affected_cis
                    .iter()
                    .chain(release.changes.iter().flat_map(|ch| ch.affected_cis.iter()))
                    .map(String::as_str)
                    .collect::<BTreeSet<&str>>()
                    .len() as u64
            });
            if n < min {
                continue;
            }
            m.ci_count = Some(n);
        }
        if let Some(min) = c.min_services {
            let n = release
                .services
                .iter()
                .map(String::as_str)
                .collect::<BTreeSet<&str>>()
                .len() as u64;
            if n < min {
                continue;
            }
            m.service_count = Some(n);
        }
        if c.needs_cmdb() {
            let Some(cmdb) = cmdb else {
                warnings.push(Warning::new(
                    "risk_condition_needs_cmdb",
                    format!("policy.risk.conditions[{}].when", c.index),
                    format!(
                        "condition `{}` tests CI classes or criticality and the context has \
                         no CMDB: it does not match",
                        condition.id
                    ),
                ));
                continue;
            };
            let any_criticality = c.criticality.iter().any(|b| *b);
            let mut cis: Vec<MatchedCi> = known
                .iter()
                .filter_map(|&i| cmdb.ci(i))
                .filter(|ci| c.classes.is_empty() || c.classes.contains(&ci.class))
                .filter(|ci| {
                    !any_criticality
                        || ci.criticality.is_some_and(|cr| {
                            c.criticality
                                .get(criticality_slot(cr))
                                .copied()
                                .unwrap_or(false)
                        })
                })
                .map(|ci| MatchedCi {
                    id: ci.id.clone(),
                    class: ci.class.clone(),
                    criticality: ci.criticality,
                })
                .collect();
            if cis.is_empty() {
                continue;
            }
            cis.sort_by(|a, b| a.id.cmp(&b.id));
            m.cis = cis;
        }
        hits.push(Hit {
            condition,
            level: c.level,
            matched: m,
        });
    }
    hits
}
