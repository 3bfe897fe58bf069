//! `compute_kpis_ndjson`: DORA and ITIL KPIs of an NDJSON history.

use crate::api::read::NdjsonText;
use crate::{KpiOptions, KpiReport, Policy};

operation! {
    /// DORA and ITIL release KPIs of a history given as NDJSON text: one
    /// record per line (`{"deployment": …}`, `{"incident": …}` or
    /// `{"release": …}`), blank lines skipped, CRLF accepted. The report
    /// is that of `compute_kpis` over the same records; errors name the
    /// line (path `line 12: deployment.finished_at`, field `line`). The
    /// read-time limits apply to each record, not to the whole text.
    name: compute_kpis_ndjson,
    position: 27,
    summary: "DORA and ITIL release KPIs of a history given as NDJSON text",
    params ComputeKpisNdjsonParams {
        /// The history as NDJSON text, one record per line.
        text: req NdjsonText as Lines,
        /// Call options (override the policy's `kpi` section).
        options: opt KpiOptions as Val,
        /// The policy whose `kpi` section applies.
        policy: opt Policy as Doc,
    }
    result: KpiReport,
    run(p) {
        let policy = p.policy.unwrap_or_default();
        crate::ndjson::compute_kpis_ndjson(
            &p.text.text,
            &policy.kpi,
            &p.options.unwrap_or_default(),
            &p.text.limits,
        )
    }
}

/// The streaming form of `compute_kpis_ndjson` for the bindings: a reader
/// ([`crate::ndjson::NdjsonHistory`]) set up from the operation's
/// `options` and `policy` (`params`, an object without `text`), read as
/// the operation reads them (same errors and paths), each record to be
/// read under the default limits. The binding feeds it lines and finishes
/// it: the report is the one `compute_kpis_ndjson` gives on the same text.
pub fn reader(params: serde_json::Value) -> crate::Result<crate::ndjson::NdjsonHistory> {
    crate::ndjson::NdjsonHistory::new(settings(params)?, crate::limits::Limits::DEFAULT)
}

/// The KPI settings of the operation's `options` and `policy` (`params`,
/// an object without `text`), read as the operation reads them (same
/// errors and paths): what [`reader`] starts from, for a binding that
/// feeds records another way (the Python binding's Arrow tables).
pub fn settings(params: serde_json::Value) -> crate::Result<crate::KpiSettings> {
    let limits = crate::limits::Limits::DEFAULT;
    let mut map = crate::api::prepare(&OPERATION_WITHOUT_TEXT, params)?;
    let options = crate::api::read::optional::<Val, KpiOptions>(&mut map, "options", &limits)?;
    let policy = crate::api::read::optional::<Doc, Policy>(&mut map, "policy", &limits)?;
    let policy = policy.unwrap_or_default();
    crate::KpiSettings::resolve(&policy.kpi, &options.unwrap_or_default())
}

/// The operation without its `text`, for [`reader`]'s parameters.
const OPERATION_WITHOUT_TEXT: crate::api::Operation = crate::api::Operation {
    name: "compute_kpis_ndjson",
    params: match OPERATION.params {
        [_, rest @ ..] => rest,
        [] => &[],
    },
    summary: "",
};
