//! The canary judge: p-values against SciPy's reference values (stored
//! fixtures, see tests/fixtures/mannwhitney/generate.py), the
//! Hodges–Lehmann shift against the naive median of pairwise differences,
//! classification, score, the critical-errors rule, NaN and bad input.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::policy::RolloutPolicy;
use relman::rollout::stats::{hodges_lehmann, mann_whitney, sort, TestMethod};
use relman::rollout::{
    judge_canary, judge_canary_with_policy, BadDirection, CanaryVerdict, Classification,
    JudgeConfig, JudgedMetric, SampleSet,
};
use serde_json::{json, Value};

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/mannwhitney/pairs.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs())
}

#[test]
fn p_values_match_scipy_within_1e6_relative() {
    let doc = fixture();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let (mut exact, mut ties, mut large) = (0, 0, 0);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut x = floats(&case["x"]);
        let mut y = floats(&case["y"]);
        sort(&mut x);
        sort(&mut y);
        let t = mann_whitney(&x, &y);
        let method = match t.method {
            TestMethod::Exact => "exact",
            TestMethod::Asymptotic => "asymptotic",
        };
        assert_eq!(method, case["method"].as_str().unwrap(), "{name}: method");
        let want_u = case["u"].as_f64().unwrap();
        assert!(close(t.u, want_u, 1e-9), "{name}: U {} != {want_u}", t.u);
        let want_p = case["p_value"].as_f64().unwrap();
        assert!(
            close(t.p_value, want_p, 1e-6),
            "{name}: p {} != scipy {want_p} (rel {})",
            t.p_value,
            (t.p_value - want_p).abs() / want_p
        );
        exact += usize::from(t.method == TestMethod::Exact);
        ties += usize::from(t.ties);
        large += usize::from(x.len() >= 100);
    }
    assert!(
        exact >= 10 && ties >= 8 && large >= 6,
        "{exact} {ties} {large}"
    );
}

fn naive_differences(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut d: Vec<f64> = x
        .iter()
        .flat_map(|a| y.iter().map(move |b| *b - *a))
        .collect();
    d.sort_by(f64::total_cmp);
    d
}

fn naive_median(d: &[f64]) -> f64 {
    let n = d.len();
    if n % 2 == 1 {
        d[n / 2]
    } else {
        (d[n / 2 - 1] + d[n / 2]) / 2.0
    }
}

#[test]
fn hodges_lehmann_is_the_median_of_pairwise_differences_on_the_fixtures() {
    for case in fixture()["cases"].as_array().unwrap() {
        let mut x = floats(&case["x"]);
        let mut y = floats(&case["y"]);
        if x.len() * y.len() > 1_000_000 {
            continue;
        }
        sort(&mut x);
        sort(&mut y);
        let d = naive_differences(&x, &y);
        let s = hodges_lehmann(&x, &y, 0.95, false);
        assert_eq!(s.estimate, naive_median(&d), "{}", case["name"]);
        if let (Some(lo), Some(hi)) = (s.lower, s.upper) {
            let c = s.order as usize;
            assert_eq!(lo, d[c - 1]);
            assert_eq!(hi, d[d.len() - c]);
            assert!(lo <= s.estimate && s.estimate <= hi);
        }
    }
}

