//! The CLI's first-contact defaults (issue #27): the system clock when
//! --now is not given (named on stderr, never in the JSON), weekday names
//! long and short, and the global flags that raise the read limits.
//! Also acceptance 4 of the issue: the bundled schedule reports every
//! conflict kind, the bundled history fits a risk model and gives time in
//! every state its audit logs pass through.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside `#[test]` functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

mod common;
use common::{relman, Run, TempFile};

const NOTE: &str = "note: no --now: using the system clock, ";

fn example(name: &str) -> String {
    format!("{}/../../examples/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn system_now() -> DateTime<Utc> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    DateTime::from_timestamp(i64::try_from(secs).unwrap(), 0).unwrap()
}

/// The time the note on stderr names: one line, RFC 3339 in UTC with whole
/// seconds, within a minute of the test's own clock.
fn clock_used(run: &Run) -> DateTime<Utc> {
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with(NOTE))
        .unwrap_or_else(|| panic!("no clock note on stderr:\n{}", run.context()));
    let text = line.strip_prefix(NOTE).unwrap();
    assert!(text.ends_with('Z') && !text.contains('.'), "{line}");
    let at = DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&Utc);
    let drift = (system_now() - at).num_seconds().abs();
    assert!(drift <= 60, "{text} is {drift}s away from the clock");
    at
}

fn assert_no_note(run: &Run) {
    assert!(!run.stderr.contains("system clock"), "{}", run.context());
}

#[test]
fn calendar_without_now_uses_the_clock_for_dtstamp() {
    let run = relman(&["calendar", &example("schedule.json")]);
    run.exits(0);
    let at = clock_used(&run);
    let stamp = format!("DTSTAMP:{}", at.format("%Y%m%dT%H%M%SZ"));
    assert!(run.stdout.contains(&stamp), "{stamp}\n{}", run.stdout);
    // --format json: the export as before, the note only on stderr.
    let run = relman(&["calendar", &example("schedule.json"), "--format", "json"]);
    run.exits(0);
    clock_used(&run);
    let doc = run.stdout_json();
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["events", "ics", "warnings"]);
}

#[test]
fn overdue_without_now_uses_the_clock() {
    let run = relman(&["overdue", &example("schedule.json")]);
    // 0: nothing overdue (1 would be some overdue).
    run.exits(0);
    let at = clock_used(&run);
    let doc = run.stdout_json();
    let now = DateTime::parse_from_rfc3339(doc["now"].as_str().unwrap()).unwrap();
    assert_eq!(now, at);
    // The table names its now in its last line, as with --now.
    let run = relman(&["overdue", &example("schedule.json"), "--format", "table"]);
    run.exits(0);
    let at = clock_used(&run);
    assert!(
        run.stdout
            .contains(&at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "{}",
        run.context()
    );
}

#[test]
fn slots_without_now_search_from_the_clock() {
    let run = relman(&[
        "slots",
        &example("schedule.json"),
        "--item",
        "REL-2026-041",
        "--duration",
        "1h",
    ]);
    run.exits(0);
    let at = clock_used(&run);
    let doc = run.stdout_json();
    let from = DateTime::parse_from_rfc3339(doc["from"].as_str().unwrap()).unwrap();
    assert!(from >= at, "{doc:#}");
}

#[test]
fn apply_without_at_or_now_records_the_clock() {
    let release = json!({
        "id": "REL-CLOCK",
        "title": "Clock",
        "kind": "minor",
        "state": "planning"
    });
    let f = TempFile::json("clock-release.json", &release);
    // A context with the actor directory and no `now`.
    let context = TempFile::json(
        "clock-context.json",
        &json!({"actors": [{"id": "alice", "roles": ["release_manager"]}]}),
    );
    let run = relman(&[
        "--context",
        context.path(),
        "apply",
        f.path(),
        "--command",
        "cancel",
        "--actor",
        "alice",
        "--reason",
        "not needed",
    ]);
    run.exits(0);
    let at = clock_used(&run);
    let out = run.stdout_json();
    let text = out.to_string();
    let stamp = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(text.contains(&stamp), "{stamp} not in {out:#}");
}

#[test]
fn with_now_nothing_is_said_about_the_clock() {
    let run = relman(&[
        "--now",
        "2026-12-01T10:00:00Z",
        "overdue",
        &example("schedule.json"),
    ]);
    run.exits(0);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout_json()["now"], "2026-12-01T10:00:00Z");
    let run = relman(&[
        "--now",
        "2026-12-01T10:00:00Z",
        "calendar",
        &example("schedule.json"),
    ]);
    run.exits(0);
    assert_no_note(&run);
    assert!(run.stdout.contains("DTSTAMP:20261201T100000Z"));
}

