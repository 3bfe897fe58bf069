//! The commands, one module each. A new command adds its module, a variant
//! of [`Command`] and one arm in [`Command::run`].

pub mod apply;
pub mod check;
pub mod context;
pub mod demo;
pub mod kpi;
pub mod schema;
pub mod validate;
pub mod verify_log;

use clap::Subcommand;

use crate::io::Globals;
use crate::output::Failure;

/// What a command concluded; errors are a [`Failure`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, verdict positive (exit status 0).
    Ok,
    /// Done, but the verdict is negative: denied, blocking conflicts, failed
    /// canary, broken log (exit status 1).
    Negative,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate documents (schema and semantics), listing every problem.
    Validate(validate::Args),
    /// Print the JSON Schema of an input or output document.
    Schema(schema::Args),
    /// Print the context in force: --context with --policy and --now applied.
    Context(context::Args),
    /// Dry-run a lifecycle transition: every gate requirement, met or not.
    Check(check::Args),
    /// Apply a lifecycle command: the new release, its audit event and the
    /// notifications to send.
    Apply(apply::Args),
    /// Verify a release's audit log (hash chain, sequence, state).
    VerifyLog(verify_log::Args),
    /// Compute the DORA and ITIL release KPIs of a history.
    Kpi(kpi::Args),
    /// Take the bundled sample major release through the whole lifecycle.
    Demo(demo::Args),
}

impl Command {
    /// Runs the command.
    pub fn run(&self, globals: &Globals) -> Result<Outcome, Failure> {
        match self {
            Command::Validate(args) => validate::run(args, globals),
            Command::Schema(args) => schema::run(args, globals),
            Command::Context(args) => context::run(args, globals),
            Command::Check(args) => check::run(args, globals),
            Command::Apply(args) => apply::run(args, globals),
            Command::VerifyLog(args) => verify_log::run(args, globals),
            Command::Kpi(args) => kpi::run(args, globals),
            Command::Demo(args) => demo::run(args, globals),
        }
    }
}
