//! The headline benchmarks alone, driven one sample at a time, for
//! `scripts/bench-compare` (issue #19): the script builds this driver
//! against two revisions of relman and asks both builds for samples in
//! turns, so a burst of load on the shared machine hits both.
//!
//!     bench-headlines --list
//!     bench-headlines --serve
//!     bench-headlines --loop NAME SECONDS
//!
//! `--list` prints the headline names, one a line. `--serve` answers
//! commands read from stdin, one JSON line on stdout for each:
//!
//! - `prepare NAME`: generates and parses the headline's input (outside
//!   any timing), runs it once to warm up, and answers
//!   `{"name", "once_s", "digest"}` — the warm-up call's time and an FNV-1a
//!   hash of the result's JSON text, so the script can tell whether both
//!   builds computed the same output. The previous headline's input is
//!   dropped first.
//! - `sample CALLS`: runs the prepared headline CALLS times and answers
//!   `{"per_call_s"}`.
//!
//! `--loop NAME SECONDS` prepares headline NAME, prints the same answer as
//! `prepare` (the sign that the input is ready), then calls it over and
//! over for SECONDS and exits: `scripts/bench-report --profile` attaches
//! `perf record -p` after that line, so the profile holds the measured
//! function, not the input generation. Batch work follows
//! `RAYON_NUM_THREADS` (the script sets 1).
//!
//! The sizes are the middle sizes of `benches/RESULTS.md`'s Growth table
//! (one run of the largest would take tens of seconds); inputs and results
//! pass through `black_box`. Only relman's public API and this crate's
//! generators are used, so the same source builds at older revisions.

use relman::rollout::{judge_canary, JudgeConfig, SampleSet};
use relman::{compute_kpis, Context, History, KpiOptions, RiskAssessor, State};
use relman_benches::conflicts::{overlap_only, schedule, Size};
use relman_benches::kpi::{dep, inc, Dep, Inc};
use relman_benches::risk::{releases, risk_cmdb, Seq};
use relman_benches::servicenow::{change_requests, cis};
use relman_benches::{canary_samples, history, lifecycle_fixture};
use serde_json::json;
use std::error::Error;
use std::hint::black_box;
use std::io::{BufRead, Write};
use std::time::Instant;

type Res<T> = Result<T, Box<dyn Error>>;

/// A prepared headline: one call of the measured function on its input.
type Call = Box<dyn FnMut()>;

/// The headlines, in the order of the Growth table, with their sizes.
const HEADLINES: [(&str, &str); 10] = [
    ("parse_history", "10,000 deployments"),
    ("lifecycle_check_risk_assessed", "50 changes / 20 approvals"),
    ("lifecycle_check_level_given", "50 changes / 20 approvals"),
    ("risk_assess_no_cmdb", "10,000 releases"),
    ("risk_assess_cmdb", "500 releases, 20 CIs in 10,000"),
    ("conflicts_all_kinds", "10,000 releases"),
    ("conflicts_overlap_kinds", "10,000 releases"),
    ("kpi_compute", "100,000 deployments"),
    ("rollout_judge_canary", "20 metrics, 10,000 per side"),
    ("integrations_import", "10,000 records"),
];

/// FNV-1a of `value`'s JSON text: equal digests, equal outputs.
fn digest<T: serde::Serialize + ?Sized>(value: &T) -> Res<String> {
    let text = serde_json::to_string(value)?;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    Ok(format!("{h:016x}"))
}

