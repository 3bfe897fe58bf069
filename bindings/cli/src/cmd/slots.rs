//! `relman slots SCHEDULE --item ID --duration 2h`: the earliest windows in
//! which an item could run without a blocking conflict.

use chrono::{DateTime, TimeDelta, Utc};
use relman::{Schedule, SlotSuggestion};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Prints {item, duration_secs, from, until, granularity_secs, slots[],
warnings[]}: the earliest windows of --duration for the item, from --now
(else `now` in --context, else the system clock, named on stderr) to --now + --horizon,
inside the maintenance windows of the item's CIs, outside blocking
blackouts and free of every other conflict kind the policy makes blocking.
The item moves whole (all its changes take the slot's window). Slots start
on the search grid (the policy's `conflicts.slot_granularity_secs`,
default 15 minutes); each one starts at or after the end of the one before.

Durations: a number with a unit, s, m, h, d or w, or several (1h30m), at
most 16544868105599s (the span of the times relman can hold, about 524 000
years; a longer one is a usage error).

With --format table: one line per slot.

Exit status: 0 at least one slot found, 1 none within the horizon, 2 bad
input (schedule, unknown item, bad duration).";

/// Arguments of `relman slots`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The schedule (JSON; `-` reads stdin).
    #[arg(value_name = "SCHEDULE")]
    pub schedule: String,
    /// The release or change to place.
    #[arg(long, value_name = "ID")]
    pub item: String,
    /// How long each slot is (e.g. 90m, 2h, 1h30m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: u64,
    /// How far ahead of --now to search.
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = parse_duration)]
    pub horizon: u64,
    /// How many slots to find.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub count: usize,
}

/// The longest duration `--duration` and `--horizon` take, in seconds: the
/// span between the earliest and the latest instant chrono's
/// `DateTime<Utc>` holds (about 524 000 years; `TimeDelta::MAX`, about
/// 292 million years, is longer, so the instants bound it). A longer
/// duration cannot be added to any timestamp, so it is refused while the
/// flag is parsed, before any arithmetic. Core checks the durations it is
/// given itself too (`--horizon` is at most ten years there); should core
/// export a bound on slot durations, this constant can give way to it.
pub const MAX_DURATION_SECS: u64 = {
    let span = DateTime::<Utc>::MAX_UTC.timestamp() - DateTime::<Utc>::MIN_UTC.timestamp();
    let delta = TimeDelta::MAX.num_seconds();
    let max = if span < delta { span } else { delta };
    // Both are positive; the conversion cannot lose anything.
    max.unsigned_abs()
};

/// Parses `90m`, `2h`, `30d`, `1h30m`, `45s`, `2w` into seconds: numbers
/// each followed by a unit (s, m, h, d or w), summed; at most
/// [`MAX_DURATION_SECS`].
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not a duration like 90m, 2h, 1h30m or 30d");
    let too_long = || {
        format!(
            "`{text}` is longer than the longest duration relman can add to a time ({MAX_DURATION_SECS} seconds, about {} years)",
            MAX_DURATION_SECS / (365 * 86_400)
        )
    };
    // None once the sum is over the bound; malformed text is reported as
    // such wherever it is, before a sum that grew too long.
    let mut total: Option<u64> = Some(0);
    let mut number = String::new();
    let mut any = false;
    for ch in text.trim().chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let unit: u64 = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        if number.is_empty() {
            return Err(bad());
        }
        // Only digits: a number too large for u64 is too long a duration.
        let part = number.parse::<u64>().ok().and_then(|n| n.checked_mul(unit));
        total = total
            .zip(part)
            .and_then(|(t, p)| t.checked_add(p))
            .filter(|t| *t <= MAX_DURATION_SECS);
        number.clear();
        any = true;
    }
    if !number.is_empty() || !any {
        return Err(bad());
    }
    total.ok_or_else(too_long)
}

/// Runs `relman slots`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Schedule>(&args.schedule)?;
    let mut schedule = parsed.document;
    if let Some(policy) = globals.policy_file()? {
        schedule.policy = Some(policy.clone());
    }
    let now = globals.now_or_clock()?.clone();
    let result = relman::suggest_slots(
        &args.item,
        &schedule,
        args.duration,
        &now,
        args.horizon,
        args.count,
    )?;
    match globals.format() {
        Format::Json => output::print_json(&result)?,
        Format::Table => output::print(&lines(&result).join("\n"))?,
    }
    Ok(if result.slots.is_empty() {
        Outcome::Negative
    } else {
        Outcome::Ok
    })
}

fn lines(s: &SlotSuggestion) -> Vec<String> {
    let mut lines = vec![format!(
        "{}: {} slot{} of {}s between {} and {} (grid {}s)",
        s.item,
        s.slots.len(),
        render::plural(s.slots.len()),
        s.duration_secs,
        s.from,
        s.until,
        s.granularity_secs
    )];
    lines.extend(
        s.slots
            .iter()
            .enumerate()
            .map(|(i, w)| format!("  {}. {} → {}", i + 1, w.start, w.end)),
    );
    lines.extend(s.warnings.iter().map(render::warning_line));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m"), Ok(5400));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("30d"), Ok(2_592_000));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        for bad in ["", "2", "h", "2x", "1.5h", "-2h", "99999999999999999999w"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn help_states_the_bound() {
        assert!(AFTER_HELP.contains(&format!("{MAX_DURATION_SECS}s")));
    }

    #[test]
    fn the_bound_is_the_span_chrono_holds() {
        // From -262143-01-01 to +262142-12-31T23:59:59 (chrono 0.4.45).
        assert_eq!(MAX_DURATION_SECS, 16_544_868_105_599);
        assert!(MAX_DURATION_SECS < TimeDelta::MAX.num_seconds().unsigned_abs());
        let max = format!("{MAX_DURATION_SECS}s");
        assert_eq!(parse_duration(&max), Ok(MAX_DURATION_SECS));
        let over = format!("{}s", MAX_DURATION_SECS + 1);
        let err = parse_duration(&over).unwrap_err();
        assert!(err.contains("longest duration"), "{err}");
        // Found on main: this overflowed the slot arithmetic.
        let err = parse_duration("106751991167300d").unwrap_err();
        assert!(err.contains("longest duration"), "{err}");
        // Each part within the bound, the sum over it.
        let half = MAX_DURATION_SECS / 2 + 1;
        assert!(parse_duration(&format!("{half}s{half}s")).is_err());
        assert!(parse_duration("99999999999999999999w")
            .unwrap_err()
            .contains("longest"));
        // Malformed wins over too long, wherever it is (found by cli_args).
        let err = parse_duration("1067519300d730-0d").unwrap_err();
        assert!(err.contains("is not a duration"), "{err}");
    }
}
