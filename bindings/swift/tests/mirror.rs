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
