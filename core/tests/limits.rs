//! Limits on hostile input (issue #12, acceptance 2): one past every limit
//! is `limit_exceeded` with the path, what was limited, the limit and what
//! was found; at the limit the input is accepted; a 100 000-deep nested
//! array, as text and as a value, is rejected without a crash (these tests
//! run on the test harness's 2 MiB thread stacks, so any recursion per
//! level would overflow).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::limits::{self, Limits};
use relman::validate::{from_value_with_limits, parse_with_limits};
use relman::{
    api, detect_conflicts, from_value, parse, suggest_slots, Cmdb, DocumentKind, Error, ErrorCode,
    Release, Schedule, Timestamp,
};
use serde_json::{json, Value};

fn release(extra: Value) -> Value {
    let mut r = json!({"id": "R1", "title": "T", "kind": "minor", "state": "planning"});
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

/// Asserts a `limit_exceeded` error with its path, what, limit and found.
fn assert_limit(err: &Error, path: &str, what: &str, limit: u64, found: u64) {
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");
    assert_eq!(err.path(), Some(path), "{err}");
    match err {
        Error::LimitExceeded {
            what: w,
            limit: l,
            found: f,
            ..
        } => {
            assert_eq!((w.as_str(), *l, *f), (what, limit, found), "{err}");
        }
        other => panic!("not limit_exceeded: {other}"),
    }
    let body = err.to_body();
    assert_eq!(body.code, ErrorCode::LimitExceeded);
    assert_eq!(body.path.as_deref(), Some(path));
}

/// Parses `value` as text and as a value under `limits`: both give the same
/// result, `None` when both accept it, else both errors.
fn both(value: &Value, limits: &Limits) -> Option<(Error, Error)> {
    let text = serde_json::to_string(value).unwrap();
    let a = parse_with_limits::<Release>(&text, limits).map(|_| ());
    let b = from_value_with_limits::<Release>(value.clone(), limits).map(|_| ());
    match (a, b) {
        (Ok(()), Ok(())) => None,
        (Err(a), Err(b)) => Some((a, b)),
        (a, b) => panic!("text and value disagree: {a:?} / {b:?}"),
    }
}

#[test]
fn document_size_one_past_the_limit() {
    let text = serde_json::to_string(&release(json!({}))).unwrap();
    let n = text.len() as u64;
    let at = Limits {
        max_document_bytes: n,
        ..Limits::default()
    };
    assert!(parse_with_limits::<Release>(&text, &at).is_ok());
    let under = Limits {
        max_document_bytes: n - 1,
        ..Limits::default()
    };
    let err = parse_with_limits::<Release>(&text, &under).unwrap_err();
    assert_limit(&err, "", "document size in bytes", n - 1, n);
    assert_eq!(
        Limits::default().max_document_bytes,
        limits::DEFAULT_MAX_DOCUMENT_BYTES
    );
}

/// A release whose field `u` nests arrays so that the document is `depth`
/// deep (the release object is level 1).
fn nested_release(depth: usize) -> String {
    let inner = depth - 1;
    format!(
        r#"{{"id": "R", "title": "T", "kind": "minor", "state": "planning", "u": {}{}}}"#,
        "[".repeat(inner),
        "]".repeat(inner)
    )
}

fn nested_value(depth: usize) -> Value {
    let mut v = json!([]);
    for _ in 1..depth {
        v = Value::Array(vec![v]);
    }
    v
}

#[test]
fn json_depth_one_past_the_limit() {
    // The default: 128 levels parse (as text and as a value), 129 do not.
    let max = limits::DEFAULT_MAX_JSON_DEPTH as usize;
    let text = nested_release(max);
    let parsed = parse::<Release>(&text).unwrap();
    let value = serde_json::to_value(&parsed.document).unwrap();
    from_value::<Release>(value).unwrap();
    let err = parse::<Release>(&nested_release(max + 1)).unwrap_err();
    let path = format!("u{}", "[0]".repeat(max - 1));
    assert_limit(&err, &path, "JSON nesting depth", 128, 129);
    let mut r = release(json!({}));
    r["u"] = nested_value(max);
    let err = from_value::<Release>(r).unwrap_err();
    assert_limit(&err, &path, "JSON nesting depth", 128, 129);
    // A custom limit.
    let three = Limits {
        max_json_depth: 3,
        ..Limits::default()
    };
    assert!(both(&release(json!({"u": [[1]]})), &three).is_none());
    let (a, b) = both(&release(json!({"u": [[[1]]]})), &three).unwrap();
    assert_limit(&a, "u[0][0]", "JSON nesting depth", 3, 4);
    assert_limit(&b, "u[0][0]", "JSON nesting depth", 3, 4);
}

#[test]
fn a_100k_deep_nested_array_is_rejected_without_a_crash() {
    const DEPTH: usize = 100_000;
    let text = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    for kind in DocumentKind::ALL {
        let err = relman::validate(kind, &text).unwrap_err();
        assert_eq!(err.code(), ErrorCode::LimitExceeded, "{kind}: {err}");
    }
    let err = parse::<Release>(&nested_release(DEPTH)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    let err = api::call_json(
        "validate",
        &format!(r#"{{"kind": "release", "text": "{text}"}}"#),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    let err = api::call_json("check", &text).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    // As a value: from_value, validate_value and api::call refuse it and
    // take it apart without recursion.
    let err = from_value::<Release>(nested_value(DEPTH)).unwrap_err();
    assert_limit(
        &err,
        "[0]".repeat(128).as_str(),
        "JSON nesting depth",
        128,
        129,
    );
    let deep_release = || {
        let mut r = release(json!({}));
        r["u"] = nested_value(DEPTH);
        r
    };
    let err = relman::validate_value(DocumentKind::Release, deep_release()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    // (`json!` would serialise the deep value recursively: build by hand.)
    let object = |pairs: Vec<(&str, Value)>| -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    let err = api::call("verify_log", object(vec![("release", deep_release())])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    let err = api::call("schema", nested_value(DEPTH)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    let mut options = json!({});
    options["deep"] = nested_value(DEPTH);
    let params = object(vec![("schedule", json!({})), ("options", options)]);
    let err = api::call("calendar_ics", params).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    // And the helpers the bindings can use (the test's own deep value is
    // taken apart by `dismantle`: dropping it would recurse).
    let deep = nested_value(DEPTH);
    assert_eq!(limits::depth(&deep, 200), 201);
    assert_eq!(limits::depth(&nested_value(5), 200), 5);
    limits::dismantle(deep);
}

#[test]
fn items_per_list_one_past_the_limit() {
    let changes = |n: usize| -> Value {
        (0..n)
            .map(|i| json!({"id": format!("C{i}"), "kind": "normal", "summary": "s"}))
            .collect()
    };
    let two = Limits {
        max_items: 2,
        ..Limits::default()
    };
    assert!(both(&release(json!({"changes": changes(2)})), &two).is_none());
    let (a, b) = both(&release(json!({"changes": changes(3)})), &two).unwrap();
    assert_limit(&a, "changes", "items in a list", 2, 3);
    assert_limit(&b, "changes", "items in a list", 2, 3);
    // Nested lists report their own path.
    let r = release(
        json!({"changes": [{"id": "C", "kind": "normal", "summary": "s",
                                        "affected_cis": ["a", "b", "c"]}]}),
    );
    let (a, b) = both(&r, &two).unwrap();
    assert_limit(&a, "changes[0].affected_cis", "items in a list", 2, 3);
    assert_limit(&b, "changes[0].affected_cis", "items in a list", 2, 3);
    // The default: 1 000 000 items, one more is refused.
    let max = limits::DEFAULT_MAX_ITEMS as usize;
    let mut r = release(json!({}));
    r["u"] = Value::Array(vec![Value::Null; max + 1]);
    let err = from_value::<Release>(r).unwrap_err();
    assert_limit(&err, "u", "items in a list", 1_000_000, 1_000_001);
    let text = format!(
        r#"{{"id": "R", "title": "T", "kind": "minor", "state": "planning", "u": [0{}]}}"#,
        ",0".repeat(max)
    );
    let err = parse::<Release>(&text).unwrap_err();
    assert_limit(&err, "u", "items in a list", 1_000_000, 1_000_001);
    let at_limit = text.replacen(",0", "", 1);
    parse::<Release>(&at_limit).unwrap();
}

fn cmdb(cis: usize, rels: usize) -> Value {
    let cis: Vec<Value> = (0..cis)
        .map(|i| json!({"id": format!("ci-{i}"), "name": "n", "class": "server"}))
        .collect();
    let rels: Vec<Value> = (0..rels)
        .map(|i| json!({"from": "ci-0", "to": format!("ci-{}", i + 1), "kind": "depends_on"}))
        .collect();
    json!({"cis": cis, "relationships": rels})
}

#[test]
fn cis_and_relationships_one_past_the_limit() {
    let limits = Limits {
        max_cis: 3,
        max_relationships: 2,
        ..Limits::default()
    };
    let ok = |v: Value| {
        from_value_with_limits::<Cmdb>(v.clone(), &limits).unwrap();
        parse_with_limits::<Cmdb>(&v.to_string(), &limits).unwrap();
    };
    let err = |v: Value| {
        let a = from_value_with_limits::<Cmdb>(v.clone(), &limits).unwrap_err();
        let b = parse_with_limits::<Cmdb>(&v.to_string(), &limits).unwrap_err();
        (a, b)
    };
    ok(cmdb(3, 2));
    let (a, b) = err(cmdb(4, 2));
    assert_limit(&a, "cis", "CIs", 3, 4);
    assert_limit(&b, "cis", "CIs", 3, 4);
    let (a, b) = err(cmdb(4, 3));
    assert_limit(&a, "cis", "CIs", 3, 4);
    assert_limit(&b, "cis", "CIs", 3, 4);
    let (a, b) = err(cmdb(3, 3));
    assert_limit(&a, "relationships", "relationships", 2, 3);
    assert_limit(&b, "relationships", "relationships", 2, 3);
    // Inside a schedule.
    let s = json!({"cmdb": cmdb(4, 0)});
    let a = from_value_with_limits::<Schedule>(s.clone(), &limits).unwrap_err();
    let b = parse_with_limits::<Schedule>(&s.to_string(), &limits).unwrap_err();
    assert_limit(&a, "cmdb.cis", "CIs", 3, 4);
    assert_limit(&b, "cmdb.cis", "CIs", 3, 4);
    // The defaults admit the benchmark sizes (100 000 CIs, 300 000
    // relationships) and more.
    assert!(Limits::default().max_cis >= 100_000);
    assert!(Limits::default().max_relationships >= 300_000);
}

#[test]
fn string_length_one_past_the_limit() {
    let max = limits::DEFAULT_MAX_STRING_BYTES as usize;
    let r = release(json!({"title": "x".repeat(max)}));
    assert!(both(&r, &Limits::default()).is_none());
    let r = release(json!({"title": "x".repeat(max + 1)}));
    let (a, b) = both(&r, &Limits::default()).unwrap();
    assert_limit(&a, "title", "string length in bytes", 1_048_576, 1_048_577);
    assert_limit(&b, "title", "string length in bytes", 1_048_576, 1_048_577);
    // In a list, in a nested object, and an object key.
    let twelve = Limits {
        max_string_bytes: 12,
        ..Limits::default()
    };
    let r = release(
        json!({"changes": [{"id": "C", "kind": "normal", "summary": "s",
                                        "affected_cis": ["short", "much too long"]}]}),
    );
    let (a, b) = both(&r, &twelve).unwrap();
    assert_limit(
        &a,
        "changes[0].affected_cis[1]",
        "string length in bytes",
        12,
        13,
    );
    assert_limit(
        &b,
        "changes[0].affected_cis[1]",
        "string length in bytes",
        12,
        13,
    );
    let r = release(json!({"u": {"a very long key": 1}}));
    let (a, b) = both(&r, &twelve).unwrap();
    assert_limit(&a, "u", "string length in bytes", 12, 15);
    assert_limit(&b, "u", "string length in bytes", 12, 15);
}

fn schedule_with_policy(policy: Value) -> Schedule {
    let v = json!({
        "policy": policy,
        "cmdb": cmdb(3, 2),
        "releases": [{"id": "A", "title": "t", "kind": "minor", "state": "approval",
            "planned_start": "2026-12-01T00:00:00Z", "planned_end": "2026-12-01T01:00:00Z",
            "changes": [{"id": "A1", "kind": "normal", "summary": "s", "affected_cis": ["ci-0"]}]}]
    });
    from_value::<Schedule>(v).unwrap().document
}

#[test]
fn cmdb_traversal_depth_one_past_the_limit() {
    let s = schedule_with_policy(json!({"conflicts": {"related_ci_depth": 16}}));
    detect_conflicts(&s).unwrap();
    let s = schedule_with_policy(json!({"conflicts": {"related_ci_depth": 17}}));
    let err = detect_conflicts(&s).unwrap_err();
    assert_limit(
        &err,
        "policy.conflicts.related_ci_depth",
        "CMDB traversal depth",
        16,
        17,
    );
    let from = Timestamp::parse("2026-12-01T00:00:00Z").unwrap();
    let err = suggest_slots("A", &s, 60, &from, 86_400, 1).unwrap_err();
    assert_eq!(err.path(), Some("policy.conflicts.related_ci_depth"));
    // Raised in the policy's limits section.
    let s = schedule_with_policy(json!({"conflicts": {"related_ci_depth": 17},
                                        "limits": {"max_cmdb_depth": 17}}));
    detect_conflicts(&s).unwrap();
    // Risk: the blast radius walk.
    let release = json!({"id": "R", "title": "T", "kind": "minor", "state": "planning",
        "changes": [{"id": "C", "kind": "normal", "summary": "s", "affected_cis": ["ci-0"]}]});
    let ctx =
        |depth: u32| json!({"cmdb": cmdb(3, 2), "policy": {"risk": {"blast_radius_depth": depth}}});
    api::call(
        "assess_risk",
        json!({"release": release, "context": ctx(16)}),
    )
    .unwrap();
    let err = api::call(
        "assess_risk",
        json!({"release": release, "context": ctx(17)}),
    )
    .unwrap_err();
    assert_limit(
        &err,
        "policy.risk.blast_radius_depth",
        "CMDB traversal depth",
        16,
        17,
    );
    // The limit itself must be sane.
    for bad in [0, 1025] {
        let err = parse::<relman::Policy>(&format!(r#"{{"limits": {{"max_cmdb_depth": {bad}}}}}"#))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidPolicy);
        assert_eq!(err.path(), Some("limits.max_cmdb_depth"));
    }
    let err = parse::<relman::Policy>(r#"{"limits": {"max_canary_samples": 0}}"#).unwrap_err();
    assert_eq!(err.path(), Some("limits.max_canary_samples"));
}

#[test]
fn canary_samples_one_past_the_limit() {
    let samples = |n: usize| -> Vec<f64> { (0..n).map(|i| i as f64).collect() };
    let call = |n: usize, policy: Value| {
        api::call(
            "judge_canary",
            json!({"baseline": {"latency": samples(n)}, "canary": {"latency": samples(3)},
                   "policy": policy}),
        )
    };
    let policy = json!({"limits": {"max_canary_samples": 4}});
    call(4, policy.clone()).unwrap();
    let err = call(5, policy).unwrap_err();
    assert_limit(&err, "baseline.latency", "canary samples per metric", 4, 5);
    // The default: 1 000 000 per metric and side (checked before ranking).
    let max = limits::DEFAULT_MAX_CANARY_SAMPLES as usize;
    let baseline = relman::rollout::SampleSet::new().with("latency", vec![1.0; 3]);
    let canary = relman::rollout::SampleSet::new().with("latency", vec![1.0; max + 1]);
    let err = relman::judge_canary(&baseline, &canary, &relman::rollout::JudgeConfig::default())
        .unwrap_err();
    assert_limit(
        &err,
        "canary.latency",
        "canary samples per metric",
        1_000_000,
        1_000_001,
    );
}

#[test]
fn recurrence_expansion_one_past_the_limit() {
    // conflicts.max_occurrences: a daily blackout over six days of a
    // release expands to 7 occurrences (the range reaches a day beyond).
    let v = |max: u64| {
        json!({
            "policy": {"conflicts": {"max_occurrences": max}},
            "calendar": {"blackouts": [{"id": "d", "name": "daily", "recurrence":
                {"freq": "daily", "start_time": "00:00", "duration_secs": 60, "time_zone": "UTC"}}]},
            "releases": [{"id": "A", "title": "t", "kind": "minor", "state": "approval",
                "planned_start": "2026-12-01T00:30:00Z", "planned_end": "2026-12-06T23:30:00Z"}]
        })
    };
    let needed = (1..100)
        .find(|m| detect_conflicts(&from_value::<Schedule>(v(*m)).unwrap().document).is_ok())
        .unwrap();
    let err =
        detect_conflicts(&from_value::<Schedule>(v(needed - 1)).unwrap().document).unwrap_err();
    assert_limit(
        &err,
        "calendar.blackouts[0].recurrence",
        "calendar occurrences",
        needed - 1,
        needed,
    );
    // The slot search horizon and count.
    let s = schedule_with_policy(json!({}));
    let from = Timestamp::parse("2026-12-01T00:00:00Z").unwrap();
    let max_h = relman::schedule::MAX_HORIZON_SECS;
    suggest_slots("A", &s, 60, &from, max_h, 1).unwrap();
    let err = suggest_slots("A", &s, 60, &from, max_h + 1, 1).unwrap_err();
    assert_limit(
        &err,
        "horizon_secs",
        "slot search horizon in seconds",
        max_h,
        max_h + 1,
    );
    let max_n = relman::schedule::MAX_SLOTS;
    let err = suggest_slots("A", &s, 60, &from, 86_400, max_n + 1).unwrap_err();
    assert_limit(
        &err,
        "count",
        "slots asked for",
        max_n as u64,
        max_n as u64 + 1,
    );
}

#[test]
fn ics_events_one_past_the_limit() {
    // 28 daily blackouts over 3 660 days are 28 RRULE series, well
    // inside the limit.
    let max = relman::ics::MAX_EVENTS as u64;
    let daily = |duration: u64, zone: &str| -> Vec<Value> {
        (0..28)
            .map(|i| {
                json!({"id": format!("b{i}"), "name": "daily", "recurrence":
                {"freq": "daily", "start_time": "00:00", "duration_secs": duration, "time_zone": zone}})
            })
            .collect()
    };
    let ok = api::call(
        "calendar_ics",
        json!({"schedule": {"calendar": {"blackouts": daily(60, "UTC")}},
               "options": {"now": "2026-01-01T00:00:00Z", "horizon_days": 3660}}),
    )
    .unwrap();
    assert_eq!(ok["events"], 28);
    // Lasting 250 days in Europe/Berlin, every occurrence spans a DST
    // change, so none fits a series: more than 100 000 VEVENTs.
    let blackouts = daily(250 * 86_400, "Europe/Berlin");
    let err = api::call(
        "calendar_ics",
        json!({"schedule": {"calendar": {"blackouts": blackouts}},
               "options": {"now": "2026-01-01T00:00:00Z", "horizon_days": 3660}}),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");
    match &err {
        Error::LimitExceeded { limit, found, .. } => {
            assert_eq!(*limit, max);
            assert!(*found > max);
        }
        other => panic!("{other}"),
    }
}

#[test]
fn kpi_series_points_one_past_the_limit() {
    // Found by fuzzing (api_call timed out): a period from year 1 to 9999
    // meant half a million empty weekly points.
    let max = relman::kpi::MAX_SERIES_POINTS as i64;
    let history = json!({"deployments": [{"id": "d", "service": "a",
        "environment": "production", "finished_at": "2026-01-05T12:00:00Z", "outcome": "success"}]});
    let call = |days: i64| {
        let from = Timestamp::parse("2026-01-05T00:00:00Z").unwrap();
        let to =
            relman::Timestamp::from_utc(relman::calendar::utc(from.unix_seconds() + days * 86_400));
        api::call(
            "compute_kpis",
            json!({"history": history, "options": {"from": from, "to": to,
                   "series": "week", "time_zone": "UTC", "week_start": "mon"}}),
        )
    };
    // `to` is exclusive: 10 000 whole weeks are 10 000 points.
    call(7 * max).unwrap();
    let err = call(7 * max + 1).unwrap_err();
    assert_limit(&err, "options.series", "KPI series points", 10_000, 10_001);
    let err = api::call(
        "compute_kpis",
        json!({"history": history, "options": {"from": "0001-01-01T00:00:00Z",
               "to": "9999-12-31T00:00:00Z", "series": "month"}}),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
}
