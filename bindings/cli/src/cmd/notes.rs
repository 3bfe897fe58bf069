//! `relman notes RELEASE [--notes-format md|html]`: release notes.

use relman::{NotesFormat, Release};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Writes the release notes as Markdown (default) or HTML to stdout: title and
version, summary and objectives, highlights, changes by category, fixed
problems and fulfilled requests, known issues, deployment and rollback,
affected services and CIs, knowledge articles. HTML escapes every value.

The notes format is --notes-format (md|html): the global --format flag is
json|table. With --format json the output is {format, text, warnings[]}
instead of the bare notes; warnings otherwise go to stderr.

Exit status: 0 ok, 2 bad input.";

/// The notes formats the CLI accepts.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum NotesArg {
    /// Markdown.
    Md,
    /// An HTML fragment.
    Html,
}

/// Arguments of `relman notes`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The release (JSON; `-` reads stdin).
    #[arg(value_name = "RELEASE")]
    pub release: String,
    /// Markdown or HTML.
    #[arg(long = "notes-format", value_enum, default_value = "md")]
    pub notes_format: NotesArg,
}

/// Runs `relman notes`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Release>(&args.release)?;
    let format = match args.notes_format {
        NotesArg::Md => NotesFormat::Markdown,
        NotesArg::Html => NotesFormat::Html,
    };
    let mut notes = relman::release_notes(&parsed.document, format);
    notes.warnings.splice(0..0, parsed.warnings);
    match globals.format_arg() {
        Some(Format::Json) => output::print_json(&notes)?,
        _ => {
            for w in &notes.warnings {
                output::eprint(&render::warning_line(w));
            }
            output::print(notes.text.trim_end_matches('\n'))?;
        }
    }
    Ok(Outcome::Ok)
}
