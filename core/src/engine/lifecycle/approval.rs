//! Approval rounds, vote validity, quorum counting and separation of duties.

use crate::identity::{self, canonical, Lookup};
use crate::policy::{QuorumRule, SeparationOfDuties};
use crate::record::Record;
use crate::{Actor, Approval, ChangeKind, Decision, Release, Role, Timestamp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The fingerprint of what approvers approve: scope, objectives, the changes
/// (id, kind, CIs, window), the release's own CIs and its window. Rewording
/// a change's summary is not an edit of what was approved.
/// A vote is recorded with the fingerprint of the scope it approved. The
/// scope changes only through `amend`, which voids the round in approval;
/// an imported vote whose fingerprint differs from the release's is void.
///
/// SHA-256 over a length-prefixed encoding of those fields (timestamps as
/// instants, so re-writing a time in another offset is not an edit),
/// written `sha256:` + lowercase hex.
pub fn scope_fingerprint(release: &Release) -> String {
    let mut h = Sha256::new();
    fn put(h: &mut Sha256, s: &str) {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    }
    fn count(h: &mut Sha256, n: usize) {
        h.update((n as u64).to_le_bytes());
    }
    fn instant(h: &mut Sha256, t: Option<&Timestamp>) {
        match t {
            Some(t) => {
                h.update([1]);
                h.update(t.unix_seconds().to_le_bytes());
                h.update(t.datetime().timestamp_subsec_nanos().to_le_bytes());
            }
            None => h.update([0]),
        }
    }
    put(&mut h, "relman-scope-v1");
    put(&mut h, release.scope.as_deref().unwrap_or_default());
    count(&mut h, release.objectives.len());
    for o in &release.objectives {
        put(&mut h, o);
    }
    count(&mut h, release.changes.len());
    for c in &release.changes {
        put(&mut h, &c.id);
        h.update([match c.kind {
            ChangeKind::Standard => 0,
            ChangeKind::Normal => 1,
            ChangeKind::Emergency => 2,
        }]);
        count(&mut h, c.affected_cis.len());
        for ci in &c.affected_cis {
            put(&mut h, ci);
        }
        instant(&mut h, c.planned_start.as_ref());
        instant(&mut h, c.planned_end.as_ref());
    }
    count(&mut h, release.affected_cis.len());
    for ci in &release.affected_cis {
        put(&mut h, ci);
    }
    instant(&mut h, release.planned_start.as_ref());
    instant(&mut h, release.planned_end.as_ref());
    format!("sha256:{}", crate::foundation::hex::to_hex(&h.finalize()))
}

/// The vote's principal: the person whose voting rights it uses — the
/// actor named in `on_behalf_of` for a delegated vote, else the approver.
pub(crate) fn principal(a: &Approval) -> &str {
    a.on_behalf_of.as_deref().unwrap_or(&a.approver)
}

/// Why a vote does not count: the vote (an index into the record's
/// `approvals`) and the reason.
pub(crate) struct Excluded {
    pub vote: usize,
    pub reason: String,
}

/// The votes of the current round: the latest vote of each approver, and
/// those left out with the reason. Owned (indices into the record's
/// `approvals`), so a prepared context keeps them with the cached log
/// ([`crate::lifecycle::PreparedContext`]); read through [`VotesOf`].
pub(crate) struct Votes {
    pub round: u32,
    /// Latest valid vote per person, in the order of the canonical
    /// approver ids.
    pub valid: Vec<usize>,
    /// Votes that do not count (voided, conflicted, unknown approver).
    pub excluded: Vec<Excluded>,
}

/// [`Votes`] with the record they index.
#[derive(Clone, Copy)]
pub(crate) struct VotesOf<'a> {
    pub votes: &'a Votes,
    pub record: &'a Record,
}

impl<'a> VotesOf<'a> {
    /// The round counted.
    pub fn round(&self) -> u32 {
        self.votes.round
    }

    /// The latest valid vote of each person, by canonical approver id.
    pub fn valid(&self) -> impl Iterator<Item = &'a Approval> + 'a {
        let approvals = &self.record.approvals;
        self.votes.valid.iter().filter_map(|i| approvals.get(*i))
    }

