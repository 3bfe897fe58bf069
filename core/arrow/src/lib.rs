//! # relman-arrow — KPIs from Arrow record batches and Parquet files
//!
//! A sibling of the pure [`relman`] core (which stays free of Arrow): it
//! reads a history as columnar tables — deployments, incidents, releases —
//! row by row into a [`KpiAccumulator`], so every record goes through the
//! same checks as an item of a history document and the report is the one
//! [`relman::compute_kpis_with`] gives for the same records.
//!
//! The schema (`docs/kpi.md`, "Arrow and Parquet"): one table per record
//! type, columns named as the record's JSON fields.
//!
//! | table | column | type | |
//! |---|---|---|---|
//! | deployments | `id`, `service`, `environment` | string | required |
//! | | `finished_at` | time | required |
//! | | `outcome` | string (`success`, `success_with_issues`, `failed`, `rolled_back`) | required |
//! | | `release_id`, `team` | string | optional |
//! | | `started_at` | time | optional |
//! | | `kind` | string (`planned`, `emergency`, `hotfix`, `rework`) | optional, null = `planned` |
//! | | `changes` | `list<struct<id: string, committed_at: time>>` | optional, null = none |
//! | | `cis` | `list<string>` | optional, null = none |
//! | incidents | `id` | string | required |
//! | | `created_at` | time | required |
//! | | `service`, `severity`, `caused_by` | string | optional |
//! | | `resolved_at` | time | optional |
//! | releases | `release` | string: one Release document as JSON | required |
//!
//! *string*: `utf8`, `large_utf8`, `utf8_view` or a dictionary of one of
//! them; *time*: `timestamp(unit, "UTC")` in any unit (`s`, `ms`, `us`,
//! `ns`; a timestamp without a zone or in another zone is refused) or an
//! RFC 3339 string with an offset; lists may be `list` or `large_list`.
//! An optional column may be absent; a null in a required column is an
//! error; other columns are ignored. Each row is read under the read-time
//! [`Limits`] of a history document's item (string length, items per
//! list, CIs): `limit_exceeded` at the row's path.
//!
//! Errors are `invalid_input`. A missing column or a column of a type not
//! accepted has the path `<table>.<column>` (`deployments.finished_at`,
//! `deployments.changes.committed_at`) and a message naming the type found
//! and the types accepted; a bad value has the path of its row,
//! `<table>[<row>].<column>` (`deployments[12].finished_at`,
//! `deployments[3].changes[1].id`), rows counted from 0 across every batch
//! of the table, as the positions in a history document.
//!
//! [`ArrowHistory`] is a push-style reader (like
//! [`relman::ndjson::NdjsonHistory`]): [`push_deployments`] /
//! [`push_incidents`] / [`push_releases`] each [`RecordBatch`] of a table
//! (from any source: a Parquet file, an IPC stream, an Arrow C stream), or
//! [`read_batches`] a whole [`RecordBatchReader`], then [`finish`].
//! [`read_parquet`] reads a Parquet file batch by batch, and
//! [`compute_kpis_parquet`] does everything for one to three files
//! (cargo feature `parquet`, on by default). `read_ipc` reads an Arrow
//! IPC buffer, stream or file format (apache-arrow's `tableToIPC`), and
//! `compute_kpis_ipc` does everything for one to three buffers (cargo
//! feature `ipc`, off by default).
//! [`add_deployments`] and [`add_incidents`] feed one batch to a bare
//! accumulator.
//!
//! ```
//! use std::sync::Arc;
//! use relman_arrow::arrow::array::{RecordBatch, StringArray, TimestampMillisecondArray};
//! use relman_arrow::ArrowHistory;
//!
//! let batch = RecordBatch::try_from_iter([
//!     ("id", Arc::new(StringArray::from(vec!["d1"])) as _),
//!     ("service", Arc::new(StringArray::from(vec!["pay"])) as _),
//!     ("environment", Arc::new(StringArray::from(vec!["production"])) as _),
//!     ("finished_at", Arc::new(TimestampMillisecondArray::from(vec![1_772_445_600_000]).with_timezone("UTC")) as _),
//!     ("outcome", Arc::new(StringArray::from(vec!["success"])) as _),
//! ])?;
//! let settings = relman::KpiSettings::resolve(&Default::default(), &Default::default())?;
//! let mut history = ArrowHistory::new(settings, relman::limits::Limits::DEFAULT)?;
//! history.push_deployments(&batch)?;
//! let report = history.finish()?;
//! assert_eq!(report.kpis.dora.production_deployments, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`push_deployments`]: ArrowHistory::push_deployments
//! [`push_incidents`]: ArrowHistory::push_incidents
//! [`push_releases`]: ArrowHistory::push_releases
//! [`read_batches`]: ArrowHistory::read_batches
//! [`read_parquet`]: ArrowHistory::read_parquet
//! [`finish`]: ArrowHistory::finish

