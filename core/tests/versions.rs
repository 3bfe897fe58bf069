//! Release versions (issue #21, "Versions"): a release's `version` is
//! checked against its kind under the policy's scheme (semver by default)
//! by `validate` and by the lifecycle entry points `check` and `apply`; a
//! version not of the scheme, or not the bump its kind asks for over the
//! previous release of the same service, is `invalid_input` at its path.
//! Operations that only read (notes, conflicts, risk) do not refuse.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use relman::versions::{CalVer, PreId, SemVer};
use relman::{api, Error, ErrorCode, Policy};
use serde_json::{json, Value};
use std::cmp::Ordering;

/// A release of `kind` for `service`, planned at day `day` of December.
fn release(id: &str, kind: &str, version: &str, service: &str, day: u32) -> Value {
    json!({
        "id": id, "title": format!("{service} {version}"), "version": version,
        "kind": kind, "state": "planning", "services": [service],
        "planned_start": format!("2026-12-{day:02}T01:00:00Z"),
        "planned_end": format!("2026-12-{day:02}T03:00:00Z")
    })
}

/// A closed release deployed at day `day` of November.
fn deployed(id: &str, kind: &str, version: &str, service: &str, day: u32) -> Value {
    json!({
        "id": id, "title": format!("{service} {version}"), "version": version,
        "kind": kind, "state": "closed", "services": [service],
        "planned_start": format!("2026-11-{day:02}T01:00:00Z"),
        "planned_end": format!("2026-11-{day:02}T03:00:00Z"),
        "deployed_at": format!("2026-11-{day:02}T02:00:00Z"), "outcome": "success"
    })
}

fn validate(kind: &str, document: Value) -> Result<Value, Error> {
    api::call("validate", json!({"kind": kind, "document": document}))
}

/// The (path, message) pairs of an error of `code`.
fn problems(err: &Error, code: ErrorCode) -> Vec<(String, String)> {
    assert_eq!(err.code(), code, "{err:?}");
    err.problems()
        .iter()
        .map(|p| (p.path.clone(), p.message.clone()))
        .collect()
}

/// Asserts the result is `invalid_input` with exactly one problem, at
/// `path`, whose message contains `needle`.
fn refused_at(result: Result<Value, Error>, path: &str, needle: &str) {
    let err = result.expect_err("refused");
    let found = problems(&err, ErrorCode::InvalidInput);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, path, "{found:#?}");
    assert!(found[0].1.contains(needle), "{}", found[0].1);
}

fn warnings(report: &Value) -> Vec<String> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn banana_is_refused_by_validate_with_its_path() {
    let mut r = release("R-1", "minor", "banana", "checkout", 10);
    refused_at(
        validate("release", r.clone()),
        "version",
        "`banana` is not a semantic version",
    );
    let schedule = json!({"releases": [
        release("R-0", "minor", "1.0.0", "search", 1),
        release("R-2", "minor", "1.1.0", "search", 2),
        release("R-3", "patch", "1.1.1", "search", 3),
        r.clone()
    ]});
    refused_at(
        validate("schedule", schedule),
        "releases[3].version",
        "banana",
    );
    let history = json!({"releases": [
        deployed("R-7", "minor", "1.0.0", "search", 1),
        deployed("R-8", "minor", "1.1.0", "search", 2),
        deployed("R-9", "minor", "banana", "search", 3)
    ]});
    refused_at(
        validate("history", history),
        "releases[2].version",
        "banana",
    );
    let context = json!({"schedule": {"releases": [r.clone()]}});
    refused_at(
        validate("context", context),
        "schedule.releases[0].version",
        "banana",
    );
    // As JSON text too.
    let text = r.to_string();
    let err = api::call("validate", json!({"kind": "release", "text": text})).unwrap_err();
    assert_eq!(
        problems(&err, ErrorCode::InvalidInput)[0].0,
        "version",
        "{err:?}"
    );
    // Absent: not checked.
    r.as_object_mut().unwrap().remove("version");
    validate("release", r).unwrap();
}

#[test]
fn validate_lists_a_version_beside_the_other_problems() {
    let mut r = release("R-1", "minor", "01.2.3", "checkout", 10);
    r["planned_end"] = json!("2026-12-09T00:00:00Z");
    let err = validate("release", r).unwrap_err();
    let found = problems(&err, ErrorCode::InvalidInput);
    let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["planned_end", "version"], "{found:#?}");
    assert!(found[1].1.contains("leading zero"), "{}", found[1].1);
}

