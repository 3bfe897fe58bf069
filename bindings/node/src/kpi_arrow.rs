//! `computeKpisArrow` and `computeKpisArrowAsync`: KPIs of a history given
//! as Arrow IPC buffers (apache-arrow's `tableToIPC(table)`, stream or
//! file format), read by [`relman_arrow::ArrowHistory::read_ipc`]. Only
//! converts: the options and policy are read as `computeKpisNdjson` reads
//! them, the report is the one `computeKpis` returns for the same records,
//! errors are the same JS `Error`s (`invalid_input` at `deployments` for a
//! buffer that is not Arrow IPC, at `deployments.finished_at` for a column
//! of a wrong type).

use crate::{guarded, output, params};
use napi::bindgen_prelude::{AsyncTask, FromNapiValue, JsValue, Uint8ArraySlice, Unknown};
use napi::{Env, ScopedTask};
use napi_derive::napi;
use relman_arrow::{ArrowHistory, Table};
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The bytes of the buffer given for `table` (a `Uint8Array`, `Buffer`
/// included), borrowed for the call; `null` and `undefined` are no table.
/// Anything else is `invalid_input` at the table's name.
fn bytes<'e>(
    table: Table,
    arg: Option<Unknown<'e>>,
) -> relman::Result<Option<Uint8ArraySlice<'e>>> {
    let Some(arg) = arg else { return Ok(None) };
    let kind = arg.get_type().map_err(|e| {
        relman::Error::invalid_input(table.name(), format!("cannot read the argument: {e}"))
    })?;
    if matches!(kind, napi::ValueType::Null | napi::ValueType::Undefined) {
        return Ok(None);
    }
    let not_bytes = |what: String| {
        relman::Error::invalid_input(
            table.name(),
            format!(
                "must be a Uint8Array or Buffer holding an Arrow IPC stream or file \
                 (apache-arrow's `tableToIPC(table)`), not {what}"
            ),
        )
    };
    if !arg.is_typedarray().unwrap_or(false) {
        use napi::ValueType as V;
        let what = match kind {
            V::String => "a string",
            V::Number => "a number",
            V::Boolean => "a boolean",
            V::BigInt => "a bigint",
            V::Symbol => "a symbol",
            V::Function => "a function",
            V::Object if arg.is_arraybuffer().unwrap_or(false) => {
                "an ArrayBuffer (wrap it: `new Uint8Array(buffer)`)"
            }
            V::Object if arg.is_array().unwrap_or(false) => "an array",
            V::Object => "an object",
            _ => "another value",
        };
        return Err(not_bytes(what.to_string()));
    }
    Uint8ArraySlice::from_unknown(arg)
        .map(Some)
        .map_err(|_| not_bytes("a typed array of another element type".to_string()))
}

/// A reader for the `options` and `policy` given.
fn reader(
    env: &Env,
    options: Option<Unknown<'_>>,
    policy: Option<Unknown<'_>>,
) -> relman::Result<ArrowHistory> {
    let settings = relman::api::ops::compute_kpis_ndjson::settings(params(
        env,
        vec![("options", options), ("policy", policy)],
    )?)?;
    ArrowHistory::new(settings, relman::limits::Limits::DEFAULT)
}

/// The report of `history` after reading `tables`, as a JSON value.
fn report<'b>(
    mut history: ArrowHistory,
    tables: impl IntoIterator<Item = (Table, Option<&'b [u8]>)>,
) -> relman::Result<Value> {
    for (table, bytes) in tables {
        if let Some(bytes) = bytes {
            history.read_ipc(table, bytes)?;
        }
    }
    finish(history)
}

/// The report of everything `history` read, as a JSON value.
fn finish(history: ArrowHistory) -> relman::Result<Value> {
    serde_json::to_value(history.finish()?)
        .map_err(|e| relman::Error::internal(format!("cannot write the report: {e}")))
}