#![forbid(unsafe_code)]
#![deny(clippy::arithmetic_side_effects)]

mod columns;
#[cfg(feature = "ipc")]
mod ipc;
#[cfg(feature = "ipc")]
pub use ipc::{compute_kpis_ipc, IpcBuffers, IpcFormat};

#[cfg(feature = "parquet")]
use std::path::{Path, PathBuf};

/// The Arrow types this crate reads (arrow-rs major 60), at the paths the
/// `arrow` crate gives them: build batches with them, or check a source's
/// major against them. The crate depends on arrow-array, arrow-schema and
/// arrow-buffer only, not on the `arrow` facade and its compute kernels;
/// an `arrow` 60 `RecordBatch` is the same type.
pub mod arrow {
    pub use arrow_array::{ffi, ffi_stream};
    pub use arrow_buffer as buffer;

    /// Arrays, their casts (`AsArray`) and builders (`arrow::array`).
    pub mod array {
        pub use arrow_array::builder::*;
        pub use arrow_array::cast::*;
        pub use arrow_array::*;
    }

    /// Record batches and their readers (`arrow::record_batch`).
    pub mod record_batch {
        pub use arrow_array::{
            RecordBatch, RecordBatchIterator, RecordBatchOptions, RecordBatchReader,
            RecordBatchWriter,
        };
    }

    /// Data types, fields and schemas, with the primitive array types
    /// (`arrow::datatypes`).
    pub mod datatypes {
        pub use arrow_array::types::*;
        pub use arrow_schema::*;
    }

    /// Arrow's error type (`arrow::error`).
    pub mod error {
        pub use arrow_schema::ArrowError;
    }

    /// The IPC stream and file formats (`arrow::ipc`, cargo feature
    /// `ipc`): the readers [`ArrowHistory::read_ipc`](crate::ArrowHistory::read_ipc)
    /// uses, and writers to build buffers with.
    #[cfg(feature = "ipc")]
    pub use arrow_ipc as ipc;
}
use arrow::record_batch::{RecordBatch, RecordBatchReader};
use columns::{ChangesCol, StrListCol, Strs, Times};
/// The `parquet` crate this crate reads files with (the arrow release
/// train's, major 60).
#[cfg(feature = "parquet")]
pub use parquet;
#[cfg(feature = "parquet")]
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
#[cfg(feature = "parquet")]
use parquet::file::reader::ChunkReader;
use relman::error::{Error, Problem, Result, Warning};
#[cfg(feature = "parquet")]
use relman::foundation::parallel;
use relman::kpi::{DeploymentFields, IncidentFields};
use relman::limits::{exceeded, Limits};
#[cfg(any(feature = "parquet", feature = "ipc"))]
use relman::policy::KpiPolicy;
#[cfg(any(feature = "parquet", feature = "ipc"))]
use relman::KpiOptions;
use relman::{
    CommitRef, DeploymentKind, DeploymentRecord, Incident, KpiAccumulator, KpiReport, KpiSettings,
    Outcome, Release,
};
use serde::de::{value::StrDeserializer, Deserialize};

/// The three tables of a columnar history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// Deployments: rows shaped as a history's `deployments[]`.
    Deployments,
    /// Incidents: rows shaped as a history's `incidents[]`.
    Incidents,
    /// Releases: one Release document (JSON) per row.
    Releases,
}

impl Table {
    /// The table's name, as error paths start with it (`deployments`).
    pub fn name(self) -> &'static str {
        match self {
            Table::Deployments => "deployments",
            Table::Incidents => "incidents",
            Table::Releases => "releases",
        }
    }
}

/// Reads [`ArrowHistory::from_bytes`]'s input front to back.
struct Cursor<'b> {
    rest: &'b [u8],
    at: usize,
}

impl<'b> Cursor<'b> {
    fn bad(&self, at: usize, what: &str) -> Error {
        Error::invalid_input("bytes", format!("at byte {at}: {what}"))
    }

    /// The next `n` bytes, holding `what`.
    fn take(&mut self, n: usize, what: &str) -> Result<&'b [u8]> {
        let (head, tail) = self
            .rest
            .split_at_checked(n)
            .ok_or_else(|| self.bad(self.at, &format!("truncated: {what} expected")))?;
        self.rest = tail;
        self.at = self.at.saturating_add(n);
        Ok(head)
    }

    /// The next `N` bytes, holding `what`.
    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let head = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(head);
        Ok(out)
    }
}

