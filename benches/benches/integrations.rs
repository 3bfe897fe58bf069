//! Integrations: importing ServiceNow change_request records (Table API
//! JSON text → relman documents, parsing included), against the baseline of
//! parsing the same text into an untyped `serde_json::Value` in the same
//! run; plus release notes and iCalendar export for scale.

// Benchmark setup may expect and index: a broken fixture should stop the run loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use relman::ServiceNowTables;
use relman_benches::servicenow::{change_requests, cis};
use std::hint::black_box;

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import_servicenow");
    group.sample_size(10);
    let cmdb = cis(1_000).to_string();
    let limits = relman::limits::Limits::default();
    for n in [10_000usize, 100_000] {
        let text = change_requests(n, 1_000).to_string();
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("baseline_value", n), &text, |b, t| {
            b.iter(|| {
                (
                    serde_json::from_str::<serde_json::Value>(black_box(t)).unwrap(),
                    serde_json::from_str::<serde_json::Value>(black_box(&cmdb)).unwrap(),
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("relman_import", n), &text, |b, t| {
            b.iter(|| {
                let tables = [
                    ("change_request", black_box(t.as_str())),
                    ("cmdb_ci", &cmdb),
                ];
                relman::import_servicenow_text(&tables, &Default::default(), &limits).unwrap()
            })
        });
        group.bench_with_input(BenchmarkId::new("relman_import_value", n), &text, |b, t| {
            b.iter(|| {
                let tables = ServiceNowTables {
                    change_request: Some(serde_json::from_str(black_box(t)).unwrap()),
                    cmdb_ci: Some(serde_json::from_str(black_box(&cmdb)).unwrap()),
                    ..Default::default()
                };
                relman::import_servicenow(tables, &Default::default()).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
