//! Keyed audit chains through the CLI: `--keys FILE` or `RELMAN_KEYS` for
//! `verify-log`, `check` and `apply`; keys never from the command line.
//! The releases are those of the conformance vectors (made by
//! `scripts/genuine-fixtures`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{relman, relman_with, Run, TempFile};
use serde_json::{json, Value};
use std::path::PathBuf;

fn vector(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../core/tests/vectors")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `relman ARGS` with RELMAN_KEYS set to `keys`.
fn relman_with_env(args: &[&str], keys: &str) -> Run {
    relman_with(args, |c| {
        c.env("RELMAN_KEYS", keys);
    })
}

#[test]
fn verify_log_with_keys_detects_a_rewritten_log_without_an_expected_head() {
    let input = &vector("verify_log/keyed_rewritten")["input"];
    let release = TempFile::json("rewritten.json", &input["release"]);
    let keys = TempFile::json("keys.json", &input["keys"]);
    // Without keys the rewrite passes (the hashes were recomputed) …
    let plain = relman(&["verify-log", release.path()]);
    plain.exits(0);
    assert_eq!(
        plain.stdout_json()["warnings"][0]["code"],
        "keys_not_checked"
    );
    // … with them it is caught, from a file or from the environment.
    for run in [
        relman(&["verify-log", release.path(), "--keys", keys.path()]),
        relman_with_env(
            &["verify-log", release.path()],
            &serde_json::to_string(&input["keys"]).unwrap(),
        ),
    ] {
        let verdict = run.exits(1).stdout_json();
        assert_eq!(verdict["valid"], false);
        assert_eq!(verdict["tamper"]["kind"], "unauthenticated");
        assert_eq!(verdict["tamper"]["path"], "log[5]");
    }
    // check: record.log unmet, exit 1.
    let context = TempFile::json(
        "ctx.json",
        &vector("check/keyed_rewritten")["input"]["context"],
    );
    let report = relman(&[
        "check",
        release.path(),
        "--to",
        "closed",
        "--context",
        context.path(),
        "--keys",
        keys.path(),
    ]);
    let report = report.exits(1).stdout_json();
    let log = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "record.log")
        .unwrap();
    assert_eq!(log["met"], false);
}

#[test]
fn apply_with_keys_keys_the_new_event() {
    let input = &vector("apply/keyed_event")["input"];
    let release = TempFile::json("release.json", &input["release"]);
    let command = TempFile::json("command.json", &input["command"]);
    let context = TempFile::json("ctx.json", &input["context"]);
    let keys = TempFile::json("keys.json", &input["keys"]);
    let out = TempFile::new("out.json", "");
    let applied = relman(&[
        "apply",
        release.path(),
        command.path(),
        "--context",
        context.path(),
        "--keys",
        keys.path(),
        "--out",
        out.path(),
    ]);
    let applied = applied.exits(0).stdout_json();
    assert_eq!(applied["events"][0]["auth"]["key_id"], "host-2026");
    assert_eq!(applied["events"][0]["auth"]["alg"], "hmac-sha256");
    // The written release verifies with the keys, and without them only
    // with a warning.
    relman(&["verify-log", out.path(), "--keys", keys.path()]).exits(0);
    // A keyring that cannot sign: invalid input naming the field.
    let auditor = TempFile::json(
        "auditor.json",
        &vector("verify_log/keyed_ed25519_public_key")["input"]["keys"],
    );
    let err = relman(&[
        "apply",
        release.path(),
        command.path(),
        "--context",
        context.path(),
        "--keys",
        auditor.path(),
    ]);
    let err = err.exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "keys.signing_key");
}

#[test]
fn keys_are_never_taken_from_the_command_line_and_bad_keyrings_name_the_path() {
    let release = TempFile::json(
        "release.json",
        &vector("verify_log/keyed_valid")["input"]["release"],
    );
    let inline = json!({"keys": [{"id": "k", "alg": "hmac-sha256", "secret": "00112233445566778899aabbccddeeff"}]});
    let err = relman(&["verify-log", release.path(), "--keys", &inline.to_string()]);
    let err = err.exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("never the keys themselves"));
    // A short HMAC secret.
    let bad = TempFile::json(
        "bad-keys.json",
        &json!({"keys": [{"id": "k", "alg": "hmac-sha256", "secret": "0011"}]}),
    );
    let err = relman(&["verify-log", release.path(), "--keys", bad.path()]);
    let err = err.exits(2).stderr_json();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["path"], "keys[0].secret");
    assert!(err["message"].as_str().unwrap().contains("bad-keys.json"));
    // The same through the environment names RELMAN_KEYS, and never
    // echoes the secret.
    let err = relman_with_env(
        &["verify-log", release.path()],
        r#"{"keys": [{"id": "k", "alg": "hmac-sha256", "secret": "zz-not-hex-secret-value"}]}"#,
    );
    let body = err.exits(2).stderr_json();
    assert!(body["message"].as_str().unwrap().contains("RELMAN_KEYS"));
    assert!(
        !err.stderr.contains("zz-not-hex-secret-value"),
        "{}",
        err.stderr
    );
    // A missing key file.
    let err = relman(&[
        "verify-log",
        release.path(),
        "--keys",
        "/nonexistent/keys.json",
    ]);
    assert_eq!(err.exits(2).stderr_json()["code"], "invalid_input");
}
