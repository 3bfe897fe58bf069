//! Lifecycle command sequences from arbitrary bytes, applied one by one to
//! a generated release in a fixed actor directory.

use crate::check_error;
use crate::gen::Gen;
use relman::keys::Keyring;
use relman::{
    apply_with, check_with, verify_log_with, ApplyOptions, Command, Context, ErrorCode, Release,
    State, TamperKind,
};
use relman_oracles::lifecycle::DIRECTORY;
use serde_json::{json, Value};

pub use relman_oracles::lifecycle::legal_edge;

const ROLES: [&str; 7] = [
    "release_manager",
    "release_team",
    "cab",
    "ecab",
    "product_owner",
    "business_stakeholder",
    "qa",
];

/// An actor id; one in thirteen is not in the directory.
fn actor(g: &mut Gen<'_>) -> &'static str {
    let i = g.below(DIRECTORY.len() + 1);
    DIRECTORY.get(i).map_or("mallory", |(id, _)| id)
}

fn state(g: &mut Gen<'_>) -> &'static str {
    g.pick(&[
        "planning",
        "planning",
        "planning",
        "development",
        "testing",
        "approval",
        "deployment",
        "review",
        "closed",
        "cancelled",
    ])
}

fn text(g: &mut Gen<'_>) -> Value {
    match g.below(3) {
        0 => json!("because"),
        1 => json!(g.string(12)),
        _ => Value::Null,
    }
}

/// The context: the directory, maybe a blocking blackout over the window,
/// maybe separation-of-duties rules off.
pub fn context(g: &mut Gen<'_>) -> Value {
    let actors: Vec<Value> = DIRECTORY
        .iter()
        .map(|(id, roles)| json!({"id": id, "roles": roles}))
        .collect();
    let mut ctx = json!({"actors": actors, "now": "2026-12-01T08:00:00Z"});
    if g.bool() {
        ctx["calendar"] = json!({"blackouts": [{
            "id": "freeze", "name": "Year-end freeze", "severity": "block",
            "start": "2026-12-12T00:00:00Z", "end": "2027-01-04T00:00:00Z"}]});
    }
    ctx["policy"] = json!({"lifecycle": {"separation_of_duties": {
        "forbid_team_approval": g.bool(),
        "forbid_implementer_uat_signoff": g.bool(),
    }}});
    ctx
}

/// A release: any kind and state, some of the fields the gates look at.
pub fn release(g: &mut Gen<'_>) -> Value {
    let changes: Vec<Value> = (0..g.below(3))
        .map(|i| {
            let mut v = json!({
                "id": format!("CHG{i}"), "kind": g.pick(&["standard", "normal", "emergency"]),
                "summary": format!("change {i}"),
                "affected_cis": if g.bool() { vec![format!("ci-{i}")] } else { vec![] },
                "approved": g.bool(),
            });
            if g.bool() {
                v["implementer"] = json!(actor(g));
            }
            v
        })
        .collect();
    let mut r = json!({
        "id": "REL-F", "title": "Fuzzed release",
        "kind": g.pick(&["major", "minor", "patch", "emergency"]), "state": state(g),
        "team": g.vec(3, actor),
        "changes": changes,
        "services": ["checkout"], "environments": ["production"],
    });
    if g.bool() {
        r["owner"] = json!(actor(g));
    }
    if g.bool() {
        r["scope"] = json!("The checkout flow");
    }
    if g.below(4) != 0 {
        r["planned_start"] = json!("2026-12-13T01:00:00+01:00");
        r["planned_end"] = json!("2026-12-13T04:00:00+01:00");
    }
    if g.bool() {
        r["communication"] = json!({"plan": "Email stakeholders a week ahead"});
    }
    if g.bool() {
        r["rollback_plan"] = json!({"documented": g.bool(), "tested": g.bool()});
    }
    if g.bool() {
        r["knowledge_articles"] = json!(["KB0001"]);
    }
    r
}

fn test_run(g: &mut Gen<'_>, minute: usize) -> Value {
    let mut t = json!({
        "kind": g.pick(&["unit", "integration", "performance", "security", "uat"]),
        "passed": g.below(50), "failed": g.pick(&[0, 0, 0, 1, 3]),
    });
    if g.bool() {
        t["signed_off_by"] = json!(actor(g));
    }
    if g.bool() {
        t["at"] = json!(at(minute));
    }
    t
}

/// Some sealed fields with new values (or none at all).
fn amendment(g: &mut Gen<'_>) -> Value {
    let mut set = json!({});
    if g.bool() {
        set["scope"] = json!(g.string(10));
    }
    if g.bool() {
        set["kind"] = json!(g.pick(&["major", "minor", "patch", "emergency"]));
    }
    if g.bool() {
        set["knowledge_articles"] = json!(["KB0002"]);
    }
    if g.bool() {
        set["planned_start"] = json!("2026-12-14T01:00:00+01:00");
        set["planned_end"] =
            json!(g.pick(&["2026-12-14T04:00:00+01:00", "2026-12-13T04:00:00+01:00"]));
    }
    if g.bool() {
        set["changes"] = json!([{"id": "CHG9", "kind": g.pick(&["standard", "normal"]),
                                 "summary": "amended", "affected_cis": ["ci-9"]}]);
    }
    set
}

/// A vote as another system records it.
fn vote(g: &mut Gen<'_>, minute: usize) -> Value {
    json!({"approver": actor(g), "role": g.pick(&ROLES),
           "decision": g.pick(&["approved", "rejected"]),
           "at": at(minute.saturating_sub(g.below(5)))})
}

fn at(minute: usize) -> String {
    format!("2026-12-01T{:02}:{:02}:00Z", 8 + minute / 60, minute % 60)
}

/// One command as JSON (`at` on minute `minute` of a December morning).
pub fn command(g: &mut Gen<'_>, minute: usize) -> Value {
    let mut c = match g.below(17) {
        14 => json!({"command": "amend", "reason": text(g), "set": amendment(g)}),
        15 => json!({"command": "import", "source": g.pick(&["servicenow", "", "ci"]),
                     "records": g.vec(2, |g| json!(g.string(6))),
                     "approvals": g.vec(2, |g| vote(g, minute)),
                     "tests": g.vec(2, |g| test_run(g, minute))}),
        16 => json!({"command": "import", "source": "servicenow", "adopt": true}),
        0..=3 => json!({"command": "advance"}),
        4 => json!({"command": "start_deployment"}),
        5 => json!({"command": "close"}),
        6 => json!({"command": "cancel", "reason": text(g)}),
        7 => json!({"command": "send_back", "to": state(g), "reason": text(g)}),
        8 => json!({"command": "record_tests", "tests": g.vec(5, |g| test_run(g, minute))}),
        9 | 10 => json!({"command": "approve", "role": g.pick(&ROLES), "comment": text(g),
                         "override_blackout": g.below(4) == 0}),
        11 => json!({"command": "reject", "role": g.pick(&ROLES), "comment": text(g)}),
        12 => json!({"command": "complete_deployment",
                     "outcome": g.pick(&["success", "success_with_issues", "failed", "rolled_back"])}),
        _ => {
            if g.bool() {
                json!({"command": "roll_back", "reason": text(g)})
            } else {
                json!({"command": "complete_review", "summary": text(g),
                       "lessons": g.vec(2, |g| json!(g.string(8)))})
            }
        }
    };
    if let Some(obj) = c.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
        obj.insert("actor".into(), json!(actor(g)));
        obj.insert("at".into(), json!(at(minute)));
    }
    c
}

/// `lifecycle_commands`: a release, a context and up to 32 commands by
/// directory members and a stranger, all from the bytes. Applying them in
/// turn never panics; a release only changes state along the edges the
/// lifecycle allows (docs/lifecycle.md; terminal states are absorbing); every applied command appends
/// exactly one audit event and the log verifies after it (and, the document
/// being its projection, shows no difference); a denied command is
/// `transition_denied`, `forbidden` or `invalid_input` (or `log_tampered` for
/// a release generated past planning without a log) and the release stays
/// as it was; `check` of every target state never panics.
///
/// An input of odd length runs keyed (without consuming a byte, so the
/// corpus keeps its meaning): every command is applied with an HMAC
/// keyring, every new event must carry its MAC, the log must verify with
/// the keyring, and a rewrite of the first event with recomputed hashes or
/// a head stripped of its MAC must be reported.
pub fn check_lifecycle_commands(data: &[u8]) {
    let keys = (!data.len().is_multiple_of(2)).then(|| {
        Keyring::new()
            .with_hmac("fuzz", b"fuzzing-key-0123456789")
            .and_then(|k| k.signing_with("fuzz"))
            .map(|k| k.adopting_unkeyed(true))
            .expect("a valid keyring")
    });
    let options = match &keys {
        Some(k) => ApplyOptions::default().keyed(k.clone()),
        None => ApplyOptions::default(),
    };
    let mut g = Gen::new(data);
    let ctx: Context = match relman::from_value(context(&mut g)) {
        Ok(p) => p.document,
        Err(e) => panic!("a generated context does not validate: {e}"),
    };
    let mut r: Release = match relman::from_value(release(&mut g)) {
        Ok(p) => p.document,
        Err(e) => return check_error(&e),
    };
    for minute in 1..=32 {
        if g.is_empty() {
            break;
        }
        let raw = command(&mut g, minute);
        let cmd: Command = match relman::from_value(raw) {
            Ok(p) => p.document,
            Err(e) => {
                check_error(&e);
                continue;
            }
        };
        let before = serde_json::to_string(&r).expect("serialises");
        let target = State::ALL[g.below(State::ALL.len())];
        let report = check_with(&r, target, &ctx, keys.as_ref());
        assert_eq!(
            report.allowed,
            report.requirements.iter().all(|q| q.met),
            "check's verdict is not the conjunction of its requirements"
        );
        match apply_with(&r, &cmd, &ctx, &options) {
            Ok(applied) => {
                let (from, to) = (r.state, applied.release.state);
                // An adopting import may vouch for a release in any state.
                let adopts = matches!(cmd.action, relman::Action::Import { adopt: true, .. });
                assert!(
                    adopts || !matches!(from, State::Closed | State::Cancelled),
                    "{} applied in terminal state {from:?}",
                    cmd.action.name()
                );
                assert!(
                    from == to || legal_edge(from, to),
                    "{} moved {from:?} to {to:?}",
                    cmd.action.name()
                );
                assert_eq!(applied.events.len(), 1, "one audit event per command");
                assert_eq!(applied.release.log.len(), r.log.len() + 1);
                let verdict = verify_log_with(&applied.release, None, keys.as_ref());
                assert!(verdict.valid, "log does not verify: {verdict:?}");
                if let Some(keys) = &keys {
                    check_keyed(&applied.release, keys);
                }
                r = applied.release;
            }
            Err(e) => {
                check_error(&e);
                // A release generated past planning has no log: only an
                // adopting import takes it in, every other command finds
                // its record missing.
                let unrecorded = r.log.is_empty() && r.state != State::Planning;
                assert!(
                    matches!(
                        e.code(),
                        ErrorCode::TransitionDenied
                            | ErrorCode::Forbidden
                            | ErrorCode::InvalidInput
                    ) || (unrecorded && e.code() == ErrorCode::LogTampered),
                    "{} failed with {e}",
                    cmd.action.name()
                );
                assert_eq!(serde_json::to_string(&r).expect("serialises"), before);
            }
        }
    }
}

/// The keyed-chain properties of a release `apply` just keyed.
fn check_keyed(release: &Release, keys: &Keyring) {
    let last = release
        .log
        .last()
        .expect("an applied command logs an event");
    assert!(last.auth.is_some(), "the new event is not keyed");
    let strict = keys.clone().adopting_unkeyed(false);
    assert!(
        verify_log_with(release, None, Some(&strict)).valid,
        "a log whose head is keyed must verify without adopting unkeyed logs"
    );
    // The head stripped of its MAC.
    let mut stripped = release.clone();
    if let Some(event) = stripped.log.last_mut() {
        event.auth = None;
    }
    let verdict = verify_log_with(&stripped, None, Some(&strict));
    assert_eq!(
        verdict.tamper.map(|t| t.kind),
        Some(TamperKind::Unauthenticated),
        "a head stripped of its MAC"
    );
    // The first event rewritten, every hash recomputed, the MACs kept.
    let mut rewritten = release.clone();
    let mut prev = relman::audit::chain_seed(&rewritten.id);
    for (i, event) in rewritten.log.iter_mut().enumerate() {
        if i == 0 {
            event.actor.push_str("-forged");
        }
        let auth = event.auth.take();
        *event = relman::audit::seal(&prev, event.clone());
        event.auth = auth;
        prev = event.hash.clone();
    }
    let verdict = verify_log_with(&rewritten, None, Some(keys));
    assert!(
        !verdict.valid,
        "a rewritten keyed log verified: {verdict:?}"
    );
}