/// The magic prefix of [`ArrowHistory::to_bytes`].
const HISTORY_MAGIC: &[u8; 4] = b"RMAH";
/// The format version of [`ArrowHistory::to_bytes`].
const HISTORY_FORMAT_VERSION: u16 = 1;

/// A push-style reader of a columnar history feeding a
/// [`KpiAccumulator`] (see the [crate documentation](crate)).
#[derive(Debug, Clone)]
pub struct ArrowHistory {
    acc: KpiAccumulator,
    limits: Limits,
    rows: [usize; 3],
    warnings: Vec<Warning>,
}

impl ArrowHistory {
    /// A reader feeding an empty accumulator for `settings`; each row (and
    /// each release document) is read under `limits`.
    pub fn new(settings: KpiSettings, limits: Limits) -> Result<ArrowHistory> {
        Ok(ArrowHistory {
            acc: KpiAccumulator::new(settings)?,
            limits,
            rows: [0; 3],
            warnings: Vec::new(),
        })
    }

    /// The rows of `table` read so far (the row number of the next one).
    pub fn rows(&self, table: Table) -> usize {
        self.rows.get(slot(table)).copied().unwrap_or(0)
    }

    fn advance(&mut self, table: Table, by: usize) {
        if let Some(r) = self.rows.get_mut(slot(table)) {
            *r = r.saturating_add(by);
        }
    }

    /// Feeds a batch of the deployments table. On an error the batch's
    /// rows before the bad one have been fed.
    pub fn push_deployments(&mut self, batch: &RecordBatch) -> Result<()> {
        let first = self.rows(Table::Deployments);
        let done = feed_deployments(&mut self.acc, batch, first, &self.limits);
        self.advance(Table::Deployments, batch.num_rows());
        done
    }

    /// Feeds a batch of the incidents table.
    pub fn push_incidents(&mut self, batch: &RecordBatch) -> Result<()> {
        let first = self.rows(Table::Incidents);
        let done = feed_incidents(&mut self.acc, batch, first, &self.limits);
        self.advance(Table::Incidents, batch.num_rows());
        done
    }

    /// Feeds a batch of the releases table: each row's `release` is one
    /// Release document (JSON), read and checked as a history document's
    /// `releases[i]` under the reader's limits. Paths inside the document
    /// are a history document's (`releases[3].log[0].at`); its warnings
    /// are added to the report's.
    pub fn push_releases(&mut self, batch: &RecordBatch) -> Result<()> {
        let first = self.rows(Table::Releases);
        let table = "releases";
        let col = Strs::required(batch, table, "release")?;
        let mut result = Ok(());
        for i in 0..batch.num_rows() {
            let row = first.saturating_add(i);
            let path = format!("{table}[{row}]");
            let text = match col.get(i) {
                Some(t) => t,
                None => {
                    result = Err(Error::invalid_input(
                        format!("{path}.release"),
                        "must not be null",
                    ));
                    break;
                }
            };
            match relman::validate::parse_with_limits::<Release>(text, &self.limits) {
                Ok(parsed) => {
                    self.acc.add_release(&parsed.document);
                    self.warnings
                        .extend(parsed.warnings.into_iter().map(|mut w| {
                            w.path = join(&path, &w.path);
                            w
                        }));
                }
                Err(e) => {
                    result = Err(prefix_error(e, &path));
                    break;
                }
            }
        }
        self.advance(Table::Releases, batch.num_rows());
        result
    }

    /// Feeds a batch of `table`.
    pub fn push(&mut self, table: Table, batch: &RecordBatch) -> Result<()> {
        match table {
            Table::Deployments => self.push_deployments(batch),
            Table::Incidents => self.push_incidents(batch),
            Table::Releases => self.push_releases(batch),
        }
    }

    /// Feeds every batch of `reader` as rows of `table`, one batch at a
    /// time. An error of the reader is `invalid_input` at `<table>`.
    pub fn read_batches(&mut self, table: Table, reader: impl RecordBatchReader) -> Result<()> {
        for batch in reader {
            let batch = batch.map_err(|e| Error::invalid_input(table.name(), e.to_string()))?;
            self.push(table, &batch)?;
        }
        Ok(())
    }

