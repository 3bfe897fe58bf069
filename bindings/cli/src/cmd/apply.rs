//! `relman apply RELEASE COMMAND`: applies a lifecycle command and prints
//! the new release, its audit event and the notifications to send.

use std::path::PathBuf;

use relman::{
    Action, Command, ErrorCode, Outcome as DeploymentOutcome, Release, Role, State, Timestamp,
};
use serde_json::{json, Map, Value};

use crate::cmd::Outcome;
use crate::io::{self, Format, Globals};
use crate::output::{self, Failure};
use crate::render;
use crate::write::{self, FileLock};

const AFTER_HELP: &str = "\
The command is a JSON document (see `relman schema command`), e.g.
  {\"command\": \"approve\", \"actor\": \"carol\", \"at\": \"2026-03-01T10:00:00Z\", \"role\": \"cab\"}
or, instead of a file, built from flags:
  relman apply r.json --command approve --actor carol --role cab --now 2026-03-01T10:00:00Z
--at defaults to the global --now (else `now` in --context, else the
system clock, named on stderr). Flags by command:
  advance, start_deployment, close   (none)
  send_back            --reason TEXT [--to development]
  approve              --role ROLE [--comment TEXT] [--override-blackout] [--group GROUP]
  reject               --role ROLE [--comment TEXT] [--group GROUP]
  complete_deployment  --outcome success|success_with_issues|failed|rolled_back
  roll_back            [--reason TEXT]
  complete_review      [--summary TEXT] [--lesson TEXT]...
  cancel               --reason TEXT
  record_tests         --tests LIST
  amend                --reason TEXT --set AMENDMENT
  import               --source TEXT [--records ID,...] [--adopt]
                       [--approvals LIST] [--tests LIST]
  override             --rule RULE --justification TEXT   (ECAB)
AMENDMENT is the `set` object of an amend (the new values of sealed fields:
kind, owner, team, scope, objectives, changes, affected_cis, planned_start,
planned_end, services, environments, depends_on, deployment, rollback_plan,
communication, risk, knowledge_articles); LIST is a JSON list of votes
(--approvals) or test runs (--tests). Each is a JSON file, `-` for stdin, or
the JSON text itself when it starts with `{` or `[`, e.g.
  relman apply r.json --command amend --actor rita --reason \"window moved\" \\
    --set '{\"planned_start\": \"2026-03-11T22:00:00Z\", \"planned_end\": \"2026-03-11T23:00:00Z\"}'
  relman apply r.json --command import --actor rita --source servicenow:acme \\
    --records RLSE0012345 --adopt
The actors and their roles come from --context (`actors`); the policy from
--policy, else the context's, else the defaults. With the global --keys
FILE (or the environment variable RELMAN_KEYS) the log is verified as a
keyed chain and the new event keyed with the keyring's signing_key.

Output: the applied result {release, events[], notifications[], report,
warnings[]} on stdout; --out FILE also writes the new release alone to
FILE (replacing it; FILE may be the RELEASE file itself), so that a script
can chain apply calls. Nothing is written on a denial. With --format
table: the move, the new event (seq and hash), the notifications and their
recipients.

--out FILE is written safely: through a new temporary file beside FILE
(unpredictable name, created exclusively), flushed to disk and renamed over
FILE, so FILE is either as it was or complete; FILE must be a regular file
or not exist (a symlink is refused). Writers of one FILE take turns on the
lock file .FILE.relman-lock beside it (left in place), taken before RELEASE
is read. When FILE exists and its log does not end where RELEASE's log
does (FILE moved on since RELEASE was read, or holds another release), the
command is refused with `conflict` (expected: RELEASE's log head, found:
FILE's) and nothing is written: read FILE again and retry. An empty FILE
counts as absent; a FILE that is not a release is not replaced
(invalid_input). --expected-head HASH refuses with `conflict` unless
RELEASE's log ends at HASH (the `head` of `relman verify-log`; the chain
seed for an empty log).

Exit status:
  0  applied
  1  negative verdict: transition_denied (with every unmet rule in
     `violations` and the gate report), forbidden (with the `rule`: a
     missing role, separation of duties, a look-alike actor id) or
     log_tampered (the release's audit log does not verify, or the document
     is not what its log yields: `path` names the first difference, e.g.
     `approvals[2]`; or, with --keys, a MAC or signature that does not
     verify); the error is written to stderr
  2  error: invalid release or command, bad flags, --set, --approvals,
     --tests, --policy, --context, --now; conflict (another writer got
     there first: the error names the `expected` and `found` log heads;
     retry on a fresh read); --out could not be written: storage_full
     (disk or quota full), permission_denied, invalid_input (a symlink or
     not a regular file); FILE is then unchanged. A file longer than
     256 MiB is limit_exceeded.";

/// The command names, as in `{"command": …}`.
const COMMANDS: &[&str] = &relman::Action::NAMES;

/// Arguments of `relman apply`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The release (JSON; `-` reads stdin).
    #[arg(value_name = "RELEASE")]
    pub release: String,
    /// The command (JSON; `-` reads stdin). Or give --command and its flags.
    #[arg(
        value_name = "COMMAND",
        required_unless_present = "command",
        conflicts_with = "command"
    )]
    pub command_file: Option<String>,
    /// Build the command from flags: advance, send_back, record_tests,
    /// approve, reject, start_deployment, complete_deployment, roll_back,
    /// complete_review, close, cancel, amend, import, delegate,
    /// revoke_delegation or override.
    #[arg(long, value_name = "NAME", value_parser = parse_command_name, requires = "actor")]
    pub command: Option<&'static str>,
    /// Who issues the command (an actor id of the --context directory).
    #[arg(long, value_name = "ID", requires = "command")]
    pub actor: Option<String>,
    /// When (RFC 3339 with an offset); default: the global --now, else the
    /// system clock.
    #[arg(long, value_name = "TIME", requires = "command", value_parser = Timestamp::parse)]
    pub at: Option<Timestamp>,
    /// approve/reject: the role the vote is cast in (cab, ecab,
    /// product_owner, business_stakeholder, …).
    #[arg(long, value_name = "ROLE", requires = "command", value_parser = io::parse_snake::<Role>)]
    pub role: Option<Role>,
    /// approve/reject: a comment.
    #[arg(long, value_name = "TEXT", requires = "command")]
    pub comment: Option<String>,
    /// approve (ECAB, emergency releases): let the release enter a blocking
    /// blackout.
    #[arg(long, requires = "command")]
    pub override_blackout: bool,
    /// approve/reject: the approver group the vote is cast for (approval
    /// routing; the actor must be a member).
    #[arg(long, value_name = "GROUP", requires = "command")]
    pub group: Option<String>,
    /// approve/reject: vote with the approval rights this actor delegated
    /// to --actor (see `delegate`).
    #[arg(long, value_name = "ID", requires = "command")]
    pub on_behalf_of: Option<String>,
    /// delegate, revoke_delegation: the delegate's actor id.
    #[arg(long, value_name = "ID", requires = "command")]
    pub delegate: Option<String>,
    /// delegate: when the delegation starts (default: --at).
    #[arg(long, value_name = "TIME", requires = "command", value_parser = Timestamp::parse)]
    pub from: Option<Timestamp>,
    /// delegate: when it ends (exclusive).
    #[arg(long, value_name = "TIME", requires = "command", value_parser = Timestamp::parse)]
    pub until: Option<Timestamp>,
    /// send_back, cancel, amend (required), roll_back: why.
    #[arg(long, value_name = "TEXT", requires = "command")]
    pub reason: Option<String>,
    /// send_back: the state to go back to (default and only choice:
    /// development).
    #[arg(long, value_name = "STATE", requires = "command", value_parser = io::parse_state)]
    pub to: Option<State>,
    /// complete_deployment: success, success_with_issues, failed or
    /// rolled_back.
    #[arg(
        long,
        value_name = "OUTCOME",
        requires = "command",
        value_parser = io::parse_snake::<DeploymentOutcome>
    )]
    pub outcome: Option<DeploymentOutcome>,
    /// complete_review: the review summary.
    #[arg(long, value_name = "TEXT", requires = "command")]
    pub summary: Option<String>,
    /// complete_review: a lesson learned (repeatable).
    #[arg(long = "lesson", value_name = "TEXT", requires = "command")]
    pub lessons: Vec<String>,
    /// complete_review: an incident the review links (repeatable).
    #[arg(long = "incident", value_name = "ID", requires = "command")]
    pub incidents: Vec<String>,
    /// amend: the new values of the sealed fields, a JSON object (a file,
    /// `-` for stdin, or the JSON text itself).
    #[arg(long, value_name = "FILE_OR_JSON", requires = "command")]
    pub set: Option<String>,
    /// import: the system the facts come from (e.g. servicenow:acme).
    #[arg(long, value_name = "TEXT", requires = "command")]
    pub source: Option<String>,
    /// import: the source's record ids (comma-separated or repeated).
    #[arg(
        long,
        value_name = "ID,...",
        value_delimiter = ',',
        requires = "command"
    )]
    pub records: Vec<String>,
    /// import: seal the release as it stands and vouch for its votes, runs,
    /// outcome and review (how a release past planning enters the record).
    #[arg(long, requires = "command")]
    pub adopt: bool,
    /// import (in approval): the votes cast in the source, a JSON list (a
    /// file, `-` for stdin, or the JSON text itself).
    #[arg(long, value_name = "FILE_OR_JSON", requires = "command")]
    pub approvals: Option<String>,
    /// record_tests, import: the test runs, a JSON list (a file, `-` for
    /// stdin, or the JSON text itself).
    #[arg(long, value_name = "FILE_OR_JSON", requires = "command")]
    pub tests: Option<String>,
    /// override (ECAB): the rule overridden (approval.maintenance_window,
    /// approval.blackout, deployment.window).
    #[arg(long, value_name = "RULE", requires = "command")]
    pub rule: Option<String>,
    /// override: why (required; recorded in the log).
    #[arg(long, value_name = "TEXT", requires = "command")]
    pub justification: Option<String>,
    /// Also write the new release (alone) to FILE, safely and under a lock;
    /// refused with `conflict` if FILE's log moved on since RELEASE was read.
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
    /// Refuse with `conflict` unless RELEASE's log ends at HASH (64 hex
    /// digits: the `head` of `relman verify-log`).
    #[arg(long, value_name = "HASH", value_parser = crate::cmd::verify_log::parse_hash)]
    pub expected_head: Option<String>,
}

