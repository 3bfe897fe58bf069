//! The release lifecycle (docs/lifecycle.md): what may happen to a release next, and
//! why not.
//!
//! Decides: whether a release may move to a target state ([`check`], a dry
//! run that lists every requirement, met or not), and the effect of a
//! command ([`apply`]: the new release, the audit event and the
//! notifications, or a `transition_denied` / `forbidden` error).
//!
//! Needs: the release, the command (actor, time, parameters) and a
//! [`Context`] — the actor directory (roles, separation of duties), the
//! policy (gates per release kind), and where the gates need them the
//! calendar (blackouts), CMDB (blackout scopes by class or service), history
//! (promotion order) and a risk level. The input release is never changed.
//!
//! States: `planning → development → testing → approval → deployment →
//! review → closed`, plus `cancelled`. Back-steps: `testing → development`,
//! `approval → development` (`send_back`); `deployment → review` after an
//! outcome (and, for a failed or rolled-back deployment, after `roll_back`).

mod approval;
mod command;
mod delegation;
mod emergency;
mod gates;
mod notify;
pub(crate) mod overrides;
mod prepared;
mod routing_vote;
mod tape;

pub(crate) use approval::conflict_of_interest;
pub use approval::scope_fingerprint;
pub use command::{Action, Amendment, Command};
pub(crate) use emergency::{human_secs, retrospective_status};
pub use notify::{Notification, Recipient};
pub use prepared::{PreparedContext, DEFAULT_CACHE_CAPACITY};

use crate::audit::{self, LogVerdict, Tamper, TamperKind};
use crate::error::{Error, Result, Violation, Warning};
use crate::keys::Keyring;
use crate::record::Record;
use crate::{Context, Event, Policy, Release, State};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One requirement of a gate: met or not, why, and the data looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Requirement {
    /// Stable rule id, e.g. `approval.quorum`.
    pub rule: String,
    /// Whether the requirement is met.
    pub met: bool,
    /// Why it is met or not, in one sentence.
    pub message: String,
    /// The values the rule looked at.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub data: Value,
}

/// The verdict of [`check`]: every requirement of moving a release from its
/// state to a target state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GateReport {
    /// The release checked.
    pub release_id: String,
    /// Its current state.
    pub from: State,
    /// The state asked for.
    pub target: State,
    /// True when every requirement is met.
    pub allowed: bool,
    /// Every requirement, in gate order.
    pub requirements: Vec<Requirement>,
    /// What was odd but did not decide the verdict.
    pub warnings: Vec<Warning>,
}

impl GateReport {
    /// The unmet requirements.
    pub fn unmet(&self) -> impl Iterator<Item = &Requirement> {
        self.requirements.iter().filter(|r| !r.met)
    }

    fn into_denial(self) -> Error {
        let violations: Vec<Violation> = self
            .unmet()
            .map(|r| Violation {
                rule: r.rule.clone(),
                message: r.message.clone(),
                data: r.data.clone(),
            })
            .collect();
        let rules: Vec<&str> = violations.iter().map(|v| v.rule.as_str()).collect();
        let message = format!(
            "{} cannot move from {} to {}: {} unmet requirement{} ({})",
            self.release_id,
            self.from.as_str(),
            self.target.as_str(),
            violations.len(),
            if violations.len() == 1 { "" } else { "s" },
            rules.join(", ")
        );
        let report = serde_json::to_value(&self).unwrap_or(Value::Null);
        Error::TransitionDenied {
            message,
            violations,
            report,
        }
    }
}

/// A typed verdict of moving a release to a target state: every
/// requirement's rule and whether it is met, with what each gate found kept
/// as typed data. Nothing is formatted until [`report`](Self::report)
/// renders the [`GateReport`] (messages and data, byte-identical to
/// [`check`]'s), so a host that only needs the decision — allowed or not,
/// which rules are unmet — pays no rendering. Returned by
/// [`PreparedContext::verdict`].
pub struct GateVerdict<'a> {
    release: &'a Release,
    target: State,
    requirements: Vec<gates::Req<'a>>,
    warnings: Vec<Warning>,
}

