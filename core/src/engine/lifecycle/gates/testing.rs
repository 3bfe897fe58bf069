//! The gate of leaving testing: the required test kinds recorded, their
//! pass rates, the UAT sign-off and no failed security test
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::finding::PassRun;
use super::{Eval, Finding};
use crate::{TestKind, TestRun};
use std::collections::BTreeMap;

/// The latest run of each test kind (later entries replace earlier ones).
fn latest_runs(tests: &[TestRun]) -> BTreeMap<TestKind, &TestRun> {
    tests.iter().map(|t| (t.kind, t)).collect()
}

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    let latest = latest_runs(&e.log.record.tests);
    let required = e.gates.required_tests.clone();
    let present: Vec<TestKind> = latest.keys().copied().collect();
    let met = required.iter().all(|k| latest.contains_key(k));
    e.find(
        "testing.required_kinds",
        met,
        Finding::TestingRequiredKinds { required, present },
    );

    // Copied: findings never borrow the log's replay.
    let runs: Vec<PassRun> = latest
        .iter()
        .map(|(kind, run)| PassRun {
            kind: *kind,
            passed: run.passed,
            failed: run.failed,
            min: if *kind == TestKind::Security {
                e.gates.min_security_pass_rate
            } else {
                e.gates.min_pass_rate
            },
            source: run.source.clone(),
        })
        .collect();
    let met = runs.iter().all(PassRun::meets);
    e.find("testing.pass_rate", met, Finding::TestingPassRate { runs });

    if e.gates.uat_signoff_required {
        let uat = latest.get(&TestKind::Uat);
        let signer = uat
            .and_then(|u| u.signed_off_by.as_deref())
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string);
        e.find(
            "testing.uat_signoff",
            signer.is_some(),
            Finding::TestingUatSignoff {
                uat: uat.is_some(),
                signer,
            },
        );
    }

    let failed = latest
        .get(&TestKind::Security)
        .map(|s| s.failed)
        .unwrap_or(0);
    e.find(
        "testing.security_failures",
        failed == 0,
        Finding::TestingSecurityFailures { failed },
    );
}
