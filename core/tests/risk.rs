//! Risk scoring (issue #4): a hand-computed score, properties of the score,
//! the blast radius on a graph with a cycle and a diamond, fitting on
//! synthetic releases, and bad input.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside `#[test]` functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::risk::blast_radius;
use relman::{
    assess_risk, assess_risk_many, fit_risk_model, Cmdb, Context, FitOptions, History, Release,
    RiskLevel, State,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

fn release(value: Value) -> Release {
    relman::from_value::<Release>(value).unwrap().document
}

fn context(value: Value) -> Context {
    relman::from_value::<Context>(value).unwrap().document
}

fn base_release() -> Value {
    json!({
        "id": "REL-1", "title": "Checkout 4.3", "kind": "minor", "state": "approval",
        "planned_start": "2026-11-21T22:00:00Z", "planned_end": "2026-11-21T23:00:00Z",
        "services": ["shop"],
        "changes": [
            {"id": "C1", "kind": "normal", "summary": "new cart", "affected_cis": ["app1"]},
            {"id": "C2", "kind": "normal", "summary": "index", "affected_cis": ["db1"]}
        ],
        "depends_on": ["REL-0"],
        "deployment": {"strategy": "canary"},
        "rollback_plan": {"documented": true, "tested": false},
        "tests": [
            {"kind": "unit", "passed": 10},
            {"kind": "integration", "passed": 5, "failed": 1}
        ]
    })
}

fn base_context() -> Value {
    json!({
        "cmdb": {
            "cis": [
                {"id": "app1", "name": "App", "class": "app", "criticality": "high", "service": "shop"},
                {"id": "db1", "name": "DB", "class": "db", "criticality": "critical", "service": "shop"},
                {"id": "web1", "name": "Web", "class": "web", "criticality": "medium", "service": "portal"},
                {"id": "batch1", "name": "Batch", "class": "job", "criticality": "low", "service": "reports"}
            ],
            "relationships": [
                {"from": "web1", "to": "app1", "kind": "depends_on"},
                {"from": "app1", "to": "db1", "kind": "depends_on"},
                {"from": "batch1", "to": "db1", "kind": "depends_on"}
            ]
        },
        "history": {
            "deployments": [
                {"id": "D1", "service": "shop", "environment": "production", "finished_at": "2026-10-01T10:00:00Z", "outcome": "success"},
                {"id": "D2", "service": "shop", "environment": "production", "finished_at": "2026-10-08T10:00:00Z", "outcome": "rolled_back"},
                {"id": "D3", "service": "shop", "environment": "production", "finished_at": "2026-10-15T10:00:00Z", "outcome": "success_with_issues"},
                {"id": "D4", "service": "portal", "environment": "production", "finished_at": "2026-10-15T10:00:00Z", "outcome": "failed"}
            ]
        }
    })
}

/// Acceptance 1: every factor value as docs/risk.md computes it by hand.
#[test]
fn a_hand_computed_release_gets_the_documented_score_and_level() {
    let a = assess_risk(&release(base_release()), &context(base_context())).unwrap();
    let ln = f64::ln;
    // (name, value, weight) — values from the formulas of docs/risk.md:
    let expected = [
        // 2 changes + 2 distinct CIs, scale 50
        ("change_size", ln(5.0) / ln(51.0), 1.0),
        // db1 is critical
        ("ci_criticality", 1.0, 1.5),
        // from {app1, db1}: batch1 (→db1) and web1 (→app1) = 2 dependents;
        // services shop, reports, portal = 3
        (
            "blast_radius",
            0.5 * ln(3.0) / ln(501.0) + 0.5 * ln(4.0) / ln(21.0),
            1.5,
        ),
        // minor: unit, integration, uat + sign-off; integration failing, uat
        // missing, sign-off missing = 3 gaps of 4
        ("test_evidence", 0.75, 2.0),
        // documented, not tested
        ("rollback_readiness", 0.5, 1.5),
        ("deployment_strategy", 0.15, 1.0),
        // no calendar: 0.4·0.5 + 0.4·0.5; Saturday night: not peak hours
        ("timing", 0.4, 1.0),
        // shop: 1 failure in 3 deployments, prior 0.2 × 5: (1 + 1) / (3 + 5)
        ("track_record", 0.25, 1.5),
        ("emergency", 0.0, 1.0),
        // one depends_on, no schedule, scale 10
        ("dependencies", ln(2.0) / ln(11.0), 1.0),
    ];
    assert_eq!(a.factors.len(), expected.len());
    let total: f64 = expected.iter().map(|e| e.2).sum();
    assert_eq!(total, 13.0);
    let mut score = 0.0;
    for (f, (name, value, weight)) in a.factors.iter().zip(expected) {
        assert_eq!(f.name, name);
        assert!(
            (f.value - value).abs() < 1e-12,
            "{name}: {} != {value}",
            f.value
        );
        assert_eq!(f.weight, weight, "{name}");
        let contribution = value * weight * 100.0 / total;
        assert!(
            (f.contribution - contribution).abs() < 1e-9,
            "{name}: {} != {contribution}",
            f.contribution
        );
        assert!(!f.explanation.is_empty());
        score += contribution;
    }
    assert!((a.score - score).abs() < 1e-9);
    assert!(
        (a.score - 44.980_368_319_856_43).abs() < 1e-9,
        "{}",
        a.score
    );
    assert_eq!(a.level, RiskLevel::Medium);
    assert!(a.failure_probability.is_none());
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    // The inputs name the numbers used.
    let blast = a.factor("blast_radius").unwrap();
    assert_eq!(blast.inputs["dependent_cis"], 2);
    assert_eq!(blast.inputs["services"], 3);
    let track = a.factor("track_record").unwrap();
    assert_eq!(track.inputs["deployments"], 3);
    assert_eq!(track.inputs["failures"], 1);
}

#[test]
fn bands_from_the_policy_decide_the_level() {
    let mut ctx = base_context();
    ctx["policy"] = json!({"risk": {"bands": {"medium": 10, "high": 20, "critical": 40}}});
    let a = assess_risk(&release(base_release()), &context(ctx)).unwrap();
    assert_eq!(a.level, RiskLevel::Critical);
}

#[test]
fn without_context_each_factor_says_what_is_missing() {
    let a = assess_risk(&release(base_release()), &Context::default()).unwrap();
    let f = |n: &str| a.factor(n).unwrap();
    assert_eq!(f("ci_criticality").value, 0.5);
    assert!(f("ci_criticality").explanation.contains("no CMDB"));
    assert_eq!(f("blast_radius").value, 0.5);
    assert!(f("track_record").explanation.contains("no history"));
    assert_eq!(f("track_record").value, 0.2);
    assert!(f("timing").explanation.contains("no calendar"));
    assert!(f("dependencies").explanation.contains("no schedule"));
}

#[test]
fn a_fitted_model_adds_the_failure_probability() {
    let mut ctx = base_context();
    ctx["policy"] = json!({"risk": {"model": {
        "intercept": -1.0,
        "coefficients": {"test_evidence": 2.0, "change_size": -1.0},
        "means": {"test_evidence": 0.25, "change_size": 0.5},
        "stds": {"test_evidence": 0.25, "change_size": 0.0}
    }}});
    let a = assess_risk(&release(base_release()), &context(ctx)).unwrap();
    // z = -1 + 2·(0.75 − 0.25)/0.25 (change_size has std 0: no term) = 3
    let p = 1.0 / (1.0 + (-3.0f64).exp());
    assert!((a.failure_probability.unwrap() - p).abs() < 1e-12);
}

#[test]
fn the_lifecycle_risk_gate_assesses_when_no_level_is_given() {
    let mut r = base_release();
    r["kind"] = json!("major");
    let r = release(r);
    let report = relman::check(&r, State::Deployment, &context(base_context()));
    let req = report
        .requirements
        .iter()
        .find(|q| q.rule == "approval.risk")
        .unwrap();
    let a = assess_risk(&r, &context(base_context())).unwrap();
    assert_eq!(req.data["source"], "assessed");
    assert_eq!(req.data["level"], json!(a.level));
    assert!((req.data["score"].as_f64().unwrap() - a.score).abs() < 1e-12);
    assert!(req.data["contributions"]["test_evidence"].is_number());
    assert!(req.message.contains("assessed"), "{}", req.message);
    // A given level still wins.
    let mut ctx = context(base_context());
    ctx.risk_level = Some(RiskLevel::Low);
    let report = relman::check(&r, State::Deployment, &ctx);
    let req = report
        .requirements
        .iter()
        .find(|q| q.rule == "approval.risk")
        .unwrap();
    assert_eq!(req.data["source"], "context.risk_level");
    assert!(req.met);
}

#[test]
fn many_releases_get_the_same_answers_as_one_at_a_time() {
    let ctx = context(base_context());
    let mut second = base_release();
    second["id"] = json!("REL-2");
    second["kind"] = json!("emergency");
    let releases = vec![release(base_release()), release(second)];
    let many = assess_risk_many(&releases, &ctx);
    for (r, m) in releases.iter().zip(many) {
        assert_eq!(m.unwrap(), assess_risk(r, &ctx).unwrap());
    }
}

// ---------------------------------------------------------------- blast radius

/// Acceptance 3: a cycle (gateway ↔ portal, portal → db back to the start)
/// and a diamond (db → api → gateway, db → worker → gateway).
fn cycle_and_diamond() -> Cmdb {
    let ci = |id: &str, service: Option<&str>| {
        let mut c = json!({"id": id, "name": id, "class": "x"});
        if let Some(s) = service {
            c["service"] = json!(s);
        }
        c
    };
    let rel = |from: &str, kind: &str, to: &str| json!({"from": from, "to": to, "kind": kind});
    relman::from_value::<Cmdb>(json!({
        "cis": [
            ci("db", Some("data")), ci("api", Some("api")), ci("worker", Some("batch")),
            ci("gateway", Some("edge")), ci("portal", Some("edge")), ci("mirror", Some("data")),
            ci("rack", None), ci("island", Some("elsewhere"))
        ],
        "relationships": [
            rel("api", "depends_on", "db"),
            rel("worker", "runs_on", "db"),
            rel("gateway", "depends_on", "api"),
            rel("gateway", "depends_on", "worker"),
            rel("portal", "depends_on", "gateway"),
            rel("gateway", "depends_on", "portal"),
            rel("db", "depends_on", "portal"),
            rel("rack", "contains", "db"),
            rel("mirror", "connects_to", "db"),
            rel("island", "hosted_on", "rack")
        ]
    }))
    .unwrap()
    .document
}

#[test]
fn blast_radius_counts_by_hand_on_a_cycle_and_a_diamond() {
    let cmdb = cycle_and_diamond();
    // depth 1: api, worker (both need db), mirror (connects_to, both ways)
    let b = blast_radius(&cmdb, &["db"], 1).unwrap();
    assert_eq!(b.dependent_cis, ["api", "mirror", "worker"]);
    assert_eq!(b.services, ["api", "batch", "data"]);
    // depth 2: gateway, once, though the diamond reaches it twice
    let b = blast_radius(&cmdb, &["db"], 2).unwrap();
    assert_eq!(b.dependent_cis, ["api", "gateway", "mirror", "worker"]);
    assert_eq!(b.services, ["api", "batch", "data", "edge"]);
    // depth 3: portal; the cycle back to gateway and db adds nothing; rack
    // (it contains db: a fault in db does not hurt the rack) and island are
    // never reached
    let b = blast_radius(&cmdb, &["db"], 3).unwrap();
    assert_eq!(
        b.dependent_cis,
        ["api", "gateway", "mirror", "portal", "worker"]
    );
    assert_eq!(b.services, ["api", "batch", "data", "edge"]);
    assert_eq!(b.affected_cis, 1);
    // deeper walks end on the cycle
    assert_eq!(
        blast_radius(&cmdb, &["db"], 16)
            .unwrap()
            .dependent_cis
            .len(),
        5
    );
    // a container's fault reaches what it contains, and what is hosted on it
    let b = blast_radius(&cmdb, &["rack"], 1).unwrap();
    assert_eq!(b.dependent_cis, ["db", "island"]);
    // unknown CIs are reported, not walked
    let b = blast_radius(&cmdb, &["db", "nope"], 1).unwrap();
    assert_eq!(b.unknown_cis, ["nope"]);
}

#[test]
fn the_blast_radius_factor_reports_the_same_counts() {
    let cmdb = serde_json::to_value(cycle_and_diamond()).unwrap();
    for depth in 1..=3u32 {
        let ctx = context(json!({"cmdb": cmdb, "policy": {"risk": {"blast_radius_depth": depth}}}));
        let r = release(
            json!({"id": "R", "title": "T", "kind": "patch", "state": "approval",
                               "affected_cis": ["db"]}),
        );
        let a = assess_risk(&r, &ctx).unwrap();
        let f = a.factor("blast_radius").unwrap();
        let (cis, services) = [(3, 3), (4, 4), (5, 4)][depth as usize - 1];
        assert_eq!(f.inputs["dependent_cis"], cis, "depth {depth}");
        assert_eq!(f.inputs["services"], services, "depth {depth}");
    }
}

/// The oracle: a breadth-first walk by repeated scans of the relationship
/// list (no index, no graph library).
fn naive_blast(cmdb: &Cmdb, start: &[&str], depth: u32) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut seen: BTreeSet<String> = start.iter().map(|s| s.to_string()).collect();
    let mut frontier = seen.clone();
    let mut reached = BTreeSet::new();
    for _ in 0..depth {
        let mut next = BTreeSet::new();
        for r in &cmdb.relationships {
            let hops: Vec<(&str, &str)> = match r.kind.as_str() {
                "contains" => vec![(&r.from, &r.to)],
                "connects_to" => vec![(&r.from, &r.to), (&r.to, &r.from)],
                _ => vec![(&r.to, &r.from)],
            }
            .into_iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
            for (a, b) in hops {
                if frontier.contains(a) && !seen.contains(b) {
                    next.insert(b.to_string());
                }
            }
        }
        for n in &next {
            seen.insert(n.clone());
            reached.insert(n.clone());
        }
        frontier = next;
    }
    let services = seen
        .iter()
        .filter_map(|id| cmdb.cis.iter().find(|c| &c.id == id))
        .filter_map(|c| c.service.clone())
        .collect();
    (reached, services)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn blast_radius_agrees_with_a_naive_walk(
        n in 1usize..25,
        edges in prop::collection::vec((0usize..25, 0usize..25, 0usize..4), 0..60),
        starts in prop::collection::vec(0usize..25, 1..4),
        depth in 1u32..5,
    ) {
        let kinds = ["depends_on", "contains", "connects_to", "runs_on"];
        let cis: Vec<Value> = (0..n)
            .map(|i| json!({"id": format!("c{i}"), "name": "x", "class": "x", "service": format!("s{}", i % 4)}))
            .collect();
        let rels: Vec<Value> = edges
            .iter()
            .map(|(a, b, k)| json!({"from": format!("c{}", a % n), "to": format!("c{}", b % n), "kind": kinds[*k]}))
            .collect();
        let cmdb: Cmdb = serde_json::from_value(json!({"cis": cis, "relationships": rels})).unwrap();
        let ids: Vec<String> = starts.iter().map(|s| format!("c{}", s % n)).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let fast = blast_radius(&cmdb, &refs, depth).unwrap();
        let (reached, services) = naive_blast(&cmdb, &refs, depth);
        prop_assert_eq!(fast.dependent_cis, reached.into_iter().collect::<Vec<_>>());
        prop_assert_eq!(fast.services, services.into_iter().collect::<Vec<_>>());
    }
}

