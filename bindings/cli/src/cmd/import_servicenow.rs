//! `relman import-servicenow --change-requests F [--releases F --cis F
//! --rels F --approvals F]`: ServiceNow Table API records as relman
//! documents.

use relman::interop::ServiceNowTables;
use serde_json::Value;

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Each file is a Table API response ({\"result\": [...]}) of change_request,
rm_release, cmdb_ci (any subclass), cmdb_rel_ci or sysapproval_approver.
Prints {schedule, warnings[]}: the releases with their changes (by the
change's `parent`), the changes of no release and the CMDB. Fields relman
does not map, u_* fields included, are kept in each document's extra.
docs/integrations.md lists every mapping and code table.

With --format table: one line per release, change and CI.

Each file is read under the read-time limits of documents (docs/limits.md):
past one (256 MiB, a string over 1 MiB, a list over 1 000 000 items, nesting
over 128) is `limit_exceeded` at the path, e.g.
change_requests.result[3].short_description.

Exit status: 0 ok, 2 bad input (the error names the record's number or
sys_id and the field).";

/// Arguments of `relman import-servicenow`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// change_request records (JSON; `-` reads stdin).
    #[arg(long, value_name = "FILE")]
    pub change_requests: String,
    /// rm_release records.
    #[arg(long, value_name = "FILE")]
    pub releases: Option<String>,
    /// cmdb_ci records.
    #[arg(long, value_name = "FILE")]
    pub cis: Option<String>,
    /// cmdb_rel_ci records.
    #[arg(long, value_name = "FILE")]
    pub rels: Option<String>,
    /// sysapproval_approver records.
    #[arg(long, value_name = "FILE")]
    pub approvals: Option<String>,
}

/// Reads table `name` from `path` under the read-time limits (size, depth,
/// items per list, string length; errors at `name.result[3]…`).
fn table(globals: &Globals, name: &str, path: &str) -> Result<Value, Failure> {
    let input = globals.read(path)?;
    relman::interop::read_table_with_limits(name, &input.text, globals.limits())
        .map_err(|e| Failure::from(e).prefixed(&format!("{}: ", input.name)))
}

/// Runs `relman import-servicenow`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let opt =
        |name: &str, p: &Option<String>| p.as_deref().map(|p| table(globals, name, p)).transpose();
    let tables = ServiceNowTables {
        change_requests: table(globals, "change_requests", &args.change_requests)?,
        releases: opt("releases", &args.releases)?,
        cis: opt("cis", &args.cis)?,
        rels: opt("rels", &args.rels)?,
        approvals: opt("approvals", &args.approvals)?,
    };
    let imported = relman::import_servicenow(&tables)?;
    match globals.format() {
        Format::Json => output::print_json(&imported)?,
        Format::Table => {
            let s = &imported.schedule;
            let mut lines = Vec::new();
            for r in &s.releases {
                lines.push(format!(
                    "release {} ({}): {}",
                    r.id,
                    r.state.as_str(),
                    r.title
                ));
                for c in &r.changes {
                    lines.push(format!("  change {}: {}", c.id, c.summary));
                }
            }
            for c in &s.changes {
                lines.push(format!("change {} (no release): {}", c.id, c.summary));
            }
            if let Some(cmdb) = &s.cmdb {
                for ci in &cmdb.cis {
                    lines.push(format!("ci {} ({})", ci.id, ci.class));
                }
                for r in &cmdb.relationships {
                    lines.push(format!("rel {} {} {}", r.from, r.kind, r.to));
                }
            }
            lines.extend(imported.warnings.iter().map(render::warning_line));
            output::print(&lines.join("\n"))?;
        }
    }
    Ok(Outcome::Ok)
}
