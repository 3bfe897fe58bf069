//! `relman rollout FILE`: replays a deployment plan against timed
//! observations, ticks and commands, printing each decision.

use relman::rollout::{RolloutDecision, RolloutPhase, RolloutReplay};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
FILE is {plan, state?, inputs[]}: `plan` is a deployment plan (as a
release's `deployment`: strategy big_bang, phased, blue_green, canary or
feature_flag and its parameters), `state` the state to start from (default
pending), and each input has `at` (RFC 3339) and `kind`: `tick`,
`observation` with `metrics` {name: number | [numbers, null for NaN]} and
`errors` [names], or `command` with `command` promote | resume | abort (and
optional `actor`, `reason`). For a judge or experiment step an observation
also carries `baseline` (the live baseline's samples, same form as
`metrics`) and, for an experiment, `variants` {variant: samples}. The
defaults of analyses and blue-green plans come from the policy's `rollout`
section (--policy or --context).

Prints {steps[], state, decisions[], warnings[]}: per input its decision
(continue, advance, pause, promote, roll_back), the state after it and the
reasons (rule, message, data). With --format table: one line per input
(time, input, decision, phase, weight; for a feature flag also its cohort
and percentage, or `off`) with its reasons indented below.

A plan's `analysis` (canary, blue-green, phased, feature flag) is a
background analysis: from its `starting_step` on it measures every
observation whatever the rollout's state; a breach rolls back (or, with
`on_failure: pause`, stays paused with reason analysis_failed) and later
promote / resume commands are denied with the breach as their reason.

A canary step {judge: {metrics, alpha?, pass_score?, marginal_score?,
min_samples?, on_marginal?, on_fail?}} judges the canary against the
baseline: pass continues, marginal pauses (judge_marginal), fail rolls back.
A step {experiment: {duration_secs, variants: [{name}], judge: {…}}}
judges each variant until the duration has passed; the best passing variant
wins (state experiment.winner, `winner` in the table).

Exit status: 0 the rollout did not roll back, 1 a roll_back decision (a
failed analysis or an abort) or a breach of the background analysis, 2 bad
input (paths like inputs[3].metrics.x).";

/// Arguments of `relman rollout`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The replay document (JSON; `-` reads stdin).
    #[arg(value_name = "FILE")]
    pub file: String,
}

/// Runs `relman rollout`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<RolloutReplay>(&args.file)?;
    let policy = globals.policy()?;
    let mut result = relman::rollout::replay(&parsed.document, &policy.rollout)?;
    let mut warnings = parsed.warnings;
    warnings.append(&mut result.warnings);
    result.warnings = warnings;
    match globals.format() {
        Format::Json => output::print_json(&result)?,
        Format::Table => output::print(&render::replay_lines(&result).join("\n"))?,
    }
    // A breach of the background analysis is a negative verdict even when
    // the plan pauses on it (on_failure pause) instead of rolling back.
    let breached = result
        .state
        .background
        .as_ref()
        .is_some_and(|b| b.breach.is_some());
    let rolled_back = result.decisions.contains(&RolloutDecision::RollBack)
        || breached
        || matches!(
            result.state.phase,
            RolloutPhase::RolledBack | RolloutPhase::Aborted
        );
    Ok(if rolled_back {
        Outcome::Negative
    } else {
        Outcome::Ok
    })
}
