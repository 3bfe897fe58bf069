//! `PreparedSchedule`: a schedule prepared once for conflict detection
//! (docs/conflicts.md, "Prepared schedules"), a UniFFI object. Built from
//! the JSON text of the schedule `detectConflicts` takes, read and checked
//! as the operation reads it, so it throws the operation's errors;
//! `conflicts()` returns what `detectConflicts(schedule:)` returns. No
//! panic crosses the FFI boundary.

use crate::{guard, Params, RelmanError};
use relman::api::ops::detect_conflicts::{prepare, prepared_conflicts};
use relman::ConflictReport;
use std::sync::Arc;

/// A schedule prepared for conflict detection: validated, its calendar
/// expanded once; safe to share between threads.
#[derive(uniffi::Object)]
pub struct PreparedSchedule {
    inner: relman::PreparedSchedule,
}

#[uniffi::export]
impl PreparedSchedule {
    /// Prepares the schedule given as JSON text; throws what
    /// `detectConflicts(schedule:)` throws for it.
    #[uniffi::constructor]
    pub fn new(schedule: String) -> Result<Arc<Self>, RelmanError> {
        guard(|| {
            let params = Params::default().text("schedule", Some(&schedule))?;
            let inner = prepare(serde_json::Value::Object(params.0))?;
            Ok(Arc::new(PreparedSchedule { inner }))
        })
    }

    /// Every conflict of the prepared schedule: the report
    /// `detectConflicts(schedule:)` returns for it.
    pub fn conflicts(&self) -> Result<ConflictReport, RelmanError> {
        guard(|| {
            let result = prepared_conflicts(&self.inner)?;
            serde_path_to_error::deserialize::<_, ConflictReport>(result).map_err(|e| {
                RelmanError::internal(format!(
                    "the result of `detect_conflicts` does not fit its type at `{}`: {}",
                    e.path(),
                    e.inner()
                ))
            })
        })
    }
}