// ---------------------------------------------------------------- properties

fn arb_release() -> impl Strategy<Value = Value> {
    let kinds = prop::sample::select(vec!["major", "minor", "patch", "emergency"]);
    let change_kinds = prop::sample::select(vec!["standard", "normal", "emergency"]);
    let test_kinds = prop::sample::select(vec![
        "unit",
        "integration",
        "performance",
        "security",
        "uat",
    ]);
    let strategies =
        prop::sample::select(vec!["none", "big_bang", "phased", "blue_green", "canary"]);
    (
        kinds,
        prop::collection::vec((change_kinds, prop::collection::vec(0u8..8, 0..3)), 0..6),
        prop::collection::vec((test_kinds, 0u64..20, 0u64..3, any::<bool>()), 0..7),
        prop::option::of((any::<bool>(), any::<bool>())),
        strategies,
        0usize..4,
        any::<bool>(),
    )
        .prop_map(|(kind, changes, tests, rollback, strategy, deps, window)| {
            let changes: Vec<Value> = changes
                .iter()
                .enumerate()
                .map(|(i, (k, cis))| {
                    json!({
                        "id": format!("C{i}"), "kind": k, "summary": "s",
                        "affected_cis": cis.iter().map(|c| format!("ci{c}")).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let tests: Vec<Value> = tests
                .iter()
                .map(|(k, p, f, signed)| {
                    let mut t = json!({"kind": k, "passed": p, "failed": f});
                    if *signed {
                        t["signed_off_by"] = json!("qa1");
                    }
                    t
                })
                .collect();
            let mut r = json!({
                "id": "R", "title": "T", "kind": kind, "state": "testing",
                "changes": changes, "tests": tests, "services": ["s0"],
                "depends_on": (0..deps).map(|i| format!("D{i}")).collect::<Vec<_>>(),
            });
            if let Some((documented, tested)) = rollback {
                r["rollback_plan"] = json!({"documented": documented, "tested": tested});
            }
            if strategy != "none" {
                r["deployment"] = json!({"strategy": strategy});
            }
            if window {
                r["planned_start"] = json!("2026-11-18T10:00:00+01:00");
                r["planned_end"] = json!("2026-11-18T12:00:00+01:00");
            }
            r
        })
}

fn prop_context() -> Context {
    let cis: Vec<Value> = (0..8)
        .map(|i| {
            let criticality = ["critical", "high", "medium", "low"][i % 4];
            json!({"id": format!("ci{i}"), "name": "x", "class": "x",
                   "criticality": criticality, "service": format!("s{}", i % 3)})
        })
        .collect();
    let rels: Vec<Value> = (1..8)
        .map(|i| json!({"from": format!("ci{i}"), "to": format!("ci{}", i / 2), "kind": "depends_on"}))
        .collect();
    context(json!({
        "cmdb": {"cis": cis, "relationships": rels},
        "history": {"deployments": [
            {"id": "D1", "service": "s0", "environment": "p", "finished_at": "2026-10-01T00:00:00Z", "outcome": "failed"}
        ]},
        "calendar": {"blackouts": [
            {"id": "B1", "name": "freeze", "start": "2026-11-18T00:00:00Z", "end": "2026-11-18T10:00:00Z", "severity": "warn"}
        ]}
    }))
}

fn arb_weights() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![Just(0.0), 0.0f64..5.0], 10)
        .prop_filter("not all zero", |w| w.iter().any(|x| *x > 0.0))
}

fn with_weights(mut ctx: Context, w: &[f64]) -> Context {
    let names = relman::policy::RISK_FACTORS;
    let weights: BTreeMap<&str, f64> = names.iter().copied().zip(w.iter().copied()).collect();
    let policy = json!({"risk": {"weights": weights}});
    ctx.policy = Some(relman::from_value(policy).unwrap().document);
    ctx
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Acceptance 2: contributions sum to the score, score in 0–100, every
    /// value in 0–1.
    #[test]
    fn contributions_sum_to_the_score(r in arb_release(), w in arb_weights()) {
        let ctx = with_weights(prop_context(), &w);
        let a = assess_risk(&release(r), &ctx).unwrap();
        let sum: f64 = a.factors.iter().map(|f| f.contribution).sum();
        prop_assert!((sum - a.score).abs() <= 1e-9, "{} != {}", sum, a.score);
        prop_assert!((0.0..=100.0).contains(&a.score));
        for f in &a.factors {
            prop_assert!((0.0..=1.0).contains(&f.value), "{} = {}", f.name, f.value);
            prop_assert!(!f.explanation.is_empty());
        }
        let total: f64 = w.iter().sum();
        let recomputed: f64 = a.factors.iter().map(|f| f.value * f.weight * 100.0 / total).sum();
        prop_assert!((recomputed - a.score).abs() <= 1e-9);
    }

    /// Acceptance 2: adding a failing test run never lowers the score (the
    /// test-evidence factor is monotone in failures).
    #[test]
    fn a_failing_test_never_lowers_the_score(
        r in arb_release(),
        w in arb_weights(),
        kind in prop::sample::select(vec!["unit", "integration", "performance", "security", "uat"]),
        passed in 0u64..20,
        failed in 1u64..5,
        signed in any::<bool>(),
    ) {
        let ctx = with_weights(prop_context(), &w);
        let before = assess_risk(&release(r.clone()), &ctx).unwrap();
        let mut worse = r;
        let mut run = json!({"kind": kind, "passed": passed, "failed": failed});
        if signed {
            run["signed_off_by"] = json!("qa2");
        }
        worse["tests"].as_array_mut().unwrap().push(run);
        let after = assess_risk(&release(worse), &ctx).unwrap();
        prop_assert!(after.score >= before.score - 1e-12, "{} < {}", after.score, before.score);
        let te = |a: &relman::RiskAssessment| a.factor("test_evidence").unwrap().value;
        prop_assert!(te(&after) >= te(&before));
    }

    /// Acceptance 2: removing the rollback plan never lowers the score.
    #[test]
    fn removing_the_rollback_plan_never_lowers_the_score(r in arb_release(), w in arb_weights()) {
        let ctx = with_weights(prop_context(), &w);
        let before = assess_risk(&release(r.clone()), &ctx).unwrap();
        let mut worse = r;
        worse.as_object_mut().unwrap().remove("rollback_plan");
        let after = assess_risk(&release(worse), &ctx).unwrap();
        prop_assert!(after.score >= before.score - 1e-12);
        prop_assert_eq!(after.factor("rollback_readiness").unwrap().value, 1.0);
    }

    /// More changes never lower the change-size factor; an emergency kind
    /// never lowers the emergency factor.
    #[test]
    fn size_and_emergency_are_monotone(r in arb_release()) {
        let ctx = prop_context();
        let before = assess_risk(&release(r.clone()), &ctx).unwrap();
        let mut bigger = r.clone();
        bigger["changes"].as_array_mut().unwrap().push(json!({"id": "CX", "kind": "standard", "summary": "x"}));
        let after = assess_risk(&release(bigger), &ctx).unwrap();
        let v = |a: &relman::RiskAssessment, n: &str| a.factor(n).unwrap().value;
        prop_assert!(v(&after, "change_size") >= v(&before, "change_size"));
        let mut emergency = r;
        emergency["kind"] = json!("emergency");
        let after = assess_risk(&release(emergency), &ctx).unwrap();
        prop_assert!(v(&after, "emergency") >= v(&before, "emergency"));
    }
}

// ---------------------------------------------------------------- fitting

/// SplitMix64: a seeded generator, so the synthetic history is fixed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A minor release whose test evidence is `gaps / 4` (minor: unit,
/// integration, uat + sign-off) and whose change size is
/// `ln(1 + changes) / ln(51)`.
fn synthetic_release(i: usize, gaps: u64, changes: u64, rollback: u64, failed: bool) -> Value {
    let mut tests = vec![];
    if gaps < 3 {
        tests.push(json!({"kind": "unit", "passed": 10}));
    }
    if gaps < 2 {
        tests.push(json!({"kind": "integration", "passed": 10}));
    }
    if gaps < 4 {
        let mut uat = json!({"kind": "uat", "passed": 3});
        if gaps == 0 {
            uat["signed_off_by"] = json!("qa");
        }
        tests.push(uat);
    }
    let hour = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap()
        + chrono::Duration::hours(i as i64);
    let mut r = json!({
        "id": format!("R{i}"), "title": "t", "kind": "minor", "state": "closed",
        "changes": (0..changes).map(|c| json!({"id": format!("C{c}"), "kind": "normal", "summary": "s"})).collect::<Vec<_>>(),
        "tests": tests,
        "deployed_at": hour.to_rfc3339(),
        "outcome": if failed { "failed" } else { "success" },
    });
    if rollback > 0 {
        r["rollback_plan"] = json!({"documented": true, "tested": rollback > 1});
    }
    r
}

/// Acceptance 4: 5,000 synthetic releases whose failure probability is
/// σ(−1 + 3·test_evidence − 2·change_size); the rollback plan is noise.
#[test]
fn fitting_recovers_a_known_failure_function() {
    let mut rng = Rng(20261129);
    let n = 5000;
    let mut releases = Vec::with_capacity(n);
    let mut truth = Vec::with_capacity(n);
    for i in 0..n {
        let gaps = rng.below(5);
        let changes = 1 + rng.below(30);
        let te = gaps as f64 / 4.0;
        let cs = (1.0 + changes as f64).ln() / 51f64.ln();
        let p = sigmoid(-1.0 + 3.0 * te - 2.0 * cs);
        let failed = rng.uniform() < p;
        releases.push(synthetic_release(i, gaps, changes, rng.below(3), failed));
        truth.push((p, if failed { 1.0 } else { 0.0 }));
    }
    let history: History = relman::from_value(json!({"releases": releases}))
        .unwrap()
        .document;
    let fit = fit_risk_model(&history, &FitOptions::default(), &Context::default()).unwrap();
    assert_eq!(fit.samples.training, 4000);
    assert_eq!(fit.samples.holdout, 1000);
    assert!(fit.quality.converged);
    let c = &fit.model.coefficients;
    assert!(c["test_evidence"] > 0.0, "{c:?}");
    assert!(c["change_size"] < 0.0, "{c:?}");
    // The held-out part is the most recent 1,000 (time order = index order).
    let true_auc = auc(&truth[4000..]);
    let auc_model = fit.quality.holdout_auc.unwrap();
    eprintln!(
        "held-out AUC: model {auc_model:.4}, true probabilities {true_auc:.4}; coefficients {c:?}"
    );
    assert!(
        (auc_model - true_auc).abs() <= 0.02,
        "model AUC {auc_model} vs true {true_auc}"
    );
    let brier = fit.quality.holdout_brier.unwrap();
    assert!(brier.is_finite() && brier < fit.quality.holdout_brier_base_rate.unwrap());
    // The rollback noise gets a small coefficient next to the signal.
    assert!(
        c["rollback_readiness"].abs() < c["test_evidence"].abs() / 4.0,
        "{c:?}"
    );
    // Constant factors (no CMDB: criticality, blast radius…) get none.
    assert_eq!(c["blast_radius"], 0.0);
    // Deterministic: the same input gives the same model.
    let again = fit_risk_model(&history, &FitOptions::default(), &Context::default()).unwrap();
    assert_eq!(again, fit);
    // The model, stored in the policy, gives assessments a probability.
    let ctx =
        context(json!({"policy": {"risk": {"model": serde_json::to_value(&fit.model).unwrap()}}}));
    let a = assess_risk(&history.releases[0], &ctx).unwrap();
    let p = a.failure_probability.unwrap();
    assert!((0.0..=1.0).contains(&p));
}

/// The oracle AUC: every (failure, success) pair, ties one half.
fn auc(pairs: &[(f64, f64)]) -> f64 {
    let pos: Vec<f64> = pairs.iter().filter(|p| p.1 > 0.5).map(|p| p.0).collect();
    let neg: Vec<f64> = pairs.iter().filter(|p| p.1 < 0.5).map(|p| p.0).collect();
    let mut wins = 0.0;
    for a in &pos {
        for b in &neg {
            wins += if a > b {
                1.0
            } else if a == b {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (pos.len() * neg.len()) as f64
}

#[test]
fn fitting_empty_or_constant_history_is_invalid_input() {
    let fit = |h: Value| {
        let history: History = relman::from_value(h).unwrap().document;
        fit_risk_model(&history, &FitOptions::default(), &Context::default())
    };
    let err = fit(json!({})).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert_eq!(err.path(), Some("releases"));
    // Releases without outcomes are skipped: nothing left.
    let err =
        fit(json!({"releases": [{"id": "R", "title": "t", "kind": "minor", "state": "planning"}]}))
            .unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    // Every training release succeeded.
    let all_ok: Vec<Value> = (0..20)
        .map(|i| synthetic_release(i, i as u64 % 5, 3, 0, false))
        .collect();
    let err = fit(json!({"releases": all_ok})).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert_eq!(err.path(), Some("releases"));
    assert!(err.to_string().contains("succeeded"), "{err}");
    let all_failed: Vec<Value> = (0..20)
        .map(|i| synthetic_release(i, 2, 3, 0, true))
        .collect();
    let err = fit(json!({"releases": all_failed})).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    // Bad options name their path.
    let history: History = relman::from_value(json!({"releases": all_ok}))
        .unwrap()
        .document;
    for (options, path) in [
        (json!({"l2": 0.0}), "options.l2"),
        (
            json!({"holdout_fraction": 0.95}),
            "options.holdout_fraction",
        ),
        (json!({"max_iterations": 0}), "options.max_iterations"),
    ] {
        let options: FitOptions = serde_json::from_value(options).unwrap();
        let err = fit_risk_model(&history, &options, &Context::default()).unwrap_err();
        assert_eq!(err.path(), Some(path));
    }
}

#[test]
fn fitting_separable_outcomes_stays_finite() {
    // Failures exactly when test evidence is worst: perfectly separable.
    let releases: Vec<Value> = (0..200)
        .map(|i| synthetic_release(i, i as u64 % 5, 3, 0, i % 5 == 4))
        .collect();
    let history: History = relman::from_value(json!({"releases": releases}))
        .unwrap()
        .document;
    let fit = fit_risk_model(&history, &FitOptions::default(), &Context::default()).unwrap();
    let text = serde_json::to_string(&fit).unwrap();
    assert!(!text.contains("NaN") && !text.contains("null"), "{text}");
    assert!(fit.model.coefficients.values().all(|c| c.is_finite()));
    assert_eq!(fit.quality.holdout_auc, Some(1.0));
}

#[test]
fn track_record_counts_only_earlier_deployments_when_fitting() {
    // Two releases of service `shop`; the history's deployments happen
    // after the first release and before the second.
    let mk = |id: &str, at: &str, outcome: &str| {
        json!({"id": id, "title": "t", "kind": "patch", "state": "closed", "services": ["shop"],
               "deployed_at": at, "outcome": outcome})
    };
    let history: History = relman::from_value(json!({
        "releases": [mk("A", "2026-01-01T00:00:00Z", "success"), mk("B", "2026-03-01T00:00:00Z", "failed")],
        "deployments": [
            {"id": "D1", "service": "shop", "environment": "p", "finished_at": "2026-02-01T00:00:00Z", "outcome": "failed"}
        ]
    }))
    .unwrap()
    .document;
    let options: FitOptions = serde_json::from_value(json!({"holdout_fraction": 0.0})).unwrap();
    let fit = fit_risk_model(&history, &options, &Context::default()).unwrap();
    // A saw no deployment (prior 0.2), B saw one failure ((1 + 1) / (1 + 5)).
    let mean = fit.model.means["track_record"];
    assert!((mean - (0.2 + 2.0 / 6.0) / 2.0).abs() < 1e-12, "{mean}");
}

// ---------------------------------------------------------------- bad input

/// Acceptance 5.
#[test]
fn negative_or_nan_counts_are_errors_with_a_path() {
    let mut r = base_release();
    r["tests"][1]["failed"] = json!(-1);
    let err = relman::from_value::<Release>(r).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert_eq!(err.path(), Some("tests[1].failed"));

    let mut r = base_release();
    r["rollback_plan"]["estimated_secs"] = json!(-60);
    let err = relman::from_value::<Release>(r).unwrap_err();
    assert_eq!(err.path(), Some("rollback_plan.estimated_secs"));

    // JSON has no NaN: as text it is a parse error with a position.
    let text = r#"{"id": "R", "title": "T", "kind": "minor", "state": "testing",
                   "tests": [{"kind": "unit", "passed": NaN}]}"#;
    let err = relman::parse::<Release>(text).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert_eq!(err.path(), Some("tests[0].passed"));
    assert!(err.to_body().line.is_some());

    // From Rust a NaN can reach the policy: weights and model are checked.
    let mut ctx = Context::default();
    let mut policy = relman::Policy::default();
    policy.risk.weights.timing = f64::NAN;
    ctx.policy = Some(policy);
    let err = assess_risk(&release(base_release()), &ctx).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_policy");
    assert_eq!(err.path(), Some("policy.risk.weights.timing"));

    let mut policy = relman::Policy::default();
    policy.risk.model = Some(
        serde_json::from_value(json!({"intercept": 0.0, "coefficients": {"timing": 1.0},
                                      "means": {"timing": 0.0}, "stds": {"timing": 1.0}}))
        .unwrap(),
    );
    policy
        .risk
        .model
        .as_mut()
        .unwrap()
        .coefficients
        .insert("timing".into(), f64::NAN);
    ctx.policy = Some(policy);
    let err = assess_risk(&release(base_release()), &ctx).unwrap_err();
    assert_eq!(err.path(), Some("policy.risk.model.coefficients.timing"));
}

#[test]
fn unknown_cis_are_warnings_not_failures() {
    let mut r = base_release();
    r["changes"][1]["affected_cis"] = json!(["db1", "ghost"]);
    r["affected_cis"] = json!(["phantom"]);
    let a = assess_risk(&release(r), &context(base_context())).unwrap();
    let w: Vec<(&str, &str)> = a
        .warnings
        .iter()
        .map(|w| (w.code.as_str(), w.path.as_str()))
        .collect();
    assert_eq!(
        w,
        [
            ("unknown_ci", "affected_cis[0]"),
            ("unknown_ci", "changes[1].affected_cis[1]")
        ]
    );
    // The known CIs still count.
    assert_eq!(a.factor("ci_criticality").unwrap().value, 1.0);
}

#[test]
fn a_relationship_to_a_missing_ci_is_an_error_with_a_path() {
    let mut ctx = base_context();
    ctx["cmdb"]["relationships"][2]["to"] = json!("nowhere");
    // Through validation…
    let err = relman::from_value::<Context>(ctx.clone()).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert_eq!(err.path(), Some("cmdb.relationships[2].to"));
    // …and from Rust, without it.
    let ctx: Context = serde_json::from_value(ctx).unwrap();
    let err = assess_risk(&release(base_release()), &ctx).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert_eq!(err.path(), Some("cmdb.relationships[2].to"));
    // Also for the blast radius on its own.
    let err = blast_radius(ctx.cmdb.as_ref().unwrap(), &["db1"], 2).unwrap_err();
    assert_eq!(err.path(), Some("cmdb.relationships[2].to"));
}

#[test]
fn negative_or_all_zero_weights_are_invalid_policy() {
    let policy = |risk: Value| relman::from_value::<relman::Policy>(json!({"risk": risk}));
    let err = policy(json!({"weights": {"emergency": -1}})).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_policy");
    assert_eq!(err.path(), Some("risk.weights.emergency"));
    let zero: BTreeMap<&str, f64> = relman::policy::RISK_FACTORS
        .iter()
        .map(|n| (*n, 0.0))
        .collect();
    let err = policy(json!({"weights": zero})).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_policy");
    assert_eq!(err.path(), Some("risk.weights"));
    // The other risk settings are checked too.
    for (risk, path) in [
        (json!({"bands": {"medium": 60}}), "risk.bands"),
        (json!({"neutral": {"timing": 2}}), "risk.neutral.timing"),
        (
            json!({"scales": {"change_size": 0}}),
            "risk.scales.change_size",
        ),
        (
            json!({"track_record_prior": {"failure_rate": 1}}),
            "risk.track_record_prior.failure_rate",
        ),
        (
            json!({"peak_hours": {"start": "9am"}}),
            "risk.peak_hours.start",
        ),
        (
            json!({"model": {"intercept": 0, "coefficients": {"luck": 1}, "means": {}, "stds": {}}}),
            "risk.model.coefficients.luck",
        ),
    ] {
        let err = policy(risk.clone()).unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_policy", "{risk}");
        assert_eq!(err.path(), Some(path), "{risk}");
    }
    // Inside a context the path starts at `policy`, and assess_risk says so.
    let mut ctx = Context::default();
    let mut p = relman::Policy::default();
    p.risk.weights.emergency = -1.0;
    ctx.policy = Some(p);
    let err = assess_risk(&release(base_release()), &ctx).unwrap_err();
    assert_eq!(err.path(), Some("policy.risk.weights.emergency"));
}

mod with_conflicts_and_recurring_calendars {
    use relman::{Context, Release};
    use serde_json::json;

    fn release(id: &str, start: &str, end: &str) -> serde_json::Value {
        json!({"id": id, "title": id, "kind": "minor", "state": "approval",
               "planned_start": start, "planned_end": end,
               "changes": [{"id": format!("{id}-C"), "kind": "normal", "summary": "s", "affected_cis": ["web-1"]}]})
    }

    fn factor<'a>(a: &'a relman::RiskAssessment, name: &str) -> &'a relman::Factor {
        a.factors.iter().find(|f| f.name == name).unwrap()
    }

    /// `assess_risk`, checked against an assessor that owns the context.
    fn assess_risk(r: &Release, ctx: &Context) -> relman::Result<relman::RiskAssessment> {
        let borrowed = super::assess_risk(r, ctx);
        let owned = relman::RiskAssessor::from_context(ctx.clone()).and_then(|a| a.assess(r));
        assert_eq!(borrowed, owned);
        borrowed
    }

    #[test]
    fn detected_conflicts_raise_the_dependencies_factor() {
        let r1 = release("R1", "2026-12-01T10:00:00Z", "2026-12-01T12:00:00Z");
        let r2 = release("R2", "2026-12-01T11:00:00Z", "2026-12-01T13:00:00Z");
        let r3 = release("R3", "2026-12-02T11:00:00Z", "2026-12-02T13:00:00Z");
        let cmdb = json!({"cis": [{"id": "web-1", "name": "web-1", "class": "cmdb_ci_server"}]});
        let clash: Context = serde_json::from_value(
            json!({"schedule": {"releases": [r1.clone(), r2], "cmdb": cmdb}}),
        )
        .unwrap();
        let calm: Context = serde_json::from_value(
            json!({"schedule": {"releases": [r1.clone(), r3], "cmdb": cmdb}}),
        )
        .unwrap();
        let release: Release = serde_json::from_value(r1).unwrap();
        let with = assess_risk(&release, &clash).unwrap();
        let without = assess_risk(&release, &calm).unwrap();
        let (a, b) = (
            factor(&with, "dependencies"),
            factor(&without, "dependencies"),
        );
        assert_eq!(a.inputs["blocking_conflicts"], 1, "{a:?}");
        assert_eq!(b.inputs["blocking_conflicts"], 0, "{b:?}");
        assert!(a.value > b.value);
        assert!(a.explanation.contains("1 blocking"), "{}", a.explanation);
    }

    #[test]
    fn recurring_maintenance_windows_and_blackouts_are_expanded() {
        // Sunday 2026-12-06 02:00-04:00 Europe/Berlin is 01:00-03:00Z.
        let calendar = json!({
            "maintenance_windows": [{"id": "sun", "name": "Sunday night", "recurrence": {
                "freq": "weekly", "by_day": ["sun"], "start_time": "02:00",
                "duration_secs": 7200, "time_zone": "Europe/Berlin"}}],
            "blackouts": [{"id": "payday", "name": "Payday", "severity": "warn", "recurrence": {
                "freq": "monthly", "day_of_month": 1, "start_time": "00:00",
                "duration_secs": 86400, "time_zone": "UTC"}}]
        });
        let cmdb = json!({"cis": [{"id": "web-1", "name": "web-1", "class": "cmdb_ci_server", "maintenance_windows": ["sun"]}]});
        let ctx: Context =
            serde_json::from_value(json!({"calendar": calendar, "cmdb": cmdb})).unwrap();
        let inside: Release =
            serde_json::from_value(release("R", "2026-12-06T01:30:00Z", "2026-12-06T02:30:00Z"))
                .unwrap();
        let t = factor(&assess_risk(&inside, &ctx).unwrap(), "timing").clone();
        assert_eq!(t.inputs["maintenance_window"], 0.0, "{t:?}");
        assert_eq!(t.inputs["blackout"], 0.0, "{t:?}");
        let payday: Release =
            serde_json::from_value(release("R", "2027-01-01T01:30:00Z", "2027-01-01T02:30:00Z"))
                .unwrap();
        let t = factor(&assess_risk(&payday, &ctx).unwrap(), "timing").clone();
        assert_eq!(t.inputs["maintenance_window"], 1.0, "{t:?}");
        assert_eq!(t.inputs["blackout"], 1.0, "{t:?}");
        assert!(
            t.explanation.contains("`payday` (warn)"),
            "{}",
            t.explanation
        );
    }
}

/// Found by `contributions_sum_to_the_score`: with every weighted value at 1
/// the floating-point sum of contributions exceeded 100 by a few ulps.
#[test]
fn a_maximal_release_scores_at_most_100() {
    let r = json!({
        "id": "R", "title": "T", "kind": "patch", "state": "testing", "services": ["s0"],
        "depends_on": [], "tests": [],
        "changes": [{"id": "C0", "kind": "standard", "summary": "s", "affected_cis": ["ci0"]}]
    });
    let w = [
        0.0,
        1.0603270480321347,
        0.0,
        2.5584794428882107,
        0.1817550487489014,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    ];
    let ctx = with_weights(prop_context(), &w);
    let a = assess_risk(&release(r), &ctx).unwrap();
    assert!((0.0..=100.0).contains(&a.score), "{}", a.score);
    let sum: f64 = a.factors.iter().map(|f| f.contribution).sum();
    assert!((sum - a.score).abs() < 1e-9);
}

/// Found by fuzzing (`api_call`): one usable release made the hold-out
/// sizing panic (`clamp(1, 0)`); now an `invalid_input`, not a panic.
#[test]
fn fit_with_a_single_release_is_an_error_not_a_panic() {
    let history = serde_json::json!({"releases": [{"id": "R0", "title": "t", "kind": "minor",
        "state": "closed", "deployed_at": "2026-01-01T00:00:00Z", "outcome": "success"}]});
    let err =
        relman::api::call("fit_risk_model", serde_json::json!({"history": history})).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input", "{err}");
}

// ------------------------------------------- compiled reach, every core

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The factor's counts come from the precomputed per-CI reach (or, for
    /// a hub over the cap, from the walk): they must agree with the naive
    /// oracle at every depth, CIs without a service included.
    #[test]
    fn the_blast_radius_factor_agrees_with_a_naive_walk(
        n in 1usize..40,
        edges in prop::collection::vec((0usize..40, 0usize..40, 0usize..4), 0..90),
        starts in prop::collection::vec(0usize..40, 1..5),
        depth in 1u32..5,
    ) {
        let kinds = ["depends_on", "contains", "connects_to", "runs_on"];
        let cis: Vec<Value> = (0..n)
            .map(|i| if i % 5 == 4 {
                json!({"id": format!("c{i}"), "name": "x", "class": "x"})
            } else {
                json!({"id": format!("c{i}"), "name": "x", "class": "x", "service": format!("s{}", i % 3)})
            })
            .collect();
        let rels: Vec<Value> = edges
            .iter()
            .map(|(a, b, k)| json!({"from": format!("c{}", a % n), "to": format!("c{}", b % n), "kind": kinds[*k]}))
            .collect();
        let cmdb = json!({"cis": cis, "relationships": rels});
        let parsed: Cmdb = serde_json::from_value(cmdb.clone()).unwrap();
        let ids: Vec<String> = starts.iter().map(|s| format!("c{}", s % n)).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let (reached, services) = naive_blast(&parsed, &refs, depth);
        let ctx = context(json!({"cmdb": cmdb, "policy": {"risk": {"blast_radius_depth": depth}}}));
        let r = release(json!({"id": "R", "title": "T", "kind": "patch", "state": "approval",
                               "affected_cis": ids}));
        let a = assess_risk(&r, &ctx).unwrap();
        let owned = relman::RiskAssessor::from_context(ctx.clone()).unwrap();
        prop_assert_eq!(&owned.assess(&r).unwrap(), &a);
        let f = a.factor("blast_radius").unwrap();
        prop_assert_eq!(&f.inputs["dependent_cis"], &json!(reached.len()));
        prop_assert_eq!(&f.inputs["services"], &json!(services.len()));
    }
}

/// A hub whose reach is over the precomputation cap falls back to the walk
/// and still counts right, alone and together with CIs that have a ball.
#[test]
fn a_hub_over_the_reach_cap_counts_like_the_naive_walk() {
    let n = 600;
    let cis: Vec<Value> = (0..n)
        .map(|i| json!({"id": format!("c{i}"), "name": "x", "class": "x", "service": format!("s{}", i % 7)}))
        .collect();
    let mut rels: Vec<Value> = (1..400)
        .map(|i| json!({"from": "c0", "to": format!("c{i}"), "kind": "contains"}))
        .collect();
    rels.extend((400..n - 1).map(
        |i| json!({"from": format!("c{}", i + 1), "to": format!("c{i}"), "kind": "depends_on"}),
    ));
    let cmdb = json!({"cis": cis, "relationships": rels});
    let parsed: Cmdb = serde_json::from_value(cmdb.clone()).unwrap();
    let ctx = context(json!({"cmdb": cmdb}));
    for starts in [vec!["c0"], vec!["c450"], vec!["c0", "c450", "c3"]] {
        let (reached, services) = naive_blast(&parsed, &starts, 3);
        let r = release(
            json!({"id": "R", "title": "T", "kind": "patch", "state": "approval",
                               "affected_cis": starts}),
        );
        let a = assess_risk(&r, &ctx).unwrap();
        let f = a.factor("blast_radius").unwrap();
        assert_eq!(
            f.inputs["dependent_cis"],
            json!(reached.len()),
            "{starts:?}"
        );
        assert_eq!(f.inputs["services"], json!(services.len()), "{starts:?}");
    }
}

/// Item 6 of issue #24: batch risk on every core gives exactly what one
/// thread gives, in the same order (assessments, errors and all).
#[test]
fn batch_risk_on_every_core_equals_one_thread() {
    use relman::foundation::parallel::{threads, with_threads};
    let ctx = context(base_context());
    let releases: Vec<Release> = (0..300)
        .map(|i| {
            let mut r = base_release();
            r["id"] = json!(format!("REL-B{i}"));
            r["kind"] = json!(["major", "minor", "patch", "emergency"][i % 4]);
            r["affected_cis"] = json!([vec!["db1", "web1"], vec!["nope"], vec![]][i % 3]);
            release(r)
        })
        .collect();
    let results: Vec<relman::Result<Release>> = releases
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i % 17 == 5 {
                Err(relman::Error::invalid_policy("x", "a bad record"))
            } else {
                Ok(r.clone())
            }
        })
        .collect();
    let one = with_threads(1, || {
        (
            threads(),
            assess_risk_many(&releases, &ctx),
            relman::risk::assess_risk_batch(&results, &ctx).unwrap(),
        )
    });
    let all = with_threads(2, || {
        (
            threads(),
            assess_risk_many(&releases, &ctx),
            relman::risk::assess_risk_batch(&results, &ctx).unwrap(),
        )
    });
    assert_eq!(one.0, 1);
    assert_eq!(all.0, 2);
    assert_eq!(one.1, all.1);
    assert_eq!(one.2, all.2);
    assert_eq!(
        serde_json::to_string(&one.2).unwrap(),
        serde_json::to_string(&all.2).unwrap()
    );
    let default = assess_risk_many(&releases, &ctx);
    assert_eq!(one.1, default);
}

