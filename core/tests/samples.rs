//! The sample documents in `examples/data` (the Northwind Shop) are valid,
//! match their published JSON Schemas, round-trip without loss, agree
//! with each other (actors, CIs and maintenance windows they refer to exist)
//! and are genuine records: every release past planning carries the log that
//! produced it (`scripts/genuine-fixtures`).

// The helpers below run only inside tests; like the tests themselves
// (clippy.toml), they may unwrap and panic so that a broken sample stops loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use relman::{
    Calendar, Cmdb, Context, DocumentKind, History, Policy, Release, ReleaseKind, Role, Schedule,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data")
}

/// One sample file: its name, text, parsed JSON and the kind its name says.
struct Sample {
    name: String,
    text: String,
    value: Value,
    kind: DocumentKind,
}

/// `release-major.json` → release, `cmdb.json` → cmdb: the part of the file
/// stem before the first `-` names the document kind.
fn kind_from_file_name(name: &str) -> DocumentKind {
    let stem = name.strip_suffix(".json").unwrap_or(name);
    let prefix = stem.split('-').next().unwrap_or(stem);
    DocumentKind::from_name(prefix).unwrap_or_else(|| {
        panic!("{name}: the file name does not start with a document kind (release-*, cmdb, …)")
    })
}

fn samples() -> Vec<Sample> {
    let dir = data_dir();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut samples: Vec<Sample> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let value: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
            let kind = kind_from_file_name(&name);
            Sample {
                name,
                text,
                value,
                kind,
            }
        })
        .collect();
    samples.sort_by(|a, b| a.name.cmp(&b.name));
    samples
}

fn sample(name: &str) -> Sample {
    samples()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("examples/data/{name} is missing"))
}

fn typed<T: DeserializeOwned>(s: &Sample) -> T {
    serde_json::from_value(s.value.clone()).unwrap_or_else(|e| panic!("{}: {e}", s.name))
}

/// Panics with every failure at once, so one run shows all broken samples.
fn report(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn there_is_a_sample_of_every_main_kind() {
    let kinds: BTreeSet<DocumentKind> = samples().iter().map(|s| s.kind).collect();
    for kind in [
        DocumentKind::Release,
        DocumentKind::Policy,
        DocumentKind::Cmdb,
        DocumentKind::Calendar,
        DocumentKind::History,
        DocumentKind::Context,
        DocumentKind::Schedule,
    ] {
        assert!(kinds.contains(&kind), "no sample of kind {kind}");
    }
}

#[test]
fn file_name_and_detected_kind_agree() {
    let mut failures = Vec::new();
    for s in samples() {
        let detected = DocumentKind::detect(&s.value);
        if detected != Some(s.kind) {
            failures.push(format!(
                "{}: the name says {} but detect() says {detected:?}",
                s.name, s.kind
            ));
        }
        // No sample is ambiguous: `validate` without --kind takes each.
        let fitting = DocumentKind::fitting(&s.value);
        if fitting != [s.kind] {
            failures.push(format!(
                "{}: the name says {} but the kinds that fit are {fitting:?}",
                s.name, s.kind
            ));
        }
    }
    report(&failures);
}

/// A document whose keys fit two kinds is ambiguous; keys a kind holds by
/// design (a history's `releases`) are not.
#[test]
fn fitting_kinds_name_every_kind_whose_keys_are_there() {
    use serde_json::json;
    // A policy holds only policy keys (policies are strict): a release
    // carrying an attached risk fits the release alone …
    let release_with_risk = json!({"id": "R", "title": "T", "kind": "minor", "state": "planning", "risk": {"level": "low"}});
    assert_eq!(
        DocumentKind::fitting(&release_with_risk),
        [DocumentKind::Release]
    );
    // … where detect() alone would take the first rule's kind.
    assert_eq!(
        DocumentKind::detect(&release_with_risk),
        Some(DocumentKind::Policy)
    );
    let policy = json!({"risk": {}, "lifecycle": {}, "x_owner": "cab", "schema_version": 1});
    assert_eq!(DocumentKind::fitting(&policy), [DocumentKind::Policy]);
    let cmdb_and_calendar = json!({"cis": [], "blackouts": []});
    assert_eq!(
        DocumentKind::fitting(&cmdb_and_calendar),
        [DocumentKind::Cmdb, DocumentKind::Calendar]
    );
    let history = json!({"releases": [], "deployments": []});
    assert_eq!(DocumentKind::fitting(&history), [DocumentKind::History]);
    let ci = json!({"id": "c", "name": "n", "class": "server", "maintenance_windows": ["w"]});
    assert_eq!(
        DocumentKind::fitting(&ci),
        [DocumentKind::ConfigurationItem]
    );
    let change = json!({"id": "c", "kind": "normal", "summary": "s"});
    assert_eq!(DocumentKind::fitting(&change), [DocumentKind::Change]);
    assert!(DocumentKind::fitting(&json!({"hello": 1})).is_empty());
    assert!(DocumentKind::fitting(&json!([1, 2])).is_empty());
}

#[test]
fn every_sample_validates_without_warnings() {
    let mut failures = Vec::new();
    for s in samples() {
        match relman::validate(s.kind, &s.text) {
            Ok(report) => {
                assert_eq!(report.document, s.kind, "{}", s.name);
                for w in &report.warnings {
                    failures.push(format!(
                        "{}: warning {} at `{}`: {}",
                        s.name, w.code, w.path, w.message
                    ));
                }
            }
            Err(err) => {
                failures.push(format!("{}: {} [{}]", s.name, err, err.code()));
                for p in err.problems() {
                    failures.push(format!("    {p}"));
                }
            }
        }
        // The value entry point agrees with the text entry point.
        if let Err(err) = relman::validate_value(s.kind, s.value.clone()) {
            failures.push(format!("{}: validate_value: {err}", s.name));
        }
    }
    report(&failures);
}

#[test]
fn every_sample_matches_its_json_schema() {
    let mut failures = Vec::new();
    for s in samples() {
        let schema = relman::schema::schema(s.kind.name())
            .unwrap_or_else(|| panic!("no published schema named {}", s.kind.name()));
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("the {} schema does not compile: {e}", s.kind));
        for error in validator.iter_errors(&s.value) {
            failures.push(format!(
                "{}: `{}`: {error} (schema path {})",
                s.name,
                error.instance_path(),
                error.schema_path()
            ));
        }
    }
    report(&failures);
}

