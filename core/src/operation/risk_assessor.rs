//! The `assess_risk` and `assess_risk_many` operations with their context
//! prepared once, for the bindings' `RiskAssessor` objects (`docs/risk.md`,
//! "A prepared assessor in every binding").
//!
//! [`PreparedRisk::new`] reads the `context` parameter exactly as
//! [`crate::api::call`] reads it for `assess_risk` (same limits, errors and
//! paths) and prepares a [`RiskAssessor`]; [`PreparedRisk::assess`] reads
//! `release` as `call("assess_risk", …)` does and returns what it returns;
//! [`PreparedRisk::assess_many`] reads `releases` as
//! `call("assess_risk_many", …)` does and returns the same [`RiskBatch`](crate::api::RiskBatch)
//! (one bad release fills its slot with null and an error). A binding only
//! converts its values to and from [`Value`].

use super::prepared::{out, parameters, parse};
use crate::api::read::{self, Doc, DocList};
use crate::error::Result;
use crate::limits::Limits;
use crate::{Context, Release, RiskAssessor};
use serde_json::Value;

/// A context prepared once for `assess_risk` and `assess_risk_many`.
#[derive(Debug)]
pub struct PreparedRisk {
    assessor: RiskAssessor<'static>,
}

impl PreparedRisk {
    /// Prepares `assess_risk`'s `context` (an object with it or without
    /// it; null is "not given"), read as `call("assess_risk", …)` reads it.
    /// Errors: the context's, with the operation's codes and paths.
    pub fn new(params: Value) -> Result<Self> {
        let mut map = parameters(params, "assess_risk", &["context"], &[], "a risk assessor")?;
        let context: Option<Context> =
            read::optional::<Doc, Context>(&mut map, "context", &Limits::DEFAULT)?;
        Ok(PreparedRisk {
            assessor: RiskAssessor::from_context(context.unwrap_or_default())?,
        })
    }

    /// The prepared assessor.
    pub fn assessor(&self) -> &RiskAssessor<'static> {
        &self.assessor
    }

    /// `assess_risk` of `release` (an object `{"release": …}`), read as
    /// `call("assess_risk", …)` reads it: the same result, or the same
    /// error (the verdict written straight into the value, no rendered
    /// assessment in between).
    pub fn assess(&self, params: Value) -> Result<Value> {
        let release = self.release(params)?;
        out(&self.assessor.verdict(&release)?)
    }

    /// `assess_risk_many` of `releases` (an object `{"releases": […]}`),
    /// read as `call("assess_risk_many", …)` reads it: the same
    /// [`RiskBatch`](crate::api::RiskBatch), releases spread over every core (feature `parallel`).
    pub fn assess_many(&self, params: Value) -> Result<Value> {
        let releases = self.releases(params)?;
        out(&self.batch(&releases))
    }

    /// The `release` parameter of `assess`.
    fn release(&self, params: Value) -> Result<Release> {
        let mut map = parameters(
            params,
            "assess_risk",
            &["release"],
            &["release"],
            "a risk assessor's `assess`",
        )?;
        read::required::<Doc, Release>(&mut map, "release", &Limits::DEFAULT)
    }

    /// The `releases` parameter of `assess_many`.
    fn releases(&self, params: Value) -> Result<Vec<Result<Release>>> {
        let mut map = parameters(
            params,
            "assess_risk_many",
            &["releases"],
            &["releases"],
            "a risk assessor's `assess_many`",
        )?;
        read::required::<DocList, Vec<Result<Release>>>(&mut map, "releases", &Limits::DEFAULT)
    }

    /// The batch of `releases` as `assess_risk_batch` builds it, with the
    /// prepared assessor, as typed verdicts that serialise to the same
    /// JSON ([`RiskBatch`](crate::api::RiskBatch)'s).
    fn batch<'s>(&'s self, releases: &'s [Result<Release>]) -> crate::risk::VerdictBatch<'s> {
        crate::risk::verdicts_with(&self.assessor, releases)
    }

    /// [`assess`](Self::assess) on JSON text, returning JSON text (for the
    /// Swift binding's raw entry): the verdict written straight to text.
    pub fn assess_json(&self, params: &str) -> Result<String> {
        let release = self.release(parse(params)?)?;
        write(&self.assessor.verdict(&release)?)
    }

    /// [`assess_many`](Self::assess_many) on JSON text, returning JSON
    /// text (for the Swift binding's raw entry).
    pub fn assess_many_json(&self, params: &str) -> Result<String> {
        let releases = self.releases(parse(params)?)?;
        write(&self.batch(&releases))
    }
}

/// A result as JSON text, written straight from its `Serialize`.
fn write<T: serde::Serialize>(result: &T) -> Result<String> {
    serde_json::to_string(result)
        .map_err(|e| crate::error::Error::internal(format!("cannot write the result: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api;
    use serde_json::json;

    fn body<T>(r: Result<T>) -> Option<Value> {
        r.err().and_then(|e| serde_json::to_value(e.to_body()).ok())
    }

    #[test]
    fn results_and_errors_are_the_operations() {
        let release = json!({"id": "REL-1", "title": "x", "kind": "minor", "state": "planning"});
        let context = json!({"policy": {"risk": {"weights": {"emergency": 2}}}});
        let p = PreparedRisk::new(json!({"context": context})).unwrap_or_else(|e| panic!("{e}"));
        let want = api::call(
            "assess_risk",
            json!({"release": release, "context": context}),
        );
        let got = p.assess(json!({"release": release}));
        assert_eq!(got.ok(), want.ok());
        let releases = json!([release, {"id": 3}, release]);
        let want = api::call(
            "assess_risk_many",
            json!({"releases": releases, "context": context}),
        );
        let got = crate::foundation::parallel::with_threads(1, || {
            p.assess_many(json!({"releases": releases}))
        });
        assert!(got.is_ok());
        assert_eq!(got.ok(), want.ok());
        for bad in [json!({}), json!({"release": {"id": 3}}), json!(4)] {
            let mut params = bad.as_object().cloned().unwrap_or_default();
            params.insert("context".into(), context.clone());
            let call = api::call("assess_risk", Value::Object(params));
            if bad.is_object() {
                assert_eq!(body(p.assess(bad)), body(call));
            } else {
                assert!(p.assess(bad).is_err());
            }
        }
        let weights = json!({"policy": {"risk": {"weights": {"emergency": -1}}}});
        assert_eq!(
            body(PreparedRisk::new(json!({"context": weights}))),
            body(api::call(
                "assess_risk",
                json!({"release": release, "context": weights})
            ))
        );
        assert_eq!(
            body(PreparedRisk::new(json!({"context": {"actors": 3}}))),
            body(api::call(
                "assess_risk",
                json!({"release": release, "context": {"actors": 3}})
            ))
        );
    }
}
