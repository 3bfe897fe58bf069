//! The one benchmark run behind `benches/RESULTS.md` (issues #12, #24): the
//! headline benchmark of every area at three sizes (1×, 10×, 100×: the
//! growth table), each against its baseline in the same process, on one
//! core (`relman::foundation::parallel::with_threads(1, …)`) except the
//! rows that compare one thread with two (outputs checked identical by the
//! digest of their JSON; the run fails if they differ); prepared objects
//! built once outside the timing beside the cold call
//! (`relman_benches::prepared` says which "prepared" figures are genuinely
//! prepared); the `relman` CLI end to end (`relman_benches::e2e`: JSON in
//! a file, wall time and peak RSS of the process, `RELMAN_CLI` or
//! `target/release/relman`) for conflicts and KPIs; samples of relman and baseline taken in
//! turns (so a burst of load on the shared machine hits both), every input
//! and result through `black_box`. Writes one JSON document of every
//! measurement; `benches/report.py` renders the tables from it.
//!
//!     bench-report [--quick] [--only AREA[,AREA…]] [--out PATH]
//!
//! `--quick` uses tiny sizes and budgets (a smoke test of the harness, not
//! a measurement). Areas: parse, lifecycle, risk, conflicts, kpi, rollout,
//! integrations. The pandas baseline runs through the Python in
//! `KPI_PYTHON` (scripts/bench-report installs pandas into a venv).
//!
//! Timing: each function is run once to warm up and to choose how many
//! calls make one sample (≥ 20 ms); then the functions of a comparison are
//! sampled in turns until every one has at least `min` samples and the
//! comparison's time budget is spent, or `max` samples are taken. Figures
//! are per call: median, min and max of the samples. Data generation and
//! parsing happen outside the timing unless a row says parsing is
//! included.

use relman::foundation::parallel::with_threads;
use relman::rollout::{judge_canary, JudgeConfig, RolloutInput, RolloutState, SampleSet};
use relman::{compute_kpis, Context, History, KpiOptions, Release, ServiceNowTables, State};
use relman_benches::conflicts::{
    oracle_all_pairs, overlap_only, related_set, schedule, sqlite_ci_overlap, sqlite_touches, Size,
};
use relman_benches::kpi::{dep, inc, Dep, Inc};
use relman_benches::kpi_baselines::{load_sqlite, relman_metrics, sql_metrics, write_csv, Pandas};
use relman_benches::prepared::{CheckPrepared, ConflictsPrepared, RiskPrepared};
use relman_benches::risk::{naive_blast, releases, risk_cmdb, services, Seq};
use relman_benches::servicenow::{change_requests, cis};
use relman_benches::{
    canary_samples, digest, e2e, history, lifecycle_fixture, lifecycle_planning, lifecycle_steps,
    naive_judge_one, release,
};
use serde_json::{json, Value};
use std::error::Error;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn Error>>;

/// How long and how often to measure.
#[derive(Clone, Copy)]
struct Plan {
    /// Time budget of one comparison (all its functions together).
    budget: Duration,
    /// Samples each function gets at least.
    min: usize,
    /// Samples each function gets at most.
    max: usize,
}

/// One function of a comparison.
struct Job<'a> {
    name: &'static str,
    run: Box<dyn FnMut() + 'a>,
    /// Overrides the plan's `max` (1 for a function too slow to repeat).
    max: Option<usize>,
}

fn job<'a>(name: &'static str, run: impl FnMut() + 'a) -> Job<'a> {
    Job {
        name,
        run: Box::new(run),
        max: None,
    }
}

#[cfg(test)]
fn job_max<'a>(name: &'static str, max: usize, run: impl FnMut() + 'a) -> Job<'a> {
    Job {
        name,
        run: Box::new(run),
        max: Some(max),
    }
}

/// Calls that make one sample: enough for ≥ 20 ms.
fn calibrate(once: Duration) -> u64 {
    let target = 0.02;
    let t = once.as_secs_f64().max(1e-9);
    ((target / t).ceil() as u64).clamp(1, 10_000_000)
}

fn stats(mut per_call: Vec<f64>, calls: u64) -> Value {
    per_call.sort_by(f64::total_cmp);
    let n = per_call.len();
    let median = if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        per_call.get(n / 2).copied().unwrap_or(f64::NAN)
    } else {
        (per_call.get(n / 2 - 1).copied().unwrap_or(f64::NAN)
            + per_call.get(n / 2).copied().unwrap_or(f64::NAN))
            / 2.0
    };
    json!({
        "median_s": median,
        "min_s": per_call.first().copied().unwrap_or(f64::NAN),
        "max_s": per_call.last().copied().unwrap_or(f64::NAN),
        "samples": n,
        "calls_per_sample": calls,
    })
}

