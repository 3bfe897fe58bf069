//! `relman unauthorized-changes HISTORY --schedule SCHEDULE`: production
//! deployments no approved release covers (docs/reports.md, "Unauthorized
//! changes").

use relman::unauthorized::UnauthorizedDeployment;
use relman::{History, Schedule, UnauthorizedReport};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Prints {unauthorized[], checked, warnings[]}: every production deployment of
the history with no release, an unknown release (neither in the schedule
nor in the history), a release never approved, outside its release's
planned window or on CIs the release did not declare, each with every
reason (rule, message, details), by finished_at then id; `checked` counts
the production deployments. Production is the policy's
kpi.production_environments: --policy if given, else the schedule's own
policy, else [\"production\"]. The history may also be given as --history.

With --format table: one line per reason, then the warnings and a verdict
line.

Exit status: 0 none unauthorized, 1 at least one unauthorized deployment
(the report is still printed), 2 bad input.";

/// Arguments of `relman unauthorized-changes`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The history whose deployments to check (JSON; `-` reads stdin).
    #[arg(value_name = "HISTORY", required_unless_present = "history_flag")]
    pub history: Option<String>,
    /// The history, as the generic operation form names it.
    #[arg(long = "history", value_name = "HISTORY", conflicts_with = "history")]
    pub history_flag: Option<String>,
    /// The schedule whose releases approve the deployments (JSON).
    #[arg(long, value_name = "SCHEDULE")]
    pub schedule: String,
}

/// Runs `relman unauthorized-changes`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let path = args
        .history
        .as_deref()
        .or(args.history_flag.as_deref())
        .unwrap_or("-");
    let history = globals.read_document::<History>(path)?;
    let schedule = globals.read_document::<Schedule>(&args.schedule)?;
    let policy = match globals.policy_file()? {
        Some(p) => p.clone(),
        None => schedule.document.policy.clone().unwrap_or_default(),
    };
    let mut report = relman::unauthorized_changes(
        &history.document,
        &schedule.document,
        &policy.kpi.production_environments,
    )?;
    report.warnings.extend(history.warnings);
    report.warnings.extend(schedule.warnings);
    match globals.format() {
        Format::Json => output::print_json(&report)?,
        Format::Table => output::print(&lines(&report).join("\n"))?,
    }
    Ok(if report.has_unauthorized() {
        Outcome::Negative
    } else {
        Outcome::Ok
    })
}

fn deployment_lines(d: &UnauthorizedDeployment) -> impl Iterator<Item = String> + '_ {
    d.reasons.iter().map(move |r| {
        let rule = serde_json::to_value(r.rule)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        format!(
            "{:<12} {:<14} {:<12} {:<25} {:<16} {}",
            d.deployment_id,
            d.release_id.as_deref().unwrap_or("-"),
            d.environment,
            d.finished_at,
            rule,
            r.message
        )
    })
}

fn lines(report: &UnauthorizedReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .unauthorized
        .iter()
        .flat_map(deployment_lines)
        .collect();
    lines.extend(report.warnings.iter().map(render::warning_line));
    lines.push(format!(
        "{} of {} production deployments unauthorized",
        report.unauthorized.len(),
        report.checked
    ));
    lines
}
