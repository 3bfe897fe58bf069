//! `relman kpi HISTORY [--input-format --incidents --releases --from --to
//! --tz --week-start --series --group-by]`: the DORA five keys and the ITIL
//! release KPIs of a history (one JSON document, NDJSON streamed line by
//! line, Parquet tables read batch by batch, or Arrow IPC tables), with a
//! weekly or monthly series and optional groups.

use relman::kpi::{DurationStats, KpiSet, Rate, TierVerdict};
use relman::ndjson::NdjsonHistory;
use relman::policy::{KpiGroupBy, SeriesInterval};
use relman::{History, KpiOptions, KpiReport, Timestamp, Weekday};

use crate::cmd::Outcome;
use crate::io::{self, Format, Globals};
use crate::output::{self, Failure};
use crate::render;

const AFTER_HELP: &str = "\
Prints the KPI report {settings, period, benchmark, kpis {dora, itil},
series[], groups[], attribution, records, warnings[]}. Every option
overrides the `kpi` section of the policy in force (--policy, else the
policy of --context, else the defaults: UTC, weeks from Monday,
production = [\"production\"], attribution explicit then 24 h window).
The period is [--from, --to): records outside it are ignored. Empty sets
give null with a reason, never 0. See docs/kpi.md for every formula.

FILE is one history document (JSON), or NDJSON when it ends in .ndjson or
.jsonl or with --input-format ndjson: one record per line,
{\"deployment\": …}, {\"incident\": …} or {\"release\": …}, blank lines
skipped. NDJSON is read line by line (memory grows with what the KPIs
keep, not with the file); --max-document-bytes and --max-items apply to
each line, and errors name the line (`line 12: deployment.finished_at`).

FILE is a Parquet deployments table when it ends in .parquet or .pq or
with --input-format parquet; --incidents FILE and --releases FILE give the
incidents and releases tables (Parquet). Columns are named as the records'
JSON fields, times are timestamp(unit, \"UTC\") or RFC 3339 strings,
changes a list<struct<id, committed_at>>; a releases table holds one
Release document (JSON) per row in its column `release`. Errors name the
column (`deployments.finished_at`) or the row (`deployments[12].outcome`).
See docs/kpi.md, \"Arrow and Parquet\".

FILE is an Arrow IPC deployments table when it ends in .arrow, .arrows,
.feather or .ipc or with --input-format arrow: the IPC file format
(Feather v2, `tableToIPC(table, 'file')`) or the stream format
(`tableToIPC(table)`, `pyarrow.ipc.new_stream`), told apart by the file's
first bytes; --incidents FILE and --releases FILE are then Arrow IPC too.
The same columns as Parquet; each table is read whole into memory (at most
--max-document-bytes; `-` reads stdin), a truncated one is refused.

With --format table: the DORA keys with their tiers, the ITIL KPIs, then
one line per series bucket and per group.

Exit status: 0 ok, 2 bad input (history, options, policy).";

/// Arguments of `relman kpi`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The history (JSON, NDJSON for `.ndjson`/`.jsonl`, a Parquet
    /// deployments table for `.parquet`/`.pq`, an Arrow IPC one for
    /// `.arrow`/`.arrows`/`.feather`/`.ipc`; `-` reads stdin, not for
    /// Parquet).
    #[arg(value_name = "FILE")]
    pub history: String,
    /// How to read FILE: json (one history document), ndjson (one record
    /// per line), parquet or arrow (the deployments table); default: by
    /// extension, else json.
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub input_format: Option<InputFormat>,
    /// With Parquet or Arrow input: the incidents table (in FILE's
    /// format).
    #[arg(long, value_name = "FILE")]
    pub incidents: Option<String>,
    /// With Parquet or Arrow input: the releases table (in FILE's format;
    /// one Release document as JSON per row, column `release`).
    #[arg(long, value_name = "FILE")]
    pub releases: Option<String>,
    /// Start of the period, inclusive (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: Option<Timestamp>,
    /// End of the period, exclusive (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub to: Option<Timestamp>,
    /// IANA time zone of days, weeks and months (e.g. Asia/Tokyo).
    #[arg(long = "tz", value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// First day of a week: mon, tue, …, sun or monday, tuesday, …, sunday
    /// (any case).
    #[arg(long, value_name = "DAY", value_parser = io::parse_weekday)]
    pub week_start: Option<Weekday>,
    /// Series buckets: week or month.
    #[arg(long, value_name = "INTERVAL", value_parser = io::parse_snake::<SeriesInterval>)]
    pub series: Option<SeriesInterval>,
    /// Group by service, team or environment.
    #[arg(long, value_name = "KEY", value_parser = io::parse_snake::<KpiGroupBy>)]
    pub group_by: Option<KpiGroupBy>,
}

/// How `relman kpi` reads its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// One history document.
    Json,
    /// One record per line, streamed.
    Ndjson,
    /// Parquet tables (deployments in FILE, `--incidents`, `--releases`),
    /// read batch by batch.
    Parquet,
    /// Arrow IPC tables, file or stream format (deployments in FILE,
    /// `--incidents`, `--releases`), each read whole.
    Arrow,
}

impl InputFormat {
    /// The format `--input-format` gives, else the one of the file's
    /// extension (`.ndjson`, `.jsonl`: NDJSON; `.parquet`, `.pq`: Parquet;
    /// `.arrow`, `.arrows`, `.feather`, `.ipc`: Arrow IPC; in any case),
    /// else JSON.
    pub fn of(path: &str, given: Option<InputFormat>) -> InputFormat {
        given.unwrap_or_else(|| {
            let ext = std::path::Path::new(path)
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            match ext.as_deref() {
                Some("ndjson" | "jsonl") => InputFormat::Ndjson,
                Some("parquet" | "pq") => InputFormat::Parquet,
                Some("arrow" | "arrows" | "feather" | "ipc") => InputFormat::Arrow,
                _ => InputFormat::Json,
            }
        })
    }
}

/// Parses `--from` and `--to`: an RFC 3339 timestamp with an offset,
/// surrounding whitespace ignored.
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text.trim())
}

