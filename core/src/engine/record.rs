//! The record: a release document as the projection of its audit log.
//!
//! Decides: what a release's log vouches for, and where the document says
//! something else. Every field a lifecycle gate reads is either
//!
//! - a **command field**, set only by a logged command and replayed from
//!   the events' details: `approvals[]` (`approve`, `reject`, `import`),
//!   `approval_round` (`send_back`, `amend` in approval), `tests[]`
//!   (`record_tests`, `import`), `outcome` and `deployed_at`
//!   (`complete_deployment`, `roll_back`), `rolled_back_at` (`roll_back`)
//!   and `review.completed_at` (`complete_review`), the delegations a
//!   vote's `on_behalf_of` relies on (`delegate`, `revoke_delegation`;
//!   they live in the log only) — test runs a release
//!   already carries in planning are sealed by the genesis as they stand
//!   (`details.sealed_tests`); votes, outcomes and reviews cannot be
//!   written into a planning release; or
//! - a **sealed field**, free to edit while the release is in `planning`
//!   with an empty log, sealed by the first event (the *genesis*), and
//!   changed afterwards only by `amend` (or vouched for by an `import` that
//!   adopts the release): [`SEALED_FIELDS`].
//!
//! A seal is recorded in the sealing event's `details.seal`: the SHA-256
//! digest of every sealed field, plus a short digest per field and per
//! change so that a difference can be named. The document keeps the
//! values; the chain keeps their digests. `replay` walks the log once;
//! `differences` compares the document with what the replay yields.
//!
//! Needs: the release (its log and fields) only.

use crate::document::Extra;
use crate::foundation::hex::to_hex;
use crate::{Approval, Change, Decision, Outcome, Release, Role, TestRun, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

mod delegation;
pub(crate) use delegation::Delegation;

/// The sealed fields, in the order the seal digest covers them. `changes`
/// also carries one digest per change (by id).
pub const SEALED_FIELDS: [&str; 17] = [
    "kind",
    "owner",
    "team",
    "scope",
    "objectives",
    "changes",
    "affected_cis",
    "planned_start",
    "planned_end",
    "services",
    "environments",
    "depends_on",
    "deployment",
    "rollback_plan",
    "communication.plan",
    "risk",
    "knowledge_articles",
];

/// How many hex digits of a field's own digest the seal keeps: enough to
/// name the field that differs; the full digest decides.
const FIELD_DIGEST_HEX: usize = 16;

// ---------------------------------------------------------------------------
// Seal digests
// ---------------------------------------------------------------------------

/// A length-prefixed binary encoding, written into a buffer that is then
/// hashed in one call (feeding the hasher piece by piece gives the same
/// digest, at a cost per piece).
struct Enc<'b>(&'b mut Vec<u8>);

impl Enc<'_> {
    fn str(&mut self, s: &str) {
        self.0.extend_from_slice(&(s.len() as u64).to_le_bytes());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
            None => self.0.push(0),
        }
    }
    fn count(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
    }
    fn strs(&mut self, items: &[String]) {
        self.count(items.len());
        for s in items {
            self.str(s);
        }
    }
    fn instant(&mut self, t: Option<&Timestamp>) {
        match t {
            Some(t) => {
                self.0.push(1);
                self.0.extend_from_slice(&t.unix_seconds().to_le_bytes());
                self.0
                    .extend_from_slice(&t.datetime().timestamp_subsec_nanos().to_le_bytes());
            }
            None => self.0.push(0),
        }
    }
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }
    /// A nested document through its RFC 8785 canonical JSON.
    fn json<T: Serialize>(&mut self, value: Option<&T>) {
        match value.and_then(|v| serde_json::to_value(v).ok()) {
            Some(v) => {
                self.0.push(1);
                self.str(&crate::foundation::canonical::canonical_json(&v));
            }
            None => self.0.push(0),
        }
    }
}

fn change(enc: &mut Enc<'_>, c: &Change) {
    enc.str(&c.id);
    enc.byte(c.kind as u8);
    enc.str(&c.summary);
    enc.opt_str(c.category.as_deref());
    enc.strs(&c.affected_cis);
    enc.opt_str(c.implementer.as_deref());
    enc.byte(u8::from(c.approved));
    enc.strs(&c.links.problems);
    enc.strs(&c.links.requests);
    enc.strs(&c.links.incidents);
    enc.strs(&c.links.changes);
    // Known errors joined the links later: written only when present (after
    // a marker no instant starts with), so the seals of changes without
    // them are the ones written before.
    if !c.links.known_errors.is_empty() {
        enc.byte(2);
        enc.strs(&c.links.known_errors);
    }
    enc.instant(c.committed_at.as_ref());
    enc.instant(c.planned_start.as_ref());
    enc.instant(c.planned_end.as_ref());
}

