//! The streaming NDJSON history of KPIs (issue #25): every bad input is an
//! error with its code, path and line; blank lines, CRLF and a byte order
//! mark are accepted; limits apply per record.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use relman::limits::Limits;
use relman::ndjson::{compute_kpis_ndjson, NdjsonHistory};
use relman::policy::KpiPolicy;
use relman::{Error, KpiOptions, KpiReport, KpiSettings};

const DEP: &str = r#"{"deployment": {"id": "d1", "service": "pay", "environment": "production", "finished_at": "2026-03-02T10:00:00Z", "outcome": "failed", "changes": [{"id": "c1", "committed_at": "2026-03-01T10:00:00Z"}]}}"#;
const INC: &str = r#"{"incident": {"id": "i1", "service": "pay", "created_at": "2026-03-02T11:00:00Z", "resolved_at": "2026-03-02T12:00:00Z"}}"#;
const REL: &str = r#"{"release": {"id": "R1", "title": "T", "kind": "minor", "state": "planning", "created_at": "2026-03-01T00:00:00Z"}}"#;

fn run(text: &str) -> Result<KpiReport, Error> {
    compute_kpis_ndjson(
        text,
        &KpiPolicy::default(),
        &KpiOptions::default(),
        &Limits::DEFAULT,
    )
}

/// The error of `text`: its code, path and `line` field.
fn error(text: &str) -> (String, String, Option<usize>) {
    let err = run(text).unwrap_err();
    let body = err.to_body();
    (
        body.code.to_string(),
        body.path.unwrap_or_default(),
        body.line,
    )
}

#[test]
fn blank_lines_crlf_and_a_bom_are_accepted() {
    let text = format!("\u{feff}{DEP}\r\n\r\n   \t\n{INC}\r\n\n{REL}");
    let report = run(&text).unwrap();
    assert_eq!(report.records.deployments_read, 1);
    assert_eq!(report.records.incidents_read, 1);
    assert_eq!(report.records.releases_read, 1);
    assert_eq!(report.attribution.window, 1);
    assert_eq!(
        report.kpis.dora.failed_deployment_recovery_time.stats.count,
        1
    );
    // The last line may go without a newline when it is whole.
    assert_eq!(
        run(&format!("{DEP}\n{INC}")).unwrap(),
        run(&format!("{INC}\n{DEP}\n")).unwrap()
    );
    assert_eq!(run("").unwrap().records.deployments_read, 0);
}

#[test]
fn a_truncated_last_line_is_an_error_with_its_line() {
    let text = format!("{DEP}\n{INC}\n{}", &REL[..40]);
    let (code, path, line) = error(&text);
    assert_eq!(
        (code.as_str(), path.as_str(), line),
        ("invalid_input", "line 3", Some(3))
    );
    let err = run(&text).unwrap_err();
    assert!(err.to_string().contains("truncated last line"), "{err}");
    assert!(err.to_body().column.is_some());
    // The same bad JSON with a newline after it is bad JSON, not truncation.
    let err = run(&format!("{}\n", &REL[..40])).unwrap_err();
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    assert!(!err.to_string().contains("truncated"), "{err}");
}

