//! End-to-end tests of `relman risk` and `relman fit-risk`: exit codes,
//! JSON and table output, the policy fragment, and errors on stderr.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside `#[test]` functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};

mod common;
use common::{relman, sample, TempFile};

fn context() -> TempFile {
    TempFile::json(
        "context.json",
        &json!({
            "cmdb": {
                "cis": [
                    {"id": "app", "name": "App", "class": "app", "criticality": "high", "service": "shop"},
                    {"id": "web", "name": "Web", "class": "web", "service": "portal"}
                ],
                "relationships": [{"from": "web", "to": "app", "kind": "depends_on"}]
            }
        }),
    )
}

fn release() -> Value {
    json!({
        "id": "REL-R1", "title": "Cart", "kind": "minor", "state": "approval",
        "changes": [{"id": "C1", "kind": "normal", "summary": "s", "affected_cis": ["app", "ghost"]}],
        "deployment": {"strategy": "blue_green"},
        "rollback_plan": {"documented": true, "tested": true}
    })
}

#[test]
fn risk_prints_the_assessment_as_json() {
    let ctx = context();
    let r = TempFile::json("release.json", &release());
    let run = relman(&["risk", r.path(), "--context", ctx.path()]);
    let a = run.exits(0).stdout_json();
    assert_eq!(a["release_id"], "REL-R1");
    assert_eq!(a["factors"].as_array().unwrap().len(), 10);
    let sum: f64 = a["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["contribution"].as_f64().unwrap())
        .sum();
    assert!((sum - a["score"].as_f64().unwrap()).abs() < 1e-9);
    let blast = a["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "blast_radius")
        .unwrap();
    assert_eq!(blast["inputs"]["dependent_cis"], 1);
    // The unknown CI is a warning, with its path.
    assert_eq!(a["warnings"][0]["code"], "unknown_ci");
    assert_eq!(a["warnings"][0]["path"], "changes[0].affected_cis[1]");
}

#[test]
fn risk_table_shows_the_factor_breakdown() {
    let run = relman(&["risk", &sample("release-major.json"), "--format", "table"]);
    run.exits(0);
    let out = &run.stdout;
    assert!(out.starts_with("REL-2026-050: risk "), "{out}");
    for name in relman::FactorName::ALL.map(relman::FactorName::as_str) {
        assert!(out.contains(name), "{name} missing:\n{out}");
    }
    assert!(out.contains("no CMDB in the context"), "{out}");
}

#[test]
fn risk_fail_at_exits_1_at_or_above_the_level() {
    let r = TempFile::json("release.json", &release());
    relman(&["risk", r.path(), "--fail-at", "low"]).exits(1);
    relman(&["risk", r.path(), "--fail-at", "critical"]).exits(0);
}

#[test]
fn risk_with_a_bad_policy_or_cmdb_exits_2() {
    let r = TempFile::json("release.json", &release());
    let policy = TempFile::json("policy.json", &json!({"risk": {"weights": {"timing": -1}}}));
    let run = relman(&["risk", r.path(), "--policy", policy.path()]);
    let err = run.exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_policy");
    assert!(
        err["path"]
            .as_str()
            .unwrap()
            .ends_with("risk.weights.timing"),
        "{err}"
    );
    let ctx = TempFile::json(
        "context.json",
        &json!({"cmdb": {"cis": [{"id": "app", "name": "a", "class": "c"}],
                          "relationships": [{"from": "app", "to": "nope", "kind": "depends_on"}]}}),
    );
    let err = relman(&["risk", r.path(), "--context", ctx.path()])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "cmdb.relationships[0].to");
    let mut bad = release();
    bad["changes"][0]["kind"] = json!("sudden");
    let r = TempFile::json("bad.json", &bad);
    let err = relman(&["risk", r.path()]).exits(2).stderr_json();
    assert_eq!(err["path"], "changes[0].kind");
}

fn history(n: usize) -> Value {
    let releases: Vec<Value> = (0..n)
        .map(|i| {
            let gaps = i % 5;
            let tests: Vec<Value> = ["unit", "integration", "uat"]
                .iter()
                .take(3 - gaps.min(3))
                .map(|k| json!({"kind": k, "passed": 5, "signed_off_by": "qa"}))
                .collect();
            json!({
                "id": format!("R{i}"), "title": "t", "kind": "minor", "state": "closed",
                "tests": tests,
                "deployed_at": format!("2026-01-{:02}T{:02}:00:00Z", 1 + i / 24, i % 24),
                "outcome": if gaps >= 3 || i % 7 == 0 { "failed" } else { "success" },
            })
        })
        .collect();
    json!({"releases": releases})
}

#[test]
fn fit_risk_prints_model_quality_and_counts() {
    let h = TempFile::json("history.json", &history(200));
    let fit = relman(&["fit-risk", h.path()]).exits(0).stdout_json();
    assert_eq!(fit["samples"]["training"], 160);
    assert_eq!(fit["samples"]["holdout"], 40);
    assert!(fit["quality"]["holdout_auc"].as_f64().unwrap() > 0.5);
    assert!(
        fit["model"]["coefficients"]["test_evidence"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // Options reach the fit.
    let fit = relman(&["fit-risk", h.path(), "--holdout", "0.5"])
        .exits(0)
        .stdout_json();
    assert_eq!(fit["samples"]["holdout"], 100);
}

#[test]
fn fit_risk_as_policy_feeds_risk() {
    let h = TempFile::json("history.json", &history(200));
    let fragment = relman(&["fit-risk", h.path(), "--as-policy"])
        .exits(0)
        .stdout_json();
    assert!(fragment["risk"]["model"]["intercept"].is_number());
    let policy = TempFile::json("policy.json", &fragment);
    relman(&["validate", "--kind", "policy", policy.path()]).exits(0);
    let r = TempFile::json("release.json", &release());
    let a = relman(&["risk", r.path(), "--policy", policy.path()])
        .exits(0)
        .stdout_json();
    let p = a["failure_probability"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    let table = relman(&[
        "risk",
        r.path(),
        "--policy",
        policy.path(),
        "--format",
        "table",
    ]);
    assert!(table
        .exits(0)
        .stdout
        .contains("predicted failure probability"));
}

#[test]
fn fit_risk_table_lists_quality_and_coefficients() {
    let h = TempFile::json("history.json", &history(100));
    let run = relman(&["fit-risk", h.path(), "--format", "table"]);
    let out = &run.exits(0).stdout;
    assert!(out.contains("held out: AUC"), "{out}");
    assert!(out.contains("test_evidence"), "{out}");
}

#[test]
fn fit_risk_with_one_outcome_or_bad_options_exits_2() {
    let mut h = history(50);
    for r in h["releases"].as_array_mut().unwrap() {
        r["outcome"] = json!("success");
    }
    let h = TempFile::json("history.json", &h);
    let err = relman(&["fit-risk", h.path()]).exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "releases");
    let err = relman(&["fit-risk", h.path(), "--l2", "0"])
        .exits(2)
        .stderr_json();
    assert_eq!(err["path"], "options.l2");
    let empty = TempFile::json("empty.json", &json!({"deployments": []}));
    let err = relman(&["fit-risk", empty.path()]).exits(2).stderr_json();
    assert_eq!(err["path"], "releases");
}

/// A context of the bundled CMDB, calendar, schedule and history (the
/// policy comes from `--policy examples/data/policy.json`).
fn bundled_context() -> TempFile {
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(sample(name)).unwrap()).unwrap()
    };
    TempFile::json(
        "bundled-context.json",
        &json!({
            "cmdb": read("cmdb.json"),
            "calendar": read("calendar.json"),
            "schedule": read("schedule.json"),
            "history": read("history.json"),
        }),
    )
}

#[path = "../../../core/tests/support/snapshot.rs"]
mod snapshots;
use snapshots::snapshot;

/// Issue #21, acceptance 1: with the bundled policy and data, the bundled
/// major release is high through `critical-ci-in-major` (its score alone
/// is low), and the table shows the condition beside the factors.
#[test]
fn risk_table_shows_the_condition_that_raised_the_bundled_major_release() {
    let ctx = bundled_context();
    let policy = sample("policy.json");
    let major = sample("release-major.json");
    let args = ["risk", &major, "--context", ctx.path(), "--policy", &policy];
    let a = relman(&args).exits(0).stdout_json();
    assert_eq!(a["level"], "high");
    assert_eq!(a["score_level"], "low");
    assert_eq!(a["conditions"][0]["id"], "critical-ci-in-major");
    assert!(a["conditions"][0]["matched"]["cis"]
        .as_array()
        .unwrap()
        .iter()
        .any(|ci| ci["id"] == "lb-edge-prd" && ci["criticality"] == "critical"));
    // --fail-at high fails the pipeline through the condition.
    let mut failing = args.to_vec();
    failing.extend(["--fail-at", "high"]);
    relman(&failing).exits(1);
    let mut table = args.to_vec();
    table.extend(["--format", "table"]);
    let run = relman(&table);
    run.exits(0);
    let out = &run.stdout;
    assert!(
        out.starts_with("REL-2026-050: risk high (score 26.7 of 100; the score alone is low"),
        "{out}"
    );
    for name in relman::FactorName::ALL.map(relman::FactorName::as_str) {
        assert!(out.contains(name), "{name} missing:\n{out}");
    }
    assert!(
        out.contains("  condition             at least  matched\n"),
        "{out}"
    );
    assert!(
        out.contains("  critical-ci-in-major  high      the release is major; it touches"),
        "{out}"
    );
    assert!(
        out.contains("`lb-edge-prd` (cmdb_ci_lb, critical)"),
        "{out}"
    );
    snapshot("risk-release-major.txt", out);
}

/// Without a CMDB the bundled condition cannot be decided: it does not
/// match and the warning names it.
#[test]
fn risk_without_a_cmdb_warns_about_the_bundled_condition() {
    let policy = sample("policy.json");
    let major = sample("release-major.json");
    let a = relman(&["risk", &major, "--policy", &policy])
        .exits(0)
        .stdout_json();
    assert_eq!(a.get("conditions"), None);
    let w = a["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "risk_condition_needs_cmdb")
        .unwrap();
    assert_eq!(w["path"], "policy.risk.conditions[0].when");
    assert!(w["message"]
        .as_str()
        .unwrap()
        .contains("`critical-ci-in-major`"));
}

/// `risk.aggregation` is named in the table header.
#[test]
fn risk_table_names_a_non_default_aggregation() {
    let r = TempFile::json("release.json", &release());
    let policy = TempFile::json("policy.json", &json!({"risk": {"aggregation": "noisy_or"}}));
    let run = relman(&[
        "risk",
        r.path(),
        "--policy",
        policy.path(),
        "--format",
        "table",
    ]);
    run.exits(0);
    assert!(
        run.stdout.contains(", aggregated by noisy_or"),
        "{}",
        run.stdout
    );
}