#[test]
fn banana_is_refused_by_check_and_apply_at_version() {
    let r = release("R-1", "minor", "banana", "checkout", 10);
    refused_at(
        api::call("check", json!({"release": r, "target": "development"})),
        "version",
        "not a semantic version",
    );
    let command = json!({"actor": "alice", "at": "2026-12-01T00:00:00Z", "command": "advance"});
    refused_at(
        api::call("apply", json!({"release": r, "command": command})),
        "version",
        "not a semantic version",
    );
    // The prepared context gives what `check` gives.
    let prepared = relman::operation::prepared_context::PreparedCheck::new(Value::Null).unwrap();
    refused_at(
        prepared.check(json!({"release": r, "target": "development"})),
        "version",
        "not a semantic version",
    );
}

#[test]
fn a_minor_release_that_bumps_the_major_is_refused_over_the_schedule() {
    let schedule = json!({"releases": [
        release("R-12", "minor", "2.3.1", "checkout", 1),
        release("R-13", "minor", "3.0.0", "checkout", 10)
    ]});
    refused_at(
        validate("schedule", schedule.clone()),
        "releases[1].version",
        "a minor release must bump the minor version of 2.3.1 (release R-12): 3.0.0 bumps the major",
    );
    // check and apply: the previous release is in the context's schedule.
    let r = release("R-13", "minor", "3.0.0", "checkout", 10);
    let context =
        json!({"schedule": {"releases": [release("R-12", "minor", "2.3.1", "checkout", 1)]}});
    refused_at(
        api::call(
            "check",
            json!({"release": r, "target": "development", "context": context}),
        ),
        "version",
        "3.0.0 bumps the major",
    );
    let command = json!({"actor": "alice", "at": "2026-12-01T00:00:00Z", "command": "advance"});
    refused_at(
        api::call(
            "apply",
            json!({"release": r, "command": command, "context": context}),
        ),
        "version",
        "3.0.0 bumps the major",
    );
}

#[test]
fn a_minor_release_that_bumps_the_major_is_refused_over_the_history() {
    let r = release("R-20", "minor", "5.0.0", "payments", 10);
    let context = json!({"history": {"releases": [
        deployed("R-18", "minor", "4.1.0", "payments", 1),
        deployed("R-19", "patch", "4.1.1", "payments", 20),
        deployed("R-30", "major", "9.0.0", "search", 25)
    ]}});
    refused_at(
        api::call(
            "check",
            json!({"release": r, "target": "development", "context": context}),
        ),
        "version",
        "a minor release must bump the minor version of 4.1.1 (release R-19): 5.0.0 bumps the major",
    );
    // A context validated: its schedule's release over its history's.
    let mut whole = context.clone();
    whole["schedule"] = json!({"releases": [r]});
    refused_at(
        validate("context", whole),
        "schedule.releases[0].version",
        "(release R-19): 5.0.0 bumps the major",
    );
    // A history's releases among themselves.
    let history = json!({"releases": [
        deployed("R-18", "minor", "4.1.0", "payments", 1),
        deployed("R-19", "patch", "4.2.0", "payments", 20)
    ]});
    refused_at(
        validate("history", history),
        "releases[1].version",
        "a patch release must bump the patch version of 4.1.0 (release R-18): 4.2.0 bumps the minor",
    );
}

/// `kind` at `version` over a previous `2.3.1`: accepted or the message.
fn over_231(kind: &str, version: &str) -> Result<(), String> {
    let schedule = json!({"releases": [
        release("R-12", "minor", "2.3.1", "checkout", 1),
        release("R-13", kind, version, "checkout", 10)
    ]});
    validate("schedule", schedule)
        .map(|_| ())
        .map_err(|e| e.problems()[0].message.clone())
}

#[test]
fn the_right_bumps_are_accepted_and_the_wrong_ones_named() {
    for (kind, version) in [
        ("major", "3.0.0"),
        ("major", "4.0.0"),
        ("major", "3.0.0-rc.1"),
        ("minor", "2.4.0"),
        ("minor", "2.5.0+build.7"),
        ("patch", "2.3.2"),
        ("patch", "2.3.2-rc.1"),
        ("emergency", "2.3.2"),
        ("emergency", "2.4.0"),
        ("emergency", "3.0.0"),
    ] {
        over_231(kind, version).unwrap_or_else(|m| panic!("{kind} {version}: {m}"));
    }
    for (kind, version, why) in [
        ("major", "2.4.0", "must bump the major version of 2.3.1 (release R-12): 2.4.0 bumps the minor"),
        ("minor", "2.3.2", "2.3.2 bumps the patch"),
        ("patch", "2.4.0", "2.4.0 bumps the minor"),
        ("patch", "2.3.1", "2.3.1 is the same version"),
        ("patch", "2.3.1+other", "is the same version"),
        ("minor", "2.3.0", "2.3.0 is lower"),
        ("minor", "2.3.2-rc.1", "2.3.2-rc.1 bumps the patch"),
        ("emergency", "2.3.1", "an emergency release must have a version greater than 2.3.1 (release R-12): 2.3.1 is the same version"),
        ("emergency", "2.3.1-hotfix", "is lower"),
    ] {
        let message = over_231(kind, version).expect_err(version);
        assert!(message.contains(why), "{kind} {version}: {message}");
    }
}

