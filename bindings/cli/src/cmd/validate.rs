//! `relman validate FILE... [--kind KIND]`: schema and semantic checks of
//! any document, listing every problem.

use relman::{DocumentKind, ErrorBody, ValidationReport};
use serde::Serialize;
use serde_json::Value;

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};

const AFTER_HELP: &str = "\
Without --kind the kind is told from the document's keys (e.g. `title`
makes a release, `risk` or `lifecycle` a policy, `command` and `actor` a
lifecycle command; a policy holds only policy keys, so a release carrying
an attached `risk` is a release). When the keys fit no kind, or several
(`cis` beside `blackouts` fits a CMDB and a calendar), relman does not
guess: the error (exit 2) names the kinds that fit; pass --kind.

Output, one file: the validation report {document, schema_version, warnings}
on stdout, or the error on stderr (exit 2). Several files: a JSON array of
{file, valid, report | error} on stdout and, if any file is invalid, the
first error (its message prefixed with the file name) on stderr, exit 2.
With --format table: `KIND: valid ...` lines on stdout and one
`PATH: MESSAGE (line L, column C)` line per problem on stderr.";

/// Arguments of `relman validate`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Documents to validate (JSON; `-` reads stdin).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,
    /// The document kind, one of: release, change, configuration_item, cmdb,
    /// actor, calendar, schedule, history, context, policy, command,
    /// rollout_replay, canary_comparison (`-` and `_` are interchangeable).
    /// Default: detected from the document's keys (an error when they fit
    /// no kind or several).
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    pub kind: Option<DocumentKind>,
}

fn kind_names() -> String {
    DocumentKind::ALL
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `--kind`: a document kind by name (`-` and `_` are
/// interchangeable).
pub fn parse_kind(name: &str) -> Result<DocumentKind, String> {
    DocumentKind::from_name(name)
        .ok_or_else(|| format!("unknown document kind `{name}`; one of: {}", kind_names()))
}

/// The verdict on one file.
struct Checked {
    file: String,
    result: Result<ValidationReport, ErrorBody>,
}

/// One element of the JSON array printed for several files.
#[derive(Serialize)]
struct Entry<'a> {
    file: &'a str,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a ValidationReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ErrorBody>,
}

/// Runs `relman validate`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let checked: Vec<Checked> = args
        .files
        .iter()
        .map(|path| check_file(globals, path, args.kind))
        .collect();
    match globals.format() {
        Format::Json => print_json(&checked),
        Format::Table => print_table(&checked),
    }
}

fn check_file(globals: &Globals, path: &str, kind: Option<DocumentKind>) -> Checked {
    let result = match globals.read(path) {
        Ok(input) => validate_text(kind, &input.text, globals.limits()).map_err(|e| e.to_body()),
        Err(failure) => Err(failure.body().cloned().unwrap_or_else(|| {
            relman::Error::invalid_input("", format!("cannot read `{path}`")).to_body()
        })),
    };
    let file = if path == "-" {
        crate::io::STDIN_NAME.to_string()
    } else {
        path.to_string()
    };
    Checked { file, result }
}

/// Validates `text` as `kind`, or as the kind its keys suggest. Text that
/// is not JSON gets the syntax error with its line and column.
fn validate_text(
    kind: Option<DocumentKind>,
    text: &str,
    limits: &relman::limits::Limits,
) -> Result<ValidationReport, relman::Error> {
    // The read-time limits before any parsing, also to detect the kind.
    limits.check_text(text)?;
    let kind = match kind {
        Some(kind) => kind,
        None => match serde_json::from_str::<Value>(text) {
            Ok(value) => detect(&value)?,
            // Syntax (and nesting) errors come before any kind-specific
            // check, so any kind reports them the same way.
            Err(_) => DocumentKind::Release,
        },
    };
    relman::validate::validate_with_limits(kind, text, limits)
}

/// The one kind the document's keys fit. None fitting, or several (`cis`
/// beside `blackouts`: a CMDB and a calendar), is an `invalid_input`
/// error asking for --kind: validated as the wrong kind, a broken document
/// could pass.
fn detect(value: &Value) -> Result<DocumentKind, relman::Error> {
    match DocumentKind::fitting(value).as_slice() {
        [kind] => Ok(*kind),
        [] => Err(relman::Error::invalid_input(
            "",
            format!(
                "cannot tell the document kind; pass --kind (one of: {})",
                kind_names()
            ),
        )),
        several => {
            let names: Vec<&str> = several.iter().map(|k| k.name()).collect();
            Err(relman::Error::invalid_input(
                "",
                format!(
                    "the document's keys fit {} kinds: {}; relman does not guess, pass --kind {}",
                    names.len(),
                    names.join(", "),
                    names.join(" or --kind ")
                ),
            ))
        }
    }
}

