//! Strict policies (issue "Hardening"): an unknown key anywhere in a policy
//! is `invalid_policy` at its full path with a "did you mean" suggestion,
//! however the policy arrives (standalone, in a context, in a schedule, as
//! an operation parameter); `u_`/`x_` host fields are allowed at every
//! level and round-trip unchanged; vacuous rules are refused; other
//! documents keep unknown fields.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::{api, from_value, parse, Context, Error, ErrorCode, Policy, Release, Schedule};
use serde_json::{json, Value};

/// The `invalid_policy` problems of an error, as (path, message) pairs.
fn policy_problems(err: &Error) -> Vec<(String, String)> {
    assert_eq!(err.code(), ErrorCode::InvalidPolicy, "{err:?}");
    err.problems()
        .iter()
        .map(|p| (p.path.clone(), p.message.clone()))
        .collect()
}

/// Asserts that a problem at `path` suggests `suggestion`.
fn assert_suggests(problems: &[(String, String)], path: &str, suggestion: &str) {
    let found = problems.iter().find(|(p, _)| p == path);
    let (_, message) = found.unwrap_or_else(|| panic!("no problem at {path}: {problems:#?}"));
    assert!(
        message.contains(&format!("did you mean `{suggestion}`?")),
        "{path}: {message}"
    );
    assert!(message.contains("`u_` or `x_`"), "{message}");
}

/// Typos at several depths: a section, a release kind's rules, a quorum
/// rule in a list, separation of duties, the limits section.
fn typos() -> Value {
    json!({
        "lifecycle": {
            "major": {"quorom": 5},
            "minor": {"quorum": [{"role": "cab", "cont": 2, "count": 1}]},
            "separation_of_duties": {"forbid_team_aproval": true}
        },
        "rsik": {},
        "limits": {"max_cmdb_dept": 4}
    })
}

fn assert_every_typo(problems: &[(String, String)], base: &str) {
    let at = |p: &str| {
        if base.is_empty() {
            p.to_string()
        } else {
            format!("{base}.{p}")
        }
    };
    assert_suggests(problems, &at("lifecycle.major.quorom"), "quorum");
    assert_suggests(problems, &at("lifecycle.minor.quorum[0].cont"), "count");
    assert_suggests(
        problems,
        &at("lifecycle.separation_of_duties.forbid_team_aproval"),
        "forbid_team_approval",
    );
    assert_suggests(problems, &at("rsik"), "risk");
    assert_suggests(problems, &at("limits.max_cmdb_dept"), "max_cmdb_depth");
    assert_eq!(
        problems.len(),
        5,
        "every unknown key, nothing else: {problems:#?}"
    );
}

#[test]
fn a_standalone_policy_lists_every_unknown_key_with_a_suggestion() {
    let text = typos().to_string();
    let err = parse::<Policy>(&text).unwrap_err();
    assert_every_typo(&policy_problems(&err), "");
    // The same from a value (as the bindings pass it).
    let err = from_value::<Policy>(typos()).unwrap_err();
    assert_every_typo(&policy_problems(&err), "");
    // And through validate.
    let err = relman::validate::validate(relman::DocumentKind::Policy, &text).unwrap_err();
    assert_eq!(err.path(), Some("lifecycle.major.quorom"));
}

#[test]
fn a_key_far_from_every_known_one_lists_the_known_keys() {
    let err = from_value::<Policy>(json!({"lifecycle": {"zzzz": 1}})).unwrap_err();
    let problems = policy_problems(&err);
    assert_eq!(problems[0].0, "lifecycle.zzzz");
    assert!(
        problems[0]
            .1
            .contains("expected one of `emergency`, `major`"),
        "{}",
        problems[0].1
    );
}

#[test]
fn a_policy_inside_a_context_reports_paths_from_the_context() {
    let context = json!({"actors": [], "policy": typos(), "x_tenant": "acme"});
    let err = parse::<Context>(&context.to_string()).unwrap_err();
    assert_every_typo(&policy_problems(&err), "policy");
    let err = from_value::<Context>(context).unwrap_err();
    assert_every_typo(&policy_problems(&err), "policy");
}

#[test]
fn a_policy_inside_a_schedule_and_a_context_schedule() {
    let schedule = json!({"releases": [], "policy": typos()});
    let err = parse::<Schedule>(&schedule.to_string()).unwrap_err();
    assert_every_typo(&policy_problems(&err), "policy");
    let context = json!({"schedule": schedule});
    let err = from_value::<Context>(context).unwrap_err();
    assert_every_typo(&policy_problems(&err), "schedule.policy");
}

