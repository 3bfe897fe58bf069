//! The emergency path's rules (`docs/lifecycle.md`, "The emergency
//! path"): the approval quorum deferred by `deploy_before_approval`
//! (`approval.quorum`, met with `deferred` data), the retrospective
//! approval of a release deployed before approval
//! (`emergency.retrospective_approval`) and the incident the
//! post-implementation review links (`review.incident_linked`).

use super::super::emergency::{human_secs, plus_secs, RetroStatus};
use super::{Eval, Finding};
use crate::error::Warning;
use crate::{ReleaseKind, State, Timestamp};
use serde_json::{json, Value};

/// What the emergency path's rules found.
pub(crate) enum EmergencyFinding<'a> {
    /// `approval.quorum` unmet, deferred: the deployment may start; the
    /// quorum is due retrospectively by `due_at` (unknown in a dry run
    /// without `context.now`).
    Deferred {
        quorum: Box<Finding<'a>>,
        due_at: Option<Timestamp>,
        window_secs: u64,
    },
    /// `emergency.retrospective_approval`.
    Retrospective {
        status: RetroStatus,
        /// The time judged against (`context.now`, or the log's last event
        /// when later or when no `now` is given) and where it came from.
        now: Timestamp,
        now_source: &'static str,
        closing: bool,
    },
    /// `review.incident_linked`: the incidents linked, by where they are
    /// linked (release, change id, review).
    IncidentLinked {
        release: &'a [String],
        changes: Vec<(&'a str, &'a [String])>,
        review: Vec<String>,
        kind: ReleaseKind,
    },
}

/// True when an unmet `approval.quorum` of the release is deferred: an
/// emergency release under `deploy_before_approval`.
pub(super) fn deferrable(e: &Eval<'_, '_>) -> bool {
    e.release.kind == ReleaseKind::Emergency && e.gates.deploy_before_approval
}

/// The deferred `approval.quorum` (met): its data the quorum's with
/// `deferred: {due_at, window_secs}`.
pub(super) fn defer<'a>(e: &Eval<'a, '_>, quorum: Finding<'a>) -> Finding<'a> {
    let r = e.release;
    let window_secs = e.gates.retrospective_approval_secs;
    // In `apply`, the log ends with the event starting the deployment: the
    // window runs from it. In a dry run, from `context.now`.
    let start = match r.log.last() {
        Some(ev)
            if r.state == State::Approval
                && ev.from == State::Approval
                && ev.to == State::Deployment =>
        {
            Some(&ev.at)
        }
        _ => e.context.now.as_ref(),
    };
    let due_at = start.and_then(|s| plus_secs(s, window_secs));
    Finding::Emergency(EmergencyFinding::Deferred {
        quorum: Box::new(quorum),
        due_at,
        window_secs,
    })
}

/// The time the retrospective approval is judged at: in `apply`, the
/// command's `at`; in `check`, `context.now`, or the log's last event when
/// that is later or no `now` is given.
fn now_of(e: &Eval<'_, '_>) -> Option<(Timestamp, &'static str)> {
    if let Some(at) = &e.log.applying_at {
        return Some((at.clone(), "command"));
    }
    let last = e.release.log.last().map(|ev| ev.at.clone());
    match (e.context.now.clone(), last) {
        (Some(now), Some(last)) if last > now => Some((last, "log")),
        (Some(now), _) => Some((now, "context.now")),
        (None, Some(last)) => Some((last, "log")),
        (None, None) => None,
    }
}

/// `emergency.retrospective_approval` of a release the log records as
/// deployed before approval: met once the kind's quorum is met with no
/// rejection outstanding; unmet when past its due time (overdue) and, when
/// `closing`, until it is approved. Before the due time, leaving
/// deployment is allowed with a `retrospective_approval_pending` warning.
pub(super) fn retrospective(e: &mut Eval<'_, '_>, closing: bool) {
    let Some(deferred) = e.log.record.deferred.clone() else {
        return;
    };
    let Some((now, now_source)) = now_of(e) else {
        return;
    };
    let status = RetroStatus::of(&deferred, e.votes(), &e.gates.quorum, &e.context.actors);
    let approved = status.approved();
    let overdue = status.overdue_secs(&now);
    let met = approved || (!closing && overdue.is_none());
    if !approved && overdue.is_none() {
        e.warnings.push(Warning::new(
            "retrospective_approval_pending",
            "approvals",
            format!(
                "{} was deployed before approval; its retrospective approval is due by {} ({})",
                e.release.id,
                deferred.due_at,
                status.short().join(", ")
            ),
        ));
    }
    let finding = EmergencyFinding::Retrospective {
        status,
        now,
        now_source,
        closing,
    };
    e.find(
        "emergency.retrospective_approval",
        met,
        Finding::Emergency(finding),
    );
}

