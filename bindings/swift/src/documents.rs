//! Documents a host holds and checks again and again, as UniFFI objects
//! that keep the core value read once (issue #30, item 5): a
//! [`ReleaseDocument`] and a [`ContextDocument`], built from JSON text or
//! from the record, read back as the record or as JSON on demand, and
//! taken by [`check_document`] and [`assess_risk_document`]. A typed call
//! (`check(release:target:context:)`) lowers the whole release and context
//! records across the FFI and reads them again on every call; these take
//! a handle.
//!
//! Only converts: a document is read as the operations read their
//! `release` and `context` parameters (same limits, errors and paths), and
//! the functions run what `check` and `assess_risk` run on them, so they
//! return the same report or the same error.

use crate::{
    guard, parse_text, Context, GateReport, Release, ReleaseState, RelmanError, RiskAssessment,
};
use relman::api::read::{self, Doc, Keys};
use relman::keys::Keyring;
use relman::limits::Limits;
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// `value` read as the operations read their document parameter `name`.
fn read_document<T: relman::Document>(name: &str, value: Value) -> Result<T, RelmanError> {
    let mut map = Map::new();
    map.insert(name.to_string(), value);
    Ok(read::required::<Doc, T>(&mut map, name, &Limits::DEFAULT)?)
}

/// A record as the JSON value a typed call would send for it.
fn record_value<T: Serialize>(name: &str, record: &T) -> Result<Value, RelmanError> {
    serde_json::to_value(record)
        .map_err(|e| RelmanError::internal(format!("cannot write parameter `{name}`: {e}")))
}

/// A release read once: build it from JSON text or from a `Release`
/// record, then hand it to [`check_document`] and [`assess_risk_document`]
/// as often as needed, from any thread. It is immutable: a changed release
/// is a new document.
#[derive(uniffi::Object)]
pub struct ReleaseDocument {
    release: Release,
}

#[uniffi::export]
impl ReleaseDocument {
    /// Reads the JSON text of a release as the operations read their
    /// `release` parameter (`InvalidInput` with the path of the first
    /// problem).
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Self, RelmanError> {
        guard(|| {
            let release = read_document("release", parse_text("release", &json)?)?;
            Ok(ReleaseDocument { release })
        })
    }

    /// Reads a `Release` record as a typed call reads it.
    #[uniffi::constructor]
    pub fn from_record(record: Release) -> Result<Self, RelmanError> {
        guard(|| {
            let release = read_document("release", record_value("release", &record)?)?;
            Ok(ReleaseDocument { release })
        })
    }

    /// The release as a record.
    pub fn record(&self) -> Release {
        self.release.clone()
    }

    /// The release as relman's JSON text.
    pub fn to_json(&self) -> String {
        crate::json::to_text(&self.release)
    }
}

/// A context read once (actors, policy, CMDB, calendar, schedule, history,
/// now): build it from JSON text or from a `Context` record, then hand it
/// to [`check_document`] and [`assess_risk_document`].
#[derive(uniffi::Object)]
pub struct ContextDocument {
    context: Context,
}

#[uniffi::export]
impl ContextDocument {
    /// Reads the JSON text of a context as the operations read their
    /// `context` parameter.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Self, RelmanError> {
        guard(|| {
            let context = read_document("context", parse_text("context", &json)?)?;
            Ok(ContextDocument { context })
        })
    }

    /// Reads a `Context` record as a typed call reads it.
    #[uniffi::constructor]
    pub fn from_record(record: Context) -> Result<Self, RelmanError> {
        guard(|| {
            let context = read_document("context", record_value("context", &record)?)?;
            Ok(ContextDocument { context })
        })
    }

    /// The context as a record.
    pub fn record(&self) -> Context {
        self.context.clone()
    }

    /// The context as relman's JSON text.
    pub fn to_json(&self) -> String {
        crate::json::to_text(&self.context)
    }
}

/// The context a call runs with: the document's, or the empty context.
fn context_of(context: Option<&Arc<ContextDocument>>) -> std::borrow::Cow<'_, Context> {
    match context {
        Some(document) => std::borrow::Cow::Borrowed(&document.context),
        None => std::borrow::Cow::Owned(Context::default()),
    }
}

/// `check` on documents read once: the gate report of moving `release` to
/// `target`, with `context` and the host's keyring (JSON text of a
/// `KeyringSpec`), exactly as `check(release:target:context:keys:)`
/// returns it.
#[uniffi::export(default(context = None, keys = None))]
pub fn check_document(
    release: Arc<ReleaseDocument>,
    target: ReleaseState,
    context: Option<Arc<ContextDocument>>,
    keys: Option<String>,
) -> Result<GateReport, RelmanError> {
    guard(|| {
        let keys: Option<Keyring> = match keys.as_deref() {
            Some(text) => {
                let mut map = Map::new();
                map.insert("keys".to_string(), parse_text("keys", text)?);
                read::optional::<Keys, Keyring>(&mut map, "keys", &Limits::DEFAULT)?
            }
            None => None,
        };
        let context = context_of(context.as_ref());
        Ok(relman::lifecycle::check_versioned(
            &release.release,
            target,
            &context,
            keys.as_ref(),
        )?)
    })
}

/// `assess_risk` on documents read once: `release`'s risk with `context`,
/// exactly as `assess_risk(release:context:)` returns it.
#[uniffi::export(default(context = None))]
pub fn assess_risk_document(
    release: Arc<ReleaseDocument>,
    context: Option<Arc<ContextDocument>>,
) -> Result<RiskAssessment, RelmanError> {
    guard(|| {
        let context = context_of(context.as_ref());
        Ok(relman::assess_risk(&release.release, &context)?)
    })
}