#[test]
fn a_prepared_assessor_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<relman::RiskAssessor<'static>>();
    check::<relman::RiskVerdict<'static>>();
}

/// The typed verdict renders into exactly what `assess` returns.
#[test]
fn the_verdict_renders_into_the_assessment() {
    let ctx = context(base_context());
    let r = release(base_release());
    let assessor = relman::RiskAssessor::new(&ctx).unwrap();
    let verdict = assessor.verdict(&r).unwrap();
    assert_eq!(verdict.release_id(), r.id);
    let rendered = verdict.clone().render();
    assert_eq!(rendered, assess_risk(&r, &ctx).unwrap());
    let owned = relman::RiskAssessor::from_context(ctx.clone()).unwrap();
    assert_eq!(owned.assess(&r).unwrap(), rendered);
    assert_eq!(verdict.score().to_bits(), rendered.score.to_bits());
    for ((name, value), f) in verdict.values().zip(&rendered.factors) {
        assert_eq!(name.as_str(), f.name);
        assert_eq!(value.to_bits(), f.value.to_bits());
    }
}

// ------------------------------------------------- risk conditions (issue #21)

/// A document of `examples/data`, parsed.
fn bundled<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/../examples/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The bundled policy with the bundled CMDB, calendar, schedule and
/// history.
fn bundled_context() -> Context {
    context(json!({
        "policy": bundled::<Value>("policy.json"),
        "cmdb": bundled::<Value>("cmdb.json"),
        "calendar": bundled::<Value>("calendar.json"),
        "schedule": bundled::<Value>("schedule.json"),
        "history": bundled::<Value>("history.json"),
    }))
}

