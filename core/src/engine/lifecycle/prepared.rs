//! [`PreparedContext`]: a context prepared once for many `check`s
//! (`docs/lifecycle.md`, "A prepared context").
//!
//! What `check` pays on every call and a prepared context pays once: the
//! policy in force (the context's, else the default) and the gates of each
//! release kind are resolved at construction; the blackout calendar is
//! compiled (each blackout expanded at most once per planned window); and
//! the verification of a release's log — the SHA-256 chain, the keyed MACs,
//! the replay and the seal digest, which dominate a `check` — is cached per
//! release, with what the gates derive from it (the current round's votes,
//! the assessed risk).
//!
//! Soundness: everything cached is a function of the release document and
//! the prepared context alone, so it is reused only for a release that
//! serialises EXACTLY as the one verified — every field, every event,
//! timestamps as written ([`Tape`]: the stream of values the release
//! serialises to, recorded once and compared value by value, without
//! writing JSON). Structural equality would not do: a timestamp rewritten
//! in another offset is equal as an instant but breaks the hash chain. A
//! cheap pre-filter on the id, state, log length and head hash picks the
//! candidate first. A release that differs in anything, a tampered event
//! behind an unchanged head included, is verified afresh, so it is denied
//! exactly as a plain `check` denies it. The cache is bounded (oldest entry
//! evicted first) and guarded by a mutex (comparisons run outside it): a
//! prepared context is `Send + Sync` and may be shared across threads.

use super::approval::Votes;
use super::gates::{self, Inputs};
use super::tape::Tape;
use super::{policy_of, GateReport, GateVerdict, LogCheck};
use crate::audit;
use crate::calendar::Interval;
use crate::error::Result;
use crate::foundation::hash::HashMap;
use crate::keys::Keyring;
use crate::policy::Gates;
use crate::risk::RiskAssessment;
use crate::{Calendar, Context, Policy, Release, ReleaseKind, State};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// How many verified releases a [`PreparedContext`] keeps by default.
pub const DEFAULT_CACHE_CAPACITY: usize = 64;

/// How many planned windows a prepared context keeps blackout expansions
/// for (then it starts over).
const WINDOWS: usize = 256;

/// The assessed risk of a release, computed at most once per log.
pub(crate) type RiskCell = OnceLock<Result<RiskAssessment>>;

/// What the gates derive from a verified log and the release it belongs
/// to, each at most once: the current round's votes and the assessed
/// risk. A prepared context keeps it with the cached release; a plain
/// `check` makes one for the call.
#[derive(Default)]
pub(crate) struct Derived {
    /// The assessed risk (only when the gates assess it).
    pub(crate) risk: RiskCell,
    /// The votes of the current round.
    pub(crate) votes: OnceLock<Votes>,
}

/// One verified release: the exact serialisation of the release verified
/// (its [`Tape`]), the verdict and replay of its log, and what the gates
/// derived from them.
struct Verified {
    id: String,
    state: State,
    events: usize,
    head: Option<String>,
    tape: Tape,
    log: LogCheck,
    derived: Derived,
}

impl Verified {
    /// The cheap pre-filter: same id, state, log length and head hash.
    fn may_be(&self, release: &Release) -> bool {
        self.events == release.log.len()
            && self.state == release.state
            && self.head.as_deref() == release.log.last().map(|e| e.hash.as_str())
            && self.id == release.id
    }
}

/// The gates of each release kind, resolved once.
struct KindGates {
    major: Gates,
    minor: Gates,
    patch: Gates,
    emergency: Gates,
}

impl KindGates {
    fn of(policy: &Policy) -> KindGates {
        let g = |kind| policy.lifecycle.gates(kind);
        KindGates {
            major: g(ReleaseKind::Major),
            minor: g(ReleaseKind::Minor),
            patch: g(ReleaseKind::Patch),
            emergency: g(ReleaseKind::Emergency),
        }
    }

    fn get(&self, kind: ReleaseKind) -> &Gates {
        match kind {
            ReleaseKind::Major => &self.major,
            ReleaseKind::Minor => &self.minor,
            ReleaseKind::Patch => &self.patch,
            ReleaseKind::Emergency => &self.emergency,
        }
    }
}

/// The first occurrence of a blackout inside a planned window, or why it
/// could not be expanded.
pub(crate) type FirstIn = Result<Option<Interval>>;

/// The expansions of every blackout for one planned window.
pub(crate) type Window = Arc<[OnceLock<FirstIn>]>;

/// The expansions kept, by planned window (Unix seconds) and occurrence
/// limit.
type Windows = HashMap<((i64, i64), u64), Window>;

/// The context's blackout calendar compiled once: each blackout's path,
/// and its occurrences expanded (by [`crate::calendar::period_occurrences`])
/// at most once per planned window and occurrence limit — lazily, so a
/// blackout out of a release's scope is never expanded.
pub(crate) struct Blackouts {
    paths: Vec<String>,
    windows: Mutex<Windows>,
}

impl Blackouts {
    fn of(calendar: &Calendar) -> Blackouts {
        Blackouts {
            paths: (0..calendar.blackouts.len())
                .map(|i| format!("calendar.blackouts[{i}]"))
                .collect(),
            windows: Mutex::new(HashMap::default()),
        }
    }

    /// The path of blackout `i` (`calendar.blackouts[i]`).
    pub(crate) fn path(&self, i: usize) -> Option<&str> {
        self.paths.get(i).map(String::as_str)
    }

