//! `check`: the gate report of a transition (a dry run).

use crate::keys::Keyring;
use crate::{Context, GateReport, Release, State};

operation! {
    /// The gate report of moving `release` to the `target` state: every
    /// requirement, met or not (a dry run; nothing changes). With `keys`
    /// (the host's keyring: see `schema("keyring")`) the log is verified as
    /// a keyed chain. A release whose `version` is not of the policy's
    /// scheme, or not the bump its kind asks for over the previous release
    /// of the same service in the context's schedule or history, is
    /// `invalid_input` at `version` (docs/lifecycle.md, "Versions").
    name: check,
    position: 2,
    summary: "The gate report of moving a release to a target state (a dry run)",
    params CheckParams {
        /// The release.
        release: req Release as Doc,
        /// The state to move it to.
        target: req State as Val,
        /// What the gates may consult: actors, policy, CMDB, calendar,
        /// schedule, history, now.
        context: opt Context as Doc,
        /// The host's keyring, to verify a keyed audit chain.
        keys: opt Keyring as Keys,
    }
    result: GateReport,
    run(p) {
        let context = p.context.unwrap_or_default();
        crate::lifecycle::check_versioned(&p.release, p.target, &context, p.keys.as_ref())
    }
}