/// Issue #21, acceptance 1: under the bundled policy and data, the bundled
/// major release (6 changes, 11 CIs with the critical `lb-edge-prd`) scores
/// low by the weighted mean, and the declared condition raises it to high,
/// saying what it matched.
#[test]
fn the_bundled_major_release_is_at_least_high_through_the_declared_condition() {
    let ctx = bundled_context();
    let r = release(bundled::<Value>("release-major.json"));
    let a = assess_risk(&r, &ctx).unwrap();
    assert_eq!(a.score_level, Some(RiskLevel::Low), "{}", a.score);
    assert!((a.score - 26.69).abs() < 0.01, "{}", a.score);
    assert!(a.level >= RiskLevel::High);
    assert_eq!(a.level, RiskLevel::High);
    assert_eq!(a.aggregation, None);
    let [c] = a.conditions.as_slice() else {
        panic!("one condition expected: {:?}", a.conditions)
    };
    assert_eq!(c.id, "critical-ci-in-major");
    assert_eq!(c.level, RiskLevel::High);
    assert_eq!(c.matched.kind, Some(relman::ReleaseKind::Major));
    let lb = c
        .matched
        .cis
        .iter()
        .find(|ci| ci.id == "lb-edge-prd")
        .unwrap();
    assert_eq!(lb.class, "cmdb_ci_lb");
    assert_eq!(lb.criticality, Some(relman::Criticality::Critical));
    assert!(c
        .explanation
        .contains("`lb-edge-prd` (cmdb_ci_lb, critical)"));
    assert!(c
        .explanation
        .ends_with("at least high (condition `critical-ci-in-major`)"));
    // The factors are untouched by the condition: still the weighted mean.
    let sum: f64 = a.factors.iter().map(|f| f.contribution).sum();
    assert!((sum - a.score).abs() < 1e-9);
    // The typed verdict says the same.
    let assessor = relman::RiskAssessor::new(&ctx).unwrap();
    let v = assessor.verdict(&r).unwrap();
    assert_eq!(v.level(), RiskLevel::High);
    assert_eq!(v.score_level(), RiskLevel::Low);
    assert_eq!(
        v.matched_conditions().collect::<Vec<_>>(),
        ["critical-ci-in-major"]
    );
    // A minor release of the bundle touches no critical CI in a major
    // release: no condition, no score_level.
    let minor = release(bundled::<Value>("release-minor.json"));
    let m = assess_risk(&minor, &ctx).unwrap();
    assert!(m.conditions.is_empty());
    assert_eq!(m.score_level, None);
}

