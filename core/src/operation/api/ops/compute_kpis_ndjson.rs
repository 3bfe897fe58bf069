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
