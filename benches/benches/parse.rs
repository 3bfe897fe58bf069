//! Parsing and validating documents, against the baseline of parsing the
//! same text into an untyped `serde_json::Value` (the least any JSON host
//! must pay). Parsing is included in every measurement.

// Benchmark setup may expect and index: a broken fixture should stop the run loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use relman::{History, Release};
use relman_benches::{history, release};
use std::hint::black_box;

fn parse_release(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_release");
    for changes in [10usize, 50, 500] {
        let text = release(changes, 20).to_string();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("baseline_value", changes),
            &text,
            |b, t| b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(t))),
        );
        group.bench_with_input(BenchmarkId::new("relman_parse", changes), &text, |b, t| {
            b.iter(|| relman::parse::<Release>(black_box(t)))
        });
    }
    group.finish();
}

fn parse_history(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_history");
    for deployments in [100usize, 1_000, 10_000] {
        let text = history(deployments).to_string();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("baseline_value", deployments),
            &text,
            |b, t| b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(t))),
        );
        group.bench_with_input(
            BenchmarkId::new("relman_parse", deployments),
            &text,
            |b, t| b.iter(|| relman::parse::<History>(black_box(t))),
        );
    }
    group.finish();
}

criterion_group!(benches, parse_release, parse_history);
criterion_main!(benches);