fn with_policy(mut ctx: Context, policy: Value) -> Context {
    ctx.policy = Some(relman::from_value(policy).unwrap().document);
    ctx
}

/// A condition on CI criticality without a CMDB does not match and warns,
/// naming the condition; one whose other tests fail does not warn.
#[test]
fn a_condition_that_needs_the_cmdb_warns_without_one() {
    let r = release(base_release());
    let policy = json!({"risk": {"conditions": [
        {"id": "critical-ci", "when": {"criticality": ["critical"]}, "then": {"at_least": "critical"}},
        {"id": "major-critical-ci", "when": {"kinds": ["major"], "classes": ["db"]}, "then": {"at_least": "critical"}}
    ]}});
    let a = assess_risk(&r, &with_policy(Context::default(), policy.clone())).unwrap();
    assert!(a.conditions.is_empty());
    assert_eq!(a.score_level, None);
    let w: Vec<_> = a
        .warnings
        .iter()
        .filter(|w| w.code == "risk_condition_needs_cmdb")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", a.warnings);
    assert_eq!(w[0].path, "policy.risk.conditions[0].when");
    assert!(w[0].message.contains("`critical-ci`"));
    // With the CMDB, the first matches (db1 is critical) and raises the
    // level; the second does not (the release is minor).
    let a = assess_risk(&r, &with_policy(context(base_context()), policy)).unwrap();
    assert_eq!(a.level, RiskLevel::Critical);
    assert_eq!(a.score_level, Some(RiskLevel::Medium));
    assert_eq!(a.conditions.len(), 1);
    assert_eq!(a.conditions[0].matched.cis[0].id, "db1");
    assert!(a
        .warnings
        .iter()
        .all(|w| w.code != "risk_condition_needs_cmdb"));
}