    /// The latest valid vote of each person with the `seq` of the event
    /// that cast it (log order), for the routing gate's order.
    pub fn valid_with_seq(&self) -> impl Iterator<Item = (u64, &'a Approval)> + 'a {
        let record = self.record;
        self.votes.valid.iter().filter_map(move |i| {
            let vote = record.approvals.get(*i)?;
            let seq = record.approval_seqs.get(*i).copied().unwrap_or_default();
            Some((seq, vote))
        })
    }

    /// Distinct principals ([`principal`]) whose latest vote approves in
    /// `role`.
    pub fn approvers_in(&self, role: Role) -> impl Iterator<Item = &'a str> + 'a {
        self.valid()
            .filter(move |a| a.role == role && a.decision == Decision::Approved)
            .map(principal)
    }

    /// Approvers whose latest vote rejects.
    pub fn rejections(&self) -> impl Iterator<Item = &'a Approval> + 'a {
        self.valid().filter(|a| a.decision == Decision::Rejected)
    }

    pub fn excluded_json(&self) -> Value {
        let approvals = &self.record.approvals;
        Value::Array(
            self.votes
                .excluded
                .iter()
                .map(|e| {
                    let vote = approvals.get(e.vote);
                    let approver = vote.map(|a| a.approver.as_str());
                    let mut item = json!({"approver": approver, "reason": e.reason});
                    // A delegated vote names both people (absent otherwise).
                    if let (Some(p), Some(map)) = (
                        vote.and_then(|a| a.on_behalf_of.as_deref()),
                        item.as_object_mut(),
                    ) {
                        map.insert("on_behalf_of".into(), json!(p));
                    }
                    item
                })
                .collect(),
        )
    }
}

/// Why `actor` may not approve `release` under `sod`, if anything: the rule
/// id and the message.
pub(crate) fn conflict_of_interest(
    release: &Release,
    actor: &str,
    sod: &SeparationOfDuties,
) -> Option<(&'static str, String)> {
    conflict_with(
        release,
        actor,
        &canonical(actor),
        sod,
        &Parties::of(release),
    )
}

/// The canonical ids of the people separation of duties keeps from
/// approving, computed once per report.
pub(crate) struct Parties {
    owner: Option<String>,
    implementers: BTreeSet<String>,
    team: BTreeSet<String>,
}

impl Parties {
    pub(crate) fn of(release: &Release) -> Parties {
        Parties {
            owner: release.owner.as_deref().map(canonical),
            implementers: release
                .changes
                .iter()
                .filter_map(|c| c.implementer.as_deref())
                .collect::<BTreeSet<&str>>()
                .into_iter()
                .map(canonical)
                .collect(),
            team: release.team.iter().map(|t| canonical(t)).collect(),
        }
    }
}

/// [`conflict_of_interest`] for an actor whose canonical id is `key`, with
/// the parties computed once. Ids are compared as one person
/// ([`crate::identity`]).
fn conflict_with(
    release: &Release,
    actor: &str,
    key: &str,
    sod: &SeparationOfDuties,
    parties: &Parties,
) -> Option<(&'static str, String)> {
    if sod.forbid_owner_approval && parties.owner.as_deref() == Some(key) {
        return Some((
            "sod.owner_approval",
            format!("{actor} owns release {} and cannot approve it", release.id),
        ));
    }
    if sod.forbid_implementer_approval && parties.implementers.contains(key) {
        let implemented: Vec<&str> = release
            .changes
            .iter()
            .filter(|c| {
                c.implementer
                    .as_deref()
                    .is_some_and(|i| canonical(i) == key)
            })
            .map(|c| c.id.as_str())
            .collect();
        return Some((
            "sod.implementer_approval",
            format!(
                "{actor} implements {} and cannot approve release {}",
                implemented.join(", "),
                release.id
            ),
        ));
    }
    if sod.forbid_team_approval && parties.team.contains(key) {
        return Some((
            "sod.team_approval",
            format!(
                "{actor} is on the release team of {} and cannot approve it",
                release.id
            ),
        ));
    }
    None
}

/// Collects the current round's votes from the record (never from the
/// document's `approvals[]`): votes ordered by `at`, then by the `seq` of
/// the event that cast them; the latest vote of each person (ids compared
/// in canonical form) is the one that counts.
pub(crate) fn votes(
    release: &Release,
    record: &Record,
    actors: &[Actor],
    sod: &SeparationOfDuties,
) -> Votes {
    let round = record.approval_round;
    let mut valid: BTreeMap<String, usize> = BTreeMap::new();
    let mut excluded = Vec::new();
    let parties = Parties::of(release);
    // Votes cast through approve and reject belong to the scope of their
    // round (an amendment in approval starts a new one); a vote that came
    // through an import carries the fingerprint of the scope its source
    // saw, and is void when the scope is not that one any more.
    let mut scope: Option<String> = None;
    let mut order: Vec<(usize, &Approval, u64)> = record
        .approvals
        .iter()
        .zip(record.approval_seqs.iter().copied())
        .enumerate()
        .map(|(i, (a, s))| (i, a, s))
        .collect();
    order.sort_by(|(_, a, sa), (_, b, sb)| a.at.cmp(&b.at).then(sa.cmp(sb)));
    let position: BTreeMap<usize, usize> = order
        .iter()
        .enumerate()
        .map(|(n, (vote, _, _))| (*vote, n))
        .collect();
    for (vote, a, _) in order {
        let who = a.approver.as_str();
        // The latest vote per principal counts: a delegate's vote on
        // someone's behalf and that person's own vote replace each other.
        let whose = principal(a);
        let key = canonical(whose);
        if a.round.unwrap_or(1) != round {
            excluded.push(Excluded {
                vote,
                reason: format!(
                    "cast in round {} and voided by a send-back or an amendment (current round {round})",
                    a.round.unwrap_or(1)
                ),
            });
            continue;
        }
        if let (Some(_), Some(fp)) = (&a.source, &a.fingerprint) {
            if *fp != *scope.get_or_insert_with(|| scope_fingerprint(release)) {
                excluded.push(Excluded {
                    vote,
                    reason: "voided: the scope, changes, CIs or window changed after this vote"
                        .to_string(),
                });
                continue;
            }
        }
        if let Some(reason) = delegated_exclusion(release, record, a, sod, &parties) {
            excluded.push(Excluded { vote, reason });
            continue;
        }
        if let Some((_, message)) = conflict_with(release, whose, &key, sod, &parties) {
            excluded.push(Excluded {
                vote,
                reason: message,
            });
            continue;
        }
        if a.on_behalf_of.is_some() && !actors.is_empty() {
            // The delegate votes with the principal's rights: the
            // principal holds the role, the delegate need not.
            if let Some(reason) = unknown_voter(actors, who) {
                excluded.push(Excluded { vote, reason });
                continue;
            }
            match identity::lookup(actors, whose, |x| x.id.as_str()) {
                Lookup::Exact(p) if p.roles.contains(&a.role) => {}
                Lookup::Exact(_) => {
                    excluded.push(Excluded {
                        vote,
                        reason: format!(
                            "{whose}, on whose behalf the vote is cast, does not hold the role {:?} voted in",
                            a.role
                        ),
                    });
                    continue;
                }
                _ => {
                    excluded.push(Excluded {
                        vote,
                        reason: format!("{whose}, on whose behalf the vote is cast, is not in the actor directory"),
                    });
                    continue;
                }
            }
        } else if !actors.is_empty() {
            match identity::lookup(actors, who, |x| x.id.as_str()) {
                Lookup::Unknown => {
                    excluded.push(Excluded {
                        vote,
                        reason: "not in the actor directory".to_string(),
                    });
                    continue;
                }
                Lookup::Confusable(actor) => {
                    excluded.push(Excluded {
                        vote,
                        reason: format!(
                            "not in the actor directory as written; confusable with {}",
                            actor.id
                        ),
                    });
                    continue;
                }
                Lookup::Exact(actor) if !actor.roles.contains(&a.role) => {
                    excluded.push(Excluded {
                        vote,
                        reason: format!("does not hold the role {:?} voted in", a.role),
                    });
                    continue;
                }
                Lookup::Exact(_) => {}
            }
        }
        // A later vote by the same person replaces the earlier one: one
        // person counts once.
        valid.insert(key, vote);
    }
    super::delegation::once_per_person(&record.approvals, &mut valid, &position, &mut excluded);
    Votes {
        round,
        valid: valid.into_values().collect(),
        excluded,
    }
}

/// Why a delegated vote does not count before its principal's roles are
/// looked at: the delegate is conflicted, or no delegation covers the
/// vote. `None` for a vote in one's own right.
fn delegated_exclusion(
    release: &Release,
    record: &Record,
    a: &Approval,
    sod: &SeparationOfDuties,
    parties: &Parties,
) -> Option<String> {
    let p = a.on_behalf_of.as_deref()?;
    let who = a.approver.as_str();
    if let Some((_, message)) = conflict_with(release, who, &canonical(who), sod, parties) {
        return Some(format!("{message}, not even on behalf of {p}"));
    }
    super::delegation::covering(record, &release.id, p, who, &a.at).err()
}

/// Why `who` is not a voter the directory knows, if so (the reasons of a
/// vote in one's own right).
fn unknown_voter(actors: &[Actor], who: &str) -> Option<String> {
    match identity::lookup(actors, who, |x| x.id.as_str()) {
        Lookup::Unknown => Some("not in the actor directory".to_string()),
        Lookup::Confusable(actor) => Some(format!(
            "not in the actor directory as written; confusable with {}",
            actor.id
        )),
        Lookup::Exact(_) => None,
    }
}

/// How many approvals a quorum rule needs, given the directory; `None` when
/// a percentage rule has no members of the role to count from.
pub(crate) fn needed(rule: &QuorumRule, actors: &[Actor]) -> Option<u32> {
    match (rule.count, rule.percentage) {
        (Some(n), _) => Some(n),
        (None, Some(p)) => {
            // People, not directory entries: two entries that are one
            // person (see `crate::identity`) are one member.
            let members = actors
                .iter()
                .filter(|a| a.roles.contains(&rule.role))
                .map(|a| canonical(&a.id))
                .collect::<BTreeSet<String>>()
                .len();
            if members == 0 {
                return None;
            }
            // The smallest whole number of members that reaches p percent.
            let exact = p / 100.0 * members as f64;
            let mut n = exact.floor();
            if n < exact - 1e-9 {
                n += 1.0;
            }
            Some((n.max(1.0)) as u32)
        }
        (None, None) => Some(1),
    }
}
