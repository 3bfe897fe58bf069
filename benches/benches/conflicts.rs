//! Conflict detection at the sizes of issue #5: 100k releases with 5 CIs
//! each from 200k CIs over one year, 20 blackouts, 5k maintenance windows,
//! related-CI depth 1 (data generated and parsed outside the timing).
//!
//! Also at 10k: a `PreparedSchedule` (built once) against the cold call,
//! and one thread against every thread. The 100k figures of issue #24 —
//! prepared, threads, SQLite and the CLI end to end with its peak RSS — come
//! from `conflicts-scale run` (benches/src/bin/conflicts_scale.rs).
//!
//! Baselines, in the same run:
//! - the plain all-pairs oracle of the property tests (every pair of items,
//!   every pair of their CI touches: same CI, related CI, same implementer)
//!   at 10k items, plus a variant that checks the two windows once per item
//!   pair before looking at CIs;
//! - an indexed SQLite self-join (rusqlite, bundled) for `ci_overlap` at
//!   100k: `touches(item, ci, start, end)` with an index on `(ci, start)`.

// Benchmark setup may expect and index: a broken fixture should stop the run loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use criterion::{criterion_group, criterion_main, Criterion};
use relman::foundation::parallel::with_threads;
use relman::Schedule;
use relman_benches::conflicts::{
    oracle_all_pairs, oracle_window_first, overlap_only, related_set, schedule, sqlite_ci_overlap,
    sqlite_touches, Size, Touches,
};
use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

fn parsed(size: Size) -> (Schedule, Vec<Touches>, Vec<(u32, u32)>) {
    let (value, plain, rels) = schedule(size, 5);
    let s = relman::from_value::<Schedule>(value)
        .expect("valid schedule")
        .document;
    (s, plain, rels)
}

fn at_10k(c: &mut Criterion) {
    let mut group = c.benchmark_group("conflicts_10k");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let (s, plain, rels) = parsed(Size::issue(10_000));
    let related = related_set(&rels);
    let report = relman::detect_conflicts(&s).unwrap();
    let bare = overlap_only(&s);
    let overlap_report = relman::detect_conflicts(&bare).unwrap();
    println!(
        "10k: {} conflicts ({} blocking); without calendar, dependencies and capacity: {}; oracle pair-kinds: {}",
        report.conflicts.len(),
        report.blocking,
        overlap_report.conflicts.len(),
        oracle_window_first(&plain, &related)
    );
    group.bench_function("detect_conflicts", |b| {
        b.iter(|| relman::detect_conflicts(black_box(&s)).unwrap())
    });
    group.bench_function("detect_conflicts_overlap_kinds_only", |b| {
        b.iter(|| relman::detect_conflicts(black_box(&bare)).unwrap())
    });
    let prepared = relman::PreparedSchedule::new(s.clone()).unwrap();
    assert_eq!(prepared.conflicts().unwrap(), report);
    group.bench_function("prepared_conflicts", |b| {
        b.iter(|| black_box(&prepared).conflicts().unwrap())
    });
    group.bench_function("detect_conflicts_1_thread", |b| {
        b.iter(|| with_threads(1, || relman::detect_conflicts(black_box(&s)).unwrap()))
    });
    group.bench_function("prepared_conflicts_1_thread", |b| {
        b.iter(|| with_threads(1, || black_box(&prepared).conflicts().unwrap()))
    });
    group.bench_function("oracle_all_pairs", |b| {
        b.iter(|| oracle_all_pairs(black_box(&plain), &related))
    });
    group.bench_function("oracle_window_first", |b| {
        b.iter(|| oracle_window_first(black_box(&plain), &related))
    });
    group.finish();
}

fn at_100k(c: &mut Criterion) {
    let mut group = c.benchmark_group("conflicts_100k");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    let (s, plain, _) = parsed(Size::issue(100_000));
    let report = relman::detect_conflicts(&s).unwrap();
    let ci_overlaps = report
        .conflicts
        .iter()
        .filter(|c| c.kind == relman::ConflictKind::CiOverlap)
        .count();
    let mut by_kind: HashMap<&str, usize> = HashMap::new();
    for c in &report.conflicts {
        *by_kind.entry(c.kind.as_str()).or_default() += 1;
    }
    let db = sqlite_touches(&plain).unwrap();
    let sql = sqlite_ci_overlap(&db).unwrap();
    assert_eq!(
        sql, ci_overlaps,
        "SQLite and relman agree on ci_overlap pairs"
    );
    println!(
        "100k: {} conflicts ({} blocking) by kind {by_kind:?}; SQLite ci_overlap pairs {sql}",
        report.conflicts.len(),
        report.blocking
    );
    group.bench_function("detect_conflicts", |b| {
        b.iter(|| relman::detect_conflicts(black_box(&s)).unwrap())
    });
    group.bench_function("sqlite_self_join_ci_overlap", |b| {
        b.iter(|| sqlite_ci_overlap(black_box(&db)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, at_10k, at_100k);
criterion_main!(benches);
