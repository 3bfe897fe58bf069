//! The same history as one JSON document and as Arrow batches / Parquet
//! files gives the same KPI report; schema and row errors name the column,
//! the type found and the row.

// Test code: a failing test should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::sync::Arc;

use relman::limits::Limits;
use relman::policy::KpiPolicy;
use relman::{Error, KpiOptions, KpiReport, KpiSettings};
use relman_arrow::arrow::array::{
    ArrayRef, DictionaryArray, Int32Array, Int64Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray, TimestampMillisecondArray,
};
use relman_arrow::arrow::datatypes::{Int32Type, TimeUnit};
use relman_arrow::{compute_kpis_parquet, ArrowHistory, ParquetFiles};
use serde_json::{json, Value};

#[path = "support/history.rs"]
mod history;
use history::{document_report, history, options, pieces};

#[path = "support/columnar.rs"]
mod columnar;
use columnar::{Compression, Times};

const UNITS: [Times; 5] = [
    Times::Unit(TimeUnit::Second),
    Times::Unit(TimeUnit::Millisecond),
    Times::Unit(TimeUnit::Microsecond),
    Times::Unit(TimeUnit::Nanosecond),
    Times::Text,
];

fn reader(options: &KpiOptions) -> ArrowHistory {
    let settings = KpiSettings::resolve(&KpiPolicy::default(), options).unwrap();
    ArrowHistory::new(settings, Limits::DEFAULT).unwrap()
}

fn arrow_report(batches: [&[RecordBatch]; 3], options: &KpiOptions) -> Value {
    let mut r = reader(options);
    for b in batches[0] {
        r.push_deployments(b).unwrap();
    }
    for b in batches[1] {
        r.push_incidents(b).unwrap();
    }
    for b in batches[2] {
        r.push_releases(b).unwrap();
    }
    serde_json::to_value(r.finish().unwrap()).unwrap()
}

#[test]
fn batches_in_every_time_type_equal_the_document() {
    let h = history();
    for options in options() {
        let expected = document_report(&h, &options);
        assert!(
            expected["kpis"]["dora"]["production_deployments"]
                .as_u64()
                .unwrap()
                > 0
        );
        for mode in UNITS {
            let d = columnar::deployments(&h, mode);
            let i = columnar::incidents(&h, mode);
            let r = columnar::releases(&h);
            let whole = arrow_report(
                [
                    std::slice::from_ref(&d),
                    std::slice::from_ref(&i),
                    std::slice::from_ref(&r),
                ],
                &options,
            );
            assert_eq!(whole, expected, "{mode:?}");
            // In small batches (a slice starts at an offset), releases first.
            let mut acc = reader(&options);
            for b in pieces(&r, 4) {
                acc.push_releases(&b).unwrap();
            }
            for b in pieces(&i, 4) {
                acc.push_incidents(&b).unwrap();
            }
            for b in pieces(&d, 5) {
                acc.push_deployments(&b).unwrap();
            }
            assert_eq!(
                serde_json::to_value(acc.finish().unwrap()).unwrap(),
                expected,
                "{mode:?} in pieces"
            );
        }
    }
}

#[test]
fn parquet_files_equal_the_document() {
    let h = history();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("relman-arrow-parquet");
    std::fs::create_dir_all(&dir).unwrap();
    for (k, (mode, compression)) in [
        (Times::Unit(TimeUnit::Millisecond), Compression::SNAPPY),
        (
            Times::Unit(TimeUnit::Microsecond),
            Compression::ZSTD(Default::default()),
        ),
        (Times::Unit(TimeUnit::Nanosecond), Compression::LZ4_RAW),
        (Times::Text, Compression::UNCOMPRESSED),
    ]
    .into_iter()
    .enumerate()
    {
        let files = ParquetFiles {
            deployments: Some(dir.join(format!("deployments-{k}.parquet"))),
            incidents: Some(dir.join(format!("incidents-{k}.parquet"))),
            releases: Some(dir.join(format!("releases-{k}.parquet"))),
        };
        let d = pieces(&columnar::deployments(&h, mode), 7);
        columnar::write_parquet(files.deployments.as_ref().unwrap(), &d, compression);
        columnar::write_parquet(
            files.incidents.as_ref().unwrap(),
            &[columnar::incidents(&h, mode)],
            compression,
        );
        columnar::write_parquet(
            files.releases.as_ref().unwrap(),
            &[columnar::releases(&h)],
            compression,
        );
        for options in options() {
            let report: KpiReport =
                compute_kpis_parquet(&files, &KpiPolicy::default(), &options, &Limits::DEFAULT)
                    .unwrap();
            assert_eq!(
                serde_json::to_value(report).unwrap(),
                document_report(&h, &options),
                "{mode:?} {compression:?}"
            );
        }
    }
}

