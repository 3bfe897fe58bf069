//! The hand-built KPI history and the report of it as one JSON document,
//! shared by the relman-arrow tests that read it as columnar tables.

// Test code: a failing test should stop loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use relman::policy::{KpiGroupBy, KpiPolicy};
use relman::{History, KpiOptions};
use relman_arrow::arrow::array::RecordBatch;
use serde_json::{json, Value};
use std::path::PathBuf;

/// The hand-built history of the core's KPI tests, with `cis` on one
/// deployment and a sub-second commit time.
pub fn history() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/kpi-history.json");
    let mut h: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    h["deployments"][0]["cis"] = json!(["ci-db", "ci-web"]);
    h["deployments"][1]["changes"][0]["committed_at"] = json!("2026-11-01T10:00:00.250Z");
    h
}

/// No options, and a period in Tokyo grouped by team.
pub fn options() -> [KpiOptions; 2] {
    [
        KpiOptions::default(),
        KpiOptions {
            from: Some("2026-11-02T00:00:00Z".parse().unwrap()),
            to: Some("2026-11-23T00:00:00+09:00".parse().unwrap()),
            time_zone: Some("Asia/Tokyo".into()),
            group_by: Some(KpiGroupBy::Team),
            ..KpiOptions::default()
        },
    ]
}

/// The report of `h` read as one history document (with its parse
/// warnings), as JSON.
pub fn document_report(h: &Value, options: &KpiOptions) -> Value {
    let parsed = relman::parse::<History>(&h.to_string()).unwrap();
    let mut report =
        relman::compute_kpis_with(&parsed.document, &KpiPolicy::default(), options).unwrap();
    report.warnings.extend(parsed.warnings);
    serde_json::to_value(report).unwrap()
}

/// Cuts a batch in pieces of at most `n` rows.
pub fn pieces(batch: &RecordBatch, n: usize) -> Vec<RecordBatch> {
    (0..batch.num_rows())
        .step_by(n)
        .map(|start| batch.slice(start, n.min(batch.num_rows() - start)))
        .collect()
}