fn print_json(checked: &[Checked]) -> Result<Outcome, Failure> {
    if let [only] = checked {
        return match &only.result {
            Ok(report) => {
                output::print_json(report)?;
                Ok(Outcome::Ok)
            }
            Err(body) => Err(body.clone().into()),
        };
    }
    let entries: Vec<Entry<'_>> = checked
        .iter()
        .map(|c| Entry {
            file: &c.file,
            valid: c.result.is_ok(),
            report: c.result.as_ref().ok(),
            error: c.result.as_ref().err(),
        })
        .collect();
    output::print_json(&entries)?;
    let mut failed = checked
        .iter()
        .filter_map(|c| c.result.as_ref().err().map(|body| (&c.file, body)));
    let Some((file, body)) = failed.next() else {
        return Ok(Outcome::Ok);
    };
    let more = failed.count();
    let mut body = body.clone();
    body.message = format!("{file}: {}", body.message);
    if more > 0 {
        body.message
            .push_str(&format!(" (and {more} more invalid file{})", plural(more)));
    }
    Err(body.into())
}

fn print_table(checked: &[Checked]) -> Result<Outcome, Failure> {
    let several = checked.len() > 1;
    let mut ok = true;
    for c in checked {
        let prefix = if several {
            format!("{}: ", c.file)
        } else {
            String::new()
        };
        match &c.result {
            Ok(report) => {
                let mut lines = vec![format!("{prefix}{}", summary(report))];
                lines.extend(report.warnings.iter().map(|w| {
                    let at = if w.path.is_empty() {
                        String::new()
                    } else {
                        format!("{}: ", w.path)
                    };
                    format!("{prefix}  warning [{}] {at}{}", w.code, w.message)
                }));
                output::print(&lines.join("\n"))?;
            }
            Err(body) => {
                ok = false;
                for line in output::error_lines(body) {
                    output::eprint(&format!("{prefix}{line}"));
                }
            }
        }
    }
    if ok {
        Ok(Outcome::Ok)
    } else {
        Err(Failure::Reported)
    }
}

fn summary(report: &ValidationReport) -> String {
    let n = report.warnings.len();
    format!(
        "{}: valid (schema_version {}), {n} warning{}",
        report.document,
        report.schema_version,
        plural(n)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[derive(Debug, clap::Parser)]
    struct Probe {
        #[command(flatten)]
        args: Args,
    }

    #[test]
    fn help_lists_every_kind() {
        let help = Probe::command().render_long_help().to_string();
        for kind in DocumentKind::ALL {
            assert!(
                help.contains(kind.name()),
                "{} missing from {help}",
                kind.name()
            );
        }
    }

    #[test]
    fn undetectable_json_asks_for_kind() {
        let err =
            validate_text(None, r#"{"hello": 1}"#, &relman::limits::Limits::DEFAULT).unwrap_err();
        assert!(err.to_string().contains("--kind"), "{err}");
    }

    #[test]
    fn two_fitting_kinds_are_named_not_guessed() {
        let err = validate_text(
            None,
            r#"{"cis": [], "blackouts": []}"#,
            &relman::limits::Limits::DEFAULT,
        )
        .unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_input");
        let message = err.to_string();
        assert!(
            message.contains("cmdb, calendar") && message.contains("--kind calendar"),
            "{message}"
        );
        // A release carrying an attached risk is no policy: policies are
        // strict, and a policy has no `id` or `title`.
        let report = validate_text(
            None,
            r#"{"id": "R", "title": "T", "kind": "minor", "state": "planning", "risk": {"level": "low"}}"#,
            &relman::limits::Limits::DEFAULT,
        )
        .unwrap();
        assert_eq!(report.document, DocumentKind::Release);
    }

    #[test]
    fn summary_counts_warnings() {
        let report = validate_text(
            None,
            r#"{"id": "R", "title": "T", "kind": "minor", "state": "planning"}"#,
            &relman::limits::Limits::DEFAULT,
        )
        .unwrap();
        assert_eq!(
            summary(&report),
            "release: valid (schema_version 1), 0 warnings"
        );
    }
}
