//! `relman check RELEASE --to STATE`: the dry run of a lifecycle
//! transition, every requirement met or not.

use relman::{Release, State};

use crate::cmd::Outcome;
use crate::io::{self, Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Prints the gate report {release_id, from, target, allowed, requirements[],
warnings[]}: every requirement of moving the release from its state to
STATE, each with its rule id, met or not, a message and the data it looked
at. A target further ahead than the next state previews the gates of every
state on the way (and says the release must advance one state at a time).
`check RELEASE --to deployment` with a full --context is the go/no-go
verdict. The context is --context with --policy and --now applied (see
`relman context`); without one, the default policy and an empty directory.

With --format table: one `[ok]`/`[--]` line per requirement (rule id and
message), the warnings, then a verdict line.

With the global --keys FILE (or RELMAN_KEYS) the log is verified as a keyed
chain: a rewritten log leaves `record.log` unmet.

Exit status: 0 allowed, 1 denied (the report is still printed on stdout),
2 bad input (release — its version too —, --to, --policy, --context, --now, --keys).";

/// Arguments of `relman check`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The release (JSON; `-` reads stdin).
    #[arg(value_name = "RELEASE")]
    pub release: String,
    /// The target state: planning, development, testing, approval,
    /// deployment, review, closed or cancelled.
    #[arg(long, value_name = "STATE", value_parser = io::parse_state)]
    pub to: State,
}

/// Runs `relman check`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Release>(&args.release)?;
    let context = globals.context()?;
    // The release's version is checked first, as by the `check` operation
    // (docs/lifecycle.md, "Versions"): bad input, exit 2.
    let mut report =
        relman::lifecycle::check_versioned(&parsed.document, args.to, &context, globals.keys()?)
            .map_err(Failure::from)?;
    report.warnings.extend(parsed.warnings);
    match globals.format() {
        Format::Json => output::print_json(&report)?,
        Format::Table => output::print(&render::gate_report_lines(&report).join("\n"))?,
    }
    Ok(if report.allowed {
        Outcome::Ok
    } else {
        Outcome::Negative
    })
}