    /// Feeds every row group of a Parquet file (cargo feature `parquet`, on
    /// by default) (a [`std::fs::File`], or
    /// bytes in memory) as rows of `table`, one batch at a time. A file
    /// that is not Parquet, or a column Arrow cannot read, is
    /// `invalid_input` at `<table>`.
    #[cfg(feature = "parquet")]
    pub fn read_parquet<R: ChunkReader + 'static>(&mut self, table: Table, file: R) -> Result<()> {
        let bad = |e: parquet::errors::ParquetError| {
            Error::invalid_input(table.name(), format!("not a readable Parquet file: {e}"))
        };
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(bad)?
            .build()
            .map_err(bad)?;
        self.read_batches(table, reader)
    }

    /// Adds every row `other` has read (a reader for the same settings):
    /// its accumulator is merged into this one
    /// ([`KpiAccumulator::merge`]: exact, whatever the partition), its
    /// release documents' warnings follow this one's, and its row counts
    /// are added to this one's (later rows of this reader are numbered on
    /// from there). Readers of different settings are `invalid_input` at
    /// `options`.
    pub fn merge(&mut self, other: ArrowHistory) -> Result<()> {
        self.acc.merge(other.acc)?;
        self.warnings.extend(other.warnings);
        for (mine, theirs) in self.rows.iter_mut().zip(other.rows) {
            *mine = mine.saturating_add(theirs);
        }
        Ok(())
    }

    /// This reader as bytes, to ship it to another process of the same
    /// relman version (one reader per Spark partition, merged on the
    /// driver): the accumulator's own bytes
    /// ([`KpiAccumulator::to_bytes`]), then the rows read per table and the
    /// warnings of the release documents read, so that the reader read
    /// back with [`from_bytes`](Self::from_bytes) merges and finishes
    /// exactly as this one. The limits are not part of the bytes.
    ///
    /// Layout: `RMAH`, a little-endian `u16` format version (1), a `u64`
    /// length and the accumulator's bytes, three `u64` row counts
    /// (deployments, incidents, releases), then the warnings as a JSON
    /// array to the end.
    pub fn to_bytes(&self) -> Vec<u8> {
        let acc = self.acc.to_bytes();
        let warnings = serde_json::to_vec(&self.warnings).unwrap_or_default();
        let mut out =
            Vec::with_capacity(acc.len().saturating_add(warnings.len()).saturating_add(38));
        out.extend_from_slice(HISTORY_MAGIC);
        out.extend_from_slice(&HISTORY_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&u64::try_from(acc.len()).unwrap_or(u64::MAX).to_le_bytes());
        out.extend_from_slice(&acc);
        for rows in self.rows {
            out.extend_from_slice(&u64::try_from(rows).unwrap_or(u64::MAX).to_le_bytes());
        }
        out.extend_from_slice(&warnings);
        out
    }

    /// Reads a reader written by [`to_bytes`](Self::to_bytes) in a process
    /// of the same relman version; further rows are read under `limits`.
    ///
    /// Errors: `invalid_input` at path `bytes` for anything but such bytes
    /// (another magic prefix or format version, truncated input, warnings
    /// that are not a JSON array of warnings), and every error of
    /// [`KpiAccumulator::from_bytes`] for the accumulator inside.
    pub fn from_bytes(bytes: &[u8], limits: Limits) -> Result<ArrowHistory> {
        let mut cursor = Cursor { rest: bytes, at: 0 };
        if cursor.take(HISTORY_MAGIC.len(), "the `RMAH` prefix")? != HISTORY_MAGIC {
            return Err(cursor.bad(0, "not a relman Arrow reader (no `RMAH` prefix)"));
        }
        let version = u16::from_le_bytes(cursor.array("the format version")?);
        if version != HISTORY_FORMAT_VERSION {
            return Err(cursor.bad(
                HISTORY_MAGIC.len(),
                &format!(
                    "format version {version}, this relman reads version {HISTORY_FORMAT_VERSION}"
                ),
            ));
        }
        let len = u64::from_le_bytes(cursor.array("the accumulator's length")?);
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let acc = KpiAccumulator::from_bytes(cursor.take(len, "the accumulator")?)?;
        let mut rows = [0usize; 3];
        for r in &mut rows {
            let n = u64::from_le_bytes(cursor.array("a row count")?);
            *r = usize::try_from(n).unwrap_or(usize::MAX);
        }
        let warnings: Vec<Warning> = serde_json::from_slice(cursor.rest).map_err(|e| {
            cursor.bad(
                cursor.at,
                &format!("the warnings are not a JSON array of warnings: {e}"),
            )
        })?;
        Ok(ArrowHistory {
            acc,
            limits,
            rows,
            warnings,
        })
    }

    /// The accumulator fed so far.
    pub fn accumulator(&self) -> &KpiAccumulator {
        &self.acc
    }

    /// The accumulator fed so far, to merge with others.
    pub fn into_accumulator(self) -> KpiAccumulator {
        self.acc
    }

    /// The report over every row read, with the warnings of the release
    /// documents (duplicate production deployment ids are `invalid_input`
    /// at `deployments`, without a row).
    pub fn finish(self) -> Result<KpiReport> {
        let mut report = self.acc.finish()?;
        report.warnings.extend(self.warnings);
        Ok(report)
    }
}

