//! The plain oracles relman's property tests (`core/tests/*_props.rs`) and
//! fuzz checks (`fuzz/support`) compare the engines with, in one place:
//! each is written from the definition, as directly as possible, with no
//! concern for speed.
//!
//! - [`conflicts`]: the all-pairs detection of the overlap kinds, with the
//!   generated schedule it reads;
//! - [`lifecycle`]: the actor directory and the state machine's edges;
//! - [`kpi`]: sort-based duration statistics, lead times and the change
//!   failure count, and the release records of generated histories.

// Oracles index fixed tables and stop loudly on what cannot happen in a
// generated case: the lints that forbid this in the library do not apply.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

pub mod conflicts;
pub mod kpi;
pub mod lifecycle;

/// The RFC 3339 text of a Unix time, as relman writes it (UTC, `Z`).
pub fn iso(secs: i64) -> String {
    relman::Timestamp::from_utc(relman::calendar::utc(secs)).to_string()
}