/// Writes sealed field `name` of `release`; `changes` writes the ids only
/// when `ids_only` (the per-field digest), every change in full otherwise.
fn field(enc: &mut Enc<'_>, release: &Release, name: &str, ids_only: bool) {
    let r = release;
    match name {
        "kind" => enc.byte(r.kind as u8),
        "owner" => enc.opt_str(r.owner.as_deref()),
        "team" => enc.strs(&r.team),
        "scope" => enc.opt_str(r.scope.as_deref()),
        "objectives" => enc.strs(&r.objectives),
        "changes" => {
            enc.count(r.changes.len());
            for c in &r.changes {
                if ids_only {
                    enc.str(&c.id);
                } else {
                    change(enc, c);
                }
            }
        }
        "affected_cis" => enc.strs(&r.affected_cis),
        "planned_start" => enc.instant(r.planned_start.as_ref()),
        "planned_end" => enc.instant(r.planned_end.as_ref()),
        "services" => enc.strs(&r.services),
        "environments" => enc.strs(&r.environments),
        "depends_on" => enc.strs(&r.depends_on),
        "deployment" => enc.json(
            r.deployment
                .as_ref()
                .map(|d| {
                    let mut d = d.clone();
                    d.extra = Extra::new();
                    d
                })
                .as_ref(),
        ),
        "rollback_plan" => enc.json(
            r.rollback_plan
                .as_ref()
                .map(|p| {
                    let mut p = p.clone();
                    p.extra = Extra::new();
                    p
                })
                .as_ref(),
        ),
        "communication.plan" => {
            enc.opt_str(r.communication.as_ref().and_then(|c| c.plan.as_deref()))
        }
        "risk" => enc.json(
            r.risk
                .as_ref()
                .map(|k| json!({"level": k.level, "score": k.score}))
                .as_ref(),
        ),
        "knowledge_articles" => enc.strs(&r.knowledge_articles),
        _ => {}
    }
}

/// The digest of every sealed field of `release`, in one pass:
/// `"sha256:" + hex(SHA-256("relman-seal-v1" ‖ each field's name and
/// length-prefixed binary encoding))`. Timestamps enter as instants, so
/// writing a time in another offset is not an edit; fields relman does not
/// know (`extra`) are not sealed.
pub fn seal_digest(release: &Release) -> String {
    // Room for the usual release: the changes dominate.
    let mut buf = Vec::with_capacity(
        release
            .changes
            .len()
            .saturating_mul(256)
            .saturating_add(1024),
    );
    let mut enc = Enc(&mut buf);
    enc.str("relman-seal-v1");
    for name in SEALED_FIELDS {
        enc.str(name);
        field(&mut enc, release, name, false);
    }
    format!("sha256:{}", to_hex(&Sha256::digest(&buf)))
}

fn short(encoded: &[u8]) -> String {
    let mut hex = to_hex(&Sha256::digest(encoded));
    hex.truncate(FIELD_DIGEST_HEX);
    hex
}

fn field_digest(release: &Release, name: &str) -> String {
    let mut buf = Vec::new();
    let mut enc = Enc(&mut buf);
    enc.str("relman-seal-field-v1");
    enc.str(name);
    field(&mut enc, release, name, true);
    short(&buf)
}

fn change_digest(c: &Change) -> String {
    let mut buf = Vec::new();
    let mut enc = Enc(&mut buf);
    enc.str("relman-seal-change-v1");
    change(&mut enc, c);
    short(&buf)
}

/// The seal of `release` as recorded in an event's `details.seal`:
/// `{"digest", "fields": {name: short digest}, "changes": {id: short
/// digest}}`.
pub fn seal(release: &Release) -> Value {
    let fields: Map<String, Value> = SEALED_FIELDS
        .iter()
        .map(|name| (name.to_string(), Value::from(field_digest(release, name))))
        .collect();
    let changes: Map<String, Value> = release
        .changes
        .iter()
        .map(|c| (c.id.clone(), Value::from(change_digest(c))))
        .collect();
    json!({"digest": seal_digest(release), "fields": fields, "changes": changes})
}

// ---------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------

/// A seal found in the log.
#[derive(Debug, Clone)]
pub(crate) struct SealedAt {
    /// Its `seq`.
    pub seq: u64,
    /// Its index in `log[]`: the recorded seal is that event's
    /// `details.seal` (read in place, not copied).
    pub index: usize,
}

/// One `override` event as the replay reads it (docs/lifecycle.md, "ECAB
/// overrides"; checked and counted in `lifecycle::overrides`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct OverrideNote {
    /// The rule overridden.
    pub rule: String,
    /// Why (as recorded).
    pub justification: String,
    /// Who issued it (the event's actor).
    pub by: String,
    /// When (the event's `at`).
    pub at: Timestamp,
    /// The event's `seq`.
    pub seq: u64,
    /// The approval round it was issued in.
    pub round: u32,
}

