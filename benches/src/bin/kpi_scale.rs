//! The measured KPI run at scale (issue #6, acceptance 5): `N` deployments
//! (default 10 000 000) and `M` incidents (default 1 000 000), generated
//! deterministically in slices of 100 000 and fed to one `KpiAccumulator`
//! on one core; only the accumulator's work (feeding and `finish`) is
//! timed, generation is not. Run under `/usr/bin/time -v` for the peak
//! memory (scripts/bench-kpi does). Prints the timings and the headline
//! KPIs.
//!
//!     kpi-scale [N] [M]
//!
//! Two more modes (issue #24, acceptance 5 and 6):
//!
//!     kpi-scale --threads N M [REPEATS]   # compute_kpis on an in-memory
//!                                         # history, 1 thread vs all, same output
//!     kpi-scale --json N M PATH           # writes the history as JSON (for
//!                                         # `relman kpi PATH` against pandas)
//!     kpi-scale --csv N M DIR             # the same records as the CSV files
//!                                         # of benches/kpi_pandas.py
//!
//! And one of issue #25 (acceptance 1):
//!
//!     kpi-scale --ndjson N M PATH         # the same records as `--json`, as
//!                                         # NDJSON (one record per line),
//!                                         # written slice by slice

// A benchmark driver: a broken run should stop loudly.
#![allow(clippy::indexing_slicing)]

use relman::foundation::parallel;
use relman::policy::KpiPolicy;
use relman::{compute_kpis, KpiAccumulator, KpiOptions, KpiSettings};
use relman_benches::kpi::history_slice;
use std::time::{Duration, Instant};

const SLICE: u64 = 100_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--threads") => return threads(&args[1..]),
        Some("--json") => return json(&args[1..]),
        Some("--csv") => return csv(&args[1..]),
        Some("--ndjson") => return ndjson(&args[1..]),
        _ => {}
    }
    let mut args = args.into_iter();
    let n: u64 = args.next().map_or(Ok(10_000_000), |s| s.parse())?;
    let m: u64 = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let settings = KpiSettings::resolve(&KpiPolicy::default(), &KpiOptions::default())?;
    let mut acc = KpiAccumulator::new(settings)?;
    let mut feeding = Duration::ZERO;
    let mut generating = Duration::ZERO;
    let (mut d, mut i) = (0u64, 0u64);
    while d < n || i < m {
        let t = Instant::now();
        let dn = SLICE.min(n - d);
        let im = (SLICE * m / n.max(1)).max(1).min(m - i);
        let slice = history_slice(d..d + dn, n, i..i + im, m);
        generating += t.elapsed();
        let t = Instant::now();
        acc.add_history(&slice)?;
        feeding += t.elapsed();
        d += dn;
        i += im;
    }
    let t = Instant::now();
    let report = acc.finish()?;
    let finishing = t.elapsed();
    let dora = &report.kpis.dora;
    println!(
        "kpi-scale: {n} deployments, {m} incidents (slices of {SLICE})\n\
         generate (not timed): {:.2} s\nfeed: {:.2} s\nfinish: {:.2} s\ntotal (feed + finish): {:.2} s\n\
         production deployments {}, lead times {}, change failure rate {:?}, recovery median {:?} s, series buckets {}",
        generating.as_secs_f64(),
        feeding.as_secs_f64(),
        finishing.as_secs_f64(),
        (feeding + finishing).as_secs_f64(),
        dora.production_deployments,
        dora.lead_time.stats.count,
        dora.change_failure_rate.rate.value,
        dora.failed_deployment_recovery_time.stats.median_secs,
        report.series.len(),
    );
    Ok(())
}

fn sizes(args: &[String]) -> Result<(u64, u64), Box<dyn std::error::Error>> {
    let n = args.first().map_or(Ok(1_000_000), |s| s.parse())?;
    let m = args.get(1).map_or(Ok(n / 10), |s| s.parse())?;
    Ok((n, m))
}

