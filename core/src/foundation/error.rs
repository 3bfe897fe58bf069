//! The one error type of relman, its stable machine codes and its JSON form.
//!
//! Every front end (Rust, Python, Node, Swift, CLI) reports the same
//! [`ErrorCode`] strings and the same [`ErrorBody`] JSON, so a host can branch
//! on `code` whatever language it uses.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The stable machine code of an [`Error`]. Serialised in snake_case
/// (`invalid_input`, `transition_denied`, …); these strings never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The input document cannot be processed: bad JSON, wrong type, missing
    /// field, unknown enum value or a failed semantic check.
    InvalidInput,
    /// The policy document is malformed or inconsistent.
    InvalidPolicy,
    /// A document carries a `schema_version` this build does not know.
    UnsupportedVersion,
    /// A lifecycle command was denied by unmet gates (the error carries the
    /// full gate report).
    TransitionDenied,
    /// The actor may not do this: separation of duties or a missing role.
    Forbidden,
    /// An audit log does not verify.
    LogTampered,
    /// The input exceeds a documented limit (size, depth, count).
    LimitExceeded,
    /// Another writer got there first: the release's log head is not the
    /// one the caller expected (a compare-and-swap on the head failed).
    Conflict,
    /// A front end that writes files (the CLI) ran out of space; the target
    /// is unchanged.
    StorageFull,
    /// A front end that reads or writes files (the CLI) was refused access
    /// by the operating system.
    PermissionDenied,
    /// A bug in relman (for example a panic caught at an FFI boundary).
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 11] = [
        ErrorCode::InvalidInput,
        ErrorCode::InvalidPolicy,
        ErrorCode::UnsupportedVersion,
        ErrorCode::TransitionDenied,
        ErrorCode::Forbidden,
        ErrorCode::LogTampered,
        ErrorCode::LimitExceeded,
        ErrorCode::Conflict,
        ErrorCode::StorageFull,
        ErrorCode::PermissionDenied,
        ErrorCode::Internal,
    ];

    /// The stable snake_case string of this code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::InvalidPolicy => "invalid_policy",
            ErrorCode::UnsupportedVersion => "unsupported_version",
            ErrorCode::TransitionDenied => "transition_denied",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::LogTampered => "log_tampered",
            ErrorCode::LimitExceeded => "limit_exceeded",
            ErrorCode::Conflict => "conflict",
            ErrorCode::StorageFull => "storage_full",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in an input document: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Problem {
    /// The JSON path of the offending value, e.g. `releases[3].planned_end`;
    /// empty for the document as a whole.
    pub path: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// 1-based line in the source text, when the problem was found while
    /// parsing text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in the source text, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Problem {
    /// A problem at `path` with `message`, without a text position.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)?;
        } else {
            write!(f, "{}: {}", self.path, self.message)?;
        }
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " at line {line} column {column}")?;
        }
        Ok(())
    }
}

/// One unmet rule behind a denial: the rule id, a human message and the data
/// the rule looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Violation {
    /// The stable id of the rule, e.g. `approval.quorum`.
    pub rule: String,
    /// Why the rule is not met.
    pub message: String,
    /// The values the rule looked at.
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub data: Value,
}

/// Something odd but not fatal, reported beside a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Warning {
    /// A stable snake_case code for the kind of warning.
    pub code: String,
    /// The JSON path the warning is about; empty for the whole input.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// What was odd, in one sentence.
    pub message: String,
}

