//! The same history as one JSON document and as Arrow IPC buffers (stream
//! and file format, what apache-arrow's `tableToIPC` writes) gives the
//! same KPI report; buffers that are not Arrow IPC, truncated ones and
//! columns of a wrong type are `invalid_input` at the table or the column.

// Test code: a failing test should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use relman::limits::Limits;
use relman::policy::KpiPolicy;
use relman::{Error, KpiOptions, KpiSettings};
use relman_arrow::arrow::array::{
    ArrayRef, AsArray, DictionaryArray, Int32Array, RecordBatch, StringArray,
};
use relman_arrow::arrow::datatypes::{DataType, Int32Type, TimeUnit};
use relman_arrow::arrow::ipc::writer::{FileWriter, StreamWriter};
use relman_arrow::{compute_kpis_ipc, ArrowHistory, IpcBuffers, IpcFormat, Table};
use serde_json::json;

#[path = "support/history.rs"]
mod history;
use history::{document_report, history, options, pieces};

// (Its Parquet writer is not used here.)
#[allow(dead_code)]
#[path = "support/columnar.rs"]
mod columnar;
use columnar::Times;

fn reader() -> ArrowHistory {
    let settings = KpiSettings::resolve(&KpiPolicy::default(), &KpiOptions::default()).unwrap();
    ArrowHistory::new(settings, Limits::DEFAULT).unwrap()
}

/// `batches` (one schema) as an IPC buffer of `format`.
fn ipc(batches: &[RecordBatch], format: IpcFormat) -> Vec<u8> {
    let schema = batches[0].schema();
    let mut out = Vec::new();
    match format {
        IpcFormat::Stream => {
            let mut w = StreamWriter::try_new(&mut out, &schema).unwrap();
            for b in batches {
                w.write(b).unwrap();
            }
            w.finish().unwrap();
        }
        IpcFormat::File => {
            let mut w = FileWriter::try_new(&mut out, &schema).unwrap();
            for b in batches {
                w.write(b).unwrap();
            }
            w.finish().unwrap();
        }
    }
    out
}

/// Every string column of `batch` as a dictionary (apache-arrow JS writes
/// the strings of `tableFromArrays` that way).
fn dictionary_strings(batch: &RecordBatch) -> RecordBatch {
    let columns = batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, c)| {
            let c = match c.data_type() {
                DataType::Utf8 => Arc::new(
                    c.as_string::<i32>()
                        .iter()
                        .collect::<DictionaryArray<Int32Type>>(),
                ) as ArrayRef,
                _ => c.clone(),
            };
            (f.name().clone(), c)
        })
        .collect::<Vec<_>>();
    RecordBatch::try_from_iter(columns).unwrap()
}

fn problem(e: &Error) -> (String, String, String) {
    let body = e.to_body();
    let p = &body.problems[0];
    (
        body.code.as_str().to_string(),
        p.path.clone(),
        p.message.clone(),
    )
}

const FORMATS: [IpcFormat; 2] = [IpcFormat::Stream, IpcFormat::File];

