//! `metrics_prometheus` and `metrics_datadog`: any bytes as one provider
//! response through `import_metrics`.

use relman::rollout::{import_metrics, ImportOptions, MetricFormat};
use relman::{ErrorCode, Timestamp};
use std::collections::BTreeMap;

/// The input's first byte picks the staleness bound (none, 60 s, 1 h); the
/// rest is the JSON text of the response. Checks: `import_metrics` never
/// panics; an error is `invalid_input` (errors as in [`crate::check_error`])
/// with a path under `responses.m`; a result has one metric, only finite
/// samples, counts that add up, every name of `errors` with status `error`,
/// and serialises to JSON that reads back as a value.
fn check(format: MetricFormat, data: &[u8]) {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let Ok(response) = serde_json::from_slice::<serde_json::Value>(text) else {
        return;
    };
    let options = ImportOptions {
        baseline: BTreeMap::from([("track".to_string(), "baseline".to_string())]),
        canary: BTreeMap::from([("track".to_string(), "canary".to_string())]),
        now: "2026-12-01T10:30:00Z".parse::<Timestamp>().unwrap(),
        max_age_secs: [None, Some(60), Some(3600)][usize::from(selector % 3)],
    };
    let responses = BTreeMap::from([("m".to_string(), response)]);
    match import_metrics(format, &responses, &options) {
        Ok(got) => {
            assert_eq!(got.metrics.len(), 1);
            let m = &got.metrics[0];
            for (side, report) in [(&got.baseline, &m.baseline), (&got.canary, &m.canary)] {
                let samples = &side.0["m"];
                assert!(samples.iter().all(|x| x.is_finite()), "{samples:?}");
                assert_eq!(samples.len(), report.samples);
                assert!(report.stale_series <= report.series);
            }
            assert_eq!(
                got.errors.is_empty(),
                m.status != relman::rollout::MetricStatus::Error
            );
            let json = serde_json::to_string(&got).unwrap();
            let _: serde_json::Value = serde_json::from_str(&json).unwrap();
        }
        Err(e) => {
            crate::check_error(&e);
            assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");
            let path = e.path().unwrap_or("");
            assert!(path.starts_with("responses.m"), "{path}");
        }
    }
}

/// `metrics_prometheus`: see [`check`].
pub fn check_metrics_prometheus(data: &[u8]) {
    check(MetricFormat::Prometheus, data);
}

/// `metrics_datadog`: see [`check`].
pub fn check_metrics_datadog(data: &[u8]) {
    check(MetricFormat::Datadog, data);
}