impl std::fmt::Debug for GateVerdict<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GateVerdict")
            .field("release_id", &self.release.id)
            .field("target", &self.target)
            .field("allowed", &self.allowed())
            .field("requirements", &self.requirements().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<'a> GateVerdict<'a> {
    /// True when every requirement is met.
    pub fn allowed(&self) -> bool {
        self.requirements.iter().all(|r| r.met)
    }

    /// Every requirement in gate order: its rule id and whether it is met.
    pub fn requirements(&self) -> impl Iterator<Item = (&'static str, bool)> + '_ {
        self.requirements.iter().map(|r| (r.rule, r.met))
    }

    /// The rule ids of the unmet requirements, in gate order.
    pub fn unmet_rules(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.requirements.iter().filter(|r| !r.met).map(|r| r.rule)
    }

    /// What was odd but did not decide the verdict.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The release checked.
    pub fn release(&self) -> &'a Release {
        self.release
    }

    /// The state asked for.
    pub fn target(&self) -> State {
        self.target
    }

    /// Renders the gate report: every message and data value.
    pub fn report(&self) -> GateReport {
        self.render(self.warnings.clone())
    }

    /// [`report`](Self::report), reusing the verdict's warnings.
    pub fn into_report(mut self) -> GateReport {
        let warnings = std::mem::take(&mut self.warnings);
        self.render(warnings)
    }

    fn render(&self, warnings: Vec<Warning>) -> GateReport {
        let id = self.release.id.as_str();
        let requirements = self
            .requirements
            .iter()
            .map(|r| {
                let (message, data) = r.finding.render(id);
                Requirement {
                    rule: r.rule.to_string(),
                    met: r.met,
                    message,
                    data,
                }
            })
            .collect();
        GateReport {
            release_id: self.release.id.clone(),
            from: self.release.state,
            target: self.target,
            allowed: self.allowed(),
            requirements,
            warnings,
        }
    }
}

/// The result of [`apply`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Applied {
    /// The release after the command (with the new audit event).
    pub release: Release,
    /// The audit events appended (one per command).
    pub events: Vec<Event>,
    /// What the communication plan says to tell whom; relman sends nothing.
    pub notifications: Vec<Notification>,
    /// The gate report that allowed the command.
    pub report: GateReport,
    /// What was odd but acceptable.
    pub warnings: Vec<Warning>,
}

/// The policy in force: the context's, else the default.
fn policy_of(context: &Context) -> std::borrow::Cow<'_, Policy> {
    match &context.policy {
        Some(p) => std::borrow::Cow::Borrowed(p),
        None => std::borrow::Cow::Owned(Policy::default()),
    }
}

/// A dry run: every requirement of moving `release` to `target`, met or not.
///
/// For a target further ahead than the next state, the gates of every state
/// on the way are evaluated too (a readiness preview) and the unmet
/// `lifecycle.path` requirement says the release must advance one state at a
/// time. `check(release, State::Deployment, context)` with a full context is
/// the go/no-go verdict a pipeline asks for.
///
/// The report starts with `record.log`: the log is verified and replayed
/// once ([`crate::record`]), and the gates count only what the replay
/// yields — a vote, run or outcome written straight into the document
/// never counts, and makes `record.log` unmet.
pub fn check(release: &Release, target: State, context: &Context) -> GateReport {
    check_with(release, target, context, None)
}

/// [`check_with`] as the `check` operation and the CLI run it: the
/// release's version is checked first ([`crate::versions::check_release`]:
/// `invalid_input` at `version` when it is not of the policy's scheme or
/// not the bump its kind asks for), its warnings added to the report.
pub fn check_versioned(
    release: &Release,
    target: State,
    context: &Context,
    keys: Option<&Keyring>,
) -> Result<GateReport> {
    let warnings = crate::versions::check_release(release, context)?;
    let mut report = check_with(release, target, context, keys);
    report.warnings.extend(warnings);
    Ok(report)
}

/// [`check`] of a keyed log: the `record.log` requirement verifies the log
/// with the host's `keys` ([`crate::keys`]), so a rewritten log is unmet
/// without an expected head.
pub fn check_with(
    release: &Release,
    target: State,
    context: &Context,
    keys: Option<&Keyring>,
) -> GateReport {
    let policy = policy_of(context);
    let (verdict, record) = audit::verify_with_record(release, None, keys);
    let log = LogCheck::of_verdict(verdict, record).previewing_genesis(release);
    gates::evaluate(release, target, context, &policy, &log)
}

/// Applies a command: the new release, its audit event and notifications.
///
/// Errors: `forbidden` when the actor is not in the directory, lacks the
/// role the command needs or would break separation of duties;
/// `transition_denied` (with the full gate report) when the command is not
/// possible in the release's state or a gate is unmet (and for every
/// command but an adopting `import` on a legacy log, with `record.log`);
/// `log_tampered` when the release's audit log does not verify or the
/// document is not its projection (the path names the first difference;
/// an empty log past planning accepts only an adopting `import`);
/// `invalid_input` for a malformed command (e.g. an empty reason) and at
/// `version` for a version not of the policy's scheme or not the bump its
/// kind asks for over the previous release of the same service in the
/// context's schedule or history ([`crate::versions::check_release`]).
pub fn apply(release: &Release, command: &Command, context: &Context) -> Result<Applied> {
    apply_with(release, command, context, &ApplyOptions::default())
}

/// The options of [`apply_with`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ApplyOptions {
    /// The log head the caller read the release at (see [`audit::head`]):
    /// when given and the release's head is another, the command is
    /// refused with `conflict` — a compare-and-swap, so that of two writers
    /// who read the same release, the second learns it is stale instead of
    /// overwriting the first one's event.
    pub expected_head: Option<String>,
    /// The host's keys ([`crate::keys`]): the release's log is verified
    /// with them (a keyed log whose MACs do not verify, or an unkeyed log
    /// the keyring does not adopt, is `log_tampered`) and the new event is
    /// keyed with the keyring's signing key, which is then required.
    pub keys: Option<Keyring>,
}

