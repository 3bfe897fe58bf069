//! Release versions through the CLI (docs/lifecycle.md, "Versions"): a
//! version off the policy's scheme, or not the bump its kind asks for, is
//! bad input (exit 2, `invalid_input` at `version`) for `check`, `apply`
//! and `validate`; the bundled release checks as before.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{json, Value};

mod common;
use common::{minor_in_planning, relman, sample, TempFile};

fn banana() -> Value {
    let mut release = minor_in_planning("REL-V1");
    release["version"] = json!("banana");
    release
}

fn assert_invalid_at_version(err: &Value) {
    assert_eq!(err["code"], "invalid_input", "{err:#}");
    assert_eq!(err["path"], "version", "{err:#}");
}

#[test]
fn check_and_apply_refuse_banana_with_exit_2() {
    let file = TempFile::json("release.json", &banana());
    let run = relman(&["check", file.path(), "--to", "development"]);
    assert_invalid_at_version(&run.exits(2).stderr_json());
    let ctx = TempFile::json(
        "context.json",
        &json!({"actors": [{"id": "rita", "roles": ["release_manager"]}]}),
    );
    let run = relman(&[
        "apply",
        file.path(),
        "--context",
        ctx.path(),
        "--command",
        "advance",
        "--actor",
        "rita",
        "--at",
        "2026-03-01T09:00:00Z",
    ]);
    assert_invalid_at_version(&run.exits(2).stderr_json());
}

#[test]
fn check_refuses_a_minor_release_that_bumps_the_major_over_the_context() {
    let mut release = minor_in_planning("REL-V2");
    release["version"] = json!("3.0.0");
    release["services"] = json!(["shop"]);
    let previous = json!({
        "id": "REL-V0", "title": "previous", "version": "2.3.1", "kind": "minor",
        "state": "planning", "services": ["shop"],
        "planned_start": "2020-01-01T00:00:00Z", "planned_end": "2020-01-01T01:00:00Z"
    });
    let file = TempFile::json("release.json", &release);
    let ctx = TempFile::json(
        "context.json",
        &json!({"schedule": {"releases": [previous]}}),
    );
    let run = relman(&[
        "check",
        file.path(),
        "--context",
        ctx.path(),
        "--to",
        "development",
    ]);
    let err = run.exits(2).stderr_json();
    assert_invalid_at_version(&err);
    assert!(err.to_string().contains("3.0.0 bumps the major"), "{err:#}");
}

#[test]
fn validate_refuses_banana_and_the_bundled_release_still_checks() {
    let file = TempFile::json("release.json", &banana());
    let run = relman(&["validate", "--kind", "release", file.path()]);
    assert_ne!(run.code, 0, "{}", run.context());
    assert!(run.context().contains("version"), "{}", run.context());
    relman(&[
        "check",
        &sample("release-major.json"),
        "--to",
        "development",
    ])
    .exits(0);
}
