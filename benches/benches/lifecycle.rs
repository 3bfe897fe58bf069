//! The lifecycle engine: a gate report (`check`) on a release with 50
//! changes and 20 approvals — its audit log present, built by real `apply`
//! calls, so every `check` verifies the chain, replays the log and
//! compares the seal — and a full lifecycle of `apply` calls.
//!
//! Two `check`s: `check_level_given` with `context.risk_level` set (the
//! host knows the level, no assessment runs) and `check_to_deployment`,
//! which assesses the risk itself (ten factors, no CMDB).
//!
//! Baseline, in the same run: serialising the same release (log included)
//! to a `serde_json::Value` — the least a host pays to hand a release to
//! any engine. Parsing is not included: documents are parsed and built
//! once, outside the timed loop.

// Benchmark setup may expect and index: a broken fixture should stop the run loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use relman::{Context, Release, State};
use relman_benches::{lifecycle_fixture, lifecycle_planning, lifecycle_steps};
use std::hint::black_box;

/// The release in approval with its log, checked to be what the bench
/// claims: a genuine record (valid chain, no divergence) with one genesis
/// and one event per vote, ready to deploy.
fn parsed(changes: usize, approvals: usize) -> (Release, Context) {
    let (r, ctx) = lifecycle_fixture(changes, approvals).expect("valid fixture");
    let verdict = relman::verify_log(&r, None);
    assert!(
        verdict.valid,
        "bench release must have a genuine log: {verdict:?}"
    );
    assert_eq!(
        verdict.events,
        3 + approvals,
        "advance ×3 and one event per vote"
    );
    assert_eq!(r.approvals.len(), approvals);
    assert_eq!(r.state, State::Approval);
    (r, ctx)
}

fn gate_report(c: &mut Criterion) {
    let mut group = c.benchmark_group("lifecycle_check");
    for (changes, approvals) in [(5usize, 3usize), (50, 20), (500, 100)] {
        let (r, ctx) = parsed(changes, approvals);
        assert!(
            relman::check(&r, State::Deployment, &ctx).allowed,
            "bench release must be ready"
        );
        // The host already knows the risk level: `check` skips the
        // assessment (the `check` of RESULTS.md's "level given" column).
        let leveled = Context {
            risk_level: Some(relman::RiskLevel::Low),
            ..ctx.clone()
        };
        assert!(
            relman::check(&r, State::Deployment, &leveled).allowed,
            "bench release must be ready (level given)"
        );
        let id = format!("{changes}c_{approvals}a");
        group.bench_with_input(BenchmarkId::new("baseline_to_value", &id), &r, |b, r| {
            b.iter(|| serde_json::to_value(black_box(r)))
        });
        group.bench_with_input(BenchmarkId::new("check_level_given", &id), &r, |b, r| {
            b.iter(|| relman::check(black_box(r), State::Deployment, &leveled))
        });
        group.bench_with_input(BenchmarkId::new("check_to_deployment", &id), &r, |b, r| {
            b.iter(|| relman::check(black_box(r), State::Deployment, &ctx))
        });
        // A prepared context (`relman::PreparedContext`): warm (the
        // release's verified log cached), and cold (cache off: the log is
        // verified on every call, only the policy is resolved once).
        let prepared_level = relman::PreparedContext::new(leveled.clone());
        let prepared_assess = relman::PreparedContext::new(ctx.clone());
        let cold_level = relman::PreparedContext::new(leveled.clone()).with_capacity(0);
        assert_eq!(
            prepared_level.check(&r, State::Deployment),
            relman::check(&r, State::Deployment, &leveled)
        );
        assert_eq!(
            prepared_assess.check(&r, State::Deployment),
            relman::check(&r, State::Deployment, &ctx)
        );
        group.bench_with_input(
            BenchmarkId::new("prepared_warm_level_given", &id),
            &r,
            |b, r| b.iter(|| prepared_level.check(black_box(r), State::Deployment)),
        );
        group.bench_with_input(
            BenchmarkId::new("prepared_warm_risk_assessed", &id),
            &r,
            |b, r| b.iter(|| prepared_assess.check(black_box(r), State::Deployment)),
        );
        // The typed verdict alone (`PreparedContext::verdict`): allowed or
        // not and the unmet rules, no message formatted, no data built.
        assert_eq!(
            prepared_level.verdict(&r, State::Deployment).report(),
            relman::check(&r, State::Deployment, &leveled)
        );
        group.bench_with_input(
            BenchmarkId::new("prepared_warm_verdict_level_given", &id),
            &r,
            |b, r| {
                b.iter(|| {
                    prepared_level
                        .verdict(black_box(r), State::Deployment)
                        .allowed()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("prepared_warm_verdict_risk_assessed", &id),
            &r,
            |b, r| {
                b.iter(|| {
                    prepared_assess
                        .verdict(black_box(r), State::Deployment)
                        .allowed()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("prepared_cold_level_given", &id),
            &r,
            |b, r| b.iter(|| cold_level.check(black_box(r), State::Deployment)),
        );
    }
    group.finish();
}

fn full_lifecycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("lifecycle_apply");
    let (start, ctx) = lifecycle_planning(50, 20).expect("valid fixture");
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