impl OverrideNote {
    /// The override as gate reports name it: `{by, at, seq, justification}`.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "by": self.by,
            "at": self.at,
            "seq": self.seq,
            "justification": self.justification,
        })
    }
}

/// An `import` event: where facts came from that no relman command set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ImportNote {
    /// The event's `seq`.
    pub seq: u64,
    /// The source system it names.
    pub source: String,
    /// The source's record ids.
    pub records: Vec<String>,
    /// Whether it adopted the release as it stood.
    pub adopt: bool,
}

/// What the log yields: the command fields as its commands set them, the
/// latest seal, and where facts were vouched for by an import.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    /// Number of events.
    pub events: usize,
    /// The latest seal (genesis, amend or adopting import).
    pub sealed_at: Option<SealedAt>,
    /// Votes, in log order (imported ones carry their `source`).
    pub approvals: Vec<Approval>,
    /// The `seq` of the event that cast each vote.
    pub approval_seqs: Vec<u64>,
    /// Test runs, in log order.
    pub tests: Vec<TestRun>,
    /// The `seq` of the event that recorded each run.
    pub test_seqs: Vec<u64>,
    /// The recorded outcome and the event that set it.
    pub outcome: Option<(Outcome, u64)>,
    /// When the deployment completed (or was rolled back without one).
    pub deployed_at: Option<(Timestamp, u64)>,
    /// When the rollback was recorded.
    pub rolled_back_at: Option<(Timestamp, u64)>,
    /// When the review was completed.
    pub review_completed_at: Option<(Timestamp, u64)>,
    /// The incidents the review links (`complete_review`'s `incidents`).
    pub review_incidents: Vec<String>,
    /// The approval round the log has reached (1 at the start).
    pub approval_round: u32,
    /// Every import event.
    pub imports: Vec<ImportNote>,
    /// Every delegation (`delegate`), with its revocation, in log order.
    pub delegations: Vec<Delegation>,
    /// Every `override` event (ECAB overrides), in log order.
    pub overrides: Vec<OverrideNote>,
    /// The emergency path: the deployment started before the approval
    /// quorum was met, and the retrospective approval is due
    /// (docs/lifecycle.md, "The emergency path").
    pub deferred: Option<Deferred>,
    /// Details the replay could not read: (index, path, message).
    pub unreadable: Vec<(usize, String, String)>,
}

impl Record {
    /// True for a log written before sealing (events, but no seal).
    pub fn legacy(&self) -> bool {
        self.events > 0 && self.sealed_at.is_none()
    }

    /// True when the approver ever cast an approving vote on the release
    /// (any round), compared as one person — their own, one on someone's
    /// behalf, or one a delegate cast on theirs.
    pub fn approved_by(&self, actor: &str) -> bool {
        let key = crate::identity::canonical(actor);
        let is = |id: &str| id == actor || crate::identity::canonical(id) == key;
        self.approvals.iter().any(|a| {
            a.decision == Decision::Approved
                && (is(&a.approver) || a.on_behalf_of.as_deref().is_some_and(is))
        })
    }
}

/// A deployment started before its approval quorum was met (the emergency
/// path), as the starting event's `details.approval_deferred` records it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Deferred {
    /// The `seq` of the event that started the deployment.
    pub seq: u64,
    /// When the deployment started.
    pub started_at: Timestamp,
    /// Who started it (the event's actor).
    pub deployer: String,
    /// When the retrospective approval is due.
    pub due_at: Timestamp,
    /// The policy's window, in seconds, when the deployment started.
    pub window_secs: u64,
}

/// The part of `details.approval_deferred` the replay reads.
#[derive(Debug, Clone, Deserialize)]
struct DeferredDetails {
    due_at: Timestamp,
    window_secs: u64,
}

/// Whole doubles up to this magnitude are read as integers.
const MAX_WHOLE: f64 = 9_007_199_254_740_992.0; // 2^53

/// The integer a whole double within ±2^53 stands for.
fn whole(n: &serde_json::Number) -> Option<Value> {
    let f = n.as_f64().filter(|_| n.is_f64())?;
    if f.fract() != 0.0 || f.abs() > MAX_WHOLE {
        return None;
    }
    Some(if f < 0.0 {
        Value::from(f as i64)
    } else {
        Value::from(f as u64)
    })
}

fn has_whole_double(v: &Value) -> bool {
    match v {
        Value::Number(n) => whole(n).is_some(),
        Value::Array(items) => items.iter().any(has_whole_double),
        Value::Object(map) => map.values().any(has_whole_double),
        _ => false,
    }
}

fn integers(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(i) = whole(n) {
                *v = i;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integers),
        Value::Object(map) => map.values_mut().for_each(integers),
        _ => {}
    }
}

