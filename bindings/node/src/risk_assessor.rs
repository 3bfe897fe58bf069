//! `RiskAssessor`: `assessRisk` and `assessRiskMany` with their context
//! prepared once ([`relman::operation::risk_assessor`]). Only converts:
//! arguments are read as those functions read them, errors are the same JS
//! `Error`s.

use crate::{guarded, js_error, output, params};
use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;
use relman::operation::risk_assessor::PreparedRisk;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Risk with its context prepared once: `new RiskAssessor(context)`, then
/// `assess(release)` or `assessMany(releases)` as often as needed. Returns
/// what `assessRisk(release, context)` / `assessRiskMany(releases,
/// context)` return and throws what they throw; the policy check, the CMDB
/// graph and the history index are built once (docs/risk.md).
#[napi]
pub struct RiskAssessor {
    inner: PreparedRisk,
}

#[napi]
impl RiskAssessor {
    /// Prepares the context document.
    #[napi(constructor, ts_args_type = "context?: T.In<T.Context> | null")]
    pub fn new(env: Env, context: Option<Unknown<'_>>) -> napi::Result<Self> {
        let built = catch_unwind(AssertUnwindSafe(|| {
            PreparedRisk::new(params(&env, vec![("context", context)])?)
        }))
        .unwrap_or_else(|p| Err(relman::api::panic_error(p.as_ref())));
        match built {
            Ok(inner) => Ok(RiskAssessor { inner }),
            Err(e) => Err(js_error(&env, &e)),
        }
    }

    /// The risk assessment of `release` (what `assessRisk` returns with
    /// this context).
    #[napi(
        ts_args_type = "release: T.In<T.Release>",
        ts_return_type = "T.RiskAssessment"
    )]
    pub fn assess<'e>(
        &self,
        env: &'e Env,
        release: Option<Unknown<'e>>,
    ) -> napi::Result<Unknown<'e>> {
        guarded(env, || {
            let given = params(env, vec![("release", release)])?;
            output(env, &self.inner.assess(given)?)
        })
    }

    /// The batch of `releases` (what `assessRiskMany` returns with this
    /// context): one assessment or error per release.
    #[napi(
        ts_args_type = "releases: T.In<T.Release>[]",
        ts_return_type = "T.RiskBatch"
    )]
    pub fn assess_many<'e>(
        &self,
        env: &'e Env,
        releases: Option<Unknown<'e>>,
    ) -> napi::Result<Unknown<'e>> {
        guarded(env, || {
            let given = params(env, vec![("releases", releases)])?;
            output(env, &self.inner.assess_many(given)?)
        })
    }
}