#[test]
fn stream_and_file_buffers_equal_the_document() {
    let h = history();
    for options in options() {
        let expected = document_report(&h, &options);
        for format in FORMATS {
            for (mode, dictionaries) in [
                (Times::Unit(TimeUnit::Millisecond), false),
                (Times::Unit(TimeUnit::Nanosecond), true),
                (Times::Text, true),
            ] {
                let d = columnar::deployments(&h, mode);
                let d = if dictionaries {
                    dictionary_strings(&d)
                } else {
                    d
                };
                let i = columnar::incidents(&h, mode);
                // Several batches per table: rows are numbered across them.
                let d = ipc(&pieces(&d, 5), format);
                let i = ipc(&pieces(&i, 3), format);
                let r = ipc(&[columnar::releases(&h)], format);
                assert_eq!(IpcFormat::detect(&d), format);
                let buffers = IpcBuffers {
                    deployments: Some(&d),
                    incidents: Some(&i),
                    releases: Some(&r),
                };
                let report =
                    compute_kpis_ipc(&buffers, &KpiPolicy::default(), &options, &Limits::DEFAULT)
                        .unwrap();
                assert_eq!(
                    serde_json::to_value(report).unwrap(),
                    expected,
                    "{format:?} {mode:?} dictionaries: {dictionaries}"
                );
                // Owned bytes, decoded in place: the same report.
                let settings = KpiSettings::resolve(&KpiPolicy::default(), &options).unwrap();
                let mut owned = ArrowHistory::new(settings, Limits::DEFAULT).unwrap();
                for (table, bytes) in [
                    (Table::Releases, r.clone()),
                    (Table::Deployments, d.clone()),
                    (Table::Incidents, i.clone()),
                ] {
                    owned.read_ipc_owned(table, bytes).unwrap();
                }
                assert_eq!(
                    serde_json::to_value(owned.finish().unwrap()).unwrap(),
                    expected,
                    "owned {format:?} {mode:?}"
                );
            }
        }
    }
}

#[test]
fn a_schema_without_batches_feeds_no_row() {
    let h = history();
    let d = columnar::deployments(&h, Times::Text);
    for format in FORMATS {
        let bytes = ipc(&[d.slice(0, 0)], format);
        let mut r = reader();
        r.read_ipc(Table::Deployments, &bytes).unwrap();
        assert_eq!(r.rows(Table::Deployments), 0);
    }
}

fn refused(table: Table, bytes: &[u8]) -> String {
    let mut r = reader();
    let e = r
        .read_ipc(table, bytes)
        .err()
        .unwrap_or_else(|| panic!("{} bytes were read", bytes.len()));
    let (code, path, message) = problem(&e);
    assert_eq!(
        (code.as_str(), path.as_str()),
        ("invalid_input", table.name()),
        "{message}"
    );
    message
}