/// Reads `details[key]` as the command recorded it. A number is read by its
/// value, as the chain hashes it (RFC 8785): `1`, `1.0` and `1.00e0` are
/// the same round, so a host that rewrites number spelling does not make
/// the details unreadable.
fn read<T: serde::de::DeserializeOwned>(
    details: &Extra,
    key: &str,
    index: usize,
    out: &mut Vec<(usize, String, String)>,
) -> Option<T> {
    let raw = details.get(key)?;
    let value = if has_whole_double(raw) {
        let mut v = raw.clone();
        integers(&mut v);
        std::borrow::Cow::Owned(v)
    } else {
        std::borrow::Cow::Borrowed(raw)
    };
    match T::deserialize(value.as_ref()) {
        Ok(v) => Some(v),
        Err(e) => {
            out.push((index, format!("log[{index}].details.{key}"), e.to_string()));
            None
        }
    }
}

/// Replays `release.log` (which the caller has verified as a chain): the
/// command fields as the log sets them, the latest seal and the imports.
/// One walk over the events; the details are read in place.
pub(crate) fn replay(release: &Release) -> Record {
    let mut rec = Record {
        events: release.log.len(),
        approval_round: 1,
        ..Record::default()
    };
    for (i, e) in release.log.iter().enumerate() {
        let d = &e.details;
        // Before the first seal the log is a legacy one: its details are
        // read where they can be, and nothing unreadable is held against it.
        let counts = rec.sealed_at.is_some() || d.contains_key("seal");
        let mut problems = Vec::new();
        // The genesis seals the test runs the release had in planning.
        let sealed_runs: Option<Vec<TestRun>> = read(d, "sealed_tests", i, &mut problems);
        for run in sealed_runs.unwrap_or_default() {
            rec.tests.push(run);
            rec.test_seqs.push(e.seq);
        }
        match e.command.as_str() {
            "approve" | "reject" => {
                let role: Option<Role> = read(d, "role", i, &mut problems);
                let Some(role) = role else {
                    problems.push((
                        i,
                        format!("log[{i}].details.role"),
                        "a vote without its role".to_string(),
                    ));
                    if counts {
                        rec.unreadable.extend(problems);
                    }
                    continue;
                };
                let round: Option<u32> = read(d, "round", i, &mut problems);
                rec.approvals.push(Approval {
                    approver: e.actor.clone(),
                    role,
                    decision: if e.command == "approve" {
                        Decision::Approved
                    } else {
                        Decision::Rejected
                    },
                    at: e.at.clone(),
                    comment: read(d, "comment", i, &mut problems),
                    round: Some(round.unwrap_or(rec.approval_round)),
                    fingerprint: read(d, "fingerprint", i, &mut problems),
                    override_blackout: read(d, "override_blackout", i, &mut problems)
                        .unwrap_or(false),
                    group: read(d, "group", i, &mut problems),
                    retrospective: read(d, "retrospective", i, &mut problems).unwrap_or(false),
                    source: None,
                    on_behalf_of: read(d, "on_behalf_of", i, &mut problems),
                    extra: Extra::new(),
                });
                rec.approval_seqs.push(e.seq);
            }
            "send_back" => rec.approval_round = rec.approval_round.saturating_add(1),
            "amend" if d.contains_key("voided_round") => {
                rec.approval_round = rec.approval_round.saturating_add(1);
            }
            "record_tests" => {
                let runs: Option<Vec<TestRun>> = read(d, "tests", i, &mut problems);
                for run in runs.unwrap_or_default() {
                    rec.tests.push(run);
                    rec.test_seqs.push(e.seq);
                }
            }
            "complete_deployment" => {
                let outcome: Option<Outcome> = read(d, "outcome", i, &mut problems);
                if let Some(o) = outcome {
                    rec.outcome = Some((o, e.seq));
                }
                rec.deployed_at = Some((e.at.clone(), e.seq));
            }
            "roll_back" => {
                let outcome: Option<Outcome> = read(d, "outcome", i, &mut problems);
                rec.outcome = Some((outcome.unwrap_or(Outcome::RolledBack), e.seq));
                rec.rolled_back_at = Some((e.at.clone(), e.seq));
                if rec.deployed_at.is_none() {
                    rec.deployed_at = Some((e.at.clone(), e.seq));
                }
            }
            "complete_review" => {
                rec.review_completed_at = Some((e.at.clone(), e.seq));
                let incidents: Vec<String> =
                    read(d, "incidents", i, &mut problems).unwrap_or_default();
                rec.review_incidents.extend(incidents);
            }
            "import" => replay_import(&mut rec, i, e, &mut problems),
            "delegate" => delegation::replay_delegate(&mut rec, i, e, &mut problems),
            "revoke_delegation" => delegation::replay_revoke(&mut rec, i, e, &mut problems),
            "override" => replay_override(&mut rec, i, e, &mut problems),
            _ => {}
        }
        let deferred: Option<DeferredDetails> = read(d, "approval_deferred", i, &mut problems);
        if let Some(dd) = deferred {
            rec.deferred = Some(Deferred {
                seq: e.seq,
                started_at: e.at.clone(),
                deployer: e.actor.clone(),
                due_at: dd.due_at,
                window_secs: dd.window_secs,
            });
        }
        if d.contains_key("seal") {
            rec.sealed_at = Some(SealedAt {
                seq: e.seq,
                index: i,
            });
        }
        if counts {
            rec.unreadable.extend(problems);
        }
    }
    rec
}

