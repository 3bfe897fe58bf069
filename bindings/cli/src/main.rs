//! `relman` — the command-line front end of the relman release-management
//! engine.
//!
//! Reads JSON documents from files or stdin, writes JSON (or a readable table
//! with `--format table`) to stdout, and reports every error on stderr as one
//! JSON object with a stable `code` (the same body every relman front end
//! uses). Exit codes: 0 ok, 1 negative verdict, 2 error.

mod cmd;
mod io;
mod output;
mod render;
mod write;

use clap::error::ErrorKind;
use clap::Parser;
use std::process::ExitCode;

use crate::cmd::{Command, Outcome};
use crate::io::{Format, GlobalArgs, Globals};
use crate::output::Failure;

const AFTER_HELP: &str = "\
Exit status:
  0  ok
  1  the verdict is negative: denied (check; apply: transition_denied),
     forbidden (apply), broken log (verify-log; apply: log_tampered),
     blocking conflicts, failed canary
  2  error: bad input, bad --policy/--context/--now, unknown command or option

Errors are written to stderr as one JSON object {code, message, path, line,
column, problems, ...}; with --format table as readable lines instead.
Global files are read only by commands that use them: a bad --policy,
--context or --now is an error (exit 2) for those commands and ignored by
the others. Any FILE may be `-` for stdin (stdin can be read once).";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "relman",
    version,
    about = "Release-management rules, risk, conflicts and KPIs over JSON documents",
    after_help = AFTER_HELP,
    propagate_version = true
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    let globals = Globals::new(cli.global);
    let result = cli.command.run(&globals);
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Negative) => ExitCode::from(1),
        Err(failure) => {
            output::report_failure(globals.format(), &failure);
            ExitCode::from(2)
        }
    }
}

/// Handles a clap error: help and version go to stdout with exit 0; a usage
/// error becomes an `invalid_input` error body on stderr, exit 2 (clap's own
/// rendering with `--format table`).
fn usage_error(err: &clap::Error) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // Nothing sensible is left to do if stdout is gone.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    if table_requested() {
        let _ = err.print();
    } else {
        let message = usage_message(&err.render().to_string());
        output::report_failure(Format::Json, &Failure::invalid_input(message));
    }
    ExitCode::from(2)
}

/// The error part of clap's rendering, on one line, without the usage block.
fn usage_message(rendered: &str) -> String {
    let head = rendered.split("\nUsage:").next().unwrap_or(rendered);
    let head = head.strip_prefix("error: ").unwrap_or(head);
    let lines: Vec<&str> = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    format!("{}; see `relman --help`", lines.join("; "))
}

/// Whether the raw arguments ask for `--format table` (used only when they
/// could not be parsed).
fn table_requested() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().enumerate().any(|(i, a)| {
        a == "--format=table" || (a == "--format" && args.get(i + 1).is_some_and(|v| v == "table"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn usage_message_keeps_the_error_and_tip() {
        let rendered = "error: unexpected argument '--foo' found\n\n  tip: to pass '--foo' as a value, use '-- --foo'\n\nUsage: relman validate [OPTIONS] <FILE>...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            usage_message(rendered),
            "unexpected argument '--foo' found; tip: to pass '--foo' as a value, use '-- --foo'; see `relman --help`"
        );
    }
}