#[test]
fn other_string_types_and_absent_optional_columns() {
    // Deployments only, minimal columns, as large_utf8, utf8_view and a
    // dictionary.
    let h = json!({"deployments": [
        {"id": "d1", "service": "pay", "environment": "production", "finished_at": "2026-03-02T10:00:00Z", "outcome": "success"},
        {"id": "d2", "service": "pay", "environment": "production", "finished_at": "2026-03-03T10:00:00+01:00", "outcome": "failed"}
    ]});
    let expected = document_report(&h, &KpiOptions::default());
    let batch = RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(LargeStringArray::from(vec!["d1", "d2"])) as ArrayRef,
        ),
        (
            "service",
            Arc::new(StringViewArray::from(vec!["pay", "pay"])) as _,
        ),
        (
            "environment",
            Arc::new(DictionaryArray::<Int32Type>::from_iter([
                "production",
                "production",
            ])) as _,
        ),
        (
            "finished_at",
            Arc::new(StringArray::from(vec![
                "2026-03-02T10:00:00Z",
                "2026-03-03T10:00:00+01:00",
            ])) as _,
        ),
        (
            "outcome",
            Arc::new(StringArray::from(vec!["success", "failed"])) as _,
        ),
        ("ignored", Arc::new(Int64Array::from(vec![1, 2])) as _),
    ])
    .unwrap();
    let got = arrow_report([&[batch], &[], &[]], &KpiOptions::default());
    assert_eq!(got, expected);
}

/// Dictionary-encoded strings are read in place through their keys: a
/// null key is a null row (the same error as a null in a plain string
/// column), and keys may share and skip dictionary values.
#[test]
fn dictionary_columns_are_read_through_their_keys() {
    let plain = deployments_error(&[with_column(
        "service",
        Some(Arc::new(StringArray::from(vec![Some("pay"), None])) as ArrayRef),
    )]);
    let dict = deployments_error(&[with_column(
        "service",
        Some(Arc::new(DictionaryArray::<Int32Type>::from_iter([Some("pay"), None])) as ArrayRef),
    )]);
    assert_eq!(problem(&dict), problem(&plain));
    assert_eq!(problem(&dict).1, "deployments[1].service");

    // Keys out of order over a dictionary with an unused value, and an
    // optional column (team) whose null key leaves the row without a team.
    let keys = Int32Array::from(vec![2, 0]);
    let values = Arc::new(StringArray::from(vec!["pay", "unused", "search"]));
    let service = DictionaryArray::<Int32Type>::try_new(keys, values).unwrap();
    let team = DictionaryArray::<Int32Type>::from_iter([None, Some("core")]);
    let batch = with_column("service", Some(Arc::new(service) as ArrayRef));
    let mut columns: Vec<(String, ArrayRef)> = batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .filter(|(f, _)| f.name() != "team")
        .map(|(f, c)| (f.name().clone(), c.clone()))
        .collect();
    columns.push(("team".to_string(), Arc::new(team) as ArrayRef));
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let h = json!({"deployments": [
        {"id": "d1", "service": "search", "environment": "production", "finished_at": "2026-03-02T10:00:00Z", "outcome": "success"},
        {"id": "d2", "service": "pay", "team": "core", "environment": "production", "finished_at": "2026-03-03T10:00:00Z", "outcome": "success"}
    ]});
    let options: KpiOptions = serde_json::from_value(json!({"group_by": "team"})).unwrap();
    assert_eq!(
        arrow_report([&[batch], &[], &[]], &options),
        document_report(&h, &options)
    );
}

