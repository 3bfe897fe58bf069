//! Every conformance vector through the binary: `relman call OPERATION -`
//! with the vector's `input` on stdin. An operation the CLI does not expose
//! fails here, as in every other front end.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../../core/tests/support/conformance.rs"]
mod conformance;

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn run(operation: &str, input: &Value) -> conformance::Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relman"))
        .args(["call", operation, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => serde_json::from_str(&stdout)
            .map(Ok)
            .map_err(|e| format!("stdout is not JSON: {e}")),
        Some(2) => {
            let body: Value =
                serde_json::from_str(&stderr).map_err(|e| format!("stderr is not JSON: {e}"))?;
            // An operation the CLI does not know is a runner failure, not a vector error.
            if body["message"]
                .as_str()
                .is_some_and(|m| m.contains("unknown operation"))
            {
                return Err(format!("operation `{operation}` is not exposed by the CLI"));
            }
            // The CLI prefixes messages with the input's name; the rest is the core's body.
            Ok(Err(body))
        }
        other => Err(format!(
            "exit {other:?}\nstdout: {stdout}\nstderr: {stderr}"
        )),
    }
}

#[test]
fn every_conformance_vector_passes_through_the_cli() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/tests/vectors");
    let passed = conformance::check_all(&root, 101, run);
    println!("{passed} conformance vectors passed through `relman call`");
}

#[test]
fn an_unknown_operation_fails_the_runner() {
    assert!(run("no_such_operation", &serde_json::json!({})).is_err());
}
