//! One-shot scaling of `detect_conflicts` against the all-pairs oracle
//! (window test first) at 10k, 30k and 100k releases, in one process:
//! `cargo run --release -p relman-benches --example conflicts_scaling`.
//! Single runs, not criterion samples: a check of the growth rates, not
//! a precise figure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use relman_benches::conflicts::{oracle_window_first, related_set, schedule, Size};
use std::time::Instant;

fn main() {
    for n in [10_000usize, 30_000, 100_000] {
        let (value, plain, rels) = schedule(Size::issue(n), 5);
        let s: relman::Schedule = relman::from_value(value).unwrap().document;
        let related = related_set(&rels);
        let t = Instant::now();
        let report = relman::detect_conflicts(&s).unwrap();
        let detect = t.elapsed();
        let t = Instant::now();
        let pairs = oracle_window_first(&plain, &related);
        let oracle = t.elapsed();
        println!(
            "{n} releases: detect_conflicts {detect:?} ({} conflicts); oracle_window_first {oracle:?} ({pairs} pair conflicts); oracle/detect {:.1}",
            report.conflicts.len(),
            oracle.as_secs_f64() / detect.as_secs_f64()
        );
    }
}
