//! Metric inputs (`import_metrics`): the Prometheus and Datadog fixtures
//! (tests/fixtures/metrics, written from the providers' documented response
//! shapes by generate.py) fed through the adapter to `judge_canary` to a
//! verdict; no data, stale series, NaN and provider errors; every bad input
//! with its code and path; no panic on any JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::rollout::{
    import_metrics, judge_canary, CanaryVerdict, Classification, ImportOptions, JudgeConfig,
    MetricFormat, MetricImport, MetricStatus, SideStatus,
};
use relman::{ErrorCode, Timestamp};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const NOW: &str = "2026-12-01T10:30:00Z";

fn fixture(path: &str) -> Value {
    let full = format!(
        "{}/tests/fixtures/metrics/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(full).unwrap()).unwrap()
}

fn options(max_age: Option<u64>) -> ImportOptions {
    ImportOptions {
        baseline: BTreeMap::from([("track".to_string(), "baseline".to_string())]),
        canary: BTreeMap::from([("track".to_string(), "canary".to_string())]),
        now: NOW.parse::<Timestamp>().unwrap(),
        max_age_secs: max_age,
    }
}

fn import(format: MetricFormat, files: &[(&str, &str)], max_age: Option<u64>) -> MetricImport {
    let responses: BTreeMap<String, Value> = files
        .iter()
        .map(|(name, path)| (name.to_string(), fixture(path)))
        .collect();
    import_metrics(format, &responses, &options(max_age)).unwrap()
}

fn judge(imported: &MetricImport) -> relman::rollout::CanaryJudgement {
    let config: JudgeConfig = serde_json::from_value(json!({"metrics": [
        {"name": "latency", "direction": "increase"},
        {"name": "errors", "direction": "increase", "critical": true}
    ]}))
    .unwrap();
    let mut b = imported.baseline.clone();
    let mut c = imported.canary.clone();
    for set in [&mut b, &mut c] {
        for name in ["latency", "errors"] {
            set.0.entry(name.to_string()).or_default();
        }
    }
    judge_canary(&b, &c, &config).unwrap()
}

#[test]
fn prometheus_healthy_canary_passes() {
    let got = import(
        MetricFormat::Prometheus,
        &[
            ("latency", "prometheus/latency_pass.json"),
            ("errors", "prometheus/errors_pass.json"),
        ],
        Some(300),
    );
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);
    let lat = &got.metrics[1];
    assert_eq!(
        (lat.name.as_str(), lat.status),
        ("latency", MetricStatus::Ok)
    );
    // Two baseline pods: 60 + 60 points, 2 gaps, 2 NaN and one +Inf.
    assert_eq!(lat.baseline.series, 2);
    assert_eq!(lat.baseline.dropped, 3);
    assert_eq!(lat.baseline.samples, 58 + 60 - 3);
    assert_eq!(lat.canary.samples, 59 + 60 - 1);
    assert_eq!(
        lat.canary
            .latest
            .as_ref()
            .map(Timestamp::to_string)
            .as_deref(),
        Some("2026-12-01T10:29:30Z")
    );
    assert!(got.baseline.0["latency"].iter().all(|x| x.is_finite()));
    let j = judge(&got);
    assert_eq!(j.verdict, CanaryVerdict::Pass, "{:?}", j.reasons);
}

#[test]
fn prometheus_slower_canary_fails() {
    let got = import(
        MetricFormat::Prometheus,
        &[
            ("latency", "prometheus/latency_fail.json"),
            ("errors", "prometheus/errors_pass.json"),
        ],
        Some(300),
    );
    let j = judge(&got);
    assert_eq!(j.verdict, CanaryVerdict::Fail, "{:?}", j.reasons);
    assert_eq!(j.metrics[0].classification, Classification::High);
}

#[test]
fn prometheus_error_rate_breach_fails_on_the_critical_metric() {
    let got = import(
        MetricFormat::Prometheus,
        &[
            ("latency", "prometheus/latency_pass.json"),
            ("errors", "prometheus/errors_fail.json"),
        ],
        None,
    );
    let j = judge(&got);
    assert_eq!(j.verdict, CanaryVerdict::Fail, "{:?}", j.reasons);
    assert!(j
        .reasons
        .iter()
        .any(|r| r.contains("critical metric failed: errors")));
}