#[test]
fn pre_releases_are_ordered_by_precedence() {
    // A release completing its pre-release satisfies every kind's rule.
    let schedule = |first: &str, kind: &str, second: &str| {
        json!({"releases": [
            release("R-1", "major", first, "checkout", 1),
            release("R-2", kind, second, "checkout", 10)
        ]})
    };
    validate("schedule", schedule("3.0.0-rc.1", "minor", "3.0.0")).unwrap();
    validate(
        "schedule",
        schedule("3.0.0-alpha", "major", "3.0.0-alpha.1"),
    )
    .unwrap();
    validate(
        "schedule",
        schedule("3.0.0-beta.2", "major", "3.0.0-beta.11"),
    )
    .unwrap();
    validate("schedule", schedule("3.0.0-rc.1", "patch", "3.0.0-rc.1.1")).unwrap();
    refused_at(
        validate("schedule", schedule("3.0.0", "major", "3.0.0-rc.1")),
        "releases[1].version",
        "3.0.0-rc.1 is lower",
    );
    refused_at(
        validate("schedule", schedule("3.0.0-beta", "major", "3.0.0-alpha")),
        "releases[1].version",
        "is lower",
    );
}

#[test]
fn the_previous_release_shares_a_service_is_earlier_and_not_cancelled() {
    let mut cancelled = release("R-2", "major", "9.0.0", "checkout", 5);
    cancelled["state"] = json!("cancelled");
    let mut undated = release("R-4", "major", "1.0.0", "checkout", 6);
    undated.as_object_mut().unwrap().remove("planned_start");
    undated.as_object_mut().unwrap().remove("planned_end");
    let schedule = json!({"releases": [
        release("R-1", "minor", "2.3.1", "checkout", 1),
        cancelled,
        release("R-3", "major", "7.0.0", "search", 8),
        release("R-5", "minor", "2.4.0", "checkout", 10),
        // Later than R-5: not its previous one.
        release("R-6", "major", "3.0.0", "checkout", 20),
        undated
    ]});
    validate("schedule", schedule).unwrap();
    // Several services: the latest release sharing any of them.
    let mut both = release("R-9", "minor", "7.1.0", "checkout", 12);
    both["services"] = json!(["checkout", "search"]);
    let schedule = json!({"releases": [
        release("R-1", "minor", "2.3.1", "checkout", 1),
        release("R-3", "major", "7.0.0", "search", 8),
        both
    ]});
    validate("schedule", schedule).unwrap();
}

#[test]
fn a_previous_version_off_the_scheme_is_not_compared_and_says_so() {
    let schedule = json!({"releases": [
        release("R-1", "minor", "2.3", "checkout", 1),
        release("R-2", "minor", "3.0.0", "checkout", 10)
    ]});
    // The earlier release's own version is refused by validate …
    refused_at(
        validate("schedule", schedule),
        "releases[0].version",
        "the patch version is missing",
    );
    // … but as a context of check it only leaves the bump unchecked.
    let context =
        json!({"schedule": {"releases": [release("R-1", "minor", "2.3", "checkout", 1)]}});
    let report = api::call(
        "check",
        json!({"release": release("R-2", "minor", "3.0.0", "checkout", 10),
               "target": "development", "context": context}),
    )
    .unwrap();
    assert!(
        warnings(&report).contains(&"version_unchecked".to_string()),
        "{report:#}"
    );
}

