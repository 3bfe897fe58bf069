//! `RiskAssessor`: `assess_risk` and `assess_risk_many` with their context
//! prepared once ([`relman::operation::risk_assessor`]). Only converts:
//! parameters are read as those operations read them, errors map as
//! theirs do.

use crate::{guard, parse_text, Params, Release, RelmanError, RiskAssessment, RiskBatch};
use relman::operation::risk_assessor::PreparedRisk;
use serde_json::{Map, Value};

/// Risk with its context prepared once: build it from the JSON text of the
/// context document, then `assess(release)` or `assess_many(releases)` as
/// often as needed, from any thread. Returns what `assess_risk` /
/// `assess_risk_many` return with that context; the policy check, the CMDB
/// graph and the history index are built once (docs/risk.md).
#[derive(uniffi::Object)]
pub struct RiskAssessor {
    inner: PreparedRisk,
}

#[uniffi::export]
impl RiskAssessor {
    /// Prepares the context (JSON text of a `Context`; absent: the
    /// defaults).
    #[uniffi::constructor(default(context = None))]
    pub fn new(context: Option<String>) -> Result<Self, RelmanError> {
        guard(|| {
            let mut map = Map::new();
            if let Some(text) = context.as_deref() {
                map.insert("context".to_string(), parse_text("context", text)?);
            }
            Ok(RiskAssessor {
                inner: PreparedRisk::new(Value::Object(map))?,
            })
        })
    }

    /// The risk assessment of `release` (what `assess_risk` returns with
    /// this context).
    pub fn assess(&self, release: Release) -> Result<RiskAssessment, RelmanError> {
        guard(|| {
            let params = Params::default().typed("release", Some(&release))?;
            let result = self.inner.assess(Value::Object(params.0))?;
            crate::typed_result("assess_risk", result)
        })
    }

    /// The batch of `releases` (a list of JSON texts, each of a `Release`):
    /// what `assess_risk_many` returns with this context.
    pub fn assess_many(&self, releases: Vec<String>) -> Result<RiskBatch, RelmanError> {
        guard(|| {
            let params = Params::default().texts("releases", Some(&releases))?;
            let result = self.inner.assess_many(Value::Object(params.0))?;
            crate::typed_result("assess_risk_many", result)
        })
    }

    /// `assess` on JSON text (`{"release": …}`), returning the
    /// assessment's JSON text.
    pub fn assess_json(&self, params: String) -> Result<String, RelmanError> {
        guard(|| Ok(self.inner.assess_json(&params)?))
    }

    /// `assess_many` on JSON text (`{"releases": […]}`), returning the
    /// batch's JSON text.
    pub fn assess_many_json(&self, params: String) -> Result<String, RelmanError> {
        guard(|| Ok(self.inner.assess_many_json(&params)?))
    }
}
