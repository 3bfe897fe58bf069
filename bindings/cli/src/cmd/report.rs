//! `relman report SCHEDULE [--history H]`: the change calendar and the KPI
//! charts as one self-contained HTML page on stdout (or `--out FILE`).

use relman::policy::SeriesInterval;
use relman::{History, KpiOptions, ReportGroupBy, ReportOptions, Schedule, Timestamp, Weekday};

use crate::cmd::kpi::parse_time;
use crate::cmd::Outcome;
use crate::io::{self, Format, Globals};
use crate::output::{self, Failure};
use crate::render;
use crate::write;

const AFTER_HELP: &str = "\
Writes one HTML page (inline CSS and SVG, no script, no network) to stdout
or --out: the schedule's releases and changes week by week on a timeline
with one row per CI (or --group-by service), conflicts highlighted, numbered
and listed in a table with their explanations, blackouts and maintenance
windows shaded; with --history also the DORA KPI series (deployment
frequency, lead time p50/p90, change failure rate, recovery time) as charts
with the DORA tier bands. The window defaults to the schedule's span; the
page reads no clock (--now adds a \"generated at\" line). The same input
gives the same bytes. With --format json the output is {html, releases,
changes, conflicts, weeks, charts, warnings[]}; warnings otherwise go to
stderr. See docs/reports.md.

Exit status: 0 ok, 2 bad input.";

/// Arguments of `relman report`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The schedule (JSON; `-` reads stdin).
    #[arg(value_name = "SCHEDULE")]
    pub schedule: String,
    /// A history: adds the KPI charts.
    #[arg(long, value_name = "FILE")]
    pub history: Option<String>,
    /// Rows per `ci` or per `service`.
    #[arg(long, value_name = "KEY", value_parser = io::parse_snake::<ReportGroupBy>)]
    pub group_by: Option<ReportGroupBy>,
    /// IANA zone of the times shown and the weeks (default UTC).
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// First day of a week (mon … sun; default mon).
    #[arg(long, value_name = "DAY", value_parser = io::parse_weekday)]
    pub week_start: Option<Weekday>,
    /// The page's title.
    #[arg(long)]
    pub title: Option<String>,
    /// Start of the calendar window (RFC 3339; default the earliest start).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: Option<Timestamp>,
    /// End of the calendar window, exclusive (default the latest end).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub to: Option<Timestamp>,
    /// KPI series buckets: week or month (default: the policy's, weeks).
    #[arg(long, value_name = "INTERVAL", value_parser = io::parse_snake::<SeriesInterval>)]
    pub series: Option<SeriesInterval>,
    /// Write the page to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
}

/// Runs `relman report`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let parsed = globals.read_document::<Schedule>(&args.schedule)?;
    let history = args
        .history
        .as_deref()
        .map(|h| globals.read_document::<History>(h))
        .transpose()?;
    let options = ReportOptions {
        group_by: args.group_by.unwrap_or_default(),
        time_zone: args.time_zone.clone(),
        week_start: args.week_start,
        title: args.title.clone(),
        from: args.from.clone(),
        to: args.to.clone(),
        now: globals.now_arg()?.cloned(),
        kpi: args.series.map(|series| KpiOptions {
            series: Some(series),
            ..KpiOptions::default()
        }),
    };
    let mut report = relman::report(
        &parsed.document,
        history.as_ref().map(|h| &h.document),
        &options,
    )?;
    let mut read_warnings = parsed.warnings;
    if let Some(h) = history {
        read_warnings.extend(h.warnings);
    }
    report.warnings.splice(0..0, read_warnings);
    match globals.format_arg() {
        Some(Format::Json) => output::print_json(&report)?,
        _ => {
            for w in &report.warnings {
                output::eprint(&render::warning_line(w));
            }
            match &args.out {
                Some(path) => write::write_atomic(
                    &mut write::RealFs,
                    std::path::Path::new(path),
                    report.html.as_bytes(),
                )?,
                None => output::print_raw(&report.html)?,
            }
        }
    }
    Ok(Outcome::Ok)
}
