//! The audit trail: the SHA-256 hash chain over a release's `log[]`,
//! policy fingerprints and [`verify_log`] (docs/lifecycle.md, "Audit
//! trail" and "The record").
//!
//! Everything here is defined byte for byte so that any language can
//! re-implement it and get the same hashes.
//!
//! Event bodies and policies are hashed over their RFC 8785 canonical
//! JSON ([`canonical_json`], defined in `foundation::canonical`).
//!
//! # The hash chain
//!
//! All hashes are SHA-256, written as 64 lowercase hex digits.
//!
//! - **Seed.** `seed = hex(SHA-256(UTF-8("relman-audit-v1:" + release.id)))`.
//!   For release id `R1` that is the hash of the 19 bytes
//!   `relman-audit-v1:R1`.
//! - **Event body.** The event as a JSON object with its members as the
//!   release document writes them — `seq`, `at` (the timestamp text exactly
//!   as written), `actor`, `command`, `from`, `to`, `details` (omitted when
//!   it is an empty object), `policy_fingerprint` (omitted when it is the
//!   empty string) and every member relman does not know — **without** the
//!   `hash` member.
//! - **Event hash.** `hash(i) = hex(SHA-256(ASCII(prev) ‖ UTF-8(canonical_json(body(i)))))`
//!   where `prev` is the 64-character hex hash of the previous event, or the
//!   seed for the first event, and `‖` is plain concatenation (no separator).
//! - **Head.** The hash of the last event, or the seed when the log is empty.
//!
//! Because hashes are computed from canonical JSON, whitespace, member order
//! and number spelling in the stored document do not matter (but the text of
//! timestamps does: `…T22:00:00Z` and `…T23:00:00+01:00` hash differently).
//!
//! # Policy fingerprint
//!
//! [`policy_fingerprint`] is `"sha256:" + hex(SHA-256(canonical_json(policy)))`
//! over the policy as relman serialises it (all defaults filled in), so two
//! policy documents that mean the same thing have the same fingerprint.
//!
//! # What verification detects
//!
//! [`verify_log`] reports the first problem it finds, checking in this order:
//!
//! 1. an empty log on a release past `planning`: `empty_log` (its history
//!    is not recorded; an `import` with `adopt` is the way in);
//! 2. a `seq` that appears twice: `inserted` at the second occurrence;
//! 3. `seq`s not increasing: `reordered` at the first event that a later,
//!    smaller `seq` follows;
//! 4. `seq`s increasing but not exactly `1..=n`: `removed` at the first gap,
//!    naming the missing numbers (a `seq` of 0 is `inserted`);
//! 5. the chain, walked from the seed: an event whose stored hash is not the
//!    hash computed from the previous stored hash and its own body, or whose
//!    `from` is not the previous event's `to`: `edited`;
//! 6. with a keyring ([`verify_log_with`], [`crate::keys`]): an event whose
//!    `auth` names an unknown key or does not verify, an unkeyed event after
//!    a keyed one, or a log whose last event is not keyed (unless the
//!    keyring adopts wholly unkeyed logs): `unauthenticated`;
//! 7. the release's `state` differs from the last event's `to`:
//!    `state_mismatch`;
//! 8. the document is not the projection of its log ([`crate::record`]): a
//!    sealed field edited without `amend`, a vote, test run or outcome that
//!    no event set, or one an event set that the document lacks:
//!    `diverged` at the first difference, every one listed in
//!    `differences`. A log with events but no seal (written before sealing)
//!    is valid with a `legacy_log` warning, and its facts do not count;
//! 9. an expected head was given and is no hash in the chain (seed
//!    included): `truncated`. When it is the hash of an earlier event `k`,
//!    the log is valid and `events_after_expected_head` says how many events
//!    were appended since.
//!
//! The chain alone detects any edit, removal, insertion or reordering of
//! events by someone who does not recompute the hashes. Someone who rewrites
//! the log *and* recomputes every hash after the change — or cuts events off
//! the end — produces a chain that verifies on its own; that is only caught
//! through the expected head or a keyed chain. A host should therefore
//! store the head ([`head`], also returned in every [`LogVerdict`]) outside
//! the release, e.g. in its own database or an append-only store, and pass
//! it back to [`verify_log`] — or key its chains ([`crate::keys`]): then a
//! rewrite is detected without a stored head (a cut-off tail still needs
//! one, since every earlier event is itself keyed).
//!
//! An event's `auth` (its MAC or signature, [`crate::keys`]) is, like
//! `hash`, not part of the hashed body.

pub use crate::foundation::canonical::canonical_json;
use crate::foundation::canonical::{utf16_cmp, write_object, write_string, write_u64, write_value};
use crate::foundation::hex::to_hex;
use crate::keys::Keyring;
use crate::record::{self, replay, Difference, Record};
use crate::{Error, Event, Policy, Release, State, Warning};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The domain-separation prefix of the chain seed.
pub const SEED_PREFIX: &str = "relman-audit-v1:";

/// How many missing sequence numbers a `removed` message lists by number.
const MAX_LISTED_MISSING: usize = 10;

// ---------------------------------------------------------------------------
// Hashes
// ---------------------------------------------------------------------------

/// SHA-256 of `bytes`, as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// The value the first event of release `release_id` chains from:
/// `sha256_hex("relman-audit-v1:" + release_id)`.
pub fn chain_seed(release_id: &str) -> String {
    sha256_hex(format!("{SEED_PREFIX}{release_id}").as_bytes())
}

/// The JSON body an event's hash covers: the event as the release document
/// writes it, without `hash`.
///
/// Built by hand (so it cannot fail) but identical to
/// `serde_json::to_value(event)` minus `hash`; a unit test checks that, and
/// the exhaustive destructuring below stops compiling when `Event` gains a
/// field, so the two cannot drift apart silently. The chain does not build
/// it: [`write_event_body`] writes its canonical JSON straight from the
/// event, and the golden test holds the two to the same bytes.
#[cfg(test)]
fn event_body(event: &Event) -> Value {
    let Event {
        seq,
        at,
        actor,
        command,
        from,
        to,
        details,
        policy_fingerprint,
        hash: _,
        auth: _,
        extra,
    } = event;
    let mut body = Map::new();
    body.insert("seq".to_string(), Value::from(*seq));
    body.insert("at".to_string(), Value::from(at.as_str()));
    body.insert("actor".to_string(), Value::from(actor.as_str()));
    body.insert("command".to_string(), Value::from(command.as_str()));
    body.insert("from".to_string(), Value::from(from.as_str()));
    body.insert("to".to_string(), Value::from(to.as_str()));
    if !details.is_empty() {
        body.insert("details".to_string(), Value::Object(details.clone()));
    }
    if !policy_fingerprint.is_empty() {
        body.insert(
            "policy_fingerprint".to_string(),
            Value::from(policy_fingerprint.as_str()),
        );
    }
    // Unknown members are written after the known ones (and, as with serde's
    // `flatten`, win over a known name they repeat).
    for (key, value) in extra {
        if key != "hash" && key != "auth" {
            body.insert(key.clone(), value.clone());
        }
    }
    Value::Object(body)
}

