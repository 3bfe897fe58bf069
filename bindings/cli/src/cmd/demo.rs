//! `relman demo`: the whole lifecycle of the bundled major release, step by
//! step, with the gates, separation of duties, notifications and the audit
//! log explained along the way.

use chrono::TimeDelta;
use relman::{
    Action, Applied, Command, Context, ErrorBody, ErrorCode, GateReport,
    Outcome as DeploymentOutcome, Release, Role, State, TestKind, TestRun, Timestamp,
};
use serde::Serialize;
use serde_json::{json, Value};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render::{self, plural, snake};

// The samples are examples/data's, through the symlinks in
// bindings/cli/samples/ (inside the package, so the published crate builds).

/// The bundled sample release (a major release in planning).
const RELEASE_JSON: &str = include_str!("../../samples/release-major.json");
/// The bundled sample context (the actor directory and `now`).
const CONTEXT_JSON: &str = include_str!("../../samples/context.json");
/// The bundled change calendar (blackouts, maintenance windows).
const CALENDAR_JSON: &str = include_str!("../../samples/calendar.json");
/// The bundled forward schedule (the conflicts are checked in it).
const SCHEDULE_JSON: &str = include_str!("../../samples/schedule.json");
/// The bundled CMDB (the risk's blast radius and CI criticality).
const CMDB_JSON: &str = include_str!("../../samples/cmdb.json");

