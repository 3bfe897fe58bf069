//! `apply`: a lifecycle command applied with its audit event.

use crate::keys::Keyring;
use crate::{Applied, ApplyOptions, Command, Context, Release};

operation! {
    /// Applies a lifecycle `command` to `release` (any command, `amend` and
    /// `import` included): the new release with its audit event,
    /// notifications and gate report. Fails with `transition_denied` (with
    /// `violations`) when gates are unmet, `forbidden` (with `rule`) for a
    /// missing role, separation of duties or a look-alike actor id,
    /// `log_tampered` (`path`: the first difference, e.g. `approvals[2]`)
    /// when the release is not what its log yields, `conflict` (`expected`,
    /// `found`) when the log no longer ends at `expected_head`.
    name: apply,
    position: 3,
    summary: "Applies a lifecycle command: the new release with its audit event, or an error",
    params ApplyParams {
        /// The release.
        release: req Release as Doc,
        /// The command: actor, time and the command with its parameters.
        command: req Command as Doc,
        /// What the gates may consult: actors, policy, CMDB, calendar,
        /// schedule, history, now.
        context: opt Context as Doc,
        /// The log head the caller read the release at; another head is a
        /// `conflict`.
        expected_head: opt String as Val,
        /// The host's keyring (never stored): the log is verified with it
        /// and the new event keyed with its `signing_key`.
        keys: opt Keyring as Keys,
    }
    result: Applied,
    run(p) {
        let options = ApplyOptions {
            expected_head: p.expected_head,
            keys: p.keys,
        };
        crate::apply_with(
            &p.release,
            &p.command,
            &p.context.unwrap_or_default(),
            &options,
        )
    }
}
