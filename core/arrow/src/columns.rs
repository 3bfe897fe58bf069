//! Typed views of the columns of a batch: each checked once per batch
//! against the types the schema accepts, then read row by row.

use std::ops::Range;

use crate::arrow::array::{
    Array, ArrayRef, AsArray, LargeStringArray, PrimitiveArray, StringArray, StringViewArray,
    StructArray,
};
use crate::arrow::buffer::{NullBuffer, OffsetBuffer};
use crate::arrow::datatypes::{
    DataType, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use crate::arrow::record_batch::RecordBatch;
use chrono::{DateTime, Utc};
use relman::error::{Error, Result};
use relman::{CommitRef, Timestamp};

use crate::join;

/// The string types accepted, in messages.
const STRING: &str =
    "a string column (utf8, large_utf8, utf8_view, or a dictionary of one of them)";
/// The time types accepted, in messages.
const TIME: &str = "timestamp(s, ms, us or ns, \"UTC\"), or RFC 3339 strings with an offset \
                    (utf8, large_utf8, utf8_view, or a dictionary of one of them)";
/// The `changes` types accepted, in messages.
const CHANGES: &str = "list<struct<id: string, committed_at: time>> (list or large_list; \
                       committed_at optional)";
/// The `cis` types accepted, in messages.
const STRING_LIST: &str = "list<string> (list or large_list)";

/// The time zone names taken as UTC.
const UTC_NAMES: [&str; 4] = ["UTC", "Etc/UTC", "Z", "+00:00"];

fn missing(path: &str, column: &str, accepted: &str) -> Error {
    Error::invalid_input(
        path,
        format!("missing required column `{column}`; accepted: {accepted}"),
    )
}

fn wrong_type(path: &str, column: &str, found: &DataType, accepted: &str) -> Error {
    Error::invalid_input(
        path,
        format!("column `{column}` has type {found}; accepted: {accepted}"),
    )
}

/// The last segment of a column path, for messages.
fn column_name(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// A string column.
pub(crate) enum Strs {
    Utf8(StringArray),
    Large(LargeStringArray),
    View(StringViewArray),
    /// Dictionary-encoded strings, read in place: each row's key (as
    /// `usize`, undefined but in range where the key is null) into the
    /// dictionary's values.
    Dict {
        keys: Vec<usize>,
        nulls: Option<NullBuffer>,
        values: Box<Strs>,
    },
}

impl Strs {
    /// The string column `path` (`table.column`) holds.
    fn of(array: &ArrayRef, path: &str, accepted: &str) -> Result<Strs> {
        let found = || wrong_type(path, column_name(path), array.data_type(), accepted);
        match array.data_type() {
            DataType::Dictionary(_, value)
                if matches!(
                    value.as_ref(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                let dict = array.as_any_dictionary_opt().ok_or_else(found)?;
                Ok(Strs::Dict {
                    keys: dict.normalized_keys(),
                    nulls: dict.keys().nulls().cloned(),
                    values: Box::new(Strs::of(dict.values(), path, accepted)?),
                })
            }
            DataType::Utf8 => array
                .as_string_opt::<i32>()
                .map(|a| Strs::Utf8(a.clone()))
                .ok_or_else(found),
            DataType::LargeUtf8 => array
                .as_string_opt::<i64>()
                .map(|a| Strs::Large(a.clone()))
                .ok_or_else(found),
            DataType::Utf8View => array
                .as_string_view_opt()
                .map(|a| Strs::View(a.clone()))
                .ok_or_else(found),
            _ => Err(found()),
        }
    }

    /// The required string column `column` of `batch`.
    pub(crate) fn required(batch: &RecordBatch, table: &str, column: &str) -> Result<Strs> {
        let path = join(table, column);
        match batch.column_by_name(column) {
            Some(a) => Strs::of(a, &path, STRING),
            None => Err(missing(&path, column, STRING)),
        }
    }

    /// The optional string column `column` of `batch`, if present.
    pub(crate) fn optional(batch: &RecordBatch, table: &str, column: &str) -> Result<Option<Strs>> {
        batch
            .column_by_name(column)
            .map(|a| Strs::of(a, &join(table, column), STRING))
            .transpose()
    }

    /// Row `i`, or `None` for a null (or a row past the end).
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        fn at<A: Array>(a: &A, i: usize) -> bool {
            i < a.len() && a.is_valid(i)
        }
        match self {
            Strs::Utf8(a) => at(a, i).then(|| a.value(i)),
            Strs::Large(a) => at(a, i).then(|| a.value(i)),
            Strs::View(a) => at(a, i).then(|| a.value(i)),
            Strs::Dict {
                keys,
                nulls,
                values,
            } => {
                if nulls.as_ref().is_some_and(|n| i < n.len() && n.is_null(i)) {
                    return None;
                }
                values.get(*keys.get(i)?)
            }
        }
    }
}

/// A time column: UTC timestamps in some unit, or RFC 3339 strings.
pub(crate) enum Times {
    Seconds(PrimitiveArray<TimestampSecondType>),
    Millis(PrimitiveArray<TimestampMillisecondType>),
    Micros(PrimitiveArray<TimestampMicrosecondType>),
    Nanos(PrimitiveArray<TimestampNanosecondType>),
    Text(Strs),
}

impl Times {
    fn of(array: &ArrayRef, path: &str) -> Result<Times> {
        let column = column_name(path);
        let found = || wrong_type(path, column, array.data_type(), TIME);
        match array.data_type() {
            DataType::Timestamp(unit, zone) => {
                match zone.as_deref() {
                    Some(z) if UTC_NAMES.iter().any(|u| u.eq_ignore_ascii_case(z)) => {}
                    Some(z) => {
                        return Err(Error::invalid_input(
                            path,
                            format!(
                            "column `{column}` has type {} in time zone `{z}`; accepted: {TIME}",
                            array.data_type()
                        ),
                        ))
                    }
                    None => {
                        return Err(Error::invalid_input(
                            path,
                            format!(
                                "column `{column}` has type {}, a timestamp without a time zone \
                                 (its instant is unknown); accepted: {TIME}",
                                array.data_type()
                            ),
                        ))
                    }
                }
                match unit {
                    TimeUnit::Second => array
                        .as_primitive_opt::<TimestampSecondType>()
                        .map(|a| Times::Seconds(a.clone())),
                    TimeUnit::Millisecond => array
                        .as_primitive_opt::<TimestampMillisecondType>()
                        .map(|a| Times::Millis(a.clone())),
                    TimeUnit::Microsecond => array
                        .as_primitive_opt::<TimestampMicrosecondType>()
                        .map(|a| Times::Micros(a.clone())),
                    TimeUnit::Nanosecond => array
                        .as_primitive_opt::<TimestampNanosecondType>()
                        .map(|a| Times::Nanos(a.clone())),
                }
                .ok_or_else(found)
            }
            DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Dictionary(..) => Strs::of(array, path, TIME).map(Times::Text),
            _ => Err(found()),
        }
    }

    /// The required time column `column` of `batch`.
    pub(crate) fn required(batch: &RecordBatch, table: &str, column: &str) -> Result<Times> {
        let path = join(table, column);
        match batch.column_by_name(column) {
            Some(a) => Times::of(a, &path),
            None => Err(missing(&path, column, TIME)),
        }
    }

    /// The optional time column `column` of `batch`, if present.
    pub(crate) fn optional(
        batch: &RecordBatch,
        table: &str,
        column: &str,
    ) -> Result<Option<Times>> {
        batch
            .column_by_name(column)
            .map(|a| Times::of(a, &join(table, column)))
            .transpose()
    }

    /// Row `i` of a timestamp column without building a [`Timestamp`]: the
    /// instant in nanoseconds (exact, for comparing two columns of
    /// different units) and in whole Unix seconds, as
    /// [`get`](Times::get)`(i)`'s `unix_seconds()`. `Ok(None)` for a null;
    /// `Err(())` where `get` must decide (text, a value out of range).
    pub(crate) fn seconds(&self, i: usize) -> std::result::Result<Option<(i128, i64)>, ()> {
        fn value<T: crate::arrow::datatypes::ArrowPrimitiveType<Native = i64>>(
            a: &PrimitiveArray<T>,
            i: usize,
        ) -> Option<i64> {
            (i < a.len() && a.is_valid(i)).then(|| a.value(i))
        }
        // The unit: per second, and nanoseconds per unit.
        let (v, per_second, nanos_per) = match self {
            Times::Seconds(a) => (value(a, i), 1, 1_000_000_000),
            Times::Millis(a) => (value(a, i), 1_000, 1_000_000),
            Times::Micros(a) => (value(a, i), 1_000_000, 1_000),
            Times::Nanos(a) => (value(a, i), 1_000_000_000, 1),
            Times::Text(_) => return Err(()),
        };
        let Some(v) = v else { return Ok(None) };
        let secs = v.div_euclid(per_second);
        // The range `get` accepts (chrono's): the same second is in range
        // at any fraction.
        let range = DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp();
        if !range.contains(&secs) {
            return Err(());
        }
        let nanos = i128::from(v).saturating_mul(nanos_per);
        Ok(Some((nanos, secs)))
    }

    /// Row `i`: `None` for a null, an error message for a bad value.
    pub(crate) fn get(&self, i: usize) -> std::result::Result<Option<Timestamp>, String> {
        fn value<T: crate::arrow::datatypes::ArrowPrimitiveType<Native = i64>>(
            a: &PrimitiveArray<T>,
            i: usize,
        ) -> Option<i64> {
            (i < a.len() && a.is_valid(i)).then(|| a.value(i))
        }
        let at = match self {
            Times::Seconds(a) => value(a, i).map(|v| (v, DateTime::<Utc>::from_timestamp(v, 0))),
            Times::Millis(a) => value(a, i).map(|v| (v, DateTime::<Utc>::from_timestamp_millis(v))),
            Times::Micros(a) => value(a, i).map(|v| (v, DateTime::<Utc>::from_timestamp_micros(v))),
            Times::Nanos(a) => {
                value(a, i).map(|v| (v, Some(DateTime::<Utc>::from_timestamp_nanos(v))))
            }
            Times::Text(s) => return s.get(i).map(Timestamp::parse).transpose(),
        };
        match at {
            None => Ok(None),
            Some((_, Some(t))) => Ok(Some(Timestamp::from_utc(t))),
            Some((v, None)) => Err(format!("timestamp {v} is out of range")),
        }
    }
}

/// The offsets of a list or large list column.
enum Offsets {
    Small(OffsetBuffer<i32>),
    Large(OffsetBuffer<i64>),
}

/// A list column: its nulls, offsets and values.
struct List {
    nulls: Option<NullBuffer>,
    offsets: Offsets,
    values: ArrayRef,
}

impl List {
    fn of(array: &ArrayRef, path: &str, accepted: &str) -> Result<List> {
        let found = || wrong_type(path, column_name(path), array.data_type(), accepted);
        if let Some(l) = array.as_list_opt::<i32>() {
            Ok(List {
                nulls: l.nulls().cloned(),
                offsets: Offsets::Small(l.offsets().clone()),
                values: l.values().clone(),
            })
        } else if let Some(l) = array.as_list_opt::<i64>() {
            Ok(List {
                nulls: l.nulls().cloned(),
                offsets: Offsets::Large(l.offsets().clone()),
                values: l.values().clone(),
            })
        } else {
            Err(found())
        }
    }

    /// The positions in `values` of row `i`'s items; `None` for a null.
    fn range(&self, i: usize) -> Option<Range<usize>> {
        if self
            .nulls
            .as_ref()
            .is_some_and(|n| i >= n.len() || n.is_null(i))
        {
            return None;
        }
        let next = i.checked_add(1)?;
        let (start, end) = match &self.offsets {
            Offsets::Small(o) => (
                usize::try_from(*o.get(i)?).ok()?,
                usize::try_from(*o.get(next)?).ok()?,
            ),
            Offsets::Large(o) => (
                usize::try_from(*o.get(i)?).ok()?,
                usize::try_from(*o.get(next)?).ok()?,
            ),
        };
        Some(start..end.max(start))
    }
}

/// A `changes` column: `list<struct<id, committed_at>>`.
pub(crate) struct ChangesCol {
    list: List,
    items: StructArray,
    id: Strs,
    committed_at: Option<Times>,
}

impl ChangesCol {
    /// The optional `changes` column of `batch`, if present.
    pub(crate) fn optional(
        batch: &RecordBatch,
        table: &str,
        column: &str,
    ) -> Result<Option<ChangesCol>> {
        let Some(array) = batch.column_by_name(column) else {
            return Ok(None);
        };
        let path = join(table, column);
        let list = List::of(array, &path, CHANGES)?;
        let Some(items) = list.values.as_struct_opt().cloned() else {
            return Err(wrong_type(&path, column, array.data_type(), CHANGES));
        };
        let id_path = join(&path, "id");
        let id = match items.column_by_name("id") {
            Some(a) => Strs::of(a, &id_path, STRING)?,
            None => return Err(missing(&id_path, "id", STRING)),
        };
        let committed_at = items
            .column_by_name("committed_at")
            .map(|a| Times::of(a, &join(&path, "committed_at")))
            .transpose()?;
        Ok(Some(ChangesCol {
            list,
            items,
            id,
            committed_at,
        }))
    }

    /// Row `i`'s changes as `(id, committed_at seconds)` pairs, checked as
    /// [`get`](ChangesCol::get) checks them and within `max_items` and
    /// `max_string_bytes`, without allocating: `None` where `get` must
    /// decide (a null item or id, a bad time, a limit exceeded, text
    /// times).
    pub(crate) fn fast(
        &self,
        i: usize,
        max_items: u64,
        max_string_bytes: u64,
    ) -> Option<impl Iterator<Item = (&str, Option<i64>)> + Clone + '_> {
        let range = self.list.range(i).unwrap_or(0..0);
        if u64::try_from(range.len()).ok()? > max_items {
            return None;
        }
        let item = move |j: usize| -> Option<(&str, Option<i64>)> {
            if j >= self.items.len() || self.items.is_null(j) {
                return None;
            }
            let id = self.id.get(j)?;
            if u64::try_from(id.len()).ok()? > max_string_bytes {
                return None;
            }
            let committed = match &self.committed_at {
                Some(c) => c.seconds(j).ok()?.map(|(_, s)| s),
                None => None,
            };
            Some((id, committed))
        };
        // Checked once here; read again (without the checks failing) by
        // the caller.
        range.clone().try_for_each(|j| item(j).map(drop))?;
        Some(range.filter_map(item))
    }

    /// Row `i`'s changes (none for a null list); `path` is the row's
    /// `…changes`.
    pub(crate) fn get(&self, i: usize, path: &str) -> Result<Vec<CommitRef>> {
        let Some(range) = self.list.range(i) else {
            return Ok(Vec::new());
        };
        let mut changes = Vec::with_capacity(range.len());
        for (k, j) in range.enumerate() {
            let item = format!("{path}[{k}]");
            if j >= self.items.len() || self.items.is_null(j) {
                return Err(Error::invalid_input(item, "must not be null"));
            }
            let id = self
                .id
                .get(j)
                .ok_or_else(|| Error::invalid_input(join(&item, "id"), "must not be null"))?;
            let committed_at = match &self.committed_at {
                Some(c) => c
                    .get(j)
                    .map_err(|m| Error::invalid_input(join(&item, "committed_at"), m))?,
                None => None,
            };
            changes.push(crate::commit(id.to_string(), committed_at));
        }
        Ok(changes)
    }
}

/// A `cis` column: `list<string>`.
pub(crate) struct StrListCol {
    list: List,
    items: Strs,
}

impl StrListCol {
    /// The optional string list column `column` of `batch`, if present.
    pub(crate) fn optional(
        batch: &RecordBatch,
        table: &str,
        column: &str,
    ) -> Result<Option<StrListCol>> {
        let Some(array) = batch.column_by_name(column) else {
            return Ok(None);
        };
        let path = join(table, column);
        let list = List::of(array, &path, STRING_LIST)?;
        let items = Strs::of(&list.values, &path, STRING_LIST)
            .map_err(|_| wrong_type(&path, column, array.data_type(), STRING_LIST))?;
        Ok(Some(StrListCol { list, items }))
    }

    /// Whether row `i`'s strings pass [`get`](StrListCol::get)'s checks and
    /// the limits (at most `max_cis`, each within `max_string_bytes`).
    pub(crate) fn fits(&self, i: usize, max_cis: u64, max_string_bytes: u64) -> bool {
        let range = self.list.range(i).unwrap_or(0..0);
        u64::try_from(range.len()).is_ok_and(|n| n <= max_cis)
            && range.into_iter().all(|j| {
                self.items
                    .get(j)
                    .is_some_and(|s| u64::try_from(s.len()).is_ok_and(|n| n <= max_string_bytes))
            })
    }

    /// Row `i`'s strings (none for a null list); `path` is the row's
    /// `…cis`.
    pub(crate) fn get(&self, i: usize, path: &str) -> Result<Vec<String>> {
        let Some(range) = self.list.range(i) else {
            return Ok(Vec::new());
        };
        range
            .enumerate()
            .map(|(k, j)| {
                self.items
                    .get(j)
                    .map(str::to_string)
                    .ok_or_else(|| Error::invalid_input(format!("{path}[{k}]"), "must not be null"))
            })
            .collect()
    }
}
