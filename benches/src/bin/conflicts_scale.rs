//! Conflict detection at scale (issue #24, acceptance 4 and 6): the
//! generated schedule of `benches/src/conflicts.rs` at `N` releases
//! (default 100 000), measured in one run against its baselines:
//!
//! - `detect_conflicts` cold (all eight kinds; and the overlap kinds
//!   only, the like-for-like counterpart of SQLite) on 1 thread and on
//!   every thread;
//! - a `PreparedSchedule` (built once, outside the timing, as SQLite's
//!   table and index are): `conflicts()` on 1 thread and on every thread;
//! - the indexed SQLite self-join for `ci_overlap` (table loaded and
//!   indexed outside the timing), its pair count checked equal to relman's;
//! - with `--cli BIN`, the release CLI end to end (`BIN conflicts FILE`,
//!   JSON text in, report out to /dev/null) under `/usr/bin/time -v` for
//!   its peak RSS.
//!
//! Medians of `--rounds` runs (default 3), with min and max. Parsing is
//! outside every in-process timing.
//!
//!     conflicts-scale write N FILE
//!     conflicts-scale run [N] [--rounds R] [--cli BIN --file FILE]
//!     conflicts-scale mem FILE     (the CLI's steps, with the peak RSS
//!                                   after each, from /proc/self/status)

// A benchmark driver: a broken fixture or missing sample should stop the run loudly.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use relman::foundation::parallel::{threads, with_threads};
use relman::{ConflictKind, ConflictReport, PreparedSchedule, Schedule};
use relman_benches::conflicts::{overlap_only, schedule, sqlite_ci_overlap, sqlite_touches, Size};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("write") => {
            let n: usize = args.get(1).map_or(Ok(100_000), |s| s.parse())?;
            let path = args.get(2).ok_or("write N FILE")?;
            let (value, _, _) = schedule(Size::issue(n), 5);
            let file = std::io::BufWriter::new(std::fs::File::create(path)?);
            serde_json::to_writer(file, &value)?;
            println!("wrote {path}: {n} releases");
            Ok(())
        }
        Some("run") => run(&args[1..]),
        Some("mem") => mem(args.get(1).ok_or("mem FILE")?),
        _ => Err(
            "usage: conflicts-scale write N FILE | run [N] [--rounds R] [--cli BIN --file FILE]"
                .into(),
        ),
    }
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// Wall-clock median, min and max of `rounds` runs of `f`, the mean CPU
/// time per run.
type Stats = (Duration, Duration, Duration, Duration);

/// [`Stats`] of `rounds` runs of `f`, and its last result.
fn time<R>(rounds: usize, mut f: impl FnMut() -> R) -> (Stats, R) {
    let mut samples = Vec::with_capacity(rounds);
    let mut last = None;
    let c = cpu();
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        let r = f();
        samples.push(t.elapsed());
        last = Some(r);
    }
    let used = (cpu() - c) / rounds.max(1) as u32;
    samples.sort();
    let stats = (
        samples[samples.len() / 2],
        samples[0],
        samples[samples.len() - 1],
        used,
    );
    (stats, last.expect("at least one round"))
}

/// The CPU time (user + system, every thread) this process has used, from
/// /proc/self/stat (clock ticks of 10 ms): unlike wall time, it does not
/// grow when other processes share the cores.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line: 12 and 13 here.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn show(name: &str, (med, lo, hi, used): Stats) {
    println!(
        "{name:<46} wall {:>9.1} ms  [{:.1}, {:.1}]   cpu {:>8.0} ms",
        ms(med),
        ms(lo),
        ms(hi),
        ms(used)
    );
}

fn count(report: &ConflictReport, kind: ConflictKind) -> usize {
    report.conflicts.iter().filter(|c| c.kind == kind).count()
}