/// Runs `relman kpi`.
pub fn run(args: &Args, globals: &Globals) -> Result<Outcome, Failure> {
    let policy = globals.policy()?;
    let options = KpiOptions {
        from: args.from.clone(),
        to: args.to.clone(),
        time_zone: args.time_zone.clone(),
        week_start: args.week_start,
        series: args.series,
        group_by: args.group_by,
        ..KpiOptions::default()
    };
    let format = InputFormat::of(&args.history, args.input_format);
    if !matches!(format, InputFormat::Parquet | InputFormat::Arrow) {
        if let Some(flag) = [
            ("--incidents", &args.incidents),
            ("--releases", &args.releases),
        ]
        .iter()
        .find_map(|(flag, value)| value.is_some().then_some(flag))
        {
            return Err(Failure::invalid_input(format!(
                "{flag} goes with Parquet or Arrow input (FILE ending in .parquet or .pq, or .arrow, \
                 .arrows, .feather or .ipc, or --input-format parquet or arrow); \
                 a JSON or NDJSON history holds its incidents and releases itself"
            )));
        }
    }
    let report = match format {
        InputFormat::Json => {
            let parsed = globals.read_document::<History>(&args.history)?;
            let mut report = relman::compute_kpis_with(&parsed.document, &policy.kpi, &options)?;
            report.warnings.extend(parsed.warnings);
            report
        }
        InputFormat::Ndjson => {
            let settings = relman::KpiSettings::resolve(&policy.kpi, &options)?;
            let mut reader = NdjsonHistory::new(settings, globals.limits().clone())?;
            globals.for_each_line(&args.history, |n, line| reader.push_line(n, line))?;
            reader.finish()?
        }
        InputFormat::Parquet => parquet(args, globals, &policy.kpi, &options)?,
        InputFormat::Arrow => arrow_ipc(args, globals, &policy.kpi, &options)?,
    };
    match globals.format() {
        Format::Json => output::print_json(&report)?,
        Format::Table => output::print(&table(&report).join("\n"))?,
    }
    Ok(Outcome::Ok)
}

/// The KPIs of columnar tables: deployments in FILE, incidents and
/// releases in `--incidents` and `--releases`, each given to `read` with
/// its path. Errors name the file.
#[cfg(any(feature = "parquet", feature = "ipc"))]
fn columnar(
    args: &Args,
    globals: &Globals,
    policy: &relman::policy::KpiPolicy,
    options: &KpiOptions,
    mut read: impl FnMut(
        &mut relman_arrow::ArrowHistory,
        relman_arrow::Table,
        &str,
    ) -> Result<(), Failure>,
) -> Result<KpiReport, Failure> {
    use relman_arrow::{ArrowHistory, Table};
    let settings = relman::KpiSettings::resolve(policy, options)?;
    let mut history = ArrowHistory::new(settings, globals.limits().clone())?;
    for (table, path) in [
        (Table::Deployments, Some(&args.history)),
        (Table::Incidents, args.incidents.as_ref()),
        (Table::Releases, args.releases.as_ref()),
    ] {
        if let Some(path) = path {
            read(&mut history, table, path)?;
        }
    }
    Ok(history.finish()?)
}

