//! Unauthorized changes: production deployments that no approved release
//! covers (docs/reports.md, "Unauthorized changes") — ServiceNow's
//! unauthorized-change check.
//!
//! Decides: for every production deployment of a history, whether it names
//! a release (`no_release`), whether that release is known
//! (`unknown_release`), approved (`not_approved`), deployed inside its
//! planned window (`outside_window`) and on the CIs it declared
//! (`undeclared_cis`). Every reason of a deployment is listed.
//!
//! Needs: the [`History`] (its deployments, and its releases as a second
//! place to look a release up), the [`Schedule`] (its releases) and the
//! production environments of the policy's `kpi` section.
//!
//! A release is *approved* when its state is `deployment`, `review` or
//! `closed`, its audit log verifies ([`crate::audit::verify_log`]) and the
//! replayed log shows it left approval: an event from `approval` to
//! `deployment`, or an `import` that adopted the release in one of those
//! states (a release manager vouched for it as it stood). A cancelled
//! release is never approved.

use crate::audit::verify_with_record;
use crate::document::{Extra, State};
use crate::error::{Error, Result, Warning};
use crate::{History, Release, Schedule, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The rules of the unauthorized-change check, in report order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UnauthorizedRule {
    /// The deployment names no release.
    NoRelease,
    /// The deployment names a release that is neither in the schedule nor
    /// in the history.
    UnknownRelease,
    /// The release was never approved (cancelled, not past approval, a log
    /// that does not verify or that never left approval).
    NotApproved,
    /// The deployment started or finished outside the release's planned
    /// window.
    OutsideWindow,
    /// The deployment touched CIs the release did not declare.
    UndeclaredCis,
}

/// One reason a deployment is unauthorized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UnauthorizedReason {
    /// The rule that fired.
    pub rule: UnauthorizedRule,
    /// Why, in one sentence.
    pub message: String,
    /// The data the rule looked at.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub details: Extra,
}

/// A production deployment no approved release covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UnauthorizedDeployment {
    /// The deployment's id in the history.
    pub deployment_id: String,
    /// The release it names, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_id: Option<String>,
    /// The business service deployed.
    pub service: String,
    /// The (production) environment.
    pub environment: String,
    /// When it started, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    /// When it finished.
    pub finished_at: Timestamp,
    /// Every reason, in rule order.
    pub reasons: Vec<UnauthorizedReason>,
}

/// The verdict of [`unauthorized_changes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UnauthorizedReport {
    /// The unauthorized production deployments, by `finished_at`, then id.
    pub unauthorized: Vec<UnauthorizedDeployment>,
    /// How many production deployments were checked.
    pub checked: usize,
    /// What was odd but did not decide the verdict.
    pub warnings: Vec<Warning>,
}

impl UnauthorizedReport {
    /// True when at least one production deployment is unauthorized.
    pub fn has_unauthorized(&self) -> bool {
        !self.unauthorized.is_empty()
    }
}

/// Why a release does not count as approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unapproved {
    /// Its state is `cancelled`.
    Cancelled,
    /// Its state is before `deployment`.
    NotPastApproval,
    /// Its log does not verify.
    LogInvalid,
    /// Its verified log never left approval.
    NeverLeftApproval,
}

/// A reason before rendering: typed data, borrowed from the inputs.
enum Why<'a> {
    NoRelease,
    UnknownRelease {
        release: &'a str,
    },
    NotApproved {
        release: &'a Release,
        why: Unapproved,
        tamper: Option<(String, String)>,
    },
    OutsideWindow {
        release: &'a str,
        start: &'a Timestamp,
        end: &'a Timestamp,
        started_early: bool,
        finished_late: bool,
    },
    UndeclaredCis {
        release: &'a str,
        cis: Vec<&'a str>,
        declared: Vec<&'a str>,
    },
}