/// DORA and ITIL release KPIs of a history given as Arrow IPC buffers,
/// one per table (the stream or the file format: apache-arrow's
/// `tableToIPC(table)` or `tableToIPC(table, 'file')`), with the columns
/// of docs/kpi.md ("Arrow and Parquet"). The report is the one
/// `computeKpis` returns for the same records in one history document.
/// A buffer that is not Arrow IPC (or is truncated), or an argument that
/// is not a `Uint8Array`, is an `Error` with code `invalid_input` at
/// `deployments` (the table); a column of a wrong type at
/// `deployments.finished_at`; a bad value at `deployments[12].outcome`.
#[napi(
    ts_args_type = "deployments: Uint8Array | null, incidents?: Uint8Array | null, releases?: Uint8Array | null, options?: T.In<T.KpiOptions> | null, policy?: T.In<T.Policy> | null",
    ts_return_type = "T.KpiReport"
)]
pub fn compute_kpis_arrow<'e>(
    env: &'e Env,
    deployments: Option<Unknown<'e>>,
    incidents: Option<Unknown<'e>>,
    releases: Option<Unknown<'e>>,
    options: Option<Unknown<'e>>,
    policy: Option<Unknown<'e>>,
) -> napi::Result<Unknown<'e>> {
    guarded(env, || {
        let history = reader(env, options, policy)?;
        let d = bytes(Table::Deployments, deployments)?;
        let i = bytes(Table::Incidents, incidents)?;
        let r = bytes(Table::Releases, releases)?;
        // The slices borrow the caller's memory for this synchronous call.
        let value = report(
            history,
            [
                (Table::Deployments, d.as_deref()),
                (Table::Incidents, i.as_deref()),
                (Table::Releases, r.as_deref()),
            ],
        )?;
        output(env, &value)
    })
}

/// `computeKpisArrow` on the thread pool: the buffers are copied when
/// the function is called (the caller may reuse them at once), read on a
/// worker thread.
#[napi(
    ts_args_type = "deployments: Uint8Array | null, incidents?: Uint8Array | null, releases?: Uint8Array | null, options?: T.In<T.KpiOptions> | null, policy?: T.In<T.Policy> | null",
    ts_return_type = "Promise<T.KpiReport>"
)]
pub fn compute_kpis_arrow_async<'e>(
    env: &'e Env,
    deployments: Option<Unknown<'e>>,
    incidents: Option<Unknown<'e>>,
    releases: Option<Unknown<'e>>,
    options: Option<Unknown<'e>>,
    policy: Option<Unknown<'e>>,
) -> AsyncTask<ArrowTask> {
    let work = catch_unwind(AssertUnwindSafe(|| -> relman::Result<_> {
        let history = reader(env, options, policy)?;
        let mut tables = Vec::with_capacity(3);
        for (table, arg) in [
            (Table::Deployments, deployments),
            (Table::Incidents, incidents),
            (Table::Releases, releases),
        ] {
            tables.push((table, bytes(table, arg)?.map(|b| b.to_vec())));
        }
        Ok((history, tables))
    }))
    .unwrap_or_else(|p| Err(relman::api::panic_error(p.as_ref())));
    AsyncTask::new(ArrowTask { work: Some(work) })
}

/// The work of `computeKpisArrowAsync`: a reader and the copied buffers
/// (or the error reading the arguments), taken by the worker thread.
pub struct ArrowTask {
    #[allow(clippy::type_complexity)]
    work: Option<relman::Result<(ArrowHistory, Vec<(Table, Option<Vec<u8>>)>)>>,
}

impl<'task> ScopedTask<'task> for ArrowTask {
    type Output = relman::Result<Value>;
    type JsValue = Unknown<'task>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let work = self.work.take();
        Ok(catch_unwind(AssertUnwindSafe(move || {
            let (mut history, tables) = work.ok_or_else(|| {
                relman::Error::internal("computeKpisArrowAsync: the task ran twice")
            })??;
            // The copies are the task's own: decoded in place.
            for (table, bytes) in tables {
                if let Some(bytes) = bytes {
                    history.read_ipc_owned(table, bytes)?;
                }
            }
            finish(history)
        }))
        .unwrap_or_else(|p| Err(relman::api::panic_error(p.as_ref()))))
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        guarded(env, || crate::output(env, &output?))
    }
}
