//! KPI oracles written from the definitions (docs/kpi.md): sort-based
//! median, p90 and mean, the lead times of changes and the change failure
//! count; and the release records of the generated histories.

use crate::iso;
use relman::{History, Outcome, Timestamp};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// 2026-11-02T00:00:00Z, the start of the generated histories.
pub const BASE: i64 = 1_793_577_600;
/// One day in seconds.
pub const DAY: i64 = 86_400;
/// The services of the generated histories.
pub const SERVICES: [&str; 3] = ["a", "b", "c"];
/// The deployment outcomes, by index.
pub const OUTCOMES: [&str; 4] = ["success", "success_with_issues", "failed", "rolled_back"];
/// The deployment environments, by index (production twice as likely).
pub const ENVIRONMENTS: [&str; 3] = ["production", "production", "staging"];
/// The deployment kinds, by index.
pub const DEPLOYMENT_KINDS: [&str; 4] = ["planned", "emergency", "hotfix", "rework"];
/// The release kinds, by index (minor twice as likely).
pub const RELEASE_KINDS: [&str; 5] = ["major", "minor", "patch", "emergency", "minor"];
/// The lifecycle states in order, by index (a log of `k` steps ends in
/// `STATES[k]`).
pub const STATES: [&str; 7] = [
    "planning",
    "development",
    "testing",
    "approval",
    "deployment",
    "review",
    "closed",
];

/// The text of `BASE + secs`.
pub fn at(secs: i64) -> String {
    iso(BASE + secs)
}

/// Deployment `d{i}` of a generated history, finished at `t` (started 10
/// minutes before), of `SERVICES[service]`, `ENVIRONMENTS[env]`,
/// `OUTCOMES[outcome]`, `DEPLOYMENT_KINDS[kind]`, team `t{team}`, release
/// `r{i % 8}`, shipping changes `c{id}` (committed `lag` seconds before
/// `t` when given).
#[allow(clippy::too_many_arguments)]
pub fn deployment(
    i: usize,
    service: usize,
    env: usize,
    t: i64,
    outcome: usize,
    kind: usize,
    changes: &[(usize, Option<i64>)],
    team: usize,
) -> Value {
    let changes: Vec<Value> = changes
        .iter()
        .map(|(c, lag)| match lag {
            Some(lag) => json!({"id": format!("c{c}"), "committed_at": at(t - lag)}),
            None => json!({"id": format!("c{c}")}),
        })
        .collect();
    json!({"id": format!("d{i}"), "service": SERVICES[service], "environment": ENVIRONMENTS[env],
           "finished_at": at(t), "started_at": at(t - 600), "outcome": OUTCOMES[outcome],
           "kind": DEPLOYMENT_KINDS[kind], "changes": changes, "team": format!("t{team}"),
           "release_id": format!("r{}", i % 8)})
}

/// Incident `i{i}` of a generated history, created at `t`, in
/// `SERVICES[service]` (none for 3), resolved `resolved_after` seconds
/// later when given, caused by `d{cause}` when that is one of the
/// `deployments`.
pub fn incident(
    i: usize,
    service: usize,
    t: i64,
    resolved_after: Option<i64>,
    cause: Option<usize>,
    deployments: usize,
) -> Value {
    let mut v = json!({"id": format!("i{i}"), "created_at": at(t)});
    if let Some(s) = SERVICES.get(service) {
        v["service"] = json!(s);
    }
    if let Some(d) = resolved_after {
        v["resolved_at"] = json!(at(t + d));
    }
    if let Some(c) = cause.filter(|c| *c < deployments) {
        v["caused_by"] = json!(format!("d{c}"));
    }
    v
}