/// Every bad condition or aggregation is `invalid_policy` at its path.
#[test]
fn bad_conditions_and_aggregations_are_invalid_policy_with_their_paths() {
    let cases = [
        (
            json!({"conditions": [{"id": "a", "then": {"at_least": "extreme"}}]}),
            "policy.risk.conditions[0].then.at_least",
        ),
        (
            json!({"conditions": [{"id": "", "then": {"at_least": "high"}}]}),
            "policy.risk.conditions[0].id",
        ),
        (
            json!({"conditions": [{"id": "a", "then": {"at_least": "high"}},
                                   {"id": "b", "then": {"at_least": "high"}},
                                   {"id": "a", "then": {"at_least": "low"}}]}),
            "policy.risk.conditions[2].id",
        ),
        (
            json!({"conditions": [{"id": "a", "when": {"kind": ["major"]}, "then": {"at_least": "high"}}]}),
            "policy.risk.conditions[0].when.kind",
        ),
        (
            json!({"conditions": [{"id": "a", "then": {"at_least": "high", "level": "low"}}]}),
            "policy.risk.conditions[0].then.level",
        ),
        (
            json!({"conditions": [{"id": "a"}]}),
            "policy.risk.conditions[0].then",
        ),
        (
            json!({"conditions": [{"id": "a", "when": {"services": [""]}, "then": {"at_least": "high"}}]}),
            "policy.risk.conditions[0].when.services",
        ),
        (
            json!({"conditions": [{"id": "a", "when": {"min_cis": -1}, "then": {"at_least": "high"}}]}),
            "policy.risk.conditions[0].when.min_cis",
        ),
        (json!({"aggregation": "median"}), "policy.risk.aggregation"),
    ];
    for (risk, path) in cases {
        // Through the operation, as every front end calls it.
        let err = relman::api::call(
            "assess_risk",
            json!({"release": base_release(), "context": {"policy": {"risk": risk}}}),
        )
        .unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_policy", "{risk}: {err:?}");
        assert_eq!(err.path(), Some(path), "{risk}: {err:?}");
    }
}

