//! The direct serialisation of a typed risk verdict (`RiskVerdict` as
//! `Serialize`, `RiskAssessor::assess_json`) writes exactly the bytes of the
//! rendered `RiskAssessment` serialised through `serde_json` — over many
//! generated releases and every kind of context (none; CMDB, history and
//! calendar; a schedule; a fitted model; peak hours; odd weights).

// Tests may unwrap and index: a failure should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use relman::{Context, Release, RiskAssessor};
use serde_json::{json, Value};

fn release(value: Value) -> Release {
    relman::from_value(value).unwrap().document
}

fn context(value: Value) -> Context {
    relman::from_value(value).unwrap().document
}

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
        prop::collection::vec((change_kinds, prop::collection::vec(0u8..12, 0..3)), 0..6),
        prop::collection::vec((test_kinds, 0u64..20, 0u64..3, any::<bool>()), 0..7),
        prop::option::of((any::<bool>(), any::<bool>())),
        strategies,
        prop::collection::vec(0usize..6, 0..4),
        0u8..4,
        (0usize..6, prop::collection::vec(0u8..12, 0..3)),
    )
        .prop_map(
            |(kind, changes, tests, rollback, strategy, deps, window, (id, own))| {
                let changes: Vec<Value> = changes
                    .iter()
                    .enumerate()
                    .map(|(i, (k, cis))| {
                        json!({
                            "id": format!("C{i}"), "kind": k, "summary": "s \"quoted\" \u{e9}",
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
                    "id": format!("R{id}"), "title": "T", "kind": kind, "state": "testing",
                    "changes": changes, "tests": tests, "services": ["s0", "s\"1"],
                    "affected_cis": own.iter().map(|c| format!("ci{c}")).collect::<Vec<_>>(),
                    "depends_on": deps.iter().filter(|i| **i != id).map(|i| format!("R{i}")).collect::<Vec<_>>(),
                });
                if let Some((documented, tested)) = rollback {
                    r["rollback_plan"] = json!({"documented": documented, "tested": tested});
                }
                if strategy != "none" {
                    r["deployment"] = json!({"strategy": strategy});
                }
                let window = match window {
                    0 => None,
                    1 => Some(("2026-11-18T10:00:00+01:00", "2026-11-18T12:00:00+01:00")),
                    2 => Some(("2026-11-21T02:00:00Z", "2026-11-21T03:00:00Z")),
                    _ => Some(("2026-11-16T08:00:00Z", "2026-11-25T08:00:00Z")),
                };
                if let Some((start, end)) = window {
                    r["planned_start"] = json!(start);
                    r["planned_end"] = json!(end);
                }
                r
            },
        )
}

/// CMDB (ci8–ci11 unknown), history, calendar with blackouts and
/// maintenance windows, peak hours.
fn full_context() -> Value {
    let cis: Vec<Value> = (0..8)
        .map(|i| {
            let criticality = ["critical", "high", "medium", "low"][i % 4];
            let mut ci = json!({"id": format!("ci{i}"), "name": "x", "class": "app",
                   "criticality": criticality, "service": format!("s{}", i % 3)});
            if i % 3 == 0 {
                ci["maintenance_windows"] = json!(["MW1"]);
            }
            if i == 7 {
                ci.as_object_mut().unwrap().remove("criticality");
            }
            ci
        })
        .collect();
    let rels: Vec<Value> = (1..8)
        .map(|i| json!({"from": format!("ci{i}"), "to": format!("ci{}", i / 2), "kind": "depends_on"}))
        .collect();
    json!({
        "cmdb": {"cis": cis, "relationships": rels},
        "history": {"deployments": [
            {"id": "D1", "service": "s0", "environment": "p", "finished_at": "2026-10-01T00:00:00Z", "outcome": "failed"},
            {"id": "D2", "service": "s1", "environment": "p", "finished_at": "2026-10-02T00:00:00Z", "outcome": "success"}
        ]},
        "calendar": {
            "blackouts": [
                {"id": "B1", "name": "freeze", "start": "2026-11-18T00:00:00Z", "end": "2026-11-18T10:00:00Z", "severity": "warn"},
                {"id": "B`2", "name": "quarter end", "start": "2026-11-20T00:00:00Z", "end": "2026-11-22T00:00:00Z", "severity": "block", "scope": {"services": ["s0"]}}
            ],
            "maintenance_windows": [
                {"id": "MW1", "name": "nightly",
                 "recurrence": {"freq": "daily", "start_time": "01:00", "duration_secs": 14400, "time_zone": "UTC"}}
            ]
        },
        "policy": {"risk": {"peak_hours": {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00", "time_zone": "Europe/Paris"}}}
    })
}

fn schedule_context() -> Value {
    let releases: Vec<Value> = (0..6)
        .map(|i| {
            let state = [
                "planning",
                "closed",
                "review",
                "deployment",
                "cancelled",
                "approval",
            ][i];
            json!({"id": format!("R{i}"), "title": "t", "kind": "minor", "state": state,
                   "affected_cis": [format!("ci{}", i % 2)],
                   "depends_on": if i > 0 { vec![format!("R{}", i - 1)] } else { vec![] },
                   "planned_start": "2026-11-18T10:00:00Z", "planned_end": "2026-11-18T12:00:00Z"})
        })
        .collect();
    json!({"schedule": {"releases": releases}})
}

fn model_context() -> Value {
    let names = relman::policy::RISK_FACTORS;
    let coefficients: serde_json::Map<String, Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), json!(0.3 * i as f64 - 1.0)))
        .collect();
    let means: serde_json::Map<String, Value> =
        names.iter().map(|n| (n.to_string(), json!(0.4))).collect();
    let stds: serde_json::Map<String, Value> =
        names.iter().map(|n| (n.to_string(), json!(0.2))).collect();
    json!({"policy": {"risk": {
        "weights": {"change_size": 0.1, "emergency": 3.0, "dependencies": 1e-7},
        "model": {"intercept": -1.5, "coefficients": coefficients, "means": means, "stds": stds}
    }}})
}

/// Risk conditions of every kind of test (some matching often, one with a
/// description, one needing the CMDB) under each aggregation.
fn conditions_policy(aggregation: &str) -> Value {
    json!({"risk": {
        "aggregation": aggregation,
        "conditions": [
            {"id": "big", "description": "major or emergency",
             "when": {"kinds": ["major", "emergency"]}, "then": {"at_least": "high"}},
            {"id": "critical-ci", "when": {"criticality": ["critical"], "classes": ["app"]},
             "then": {"at_least": "medium"}},
            {"id": "busy", "when": {"change_kinds": ["normal"], "min_changes": 2, "min_cis": 2,
             "services": ["s0", "s1"], "min_services": 1}, "then": {"at_least": "critical"}},
            {"id": "never", "when": {"environments": ["production"]}, "then": {"at_least": "low"}}
        ]
    }})
}

fn contexts() -> Vec<Context> {
    let mut with_conditions = full_context();
    with_conditions["policy"] = conditions_policy("noisy_or");
    [
        json!({}),
        full_context(),
        schedule_context(),
        model_context(),
        with_conditions,
        json!({"policy": conditions_policy("max")}),
    ]
    .into_iter()
    .map(context)
    .collect()
}

/// Direct text, direct `Value` and the rendered path agree byte for byte.
fn same_json(assessor: &RiskAssessor<'_>, r: &Release) -> Result<(), TestCaseError> {
    let rendered = assessor.assess(r).unwrap();
    let want = serde_json::to_string(&rendered).unwrap();
    let verdict = assessor.verdict(r).unwrap();
    prop_assert_eq!(&serde_json::to_string(&verdict).unwrap(), &want);
    prop_assert_eq!(&assessor.assess_json(r).unwrap(), &want);
    // Through a `Value` (what the operations hand the bindings) and pretty.
    prop_assert_eq!(
        serde_json::to_value(&verdict).unwrap(),
        serde_json::to_value(&rendered).unwrap()
    );
    prop_assert_eq!(
        serde_json::to_string_pretty(&verdict).unwrap(),
        serde_json::to_string_pretty(&rendered).unwrap()
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn direct_serialisation_equals_the_rendered_assessment(r in arb_release()) {
        let r = release(r);
        for ctx in contexts() {
            let assessor = RiskAssessor::new(&ctx).unwrap();
            same_json(&assessor, &r)?;
        }
    }
}

/// The bench's generated releases too (every strategy, test mix, window).
#[test]
fn direct_serialisation_equals_the_rendered_assessment_on_fixtures() {
    let ctxs = contexts();
    let assessors: Vec<RiskAssessor<'_>> =
        ctxs.iter().map(|c| RiskAssessor::new(c).unwrap()).collect();
    for i in 0..300u64 {
        let kind = ["major", "minor", "patch", "emergency"][(i % 4) as usize];
        let mut r = json!({
            "id": format!("REL-{i}"), "title": "t", "kind": kind,
            "state": "approval", "services": [format!("s{}", i % 3)],
            "affected_cis": [format!("ci{}", i % 11), format!("ci{}", (i * 7) % 13)],
            "changes": (0..i % 5).map(|c| json!({"id": format!("C{c}"), "kind": "normal", "summary": "x",
                "affected_cis": [format!("ci{}", (i + c) % 9)]})).collect::<Vec<_>>(),
            "tests": (0..i % 4).map(|t| {
                let kind = ["unit", "uat", "security"][(t % 3) as usize];
                json!({"kind": kind, "passed": i % 7, "failed": (i + t) % 2})
            }).collect::<Vec<_>>(),
        });
        if i % 3 != 0 {
            r["planned_start"] = json!(format!("2026-11-{:02}T{:02}:00:00Z", 15 + i % 10, i % 23));
            r["planned_end"] = json!(format!(
                "2026-11-{:02}T{:02}:30:00Z",
                15 + i % 10,
                i % 23 + 1
            ));
        }
        let r = release(r);
        for a in &assessors {
            same_json(a, &r).unwrap();
        }
    }
}