#[test]
fn moses_interval_of_a_small_exact_case() {
    // n = m = 8, alpha 0.05: the exact critical value is C = 14
    // (P(U ≤ 13) = 0.0249 ≤ 0.025 < P(U ≤ 14)); Hollander & Wolfe table A.6.
    let x: Vec<f64> = (1..=8).map(f64::from).collect();
    let y: Vec<f64> = (1..=8).map(|i| f64::from(i) + 0.5).collect();
    let s = hodges_lehmann(&x, &y, 0.95, true);
    assert_eq!(s.order, 14);
    let d = naive_differences(&x, &y);
    assert_eq!(s.lower, Some(d[13]));
    assert_eq!(s.upper, Some(d[64 - 14]));
    // Too small for 95%: 2 × 2 samples leave the interval unbounded.
    let s = hodges_lehmann(&[1.0, 2.0], &[3.0, 4.0], 0.95, true);
    assert_eq!((s.lower, s.upper), (None, None));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The fast selection equals sorting every pairwise difference, with
    /// ties, duplicates and negative values.
    #[test]
    fn hodges_lehmann_matches_the_naive_oracle(
        x in prop::collection::vec(-50i32..50, 1..120),
        y in prop::collection::vec(-50i32..50, 1..120),
        scale in prop::sample::select(vec![1.0f64, 0.1, 3.7]),
    ) {
        let mut x: Vec<f64> = x.into_iter().map(|v| f64::from(v) * scale).collect();
        let mut y: Vec<f64> = y.into_iter().map(|v| f64::from(v) * scale).collect();
        sort(&mut x);
        sort(&mut y);
        let d = naive_differences(&x, &y);
        let s = hodges_lehmann(&x, &y, 0.9, false);
        prop_assert_eq!(s.estimate, naive_median(&d));
        if let (Some(lo), Some(hi)) = (s.lower, s.upper) {
            let c = s.order as usize;
            prop_assert_eq!(lo, d[c - 1]);
            prop_assert_eq!(hi, d[d.len() - c]);
        }
    }

    /// The statistics never panic, whatever the sizes (empty included),
    /// and the exact switch is ignored beyond 8 per side.
    #[test]
    fn statistics_never_panic(
        x in prop::collection::vec(-5i32..5, 0..30),
        y in prop::collection::vec(-5i32..5, 0..30),
        confidence in 0.5f64..0.999,
        exact in any::<bool>(),
    ) {
        let mut x: Vec<f64> = x.into_iter().map(f64::from).collect();
        let mut y: Vec<f64> = y.into_iter().map(f64::from).collect();
        sort(&mut x);
        sort(&mut y);
        let t = mann_whitney(&x, &y);
        prop_assert!((0.0..=1.0).contains(&t.p_value));
        let s = hodges_lehmann(&x, &y, confidence, exact);
        prop_assert_eq!(s.estimate.is_nan(), x.is_empty() || y.is_empty());
        if let (Some(lo), Some(hi)) = (s.lower, s.upper) {
            prop_assert!(lo <= s.estimate && s.estimate <= hi);
        }
    }

    /// U from the merge equals the pair count U = #{x > y} + ½ #{x = y}.
    #[test]
    fn u_matches_pair_counting(
        x in prop::collection::vec(0i32..20, 1..60),
        y in prop::collection::vec(0i32..20, 1..60),
    ) {
        let mut x: Vec<f64> = x.into_iter().map(f64::from).collect();
        let mut y: Vec<f64> = y.into_iter().map(f64::from).collect();
        sort(&mut x);
        sort(&mut y);
        let mut u = 0.0;
        for a in &x {
            for b in &y {
                if a > b { u += 1.0 } else if a == b { u += 0.5 }
            }
        }
        let t = mann_whitney(&x, &y);
        prop_assert_eq!(t.u, u);
        prop_assert!((0.0..=1.0).contains(&t.p_value));
    }
}

fn set(v: Value) -> SampleSet {
    serde_json::from_value(v).unwrap()
}

fn config(v: Value) -> JudgeConfig {
    serde_json::from_value(v).unwrap()
}

#[test]
fn a_healthy_canary_passes() {
    let base: Vec<f64> = (0..200).map(|i| 100.0 + f64::from(i % 17)).collect();
    let canary: Vec<f64> = (0..200).map(|i| 100.0 + f64::from((i * 7) % 17)).collect();
    let j = judge_canary(
        &SampleSet::new()
            .with("latency", base.clone())
            .with("errors", vec![0.0; 50]),
        &SampleSet::new()
            .with("latency", canary)
            .with("errors", vec![0.0; 50]),
        &config(json!({"metrics": [
            {"name": "latency", "direction": "increase"},
            {"name": "errors", "direction": "increase", "critical": true}
        ]})),
    )
    .unwrap();
    assert_eq!(j.verdict, CanaryVerdict::Pass, "{j:#?}");
    assert_eq!(j.score, 100.0);
    assert!(j
        .metrics
        .iter()
        .all(|m| m.classification == Classification::Pass));
}