fn replay_import(
    rec: &mut Record,
    i: usize,
    e: &crate::Event,
    problems: &mut Vec<(usize, String, String)>,
) {
    let d = &e.details;
    let source: String = read(d, "source", i, problems).unwrap_or_default();
    let records: Vec<String> = read(d, "records", i, problems).unwrap_or_default();
    let adopted: Option<Adopted> = read(d, "adopt", i, problems);
    if let Some(a) = &adopted {
        rec.approvals.clone_from(&a.approvals);
        rec.approval_seqs = vec![e.seq; a.approvals.len()];
        rec.tests.clone_from(&a.tests);
        rec.test_seqs = vec![e.seq; a.tests.len()];
        rec.outcome = a.outcome.map(|o| (o, e.seq));
        rec.deployed_at = a.deployed_at.clone().map(|t| (t, e.seq));
        rec.rolled_back_at = a.rolled_back_at.clone().map(|t| (t, e.seq));
        rec.review_completed_at = a.review_completed_at.clone().map(|t| (t, e.seq));
        rec.review_incidents.clone_from(&a.review_incidents);
        rec.approval_round = a.approval_round.unwrap_or(1);
    }
    let votes: Vec<Approval> = read(d, "approvals", i, problems).unwrap_or_default();
    for v in votes {
        rec.approvals.push(v);
        rec.approval_seqs.push(e.seq);
    }
    let runs: Vec<TestRun> = read(d, "tests", i, problems).unwrap_or_default();
    for t in runs {
        rec.tests.push(t);
        rec.test_seqs.push(e.seq);
    }
    rec.imports.push(ImportNote {
        seq: e.seq,
        source,
        records,
        adopt: adopted.is_some(),
    });
}

/// An `override` event: the rule, the justification and the round it was
/// issued in (`docs/lifecycle.md`, "ECAB overrides").
fn replay_override(
    rec: &mut Record,
    i: usize,
    e: &crate::Event,
    problems: &mut Vec<(usize, String, String)>,
) {
    let d = &e.details;
    let rule: Option<String> = read(d, "rule", i, problems);
    let justification: Option<String> = read(d, "justification", i, problems);
    let round: Option<u32> = read(d, "round", i, problems);
    let (Some(rule), Some(justification)) = (rule, justification) else {
        problems.push((
            i,
            format!("log[{i}].details.rule"),
            "an override without its rule or justification".to_string(),
        ));
        return;
    };
    rec.overrides.push(OverrideNote {
        rule,
        justification,
        by: e.actor.clone(),
        at: e.at.clone(),
        seq: e.seq,
        round: round.unwrap_or(rec.approval_round),
    });
}

/// The command fields an adopting `import` vouches for, as recorded in its
/// `details.adopt`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Adopted {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestRun>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_completed_at: Option<Timestamp>,
    /// The review's incidents (absent when none, as in logs written
    /// before they were recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_incidents: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_round: Option<u32>,
}

impl Adopted {
    /// The command fields of `release` as they stand (without unknown
    /// members, which are not vouched for).
    pub fn of(release: &Release) -> Adopted {
        Adopted {
            approvals: release.approvals.iter().map(without_extra_vote).collect(),
            tests: release.tests.iter().map(without_extra_run).collect(),
            outcome: release.outcome,
            deployed_at: release.deployed_at.clone(),
            rolled_back_at: release.rolled_back_at.clone(),
            review_completed_at: release.review.as_ref().and_then(|r| r.completed_at.clone()),
            review_incidents: release
                .review
                .as_ref()
                .map(|r| r.incidents.clone())
                .unwrap_or_default(),
            approval_round: release.approval_round,
        }
    }
}

pub(crate) fn without_extra_vote(a: &Approval) -> Approval {
    Approval {
        extra: Extra::new(),
        ..a.clone()
    }
}

pub(crate) fn without_extra_run(t: &TestRun) -> TestRun {
    TestRun {
        extra: Extra::new(),
        ..t.clone()
    }
}

// ---------------------------------------------------------------------------
// Differences
// ---------------------------------------------------------------------------

