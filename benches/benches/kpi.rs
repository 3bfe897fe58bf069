//! KPIs at 1M deployments (1–3 changes each) and 100k incidents (issue #6,
//! acceptance 5): `compute_kpis` against, in the same run, the same DORA
//! metrics computed by pandas (benches/kpi_pandas.py, run through the
//! Python in `KPI_PYTHON`, which scripts/bench-kpi installs pandas into)
//! and by DevLake-style SQL in SQLite (rusqlite, bundled, in memory).
//!
//! Data is generated deterministically outside the timing
//! (relman_benches::kpi). Parsing is not included anywhere: relman gets an
//! in-memory `History`, pandas data frames read from CSV before the clock
//! starts, SQLite tables loaded and indexed before the clock starts. The
//! three results are printed side by side so they can be checked to agree.
//!
//! Sizes: `KPI_DEPLOYMENTS` (default 1 000 000), `KPI_INCIDENTS` (100 000).

// Benchmark setup may expect and index: a broken fixture should stop the run loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use criterion::{criterion_group, criterion_main, Criterion};
use relman::{compute_kpis, History, KpiOptions};
use relman_benches::kpi::{dep, inc, Dep, Inc};
use relman_benches::kpi_baselines::{load_sqlite, pandas, relman_metrics, sql_metrics, write_csv};
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

fn env_size(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/kpi-bench");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn kpis(c: &mut Criterion) {
    let n = env_size("KPI_DEPLOYMENTS", 1_000_000);
    let m = env_size("KPI_INCIDENTS", 100_000);
    let deps: Vec<Dep> = (0..n).map(|i| dep(i, n)).collect();
    let incs: Vec<Inc> = (0..m).map(|j| inc(j, m, n)).collect();
    let history = History {
        deployments: deps.iter().map(Dep::record).collect(),
        incidents: incs.iter().map(Inc::record).collect(),
        ..History::default()
    };
    let changes: usize = deps.iter().map(|d| d.changes.len()).sum();
    let dir = out_dir();
    write_csv(&dir, &deps, &incs).unwrap();
    let conn = load_sqlite(&deps, &incs).unwrap();
    drop(deps);
    drop(incs);

    let options = KpiOptions::default();
    let report = compute_kpis(&history, &options).expect("valid history");
    let ours = relman_metrics(&report);
    let sql = sql_metrics(&conn).unwrap();
    let python = std::env::var("KPI_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let repeats = env_size("KPI_PANDAS_REPEATS", 5) as u32;
    let py = pandas(&python, &dir, repeats)
        .map_err(|e| eprintln!("{e}"))
        .ok();
    let mut table = format!(
        "KPI bench data: {n} deployments, {changes} change rows, {m} incidents\n{:<28} {:>18} {:>18} {:>18}\n",
        "metric", "relman", "sqlite", "pandas"
    );
    for ((name, a), (_, b)) in ours.iter().zip(&sql) {
        let p = py
            .as_ref()
            .and_then(|v| v["metrics"][*name].as_f64())
            .map_or("-".to_string(), |v| format!("{v:.6}"));
        writeln!(table, "{name:<28} {a:>18.6} {b:>18.6} {p:>18}").unwrap();
    }
    if let Some(v) = &py {
        let times: Vec<f64> = v["times_secs"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(serde_json::Value::as_f64)
            .collect();
        let mut sorted = times.clone();
        sorted.sort_by(f64::total_cmp);
        writeln!(
            table,
            "pandas {} (numpy {}): compute times {times:.3?} s, median {:.3} s",
            v["pandas"],
            v["numpy"],
            sorted[sorted.len() / 2]
        )
        .unwrap();
    } else {
        writeln!(table, "pandas baseline skipped (set KPI_PYTHON to a Python with pandas; scripts/bench-kpi does)").unwrap();
    }
    print!("{table}");
    std::fs::File::create(dir.join("comparison.txt"))
        .and_then(|mut f| f.write_all(table.as_bytes()))
        .unwrap();

    let mut group = c.benchmark_group("kpi_1m");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("relman_compute_kpis", |b| {
        b.iter(|| compute_kpis(black_box(&history), &options).unwrap())
    });
    group.bench_function("sqlite_devlake_sql", |b| {
        b.iter(|| sql_metrics(black_box(&conn)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, kpis);
criterion_main!(benches);
