//! The lifecycle engine: a gate report (`check`) on a release with 50
//! changes and 20 approvals, and a full lifecycle of `apply` calls.
//!
//! Baseline, in the same run: serialising the same release to a
//! `serde_json::Value` — the least a host pays to hand a release to any
//! engine. Parsing is not included: documents are parsed once, outside the
//! timed loop.

// Benchmark setup may expect and index: a broken fixture should stop the run loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use relman::{Context, Release, State};
use relman_benches::{lifecycle_fixture, lifecycle_steps};
use std::hint::black_box;

fn parsed(changes: usize, approvals: usize) -> (Release, Context) {
    lifecycle_fixture(changes, approvals).expect("valid fixture")
}

fn gate_report(c: &mut Criterion) {
    let mut group = c.benchmark_group("lifecycle_check");
    for (changes, approvals) in [(5usize, 3usize), (50, 20), (500, 100)] {
        let (r, ctx) = parsed(changes, approvals);
        assert!(
            relman::check(&r, State::Deployment, &ctx).allowed,
            "bench release must be ready"
        );
        let id = format!("{changes}c_{approvals}a");
        group.bench_with_input(BenchmarkId::new("baseline_to_value", &id), &r, |b, r| {
            b.iter(|| serde_json::to_value(black_box(r)))
        });
        group.bench_with_input(BenchmarkId::new("check_to_deployment", &id), &r, |b, r| {
            b.iter(|| relman::check(black_box(r), State::Deployment, &ctx))
        });
    }
    group.finish();
}

fn full_lifecycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("lifecycle_apply");
    let (mut start, ctx) = parsed(50, 20);
    start.state = State::Planning;
    start.approvals.clear();
    let steps = lifecycle_steps().expect("valid commands");
    let run = |r: &Release| -> Release {
        let mut r = r.clone();
        for step in &steps {
            r = relman::apply(&r, step, &ctx).expect("step applies").release;
        }
        r
    };
    assert_eq!(run(&start).state, State::Closed);
    group.bench_function("baseline_to_value_x11", |b| {
        b.iter(|| {
            for _ in 0..steps.len() {
                black_box(serde_json::to_value(black_box(&start)).ok());
            }
        })
    });
    group.bench_function("apply_11_commands_50c", |b| {
        b.iter(|| run(black_box(&start)))
    });
    group.finish();
}

criterion_group!(benches, gate_report, full_lifecycle);
criterion_main!(benches);