/// A member of an event body, borrowed from the event.
enum Member<'e> {
    Text(&'e str),
    Seq(u64),
    Object(&'e Map<String, Value>),
    Json(&'e Value),
}

/// Writes `canonical_json(&event_body(event))` without building the body:
/// the members are borrowed from the event (nothing is cloned), put in
/// canonical order and written.
fn write_event_body(event: &Event, out: &mut String) {
    let Event {
        seq,
        at,
        actor,
        command,
        from,
        to,
        details,
        policy_fingerprint,
        hash: _,
        auth: _,
        extra,
    } = event;
    // The known members, already in canonical (UTF-16) order.
    let mut members: Vec<(&str, Member<'_>)> = Vec::with_capacity(extra.len().saturating_add(8));
    members.push(("actor", Member::Text(actor)));
    members.push(("at", Member::Text(at.as_str())));
    members.push(("command", Member::Text(command)));
    if !details.is_empty() {
        members.push(("details", Member::Object(details)));
    }
    members.push(("from", Member::Text(from.as_str())));
    if !policy_fingerprint.is_empty() {
        members.push(("policy_fingerprint", Member::Text(policy_fingerprint)));
    }
    members.push(("seq", Member::Seq(*seq)));
    members.push(("to", Member::Text(to.as_str())));
    // Unknown members, as in `event_body`: added to the known ones, winning
    // over a known name they repeat.
    let known = members.len();
    for (key, value) in extra {
        if key == "hash" || key == "auth" {
            continue;
        }
        match members.iter_mut().take(known).find(|(k, _)| *k == key) {
            Some(member) => member.1 = Member::Json(value),
            None => members.push((key, Member::Json(value))),
        }
    }
    if members.len() > known {
        // The names are distinct, so the order is total.
        members.sort_unstable_by(|(a, _), (b, _)| utf16_cmp(a, b));
    }
    out.push('{');
    for (i, (key, member)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        match member {
            Member::Text(text) => write_string(text, out),
            Member::Seq(n) => write_u64(n, out),
            Member::Object(map) => write_object(map, out),
            Member::Json(value) => write_value(value, out),
        }
    }
    out.push('}');
}

/// The hash of `event` chained from `prev_hash` (the previous event's hash
/// or the chain seed): `sha256_hex(prev_hash ‖ canonical_json(event without
/// "hash"))`. The event's own `hash` field is ignored.
pub fn event_hash(prev_hash: &str, event: &Event) -> String {
    event_hash_with(prev_hash, event, &mut String::new())
}

/// [`event_hash`], writing the body's canonical JSON into `scratch` (whose
/// content is replaced), so a walk over the chain reuses one buffer.
fn event_hash_with(prev_hash: &str, event: &Event, scratch: &mut String) -> String {
    to_hex(&event_digest_with(prev_hash, event, scratch))
}

/// The raw SHA-256 digest behind [`event_hash_with`].
fn event_digest_with(prev_hash: &str, event: &Event, scratch: &mut String) -> [u8; 32] {
    scratch.clear();
    write_event_body(event, scratch);
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(scratch.as_bytes());
    hasher.finalize().into()
}

/// Whether `hex` is the lowercase hex of `digest` (as [`to_hex`] writes
/// it), compared without writing it.
fn is_hex_of(hex: &str, digest: &[u8]) -> bool {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    hex.len() == digest.len().saturating_mul(2)
        && digest
            .iter()
            .flat_map(|b| [b >> 4, b & 15])
            .zip(hex.bytes())
            .all(|(nibble, c)| DIGITS.get(usize::from(nibble)) == Some(&c))
}

/// `event` with its `hash` set to [`event_hash`]`(prev_hash, &event)`; the
/// lifecycle engine seals every event it appends with the current
/// [`head`] of the release.
pub fn seal(prev_hash: &str, mut event: Event) -> Event {
    event.hash = event_hash(prev_hash, &event);
    event
}

/// The fingerprint recorded in each event: `"sha256:" +
/// sha256_hex(canonical_json(policy))`, over the policy as relman serialises
/// it (defaults filled in).
///
/// # Errors
///
/// `internal` if the policy cannot be serialised to JSON, which the policy
/// types never do.
pub fn policy_fingerprint(policy: &Policy) -> Result<String, Error> {
    let value = serde_json::to_value(policy)
        .map_err(|e| Error::internal(format!("cannot serialise the policy: {e}")))?;
    Ok(format!(
        "sha256:{}",
        sha256_hex(canonical_json(&value).as_bytes())
    ))
}

/// The head of the release's chain: the stored hash of the last event, or
/// the chain seed when the log is empty. Store it outside the release and
/// pass it to [`verify_log`] to detect a cut-off or rewritten log.
pub fn head(release: &Release) -> String {
    match release.log.last() {
        Some(event) => event.hash.clone(),
        None => chain_seed(&release.id),
    }
}

// ---------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------

/// The verdict of [`verify_log`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LogVerdict {
    /// True when no tampering was found.
    pub valid: bool,
    /// Number of events in the log.
    pub events: usize,
    /// The head of the log as stored: the last event's hash, or the chain
    /// seed for an empty log.
    pub head: String,
    /// The first problem found, when the log is not valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tamper: Option<Tamper>,
    /// When an expected head was given and the log is valid: how many events
    /// were appended after it (0 when it is the current head).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_after_expected_head: Option<usize>,
    /// Every gate-read field where the document differs from what its log
    /// yields (empty when the chain itself is broken: then nothing is
    /// replayed). See [`crate::record`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    /// What was odd but not tampering.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl LogVerdict {
    /// The `log_tampered` error for this verdict, or `None` when it is
    /// valid; for hosts that treat a bad log as a failure.
    pub fn error(&self) -> Option<Error> {
        self.tamper.as_ref().map(|t| Error::LogTampered {
            path: t.path.clone(),
            message: t.message.clone(),
        })
    }
}

/// The first problem [`verify_log`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tamper {
    /// What kind of tampering it looks like.
    pub kind: TamperKind,
    /// Index in `log[]` of the offending event, when it is an event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// `seq` of the offending event, when it is an event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// JSON path of the problem: `log[3]`, `log` or `state`.
    pub path: String,
    /// What is wrong, in one sentence.
    pub message: String,
}

/// The kinds of tampering [`verify_log`] tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TamperKind {
    /// An event's content or hash does not match the chain.
    Edited,
    /// Sequence numbers are missing.
    Removed,
    /// A sequence number appears twice (or is 0).
    Inserted,
    /// Sequence numbers are out of order.
    Reordered,
    /// The expected head is not in the log: events were cut off the end or
    /// the log was rewritten.
    Truncated,
    /// The release's state is not the state the last event left it in.
    StateMismatch,
    /// A release past `planning` has no log: its history is not recorded.
    EmptyLog,
    /// The document differs from what its log yields: a sealed field edited
    /// without `amend`, a vote, test run or outcome written straight into
    /// the document, or one removed from it. `differences` lists each.
    Diverged,
    /// Verified with a keyring: an event's MAC or signature does not verify
    /// or names an unknown key, an unkeyed event follows a keyed one, or
    /// the log is not keyed at all (see [`crate::keys`]).
    Unauthenticated,
}

