//! End-to-end tests of `relman kpi`: JSON and table output, the options,
//! the policy's `kpi` section, and errors with codes and paths.

// Test code: a failing test should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{kpi_history_path, relman, TempFile};

#[path = "../../../core/tests/support/fixtures.rs"]
mod fixtures;
use fixtures::group_keys;

fn temp(name: &str, text: &str) -> TempFile {
    TempFile::new(name, text)
}

const PERIOD: [&str; 4] = [
    "--from",
    "2026-11-02T00:00:00Z",
    "--to",
    "2026-11-23T00:00:00Z",
];

#[test]
fn json_report_of_the_hand_built_history() {
    let h = kpi_history_path();
    let mut args = vec!["kpi", h.as_str()];
    args.extend(PERIOD);
    let r = relman(&args).exits(0).stdout_json();
    let d = &r["kpis"]["dora"];
    assert_eq!(d["production_deployments"], 20);
    assert_eq!(d["change_failure_rate"]["rate"]["numerator"], 6);
    assert_eq!(d["lead_time"]["stats"]["median_secs"], 25200.0);
    assert_eq!(r["series"].as_array().unwrap().len(), 3);
    assert_eq!(r["attribution"]["unattributable"], 2);
}

#[test]
fn options_tz_week_start_series_and_group_by() {
    let h = kpi_history_path();
    let mut args = vec![
        "kpi",
        h.as_str(),
        "--tz",
        "Asia/Tokyo",
        "--week-start",
        "sun",
        "--series",
        "month",
        "--group-by",
        "service",
    ];
    args.extend(PERIOD);
    let r = relman(&args).exits(0).stdout_json();
    assert_eq!(r["settings"]["time_zone"], "Asia/Tokyo");
    assert_eq!(r["settings"]["week_start"], "sun");
    assert_eq!(r["series"][0]["bucket"], "2026-11");
    let keys = group_keys(&r);
    assert_eq!(keys, ["checkout", "search"]);
}

#[test]
fn policy_kpi_section_applies_and_flags_override_it() {
    let policy = temp(
        "policy.json",
        r#"{"kpi": {"time_zone": "Europe/Paris", "series": "month",
                    "period_from": "2026-11-02T00:00:00Z", "period_to": "2026-11-23T00:00:00Z"}}"#,
    );
    let h = kpi_history_path();
    let r = relman(&["--policy", policy.path(), "kpi", &h])
        .exits(0)
        .stdout_json();
    assert_eq!(r["settings"]["time_zone"], "Europe/Paris");
    assert_eq!(r["series"][0]["bucket"], "2026-11");
    assert_eq!(r["kpis"]["dora"]["production_deployments"], 20);
    // In Paris (UTC+1) the period ends at 01:00 on Monday 11-23: the local
    // days run 11-02 .. 11-23 and touch four Monday weeks.
    let r = relman(&["--policy", policy.path(), "kpi", &h, "--series", "week"])
        .exits(0)
        .stdout_json();
    assert_eq!(r["period"]["last_day"], "2026-11-23");
    assert_eq!(r["series"].as_array().unwrap().len(), 4);
    let r = relman(&[
        "--policy",
        policy.path(),
        "kpi",
        &h,
        "--series",
        "week",
        "--tz",
        "UTC",
    ])
    .exits(0)
    .stdout_json();
    assert_eq!(r["series"].as_array().unwrap().len(), 3);
}

#[test]
fn table_output_is_readable() {
    let h = kpi_history_path();
    let mut args = vec!["kpi", h.as_str(), "--format", "table"];
    args.extend(PERIOD);
    let run = relman(&args);
    assert_eq!(run.code, 0, "{}", run.context());
    for needle in [
        "deployment frequency   [high]",
        "change failure rate    [low] 30.0% (6/20)",
        "lead time for changes  [elite] median 7h 0m",
        "release success rate   85.7% (6/7)",
        "time in approval",
        "2026-11-09",
        "unattributable",
    ] {
        assert!(run.stdout.contains(needle), "{needle}\n{}", run.stdout);
    }
}

#[test]
fn bad_input_codes_and_paths() {
    let h = kpi_history_path();
    let err = relman(&[
        "kpi",
        &h,
        "--from",
        "2026-11-23T00:00:00Z",
        "--to",
        "2026-11-02T00:00:00Z",
    ])
    .exits(2)
    .stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "options.to");

    let err = relman(&["kpi", &h, "--tz", "Mars/Base"])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "options.time_zone");

    let bad = temp(
        "bad-outcome.json",
        r#"{"deployments": [{"id": "d", "service": "s", "environment": "production",
            "finished_at": "2026-11-07T12:00:00Z", "outcome": "exploded"}]}"#,
    );
    let err = relman(&["kpi", bad.path()]).exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "deployments[0].outcome");

    let bad = temp(
        "bad-times.json",
        r#"{"deployments": [{"id": "d", "service": "s", "environment": "production",
            "started_at": "2026-11-07T12:00:00Z", "finished_at": "2026-11-07T11:00:00Z",
            "outcome": "success"}],
            "incidents": [{"id": "i", "created_at": "2026-11-07T12:00:00Z",
            "resolved_at": "2026-11-07T11:00:00Z"}]}"#,
    );
    let err = relman(&["kpi", bad.path()]).exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "deployments[0].finished_at");
    let paths: Vec<&str> = err["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"incidents[0].resolved_at"), "{paths:?}");

    let policy = temp(
        "bad-policy.json",
        r#"{"kpi": {"time_zone": "Nowhere/Land"}}"#,
    );
    let err = relman(&["--policy", policy.path(), "kpi", &h])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "invalid_policy");
    assert_eq!(err["path"], "kpi.time_zone");

    let err = relman(&["kpi", &h, "--series", "fortnight"])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "invalid_input");
}