#[test]
fn a_policy_parameter_through_call_json() {
    // `policy` is a document parameter: paths inside the document.
    let params = json!({"history": {"deployments": []}, "policy": typos()}).to_string();
    let err = api::call_json("compute_kpis", &params).unwrap_err();
    assert_every_typo(&policy_problems(&err), "");
    // A context parameter: paths from the context.
    let release = json!({"id": "R", "title": "T", "kind": "minor", "state": "planning"});
    let params = json!({
        "release": release,
        "target": "development",
        "context": {"policy": {"lifecycle": {"separation_of_duties": {"forbid_team_aproval": true}}}}
    });
    let err = api::call_json("check", &params.to_string()).unwrap_err();
    let problems = policy_problems(&err);
    assert_suggests(
        &problems,
        "policy.lifecycle.separation_of_duties.forbid_team_aproval",
        "forbid_team_approval",
    );
    // The JSON error body carries the code and the path.
    let body = serde_json::to_value(err.to_body()).unwrap();
    assert_eq!(body["code"], "invalid_policy");
    assert_eq!(
        body["path"],
        "policy.lifecycle.separation_of_duties.forbid_team_aproval"
    );
}

#[test]
fn optional_sections_lists_and_notification_rules_are_strict_too() {
    let err = from_value::<Policy>(json!({
        "risk": {"model": {"intercept": 0.1, "coefficients": {}, "means": {}, "stds": {},
                           "trainde_at": "2026-01-01T00:00:00Z"}},
        "conflicts": {"capacity": [{"max_concurent": 2, "max_concurrent": 1}]},
        "lifecycle": {"notifications": [{"on": ["closed"], "owner": true, "stakeholder": true}]},
        "kpi": {"Time-Zone": "UTC"}
    }))
    .unwrap_err();
    let problems = policy_problems(&err);
    assert_suggests(&problems, "risk.model.trainde_at", "trained_at");
    assert_suggests(
        &problems,
        "conflicts.capacity[0].max_concurent",
        "max_concurrent",
    );
    assert_suggests(
        &problems,
        "lifecycle.notifications[0].stakeholder",
        "stakeholders",
    );
    assert_suggests(&problems, "kpi.Time-Zone", "time_zone");
    assert_eq!(problems.len(), 4, "{problems:#?}");
}

#[test]
fn a_structural_error_lists_the_unknown_keys_too() {
    // serde stops at the wrong type; the schema walk adds the typo.
    let err = from_value::<Policy>(json!({
        "kpi": {"time_zone": 5},
        "lifecycle": {"major": {"quorom": 5}}
    }))
    .unwrap_err();
    let problems = policy_problems(&err);
    assert_suggests(&problems, "lifecycle.major.quorom", "quorum");
    assert!(problems.iter().any(|(p, _)| p == "kpi.time_zone"));
}

const HOST_FIELDS: &str = r#"{
  "lifecycle": {
    "major": {
      "quorum": [
        {
          "count": 2,
          "role": "cab",
          "u_note": "two CAB members"
        }
      ],
      "x_source": "cab-charter"
    },
    "separation_of_duties": {
      "forbid_team_approval": true,
      "u_reviewed": "2026-10-30"
    },
    "u_gates": {
      "nested": {
        "anything": [
          1,
          2
        ]
      }
    }
  },
  "risk": {
    "bands": {
      "x_scale": "percent"
    }
  },
  "limits": {
    "max_cmdb_depth": 8,
    "x_why": "large CMDB"
  },
  "notes": {
    "u_template": "corporate"
  },
  "u_policy_owner": "Change Management Office",
  "x_ticket": "CHG-1"
}"#;

