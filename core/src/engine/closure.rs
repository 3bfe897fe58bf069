//! Closure: what the host may resolve, publish or must keep open once a
//! release is done (docs/reports.md, "Closure").
//!
//! Decides: from the release's *recorded* state and outcome — what the
//! replay of its verified audit log yields (docs/lifecycle.md, "The
//! record") — whether the records the release links may be resolved:
//!
//! | recorded | disposition |
//! |---|---|
//! | outcome `success` | resolve |
//! | outcome `success_with_issues` | resolve, flagged (`deployed_with_issues` warning) |
//! | outcome `failed` | keep open: `failed` |
//! | outcome `rolled_back` | keep open: `rolled_back` |
//! | state `cancelled` | keep open: `cancelled` |
//! | no outcome (planning … deployment) | keep open: `not_deployed` |
//! | a log that does not verify, or a legacy log | keep open: `log_not_verified` |
//!
//! [`decide`] is the one decision; the release notes
//! ([`crate::notes`]) use it too, so notes and closure never disagree.
//!
//! Needs: one [`Release`]: its `links` and its changes' `links` (problems,
//! known errors, requests, incidents; a record linked twice counts once),
//! its `knowledge_articles` and its log.

use crate::audit::verify_with_record;
use crate::error::Warning;
use crate::{Outcome, Release, State};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Why the records a release links stay open.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OpenReason {
    /// The release has not completed a deployment yet (planning …
    /// deployment, no outcome recorded).
    NotDeployed,
    /// The release was cancelled before deployment.
    Cancelled,
    /// The deployment failed.
    Failed,
    /// The deployment was rolled back.
    RolledBack,
    /// The release's audit log does not verify (or predates sealing), so
    /// no recorded outcome can be believed.
    LogNotVerified,
}

impl OpenReason {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            OpenReason::NotDeployed => "not_deployed",
            OpenReason::Cancelled => "cancelled",
            OpenReason::Failed => "failed",
            OpenReason::RolledBack => "rolled_back",
            OpenReason::LogNotVerified => "log_not_verified",
        }
    }
}

/// What the host may do with the records a release links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Deployed successfully: resolve the linked records, publish the
    /// knowledge articles.
    Resolve,
    /// Deployed with issues that needed no rollback: resolve and publish,
    /// but confirm each fix first.
    ResolveWithIssues,
    /// Not (successfully) deployed: every linked record stays open.
    KeepOpen,
}

/// The closure decision of a release: its recorded state and outcome and
/// what follows from them.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosureDecision {
    /// The release's state (the last event's `to` when the log verifies).
    pub state: State,
    /// The outcome the log records (none when it does not verify).
    pub outcome: Option<Outcome>,
    /// The `seq` of the event that recorded the outcome.
    pub outcome_seq: Option<u64>,
    /// Resolve, resolve with issues, or keep open.
    pub disposition: Disposition,
    /// Why the records stay open (with [`Disposition::KeepOpen`]).
    pub reason: Option<OpenReason>,
    /// The log's problem, when it does not verify: (path, message).
    pub unverified: Option<(String, String)>,
    /// Odd but not fatal: a legacy log, a deployment with issues.
    pub warnings: Vec<Warning>,
}

impl ClosureDecision {
    /// True when the linked records may be resolved.
    pub fn resolves(&self) -> bool {
        self.disposition != Disposition::KeepOpen
    }

    /// The rule id of the decision: `closure.<outcome or reason>`.
    pub fn rule(&self) -> &'static str {
        match (self.disposition, self.reason) {
            (Disposition::Resolve, _) => "closure.success",
            (Disposition::ResolveWithIssues, _) => "closure.success_with_issues",
            (Disposition::KeepOpen, Some(OpenReason::Cancelled)) => "closure.cancelled",
            (Disposition::KeepOpen, Some(OpenReason::Failed)) => "closure.failed",
            (Disposition::KeepOpen, Some(OpenReason::RolledBack)) => "closure.rolled_back",
            (Disposition::KeepOpen, Some(OpenReason::LogNotVerified)) => "closure.log_not_verified",
            (Disposition::KeepOpen, _) => "closure.not_deployed",
        }
    }
}