impl ApplyOptions {
    /// Options expecting the log to end at `head`.
    pub fn expecting_head(head: impl Into<String>) -> Self {
        ApplyOptions {
            expected_head: Some(head.into()),
            keys: None,
        }
    }

    /// These options with the log keyed by `keys`.
    pub fn keyed(mut self, keys: Keyring) -> Self {
        self.keys = Some(keys);
        self
    }
}

/// [`apply`] with options: `expected_head` refuses the command with
/// `conflict` (naming the head expected and found) when the release's log
/// no longer ends there — compared before anything else; `keys` verifies
/// the log with the host's keyring and keys the new event (an error
/// `invalid_input` at `keys.signing_key` when the keyring cannot sign).
pub fn apply_with(
    release: &Release,
    command: &Command,
    context: &Context,
    options: &ApplyOptions,
) -> Result<Applied> {
    if let Some(expected) = &options.expected_head {
        let found = audit::head(release);
        if *expected != found {
            return Err(Error::Conflict {
                expected: expected.clone(),
                found,
            });
        }
    }
    let keys = options.keys.as_ref();
    if let Some(keys) = keys {
        if keys.signing_key().is_none() {
            return Err(Error::invalid_input(
                "keys.signing_key",
                "applying a command with a keyring needs a signing key: the new event must be keyed",
            ));
        }
    }
    // The release's version (docs/lifecycle.md, "Versions").
    let version_warnings = crate::versions::check_release(release, context)?;
    let mut applied = apply_verified(release, command, context, keys)?;
    applied.warnings.extend(version_warnings);
    if let Some(keys) = keys {
        let new = applied.events.len();
        let start = applied.release.log.len().saturating_sub(new);
        for (event, logged) in applied
            .events
            .iter_mut()
            .zip(applied.release.log.iter_mut().skip(start))
        {
            let auth = keys
                .authenticate(&event.hash)
                .ok_or_else(|| Error::internal("the keyring's signing key cannot sign"))?;
            event.auth = Some(auth.clone());
            logged.auth = Some(auth);
        }
    }
    Ok(applied)
}

/// [`apply`] after the log verified (with `keys`, when given).
fn apply_verified(
    release: &Release,
    command: &Command,
    context: &Context,
    keys: Option<&Keyring>,
) -> Result<Applied> {
    let (verdict, record) = audit::verify_with_record(release, None, keys);
    let adopting = matches!(command.action, Action::Import { adopt: true, .. });
    if let Some(tamper) = verdict.tamper {
        // An adopting import is how a release with no log past planning
        // enters the record; every other broken record is refused.
        if !(adopting && tamper.kind == TamperKind::EmptyLog) {
            return Err(Error::LogTampered {
                path: tamper.path,
                message: format!(
                    "the release's audit log does not verify: {}",
                    tamper.message
                ),
            });
        }
    }
    if record.legacy() && !adopting {
        let log = LogCheck::of_verdict(
            LogVerdict {
                valid: true,
                events: record.events,
                head: audit::head(release),
                tamper: None,
                events_after_expected_head: None,
                differences: Vec::new(),
                warnings: Vec::new(),
            },
            record,
        );
        let mut report =
            gates::evaluate(release, release.state, context, &policy_of(context), &log);
        report.requirements.retain(|r| r.rule == "record.log");
        report.allowed = false;
        return Err(report.into_denial());
    }
    let policy = policy_of(context);
    command::apply(release, command, context, &policy, &record)
}

/// What the gates know of the release's log: its replay, and whether the
/// document is the replay's projection.
pub(crate) struct LogCheck {
    /// The replay.
    pub record: Record,
    /// The first problem with the log or the document, if any.
    pub tamper: Option<Tamper>,
    /// Every difference between document and replay.
    pub differences: Vec<crate::record::Difference>,
    /// In `apply`: the command's `at`, the time time-bound rules judge at
    /// (the emergency path's retrospective approval).
    pub applying_at: Option<crate::Timestamp>,
}

impl LogCheck {
    fn of_verdict(verdict: LogVerdict, record: Record) -> LogCheck {
        // A legacy log's facts are not sealed: no gate counts them.
        let record = if record.legacy() {
            Record {
                events: record.events,
                approval_round: record.approval_round,
                ..Record::default()
            }
        } else {
            record
        };
        LogCheck {
            record,
            tamper: verdict.tamper,
            differences: verdict.differences,
            applying_at: None,
        }
    }

    /// For a release in planning with an empty log: the test runs it
    /// carries are the ones its first event will seal, so a readiness
    /// preview counts them as the record will.
    fn previewing_genesis(mut self, release: &Release) -> LogCheck {
        if release.log.is_empty() && release.state == State::Planning && self.tamper.is_none() {
            self.record.tests = release.tests.clone();
            self.record.test_seqs = vec![0; release.tests.len()];
        }
        self
    }

    /// A release `apply` just wrote with its new event, whose replay was
    /// checked to match it.
    pub(crate) fn of_applied(record: Record) -> LogCheck {
        LogCheck {
            record,
            tamper: None,
            differences: Vec::new(),
            applying_at: None,
        }
    }
}