#[test]
fn the_policy_chooses_the_scheme_and_the_bumps() {
    let with = |versions: Value, releases: Vec<Value>| {
        validate(
            "schedule",
            json!({"releases": releases, "policy": {"versions": versions}}),
        )
    };
    // none: anything.
    with(
        json!({"scheme": "none"}),
        vec![
            release("R-1", "minor", "banana", "checkout", 1),
            release("R-2", "minor", "", "checkout", 2),
        ],
    )
    .unwrap();
    // calver: YYYY.MM[.N], and every rule asks for a greater version.
    with(
        json!({"scheme": "calver"}),
        vec![
            release("R-1", "major", "2026.04", "checkout", 1),
            release("R-2", "minor", "2026.4.1", "checkout", 2),
            release("R-3", "patch", "2026.12", "checkout", 3),
        ],
    )
    .unwrap();
    refused_at(
        with(
            json!({"scheme": "calver"}),
            vec![release("R-1", "minor", "1.2.3", "checkout", 1)],
        ),
        "releases[0].version",
        "not a calendar version",
    );
    refused_at(
        with(
            json!({"scheme": "calver"}),
            vec![
                release("R-1", "major", "2026.04", "checkout", 1),
                release("R-2", "minor", "2026.3", "checkout", 2),
            ],
        ),
        "releases[1].version",
        "a minor release must have a version greater than 2026.04 (release R-1): 2026.3 is lower",
    );
    // The bump not checked at all, or for one kind.
    let bad_minor = || {
        vec![
            release("R-1", "minor", "2.3.1", "checkout", 1),
            release("R-2", "minor", "3.0.0", "checkout", 2),
        ]
    };
    with(json!({"check_bump": false}), bad_minor()).unwrap();
    with(json!({"bump": {"minor": "none"}}), bad_minor()).unwrap();
    with(json!({"bump": {"minor": "any"}}), bad_minor()).unwrap();
    with(json!({"bump": {"minor": "major"}}), bad_minor()).unwrap();
    refused_at(
        with(json!({"bump": {"major": "minor"}}), bad_minor()),
        "releases[1].version",
        "bumps the major",
    );
    // The context's policy rules check and apply.
    let r = release("R-1", "minor", "banana", "checkout", 10);
    let context = json!({"policy": {"versions": {"scheme": "none"}}});
    api::call(
        "check",
        json!({"release": r, "target": "development", "context": context}),
    )
    .unwrap();
}

#[test]
fn invalid_versions_policies_are_invalid_policy_at_their_path() {
    let err = validate("policy", json!({"versions": {"scheme": "foo"}})).unwrap_err();
    assert_eq!(
        problems(&err, ErrorCode::InvalidPolicy)[0].0,
        "versions.scheme",
        "{err:?}"
    );
    let err = validate(
        "context",
        json!({"policy": {"versions": {"scheme": "foo"}}}),
    )
    .unwrap_err();
    assert_eq!(
        problems(&err, ErrorCode::InvalidPolicy)[0].0,
        "policy.versions.scheme"
    );
    let err = validate("policy", json!({"versions": {"bump": {"hotfix": "any"}}})).unwrap_err();
    assert_eq!(
        problems(&err, ErrorCode::InvalidPolicy)[0].0,
        "versions.bump.hotfix"
    );
    let err = validate("policy", json!({"versions": {"bump": {"major": "huge"}}})).unwrap_err();
    assert_eq!(
        problems(&err, ErrorCode::InvalidPolicy)[0].0,
        "versions.bump.major"
    );
    let err = validate("policy", json!({"versions": {"check_bump": "yes"}})).unwrap_err();
    assert_eq!(
        problems(&err, ErrorCode::InvalidPolicy)[0].0,
        "versions.check_bump"
    );
    // Host fields are kept.
    validate(
        "policy",
        json!({"versions": {"x_owner": "ops", "bump": {"u_note": 1}}}),
    )
    .unwrap();
}

#[test]
fn the_default_section_is_not_written_and_explain_policy_lists_it() {
    let default = serde_json::to_value(Policy::default()).unwrap();
    assert!(default.get("versions").is_none(), "fingerprints hold");
    let given: Policy = serde_json::from_value(json!({"versions": {"scheme": "calver"}})).unwrap();
    assert_eq!(
        serde_json::to_value(&given).unwrap()["versions"]["scheme"],
        "calver"
    );
    let explained = api::call("explain_policy", json!({})).unwrap();
    let values = explained["values"].as_array().unwrap();
    for (path, value) in [
        ("versions.scheme", json!("semver")),
        ("versions.check_bump", json!(true)),
        ("versions.bump.major", json!("major")),
        ("versions.bump.emergency", json!("any")),
    ] {
        let found = values.iter().find(|v| v["path"] == path).unwrap();
        assert_eq!(found["value"], value);
        assert_eq!(found["source"], "default");
    }
}

#[test]
fn operations_that_only_read_do_not_refuse_versions() {
    let r = release("R-1", "minor", "banana", "checkout", 10);
    api::call("release_notes", json!({"release": r, "format": "markdown"})).unwrap();
    let schedule = json!({"releases": [
        release("R-12", "minor", "2.3.1", "checkout", 1),
        release("R-13", "minor", "3.0.0", "checkout", 10),
        r
    ]});
    api::call("detect_conflicts", json!({"schedule": schedule})).unwrap();
    api::call(
        "assess_risk",
        json!({"release": release("R-2", "minor", "banana", "checkout", 10)}),
    )
    .unwrap();
}

