//! `RelmanError`: relman's error codes as one UniFFI error enum (a Swift
//! `enum RelmanError: Error`, a Python exception class per variant). Every
//! variant carries `code` (the stable snake_case string every front end
//! shares) and `message`; the others carry what a caller needs to explain
//! the error: `path` and `problems`, `violations` and the gate report,
//! `rule`.

use crate::json::JsonValue;
use crate::remote::{Problem, Violation};
use relman::Error;

/// The error of every relman function. It displays as its `message`, and
/// that `Display` is exported: in Swift, `description` and
/// `localizedDescription` are the message a person reads; the fields stay
/// for code.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum RelmanError {
    /// The input cannot be processed (bad JSON, wrong type, missing field,
    /// failed semantic check). `problems` lists every problem.
    #[error("{message}")]
    InvalidInput {
        /// Always `invalid_input`.
        code: String,
        /// A human message (the first problem).
        message: String,
        /// The JSON path of the first problem (empty: the whole input).
        path: String,
        /// 1-based line in JSON text, when parsing text.
        line: Option<u64>,
        /// 1-based column in JSON text, when parsing text.
        column: Option<u64>,
        /// Every problem found.
        problems: Vec<Problem>,
    },
    /// The policy is malformed or inconsistent.
    #[error("{message}")]
    InvalidPolicy {
        /// Always `invalid_policy`.
        code: String,
        /// A human message.
        message: String,
        /// The path of the first problem.
        path: String,
        /// Every problem found in the policy.
        problems: Vec<Problem>,
    },
    /// A `schema_version` this build does not read.
    #[error("{message}")]
    UnsupportedVersion {
        /// Always `unsupported_version`.
        code: String,
        /// A human message.
        message: String,
        /// Where the version was found.
        path: String,
    },
    /// A lifecycle command was denied by unmet gates.
    #[error("{message}")]
    TransitionDenied {
        /// Always `transition_denied`.
        code: String,
        /// A one-line summary.
        message: String,
        /// Every unmet rule.
        violations: Vec<Violation>,
        /// The full gate report (JSON text of a `GateReport`).
        report: JsonValue,
    },
    /// The actor may not do this.
    #[error("{message}")]
    Forbidden {
        /// Always `forbidden`.
        code: String,
        /// Why.
        message: String,
        /// The rule that forbids it (e.g. `sod.self_approval`).
        rule: String,
    },
    /// An audit log failed verification.
    #[error("{message}")]
    LogTampered {
        /// Always `log_tampered`.
        code: String,
        /// What is wrong.
        message: String,
        /// The path of the first bad event.
        path: String,
    },
    /// A documented limit was exceeded.
    #[error("{message}")]
    LimitExceeded {
        /// Always `limit_exceeded`.
        code: String,
        /// What was exceeded.
        message: String,
        /// Where in the input.
        path: String,
    },
    /// Another writer got there first: the log no longer ends at the
    /// expected head.
    #[error("{message}")]
    Conflict {
        /// Always `conflict`.
        code: String,
        /// What happened.
        message: String,
        /// Always `log`.
        path: String,
        /// The head the caller expected.
        expected: String,
        /// The head the log ends at.
        found: String,
    },
    /// A bug in relman, including a panic caught at the FFI boundary.
    #[error("{message}")]
    Internal {
        /// Always `internal`.
        code: String,
        /// What went wrong.
        message: String,
    },
}

impl RelmanError {
    /// The stable machine code.
    pub fn code(&self) -> &str {
        match self {
            RelmanError::InvalidInput { code, .. }
            | RelmanError::InvalidPolicy { code, .. }
            | RelmanError::UnsupportedVersion { code, .. }
            | RelmanError::TransitionDenied { code, .. }
            | RelmanError::Forbidden { code, .. }
            | RelmanError::LogTampered { code, .. }
            | RelmanError::LimitExceeded { code, .. }
            | RelmanError::Conflict { code, .. }
            | RelmanError::Internal { code, .. } => code,
        }
    }

    /// An `internal` error.
    pub fn internal(message: impl Into<String>) -> Self {
        RelmanError::Internal {
            code: "internal".to_string(),
            message: message.into(),
        }
    }

    /// An `invalid_input` error with one problem.
    pub fn invalid_input(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::invalid_input(path, message).into()
    }
}

impl From<Error> for RelmanError {
    fn from(err: Error) -> Self {
        let body = err.to_body();
        let code = body.code.as_str().to_string();
        let message = body.message;
        let path = body.path.unwrap_or_default();
        let problems = || body.problems.clone();
        match err {
            Error::InvalidInput { .. } => RelmanError::InvalidInput {
                code,
                message,
                path,
                line: body.line.map(|l| l as u64),
                column: body.column.map(|c| c as u64),
                problems: problems(),
            },
            Error::InvalidPolicy { .. } => RelmanError::InvalidPolicy {
                code,
                message,
                path,
                problems: problems(),
            },
            Error::UnsupportedVersion { .. } => RelmanError::UnsupportedVersion {
                code,
                message,
                path,
            },
            Error::TransitionDenied { .. } => RelmanError::TransitionDenied {
                code,
                message,
                violations: body.violations.clone(),
                report: body.report.unwrap_or_default(),
            },
            Error::Forbidden { .. } => RelmanError::Forbidden {
                code,
                message,
                rule: body.rule.unwrap_or_default(),
            },
            Error::LogTampered { .. } => RelmanError::LogTampered {
                code,
                message,
                path,
            },
            Error::LimitExceeded { .. } => RelmanError::LimitExceeded {
                code,
                message,
                path,
            },
            Error::Conflict { .. } => RelmanError::Conflict {
                code,
                message,
                path,
                expected: body.expected.unwrap_or_default(),
                found: body.found.unwrap_or_default(),
            },
            _ => RelmanError::Internal { code, message },
        }
    }
}
