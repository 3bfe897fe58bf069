//! `relman context`: the context in force, for checking what the other
//! commands will consult.

use crate::cmd::Outcome;
use crate::io::Globals;
use crate::output::{self, Failure};

/// Arguments of `relman context`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Reads --context (if given), then --policy (else the context's policy, else the \
                  defaults) and --now (else the context's now); a bad file or time is an error \
                  (exit 2). The policy is printed with every default filled in. Always JSON."
)]
pub struct Args {}

/// Runs `relman context`.
pub fn run(_args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let context = globals.context()?;
    output::print_json(&context)?;
    Ok(Outcome::Ok)
}
