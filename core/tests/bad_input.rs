//! Every bad input of the foundation issue, with its error code and path.

// Test helpers may unwrap, index and panic: a broken case should stop loudly
// (clippy.toml allows this inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::{parse, validate, DocumentKind, Error, ErrorCode, Policy, Release};

const GOOD: &str = r#"{
  "id": "R1", "title": "Checkout 4.2", "kind": "minor", "state": "planning",
  "planned_start": "2026-11-20T22:00:00Z", "planned_end": "2026-11-21T01:00:00Z",
  "changes": [
    {"id": "C1", "kind": "normal", "summary": "a", "affected_cis": ["web-1"]},
    {"id": "C2", "kind": "standard", "summary": "b", "affected_cis": ["db-1"]}
  ]
}"#;

fn release_error(text: &str) -> Error {
    parse::<Release>(text).expect_err("input should be rejected")
}

fn assert_error(err: &Error, code: ErrorCode, path: &str) {
    assert_eq!(err.code(), code, "{err}");
    assert_eq!(err.path(), Some(path), "{err}");
    let body = err.to_body();
    assert_eq!(body.code, code);
    assert_eq!(body.path.as_deref(), Some(path));
    assert!(!body.message.is_empty());
}

#[test]
fn good_release_parses() {
    let parsed = parse::<Release>(GOOD).unwrap();
    assert_eq!(parsed.document.changes.len(), 2);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn malformed_json_has_line_and_column() {
    let err = release_error("{\n  \"id\": \"R1\",\n  \"title\": oops\n}");
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let body = err.to_body();
    assert_eq!(body.line, Some(3));
    assert_eq!(body.column, Some(12));
    assert!(body.message.contains("expected value"), "{}", body.message);
    assert_eq!(body.path.as_deref(), Some("title"));
}

#[test]
fn trailing_garbage_is_rejected() {
    let err = release_error(&format!("{GOOD} x"));
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(
        err.to_body().message.contains("trailing characters"),
        "{err}"
    );
}

#[test]
fn wrong_type_names_the_path() {
    let text = GOOD.replace(r#""affected_cis": ["db-1"]"#, r#""affected_cis": "db-1""#);
    let err = release_error(&text);
    assert_error(&err, ErrorCode::InvalidInput, "changes[1].affected_cis");
    assert!(err.to_string().contains("expected a sequence"), "{err}");
    assert!(err.to_body().line.is_some());
}

#[test]
fn missing_required_field_names_the_field() {
    let text = GOOD.replace(r#""summary": "b", "#, "");
    let err = release_error(&text);
    assert_error(&err, ErrorCode::InvalidInput, "changes[1].summary");
    assert!(err.to_string().contains("missing field `summary`"), "{err}");
}

#[test]
fn unknown_enum_value_lists_the_known_ones() {
    let err = release_error(&GOOD.replace(r#""kind": "minor""#, r#""kind": "huge""#));
    assert_error(&err, ErrorCode::InvalidInput, "kind");
    let message = err.to_string();
    assert!(message.contains("unknown variant `huge`"), "{message}");
    assert!(message.contains("`emergency`"), "{message}");
}

#[test]
fn bad_timestamp_is_rejected() {
    let err = release_error(&GOOD.replace("2026-11-20T22:00:00Z", "2026-11-20 22:00"));
    assert_error(&err, ErrorCode::InvalidInput, "planned_start");
    assert!(err.to_string().contains("RFC 3339"), "{err}");
}

#[test]
fn end_before_start_is_rejected() {
    let err = release_error(&GOOD.replace("2026-11-21T01:00:00Z", "2026-11-20T21:00:00Z"));
    assert_error(&err, ErrorCode::InvalidInput, "planned_end");
    assert!(
        err.to_string().contains("must be after planned_start"),
        "{err}"
    );
    // An empty window (end == start) is rejected too.
    let err = release_error(&GOOD.replace("2026-11-21T01:00:00Z", "2026-11-20T23:00:00+01:00"));
    assert_error(&err, ErrorCode::InvalidInput, "planned_end");
}

#[test]
fn duplicate_change_ids_are_rejected() {
    let err = release_error(&GOOD.replace(r#""id": "C2""#, r#""id": "C1""#));
    assert_error(&err, ErrorCode::InvalidInput, "changes[1].id");
    assert!(
        err.to_string()
            .contains("duplicate change id `C1` (first at changes[0])"),
        "{err}"
    );
}

#[test]
fn unknown_schema_version_is_rejected_even_when_the_shape_differs() {
    let err = release_error(&GOOD.replace(r#""id": "R1","#, r#""id": "R1", "schema_version": 2,"#));
    assert_error(&err, ErrorCode::UnsupportedVersion, "schema_version");
    assert!(
        err.to_string().contains("unsupported schema_version 2"),
        "{err}"
    );
    // A version-2 document whose shape no longer matches still says "version".
    let err = release_error(r#"{"schema_version": 7, "name": "new shape"}"#);
    assert_error(&err, ErrorCode::UnsupportedVersion, "schema_version");
    // Nested documents are checked too.
    let err = parse::<relman::History>(
        r#"{"releases": [{"schema_version": 3, "id": "R", "title": "T", "kind": "patch", "state": "closed"}]}"#,
    )
    .unwrap_err();
    assert_error(
        &err,
        ErrorCode::UnsupportedVersion,
        "releases[0].schema_version",
    );
}

#[test]
fn invalid_policy_is_rejected_with_a_path() {
    let err = parse::<Policy>(r#"{"risk": {"bands": {"medium": 60, "high": 50}}}"#).unwrap_err();
    assert_error(&err, ErrorCode::InvalidPolicy, "risk.bands");
    assert!(err.to_string().contains("bands must increase"), "{err}");

    let err = parse::<Policy>(r#"{"risk": {"weights": {"timing": -1}}}"#).unwrap_err();
    assert_error(&err, ErrorCode::InvalidPolicy, "risk.weights.timing");

    let err = parse::<Policy>(r#"{"kpi": {"time_zone": "Mars/Olympus"}}"#).unwrap_err();
    assert_error(&err, ErrorCode::InvalidPolicy, "kpi.time_zone");

    // A structural error inside a policy is a policy error too.
    let err = parse::<Policy>(r#"{"conflicts": {"allow_contiguous": "yes"}}"#).unwrap_err();
    assert_error(&err, ErrorCode::InvalidPolicy, "conflicts.allow_contiguous");

    // A policy inside a context is reported with its path in the context.
    let err =
        parse::<relman::Context>(r#"{"policy": {"risk": {"blast_radius_depth": 0}}}"#).unwrap_err();
    assert_error(
        &err,
        ErrorCode::InvalidPolicy,
        "policy.risk.blast_radius_depth",
    );
}

#[test]
fn all_weights_zero_is_an_invalid_policy() {
    let zero = r#"{"risk": {"weights": {"change_size": 0, "ci_criticality": 0, "blast_radius": 0,
        "test_evidence": 0, "rollback_readiness": 0, "deployment_strategy": 0, "timing": 0,
        "track_record": 0, "emergency": 0, "dependencies": 0}}}"#;
    let err = parse::<Policy>(zero).unwrap_err();
    assert_error(&err, ErrorCode::InvalidPolicy, "risk.weights");
}

#[test]
fn every_semantic_problem_is_listed() {
    let text = GOOD
        .replace(r#""id": "C2""#, r#""id": "C1""#)
        .replace("2026-11-21T01:00:00Z", "2026-11-20T21:00:00Z")
        .replace(
            r#""state": "planning","#,
            r#""state": "planning", "depends_on": ["R1"],"#,
        );
    let err = validate(DocumentKind::Release, &text).unwrap_err();
    let paths: Vec<&str> = err.problems().iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["planned_end", "changes[1].id", "depends_on[0]"],
        "{err}"
    );
    assert!(err.to_string().contains("(and 2 more problems)"), "{err}");
}

#[test]
fn references_must_resolve() {
    let err = parse::<relman::Cmdb>(
        r#"{"cis": [{"id": "a", "name": "a", "class": "x"}],
            "relationships": [{"from": "a", "to": "ghost", "kind": "depends_on"}]}"#,
    )
    .unwrap_err();
    assert_error(&err, ErrorCode::InvalidInput, "relationships[0].to");

    let err = parse::<relman::History>(
        r#"{"deployments": [], "incidents": [{"id": "I1", "created_at": "2026-11-01T00:00:00Z", "caused_by": "D9"}]}"#,
    )
    .unwrap_err();
    assert_error(&err, ErrorCode::InvalidInput, "incidents[0].caused_by");

    let err = parse::<relman::Context>(
        r#"{"cmdb": {"cis": [{"id": "a", "name": "a", "class": "x", "maintenance_windows": ["w9"]}]},
            "calendar": {"maintenance_windows": []}}"#,
    )
    .unwrap_err();
    assert_error(
        &err,
        ErrorCode::InvalidInput,
        "cmdb.cis[0].maintenance_windows[0]",
    );
}

#[test]
fn calendar_rules_are_checked() {
    let err = parse::<relman::Calendar>(
        r#"{"blackouts": [{"id": "b", "name": "b", "start": "2026-12-24T00:00:00Z"}],
            "maintenance_windows": [{"id": "w", "name": "w", "recurrence": {
               "freq": "weekly", "start_time": "25:00", "duration_secs": 0, "time_zone": "Europe/Nowhere"}}]}"#,
    )
    .unwrap_err();
    let paths: Vec<&str> = err.problems().iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "blackouts[0].end",
            "maintenance_windows[0].recurrence.start_time",
            "maintenance_windows[0].recurrence.duration_secs",
            "maintenance_windows[0].recurrence.time_zone",
            "maintenance_windows[0].recurrence.by_day",
        ],
        "{err}"
    );
}

#[test]
fn deep_nesting_is_limit_exceeded_not_a_crash() {
    let deep = format!(
        r#"{{"id": "R", "title": "T", "kind": "minor", "state": "planning", "u": {}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let err = release_error(&deep);
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");
    assert!(err.to_string().contains("JSON nesting depth"), "{err}");
}

#[test]
fn from_value_reports_the_same_paths() {
    let value: serde_json::Value =
        serde_json::from_str(&GOOD.replace(r#""kind": "minor""#, r#""kind": "huge""#)).unwrap();
    let err = relman::from_value::<Release>(value).unwrap_err();
    assert_error(&err, ErrorCode::InvalidInput, "kind");
    assert_eq!(err.to_body().line, None);
}

#[test]
fn every_structural_problem_is_listed_not_just_the_first() {
    let text = r#"{
  "id": "R1", "kind": "huge", "state": "planning",
  "changes": [{"id": "C1", "kind": "normal", "affected_cis": "web-1"}]
}"#;
    let err = validate(DocumentKind::Release, text).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let problems = err.problems();
    // serde's first problem comes first, with its position in the text.
    assert_eq!(problems[0].path, "kind");
    assert_eq!((problems[0].line, problems[0].column), (Some(2), Some(28)));
    let mut paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "changes[0].affected_cis",
            "changes[0].summary",
            "kind",
            "title"
        ],
        "{err}"
    );
    assert!(err.to_string().contains("(and 3 more problems)"), "{err}");
}