fn deployments_error(batches: &[RecordBatch]) -> Error {
    let mut r = reader(&KpiOptions::default());
    for b in batches {
        if let Err(e) = r.push_deployments(b) {
            return e;
        }
    }
    r.finish().unwrap_err()
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

/// The minimal deployments table with `column` replaced (or removed for
/// `None`).
fn with_column(column: &str, array: Option<ArrayRef>) -> RecordBatch {
    let h = json!({"deployments": [
        {"id": "d1", "service": "pay", "environment": "production", "finished_at": "2026-03-02T10:00:00Z", "outcome": "success"},
        {"id": "d2", "service": "pay", "environment": "production", "finished_at": "2026-03-03T10:00:00Z", "outcome": "success"}
    ]});
    let full = columnar::deployments(&h, Times::Unit(TimeUnit::Millisecond));
    let schema = full.schema();
    let mut columns = Vec::new();
    for (f, c) in schema.fields().iter().zip(full.columns()) {
        if f.name() == column {
            if let Some(a) = &array {
                columns.push((f.name().clone(), a.clone()));
            }
        } else {
            columns.push((f.name().clone(), c.clone()));
        }
    }
    RecordBatch::try_from_iter(columns).unwrap()
}

#[test]
fn a_column_of_the_wrong_type_names_column_type_and_accepted_types() {
    let e = deployments_error(&[with_column(
        "finished_at",
        Some(Arc::new(Int64Array::from(vec![1, 2]))),
    )]);
    let (code, path, message) = problem(&e);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "deployments.finished_at");
    assert!(message.contains("`finished_at`"), "{message}");
    assert!(message.contains("Int64"), "{message}");
    assert!(message.contains("timestamp"), "{message}");
    assert!(message.contains("RFC 3339"), "{message}");

    let e = deployments_error(&[with_column(
        "service",
        Some(Arc::new(Int64Array::from(vec![1, 2]))),
    )]);
    let (code, path, message) = problem(&e);
    assert_eq!(
        (code.as_str(), path.as_str()),
        ("invalid_input", "deployments.service")
    );
    assert!(
        message.contains("Int64") && message.contains("utf8"),
        "{message}"
    );

    // A list of strings where a list of structs is expected.
    let e = deployments_error(&[with_column(
        "changes",
        Some(with_column("x", None).column(10).clone()),
    )]);
    let (_, path, message) = problem(&e);
    assert_eq!(path, "deployments.changes");
    assert!(message.contains("list<struct"), "{message}");
}

#[test]
fn a_missing_required_column_is_named() {
    for column in ["id", "service", "environment", "finished_at", "outcome"] {
        let (code, path, message) = problem(&deployments_error(&[with_column(column, None)]));
        assert_eq!(code, "invalid_input");
        assert_eq!(path, format!("deployments.{column}"));
        assert!(message.contains("missing required column"), "{message}");
    }
    // Optional ones may be absent.
    for column in ["release_id", "team", "started_at", "kind", "changes", "cis"] {
        let mut r = reader(&KpiOptions::default());
        r.push_deployments(&with_column(column, None)).unwrap();
    }
    // Incidents.
    let mut r = reader(&KpiOptions::default());
    let batch =
        RecordBatch::try_from_iter([("id", Arc::new(StringArray::from(vec!["i1"])) as ArrayRef)])
            .unwrap();
    let (_, path, _) = problem(&r.push_incidents(&batch).unwrap_err());
    assert_eq!(path, "incidents.created_at");
}

#[test]
fn a_timestamp_without_a_zone_or_in_another_zone_is_refused() {
    let naive = TimestampMillisecondArray::from(vec![0, 1]);
    let (code, path, message) = problem(&deployments_error(&[with_column(
        "finished_at",
        Some(Arc::new(naive.clone())),
    )]));
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "deployments.finished_at");
    assert!(message.contains("without a time zone"), "{message}");

    let (_, path, message) = problem(&deployments_error(&[with_column(
        "started_at",
        Some(Arc::new(naive.with_timezone("Europe/Amsterdam"))),
    )]));
    assert_eq!(path, "deployments.started_at");
    assert!(message.contains("Europe/Amsterdam"), "{message}");

    // A string without an offset: a row error.
    let (_, path, message) = problem(&deployments_error(&[with_column(
        "finished_at",
        Some(Arc::new(StringArray::from(vec![
            "2026-03-02T10:00:00Z",
            "2026-03-02T10:00:00",
        ]))),
    )]));
    assert_eq!(path, "deployments[1].finished_at");
    assert!(message.contains("offset"), "{message}");
}

