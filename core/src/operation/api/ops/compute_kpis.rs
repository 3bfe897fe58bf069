//! `compute_kpis`: DORA and ITIL KPIs.

use crate::{History, KpiOptions, KpiReport, Policy};

operation! {
    /// DORA and ITIL release KPIs of `history`, with series and groups.
    name: compute_kpis,
    position: 13,
    summary: "DORA and ITIL release KPIs of a history",
    params ComputeKpisParams {
        /// Past deployments, incidents and releases.
        history: req History as Doc,
        /// Call options (override the policy's `kpi` section).
        options: opt KpiOptions as Val,
        /// The policy whose `kpi` section applies.
        policy: opt Policy as Doc,
    }
    result: KpiReport,
    run(p) {
        let policy = p.policy.unwrap_or_default();
        crate::compute_kpis_with(&p.history, &policy.kpi, &p.options.unwrap_or_default())
    }
}