#[test]
fn a_json_error_after_reading_the_clock_stays_one_object_on_stderr() {
    let args = [
        "slots",
        &example("schedule.json"),
        "--item",
        "NOPE",
        "--duration",
        "1h",
    ];
    let run = relman(&args);
    run.exits(2);
    assert_eq!(run.stderr_json()["code"], "invalid_input");
    assert_no_note(&run);
    // With --format table the note comes before the error lines.
    let mut table = args.to_vec();
    table.extend(["--format", "table"]);
    let run = relman(&table);
    run.exits(2);
    clock_used(&run);
}

#[test]
fn week_start_takes_short_and_long_names_in_any_case() {
    for (name, expected) in [
        ("monday", "mon"),
        ("mon", "mon"),
        ("Monday", "mon"),
        ("SUN", "sun"),
        ("sunday", "sun"),
        ("Wednesday", "wed"),
        (" thu ", "thu"),
    ] {
        let run = relman(&["kpi", &example("history.json"), "--week-start", name]);
        run.exits(0);
        assert_eq!(
            run.stdout_json()["settings"]["week_start"],
            expected,
            "{name}"
        );
    }
}

#[test]
fn a_bad_weekday_exits_2_listing_the_accepted_forms() {
    for bad in ["funday", "mo", "", "1"] {
        let run = relman(&["kpi", &example("history.json"), "--week-start", bad]);
        run.exits(2);
        let err = run.stderr_json();
        assert_eq!(err["code"], "invalid_input");
        let message = err["message"].as_str().unwrap();
        for form in ["--week-start", "mon", "sun", "monday", "sunday", "any case"] {
            assert!(message.contains(form), "{form} not in {message}");
        }
    }
}

/// A release holding an unknown list of `n` items (kept, not checked).
fn release_with_items(n: usize) -> TempFile {
    let items = vec!["0"; n].join(",");
    let text = format!(
        r#"{{"id": "REL-BIG", "title": "Big", "kind": "minor", "state": "planning", "x_items": [{items}]}}"#
    );
    TempFile::new("items.json", &text)
}

fn limit_error(run: &Run) -> Value {
    run.exits(2);
    let err = run.stderr_json();
    assert_eq!(err["code"], "limit_exceeded", "{err:#}");
    err
}

#[test]
fn max_items_raises_the_limit_of_items_per_list() {
    let n = 1_000_001;
    let f = release_with_items(n);
    // Past the default (1 000 000): refused as before.
    let err = limit_error(&relman(&["verify-log", f.path()]));
    assert_eq!(err["path"], "x_items", "{err:#}");
    // Raised: read.
    let run = relman(&["--max-items", "1000001", "verify-log", f.path()]);
    run.exits(0);
    // Lowered: a small document is refused.
    let small = release_with_items(3);
    let err = limit_error(&relman(&["verify-log", small.path(), "--max-items", "2"]));
    assert_eq!(err["path"], "x_items", "{err:#}");
    relman(&["verify-log", small.path(), "--max-items", "3"]).exits(0);
}

#[test]
fn max_document_bytes_sets_the_most_bytes_of_an_input() {
    let f = release_with_items(3);
    let size = std::fs::metadata(&f.0).unwrap().len().to_string();
    let below = (std::fs::metadata(&f.0).unwrap().len() - 1).to_string();
    relman(&["--max-document-bytes", &size, "verify-log", f.path()]).exits(0);
    let err = limit_error(&relman(&[
        "--max-document-bytes",
        &below,
        "verify-log",
        f.path(),
    ]));
    assert!(err["message"].as_str().unwrap().contains(&below), "{err:#}");
    // Raised past the default (256 MiB) a document is read as well.
    relman(&["--max-document-bytes", "1000000000", "verify-log", f.path()]).exits(0);
    // Tables of import-servicenow follow it too.
    let table = TempFile::new(
        "table.json",
        r#"{"result": [{"sys_id": "s1", "number": "CHG0000001", "short_description": "Patch"}]}"#,
    );
    let err = limit_error(&relman(&[
        "--max-document-bytes",
        "10",
        "import-servicenow",
        "--table",
        &format!("change_request={}", table.path()),
    ]));
    assert!(err["message"].as_str().unwrap().contains("10"), "{err:#}");
}

#[test]
fn zero_or_non_numeric_limits_exit_2() {
    let f = release_with_items(1);
    for flag in ["--max-document-bytes", "--max-items"] {
        for bad in ["0", "-1", "many", "1.5", ""] {
            let arg = format!("{flag}={bad}");
            let run = relman(&[&arg, "verify-log", f.path()]);
            run.exits(2);
            let err = run.stderr_json();
            assert_eq!(err["code"], "invalid_input", "{flag} {bad}: {err:#}");
            let message = err["message"].as_str().unwrap();
            assert!(message.contains(flag), "{message}");
        }
    }
}