#[test]
fn a_null_in_a_required_column_names_the_row_across_batches() {
    let batch = with_column(
        "service",
        Some(Arc::new(StringArray::from(vec![Some("pay"), None]))),
    );
    // Row 1 of the second batch is row 3 of the table.
    let (code, path, message) = problem(&deployments_error(&[
        with_column("id", Some(Arc::new(StringArray::from(vec!["d0", "d00"])))),
        batch,
    ]));
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "deployments[3].service");
    assert_eq!(message, "must not be null");
}

#[test]
fn row_checks_are_the_documents() {
    let err = |column: &str, array: ArrayRef| {
        problem(&deployments_error(&[with_column(column, Some(array))]))
    };
    let (_, path, message) = err(
        "outcome",
        Arc::new(StringArray::from(vec!["success", "huge"])),
    );
    assert_eq!(path, "deployments[1].outcome");
    assert!(message.contains("unknown variant `huge`"), "{message}");
    let (_, path, _) = err("id", Arc::new(StringArray::from(vec!["d1", " "])));
    assert_eq!(path, "deployments[1].id");
    let (_, path, message) = err(
        "started_at",
        columnar::times(
            &[None, Some("2026-03-03T11:00:00Z")],
            Times::Unit(TimeUnit::Second),
        ),
    );
    assert_eq!(path, "deployments[1].finished_at");
    assert!(message.contains("before started_at"), "{message}");
    // Duplicate production ids: at the end, as merged shards.
    let (_, path, _) = err("id", Arc::new(StringArray::from(vec!["d1", "d1"])));
    assert_eq!(path, "deployments");

    // A change without an id, in a list.
    let h = json!({"deployments": [
        {"id": "d1", "service": "pay", "environment": "production", "finished_at": "2026-03-02T10:00:00Z", "outcome": "success",
         "changes": [{"id": "c1"}, {"committed_at": "2026-03-01T10:00:00Z"}]}
    ]});
    let (_, path, message) = problem(&deployments_error(&[columnar::deployments(
        &h,
        Times::Text,
    )]));
    assert_eq!(path, "deployments[0].changes[1].id");
    assert_eq!(message, "must not be null");

    // A bad release document: the path inside it is a history's.
    let mut r = reader(&KpiOptions::default());
    let batch = RecordBatch::try_from_iter([(
        "release",
        Arc::new(StringArray::from(vec![
            r#"{"id": "R", "title": "T", "kind": "minor", "state": "planning"}"#,
            r#"{"id": "R2", "title": "T", "kind": "huge", "state": "planning"}"#,
        ])) as ArrayRef,
    )])
    .unwrap();
    let (code, path, _) = problem(&r.push_releases(&batch).unwrap_err());
    assert_eq!(
        (code.as_str(), path.as_str()),
        ("invalid_input", "releases[1].kind")
    );
}

#[test]
fn a_file_that_is_not_parquet_is_invalid_input() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("relman-arrow-not-parquet.parquet");
    std::fs::write(&path, "{}").unwrap();
    let files = ParquetFiles {
        deployments: Some(path),
        ..ParquetFiles::default()
    };
    let e = compute_kpis_parquet(
        &files,
        &KpiPolicy::default(),
        &KpiOptions::default(),
        &Limits::DEFAULT,
    )
    .unwrap_err();
    let (code, path, _) = problem(&e);
    assert_eq!(
        (code.as_str(), path.as_str()),
        ("invalid_input", "deployments")
    );
}

