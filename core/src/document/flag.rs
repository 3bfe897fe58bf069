//! The parameters of a feature-flag rollout (`strategy: feature_flag`) and
//! their validation: the flag's key and the percentage steps per cohort.

use crate::document::plan::{check_pause, PauseStep};
use crate::document::{DeploymentPlan, Extra};
use crate::error::Problem;
use crate::foundation::path::join;
use schemars::JsonSchema;
use serde::Serialize;

/// The cohorts a feature flag is rolled out to, in the order they must
/// come: staff first, then opted-in beta users, then everyone.
pub const COHORTS: [&str; 3] = ["internal", "beta", "everyone"];

/// The cohort whose percentage is the rollout's overall exposure (the
/// state's `weight`); a runnable plan ends with it.
pub const EVERYONE: &str = "everyone";

/// One cohort of a feature-flag rollout: the flag is turned on for a
/// growing percentage of the cohort, step by step, up to 100.
#[derive(Debug, Clone, PartialEq, Serialize, relman_derive::DeserializeExtra, JsonSchema)]
pub struct FlagCohort {
    /// `internal`, `beta` or `everyone` (each once, in this order).
    pub name: String,
    /// The percentages of the cohort that see the flag on, step by step
    /// (1 to 100, not decreasing, the last one 100).
    pub steps: Vec<i64>,
    /// A pause after each step of the cohort (timed with `duration_secs`,
    /// or open: until `resume` or `promote`); none after the final 100 of
    /// `everyone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<PauseStep>,
    /// Fields relman does not know, kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The position of a known cohort in [`COHORTS`].
pub fn cohort_rank(name: &str) -> Option<usize> {
    COHORTS.iter().position(|c| *c == name)
}

/// Checks the flag key and the cohorts of a feature-flag plan. Returns the
/// problems of an incomplete plan (no key, no cohorts, not ending with
/// `everyone`) as `(field, message)` for the caller to report as problems
/// (a plan to run) or warnings (a release naming its strategy so far).
pub(crate) fn check_flag(
    plan: &DeploymentPlan,
    base: &str,
    problems: &mut Vec<Problem>,
) -> Vec<(&'static str, String)> {
    let mut incomplete = Vec::new();
    match plan.flag.as_deref() {
        None => incomplete.push((
            "flag",
            "a feature-flag rollout needs the flag's key (e.g. \"new-checkout\")".to_string(),
        )),
        Some(key) if key.trim().is_empty() => {
            problems.push(Problem::new(join(base, "flag"), "must not be empty"));
        }
        Some(_) => {}
    }
    if plan.cohorts.is_empty() {
        incomplete.push((
            "cohorts",
            "a feature-flag rollout needs at least one cohort (the plan is empty)".to_string(),
        ));
        return incomplete;
    }
    let cohorts = join(base, "cohorts");
    // The rank and index of the last known cohort seen.
    let mut last: Option<(usize, usize)> = None;
    for (i, c) in plan.cohorts.iter().enumerate() {
        let path = format!("{cohorts}[{i}]");
        match cohort_rank(&c.name) {
            None => problems.push(Problem::new(
                join(&path, "name"),
                format!(
                    "unknown cohort `{}`: the cohorts are internal, beta and everyone (in this order)",
                    c.name
                ),
            )),
            Some(rank) => {
                match last {
                    Some((prev, at)) if rank == prev => problems.push(Problem::new(
                        join(&path, "name"),
                        format!("cohort `{}` is already listed (cohorts[{at}])", c.name),
                    )),
                    Some((prev, at)) if rank < prev => problems.push(Problem::new(
                        join(&path, "name"),
                        format!(
                            "cohort `{}` must come before `{}` (cohorts[{at}]): the order is internal, beta, everyone",
                            c.name,
                            COHORTS.get(prev).copied().unwrap_or_default()
                        ),
                    )),
                    _ => last = Some((rank, i)),
                }
            }
        }
        check_steps(c, &path, problems);
        if let Some(p) = &c.pause {
            check_pause(p, &join(&path, "pause"), problems);
        }
    }
    if plan.cohorts.last().map(|c| c.name.as_str()) != Some(EVERYONE) {
        incomplete.push((
            "cohorts",
            format!(
                "a feature-flag rollout must end with the `everyone` cohort (last: `{}`)",
                plan.cohorts
                    .last()
                    .map(|c| c.name.as_str())
                    .unwrap_or_default()
            ),
        ));
    }
    incomplete
}

/// The percentages of one cohort: 1 to 100, not decreasing, ending at 100.
fn check_steps(c: &FlagCohort, path: &str, problems: &mut Vec<Problem>) {
    let steps = join(path, "steps");
    if c.steps.is_empty() {
        problems.push(Problem::new(
            steps,
            format!("cohort `{}` needs at least one percentage step", c.name),
        ));
        return;
    }
    let mut last: Option<(i64, usize)> = None;
    for (j, p) in c.steps.iter().enumerate() {
        let sp = format!("{steps}[{j}]");
        if !(1..=100).contains(p) {
            problems.push(Problem::new(
                sp,
                format!("a percentage is 1 to 100, got {p}"),
            ));
            continue;
        }
        if let Some((prev, at)) = last.filter(|(prev, _)| p < prev) {
            problems.push(Problem::new(
                sp,
                format!("percentages must not decrease: {p} after {prev} (steps[{at}])"),
            ));
        }
        last = Some((*p, j));
    }
    if let Some(p) = c
        .steps
        .last()
        .filter(|p| **p != 100 && (1..=100).contains(*p))
    {
        problems.push(Problem::new(
            steps,
            format!(
                "cohort `{}` must end at 100 % before the next cohort (last: {p})",
                c.name
            ),
        ));
    }
}

/// Warns about `flag` and `cohorts` on a plan of another strategy.
pub(crate) fn unused_flag_fields(plan: &DeploymentPlan) -> [(&'static str, bool); 2] {
    [
        ("flag", plan.flag.is_some()),
        ("cohorts", !plan.cohorts.is_empty()),
    ]
}
