//! `test_evidence`: the required test kinds missing or failing, failing
//! optional kinds and a missing UAT sign-off, over the gates of the
//! release's kind (`docs/risk.md`, "The factors").

use super::{Computed, Detail};
use crate::policy::Gates;
use crate::{Release, TestKind, TestRun};
use serde::ser::SerializeMap;
use std::fmt;

/// What the factor used: rendered only when the assessment is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TestEvidence<'a> {
    required: &'a [TestKind],
    missing: Vec<TestKind>,
    failing: Vec<TestKind>,
    extra_failing: Vec<TestKind>,
    failed_cases: u64,
    uat_required: bool,
    uat_gap: bool,
}

/// The factor's value and typed inputs; `gates` are the gates of the
/// release's kind.
pub(super) fn compute<'a>(r: &Release, gates: &'a Gates) -> Computed<'a> {
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
    let detail = TestEvidence {
        required: &gates.required_tests,
        missing,
        failing,
        extra_failing,
        failed_cases,
        uat_required,
        uat_gap,
    };
    let denominator = gates
        .required_tests
        .len()
        .saturating_add(usize::from(uat_required))
        .max(1);
    let value = (detail.gaps() as f64 / denominator as f64).min(1.0);
    Computed {
        value,
        detail: Detail::TestEvidence(detail),
    }
}

fn names(ks: &[TestKind]) -> Vec<&'static str> {
    ks.iter().map(|k| k.as_str()).collect()
}

impl TestEvidence<'_> {
    /// Lengths of lists of test kinds: never near usize::MAX.
    fn gaps(&self) -> usize {
        self.missing
            .len()
            .saturating_add(self.failing.len())
            .saturating_add(self.extra_failing.len())
            .saturating_add(usize::from(self.uat_gap))
    }
}

impl TestEvidence<'_> {
    /// [`TestEvidence::inputs`] written straight to a map, keys sorted.
    pub(super) fn write_inputs<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("failed_cases", &self.failed_cases)?;
        m.serialize_entry("failing", &Kinds(&self.failing))?;
        m.serialize_entry("failing_not_required", &Kinds(&self.extra_failing))?;
        m.serialize_entry("missing", &Kinds(&self.missing))?;
        m.serialize_entry("required", &Kinds(self.required))?;
        m.serialize_entry("uat_signoff_missing", &self.uat_gap)?;
        m.serialize_entry("uat_signoff_required", &self.uat_required)
    }
}

/// Test kinds serialised as their names, without a list of names built.
struct Kinds<'k>(&'k [TestKind]);

impl serde::Serialize for Kinds<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|k| k.as_str()))
    }
}

impl fmt::Display for TestEvidence<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.gaps() == 0 {
            return f.write_str("every required test kind ran without failures");
        }
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!("missing {}", names(&self.missing).join(", ")));
        }
        if !self.failing.is_empty() || !self.extra_failing.is_empty() {
            let all: Vec<&str> = names(&self.failing)
                .into_iter()
                .chain(names(&self.extra_failing))
                .collect();
            parts.push(format!("failing or empty {}", all.join(", ")));
        }
        if self.uat_gap {
            parts.push("UAT not signed off".to_string());
        }
        write!(f, "test evidence has gaps: {}", parts.join("; "))
    }
}