/// Verifies the release's audit log: sequence numbers, the hash chain from
/// the seed of `release.id`, the release state against the last event and,
/// when given, `expected_head` (a head stored earlier, see [`head`]).
///
/// Always returns a verdict, however negative; it reports the first problem
/// in the order documented in the [module documentation](self).
pub fn verify_log(release: &Release, expected_head: Option<&str>) -> LogVerdict {
    verify_with_record(release, expected_head, None).0
}

/// [`verify_log`] of a keyed log: with `keys`, every keyed event's MAC or
/// signature must verify, no unkeyed event may follow a keyed one, and the
/// last event must be keyed (unless the keyring adopts wholly unkeyed
/// logs) — so a log rewritten with recomputed hashes is reported
/// (`unauthenticated`) without an expected head. See [`crate::keys`].
/// Without `keys` it is [`verify_log`].
pub fn verify_log_with(
    release: &Release,
    expected_head: Option<&str>,
    keys: Option<&Keyring>,
) -> LogVerdict {
    verify_with_record(release, expected_head, keys).0
}

/// [`verify_log_with`] and the replay it made (empty when the chain is
/// broken), so a caller that needs both replays once.
pub(crate) fn verify_with_record(
    release: &Release,
    expected_head: Option<&str>,
    keys: Option<&Keyring>,
) -> (LogVerdict, Record) {
    let log = &release.log;
    let mut warnings = Vec::new();
    let seed = chain_seed(&release.id);

    let mut tamper = if log.is_empty() && release.state != State::Planning {
        Some(Tamper {
            kind: TamperKind::EmptyLog,
            index: None,
            seq: None,
            path: "log".to_string(),
            message: format!(
                "the log is empty but the release is in state `{}`: its history is not recorded (a release enters relman in planning, or through an import that adopts it)",
                release.state.as_str()
            ),
        })
    } else {
        check_seqs(log)
            .or_else(|| check_chain(log, &seed, &release.id))
            .or_else(|| check_auth(log, keys, &mut warnings))
            .or_else(|| check_state(release))
    };

    let mut record = Record::default();
    let mut differences = Vec::new();
    if tamper.is_none() {
        record = replay(release);
        differences = record::differences(release, &record);
        if record.legacy() {
            warnings.push(Warning::new(
                "legacy_log",
                "log",
                "the log predates sealing: its chain verifies, but no event seals the fields the gates read, so no gate counts them until an import adopts the release",
            ));
        }
        if let Some(first) = differences.first() {
            tamper = Some(Tamper {
                kind: TamperKind::Diverged,
                index: None,
                seq: first.seq,
                path: first.path.clone(),
                message: format!(
                    "{} (and {} more difference{})",
                    first.message,
                    differences.len().saturating_sub(1),
                    if differences.len() == 2 { "" } else { "s" }
                )
                .replace(" (and 0 more differences)", ""),
            });
        }
    }

    let mut events_after_expected_head = None;
    if tamper.is_none() {
        if let Some(given) = expected_head {
            let expected = given.trim().to_ascii_lowercase();
            if expected != given {
                warnings.push(Warning::new(
                    "expected_head_not_canonical",
                    "",
                    "the expected head was compared in lowercase without surrounding whitespace",
                ));
            }
            match position_in_chain(log, &seed, &expected) {
                Some(after) => events_after_expected_head = Some(after),
                None => {
                    tamper = Some(Tamper {
                        kind: TamperKind::Truncated,
                        index: None,
                        seq: None,
                        path: "log".to_string(),
                        message: format!(
                            "the expected head {expected} is not in the log: events were cut off the end or the log was rewritten"
                        ),
                    });
                }
            }
        }
    }

    let verdict = LogVerdict {
        valid: tamper.is_none(),
        events: log.len(),
        head: head(release),
        tamper,
        events_after_expected_head,
        differences,
        warnings,
    };
    (verdict, record)
}

/// How many events follow `expected` in a verified chain (the seed counts as
/// the head before the first event), or `None` when it is no hash of it.
fn position_in_chain(log: &[Event], seed: &str, expected: &str) -> Option<usize> {
    if let Some(k) = log.iter().rposition(|e| e.hash == expected) {
        return Some(log.len().saturating_sub(k).saturating_sub(1));
    }
    (seed == expected).then_some(log.len())
}

fn event_tamper(kind: TamperKind, index: usize, event: &Event, message: String) -> Tamper {
    Tamper {
        kind,
        index: Some(index),
        seq: Some(event.seq),
        path: format!("log[{index}]"),
        message,
    }
}

/// Checks (a) duplicates, (b) order, (c) gaps of the sequence numbers.
fn check_seqs(log: &[Event]) -> Option<Tamper> {
    // (a) a seq that appears twice: inserted at the second occurrence.
    let mut first_at: HashMap<u64, usize> = HashMap::with_capacity(log.len());
    for (i, event) in log.iter().enumerate() {
        if let Some(&first) = first_at.get(&event.seq) {
            return Some(event_tamper(
                TamperKind::Inserted,
                i,
                event,
                format!(
                    "log[{i}] repeats seq {} of log[{first}]: an event was inserted",
                    event.seq
                ),
            ));
        }
        first_at.insert(event.seq, i);
    }

    // (b) not increasing: reordered at the first event followed by a smaller seq.
    let mut later_min: Vec<u64> = log
        .iter()
        .rev()
        .scan(u64::MAX, |min, e| {
            let before = *min;
            *min = (*min).min(e.seq);
            Some(before)
        })
        .collect();
    later_min.reverse(); // later_min[i] = smallest seq after log[i]
    let out_of_place = log
        .iter()
        .zip(&later_min)
        .position(|(e, later)| *later < e.seq);
    if let Some(i) = out_of_place {
        let event = log.get(i)?;
        let (j, smaller) = log
            .iter()
            .enumerate()
            .skip(i.saturating_add(1))
            .find(|(_, e)| e.seq < event.seq)?;
        return Some(event_tamper(
            TamperKind::Reordered,
            i,
            event,
            format!(
                "log[{i}] (seq {}) comes before log[{j}] (seq {}): events are out of order",
                event.seq, smaller.seq
            ),
        ));
    }

    // (c) increasing but not exactly 1..=n.
    let mut expected: u64 = 1;
    for (i, event) in log.iter().enumerate() {
        if event.seq == expected {
            expected = expected.saturating_add(1);
            continue;
        }
        if event.seq == 0 {
            return Some(event_tamper(
                TamperKind::Inserted,
                i,
                event,
                format!("log[{i}] has seq 0 but seqs start at 1: an event was inserted"),
            ));
        }
        return Some(event_tamper(
            TamperKind::Removed,
            i,
            event,
            format!(
                "{} before log[{i}] (seq {}): events were removed",
                describe_missing(log),
                event.seq
            ),
        ));
    }
    None
}

