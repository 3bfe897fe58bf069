//! `relman export-servicenow FILE`: relman verdicts as the ServiceNow field
//! patches a script would send, one per record.

use relman::interop::ServiceNowExport;

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
FILE is {schedule, risk[], conflicts, gates[], now}: the schedule as
import-servicenow printed it and any verdicts (relman risk, conflicts and
check outputs). Prints {patches[], warnings[]}: per record its table,
sys_id, number and the fields to write; only risk, work_notes,
conflict_status, conflict_last_run and approval are ever written.

FILE is read under the read-time limits of documents (docs/limits.md):
past one is `limit_exceeded` at the path (schedule.releases[0].title).

With --format table: one line per record and field.

Exit status: 0 ok, 2 bad input.";

/// Arguments of `relman export-servicenow`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The export input (JSON; `-` reads stdin).
    #[arg(value_name = "FILE")]
    pub file: String,
}

/// Runs `relman export-servicenow`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let input = globals.read(&args.file)?;
    let export: ServiceNowExport = relman::interop::read_export(&input.text)
        .map_err(|e| Failure::from(e).prefixed(&format!("{}: ", input.name)))?;
    let patches = relman::export_servicenow(&export)?;
    match globals.format() {
        Format::Json => output::print_json(&patches)?,
        Format::Table => {
            let mut lines = Vec::new();
            for p in &patches.patches {
                lines.push(match &p.sys_id {
                    Some(sys_id) => format!("{} {} ({sys_id})", p.table, p.number),
                    None => format!("{} {} (insert)", p.table, p.number),
                });
                for (k, v) in &p.fields {
                    lines.push(format!("  {k} = {}", v.replace('\n', "\n    ")));
                }
            }
            for d in &patches.diff {
                lines.push(format!(
                    "diff {} {} {}: {} -> {}",
                    d.table,
                    d.number,
                    d.field,
                    d.before.as_deref().unwrap_or("(unset)"),
                    d.after.replace('\n', " / ")
                ));
            }
            lines.extend(patches.warnings.iter().map(render::warning_line));
            output::print(&lines.join("\n"))?;
        }
    }
    Ok(Outcome::Ok)
}