impl Why<'_> {
    fn rule(&self) -> UnauthorizedRule {
        match self {
            Why::NoRelease => UnauthorizedRule::NoRelease,
            Why::UnknownRelease { .. } => UnauthorizedRule::UnknownRelease,
            Why::NotApproved { .. } => UnauthorizedRule::NotApproved,
            Why::OutsideWindow { .. } => UnauthorizedRule::OutsideWindow,
            Why::UndeclaredCis { .. } => UnauthorizedRule::UndeclaredCis,
        }
    }

    /// The reason as the report gives it: message and details.
    fn render(&self, d: &crate::DeploymentRecord) -> UnauthorizedReason {
        let mut details = Extra::new();
        let message = match self {
            Why::NoRelease => format!("{} names no release", d.id),
            Why::UnknownRelease { release } => {
                details.insert("release".into(), json!(release));
                format!(
                    "{} names {release}, which is neither in the schedule nor in the history",
                    d.id
                )
            }
            Why::NotApproved {
                release,
                why,
                tamper,
            } => {
                details.insert("release".into(), json!(release.id));
                details.insert("state".into(), json!(release.state));
                let (code, text) = match why {
                    Unapproved::Cancelled => (
                        "cancelled",
                        format!("{} is cancelled: a cancelled release is never approved", release.id),
                    ),
                    Unapproved::NotPastApproval => (
                        "not_past_approval",
                        format!(
                            "{} is in `{}`: it has not been approved for deployment",
                            release.id,
                            release.state.as_str()
                        ),
                    ),
                    Unapproved::LogInvalid => {
                        let (kind, path) = tamper.clone().unwrap_or_default();
                        details.insert("log".into(), json!({"tamper": kind, "path": path}));
                        (
                            "log_invalid",
                            format!(
                                "the audit log of {} does not verify ({kind} at `{path}`): only a verified log vouches for an approval",
                                release.id
                            ),
                        )
                    }
                    Unapproved::NeverLeftApproval => (
                        "never_left_approval",
                        format!(
                            "the audit log of {} records no move from approval to deployment and no import adopting it past approval",
                            release.id
                        ),
                    ),
                };
                details.insert("why".into(), json!(code));
                text
            }
            Why::OutsideWindow {
                release,
                start,
                end,
                started_early,
                finished_late,
            } => {
                details.insert("release".into(), json!(release));
                details.insert("planned_start".into(), json!(start));
                details.insert("planned_end".into(), json!(end));
                if let Some(s) = &d.started_at {
                    details.insert("started_at".into(), json!(s));
                }
                details.insert("finished_at".into(), json!(d.finished_at));
                details.insert("started_before_window".into(), json!(started_early));
                details.insert("finished_after_window".into(), json!(finished_late));
                let from = d.started_at.as_ref().unwrap_or(&d.finished_at);
                format!(
                    "{} ran from {from} to {}, outside the window {release} was approved for ({start} to {end})",
                    d.id, d.finished_at
                )
            }
            Why::UndeclaredCis {
                release,
                cis,
                declared,
            } => {
                details.insert("release".into(), json!(release));
                details.insert("cis".into(), json!(cis));
                details.insert("declared".into(), json!(declared));
                format!(
                    "{} touched {} that {release} did not declare",
                    d.id,
                    cis.join(", ")
                )
            }
        };
        UnauthorizedReason {
            rule: self.rule(),
            message,
            details,
        }
    }
}

/// Why a release is not approved, with the log's tamper kind and path
/// when its log does not verify.
type NotApproved = (Unapproved, Option<(String, String)>);

