//! `relman kpi` over Arrow IPC tables (the default-on `ipc` feature): the
//! hand-built history written as IPC files and streams gives the JSON
//! document's report; truncated files and columns of a wrong type are
//! `invalid_input` naming the file, the table or the column.

// Test code: a failing test should stop loudly.
#![cfg(all(feature = "ipc", feature = "parquet"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::Stdio;

mod common;
use common::{kpi_history, kpi_history_path, relman, relman_with, TempFile};

// (Its Parquet writer is not used here.)
#[allow(dead_code)]
#[path = "../../../core/arrow/tests/support/columnar.rs"]
mod columnar;
use columnar::Times;
use relman_arrow::arrow::array::RecordBatch;
use relman_arrow::arrow::datatypes::TimeUnit;
use relman_arrow::arrow::ipc::writer::{FileWriter, StreamWriter};
use serde_json::Value;

/// `batch` as IPC bytes, the file format or the stream format.
fn ipc(batch: &RecordBatch, file: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if file {
        let mut w = FileWriter::try_new(&mut out, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
    } else {
        let mut w = StreamWriter::try_new(&mut out, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
    }
    out
}

/// A temp file holding `bytes`.
fn bytes_file(name: &str, bytes: &[u8]) -> TempFile {
    let f = TempFile::new(name, "");
    std::fs::write(&f.0, bytes).unwrap();
    f
}

/// The three tables of the hand-built history as IPC files named `names`.
fn tables(names: [&str; 3], mode: Times, file: bool) -> [TempFile; 3] {
    let h = kpi_history();
    [
        columnar::deployments(&h, mode),
        columnar::incidents(&h, mode),
        columnar::releases(&h),
    ]
    .iter()
    .zip(names)
    .map(|(b, n)| bytes_file(n, &ipc(b, file)))
    .collect::<Vec<_>>()
    .try_into()
    .ok()
    .unwrap()
}

const OPTIONS: [&str; 6] = [
    "--from",
    "2026-11-02T00:00:00Z",
    "--to",
    "2026-11-23T00:00:00Z",
    "--group-by",
    "team",
];

#[test]
fn arrow_files_and_streams_by_extension_or_flag_give_the_json_report() {
    let h = kpi_history_path();
    let mut args = vec!["kpi", h.as_str()];
    args.extend(OPTIONS);
    let expected = relman(&args).exits(0).stdout_json();
    assert_eq!(expected["kpis"]["dora"]["production_deployments"], 20);

    for (names, mode, file, flag) in [
        (
            ["d.arrow", "i.arrow", "r.arrow"],
            Times::Unit(TimeUnit::Millisecond),
            true,
            false,
        ),
        (
            ["d.arrows", "i.arrows", "r.arrows"],
            Times::Text,
            false,
            false,
        ),
        (
            ["d.FEATHER", "i.feather", "r.feather"],
            Times::Unit(TimeUnit::Microsecond),
            true,
            false,
        ),
        (["d.ipc", "i.ipc", "r.ipc"], Times::Text, true, false),
        (
            ["d.bin", "i.bin", "r.bin"],
            Times::Unit(TimeUnit::Nanosecond),
            false,
            true,
        ),
    ] {
        let [d, i, r] = tables(names, mode, file);
        let mut args = vec![
            "kpi",
            d.path(),
            "--incidents",
            i.path(),
            "--releases",
            r.path(),
        ];
        if flag {
            args.extend(["--input-format", "arrow"]);
        }
        args.extend(OPTIONS);
        let got = relman(&args).exits(0).stdout_json();
        assert_eq!(got, expected, "{names:?}");
    }
}

#[test]
fn an_arrow_stream_is_read_from_stdin() {
    let h = kpi_history();
    let stream = ipc(&columnar::deployments(&h, Times::Text), false);
    let run = |args: &[&str]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relman"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&stream).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, stdout) = run(&["kpi", "-", "--input-format", "arrow"]);
    assert_eq!(code, Some(0));
    let got: Value = serde_json::from_str(&stdout).unwrap();
    let d = bytes_file("d.arrows", &stream);
    let want = relman(&["kpi", d.path()]).exits(0).stdout_json();
    assert_eq!(got, want);
    assert!(
        got["kpis"]["dora"]["production_deployments"]
            .as_u64()
            .unwrap()
            > 0
    );
    // (relman_with's stdin is empty: an empty stream is refused.)
    let err = relman_with(&["kpi", "-", "--input-format", "arrow"], |_| {})
        .exits(2)
        .stderr_json();
    assert_eq!(err["path"], "deployments");
}

#[test]
fn arrow_errors_name_the_file_the_table_and_the_column() {
    // The incidents table given as deployments: `environment` and others
    // are missing.
    let [_, i, _] = tables(["d.arrow", "i.arrow", "r.arrow"], Times::Text, true);
    let err = relman(&["kpi", i.path()]).exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "deployments.environment");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains(i.path()), "{message}");

    // A truncated file and a truncated stream, as incidents.
    let h = kpi_history();
    for (name, file) in [("i.arrow", true), ("i.arrows", false)] {
        let full = ipc(&columnar::incidents(&h, Times::Text), file);
        let cut = bytes_file(name, &full[..full.len() - 3]);
        let [d, _, _] = tables(["d.arrow", "x", "y"], Times::Text, true);
        let err = relman(&["kpi", d.path(), "--incidents", cut.path()])
            .exits(2)
            .stderr_json();
        assert_eq!(err["code"], "invalid_input");
        assert_eq!(err["path"], "incidents");
        let message = err["message"].as_str().unwrap();
        assert!(message.contains("truncated"), "{message}");
        assert!(message.contains(cut.path()), "{message}");
    }

    // A JSON file read as Arrow.
    let hp = kpi_history_path();
    let err = relman(&["kpi", &hp, "--input-format", "arrow"])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "deployments");

    // Over --max-document-bytes: refused before reading.
    let [d, _, _] = tables(["d.arrow", "x", "y"], Times::Text, true);
    let err = relman(&["--max-document-bytes", "100", "kpi", d.path()])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "limit_exceeded");

    // A missing file.
    let err = relman(&["kpi", "/nonexistent/d.arrow"])
        .exits(2)
        .stderr_json();
    assert!(err["message"].as_str().unwrap().contains("d.arrow"));
}
