//! A history document (JSON) as the columnar tables of `docs/kpi.md`
//! ("Arrow and Parquet"), and Parquet files of them: shared by the
//! relman-arrow tests and the CLI's `kpi` tests.

use std::path::Path;
use std::sync::Arc;

use relman_arrow::arrow::array::{
    ArrayRef, ListArray, RecordBatch, StringArray, StructArray, TimestampMicrosecondArray,
    TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
};
use relman_arrow::arrow::buffer::OffsetBuffer;
use relman_arrow::arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use relman_arrow::parquet::arrow::ArrowWriter;
pub use relman_arrow::parquet::basic::Compression;
use relman_arrow::parquet::file::properties::WriterProperties;
use serde_json::Value;

/// How times are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// `timestamp(unit, "UTC")`.
    Unit(TimeUnit),
    /// The RFC 3339 text of the document, as `utf8`.
    Text,
}

fn items<'a>(history: &'a Value, table: &str) -> &'a [Value] {
    history[table].as_array().map_or(&[], |a| a.as_slice())
}

fn strings<'a>(rows: impl Iterator<Item = &'a Value>, field: &str) -> ArrayRef {
    Arc::new(StringArray::from(
        rows.map(|r| r[field].as_str().map(str::to_string))
            .collect::<Vec<_>>(),
    ))
}

/// A time column of `values` (RFC 3339 text or null).
pub fn times(values: &[Option<&str>], mode: Times) -> ArrayRef {
    let parsed = || {
        values.iter().map(|v| {
            v.map(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .expect("RFC 3339")
                    .to_utc()
            })
        })
    };
    match mode {
        Times::Text => Arc::new(StringArray::from(values.to_vec())),
        Times::Unit(TimeUnit::Second) => Arc::new(
            TimestampSecondArray::from(
                parsed()
                    .map(|t| t.map(|t| t.timestamp()))
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
        Times::Unit(TimeUnit::Millisecond) => Arc::new(
            TimestampMillisecondArray::from(
                parsed()
                    .map(|t| t.map(|t| t.timestamp_millis()))
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
        Times::Unit(TimeUnit::Microsecond) => Arc::new(
            TimestampMicrosecondArray::from(
                parsed()
                    .map(|t| t.map(|t| t.timestamp_micros()))
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
        Times::Unit(TimeUnit::Nanosecond) => Arc::new(
            TimestampNanosecondArray::from(
                parsed()
                    .map(|t| t.map(|t| t.timestamp_nanos_opt().expect("in range")))
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
    }
}

fn time_column<'a>(rows: impl Iterator<Item = &'a Value>, field: &str, mode: Times) -> ArrayRef {
    let values: Vec<Option<&str>> = rows.map(|r| r[field].as_str()).collect();
    times(&values, mode)
}

/// The `changes` column: `list<struct<id: utf8, committed_at: time>>`.
fn changes(rows: &[Value], mode: Times) -> ArrayRef {
    let mut offsets = vec![0usize];
    let mut ids = Vec::new();
    let mut committed = Vec::new();
    let mut nulls = Vec::new();
    for r in rows {
        let list = r["changes"].as_array();
        nulls.push(list.is_some());
        for c in list.map_or(&[][..], |l| l.as_slice()) {
            ids.push(c["id"].as_str().map(str::to_string));
            committed.push(c["committed_at"].as_str());
        }
        offsets.push(ids.len());
    }
    let committed = times(&committed, mode);
    let fields = Fields::from(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("committed_at", committed.data_type().clone(), true),
    ]);
    let items = StructArray::new(
        fields.clone(),
        vec![Arc::new(StringArray::from(ids)) as ArrayRef, committed],
        None,
    );
    let field = Arc::new(Field::new("item", DataType::Struct(fields), true));
    Arc::new(ListArray::new(
        field,
        OffsetBuffer::from_lengths(offsets.windows(2).map(|w| w[1] - w[0])),
        Arc::new(items),
        Some(nulls.into()),
    ))
}

/// The `cis` column: `list<utf8>`.
fn cis(rows: &[Value]) -> ArrayRef {
    let mut lengths = Vec::new();
    let mut values = Vec::new();
    let mut nulls = Vec::new();
    for r in rows {
        let list = r["cis"].as_array();
        nulls.push(list.is_some());
        let list = list.map_or(&[][..], |l| l.as_slice());
        lengths.push(list.len());
        values.extend(list.iter().map(|v| v.as_str().map(str::to_string)));
    }
    Arc::new(ListArray::new(
        Arc::new(Field::new("item", DataType::Utf8, true)),
        OffsetBuffer::from_lengths(lengths),
        Arc::new(StringArray::from(values)),
        Some(nulls.into()),
    ))
}

/// The deployments table of `history`, every column present.
pub fn deployments(history: &Value, mode: Times) -> RecordBatch {
    let rows = items(history, "deployments");
    let s = |f: &str| strings(rows.iter(), f);
    let t = |f: &str| time_column(rows.iter(), f, mode);
    RecordBatch::try_from_iter([
        ("id", s("id")),
        ("release_id", s("release_id")),
        ("service", s("service")),
        ("environment", s("environment")),
        ("team", s("team")),
        ("started_at", t("started_at")),
        ("finished_at", t("finished_at")),
        ("outcome", s("outcome")),
        ("kind", s("kind")),
        ("changes", changes(rows, mode)),
        ("cis", cis(rows)),
    ])
    .expect("deployments batch")
}

/// The incidents table of `history`.
pub fn incidents(history: &Value, mode: Times) -> RecordBatch {
    let rows = items(history, "incidents");
    let s = |f: &str| strings(rows.iter(), f);
    let t = |f: &str| time_column(rows.iter(), f, mode);
    RecordBatch::try_from_iter([
        ("id", s("id")),
        ("service", s("service")),
        ("severity", s("severity")),
        ("created_at", t("created_at")),
        ("resolved_at", t("resolved_at")),
        ("caused_by", s("caused_by")),
    ])
    .expect("incidents batch")
}

/// The releases table of `history`: one JSON document per row.
pub fn releases(history: &Value) -> RecordBatch {
    let docs: Vec<String> = items(history, "releases")
        .iter()
        .map(|r| serde_json::to_string(r).expect("JSON"))
        .collect();
    RecordBatch::try_from_iter([("release", Arc::new(StringArray::from(docs)) as ArrayRef)])
        .expect("releases batch")
}

/// Writes `batches` (one schema) as a Parquet file at `path` compressed
/// with `compression`, each batch its own row group.
pub fn write_parquet(path: &Path, batches: &[RecordBatch], compression: Compression) {
    let file = std::fs::File::create(path).expect("parquet file created");
    let schema = batches.first().expect("a batch").schema();
    let props = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let mut writer = ArrowWriter::try_new(file, schema, Some(props)).expect("writer");
    for b in batches {
        writer.write(b).expect("batch written");
        writer.flush().expect("row group");
    }
    writer.close().expect("parquet closed");
}
