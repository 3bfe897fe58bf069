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
use relman::{compute_kpis, History, KpiOptions, KpiReport};
use relman_benches::kpi::{dep, inc, Dep, Inc};
use rusqlite::{params, Connection};
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

fn write_csv(dir: &std::path::Path, deps: &[Dep], incs: &[Inc]) {
    let mut d = String::from("id,service,env,finished,outcome,kind\n");
    let mut c = String::from("change_id,deployment_id,committed\n");
    for x in deps {
        writeln!(
            d,
            "{},{},{},{},{},{}",
            x.id, x.service, x.env, x.finished, x.outcome, x.kind
        )
        .unwrap();
        for (id, committed) in &x.changes {
            match committed {
                Some(t) => writeln!(c, "{id},{},{t}", x.id).unwrap(),
                None => writeln!(c, "{id},{},", x.id).unwrap(),
            }
        }
    }
    let mut i = String::from("id,service,created,resolved,caused_by\n");
    for x in incs {
        writeln!(
            i,
            "{},{},{},{},{}",
            x.id,
            x.service,
            x.created,
            x.resolved.map(|r| r.to_string()).unwrap_or_default(),
            x.caused_by.clone().unwrap_or_default()
        )
        .unwrap();
    }
    std::fs::write(dir.join("deployments.csv"), d).unwrap();
    std::fs::write(dir.join("changes.csv"), c).unwrap();
    std::fs::write(dir.join("incidents.csv"), i).unwrap();
}

fn load_sqlite(deps: &[Dep], incs: &[Inc]) -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE dep(id TEXT PRIMARY KEY, service TEXT, env TEXT, finished INTEGER, outcome TEXT, kind TEXT);
         CREATE TABLE chg(change_id TEXT, deployment_id TEXT, committed INTEGER);
         CREATE TABLE inc(id TEXT PRIMARY KEY, service TEXT, created INTEGER, resolved INTEGER, caused_by TEXT);",
    )
    .unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut d = tx
            .prepare("INSERT INTO dep VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .unwrap();
        let mut c = tx.prepare("INSERT INTO chg VALUES (?1, ?2, ?3)").unwrap();
        for x in deps {
            d.execute(params![
                x.id, x.service, x.env, x.finished, x.outcome, x.kind
            ])
            .unwrap();
            for (id, committed) in &x.changes {
                c.execute(params![id, x.id, committed]).unwrap();
            }
        }
        let mut i = tx
            .prepare("INSERT INTO inc VALUES (?1, ?2, ?3, ?4, ?5)")
            .unwrap();
        for x in incs {
            i.execute(params![x.id, x.service, x.created, x.resolved, x.caused_by])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    // The indexes a DevLake-style schema has; built outside the timing.
    conn.execute_batch(
        "CREATE INDEX dep_svc ON dep(service, env, finished);
         CREATE INDEX chg_dep ON chg(deployment_id);
         CREATE INDEX chg_id ON chg(change_id);
         ANALYZE;",
    )
    .unwrap();
    conn
}

/// The DORA metrics in SQL, step by step as DevLake's dashboards do them
/// (temporary tables inside the timing).
fn sql_metrics(conn: &Connection) -> Vec<(&'static str, f64)> {
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.att; DROP TABLE IF EXISTS temp.fails;
         CREATE TEMP TABLE att AS
           SELECT i.id, i.resolved,
             CASE WHEN i.caused_by IS NOT NULL
               THEN (SELECT p.id FROM dep p WHERE p.id = i.caused_by AND p.env = 'production')
               ELSE (SELECT p.id FROM dep p WHERE p.service = i.service AND p.env = 'production'
                       AND p.finished <= i.created AND p.finished >= i.created - 86400
                     ORDER BY p.finished DESC, p.id DESC LIMIT 1)
             END AS dep_id
           FROM inc i;
         CREATE INDEX temp.att_dep ON att(dep_id);
         CREATE TEMP TABLE fails AS
           SELECT p.id, p.service, p.env, p.finished,
             (SELECT MIN(a.resolved) FROM att a WHERE a.dep_id = p.id AND a.resolved >= p.finished) AS res
           FROM dep p
           WHERE p.env = 'production'
             AND (p.outcome IN ('failed', 'rolled_back') OR EXISTS (SELECT 1 FROM att a WHERE a.dep_id = p.id));",
    )
    .unwrap();
    let one = |sql: &str| -> Vec<f64> {
        conn.query_row(sql, [], |r| {
            let n = r.as_ref().column_count();
            (0..n)
                .map(|k| r.get::<_, Option<f64>>(k).map(|v| v.unwrap_or(f64::NAN)))
                .collect()
        })
        .unwrap()
    };
    let counts = one("SELECT COUNT(*),
                SUM(outcome IN ('success', 'success_with_issues')),
                AVG(kind IN ('hotfix', 'rework')),
                (SELECT COUNT(*) FROM temp.fails) * 1.0 / COUNT(*)
         FROM dep WHERE env = 'production'");
    let freq = one("WITH span AS (
           SELECT MIN(d) AS first, MAX(d) AS last FROM (
             SELECT finished / 86400 AS d FROM dep WHERE env = 'production'
             UNION ALL SELECT created / 86400 FROM inc)),
         weeks(w) AS (
           SELECT first - ((first + 3) % 7) FROM span
           UNION ALL SELECT w + 7 FROM weeks, span WHERE w + 7 <= last - ((last + 3) % 7)),
         days AS (
           SELECT DISTINCT finished / 86400 AS d FROM dep
           WHERE env = 'production' AND outcome IN ('success', 'success_with_issues')),
         per_week AS (
           SELECT weeks.w, COUNT(days.d) AS n FROM weeks
           LEFT JOIN days ON days.d - ((days.d + 3) % 7) = weeks.w GROUP BY weeks.w),
         ranked AS (
           SELECT n, ROW_NUMBER() OVER (ORDER BY n) - 1 AS k, COUNT(*) OVER () AS c FROM per_week)
         SELECT (SELECT last - first + 1 FROM span),
                AVG(CASE WHEN k IN ((c - 1) / 2, c / 2) THEN n END)
         FROM ranked");
    let lead = one(
        "WITH firsts AS (
           SELECT c.committed, d.finished,
                  ROW_NUMBER() OVER (PARTITION BY c.change_id ORDER BY d.finished, c.committed) AS rn
           FROM chg c JOIN dep d ON d.id = c.deployment_id
           WHERE d.env = 'production' AND d.outcome IN ('success', 'success_with_issues')),
         leads AS (
           SELECT finished - committed AS lead FROM firsts
           WHERE rn = 1 AND committed IS NOT NULL AND finished >= committed),
         ranked AS (
           SELECT lead, ROW_NUMBER() OVER (ORDER BY lead) - 1 AS k, COUNT(*) OVER () AS n FROM leads)
         SELECT MAX(n),
                AVG(CASE WHEN k IN ((n - 1) / 2, n / 2) THEN lead END),
                SUM(CASE WHEN k = CAST((n - 1) * 0.9 AS INTEGER)
                           THEN lead * (1 - ((n - 1) * 0.9 - CAST((n - 1) * 0.9 AS INTEGER)))
                         WHEN k = CAST((n - 1) * 0.9 AS INTEGER) + 1
                           THEN lead * ((n - 1) * 0.9 - CAST((n - 1) * 0.9 AS INTEGER)) END),
                AVG(lead)
         FROM ranked",
    );
    let recovery = one(
        "WITH rec AS (
           SELECT MIN(COALESCE(f.res, 9e18),
                      COALESCE((SELECT MIN(s.finished) FROM dep s
                                WHERE s.service = f.service AND s.env = f.env AND s.finished > f.finished
                                  AND s.outcome IN ('success', 'success_with_issues')), 9e18)) - f.finished AS r
           FROM temp.fails f),
         ok AS (SELECT r FROM rec WHERE r < 9e17),
         ranked AS (SELECT r, ROW_NUMBER() OVER (ORDER BY r) - 1 AS k, COUNT(*) OVER () AS n FROM ok)
         SELECT MAX(n), AVG(CASE WHEN k IN ((n - 1) / 2, n / 2) THEN r END) FROM ranked",
    );
    vec![
        ("production_deployments", counts[0]),
        ("successful", counts[1]),
        ("days", freq[0]),
        ("per_day", counts[1] / freq[0]),
        ("median_deploy_days_per_week", freq[1]),
        ("lead_count", lead[0]),
        ("lead_median", lead[1]),
        ("lead_p90", lead[2]),
        ("lead_mean", lead[3]),
        ("cfr", counts[3]),
        ("recovery_count", recovery[0]),
        ("recovery_median", recovery[1]),
        ("rework", counts[2]),
    ]
}

