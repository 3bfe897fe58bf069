//! `relman conflicts SCHEDULE`: every conflict of a schedule (docs/conflicts.md).

use relman::{Conflict, ConflictReport, Schedule, Severity};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Prints the conflict report {conflicts[], blocking, warnings[]}. Each conflict
has its kind (ci_overlap, related_ci_overlap, blackout,
outside_maintenance_window, assignee_overlap, dependency_order,
dependency_cycle, capacity), severity (block or warn, from the policy's
`conflicts.severity`), the items and CIs involved, the overlapping window,
an explanation and the data the rule looked at. The policy is --policy if
given, else the schedule's own `policy`, else the defaults.

With --format table: one line per conflict, then the warnings and a
verdict line.

Exit status: 0 no blocking conflict, 1 at least one blocking conflict (the
report is still printed on stdout), 2 bad input.";

/// Arguments of `relman conflicts`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The schedule: releases and changes with their windows, CMDB,
    /// calendar, policy (JSON; `-` reads stdin).
    #[arg(value_name = "SCHEDULE")]
    pub schedule: String,
}

/// Runs `relman conflicts`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Schedule>(&args.schedule)?;
    let mut schedule = parsed.document;
    if let Some(policy) = globals.policy_file()? {
        schedule.policy = Some(policy.clone());
    }
    let mut report = relman::detect_conflicts(&schedule)?;
    // The parse warnings are the same checks detection repeats.
    for w in parsed.warnings {
        if !report.warnings.contains(&w) {
            report.warnings.push(w);
        }
    }
    match globals.format() {
        Format::Json => output::print_json(&report)?,
        Format::Table => output::print(&report_lines(&report).join("\n"))?,
    }
    Ok(if report.has_blocking() {
        Outcome::Negative
    } else {
        Outcome::Ok
    })
}

/// `[block] KIND  ITEMS  WINDOW  EXPLANATION` for one conflict.
pub fn conflict_line(c: &Conflict) -> String {
    let mark = match c.severity {
        Severity::Block => "[block]",
        Severity::Warn => "[warn] ",
    };
    let window = c
        .window
        .as_ref()
        .map(|w| format!("{} → {}", w.start, w.end))
        .unwrap_or_else(|| "-".to_string());
    format!(
        "{mark} {:<26} {:<24} {:<43} {}",
        c.kind.as_str(),
        c.items.join(", "),
        window,
        c.explanation
    )
}

fn report_lines(report: &ConflictReport) -> Vec<String> {
    let mut lines: Vec<String> = report.conflicts.iter().map(conflict_line).collect();
    lines.extend(report.warnings.iter().map(render::warning_line));
    let warn = report.conflicts.len() - report.blocking;
    lines.push(format!(
        "verdict: {}: {} blocking conflict{}, {warn} warning{}",
        if report.has_blocking() {
            "blocked"
        } else {
            "clear"
        },
        report.blocking,
        render::plural(report.blocking),
        render::plural(warn)
    ));
    lines
}