/// Whether `release` counts as approved (module docs), and if not, why.
fn approval(release: &Release) -> std::result::Result<(), NotApproved> {
    match release.state {
        State::Cancelled => return Err((Unapproved::Cancelled, None)),
        State::Deployment | State::Review | State::Closed => {}
        _ => return Err((Unapproved::NotPastApproval, None)),
    }
    let (verdict, record) = verify_with_record(release, None, None);
    if let Some(t) = &verdict.tamper {
        let kind = serde_json::to_value(t.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        return Err((Unapproved::LogInvalid, Some((kind, t.path.clone()))));
    }
    let past = |s: State| matches!(s, State::Deployment | State::Review | State::Closed);
    let adopted: HashSet<u64> = record
        .imports
        .iter()
        .filter(|i| i.adopt)
        .map(|i| i.seq)
        .collect();
    let left = release.log.iter().any(|e| {
        (e.from == State::Approval && e.to == State::Deployment)
            || (adopted.contains(&e.seq) && past(e.to))
    });
    if left {
        Ok(())
    } else {
        Err((Unapproved::NeverLeftApproval, None))
    }
}

/// The production deployments of `history` that no approved release of
/// `schedule` (or of the history itself) covers, with every reason.
///
/// A deployment is a production deployment when its `environment` is one
/// of `production_environments` (the policy's
/// `kpi.production_environments`, as for the KPIs). Its release is looked
/// up by id among the schedule's releases first, then the history's.
///
/// Errors: `invalid_input` for a deployment id that appears twice
/// (`deployments[i].id`) or a deployment finishing before it started
/// (`deployments[i].finished_at`).
pub fn unauthorized_changes(
    history: &History,
    schedule: &Schedule,
    production_environments: &[String],
) -> Result<UnauthorizedReport> {
    let mut seen = HashSet::new();
    for (i, d) in history.deployments.iter().enumerate() {
        if !seen.insert(d.id.as_str()) {
            return Err(Error::invalid_input(
                format!("deployments[{i}].id"),
                format!("duplicate deployment id `{}`", d.id),
            ));
        }
        if let Some(start) = &d.started_at {
            if d.finished_at < *start {
                return Err(Error::invalid_input(
                    format!("deployments[{i}].finished_at"),
                    format!(
                        "must not be before started_at ({} < {start})",
                        d.finished_at
                    ),
                ));
            }
        }
    }
    let mut releases: HashMap<&str, &Release> = HashMap::new();
    for r in history
        .releases
        .iter()
        .rev()
        .chain(schedule.releases.iter().rev())
    {
        // Later inserts win: the schedule's first release of an id.
        releases.insert(r.id.as_str(), r);
    }
    let mut approvals: HashMap<&str, std::result::Result<(), NotApproved>> = HashMap::new();
    let mut warnings = Vec::new();
    let mut no_window: BTreeSet<&str> = BTreeSet::new();
    let mut checked = 0usize;
    let mut found: Vec<(&crate::DeploymentRecord, Vec<Why<'_>>)> = Vec::new();
    for (i, d) in history.deployments.iter().enumerate() {
        if !production_environments.contains(&d.environment) {
            continue;
        }
        checked = checked.saturating_add(1);
        let mut whys = Vec::new();
        match d.release_id.as_deref() {
            None => whys.push(Why::NoRelease),
            Some(id) => match releases.get(id).copied() {
                None => whys.push(Why::UnknownRelease { release: id }),
                Some(release) => {
                    let verdict = approvals
                        .entry(release.id.as_str())
                        .or_insert_with(|| approval(release));
                    if let Err((why, tamper)) = verdict {
                        whys.push(Why::NotApproved {
                            release,
                            why: *why,
                            tamper: tamper.clone(),
                        });
                    }
                    match (&release.planned_start, &release.planned_end) {
                        (Some(start), Some(end)) => {
                            let started_early = d.started_at.as_ref().is_some_and(|s| s < start)
                                || d.finished_at < *start;
                            let finished_late = d.finished_at > *end;
                            if started_early || finished_late {
                                whys.push(Why::OutsideWindow {
                                    release: &release.id,
                                    start,
                                    end,
                                    started_early,
                                    finished_late,
                                });
                            }
                        }
                        _ => {
                            if no_window.insert(release.id.as_str()) {
                                warnings.push(Warning::new(
                                    "no_planned_window",
                                    format!("deployments[{i}].release_id"),
                                    format!(
                                        "`{}` has no planned window: its deployments' times were not checked",
                                        release.id
                                    ),
                                ));
                            }
                        }
                    }
                    let declared: BTreeSet<&str> = release
                        .affected_cis
                        .iter()
                        .chain(release.changes.iter().flat_map(|c| c.affected_cis.iter()))
                        .map(String::as_str)
                        .collect();
                    let undeclared: BTreeSet<&str> = d
                        .cis
                        .iter()
                        .map(String::as_str)
                        .filter(|c| !declared.contains(c))
                        .collect();
                    if !undeclared.is_empty() {
                        whys.push(Why::UndeclaredCis {
                            release: &release.id,
                            cis: undeclared.into_iter().collect(),
                            declared: declared.into_iter().collect(),
                        });
                    }
                }
            },
        }
        if !whys.is_empty() {
            found.push((d, whys));
        }
    }
    found.sort_by(|a, b| {
        a.0.finished_at
            .cmp(&b.0.finished_at)
            .then_with(|| a.0.id.cmp(&b.0.id))
    });
    let unauthorized = found
        .into_iter()
        .map(|(d, whys)| UnauthorizedDeployment {
            deployment_id: d.id.clone(),
            release_id: d.release_id.clone(),
            service: d.service.clone(),
            environment: d.environment.clone(),
            started_at: d.started_at.clone(),
            finished_at: d.finished_at.clone(),
            reasons: whys.iter().map(|w| w.render(d)).collect(),
        })
        .collect();
    Ok(UnauthorizedReport {
        unauthorized,
        checked,
        warnings,
    })
}
