//! `relman judge FILE`: judges a canary against its baseline from metric
//! samples.

use relman::rollout::{CanaryComparison, CanaryVerdict};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
FILE is {baseline, canary, config?}: `baseline` and `canary` map metric
names to samples (a list of numbers; null stands for NaN and is dropped);
`config` has `metrics` [{name, direction increase|decrease|either,
critical, weight, tolerance}] (default: every metric, either direction),
`alpha`, `pass_score`, `marginal_score` (defaults from the policy's
`rollout.judge`, --policy or --context).

Prints the judgement {verdict pass|marginal|fail, score 0-100, metrics[]
with classification pass|high|low|nodata, the Mann-Whitney test (method,
U, z, p_value) and the Hodges-Lehmann shift with its confidence interval,
reasons[], warnings[]}. With --format table: one line per metric, then the
verdict.

Exit status: 0 pass or marginal, 1 fail, 2 bad input (e.g. all-NaN
samples at canary.<metric>).";

/// Arguments of `relman judge`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The comparison document (JSON; `-` reads stdin).
    #[arg(value_name = "FILE")]
    pub file: String,
}

/// Runs `relman judge`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<CanaryComparison>(&args.file)?;
    let policy = globals.policy()?;
    let doc = &parsed.document;
    let mut judgement = relman::rollout::judge_canary_with_policy(
        &doc.baseline,
        &doc.canary,
        &doc.config,
        &policy.rollout,
    )?;
    let mut warnings = parsed.warnings;
    warnings.append(&mut judgement.warnings);
    judgement.warnings = warnings;
    match globals.format() {
        Format::Json => output::print_json(&judgement)?,
        Format::Table => output::print(&render::judgement_lines(&judgement).join("\n"))?,
    }
    Ok(if judgement.verdict == CanaryVerdict::Fail {
        Outcome::Negative
    } else {
        Outcome::Ok
    })
}
