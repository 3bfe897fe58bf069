//! `test_evidence`: the required test kinds missing or failing, failing
//! optional kinds and a missing UAT sign-off, over the gates of the
//! release's kind (`docs/risk.md`, "The factors").

use super::{computed, Computed};
use crate::{Release, TestKind, TestRun};
use serde_json::json;

/// The factor's value, inputs and explanation.
pub(super) fn compute(r: &Release, policy: &crate::Policy) -> Computed {
    let gates = policy.lifecycle.gates(r.kind);
    let mut latest: [Option<&TestRun>; 5] = [None; 5];
    for t in &r.tests {
        if let Some(slot) = latest.get_mut(t.kind as usize) {
            *slot = Some(t);
        }
    }
    let run = |k: TestKind| latest.get(k as usize).copied().flatten();
    let bad = |t: Option<&TestRun>| {
        t.is_none_or(|t| t.failed > 0 || t.passed.saturating_add(t.failed) == 0)
    };
    let mut missing = Vec::new();
    let mut failing = Vec::new();
    for &k in &gates.required_tests {
        match run(k) {
            None => missing.push(k),
            t if bad(t) => failing.push(k),
            _ => {}
        }
    }
    let extra_failing: Vec<TestKind> = [
        TestKind::Unit,
        TestKind::Integration,
        TestKind::Performance,
        TestKind::Security,
        TestKind::Uat,
    ]
    .into_iter()
    .filter(|k| !gates.required_tests.contains(k))
    .filter(|&k| run(k).is_some_and(|t| t.failed > 0))
    .collect();
    let uat_required = gates.uat_signoff_required;
    let uat = run(TestKind::Uat);
    let uat_gap = uat_required
        && uat.is_none_or(|u| {
            u.failed > 0
                || u.signed_off_by
                    .as_deref()
                    .is_none_or(|s| s.trim().is_empty())
        });
    // Caller-controlled counts: a sum that would overflow saturates.
    let failed_cases: u64 = latest
        .iter()
        .flatten()
        .fold(0u64, |sum, t| sum.saturating_add(t.failed));
    // Lengths of lists of test kinds: never near usize::MAX.
    let gaps = missing
        .len()
        .saturating_add(failing.len())
        .saturating_add(extra_failing.len())
        .saturating_add(usize::from(uat_gap));
    let denominator = gates
        .required_tests
        .len()
        .saturating_add(usize::from(uat_required))
        .max(1);
    let value = (gaps as f64 / denominator as f64).min(1.0);
    let names =
        |ks: &[TestKind]| -> Vec<&'static str> { ks.iter().map(|k| kind_name(*k)).collect() };
    let explanation = if gaps == 0 {
        "every required test kind ran without failures".to_string()
    } else {
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!("missing {}", names(&missing).join(", ")));
        }
        if !failing.is_empty() || !extra_failing.is_empty() {
            let all: Vec<&str> = names(&failing)
                .into_iter()
                .chain(names(&extra_failing))
                .collect();
            parts.push(format!("failing or empty {}", all.join(", ")));
        }
        if uat_gap {
            parts.push("UAT not signed off".to_string());
        }
        format!("test evidence has gaps: {}", parts.join("; "))
    };
    computed(
        value,
        json!({
            "required": names(&gates.required_tests), "missing": names(&missing),
            "failing": names(&failing), "failing_not_required": names(&extra_failing),
            "failed_cases": failed_cases, "uat_signoff_required": uat_required,
            "uat_signoff_missing": uat_gap,
        }),
        explanation,
    )
}

fn kind_name(k: TestKind) -> &'static str {
    match k {
        TestKind::Unit => "unit",
        TestKind::Integration => "integration",
        TestKind::Performance => "performance",
        TestKind::Security => "security",
        TestKind::Uat => "uat",
    }
}
