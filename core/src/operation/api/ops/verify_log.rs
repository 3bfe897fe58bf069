//! `verify_log`: the audit log's hash chain and the document it yields.

use crate::keys::Keyring;
use crate::{LogVerdict, Release};

operation! {
    /// Verifies the hash chain of `release`'s audit log (and, if given,
    /// that it ends at `expected_head`) and that the document is what the
    /// log yields; `differences` lists every field where it is not. With
    /// `keys` (the host's keyring) every event's MAC or signature is
    /// checked, so a log rewritten with recomputed hashes is
    /// `unauthenticated`.
    name: verify_log,
    position: 4,
    summary: "Verifies the hash chain of a release's audit log",
    params VerifyLogParams {
        /// The release.
        release: req Release as Doc,
        /// The log head the chain must end at.
        expected_head: opt String as Val,
        /// The host's keyring, to verify a keyed audit chain.
        keys: opt Keyring as Keys,
    }
    result: LogVerdict,
    run(p) {
        Ok(crate::verify_log_with(
            &p.release,
            p.expected_head.as_deref(),
            p.keys.as_ref(),
        ))
    }
}