const AFTER_HELP: &str = "\
Takes the bundled sample major release (examples/data/release-major.json)
through the whole lifecycle with the bundled directory
(examples/data/context.json), calendar, schedule and CMDB (what readiness
needs: examples/data/calendar.json, schedule.json, cmdb.json) and the
default policy: a denied gate and its
fix, tests, the approval round with a refused self-approval and the quorum,
deployment, review, closure, and the verified audit log. Reads no file and
no clock (times start at the sample context's `now`); ignores --policy,
--context and --now.

Output: a readable report (also with --format table), or with --format json
a JSON array of the steps {step, title, command?, outcome, state, lines[],
result}. Exit status: 0 when every step went as expected, 2 (with the error
on stderr) when one did not.";

/// Arguments of `relman demo`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {}

/// One step of the demo.
#[derive(Debug, Serialize)]
struct Step {
    /// 1-based position.
    step: usize,
    /// What the step shows.
    title: String,
    /// The lifecycle command issued, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<Command>,
    /// `info`, `applied`, `denied`, `forbidden`, `allowed` or `verified`.
    outcome: &'static str,
    /// The release's state after the step.
    state: State,
    /// The readable report of the step.
    lines: Vec<String>,
    /// The data behind the step (release, applied result, error, report,
    /// log verdict).
    result: Value,
}

/// The demo's running state: the release as it moves, the context, the
/// clock and the steps so far.
struct Demo {
    release: Release,
    context: Context,
    clock: Timestamp,
    steps: Vec<Step>,
}

/// Runs `relman demo`.
pub fn run(_args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let mut demo = Demo::new()?;
    let result = demo.script();
    // Readable text unless JSON is asked for explicitly.
    match globals.format_arg().unwrap_or(Format::Table) {
        Format::Json => {
            result?;
            output::print_json(&demo.steps)?;
        }
        Format::Table => {
            // The steps that ran are worth seeing even when one failed.
            output::print(&demo.text())?;
            result?;
        }
    }
    Ok(Outcome::Ok)
}

/// An error of a step that should have worked, naming the step.
fn unexpected(step: usize, title: &str, err: impl Into<Failure>) -> Failure {
    err.into()
        .prefixed(&format!("demo step {step} ({title}) failed unexpectedly: "))
}

fn broken(message: impl Into<String>) -> Failure {
    Failure::internal(format!("demo: {}", message.into()))
}

/// `cab`, `product owner`, … for prose.
fn role_text(role: Role) -> String {
    snake(&role).replace('_', " ")
}

/// `CAB`, `Product owner`, … for titles.
fn role_title(role: Role) -> String {
    match role {
        Role::Cab => "CAB".to_string(),
        Role::Ecab => "ECAB".to_string(),
        other => {
            let text = role_text(other);
            let mut chars = text.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// The body of a step, under its numbered title.
fn indent(lines: &[String]) -> Vec<String> {
    lines.iter().map(|l| format!("    {l}")).collect()
}

/// `advance by anna.jansen at …`, with the command's parameters.
fn command_line(command: &Command) -> String {
    let params = match &command.action {
        Action::SendBack { to, reason } => format!(" (to {}, reason: {reason})", to.as_str()),
        Action::RecordTests { tests } => {
            let kinds: Vec<String> = tests.iter().map(|t| snake(&t.kind)).collect();
            format!(" ({})", kinds.join(", "))
        }
        Action::Approve {
            role,
            override_blackout,
            ..
        } => {
            let over = if *override_blackout {
                ", blackout override"
            } else {
                ""
            };
            format!(" (as {}{over})", snake(role))
        }
        Action::Reject { role, .. } => format!(" (as {})", snake(role)),
        Action::CompleteDeployment {
            outcome: Some(outcome),
            ..
        } => format!(" (outcome {})", snake(outcome)),
        Action::Cancel { reason } => format!(" (reason: {reason})"),
        _ => String::new(),
    };
    format!(
        "command: {}{params} by {} at {}",
        command.action.name(),
        command.actor,
        command.at
    )
}

impl Demo {
    fn new() -> Result<Self, Failure> {
        let release = relman::parse::<Release>(RELEASE_JSON)
            .map_err(|e| Failure::from(e).prefixed("demo: the bundled release: "))?
            .document;
        let mut context = relman::parse::<Context>(CONTEXT_JSON)
            .map_err(|e| Failure::from(e).prefixed("demo: the bundled context: "))?
            .document;
        // Readiness fails closed: a major release needs the calendar and
        // the schedule, an assessed risk the CMDB (docs/lifecycle.md,
        // "Readiness"). The bundled parts complete the bundled context.
        context.calendar = Some(
            relman::parse(CALENDAR_JSON)
                .map_err(|e| Failure::from(e).prefixed("demo: the bundled calendar: "))?
                .document,
        );
        context.schedule = Some(
            relman::parse(SCHEDULE_JSON)
                .map_err(|e| Failure::from(e).prefixed("demo: the bundled schedule: "))?
                .document,
        );
        context.cmdb = Some(
            relman::parse(CMDB_JSON)
                .map_err(|e| Failure::from(e).prefixed("demo: the bundled CMDB: "))?
                .document,
        );
        let clock = context
            .now
            .clone()
            .ok_or_else(|| broken("the bundled context has no `now`"))?;
        Ok(Demo {
            release,
            context,
            clock,
            steps: Vec::new(),
        })
    }

    /// Moves the clock `minutes` on and returns the new time.
    fn later(&mut self, minutes: i64) -> Result<Timestamp, Failure> {
        let next = self
            .clock
            .datetime()
            .checked_add_signed(TimeDelta::minutes(minutes))
            .ok_or_else(|| broken("the clock ran out of range"))?;
        self.clock = Timestamp::from_datetime(next);
        Ok(self.clock.clone())
    }

    /// The next step number.
    fn next_step(&self) -> usize {
        self.steps.len() + 1
    }

    fn push(
        &mut self,
        title: &str,
        command: Option<Command>,
        outcome: &'static str,
        lines: Vec<String>,
        result: Value,
    ) {
        self.steps.push(Step {
            step: self.next_step(),
            title: title.to_string(),
            command,
            outcome,
            state: self.release.state,
            lines,
            result,
        });
    }

    fn holds(&self, id: &str, role: Role) -> bool {
        self.context
            .actors
            .iter()
            .any(|a| a.id == id && a.roles.contains(&role))
    }

    /// The first actor of the directory holding `role` and not in `avoid`.
    fn pick(&self, role: Role, avoid: &[&str]) -> Result<String, Failure> {
        self.context
            .actors
            .iter()
            .find(|a| a.roles.contains(&role) && !avoid.contains(&a.id.as_str()))
            .map(|a| a.id.clone())
            .ok_or_else(|| {
                broken(format!(
                    "the bundled directory has no {} to pick",
                    role_text(role)
                ))
            })
    }

    /// The owner, the implementers and the team: nobody who should vote.
    fn interested(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.release.owner.iter().cloned().collect();
        ids.extend(
            self.release
                .changes
                .iter()
                .filter_map(|c| c.implementer.clone()),
        );
        ids.extend(self.release.team.iter().cloned());
        ids
    }

    fn command(&mut self, actor: &str, minutes: i64, action: Action) -> Result<Command, Failure> {
        Ok(Command {
            actor: actor.to_string(),
            at: self.later(minutes)?,
            action,
        })
    }

    /// Applies a command that must succeed, records the step and moves the
    /// release on.
    fn apply(
        &mut self,
        title: &str,
        command: Command,
        note: &[String],
    ) -> Result<Applied, Failure> {
        let step = self.next_step();
        let applied = relman::apply(&self.release, &command, &self.context)
            .map_err(|e| unexpected(step, title, e))?;
        let mut lines = note.to_vec();
        lines.push(command_line(&command));
        let event = applied
            .events
            .last()
            .ok_or_else(|| broken("apply returned no event"))?;
        let moved = if event.from == event.to {
            format!("stays in {}", event.to.as_str())
        } else {
            format!("{} → {}", event.from.as_str(), event.to.as_str())
        };
        lines.push(format!(
            "outcome: applied: {moved}; audit event #{} {}…",
            event.seq,
            render::short_hash(&event.hash)
        ));
        lines.extend(render::notification_lines(&applied.notifications));
        lines.extend(applied.warnings.iter().map(render::warning_line));
        let result = json!({
            "events": applied.events,
            "notifications": applied.notifications,
            "report": applied.report,
            "warnings": applied.warnings,
        });
        self.release = applied.release.clone();
        self.push(title, Some(command), "applied", lines, result);
        Ok(applied)
    }

    /// Applies a command that must be refused with `code` on `release` (the
    /// demo's release or a copy), records the step and returns the error.
    fn refuse(
        &mut self,
        title: &str,
        release: &Release,
        command: Command,
        code: ErrorCode,
        note: &[String],
    ) -> Result<ErrorBody, Failure> {
        let step = self.next_step();
        let body = match relman::apply(release, &command, &self.context) {
            Ok(_) => {
                return Err(broken(format!(
                    "step {step} ({title}): the command was applied but should have been refused"
                )))
            }
            Err(e) if e.code() == code => e.to_body(),
            Err(e) => return Err(unexpected(step, title, e)),
        };
        let mut lines = note.to_vec();
        lines.push(command_line(&command));
        lines.push(format!(
            "outcome: REFUSED ({}): {}",
            body.code, body.message
        ));
        lines.extend(output::error_lines(&body).into_iter().skip(1));
        if let (ErrorCode::LogTampered, Some(path)) = (code, body.path.as_deref()) {
            lines.push(format!("first difference at: {path}"));
        }
        lines.push("nothing changed: a refused command never touches the release".to_string());
        let outcome = if code == ErrorCode::Forbidden {
            "forbidden"
        } else {
            "denied"
        };
        let result = serde_json::to_value(&body)
            .map_err(|e| broken(format!("cannot serialise an error: {e}")))?;
        self.push(title, Some(command), outcome, lines, result);
        Ok(body)
    }

    /// The whole script.
    fn script(&mut self) -> Result<(), Failure> {
        let owner = self
            .release
            .owner
            .clone()
            .ok_or_else(|| broken("the bundled release has no owner"))?;
        let manager = if self.holds(&owner, Role::ReleaseManager) {
            owner.clone()
        } else {
            self.pick(Role::ReleaseManager, &[])?
        };

        self.show_release();

        // (b) A gate that says no, and the fix.
        let mut copy = self.release.clone();
        copy.scope = None;
        copy.planned_start = None;
        copy.planned_end = None;
        if let Some(c) = copy.communication.as_mut() {
            c.plan = None;
        }
        let title =
            "A gate says no: advance from planning without scope, communication plan and window";
        let command = self.command(&manager, 5, Action::Advance)?;
        let note = [
            "on a copy of the release with its scope, communication plan and planned window cleared"
                .to_string(),
        ];
        let body = self.refuse(title, &copy, command, ErrorCode::TransitionDenied, &note)?;
        if body.violations.len() < 3 {
            return Err(broken(format!(
                "the denied advance lists {} unmet rules, expected at least 3",
                body.violations.len()
            )));
        }

        let command = self.command(&manager, 10, Action::Advance)?;
        let note = [
            "the fix: scope, communication plan and window restored (the sample as written)"
                .to_string(),
        ];
        self.apply("The fix: advance to development", command, &note)?;

        // (c) Development, testing, tests, approval.
        let command = self.command(&manager, 30, Action::Advance)?;
        self.apply("Advance to testing", command, &[])?;

        let implementers: Vec<String> = self
            .release
            .changes
            .iter()
            .filter_map(|c| c.implementer.clone())
            .collect();
        let avoid: Vec<&str> = implementers.iter().map(String::as_str).collect();
        let qa = self.pick(Role::Qa, &avoid)?;
        let tests = demo_tests(&qa);
        let command = self.command(&qa, 60, Action::RecordTests { tests })?;
        let note = [format!(
            "all five kinds, every run passing; UAT signed off by {qa} (qa)"
        )];
        self.apply("Record the test evidence", command, &note)?;

        let command = self.command(&manager, 15, Action::Advance)?;
        self.apply(
            "Advance to approval: the approvers are notified",
            command,
            &[],
        )?;

        // (d) Approvals: the owner is refused, a forged quorum is refused,
        // then the real quorum.
        self.owner_tries_to_approve(&owner)?;
        let interested = self.interested();
        let mut avoid: Vec<&str> = interested.iter().map(String::as_str).collect();
        let first = self.pick(Role::Cab, &avoid)?;
        avoid.push(&first);
        let second = self.pick(Role::Cab, &avoid)?;
        avoid.push(&second);
        let product_owner = self.pick(Role::ProductOwner, &avoid)?;
        self.forged_quorum(
            &manager,
            &[
                (first.as_str(), Role::Cab),
                (second.as_str(), Role::Cab),
                (product_owner.as_str(), Role::ProductOwner),
            ],
        )?;
        for (who, role, comment) in [
            (
                &first,
                Role::Cab,
                "Rollback rehearsed on staging; fine by operations.",
            ),
            (&second, Role::Cab, "Security review passed."),
            (
                &product_owner,
                Role::ProductOwner,
                "Business sign-off for the Christmas season.",
            ),
        ] {
            let command = self.command(
                who,
                20,
                Action::Approve {
                    role,
                    comment: Some(comment.to_string()),
                    override_blackout: false,
                    group: None,
                    on_behalf_of: None,
                },
            )?;
            let title = format!("{} approval: {who}", role_title(role));
            self.apply(&title, command, &[])?;
        }
        self.readiness()?;

        // (e) Deployment, review, closure.
        let window_start = self.release.planned_start.clone();
        let minutes = match &window_start {
            Some(start) if *start > self.clock => {
                (start.datetime() - self.clock.datetime()).num_minutes()
            }
            _ => 30,
        };
        let command = self.command(&manager, minutes, Action::StartDeployment)?;
        let note = ["at the start of the planned window".to_string()];
        self.apply("Start the deployment", command, &note)?;

        let team = self.release.team.clone();
        let deployer = match team.iter().find(|id| self.holds(id, Role::ReleaseTeam)) {
            Some(id) => id.clone(),
            None => self.pick(Role::ReleaseTeam, &[])?,
        };
        let command = self.command(
            &deployer,
            150,
            Action::CompleteDeployment {
                outcome: Some(DeploymentOutcome::Success),
                rollout: None,
            },
        )?;
        self.apply("Complete the deployment: success", command, &[])?;

        let command = self.command(
            &manager,
            3 * 24 * 60,
            Action::CompleteReview {
                summary: Some(
                    "Canary and full rollout went as planned; conversion up in the first days."
                        .to_string(),
                ),
                lessons: vec![
                    "Rehearsing the rollback on staging made the CAB decision quick.".to_string(),
                ],
                incidents: Vec::new(),
            },
        )?;
        let note = review_note(&command);
        self.apply("Complete the post-implementation review", command, &note)?;

        let command = self.command(&manager, 30, Action::Close)?;
        let note = [format!(
            "knowledge articles linked: {}",
            self.release.knowledge_articles.join(", ")
        )];
        self.apply("Close the release", command, &note)?;

        // (f) The audit log.
        self.verify()
    }

    /// Step (a): the release as the sample has it.
    fn show_release(&mut self) {
        let r = &self.release;
        let mut lines = vec![format!(
            "{}  {}{}",
            r.id,
            r.title,
            r.version
                .as_deref()
                .map(|v| format!("  (version {v})"))
                .unwrap_or_default()
        )];
        lines.push(format!("kind:    {}", snake(&r.kind)));
        lines.push(format!("state:   {}", r.state.as_str()));
        lines.push(format!(
            "owner:   {}",
            r.owner.as_deref().unwrap_or("(none)")
        ));
        if !r.team.is_empty() {
            lines.push(format!("team:    {}", r.team.join(", ")));
        }
        match (&r.planned_start, &r.planned_end) {
            (Some(s), Some(e)) => lines.push(format!("window:  {s} to {e}")),
            _ => lines.push("window:  (not planned)".to_string()),
        }
        lines.push(format!("changes: {}", r.changes.len()));
        for c in &r.changes {
            let who = c
                .implementer
                .as_deref()
                .map(|i| format!("  [{i}]"))
                .unwrap_or_default();
            lines.push(format!(
                "  {}  {:<8}  {}{who}",
                c.id,
                snake(&c.kind),
                c.summary
            ));
        }
        lines.push(format!(
            "directory: {} actors; policy: the defaults; the clock starts at {}",
            self.context.actors.len(),
            self.clock
        ));
        let result = serde_json::to_value(r).unwrap_or(Value::Null);
        self.push("The release", None, "info", lines, result);
    }

    /// Step (d), first part: the owner tries to approve their own release.
    fn owner_tries_to_approve(&mut self, owner: &str) -> Result<(), Failure> {
        let gates = self.policy().lifecycle.gates(self.release.kind);
        let voting: Vec<Role> = gates.quorum.iter().map(|q| q.role).collect();
        let mut note = Vec::new();
        let role = match voting.iter().find(|r| self.holds(owner, **r)) {
            Some(role) => *role,
            None => {
                // The sample's owner holds no voting role, so relman would
                // refuse the vote for the missing role before separation of
                // duties; give them a CAB seat, as many organisations do.
                let role = voting.first().copied().unwrap_or(Role::Cab);
                if let Some(actor) = self.context.actors.iter_mut().find(|a| a.id == owner) {
                    actor.roles.push(role);
                }
                note.push(format!(
                    "here {owner} also holds the {} role (the demo adds it to the directory: \
                     release managers often sit on the CAB)",
                    snake(&role)
                ));
                role
            }
        };
        note.push(format!(
            "{owner} owns {} and tries to approve it as {}",
            self.release.id,
            snake(&role)
        ));
        let command = self.command(
            owner,
            10,
            Action::Approve {
                role,
                comment: Some("Looks good to me.".to_string()),
                override_blackout: false,
                group: None,
                on_behalf_of: None,
            },
        )?;
        let release = self.release.clone();
        let title = "The owner tries to approve: separation of duties";
        self.refuse(title, &release, command, ErrorCode::Forbidden, &note)?;
        Ok(())
    }

    /// Step (d), second part: a quorum written straight into `approvals[]`
    /// (no approve command) does not open the gate: the log is the record.
    fn forged_quorum(&mut self, manager: &str, votes: &[(&str, Role)]) -> Result<(), Failure> {
        let mut forged = self.release.clone();
        for (who, role) in votes {
            forged.approvals.push(relman::Approval {
                approver: (*who).to_string(),
                role: *role,
                decision: relman::Decision::Approved,
                at: self.clock.clone(),
                comment: None,
                round: Some(1),
                fingerprint: None,
                override_blackout: false,
                group: None,
                retrospective: false,
                source: None,
                on_behalf_of: None,
                extra: Default::default(),
            });
        }
        let names: Vec<&str> = votes.iter().map(|(who, _)| *who).collect();
        let note = [format!(
            "on a copy whose approvals[] lists votes by {} that nobody cast through approve",
            names.join(", ")
        )];
        let command = self.command(manager, 5, Action::StartDeployment)?;
        let title = "A forged quorum: votes written into the document, not the log";
        let body = self.refuse(title, &forged, command, ErrorCode::LogTampered, &note)?;
        if body.path.as_deref() != Some("approvals[0]") {
            return Err(broken(format!(
                "the forged vote was reported at {:?}, expected approvals[0]",
                body.path
            )));
        }
        Ok(())
    }

    fn policy(&self) -> relman::Policy {
        self.context.policy.clone().unwrap_or_default()
    }

    /// Step (d), last part: `check --to deployment`, the go/no-go verdict.
    fn readiness(&mut self) -> Result<(), Failure> {
        let title = "Readiness: check --to deployment";
        let report = relman::check(&self.release, State::Deployment, &self.context);
        if !report.allowed {
            let unmet: Vec<String> = report
                .unmet()
                .map(|r| format!("{}: {}", r.rule, r.message))
                .collect();
            return Err(broken(format!(
                "{title}: the release is not ready: {}",
                unmet.join("; ")
            )));
        }
        let mut lines = vec![format!(
            "the go/no-go verdict for {} (a dry run: nothing changes)",
            report.release_id
        )];
        lines.extend(quorum_lines(&report));
        lines.extend(render::gate_report_lines(&report));
        let result = serde_json::to_value(&report)
            .map_err(|e| broken(format!("cannot serialise the report: {e}")))?;
        self.push(title, None, "allowed", lines, result);
        Ok(())
    }

    /// Step (f): verify the log and list every event.
    fn verify(&mut self) -> Result<(), Failure> {
        let title = "Verify the audit log";
        let verdict = relman::verify_log(&self.release, None);
        if let Some(tamper) = &verdict.tamper {
            return Err(broken(format!(
                "{title}: the log does not verify: {}",
                tamper.message
            )));
        }
        let n = self.release.log.len();
        let mut lines = vec![format!(
            "{n} event{}, each hash chained to the one before (SHA-256 over canonical JSON):",
            plural(n)
        )];
        lines.extend(
            self.release
                .log
                .iter()
                .map(|e| format!("  {}", render::event_line(e))),
        );
        lines.push(format!("head: {}", verdict.head));
        lines.push(render::log_verdict_line(&self.release.id, &verdict));
        lines.push(format!(
            "{} is {}; the refused commands left no trace in the log",
            self.release.id,
            self.release.state.as_str()
        ));
        let result = json!({"verdict": verdict, "release": self.release});
        self.push(title, None, "verified", lines, result);
        Ok(())
    }

    /// The readable report.
    fn text(&self) -> String {
        let mut out = vec![
            "relman demo: a major release through the whole lifecycle".to_string(),
            "(sample data: examples/data/release-major.json, examples/data/context.json, \
             calendar.json, schedule.json, cmdb.json)"
                .to_string(),
        ];
        for step in &self.steps {
            out.push(String::new());
            out.push(format!("{:>2}. {}", step.step, step.title));
            out.extend(indent(&step.lines));
        }
        if let Some(last) = self.steps.last() {
            if last.outcome == "verified" {
                out.push(String::new());
                out.push(format!(
                    "Done: {} is {} after {} commands.",
                    self.release.id,
                    self.release.state.as_str(),
                    self.release.log.len()
                ));
            }
        }
        out.join("\n")
    }
}

/// The summary and lessons of a `complete_review` command, for the report.
fn review_note(command: &Command) -> Vec<String> {
    let Action::CompleteReview {
        summary, lessons, ..
    } = &command.action
    else {
        return Vec::new();
    };
    let mut lines: Vec<String> = summary.iter().map(|s| format!("summary: {s}")).collect();
    lines.extend(lessons.iter().map(|l| format!("lesson: {l}")));
    lines
}

/// The test runs the demo records: all five kinds, passing, UAT signed off.
fn demo_tests(qa: &str) -> Vec<TestRun> {
    let run = |kind: TestKind, passed: u64, skipped: u64| TestRun {
        kind,
        passed,
        failed: 0,
        skipped,
        signed_off_by: (kind == TestKind::Uat).then(|| qa.to_string()),
        at: None,
        source: None,
        extra: Default::default(),
    };
    vec![
        run(TestKind::Unit, 2318, 12),
        run(TestKind::Integration, 421, 3),
        run(TestKind::Performance, 24, 0),
        run(TestKind::Security, 57, 0),
        run(TestKind::Uat, 63, 1),
    ]
}

/// `quorum: cab 2 of 2 (a, b); product_owner 1 of 1 (c)` from the data of
/// the `approval.quorum` requirement.
fn quorum_lines(report: &GateReport) -> Vec<String> {
    let Some(quorum) = report
        .requirements
        .iter()
        .find(|r| r.rule == "approval.quorum")
    else {
        return Vec::new();
    };
    let rules = quorum
        .data
        .get("rules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let parts: Vec<String> = rules
        .iter()
        .map(|rule| {
            let role = rule.get("role").and_then(Value::as_str).unwrap_or("?");
            let approvers: Vec<&str> = rule
                .get("approvers")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let needed = rule
                .get("needed")
                .and_then(Value::as_u64)
                .map_or_else(|| "?".to_string(), |n| n.to_string());
            format!(
                "{role} {} of {needed} ({})",
                approvers.len(),
                approvers.join(", ")
            )
        })
        .collect();
    if parts.is_empty() {
        return Vec::new();
    }
    vec![format!("quorum: {}", parts.join("; "))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_runs_to_closed() {
        let mut demo = Demo::new().unwrap();
        demo.script().unwrap();
        assert_eq!(demo.release.state, State::Closed);
        let text = demo.text();
        assert!(text.contains("sod.owner_approval"), "{text}");
        assert!(text.contains("REFUSED (log_tampered)"), "{text}");
        assert!(text.contains("approvals[0]"), "{text}");
        assert!(text.contains("log verified"), "{text}");
    }
}
