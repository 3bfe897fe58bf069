//! Helpers shared by the CLI integration tests: run the `relman` binary and
//! keep temporary files.

// Test helpers may unwrap, expect and panic: a broken run should stop loudly.
// Each test crate uses a different subset of them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The path of the hand-built KPI history of the core's tests
/// (`core/tests/data/kpi-history.json`).
pub fn kpi_history_path() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../core/tests/data/kpi-history.json")
        .to_string_lossy()
        .into_owned()
}

/// The hand-built KPI history, parsed.
pub fn kpi_history() -> Value {
    serde_json::from_str(&std::fs::read_to_string(kpi_history_path()).unwrap()).unwrap()
}

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn context(&self) -> String {
        format!(
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Checks the exit status and returns the run.
    pub fn exits(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{}", self.context());
        self
    }

    pub fn stdout_json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.context()))
    }

    pub fn stderr_json(&self) -> Value {
        serde_json::from_str(&self.stderr)
            .unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}):\n{}", self.context()))
    }
}

pub fn relman(args: &[&str]) -> Run {
    relman_with(args, |_| {})
}

/// `relman ARGS` with the process adjusted by `configure` first (its
/// standard input, its environment); stdin is empty unless set.
pub fn relman_with(args: &[&str], configure: impl FnOnce(&mut Command)) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_relman"));
    command.args(args).stdin(Stdio::null());
    configure(&mut command);
    let out = command.output().expect("the binary runs");
    Run {
        code: out.status.code().expect("an exit code, not a signal"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

/// A file under the temp dir with a unique name, removed when dropped.
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn new(name: &str, contents: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("relman-cli-test-{}-{n}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("temp file written");
        TempFile(path)
    }

    pub fn json(name: &str, value: &Value) -> Self {
        Self::new(name, &serde_json::to_string_pretty(value).unwrap())
    }

    pub fn path(&self) -> &str {
        self.0.to_str().expect("UTF-8 temp path")
    }

    pub fn read_json(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(&self.0).expect("file readable"))
            .expect("file is JSON")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A minor release in planning whose gates are met up to approval (the
/// fixture the CLI's and the Python package's record tests share), with
/// id `id`.
pub fn minor_in_planning(id: &str) -> Value {
    let mut release = record_fixture("minor-in-planning.json");
    release["id"] = Value::String(id.to_string());
    release
}

/// A fixture of `core/tests/fixtures/records/` (shared with the Python
/// package's record tests): `context.json` is the directory of the record
/// tests, `minor-in-planning.json` their release.
pub fn record_fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../core/tests/fixtures/records")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("the shared fixture");
    serde_json::from_str(&text).expect("JSON")
}

/// The path of a sample document of `examples/data/`.
pub fn sample(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/data")
        .join(name);
    path.to_str().expect("UTF-8 path").to_string()
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A path under the workspace root, as the text a command line takes.
pub fn path(rel: &str) -> String {
    root().join(rel).to_str().expect("UTF-8 path").to_string()
}