#[test]
fn a_slower_canary_is_high_and_fails_by_score() {
    let base: Vec<f64> = (0..300).map(|i| 100.0 + f64::from(i % 23)).collect();
    let slow: Vec<f64> = base.iter().map(|v| v * 1.3).collect();
    let j = judge_canary(
        &SampleSet::new()
            .with("latency", base.clone())
            .with("cpu", base.clone()),
        &SampleSet::new().with("latency", slow).with("cpu", base),
        &config(json!({"metrics": [
            {"name": "latency", "direction": "increase", "weight": 3},
            {"name": "cpu"}
        ]})),
    )
    .unwrap();
    let latency = &j.metrics[0];
    assert_eq!(latency.classification, Classification::High);
    assert_eq!(latency.rule, "significant_shift");
    let shift = latency.shift.as_ref().unwrap();
    assert!(shift.estimate > 0.0 && shift.lower.unwrap() > 0.0);
    assert_eq!(j.score, 25.0);
    assert_eq!(j.verdict, CanaryVerdict::Fail);
}

#[test]
fn a_faster_canary_passes_when_only_increase_is_bad() {
    let base: Vec<f64> = (0..300).map(|i| 100.0 + f64::from(i % 23)).collect();
    let fast: Vec<f64> = base.iter().map(|v| v * 0.7).collect();
    let judge = |direction: &str| {
        judge_canary(
            &SampleSet::new().with("latency", base.clone()),
            &SampleSet::new().with("latency", fast.clone()),
            &config(json!({"metrics": [{"name": "latency", "direction": direction}]})),
        )
        .unwrap()
    };
    let j = judge("increase");
    assert_eq!(j.metrics[0].classification, Classification::Pass);
    assert_eq!(j.metrics[0].rule, "allowed_direction");
    let j = judge("either");
    assert_eq!(j.metrics[0].classification, Classification::Low);
    assert_eq!(j.verdict, CanaryVerdict::Fail);
}

#[test]
fn a_small_shift_within_tolerance_passes() {
    let base: Vec<f64> = (0..2000).map(|i| 100.0 + f64::from(i % 50)).collect();
    let canary: Vec<f64> = base.iter().map(|v| v + 2.0).collect();
    let j = judge_canary(
        &SampleSet::new().with("latency", base),
        &SampleSet::new().with("latency", canary),
        &config(json!({"metrics": [{"name": "latency", "tolerance": 0.05}]})),
    )
    .unwrap();
    let m = &j.metrics[0];
    assert!(m.test.as_ref().unwrap().p_value < 0.05);
    assert_eq!(m.classification, Classification::Pass);
    assert_eq!(m.rule, "within_tolerance");
}

#[test]
fn critical_errors_where_the_baseline_has_none_fail_even_with_few_samples() {
    // Three samples a side: no test could be significant, the rule still fails it.
    let j = judge_canary(
        &SampleSet::new()
            .with("errors", vec![0.0, 0.0, 0.0])
            .with("latency", vec![10.0, 11.0, 12.0]),
        &SampleSet::new()
            .with("errors", vec![0.0, 1.0, 0.0])
            .with("latency", vec![10.0, 11.0, 12.0]),
        &config(json!({"metrics": [
            {"name": "errors", "direction": "increase", "critical": true},
            {"name": "latency", "weight": 100}
        ]})),
    )
    .unwrap();
    let errors = &j.metrics[0];
    assert_eq!(errors.classification, Classification::High);
    assert_eq!(errors.rule, "critical_new_errors");
    assert!(errors.test.as_ref().unwrap().p_value > 0.05);
    // The score alone would pass (100 of 101 weight): the critical metric fails it.
    assert!(j.score > 95.0);
    assert_eq!(j.verdict, CanaryVerdict::Fail);
    assert!(j
        .reasons
        .iter()
        .any(|r| r.contains("critical metric failed: errors")));

    // Even a single canary sample against an empty baseline.
    let j = judge_canary(
        &SampleSet::new().with("latency", vec![10.0]),
        &SampleSet::new()
            .with("errors", vec![2.0])
            .with("latency", vec![10.0]),
        &config(json!({"metrics": [
            {"name": "errors", "direction": "increase", "critical": true},
            {"name": "latency"}
        ]})),
    )
    .unwrap();
    assert_eq!(j.metrics[0].classification, Classification::High);
    assert_eq!(j.verdict, CanaryVerdict::Fail);
}