#[test]
fn rows_are_read_under_the_limits() {
    let h = history();
    let batch = columnar::deployments(&h, Times::Text);
    let two_changes = h["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .position(|d| d["changes"].as_array().is_some_and(|c| c.len() > 1))
        .unwrap();
    let settings = KpiSettings::resolve(&KpiPolicy::default(), &KpiOptions::default()).unwrap();
    let limits = Limits {
        max_items: 1,
        ..Limits::DEFAULT
    };
    let mut r = ArrowHistory::new(settings.clone(), limits).unwrap();
    let body = r.push_deployments(&batch).unwrap_err().to_body();
    assert_eq!(body.code.as_str(), "limit_exceeded");
    assert_eq!(
        body.path.unwrap(),
        format!("deployments[{two_changes}].changes")
    );

    let limits = Limits {
        max_string_bytes: 3,
        ..Limits::DEFAULT
    };
    let mut r = ArrowHistory::new(settings, limits).unwrap();
    let body = r.push_deployments(&batch).unwrap_err().to_body();
    assert_eq!(body.code.as_str(), "limit_exceeded");
    // The id (`D0`) is within 3 bytes, the service (`checkout`) is not.
    assert!(h["deployments"][0]["id"].as_str().unwrap().len() <= 3);
    assert_eq!(body.path.unwrap(), "deployments[0].service");
}

/// Two readers over a split of `h` (half the deployments and the releases
/// in the first, the rest and the incidents in the second), and the rows
/// of each table in all.
fn two_readers(h: &Value, options: &KpiOptions) -> (ArrowHistory, ArrowHistory, [usize; 3]) {
    let d = columnar::deployments(h, Times::Text);
    let i = columnar::incidents(h, Times::Unit(TimeUnit::Millisecond));
    let r = columnar::releases(h);
    let (mut first, mut second) = (reader(options), reader(options));
    let half = d.num_rows() / 2;
    first.push_deployments(&d.slice(0, half)).unwrap();
    second
        .push_deployments(&d.slice(half, d.num_rows() - half))
        .unwrap();
    second.push_incidents(&i).unwrap();
    first.push_releases(&r).unwrap();
    (first, second, [d.num_rows(), i.num_rows(), r.num_rows()])
}

/// The rows `reader` has read of each table.
fn rows_read(reader: &ArrowHistory) -> [usize; 3] {
    use relman_arrow::Table;
    [Table::Deployments, Table::Incidents, Table::Releases].map(|t| reader.rows(t))
}

#[test]
fn merged_readers_equal_one_reader_over_everything() {
    let h = history();
    for options in options() {
        let expected = document_report(&h, &options);
        let (mut first, second, rows) = two_readers(&h, &options);
        first.merge(second).unwrap();
        assert_eq!(rows_read(&first), rows);
        assert_eq!(
            serde_json::to_value(first.finish().unwrap()).unwrap(),
            expected
        );
    }
    // Readers of different settings refuse to merge.
    let [plain, tokyo] = options();
    let err = reader(&plain).merge(reader(&tokyo)).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
}

/// Readers travel as bytes (Spark partitions to the driver): each half
/// through `to_bytes`/`from_bytes`, merged, gives the whole's report, rows
/// and release warnings included; the bytes of what was read are the bytes
/// written.
#[test]
fn readers_through_bytes_merge_into_the_whole() {
    let h = history();
    for options in options() {
        let expected = document_report(&h, &options);
        let (first, second, rows) = two_readers(&h, &options);
        let through = |h: &ArrowHistory| {
            let bytes = h.to_bytes();
            let back = ArrowHistory::from_bytes(&bytes, Limits::DEFAULT).unwrap();
            assert_eq!(back.to_bytes(), bytes);
            back
        };
        let mut merged = through(&first);
        merged.merge(through(&second)).unwrap();
        let merged = through(&merged);
        assert_eq!(rows_read(&merged), rows);
        assert_eq!(
            serde_json::to_value(merged.finish().unwrap()).unwrap(),
            expected
        );
    }
}

/// Every truncation, another prefix or format version, bad warnings and a
/// corrupt accumulator inside are `invalid_input` at `bytes`, never a panic.
#[test]
fn bad_reader_bytes_are_refused_at_bytes() {
    let h = history();
    let [options, _] = options();
    let mut r = reader(&options);
    r.push_deployments(&columnar::deployments(&h, Times::Text))
        .unwrap();
    r.push_releases(&columnar::releases(&h)).unwrap();
    let bytes = r.to_bytes();
    let refused = |b: &[u8]| {
        let e = ArrowHistory::from_bytes(b, Limits::DEFAULT)
            .err()
            .unwrap_or_else(|| panic!("{} bytes were read", b.len()));
        let (code, path, message) = problem(&e);
        assert_eq!(
            (code.as_str(), path.as_str()),
            ("invalid_input", "bytes"),
            "{message}"
        );
        message
    };
    // The warnings run to the end: a cut inside them is bad JSON, a cut
    // before them a missing field.
    for n in 0..bytes.len() {
        refused(&bytes[..n]);
    }
    let mut other = bytes.clone();
    other[0] = b'X';
    assert!(refused(&other).contains("RMAH"));
    let mut version = bytes.clone();
    version[4] = 9;
    assert!(refused(&version).contains("format version 9"));
    let mut inner = bytes.clone();
    inner[14] ^= 0xFF; // the accumulator's own magic
    refused(&inner);
    let mut warnings = bytes.clone();
    warnings.extend_from_slice(b"{}");
    assert!(refused(&warnings).contains("warnings"));
}

/// `compute_kpis_parquet` reads the row groups of a file on every core, in
/// runs merged in file order: the report and the first error (its row
/// numbered across the file) are those of one thread, whatever the number
/// of threads.
#[test]
fn row_groups_read_on_every_core_equal_one_thread() {
    use relman::foundation::parallel;
    let h = history();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("relman-arrow-row-groups");
    std::fs::create_dir_all(&dir).unwrap();
    let mode = Times::Unit(TimeUnit::Microsecond);
    // Row groups of 2 deployments and of 1 incident.
    let files = ParquetFiles {
        deployments: Some(dir.join("deployments.parquet")),
        incidents: Some(dir.join("incidents.parquet")),
        releases: None,
    };
    let deployments = columnar::deployments(&h, mode);
    let groups = pieces(&deployments, 2);
    assert!(groups.len() >= 4, "{} row groups", groups.len());
    columnar::write_parquet(
        files.deployments.as_ref().unwrap(),
        &groups,
        Compression::SNAPPY,
    );
    columnar::write_parquet(
        files.incidents.as_ref().unwrap(),
        &pieces(&columnar::incidents(&h, mode), 1),
        Compression::SNAPPY,
    );
    let run = |threads: usize, files: &ParquetFiles, options: &KpiOptions| {
        parallel::with_threads(threads, || {
            compute_kpis_parquet(files, &KpiPolicy::default(), options, &Limits::DEFAULT)
                .map(|r| serde_json::to_value(r).unwrap())
        })
    };
    let mut no_releases = h.clone();
    no_releases["releases"] = json!([]);
    for options in options() {
        let expected = document_report(&no_releases, &options);
        for threads in [1, 2, 3, 8] {
            assert_eq!(
                run(threads, &files, &options).unwrap(),
                expected,
                "{threads} threads"
            );
        }
    }
    // Bad rows in the third and the last row group: the first is named.
    let n = deployments.num_rows();
    let outcomes: Vec<Option<&str>> = (0..n)
        .map(|i| {
            Some(if i == 5 || i == n - 1 {
                "huge"
            } else {
                "success"
            })
        })
        .collect();
    let bad = with_outcomes(&deployments, outcomes);
    let bad_files = ParquetFiles {
        deployments: Some(dir.join("bad-deployments.parquet")),
        ..files.clone()
    };
    columnar::write_parquet(
        bad_files.deployments.as_ref().unwrap(),
        &pieces(&bad, 2),
        Compression::SNAPPY,
    );
    for threads in [1, 2, 3, 8] {
        let e = run(threads, &bad_files, &KpiOptions::default()).unwrap_err();
        let (code, path, _) = problem(&e);
        assert_eq!(
            (code.as_str(), path.as_str()),
            ("invalid_input", "deployments[5].outcome"),
            "{threads} threads"
        );
    }
}

/// `batch` with its `outcome` column replaced.
fn with_outcomes(batch: &RecordBatch, outcomes: Vec<Option<&str>>) -> RecordBatch {
    let schema = batch.schema();
    let columns: Vec<(String, ArrayRef)> = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, c)| {
            let c = if f.name() == "outcome" {
                Arc::new(StringArray::from(outcomes.clone())) as ArrayRef
            } else {
                c.clone()
            };
            (f.name().clone(), c)
        })
        .collect();
    RecordBatch::try_from_iter(columns).unwrap()
}
