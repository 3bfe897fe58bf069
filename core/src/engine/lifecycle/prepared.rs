//! [`PreparedContext`]: a context prepared once for many `check`s
//! (`docs/lifecycle.md`, "A prepared context").
//!
//! What `check` pays on every call and a prepared context pays once: the
//! policy in force (the context's, else the default) is resolved at
//! construction, and the verification of a release's log — the SHA-256
//! chain, the keyed MACs, the replay and the seal digest, which dominate a
//! `check` — is cached per release content. A cached verdict is reused only
//! for a release EQUAL to the one verified (every field, every event): a
//! cheap pre-filter on the id, state, log length and head hash picks the
//! candidate, then the whole release is compared, which is far cheaper than
//! re-hashing it. A release that differs in anything is verified afresh,
//! so a tampered log is never accepted on the strength of a cached check of
//! the genuine one. The cache is bounded (oldest entry evicted first) and
//! guarded by a mutex: a prepared context is `Send + Sync` and may be
//! shared across threads.
//!
//! When the gates assess the risk themselves (no `context.risk_level`, no
//! `release.risk`), the assessment of a cached release is kept with its
//! verdict, so a warm `check` does not assess it again.

use super::{gates, policy_of, GateReport, GateVerdict, LogCheck};
use crate::audit;
use crate::error::Result;
use crate::keys::Keyring;
use crate::risk::RiskAssessment;
use crate::{Context, Policy, Release, State};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

/// How many verified releases a [`PreparedContext`] keeps by default.
pub const DEFAULT_CACHE_CAPACITY: usize = 64;

/// One verified release: the release as verified, the verdict and replay
/// of its log, and (once asked) its risk assessment.
pub(crate) struct Verified {
    release: Release,
    log: LogCheck,
    risk: OnceLock<Result<RiskAssessment>>,
}

impl Verified {
    fn matches(&self, release: &Release) -> bool {
        let mine = &self.release;
        mine.id == release.id
            && mine.state == release.state
            && mine.log.len() == release.log.len()
            && mine.log.last().map(|e| &e.hash) == release.log.last().map(|e| &e.hash)
    }
}

/// The assessed risk of a release, computed at most once per cached
/// release (see [`PreparedContext`]).
pub(crate) type RiskCell = OnceLock<Result<RiskAssessment>>;

/// A [`Context`] (and, for keyed logs, a [`Keyring`]) prepared once for
/// many [`check`](PreparedContext::check)s: the same reports as
/// [`crate::check_with`], with the policy resolved once and verified logs
/// cached by content (see the [module documentation](self)).
pub struct PreparedContext {
    context: Context,
    policy: Policy,
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
        PreparedContext {
            context,
            policy,
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
        gates::evaluate_with(
            release,
            target,
            &self.context,
            &self.policy,
            &verified.log,
            Some(&verified.risk),
        )
    }

    /// The cached verification of `release`, or a new one (cached).
    fn verified(&self, release: &Release) -> Arc<Verified> {
        let candidates: Vec<Arc<Verified>> = match self.cache.lock() {
            Ok(c) => c.iter().filter(|v| v.matches(release)).cloned().collect(),
            Err(_) => Vec::new(),
        };
        // Compared outside the lock: the whole release, every event.
        if let Some(hit) = candidates.into_iter().find(|v| v.release == *release) {
            return hit;
        }
        let (verdict, record) = audit::verify_with_record(release, None, self.keys.as_ref());
        let log = LogCheck::of_verdict(verdict, record).previewing_genesis(release);
        let verified = Arc::new(Verified {
            release: release.clone(),
            log,
            risk: OnceLock::new(),
        });
        if self.capacity > 0 {
            if let Ok(mut c) = self.cache.lock() {
                while c.len() >= self.capacity {
                    c.pop_front();
                }
                c.push_back(Arc::clone(&verified));
            }
        }
        verified
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