/// The Parquet files of one history: any of the three tables (cargo
/// feature `parquet`).
#[cfg(feature = "parquet")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParquetFiles {
    /// The deployments table.
    pub deployments: Option<PathBuf>,
    /// The incidents table.
    pub incidents: Option<PathBuf>,
    /// The releases table.
    pub releases: Option<PathBuf>,
}

/// Every KPI of the history in `files` (cargo feature `parquet`), as [`relman::compute_kpis_with`]
/// over the same records in one history document: the policy's `kpi`
/// section overridden by `options`, each row read under `limits`. A file that cannot be opened is `invalid_input` at
/// `<table>` (the message names the file).
#[cfg(feature = "parquet")]
pub fn compute_kpis_parquet(
    files: &ParquetFiles,
    policy: &KpiPolicy,
    options: &KpiOptions,
    limits: &Limits,
) -> Result<KpiReport> {
    compute_kpis_of(
        [&files.deployments, &files.incidents, &files.releases],
        policy,
        options,
        limits,
        |history, table, path| history.read_parquet_path(table, path),
    )
}

/// The report over up to three tables (deployments, incidents, releases,
/// in that order), each given to `read` when present: the body of
/// [`compute_kpis_parquet`] and `compute_kpis_ipc`.
#[cfg(any(feature = "parquet", feature = "ipc"))]
fn compute_kpis_of<T>(
    tables: [&Option<T>; 3],
    policy: &KpiPolicy,
    options: &KpiOptions,
    limits: &Limits,
    mut read: impl FnMut(&mut ArrowHistory, Table, &T) -> Result<()>,
) -> Result<KpiReport> {
    let settings = KpiSettings::resolve(policy, options)?;
    let mut history = ArrowHistory::new(settings, limits.clone())?;
    for (table, input) in [Table::Deployments, Table::Incidents, Table::Releases]
        .into_iter()
        .zip(tables)
    {
        if let Some(input) = input {
            read(&mut history, table, input)?;
        }
    }
    history.finish()
}

#[cfg(feature = "parquet")]
impl ArrowHistory {
    /// [`read_parquet`](ArrowHistory::read_parquet) of the file at `path`
    /// (cargo feature `parquet`), its row groups decoded and read on every
    /// core (batch work's threads, `relman::foundation::parallel`):
    /// contiguous runs of row groups, each read by a reader of its own (the
    /// file opened again) into a shard, the shards merged in file order —
    /// the same reader as a serial read (merging is exact), the same first
    /// error (rows are numbered across the file, and the earliest failing
    /// shard holds the earliest bad row). A file that cannot be opened is
    /// `invalid_input` at `<table>`, naming the file.
    pub fn read_parquet_path(&mut self, table: Table, path: &Path) -> Result<()> {
        let bad = |e: parquet::errors::ParquetError| {
            Error::invalid_input(table.name(), format!("not a readable Parquet file: {e}"))
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(open(table, path)?).map_err(bad)?;
        let groups: Vec<usize> = builder
            .metadata()
            .row_groups()
            .iter()
            .map(|g| usize::try_from(g.num_rows()).unwrap_or(0))
            .collect();
        let threads = parallel::threads();
        if threads < 2 || groups.len() < 2 {
            return self.read_batches(table, builder.build().map_err(bad)?);
        }
        drop(builder);
        let runs = parallel::ranges(groups.len(), threads);
        let before = |g: usize| -> usize {
            groups
                .get(..g)
                .unwrap_or(&[])
                .iter()
                .fold(0usize, |a, n| a.saturating_add(*n))
        };
        let first = self.rows.get(slot(table)).copied().unwrap_or(0);
        let settings = self.acc.settings().clone();
        let shards = parallel::map(&runs, |run| -> Result<ArrowHistory> {
            let mut shard = ArrowHistory::new(settings.clone(), self.limits.clone())?;
            let start = first.saturating_add(before(run.start));
            if let Some(rows) = shard.rows.get_mut(slot(table)) {
                *rows = start;
            }
            let reader = ParquetRecordBatchReaderBuilder::try_new(open(table, path)?)
                .map_err(bad)?
                .with_row_groups(run.clone().collect())
                .build()
                .map_err(bad)?;
            shard.read_batches(table, reader)?;
            // Merged below: its own rows only.
            if let Some(rows) = shard.rows.get_mut(slot(table)) {
                *rows = rows.saturating_sub(start);
            }
            Ok(shard)
        });
        for shard in shards {
            self.merge(shard?)?;
        }
        Ok(())
    }
}

#[cfg(feature = "parquet")]
fn open(table: Table, path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| {
        Error::invalid_input(
            table.name(),
            format!("cannot read `{}`: {e}", path.display()),
        )
    })
}

