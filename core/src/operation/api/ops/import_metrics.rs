//! `import_metrics`: Prometheus or Datadog responses as judge and rollout
//! samples.

use crate::rollout::{ImportOptions, MetricFormat, MetricImport, Selector};
use crate::Timestamp;
use serde_json::Value;
use std::collections::BTreeMap;

operation! {
    /// Turns one Prometheus `query_range` or Datadog v1 `query` response
    /// per metric into baseline and canary samples (`judge_canary`'s
    /// `baseline` and `canary`, an observation's `metrics` and `errors`):
    /// series picked by label or tag selectors, NaN dropped, stale or
    /// missing series `no_data` with the metric named.
    name: import_metrics,
    position: 25,
    summary: "Prometheus or Datadog query responses as baseline and canary samples",
    params ImportMetricsParams {
        /// `prometheus` or `datadog`.
        format: req MetricFormat as Val,
        /// One response per metric: metric name → the provider's JSON
        /// response, as fetched.
        responses: req BTreeMap<String, Value> as Val,
        /// Labels (Prometheus) or `key:value` tags (Datadog) of the
        /// baseline's series: `{"track": "baseline"}`.
        baseline: req Selector as Val,
        /// Labels or tags of the canary's series: `{"track": "canary"}`.
        canary: req Selector as Val,
        /// The time the series are aged against.
        now: req Timestamp as Val,
        /// A series whose latest point is more than this many seconds
        /// before `now` is stale and left out (default: no bound).
        max_age_secs: opt u64 as Val,
    }
    result: MetricImport,
    run(p) {
        crate::rollout::import_metrics(
            p.format,
            &p.responses,
            &ImportOptions {
                baseline: p.baseline,
                canary: p.canary,
                now: p.now,
                max_age_secs: p.max_age_secs,
            },
        )
    }
}