/// "seq 3 is missing" / "seqs 3, 4 and 9 are missing" / "… and 990 more"
/// for a log of strictly increasing seqs.
fn describe_missing(log: &[Event]) -> String {
    let mut listed: Vec<u64> = Vec::new();
    let mut total: u64 = 0;
    let mut next: u64 = 1;
    for event in log {
        if event.seq > next {
            let gap = event.seq.saturating_sub(next);
            total = total.saturating_add(gap);
            let mut s = next;
            while s < event.seq && listed.len() < MAX_LISTED_MISSING {
                listed.push(s);
                s = s.saturating_add(1);
            }
        }
        next = event.seq.saturating_add(1);
    }
    let names: Vec<String> = listed.iter().map(u64::to_string).collect();
    let unlisted = total.saturating_sub(listed.len() as u64);
    match names.as_slice() {
        [one] if unlisted == 0 => format!("seq {one} is missing"),
        [init @ .., last] if unlisted == 0 => {
            format!("seqs {} and {last} are missing", init.join(", "))
        }
        _ => format!("seqs {} and {unlisted} more are missing", names.join(", ")),
    }
}

/// Checks (e): the authentication of a keyed log (see [`crate::keys`]).
/// Without a keyring only warns that a keyed log's MACs went unchecked.
fn check_auth(
    log: &[Event],
    keys: Option<&Keyring>,
    warnings: &mut Vec<Warning>,
) -> Option<Tamper> {
    let Some(keys) = keys else {
        if let Some(auth) = log.iter().rev().find_map(|e| e.auth.as_ref()) {
            warnings.push(Warning::new(
                "keys_not_checked",
                "log",
                format!(
                    "the log is keyed (key `{}`) but no keyring was given: its MACs and signatures were not checked",
                    auth.key_id
                ),
            ));
        }
        return None;
    };
    let mut first_keyed: Option<usize> = None;
    for (i, event) in log.iter().enumerate() {
        match (&event.auth, first_keyed) {
            (Some(auth), _) => {
                if let Err(why) = keys.check(auth, &event.hash) {
                    return Some(event_tamper(
                        TamperKind::Unauthenticated,
                        i,
                        event,
                        format!("log[{i}] is keyed but {why}"),
                    ));
                }
                first_keyed.get_or_insert(i);
            }
            (None, Some(k)) => {
                return Some(event_tamper(
                    TamperKind::Unauthenticated,
                    i,
                    event,
                    format!(
                        "log[{i}] is not keyed but log[{k}] before it is: events were appended or rewritten without the key"
                    ),
                ));
            }
            (None, None) => {}
        }
    }
    let (last_index, last) = log.len().checked_sub(1).zip(log.last())?;
    if first_keyed.is_none() {
        if keys.adopts_unkeyed() {
            warnings.push(Warning::new(
                "unkeyed_log",
                "log",
                "no event of the log is keyed: it was accepted because the keyring adopts unkeyed logs; the next applied event keys it",
            ));
            return None;
        }
        return Some(event_tamper(
            TamperKind::Unauthenticated,
            last_index,
            last,
            format!(
                "log[{last_index}] is not keyed and no event of the log is: a keyed log stripped of its keys, or a log written before the host keyed its chains (set `adopt_unkeyed` in the keyring to accept those)"
            ),
        ));
    }
    None
}

/// Checks (d): every stored hash against the chain, and state continuity.
fn check_chain(log: &[Event], seed: &str, release_id: &str) -> Option<Tamper> {
    let mut prev_hash: &str = seed;
    let mut prev_event: Option<&Event> = None;
    // Room for a typical event body; the genesis (with its seal) may grow it.
    let mut scratch = String::with_capacity(4096);
    for (i, event) in log.iter().enumerate() {
        let digest = event_digest_with(prev_hash, event, &mut scratch);
        if !is_hex_of(&event.hash, &digest) {
            let computed = to_hex(&digest);
            let why = match i.checked_sub(1) {
                None => format!(
                    "log[0] does not chain from the seed of release `{release_id}`: this event was edited, or the release id was changed"
                ),
                Some(p) => format!(
                    "log[{i}] does not chain from log[{p}]: log[{p}] was edited and re-hashed, or this event was edited"
                ),
            };
            return Some(event_tamper(
                TamperKind::Edited,
                i,
                event,
                format!("{why} (stored hash {}, expected {computed})", event.hash),
            ));
        }
        if let Some(prev) = prev_event {
            if event.from != prev.to {
                return Some(event_tamper(
                    TamperKind::Edited,
                    i,
                    event,
                    format!(
                        "log[{i}] starts from `{}` but log[{}] ended in `{}`: an event was edited or the log was rewritten",
                        event.from.as_str(),
                        i.saturating_sub(1),
                        prev.to.as_str()
                    ),
                ));
            }
        }
        prev_hash = &event.hash;
        prev_event = Some(event);
    }
    None
}

/// Checks (e): the release state against the last event.
fn check_state(release: &Release) -> Option<Tamper> {
    let last = release.log.last()?;
    (release.state != last.to).then(|| Tamper {
        kind: TamperKind::StateMismatch,
        index: None,
        seq: None,
        path: "state".to_string(),
        message: format!(
            "the release is in state `{}` but its last event (seq {}) left it in `{}`",
            release.state.as_str(),
            last.seq,
            last.to.as_str()
        ),
    })
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)] // test fixtures count small logs
mod tests {
    use super::*;
    use crate::document::Extra;
    use crate::Timestamp;
    use serde_json::json;

    // -- canonical JSON ------------------------------------------------------

    fn num(bits: u64) -> String {
        canonical_json(&json!(f64::from_bits(bits)))
    }