fn run(args: &[String]) -> Result<(), Failure> {
    let n: usize = match args.first() {
        Some(a) if !a.starts_with("--") => a.parse()?,
        _ => 100_000,
    };
    let rounds: usize = flag(args, "--rounds").map_or(Ok(3), str::parse)?;
    let all_threads = threads();
    println!(
        "conflicts-scale: {n} releases, {} CIs, {rounds} rounds, {all_threads} threads",
        2 * n
    );
    let (value, plain, _) = schedule(Size::issue(n), 5);
    let s: Schedule = relman::from_value(value)?.document;
    let bare = overlap_only(&s);

    let (t_cold_1, report) = time(rounds, || with_threads(1, || relman::detect_conflicts(&s)));
    let report = report?;
    let (t_cold_n, r) = time(rounds, || relman::detect_conflicts(&s));
    assert_eq!(
        r?, report,
        "1 thread and {all_threads} give the same report"
    );
    let (t_bare_1, bare_report) = time(rounds, || {
        with_threads(1, || relman::detect_conflicts(&bare))
    });
    let bare_report = bare_report?;
    let (t_bare_n, _) = time(rounds, || relman::detect_conflicts(&bare));

    let (t_prep_build, prepared) = time(1, || PreparedSchedule::new(s.clone()));
    let prepared = prepared?;
    let (t_prep_1, r) = time(rounds, || with_threads(1, || prepared.conflicts()));
    assert_eq!(r?, report, "prepared gives what detect_conflicts gives");
    let (t_prep_n, _) = time(rounds, || prepared.conflicts());
    let bare_prepared = PreparedSchedule::new(bare.clone())?;
    let (t_pbare_1, r) = time(rounds, || with_threads(1, || bare_prepared.conflicts()));
    assert_eq!(r?, bare_report);
    let (t_pbare_n, _) = time(rounds, || bare_prepared.conflicts());

    let db = sqlite_touches(&plain)?;
    let (t_sql, sql) = time(rounds, || sqlite_ci_overlap(&db));
    let sql = sql?;
    assert_eq!(
        sql,
        count(&report, ConflictKind::CiOverlap),
        "SQLite and relman agree on ci_overlap pairs"
    );

    println!(
        "found: {} conflicts ({} blocking); overlap kinds only {}; SQLite ci_overlap pairs {sql}",
        report.conflicts.len(),
        report.blocking,
        bare_report.conflicts.len()
    );
    show("detect_conflicts all kinds, 1 thread", t_cold_1);
    show(
        &format!("detect_conflicts all kinds, {all_threads} threads"),
        t_cold_n,
    );
    show("detect_conflicts overlap kinds, 1 thread", t_bare_1);
    show(
        &format!("detect_conflicts overlap kinds, {all_threads} threads"),
        t_bare_n,
    );
    show("PreparedSchedule::new all kinds (once)", t_prep_build);
    show("prepared.conflicts() all kinds, 1 thread", t_prep_1);
    show(
        &format!("prepared.conflicts() all kinds, {all_threads} threads"),
        t_prep_n,
    );
    show("prepared.conflicts() overlap kinds, 1 thread", t_pbare_1);
    show(
        &format!("prepared.conflicts() overlap kinds, {all_threads} threads"),
        t_pbare_n,
    );
    show("SQLite self-join ci_overlap", t_sql);
    let r = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    println!("ratios (CPU time; the 1-thread runs are the like-for-like ones):");
    println!(
        "  SQLite ÷ prepared overlap kinds, 1 thread     {:.2}x",
        r(t_sql.3, t_pbare_1.3)
    );
    println!(
        "  SQLite ÷ cold overlap kinds, 1 thread         {:.2}x",
        r(t_sql.3, t_bare_1.3)
    );
    println!(
        "  SQLite ÷ prepared all kinds, 1 thread         {:.2}x",
        r(t_sql.3, t_prep_1.3)
    );
    println!(
        "  SQLite ÷ cold all kinds, 1 thread             {:.2}x",
        r(t_sql.3, t_cold_1.3)
    );
    println!(
        "  cold ÷ prepared, all kinds, 1 thread          {:.2}x",
        r(t_cold_1.3, t_prep_1.3)
    );
    println!(
        "  CPU {all_threads} threads ÷ 1 thread, cold all kinds     {:.2}x (parallel overhead)",
        r(t_cold_n.3, t_cold_1.3)
    );
    println!("ratios (wall clock, medians; meaningful only on otherwise idle cores):");
    println!(
        "  1 thread ÷ {all_threads} threads, cold all kinds          {:.2}x",
        r(t_cold_1.0, t_cold_n.0)
    );
    println!(
        "  1 thread ÷ {all_threads} threads, prepared all kinds      {:.2}x",
        r(t_prep_1.0, t_prep_n.0)
    );
    println!(
        "  1 thread ÷ {all_threads} threads, cold overlap kinds      {:.2}x",
        r(t_bare_1.0, t_bare_n.0)
    );
    println!(
        "  SQLite ÷ prepared overlap kinds, {all_threads} threads     {:.2}x",
        r(t_sql.0, t_pbare_n.0)
    );

    if let (Some(bin), Some(file)) = (flag(args, "--cli"), flag(args, "--file")) {
        let mut walls = Vec::new();
        let mut cpus = Vec::new();
        let mut peak = 0u64;
        for _ in 0..rounds.max(1) {
            let t = Instant::now();
            let out = Command::new("/usr/bin/time")
                .args(["-v", bin, "conflicts", file])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()?;
            walls.push(t.elapsed());
            let err = String::from_utf8_lossy(&out.stderr);
            let field = |name: &str| {
                err.lines()
                    .find_map(|l| l.trim().strip_prefix(name))
                    .and_then(|v| v.trim().parse::<f64>().ok())
            };
            let rss = field("Maximum resident set size (kbytes): ")
                .ok_or("no peak RSS in /usr/bin/time's output")?;
            peak = peak.max(rss as u64);
            let user = field("User time (seconds): ").unwrap_or(0.0);
            let sys = field("System time (seconds): ").unwrap_or(0.0);
            cpus.push(Duration::from_secs_f64(user + sys));
            // 1: blocking conflicts found (expected), 2: bad input.
            if out.status.code() == Some(2) {
                return Err(format!("the CLI failed: {err}").into());
            }
        }
        walls.sort();
        cpus.sort();
        let wall = walls[walls.len() / 2];
        let cli_cpu = cpus[cpus.len() / 2];
        show(
            "CLI end to end (file in, report out)",
            (wall, walls[0], walls[walls.len() - 1], cli_cpu),
        );
        println!(
            "  CLI peak RSS {:.0} MB (max of {} runs)",
            peak as f64 / 1024.0,
            walls.len()
        );
        println!(
            "  SQLite query ÷ CLI, CPU time                {:.2}x",
            r(t_sql.3, cli_cpu)
        );
        println!(
            "  SQLite query ÷ CLI, wall clock              {:.2}x",
            r(t_sql.0, wall)
        );
    }
    Ok(())
}

/// The process's current and peak resident set (MB), from /proc/self/status.
fn rss() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The steps of `relman conflicts FILE` one by one, with the memory after
/// each: where the CLI's peak comes from.
fn mem(path: &str) -> Result<(), Failure> {
    let show = |step: &str| {
        let (now, peak) = rss();
        println!("{step:<40} RSS {now:>7.0} MB   peak {peak:>7.0} MB");
    };
    show("start");
    let text = std::fs::read_to_string(path)?;
    show("file read");
    let parsed = relman::parse::<Schedule>(&text)?;
    show("parsed (text still held)");
    drop(text);
    show("text dropped");
    let report = relman::detect_conflicts(&parsed.document)?;
    show("detect_conflicts done");
    let mut sink = std::io::sink();
    serde_json::to_writer_pretty(&mut sink, &report)?;
    show("report streamed out");
    let json = serde_json::to_string_pretty(&report)?;
    show(&format!(
        "report as one string ({} MB)",
        json.len() / (1 << 20)
    ));
    Ok(())
}