/// The KPIs of Parquet tables, each file's row groups read on every core
/// ([`relman_arrow::ArrowHistory::read_parquet_path`]).
#[cfg(feature = "parquet")]
fn parquet(
    args: &Args,
    globals: &Globals,
    policy: &relman::policy::KpiPolicy,
    options: &KpiOptions,
) -> Result<KpiReport, Failure> {
    columnar(args, globals, policy, options, |history, table, path| {
        if path == "-" {
            return Err(Failure::invalid_input(
                "Parquet cannot be read from stdin (`-`): give a file",
            ));
        }
        // Opened here first for the CLI's own I/O error (exit code and
        // message).
        std::fs::File::open(path)
            .map_err(|e| crate::write::io_failure(&e, format!("cannot read `{path}`: {e}")))?;
        history
            .read_parquet_path(table, std::path::Path::new(path))
            .map_err(|e| Failure::from(e).prefixed(&format!("{path}: ")))
    })
}

/// Without the `parquet` feature: Parquet input is refused.
#[cfg(not(feature = "parquet"))]
fn parquet(
    _: &Args,
    _: &Globals,
    _: &relman::policy::KpiPolicy,
    _: &KpiOptions,
) -> Result<KpiReport, Failure> {
    Err(Failure::invalid_input(
        "this relman was built without Parquet input (cargo feature `parquet` of relman-cli)",
    ))
}

/// The KPIs of Arrow IPC tables (file or stream format), each read whole
/// (at most `--max-document-bytes`) and decoded in place.
#[cfg(feature = "ipc")]
fn arrow_ipc(
    args: &Args,
    globals: &Globals,
    policy: &relman::policy::KpiPolicy,
    options: &KpiOptions,
) -> Result<KpiReport, Failure> {
    columnar(args, globals, policy, options, |history, table, path| {
        let (name, bytes) = globals.read_bytes(path)?;
        history
            .read_ipc_owned(table, bytes)
            .map_err(|e| Failure::from(e).prefixed(&format!("{name}: ")))
    })
}

/// Without the `ipc` feature: Arrow IPC input is refused.
#[cfg(not(feature = "ipc"))]
fn arrow_ipc(
    _: &Args,
    _: &Globals,
    _: &relman::policy::KpiPolicy,
    _: &KpiOptions,
) -> Result<KpiReport, Failure> {
    Err(Failure::invalid_input(
        "this relman was built without Arrow IPC input (cargo feature `ipc` of relman-cli)",
    ))
}

fn pct(r: &Rate) -> String {
    match r.value {
        Some(v) => format!("{:.1}% ({}/{})", v * 100.0, r.numerator, r.denominator),
        None => format!("n/a ({})", r.reason.as_deref().unwrap_or("empty")),
    }
}

fn ratio(r: &Rate) -> String {
    match r.value {
        Some(v) => format!("{v:.2} ({}/{})", r.numerator, r.denominator),
        None => format!("n/a ({})", r.reason.as_deref().unwrap_or("empty")),
    }
}

/// Seconds as `1d 2h`, `3h 20m`, `45m`, `12s`.
fn duration(secs: f64) -> String {
    let s = secs.round() as i64;
    let (d, h, m) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m")
    } else {
        format!("{s}s")
    }
}

fn stats(s: &DurationStats) -> String {
    match (s.median_secs, s.p90_secs, s.mean_secs) {
        (Some(m), Some(p), Some(a)) => format!(
            "median {}, p90 {}, mean {} (n={})",
            duration(m),
            duration(p),
            duration(a),
            s.count
        ),
        _ => format!("n/a ({})", s.reason.as_deref().unwrap_or("empty")),
    }
}

fn tier(t: &TierVerdict) -> String {
    match &t.tier {
        Some(tier) => format!("[{}]", render::snake(tier)),
        None => "[-]".to_string(),
    }
}

