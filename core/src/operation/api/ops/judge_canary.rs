//! `judge_canary`: canary metrics against the baseline.

use crate::rollout::{CanaryJudgement, JudgeConfig, SampleSet};
use crate::Policy;

operation! {
    /// Compares `canary` metric samples with the `baseline` (Mann-Whitney
    /// U and a Hodges-Lehmann shift per metric): a score and a verdict.
    name: judge_canary,
    position: 12,
    summary: "Compares canary metrics with the baseline (Mann-Whitney U per metric)",
    params JudgeCanaryParams {
        /// The baseline's samples, per metric.
        baseline: req SampleSet as Val,
        /// The canary's samples, per metric.
        canary: req SampleSet as Val,
        /// Significance, thresholds and metric directions (default: the
        /// policy's `rollout.judge`).
        config: opt JudgeConfig as Val,
        /// The policy whose `rollout` and `limits` sections apply.
        policy: opt Policy as Doc,
    }
    result: CanaryJudgement,
    run(p) {
        let policy = p.policy.unwrap_or_default();
        crate::rollout::judge_canary_with_limits(
            &p.baseline,
            &p.canary,
            &p.config.unwrap_or_default(),
            &policy.rollout,
            &policy.limits,
        )
    }
}
