//! `rollout_step`: the next decision of a rollout.

use crate::rollout::{RolloutInput, RolloutState, RolloutStep};
use crate::{DeploymentPlan, Policy, Timestamp};

operation! {
    /// The next decision of a rollout (canary, blue-green, phased or
    /// feature flag): feed the returned `state` back with the next `input`
    /// (an observation, a tick or a command).
    name: rollout_step,
    position: 11,
    summary: "The next decision of a rollout (canary, blue-green, phased or feature flag)",
    params RolloutStepParams {
        /// The deployment: strategy and its parameters.
        plan: req DeploymentPlan as Val,
        /// The rollout's state as the previous step returned it (default:
        /// pending).
        state: opt RolloutState as Val,
        /// An observation, a tick or a command.
        input: req RolloutInput as Val,
        /// The time of the input.
        now: req Timestamp as Val,
        /// The policy whose `rollout` section applies (default: the
        /// default policy).
        policy: opt Policy as Doc,
    }
    result: RolloutStep,
    run(p) {
        crate::rollout::rollout_step_with_policy(
            &p.plan,
            &p.state.unwrap_or_default(),
            &p.input,
            &p.now,
            &p.policy.map(|policy| policy.rollout).unwrap_or_default(),
        )
    }
}