#[test]
fn bytes_that_are_not_arrow_ipc_are_refused_at_the_table() {
    let message = refused(Table::Deployments, b"");
    assert!(message.contains("Arrow IPC stream"), "{message}");
    assert!(message.contains("empty"), "{message}");
    let message = refused(Table::Incidents, br#"{"deployments": []}"#);
    assert!(
        message.contains("not a readable Arrow IPC stream"),
        "{message}"
    );
    // Garbage ending as a stream does.
    let mut garbage = b"garbage, not a message".to_vec();
    garbage.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
    refused(Table::Releases, &garbage);
    // The file magic and nothing else.
    let message = refused(Table::Deployments, b"ARROW1\0\0ARROW1");
    assert!(message.contains("Arrow IPC file"), "{message}");
}

/// A buffer cut anywhere (at a message boundary too) is refused, never
/// read in part and never a panic; so is a file with a bad footer.
#[test]
fn truncated_buffers_are_refused() {
    let h = history();
    // Six rows in two batches: every message boundary of a stream with
    // dictionaries.
    let d = columnar::deployments(&h, Times::Unit(TimeUnit::Second)).slice(0, 6);
    let d = dictionary_strings(&d);
    for format in FORMATS {
        let bytes = ipc(&pieces(&d, 3), format);
        // The whole buffer is read…
        let mut r = reader();
        r.read_ipc(Table::Deployments, &bytes).unwrap();
        assert_eq!(r.rows(Table::Deployments), d.num_rows());
        // …and no prefix of it, borrowed or owned.
        for n in 0..bytes.len() {
            refused(Table::Deployments, &bytes[..n]);
            let e = reader()
                .read_ipc_owned(Table::Deployments, bytes[..n].to_vec())
                .unwrap_err();
            assert_eq!(problem(&e).1, "deployments");
        }
    }
    // A footer length past the buffer, and blocks past the messages.
    let file = ipc(std::slice::from_ref(&d), IpcFormat::File);
    let mut long = file.clone();
    let at = long.len() - 10;
    long[at..at + 4].copy_from_slice(&i32::MAX.to_le_bytes());
    assert!(refused(Table::Deployments, &long).contains("footer"));
    let mut negative = file.clone();
    negative[at..at + 4].copy_from_slice(&(-1i32).to_le_bytes());
    refused(Table::Deployments, &negative);
    // Every single byte of the footer flipped: refused or read, no panic.
    let footer_len = i32::from_le_bytes(file[at..at + 4].try_into().unwrap()) as usize;
    for k in at - footer_len..at {
        let mut flipped = file.clone();
        flipped[k] ^= 0xFF;
        let _ = reader().read_ipc(Table::Deployments, &flipped);
    }
}

#[test]
fn a_column_of_the_wrong_type_is_named_as_for_any_batch() {
    let h = json!({"deployments": [
        {"id": "d1", "service": "pay", "environment": "production", "finished_at": "2026-03-02T10:00:00Z", "outcome": "success"},
        {"id": "d2", "service": "pay", "environment": "production", "finished_at": "2026-03-03T10:00:00Z", "outcome": "success"}
    ]});
    let d = columnar::deployments(&h, Times::Text);
    let columns = d
        .schema()
        .fields()
        .iter()
        .zip(d.columns())
        .map(|(f, c)| {
            let c = if f.name() == "finished_at" {
                Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef
            } else {
                c.clone()
            };
            (f.name().clone(), c)
        })
        .collect::<Vec<_>>();
    let bad = RecordBatch::try_from_iter(columns).unwrap();
    for format in FORMATS {
        let mut r = reader();
        let e = r
            .read_ipc(Table::Deployments, &ipc(std::slice::from_ref(&bad), format))
            .unwrap_err();
        let (code, path, message) = problem(&e);
        assert_eq!(code, "invalid_input");
        assert_eq!(path, "deployments.finished_at");
        assert!(message.contains("Int32"), "{message}");
    }
    // A bad value names its row, counted across the batches (one schema:
    // `service` nullable in both).
    let service = StringArray::from(vec![Some("pay"), None]);
    let columns = d
        .schema()
        .fields()
        .iter()
        .zip(d.columns())
        .map(|(f, c)| {
            let c = if f.name() == "service" {
                Arc::new(service.clone()) as ArrayRef
            } else {
                c.clone()
            };
            (f.name().clone(), c)
        })
        .collect::<Vec<_>>();
    let nulls = RecordBatch::try_from_iter(columns).unwrap();
    for format in FORMATS {
        let e = reader()
            .read_ipc(
                Table::Deployments,
                &ipc(&[nulls.slice(0, 1), nulls.clone()], format),
            )
            .unwrap_err();
        let (_, path, message) = problem(&e);
        assert_eq!(path, "deployments[2].service");
        assert_eq!(message, "must not be null");
    }
}

/// Every byte of a stream and of a file flipped, one at a time (the
/// messages, the dictionary and record batch bodies, the footer): refused
/// or read, never a panic.
#[test]
fn corrupt_buffers_never_panic() {
    let h = history();
    // Six rows in two batches (with changes and CIs), dictionaries and
    // plain strings: 7 to 9 kilobytes, each byte flipped.
    let d = columnar::deployments(&h, Times::Unit(TimeUnit::Millisecond)).slice(0, 6);
    let d = dictionary_strings(&d);
    for format in FORMATS {
        let bytes = ipc(&pieces(&d, 3), format);
        let fresh = reader();
        let mut panics = Vec::new();
        for k in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[k] ^= 0xFF;
            let read = std::panic::catch_unwind(|| {
                let _ = fresh.clone().read_ipc(Table::Deployments, &flipped);
            });
            if read.is_err() {
                panics.push(k);
            }
        }
        assert!(panics.is_empty(), "{format:?}: panics at {panics:?}");
    }
}
