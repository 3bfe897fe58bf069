//! The "Hardening" issue, keyed chains: a log rewritten with recomputed
//! hashes is detected without an expected head when the host keys its
//! chains (HMAC-SHA-256 per event, or Ed25519-signed heads), and a stale
//! writer is refused by the compare-and-swap on the head.
//!
//! Fixtures: the bundled major release and its directory, moved through
//! the lifecycle with real commands, keyed by the keyring under test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::audit::{head, seal};
use relman::keys::{KeyAlgorithm, Keyring};
use relman::{
    apply_with, check_with, verify_log, verify_log_with, Applied, ApplyOptions, Command, Context,
    Error, ErrorCode, LogVerdict, Release, State, TamperKind,
};
use serde_json::{json, Value};

const MAJOR: &str = include_str!("../../examples/data/release-major.json");
const CONTEXT: &str = include_str!("../../examples/data/context.json");
const CALENDAR: &str = include_str!("../../examples/data/calendar.json");
const SCHEDULE: &str = include_str!("../../examples/data/schedule.json");
const CMDB: &str = include_str!("../../examples/data/cmdb.json");

const HMAC_SECRET: &str = "6b65792d6f662d7468652d686f73742d31323334353637383930";
const ED_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const ED_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

/// The bundled context completed with what readiness needs (the bundled
/// calendar, schedule and CMDB).
fn ctx() -> Context {
    let mut v: serde_json::Value = serde_json::from_str(CONTEXT).unwrap();
    for (part, text) in [
        ("calendar", CALENDAR),
        ("schedule", SCHEDULE),
        ("cmdb", CMDB),
    ] {
        v[part] = serde_json::from_str(text).unwrap();
    }
    serde_json::from_value(v).unwrap()
}

fn planning() -> Release {
    serde_json::from_str(MAJOR).unwrap()
}

fn hmac_keys() -> Keyring {
    Keyring::from_value(&json!({
        "signing_key": "host-2026",
        "keys": [{"id": "host-2026", "alg": "hmac-sha256", "secret": HMAC_SECRET}],
    }))
    .unwrap()
}

fn ed_signer() -> Keyring {
    Keyring::from_value(&json!({
        "signing_key": "ed-1",
        "keys": [{"id": "ed-1", "alg": "ed25519", "secret": ED_SEED}],
    }))
    .unwrap()
}

fn ed_auditor() -> Keyring {
    Keyring::from_value(&json!({
        "keys": [{"id": "ed-1", "alg": "ed25519", "public": ED_PUBLIC}],
    }))
    .unwrap()
}

fn cmd(r: &Release, actor: &str, command: Value) -> Command {
    let mut v = command;
    v["actor"] = json!(actor);
    v["at"] = json!(window_at(r));
    serde_json::from_value(v).unwrap()
}

fn run_with(r: &Release, keys: Option<&Keyring>, actor: &str, command: Value) -> Applied {
    let options = match keys {
        Some(keys) => ApplyOptions::default().keyed(keys.clone()),
        None => ApplyOptions::default(),
    };
    apply_with(r, &cmd(r, actor, command.clone()), &ctx(), &options)
        .unwrap_or_else(|e| panic!("{command} by {actor}: {e}"))
}

/// The sample release moved to approval with two CAB votes, every event
/// keyed by `keys` (or unkeyed).
fn keyed_release(keys: Option<&Keyring>) -> Release {
    let mut r = planning();
    for _ in 0..3 {
        r = run_with(&r, keys, "anna.jansen", json!({"command": "advance"})).release;
    }
    for who in ["petra.mueller", "jonas.schmidt"] {
        r = run_with(&r, keys, who, json!({"command": "approve", "role": "cab"})).release;
    }
    assert_eq!(r.state, State::Approval);
    r
}

fn tamper(verdict: &LogVerdict) -> &relman::Tamper {
    verdict
        .tamper
        .as_ref()
        .unwrap_or_else(|| panic!("expected tampering: {verdict:#?}"))
}

/// Rewrites `log[index]`'s details with `f` and re-hashes it and every
/// later event, as a forger with write access but no key would.
fn rewrite(r: &Release, index: usize, f: impl FnOnce(&mut relman::Event)) -> Release {
    let mut forged = r.clone();
    f(&mut forged.log[index]);
    let mut prev = match index {
        0 => relman::audit::chain_seed(&forged.id),
        i => forged.log[i - 1].hash.clone(),
    };
    for event in forged.log.iter_mut().skip(index) {
        let auth = event.auth.take();
        *event = seal(&prev, event.clone());
        event.auth = auth;
        prev = event.hash.clone();
    }
    forged
}