/// Feeds one batch of the deployments table to `acc`, each row within
/// `limits`; error paths use row numbers from `first_row`
/// (`deployments[first_row + i]`).
pub fn add_deployments(
    acc: &mut KpiAccumulator,
    batch: &RecordBatch,
    first_row: usize,
    limits: &Limits,
) -> Result<()> {
    feed_deployments(acc, batch, first_row, limits)
}

/// Feeds one batch of the incidents table to `acc`, each row within
/// `limits`; error paths use row numbers from `first_row`
/// (`incidents[first_row + i]`).
pub fn add_incidents(
    acc: &mut KpiAccumulator,
    batch: &RecordBatch,
    first_row: usize,
    limits: &Limits,
) -> Result<()> {
    feed_incidents(acc, batch, first_row, limits)
}

fn slot(table: Table) -> usize {
    match table {
        Table::Deployments => 0,
        Table::Incidents => 1,
        Table::Releases => 2,
    }
}

/// `a.b`, or `a` alone for an empty `b`, or `a[0]` for `b` = `[0]`.
fn join(base: &str, path: &str) -> String {
    if path.is_empty() {
        base.to_string()
    } else if path.starts_with('[') {
        format!("{base}{path}")
    } else {
        format!("{base}.{path}")
    }
}

fn prefix_error(err: Error, base: &str) -> Error {
    err.map_paths(|p| join(base, p))
}

/// A row's value error at `<row path>.<column>`.
fn row_error(row: &str, column: &str, message: impl Into<String>) -> Error {
    Error::invalid_input(join(row, column), message)
}

fn required<'a>(row: &str, column: &str, value: Option<&'a str>) -> Result<&'a str> {
    value.ok_or_else(|| row_error(row, column, "must not be null"))
}

fn non_empty(row: &str, column: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(row_error(row, column, "must not be empty"));
    }
    Ok(())
}

/// An outcome as serde reads it (`snake_case`), for the common row; `None`
/// leaves the value to [`variant`].
fn outcome_of(text: &str) -> Option<Outcome> {
    match text {
        "success" => Some(Outcome::Success),
        "success_with_issues" => Some(Outcome::SuccessWithIssues),
        "failed" => Some(Outcome::Failed),
        "rolled_back" => Some(Outcome::RolledBack),
        _ => None,
    }
}

/// A deployment kind as serde reads it, for the common row.
fn kind_of(text: &str) -> Option<DeploymentKind> {
    match text {
        "planned" => Some(DeploymentKind::Planned),
        "emergency" => Some(DeploymentKind::Emergency),
        "hotfix" => Some(DeploymentKind::Hotfix),
        "rework" => Some(DeploymentKind::Rework),
        _ => None,
    }
}

/// A snake_case enum value, with serde's message for an unknown one.
fn variant<'de, T: Deserialize<'de>>(row: &str, column: &str, text: &'de str) -> Result<T> {
    T::deserialize(StrDeserializer::<serde::de::value::Error>::new(text))
        .map_err(|e| row_error(row, column, e.to_string()))
}