/// Parses `--command`: a lifecycle command name (`-` and `_` are
/// interchangeable), as the command document spells it.
pub fn parse_command_name(text: &str) -> Result<&'static str, String> {
    let name = text.trim().replace('-', "_");
    COMMANDS
        .iter()
        .find(|c| **c == name)
        .copied()
        .ok_or_else(|| format!("unknown command `{text}`; one of: {}", COMMANDS.join(", ")))
}

/// Runs `relman apply`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    if args.out.as_deref() == Some("-") {
        return Err(Failure::invalid_input(
            "--out needs a file: the applied result already goes to stdout",
        ));
    }
    // Locked before RELEASE is read: when it is the --out file, no other
    // writer can move it on until the new release is written.
    let out = match &args.out {
        Some(path) => Some(Out::lock(path)?),
        None => None,
    };
    let release = globals.read_document::<Release>(&args.release)?;
    let (command, command_warnings) = match (&args.command_file, args.command) {
        (Some(path), _) => {
            let parsed = globals.read_document::<Command>(path)?;
            (parsed.document, parsed.warnings)
        }
        (None, Some(name)) => (from_flags(name, args, globals)?, Vec::new()),
        (None, None) => {
            return Err(Failure::invalid_input(
                "give the command as a COMMAND file or with --command NAME",
            ))
        }
    };
    let context = globals.context()?;
    let mut options = match &args.expected_head {
        Some(head) => relman::ApplyOptions::expecting_head(head.clone()),
        None => relman::ApplyOptions::default(),
    };
    if let Some(keys) = globals.keys()? {
        options = options.keyed(keys.clone());
    }
    match relman::apply_with(&release.document, &command, &context, &options) {
        Ok(mut applied) => {
            // The lock is released once the file is written.
            if let Some(out) = out {
                out.write(&release.document, &applied.release, globals.limits())?;
            }
            applied.warnings.extend(release.warnings);
            applied.warnings.extend(command_warnings);
            match globals.format() {
                Format::Json => output::print_json(&applied)?,
                Format::Table => output::print(&render::applied_lines(&applied).join("\n"))?,
            }
            Ok(Outcome::Ok)
        }
        Err(err) if is_negative_verdict(err.code()) => {
            output::report_failure(globals.format(), &Failure::from(err));
            Ok(Outcome::Negative)
        }
        Err(err) => Err(err.into()),
    }
}

