//! End-to-end tests of the `relman` binary: exit codes, stdout, and the
//! JSON error body on stderr.

// The helpers below are test code too: a failing test should stop loudly
// (clippy.toml allows this inside `#[test]` functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a run of the binary produced.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn stdout_json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// The error body on stderr, after checking the run failed with 2.
    fn error(&self) -> Value {
        assert_eq!(
            self.code, 2,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        serde_json::from_str(&self.stderr)
            .unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}):\n{}", self.stderr))
    }

    fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

fn relman_with_stdin(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(text.as_bytes())
            .expect("stdin accepts the input");
    }
    let out = child.wait_with_output().expect("the binary finishes");
    Run {
        code: out.status.code().expect("an exit code, not a signal"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

fn relman(args: &[&str]) -> Run {
    relman_with_stdin(args, None)
}

/// A file under the temp dir, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("relman-cli-test-{}-{n}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("temp file written");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("UTF-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const VALID_RELEASE: &str = r#"{
  "schema_version": 1,
  "id": "REL-1",
  "title": "Checkout 4.2",
  "kind": "minor",
  "state": "planning",
  "planned_start": "2026-03-01T22:00:00Z",
  "planned_end": "2026-03-01T23:00:00Z",
  "changes": [
    {"id": "CHG-1", "kind": "normal", "summary": "New payment form", "affected_cis": ["checkout"]}
  ]
}"#;

/// Validates `text` (as a file) and returns the error body on stderr.
fn validate_error(text: &str, extra: &[&str]) -> Value {
    let file = TempFile::new("doc.json", text);
    let mut args = vec!["validate", file.path()];
    args.extend_from_slice(extra);
    relman(&args).error()
}

fn problem_paths(err: &Value) -> Vec<String> {
    err["problems"]
        .as_array()
        .expect("a problems array")
        .iter()
        .map(|p| p["path"].as_str().expect("a problem path").to_string())
        .collect()
}

// ---------------------------------------------------------------- validate

#[test]
fn validate_accepts_a_valid_release() {
    let file = TempFile::new("release.json", VALID_RELEASE);
    let run = relman(&["validate", file.path()]);
    let report = run.ok().stdout_json();
    assert_eq!(report["document"], "release");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["warnings"], serde_json::json!([]));
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn validate_reads_stdin() {
    let run = relman_with_stdin(&["validate", "-"], Some(VALID_RELEASE));
    assert_eq!(run.ok().stdout_json()["document"], "release");

    let err = relman_with_stdin(
        &["validate", "-"],
        Some(r#"{"id": "R", "title": "T", "kind": "huge", "state": "planning"}"#),
    )
    .error();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "kind");
}

#[test]
fn validate_ignores_a_byte_order_mark() {
    let file = TempFile::new("bom.json", &format!("\u{feff}{VALID_RELEASE}"));
    let run = relman(&["validate", file.path()]);
    assert_eq!(run.ok().stdout_json()["document"], "release");
}

#[test]
fn validate_table_format_is_readable() {
    let file = TempFile::new("release.json", VALID_RELEASE);
    let run = relman(&["validate", "--format", "table", file.path()]);
    assert_eq!(
        run.ok().stdout.trim_end(),
        "release: valid (schema_version 1), 0 warnings"
    );

    let bad = TempFile::new(
        "bad.json",
        "{\n  \"id\": \"R\",\n  \"title\": \"T\",\n  \"kind\": \"huge\"\n}",
    );
    let run = relman(&[
        "validate",
        "--format",
        "table",
        "--kind",
        "release",
        bad.path(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.starts_with("kind: unknown variant `huge`"),
        "{}",
        run.stderr
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines[0].ends_with("(line 4, column 16)"), "{}", run.stderr);
    // Every structural problem is listed, one per line.
    assert_eq!(lines[1], "state: missing field `state`", "{}", run.stderr);
}

#[test]
fn malformed_json_reports_line_and_column() {
    let err = validate_error("{\n  \"id\": \"R\",\n  \"title\": \n}", &[]);
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["line"], 4, "{err:#}");
    assert!(err["column"].as_u64().is_some(), "{err:#}");
    assert_eq!(err["problems"][0]["line"], 4);
}

#[test]
fn a_string_past_the_length_limit_is_limit_exceeded() {
    // The default limit on one string is 1 MiB (docs/limits.md).
    let title = "x".repeat(1024 * 1024 + 1);
    let text =
        format!(r#"{{"id": "R", "title": "{title}", "kind": "minor", "state": "planning"}}"#);
    for extra in [&[][..], &["--kind", "release"][..]] {
        let err = validate_error(&text, extra);
        assert_eq!(err["code"], "limit_exceeded", "{err:#}");
        assert_eq!(err["path"], "title", "{err:#}");
    }
}

#[test]
fn malformed_json_with_explicit_kind_reports_line_and_column() {
    let err = validate_error("{\"risk\": [1, 2", &["--kind", "policy"]);
    assert!(err["line"].as_u64().is_some(), "{err:#}");
    assert!(err["column"].as_u64().is_some(), "{err:#}");
}

#[test]
fn wrong_type_names_the_path() {
    let err = validate_error(
        r#"{"id": "R", "title": "T", "kind": "minor", "state": "planning", "changes": "x"}"#,
        &[],
    );
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "changes");
}

#[test]
fn missing_field_names_the_field() {
    let err = validate_error(
        r#"{"id": "R", "title": "T", "kind": "minor", "state": "planning",
            "changes": [{"id": "C1", "kind": "normal"}]}"#,
        &[],
    );
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "changes[0].summary");
}

