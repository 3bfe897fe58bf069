//! `relman overdue SCHEDULE --now T`: the releases deployed before approval
//! whose retrospective approval is overdue (docs/reports.md, "Overdue
//! retrospective approvals").

use relman::overdue::OverdueRelease;
use relman::{OverdueReport, Schedule};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Prints {now, releases[], pending, warnings[]}: every release of the schedule
deployed before approval on the emergency path
(lifecycle.emergency.deploy_before_approval) whose retrospective approval is
past its due time at --now (due retrospective_approval_secs, default 72 h,
after start_deployment; exactly at the due time is not yet overdue). Each
with release_id, title, state, deployed_by, started_at, due_at,
overdue_secs, votes_counted and votes_missing and its quorum, by due time
then id; `pending` counts those still within their window. The quorum is the
policy's: --policy if given, else the policy of --context, else the
schedule's own policy, else the default; --context's actors decide who may
vote. Without --now: `now` of --context, else the system clock (named on stderr).

With --format table: one line per overdue release, then the warnings and a
verdict line.

Exit status: 0 nothing overdue, 1 at least one overdue release (the report
is still printed), 2 bad input.";

/// Arguments of `relman overdue`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The schedule whose releases to check (JSON; `-` reads stdin).
    #[arg(value_name = "SCHEDULE", required_unless_present = "schedule_flag")]
    pub schedule: Option<String>,
    /// The schedule, as the generic operation form names it.
    #[arg(
        long = "schedule",
        value_name = "SCHEDULE",
        conflicts_with = "schedule"
    )]
    pub schedule_flag: Option<String>,
}

/// Runs `relman overdue`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let path = args
        .schedule
        .as_deref()
        .or(args.schedule_flag.as_deref())
        .unwrap_or("-");
    let schedule = globals.read_document::<Schedule>(path)?;
    let now = globals.now_or_clock()?.clone();
    let context = globals.context_file()?.cloned().unwrap_or_default();
    let policy = match globals.policy_file()? {
        Some(p) => p.clone(),
        None => context
            .policy
            .clone()
            .or_else(|| schedule.document.policy.clone())
            .unwrap_or_default(),
    };
    let mut report = relman::overdue(&schedule.document, &now, &policy, &context.actors);
    report.warnings.extend(schedule.warnings);
    match globals.format() {
        Format::Json => output::print_json(&report)?,
        Format::Table => output::print(&lines(&report).join("\n"))?,
    }
    Ok(if report.releases.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Negative
    })
}

fn release_line(r: &OverdueRelease) -> String {
    let missing: Vec<String> = r
        .quorum
        .iter()
        .filter(|q| q.missing > 0)
        .map(|q| {
            format!(
                "{} {} of {}",
                q.role.as_str(),
                q.approvers.len(),
                q.needed.map_or("?".to_string(), |n| n.to_string())
            )
        })
        .collect();
    format!(
        "{:<14} {:<10} deployed by {:<12} started {} due {} overdue {:<12} votes {} counted, {} missing{}",
        r.release_id,
        r.state.as_str(),
        r.deployed_by,
        r.started_at,
        r.due_at,
        r.overdue,
        r.votes_counted,
        r.votes_missing,
        if missing.is_empty() {
            String::new()
        } else {
            format!(" ({})", missing.join(", "))
        }
    )
}

fn lines(report: &OverdueReport) -> Vec<String> {
    let mut lines: Vec<String> = report.releases.iter().map(release_line).collect();
    lines.extend(report.warnings.iter().map(render::warning_line));
    lines.push(format!(
        "{} release{} overdue for retrospective approval at {} ({} pending)",
        report.releases.len(),
        if report.releases.len() == 1 { "" } else { "s" },
        report.now,
        report.pending
    ));
    lines
}