impl Warning {
    /// A warning with `code` at `path`.
    pub fn new(
        code: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Warning {
            code: code.into(),
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The error of every relman operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input cannot be processed. `problems` lists every problem found
    /// (at least one); the first one is the headline.
    #[error("{}", headline(problems))]
    InvalidInput {
        /// Every problem found, in document order where possible.
        problems: Vec<Problem>,
    },
    /// The policy is malformed or inconsistent; `problems` lists each issue
    /// with its path inside the policy.
    #[error("invalid policy: {}", headline(problems))]
    InvalidPolicy {
        /// Every problem found in the policy.
        problems: Vec<Problem>,
    },
    /// A `schema_version` this build does not support.
    #[error("{path}: unsupported schema_version {found}; this build supports {supported}")]
    UnsupportedVersion {
        /// Where the version was found.
        path: String,
        /// The version found, as written.
        found: Value,
        /// The version this build reads.
        supported: u32,
    },
    /// A lifecycle command was denied because gates are unmet.
    #[error("{message}")]
    TransitionDenied {
        /// A one-line summary of the denial.
        message: String,
        /// Every unmet rule.
        violations: Vec<Violation>,
        /// The full gate report, as data.
        report: Value,
    },
    /// The actor may not do this.
    #[error("{message}")]
    Forbidden {
        /// The rule that forbids it.
        rule: String,
        /// Why it is forbidden.
        message: String,
    },
    /// An audit log failed verification.
    #[error("{message}")]
    LogTampered {
        /// The path of the first bad event, e.g. `log[3]`.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// A documented limit was exceeded.
    #[error("{path}: {what} exceeds the limit of {limit} (found {found})")]
    LimitExceeded {
        /// Where in the input the limit was hit.
        path: String,
        /// What was counted (e.g. `JSON nesting depth`).
        what: String,
        /// The limit in force.
        limit: u64,
        /// The value found (or the count reached when counting stopped).
        found: u64,
    },
    /// The caller expected the release's log to end at one head and it ends
    /// at another: someone else applied a command in between.
    #[error("log: expected the log head {expected}, found {found}")]
    Conflict {
        /// The head hash the caller expected (`""` for an empty log).
        expected: String,
        /// The head hash found (`""` for an empty log).
        found: String,
    },
    /// A bug in relman.
    #[error("internal error: {message}")]
    Internal {
        /// What went wrong.
        message: String,
    },
}

fn headline(problems: &[Problem]) -> String {
    match problems {
        [] => "invalid input".to_string(),
        [only] => only.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more problems)", rest.len()),
    }
}

impl Error {
    /// The same error with every input path it carries rewritten by `f`:
    /// the problems of `invalid_input` and `invalid_policy`, the path of
    /// `unsupported_version` and `limit_exceeded` (e.g. put under the
    /// parameter, table, line or row that held the input). Other errors
    /// are returned unchanged.
    pub fn map_paths(self, f: impl Fn(&str) -> String) -> Error {
        match self {
            Error::InvalidInput { mut problems } => {
                for p in &mut problems {
                    p.path = f(&p.path);
                }
                Error::InvalidInput { problems }
            }
            Error::InvalidPolicy { mut problems } => {
                for p in &mut problems {
                    p.path = f(&p.path);
                }
                Error::InvalidPolicy { problems }
            }
            Error::UnsupportedVersion {
                path,
                found,
                supported,
            } => Error::UnsupportedVersion {
                path: f(&path),
                found,
                supported,
            },
            Error::LimitExceeded {
                path,
                what,
                limit,
                found,
            } => Error::LimitExceeded {
                path: f(&path),
                what,
                limit,
                found,
            },
            other => other,
        }
    }

    /// An `invalid_input` error with a single problem.
    pub fn invalid_input(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            problems: vec![Problem::new(path, message)],
        }
    }

    /// An `invalid_policy` error with a single problem.
    pub fn invalid_policy(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidPolicy {
            problems: vec![Problem::new(path, message)],
        }
    }

    /// An `internal` error.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal {
            message: message.into(),
        }
    }

    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput { .. } => ErrorCode::InvalidInput,
            Error::InvalidPolicy { .. } => ErrorCode::InvalidPolicy,
            Error::UnsupportedVersion { .. } => ErrorCode::UnsupportedVersion,
            Error::TransitionDenied { .. } => ErrorCode::TransitionDenied,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::LogTampered { .. } => ErrorCode::LogTampered,
            Error::LimitExceeded { .. } => ErrorCode::LimitExceeded,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// The JSON path the error is about, when it has one.
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::InvalidInput { problems } | Error::InvalidPolicy { problems } => {
                problems.first().map(|p| p.path.as_str())
            }
            Error::UnsupportedVersion { path, .. }
            | Error::LogTampered { path, .. }
            | Error::LimitExceeded { path, .. } => Some(path.as_str()),
            Error::Conflict { .. } => Some("log"),
            Error::TransitionDenied { .. } | Error::Forbidden { .. } | Error::Internal { .. } => {
                None
            }
        }
    }

    /// Every problem of an input or policy error (empty for other codes).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::InvalidInput { problems } | Error::InvalidPolicy { problems } => problems,
            _ => &[],
        }
    }

    /// The JSON form shared by every front end.
    pub fn to_body(&self) -> ErrorBody {
        let first = self.problems().first();
        let (violations, report, rule) = match self {
            Error::TransitionDenied {
                violations, report, ..
            } => (violations.clone(), Some(report.clone()), None),
            Error::Forbidden { rule, .. } => (Vec::new(), None, Some(rule.clone())),
            _ => (Vec::new(), None, None),
        };
        let (expected, found) = match self {
            Error::Conflict { expected, found } => (Some(expected.clone()), Some(found.clone())),
            _ => (None, None),
        };
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
            path: self.path().map(str::to_string),
            line: first.and_then(|p| p.line),
            column: first.and_then(|p| p.column),
            problems: self.problems().to_vec(),
            rule,
            violations,
            report,
            expected,
            found,
        }
    }
}

/// The JSON form of an [`Error`], identical in every front end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    /// The stable machine code.
    pub code: ErrorCode,
    /// A human message.
    pub message: String,
    /// The JSON path of the (first) offending value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line in the source text, when parsing text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column in the source text, when parsing text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Every problem, for `invalid_input` and `invalid_policy`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// The rule that forbids the action, for `forbidden`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Every unmet rule, for `transition_denied`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    /// The full gate report, for `transition_denied`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Value>,
    /// For `conflict`: the log head the caller expected (`""`: an empty
    /// log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// For `conflict`: the log head found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
}

/// The result type of relman operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