#[test]
fn unknown_enum_value_names_the_path() {
    let err = validate_error(
        r#"{"id": "R", "title": "T", "kind": "huge", "state": "planning"}"#,
        &[],
    );
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "kind");
    assert!(err["message"].as_str().unwrap().contains("huge"), "{err:#}");
}

#[test]
fn end_before_start_is_rejected() {
    let err = validate_error(
        r#"{"id": "R", "title": "T", "kind": "minor", "state": "planning",
            "planned_start": "2026-03-02T00:00:00Z", "planned_end": "2026-03-01T00:00:00Z"}"#,
        &[],
    );
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "planned_end");
}

#[test]
fn duplicate_change_ids_are_rejected() {
    let err = validate_error(
        r#"{"id": "R", "title": "T", "kind": "minor", "state": "planning", "changes": [
            {"id": "C1", "kind": "normal", "summary": "a"},
            {"id": "C1", "kind": "normal", "summary": "b"}]}"#,
        &[],
    );
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "changes[1].id");
}

#[test]
fn unknown_schema_version_is_unsupported() {
    let err = validate_error(
        r#"{"schema_version": 99, "id": "R", "title": "T", "kind": "minor", "state": "planning"}"#,
        &[],
    );
    assert_eq!(err["code"], "unsupported_version");
    assert_eq!(err["path"], "schema_version");
}

#[test]
fn inconsistent_policy_is_invalid_policy() {
    let err = validate_error(
        r#"{"risk": {"bands": {"medium": 60, "high": 50}}}"#,
        &["--kind", "policy"],
    );
    assert_eq!(err["code"], "invalid_policy");
    assert!(
        err["path"].as_str().unwrap().starts_with("risk.bands"),
        "{err:#}"
    );
}

#[test]
fn every_problem_is_listed() {
    let err = validate_error(
        r#"{"id": "R", "title": "T", "kind": "minor", "state": "planning",
            "planned_start": "2026-03-02T00:00:00Z", "planned_end": "2026-03-01T00:00:00Z",
            "depends_on": ["R"],
            "changes": [
              {"id": "C1", "kind": "normal", "summary": "a"},
              {"id": "C1", "kind": "normal", "summary": "b"}]}"#,
        &[],
    );
    assert_eq!(err["code"], "invalid_input");
    let paths = problem_paths(&err);
    for expected in ["planned_end", "changes[1].id", "depends_on[0]"] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} missing in {paths:?}"
        );
    }
    assert_eq!(paths.len(), 3, "{paths:?}");
}

#[test]
fn kind_flag_overrides_detection() {
    // Looks like a release (`title` and `state`), but is checked as a
    // change: `summary` is missing.
    let text = r#"{"id": "C1", "kind": "normal", "title": "T", "state": "planning"}"#;
    let file = TempFile::new("release.json", text);
    let err = relman(&["validate", "--kind", "change", file.path()]).error();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "summary");
    // Without --kind it is taken for a release, whose kinds differ.
    let err = relman(&["validate", file.path()]).error();
    assert_eq!(err["path"], "kind");

    let change = TempFile::new(
        "change.json",
        r#"{"id": "C1", "kind": "normal", "summary": "s"}"#,
    );
    let run = relman(&["validate", change.path()]);
    assert_eq!(run.ok().stdout_json()["document"], "change");
}

