//! `relman calendar SCHEDULE`: the schedule and its blackouts as an
//! iCalendar (.ics) file on stdout.

use relman::{IcsOptions, Schedule, Timestamp};

use crate::cmd::Outcome;
use crate::io::{Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Writes RFC 5545 iCalendar text to stdout: one VEVENT per scheduled release
(with --per-change also one per change) and the blackouts (with
--maintenance-windows also the maintenance windows) in the horizon [--from,
--from + --horizon-days): a recurring one as an RRULE series in its own zone,
bounded by the horizon, with EXDATE and a UTC event for each occurrence at a
DST change. DTSTAMP is --now (else `now` in --context, else the system clock,
named on stderr). Times are UTC unless --time-zone names an IANA zone (then
TZID where unambiguous, and a VTIMEZONE). With --format json the output is
{ics, events, warnings[]}; warnings otherwise go to stderr.

Exit status: 0 ok, 2 bad input.";

/// Arguments of `relman calendar`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The schedule (JSON; `-` reads stdin).
    #[arg(value_name = "SCHEDULE")]
    pub schedule: String,
    /// Start of the blackout horizon (RFC 3339; default --now).
    #[arg(long)]
    pub from: Option<String>,
    /// Length of the blackout horizon in days.
    #[arg(long, default_value_t = 90)]
    pub horizon_days: u32,
    /// One event per change as well.
    #[arg(long)]
    pub per_change: bool,
    /// IANA zone for event times (default UTC).
    #[arg(long)]
    pub time_zone: Option<String>,
    /// The calendar's display name.
    #[arg(long)]
    pub name: Option<String>,
    /// Also the maintenance windows (CATEGORIES MAINTENANCE).
    #[arg(long)]
    pub maintenance_windows: bool,
}

fn stamp(flag: &str, text: &str) -> Result<Timestamp, Failure> {
    Timestamp::parse(text).map_err(|e| Failure::invalid_input(format!("{flag}: {e}")))
}

/// Runs `relman calendar`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Schedule>(&args.schedule)?;
    let now = globals.now_or_clock()?.clone();
    let mut options = IcsOptions::new(now);
    options.from = args
        .from
        .as_deref()
        .map(|f| stamp("--from", f))
        .transpose()?;
    options.horizon_days = args.horizon_days;
    options.per_change = args.per_change;
    options.time_zone = args.time_zone.clone();
    options.name = args.name.clone();
    options.maintenance_windows = args.maintenance_windows;
    let mut export = relman::calendar_ics(&parsed.document, &options)?;
    export.warnings.splice(0..0, parsed.warnings);
    match globals.format_arg() {
        Some(Format::Json) => output::print_json(&export)?,
        _ => {
            for w in &export.warnings {
                output::eprint(&render::warning_line(w));
            }
            output::print_raw(&export.ics)?;
        }
    }
    Ok(Outcome::Ok)
}