#[test]
fn every_applied_event_is_keyed_and_verifies() {
    for keys in [hmac_keys(), ed_signer()] {
        let r = keyed_release(Some(&keys));
        for event in &r.log {
            let auth = event.auth.as_ref().expect("keyed");
            assert_eq!(Some(auth.key_id.as_str()), keys.signing_key());
        }
        let verdict = verify_log_with(&r, None, Some(&keys));
        assert!(verdict.valid, "{verdict:#?}");
        assert!(verdict.warnings.is_empty(), "{:?}", verdict.warnings);
        // Keying never changes the hashes: the same commands unkeyed give
        // the same chain.
        let plain = keyed_release(None);
        let hashes = |r: &Release| r.log.iter().map(|e| e.hash.clone()).collect::<Vec<_>>();
        assert_eq!(hashes(&r), hashes(&plain));
    }
    let r = keyed_release(Some(&ed_signer()));
    assert_eq!(r.log[0].auth.as_ref().unwrap().alg, KeyAlgorithm::Ed25519);
    // An auditor holding only the public key verifies the signed head.
    assert!(verify_log_with(&r, None, Some(&ed_auditor())).valid);
}

#[test]
fn a_rewrite_with_recomputed_hashes_is_detected_without_an_expected_head() {
    let keys = hmac_keys();
    let r = keyed_release(Some(&keys));
    // The forger changes who cast the first CAB vote and re-hashes the
    // chain: unkeyed verification cannot tell.
    let forged = rewrite(&r, 3, |e| {
        e.actor = "chidi.okafor".into();
    });
    let unkeyed = verify_log(&forged, None);
    assert!(unkeyed
        .tamper
        .as_ref()
        .is_none_or(|t| t.kind != TamperKind::Edited));
    let verdict = verify_log_with(&forged, None, Some(&keys));
    let t = tamper(&verdict);
    assert_eq!(t.kind, TamperKind::Unauthenticated);
    assert_eq!(t.path, "log[3]");
    assert!(t.message.contains("does not verify"), "{}", t.message);
    // check and apply refuse it too.
    let report = check_with(&forged, State::Deployment, &ctx(), Some(&keys));
    let log_rule = report
        .requirements
        .iter()
        .find(|q| q.rule == "record.log")
        .unwrap();
    assert!(!log_rule.met);
    let options = ApplyOptions::default().keyed(keys.clone());
    let err = apply_with(
        &forged,
        &cmd(
            &forged,
            "ewa.kowalski",
            json!({"command": "approve", "role": "product_owner"}),
        ),
        &ctx(),
        &options,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LogTampered);
    assert_eq!(err.path(), Some("log[3]"));
}

#[test]
fn a_log_stripped_of_its_keys_is_refused_unless_unkeyed_logs_are_adopted() {
    let keys = ed_signer();
    let mut stripped = keyed_release(Some(&keys));
    for event in &mut stripped.log {
        event.auth = None;
    }
    // Unkeyed, it is a valid log …
    assert!(verify_log(&stripped, None).valid);
    // … but not to a host that keys its chains.
    let verdict = verify_log_with(&stripped, None, Some(&keys));
    let t = tamper(&verdict);
    assert_eq!(t.kind, TamperKind::Unauthenticated);
    assert_eq!(t.path, format!("log[{}]", stripped.log.len() - 1));
    // Only the tail stripped: the first unkeyed event after a keyed one.
    let mut tail = keyed_release(Some(&keys));
    tail.log[4].auth = None;
    let t = tamper(&verify_log_with(&tail, None, Some(&keys))).clone();
    assert_eq!(
        (t.kind, t.path.as_str()),
        (TamperKind::Unauthenticated, "log[4]")
    );
    assert!(t.message.contains("not keyed"), "{}", t.message);
}

#[test]
fn an_unkeyed_log_is_adopted_and_keyed_by_its_next_event() {
    let legacy = keyed_release(None);
    let adopting = hmac_keys().adopting_unkeyed(true);
    let verdict = verify_log_with(&legacy, None, Some(&adopting));
    assert!(verdict.valid);
    assert_eq!(verdict.warnings[0].code, "unkeyed_log");
    let next = run_with(
        &legacy,
        Some(&adopting),
        "ewa.kowalski",
        json!({"command": "approve", "role": "product_owner"}),
    )
    .release;
    // From now on the strict keyring accepts it: its head vouches for the
    // unkeyed events before it.
    let verdict = verify_log_with(&next, None, Some(&hmac_keys()));
    assert!(verdict.valid, "{verdict:#?}");
    // Without adoption the legacy log is refused by apply.
    let err = apply_with(
        &legacy,
        &cmd(
            &legacy,
            "ewa.kowalski",
            json!({"command": "approve", "role": "product_owner"}),
        ),
        &ctx(),
        &ApplyOptions::default().keyed(hmac_keys()),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LogTampered);
}

