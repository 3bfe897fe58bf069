//! `relman kpi` over Parquet tables (the default-on `parquet` feature):
//! the hand-built history written as Parquet in the test gives the JSON
//! document's report; schema errors name the file, the column and the
//! type.

// Test code: a failing test should stop loudly.
#![cfg(feature = "parquet")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{kpi_history, kpi_history_path, relman, TempFile};

#[path = "../../../core/arrow/tests/support/columnar.rs"]
mod columnar;
use columnar::{Compression, Times};
use relman_arrow::arrow::datatypes::TimeUnit;

/// The three tables of the hand-built history as Parquet files named
/// `names`.
fn tables(names: [&str; 3], mode: Times) -> [TempFile; 3] {
    let h = kpi_history();
    let files = names.map(|n| TempFile::new(n, ""));
    columnar::write_parquet(
        &files[0].0,
        &[columnar::deployments(&h, mode)],
        Compression::SNAPPY,
    );
    columnar::write_parquet(
        &files[1].0,
        &[columnar::incidents(&h, mode)],
        Compression::ZSTD(Default::default()),
    );
    columnar::write_parquet(&files[2].0, &[columnar::releases(&h)], Compression::SNAPPY);
    files
}

const OPTIONS: [&str; 8] = [
    "--from",
    "2026-11-02T00:00:00Z",
    "--to",
    "2026-11-23T00:00:00Z",
    "--tz",
    "Europe/Amsterdam",
    "--group-by",
    "team",
];

#[test]
fn parquet_by_extension_or_flag_gives_the_json_report() {
    let h = kpi_history_path();
    let mut args = vec!["kpi", h.as_str()];
    args.extend(OPTIONS);
    let expected = relman(&args).exits(0).stdout_json();
    assert_eq!(expected["kpis"]["dora"]["production_deployments"], 20);

    for (names, mode, flag) in [
        (
            ["d.parquet", "i.parquet", "r.parquet"],
            Times::Unit(TimeUnit::Millisecond),
            false,
        ),
        (["d.PQ", "i.pq", "r.pq"], Times::Text, false),
        (
            ["d.bin", "i.bin", "r.bin"],
            Times::Unit(TimeUnit::Nanosecond),
            true,
        ),
    ] {
        let [d, i, r] = tables(names, mode);
        let mut args = vec![
            "kpi",
            d.path(),
            "--incidents",
            i.path(),
            "--releases",
            r.path(),
        ];
        if flag {
            args.extend(["--input-format", "parquet"]);
        }
        args.extend(OPTIONS);
        let got = relman(&args).exits(0).stdout_json();
        assert_eq!(got, expected, "{names:?}");
    }

    // Deployments alone: no incidents, no releases.
    let [d, _, _] = tables(["d.parquet", "i.parquet", "r.parquet"], Times::Text);
    let got = relman(&["kpi", d.path()]).exits(0).stdout_json();
    assert_eq!(got["kpis"]["itil"]["releases"], 0);
    assert_eq!(got["attribution"]["incidents"], 0);
}

#[test]
fn parquet_errors_name_the_file_and_the_column() {
    // The incidents table given as deployments: `service` and the others
    // are missing.
    let [_, i, _] = tables(["d.parquet", "i.parquet", "r.parquet"], Times::Text);
    let err = relman(&["kpi", i.path()]).exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "deployments.environment");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains(i.path()), "{message}");

    // A JSON file read as Parquet.
    let h = kpi_history_path();
    let err = relman(&["kpi", &h, "--input-format", "parquet"])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "deployments");

    // --incidents goes with Parquet only.
    let err = relman(&["kpi", &h, "--incidents", "i.parquet"])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().unwrap().contains("--incidents"));

    // A missing file.
    let err = relman(&["kpi", "/nonexistent/d.parquet"])
        .exits(2)
        .stderr_json();
    assert!(err["message"].as_str().unwrap().contains("d.parquet"));
}