/// How a document field differs from what its log yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// The document's value is not the one the log sealed or set.
    Edited,
    /// The document holds a fact no event set (a vote, a test run, an
    /// outcome written straight into the document).
    Unlogged,
    /// An event set a fact the document no longer holds.
    Missing,
    /// An event's details cannot be read as the command they record.
    Unreadable,
}

/// One field where the document differs from its log's replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Difference {
    /// How it differs.
    pub kind: DifferenceKind,
    /// JSON path of the field in the release (`approvals[2]`, `kind`,
    /// `changes[1]`, `tests[0].failed`), or of the event details.
    pub path: String,
    /// `seq` of the event that sealed or set the field, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// What differs, in one sentence.
    pub message: String,
}

fn diff(kind: DifferenceKind, path: String, seq: Option<u64>, message: String) -> Difference {
    Difference {
        kind,
        path,
        seq,
        message,
    }
}

/// Every gate-read field where `release` differs from `rec` (its replay).
/// A legacy log (no seal) yields none: its facts are not counted at all
/// until an `import` adopts the release.
pub(crate) fn differences(release: &Release, rec: &Record) -> Vec<Difference> {
    let mut out: Vec<Difference> = rec
        .unreadable
        .iter()
        .map(|(i, path, message)| {
            let seq = release.log.get(*i).map(|e| e.seq);
            diff(
                DifferenceKind::Unreadable,
                path.clone(),
                seq,
                format!("the event's details cannot be read: {message}"),
            )
        })
        .collect();
    if rec.legacy() {
        return out;
    }
    sealed_differences(release, rec, &mut out);
    vote_differences(release, rec, &mut out);
    if rec.events > 0 {
        // In planning with an empty log, test runs are free to edit like
        // the sealed fields (the genesis seals them as they stand).
        run_differences(release, rec, &mut out);
    }
    let round = release.approval_round.unwrap_or(1);
    if round != rec.approval_round {
        out.push(diff(
            DifferenceKind::Edited,
            "approval_round".into(),
            None,
            format!(
                "approval_round is {round} but the log has reached round {}",
                rec.approval_round
            ),
        ));
    }
    scalar(
        &mut out,
        "outcome",
        release.outcome.map(outcome_name),
        rec.outcome.map(|(o, s)| (outcome_name(o), s)),
    );
    instant(
        &mut out,
        "deployed_at",
        release.deployed_at.as_ref(),
        rec.deployed_at.as_ref(),
    );
    instant(
        &mut out,
        "rolled_back_at",
        release.rolled_back_at.as_ref(),
        rec.rolled_back_at.as_ref(),
    );
    let incidents = release
        .review
        .as_ref()
        .map_or(&[][..], |r| r.incidents.as_slice());
    if incidents != rec.review_incidents.as_slice() {
        out.push(diff(
            DifferenceKind::Edited,
            "review.incidents".into(),
            rec.review_completed_at.as_ref().map(|(_, s)| *s),
            "review.incidents differs from the incidents complete_review recorded".to_string(),
        ));
    }
    instant(
        &mut out,
        "review.completed_at",
        release
            .review
            .as_ref()
            .and_then(|r| r.completed_at.as_ref()),
        rec.review_completed_at.as_ref(),
    );
    out
}

pub(crate) fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "success",
        Outcome::SuccessWithIssues => "success_with_issues",
        Outcome::Failed => "failed",
        Outcome::RolledBack => "rolled_back",
    }
}

fn scalar(out: &mut Vec<Difference>, path: &str, doc: Option<&str>, rec: Option<(&str, u64)>) {
    match (doc, rec) {
        (Some(d), Some((r, seq))) if d != r => out.push(diff(
            DifferenceKind::Edited,
            path.into(),
            Some(seq),
            format!("{path} is `{d}` but the event seq {seq} recorded `{r}`"),
        )),
        (Some(d), None) => out.push(diff(
            DifferenceKind::Unlogged,
            path.into(),
            None,
            format!("{path} is `{d}` but no event recorded it"),
        )),
        (None, Some((r, seq))) => out.push(diff(
            DifferenceKind::Missing,
            path.into(),
            Some(seq),
            format!("{path} is missing but the event seq {seq} recorded `{r}`"),
        )),
        _ => {}
    }
}

fn instant(
    out: &mut Vec<Difference>,
    path: &str,
    doc: Option<&Timestamp>,
    rec: Option<&(Timestamp, u64)>,
) {
    match (doc, rec) {
        (Some(d), Some((r, _))) if d == r => {}
        (d, r) => scalar(
            out,
            path,
            d.map(Timestamp::as_str),
            r.map(|(t, s)| (t.as_str(), *s)),
        ),
    }
}