#[test]
fn unknown_keys_rekeying_and_unchecked_keyed_logs() {
    let r = keyed_release(Some(&hmac_keys()));
    // Re-keyed by a forger with a key of their own.
    let forger = Keyring::new()
        .with_hmac("host-2026", b"not-the-host-secret")
        .unwrap()
        .signing_with("host-2026")
        .unwrap();
    let mut rekeyed = r.clone();
    for event in &mut rekeyed.log {
        event.auth = forger.authenticate(&event.hash);
    }
    let t = tamper(&verify_log_with(&rekeyed, None, Some(&hmac_keys()))).clone();
    assert_eq!(
        (t.kind, t.path.as_str()),
        (TamperKind::Unauthenticated, "log[0]")
    );
    // A key id the keyring does not hold.
    let other = Keyring::new()
        .with_hmac("other", b"0123456789abcdef")
        .unwrap();
    let t = tamper(&verify_log_with(&r, None, Some(&other))).clone();
    assert!(t.message.contains("not in the keyring"), "{}", t.message);
    // Without a keyring a keyed log verifies, with a warning.
    let verdict = verify_log(&r, None);
    assert!(verdict.valid);
    assert_eq!(verdict.warnings[0].code, "keys_not_checked");
}

#[test]
fn applying_with_a_keyring_that_cannot_sign_is_invalid_input() {
    let r = keyed_release(Some(&ed_signer()));
    let err = apply_with(
        &r,
        &cmd(
            &r,
            "ewa.kowalski",
            json!({"command": "approve", "role": "product_owner"}),
        ),
        &ctx(),
        &ApplyOptions::default().keyed(ed_auditor()),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(err.path(), Some("keys.signing_key"));
}

#[test]
fn a_stale_head_is_a_conflict_naming_both_heads() {
    let r = keyed_release(None);
    let stale = head(&r);
    let next = run_with(
        &r,
        None,
        "ewa.kowalski",
        json!({"command": "approve", "role": "product_owner"}),
    )
    .release;
    let err = apply_with(
        &next,
        &cmd(&next, "anna.jansen", json!({"command": "advance"})),
        &ctx(),
        &ApplyOptions::expecting_head(stale.clone()),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert_eq!(err.path(), Some("log"));
    let body = err.to_body();
    assert_eq!(body.expected.as_deref(), Some(stale.as_str()));
    assert_eq!(body.found.as_deref(), Some(head(&next).as_str()));
    assert!(matches!(err, Error::Conflict { .. }));
    // The current head passes.
    let ok = apply_with(
        &next,
        &cmd(
            &next,
            "chidi.okafor",
            json!({"command": "start_deployment"}),
        ),
        &ctx(),
        &ApplyOptions::expecting_head(head(&next)),
    );
    assert!(ok.is_ok(), "{:?}", ok.err());
}

#[test]
fn the_api_takes_keys_and_expected_head_with_paths_inside_the_keyring() {
    let keyring = json!({
        "signing_key": "host-2026",
        "keys": [{"id": "host-2026", "alg": "hmac-sha256", "secret": HMAC_SECRET}],
    });
    let r = keyed_release(Some(&hmac_keys()));
    let forged = rewrite(&r, 2, |e| {
        e.at = relman::Timestamp::parse("2026-11-20T09:00:00Z").unwrap()
    });
    let release = serde_json::to_value(&forged).unwrap();
    let verdict =
        relman::api::call("verify_log", json!({"release": release, "keys": keyring})).unwrap();
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["tamper"]["kind"], "unauthenticated");
    assert_eq!(verdict["tamper"]["path"], "log[2]");
    let report = relman::api::call(
        "check",
        json!({"release": release, "target": "deployment", "context": ctx(), "keys": keyring}),
    )
    .unwrap();
    assert_eq!(report["allowed"], false);
    let err = relman::api::call(
        "verify_log",
        json!({"release": release, "keys": {"keys": [{"id": "k", "alg": "hmac-sha256", "secret": "00"}]}}),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(err.path(), Some("keys.keys[0].secret"));
    let good = serde_json::to_value(&r).unwrap();
    let err = relman::api::call(
        "apply",
        json!({
            "release": good,
            "command": {"command": "advance", "actor": "anna.jansen", "at": "2026-12-13T01:00:00Z"},
            "context": ctx(),
            "expected_head": "0".repeat(64),
            "keys": keyring,
        }),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    let applied = relman::api::call(
        "apply",
        json!({
            "release": good,
            "command": {"command": "approve", "role": "product_owner", "actor": "ewa.kowalski", "at": "2026-12-13T01:00:00Z"},
            "context": ctx(),
            "expected_head": head(&r),
            "keys": keyring,
        }),
    )
    .unwrap();
    assert_eq!(applied["events"][0]["auth"]["key_id"], "host-2026");
    assert_eq!(applied["events"][0]["auth"]["alg"], "hmac-sha256");
}

/// A command's time inside the release's window (deployment.window): one
/// minute per event of the log after `planned_start`, and never before the
/// last event.
fn window_at(r: &Release) -> String {
    let start = r
        .planned_start
        .as_ref()
        .map_or(1_795_000_000, |t| t.unix_seconds());
    let n = i64::try_from(r.log.len()).unwrap();
    let mut secs = start + 60 * n;
    if let Some(last) = r.log.last() {
        secs = secs.max(last.at.unix_seconds() + 60);
    }
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