#[test]
fn undetectable_kind_asks_for_kind() {
    let err = validate_error(r#"{"hello": "world"}"#, &[]);
    assert_eq!(err["code"], "invalid_input");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("--kind") && message.contains("configuration_item"),
        "{message}"
    );
}

/// Found on main: without --kind a broken release carrying `risk` was
/// taken for a policy (the first rule that matched) and passed, exit 0.
/// A policy cannot hold a release's `id` and `title` (policies are
/// strict), so it is read as the release it is and its error reported;
/// keys that fit two kinds are refused, naming both.
#[test]
fn keys_that_fit_two_kinds_are_refused_not_guessed() {
    let broken = r#"{"id": "R", "title": "T", "kind": "huge", "state": "planning", "risk": {}}"#;
    let file = TempFile::new("release.json", broken);
    let run = relman(&["validate", file.path()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let err = run.error();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "kind");
    // A valid release carrying an attached risk assessment is a release.
    let mut with_risk: serde_json::Value = serde_json::from_str(VALID_RELEASE).unwrap();
    with_risk["risk"] = serde_json::json!({"level": "low"});
    let release = TempFile::new("release-risk.json", &with_risk.to_string());
    let run = relman(&["validate", release.path()]);
    assert_eq!(run.ok().stdout_json()["document"], "release");

    // Keys of a CMDB and of a calendar: relman names both and asks for --kind.
    let both = TempFile::new("both.json", r#"{"cis": [], "blackouts": []}"#);
    let run = relman(&["validate", both.path()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let err = run.error();
    assert_eq!(err["code"], "invalid_input");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("cmdb") && message.contains("calendar") && message.contains("--kind"),
        "{message}"
    );
    // With --kind it is checked as what it is.
    relman(&["validate", "--kind", "cmdb", both.path()]).ok();
    // Table format: the same message on stderr.
    let run = relman(&["validate", "--format", "table", both.path()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cmdb, calendar") || run.stderr.contains("calendar, cmdb"),
        "{}",
        run.stderr
    );

    // Documents whose keys fit one kind are detected as before.
    let release = TempFile::new("release.json", VALID_RELEASE);
    let run = relman(&["validate", release.path()]);
    assert_eq!(run.ok().stdout_json()["document"], "release");
    let policy = TempFile::new("policy.json", r#"{"risk": {}, "lifecycle": {}}"#);
    let run = relman(&["validate", policy.path()]);
    assert_eq!(run.ok().stdout_json()["document"], "policy");
    for sample in ["policy", "history", "schedule", "release-minor", "context"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../../examples/data/{sample}.json"));
        let run = relman(&["validate", path.to_str().unwrap()]);
        let kind = sample.split('-').next().unwrap();
        assert_eq!(run.ok().stdout_json()["document"], kind, "{sample}");
    }
}

/// An argument that is not UTF-8 is a usage error like any other (the
/// `--format table` probe used to read the arguments as `String`s, which
/// panics on such an argument).
#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"\xffrelease.json");
    for table in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_relman"));
        cmd.arg("validate").arg(bad);
        if table {
            cmd.args(["--format", "table"]);
        }
        let out = cmd.stdin(Stdio::null()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("invalid UTF-8"), "{stderr}");
        if !table {
            let err: Value = serde_json::from_str(&stderr).unwrap();
            assert_eq!(err["code"], "invalid_input");
        }
    }
}

#[test]
fn unknown_kind_is_a_usage_error() {
    let file = TempFile::new("release.json", VALID_RELEASE);
    let err = relman(&["validate", "--kind", "elephant", file.path()]).error();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().contains("elephant"),
        "{err:#}"
    );
}

#[test]
fn missing_file_is_invalid_input_naming_the_file() {
    let path = std::env::temp_dir().join("relman-cli-test-does-not-exist.json");
    let path = path.to_str().unwrap();
    let err = relman(&["validate", path]).error();
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().unwrap().contains(path), "{err:#}");
}

#[test]
fn several_files_give_an_array_and_fail_if_any_fails() {
    let good = TempFile::new("good.json", VALID_RELEASE);
    let bad = TempFile::new(
        "bad.json",
        r#"{"id": "R", "title": "T", "kind": "huge", "state": "planning"}"#,
    );
    let run = relman(&["validate", good.path(), good.path()]);
    let all = run.ok().stdout_json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[0]["valid"], true);
    assert_eq!(all[0]["report"]["document"], "release");

    let run = relman(&["validate", good.path(), bad.path()]);
    let err = run.error();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "kind");
    assert!(
        err["message"].as_str().unwrap().starts_with(bad.path()),
        "{err:#}"
    );
    let all = run.stdout_json();
    assert_eq!(all[0]["valid"], true);
    assert_eq!(all[1]["valid"], false);
    assert_eq!(all[1]["file"], bad.path());
    assert_eq!(all[1]["error"]["path"], "kind");
}