/// The errors of `apply` that are a negative verdict (exit 1, README
/// "Exit status": denied … broken log) rather than input that cannot be
/// processed.
fn is_negative_verdict(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::TransitionDenied | ErrorCode::Forbidden | ErrorCode::LogTampered
    )
}

/// The command of `--command NAME` and its flags.
fn from_flags(name: &str, args: &Args, globals: &Globals) -> Result<Command, Failure> {
    let flags: [(&str, bool, &[&str]); 22] = [
        ("--role", args.role.is_some(), &["approve", "reject"]),
        (
            "--comment",
            args.comment.is_some(),
            &["approve", "reject", "delegate", "revoke_delegation"],
        ),
        (
            "--on-behalf-of",
            args.on_behalf_of.is_some(),
            &["approve", "reject"],
        ),
        (
            "--delegate",
            args.delegate.is_some(),
            &["delegate", "revoke_delegation"],
        ),
        ("--from", args.from.is_some(), &["delegate"]),
        ("--until", args.until.is_some(), &["delegate"]),
        ("--override-blackout", args.override_blackout, &["approve"]),
        ("--group", args.group.is_some(), &["approve", "reject"]),
        (
            "--reason",
            args.reason.is_some(),
            &["send_back", "roll_back", "cancel", "amend"],
        ),
        ("--to", args.to.is_some(), &["send_back"]),
        (
            "--outcome",
            args.outcome.is_some(),
            &["complete_deployment"],
        ),
        ("--summary", args.summary.is_some(), &["complete_review"]),
        ("--lesson", !args.lessons.is_empty(), &["complete_review"]),
        (
            "--incident",
            !args.incidents.is_empty(),
            &["complete_review"],
        ),
        ("--set", args.set.is_some(), &["amend"]),
        ("--source", args.source.is_some(), &["import"]),
        ("--records", !args.records.is_empty(), &["import"]),
        ("--adopt", args.adopt, &["import"]),
        ("--approvals", args.approvals.is_some(), &["import"]),
        ("--tests", args.tests.is_some(), &["record_tests", "import"]),
        ("--rule", args.rule.is_some(), &["override"]),
        (
            "--justification",
            args.justification.is_some(),
            &["override"],
        ),
    ];
    for (flag, given, applies_to) in flags {
        if given && !applies_to.contains(&name) {
            return Err(Failure::invalid_input(format!(
                "{flag} does not apply to {name} (only to {})",
                applies_to.join(", ")
            )));
        }
    }
    let needs = |flag: &str| Failure::invalid_input(format!("--command {name} needs {flag}"));
    // The parameters of the commands that take documents, as JSON; the
    // others are typed.
    let mut params = Map::new();
    let action = match name {
        "advance" => Some(Action::Advance),
        "send_back" => Some(Action::SendBack {
            to: args.to.unwrap_or(State::Development),
            reason: args.reason.clone().ok_or_else(|| needs("--reason"))?,
        }),
        "record_tests" => {
            let tests = args.tests.as_deref().ok_or_else(|| needs("--tests"))?;
            params.insert("tests".into(), json_arg(globals, "--tests", tests, true)?);
            None
        }
        "approve" => Some(Action::Approve {
            role: args.role.ok_or_else(|| needs("--role"))?,
            comment: args.comment.clone(),
            override_blackout: args.override_blackout,
            group: args.group.clone(),
            on_behalf_of: args.on_behalf_of.clone(),
        }),
        "reject" => Some(Action::Reject {
            role: args.role.ok_or_else(|| needs("--role"))?,
            comment: args.comment.clone(),
            group: args.group.clone(),
            on_behalf_of: args.on_behalf_of.clone(),
        }),
        "delegate" => Some(Action::Delegate {
            to: args.delegate.clone().ok_or_else(|| needs("--delegate"))?,
            from: args.from.clone(),
            until: args.until.clone().ok_or_else(|| needs("--until"))?,
            comment: args.comment.clone(),
        }),
        "revoke_delegation" => Some(Action::RevokeDelegation {
            to: args.delegate.clone().ok_or_else(|| needs("--delegate"))?,
            comment: args.comment.clone(),
        }),
        "start_deployment" => Some(Action::StartDeployment),
        "complete_deployment" => Some(Action::CompleteDeployment {
            outcome: Some(args.outcome.ok_or_else(|| needs("--outcome"))?),
            rollout: None,
        }),
        "roll_back" => Some(Action::RollBack {
            reason: args.reason.clone(),
        }),
        "complete_review" => Some(Action::CompleteReview {
            summary: args.summary.clone(),
            lessons: args.lessons.clone(),
            incidents: args.incidents.clone(),
        }),
        "close" => Some(Action::Close),
        "cancel" => Some(Action::Cancel {
            reason: args.reason.clone().ok_or_else(|| needs("--reason"))?,
        }),
        "amend" => {
            let reason = args.reason.clone().ok_or_else(|| needs("--reason"))?;
            let set = args.set.as_deref().ok_or_else(|| needs("--set"))?;
            params.insert("reason".into(), Value::String(reason));
            params.insert("set".into(), json_arg(globals, "--set", set, false)?);
            None
        }
        "import" => {
            let source = args.source.clone().ok_or_else(|| needs("--source"))?;
            params.insert("source".into(), Value::String(source));
            if !args.records.is_empty() {
                params.insert("records".into(), json!(args.records));
            }
            if let Some(approvals) = &args.approvals {
                params.insert(
                    "approvals".into(),
                    json_arg(globals, "--approvals", approvals, true)?,
                );
            }
            if let Some(tests) = &args.tests {
                params.insert("tests".into(), json_arg(globals, "--tests", tests, true)?);
            }
            if args.adopt {
                params.insert("adopt".into(), Value::Bool(true));
            }
            None
        }
        "override" => Some(Action::Override {
            rule: args.rule.clone().ok_or_else(|| needs("--rule"))?,
            justification: args
                .justification
                .clone()
                .ok_or_else(|| needs("--justification"))?,
        }),
        other => {
            return Err(Failure::internal(format!(
                "--command {other} is accepted but not handled"
            )))
        }
    };
    let actor = args.actor.clone().ok_or_else(|| needs("--actor"))?;
    let at = match &args.at {
        Some(at) => at.clone(),
        None => globals.now_or_clock()?.clone(),
    };
    let cannot =
        |e: serde_json::Error| Failure::internal(format!("cannot serialise the command: {e}"));
    let value = match action {
        Some(action) => serde_json::to_value(&Command { actor, at, action }).map_err(cannot)?,
        None => {
            let mut fields = Map::new();
            fields.insert("command".into(), Value::String(name.to_string()));
            fields.insert("actor".into(), Value::String(actor));
            fields.insert("at".into(), serde_json::to_value(&at).map_err(cannot)?);
            fields.extend(params);
            Value::Object(fields)
        }
    };
    // The same checks as a command document (e.g. a blank reason or actor,
    // a field an amendment cannot set).
    relman::from_value::<Command>(value)
        .map(|parsed| parsed.document)
        .map_err(|e| Failure::from(e).prefixed("the command built from the flags: "))
}

