//! Builders the rollout tests share: a plan or an input from JSON, and the
//! times of their scenarios (minutes after 2026-12-01T10:00:00Z).

use relman::rollout::RolloutInput;
use relman::{DeploymentPlan, Timestamp};
use serde_json::Value;

/// A deployment plan from its JSON.
pub fn plan(v: Value) -> DeploymentPlan {
    serde_json::from_value(v).unwrap()
}

/// A rollout input from its JSON.
pub fn input(v: Value) -> RolloutInput {
    serde_json::from_value(v).unwrap()
}

/// `t(m)`: m minutes after 10:00.
pub fn t(minutes: i64) -> Timestamp {
    let base: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
    Timestamp::from_datetime(base.datetime() + chrono::Duration::minutes(minutes))
}