    /// The expansions of every blackout for the window `range` (filled in
    /// as the gate asks for them).
    pub(crate) fn window(&self, range: (i64, i64), limit: u64) -> Window {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(w) = windows.get(&(range, limit)) {
            return Arc::clone(w);
        }
        if windows.len() >= WINDOWS {
            windows.clear();
        }
        let w: Window = self.paths.iter().map(|_| OnceLock::new()).collect();
        windows.insert((range, limit), Arc::clone(&w));
        w
    }
}

/// A [`Context`] (and, for keyed logs, a [`Keyring`]) prepared once for
/// many [`check`](PreparedContext::check)s: the same reports as
/// [`crate::check_with`], with the policy resolved once and verified logs
/// cached by content (reused only for a release that serialises exactly
/// as the one verified).
pub struct PreparedContext {
    context: Context,
    policy: Policy,
    gates: KindGates,
    blackouts: Option<Blackouts>,
    keys: Option<Keyring>,
    capacity: usize,
    cache: Mutex<VecDeque<Arc<Verified>>>,
}

impl std::fmt::Debug for PreparedContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedContext")
            .field("keyed", &self.keys.is_some())
            .field("capacity", &self.capacity)
            .field("cached", &self.cached())
            .finish_non_exhaustive()
    }
}

impl PreparedContext {
    /// Prepares `context` for unkeyed logs (as [`crate::check`]).
    pub fn new(context: Context) -> Self {
        Self::with_keys(context, None)
    }

    /// Prepares `context` with the host's `keys` (as [`crate::check_with`]).
    pub fn with_keys(context: Context, keys: Option<Keyring>) -> Self {
        let policy = policy_of(&context).into_owned();
        let gates = KindGates::of(&policy);
        let calendar = context
            .calendar
            .as_ref()
            .or_else(|| context.schedule.as_ref().and_then(|s| s.calendar.as_ref()));
        let blackouts = calendar.map(Blackouts::of);
        PreparedContext {
            context,
            policy,
            gates,
            blackouts,
            keys,
            capacity: DEFAULT_CACHE_CAPACITY,
            cache: Mutex::new(VecDeque::new()),
        }
    }

    /// This prepared context keeping at most `capacity` verified releases
    /// (0 turns the cache off: every `check` verifies the log).
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// The context prepared.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The keyring logs are verified with, if any.
    pub fn keys(&self) -> Option<&Keyring> {
        self.keys.as_ref()
    }

    /// How many verified releases are cached now.
    pub fn cached(&self) -> usize {
        self.cache.lock().map_or(0, |c| c.len())
    }

    /// Forgets every cached verification.
    pub fn clear(&self) {
        if let Ok(mut c) = self.cache.lock() {
            c.clear();
        }
    }

    /// The gate report of moving `release` to `target`: exactly what
    /// [`crate::check_with`] returns for this context and keyring.
    pub fn check(&self, release: &Release, target: State) -> GateReport {
        self.verdict(release, target).into_report()
    }

    /// The typed verdict of moving `release` to `target`, not rendered:
    /// whether it is allowed and which rules are unmet, without formatting
    /// a message or building a data value.
    /// [`GateVerdict::report`] renders exactly [`check`](Self::check)'s
    /// report.
    pub fn verdict<'a>(&'a self, release: &'a Release, target: State) -> GateVerdict<'a> {
        let verified = self.verified(release);
        let inputs = Inputs {
            gates: self.gates.get(release.kind),
            log: &verified.log,
            derived: &verified.derived,
            blackouts: self.blackouts.as_ref(),
        };
        gates::evaluate_with(release, target, &self.context, &self.policy, &inputs)
    }

    /// The cached verification of `release`, or a new one (cached).
    ///
    /// A cached verification is reused only for a release that serialises
    /// exactly as the one verified ([`Tape::matches`]: every field, every
    /// event, timestamps as written), picked by id, state, log length and
    /// head hash first; the comparison runs outside the lock.
    fn verified(&self, release: &Release) -> Arc<Verified> {
        let candidates: Vec<Arc<Verified>> = match self.cache.lock() {
            Ok(c) => c
                .iter()
                .rev()
                .filter(|v| v.may_be(release))
                .cloned()
                .collect(),
            Err(_) => Vec::new(),
        };
        if let Some(hit) = candidates.into_iter().find(|v| v.tape.matches(release)) {
            return hit;
        }
        let (verdict, record) = audit::verify_with_record(release, None, self.keys.as_ref());
        let log = LogCheck::of_verdict(verdict, record).previewing_genesis(release);
        let Some(tape) = (self.capacity > 0).then(|| Tape::of(release)).flatten() else {
            return Arc::new(Self::entry(release, Tape::default(), log));
        };
        let verified = Arc::new(Self::entry(release, tape, log));
        if let Ok(mut c) = self.cache.lock() {
            while c.len() >= self.capacity {
                c.pop_front();
            }
            c.push_back(Arc::clone(&verified));
        }
        verified
    }

    fn entry(release: &Release, tape: Tape, log: LogCheck) -> Verified {
        Verified {
            id: release.id.clone(),
            state: release.state,
            events: release.log.len(),
            head: release.log.last().map(|e| e.hash.clone()),
            tape,
            log,
            derived: Derived::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn is_send_and_sync() {
        assert_send_sync::<PreparedContext>();
    }

    #[test]
    fn capacity_bounds_the_cache() {
        let p = PreparedContext::new(Context::default()).with_capacity(2);
        for i in 0..5 {
            let r: Release = serde_json::from_value(serde_json::json!({
                "id": format!("REL-{i}"), "title": "x", "kind": "minor", "state": "planning"
            }))
            .unwrap_or_else(|e| panic!("{e}"));
            let _ = p.check(&r, State::Development);
        }
        assert_eq!(p.cached(), 2);
        p.clear();
        assert_eq!(p.cached(), 0);
    }
}