/// The JSON of a document flag (`--set`, `--approvals`, `--tests`): the
/// text itself when it starts with `{` or `[`, else a file (`-`: stdin).
/// `list`: the flag takes a JSON list, else an object.
fn json_arg(globals: &Globals, flag: &str, arg: &str, list: bool) -> Result<Value, Failure> {
    let inline = arg.trim_start().starts_with(['{', '[']);
    let (name, text) = if inline {
        (flag.to_string(), arg.to_string())
    } else {
        let input = globals
            .read(arg)
            .map_err(|f| f.prefixed(&format!("{flag}: ")))?;
        (format!("{flag} {}", input.name), input.text)
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        // The position is in `line` and `column`, not in the message.
        let what = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let what = what.strip_suffix(&suffix).unwrap_or(&what);
        Failure::from(relman::Error::InvalidInput {
            problems: vec![relman::Problem {
                path: flag.trim_start_matches('-').to_string(),
                message: format!("not JSON text ({name}): {what}"),
                line: Some(e.line()),
                column: Some(e.column().max(1)),
            }],
        })
    })?;
    let expected = if list {
        value.is_array()
    } else {
        value.is_object()
    };
    if !expected {
        return Err(Failure::invalid_input(format!(
            "{name}: expected a JSON {}",
            if list { "list" } else { "object" }
        )));
    }
    Ok(value)
}

