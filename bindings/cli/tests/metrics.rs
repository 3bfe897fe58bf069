//! End-to-end tests of `relman metrics`: the Prometheus and Datadog
//! fixtures imported, composed with `relman judge` (exit 1 on the failing
//! canary), a rollout observation, the table, and bad input at its path.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{path, relman, relman_with, TempFile};
use serde_json::Value;
use std::io::Write;
use std::process::Stdio;

const NOW: &str = "2026-12-01T10:30:00Z";

fn fixture(rel: &str) -> String {
    path(&format!("core/tests/fixtures/metrics/{rel}"))
}

fn metrics(source: &str, responses: &[(&str, &str)], extra: &[&str]) -> common::Run {
    let pairs: Vec<String> = responses
        .iter()
        .map(|(name, rel)| format!("{name}={}", fixture(rel)))
        .collect();
    let mut args = vec!["--now", NOW, "metrics", "--source", source];
    args.extend(pairs.iter().map(String::as_str));
    args.extend(["--baseline", "track=baseline", "--canary", "track=canary"]);
    args.extend(extra);
    relman(&args)
}

fn judge_stdin(doc: &str) -> common::Run {
    judge_stdin_with(doc, &[])
}

fn judge_stdin_with(doc: &str, extra: &[&str]) -> common::Run {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(["judge", "-"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    common::Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[test]
fn prometheus_comparison_composes_with_judge() {
    let pass = metrics(
        "prometheus",
        &[
            ("latency", "prometheus/latency_pass.json"),
            ("errors", "prometheus/errors_pass.json"),
        ],
        &["--max-age", "5m", "--emit", "comparison"],
    );
    pass.exits(0);
    let doc: Value = pass.stdout_json();
    assert_eq!(doc["canary"]["latency"].as_array().unwrap().len(), 118);
    let verdict = judge_stdin(&pass.stdout);
    verdict.exits(0);
    assert_eq!(verdict.stdout_json()["verdict"], "pass");

    let fail = metrics(
        "prometheus",
        &[
            ("latency", "prometheus/latency_fail.json"),
            ("errors", "prometheus/errors_pass.json"),
        ],
        &["--emit", "comparison"],
    );
    fail.exits(0);
    let verdict = judge_stdin(&fail.stdout);
    verdict.exits(1);
    assert_eq!(verdict.stdout_json()["verdict"], "fail");
    // The errors metric's shift is a tiny negative number: the table
    // printed it as -0.0000 before.
    let table = judge_stdin_with(&fail.stdout, &["--format", "table"]);
    table.exits(1);
    assert!(table.stdout.contains(" 0.0000 "), "{}", table.stdout);
    assert!(!table.stdout.contains("-0.0000"), "{}", table.stdout);
}

#[test]
fn datadog_import_names_the_stale_metric_and_table_lists_it() {
    let run = metrics(
        "datadog",
        &[
            ("latency", "datadog/latency_pass.json"),
            ("errors", "datadog/errors_stale_canary.json"),
        ],
        &["--max-age", "5m"],
    );
    run.exits(0);
    let doc = run.stdout_json();
    assert_eq!(doc["metrics"][0]["name"], "errors");
    assert_eq!(doc["metrics"][0]["status"], "no_data");
    assert_eq!(doc["metrics"][0]["canary"]["status"], "stale");
    let codes: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["stale_series", "no_data"]);

    let table = metrics(
        "datadog",
        &[("errors", "datadog/errors_stale_canary.json")],
        &["--max-age", "5m", "--format", "table"],
    );
    table.exits(0);
    assert!(table.stdout.contains("errors  no_data"), "{}", table.stdout);
    assert!(table.stderr.contains("no canary data"), "{}", table.stderr);
}

#[test]
fn a_provider_error_becomes_an_observation_error() {
    let run = metrics(
        "prometheus",
        &[("errors", "prometheus/error_response.json")],
        &["--emit", "observation"],
    );
    run.exits(0);
    let doc = run.stdout_json();
    assert_eq!(doc["kind"], "observation");
    assert_eq!(doc["errors"], serde_json::json!(["errors"]));
    assert_eq!(doc["metrics"]["errors"], serde_json::json!([]));
}

#[test]
fn bad_input_exits_2_with_the_path() {
    let bad = TempFile::new(
        "prom.json",
        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"track":"canary"},"values":[[1,"1"],[2,"slow"]]}]}}"#,
    );
    let arg = format!("lat={}", bad.path());
    let run = relman(&[
        "--now",
        NOW,
        "metrics",
        "--source",
        "prometheus",
        &arg,
        "--baseline",
        "track=baseline",
        "--canary",
        "track=canary",
    ]);
    run.exits(2);
    assert_eq!(
        run.stderr_json()["path"],
        "responses.lat.data.result[0].values[1][1]"
    );
    // No --now.
    let run = relman_with(
        &[
            "metrics",
            "--source",
            "prometheus",
            &arg,
            "--baseline",
            "track=baseline",
            "--canary",
            "track=canary",
        ],
        |_| {},
    );
    run.exits(2);
    // A selector that is not KEY=VALUE.
    let run = relman(&[
        "--now",
        NOW,
        "metrics",
        "--source",
        "prometheus",
        &arg,
        "--baseline",
        "track",
        "--canary",
        "track=canary",
    ]);
    assert_eq!(run.code, 2, "{}", run.context());
    // Not JSON.
    let text = TempFile::new("not.json", "{");
    let arg = format!("lat={}", text.path());
    let run = relman(&[
        "--now",
        NOW,
        "metrics",
        "--source",
        "datadog",
        &arg,
        "--baseline",
        "a=b",
        "--canary",
        "a=c",
    ]);
    run.exits(2);
}
