//! `relman order SCHEDULE`: dependency waves and the critical path of the
//! schedule's releases.

use relman::{DeploymentOrder, Schedule};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Prints {waves[], critical_path, skipped[], warnings[]}: wave 1 holds the
releases without dependencies, each later wave the releases whose
dependencies all ship in earlier waves; the critical path is the dependency
chain with the largest total planned duration. A `depends_on` naming a
release not in the schedule is ignored with a warning. Closed and cancelled
releases are left out of the waves and listed in `skipped`; a dependency on
a cancelled release is dropped with the warning `cancelled_dependency`.

With --format table: one line per wave, then the critical path and the
skipped releases.

Exit status: 0 ok, 2 bad input, including a dependency cycle (the error
names its members).";

/// Arguments of `relman order`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The schedule whose releases to order (JSON; `-` reads stdin).
    #[arg(value_name = "SCHEDULE")]
    pub schedule: String,
}

/// Runs `relman order`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Schedule>(&args.schedule)?;
    let mut order = relman::deployment_order(&parsed.document.releases)?;
    order.warnings.extend(parsed.warnings);
    match globals.format() {
        Format::Json => output::print_json(&order)?,
        Format::Table => output::print(&lines(&order).join("\n"))?,
    }
    Ok(Outcome::Ok)
}

fn lines(o: &DeploymentOrder) -> Vec<String> {
    let mut lines: Vec<String> = o
        .waves
        .iter()
        .map(|w| format!("wave {}: {}", w.wave, w.releases.join(", ")))
        .collect();
    let h = o.critical_path.duration_secs / 3600;
    let m = o.critical_path.duration_secs % 3600 / 60;
    lines.push(format!(
        "critical path: {} ({h}h{m:02}m planned)",
        o.critical_path.releases.join(" → ")
    ));
    lines.extend(
        o.skipped
            .iter()
            .map(|s| format!("skipped: {} ({})", s.release, s.reason)),
    );
    lines.extend(o.warnings.iter().map(render::warning_line));
    lines
}