impl fmt::Display for ClosureDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.as_str();
        let seq = |f: &mut fmt::Formatter<'_>| match self.outcome_seq {
            Some(s) => write!(f, " (event {s})"),
            None => Ok(()),
        };
        match (self.disposition, self.reason) {
            (Disposition::Resolve, _) => {
                write!(f, "deployed successfully")?;
                seq(f)?;
                write!(f, ": the linked records may be resolved and the knowledge articles published")
            }
            (Disposition::ResolveWithIssues, _) => {
                write!(f, "deployed with issues")?;
                seq(f)?;
                write!(f, ": the linked records may be resolved once each fix is confirmed; the knowledge articles may be published")
            }
            (Disposition::KeepOpen, Some(OpenReason::Failed)) => {
                write!(f, "the deployment failed")?;
                seq(f)?;
                write!(f, ": nothing is fixed, every linked record stays open")
            }
            (Disposition::KeepOpen, Some(OpenReason::RolledBack)) => {
                write!(f, "the deployment was rolled back")?;
                seq(f)?;
                write!(f, ": nothing is fixed, every linked record stays open")
            }
            (Disposition::KeepOpen, Some(OpenReason::Cancelled)) => write!(
                f,
                "the release was cancelled: nothing is fixed, every linked record stays open"
            ),
            (Disposition::KeepOpen, Some(OpenReason::LogNotVerified)) => {
                let why = self
                    .unverified
                    .as_ref()
                    .map(|(p, m)| format!(" (at `{p}`: {m})"))
                    .unwrap_or_default();
                write!(f, "the audit log does not vouch for an outcome{why}: every linked record stays open")
            }
            (Disposition::KeepOpen, _) => write!(
                f,
                "not deployed yet (state {state}): the fixes are planned, every linked record stays open"
            ),
        }
    }
}

/// The one closure decision of `release`, from the replay of its log.
pub fn decide(release: &Release) -> ClosureDecision {
    let (verdict, record) = verify_with_record(release, None, None);
    let mut warnings = Vec::new();
    let mut decision = ClosureDecision {
        state: release.state,
        outcome: None,
        outcome_seq: None,
        disposition: Disposition::KeepOpen,
        reason: Some(OpenReason::NotDeployed),
        unverified: None,
        warnings: Vec::new(),
    };
    if let Some(t) = &verdict.tamper {
        decision.reason = Some(OpenReason::LogNotVerified);
        decision.unverified = Some((t.path.clone(), t.message.clone()));
        warnings.push(Warning::new(
            "log_not_verified",
            t.path.clone(),
            format!(
                "the audit log does not verify, so no outcome is believed: {}",
                t.message
            ),
        ));
        decision.warnings = warnings;
        return decision;
    }
    if record.legacy() {
        decision.reason = Some(OpenReason::LogNotVerified);
        decision.unverified = Some(("log".to_string(), "the log predates sealing".to_string()));
        decision.warnings = verdict.warnings;
        return decision;
    }
    decision.outcome = record.outcome.map(|(o, _)| o);
    decision.outcome_seq = record.outcome.map(|(_, s)| s);
    match decision.outcome {
        Some(Outcome::Success) => {
            decision.disposition = Disposition::Resolve;
            decision.reason = None;
        }
        Some(Outcome::SuccessWithIssues) => {
            decision.disposition = Disposition::ResolveWithIssues;
            decision.reason = None;
            warnings.push(Warning::new(
                "deployed_with_issues",
                "outcome",
                "the release deployed with issues: confirm each fix before resolving its record",
            ));
        }
        Some(Outcome::Failed) => decision.reason = Some(OpenReason::Failed),
        Some(Outcome::RolledBack) => decision.reason = Some(OpenReason::RolledBack),
        None if release.state == State::Cancelled => {
            decision.reason = Some(OpenReason::Cancelled);
        }
        None => {}
    }
    decision.warnings = warnings;
    decision
}

/// The records a release links, each once and sorted: from the release's
/// `links` and every change's `links`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Linked {
    /// Problem records.
    pub problems: Vec<String>,
    /// Known errors.
    pub known_errors: Vec<String>,
    /// Requests (requested items).
    pub requests: Vec<String>,
    /// Incidents.
    pub incidents: Vec<String>,
}

impl Linked {
    /// The records `release` links.
    pub fn of(release: &Release) -> Linked {
        let mut problems = BTreeSet::new();
        let mut known_errors = BTreeSet::new();
        let mut requests = BTreeSet::new();
        let mut incidents = BTreeSet::new();
        for l in std::iter::once(&release.links).chain(release.changes.iter().map(|c| &c.links)) {
            problems.extend(l.problems.iter().cloned());
            known_errors.extend(l.known_errors.iter().cloned());
            requests.extend(l.requests.iter().cloned());
            incidents.extend(l.incidents.iter().cloned());
        }
        Linked {
            problems: problems.into_iter().collect(),
            known_errors: known_errors.into_iter().collect(),
            requests: requests.into_iter().collect(),
            incidents: incidents.into_iter().collect(),
        }
    }

    /// True when nothing is linked.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
            && self.known_errors.is_empty()
            && self.requests.is_empty()
            && self.incidents.is_empty()
    }

    /// Every record with its kind, in kind order then id order.
    fn each(&self) -> impl Iterator<Item = (RecordKind, &String)> {
        [
            (RecordKind::Problem, &self.problems),
            (RecordKind::KnownError, &self.known_errors),
            (RecordKind::Request, &self.requests),
            (RecordKind::Incident, &self.incidents),
        ]
        .into_iter()
        .flat_map(|(k, v)| v.iter().map(move |id| (k, id)))
    }
}

