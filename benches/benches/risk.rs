//! Risk scoring throughput (issue #4):
//!
//! (a) 100,000 varied releases without a CMDB, every factor with its inputs
//!     and explanation — goal ≥ 250k releases/s on one core. Baseline in the
//!     same run: serialising the same releases to `serde_json::Value` (the
//!     least a host pays to hand a release to any engine).
//! (b) releases with 20 CIs in a CMDB of 100,000 CIs and 300,000
//!     relationships, blast radius at depth 3 — goal ≥ 50k releases/s.
//!     Baseline in the same run: the blast radius alone computed the naive
//!     way, by repeated linear scans of the relationship list (one scan per
//!     hop, hash sets for the frontier) — what a host without a graph index
//!     would do; it does strictly less than `assess` (no other factor).
//!
//! Issue #24: the same, with the typed verdict (`RiskAssessor::verdict`,
//! nothing rendered), the cold path (`assess_risk`, context prepared per
//! release) and the batch (`assess_risk_many`) at 1 and 2 threads.
//!
//! Parsing is not included: documents are parsed once, outside the timed
//! loop. The CMDB graph is built once per context (`RiskAssessor::new`,
//! measured separately as `prepare_context`).

// Benchmark setup may expect and index: a broken fixture should stop the run loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use relman::{Cmdb, Context, RiskAssessor};
use relman_benches::risk::{naive_blast, releases, risk_cmdb, services, Seq};
use std::hint::black_box;

fn without_cmdb(c: &mut Criterion) {
    let n = 100_000;
    let rs = releases(n, 1_000, None, 1).unwrap();
    let ctx = Context::default();
    let assessor = RiskAssessor::new(&ctx).unwrap();
    let mut group = c.benchmark_group("risk_no_cmdb");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("baseline_to_value_100k", |b| {
        b.iter(|| {
            for r in &rs {
                black_box(serde_json::to_value(black_box(r)).ok());
            }
        })
    });
    group.bench_function("assess_100k", |b| {
        b.iter(|| {
            for r in &rs {
                black_box(assessor.assess(black_box(r)).ok());
            }
        })
    });
    // As a host gets it: the assessment's JSON text, written straight from
    // the typed verdict (no inputs map, `Value` or owned strings).
    group.bench_function("assess_json_100k", |b| {
        b.iter(|| {
            for r in &rs {
                black_box(assessor.assess_json(black_box(r)).ok());
            }
        })
    });
    // The typed verdict: every factor's value and typed inputs, the
    // explanation and inputs map not rendered (what a host that reads the
    // score, level and values pays; fitting takes this path).
    group.bench_function("verdict_100k", |b| {
        b.iter(|| {
            for r in &rs {
                black_box(assessor.verdict(black_box(r)).map(|v| v.score()).ok());
            }
        })
    });
    // Cold: the context prepared again for every release (`assess_risk`).
    group.bench_function("assess_cold_100k", |b| {
        b.iter(|| {
            for r in &rs {
                black_box(relman::assess_risk(black_box(r), &ctx).ok());
            }
        })
    });
    for threads in [1usize, 2] {
        group.bench_function(format!("assess_risk_many_100k_{threads}_threads"), |b| {
            b.iter(|| {
                relman::foundation::parallel::with_threads(threads, || {
                    black_box(relman::assess_risk_many(black_box(&rs), &ctx))
                })
            })
        });
    }
    group.finish();
}

fn with_cmdb(c: &mut Criterion) {
    let mut seq = Seq::new(7);
    let cmdb: Cmdb = relman::from_value(risk_cmdb(100_000, 300_000, &mut seq))
        .expect("valid CMDB")
        .document;
    let ctx = Context {
        cmdb: Some(cmdb),
        ..Context::default()
    };
    let cmdb = ctx.cmdb.as_ref().unwrap();
    let n = 2_000;
    let rs = releases(n, 100_000, Some(20), 3).unwrap();
    let assessor = RiskAssessor::new(&ctx).unwrap();
    let sample = assessor.assess(&rs[0]).unwrap();
    let blast = sample.factor("blast_radius").unwrap();
    // Every release's reach (from the precomputed per-CI balls) agrees
    // with the naive walk on the first 20 releases.
    let cmdb_ref = ctx.cmdb.as_ref().unwrap();
    let svc = services(cmdb_ref);
    for r in rs.iter().take(20) {
        let a = assessor.assess(r).unwrap();
        let f = a.factor("blast_radius").unwrap();
        let (reached, touched) = naive_blast(cmdb_ref, &svc, &r.affected_cis, 3);
        assert_eq!(f.inputs["dependent_cis"], reached);
        assert_eq!(f.inputs["services"], touched);
    }
    println!(
        "sample blast radius inputs: {}",
        serde_json::Value::Object(blast.inputs.clone())
    );
    let services = services(cmdb);
    let starts: Vec<Vec<String>> = rs.iter().map(|r| r.affected_cis.clone()).collect();
    let (naive_reached, naive_services) = naive_blast(cmdb, &services, &starts[0], 3);
    assert_eq!(blast.inputs["dependent_cis"], naive_reached);
    assert_eq!(blast.inputs["services"], naive_services);

    let mut group = c.benchmark_group("risk_cmdb_100k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("assess_2000_releases_20_cis_depth3", |b| {
        b.iter(|| {
            for r in &rs {
                black_box(assessor.assess(black_box(r)).ok());
            }
        })
    });
    group.bench_function("assess_json_2000_releases_20_cis_depth3", |b| {
        b.iter(|| {
            for r in &rs {
                black_box(assessor.assess_json(black_box(r)).ok());
            }
        })
    });
    group.bench_function("verdict_2000_releases_20_cis_depth3", |b| {
        b.iter(|| {
            for r in &rs {
                black_box(assessor.verdict(black_box(r)).map(|v| v.score()).ok());
            }
        })
    });
    for threads in [1usize, 2] {
        group.bench_function(format!("assess_risk_many_2000_{threads}_threads"), |b| {
            b.iter(|| {
                relman::foundation::parallel::with_threads(threads, || {
                    black_box(relman::assess_risk_many(black_box(&rs), &ctx))
                })
            })
        });
    }
    let few = 20;
    group.throughput(Throughput::Elements(few as u64));
    group.bench_function("baseline_naive_blast_20_releases_depth3", |b| {
        b.iter(|| {
            for s in &starts[..few] {
                black_box(naive_blast(cmdb, &services, black_box(s), 3));
            }
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("prepare_context", |b| {
        b.iter(|| black_box(RiskAssessor::new(black_box(&ctx)).is_ok()))
    });
    group.finish();
}

criterion_group!(benches, without_cmdb, with_cmdb);
criterion_main!(benches);
