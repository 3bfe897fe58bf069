//! The gate of leaving testing: the required test kinds recorded, their
//! pass rates, the UAT sign-off and no failed security test
//! (`docs/lifecycle.md`, "Gates (rule ids)").

use super::Eval;
use crate::{TestKind, TestRun};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The latest run of each test kind (later entries replace earlier ones).
fn latest_runs(tests: &[TestRun]) -> BTreeMap<TestKind, &TestRun> {
    tests.iter().map(|t| (t.kind, t)).collect()
}

fn kind_name(kind: TestKind) -> &'static str {
    match kind {
        TestKind::Unit => "unit",
        TestKind::Integration => "integration",
        TestKind::Performance => "performance",
        TestKind::Security => "security",
        TestKind::Uat => "uat",
    }
}

pub(super) fn leave(e: &mut Eval<'_, '_>) {
    let latest = latest_runs(&e.log.record.tests);
    let required = e.gates.required_tests.clone();
    let missing: Vec<&str> = required
        .iter()
        .filter(|k| !latest.contains_key(k))
        .map(|k| kind_name(*k))
        .collect();
    let names: Vec<&str> = required.iter().map(|k| kind_name(*k)).collect();
    let present: Vec<&str> = latest.keys().map(|k| kind_name(*k)).collect();
    let msg = if missing.is_empty() {
        format!(
            "every required test kind is recorded ({})",
            names.join(", ")
        )
    } else {
        format!("missing required test kinds: {}", missing.join(", "))
    };
    e.req(
        "testing.required_kinds",
        missing.is_empty(),
        msg,
        json!({"required": names, "present": present, "missing": missing}),
    );

    let mut failing = Vec::new();
    let mut rates = Vec::new();
    for (kind, run) in &latest {
        let min = if *kind == TestKind::Security {
            e.gates.min_security_pass_rate
        } else {
            e.gates.min_pass_rate
        };
        let executed = run.passed.saturating_add(run.failed);
        let rate = if executed == 0 {
            None
        } else {
            Some(run.passed as f64 / executed as f64)
        };
        let mut entry = json!({"kind": kind, "passed": run.passed, "failed": run.failed, "rate": rate, "min": min});
        if let (Some(source), Some(map)) = (&run.source, entry.as_object_mut()) {
            // A run vouched for by an import rather than recorded by a command.
            map.insert("vouched_by_import".into(), json!(source));
        }
        rates.push(entry);
        match rate {
            None => failing.push(format!("{} executed no test", kind_name(*kind))),
            Some(rate) if rate < min => failing.push(format!(
                "{} passed {:.1}% (minimum {:.1}%)",
                kind_name(*kind),
                rate * 100.0,
                min * 100.0
            )),
            Some(_) => {}
        }
    }
    let msg = if failing.is_empty() {
        "every recorded test kind meets its minimum pass rate".to_string()
    } else {
        format!("pass rate too low: {}", failing.join("; "))
    };
    e.req(
        "testing.pass_rate",
        failing.is_empty(),
        msg,
        Value::Array(rates),
    );

    if e.gates.uat_signoff_required {
        let uat = latest.get(&TestKind::Uat);
        let signer = uat
            .and_then(|u| u.signed_off_by.as_deref())
            .filter(|s| !s.trim().is_empty());
        let msg = match (uat, signer) {
            (_, Some(s)) => format!("UAT signed off by {s}"),
            (Some(_), None) => "UAT is not signed off".to_string(),
            (None, None) => "no UAT run to sign off".to_string(),
        };
        e.req(
            "testing.uat_signoff",
            signer.is_some(),
            msg,
            json!({"signed_off_by": signer}),
        );
    }

    let security_failed = latest
        .get(&TestKind::Security)
        .map(|s| s.failed)
        .unwrap_or(0);
    let msg = if security_failed == 0 {
        "no failed security test".to_string()
    } else {
        format!(
            "{security_failed} security test{} failed",
            if security_failed == 1 { "" } else { "s" }
        )
    };
    e.req(
        "testing.security_failures",
        security_failed == 0,
        msg,
        json!({"failed": security_failed}),
    );
}
