//! `PreparedContext`: `check` with its context (and keys) prepared once
//! ([`relman::operation::prepared_context`]). Only converts: arguments are
//! read as `check` reads them, errors are the same JS `Error`s.

use crate::{guarded, js_error, output, params};
use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;
use relman::operation::prepared_context::PreparedCheck;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// `check` with its context prepared once: `new PreparedContext(context,
/// keys)`, then `check(release, target)` as often as needed. Returns what
/// `check(release, target, context, keys)` returns and throws what it
/// throws; the log verification of a release already checked is cached
/// by content (docs/lifecycle.md, "A prepared context").
#[napi]
pub struct PreparedContext {
    inner: PreparedCheck,
}

#[napi]
impl PreparedContext {
    /// Prepares the context document (and the host's keyring).
    #[napi(
        constructor,
        ts_args_type = "context?: T.In<T.Context> | null, keys?: T.In<T.KeyringSpec> | null"
    )]
    pub fn new(
        env: Env,
        context: Option<Unknown<'_>>,
        keys: Option<Unknown<'_>>,
    ) -> napi::Result<Self> {
        let built = catch_unwind(AssertUnwindSafe(|| {
            PreparedCheck::new(params(&env, vec![("context", context), ("keys", keys)])?)
        }))
        .unwrap_or_else(|p| Err(relman::api::panic_error(p.as_ref())));
        match built {
            Ok(inner) => Ok(PreparedContext { inner }),
            Err(e) => Err(js_error(&env, &e)),
        }
    }

    /// The gate report of moving `release` to `target` (what `check`
    /// returns with this context and keys).
    #[napi(
        ts_args_type = "release: T.In<T.Release>, target: T.State",
        ts_return_type = "T.GateReport"
    )]
    pub fn check<'e>(
        &self,
        env: &'e Env,
        release: Unknown<'e>,
        target: Unknown<'e>,
    ) -> napi::Result<Unknown<'e>> {
        guarded(env, || {
            let given = params(
                env,
                vec![("release", Some(release)), ("target", Some(target))],
            )?;
            output(env, &self.inner.check(given)?)
        })
    }

    /// How many verified releases are cached.
    #[napi]
    pub fn cached(&self) -> u32 {
        u32::try_from(self.inner.prepared().cached()).unwrap_or(u32::MAX)
    }
}