/// The input of headline `name`, ready to call, and the digest of its
/// output.
fn prepare(name: &str) -> Res<(Call, String)> {
    Ok(match name {
        "parse_history" => {
            let text = history(10_000).to_string();
            let d = digest(&relman::parse::<History>(&text)?.document)?;
            let call = move || {
                black_box(relman::parse::<History>(black_box(&text)).ok());
            };
            (Box::new(call), d)
        }
        "lifecycle_check_risk_assessed" | "lifecycle_check_level_given" => {
            let (r, mut ctx) = lifecycle_fixture(50, 20)?;
            if name == "lifecycle_check_level_given" {
                ctx.risk_level = Some(relman::RiskLevel::Low);
            }
            let d = digest(&relman::check(&r, State::Deployment, &ctx))?;
            let call = move || {
                black_box(relman::check(black_box(&r), State::Deployment, &ctx));
            };
            (Box::new(call), d)
        }
        "risk_assess_no_cmdb" | "risk_assess_cmdb" => {
            let (rs, ctx) = if name == "risk_assess_cmdb" {
                let mut seq = Seq::new(7);
                let cmdb: relman::Cmdb =
                    relman::from_value(risk_cmdb(10_000, 30_000, &mut seq))?.document;
                let ctx = Context {
                    cmdb: Some(cmdb),
                    ..Context::default()
                };
                (releases(500, 10_000, Some(20), 3)?, ctx)
            } else {
                (releases(10_000, 1_000, None, 1)?, Context::default())
            };
            // The assessor borrows the context: leak both (one headline a
            // process at a time, a few megabytes).
            let ctx: &'static Context = Box::leak(Box::new(ctx));
            let assessor = RiskAssessor::new(ctx)?;
            let all: Vec<_> = rs.iter().map(|r| assessor.assess(r).ok()).collect();
            let d = digest(&all)?;
            let call = move || {
                for r in &rs {
                    black_box(assessor.assess(black_box(r)).ok());
                }
            };
            (Box::new(call), d)
        }
        "conflicts_all_kinds" | "conflicts_overlap_kinds" => {
            let (value, _, _) = schedule(Size::issue(10_000), 5);
            let mut s: relman::Schedule = relman::from_value(value)?.document;
            if name == "conflicts_overlap_kinds" {
                s = overlap_only(&s);
            }
            let d = digest(&relman::detect_conflicts(&s)?)?;
            let call = move || {
                black_box(relman::detect_conflicts(black_box(&s)).ok());
            };
            (Box::new(call), d)
        }
        "kpi_compute" => {
            let n = 100_000u64;
            let m = n / 10;
            let history = History {
                deployments: (0..n).map(|i| dep(i, n)).map(|d: Dep| d.record()).collect(),
                incidents: (0..m)
                    .map(|j| inc(j, m, n))
                    .map(|i: Inc| i.record())
                    .collect(),
                ..History::default()
            };
            let options = KpiOptions::default();
            let d = digest(&compute_kpis(&history, &options)?)?;
            let call = move || {
                black_box(compute_kpis(black_box(&history), &options).ok());
            };
            (Box::new(call), d)
        }
        "rollout_judge_canary" => {
            let (b, c) = canary_samples(20, 10_000, 42);
            let base: SampleSet = serde_json::from_value(b)?;
            let canary: SampleSet = serde_json::from_value(c)?;
            let config = JudgeConfig::default();
            let d = digest(&judge_canary(&base, &canary, &config)?)?;
            let call = move || {
                black_box(judge_canary(black_box(&base), black_box(&canary), &config).ok());
            };
            (Box::new(call), d)
        }
        "integrations_import" => {
            let cmdb_text = cis(1_000).to_string();
            let text = change_requests(10_000, 1_000).to_string();
            let limits = relman::limits::Limits::default();
            let import = move || -> Option<relman::ServiceNowImport> {
                let tables = [
                    ("change_request", black_box(text.as_str())),
                    ("cmdb_ci", black_box(cmdb_text.as_str())),
                ];
                relman::import_servicenow_text(&tables, &Default::default(), &limits).ok()
            };
            let d = digest(&import().ok_or("the change requests do not import")?)?;
            let call = move || {
                black_box(import());
            };
            (Box::new(call), d)
        }
        other => return Err(format!("unknown headline {other}").into()),
    })
}

fn serve() -> Res<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let mut current: Option<Call> = None;
    for line in stdin.lock().lines() {
        let line = line?;
        let mut words = line.split_whitespace();
        let answer = match (words.next(), words.next()) {
            (Some("prepare"), Some(name)) => {
                // The previous input goes before the next is made.
                drop(current.take());
                let (mut call, d) = prepare(name)?;
                let t = Instant::now();
                call();
                let once = t.elapsed().as_secs_f64();
                current = Some(call);
                json!({"name": name, "once_s": once, "digest": d})
            }
            (Some("sample"), Some(calls)) => {
                let calls: u32 = calls.parse()?;
                let call = current.as_mut().ok_or("sample before prepare")?;
                let t = Instant::now();
                for _ in 0..calls {
                    call();
                }
                json!({"per_call_s": t.elapsed().as_secs_f64() / f64::from(calls.max(1))})
            }
            _ => return Err(format!("unknown command {line:?}").into()),
        };
        writeln!(out, "{answer}")?;
        out.flush()?;
    }
    Ok(())
}

/// `--loop`: the headline `name`, called for `secs` seconds.
fn run_loop(name: &str, secs: f64) -> Res<()> {
    let (mut call, d) = prepare(name)?;
    let t = Instant::now();
    call();
    let once = t.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        json!({"name": name, "once_s": once, "digest": d})
    )?;
    out.flush()?;
    let t = Instant::now();
    let mut calls = 0u64;
    while t.elapsed().as_secs_f64() < secs {
        call();
        calls += 1;
    }
    writeln!(out, "{}", json!({"calls": calls}))?;
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["--list"] => {
            for (name, size) in HEADLINES {
                println!("{name}\t{size}");
            }
            Ok(())
        }
        ["--serve"] => serve(),
        ["--loop", name, secs] => run_loop(name, secs.parse()?),
        _ => Err("usage: bench-headlines --list | --serve | --loop NAME SECONDS".into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn digests_are_fnv1a_of_the_json_text() {
        // FNV-1a 64 of "1" (the JSON text of the number 1).
        assert_eq!(digest(&1).unwrap(), "af63ac4c86019afc");
        assert_ne!(
            digest(&json!({"a": 1})).unwrap(),
            digest(&json!({"a": 2})).unwrap()
        );
    }

    #[test]
    fn every_headline_has_an_input() {
        assert!(prepare("no_such_headline").is_err());
        // The cheap ones (the others take seconds in a debug build).
        for name in ["lifecycle_check_level_given", "rollout_judge_canary"] {
            let (mut call, d) = prepare(name).unwrap();
            call();
            assert_eq!(d.len(), 16);
        }
    }
}