#[test]
fn nodata_metrics_are_left_out_of_the_score() {
    let j = judge_canary(
        &SampleSet::new()
            .with("latency", vec![1.0, 2.0, 3.0])
            .with("qps", vec![]),
        &SampleSet::new().with("latency", vec![1.0, 2.0, 3.0]),
        &JudgeConfig::default(),
    )
    .unwrap();
    let qps = j.metrics.iter().find(|m| m.name == "qps").unwrap();
    assert_eq!(qps.classification, Classification::Nodata);
    assert_eq!(j.score, 100.0);
    assert_eq!(j.verdict, CanaryVerdict::Pass);

    // A critical metric without data caps the verdict at marginal.
    let j = judge_canary(
        &SampleSet::new().with("latency", vec![1.0, 2.0, 3.0]),
        &SampleSet::new().with("latency", vec![1.0, 2.0, 3.0]),
        &config(json!({"metrics": [{"name": "latency"}, {"name": "saturation", "critical": true, "direction": "decrease"}]})),
    )
    .unwrap();
    assert_eq!(j.verdict, CanaryVerdict::Marginal);

    // Nothing with data: fail.
    let j = judge_canary(
        &SampleSet::new(),
        &SampleSet::new(),
        &JudgeConfig::default(),
    )
    .unwrap();
    assert_eq!(j.verdict, CanaryVerdict::Fail);
}

#[test]
fn nan_samples_are_dropped_and_counted() {
    let base = set(json!({"latency": [10, 11, null, 12, 13]}));
    let canary = SampleSet::new().with("latency", vec![10.0, f64::NAN, 11.0, 12.0, f64::INFINITY]);
    let j = judge_canary(&base, &canary, &JudgeConfig::default()).unwrap();
    let m = &j.metrics[0];
    assert_eq!((m.baseline.count, m.baseline.dropped), (4, 1));
    assert_eq!((m.canary.count, m.canary.dropped), (3, 2));
    let codes: Vec<(&str, &str)> = j
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.path.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("nan_dropped", "baseline.latency"),
            ("nan_dropped", "canary.latency")
        ]
    );
    // NaN is written back as null.
    let back = serde_json::to_value(&canary).unwrap();
    assert_eq!(back["latency"][1], Value::Null);
}

#[test]
fn bad_input_names_the_path() {
    let ok = SampleSet::new().with("latency", vec![1.0, 2.0]);
    let nan_only = set(json!({"latency": [null, null]}));
    let e = judge_canary(&ok, &nan_only, &JudgeConfig::default()).unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert_eq!(e.path(), Some("canary.latency"));
    let e = judge_canary(&nan_only, &ok, &JudgeConfig::default()).unwrap_err();
    assert_eq!(e.path(), Some("baseline.latency"));

    let cases = [
        (json!({"alpha": 0.0}), "config.alpha"),
        (json!({"alpha": 0.7}), "config.alpha"),
        (json!({"pass_score": 120}), "config.pass_score"),
        (
            json!({"pass_score": 60, "marginal_score": 80}),
            "config.marginal_score",
        ),
        (
            json!({"metrics": [{"name": "a"}, {"name": "a"}]}),
            "config.metrics[1].name",
        ),
        (
            json!({"metrics": [{"name": "a", "weight": -1}]}),
            "config.metrics[0].weight",
        ),
        (
            json!({"metrics": [{"name": "a", "tolerance": -0.1}]}),
            "config.metrics[0].tolerance",
        ),
    ];
    for (c, path) in cases {
        let e = judge_canary(&ok, &ok, &config(c.clone())).unwrap_err();
        assert_eq!(e.code().as_str(), "invalid_input", "{c}");
        assert_eq!(e.path(), Some(path), "{c}");
    }
}