/// The `--out` file, locked (see [`crate::write`]).
struct Out {
    path: PathBuf,
    _lock: FileLock,
}

impl Out {
    /// Checks that `path` may be replaced and takes its lock.
    fn lock(path: &str) -> Result<Out, Failure> {
        let prefix = "--out: ";
        let target = PathBuf::from(path);
        write::check_target(&target).map_err(|f| f.prefixed(prefix))?;
        let lock = FileLock::acquire(&target).map_err(|f| f.prefixed(prefix))?;
        Ok(Out {
            path: target,
            _lock: lock,
        })
    }

    /// Writes `release` (the result of applying a command to `input`) as
    /// pretty JSON, unless the file holds a release whose log does not end
    /// where `input`'s does (`conflict`): then nothing is written.
    fn write(
        &self,
        input: &Release,
        release: &Release,
        limits: &relman::limits::Limits,
    ) -> Result<(), Failure> {
        let shown = self.path.display();
        if write::check_target(&self.path)
            .map_err(|f| f.prefixed("--out: "))?
            .is_some()
        {
            let current = io::read_file(&self.path, limits.max_document_bytes)
                .map_err(|f| f.prefixed("--out: "))?;
            if !current.text.trim().is_empty() {
                let on_disk = relman::validate::parse_with_limits::<Release>(&current.text, limits)
                    .map_err(|e| {
                        Failure::from(e).prefixed(&format!(
                            "--out {shown} is not a release, so relman does not replace it: "
                        ))
                    })?;
                let expected = relman::audit::head(input);
                let found = relman::audit::head(&on_disk.document);
                if expected != found {
                    return Err(Failure::from(relman::Error::Conflict { expected, found })
                        .prefixed(&format!(
                            "--out {shown} changed since the release was read (another \
                             writer?); nothing written, read it again and retry: "
                        )));
                }
            }
        }
        let text = format!("{}\n", output::to_json(release)?);
        write::write_atomic(&mut write::RealFs, &self.path, text.as_bytes())
            .map_err(|f| f.prefixed("--out: "))
    }
}