fn sealed_differences(release: &Release, rec: &Record, out: &mut Vec<Difference>) {
    let Some(sealed) = &rec.sealed_at else {
        return; // planning with an empty log: free to edit
    };
    let seal = release
        .log
        .get(sealed.index)
        .and_then(|e| e.details.get("seal"))
        .unwrap_or(&Value::Null);
    let recorded = seal.get("digest").and_then(Value::as_str);
    let now = seal_digest(release);
    if recorded == Some(now.as_str()) {
        return;
    }
    let seq = Some(sealed.seq);
    let before = out.len();
    let fields = seal.get("fields").and_then(Value::as_object);
    for name in SEALED_FIELDS {
        if name == "changes" {
            continue;
        }
        let recorded = fields.and_then(|f| f.get(name)).and_then(Value::as_str);
        if recorded != Some(field_digest(release, name).as_str()) {
            out.push(diff(
                DifferenceKind::Edited,
                name.to_string(),
                seq,
                format!(
                    "{name} differs from what the log sealed at seq {}; a sealed field changes only through amend",
                    sealed.seq
                ),
            ));
        }
    }
    let changes = seal.get("changes").and_then(Value::as_object);
    let empty = Map::new();
    let changes = changes.unwrap_or(&empty);
    for (i, c) in release.changes.iter().enumerate() {
        match changes.get(&c.id).and_then(Value::as_str) {
            None => out.push(diff(
                DifferenceKind::Unlogged,
                format!("changes[{i}]"),
                seq,
                format!(
                    "change {} is not among the changes sealed at seq {}; add changes through amend",
                    c.id, sealed.seq
                ),
            )),
            Some(d) if d != change_digest(c) => out.push(diff(
                DifferenceKind::Edited,
                format!("changes[{i}]"),
                seq,
                format!(
                    "change {} differs from what the log sealed at seq {} (kind, CIs, implementer, approval, window or text)",
                    c.id, sealed.seq
                ),
            )),
            Some(_) => {}
        }
    }
    let ids: BTreeMap<&str, ()> = release
        .changes
        .iter()
        .map(|c| (c.id.as_str(), ()))
        .collect();
    for id in changes.keys() {
        if !ids.contains_key(id.as_str()) {
            out.push(diff(
                DifferenceKind::Missing,
                "changes".into(),
                seq,
                format!(
                    "change {id} was sealed at seq {} but is not in the document",
                    sealed.seq
                ),
            ));
        }
    }
    let recorded_order = fields
        .and_then(|f| f.get("changes"))
        .and_then(Value::as_str);
    if out.len() == before && recorded_order != Some(field_digest(release, "changes").as_str()) {
        out.push(diff(
            DifferenceKind::Edited,
            "changes".into(),
            seq,
            format!(
                "the order of the changes differs from what the log sealed at seq {}",
                sealed.seq
            ),
        ));
    }
    if out.len() == before {
        out.push(diff(
            DifferenceKind::Edited,
            String::new(),
            seq,
            format!(
                "the sealed fields do not match the seal recorded at seq {} ({})",
                sealed.seq,
                recorded.unwrap_or("no digest")
            ),
        ));
    }
}

/// Pairs the document's items with the record's: position by position
/// when both lists are as long (an edit shows field by field); otherwise by
/// identity (`same`), so that one inserted or deleted item is reported as
/// such and not as an edit of every item after it. `(doc, record)` index
/// pairs; `None` on one side is an unlogged or a missing item.
// Reviewed exception to the arithmetic lint: `i` and `j` only grow while
// they are below `doc.len()` and `rec.len()`, so they cannot overflow.
#[allow(clippy::arithmetic_side_effects)]
fn align<A, B>(
    doc: &[A],
    rec: &[B],
    same: impl Fn(&A, &B) -> bool,
) -> Vec<(Option<usize>, Option<usize>)> {
    if doc.len() == rec.len() {
        return (0..doc.len()).map(|i| (Some(i), Some(i))).collect();
    }
    let mut pairs = Vec::with_capacity(doc.len().max(rec.len()));
    let (mut i, mut j) = (0, 0);
    loop {
        match (doc.get(i), rec.get(j)) {
            (Some(d), Some(r)) if same(d, r) => {
                pairs.push((Some(i), Some(j)));
                i += 1;
                j += 1;
            }
            (Some(d), Some(_)) => {
                let later = rec
                    .get(j + 1..)
                    .is_some_and(|rest| rest.iter().any(|r| same(d, r)));
                if doc.len() < rec.len() && later {
                    pairs.push((None, Some(j)));
                    j += 1;
                } else if doc.len() > rec.len() {
                    pairs.push((Some(i), None));
                    i += 1;
                } else {
                    pairs.push((Some(i), Some(j)));
                    i += 1;
                    j += 1;
                }
            }
            (Some(_), None) => {
                pairs.push((Some(i), None));
                i += 1;
            }
            (None, Some(_)) => {
                pairs.push((None, Some(j)));
                j += 1;
            }
            (None, None) => return pairs,
        }
    }
}

