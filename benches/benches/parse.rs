//! Parsing and validating documents, against the baseline of parsing the
//! same text into an untyped `serde_json::Value` (the least any JSON host
//! must pay). Parsing is included in every measurement.

// Benchmark setup may expect and index: a broken fixture should stop the run loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use relman::{History, Release, Schedule};
use relman_benches::conflicts::{schedule, Size};
use relman_benches::{history, release};
use std::hint::black_box;

fn parse_release(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_release");
    for changes in [10usize, 50, 500] {
        let text = release(changes, 20).to_string();
        relman::parse::<Release>(&text).expect("a valid release");
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
        relman::parse::<History>(&text).expect("a valid history");
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

fn parse_schedule(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_schedule");
    for releases in [100usize, 1_000] {
        let text = schedule(Size::issue(releases), 7).0.to_string();
        relman::parse::<Schedule>(&text).expect("a valid schedule");
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("baseline_value", releases),
            &text,
            |b, t| b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(t))),
        );
        group.bench_with_input(BenchmarkId::new("relman_parse", releases), &text, |b, t| {
            b.iter(|| relman::parse::<Schedule>(black_box(t)))
        });
    }
    group.finish();
}

/// The JSON engines behind the same typed documents (deserialisation alone:
/// no limits pre-pass, no semantic checks): serde_json, sonic-rs and
/// simd-json (which parses in place, so its time includes copying the text
/// into a buffer it may modify), each against the same `Value` baseline.
fn parse_engines(c: &mut Criterion) {
    fn engines<T: serde::de::DeserializeOwned>(c: &mut Criterion, name: &str, text: &str) {
        let mut group = c.benchmark_group(format!("parse_engines_{name}"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        assert!(serde_json::from_str::<T>(text).is_ok());
        assert!(sonic_rs::from_str::<T>(text).is_ok());
        assert!(simd_json::serde::from_slice::<T>(&mut text.as_bytes().to_vec()).is_ok());
        group.bench_function("baseline_value", |b| {
            b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(text)))
        });
        group.bench_function("serde_json", |b| {
            b.iter(|| serde_json::from_str::<T>(black_box(text)))
        });
        group.bench_function("sonic_rs", |b| {
            b.iter(|| sonic_rs::from_str::<T>(black_box(text)))
        });
        group.bench_function("simd_json", |b| {
            b.iter(|| {
                let mut bytes = black_box(text).as_bytes().to_vec();
                simd_json::serde::from_slice::<T>(&mut bytes)
            })
        });
        group.finish();
    }
    engines::<Release>(c, "release_500", &release(500, 20).to_string());
    engines::<History>(c, "history_10000", &history(10_000).to_string());
    engines::<Schedule>(
        c,
        "schedule_1000",
        &schedule(Size::issue(1_000), 7).0.to_string(),
    );
}

criterion_group!(
    benches,
    parse_release,
    parse_history,
    parse_schedule,
    parse_engines
);
criterion_main!(benches);
