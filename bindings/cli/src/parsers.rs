//! The value parsers of the command line's flags, one per `value_parser =`
//! of the subcommands: pure functions from the flag's text to its value or
//! a message (clap prefixes it with the flag's name). They read nothing and
//! never panic; the fuzz target `cli_args` calls each one directly.

pub use crate::cmd::apply::parse_command_name;
pub use crate::cmd::kpi::parse_time;
pub use crate::cmd::slots::{parse_duration, MAX_DURATION_SECS};
pub use crate::cmd::validate::parse_kind;
pub use crate::cmd::verify_log::parse_hash;
pub use crate::io::{parse_snake, parse_state, parse_weekday};

/// Parses `apply --at`: an RFC 3339 timestamp with an offset
/// ([`relman::Timestamp::parse`]).
pub fn parse_timestamp(text: &str) -> Result<relman::Timestamp, String> {
    relman::Timestamp::parse(text)
}
