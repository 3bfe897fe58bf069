//! `PreparedContext`: `check` with its context (and keys) prepared once
//! ([`relman::operation::prepared_context`]). Only converts: parameters
//! are read as `check` reads them, errors map as `check`'s do.

use crate::{guard, parse_text, GateReport, Params, Release, ReleaseState, RelmanError};
use relman::operation::prepared_context::PreparedCheck;
use serde_json::{Map, Value};

/// `check` with its context prepared once: build it from the JSON text of
/// the context document (and of the host's keyring), then `check(release,
/// target)` as often as needed, from any thread. Returns what `check`
/// returns with that context and keys; the log verification of a release
/// already checked is cached by content (docs/lifecycle.md, "A prepared
/// context").
#[derive(uniffi::Object)]
pub struct PreparedContext {
    inner: PreparedCheck,
}

#[uniffi::export]
impl PreparedContext {
    /// Prepares the context (JSON text of a `Context`) and the keyring
    /// (JSON text of a `KeyringSpec`); either may be absent.
    #[uniffi::constructor(default(context = None, keys = None))]
    pub fn new(context: Option<String>, keys: Option<String>) -> Result<Self, RelmanError> {
        guard(|| {
            let mut map = Map::new();
            if let Some(text) = context.as_deref() {
                map.insert("context".to_string(), parse_text("context", text)?);
            }
            if let Some(text) = keys.as_deref() {
                map.insert("keys".to_string(), parse_text("keys", text)?);
            }
            Ok(PreparedContext {
                inner: PreparedCheck::new(Value::Object(map))?,
            })
        })
    }

    /// The gate report of moving `release` to `target`.
    pub fn check(&self, release: Release, target: ReleaseState) -> Result<GateReport, RelmanError> {
        guard(|| {
            let params = Params::default()
                .typed("release", Some(&release))?
                .typed("target", Some(&target))?;
            let result = self.inner.check(Value::Object(params.0))?;
            crate::typed_result("check", result)
        })
    }

    /// `check` on JSON text (`{"release": …, "target": …}`), returning the
    /// gate report's JSON text.
    pub fn check_json(&self, params: String) -> Result<String, RelmanError> {
        guard(|| Ok(self.inner.check_json(&params)?))
    }

    /// How many verified releases are cached.
    pub fn cached(&self) -> u64 {
        u64::try_from(self.inner.prepared().cached()).unwrap_or(u64::MAX)
    }
}