#[test]
fn policy_defaults_apply_and_config_overrides_them() {
    let mut policy = RolloutPolicy::default();
    policy.judge.pass_score = 50.0;
    policy.judge.marginal_score = 25.0;
    let base = SampleSet::new()
        .with("a", (0..100).map(f64::from).collect())
        .with("b", (0..100).map(f64::from).collect());
    let canary = SampleSet::new()
        .with("a", (0..100).map(|i| f64::from(i) * 2.0).collect())
        .with("b", (0..100).map(f64::from).collect());
    let j = judge_canary_with_policy(&base, &canary, &JudgeConfig::default(), &policy).unwrap();
    assert_eq!((j.score, j.verdict), (50.0, CanaryVerdict::Pass));
    let strict = JudgeConfig {
        pass_score: Some(90.0),
        marginal_score: Some(40.0),
        ..JudgeConfig::default()
    };
    let j = judge_canary_with_policy(&base, &canary, &strict, &policy).unwrap();
    assert_eq!(j.verdict, CanaryVerdict::Marginal);
    let _ = BadDirection::Either;
    let _ = JudgedMetric {
        name: "x".into(),
        direction: BadDirection::Increase,
        critical: false,
        weight: None,
        tolerance: None,
        extra: Default::default(),
    };
}

#[test]
fn metrics_judged_on_two_threads_equal_one_thread() {
    // Twenty metrics of every kind (healthy, shifted up and down, NaN
    // dropped, no data, critical new errors), judged on 1 and 2+ threads.
    let mut base = SampleSet::new();
    let mut canary = SampleSet::new();
    let mut metrics = Vec::new();
    for k in 0..20u32 {
        let name = format!("m{k:02}");
        let b: Vec<f64> = (0..400)
            .map(|i| 50.0 + f64::from((i * (k + 3)) % 29))
            .collect();
        let c: Vec<f64> = match k % 5 {
            0 => b.iter().map(|v| v * 1.2).collect(),
            1 => b.iter().map(|v| v * 0.8).collect(),
            2 => b.iter().map(|v| v + 0.01).chain([f64::NAN]).collect(),
            3 => Vec::new(),
            _ => (0..400).map(|i| f64::from((i * 11) % 31)).collect(),
        };
        base = base.with(&name, b);
        canary = canary.with(&name, c);
        let direction = ["increase", "decrease", "either"][k as usize % 3];
        metrics.push(json!({"name": name, "critical": k % 4 == 0, "direction": direction}));
    }
    let cfg = config(json!({ "metrics": metrics }));
    let run = |threads: usize| {
        relman::foundation::parallel::with_threads(threads, || {
            serde_json::to_string(&judge_canary(&base, &canary, &cfg).unwrap()).unwrap()
        })
    };
    let one = run(1);
    for threads in [2, 4] {
        assert_eq!(run(threads), one, "{threads} threads");
    }
}