#[test]
fn prometheus_stale_canary_is_no_data_with_the_metric_named() {
    let got = import(
        MetricFormat::Prometheus,
        &[("latency", "prometheus/stale_canary.json")],
        Some(300),
    );
    let m = &got.metrics[0];
    assert_eq!(m.status, MetricStatus::NoData);
    assert_eq!(m.canary.status, SideStatus::Stale);
    assert_eq!(m.canary.stale_series, 1);
    // The all-NaN baseline pod stopped at 10:04:30: stale and left out;
    // the other baseline pod is fresh.
    assert_eq!(m.baseline.status, SideStatus::Ok);
    assert!(got.canary.0["latency"].is_empty());
    let w: Vec<(&str, &str)> = got
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.path.as_str()))
        .collect();
    assert!(
        w.contains(&("stale_series", "responses.latency.data.result[2]")),
        "{w:?}"
    );
    let no_data = got.warnings.iter().find(|w| w.code == "no_data").unwrap();
    assert_eq!(no_data.path, "responses.latency");
    assert!(
        no_data.message.contains("metric `latency`"),
        "{}",
        no_data.message
    );
    assert!(
        no_data.message.contains("no canary data"),
        "{}",
        no_data.message
    );
    // Without a bound the same series count.
    let fresh = import(
        MetricFormat::Prometheus,
        &[("latency", "prometheus/stale_canary.json")],
        None,
    );
    assert_eq!(fresh.metrics[0].status, MetricStatus::Ok);
    // The judge sees no data for the metric.
    let j = judge_canary(&got.baseline, &got.canary, &JudgeConfig::default()).unwrap();
    assert_eq!(j.metrics[0].classification, Classification::Nodata);
}

#[test]
fn prometheus_error_response_is_a_failed_metric_not_an_error() {
    let got = import(
        MetricFormat::Prometheus,
        &[
            ("errors", "prometheus/error_response.json"),
            ("latency", "prometheus/latency_pass.json"),
        ],
        None,
    );
    assert_eq!(got.errors, vec!["errors".to_string()]);
    let m = &got.metrics[0];
    assert_eq!(m.status, MetricStatus::Error);
    assert!(m
        .error
        .as_deref()
        .unwrap()
        .starts_with("bad_data: invalid parameter"));
    assert_eq!(got.warnings[0].code, "provider_error");
    assert!(got.canary.0["errors"].is_empty());
}

#[test]
fn prometheus_missing_series_is_no_data() {
    let mut opts = options(None);
    opts.canary = BTreeMap::from([("track".to_string(), "canary-v2".to_string())]);
    let responses =
        BTreeMap::from([("errors".to_string(), fixture("prometheus/errors_pass.json"))]);
    let got = import_metrics(MetricFormat::Prometheus, &responses, &opts).unwrap();
    assert_eq!(got.metrics[0].canary.status, SideStatus::Missing);
    assert_eq!(got.metrics[0].status, MetricStatus::NoData);
    assert!(got.warnings[0].message.contains("no series matches"));
    assert!(got.warnings[0].message.contains("{track=canary-v2}"));
}

#[test]
fn prometheus_instant_vector_is_read_and_scalar_refused() {
    let vector = json!({"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"track": "baseline"}, "value": [1796120990.5, "0.2"]},
        {"metric": {"track": "canary"}, "value": [1796120990.5, "+Inf"]}
    ]}});
    let got = import_metrics(
        MetricFormat::Prometheus,
        &BTreeMap::from([("x".to_string(), vector)]),
        &options(Some(60)),
    )
    .unwrap();
    assert_eq!(got.baseline.0["x"], vec![0.2]);
    assert_eq!(got.metrics[0].canary.status, SideStatus::NotFinite);
    assert_eq!(got.metrics[0].canary.dropped, 1);
    assert_eq!(
        got.metrics[0].baseline.latest.as_ref().unwrap().to_string(),
        "2026-12-01T10:29:50.500Z"
    );
}