#[test]
fn release_file_names_match_release_kinds() {
    let mut seen = BTreeSet::new();
    for s in samples().iter().filter(|s| s.kind == DocumentKind::Release) {
        let release: Release = typed(s);
        for (word, kind) in [
            ("major", ReleaseKind::Major),
            ("minor", ReleaseKind::Minor),
            ("patch", ReleaseKind::Patch),
            ("emergency", ReleaseKind::Emergency),
        ] {
            if s.name.contains(word) {
                assert_eq!(release.kind, kind, "{}: kind", s.name);
                seen.insert(word);
            }
        }
    }
    for word in ["major", "minor", "emergency"] {
        assert!(seen.contains(word), "no release-{word}.json sample");
    }
}

/// Parses with the typed document of `kind` and serialises it back.
fn reserialise(kind: DocumentKind, text: &str) -> Result<Value, String> {
    fn go<T: relman::Document + Serialize>(text: &str) -> Result<Value, String> {
        let parsed = relman::parse::<T>(text).map_err(|e| e.to_string())?;
        serde_json::to_value(&parsed.document).map_err(|e| e.to_string())
    }
    match kind {
        DocumentKind::Release => go::<Release>(text),
        DocumentKind::Change => go::<relman::Change>(text),
        DocumentKind::ConfigurationItem => go::<relman::ConfigurationItem>(text),
        DocumentKind::Cmdb => go::<Cmdb>(text),
        DocumentKind::Actor => go::<relman::Actor>(text),
        DocumentKind::Calendar => go::<Calendar>(text),
        DocumentKind::Schedule => go::<Schedule>(text),
        DocumentKind::History => go::<History>(text),
        DocumentKind::Context => go::<Context>(text),
        DocumentKind::Policy => go::<Policy>(text),
        DocumentKind::Command => go::<relman::Command>(text),
        DocumentKind::RolloutReplay => go::<relman::rollout::RolloutReplay>(text),
        DocumentKind::CanaryComparison => go::<relman::rollout::CanaryComparison>(text),
    }
}

/// `over` laid over `base`: objects merge key by key, anything else replaces.
fn overlay(base: Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Object(mut base), Value::Object(over)) => {
            for (k, v) in over {
                let merged = match base.remove(k) {
                    Some(b) => overlay(b, v),
                    None => v.clone(),
                };
                base.insert(k.clone(), merged);
            }
            Value::Object(base)
        }
        (_, over) => over.clone(),
    }
}