fn arb_aggregation() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["weighted_mean", "max", "noisy_or"])
}

/// Conditions drawn from every kind of test.
fn arb_condition() -> impl Strategy<Value = Value> {
    let level = prop::sample::select(vec!["low", "medium", "high", "critical"]);
    (
        prop::option::of(prop::sample::subsequence(
            vec!["major", "minor", "patch", "emergency"],
            1..3,
        )),
        prop::option::of(prop::sample::subsequence(
            vec!["critical", "high", "medium", "low"],
            1..3,
        )),
        prop::option::of(prop::sample::subsequence(
            vec!["standard", "normal", "emergency"],
            1..3,
        )),
        prop::option::of(0u64..5),
        prop::option::of(0u64..5),
        level,
    )
        .prop_map(|(kinds, crit, change_kinds, min_changes, min_cis, level)| {
            let mut when = json!({});
            if let Some(k) = kinds {
                when["kinds"] = json!(k);
            }
            if let Some(c) = crit {
                when["criticality"] = json!(c);
            }
            if let Some(c) = change_kinds {
                when["change_kinds"] = json!(c);
            }
            if let Some(n) = min_changes {
                when["min_changes"] = json!(n);
            }
            if let Some(n) = min_cis {
                when["min_cis"] = json!(n);
            }
            json!({"when": when, "then": {"at_least": level}})
        })
}