#[test]
fn prometheus_provider_warnings_are_kept() {
    let mut doc = fixture("prometheus/errors_pass.json");
    doc["warnings"] = json!(["PromQL info: metric might not be a counter"]);
    let got = import_metrics(
        MetricFormat::Prometheus,
        &BTreeMap::from([("errors".to_string(), doc)]),
        &options(None),
    )
    .unwrap();
    assert_eq!(got.warnings[0].code, "provider_warning");
    assert!(got.warnings[0].message.contains("might not be a counter"));
}

#[test]
fn datadog_healthy_canary_passes() {
    let got = import(
        MetricFormat::Datadog,
        &[("latency", "datadog/latency_pass.json")],
        Some(300),
    );
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);
    let m = &got.metrics[0];
    assert_eq!(m.canary.series, 2);
    // null points are gaps, not dropped values.
    assert_eq!((m.baseline.samples, m.baseline.dropped), (58, 0));
    assert_eq!(m.canary.samples, 119);
    let j = judge_canary(&got.baseline, &got.canary, &JudgeConfig::default()).unwrap();
    assert_eq!(j.verdict, CanaryVerdict::Pass, "{:?}", j.reasons);
}

#[test]
fn datadog_slower_canary_fails() {
    let got = import(
        MetricFormat::Datadog,
        &[("latency", "datadog/latency_fail.json")],
        Some(300),
    );
    let j = judge(&got);
    assert_eq!(j.verdict, CanaryVerdict::Fail, "{:?}", j.reasons);
    assert_eq!(j.metrics[0].classification, Classification::High);
}

#[test]
fn datadog_stale_and_empty_canaries_are_no_data() {
    let got = import(
        MetricFormat::Datadog,
        &[
            ("errors", "datadog/errors_stale_canary.json"),
            ("latency", "datadog/errors_no_canary_points.json"),
        ],
        Some(300),
    );
    assert_eq!(got.metrics[0].canary.status, SideStatus::Stale);
    assert_eq!(
        got.metrics[0].canary.latest.as_ref().unwrap().to_string(),
        "2026-12-01T10:04:30Z"
    );
    // Only null points: no latest point, so not stale, and nothing finite.
    assert_eq!(got.metrics[1].canary.status, SideStatus::NotFinite);
    let named: Vec<&str> = got
        .warnings
        .iter()
        .filter(|w| w.code == "no_data")
        .map(|w| w.path.as_str())
        .collect();
    assert_eq!(named, vec!["responses.errors", "responses.latency"]);
    // Judged: a critical metric without data is at best marginal.
    let j = judge(&got);
    assert_eq!(j.metrics[1].classification, Classification::Nodata);
}

#[test]
fn datadog_tags_come_from_scope_too() {
    let doc = json!({"status": "ok", "series": [
        {"scope": "track:baseline,env:prod", "pointlist": [[1796120970000.0, 1.0]]},
        {"scope": "track:canary", "tag_set": [], "pointlist": [[1796120970000.0, 2.0], [1796120980000.0, null]]}
    ]});
    let got = import_metrics(
        MetricFormat::Datadog,
        &BTreeMap::from([("m".to_string(), doc)]),
        &options(Some(60)),
    )
    .unwrap();
    assert_eq!(
        (got.baseline.0["m"].clone(), got.canary.0["m"].clone()),
        (vec![1.0], vec![2.0])
    );
}

#[test]
fn datadog_error_bodies_are_failed_metrics() {
    for doc in [
        fixture("datadog/error_response.json"),
        json!({"errors": ["Forbidden"]}),
    ] {
        let got = import_metrics(
            MetricFormat::Datadog,
            &BTreeMap::from([("errors".to_string(), doc)]),
            &options(None),
        )
        .unwrap();
        assert_eq!(got.errors, vec!["errors".to_string()]);
        assert_eq!(got.metrics[0].status, MetricStatus::Error);
    }
}

fn bad(format: MetricFormat, response: Value) -> (ErrorCode, String) {
    let e = import_metrics(
        format,
        &BTreeMap::from([("lat".to_string(), response)]),
        &options(Some(60)),
    )
    .unwrap_err();
    (e.code(), e.path().unwrap_or("").to_string())
}