fn relman_metrics(r: &KpiReport) -> Vec<(&'static str, f64)> {
    let d = &r.kpis.dora;
    let f = &d.deployment_frequency;
    vec![
        ("production_deployments", d.production_deployments as f64),
        ("successful", f.deployments as f64),
        ("days", f.days as f64),
        ("per_day", f.per_day.unwrap_or(f64::NAN)),
        (
            "median_deploy_days_per_week",
            f.median_deploy_days_per_week.unwrap_or(f64::NAN),
        ),
        ("lead_count", d.lead_time.stats.count as f64),
        (
            "lead_median",
            d.lead_time.stats.median_secs.unwrap_or(f64::NAN),
        ),
        ("lead_p90", d.lead_time.stats.p90_secs.unwrap_or(f64::NAN)),
        ("lead_mean", d.lead_time.stats.mean_secs.unwrap_or(f64::NAN)),
        ("cfr", d.change_failure_rate.rate.value.unwrap_or(f64::NAN)),
        (
            "recovery_count",
            d.failed_deployment_recovery_time.stats.count as f64,
        ),
        (
            "recovery_median",
            d.failed_deployment_recovery_time
                .stats
                .median_secs
                .unwrap_or(f64::NAN),
        ),
        ("rework", d.rework_rate.rate.value.unwrap_or(f64::NAN)),
    ]
}

fn pandas(dir: &std::path::Path) -> Option<serde_json::Value> {
    let python = std::env::var("KPI_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kpi_pandas.py");
    let repeats = env_size("KPI_PANDAS_REPEATS", 5).to_string();
    let out = std::process::Command::new(&python)
        .arg(&script)
        .arg(dir)
        .arg(&repeats)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "pandas baseline failed ({python}): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
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
    write_csv(&dir, &deps, &incs);
    let conn = load_sqlite(&deps, &incs);
    drop(deps);
    drop(incs);

    let options = KpiOptions::default();
    let report = compute_kpis(&history, &options).expect("valid history");
    let ours = relman_metrics(&report);
    let sql = sql_metrics(&conn);
    let py = pandas(&dir);
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
        b.iter(|| sql_metrics(black_box(&conn)))
    });
    group.finish();
}

criterion_group!(benches, kpis);
criterion_main!(benches);
