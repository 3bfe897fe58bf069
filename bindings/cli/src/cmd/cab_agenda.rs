//! `relman cab-agenda SCHEDULE --from T --to T [--agenda-format md|html]`:
//! the CAB agenda of a period (docs/reports.md, "CAB agenda").

use relman::agenda::AgendaItem;
use relman::{CabAgenda, NotesFormat, Schedule, Timestamp};

use crate::cmd::kpi::parse_time;
use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Lists the releases of SCHEDULE awaiting approval (state approval) whose
planned window intersects [--from, --to), by window start, then risk
(higher first), then id: each with its approval groups (required, approved
by, missing votes, who may still vote), rejections, unmet requirements of
leaving approval, conflicts, risk score with its top factors and
rollback-plan status. Approvers come from the --context directory; the
policy is --policy, else the context's, else the schedule's own, else the
defaults.

Without --format: the agenda as Markdown (default) or HTML
(--agenda-format md|html). --format json prints the agenda document
{from, to, items[], warnings[]}; --format table one line per item.

Exit status: 0 ok, 2 bad input (--to not after --from: path `period_end`).";

/// The agenda formats the CLI accepts.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AgendaArg {
    /// Markdown.
    Md,
    /// An HTML fragment.
    Html,
}

/// Arguments of `relman cab-agenda`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The schedule (JSON; `-` reads stdin).
    #[arg(value_name = "SCHEDULE")]
    pub schedule: String,
    /// Start of the period, inclusive (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: Timestamp,
    /// End of the period, exclusive (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub to: Timestamp,
    /// Markdown or HTML (when --format is not given).
    #[arg(long = "agenda-format", value_enum, default_value = "md")]
    pub agenda_format: AgendaArg,
}

/// Runs `relman cab-agenda`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Schedule>(&args.schedule)?;
    let mut context = globals.context_file()?.cloned().unwrap_or_default();
    if let Some(policy) = globals.policy_file()? {
        context.policy = Some(policy.clone());
    }
    context.now = globals.now()?.cloned();
    let mut agenda = relman::cab_agenda(&parsed.document, &args.from, &args.to, &context)?;
    for w in parsed.warnings {
        if !agenda.warnings.contains(&w) {
            agenda.warnings.push(w);
        }
    }
    match globals.format_arg() {
        Some(Format::Json) => output::print_json(&agenda)?,
        Some(Format::Table) => output::print(&table(&agenda).join("\n"))?,
        None => {
            let format = match args.agenda_format {
                AgendaArg::Md => NotesFormat::Markdown,
                AgendaArg::Html => NotesFormat::Html,
            };
            let text = relman::render_cab_agenda(&agenda, format);
            for w in &text.warnings {
                output::eprint(&render::warning_line(w));
            }
            output::print(text.text.trim_end_matches('\n'))?;
        }
    }
    Ok(Outcome::Ok)
}

/// `START  ID  KIND  RISK  MISSING  CONFLICTS  ROLLBACK  READY` for one item.
fn item_line(item: &AgendaItem) -> String {
    let missing: Vec<String> = item
        .approvals
        .groups
        .iter()
        .filter(|g| g.missing > 0)
        .map(|g| format!("{} {}", render::snake(&g.role), g.missing))
        .collect();
    let missing = if missing.is_empty() {
        "-".to_string()
    } else {
        missing.join(", ")
    };
    format!(
        "{:<25} {:<14} {:<9} {:<8} {:>5.1}  missing: {:<24} conflicts: {:<2} rollback: {:<10} {}",
        item.window.start.as_str(),
        item.release_id,
        render::snake(&item.kind),
        render::snake(&item.risk.level),
        item.risk.score,
        missing,
        item.conflicts.len(),
        render::snake(&item.rollback.status),
        if item.ready { "ready" } else { "not ready" }
    )
}

fn table(agenda: &CabAgenda) -> Vec<String> {
    let mut lines = vec![format!("CAB agenda {} .. {}", agenda.from, agenda.to)];
    lines.extend(agenda.items.iter().map(item_line));
    lines.extend(agenda.warnings.iter().map(render::warning_line));
    lines.push(format!(
        "{} release{} awaiting approval",
        agenda.items.len(),
        render::plural(agenda.items.len())
    ));
    lines
}
