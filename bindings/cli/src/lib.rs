//! `relman` — the command-line front end of the relman release-management
//! engine, as a library: the binary `relman` (`src/main.rs`) only calls
//! [`main`]; the fuzz targets call [`parse_args`] and the [`parsers`].
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

pub mod parsers;

use clap::error::ErrorKind;
use clap::Parser;
use std::ffi::OsString;
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
the others. Any FILE may be `-` for stdin (stdin can be read once).

Every operation without a command of its own runs by its kebab-case name
with its parameters as options: `relman assess-risk-many --releases FILE`
(a document or object is a FILE, a string or number its VALUE; --policy
and --context fill `policy` and `context`). `relman call --list` lists
the operations and their parameters.";

/// The parsed command line: the global options and one subcommand (what
/// [`parse_args`] returns; run it with [`run`]).
#[derive(Debug, Parser)]
#[command(
    name = "relman",
    version,
    about = "Release-management rules, risk, conflicts and KPIs over JSON documents",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Parses a command line (`argv[0]` is the program name) without reading
/// any file, stdin or the environment: `--help` and `--version` are errors
/// of kind `DisplayHelp` / `DisplayVersion`, as clap's `try_parse_from`
/// makes them.
pub fn parse_args<I, T>(argv: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    Cli::try_parse_from(argv)
}

/// The whole program: parses the process's arguments, runs the command,
/// reports an error on stderr, and returns the exit status (0 ok, 1
/// negative verdict, 2 error).
pub fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    match parse_args(&argv) {
        Ok(cli) => run(cli),
        Err(err) => usage_error(&err, &argv),
    }
}

/// Runs a parsed command line: the command's output on stdout, an error on
/// stderr; returns the exit status (0 ok, 1 negative verdict, 2 error).
pub fn run(cli: Cli) -> ExitCode {
    let globals = Globals::new(cli.global);
    let result = cli.command.run(&globals);
    // The time a command took from the system clock is named on stderr; with
    // a JSON error, stderr stays that one error object.
    let note = globals.clock_used().map(crate::io::clock_note);
    let failed_as_json = result.is_err() && globals.format() == Format::Json;
    if let (Some(note), false) = (&note, failed_as_json) {
        output::eprint(note);
    }
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
fn usage_error(err: &clap::Error, argv: &[OsString]) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // Nothing sensible is left to do if stdout is gone.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    if table_requested(argv) {
        let _ = err.print();
    } else {
        let message = usage_message(err);
        output::report_failure(Format::Json, &Failure::invalid_input(message));
    }
    ExitCode::from(2)
}

/// The message of the `invalid_input` error body a usage error becomes:
/// the error part of clap's rendering, on one line, without the usage
/// block, ending in a pointer to `relman --help`.
pub fn usage_message(err: &clap::Error) -> String {
    one_line(&err.render().to_string())
}

/// The error part of clap's rendering, on one line, without the usage block.
fn one_line(rendered: &str) -> String {
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
/// could not be parsed, so they may hold anything, also text that is not
/// UTF-8).
fn table_requested(argv: &[OsString]) -> bool {
    argv.iter().enumerate().any(|(i, a)| {
        a == "--format=table" || (a == "--format" && argv.get(i + 1).is_some_and(|v| v == "table"))
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
    fn table_is_requested_in_either_spelling_whatever_else_is_there() {
        let argv = |args: &[&str]| -> Vec<OsString> { args.iter().map(OsString::from).collect() };
        assert!(table_requested(&argv(&[
            "relman", "--format", "table", "x"
        ])));
        assert!(table_requested(&argv(&["relman", "x", "--format=table"])));
        assert!(!table_requested(&argv(&["relman", "--format"])));
        assert!(!table_requested(&argv(&["relman", "--format", "json"])));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            let mut args = argv(&["relman", "validate"]);
            args.push(OsString::from_vec(vec![0xff, b'x']));
            assert!(!table_requested(&args));
            args.extend(argv(&["--format", "table"]));
            assert!(table_requested(&args));
        }
    }

    #[test]
    fn usage_message_keeps_the_error_and_tip() {
        let rendered = "error: unexpected argument '--foo' found\n\n  tip: to pass '--foo' as a value, use '-- --foo'\n\nUsage: relman validate [OPTIONS] <FILE>...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(rendered),
            "unexpected argument '--foo' found; tip: to pass '--foo' as a value, use '-- --foo'; see `relman --help`"
        );
    }
}