fn feed_deployments(
    acc: &mut KpiAccumulator,
    batch: &RecordBatch,
    first: usize,
    limits: &Limits,
) -> Result<()> {
    let t = Table::Deployments.name();
    let id = Strs::required(batch, t, "id")?;
    let release_id = Strs::optional(batch, t, "release_id")?;
    let service = Strs::required(batch, t, "service")?;
    let environment = Strs::required(batch, t, "environment")?;
    let team = Strs::optional(batch, t, "team")?;
    let started_at = Times::optional(batch, t, "started_at")?;
    let finished_at = Times::required(batch, t, "finished_at")?;
    let outcome = Strs::required(batch, t, "outcome")?;
    let kind = Strs::optional(batch, t, "kind")?;
    let changes = ChangesCol::optional(batch, t, "changes")?;
    let cis = StrListCol::optional(batch, t, "cis")?;
    let fits = |s: &str| u64::try_from(s.len()).is_ok_and(|n| n <= limits.max_string_bytes);
    let opt_fits = |c: &Option<Strs>, i: usize| c.as_ref().and_then(|c| c.get(i)).is_none_or(fits);
    // The common row — every value present and valid, timestamps (not
    // text), within the limits — is read in place into the accumulator,
    // without building a `DeploymentRecord`; any other row takes the
    // general path below, which gives the same result or the error.
    let fast = |acc: &mut KpiAccumulator, i: usize| -> bool {
        let (Some(id), Some(service), Some(environment)) =
            (id.get(i), service.get(i), environment.get(i))
        else {
            return false;
        };
        let Ok(Some((finished_ns, finished))) = finished_at.seconds(i) else {
            return false;
        };
        let started_ok = match started_at.as_ref().map(|c| c.seconds(i)) {
            None | Some(Ok(None)) => true,
            Some(Ok(Some((started_ns, _)))) => started_ns <= finished_ns,
            Some(Err(())) => false,
        };
        let (Some(outcome), Some(kind)) = (
            outcome.get(i).and_then(outcome_of),
            kind.as_ref().map_or(Some(DeploymentKind::Planned), |k| {
                k.get(i).map_or(Some(DeploymentKind::Planned), kind_of)
            }),
        ) else {
            return false;
        };
        if !started_ok
            || id.trim().is_empty()
            || ![id, service, environment].into_iter().all(fits)
            || !opt_fits(&team, i)
            || !opt_fits(&release_id, i)
            || !cis
                .as_ref()
                .is_none_or(|c| c.fits(i, limits.max_cis, limits.max_string_bytes))
        {
            return false;
        }
        let fields = DeploymentFields {
            id,
            service,
            environment,
            team: team.as_ref().and_then(|c| c.get(i)),
            release_id: release_id.as_ref().and_then(|c| c.get(i)),
            finished_at: finished,
            outcome,
            kind,
        };
        match &changes {
            None => acc.add_deployment_fields(&fields, std::iter::empty()),
            Some(c) => match c.fast(i, limits.max_items, limits.max_string_bytes) {
                Some(items) => acc.add_deployment_fields(&fields, items),
                None => return false,
            },
        }
        true
    };
    for i in 0..batch.num_rows() {
        if fast(acc, i) {
            continue;
        }
        let row = format!("{t}[{}]", first.saturating_add(i));
        let opt = |c: &Option<Strs>| c.as_ref().and_then(|c| c.get(i)).map(str::to_string);
        let d = DeploymentRecord {
            id: required(&row, "id", id.get(i))?.to_string(),
            release_id: opt(&release_id),
            service: required(&row, "service", service.get(i))?.to_string(),
            environment: required(&row, "environment", environment.get(i))?.to_string(),
            team: opt(&team),
            started_at: match &started_at {
                Some(c) => c.get(i).map_err(|m| row_error(&row, "started_at", m))?,
                None => None,
            },
            finished_at: finished_at
                .get(i)
                .map_err(|m| row_error(&row, "finished_at", m))?
                .ok_or_else(|| row_error(&row, "finished_at", "must not be null"))?,
            outcome: variant::<Outcome>(
                &row,
                "outcome",
                required(&row, "outcome", outcome.get(i))?,
            )?,
            kind: match kind.as_ref().and_then(|k| k.get(i)) {
                Some(k) => variant::<DeploymentKind>(&row, "kind", k)?,
                None => DeploymentKind::default(),
            },
            changes: match &changes {
                Some(c) => c.get(i, &join(&row, "changes"))?,
                None => Vec::new(),
            },
            cis: match &cis {
                Some(c) => c.get(i, &join(&row, "cis"))?,
                None => Vec::new(),
            },
            extra: Default::default(),
        };
        non_empty(&row, "id", &d.id)?;
        deployment_limits(&d, &row, limits)?;
        acc.add_deployment(&d).map_err(|p| under(&row, p))?;
    }
    Ok(())
}

