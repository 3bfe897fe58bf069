//! The binding's records mirror relman's JSON without loss: every result of
//! every conformance vector, computed by `relman::api::call`, converts to its
//! record and back unchanged (the Python suite in tests/python checks the same
//! through the FFI); errors map to the variant of their code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman_uniffi::*;
use serde_json::Value;
use std::path::Path;

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(value: &Value) -> Value {
    let record: T = serde_json::from_value(value.clone()).unwrap();
    serde_json::to_value(&record).unwrap()
}

#[test]
fn every_vector_result_round_trips_through_its_record() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/tests/vectors");
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let vector: Value =
                serde_json::from_str(&std::fs::read_to_string(file.unwrap().path()).unwrap())
                    .unwrap();
            let op = vector["operation"].as_str().unwrap();
            let Ok(result) = relman::api::call(op, vector["input"].clone()) else {
                continue;
            };
            let back = match op {
                "validate" => round_trip::<ValidationReport>(&result),
                "check" => round_trip::<GateReport>(&result),
                "apply" => round_trip::<Applied>(&result),
                "verify_log" => round_trip::<LogVerdict>(&result),
                "assess_risk" => round_trip::<RiskAssessment>(&result),
                "assess_risk_many" => round_trip::<RiskBatch>(&result),
                "fit_risk_model" => round_trip::<FittedRiskModel>(&result),
                "detect_conflicts" => round_trip::<ConflictReport>(&result),
                "suggest_slots" => round_trip::<SlotSuggestion>(&result),
                "deployment_order" => round_trip::<DeploymentOrder>(&result),
                "rollout_step" => round_trip::<RolloutStep>(&result),
                "judge_canary" => round_trip::<CanaryJudgement>(&result),
                "compute_kpis" => round_trip::<KpiReport>(&result),
                "release_notes" => round_trip::<ReleaseNotes>(&result),
                "calendar_ics" => round_trip::<CalendarExport>(&result),
                "import_servicenow" => round_trip::<ServiceNowImport>(&result),
                "export_servicenow" => round_trip::<ServiceNowPatches>(&result),
                "schema" => continue,
                other => panic!("no record for operation {other}"),
            };
            assert_eq!(back, result, "{op}");
            // The votes and runs of every release the operation returns.
            if let Some(release) = result.get("release") {
                items_round_trip(release);
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn errors_map_to_the_variant_of_their_code() {
    let err = relman::api::call("check", serde_json::json!({"target": "development"})).unwrap_err();
    let mapped = RelmanError::from(err);
    assert_eq!(mapped.code(), "invalid_input");
    match mapped {
        RelmanError::InvalidInput { path, problems, .. } => {
            assert_eq!(path, "release");
            assert_eq!(problems[0].path, "release");
        }
        other => panic!("{other:?}"),
    }
    let internal = RelmanError::from(relman::Error::internal("boom"));
    assert_eq!(internal.code(), "internal");
}

#[test]
fn a_panic_comes_back_as_internal() {
    let err = force_panic().unwrap_err();
    assert_eq!(err.code(), "internal");
    assert!(err.to_string().contains("forced panic"), "{err}");
}

/// Every item of `approvals` and `tests` of a release converts to its
/// record and back unchanged.
fn items_round_trip(release: &Value) {
    for vote in release["approvals"].as_array().into_iter().flatten() {
        assert_eq!(&round_trip::<Approval>(vote), vote);
    }
    for run in release["tests"].as_array().into_iter().flatten() {
        assert_eq!(&round_trip::<TestRun>(run), run);
    }
}

fn apply_json(release: &Value, command: Value, context: &Value) -> Value {
    relman::api::call(
        "apply",
        serde_json::json!({"release": release, "command": command, "context": context}),
    )
    .unwrap()
}

/// A release driven to approval and voted on, then imported votes, an
/// amendment and a forged vote: the new fields (`source`, `differences`,
/// the new tamper kinds) go through the records and back unchanged.
#[test]
fn the_record_fields_round_trip() {
    use serde_json::json;
    let context = json!({"actors": [
        {"id": "rita", "roles": ["release_manager", "cab"]},
        {"id": "mia", "roles": ["release_manager", "cab"]},
        {"id": "carol", "roles": ["cab"]}
    ]});
    let mut release = json!({
        "id": "REL-M", "title": "T", "kind": "patch", "state": "planning", "owner": "rita",
        "planned_start": "2026-03-10T22:00:00Z", "planned_end": "2026-03-10T23:00:00Z",
        "scope": "S",
        "changes": [{"id": "C1", "kind": "normal", "summary": "s", "affected_cis": ["ci"], "approved": true}],
        "rollback_plan": {"documented": true},
        "tests": [{"kind": "unit", "passed": 3}, {"kind": "integration", "passed": 2}]
    });
    for minute in 1..=3 {
        let at = format!("2026-03-01T10:0{minute}:00Z");
        release = apply_json(
            &release,
            json!({"command": "advance", "actor": "rita", "at": at}),
            &context,
        )["release"]
            .clone();
    }
    let imported = apply_json(
        &release,
        json!({"command": "import", "actor": "rita", "at": "2026-03-01T10:04:00Z", "source": "sn",
               "approvals": [{"approver": "carol", "role": "cab", "decision": "approved", "at": "2026-03-01T10:00:00Z"}]}),
        &context,
    );
    assert_eq!(imported["release"]["approvals"][0]["source"], "sn");
    assert_eq!(round_trip::<Applied>(&imported), imported);
    items_round_trip(&imported["release"]);
    let amended = apply_json(
        &imported["release"],
        json!({"command": "amend", "actor": "rita", "at": "2026-03-01T10:05:00Z", "reason": "r",
               "set": {"scope": "S2", "deployment": {"strategy": "blue_green"}, "changes": []}}),
        &context,
    );
    let set = &amended["events"][0]["details"]["set"];
    assert_eq!(&round_trip::<Amendment>(set), set);

    let mut forged = amended["release"].clone();
    forged["approvals"].as_array_mut().unwrap().push(
        json!({"approver": "mia", "role": "cab", "decision": "approved", "at": "2026-03-01T10:06:00Z"}),
    );
    let verdict = relman::api::call("verify_log", json!({"release": forged})).unwrap();
    assert_eq!(verdict["tamper"]["kind"], "diverged");
    assert_eq!(verdict["differences"][0]["kind"], "unlogged");
    assert_eq!(round_trip::<LogVerdict>(&verdict), verdict);
    let typed: LogVerdict = serde_json::from_value(verdict).unwrap();
    assert_eq!(typed.tamper.unwrap().kind, TamperKind::Diverged);
    assert_eq!(typed.differences[0].kind, DifferenceKind::Unlogged);
    assert_eq!(typed.differences[0].path, "approvals[1]");

    let past_planning = json!({"id": "R", "title": "T", "kind": "patch", "state": "testing"});
    let verdict = relman::api::call("verify_log", json!({"release": past_planning})).unwrap();
    let typed: LogVerdict = serde_json::from_value(verdict).unwrap();
    assert_eq!(typed.tamper.unwrap().kind, TamperKind::EmptyLog);
}

#[test]
fn command_builders_write_what_relman_reads() {
    let set = Amendment {
        scope: Some("S2".to_string()),
        planned_end: Some(Timestamp("2026-03-11T01:00:00+01:00".to_string())),
        ..Amendment::default()
    };
    let amend = amend_command(
        "rita".to_string(),
        Timestamp("2026-03-01T11:00:00+01:00".to_string()),
        "moved".to_string(),
        set,
    )
    .unwrap();
    let json: Value = serde_json::from_str(&command_to_json(amend).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"command": "amend", "actor": "rita", "at": "2026-03-01T11:00:00+01:00",
                           "reason": "moved", "set": {"scope": "S2", "planned_end": "2026-03-11T01:00:00+01:00"}})
    );
    let run = TestRun {
        kind: TestKind::Unit,
        passed: Some(4),
        failed: None,
        skipped: None,
        signed_off_by: None,
        at: None,
        source: None,
        extra_json: JsonObject("{\"u_build\": 7}".to_string()),
    };
    let import = import_command(
        "rita".to_string(),
        Timestamp("2026-03-01T10:00:00Z".to_string()),
        "jenkins".to_string(),
        vec!["b7".to_string()],
        Vec::new(),
        vec![run],
        true,
    )
    .unwrap();
    let json: Value = serde_json::from_str(&command_to_json(import).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"command": "import", "actor": "rita", "at": "2026-03-01T10:00:00Z", "source": "jenkins",
                           "records": ["b7"], "tests": [{"kind": "unit", "passed": 4, "u_build": 7}], "adopt": true})
    );
    // What relman refuses is refused here already, with relman's error.
    let bad = amend_command(
        "rita".to_string(),
        Timestamp("yesterday".to_string()),
        "r".to_string(),
        Amendment::default(),
    )
    .unwrap_err();
    assert_eq!(bad.code(), "invalid_input");
    let bad = amend_command(
        "rita".to_string(),
        Timestamp("2026-03-01T10:00:00Z".to_string()),
        "r".to_string(),
        Amendment {
            deployment: Some(JsonObject("[1]".to_string())),
            ..Amendment::default()
        },
    )
    .unwrap_err();
    match bad {
        RelmanError::InvalidInput { path, .. } => assert_eq!(path, "set.deployment"),
        other => panic!("{other:?}"),
    }
}