/// Measures the jobs of one comparison in turns; returns name → stats.
fn compare(plan: Plan, jobs: Vec<Job<'_>>) -> Value {
    let mut jobs = jobs;
    let mut calls = Vec::with_capacity(jobs.len());
    let mut samples: Vec<Vec<f64>> = Vec::with_capacity(jobs.len());
    for j in &mut jobs {
        let t = Instant::now();
        (j.run)();
        let once = t.elapsed();
        // A call of a quarter second or more is its own warm-up: count it.
        if once >= Duration::from_millis(250) {
            samples.push(vec![once.as_secs_f64()]);
        } else {
            samples.push(Vec::new());
        }
        calls.push(calibrate(once));
    }
    let start = Instant::now();
    loop {
        let mut took = false;
        for ((j, n), s) in jobs.iter_mut().zip(&calls).zip(&mut samples) {
            if s.len() >= j.max.unwrap_or(plan.max) {
                continue;
            }
            let t = Instant::now();
            for _ in 0..*n {
                (j.run)();
            }
            s.push(t.elapsed().as_secs_f64() / *n as f64);
            took = true;
        }
        let enough = jobs
            .iter()
            .zip(&samples)
            .all(|(j, s)| s.len() >= plan.min.min(j.max.unwrap_or(plan.max)));
        if !took || (enough && start.elapsed() >= plan.budget) {
            break;
        }
    }
    let mut out = serde_json::Map::new();
    for ((j, n), s) in jobs.iter().zip(calls).zip(samples) {
        out.insert(j.name.to_string(), stats(s, n));
    }
    Value::Object(out)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn ensure(ok: bool, what: &str) -> Res<()> {
    if ok {
        Ok(())
    } else {
        Err(format!("fixture check failed: {what}").into())
    }
}

fn progress(msg: &str) {
    eprintln!("[bench-report {}] {msg}", loadavg());
}

/// One row: a size of one area with its measurements and facts.
fn row(size: Value, times: Value, facts: Value) -> Value {
    json!({"size": size, "times": times, "facts": facts, "load": loadavg()})
}

struct Ctx {
    quick: bool,
    python: String,
    dir: PathBuf,
}

impl Ctx {
    fn plan(&self, budget_secs: f64) -> Plan {
        if self.quick {
            Plan {
                budget: Duration::from_millis(20),
                min: 1,
                max: 2,
            }
        } else {
            Plan {
                budget: Duration::from_secs_f64(budget_secs),
                min: 5,
                max: 50,
            }
        }
    }

    /// A plan for comparisons whose calls take seconds (the CLI end to
    /// end, pandas with its load): at least 3 samples, at most 10.
    fn plan_few(&self, budget_secs: f64) -> Plan {
        let p = self.plan(budget_secs);
        if self.quick {
            p
        } else {
            Plan {
                min: 3,
                max: 10,
                ..p
            }
        }
    }

    fn sizes<const N: usize>(&self, full: [usize; N], quick: [usize; N]) -> [usize; N] {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

/// Measures `relman::parse::<T>` against the untyped `Value` parse of the
/// same texts (item 1).
fn parse_rows<T: relman::Document>(c: &Ctx, inputs: Vec<(Value, String)>) -> Res<Vec<Value>> {
    let mut rows = Vec::new();
    for (size, text) in inputs {
        relman::parse::<T>(&text)?;
        let times = compare(
            c.plan(3.0),
            vec![
                job("baseline_value", || {
                    black_box(serde_json::from_str::<Value>(black_box(&text)).ok());
                }),
                job("relman_parse", || {
                    black_box(relman::parse::<T>(black_box(&text)).ok());
                }),
            ],
        );
        let mut size = size;
        if let Some(o) = size.as_object_mut() {
            o.insert("bytes".into(), json!(text.len()));
        }
        rows.push(row(size, times, json!({})));
    }
    Ok(rows)
}

/// A schedule of `n` releases for the parse benchmark: the conflicts
/// fixture with one maintenance window per 20 releases.
fn schedule_size(n: usize) -> Size {
    Size {
        maintenance_windows: (n / 20).max(1),
        ..Size::issue(n)
    }
}

fn parse(c: &Ctx) -> Res<Value> {
    let release_rows = parse_rows::<Release>(
        c,
        c.sizes([5, 50, 500], [2, 20, 200])
            .into_iter()
            .map(|n| {
                (
                    json!({"changes": n, "approvals": 20}),
                    release(n, 20).to_string(),
                )
            })
            .collect(),
    )?;
    let schedule_rows = parse_rows::<relman::Schedule>(
        c,
        c.sizes([1_000, 10_000, 100_000], [20, 200, 2_000])
            .into_iter()
            .map(|n| {
                let (v, _, _) = schedule(schedule_size(n), 5);
                (
                    json!({"releases": n, "cis": 2 * n, "maintenance_windows": schedule_size(n).maintenance_windows}),
                    v.to_string(),
                )
            })
            .collect(),
    )?;
    let history_rows = parse_rows::<History>(
        c,
        c.sizes([1_000, 10_000, 100_000], [10, 100, 1_000])
            .into_iter()
            .map(|n| (json!({"deployments": n}), history(n).to_string()))
            .collect(),
    )?;
    Ok(json!({"release": release_rows, "schedule": schedule_rows, "history": history_rows}))
}

/// Item 6: `run` on one thread and on two (`parallel::with_threads`), the
/// outputs compared by the digest of their JSON (an error if they differ),
/// then both timed in turns.
fn threads_compare<T: serde::Serialize>(plan: Plan, run: impl Fn() -> T + Sync) -> Res<Value> {
    let one = with_threads(1, || digest(&run()))?;
    let two = with_threads(2, || digest(&run()))?;
    if one != two {
        return Err(format!("outputs differ on 1 and 2 threads: {one} vs {two}").into());
    }
    let times = compare(
        plan,
        vec![
            job("threads_1", || {
                with_threads(1, || {
                    black_box(run());
                })
            }),
            job("threads_2", || {
                with_threads(2, || {
                    black_box(run());
                })
            }),
        ],
    );
    Ok(json!({"times": times, "digest": one, "identical": true,
              "parallel_feature": relman::foundation::parallel::ENABLED,
              "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
              "load": loadavg()}))
}

fn lifecycle(c: &Ctx) -> Res<Value> {
    let mut rows = Vec::new();
    let steps = lifecycle_steps()?;
    for (changes, approvals) in [(5usize, 20usize), (50, 20), (500, 20)] {
        progress(&format!("lifecycle: {changes} changes"));
        let (r, ctx) = lifecycle_fixture(changes, approvals)?;
        let leveled = Context {
            risk_level: Some(relman::RiskLevel::Low),
            ..ctx.clone()
        };
        ensure(
            relman::check(&r, State::Deployment, &ctx).allowed,
            "bench release ready (risk assessed)",
        )?;
        ensure(
            relman::check(&r, State::Deployment, &leveled).allowed,
            "bench release ready (level given)",
        )?;
        ensure(
            relman::verify_log(&r, None).valid && r.log.len() == approvals + 3,
            "bench release has a genuine log",
        )?;
        let prep_assessed = CheckPrepared::new(&ctx)?;
        let prep_leveled = CheckPrepared::new(&leveled)?;
        ensure(
            digest(&prep_leveled.check(&r, State::Deployment))?
                == digest(&relman::check(&r, State::Deployment, &leveled))?
                && digest(&prep_assessed.check(&r, State::Deployment))?
                    == digest(&relman::check(&r, State::Deployment, &ctx))?,
            "prepared and cold check agree",
        )?;
        let (start, _) = lifecycle_planning(changes, approvals)?;
        let run = |r: &Release| -> Option<Release> {
            let mut r = r.clone();
            for step in &steps {
                r = relman::apply(&r, step, &ctx).ok()?.release;
            }
            Some(r)
        };
        ensure(
            run(&start).map(|r| r.state) == Some(State::Closed),
            "the eleven commands close the release",
        )?;
        let mut jobs = vec![
            job("baseline_to_value", || {
                black_box(serde_json::to_value(black_box(&r)).ok());
            }),
            job("check_risk_assessed", || {
                black_box(relman::check(black_box(&r), State::Deployment, &ctx));
            }),
            job("check_level_given", || {
                black_box(relman::check(black_box(&r), State::Deployment, &leveled));
            }),
        ];
        if CheckPrepared::KIND.is_prepared() {
            jobs.push(job("check_risk_assessed_prepared", || {
                black_box(prep_assessed.check(black_box(&r), State::Deployment));
            }));
            jobs.push(job("check_level_given_prepared", || {
                black_box(prep_leveled.check(black_box(&r), State::Deployment));
            }));
        }
        if changes == 50 {
            jobs.push(job("apply_11_commands", || {
                black_box(run(black_box(&start)));
            }));
        }
        let times = compare(c.plan(4.0), jobs);
        rows.push(row(
            json!({"changes": changes, "approvals": approvals}),
            times,
            json!({"commands": steps.len(), "prepared": CheckPrepared::KIND.label(),
                   "is_prepared": CheckPrepared::KIND.is_prepared()}),
        ));
    }
    Ok(json!({"check": rows}))
}

fn risk(c: &Ctx) -> Res<Value> {
    let mut plain_rows = Vec::new();
    let mut parallel = Value::Null;
    for n in c.sizes([1_000, 10_000, 100_000], [50, 500, 5_000]) {
        progress(&format!("risk: {n} releases, no CMDB"));
        let rs = releases(n, 1_000, None, 1)?;
        let ctx = Context::default();
        let prepared = RiskPrepared::new(&ctx)?;
        let cold_n = n.min(1_000);
        let times = compare(
            c.plan(5.0),
            vec![
                job("baseline_to_value", || {
                    for r in &rs {
                        black_box(serde_json::to_value(black_box(r)).ok());
                    }
                }),
                job("assess", || {
                    for r in &rs {
                        black_box(prepared.assess_json(black_box(r)).ok());
                    }
                }),
                job("assess_rendered", || {
                    for r in &rs {
                        black_box(prepared.assess(black_box(r)).ok());
                    }
                }),
                job("assess_cold", || {
                    for r in rs.iter().take(cold_n) {
                        black_box(relman::assess_risk(black_box(r), &ctx).ok());
                    }
                }),
            ],
        );
        plain_rows.push(row(
            json!({"releases": n, "releases_cold": cold_n}),
            times,
            json!({"prepared": RiskPrepared::KIND.label()}),
        ));
        if n == c.sizes([1_000, 10_000, 100_000], [50, 500, 5_000])[2] {
            progress(&format!("risk: batch of {n} on 1 and 2 threads"));
            parallel = threads_compare(c.plan(10.0), || {
                relman::assess_risk_many(&rs, &ctx)
                    .into_iter()
                    .map(Result::ok)
                    .collect::<Vec<_>>()
            })?;
            if let Some(o) = parallel.as_object_mut() {
                o.insert(
                    "what".into(),
                    json!(format!("`assess_risk_many`, {n} releases, no CMDB")),
                );
            }
        }
    }
    let mut cmdb_rows = Vec::new();
    for cis_n in c.sizes([1_000, 10_000, 100_000], [200, 2_000, 20_000]) {
        progress(&format!("risk: CMDB of {cis_n} CIs"));
        let mut seq = Seq::new(7);
        let cmdb: relman::Cmdb =
            relman::from_value(risk_cmdb(cis_n, 3 * cis_n, &mut seq))?.document;
        let ctx = Context {
            cmdb: Some(cmdb),
            ..Context::default()
        };
        let cmdb = ctx.cmdb.as_ref().ok_or("cmdb")?;
        let n = if c.quick { 20 } else { 500 };
        let few = 5;
        let rs = releases(n, cis_n as u64, Some(20), 3)?;
        let t = Instant::now();
        let prepared = RiskPrepared::new(&ctx)?;
        let prepare = t.elapsed().as_secs_f64();
        let first = rs.first().ok_or("no release")?;
        let sample = prepared.assess(first)?;
        let blast = sample.factor("blast_radius").ok_or("no blast radius")?;
        let svc = services(cmdb);
        let starts: Vec<Vec<String>> = rs.iter().map(|r| r.affected_cis.clone()).collect();
        let (reached, touched) = naive_blast(cmdb, &svc, &first.affected_cis, 3);
        ensure(
            serde_json::to_value(&blast.inputs)?.get("dependent_cis") == Some(&json!(reached))
                && serde_json::to_value(&blast.inputs)?.get("services") == Some(&json!(touched)),
            "naive blast radius agrees with relman's",
        )?;
        let times = compare(
            c.plan(5.0),
            vec![
                job("baseline_naive_blast", || {
                    for s in starts.iter().take(few) {
                        black_box(naive_blast(cmdb, &svc, black_box(s), 3));
                    }
                }),
                job("assess", || {
                    for r in &rs {
                        black_box(prepared.assess_json(black_box(r)).ok());
                    }
                }),
                job("assess_rendered", || {
                    for r in &rs {
                        black_box(prepared.assess(black_box(r)).ok());
                    }
                }),
                job("assess_cold", || {
                    for r in rs.iter().take(few) {
                        black_box(relman::assess_risk(black_box(r), &ctx).ok());
                    }
                }),
            ],
        );
        cmdb_rows.push(row(
            json!({"cis": cis_n, "relationships": 3 * cis_n, "cis_per_release": 20, "depth": 3,
                   "releases_assess": n, "releases_baseline": few, "releases_cold": few}),
            times,
            json!({"dependent_cis": reached, "services": touched, "prepare_context_s": prepare,
                   "prepared": RiskPrepared::KIND.label()}),
        ));
    }
    Ok(json!({"no_cmdb": plain_rows, "cmdb": cmdb_rows, "parallel": parallel}))
}

fn conflicts(c: &Ctx) -> Res<Value> {
    let mut rows = Vec::new();
    let mut parallel = Value::Null;
    let mut cli = Value::Null;
    let sizes = c.sizes([1_000, 10_000, 100_000], [100, 1_000, 10_000]);
    let top = sizes[2];
    for n in sizes {
        progress(&format!("conflicts: generating {n}"));
        let (value, plain, rels) = schedule(Size::issue(n), 5);
        let text = if n == top {
            Some(value.to_string())
        } else {
            None
        };
        let s: relman::Schedule = relman::from_value(value)?.document;
        let related = related_set(&rels);
        let bare = overlap_only(&s);
        let report = relman::detect_conflicts(&s)?;
        let overlap = relman::detect_conflicts(&bare)?;
        let prepared = ConflictsPrepared::new(&s)?;
        ensure(
            digest(&prepared.detect()?)? == digest(&report)?,
            "prepared and cold detection agree",
        )?;
        let ci_overlaps = report
            .conflicts
            .iter()
            .filter(|c| c.kind == relman::ConflictKind::CiOverlap)
            .count();
        let db = sqlite_touches(&plain)?;
        let sql = sqlite_ci_overlap(&db)?;
        ensure(sql == ci_overlaps, "SQLite and relman agree on ci_overlap")?;
        let mut by_kind = std::collections::BTreeMap::new();
        for x in &report.conflicts {
            *by_kind.entry(x.kind.as_str()).or_insert(0usize) += 1;
        }
        let oracle_pairs = std::cell::Cell::new(0usize);
        progress(&format!("conflicts: timing {n}"));
        let mut jobs = vec![
            job("detect_conflicts", || {
                black_box(relman::detect_conflicts(black_box(&s)).ok());
            }),
            job("detect_conflicts_overlap_kinds", || {
                black_box(relman::detect_conflicts(black_box(&bare)).ok());
            }),
            job("sqlite_self_join_ci_overlap", || {
                black_box(sqlite_ci_overlap(black_box(&db)).ok());
            }),
        ];
        if ConflictsPrepared::KIND.is_prepared() {
            jobs.push(job("detect_prepared", || {
                black_box(prepared.detect().ok());
            }));
        }
        // The all-pairs oracle is quadratic (tens of seconds at 100k): not
        // at the top size.
        if n < top {
            jobs.push(job("oracle_all_pairs", || {
                oracle_pairs.set(black_box(oracle_all_pairs(black_box(&plain), &related)));
            }));
        }
        let times = compare(c.plan(if n == top { 15.0 } else { 6.0 }), jobs);
        if let Some(text) = text {
            progress(&format!("conflicts: CLI end to end at {n}"));
            let file = c.dir.join(format!("schedule-{n}.json"));
            std::fs::write(&file, &text)?;
            drop(text);
            let cli_path = e2e::cli_path();
            let out = c.dir.join("conflicts-out.json");
            let rss = c.dir.join("conflicts-rss.txt");
            let args = ["conflicts", file.to_str().ok_or("path")?];
            let first = e2e::run(&cli_path, &args, &out, &rss)?;
            let printed: Value = serde_json::from_slice(&std::fs::read(&out)?)?;
            ensure(
                printed
                    .get("conflicts")
                    .and_then(Value::as_array)
                    .map(Vec::len)
                    == Some(report.conflicts.len()),
                "the CLI reports as many conflicts as the engine",
            )?;
            drop(printed);
            let peak = std::cell::Cell::new(first.max_rss_kb);
            let failed = std::cell::RefCell::new(None::<String>);
            let cli_times = compare(
                c.plan_few(20.0),
                vec![
                    job("cli_end_to_end", || {
                        match e2e::run(&cli_path, &args, &out, &rss) {
                            Ok(r) => peak.set(peak.get().max(r.max_rss_kb)),
                            Err(e) => *failed.borrow_mut() = Some(e),
                        }
                    }),
                    job("sqlite_self_join_ci_overlap", || {
                        black_box(sqlite_ci_overlap(black_box(&db)).ok());
                    }),
                ],
            );
            if let Some(e) = failed.into_inner() {
                return Err(e.into());
            }
            cli = json!({"releases": n, "bytes": std::fs::metadata(&file)?.len(),
                         "times": cli_times, "max_rss_kb": peak.get(), "exit_code": first.code,
                         "load": loadavg()});
            progress(&format!("conflicts: {n} on 1 and 2 threads"));
            parallel = threads_compare(c.plan(15.0), || relman::detect_conflicts(&s).ok())?;
            if let Some(o) = parallel.as_object_mut() {
                o.insert(
                    "what".into(),
                    json!(format!("`detect_conflicts`, {n} releases, all kinds")),
                );
            }
        }
        rows.push(row(
            json!({"releases": n, "cis": Size::issue(n).cis, "cis_per_release": 5,
                   "maintenance_windows": 5000, "blackouts": 20}),
            times,
            json!({"conflicts": report.conflicts.len(), "by_kind": by_kind,
                   "overlap_kinds_conflicts": overlap.conflicts.len(),
                   "oracle_pair_kinds": oracle_pairs.get(), "sqlite_ci_overlap_pairs": sql,
                   "prepared": ConflictsPrepared::KIND.label()}),
        ));
    }
    Ok(json!({"detect": rows, "cli": cli, "parallel": parallel}))
}

/// The KPI history of `n` deployments (and `n / 10` incidents) with the
/// baselines' inputs: CSV files in `dir` for pandas, SQLite tables.
fn kpi_input(n: u64, dir: &std::path::Path) -> Res<(History, rusqlite::Connection, usize)> {
    let m = n / 10;
    let deps: Vec<Dep> = (0..n).map(|i| dep(i, n)).collect();
    let incs: Vec<Inc> = (0..m).map(|j| inc(j, m, n)).collect();
    let history = History {
        deployments: deps.iter().map(Dep::record).collect(),
        incidents: incs.iter().map(Inc::record).collect(),
        ..History::default()
    };
    let changes: usize = deps.iter().map(|d| d.changes.len()).sum();
    write_csv(dir, &deps, &incs)?;
    let conn = load_sqlite(&deps, &incs)?;
    Ok((history, conn, changes))
}

/// relman's metrics against SQLite's and pandas' answer `py`.
fn kpi_agree(ours: &[(&str, f64)], sql: Option<&[(&str, f64)]>, py: &Value) -> (bool, Value) {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0);
    let mut metrics = serde_json::Map::new();
    let mut agree = true;
    for (i, (name, a)) in ours.iter().enumerate() {
        let p = py
            .get("metrics")
            .and_then(|m| m.get(*name))
            .and_then(Value::as_f64)
            .unwrap_or(f64::NAN);
        agree &= close(*a, p);
        let b = sql.and_then(|s| s.get(i)).map(|(_, b)| *b);
        if let Some(b) = b {
            agree &= close(*a, b);
        }
        metrics.insert(
            name.to_string(),
            json!({"relman": a, "sqlite": b, "pandas": p}),
        );
    }
    (agree, Value::Object(metrics))
}

fn kpi(c: &Ctx) -> Res<Value> {
    let mut rows = Vec::new();
    let mut parallel = Value::Null;
    let sizes = c.sizes([10_000, 100_000, 1_000_000], [1_000, 10_000, 100_000]);
    for n in sizes {
        let n = n as u64;
        progress(&format!("kpi: generating {n}"));
        let dir = c.dir.join(format!("kpi-{n}"));
        let (history, conn, changes) = kpi_input(n, &dir)?;
        let options = KpiOptions::default();
        let report = compute_kpis(&history, &options)?;
        let ours = relman_metrics(&report);
        let sql = sql_metrics(&conn)?;
        progress(&format!("kpi: starting pandas {n}"));
        let pandas = std::cell::RefCell::new(Pandas::start(&c.python, &dir)?);
        let py = pandas.borrow_mut().run()?;
        let versions = pandas.borrow().versions.clone();
        let (agree, metrics) = kpi_agree(&ours, Some(&sql), &py);
        ensure(agree, "relman, SQLite and pandas agree on every metric")?;
        progress(&format!("kpi: timing {n}"));
        let times = compare(
            if n >= 1_000_000 {
                // Seconds per call for SQLite and pandas: 3 samples.
                c.plan_few(30.0)
            } else {
                c.plan(6.0)
            },
            vec![
                job("relman_compute_kpis", || {
                    black_box(compute_kpis(black_box(&history), &options).ok());
                }),
                job("sqlite_devlake_sql", || {
                    black_box(sql_metrics(black_box(&conn)).ok());
                }),
                job("pandas", || {
                    black_box(pandas.borrow_mut().run().ok());
                }),
            ],
        );
        drop(pandas);
        if n == sizes[2] as u64 {
            progress(&format!("kpi: {n} on 1 and 2 threads"));
            parallel = threads_compare(c.plan(15.0), || compute_kpis(&history, &options).ok())?;
            if let Some(o) = parallel.as_object_mut() {
                o.insert(
                    "what".into(),
                    json!(format!("`compute_kpis`, {n} deployments")),
                );
            }
        }
        rows.push(row(
            json!({"deployments": n, "incidents": n / 10, "change_rows": changes}),
            times,
            json!({"metrics": metrics, "agree": agree,
                   "pandas_version": versions.get("pandas"), "numpy_version": versions.get("numpy")}),
        ));
    }
    // Item 5's end-to-end row: JSON text in a file, the CLI against pandas
    // with its load (`json.load` + DataFrames + compute) from the same file.
    let n = if c.quick { 60_000 } else { 600_000 };
    progress(&format!("kpi: CLI end to end at {n}"));
    let m = n / 10;
    let history = History {
        deployments: (0..n).map(|i| dep(i, n).record()).collect(),
        incidents: (0..m).map(|j| inc(j, m, n).record()).collect(),
        ..History::default()
    };
    let file = c.dir.join(format!("history-{n}.json"));
    std::fs::write(&file, serde_json::to_vec(&history)?)?;
    let bytes = std::fs::metadata(&file)?.len();
    let report = compute_kpis(&history, &KpiOptions::default())?;
    let ours = relman_metrics(&report);
    drop(history);
    let cli_path = e2e::cli_path();
    let out = c.dir.join("kpi-out.json");
    let rss = c.dir.join("kpi-rss.txt");
    let args = ["kpi", file.to_str().ok_or("path")?];
    let first = e2e::run(&cli_path, &args, &out, &rss)?;
    ensure(first.code == 0, "relman kpi succeeds")?;
    let printed: relman::KpiReport = serde_json::from_slice(&std::fs::read(&out)?)?;
    let same = |a: f64, b: f64| {
        a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) || (a.is_nan() && b.is_nan())
    };
    ensure(
        relman_metrics(&printed)
            .iter()
            .zip(&ours)
            .all(|(a, b)| a.0 == b.0 && same(a.1, b.1)),
        "the CLI computes the engine's figures",
    )?;
    let pandas = std::cell::RefCell::new(Pandas::start(&c.python, &file)?);
    let py = pandas.borrow_mut().run()?;
    let (agree, metrics) = kpi_agree(&ours, None, &py);
    ensure(agree, "pandas from the JSON file agrees with relman")?;
    let peak = std::cell::Cell::new(first.max_rss_kb);
    let failed = std::cell::RefCell::new(None::<String>);
    let times = compare(
        c.plan_few(40.0),
        vec![
            job("cli_end_to_end", || {
                match e2e::run(&cli_path, &args, &out, &rss) {
                    Ok(r) => peak.set(peak.get().max(r.max_rss_kb)),
                    Err(e) => *failed.borrow_mut() = Some(e),
                }
            }),
            job("pandas_with_load", || {
                black_box(pandas.borrow_mut().run().ok());
            }),
        ],
    );
    drop(pandas);
    if let Some(e) = failed.into_inner() {
        return Err(e.into());
    }
    let cli = json!({"deployments": n, "bytes": bytes, "times": times, "max_rss_kb": peak.get(),
                     "metrics": metrics, "agree": agree, "load": loadavg(),
                     "within_default_limit": bytes <= relman::limits::DEFAULT_MAX_DOCUMENT_BYTES});
    Ok(json!({"compute": rows, "cli": cli, "parallel": parallel}))
}

fn sets(metrics: usize, n: usize) -> Res<(SampleSet, SampleSet)> {
    let (b, c) = canary_samples(metrics, n, 42);
    Ok((serde_json::from_value(b)?, serde_json::from_value(c)?))
}

fn rollout(c: &Ctx) -> Res<Value> {
    let config = JudgeConfig::default();
    let mut rows = Vec::new();
    for n in c.sizes([1_000, 10_000, 100_000], [100, 200, 400]) {
        let (base, canary) = sets(20, n)?;
        let j = judge_canary(&base, &canary, &config)?;
        ensure(j.metrics.len() == 20, "20 metrics judged")?;
        let times = compare(
            c.plan(5.0),
            vec![
                job("baseline_sort_only", || {
                    for set in [&base, &canary] {
                        for v in set.0.values() {
                            let mut v = v.clone();
                            v.sort_unstable_by(f64::total_cmp);
                            black_box(&v);
                        }
                    }
                }),
                job("judge_canary", || {
                    black_box(judge_canary(black_box(&base), black_box(&canary), &config).ok());
                }),
            ],
        );
        rows.push(row(json!({"metrics": 20, "per_side": n}), times, json!({})));
    }
    let mut naive_rows = Vec::new();
    for n in c.sizes([500, 2_000], [50, 100]) {
        let (base, canary) = sets(1, n)?;
        let x = base.0.values().next().cloned().unwrap_or_default();
        let y = canary.0.values().next().cloned().unwrap_or_default();
        let j = judge_canary(&base, &canary, &config)?;
        let (_, hl, _, _) = naive_judge_one(&x, &y);
        let shift = j
            .metrics
            .first()
            .and_then(|m| m.shift.as_ref())
            .map(|s| s.estimate);
        ensure(shift == Some(hl), "naive and relman shift agree")?;
        let times = compare(
            c.plan(4.0),
            vec![
                job("baseline_naive", || {
                    black_box(naive_judge_one(black_box(&x), black_box(&y)));
                }),
                job("judge_canary", || {
                    black_box(judge_canary(black_box(&base), black_box(&canary), &config).ok());
                }),
            ],
        );
        naive_rows.push(row(json!({"metrics": 1, "per_side": n}), times, json!({})));
    }
    let plan: relman::DeploymentPlan = serde_json::from_value(
        json!({"strategy": "canary", "steps": [
        {"set_weight": 10}, {"pause": {"duration_secs": 600}},
        {"analysis": {"metrics": [{"name": "error_rate", "max": 0.01}, {"name": "latency_p99", "max": 300, "fail_above": 500}]}},
        {"set_weight": 50}, {"pause": {}}, {"set_weight": 100}]}),
    )?;
    let now: relman::Timestamp = "2026-12-01T10:12:00Z".parse()?;
    let start = relman::rollout_step(&plan, &RolloutState::default(), &RolloutInput::Tick, &now)?;
    let resume = RolloutInput::Command {
        command: relman::rollout::RolloutCommand::Resume,
        actor: None,
        reason: None,
    };
    let at_analysis = relman::rollout_step(&plan, &start.state, &resume, &now)?.state;
    let obs: RolloutInput = serde_json::from_value(json!({"kind": "observation", "metrics": {
        "error_rate": 0.002, "latency_p99": [210.0, 250.0, 240.0]}}))?;
    ensure(
        relman::rollout_step(&plan, &at_analysis, &obs, &now)?
            .state
            .weight
            == 50,
        "the observation passes the analysis",
    )?;
    let step = compare(
        c.plan(3.0),
        vec![
            job("baseline_clone_state", || {
                black_box(black_box(&at_analysis).clone());
            }),
            job("rollout_step", || {
                black_box(
                    relman::rollout_step(black_box(&plan), black_box(&at_analysis), &obs, &now)
                        .ok(),
                );
            }),
        ],
    );
    Ok(json!({"judge": rows, "naive": naive_rows,
              "step": row(json!({"steps": 6}), step, json!({}))}))
}

fn integrations(c: &Ctx) -> Res<Value> {
    let mut rows = Vec::new();
    let cmdb_text = cis(1_000).to_string();
    for n in c.sizes([1_000, 10_000, 100_000], [50, 100, 200]) {
        let text = change_requests(n, 1_000).to_string();
        // Both tables parsed inside the timing, by relman and by the
        // baseline alike: relman reads the text straight into its records
        // (`import_servicenow_text`, read-time limits checked), or parses
        // it into `Value`s and imports those (`import_servicenow`).
        let limits = relman::limits::Limits::default();
        let import = || -> Option<relman::ServiceNowImport> {
            let tables = [
                ("change_request", black_box(text.as_str())),
                ("cmdb_ci", black_box(cmdb_text.as_str())),
            ];
            relman::import_servicenow_text(&tables, &Default::default(), &limits).ok()
        };
        let import_value = || -> Option<relman::ServiceNowImport> {
            let tables = ServiceNowTables {
                change_request: Some(serde_json::from_str(black_box(&text)).ok()?),
                cmdb_ci: Some(serde_json::from_str(black_box(&cmdb_text)).ok()?),
                ..Default::default()
            };
            relman::import_servicenow(tables, &Default::default()).ok()
        };
        let (fast, slow) = (import(), import_value());
        ensure(fast.is_some(), "the change requests import")?;
        ensure(
            digest(&fast)? == digest(&slow)?,
            "the text and the value import give the same result",
        )?;
        let times = compare(
            c.plan(5.0),
            vec![
                job("baseline_value", || {
                    black_box(serde_json::from_str::<Value>(black_box(&text)).ok());
                    black_box(serde_json::from_str::<Value>(black_box(&cmdb_text)).ok());
                }),
                job("relman_import", || {
                    black_box(import());
                }),
                job("relman_import_value", || {
                    black_box(import_value());
                }),
            ],
        );
        rows.push(row(
            json!({"records": n, "cis": 1_000, "bytes": text.len() + cmdb_text.len()}),
            times,
            json!({}),
        ));
    }
    Ok(json!({"import": rows}))
}

fn main() -> Res<()> {
    let mut quick = false;
    let mut only: Option<Vec<String>> = None;
    let mut out = PathBuf::from("target/bench-report/results.json");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--only" => {
                only = Some(
                    args.next()
                        .ok_or("--only needs areas")?
                        .split(',')
                        .map(str::to_string)
                        .collect(),
                )
            }
            "--out" => out = PathBuf::from(args.next().ok_or("--out needs a path")?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let dir = out
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)?;
    let ctx = Ctx {
        quick,
        python: std::env::var("KPI_PYTHON").unwrap_or_else(|_| "python3".to_string()),
        dir: dir.clone(),
    };
    type Area = fn(&Ctx) -> Res<Value>;
    let areas: [(&str, Area); 7] = [
        ("parse", parse),
        ("lifecycle", lifecycle),
        ("risk", risk),
        ("conflicts", conflicts),
        ("kpi", kpi),
        ("rollout", rollout),
        ("integrations", integrations),
    ];
    let mut results = serde_json::Map::new();
    let started = Instant::now();
    let load_start = loadavg();
    for (name, f) in areas {
        if only.as_ref().is_some_and(|o| !o.iter().any(|x| x == name)) {
            continue;
        }
        progress(&format!("{name}: start"));
        let t = Instant::now();
        // One core unless a row says otherwise (item 6 asks for two itself).
        let mut v = with_threads(1, || f(&ctx).map_err(|e| e.to_string()))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("wall_s".into(), json!(t.elapsed().as_secs_f64()));
        }
        progress(&format!(
            "{name}: done in {:.1} s",
            t.elapsed().as_secs_f64()
        ));
        results.insert(name.to_string(), v);
    }
    let doc = json!({
        "quick": quick,
        "load_start": load_start,
        "load_end": loadavg(),
        "wall_s": started.elapsed().as_secs_f64(),
        "parallel_feature": relman::foundation::parallel::ENABLED,
        "areas": results,
    });
    std::fs::write(&out, serde_json::to_string_pretty(&doc)?)?;
    progress(&format!("wrote {}", out.display()));
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use super::*;
    use std::cell::Cell;

    #[test]
    fn stats_give_median_min_max_per_call() {
        let s = stats(vec![3.0, 1.0, 2.0, 10.0], 4);
        assert_eq!(s["median_s"], 2.5);
        assert_eq!(s["min_s"], 1.0);
        assert_eq!(s["max_s"], 10.0);
        assert_eq!(s["samples"], 4);
        assert_eq!(s["calls_per_sample"], 4);
        assert_eq!(stats(vec![5.0, 1.0, 3.0], 1)["median_s"], 3.0);
        assert!(stats(Vec::new(), 1)["median_s"].is_null());
    }

    #[test]
    fn one_and_two_threads_are_timed_after_their_outputs_agree() {
        let plan = Plan {
            budget: Duration::ZERO,
            min: 2,
            max: 2,
        };
        let v = threads_compare(plan, || (0..1000u64).map(|i| i * i).sum::<u64>()).unwrap();
        assert_eq!(v["identical"], true);
        assert_eq!(v["times"]["threads_1"]["samples"], 2);
        assert_eq!(v["times"]["threads_2"]["samples"], 2);
        assert_eq!(
            v["digest"],
            relman_benches::digest(&332_833_500u64).unwrap()
        );
    }

    #[test]
    fn a_sample_lasts_at_least_twenty_milliseconds() {
        assert_eq!(calibrate(Duration::from_millis(40)), 1);
        assert_eq!(calibrate(Duration::from_micros(1)), 20_000);
        assert_eq!(calibrate(Duration::ZERO), 10_000_000);
    }

    #[test]
    fn compare_samples_every_job_in_turns_within_its_limits() {
        let (a, b) = (Cell::new(0u64), Cell::new(0u64));
        let plan = Plan {
            budget: Duration::ZERO,
            min: 3,
            max: 50,
        };
        let out = compare(
            plan,
            vec![
                job("a", || {
                    a.set(a.get() + 1);
                    std::thread::sleep(Duration::from_millis(5));
                }),
                job_max("b", 1, || {
                    b.set(b.get() + 1);
                    std::thread::sleep(Duration::from_millis(5));
                }),
            ],
        );
        // A zero budget stops at the minimum: 3 samples of `a`, 1 of `b`
        // (its maximum), each of `calls_per_sample` calls, after one
        // warm-up call each.
        assert_eq!(out["a"]["samples"], 3);
        assert_eq!(out["b"]["samples"], 1);
        let calls = out["a"]["calls_per_sample"].as_u64().unwrap();
        assert_eq!(a.get(), 1 + 3 * calls);
        assert_eq!(b.get(), 1 + out["b"]["calls_per_sample"].as_u64().unwrap());
    }
}
