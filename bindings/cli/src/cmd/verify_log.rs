//! `relman verify-log RELEASE [--expected-head HASH]`: checks a release's
//! audit trail (the hash chain, sequence numbers and state).

use relman::Release;

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Prints the log verdict {valid, events, head, tamper?, events_after_expected_head?,
differences[]?, warnings[]}. `tamper` names the first problem: its kind
(edited, removed, inserted, reordered, truncated, state_mismatch of the
chain; empty_log for a release past planning without a log; diverged when
the document is not what its log yields; unauthenticated when a keyring is
given and a MAC or signature does not verify, or the log is not keyed), the
event (index, seq), the JSON
path and a message. `differences` lists every field where the document
differs from the log's replay: kind (edited, unlogged, missing, unreadable),
path (`approvals[1]`, `kind`, `tests[0].failed`), the seq of the event that
sealed or set it, and a message. The chain alone cannot see events cut off
the end of the log: store the `head` of each verdict outside the release and
pass it back with --expected-head to detect that too.

Keyed chains: with the global --keys FILE (or the environment variable
RELMAN_KEYS holding the keyring's JSON text; see `relman schema keyring`)
every event's MAC or signature is checked, so a log rewritten with
recomputed hashes is caught without --expected-head. Keys are never taken
from the command line itself.

With --format table: one line, `log verified` or `log TAMPERED`, then one
`difference [KIND] PATH (seq N): MESSAGE` line per difference and the
warnings.

Exit status: 0 the log verifies, 1 it does not (the verdict is still
printed on stdout), 2 bad input.";

/// Arguments of `relman verify-log`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The release whose `log[]` to verify (JSON; `-` reads stdin).
    #[arg(value_name = "RELEASE")]
    pub release: String,
    /// A head hash stored earlier (64 hex digits); detects a cut-off tail
    /// and says how many events were appended since.
    #[arg(long, value_name = "HASH", value_parser = parse_hash)]
    pub expected_head: Option<String>,
}

/// Parses a head hash: a SHA-256 hash as 64 hex digits (written lowercase,
/// as relman does), surrounding whitespace ignored.
pub fn parse_hash(text: &str) -> Result<String, String> {
    let hash = text.trim();
    if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hash.to_ascii_lowercase())
    } else {
        Err(format!(
            "`{text}` is not a head hash (64 hex digits, as `head` in a verdict)"
        ))
    }
}

/// Runs `relman verify-log`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Release>(&args.release)?;
    let release = &parsed.document;
    let mut verdict =
        relman::verify_log_with(release, args.expected_head.as_deref(), globals.keys()?);
    verdict.warnings.extend(parsed.warnings);
    match globals.format() {
        Format::Json => output::print_json(&verdict)?,
        Format::Table => {
            let mut lines = vec![render::log_verdict_line(&release.id, &verdict)];
            lines.extend(verdict.differences.iter().map(render::difference_line));
            lines.extend(verdict.warnings.iter().map(render::warning_line));
            output::print(&lines.join("\n"))?;
        }
    }
    Ok(if verdict.valid {
        Outcome::Ok
    } else {
        Outcome::Negative
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_hashes_are_64_hex_digits() {
        let upper = "AB".repeat(32);
        assert_eq!(parse_hash(&upper), Ok("ab".repeat(32)));
        assert!(parse_hash("abc").is_err());
        assert!(parse_hash(&"g".repeat(64)).is_err());
    }
}