#[test]
fn help_documents_the_new_flags() {
    let run = relman(&["--help"]);
    run.exits(0);
    for text in ["--max-document-bytes", "--max-items", "system clock"] {
        assert!(run.stdout.contains(text), "{text} not in --help");
    }
    let run = relman(&["kpi", "--help"]);
    assert!(run.stdout.contains("monday"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------
// Acceptance 4 of issue #27: the bundled examples show what relman does.
// ---------------------------------------------------------------------------

fn example_json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(example(name)).unwrap()).unwrap()
}

/// Every conflict kind, from the published schema of the conflict report
/// (not a hand list: a new kind joins it by itself).
fn conflict_kinds() -> Vec<String> {
    let run = relman(&["schema", "conflict_report"]);
    run.exits(0);
    let schema = run.stdout_json();
    let kinds: Vec<String> = schema["$defs"]["ConflictKind"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["const"].as_str().unwrap().to_string())
        .collect();
    assert!(kinds.len() >= 8, "{kinds:?}");
    kinds
}

#[test]
fn the_bundled_schedule_shows_every_conflict_kind() {
    let run = relman(&["conflicts", &example("schedule.json")]);
    // Blocking conflicts among them: exit 1, the report still on stdout.
    run.exits(1);
    let report = run.stdout_json();
    let found: Vec<&str> = report["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    for kind in conflict_kinds() {
        assert!(
            found.contains(&kind.as_str()),
            "{kind} missing from the bundled schedule's report: {found:?}"
        );
    }
    assert!(report["blocking"].as_u64().unwrap() > 0, "{report:#}");
    // The table names every kind too.
    let run = relman(&["conflicts", &example("schedule.json"), "--format", "table"]);
    run.exits(1);
    for kind in conflict_kinds() {
        assert!(
            run.stdout.contains(&format!(" {kind} ")),
            "{kind}\n{}",
            run.stdout
        );
    }
}

#[test]
fn the_bundled_history_fits_a_risk_model() {
    let history = example_json("history.json");
    let run = relman(&["fit-risk", &example("history.json")]);
    run.exits(0);
    let fitted = run.stdout_json();
    let model = &fitted["model"];
    assert!(
        model["intercept"].as_f64().unwrap().is_finite(),
        "{fitted:#}"
    );
    let coefficients = model["coefficients"].as_object().unwrap();
    assert!(
        coefficients.values().any(|c| c.as_f64().unwrap() != 0.0),
        "{fitted:#}"
    );
    // Every release of the history is a sample, of both outcomes, in
    // training and in the hold-out alike.
    let samples = &fitted["samples"];
    let releases = history["releases"].as_array().unwrap().len() as u64;
    assert_eq!(samples["releases"], releases);
    assert_eq!(samples["skipped"], 0);
    let training = samples["training"].as_u64().unwrap();
    let training_failures = samples["training_failures"].as_u64().unwrap();
    assert!(
        0 < training_failures && training_failures < training,
        "{samples}"
    );
    let holdout = samples["holdout"].as_u64().unwrap();
    let holdout_failures = samples["holdout_failures"].as_u64().unwrap();
    assert!(
        0 < holdout_failures && holdout_failures < holdout,
        "{samples}"
    );
    assert!(model["holdout_auc"].is_number(), "{fitted:#}");
}

/// The states the bundled history's logs leave (an event with from ≠ to).
fn states_left(history: &Value) -> std::collections::BTreeSet<String> {
    let mut states = std::collections::BTreeSet::new();
    for release in history["releases"].as_array().unwrap() {
        let log = release["log"].as_array().unwrap();
        assert!(!log.is_empty(), "{} has no log", release["id"]);
        for event in log {
            if event["from"] != event["to"] {
                states.insert(event["from"].as_str().unwrap().to_string());
            }
        }
    }
    states
}

#[test]
fn the_bundled_history_gives_time_in_every_state_its_logs_pass_through() {
    let history = example_json("history.json");
    let states = states_left(&history);
    // The walks pass through the whole line, planning to review.
    assert!(states.len() >= 6, "{states:?}");
    let run = relman(&["kpi", &example("history.json")]);
    run.exits(0);
    let report = run.stdout_json();
    let time_in_state = &report["kpis"]["itil"]["time_in_state"];
    for state in &states {
        let figure = &time_in_state[state.as_str()];
        assert!(
            figure["count"].as_u64().unwrap_or(0) > 0,
            "{state}: {time_in_state:#}"
        );
        assert!(
            figure["median_secs"].as_f64().is_some_and(|s| s > 0.0),
            "{state}: {time_in_state:#}"
        );
    }
    let run = relman(&["kpi", &example("history.json"), "--format", "table"]);
    run.exits(0);
    for state in &states {
        let line = run
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("time in {state} ")))
            .unwrap_or_else(|| panic!("no time in {state}:\n{}", run.stdout));
        assert!(line.contains("median") && !line.contains("n/a"), "{line}");
    }
}

#[test]
fn the_bundled_history_names_only_releases_it_has() {
    let history = example_json("history.json");
    let ids: std::collections::BTreeSet<&str> = history["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for deployment in history["deployments"].as_array().unwrap() {
        if let Some(id) = deployment["release_id"].as_str() {
            assert!(ids.contains(id), "{} names {id}", deployment["id"]);
        }
    }
}