/// Every number in a JSON value, with its path.
fn numbers(v: &Value, path: &str, out: &mut Vec<(String, f64)>) {
    match v {
        Value::Number(n) => out.push((path.to_string(), n.as_f64().unwrap())),
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                numbers(x, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, x) in map {
                numbers(x, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// No number of a judgement is negative zero, as a value or in its JSON
/// text (`-0.0`), and no explanation or reason prints `-0`.
fn assert_no_negative_zero(j: &relman::rollout::CanaryJudgement) {
    let v = serde_json::to_value(j).unwrap();
    let mut found = Vec::new();
    numbers(&v, "", &mut found);
    for (path, x) in &found {
        assert!(
            !(*x == 0.0 && x.is_sign_negative()),
            "negative zero at {path}"
        );
    }
    let text = serde_json::to_string(j).unwrap();
    assert!(
        !text.contains("-0.0,") && !text.contains("-0.0}") && !text.contains("-0.0]"),
        "{text}"
    );
    for r in &j.reasons {
        assert!(!r.contains(" -0 ") && !r.contains(" -0.0"), "{r}");
    }
    for m in &j.metrics {
        assert!(
            !m.explanation.contains(" -0 ") && !m.explanation.contains("-0)"),
            "{}",
            m.explanation
        );
    }
}

#[test]
fn a_canary_failing_every_metric_scores_zero_not_negative_zero() {
    // Before the fix: the passing weight was an empty f64 sum (-0.0 since
    // Rust 1.81), so a canary with no passing metric scored -0.0.
    let base =
        set(json!({"latency": [10.0, 11.0, 10.5, 10.2, 10.8, 10.1, 10.9, 10.4, 10.6, 10.3]}));
    let canary =
        set(json!({"latency": [20.0, 21.0, 20.5, 20.2, 20.8, 20.1, 20.9, 20.4, 20.6, 20.3]}));
    let j = judge_canary(&base, &canary, &JudgeConfig::default()).unwrap();
    assert_eq!(j.verdict, CanaryVerdict::Fail);
    assert_eq!(j.score, 0.0);
    assert!(j.score.is_sign_positive(), "score is -0.0");
    assert!(serde_json::to_string(&j).unwrap().contains("\"score\":0.0"));
    assert_no_negative_zero(&j);
}

#[test]
fn negative_zero_samples_and_config_values_print_as_zero() {
    // -0.0 in the samples (medians, shift bounds) and in the config
    // (tolerance, weight) came back as -0.0 before the fix.
    let base = set(json!({"errors": [-0.0, -0.0, 0.0, -0.0, 0.0], "lat": [-0.0, 1.0, 2.0]}));
    let canary = set(json!({"errors": [0.0, -0.0, -0.0, 0.0, -0.0], "lat": [-0.0, 1.0, 2.0]}));
    let cfg = config(json!({"metrics": [
        {"name": "errors", "tolerance": -0.0, "weight": -0.0},
        {"name": "lat", "tolerance": -0.0}
    ]}));
    let j = judge_canary(&base, &canary, &cfg).unwrap();
    assert_no_negative_zero(&j);
}

fn sample_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(-0.0),
        (-20i32..20).prop_map(|v| f64::from(v) * 0.5),
        (-3i32..3).prop_map(|v| f64::from(v) * 1e-310),
        Just(f64::NAN),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the samples (negative zeros, ties, subnormal shifts, NaN)
    /// and the metric settings, no number the judge outputs is -0.0.
    #[test]
    fn no_output_number_is_negative_zero(
        b in prop::collection::vec(sample_value(), 0..25),
        c in prop::collection::vec(sample_value(), 0..25),
        critical in any::<bool>(),
        direction in prop::sample::select(vec!["increase", "decrease", "either"]),
        tolerance in prop::sample::select(vec![0.0f64, -0.0, 0.05]),
    ) {
        // An all-NaN side is refused; keep one finite value then.
        let fix = |mut v: Vec<f64>| {
            if !v.is_empty() && v.iter().all(|x| x.is_nan()) {
                v.push(-0.0);
            }
            v
        };
        let base = SampleSet::new().with("m", fix(b));
        let canary = SampleSet::new().with("m", fix(c));
        let cfg = JudgeConfig {
            metrics: vec![serde_json::from_value(json!({
                "name": "m", "critical": critical, "direction": direction, "tolerance": tolerance
            })).unwrap()],
            ..JudgeConfig::default()
        };
        let j = judge_canary(&base, &canary, &cfg).unwrap();
        assert_no_negative_zero(&j);
    }
}