/// The kind of a record the closure names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A problem.
    Problem,
    /// A known error.
    KnownError,
    /// A request.
    Request,
    /// An incident.
    Incident,
    /// A knowledge article (kept unpublished).
    KnowledgeArticle,
}

/// The knowledge articles to publish.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Publish {
    /// The release's knowledge articles, each once, sorted.
    pub knowledge_articles: Vec<String>,
}

/// A record that stays open (or an article that stays unpublished).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KeptOpen {
    /// What it is.
    pub kind: RecordKind,
    /// Its id.
    pub id: String,
    /// Why it stays open.
    pub reason: OpenReason,
}

/// The result of [`closure`]: what the host may resolve and publish in its
/// ITSM tool, and what stays open and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Closure {
    /// The release.
    pub release_id: String,
    /// Its state.
    pub state: State,
    /// The outcome its log records, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The `seq` of the event that recorded the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_seq: Option<u64>,
    /// `resolve`, `resolve_with_issues` or `keep_open`.
    pub disposition: Disposition,
    /// Why everything stays open (with `keep_open`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<OpenReason>,
    /// The rule that decided: `closure.success`, `closure.success_with_issues`,
    /// `closure.failed`, `closure.rolled_back`, `closure.cancelled`,
    /// `closure.not_deployed` or `closure.log_not_verified`.
    pub rule: String,
    /// The decision in one sentence.
    pub message: String,
    /// The records the host may resolve.
    pub resolve: Linked,
    /// The knowledge articles the host may publish.
    pub publish: Publish,
    /// Every record that stays open, and every article held back, with the
    /// reason: problems, known errors, requests, incidents, then knowledge
    /// articles, each sorted by id.
    pub keep_open: Vec<KeptOpen>,
    /// Odd but not fatal: `deployed_with_issues`, `log_not_verified`,
    /// `legacy_log`.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// What the host may resolve, publish and must keep open now that
/// `release` is where its log says it is. Infallible on any valid release.
pub fn closure(release: &Release) -> Closure {
    let decision = decide(release);
    let linked = Linked::of(release);
    let articles: Vec<String> = release
        .knowledge_articles
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out = Closure {
        release_id: release.id.clone(),
        state: decision.state,
        outcome: decision.outcome,
        outcome_seq: decision.outcome_seq,
        disposition: decision.disposition,
        reason: decision.reason,
        rule: decision.rule().to_string(),
        message: decision.to_string(),
        resolve: Linked::default(),
        publish: Publish::default(),
        keep_open: Vec::new(),
        warnings: decision.warnings.clone(),
    };
    match decision.reason.filter(|_| !decision.resolves()) {
        None => {
            out.resolve = linked;
            out.publish.knowledge_articles = articles;
        }
        Some(reason) => {
            out.keep_open = linked
                .each()
                .map(|(kind, id)| (kind, id.clone()))
                .chain(
                    articles
                        .into_iter()
                        .map(|id| (RecordKind::KnowledgeArticle, id)),
                )
                .map(|(kind, id)| KeptOpen { kind, id, reason })
                .collect();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    fn release(v: serde_json::Value) -> Release {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn planning_release_keeps_everything_open_and_dedupes_links() {
        let r = release(serde_json::json!({
            "id": "R", "title": "R", "kind": "minor", "state": "planning",
            "links": {"problems": ["P2", "P1"], "known_errors": ["KE1"]},
            "changes": [{"id": "C", "kind": "normal", "summary": "s",
                         "links": {"problems": ["P1"], "requests": ["RQ"]}}],
            "knowledge_articles": ["KB2", "KB1", "KB2"]
        }));
        let c = closure(&r);
        assert_eq!(c.disposition, Disposition::KeepOpen);
        assert_eq!(c.reason, Some(OpenReason::NotDeployed));
        assert_eq!(c.rule, "closure.not_deployed");
        let ids: Vec<_> = c
            .keep_open
            .iter()
            .map(|k| (k.kind, k.id.as_str()))
            .collect();
        assert_eq!(
            ids,
            vec![
                (RecordKind::Problem, "P1"),
                (RecordKind::Problem, "P2"),
                (RecordKind::KnownError, "KE1"),
                (RecordKind::Request, "RQ"),
                (RecordKind::KnowledgeArticle, "KB1"),
                (RecordKind::KnowledgeArticle, "KB2"),
            ]
        );
        assert!(c.resolve.is_empty());
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn a_document_outcome_without_a_log_is_not_believed() {
        let r = release(serde_json::json!({
            "id": "R", "title": "R", "kind": "minor", "state": "review",
            "outcome": "success",
            "links": {"problems": ["P1"]}
        }));
        let c = closure(&r);
        assert_eq!(c.reason, Some(OpenReason::LogNotVerified));
        assert_eq!(c.outcome, None);
        assert_eq!(c.warnings[0].code, "log_not_verified");
        assert_eq!(c.warnings[0].path, "log");
        assert_eq!(c.keep_open.len(), 1);
    }
}