// ---------------------------------------------------------------- globals

#[test]
fn bad_policy_file_fails_the_commands_that_use_it() {
    let policy = TempFile::new(
        "policy.json",
        r#"{"risk": {"bands": {"medium": 60, "high": 50}}}"#,
    );
    let err = relman(&["--policy", policy.path(), "context"]).error();
    assert_eq!(err["code"], "invalid_policy");
    assert!(
        err["path"].as_str().unwrap().starts_with("risk.bands"),
        "{err:#}"
    );
    assert!(
        err["message"].as_str().unwrap().contains(policy.path()),
        "{err:#}"
    );

    // Malformed JSON and a missing file, also after the subcommand.
    let broken = TempFile::new("broken.json", "{\"risk\": ");
    let err = relman(&["context", "--policy", broken.path()]).error();
    assert_eq!(err["code"], "invalid_policy");
    assert!(err["line"].as_u64().is_some(), "{err:#}");
    let missing = std::env::temp_dir().join("relman-cli-test-no-policy.json");
    let err = relman(&["context", "--policy", missing.to_str().unwrap()]).error();
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("relman-cli-test-no-policy.json"));

    // Commands that do not need a policy do not read it.
    let release = TempFile::new("release.json", VALID_RELEASE);
    relman(&["--policy", policy.path(), "validate", release.path()]).ok();
}

#[test]
fn bad_context_and_now_fail_the_commands_that_use_them() {
    let context = TempFile::new("context.json", r#"{"actors": [{"id": "a", "roles": "x"}]}"#);
    let err = relman(&["--context", context.path(), "context"]).error();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "actors[0].roles");

    let err = relman(&["--now", "tomorrow", "context"]).error();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().contains("--now"),
        "{err:#}"
    );
    relman(&["--now", "tomorrow", "schema", "release"]).ok();
}

#[test]
fn context_applies_policy_and_now() {
    let context = TempFile::new(
        "context.json",
        r#"{"now": "2026-01-01T00:00:00Z", "actors": [{"id": "ann", "roles": ["release_manager"]}]}"#,
    );
    let policy = TempFile::new("policy.json", r#"{"risk": {"bands": {"medium": 30}}}"#);
    let run = relman(&[
        "--context",
        context.path(),
        "--policy",
        policy.path(),
        "--now",
        "2026-03-01T22:00:00+01:00",
        "context",
    ]);
    let ctx = run.ok().stdout_json();
    assert_eq!(ctx["now"], "2026-03-01T22:00:00+01:00");
    assert_eq!(ctx["actors"][0]["id"], "ann");
    assert_eq!(ctx["policy"]["risk"]["bands"]["medium"], 30.0);
    assert_eq!(ctx["policy"]["risk"]["bands"]["high"], 50.0);

    let run = relman(&["--context", context.path(), "context"]);
    assert_eq!(run.ok().stdout_json()["now"], "2026-01-01T00:00:00Z");
}

// ---------------------------------------------------------------- schema

fn schema_names() -> Vec<String> {
    let list = relman(&["schema", "--list"]).ok().stdout_json();
    list.as_array()
        .expect("an array")
        .iter()
        .map(|e| e["name"].as_str().expect("a name").to_string())
        .collect()
}

#[test]
fn schema_list_describes_every_schema() {
    let list = relman(&["schema", "--list"]).ok().stdout_json();
    let entries = list.as_array().unwrap();
    assert!(entries.len() >= 12, "{list:#}");
    for e in entries {
        assert!(e["name"].is_string());
        assert!(
            ["input", "output"].contains(&e["direction"].as_str().unwrap()),
            "{e}"
        );
        assert!(!e["description"].as_str().unwrap().is_empty());
    }
    let names = schema_names();
    for name in ["release", "policy", "context", "validation_report", "error"] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing in {names:?}"
        );
    }

    let table = relman(&["schema", "--list", "--format", "table"]);
    let lines: Vec<&str> = table.ok().stdout.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{}", table.stdout);
    assert_eq!(lines.len(), entries.len() + 1);
    // Aligned: every description starts in the same column.
    let col = lines[0].find("DESCRIPTION").unwrap();
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.len() > col && !l[..col].ends_with(|c: char| !c.is_whitespace())),
        "{}",
        table.stdout
    );
}

