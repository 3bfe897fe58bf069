//! The canary judge and the rollout state machine.
//!
//! `judge_canary` on 20 metrics with 10 000 samples per side (goal ≤ 50 ms
//! on one core), with baselines measured in the same run:
//! - `baseline_sort_only`: only sorting the 2 × 20 samples (the floor of
//!   any rank-based judge);
//! - `baseline_naive_hl`: one metric judged the naive way (every pairwise
//!   difference materialised and sorted for the Hodges–Lehmann median and
//!   the interval; an O(n·m) pair count for U), at sizes where that is
//!   still feasible, against `judge_canary` on the same metric.
//!
//! Parsing is not included: samples are built once, outside the timed loop.

// Benchmark setup may expect and index: a broken fixture should stop the run loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use relman::rollout::{judge_canary, JudgeConfig, RolloutInput, RolloutState, SampleSet};
use relman_benches::{canary_samples, naive_judge_one};
use serde_json::json;
use std::hint::black_box;

fn sets(metrics: usize, n: usize) -> (SampleSet, SampleSet) {
    let (b, c) = canary_samples(metrics, n, 42);
    (
        serde_json::from_value(b).expect("samples"),
        serde_json::from_value(c).expect("samples"),
    )
}

fn judge(c: &mut Criterion) {
    let mut group = c.benchmark_group("rollout_judge");
    group.sample_size(20);
    let (base, canary) = sets(20, 10_000);
    let config = JudgeConfig::default();
    let j = judge_canary(&base, &canary, &config).expect("judged");
    assert_eq!(j.metrics.len(), 20);
    group.bench_function("judge_20x10k", |b| {
        b.iter(|| judge_canary(black_box(&base), black_box(&canary), &config).expect("judged"))
    });
    group.bench_function("baseline_sort_only_20x10k", |b| {
        b.iter(|| {
            for set in [&base, &canary] {
                for v in set.0.values() {
                    let mut v = v.clone();
                    v.sort_unstable_by(f64::total_cmp);
                    black_box(&v);
                }
            }
        })
    });
    group.finish();
}

fn naive(c: &mut Criterion) {
    let mut group = c.benchmark_group("rollout_judge_one_metric");
    group.sample_size(10);
    for n in [500usize, 2000] {
        let (base, canary) = sets(1, n);
        let x = base.0.values().next().unwrap().clone();
        let y = canary.0.values().next().unwrap().clone();
        let config = JudgeConfig::default();
        let j = judge_canary(&base, &canary, &config).unwrap();
        let (_, hl, _, _) = naive_judge_one(&x, &y);
        assert_eq!(j.metrics[0].shift.as_ref().unwrap().estimate, hl);
        group.bench_with_input(BenchmarkId::new("baseline_naive_hl", n), &n, |b, _| {
            b.iter(|| naive_judge_one(black_box(&x), black_box(&y)))
        });
        group.bench_with_input(BenchmarkId::new("judge", n), &n, |b, _| {
            b.iter(|| judge_canary(black_box(&base), black_box(&canary), &config).unwrap())
        });
    }
    group.finish();
}

fn step(c: &mut Criterion) {
    let mut group = c.benchmark_group("rollout_step");
    let plan: relman::DeploymentPlan = serde_json::from_value(json!({"strategy": "canary", "steps": [
        {"set_weight": 10}, {"pause": {"duration_secs": 600}},
        {"analysis": {"metrics": [{"name": "error_rate", "max": 0.01}, {"name": "latency_p99", "max": 300, "fail_above": 500}]}},
        {"set_weight": 50}, {"pause": {}}, {"set_weight": 100}]}))
    .unwrap();
    let now: relman::Timestamp = "2026-12-01T10:12:00Z".parse().unwrap();
    let start =
        relman::rollout_step(&plan, &RolloutState::default(), &RolloutInput::Tick, &now).unwrap();
    let at_analysis = relman::rollout_step(
        &plan,
        &start.state,
        &RolloutInput::Command {
            command: relman::rollout::RolloutCommand::Resume,
            actor: None,
            reason: None,
        },
        &now,
    )
    .unwrap()
    .state;
    let obs: RolloutInput = serde_json::from_value(json!({"kind": "observation", "metrics": {
        "error_rate": 0.002, "latency_p99": [210.0, 250.0, 240.0]}}))
    .unwrap();
    let out = relman::rollout_step(&plan, &at_analysis, &obs, &now).unwrap();
    assert_eq!(out.state.weight, 50);
    group.bench_function("baseline_clone_state", |b| {
        b.iter(|| black_box(&at_analysis).clone())
    });
    group.bench_function("observation_passes_analysis", |b| {
        b.iter(|| {
            relman::rollout_step(black_box(&plan), black_box(&at_analysis), &obs, &now).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, judge, naive, step);
criterion_main!(benches);