/// Release `r{i}` of a generated history, of `RELEASE_KINDS[kind]`:
/// created 20 days before `t`, a
/// log of one `advance` per entry of `steps` (the delay before it, in
/// seconds; at most six), a UAT run of `tests` (passed, failed), deployed
/// at `t` with `OUTCOMES[outcome]` when `outcome < 4` (and `i` is not a
/// multiple of 5), reviewed a day later when `reviewed`.
pub fn release(
    i: usize,
    t: i64,
    kind: usize,
    outcome: usize,
    steps: &[i64],
    tests: (usize, usize),
    reviewed: bool,
) -> Value {
    let mut when = t - 20 * DAY;
    let log: Vec<Value> = steps
        .iter()
        .enumerate()
        .map(|(k, d)| {
            when += d;
            json!({"seq": k + 1, "at": at(when), "actor": "x", "command": "advance",
                   "from": STATES[k], "to": STATES[k + 1], "hash": "h"})
        })
        .collect();
    let (passed, failed) = tests;
    let mut v = json!({"id": format!("r{i}"), "title": "t", "kind": RELEASE_KINDS[kind],
        "state": STATES[steps.len()], "created_at": at(t - 20 * DAY),
        "services": [SERVICES[i % 3]], "team": [format!("t{}", i % 2)],
        "environments": ["production"],
        "tests": [{"kind": "uat", "passed": passed, "failed": failed}],
        "log": log, "planned_start": at(t - 3600),
        "planned_end": at(t + 3600 * (i as i64 % 3 - 1))});
    if outcome < 4 && !i.is_multiple_of(5) {
        v["outcome"] = json!(OUTCOMES[outcome]);
        v["deployed_at"] = json!(at(t));
    }
    if reviewed {
        v["review"] = json!({"completed_at": at(t + DAY)});
        v["knowledge_articles"] = json!(["kb"]);
    }
    v
}

/// Median, p90 (numpy's `linear`: position (n − 1)·0.9 between order
/// statistics) and mean of `values`, by sorting; none when empty.
pub fn median_p90_mean(values: &[i64]) -> Option<(f64, f64, f64)> {
    let mut values = values.to_vec();
    values.sort_unstable();
    let n = values.len();
    if n == 0 {
        return None;
    }
    let median = if !n.is_multiple_of(2) {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] as f64 + values[n / 2] as f64) / 2.0
    };
    let pos = (n - 1) as f64 * 0.9;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let p90 = values[lo] as f64 + (pos - lo as f64) * (values[hi] - values[lo]) as f64;
    let mean = values.iter().sum::<i64>() as f64 / n as f64;
    Some((median, p90, mean))
}

fn success(o: Outcome) -> bool {
    matches!(o, Outcome::Success | Outcome::SuccessWithIssues)
}

/// The lead times (seconds, sorted) of `h`: for each change id, its
/// earliest successful production deployment (then earliest commit) gives
/// finish − commit; changes without a commit time or with a negative lead
/// are left out.
pub fn lead_times(h: &History) -> Vec<i64> {
    let mut first: BTreeMap<&str, (i64, Option<i64>)> = BTreeMap::new();
    for d in h
        .deployments
        .iter()
        .filter(|d| d.environment == "production" && success(d.outcome))
    {
        for c in &d.changes {
            let cand = (
                d.finished_at.unix_seconds(),
                c.committed_at.as_ref().map(Timestamp::unix_seconds),
            );
            let e = first.entry(c.id.as_str()).or_insert(cand);
            if cand < *e {
                *e = cand;
            }
        }
    }
    let mut leads: Vec<i64> = first
        .values()
        .filter_map(|(f, c)| c.map(|c| f - c))
        .filter(|l| *l >= 0)
        .collect();
    leads.sort_unstable();
    leads
}

/// The change failure count of `h` with explicit attribution: production
/// deployments that failed, rolled back or are named by an incident's
/// `caused_by`; and the number of production deployments.
pub fn change_failures(h: &History) -> (u64, u64) {
    let prod: Vec<_> = h
        .deployments
        .iter()
        .filter(|d| d.environment == "production")
        .collect();
    let failures = prod
        .iter()
        .filter(|d| {
            matches!(d.outcome, Outcome::Failed | Outcome::RolledBack)
                || h.incidents
                    .iter()
                    .any(|i| i.caused_by.as_deref() == Some(d.id.as_str()))
        })
        .count();
    (failures as u64, prod.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_a_few_values() {
        assert_eq!(median_p90_mean(&[]), None);
        assert_eq!(median_p90_mean(&[3, 1, 2]), Some((2.0, 2.8, 2.0)));
        let (median, p90, mean) = median_p90_mean(&[4, 1, 3, 2]).unwrap();
        assert_eq!((median, mean), (2.5, 2.5));
        assert!((p90 - 3.7).abs() < 1e-12);
    }
}