fn with_conditions(w: &[f64], aggregation: &str, conditions: &[Value]) -> Context {
    let names = relman::policy::RISK_FACTORS;
    let weights: BTreeMap<&str, f64> = names.iter().copied().zip(w.iter().copied()).collect();
    let conditions: Vec<Value> = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut c = c.clone();
            c["id"] = json!(format!("c{i}"));
            c
        })
        .collect();
    with_policy(
        prop_context(),
        json!({"risk": {"weights": weights, "aggregation": aggregation, "conditions": conditions}}),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Issue #21: under every aggregation the contributions sum to the
    /// score (1e-9) and the score is in 0–100; the level is never below
    /// the score's level; adding a condition never lowers the level.
    #[test]
    fn aggregations_and_conditions_keep_the_score_explained(
        r in arb_release(),
        w in arb_weights(),
        aggregation in arb_aggregation(),
        conditions in prop::collection::vec(arb_condition(), 0..4),
        extra in arb_condition(),
    ) {
        let r = release(r);
        let a = assess_risk(&r, &with_conditions(&w, aggregation, &conditions)).unwrap();
        let sum: f64 = a.factors.iter().map(|f| f.contribution).sum();
        prop_assert!((sum - a.score).abs() <= 1e-9, "{} != {}", sum, a.score);
        prop_assert!((0.0..=100.0).contains(&a.score), "{}", a.score);
        for f in &a.factors {
            prop_assert!(f.contribution >= 0.0, "{} = {}", f.name, f.contribution);
        }
        let bands = relman::policy::RiskBands::default();
        let by_score = if a.score >= bands.critical {
            RiskLevel::Critical
        } else if a.score >= bands.high {
            RiskLevel::High
        } else if a.score >= bands.medium {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        };
        prop_assert_eq!(a.score_level.unwrap_or(a.level), by_score);
        prop_assert!(a.level >= by_score);
        for c in &a.conditions {
            prop_assert!(a.level >= c.level);
        }
        prop_assert_eq!(a.score_level.is_some(), !a.conditions.is_empty());
        prop_assert_eq!(
            a.aggregation.map(|g| g.as_str()),
            (aggregation != "weighted_mean").then_some(aggregation)
        );
        let mut more = conditions.clone();
        more.push(extra);
        let b = assess_risk(&r, &with_conditions(&w, aggregation, &more)).unwrap();
        prop_assert!(b.level >= a.level);
        prop_assert_eq!(b.score.to_bits(), a.score.to_bits());
        // The weighted mean is the default: the same score as before.
        if aggregation == "weighted_mean" {
            let plain = assess_risk(&r, &with_weights(prop_context(), &w)).unwrap();
            prop_assert_eq!(plain.score.to_bits(), a.score.to_bits());
        }
    }
}

/// `max` and `noisy_or` by hand on the hand-computed release.
#[test]
fn max_and_noisy_or_follow_their_formulas() {
    let r = release(base_release());
    let mean = assess_risk(&r, &context(base_context())).unwrap();
    let w_max = mean.factors.iter().map(|f| f.weight).fold(0.0, f64::max);
    let p: Vec<f64> = mean
        .factors
        .iter()
        .map(|f| f.value * f.weight / w_max)
        .collect();
    let ctx = |aggregation: &str| {
        with_policy(
            context(base_context()),
            json!({"risk": {"aggregation": aggregation}}),
        )
    };
    let max = assess_risk(&r, &ctx("max")).unwrap();
    let top = p.iter().copied().fold(0.0, f64::max);
    assert!((max.score - 100.0 * top).abs() < 1e-9);
    let winners: Vec<&str> = max
        .factors
        .iter()
        .filter(|f| f.contribution > 0.0)
        .map(|f| f.name.as_str())
        .collect();
    assert!(!winners.is_empty());
    let noisy = assess_risk(&r, &ctx("noisy_or")).unwrap();
    let none: f64 = p.iter().map(|p| 1.0 - p).product();
    assert!((noisy.score - 100.0 * (1.0 - none)).abs() < 1e-9);
    let sum_p: f64 = p.iter().sum();
    for (f, p) in noisy.factors.iter().zip(&p) {
        assert!((f.contribution - noisy.score * p / sum_p).abs() < 1e-9);
    }
    // The values are the same whatever the aggregation.
    for (a, b) in mean.factors.iter().zip(&noisy.factors) {
        assert_eq!(a.value.to_bits(), b.value.to_bits());
    }
    assert_eq!(
        noisy.aggregation,
        Some(relman::policy::RiskAggregation::NoisyOr)
    );
}

/// The lifecycle risk gate compares the assessed level, conditions
/// included, and names the conditions that raised it.
#[test]
fn the_lifecycle_risk_gate_names_the_matching_conditions() {
    let mut r = base_release();
    r["kind"] = json!("major");
    let r = release(r);
    let policy = json!({"risk": {"conditions": [
        {"id": "critical-ci-in-major", "when": {"kinds": ["major"], "criticality": ["critical"]},
         "then": {"at_least": "critical"}}
    ]}});
    let ctx = with_policy(context(base_context()), policy);
    let report = relman::check(&r, State::Deployment, &ctx);
    let req = report
        .requirements
        .iter()
        .find(|q| q.rule == "approval.risk")
        .unwrap();
    assert_eq!(req.data["level"], "critical");
    assert_eq!(req.data["conditions"], json!(["critical-ci-in-major"]));
    assert!(!req.met);
    assert!(
        req.message
            .contains("risk conditions `critical-ci-in-major`"),
        "{}",
        req.message
    );
    // Without a matching condition the data has no `conditions`.
    let report = relman::check(&r, State::Deployment, &context(base_context()));
    let req = report
        .requirements
        .iter()
        .find(|q| q.rule == "approval.risk")
        .unwrap();
    assert_eq!(req.data.get("conditions"), None);
}
