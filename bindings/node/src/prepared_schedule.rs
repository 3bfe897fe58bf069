//! `PreparedSchedule`: a schedule prepared once for conflict detection
//! (docs/conflicts.md, "Prepared schedules"). The constructor takes the
//! schedule `detectConflicts` takes and reads and checks it as the
//! operation does, so it throws the operation's errors; `conflicts()`
//! returns what `detectConflicts(schedule)` returns. Panics become errors
//! with code `internal`.

use crate::convert::from_js;
use crate::{guarded, js_error, output};
use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;
use relman::api::ops::detect_conflicts::{prepare, prepared_conflicts};
use serde_json::{Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A schedule prepared for conflict detection: validated, its calendar
/// expanded once.
#[napi]
pub struct PreparedSchedule {
    inner: relman::PreparedSchedule,
}

#[napi]
impl PreparedSchedule {
    /// Prepares `schedule` (an object or JSON text); throws what
    /// `detectConflicts(schedule)` throws.
    #[napi(constructor, ts_args_type = "schedule: T.In<T.Schedule>")]
    pub fn new(env: Env, schedule: Unknown<'_>) -> napi::Result<Self> {
        let built = catch_unwind(AssertUnwindSafe(
            || -> relman::Result<relman::PreparedSchedule> {
                let value = from_js(&env, schedule, 0).map_err(|e| e.into_error("schedule"))?;
                let mut params = Map::new();
                if !value.is_null() {
                    params.insert("schedule".to_string(), value);
                }
                prepare(Value::Object(params))
            },
        ))
        .unwrap_or_else(|p| Err(relman::api::panic_error(p.as_ref())));
        match built {
            Ok(inner) => Ok(PreparedSchedule { inner }),
            Err(e) => Err(js_error(&env, &e)),
        }
    }

    /// Every conflict of the prepared schedule: the report
    /// `detectConflicts` returns for it.
    #[napi(ts_return_type = "T.ConflictReport")]
    pub fn conflicts<'e>(&self, env: &'e Env) -> napi::Result<Unknown<'e>> {
        guarded(env, || output(env, &prepared_conflicts(&self.inner)?))
    }
}