/// The values of every host field of a policy value, by path.
fn host_fields(value: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{path}.{k}");
                if k.starts_with("u_") || k.starts_with("x_") {
                    out.push((here, v.clone()));
                } else {
                    host_fields(v, &here, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                host_fields(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn host_fields_are_allowed_at_every_level_and_round_trip() {
    let policy = parse::<Policy>(HOST_FIELDS).unwrap().document;
    assert_eq!(policy.extra["u_policy_owner"], "Change Management Office");
    assert_eq!(policy.lifecycle.major.extra["x_source"], "cab-charter");
    // Written back, parsed again: the same policy and the same host fields,
    // byte for byte.
    let text = serde_json::to_string_pretty(&policy).unwrap();
    let again = parse::<Policy>(&text).unwrap().document;
    assert_eq!(again, policy);
    assert_eq!(serde_json::to_string_pretty(&again).unwrap(), text);
    // Every host field, at its path, written byte for byte as given.
    let (mut before, mut after) = (Vec::new(), Vec::new());
    host_fields(&serde_json::from_str(HOST_FIELDS).unwrap(), "", &mut before);
    host_fields(&serde_json::to_value(&again).unwrap(), "", &mut after);
    assert_eq!(before.len(), 9);
    let text = |fields: &[(String, Value)]| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(p, v)| (p.clone(), serde_json::to_string(v).unwrap()))
            .collect()
    };
    assert_eq!(text(&after), text(&before));
    // Inside a context, too.
    let context = json!({"policy": serde_json::from_str::<Value>(HOST_FIELDS).unwrap()});
    let parsed = from_value::<Context>(context).unwrap().document;
    assert_eq!(parsed.policy.unwrap(), policy);
}

#[test]
fn an_empty_quorum_is_refused_with_its_path() {
    let err = from_value::<Policy>(json!({"lifecycle": {"patch": {"quorum": []}}})).unwrap_err();
    let problems = policy_problems(&err);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].0, "lifecycle.patch.quorum");
    assert!(problems[0].1.contains("empty quorum"), "{}", problems[0].1);
    // Inside a context: the full path.
    let context = json!({"policy": {"lifecycle": {"major": {"quorum": []}}}});
    let err = from_value::<Context>(context).unwrap_err();
    assert_eq!(err.path(), Some("policy.lifecycle.major.quorum"));
    // A quorum rule that counts nobody: a count of 0, a percentage of 0,
    // neither.
    let err = from_value::<Policy>(json!({"lifecycle": {"minor": {"quorum": [
        {"role": "cab", "count": 0},
        {"role": "cab", "percentage": 0},
        {"role": "cab"}
    ]}}}))
    .unwrap_err();
    let paths: Vec<String> = policy_problems(&err).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "lifecycle.minor.quorum[0].count",
            "lifecycle.minor.quorum[1].percentage",
            "lifecycle.minor.quorum[2]"
        ]
    );
}

#[test]
fn other_vacuous_rules_are_refused() {
    let err = from_value::<Policy>(json!({"lifecycle": {
        "notifications": [{"on": ["closed"]}, {"on": ["closed"], "named": [" "]}],
        "promotion_order": ["production"]
    }}))
    .unwrap_err();
    let paths: Vec<String> = policy_problems(&err).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "lifecycle.notifications[0]",
            "lifecycle.notifications[1].named[0]",
            "lifecycle.promotion_order"
        ]
    );
    let err = from_value::<Policy>(json!({"lifecycle": {
        "promotion_order": ["staging", "", "staging", "production"]
    }}))
    .unwrap_err();
    let paths: Vec<String> = policy_problems(&err).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "lifecycle.promotion_order[1]",
            "lifecycle.promotion_order[2]"
        ]
    );
}

#[test]
fn the_default_and_the_example_policy_are_accepted() {
    let default = serde_json::to_string(&Policy::default()).unwrap();
    assert_eq!(
        parse::<Policy>(&default).unwrap().document,
        Policy::default()
    );
    parse::<Policy>(include_str!("../../examples/data/policy.json")).unwrap();
    parse::<Policy>("{}").unwrap();
}

#[test]
fn other_documents_keep_unknown_fields() {
    let release = json!({
        "id": "R", "title": "T", "kind": "minor", "state": "planning",
        "ticket_colour": "blue",
        "communication": {"notify": [{"on": ["closed"], "owner": true, "channel": "#rel"}]}
    });
    let parsed = from_value::<Release>(release.clone()).unwrap().document;
    assert_eq!(parsed.extra["ticket_colour"], "blue");
    assert_eq!(
        serde_json::to_value(&parsed).unwrap()["communication"]["notify"][0]["channel"],
        "#rel"
    );
    // A context keeps unknown keys outside its policy.
    let context = json!({"actors": [], "tenant": "acme", "policy": {"u_owner": "CMO"}});
    let parsed = from_value::<Context>(context).unwrap().document;
    assert_eq!(parsed.extra["tenant"], "acme");
}

#[test]
fn the_published_policy_schema_is_strict() {
    let schema = relman::schema::schema("policy").unwrap();
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["patternProperties"]["^[ux]_"], json!({}));
    assert_eq!(schema["$defs"]["KindRules"]["additionalProperties"], false);
    // The context's policy is the same strict policy; its release
    // documents stay open.
    let context = relman::schema::schema("context").unwrap();
    assert_eq!(context["$defs"]["Policy"]["additionalProperties"], false);
    assert_eq!(context["$defs"]["NotifyRule"]["additionalProperties"], true);
    assert_eq!(
        context["$defs"]["PolicyNotifyRule"]["additionalProperties"],
        false
    );
    let release = relman::schema::schema("release").unwrap();
    assert_eq!(release["additionalProperties"], true);
}