/// The hand-built history as NDJSON: records shuffled into an order of
/// their own (releases first), CRLF endings and blank lines.
fn history_ndjson() -> String {
    let h: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(kpi_history_path()).unwrap()).unwrap();
    let mut lines = Vec::new();
    for (list, key) in [
        ("releases", "release"),
        ("incidents", "incident"),
        ("deployments", "deployment"),
    ] {
        for r in h[list].as_array().into_iter().flatten().rev() {
            lines.push(serde_json::to_string(&serde_json::json!({ key: r })).unwrap());
            lines.push(String::new());
        }
    }
    lines.join("\r\n")
}

#[test]
fn ndjson_by_extension_flag_or_stdin_gives_the_json_report() {
    let h = kpi_history_path();
    let text = history_ndjson();
    let mut args = vec!["kpi", h.as_str(), "--group-by", "service"];
    args.extend(PERIOD);
    let want = relman(&args).exits(0).stdout_json();
    let files: Vec<TempFile> = ["h.ndjson", "h.JSONL"]
        .iter()
        .map(|name| temp(name, &text))
        .collect();
    for f in &files {
        let mut args = args.clone();
        args[1] = f.path();
        assert_eq!(relman(&args).exits(0).stdout_json(), want, "{}", f.path());
    }
    let f = temp("h.txt", &text);
    let mut args = args.clone();
    args[1] = f.path();
    relman(&args).exits(2);
    let mut flagged = args.clone();
    flagged.extend(["--input-format", "ndjson"]);
    assert_eq!(relman(&flagged).exits(0).stdout_json(), want);
    flagged[1] = "-";
    let run = common::relman_with(&flagged, |c| {
        c.stdin(std::process::Stdio::piped());
    });
    // `relman_with` gives no stdin text: the empty history.
    assert_eq!(run.code, 0, "{}", run.context());
    let piped = {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relman"))
            .args(&flagged)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(piped, want);
    // --input-format json reads a .ndjson file as one document (and fails).
    let f = temp("h.ndjson", &text);
    let err = relman(&["kpi", f.path(), "--input-format", "json"])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "invalid_input");
}

#[test]
fn ndjson_errors_name_the_line() {
    const DEP: &str = r#"{"deployment": {"id": "d", "service": "s", "environment": "production", "finished_at": "2026-11-07T12:00:00Z", "outcome": "success"}}"#;
    let cases = [
        (format!("{DEP}\n{}", &DEP[..30]), "invalid_input", "line 2"),
        (
            format!("{DEP}\n\n{{\"change\": {{}}}}\n"),
            "invalid_input",
            "line 3: change",
        ),
        (
            format!("\n{}\n", DEP.replace("12:00:00Z", "12:00:00")),
            "invalid_input",
            "line 2: deployment.finished_at",
        ),
        (
            format!(
                "{DEP}\r\n{}\r\n",
                DEP.replace("\"d\"", "\"d2\"")
                    .replace("\"success\"", "\"exploded\"")
            ),
            "invalid_input",
            "line 2: deployment.outcome",
        ),
    ];
    for (text, code, path) in cases {
        let f = temp("bad.ndjson", &text);
        let err = relman(&["kpi", f.path()]).exits(2).stderr_json();
        assert_eq!(err["code"], code, "{text}");
        assert_eq!(err["path"], path, "{text}");
        let line: usize = path[5..].split(':').next().unwrap().parse().unwrap();
        assert_eq!(err["line"], line, "{text}");
        assert!(
            err["message"].as_str().unwrap().contains("bad.ndjson"),
            "{err}"
        );
    }
    // Limits apply per line: many lines are fine, one long line is not.
    let text = (0..50)
        .map(|i| DEP.replace("\"d\"", &format!("\"d{i}\"")))
        .collect::<Vec<_>>()
        .join("\n");
    let f = temp("many.ndjson", &text);
    let limit = (DEP.len() + 2).to_string();
    let r = relman(&["kpi", f.path(), "--max-document-bytes", &limit])
        .exits(0)
        .stdout_json();
    assert_eq!(r["records"]["deployments_read"], 50);
    let long = format!(
        "{text}\n{}\n",
        DEP.replace("\"s\"", &format!("\"{}\"", "s".repeat(100)))
    );
    let f = temp("long.ndjson", &long);
    let err = relman(&["kpi", f.path(), "--max-document-bytes", &limit])
        .exits(2)
        .stderr_json();
    assert_eq!(err["code"], "limit_exceeded");
    assert_eq!(err["path"], "line 51");
}