fn prom_with(values: Value) -> Value {
    json!({"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"track": "baseline"}, "values": [[1796120970, "1"]]},
        {"metric": {"track": "canary"}, "values": values}
    ]}})
}

#[test]
fn prometheus_bad_input_names_the_path() {
    use MetricFormat::Prometheus as P;
    let cases: Vec<(Value, &str)> = vec![
        (json!([1]), "responses.lat"),
        (json!({"data": {}}), "responses.lat.status"),
        (json!({"status": "ok"}), "responses.lat.status"),
        (json!({"status": "success"}), "responses.lat.data"),
        (
            json!({"status": "success", "data": {"result": []}}),
            "responses.lat.data.resultType",
        ),
        (
            json!({"status": "success", "data": {"resultType": "scalar", "result": [1, "2"]}}),
            "responses.lat.data.resultType",
        ),
        (
            json!({"status": "success", "data": {"resultType": "matrix", "result": {}}}),
            "responses.lat.data.result",
        ),
        (
            json!({"status": "success", "data": {"resultType": "matrix", "result": [3]}}),
            "responses.lat.data.result[0]",
        ),
        (
            json!({"status": "success", "data": {"resultType": "matrix", "result": [{"values": []}]}}),
            "responses.lat.data.result[0].metric",
        ),
        (
            json!({"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {"track": 1}, "values": []}]}}),
            "responses.lat.data.result[0].metric.track",
        ),
        (
            json!({"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}}]}}),
            "responses.lat.data.result[0].values",
        ),
        (
            json!({"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}}]}}),
            "responses.lat.data.result[0].value",
        ),
        (
            json!({"status": "success", "warnings": "x", "data": {"resultType": "matrix", "result": []}}),
            "responses.lat.warnings",
        ),
        (
            prom_with(json!("no")),
            "responses.lat.data.result[1].values",
        ),
        (
            prom_with(json!([[1796120970]])),
            "responses.lat.data.result[1].values[0]",
        ),
        (
            prom_with(json!([[1796120970, "1"], ["t", "1"]])),
            "responses.lat.data.result[1].values[1][0]",
        ),
        (
            prom_with(json!([[-5, "1"]])),
            "responses.lat.data.result[1].values[0][0]",
        ),
        (
            prom_with(json!([[1e300, "1"]])),
            "responses.lat.data.result[1].values[0][0]",
        ),
        (
            prom_with(json!([
                [1, "1"],
                [2, "1"],
                [3, "1"],
                [4, "1"],
                [5, "1"],
                [6, "fast"]
            ])),
            "responses.lat.data.result[1].values[5][1]",
        ),
        (
            prom_with(json!([[1, 0.5]])),
            "responses.lat.data.result[1].values[0][1]",
        ),
        (
            prom_with(json!([[1, "0x10"]])),
            "responses.lat.data.result[1].values[0][1]",
        ),
        (
            prom_with(json!([[1, "infinity"]])),
            "responses.lat.data.result[1].values[0][1]",
        ),
    ];
    for (doc, path) in cases {
        assert_eq!(
            bad(P, doc.clone()),
            (ErrorCode::InvalidInput, path.to_string()),
            "{doc}"
        );
    }
    // The message of the brief's example.
    let e = import_metrics(
        P,
        &BTreeMap::from([("lat".to_string(), prom_with(json!([[1, "fast"]])))]),
        &options(None),
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a number string"), "{e}");
}

#[test]
fn datadog_bad_input_names_the_path() {
    use MetricFormat::Datadog as D;
    let s = |series: Value| json!({"status": "ok", "series": [series]});
    let cases: Vec<(Value, &str)> = vec![
        (json!("x"), "responses.lat"),
        (json!({"series": []}), "responses.lat.status"),
        (
            json!({"status": "success", "series": []}),
            "responses.lat.status",
        ),
        (json!({"status": "ok"}), "responses.lat.series"),
        (
            json!({"status": "ok", "series": [1]}),
            "responses.lat.series[0]",
        ),
        (
            s(json!({"tag_set": "track:canary", "pointlist": []})),
            "responses.lat.series[0].tag_set",
        ),
        (
            s(json!({"tag_set": [7], "pointlist": []})),
            "responses.lat.series[0].tag_set[0]",
        ),
        (
            s(json!({"scope": 1, "pointlist": []})),
            "responses.lat.series[0].scope",
        ),
        (
            s(json!({"scope": "track:canary"})),
            "responses.lat.series[0].pointlist",
        ),
        (
            s(json!({"pointlist": {}})),
            "responses.lat.series[0].pointlist",
        ),
        (
            s(json!({"pointlist": [[1.0, 2.0, 3.0]]})),
            "responses.lat.series[0].pointlist[0]",
        ),
        (
            s(json!({"pointlist": [["1", 2.0]]})),
            "responses.lat.series[0].pointlist[0][0]",
        ),
        (
            s(json!({"pointlist": [[1.0, "2"]]})),
            "responses.lat.series[0].pointlist[0][1]",
        ),
    ];
    for (doc, path) in cases {
        assert_eq!(
            bad(D, doc.clone()),
            (ErrorCode::InvalidInput, path.to_string()),
            "{doc}"
        );
    }
}

#[test]
fn bad_selectors_and_overlaps_are_refused() {
    let responses =
        BTreeMap::from([("errors".to_string(), fixture("prometheus/errors_pass.json"))]);
    let mut o = options(None);
    o.baseline.clear();
    let e = import_metrics(MetricFormat::Prometheus, &responses, &o).unwrap_err();
    assert_eq!(
        (e.code(), e.path()),
        (ErrorCode::InvalidInput, Some("baseline"))
    );
    let mut o = options(None);
    o.canary = o.baseline.clone();
    let e = import_metrics(MetricFormat::Prometheus, &responses, &o).unwrap_err();
    assert_eq!(
        (e.code(), e.path()),
        (ErrorCode::InvalidInput, Some("canary"))
    );
    // Selectors on different labels that both match one series.
    let doc = json!({"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"track": "canary", "app": "checkout"}, "values": [[1, "1"]]}
    ]}});
    let mut o = options(None);
    o.baseline = BTreeMap::from([("app".to_string(), "checkout".to_string())]);
    let e = import_metrics(
        MetricFormat::Prometheus,
        &BTreeMap::from([("m".to_string(), doc)]),
        &o,
    )
    .unwrap_err();
    assert_eq!(
        (e.code(), e.path()),
        (ErrorCode::InvalidInput, Some("responses.m.data.result[0]"))
    );
    let e = import_metrics(
        MetricFormat::Prometheus,
        &BTreeMap::from([(" ".to_string(), json!({}))]),
        &options(None),
    )
    .unwrap_err();
    assert_eq!(e.path(), Some("responses. "));
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1e13f64..1e13).prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "success",
            "error",
            "ok",
            "matrix",
            "vector",
            "NaN",
            "+Inf",
            "1.5",
            "track:canary",
            "track:baseline",
            "canary",
            "baseline",
            "*",
            "x"
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "status",
                    "data",
                    "resultType",
                    "result",
                    "metric",
                    "values",
                    "value",
                    "track",
                    "series",
                    "tag_set",
                    "scope",
                    "pointlist",
                    "error",
                    "errors",
                    "warnings",
                    "histograms"
                ])
                .prop_map(str::to_string),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Any JSON, in either format: a result or an `invalid_input` with a
    /// path under `responses`, never a panic; kept samples are finite.
    #[test]
    fn any_response_is_read_or_refused_never_a_panic(doc in arb_json(), dd in any::<bool>()) {
        let format = if dd { MetricFormat::Datadog } else { MetricFormat::Prometheus };
        match import_metrics(format, &BTreeMap::from([("m".to_string(), doc)]), &options(Some(600))) {
            Ok(got) => {
                prop_assert!(got.baseline.0.values().chain(got.canary.0.values()).flatten().all(|x| x.is_finite()));
                prop_assert_eq!(got.metrics.len(), 1);
            }
            Err(e) => {
                prop_assert_eq!(e.code(), ErrorCode::InvalidInput);
                prop_assert!(e.path().unwrap_or("").starts_with("responses.m"));
            }
        }
    }
}