#[test]
fn the_bundled_examples_validate() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{data}{name}")).unwrap()).unwrap()
    };
    for (kind, file) in [
        ("release", "release-major.json"),
        ("release", "release-minor.json"),
        ("release", "release-emergency.json"),
        ("history", "history.json"),
        ("schedule", "schedule.json"),
        ("context", "context.json"),
    ] {
        validate(kind, read(file)).unwrap_or_else(|e| panic!("{file}: {e:?}"));
    }
    // The major release over the bundled schedule and history.
    let context = json!({"schedule": read("schedule.json"), "history": read("history.json")});
    let report = api::call(
        "check",
        json!({"release": read("release-major.json"), "target": "development", "context": context}),
    )
    .unwrap();
    assert!(
        !warnings(&report).contains(&"version_unchecked".to_string()),
        "{report:#}"
    );
}

// ---- The parser against an oracle -------------------------------------

fn number() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..20, any::<u64>()]
}

fn pre_id() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..30).prop_map(|n| n.to_string()),
        "[a-zA-Z-][0-9a-zA-Z-]{0,6}",
        "[0-9]{1,3}[a-zA-Z-][0-9a-zA-Z-]{0,3}",
    ]
}

fn semver_text() -> impl Strategy<Value = String> {
    (
        number(),
        number(),
        number(),
        prop::collection::vec(pre_id(), 0..4),
        prop::collection::vec("[0-9a-zA-Z-]{1,6}", 0..3),
    )
        .prop_map(|(a, b, c, pre, build)| {
            let mut text = format!("{a}.{b}.{c}");
            if !pre.is_empty() {
                text.push('-');
                text.push_str(&pre.join("."));
            }
            if !build.is_empty() {
                text.push('+');
                text.push_str(&build.join("."));
            }
            text
        })
}

/// The oracle: precedence by splitting the text (semver.org 2.0.0, item 11).
fn oracle_cmp(a: &str, b: &str) -> Ordering {
    fn split(text: &str) -> (Vec<u64>, Option<Vec<String>>) {
        let text = text.split('+').next().unwrap();
        let (core, pre) = match text.find('-') {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        let core = core.split('.').map(|n| n.parse().unwrap()).collect();
        (core, pre.map(|p| p.split('.').map(String::from).collect()))
    }
    fn ident(a: &str, b: &str) -> Ordering {
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        match (digits(a), digits(b)) {
            (true, true) => a.parse::<u64>().unwrap().cmp(&b.parse::<u64>().unwrap()),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => a.cmp(b),
        }
    }
    let ((ca, pa), (cb, pb)) = (split(a), split(b));
    ca.cmp(&cb).then_with(|| match (pa, pb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            for (p, q) in x.iter().zip(&y) {
                let o = ident(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
    })
}

proptest! {
    #[test]
    fn semver_round_trips(text in semver_text()) {
        let v = SemVer::parse(&text).unwrap();
        prop_assert_eq!(v.to_string(), text);
    }

    #[test]
    fn semver_precedence_matches_the_oracle(a in semver_text(), b in semver_text()) {
        let (va, vb) = (SemVer::parse(&a).unwrap(), SemVer::parse(&b).unwrap());
        prop_assert_eq!(va.cmp_precedence(&vb), oracle_cmp(&a, &b), "{} vs {}", a, b);
        prop_assert_eq!(vb.cmp_precedence(&va), oracle_cmp(&b, &a));
    }

    #[test]
    fn semver_with_a_leading_zero_is_refused(a in 0u64..100, zeros in 1usize..3, at in 0usize..3) {
        let padded = format!("{}{a}", "0".repeat(zeros));
        let mut parts = ["1".to_string(), "2".to_string(), "3".to_string()];
        parts[at] = padded;
        prop_assert!(SemVer::parse(&parts.join(".")).is_err());
        let pre = format!("1.2.3-{}{a}", "0".repeat(zeros));
        prop_assert!(SemVer::parse(&pre).is_err());
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,24}") {
        let _ = SemVer::parse(&text);
        let _ = CalVer::parse(&text);
    }
}

#[test]
fn pre_release_identifiers_are_typed() {
    let v = SemVer::parse("1.0.0-rc.10.x-1").unwrap();
    assert_eq!(
        v.pre,
        [
            PreId::Alpha("rc".into()),
            PreId::Numeric(10),
            PreId::Alpha("x-1".into())
        ]
    );
}