fn set_lines(k: &KpiSet) -> Vec<String> {
    let d = &k.dora;
    let f = &d.deployment_frequency;
    let freq = match (f.per_day, f.per_week) {
        (Some(day), Some(week)) => format!(
            "{day:.2}/day, {week:.2}/week, median deploy days/week {} ({} deployments, {} days)",
            f.median_deploy_days_per_week
                .map_or("n/a".to_string(), |m| format!("{m}")),
            f.deployments,
            f.days
        ),
        _ => format!("n/a ({})", f.reason.as_deref().unwrap_or("empty")),
    };
    let i = &k.itil;
    let mut lines = vec![
        format!("DORA ({} production deployments)", d.production_deployments),
        format!("  deployment frequency   {} {freq}", tier(&f.tier)),
        format!(
            "  lead time for changes  {} {}",
            tier(&d.lead_time.tier),
            stats(&d.lead_time.stats)
        ),
        format!(
            "  change failure rate    {} {}",
            tier(&d.change_failure_rate.tier),
            pct(&d.change_failure_rate.rate)
        ),
        format!(
            "  recovery time          {} {}, unrecovered {}",
            tier(&d.failed_deployment_recovery_time.tier),
            stats(&d.failed_deployment_recovery_time.stats),
            d.failed_deployment_recovery_time.unrecovered
        ),
        format!("  rework rate            [-] {}", pct(&d.rework_rate.rate)),
        format!(
            "  incidents              {} attributed, {} unattributable",
            d.attributed_incidents, d.unattributable_incidents
        ),
        format!("ITIL ({} releases)", i.releases),
        format!("  release success rate   {}", pct(&i.release_success_rate)),
        format!("  rollback rate          {}", pct(&i.rollback_rate)),
        format!(
            "  emergency ratio        {}",
            pct(&i.emergency_release_ratio)
        ),
        format!("  on-schedule rate       {}", pct(&i.on_schedule_rate)),
        format!("  UAT pass rate          {}", pct(&i.uat_pass_rate)),
        format!(
            "  incidents per release  {}",
            ratio(&i.incidents_per_release)
        ),
        format!("  PIR share              {}", pct(&i.pir_share)),
        format!(
            "  knowledge share        {}",
            pct(&i.knowledge_article_share)
        ),
    ];
    for (state, s) in &i.time_in_state {
        lines.push(format!("  time in {state:<14} {}", stats(s)));
    }
    lines
}

fn table(report: &KpiReport) -> Vec<String> {
    let p = &report.period;
    let mut lines = vec![format!(
        "KPIs {} .. {} ({} days, {}, weeks from {})",
        p.first_day.as_deref().unwrap_or("?"),
        p.last_day.as_deref().unwrap_or("?"),
        p.days,
        report.settings.time_zone,
        render::snake(&report.settings.week_start)
    )];
    lines.extend(set_lines(&report.kpis));
    let a = &report.attribution;
    lines.push(format!(
        "incidents: {} ({} explicit, {} by window, {} unattributable, {} linked to uncounted deployments)",
        a.incidents, a.explicit, a.window, a.unattributable, a.linked_to_uncounted
    ));
    lines.push(format!(
        "tiers: {} {}",
        report.benchmark.source, report.benchmark.year
    ));
    lines.push(String::new());
    lines.push(format!(
        "{:<10} {:>6} {:>8} {:>10} {:>10} {:>10} {:>9}",
        "series", "deploys", "per day", "lead p50", "CFR", "recovery", "releases"
    ));
    for b in &report.series {
        lines.push(row(&b.bucket, &b.kpis));
    }
    if !report.groups.is_empty() {
        lines.push(String::new());
        for g in &report.groups {
            lines.push(row(&g.key, &g.kpis));
        }
    }
    lines.extend(report.warnings.iter().map(render::warning_line));
    lines
}

fn row(label: &str, k: &KpiSet) -> String {
    let d = &k.dora;
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("n/a".to_string(), f);
    format!(
        "{label:<10} {:>6} {:>8} {:>10} {:>10} {:>10} {:>9}",
        d.production_deployments,
        opt(d.deployment_frequency.per_day, &|v| format!("{v:.2}")),
        opt(d.lead_time.stats.median_secs, &duration),
        opt(d.change_failure_rate.rate.value, &|v| format!(
            "{:.1}%",
            v * 100.0
        )),
        opt(
            d.failed_deployment_recovery_time.stats.median_secs,
            &duration
        ),
        k.itil.releases
    )
}