fn feed_incidents(
    acc: &mut KpiAccumulator,
    batch: &RecordBatch,
    first: usize,
    limits: &Limits,
) -> Result<()> {
    let t = Table::Incidents.name();
    let id = Strs::required(batch, t, "id")?;
    let service = Strs::optional(batch, t, "service")?;
    let severity = Strs::optional(batch, t, "severity")?;
    let created_at = Times::required(batch, t, "created_at")?;
    let resolved_at = Times::optional(batch, t, "resolved_at")?;
    let caused_by = Strs::optional(batch, t, "caused_by")?;
    let fits = |s: &str| u64::try_from(s.len()).is_ok_and(|n| n <= limits.max_string_bytes);
    let opt_fits = |c: &Option<Strs>, i: usize| c.as_ref().and_then(|c| c.get(i)).is_none_or(fits);
    // The common row in place, as for deployments.
    let fast = |acc: &mut KpiAccumulator, i: usize| -> bool {
        let Some(id) = id.get(i) else { return false };
        let Ok(Some((created_ns, created))) = created_at.seconds(i) else {
            return false;
        };
        let resolved = match resolved_at.as_ref().map(|c| c.seconds(i)) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some((resolved_ns, resolved)))) if resolved_ns >= created_ns => Some(resolved),
            Some(_) => return false,
        };
        if id.trim().is_empty()
            || !fits(id)
            || !opt_fits(&service, i)
            || !opt_fits(&severity, i)
            || !opt_fits(&caused_by, i)
        {
            return false;
        }
        acc.add_incident_fields(&IncidentFields {
            id,
            service: service.as_ref().and_then(|c| c.get(i)),
            created_at: created,
            resolved_at: resolved,
            caused_by: caused_by.as_ref().and_then(|c| c.get(i)),
        });
        true
    };
    for i in 0..batch.num_rows() {
        if fast(acc, i) {
            continue;
        }
        let row = format!("{t}[{}]", first.saturating_add(i));
        let opt = |c: &Option<Strs>| c.as_ref().and_then(|c| c.get(i)).map(str::to_string);
        let inc = Incident {
            id: required(&row, "id", id.get(i))?.to_string(),
            service: opt(&service),
            severity: opt(&severity),
            created_at: created_at
                .get(i)
                .map_err(|m| row_error(&row, "created_at", m))?
                .ok_or_else(|| row_error(&row, "created_at", "must not be null"))?,
            resolved_at: match &resolved_at {
                Some(c) => c.get(i).map_err(|m| row_error(&row, "resolved_at", m))?,
                None => None,
            },
            caused_by: opt(&caused_by),
            extra: Default::default(),
        };
        non_empty(&row, "id", &inc.id)?;
        incident_limits(&inc, &row, limits)?;
        acc.add_incident(&inc).map_err(|p| under(&row, p))?;
    }
    Ok(())
}

/// A string within `max_string_bytes`.
fn string_limit(row: &str, column: &str, value: &str, limits: &Limits) -> Result<()> {
    let found = u64::try_from(value.len()).unwrap_or(u64::MAX);
    if found > limits.max_string_bytes {
        return Err(exceeded(
            join(row, column),
            "string length in bytes",
            limits.max_string_bytes,
            found,
        ));
    }
    Ok(())
}

/// A list of `len` items within `limit`.
fn list_limit(path: String, what: &str, len: usize, limit: u64) -> Result<()> {
    let found = u64::try_from(len).unwrap_or(u64::MAX);
    if found > limit {
        return Err(exceeded(path, what, limit, found));
    }
    Ok(())
}

/// The read-time limits a history document's deployment is read under:
/// string lengths, items per list, CIs.
fn deployment_limits(d: &DeploymentRecord, row: &str, limits: &Limits) -> Result<()> {
    let optional = [("release_id", &d.release_id), ("team", &d.team)];
    for (column, value) in [
        ("id", &d.id),
        ("service", &d.service),
        ("environment", &d.environment),
    ]
    .into_iter()
    .chain(
        optional
            .into_iter()
            .filter_map(|(c, v)| v.as_ref().map(|v| (c, v))),
    ) {
        string_limit(row, column, value, limits)?;
    }
    let changes = join(row, "changes");
    list_limit(
        changes.clone(),
        "items in a list",
        d.changes.len(),
        limits.max_items,
    )?;
    for (k, c) in d.changes.iter().enumerate() {
        string_limit(&format!("{changes}[{k}]"), "id", &c.id, limits)?;
    }
    let cis = join(row, "cis");
    list_limit(cis.clone(), "CIs", d.cis.len(), limits.max_cis)?;
    for (k, ci) in d.cis.iter().enumerate() {
        string_limit(&cis, &format!("[{k}]"), ci, limits)?;
    }
    Ok(())
}

/// The read-time limits of an incident: string lengths.
fn incident_limits(inc: &Incident, row: &str, limits: &Limits) -> Result<()> {
    string_limit(row, "id", &inc.id, limits)?;
    for (column, value) in [
        ("service", &inc.service),
        ("severity", &inc.severity),
        ("caused_by", &inc.caused_by),
    ] {
        if let Some(v) = value {
            string_limit(row, column, v, limits)?;
        }
    }
    Ok(())
}

fn under(row: &str, p: Problem) -> Error {
    Error::InvalidInput {
        problems: vec![Problem::new(join(row, &p.path), p.message)],
    }
}

/// A change of a `changes` list, built by [`columns::ChangesCol`].
fn commit(id: String, committed_at: Option<relman::Timestamp>) -> CommitRef {
    CommitRef {
        id,
        committed_at,
        extra: Default::default(),
    }
}

/// The crate README (core/arrow/README.md, the crates.io page), compiled
/// and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
