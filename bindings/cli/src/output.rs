//! Output: the error type of commands, writing to stdout and stderr, and
//! the readable forms of errors.

use std::io::{ErrorKind, Write};

use relman::{ErrorBody, Problem};
use serde::Serialize;

use crate::io::Format;

/// Why a command failed (exit status 2).
#[derive(Debug, Clone)]
pub enum Failure {
    /// An error still to be reported on stderr.
    Error(Box<ErrorBody>),
    /// The command has already written its error output.
    Reported,
}

impl From<relman::Error> for Failure {
    fn from(err: relman::Error) -> Self {
        Failure::Error(Box::new(err.to_body()))
    }
}

impl From<ErrorBody> for Failure {
    fn from(body: ErrorBody) -> Self {
        Failure::Error(Box::new(body))
    }
}

impl Failure {
    /// An `invalid_input` error about the command line or a file as a whole
    /// (its one problem has an empty path).
    pub fn invalid_input(message: impl Into<String>) -> Self {
        relman::Error::invalid_input("", message).into()
    }

    /// An `internal` error.
    pub fn internal(message: impl Into<String>) -> Self {
        relman::Error::internal(message).into()
    }

    /// The error body, unless already reported.
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            Failure::Error(body) => Some(body),
            Failure::Reported => None,
        }
    }

    /// The same error with `prefix` before its headline message (the
    /// problems keep their own messages).
    pub fn prefixed(self, prefix: &str) -> Self {
        match self {
            Failure::Error(mut body) => {
                body.message.insert_str(0, prefix);
                Failure::Error(body)
            }
            Failure::Reported => Failure::Reported,
        }
    }
}

/// Pretty JSON of `value`.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map_err(|e| Failure::internal(format!("cannot serialise the output: {e}")))
}

/// Writes `text` and a newline to stdout. A closed pipe (`relman … | head`)
/// is not an error.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    stdout_result(writeln!(out, "{text}").and_then(|()| out.flush()))
}

/// Writes `text` to stdout as it is, with no newline added (an .ics file
/// with its CRLF line ends, an HTML page). A closed pipe is not an error.
pub fn print_raw(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    stdout_result(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// A write to stdout as the CLI reports it: a closed pipe is no error.
fn stdout_result(written: std::io::Result<()>) -> Result<(), Failure> {
    match written {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => {
            Err(Failure::internal(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// Writes `value` as pretty JSON and a newline to stdout — the bytes of
/// [`to_json`] and [`print`], streamed through a buffer instead of built
/// as one string first (a large report would otherwise sit in memory
/// twice). A closed pipe is not an error.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if let Err(e) = serde_json::to_writer_pretty(&mut out, value) {
        return match e.io_error_kind() {
            Some(ErrorKind::BrokenPipe) => Ok(()),
            Some(_) => Err(Failure::internal(format!("cannot write to stdout: {e}"))),
            None => Err(Failure::internal(format!(
                "cannot serialise the output: {e}"
            ))),
        };
    }
    stdout_result(writeln!(out).and_then(|()| out.flush()))
}

/// Writes `text` and a newline to stderr; there is nowhere to report a
/// failure to do so.
pub fn eprint(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Reports a failure on stderr: one pretty JSON object, or readable lines
/// with `--format table`.
pub fn report_failure(format: Format, failure: &Failure) {
    let Some(body) = failure.body() else {
        return;
    };
    match format {
        Format::Json => match serde_json::to_string_pretty(body) {
            Ok(json) => eprint(&json),
            // Cannot happen for an ErrorBody; still say something useful.
            Err(_) => eprint(&format!(
                "{{\"code\": \"{}\", \"message\": {:?}}}",
                body.code, body.message
            )),
        },
        Format::Table => {
            for line in error_lines(body) {
                eprint(&line);
            }
        }
    }
}

/// The readable form of an error: `PATH: MESSAGE (line L, column C)` per
/// problem, or the message when the error has no problem list; a denial
/// adds one `[--] RULE  MESSAGE` line per unmet rule, a refusal its rule.
pub fn error_lines(body: &ErrorBody) -> Vec<String> {
    if !body.problems.is_empty() {
        return body.problems.iter().map(problem_line).collect();
    }
    let mut lines = vec![body.message.clone()];
    if let Some(rule) = &body.rule {
        lines.push(format!("  rule: {rule}"));
    }
    let width = body
        .violations
        .iter()
        .map(|v| v.rule.chars().count())
        .max()
        .unwrap_or(0);
    lines.extend(
        body.violations
            .iter()
            .map(|v| format!("  [--] {:width$}  {}", v.rule, v.message)),
    );
    lines
}

fn problem_line(p: &Problem) -> String {
    let mut line = if p.path.is_empty() {
        p.message.clone()
    } else {
        format!("{}: {}", p.path, p.message)
    };
    match (p.line, p.column) {
        (Some(l), Some(c)) => line.push_str(&format!(" (line {l}, column {c})")),
        (Some(l), None) => line.push_str(&format!(" (line {l})")),
        _ => {}
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_read_as_path_message_position() {
        let body = relman::validate(relman::DocumentKind::Release, "{\n  \"id\": }")
            .unwrap_err()
            .to_body();
        let lines = error_lines(&body);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].ends_with("(line 2, column 9)"), "{}", lines[0]);
    }

    #[test]
    fn denials_list_their_rules() {
        let body = relman::Error::Forbidden {
            rule: "sod.owner_approval".to_string(),
            message: "no".to_string(),
        }
        .to_body();
        assert_eq!(error_lines(&body), vec!["no", "  rule: sod.owner_approval"]);
        let body = relman::Error::TransitionDenied {
            message: "denied".to_string(),
            violations: vec![
                relman::Violation {
                    rule: "planning.scope".to_string(),
                    message: "no scope".to_string(),
                    data: serde_json::Value::Null,
                },
                relman::Violation {
                    rule: "planning.window".to_string(),
                    message: "no window".to_string(),
                    data: serde_json::Value::Null,
                },
            ],
            report: serde_json::Value::Null,
        }
        .to_body();
        assert_eq!(
            error_lines(&body),
            vec![
                "denied",
                "  [--] planning.scope   no scope",
                "  [--] planning.window  no window"
            ]
        );
    }

    #[test]
    fn prefix_goes_before_the_headline_only() {
        let failure = Failure::invalid_input("bad").prefixed("--policy p.json: ");
        let body = failure.body().unwrap();
        assert_eq!(body.message, "--policy p.json: bad");
        assert_eq!(body.problems[0].message, "bad");
    }
}