/// Every path where `a` and `b` differ.
fn differences(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => differences(&p, u, v, out),
                    (Some(u), None) => out.push(format!("{p}: lost (was {u})")),
                    (None, Some(v)) => out.push(format!("{p}: added ({v})")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                differences(&format!("{path}[{i}]"), u, v, out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a} became {b}")),
        _ => {}
    }
}

#[test]
fn samples_round_trip_without_loss() {
    let mut failures = Vec::new();
    for s in samples() {
        let back = match reserialise(s.kind, &s.text) {
            Ok(back) => back,
            Err(e) => {
                failures.push(format!("{}: does not parse: {e}", s.name));
                continue;
            }
        };
        // A policy is currently written back complete: the defaults of the
        // fields the document leaves out are filled in, everything it says is
        // kept. Writing back exactly the input is accepted too.
        let mut expected = if s.kind == DocumentKind::Policy && back != s.value {
            overlay(serde_json::to_value(Policy::default()).unwrap(), &s.value)
        } else {
            s.value.clone()
        };
        // So is a policy inside another document (the schedule's own
        // `policy`, which `relman conflicts` reads).
        if let (Some(inner), Some(written)) = (s.value.get("policy"), back.get("policy")) {
            if s.kind != DocumentKind::Policy && written != inner {
                expected["policy"] =
                    overlay(serde_json::to_value(Policy::default()).unwrap(), inner);
            }
        }
        let mut diffs = Vec::new();
        differences("", &expected, &back, &mut diffs);
        failures.extend(diffs.into_iter().map(|d| format!("{}: {d}", s.name)));
        // A second round trip changes nothing.
        let again = reserialise(s.kind, &back.to_string());
        if again.as_ref() != Ok(&back) {
            failures.push(format!("{}: the second round trip differs", s.name));
        }
    }
    report(&failures);
}

/// The actors of `context.json` by id.
fn actor_roles() -> BTreeMap<String, BTreeSet<Role>> {
    let context: Context = typed(&sample("context.json"));
    context
        .actors
        .into_iter()
        .map(|a| (a.id, a.roles.into_iter().collect()))
        .collect()
}

/// Checks the people and CIs a release names against the directory and CMDB.
fn check_release(
    where_: &str,
    r: &Release,
    actors: &BTreeMap<String, BTreeSet<Role>>,
    cis: &BTreeSet<String>,
    failures: &mut Vec<String>,
) {
    let mut need = |who: &str, role: Option<Role>, what: &str| match actors.get(who) {
        None => failures.push(format!("{where_}: {what} `{who}` is not in context.json")),
        Some(roles) => {
            if let Some(role) = role {
                if !roles.contains(&role) {
                    failures.push(format!("{where_}: {what} `{who}` lacks the {role:?} role"));
                }
            }
        }
    };
    if let Some(owner) = &r.owner {
        need(owner, Some(Role::ReleaseManager), "owner");
    }
    for member in &r.team {
        need(member, None, "team member");
    }
    for c in &r.changes {
        if let Some(who) = &c.implementer {
            need(who, Some(Role::ReleaseTeam), "implementer");
        }
    }
    for t in &r.tests {
        if let Some(who) = &t.signed_off_by {
            need(who, None, "test sign-off");
        }
    }
    for a in &r.approvals {
        need(&a.approver, Some(a.role), "approver");
    }
    for a in &r.approvals {
        let implements = r
            .changes
            .iter()
            .any(|c| c.implementer.as_deref() == Some(a.approver.as_str()));
        if r.owner.as_deref() == Some(a.approver.as_str()) || implements {
            failures.push(format!(
                "{where_}: `{}` approves their own release or change",
                a.approver
            ));
        }
    }
    for ci in r.all_affected_cis() {
        if !cis.contains(ci) {
            failures.push(format!("{where_}: CI `{ci}` is not in cmdb.json"));
        }
    }
}