#[test]
fn every_listed_schema_prints() {
    for name in schema_names() {
        let schema = relman(&["schema", &name]).ok().stdout_json();
        let object = schema
            .as_object()
            .unwrap_or_else(|| panic!("{name}: not an object"));
        assert!(
            object.contains_key("$schema")
                || object.contains_key("type")
                || object.contains_key("properties"),
            "{name}: {schema:#}"
        );
    }
    // `-` and `_` are interchangeable.
    relman(&["schema", "configuration-item"]).ok();
}

#[test]
fn unknown_schema_lists_the_known_names() {
    let err = relman(&["schema", "elephant"]).error();
    assert_eq!(err["code"], "invalid_input");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("elephant") && message.contains("validation_report"),
        "{message}"
    );
}

// ---------------------------------------------------------------- usage

#[test]
fn usage_errors_exit_2_with_a_json_body() {
    for args in [
        &["frobnicate"][..],
        &["validate", "--frobnicate", "x.json"][..],
        &["validate"][..],
        &["schema"][..],
        &["--format", "yaml", "schema", "release"][..],
        &[][..],
    ] {
        let err = relman(args).error();
        assert_eq!(err["code"], "invalid_input", "{args:?}: {err:#}");
        assert!(err["message"].is_string());
    }
}

#[test]
fn usage_errors_in_table_format_are_readable() {
    let run = relman(&["--format", "table", "frobnicate"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("frobnicate"), "{}", run.stderr);
    assert!(serde_json::from_str::<Value>(&run.stderr).is_err());
}

#[test]
fn help_and_version_exit_0() {
    let run = relman(&["--help"]);
    assert!(run.ok().stdout.contains("Exit status"), "{}", run.stdout);
    assert!(run.stdout.contains("--policy"));
    let run = relman(&["validate", "--help"]);
    assert!(run.ok().stdout.contains("--kind"));
    let run = relman(&["--version"]);
    assert!(run.ok().stdout.starts_with("relman "));
}

#[test]
fn temp_files_are_unique() {
    let a = TempFile::new("x.json", "{}");
    let b = TempFile::new("x.json", "{}");
    assert_ne!(a.path(), b.path());
    assert!(Path::new(a.path()).exists());
}

/// An operation without a command of its own runs by its kebab-case name,
/// its parameters from the operation catalog: documents as files, strings
/// and numbers as values; a bad parameter is the operation's own error.
#[test]
fn an_operation_without_a_command_runs_by_name() {
    let releases = TempFile::new(
        "releases.json",
        r#"[{"id": "R1", "title": "T", "kind": "minor", "state": "planning"},
            {"id": "R2", "title": "T", "kind": "huge", "state": "planning"}]"#,
    );
    let run = relman(&["assess-risk-many", "--releases", releases.path()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let batch = run.stdout_json();
    assert_eq!(batch["assessments"][0]["release_id"], "R1");
    assert_eq!(batch["errors"][0]["index"], 1);

    let err = relman(&["assess-risk-many"]).error();
    assert_eq!(err["path"], "releases", "{err}");
    let err = relman(&["assess-risk-many", "--bogus", "1"]).error();
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("no option --bogus"),
        "{err}"
    );
    let err = relman(&["no-such-operation"]).error();
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("unrecognized subcommand"),
        "{err}"
    );
}