/// `compute_kpis` at 1 thread and at every thread, in turns; the outputs
/// must be byte-identical.
fn threads(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let (n, m) = sizes(args)?;
    let repeats: usize = args.get(2).map_or(Ok(5), |s| s.parse())?;
    let history = history_slice(0..n, n, 0..m, m);
    let options = KpiOptions::default();
    let all = parallel::threads().max(2);
    let mut one_times = Vec::new();
    let mut all_times = Vec::new();
    let (mut one_cpu, mut all_cpu) = (Vec::new(), Vec::new());
    let (mut one_busiest, mut all_busiest) = (Vec::new(), Vec::new());
    let mut texts = Vec::new();
    for _ in 0..repeats {
        for t in [1, all] {
            let (start, cpu) = (Instant::now(), cpu_secs());
            let (report, busiest) = parallel::with_threads(t, || {
                let before = thread_cpu();
                let report = compute_kpis(&history, &options);
                let after = thread_cpu();
                let busiest = after
                    .iter()
                    .map(|(tid, c)| c - before.iter().find(|b| b.0 == *tid).map_or(0.0, |b| b.1))
                    .fold(0.0f64, f64::max);
                (report, busiest)
            });
            let report = report?;
            if t == 1 {
                one_busiest.push(busiest);
            } else {
                all_busiest.push(busiest);
            }
            let elapsed = start.elapsed().as_secs_f64();
            let cpu = cpu_secs() - cpu;
            if t == 1 {
                one_times.push(elapsed);
                one_cpu.push(cpu);
            } else {
                all_times.push(elapsed);
                all_cpu.push(cpu);
            }
            texts.push(serde_json::to_string(&report)?);
        }
    }
    let identical = texts.windows(2).all(|w| w[0] == w[1]);
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (one, many) = (median(&mut one_times), median(&mut all_times));
    println!(
        "kpi-scale --threads: {n} deployments, {m} incidents, {repeats} runs each\n\
         1 thread: median {one:.3} s {one_times:.3?}\n{all} threads: median {many:.3} s {all_times:.3?}\n\
         speed-up {:.2}x, outputs identical: {identical}\n         CPU seconds (user + system, all threads): 1 thread {one_cpu:.2?}, {all} threads {all_cpu:.2?}\n         CPU seconds of the busiest thread: 1 thread {one_busiest:.2?}, {all} threads {all_busiest:.2?}\n         (on idle cores the wall time approaches the busiest thread's CPU time: estimated speed-up {:.2}x)",
        one / many,
        median(&mut one_busiest) / median(&mut all_busiest)
    );
    if !identical {
        return Err("outputs differ between thread counts".into());
    }
    Ok(())
}

/// The history as one JSON document.
fn json(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let (n, m) = sizes(args)?;
    let path = args.get(2).ok_or("kpi-scale --json N M PATH")?;
    let history = history_slice(0..n, n, 0..m, m);
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    serde_json::to_writer(file, &history)?;
    println!("kpi-scale --json: {n} deployments, {m} incidents -> {path}");
    Ok(())
}

/// The history of [`json`] as NDJSON: `{"deployment": …}` lines, then
/// `{"incident": …}` lines, generated and written a slice at a time.
fn ndjson(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    let (n, m) = sizes(args)?;
    let path = args.get(2).ok_or("kpi-scale --ndjson N M PATH")?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut start = 0;
    while start < n {
        let end = (start + SLICE).min(n);
        for d in history_slice(start..end, n, 0..0, m).deployments {
            serde_json::to_writer(&mut file, &serde_json::json!({ "deployment": d }))?;
            file.write_all(b"\n")?;
        }
        start = end;
    }
    let mut start = 0;
    while start < m {
        let end = (start + SLICE).min(m);
        for i in history_slice(0..0, n, start..end, m).incidents {
            serde_json::to_writer(&mut file, &serde_json::json!({ "incident": i }))?;
            file.write_all(b"\n")?;
        }
        start = end;
    }
    file.flush()?;
    println!("kpi-scale --ndjson: {n} deployments, {m} incidents -> {path}");
    Ok(())
}

/// The records as the CSV files `benches/kpi_pandas.py DIR REPEATS` reads.
fn csv(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let (n, m) = sizes(args)?;
    let dir = args.get(2).ok_or("kpi-scale --csv N M DIR")?;
    let deps: Vec<relman_benches::kpi::Dep> =
        (0..n).map(|i| relman_benches::kpi::dep(i, n)).collect();
    let incs: Vec<relman_benches::kpi::Inc> =
        (0..m).map(|j| relman_benches::kpi::inc(j, m, n)).collect();
    relman_benches::kpi_baselines::write_csv(std::path::Path::new(dir), &deps, &incs)?;
    println!("kpi-scale --csv: {n} deployments, {m} incidents -> {dir}");
    Ok(())
}

/// User + system CPU seconds of this process so far (Linux
/// `/proc/self/stat`, clock ticks of 1/100 s); 0 elsewhere.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which ends with the last `)`).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line: 11 and 12 here.
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds of every live thread of this process (Linux
/// `/proc/self/task/*/stat`), by thread id.
fn thread_cpu() -> Vec<(u64, f64)> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let tid: u64 = e.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        Some((tid, (ticks(11) + ticks(12)) / 100.0))
    })
    .collect()
}
