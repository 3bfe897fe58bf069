//! `relman rollout` on the feature-flag examples: exit codes, the table
//! with cohort and percentage, and the table in docs/rollout.md being the
//! real output.

// Test code: a failing test should stop loudly (clippy.toml allows this
// inside #[test] functions only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::{path, relman, root};

#[test]
fn the_feature_flag_example_succeeds_and_its_table_is_in_the_docs() {
    let example = path("examples/rollout/feature-flag.json");
    let run = relman(&["rollout", &example, "--format", "table"]);
    run.exits(0);
    assert!(
        run.stdout.contains(
            "step.set_flag  step 4: `new-checkout`: beta at 10 % (was internal at 100 %)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("final: succeeded at weight 100%, flag: everyone at 100% (15 inputs)\n"),
        "{}",
        run.stdout
    );
    // docs/rollout.md shows exactly this output.
    let docs = std::fs::read_to_string(root().join("docs/rollout.md")).unwrap();
    let start = docs
        .find("<!-- feature-flag-table: begin")
        .expect("the table block in docs/rollout.md");
    let block = &docs[start..];
    let body = block
        .split_once("```text\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(body, _)| body)
        .unwrap();
    assert_eq!(
        body, run.stdout,
        "docs/rollout.md's feature-flag table is not the output of the example"
    );

    let json = relman(&["rollout", &example]);
    json.exits(0);
    let state = &json.stdout_json()["state"];
    assert_eq!(state["phase"], "succeeded");
    assert_eq!(state["cohort"], "everyone");
    assert_eq!(state["percentage"], 100);
}

#[test]
fn a_breach_turns_the_flag_off_and_exits_1() {
    let run = relman(&[
        "rollout",
        &path("examples/rollout/feature-flag-breach.json"),
        "--format",
        "table",
    ]);
    run.exits(1);
    assert!(
        run.stdout
            .contains("flag.off  flag `new-checkout` off for everyone (was beta at 50 %)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("command.denied"), "{}", run.stdout);
    assert!(
        run.stdout
            .ends_with("final: rolled_back at weight 0%, flag: off (8 inputs)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_bad_feature_flag_plan_exits_2_with_its_path() {
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/rollout/feature-flag.json")).unwrap(),
    )
    .unwrap();
    doc["plan"]["cohorts"][1]["steps"] = serde_json::json!([10, 50, 25, 100]);
    let file = common::TempFile::json("flag-out-of-order.json", &doc);
    let run = relman(&["rollout", file.path()]);
    run.exits(2);
    let err = run.stderr_json();
    let paths: Vec<&str> = err["error"]["problems"]
        .as_array()
        .or_else(|| err["problems"].as_array())
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["plan.cohorts[1].steps[2]"], "{}", run.stderr);
}