#[test]
fn unknown_record_types_are_errors_with_their_line() {
    let cases = [
        (r#"{"change": {"id": "c"}}"#, "line 2: change"),
        (r#"{"deployments": []}"#, "line 2: deployments"),
        ("{}", "line 2"),
        (
            &format!(
                "{{\"deployment\": {}, \"incident\": {}}}",
                &DEP[15..DEP.len() - 1],
                &INC[13..INC.len() - 1]
            ),
            "line 2",
        ),
        (r#"{"deployment": null}"#, "line 2"),
        ("[1, 2]", "line 2"),
        ("42", "line 2"),
    ];
    for (bad, want) in cases {
        let (code, path, line) = error(&format!("{DEP}\n{bad}\n{INC}\n"));
        assert_eq!(
            (code.as_str(), path.as_str(), line),
            ("invalid_input", want, Some(2)),
            "{bad}"
        );
    }
}

#[test]
fn a_timestamp_without_a_zone_is_an_error_with_its_line_and_path() {
    let bad = DEP.replace("2026-03-02T10:00:00Z", "2026-03-02T10:00:00");
    let (code, path, line) = error(&format!("{INC}\n\n{bad}\n"));
    assert_eq!(
        (code.as_str(), path.as_str(), line),
        ("invalid_input", "line 3: deployment.finished_at", Some(3))
    );
    let bad = INC.replace("2026-03-02T11:00:00Z", "2026-03-02 11:00:00+01:00");
    let (_, path, line) = error(&format!("{bad}\r\n"));
    assert_eq!(
        (path.as_str(), line),
        ("line 1: incident.created_at", Some(1))
    );
    let bad = DEP.replace("2026-03-01T10:00:00Z", "2026-03-01");
    let (_, path, _) = error(&bad);
    assert_eq!(path, "line 1: deployment.changes[0].committed_at");
}

#[test]
fn record_checks_name_the_line() {
    let cases = [
        (
            DEP.replace(
                r#""finished_at""#,
                r#""started_at": "2026-03-03T00:00:00Z", "finished_at""#,
            ),
            "line 1: deployment.finished_at",
        ),
        (
            INC.replace("2026-03-02T12:00:00Z", "2026-03-01T12:00:00Z"),
            "line 1: incident.resolved_at",
        ),
        (
            DEP.replace(r#""id": "d1""#, r#""id": " ""#),
            "line 1: deployment.id",
        ),
        (
            INC.replace(r#""id": "i1""#, r#""id": """#),
            "line 1: incident.id",
        ),
        (
            REL.replace(r#""title": "T""#, r#""title": """#),
            "line 1: release.title",
        ),
        (
            DEP.replace(r#""outcome": "failed""#, r#""outcome": "great""#),
            "line 1: deployment.outcome",
        ),
        (
            DEP.replace(r#""service": "pay", "#, ""),
            "line 1: deployment.service",
        ),
    ];
    for (bad, want) in cases {
        let (code, path, line) = error(&bad);
        assert_eq!(
            (code.as_str(), path.as_str(), line),
            ("invalid_input", want, Some(1)),
            "{bad}"
        );
    }
    let (code, path, _) =
        error(&REL.replace(r#""id": "R1""#, r#""schema_version": 9, "id": "R1""#));
    assert_eq!(
        (code.as_str(), path.as_str()),
        ("unsupported_version", "line 1: release.schema_version")
    );
}

#[test]
fn duplicate_production_deployments_are_refused_at_the_end() {
    let err = run(&format!("{DEP}\n{DEP}\n")).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert!(
        err.to_string().contains("duplicate deployment id `d1`"),
        "{err}"
    );
}

#[test]
fn limits_apply_to_each_record_not_to_the_text() {
    let small = Limits {
        max_document_bytes: DEP.len() as u64,
        max_items: 1,
        ..Limits::DEFAULT
    };
    // Many records, each within the limits: fine.
    let many = format!("{DEP}\n").repeat(3).replace("\"d1\"", "\"dx\"");
    let mut text = String::new();
    for (i, line) in many.lines().enumerate() {
        text.push_str(&line.replace("\"dx\"", &format!("\"d{i}\"")));
        text.push('\n');
    }
    let settings = KpiSettings::resolve(&KpiPolicy::default(), &KpiOptions::default()).unwrap();
    let mut reader = NdjsonHistory::new(settings.clone(), small.clone()).unwrap();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        reader.push_line(i + 1, line).unwrap();
    }
    assert_eq!(reader.lines(), 3);
    assert_eq!(reader.finish().unwrap().records.deployments_read, 3);
    // One record past a limit: limit_exceeded at its line.
    let two_changes = DEP.replace(r#"[{"id": "c1""#, r#"[{"id": "c0"}, {"id": "c1""#);
    let mut reader = NdjsonHistory::new(
        settings.clone(),
        Limits {
            max_items: 1,
            ..Limits::DEFAULT
        },
    )
    .unwrap();
    reader.push_line(1, &format!("{DEP}\n")).unwrap();
    let err = reader
        .push_line(2, &format!("{two_changes}\n"))
        .unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some("line 2: deployment.changes"));
    let mut reader = NdjsonHistory::new(settings, small).unwrap();
    let long = DEP.replace("\"pay\"", "\"payments\"");
    let err = reader.push_line(7, &long).unwrap_err();
    assert_eq!(err.code().as_str(), "limit_exceeded");
    assert_eq!(err.path(), Some("line 7"));
}

#[test]
fn the_operation_reads_text_and_applies_the_limits_per_record() {
    let params = serde_json::json!({"text": format!("{DEP}\n{INC}\n"), "options": {"time_zone": "Asia/Tokyo"}});
    let report = relman::api::call("compute_kpis_ndjson", params).unwrap();
    assert_eq!(report["records"]["deployments_read"], 1);
    assert_eq!(report["settings"]["time_zone"], "Asia/Tokyo");
    // A text longer than the longest string a value may hold is fine.
    let mut text = String::new();
    for i in 0..6_000 {
        text.push_str(&DEP.replace("\"d1\"", &format!("\"d{i}\"")));
        text.push('\n');
    }
    assert!(text.len() as u64 > relman::limits::DEFAULT_MAX_STRING_BYTES);
    let report =
        relman::api::call("compute_kpis_ndjson", serde_json::json!({ "text": text })).unwrap();
    assert_eq!(report["records"]["deployments_read"], 6_000);
    let err = relman::api::call("compute_kpis_ndjson", serde_json::json!({"text": 3})).unwrap_err();
    assert_eq!(
        (err.code().as_str(), err.path()),
        ("invalid_input", Some("text"))
    );
}