/// `review.incident_linked`: with `review_incident_required`, closing needs
/// at least one incident linked — by the release (`links.incidents`), one
/// of its changes, or the review (`complete_review` with `incidents`).
pub(super) fn incident_linked(e: &mut Eval<'_, '_>) {
    if !e.gates.review_incident_required {
        return;
    }
    let r = e.release;
    let release = r.links.incidents.as_slice();
    let changes: Vec<(&str, &[String])> = r
        .changes
        .iter()
        .filter(|c| !c.links.incidents.is_empty())
        .map(|c| (c.id.as_str(), c.links.incidents.as_slice()))
        .collect();
    let review = e.log.record.review_incidents.clone();
    let met = !release.is_empty() || !changes.is_empty() || !review.is_empty();
    let finding = EmergencyFinding::IncidentLinked {
        release,
        changes,
        review,
        kind: r.kind,
    };
    e.find("review.incident_linked", met, Finding::Emergency(finding));
}

impl EmergencyFinding<'_> {
    /// The requirement's message and data (`id` is the release's id).
    pub(super) fn render(&self, id: &str) -> (String, Value) {
        match self {
            EmergencyFinding::Deferred {
                quorum,
                due_at,
                window_secs,
            } => {
                let (message, mut data) = quorum.render(id);
                let due = match due_at {
                    Some(at) => format!("due by {at}"),
                    None => format!("due {} after start_deployment", human_secs(*window_secs)),
                };
                let message = format!(
                    "deferred (emergency deployment before approval): the retrospective approval is {due}; {message}"
                );
                if let Some(map) = data.as_object_mut() {
                    map.insert(
                        "deferred".into(),
                        json!({"due_at": due_at, "window_secs": window_secs}),
                    );
                }
                (message, data)
            }
            EmergencyFinding::Retrospective {
                status,
                now,
                now_source,
                closing,
            } => {
                let d = &status.deferred;
                let overdue = status.overdue_secs(now);
                let (counted, missing) = status.counted_missing();
                let votes: Vec<Value> = status
                    .retrospective
                    .iter()
                    .map(|(who, role, decision, at)| {
                        json!({"approver": who, "role": role, "decision": decision, "at": at})
                    })
                    .collect();
                let rejections: Vec<Value> = status
                    .rejections
                    .iter()
                    .map(|(who, role)| json!({"approver": who, "role": role}))
                    .collect();
                let data = json!({
                    "deployed_by": d.deployer,
                    "started_at": d.started_at,
                    "started_seq": d.seq,
                    "due_at": d.due_at,
                    "window_secs": d.window_secs,
                    "now": now,
                    "now_source": now_source,
                    "overdue": overdue.is_some(),
                    "overdue_secs": overdue,
                    "quorum": status.rules_json(),
                    "rejections": rejections,
                    "retrospective_votes": votes,
                    "votes_counted": counted,
                    "votes_missing": missing,
                });
                let message = if status.approved() {
                    let who: Vec<String> = status
                        .rules
                        .iter()
                        .flat_map(|r| r.approvers.iter().cloned())
                        .collect();
                    format!(
                        "{id} was deployed before approval and is approved retrospectively ({})",
                        who.join(", ")
                    )
                } else {
                    let short = status.short().join(", ");
                    match overdue {
                        Some(secs) => format!(
                            "the retrospective approval of {id} is overdue by {} (due at {}; {short}); the deployer {} may not give it",
                            human_secs(secs),
                            d.due_at,
                            d.deployer
                        ),
                        None if *closing => format!(
                            "closing {id} needs its retrospective approval, due by {} ({short}); the deployer {} may not give it",
                            d.due_at, d.deployer
                        ),
                        None => format!(
                            "{id} was deployed before approval; its retrospective approval is due by {} ({short})",
                            d.due_at
                        ),
                    }
                };
                (message, data)
            }
            EmergencyFinding::IncidentLinked {
                release,
                changes,
                review,
                kind,
            } => {
                let mut all: Vec<&str> = release.iter().map(String::as_str).collect();
                all.extend(
                    changes
                        .iter()
                        .flat_map(|(_, i)| i.iter().map(String::as_str)),
                );
                all.extend(review.iter().map(String::as_str));
                all.sort_unstable();
                all.dedup();
                let changes_json: serde_json::Map<String, Value> = changes
                    .iter()
                    .map(|(c, i)| ((*c).to_string(), json!(i)))
                    .collect();
                let message = if all.is_empty() {
                    format!(
                        "the post-implementation review of {id} ({} release) must link the incident it answers: link one in the release's links.incidents, a change's links or complete_review's incidents",
                        kind.as_str()
                    )
                } else {
                    format!(
                        "the review links the incident{} {}",
                        if all.len() == 1 { "" } else { "s" },
                        all.join(", ")
                    )
                };
                (
                    message,
                    json!({"incidents": all, "release": release, "changes": changes_json, "review": review}),
                )
            }
        }
    }
}
