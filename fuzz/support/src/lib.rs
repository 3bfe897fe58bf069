//! The property checks behind relman's fuzz targets, one `check_*` function
//! per target, with the `arbitrary`-driven generators and plain oracles they
//! use.
//!
//! Each check takes the raw bytes a fuzzer (or a corpus file) supplies and
//! panics when a property is violated; it returns normally otherwise, also
//! for bytes that do not make a meaningful input. The fuzz targets in
//! `fuzz/fuzz_targets/` are one-liners calling these, and this crate's tests
//! replay every committed corpus and regression file through the same
//! functions, so a crash found by fuzzing becomes an ordinary
//! `cargo test` regression.
//!
//! ```
//! // A release that parses, written back and parsed again.
//! let mut input = vec![0u8]; // kind selector: release
//! input.extend_from_slice(br#"{"id": "R", "title": "T", "kind": "minor", "state": "planning"}"#);
//! relman_fuzz_support::check_document_roundtrip(&input);
//! ```

// The checks exist to panic on a broken property, and index into fixed
// tables of choices: the lints that forbid this in the library do not apply.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

pub mod accbytes;
pub mod cli;
pub mod conflicts;
pub mod gen;
pub mod kpi;
pub mod lifecycle;
pub mod metrics;
pub mod ndjson;
pub mod parse;
pub mod rollout;
pub mod servicenow;

pub use accbytes::check_kpi_accumulator_bytes;
pub use cli::check_cli_args;
pub use conflicts::check_conflicts_diff;
pub use kpi::check_kpi_diff;
pub use lifecycle::check_lifecycle_commands;
pub use metrics::{check_metrics_datadog, check_metrics_prometheus};
pub use ndjson::check_kpi_ndjson;
pub use parse::{check_api_call, check_document_parse, check_document_roundtrip};
pub use rollout::check_rollout_inputs;
pub use servicenow::check_servicenow_readers;

/// A fuzz target: its name (the file name under `fuzz/fuzz_targets/` and
/// the directory under `fuzz/corpus/` and `fuzz/regressions/`) and check.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The target name.
    pub name: &'static str,
    /// The property check run on each input.
    pub check: fn(&[u8]),
}

/// Every fuzz target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "document_parse",
        check: check_document_parse,
    },
    Target {
        name: "document_roundtrip",
        check: check_document_roundtrip,
    },
    Target {
        name: "api_call",
        check: check_api_call,
    },
    Target {
        name: "conflicts_diff",
        check: check_conflicts_diff,
    },
    Target {
        name: "kpi_diff",
        check: check_kpi_diff,
    },
    Target {
        name: "kpi_ndjson",
        check: check_kpi_ndjson,
    },
    Target {
        name: "lifecycle_commands",
        check: check_lifecycle_commands,
    },
    Target {
        name: "rollout_inputs",
        check: check_rollout_inputs,
    },
    Target {
        name: "cli_args",
        check: check_cli_args,
    },
    Target {
        name: "servicenow_readers",
        check: check_servicenow_readers,
    },
    Target {
        name: "metrics_prometheus",
        check: check_metrics_prometheus,
    },
    Target {
        name: "metrics_datadog",
        check: check_metrics_datadog,
    },
    Target {
        name: "kpi_accumulator_bytes",
        check: check_kpi_accumulator_bytes,
    },
];

/// Asserts the shape every relman error must have: a known code other than
/// `internal` (no input may cause an internal error), a message, and an
/// [`relman::ErrorBody`] that serialises and reads back.
pub fn check_error(err: &relman::Error) {
    let body = err.to_body();
    assert!(
        relman::ErrorCode::ALL.contains(&body.code),
        "unknown code in {err:?}"
    );
    assert_ne!(
        body.code,
        relman::ErrorCode::Internal,
        "input caused an internal error: {err}"
    );
    assert!(!body.message.is_empty(), "empty message in {err:?}");
    let json = serde_json::to_string(&body).expect("an ErrorBody serialises");
    let back: relman::ErrorBody = serde_json::from_str(&json).expect("an ErrorBody reads back");
    assert_eq!(back.code, body.code);
}