#[test]
fn samples_agree_with_each_other() {
    let actors = actor_roles();
    let cmdb: Cmdb = typed(&sample("cmdb.json"));
    let cis: BTreeSet<String> = cmdb.cis.iter().map(|c| c.id.clone()).collect();
    let mut failures = Vec::new();

    for s in samples() {
        match s.kind {
            DocumentKind::Release => {
                check_release(&s.name, &typed(&s), &actors, &cis, &mut failures)
            }
            DocumentKind::Schedule => {
                let schedule: Schedule = typed(&s);
                for r in &schedule.releases {
                    let at = format!("{} {}", s.name, r.id);
                    check_release(&at, r, &actors, &cis, &mut failures);
                }
                for c in &schedule.changes {
                    let at = format!("{} {}", s.name, c.id);
                    for ci in &c.affected_cis {
                        if !cis.contains(ci) {
                            failures.push(format!("{at}: CI `{ci}` is not in cmdb.json"));
                        }
                    }
                    if let Some(who) = &c.implementer {
                        if !actors.contains_key(who) {
                            failures.push(format!("{at}: implementer `{who}` is unknown"));
                        }
                    }
                }
                // The schedule's CMDB is a consistent excerpt of cmdb.json.
                for ci in schedule.cmdb.iter().flat_map(|c| &c.cis) {
                    if !cmdb.cis.contains(ci) {
                        failures.push(format!("{}: CI `{}` differs from cmdb.json", s.name, ci.id));
                    }
                }
            }
            DocumentKind::History => {
                let history: History = typed(&s);
                for r in &history.releases {
                    let at = format!("{} {}", s.name, r.id);
                    check_release(&at, r, &actors, &cis, &mut failures);
                }
            }
            _ => {}
        }
    }

    // The whole set as one context: the CMDB's maintenance windows must
    // exist in the calendar, and nothing may warn.
    let mut context = sample("context.json").value;
    for name in ["cmdb", "calendar", "history", "schedule", "policy"] {
        context[name] = sample(&format!("{name}.json")).value;
    }
    match relman::validate_value(DocumentKind::Context, context) {
        Ok(report) => failures.extend(
            report
                .warnings
                .iter()
                .map(|w| format!("combined context: warning {}: {}", w.path, w.message)),
        ),
        Err(err) => {
            failures.extend(
                err.problems()
                    .iter()
                    .map(|p| format!("combined context: {p}")),
            );
            failures.push(format!("combined context: {err}"));
        }
    }
    report(&failures);
}

/// Every release of the samples (the release files, the schedule's and the
/// history's) is in planning with an empty log, or carries a sealed log that
/// verifies and whose replay is the document; its events were issued by
/// people of `context.json` (docs/lifecycle.md, "The record").
#[test]
fn sample_releases_carry_their_record() {
    let actors = actor_roles();
    let mut failures = Vec::new();
    let mut releases: Vec<(String, Release)> = Vec::new();
    for s in samples() {
        match s.kind {
            DocumentKind::Release => releases.push((s.name.clone(), typed(&s))),
            DocumentKind::Schedule => {
                let schedule: Schedule = typed(&s);
                releases.extend(
                    schedule
                        .releases
                        .into_iter()
                        .map(|r| (format!("{} {}", s.name, r.id), r)),
                );
            }
            DocumentKind::History => {
                let history: History = typed(&s);
                releases.extend(
                    history
                        .releases
                        .into_iter()
                        .map(|r| (format!("{} {}", s.name, r.id), r)),
                );
            }
            _ => {}
        }
    }
    assert!(
        releases.len() >= 9,
        "only {} sample releases",
        releases.len()
    );
    for (at, release) in &releases {
        let verdict = relman::verify_log(release, None);
        if !verdict.valid {
            let why = verdict.tamper.map(|t| t.message).unwrap_or_default();
            failures.push(format!("{at}: the log does not verify: {why}"));
        }
        for w in &verdict.warnings {
            failures.push(format!("{at}: warning {}: {}", w.code, w.message));
        }
        if release.state != relman::State::Planning && release.log.is_empty() {
            failures.push(format!("{at}: past planning without a log"));
        }
        for e in &release.log {
            if !actors.contains_key(&e.actor) {
                failures.push(format!(
                    "{at}: event {} issued by `{}`, who is not in context.json",
                    e.seq, e.actor
                ));
            }
        }
    }
    report(&failures);
}

/// The release files walked by commands (not adopted through an import)
/// pass their gates under the samples' context and policy: the record they
/// carry is one relman itself would have written.
#[test]
fn walked_sample_releases_were_decided_by_the_samples_policy() {
    let policy: Policy = typed(&sample("policy.json"));
    let fingerprint = relman::audit::policy_fingerprint(&policy).unwrap();
    for name in ["release-minor.json", "release-emergency.json"] {
        let release: Release = typed(&sample(name));
        assert!(
            release.log.len() > 1 && release.log.iter().all(|e| e.command != "import"),
            "{name}: expected a walk by commands"
        );
        for e in &release.log {
            assert_eq!(
                e.policy_fingerprint, fingerprint,
                "{name}: event {} was decided by another policy",
                e.seq
            );
        }
    }
}
