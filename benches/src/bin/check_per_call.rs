//! The Rust side of the Swift binding's per-call table (issue #30, item 5,
//! docs/swift.md "Documents read once"): the core's own `check` on the
//! files the Swift benchmark (`examples/swift`, `ReleaseBench`) reads, and
//! `call_json("check")` on the same JSON text, in µs per call.
//!
//!     check-per-call [DATA_DIR] [CALLS]
//!
//! DATA_DIR defaults to examples/data (release-minor.json and
//! context.json, checked to `deployment`), CALLS to 20000. One thread;
//! each figure is the median of five runs of CALLS calls.

use relman::{Context, Release, State};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

/// The median per-call time, in µs, of five runs of `calls` calls of `f`.
fn per_call(calls: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..calls.min(200) {
        f();
    }
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(calls)
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs.get(2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "examples/data".to_string()));
    let calls: u32 = args.next().map_or(Ok(20_000), |n| n.parse())?;
    let release_text = std::fs::read_to_string(dir.join("release-minor.json"))?;
    let context_text = std::fs::read_to_string(dir.join("context.json"))?;
    let release: Release = relman::parse(&release_text)?.document;
    let context: Context = relman::parse(&context_text)?.document;
    let params = format!(
        r#"{{"release": {release_text}, "target": "deployment", "context": {context_text}}}"#
    );
    relman::foundation::parallel::with_threads(1, || {
        let core = per_call(calls, || {
            let report =
                relman::lifecycle::check_versioned(&release, State::Deployment, &context, None);
            black_box(report.map(|r| r.allowed).unwrap_or(false));
        });
        let json = per_call(calls, || {
            black_box(
                relman::api::call_json("check", black_box(&params))
                    .map(|t| t.len())
                    .ok(),
            );
        });
        println!("| form | µs per call |");
        println!("|---|---|");
        println!("| core `check` (parsed release and context) | {core:.1} |");
        println!("| core `call_json(\"check\")` (JSON text) | {json:.1} |");
    });
    Ok(())
}
