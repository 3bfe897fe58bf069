//! The `check` operation with its context prepared once, for the bindings'
//! prepared-context objects (`docs/lifecycle.md`, "A prepared context").
//!
//! [`PreparedCheck::new`] reads the `context` and `keys` parameters of
//! `check` exactly as [`crate::api::call`] reads them (same limits, errors
//! and paths) and prepares a [`PreparedContext`]; [`PreparedCheck::check`]
//! reads `release` and `target` as `call` does and returns what
//! `call("check", …)` returns for the four together. A binding only
//! converts its values to and from [`Value`].

use super::prepared::{out, parameters, parse, text};
use crate::api::read::{self, Doc, Keys, Val};
use crate::error::Result;
use crate::keys::Keyring;
use crate::lifecycle::PreparedContext;
use crate::limits::Limits;
use crate::{Context, Release, State};
use serde_json::Value;

/// The parameters of `check` a prepared context takes at construction.
const PREPARED: [&str; 2] = ["context", "keys"];
/// The parameters of `check` each prepared `check` takes.
const PER_CALL: [&str; 2] = ["release", "target"];

/// The `check` operation with its context (and keys) prepared once.
#[derive(Debug)]
pub struct PreparedCheck {
    prepared: PreparedContext,
}

impl PreparedCheck {
    /// Prepares `check`'s `context` and `keys` (an object with either,
    /// both or neither; null is "not given"), read as `call("check", …)`
    /// reads them.
    pub fn new(params: Value) -> Result<Self> {
        let mut map = parameters(params, "check", &PREPARED, &[], "a prepared context")?;
        let context: Option<Context> =
            read::optional::<Doc, Context>(&mut map, "context", &Limits::DEFAULT)?;
        let keys: Option<Keyring> =
            read::optional::<Keys, Keyring>(&mut map, "keys", &Limits::DEFAULT)?;
        Ok(Self::of(PreparedContext::with_keys(
            context.unwrap_or_default(),
            keys,
        )))
    }

    /// A prepared check around an already prepared context.
    pub fn of(prepared: PreparedContext) -> Self {
        PreparedCheck { prepared }
    }

    /// The prepared context.
    pub fn prepared(&self) -> &PreparedContext {
        &self.prepared
    }

    /// `check` of `release` to `target` (an object with both), read as
    /// `call("check", …)` reads them: the same result, or the same error.
    pub fn check(&self, params: Value) -> Result<Value> {
        let mut map = parameters(
            params,
            "check",
            &PER_CALL,
            &PER_CALL,
            "a prepared context's `check`",
        )?;
        let release: Release =
            read::required::<Doc, Release>(&mut map, "release", &Limits::DEFAULT)?;
        let target: State = read::required::<Val, State>(&mut map, "target", &Limits::DEFAULT)?;
        let warnings = crate::versions::check_release(&release, self.prepared.context())?;
        let mut report = self.prepared.check(&release, target);
        report.warnings.extend(warnings);
        out(&report)
    }

    /// [`check`](Self::check) on JSON text, returning JSON text (for the
    /// Swift binding's raw entry).
    pub fn check_json(&self, params: &str) -> Result<String> {
        text(&self.check(parse(params)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api;
    use serde_json::json;

    #[test]
    fn errors_are_the_operations() {
        let p = PreparedCheck::new(Value::Null).unwrap_or_else(|e| panic!("{e}"));
        let params = json!({"release": {"id": "R"}, "target": "development"});
        let want = api::call("check", params.clone()).map_err(|e| e.to_body());
        let got = p.check(params).map_err(|e| e.to_body());
        assert_eq!(
            serde_json::to_value(got).ok(),
            serde_json::to_value(want).ok()
        );
        let err = p.check(json!({"release": {}})).map_err(|e| e.to_body());
        assert!(err.is_err());
        let release = json!({"id": "REL-1", "title": "x", "kind": "minor", "state": "planning"});
        let ok = p.check(json!({"release": release, "target": "development"}));
        assert!(ok.is_ok(), "{ok:?}");
        let bad = PreparedCheck::new(json!({"context": {"actors": 3}}));
        let call = api::call(
            "check",
            json!({"context": {"actors": 3}, "release": release, "target": "development"}),
        );
        assert_eq!(
            bad.map(|_| ()).map_err(|e| e.to_body()),
            call.map(|_| ()).map_err(|e| e.to_body())
        );
    }
}