    /// RFC 8785 Appendix B; every value cross-checked with node's
    /// `String(x)` on the same bit pattern.
    #[test]
    fn numbers_follow_rfc8785_appendix_b() {
        let table: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, expected) in table {
            assert_eq!(num(*bits), *expected, "bits {bits:#018x}");
        }
    }

    #[test]
    fn numbers_in_ecmascript_form() {
        let cases: &[(f64, &str)] = &[
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (123.45, "123.45"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (100.0, "100"),
            (1e20, "100000000000000000000"),
            (0.1, "0.1"),
            (1.5e-10, "1.5e-10"),
            (1.25e30, "1.25e+30"),
        ];
        for (f, expected) in cases {
            assert_eq!(canonical_json(&json!(f)), *expected, "{f:e}");
        }
    }

    #[test]
    fn integers_beyond_2_pow_53_print_as_doubles() {
        assert_eq!(
            canonical_json(&json!(9007199254740992_u64)),
            "9007199254740992"
        );
        assert_eq!(
            canonical_json(&json!(-9007199254740992_i64)),
            "-9007199254740992"
        );
        // node: String(9007199254740993) === "9007199254740992"
        assert_eq!(
            canonical_json(&json!(9007199254740993_u64)),
            "9007199254740992"
        );
        assert_eq!(canonical_json(&json!(u64::MAX)), "18446744073709552000");
        assert_eq!(canonical_json(&json!(i64::MIN)), "-9223372036854776000");
        assert_eq!(canonical_json(&json!(12345)), "12345");
        assert_eq!(canonical_json(&json!(-7)), "-7");
    }

    /// RFC 8785 §3.2.3: keys sorted by UTF-16 code units.
    #[test]
    fn keys_sort_by_utf16_code_units() {
        let text = r#"{
            "\u20ac": "Euro Sign",
            "\r": "Carriage Return",
            "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\ud83d\ude00": "Emoji: Grinning Face",
            "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
            \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
            \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(canonical_json(&value), expected);
    }

    /// RFC 8785 §3.2.2 (the sample input and its canonical output).
    #[test]
    fn rfc8785_sample() {
        let text = r#"{
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
            "literals": [null, true, false]
        }"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let expected = r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#;
        assert_eq!(canonical_json(&value), expected);
    }

    #[test]
    fn strings_escape_only_what_jcs_escapes() {
        let value = json!("\u{0}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1f} \u{7f}\u{2028}é😀/\"\\");
        assert_eq!(
            canonical_json(&value),
            "\"\\u0000\\u0007\\b\\t\\n\\u000b\\f\\r\\u001f \u{7f}\u{2028}é😀/\\\"\\\\\""
        );
        assert_eq!(canonical_json(&json!({})), "{}");
        assert_eq!(canonical_json(&json!([])), "[]");
        assert_eq!(
            canonical_json(&json!({"b": {"d": 1, "c": [true, null]}, "a": ""})),
            r#"{"a":"","b":{"c":[true,null],"d":1}}"#
        );
    }

    #[test]
    fn sha256_hex_known_value() {
        assert_eq!(
            sha256_hex(b"hello world"),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    // -- chain -----------------------------------------------------------------

    fn ts(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn unsealed(seq: u64, command: &str, from: State, to: State) -> Event {
        Event {
            seq,
            at: ts(&format!("2026-03-0{seq}T10:00:00Z")),
            actor: if command == "approve" {
                "carol"
            } else {
                "alice"
            }
            .to_string(),
            command: command.to_string(),
            from,
            to,
            details: Extra::new(),
            policy_fingerprint: "sha256:00".to_string(),
            hash: String::new(),
            auth: None,
            extra: Extra::new(),
        }
    }

    /// A minor release in deployment whose document is the projection of
    /// its log: the genesis (`advance` out of planning) seals its fields,
    /// carol's vote is cast by the `approve` event at seq 4 and stands in
    /// `approvals[0]` exactly as the replay yields it.
    fn release() -> Release {
        let mut release: Release = serde_json::from_value(json!({
            "id": "REL-42",
            "title": "Checkout 4.2",
            "kind": "minor",
            "state": "deployment",
            "owner": "alice",
            "scope": "Faster checkout",
            "planned_start": "2026-03-10T22:00:00Z",
            "planned_end": "2026-03-11T01:00:00Z",
            "changes": [{"id": "CHG1", "kind": "normal", "summary": "Cache prices",
                         "affected_cis": ["web-1"], "implementer": "bob", "approved": true}],
            "approvals": [{"approver": "carol", "role": "cab", "decision": "approved",
                           "at": "2026-03-04T10:00:00Z", "comment": "LGTM ✓", "round": 1}],
        }))
        .unwrap();
        let steps = [
            ("advance", State::Planning, State::Development),
            ("advance", State::Development, State::Testing),
            ("advance", State::Testing, State::Approval),
            ("approve", State::Approval, State::Approval),
            ("start_deployment", State::Approval, State::Deployment),
        ];
        for (i, (command, from, to)) in steps.into_iter().enumerate() {
            let prev = head(&release);
            let mut event = unsealed(i as u64 + 1, command, from, to);
            if i == 0 {
                // The genesis seals the fields the gates read.
                event
                    .details
                    .insert("seal".into(), crate::record::seal(&release));
            }
            if command == "approve" {
                event.details.insert("role".into(), json!("cab"));
                event.details.insert("decision".into(), json!("approved"));
                event.details.insert("comment".into(), json!("LGTM ✓"));
                event.details.insert("round".into(), json!(1));
            }
            release.log.push(seal(&prev, event));
        }
        release
    }

    /// Re-hashes the whole chain from the seed (a rewrite by someone who
    /// recomputes the hashes).
    fn rehash(release: &mut Release) {
        let mut prev = chain_seed(&release.id);
        for event in &mut release.log {
            *event = seal(&prev, event.clone());
            prev = event.hash.clone();
        }
    }

    fn tamper_of(verdict: &LogVerdict) -> &Tamper {
        assert!(!verdict.valid, "{verdict:?}");
        verdict.tamper.as_ref().unwrap()
    }

    #[test]
    fn untouched_log_is_valid() {
        let release = release();
        let verdict = verify_log(&release, None);
        assert!(verdict.valid, "{verdict:?}");
        assert_eq!(verdict.events, 5);
        assert_eq!(verdict.head, release.log[4].hash);
        assert_eq!(verdict.head, head(&release));
        assert_eq!(verdict.tamper, None);
        assert_eq!(verdict.events_after_expected_head, None);
        assert!(verdict.differences.is_empty(), "{:?}", verdict.differences);
        assert!(verdict.warnings.is_empty(), "{:?}", verdict.warnings);
        assert!(verdict.error().is_none());

        let verdict = verify_log(&release, Some(&head(&release)));
        assert!(verdict.valid);
        assert_eq!(verdict.events_after_expected_head, Some(0));
    }

    #[test]
    fn edited_event_is_found_at_its_index() {
        let mut release = release();
        release.log[2].actor = "mallory".into();
        let verdict = verify_log(&release, None);
        let t = tamper_of(&verdict);
        assert_eq!(t.kind, TamperKind::Edited);
        assert_eq!(t.index, Some(2));
        assert_eq!(t.seq, Some(3));
        assert_eq!(t.path, "log[2]");
        let err = verdict.error().unwrap();
        assert_eq!(err.code().as_str(), "log_tampered");
        assert_eq!(err.path(), Some("log[2]"));
    }

    #[test]
    fn edited_first_event_blames_the_seed() {
        let mut release = release();
        release.log[0].details.insert("note".into(), json!("x"));
        let t = tamper_of(&verify_log(&release, None)).clone();
        assert_eq!((t.kind, t.index), (TamperKind::Edited, Some(0)));
        assert!(
            t.message.contains("seed of release `REL-42`"),
            "{}",
            t.message
        );
    }

    #[test]
    fn removed_event_names_the_missing_seq() {
        let mut release = release();
        release.log.remove(2);
        let t = tamper_of(&verify_log(&release, None)).clone();
        assert_eq!(t.kind, TamperKind::Removed);
        assert_eq!(t.index, Some(2));
        assert_eq!(t.seq, Some(4));
        assert!(t.message.contains("seq 3 is missing"), "{}", t.message);

        let mut release = self::release();
        release.log.remove(1);
        release.log.remove(1);
        let t = tamper_of(&verify_log(&release, None)).clone();
        assert!(
            t.message.contains("seqs 2 and 3 are missing"),
            "{}",
            t.message
        );
    }

    #[test]
    fn inserted_event_is_found_at_the_repeat() {
        let mut release = release();
        let copy = release.log[1].clone();
        release.log.insert(3, copy);
        let t = tamper_of(&verify_log(&release, None)).clone();
        assert_eq!(t.kind, TamperKind::Inserted);
        assert_eq!(t.index, Some(3));
        assert_eq!(t.seq, Some(2));
        assert!(
            t.message.contains("repeats seq 2 of log[1]"),
            "{}",
            t.message
        );
    }

    #[test]
    fn reordered_events_are_found() {
        let mut release = release();
        release.log.swap(2, 3);
        let t = tamper_of(&verify_log(&release, None)).clone();
        assert_eq!(t.kind, TamperKind::Reordered);
        assert_eq!(t.index, Some(2));
        assert_eq!(t.seq, Some(4));
        assert!(
            t.message.contains("comes before log[3] (seq 3)"),
            "{}",
            t.message
        );
    }

    #[test]
    fn cut_off_tail_is_found_through_the_expected_head() {
        let original = release();
        let stored_head = head(&original);
        let mut release = original.clone();
        release.log.pop();
        release.state = State::Approval;
        // On its own the shortened log verifies…
        assert!(verify_log(&release, None).valid);
        // …but not against the head stored before.
        let verdict = verify_log(&release, Some(&stored_head));
        let t = tamper_of(&verdict);
        assert_eq!(t.kind, TamperKind::Truncated);
        assert_eq!(t.path, "log");
        assert!(t.message.contains(&stored_head));
        assert!(t.message.contains("is not in the log"));
        assert_eq!(verdict.events_after_expected_head, None);
    }

    #[test]
    fn state_mismatch_is_found() {
        let mut release = release();
        release.state = State::Review;
        let t = tamper_of(&verify_log(&release, None)).clone();
        assert_eq!(t.kind, TamperKind::StateMismatch);
        assert_eq!(t.path, "state");
        assert_eq!(t.index, None);
    }

    #[test]
    fn expected_head_of_an_earlier_event_counts_the_new_events() {
        let release = release();
        let verdict = verify_log(&release, Some(&release.log[2].hash));
        assert!(verdict.valid, "{verdict:?}");
        assert_eq!(verdict.events_after_expected_head, Some(2));

        // The seed is the head before the first event.
        let seed = chain_seed(&release.id);
        let verdict = verify_log(&release, Some(&seed));
        assert_eq!(verdict.events_after_expected_head, Some(5));

        // Upper case and whitespace are tolerated with a warning.
        let shouted = format!(" {} ", release.log[2].hash.to_uppercase());
        let verdict = verify_log(&release, Some(&shouted));
        assert_eq!(verdict.events_after_expected_head, Some(2));
        assert_eq!(verdict.warnings[0].code, "expected_head_not_canonical");
    }

    #[test]
    fn edited_and_rehashed_event_is_found_at_the_next_one() {
        let mut release = release();
        let k = 1;
        release.log[k].actor = "mallory".into();
        let prev = release.log[k - 1].hash.clone();
        release.log[k] = seal(&prev, release.log[k].clone());
        let t = tamper_of(&verify_log(&release, None)).clone();
        assert_eq!(t.kind, TamperKind::Edited);
        assert_eq!(t.index, Some(k + 1));
        assert!(
            t.message
                .contains("does not chain from log[1]: log[1] was edited and re-hashed, or this event was edited"),
            "{}",
            t.message
        );
    }

    #[test]
    fn full_rewrite_is_only_found_through_the_expected_head() {
        let original = release();
        let mut release = original.clone();
        release.log[1].actor = "mallory".into();
        rehash(&mut release);
        assert!(verify_log(&release, None).valid);
        let verdict = verify_log(&release, Some(&head(&original)));
        assert_eq!(tamper_of(&verdict).kind, TamperKind::Truncated);
    }

    #[test]
    fn broken_state_continuity_is_an_edit() {
        let mut release = release();
        // Rewrite log[2] to start from the wrong state, re-hashing the rest.
        release.log[2].from = State::Planning;
        let mut prev = release.log[1].hash.clone();
        for event in release.log.iter_mut().skip(2) {
            *event = seal(&prev, event.clone());
            prev = event.hash.clone();
        }
        let t = tamper_of(&verify_log(&release, None)).clone();
        assert_eq!((t.kind, t.index), (TamperKind::Edited, Some(2)));
        assert!(
            t.message.contains("starts from `planning`"),
            "{}",
            t.message
        );
    }

    #[test]
    fn seq_zero_is_an_insertion() {
        let mut release = release();
        let mut zero = release.log[0].clone();
        zero.seq = 0;
        release.log.insert(0, zero);
        let t = tamper_of(&verify_log(&release, None)).clone();
        assert_eq!((t.kind, t.index), (TamperKind::Inserted, Some(0)));
    }

    #[test]
    fn empty_log() {
        let mut release = release();
        release.log.clear();
        release.approvals.clear();
        release.state = State::Planning;
        let seed = chain_seed(&release.id);
        let verdict = verify_log(&release, None);
        assert!(verdict.valid, "{verdict:?}");
        assert_eq!(verdict.head, seed);
        assert_eq!(verdict.events, 0);
        assert!(verdict.warnings.is_empty());
        assert!(verdict.differences.is_empty());

        let verdict = verify_log(&release, Some(&seed));
        assert_eq!(verdict.events_after_expected_head, Some(0));

        let verdict = verify_log(&release, Some(&"0".repeat(64)));
        assert_eq!(tamper_of(&verdict).kind, TamperKind::Truncated);
    }

    #[test]
    fn empty_log_past_planning_is_tampering() {
        for state in [State::Development, State::Testing, State::Closed] {
            let mut release = release();
            release.log.clear();
            release.approvals.clear();
            release.state = state;
            let verdict = verify_log(&release, None);
            let t = tamper_of(&verdict);
            assert_eq!(t.kind, TamperKind::EmptyLog);
            assert_eq!((t.index, t.seq), (None, None));
            assert_eq!(t.path, "log");
            assert!(
                t.message
                    .contains(&format!("in state `{}`", state.as_str())),
                "{}",
                t.message
            );
            // It is no longer a mere warning.
            assert!(verdict.warnings.iter().all(|w| w.code != "empty_log"));
            let err = verdict.error().unwrap();
            assert_eq!(err.code().as_str(), "log_tampered");
            assert_eq!(err.path(), Some("log"));
        }
    }

    /// The verdict for a document edited after its log was written: each
    /// case is (edit, the paths of `differences`, their kinds, the seq of
    /// the event that sealed or set each).
    #[test]
    fn a_document_that_differs_from_its_log_is_diverged() {
        use crate::record::DifferenceKind::{self, *};
        type Edit = fn(&mut Release);
        /// (path, kind, seq) of each expected difference.
        type Expected = Vec<(&'static str, DifferenceKind, Option<u64>)>;
        let cases: Vec<(Edit, Expected)> = vec![
            // A sealed field, edited without amend.
            (
                |r| r.kind = crate::ReleaseKind::Patch,
                vec![("kind", Edited, Some(1))],
            ),
            (
                |r| r.planned_end = Some(ts("2026-03-11T02:00:00Z")),
                vec![("planned_end", Edited, Some(1))],
            ),
            (
                |r| r.changes[0].affected_cis.push("db-1".into()),
                vec![("changes[0]", Edited, Some(1))],
            ),
            // A vote edited, written in or removed.
            (
                |r| r.approvals[0].comment = Some("LGTM".into()),
                vec![("approvals[0].comment", Edited, Some(4))],
            ),
            (
                |r| {
                    let mut forged = r.approvals[0].clone();
                    forged.approver = "erin".into();
                    r.approvals.push(forged);
                },
                vec![("approvals[1]", Unlogged, None)],
            ),
            (
                |r| r.approvals.clear(),
                vec![("approvals[0]", Missing, Some(4))],
            ),
            // Facts no command recorded.
            (
                |r| r.outcome = Some(crate::Outcome::Success),
                vec![("outcome", Unlogged, None)],
            ),
            (
                |r| {
                    r.tests.push(
                        serde_json::from_value(json!({"kind": "unit", "passed": 1, "failed": 0}))
                            .unwrap(),
                    )
                },
                vec![("tests[0]", Unlogged, None)],
            ),
            (
                |r| r.approval_round = Some(2),
                vec![("approval_round", Edited, None)],
            ),
            // Several at once: each is listed, the first decides the path.
            (
                |r| {
                    r.scope = Some("Everything".into());
                    r.approvals[0].decision = crate::Decision::Rejected;
                    r.deployed_at = Some(ts("2026-03-06T10:00:00Z"));
                },
                vec![
                    ("scope", Edited, Some(1)),
                    ("approvals[0].decision", Edited, Some(4)),
                    ("deployed_at", Unlogged, None),
                ],
            ),
        ];
        for (edit, expected) in cases {
            let mut release = release();
            edit(&mut release);
            let verdict = verify_log(&release, None);
            let got: Vec<(&str, DifferenceKind, Option<u64>)> = verdict
                .differences
                .iter()
                .map(|d| (d.path.as_str(), d.kind, d.seq))
                .collect();
            assert_eq!(got, expected, "{verdict:#?}");
            assert!(verdict.differences.iter().all(|d| !d.message.is_empty()));
            let t = tamper_of(&verdict);
            assert_eq!(t.kind, TamperKind::Diverged);
            assert_eq!(t.index, None);
            assert_eq!(t.path, expected[0].0);
            assert_eq!(t.seq, expected[0].2);
            if expected.len() > 1 {
                assert!(
                    t.message
                        .contains(&format!("and {} more differences", expected.len() - 1)),
                    "{}",
                    t.message
                );
            }
            let err = verdict.error().unwrap();
            assert_eq!(err.code().as_str(), "log_tampered");
            assert_eq!(err.path(), Some(expected[0].0));
            // The differences travel in the verdict's JSON.
            let value = serde_json::to_value(&verdict).unwrap();
            assert_eq!(value["tamper"]["kind"], json!("diverged"));
            assert_eq!(
                value["differences"].as_array().unwrap().len(),
                expected.len()
            );
            let back: LogVerdict = serde_json::from_value(value).unwrap();
            assert_eq!(back, verdict);
        }
    }

    #[test]
    fn fields_the_record_does_not_hold_are_free_to_edit() {
        let mut release = release();
        release.title = "Checkout 4.2.1".into();
        release.version = Some("4.2.1".into());
        release.extra.insert("ticket".into(), json!("OPS-7"));
        release.approvals[0]
            .extra
            .insert("note".into(), json!("from the portal"));
        // The same instant written in another offset is not an edit.
        release.planned_end = Some(ts("2026-03-11T02:00:00+01:00"));
        let verdict = verify_log(&release, None);
        assert!(verdict.valid, "{verdict:#?}");
        assert!(verdict.differences.is_empty());
    }

    #[test]
    fn unreadable_details_after_the_seal_are_a_difference() {
        let mut release = release();
        release.log[3].details.insert("round".into(), json!("one"));
        rehash(&mut release);
        let verdict = verify_log(&release, None);
        let t = tamper_of(&verdict);
        assert_eq!(t.kind, TamperKind::Diverged);
        assert_eq!(t.path, "log[3].details.round");
        assert_eq!(t.seq, Some(4));
        assert_eq!(
            verdict.differences[0].kind,
            crate::record::DifferenceKind::Unreadable
        );
    }

    #[test]
    fn a_broken_chain_is_not_replayed() {
        let mut release = release();
        release.log[2].actor = "mallory".into();
        release.kind = crate::ReleaseKind::Patch;
        let verdict = verify_log(&release, None);
        assert_eq!(tamper_of(&verdict).kind, TamperKind::Edited);
        assert!(verdict.differences.is_empty(), "{:?}", verdict.differences);
    }

    #[test]
    fn a_log_without_a_seal_is_legacy() {
        let mut release = release();
        release.log[0].details.remove("seal");
        rehash(&mut release);
        let verdict = verify_log(&release, None);
        assert!(verdict.valid, "{verdict:#?}");
        assert_eq!(verdict.warnings.len(), 1, "{:?}", verdict.warnings);
        assert_eq!(verdict.warnings[0].code, "legacy_log");
        assert_eq!(verdict.warnings[0].path, "log");
        assert!(verdict.differences.is_empty());
        // Nothing is sealed, so nothing is compared: the gates count none of
        // it (`record.log` is unmet) until an import adopts the release.
        release.kind = crate::ReleaseKind::Patch;
        release.approvals.clear();
        let verdict = verify_log(&release, None);
        assert!(verdict.valid, "{verdict:#?}");
        assert_eq!(verdict.warnings[0].code, "legacy_log");
        // The chain is still checked.
        release.log[1].actor = "mallory".into();
        assert_eq!(
            tamper_of(&verify_log(&release, None)).kind,
            TamperKind::Edited
        );
    }

    #[test]
    fn a_seal_on_a_later_event_leaves_the_earlier_ones_unsealed() {
        // The seal counts from the event that carries it: a release adopted
        // by an import after a legacy log verifies without the warning.
        let mut release = release();
        let seal = release.log[0].details.remove("seal").unwrap();
        release.log[2].details.insert("seal".into(), seal);
        rehash(&mut release);
        let verdict = verify_log(&release, None);
        assert!(verdict.valid, "{verdict:#?}");
        assert!(verdict.warnings.is_empty(), "{:?}", verdict.warnings);
        release.owner = Some("mallory".into());
        let verdict = verify_log(&release, None);
        let t = tamper_of(&verdict);
        assert_eq!((t.kind, t.path.as_str()), (TamperKind::Diverged, "owner"));
        assert_eq!(t.seq, Some(3));
    }

    #[test]
    fn verdict_json_shape() {
        let mut release = release();
        release.log.remove(2);
        let value = serde_json::to_value(verify_log(&release, None)).unwrap();
        assert_eq!(value["valid"], json!(false));
        assert_eq!(value["tamper"]["kind"], json!("removed"));
        assert_eq!(value["tamper"]["path"], json!("log[2]"));
        assert!(value.get("differences").is_none(), "omitted when empty");
        let back: LogVerdict = serde_json::from_value(value).unwrap();
        assert_eq!(back, verify_log(&release, None));
    }

    #[test]
    fn hashes_do_not_depend_on_the_document_text() {
        let release = release();
        let expected = verify_log(&release, None);
        let pretty = serde_json::to_string_pretty(&release).unwrap();
        let compact = serde_json::to_string(&release).unwrap();
        assert_ne!(pretty, compact);
        for text in [pretty, compact] {
            let parsed = crate::parse::<Release>(&text).unwrap().document;
            let verdict = verify_log(&parsed, None);
            assert_eq!(verdict, expected);
            assert!(verdict.valid);
        }

        // Member order, spacing and number spelling in the text do not matter.
        let mut value = serde_json::to_value(&release).unwrap();
        value["log"][3]["details"]["round"] = json!(1.0);
        let text = reversed_text(&value).replace("\"round\" : 1.0", "\"round\" :   1.00e0");
        assert!(text.contains("1.00e0"), "{text}");
        assert!(text.find("\"title\"") < text.find("\"id\""));
        let parsed = crate::parse::<Release>(&text).unwrap().document;
        assert_eq!(verify_log(&parsed, None), expected);
    }

    /// JSON text with every object's members in reverse order and spaces.
    fn reversed_text(value: &Value) -> String {
        match value {
            Value::Object(map) => {
                let members: Vec<String> = map
                    .iter()
                    .rev()
                    .map(|(k, v)| format!("{} : {}", json!(k), reversed_text(v)))
                    .collect();
                format!("{{ {} }}", members.join(" , "))
            }
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(reversed_text).collect();
                format!("[ {} ]", items.join(" , "))
            }
            other => other.to_string(),
        }
    }

    #[test]
    fn event_body_equals_serde_form_without_hash() {
        let mut event = release().log[3].clone();
        event
            .extra
            .insert("ticket".into(), json!({"z": 1, "a": [1.5, "x"]}));
        let mut serde_form = serde_json::to_value(&event).unwrap();
        serde_form.as_object_mut().unwrap().remove("hash");
        assert_eq!(event_body(&event), serde_form);

        // Empty details and fingerprint are omitted, as in the document.
        let mut bare = event.clone();
        bare.details.clear();
        bare.policy_fingerprint.clear();
        bare.extra.clear();
        let mut serde_form = serde_json::to_value(&bare).unwrap();
        serde_form.as_object_mut().unwrap().remove("hash");
        assert_eq!(event_body(&bare), serde_form);
        assert!(serde_form.get("details").is_none());
    }

    #[test]
    fn seal_ignores_the_previous_hash_field() {
        let event = unsealed(1, "advance", State::Planning, State::Development);
        let mut dirty = event.clone();
        dirty.hash = "garbage".into();
        let seed = chain_seed("R");
        assert_eq!(seal(&seed, event).hash, seal(&seed, dirty).hash);
    }

    /// The golden vector. Cross-checked during development with
    ///
    /// ```text
    /// python3 -c 'import hashlib,json
    /// seed=hashlib.sha256(b"relman-audit-v1:R1").hexdigest()
    /// ev={"seq":1,"at":"2026-01-01T00:00:00Z","actor":"alice","command":"advance",
    ///     "from":"planning","to":"development","policy_fingerprint":"sha256:00"}
    /// body=json.dumps(ev,sort_keys=True,separators=(",",":"),ensure_ascii=False)
    /// print(seed); print(body); print(hashlib.sha256((seed+body).encode()).hexdigest())'
    /// ```
    ///
    /// (`json.dumps` with these options equals JCS for such ASCII data.)
    #[test]
    fn golden_event_hash() {
        let seed = chain_seed("R1");
        assert_eq!(
            seed,
            "763c3ce6f9b5ae3bc9be7094202b43aa36089ed38f966072deed794a904d312d"
        );
        let event = Event {
            seq: 1,
            at: ts("2026-01-01T00:00:00Z"),
            actor: "alice".into(),
            command: "advance".into(),
            from: State::Planning,
            to: State::Development,
            details: Extra::new(),
            policy_fingerprint: "sha256:00".into(),
            hash: String::new(),
            auth: None,
            extra: Extra::new(),
        };
        assert_eq!(
            canonical_json(&event_body(&event)),
            r#"{"actor":"alice","at":"2026-01-01T00:00:00Z","command":"advance","from":"planning","policy_fingerprint":"sha256:00","seq":1,"to":"development"}"#
        );
        assert_eq!(
            event_hash(&seed, &event),
            "72d799b1e2e24092258fbda2f894bf5177d9058f7f4805dc2ed648e70cedb293"
        );
    }

    #[test]
    fn policy_fingerprint_is_stable() {
        let default = Policy::default();
        let a = policy_fingerprint(&default).unwrap();
        assert!(a.starts_with("sha256:"));
        assert_eq!(a.len(), "sha256:".len() + 64);
        // The same policy written differently has the same fingerprint.
        let text = serde_json::to_string_pretty(&default).unwrap();
        let reparsed: Policy = serde_json::from_str(&text).unwrap();
        assert_eq!(policy_fingerprint(&reparsed).unwrap(), a);
        let sparse: Policy = serde_json::from_str("{}").unwrap();
        assert_eq!(policy_fingerprint(&sparse).unwrap(), a);
        // A different policy has a different one.
        let mut tuned = default;
        tuned.risk.bands.high = 60.0;
        assert_ne!(policy_fingerprint(&tuned).unwrap(), a);
    }
}
