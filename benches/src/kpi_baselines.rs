//! The baselines of the KPI benchmark: the same DORA metrics computed by
//! DevLake-style SQL in SQLite (rusqlite, bundled, in memory) and by pandas
//! (`benches/kpi_pandas.py`, run through a Python that has pandas), plus
//! the loaders that prepare their input outside any timing: CSV files for
//! pandas, indexed tables for SQLite.

use crate::kpi::{Dep, Inc};
use relman::KpiReport;
use rusqlite::{params, Connection};
use std::fmt::Write as _;
use std::path::Path;

fn at(v: &[f64], k: usize) -> f64 {
    v.get(k).copied().unwrap_or(f64::NAN)
}

/// Writes `deployments.csv`, `changes.csv` and `incidents.csv` into `dir`
/// for the pandas baseline.
pub fn write_csv(dir: &Path, deps: &[Dep], incs: &[Inc]) -> Result<(), Box<dyn std::error::Error>> {
    let mut d = String::from("id,service,env,finished,outcome,kind,team\n");
    let mut c = String::from("change_id,deployment_id,committed\n");
    for x in deps {
        writeln!(
            d,
            "{},{},{},{},{},{},{}",
            x.id, x.service, x.env, x.finished, x.outcome, x.kind, x.team
        )?;
        for (id, committed) in &x.changes {
            match committed {
                Some(t) => writeln!(c, "{id},{},{t}", x.id)?,
                None => writeln!(c, "{id},{},", x.id)?,
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
        )?;
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("deployments.csv"), d)?;
    std::fs::write(dir.join("changes.csv"), c)?;
    std::fs::write(dir.join("incidents.csv"), i)?;
    Ok(())
}

/// The SQLite baseline's tables, loaded and indexed the way a
/// DevLake-style schema is (`dep(service, env, finished)`,
/// `chg(deployment_id)`, `chg(change_id)`, `ANALYZE`).
pub fn load_sqlite(deps: &[Dep], incs: &[Inc]) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    conn.execute_batch(
        "CREATE TABLE dep(id TEXT PRIMARY KEY, service TEXT, env TEXT, finished INTEGER, outcome TEXT, kind TEXT);
         CREATE TABLE chg(change_id TEXT, deployment_id TEXT, committed INTEGER);
         CREATE TABLE inc(id TEXT PRIMARY KEY, service TEXT, created INTEGER, resolved INTEGER, caused_by TEXT);",
    )?;
    let tx = conn.transaction()?;
    {
        let mut d = tx.prepare("INSERT INTO dep VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
        let mut c = tx.prepare("INSERT INTO chg VALUES (?1, ?2, ?3)")?;
        for x in deps {
            d.execute(params![
                x.id, x.service, x.env, x.finished, x.outcome, x.kind
            ])?;
            for (id, committed) in &x.changes {
                c.execute(params![id, x.id, committed])?;
            }
        }
        let mut i = tx.prepare("INSERT INTO inc VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for x in incs {
            i.execute(params![x.id, x.service, x.created, x.resolved, x.caused_by])?;
        }
    }
    tx.commit()?;
    // The indexes a DevLake-style schema has; built outside the timing.
    conn.execute_batch(
        "CREATE INDEX dep_svc ON dep(service, env, finished);
         CREATE INDEX chg_dep ON chg(deployment_id);
         CREATE INDEX chg_id ON chg(change_id);
         ANALYZE;",
    )?;
    Ok(conn)
}

/// The DORA metrics in SQL, step by step as DevLake's dashboards do them
/// (temporary tables inside the timing).
pub fn sql_metrics(conn: &Connection) -> rusqlite::Result<Vec<(&'static str, f64)>> {
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
    )?;
    let one = |sql: &str| -> rusqlite::Result<Vec<f64>> {
        conn.query_row(sql, [], |r| {
            let n = r.as_ref().column_count();
            (0..n)
                .map(|k| r.get::<_, Option<f64>>(k).map(|v| v.unwrap_or(f64::NAN)))
                .collect()
        })
    };
    let counts = one("SELECT COUNT(*),
                SUM(outcome IN ('success', 'success_with_issues')),
                AVG(kind IN ('hotfix', 'rework')),
                (SELECT COUNT(*) FROM temp.fails) * 1.0 / COUNT(*)
         FROM dep WHERE env = 'production'")?;
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
         FROM ranked")?;
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
    )?;
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
    )?;
    Ok(vec![
        ("production_deployments", at(&counts, 0)),
        ("successful", at(&counts, 1)),
        ("days", at(&freq, 0)),
        ("per_day", at(&counts, 1) / at(&freq, 0)),
        ("median_deploy_days_per_week", at(&freq, 1)),
        ("lead_count", at(&lead, 0)),
        ("lead_median", at(&lead, 1)),
        ("lead_p90", at(&lead, 2)),
        ("lead_mean", at(&lead, 3)),
        ("cfr", at(&counts, 3)),
        ("recovery_count", at(&recovery, 0)),
        ("recovery_median", at(&recovery, 1)),
        ("rework", at(&counts, 2)),
    ])
}

/// relman's figures under the names [`sql_metrics`] uses.
pub fn relman_metrics(r: &KpiReport) -> Vec<(&'static str, f64)> {
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

/// Runs the pandas baseline (`benches/kpi_pandas.py`) with `python` on the
/// CSV files in `dir`, `repeats` timed runs of its `compute`. Returns its
/// JSON output `{"times_secs", "metrics", "pandas", "numpy"}`, or the
/// reason it could not run.
pub fn pandas(python: &str, dir: &Path, repeats: u32) -> Result<serde_json::Value, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("kpi_pandas.py");
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(dir)
        .arg(repeats.to_string())
        .output()
        .map_err(|e| format!("{python}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pandas baseline failed ({python}): {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("pandas output: {e}"))
}

/// The pandas baseline as a long-lived process (`kpi_pandas.py DIR
/// --serve`): the CSV files are read once, then every [`Pandas::run`] runs
/// its `compute` once — so pandas' samples can be taken in turns with
/// relman's. Closing it (drop) ends the process.
pub struct Pandas {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    /// The first line the process printed: pandas and numpy versions.
    pub versions: serde_json::Value,
}

impl Pandas {
    /// Starts `python kpi_pandas.py dir --serve` and waits until the data
    /// is read.
    pub fn start(python: &str, dir: &Path) -> Result<Pandas, String> {
        use std::process::{Command, Stdio};
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("kpi_pandas.py");
        let mut child = Command::new(python)
            .arg(&script)
            .arg(dir)
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{python}: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .map(std::io::BufReader::new)
            .ok_or("no stdout")?;
        let mut p = Pandas {
            child,
            stdin,
            stdout,
            versions: serde_json::Value::Null,
        };
        p.versions = p.read()?;
        Ok(p)
    }

    fn read(&mut self) -> Result<serde_json::Value, String> {
        use std::io::BufRead;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| format!("pandas: {e}"))?;
        if line.is_empty() {
            return Err("the pandas baseline exited (see its error above)".into());
        }
        serde_json::from_str(&line).map_err(|e| format!("pandas output: {e}"))
    }

    /// Runs `compute` once; its answer `{"time_secs", "metrics"}`.
    pub fn run(&mut self) -> Result<serde_json::Value, String> {
        use std::io::Write;
        let stdin = self.stdin.as_mut().ok_or("pandas closed")?;
        stdin
            .write_all(b"run\n")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("pandas: {e}"))?;
        self.read()
    }
}

impl Drop for Pandas {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