/// How one list of command facts (votes, test runs) is compared with the
/// record: its path, what makes two items the same fact, the fields
/// compared, and how an item is named in messages.
struct ListSpec<T> {
    list: &'static str,
    same: fn(&T, &T) -> bool,
    fields: fn(&T, &T) -> Vec<&'static str>,
    unlogged: fn(&T) -> String,
    missing: fn(&T, u64) -> String,
    edited: fn(&'static str, &T, u64) -> String,
}

/// Every difference between the document's list `doc` and the record's
/// `rec` (with the seq of the event behind each item), aligned by
/// [`align`].
fn list_differences<T>(
    spec: &ListSpec<T>,
    doc: &[T],
    rec: &[T],
    seqs: &[u64],
    out: &mut Vec<Difference>,
) {
    let list = spec.list;
    for pair in align(doc, rec, spec.same) {
        let seq_of = |j: usize| seqs.get(j).copied();
        match pair {
            (Some(i), None) => {
                if let Some(d) = doc.get(i) {
                    out.push(diff(
                        DifferenceKind::Unlogged,
                        format!("{list}[{i}]"),
                        None,
                        (spec.unlogged)(d),
                    ));
                }
            }
            (None, Some(j)) => {
                if let Some(r) = rec.get(j) {
                    let seq = seq_of(j);
                    out.push(diff(
                        DifferenceKind::Missing,
                        format!("{list}[{j}]"),
                        seq,
                        (spec.missing)(r, seq.unwrap_or_default()),
                    ));
                }
            }
            (Some(i), Some(j)) => {
                let (Some(d), Some(r)) = (doc.get(i), rec.get(j)) else {
                    continue;
                };
                let seq = seq_of(j);
                for f in (spec.fields)(d, r) {
                    out.push(diff(
                        DifferenceKind::Edited,
                        format!("{list}[{i}].{f}"),
                        seq,
                        (spec.edited)(f, r, seq.unwrap_or_default()),
                    ));
                }
            }
            (None, None) => {}
        }
    }
}

/// The names of the fields where `flags` is true.
fn named(flags: &[(&'static str, bool)]) -> Vec<&'static str> {
    flags
        .iter()
        .filter(|(_, differs)| *differs)
        .map(|(f, _)| *f)
        .collect()
}

fn vote_differences(release: &Release, rec: &Record, out: &mut Vec<Difference>) {
    let spec = ListSpec::<Approval> {
        list: "approvals",
        same: |d, r| d.approver == r.approver && d.at == r.at && d.role == r.role,
        fields: |d, r| {
            named(&[
                ("approver", d.approver != r.approver),
                ("role", d.role != r.role),
                ("decision", d.decision != r.decision),
                ("at", d.at != r.at),
                ("comment", d.comment != r.comment),
                ("round", d.round.unwrap_or(1) != r.round.unwrap_or(1)),
                ("fingerprint", d.fingerprint != r.fingerprint),
                (
                    "override_blackout",
                    d.override_blackout != r.override_blackout,
                ),
                ("group", d.group != r.group),
                ("retrospective", d.retrospective != r.retrospective),
                ("source", d.source != r.source),
                ("on_behalf_of", d.on_behalf_of != r.on_behalf_of),
            ])
        },
        unlogged: |d| {
            format!(
                "the vote of {} is in the document but no approve, reject or import event cast it",
                d.approver
            )
        },
        missing: |r, seq| {
            format!(
                "the vote of {} cast by the event seq {seq} is missing from the document",
                r.approver
            )
        },
        edited: |f, r, seq| {
            format!(
                "{f} of the vote of {} differs from the event seq {seq} that cast it",
                r.approver
            )
        },
    };
    list_differences(
        &spec,
        &release.approvals,
        &rec.approvals,
        &rec.approval_seqs,
        out,
    );
}

fn run_differences(release: &Release, rec: &Record, out: &mut Vec<Difference>) {
    let spec = ListSpec::<TestRun> {
        list: "tests",
        same: |d, r| d.kind == r.kind && d.at == r.at,
        fields: |d, r| {
            named(&[
                ("kind", d.kind != r.kind),
                ("passed", d.passed != r.passed),
                ("failed", d.failed != r.failed),
                ("skipped", d.skipped != r.skipped),
                ("signed_off_by", d.signed_off_by != r.signed_off_by),
                ("at", d.at != r.at),
                ("source", d.source != r.source),
            ])
        },
        unlogged: |_| {
            "the test run is in the document but no record_tests or import event recorded it"
                .to_string()
        },
        missing: |_, seq| {
            format!("the test run recorded by the event seq {seq} is missing from the document")
        },
        edited: |f, _, seq| {
            format!("{f} of the test run differs from the event seq {seq} that recorded it")
        },
    };
    list_differences(&spec, &release.tests, &rec.tests, &rec.test_seqs, out);
}
