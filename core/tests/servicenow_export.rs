//! ServiceNow export (issue #23): conflicts pushed down to change requests,
//! every change request's own risk, dated work notes in a time zone,
//! approval inserts for votes cast in relman, the dry-run diff against the
//! fetched records, and the per-table allowlist of written fields.

// Test helpers may unwrap, index and panic: a broken case should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use relman::interop::{
    change_as_release, export_fields, risk_code, PatchAction, RecordPatch, ServiceNowExport,
    ServiceNowPatches, EXPORT_TABLE_FIELDS,
};
use relman::{export_servicenow, ConflictReport, Context, Release, Schedule, Timestamp};
use serde_json::{json, Value};

/// Two releases whose windows overlap on `app-1`, two changes each, and a
/// bare change elsewhere; every document carries a sys_id as imported.
fn schedule() -> Schedule {
    let text = json!({
        "cmdb": {
            "cis": [
                {"id": "app-1", "name": "app-1", "class": "cmdb_ci_app_server", "criticality": "critical"},
                {"id": "web-1", "name": "web-1", "class": "cmdb_ci_linux_server", "criticality": "low"},
                {"id": "db-1", "name": "db-1", "class": "cmdb_ci_db_instance", "criticality": "high"},
                {"id": "ops-1", "name": "ops-1", "class": "cmdb_ci_linux_server", "criticality": "low"}
            ]
        },
        "releases": [
            {
                "id": "RLSE0010041",
                "title": "Catalog 3.8",
                "kind": "minor",
                "state": "approval",
                "planned_start": "2026-12-03T20:00:00Z",
                "planned_end": "2026-12-03T23:00:00Z",
                "environments": ["production"],
                "sys_id": "rel41",
                "approvals": [
                    {"approver": "carla", "role": "cab", "decision": "approved",
                     "at": "2026-11-30T09:00:00Z", "sys_id": "ap1", "state": "approved"},
                    {"approver": "ana", "role": "cab", "decision": "approved",
                     "at": "2026-11-30T10:00:00Z", "comment": "Looks good"},
                    {"approver": "bob", "role": "cab", "decision": "rejected",
                     "at": "2026-11-30T11:00:00Z"}
                ],
                "changes": [
                    {"id": "CHG0030001", "kind": "normal", "summary": "Faceted search",
                     "affected_cis": ["app-1"], "implementer": "lukas",
                     "sys_id": "c01", "backout_plan": "Switch back to blue.",
                     "state": "authorize", "risk": "moderate"},
                    {"id": "CHG0030002", "kind": "standard", "summary": "Cache listings",
                     "affected_cis": ["web-1"], "sys_id": "c02"}
                ]
            },
            {
                "id": "RLSE0010042",
                "title": "Payments hotfix",
                "kind": "emergency",
                "state": "planning",
                "planned_start": "2026-12-03T21:00:00Z",
                "planned_end": "2026-12-03T22:00:00Z",
                "sys_id": "rel42",
                "changes": [
                    {"id": "CHG0030011", "kind": "emergency", "summary": "Rotate certificate",
                     "affected_cis": ["app-1"], "sys_id": "c11", "backout_plan": "  "},
                    {"id": "CHG0030014", "kind": "normal", "summary": "Index payments",
                     "affected_cis": ["db-1"], "sys_id": "c14"}
                ]
            }
        ],
        "changes": [
            {"id": "CHG0030100", "kind": "normal", "summary": "Patch kernels",
             "affected_cis": ["ops-1"], "sys_id": "c100",
             "planned_start": "2026-12-10T01:00:00Z", "planned_end": "2026-12-10T02:00:00Z"}
        ]
    });
    relman::parse(&text.to_string()).unwrap().document
}

fn context(schedule: &Schedule) -> Context {
    Context {
        cmdb: schedule.cmdb.clone(),
        ..Context::default()
    }
}

fn actors() -> Vec<relman::Actor> {
    serde_json::from_value(json!([
        {"id": "ana", "name": "Ana Silva", "roles": ["cab"], "sys_id": "u-ana"},
        {"id": "bob", "name": "Bob Jones", "roles": ["cab"]}
    ]))
    .unwrap()
}

fn now() -> Timestamp {
    Timestamp::parse("2026-12-01T10:00:00Z").unwrap()
}

fn conflicts(schedule: &Schedule) -> ConflictReport {
    relman::detect_conflicts(schedule).unwrap()
}

fn input() -> ServiceNowExport {
    let s = schedule();
    ServiceNowExport {
        conflicts: Some(conflicts(&s)),
        now: Some(now()),
        context: Some(context(&s)),
        time_zone: Some("America/Los_Angeles".into()),
        actors: actors(),
        schedule: s,
        ..Default::default()
    }
}

fn patch<'a>(out: &'a ServiceNowPatches, number: &str) -> &'a RecordPatch {
    out.patches
        .iter()
        .find(|p| p.number == number && p.action == PatchAction::Update)
        .unwrap_or_else(|| panic!("no patch for {number}: {out:#?}"))
}

/// Every change request of the schedule with its release, if any.
fn changes(s: &Schedule) -> Vec<(&relman::Change, Option<&Release>)> {
    s.releases
        .iter()
        .flat_map(|r| r.changes.iter().map(move |c| (c, Some(r))))
        .chain(s.changes.iter().map(|c| (c, None)))
        .collect()
}

fn error(input: &ServiceNowExport) -> (String, String) {
    let e = export_servicenow(input).unwrap_err();
    (
        e.code().as_str().to_string(),
        e.path().unwrap_or_default().to_string(),
    )
}

#[test]
fn conflicts_of_a_release_are_pushed_down_to_its_change_requests() {
    let input = input();
    let report = input.conflicts.clone().unwrap();
    assert!(
        !report.conflicts.is_empty(),
        "the two releases overlap: {report:?}"
    );
    let out = export_servicenow(&input).unwrap();
    let mut conflicting = 0;
    for (c, parent) in changes(&input.schedule) {
        let names = |id: &str| {
            report
                .conflicts
                .iter()
                .any(|k| k.items.iter().any(|i| i == id))
        };
        let expected = names(&c.id) || parent.is_some_and(|r| names(&r.id));
        let p = patch(&out, &c.id);
        assert_eq!(p.table, "change_request");
        assert_eq!(
            p.fields["conflict_status"],
            if expected { "Conflict" } else { "No Conflict" },
            "{}",
            c.id
        );
        assert_eq!(p.fields["conflict_last_run"], "2026-12-01 10:00:00");
        conflicting += usize::from(expected);
    }
    // All four changes of the overlapping releases, not the bare one.
    assert_eq!(conflicting, 4);
    assert_eq!(
        patch(&out, "CHG0030100").fields["conflict_status"],
        "No Conflict"
    );
    // The notes name the other records: the other release (the report
    // names releases) with its change numbers.
    let explanation = &report.conflicts[0].explanation;
    let note = &patch(&out, "CHG0030002").fields["work_notes"];
    assert!(
        note.contains(&format!(
            "[relman] Conflict ci_overlap with RLSE0010042 (CHG0030011, CHG0030014): {explanation}"
        )),
        "{note}"
    );
    let note = &patch(&out, "CHG0030014").fields["work_notes"];
    assert!(
        note.contains(&format!(
            "[relman] Conflict ci_overlap with RLSE0010041 (CHG0030001, CHG0030002): {explanation}"
        )),
        "{note}"
    );
    assert!(!patch(&out, "CHG0030100").fields["work_notes"].contains("Conflict"));
    // Releases keep their own note, and have no conflict fields.
    let rel = patch(&out, "RLSE0010041");
    assert_eq!(rel.table, "rm_release");
    assert!(!rel.fields.contains_key("conflict_status"));
    assert!(rel.fields["work_notes"].contains("[relman] Conflict "));
}

#[test]
fn a_conflict_between_a_change_and_a_release_reaches_both_sides() {
    // A report naming a bare change and a release (as one may give it).
    let mut input = input();
    input.conflicts = Some(
        serde_json::from_value(json!({
            "conflicts": [{
                "kind": "ci_overlap", "severity": "block",
                "items": ["CHG0030100", "RLSE0010042"], "cis": ["ops-1"],
                "explanation": "both touch ops-1"
            }],
            "blocking": 1, "warnings": []
        }))
        .unwrap(),
    );
    let out = export_servicenow(&input).unwrap();
    let status = |n: &str| patch(&out, n).fields["conflict_status"].clone();
    assert_eq!(status("CHG0030100"), "Conflict");
    assert_eq!(status("CHG0030011"), "Conflict");
    assert_eq!(status("CHG0030014"), "Conflict");
    assert_eq!(status("CHG0030001"), "No Conflict");
    assert_eq!(status("CHG0030002"), "No Conflict");
    let note = |n: &str| patch(&out, n).fields["work_notes"].clone();
    assert!(
        note("CHG0030100").contains(
            "[relman] Conflict ci_overlap with RLSE0010042 (CHG0030011, CHG0030014): both touch ops-1"
        ),
        "{}",
        note("CHG0030100")
    );
    assert!(
        note("CHG0030014")
            .contains("[relman] Conflict ci_overlap with CHG0030100: both touch ops-1"),
        "{}",
        note("CHG0030014")
    );
    assert!(note("RLSE0010042").contains("[relman] Conflict ci_overlap: both touch ops-1"));
    // Nothing to write on the other release (its approval insert aside).
    assert!(!out
        .patches
        .iter()
        .any(|p| p.number == "RLSE0010041" && p.action == PatchAction::Update));
}

#[test]
fn every_change_request_gets_its_own_risk() {
    let input = input();
    let out = export_servicenow(&input).unwrap();
    let ctx = context(&input.schedule);
    for (c, parent) in changes(&input.schedule) {
        let expected = relman::assess_risk(&change_as_release(c, parent), &ctx).unwrap();
        let p = patch(&out, &c.id);
        assert_eq!(p.fields["risk"], risk_code(expected.level), "{}", c.id);
        assert!(["1", "2", "3", "4"].contains(&p.fields["risk"].as_str()));
        let note = &p.fields["work_notes"];
        assert!(
            note.contains(&format!(
                "[relman] Risk {} (score {:.1}).",
                expected.level.as_str(),
                expected.score
            )),
            "{note}"
        );
        for f in &expected.factors {
            assert!(note.contains(&f.explanation), "{note}");
        }
    }
    // Releases have no risk field.
    assert!(!patch(&out, "RLSE0010041").fields.contains_key("risk"));
}

#[test]
fn a_given_change_assessment_is_used_as_is_and_scoring_can_be_turned_off() {
    let mut input = input();
    let s = &input.schedule;
    let mut given = relman::assess_risk(&s.releases[0], &context(s)).unwrap();
    given.release_id = "CHG0030002".into();
    given.level = relman::RiskLevel::Critical;
    input.risk = vec![given];
    let out = export_servicenow(&input).unwrap();
    assert_eq!(patch(&out, "CHG0030002").fields["risk"], "1");
    assert!(patch(&out, "CHG0030001").fields.contains_key("risk"));

    input.score_changes = Some(false);
    let out = export_servicenow(&input).unwrap();
    assert_eq!(patch(&out, "CHG0030002").fields["risk"], "1");
    assert!(!patch(&out, "CHG0030001").fields.contains_key("risk"));
}

#[test]
fn change_as_release_takes_the_change_and_its_parent() {
    let s = schedule();
    let r = &s.releases[0];
    let one = change_as_release(&r.changes[0], Some(r));
    assert_eq!(one.id, "CHG0030001");
    assert_eq!(one.title, "Faceted search");
    assert_eq!(one.kind, relman::ReleaseKind::Minor);
    assert_eq!(one.state, r.state);
    assert_eq!(one.owner.as_deref(), Some("lukas"));
    assert_eq!(one.changes, vec![r.changes[0].clone()]);
    assert_eq!(one.affected_cis, vec!["app-1".to_string()]);
    assert_eq!(one.environments, r.environments);
    assert_eq!(one.planned_start, r.planned_start);
    let plan = one.rollback_plan.unwrap();
    assert!(plan.documented);
    assert_eq!(plan.instructions.as_deref(), Some("Switch back to blue."));
    // An emergency change, a blank backout plan, no parent.
    let e = change_as_release(&s.releases[1].changes[0], None);
    assert_eq!(e.kind, relman::ReleaseKind::Emergency);
    assert_eq!(e.state, relman::State::Planning);
    assert!(e.rollback_plan.is_none());
    assert!(e.environments.is_empty());
}

#[test]
fn work_notes_start_with_the_time_in_the_zone() {
    let out = export_servicenow(&input()).unwrap();
    for p in out
        .patches
        .iter()
        .filter(|p| p.fields.contains_key("work_notes"))
    {
        let note = &p.fields["work_notes"];
        assert!(
            note.starts_with("[relman] 2026-12-01 02:00:00 PST\n[relman] "),
            "{note}"
        );
    }
    // No zone: UTC; no `now`: no header.
    let mut input = input();
    input.time_zone = None;
    let out = export_servicenow(&input).unwrap();
    assert!(patch(&out, "CHG0030001").fields["work_notes"]
        .starts_with("[relman] 2026-12-01 10:00:00 UTC\n[relman] Risk "));
    input.now = None;
    let out = export_servicenow(&input).unwrap();
    let p = patch(&out, "CHG0030001");
    assert!(p.fields["work_notes"].starts_with("[relman] Risk "));
    assert!(!p.fields.contains_key("conflict_last_run"));
}

#[test]
fn a_vote_cast_in_relman_becomes_an_approval_insert() {
    let out = export_servicenow(&input()).unwrap();
    let inserts: Vec<&RecordPatch> = out
        .patches
        .iter()
        .filter(|p| p.action == PatchAction::Insert)
        .collect();
    // Ana's vote only: Carla's came from ServiceNow, Bob has no sys_id.
    assert_eq!(inserts.len(), 1, "{inserts:#?}");
    let ins = inserts[0];
    assert_eq!(ins.table, "sysapproval_approver");
    assert_eq!(ins.sys_id, None);
    assert_eq!(ins.number, "RLSE0010041");
    let expected: Vec<(&str, &str)> = vec![
        ("approver", "u-ana"),
        ("comments", "Looks good"),
        ("document_id", "rel41"),
        ("source_table", "rm_release"),
        ("state", "approved"),
        ("sysapproval", "rel41"),
    ];
    let got: Vec<(&str, &str)> = ins
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(got, expected);
    // Right after its release's patch.
    let at = out
        .patches
        .iter()
        .position(|p| std::ptr::eq(p, ins))
        .unwrap();
    assert_eq!(out.patches[at - 1].number, "RLSE0010041");
    assert_eq!(out.patches[at - 1].action, PatchAction::Update);
    // Serialized as an insert without sys_id.
    let v = serde_json::to_value(ins).unwrap();
    assert_eq!(v["action"], "insert");
    assert!(v.get("sys_id").is_none());
    assert_eq!(
        serde_json::to_value(patch(&out, "CHG0030001")).unwrap()["action"],
        "update"
    );

    let w: Vec<_> = out
        .warnings
        .iter()
        .filter(|w| w.code == "approver_without_sys_id")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", out.warnings);
    assert_eq!(w[0].path, "schedule.releases[0].approvals[2].approver");
    assert!(w[0].message.contains("bob"));
}

/// The records as a host fetched them (`sysparm_display_value=all` for
/// one field), around the export of [`input`].
fn fetched(out: &ServiceNowPatches) -> Value {
    let risk = patch(out, "CHG0030002").fields["risk"].clone();
    json!({
        "change_request": {"result": [
            {"sys_id": "c01", "number": "CHG0030001", "risk": "4",
             "conflict_status": "Not Run", "work_notes": ""},
            {"sys_id": "c02", "number": "CHG0030002",
             "risk": {"value": risk, "display_value": "Whatever"},
             "conflict_status": "Conflict", "conflict_last_run": "2026-11-30 10:00:00"},
            {"sys_id": "c11"}, {"sys_id": "c14"}
        ]},
        "rm_release": [{"sys_id": "rel41"}, {"sys_id": "rel42"}],
        "sysapproval_approver": {"result": []}
    })
}

#[test]
fn fetched_records_drop_unchanged_fields_and_give_a_diff() {
    let mut input = input();
    let full = export_servicenow(&input).unwrap();
    input.fetched = Some(serde_json::from_value(fetched(&full)).unwrap());
    let out = export_servicenow(&input).unwrap();
    // Unchanged `risk` and `conflict_status` are not written; the journal is.
    let c02 = patch(&out, "CHG0030002");
    assert!(!c02.fields.contains_key("risk"), "{c02:?}");
    assert!(!c02.fields.contains_key("conflict_status"), "{c02:?}");
    assert!(c02.fields.contains_key("work_notes"));
    assert_eq!(c02.fields["conflict_last_run"], "2026-12-01 10:00:00");
    // The diff lists exactly what is written, with the values before.
    let written: usize = out.patches.iter().map(|p| p.fields.len()).sum();
    assert_eq!(out.diff.len(), written);
    let d = |number: &str, field: &str| {
        out.diff
            .iter()
            .find(|d| d.number == number && d.field == field)
            .unwrap_or_else(|| panic!("no diff {number}.{field}: {:#?}", out.diff))
    };
    let run = d("CHG0030002", "conflict_last_run");
    assert_eq!(run.table, "change_request");
    assert_eq!(run.sys_id.as_deref(), Some("c02"));
    assert_eq!(run.before.as_deref(), Some("2026-11-30 10:00:00"));
    assert_eq!(run.after, "2026-12-01 10:00:00");
    let status = d("CHG0030001", "conflict_status");
    assert_eq!(status.before.as_deref(), Some("Not Run"));
    assert_eq!(status.after, "Conflict");
    assert_eq!(d("CHG0030001", "work_notes").before, None);
    let ins = d("RLSE0010041", "approver");
    assert_eq!((ins.sys_id.as_deref(), ins.before.as_deref()), (None, None));
    assert_eq!(ins.after, "u-ana");
    // CHG0030100 was not fetched: written in full, with a warning.
    let w: Vec<_> = out
        .warnings
        .iter()
        .filter(|w| w.code == "record_not_fetched")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", out.warnings);
    assert_eq!(w[0].path, "fetched.change_request");
    assert!(w[0].message.contains("c100") && w[0].message.contains("change_request"));
    assert_eq!(
        patch(&out, "CHG0030100").fields,
        patch(&full, "CHG0030100").fields
    );
    assert_eq!(d("CHG0030100", "risk").before, None);

    // A dry run: the same diff, no patches.
    input.dry_run = true;
    let dry = export_servicenow(&input).unwrap();
    assert!(dry.patches.is_empty());
    assert_eq!(dry.diff, out.diff);
    assert_eq!(dry.warnings, out.warnings);
}

#[test]
fn an_approval_already_fetched_is_not_inserted_again() {
    let mut input = input();
    let full = export_servicenow(&input).unwrap();
    let mut tables = fetched(&full);
    tables["sysapproval_approver"]["result"] = json!([{
        "sys_id": "ap9", "sysapproval": {"value": "rel41", "link": "x"},
        "approver": "u-ana", "state": "approved"
    }]);
    input.fetched = Some(serde_json::from_value(tables).unwrap());
    let out = export_servicenow(&input).unwrap();
    assert!(out.patches.iter().all(|p| p.action == PatchAction::Update));
    assert!(out.diff.iter().all(|d| d.table != "sysapproval_approver"));
}

#[test]
fn a_dry_run_needs_fetched() {
    let mut input = input();
    input.dry_run = true;
    assert_eq!(error(&input), ("invalid_input".into(), "dry_run".into()));
}

#[test]
fn an_unknown_time_zone_is_refused_at_time_zone() {
    let mut input = input();
    input.time_zone = Some("Mars/Olympus_Mons".into());
    assert_eq!(error(&input), ("invalid_input".into(), "time_zone".into()));
}

#[test]
fn malformed_fetched_tables_and_records_are_refused_at_their_path() {
    let mut input = input();
    let cases = [
        (
            json!({"change_request": {"result": [{"sys_id": "c01"}, 7]}}),
            "fetched.change_request.result[1]",
        ),
        (
            json!({"rm_release": [{"sys_id": "rel41"}, {"number": "RLSE1"}]}),
            "fetched.rm_release[1].sys_id",
        ),
        (
            json!({"change_request": {"records": []}}),
            "fetched.change_request",
        ),
    ];
    for (tables, path) in cases {
        input.fetched = Some(serde_json::from_value(tables).unwrap());
        assert_eq!(error(&input), ("invalid_input".into(), path.into()));
    }
    // Through the operation, as a host calls it.
    let mut params = serde_json::to_value(self::input()).unwrap();
    params["fetched"] = json!({"change_request": {"result": [{"sys_id": "c01"}, 7]}});
    let e = relman::api::call("export_servicenow", params).unwrap_err();
    assert_eq!(e.code().as_str(), "invalid_input");
    assert_eq!(e.path(), Some("fetched.change_request.result[1]"));
}

#[test]
fn a_bad_context_is_refused_under_context() {
    let mut input = input();
    let mut ctx = context(&input.schedule);
    ctx.cmdb = Some(
        serde_json::from_value(json!({"cis": [
            {"id": "a", "name": "a", "class": "x"}, {"id": "a", "name": "a", "class": "x"}
        ]}))
        .unwrap(),
    );
    input.context = Some(ctx);
    let (code, path) = error(&input);
    assert_eq!(code, "invalid_input");
    assert_eq!(path, "context.cmdb.cis[1].id");
    // Policy weights that are all zero: refused under `context.policy`.
    let mut input = self::input();
    let mut ctx = context(&input.schedule);
    let mut policy = serde_json::to_value(relman::Policy::default()).unwrap();
    for w in policy["risk"]["weights"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        *w = json!(0.0);
    }
    ctx.policy = Some(serde_json::from_value(policy).unwrap());
    input.context = Some(ctx);
    let (code, path) = error(&input);
    assert_eq!(code, "invalid_policy");
    assert!(path.starts_with("context.policy.risk.weights"), "{path}");
    // Turned off, the scoring does not consult the context.
    input.score_changes = Some(false);
    assert!(export_servicenow(&input).is_ok());
}

#[test]
fn every_patch_writes_only_the_fields_its_table_allows() {
    let mut input = input();
    input.gates = vec![relman::check(
        &input.schedule.releases[0],
        relman::State::Deployment,
        &context(&input.schedule),
    )];
    let out = export_servicenow(&input).unwrap();
    let tables: Vec<&str> = EXPORT_TABLE_FIELDS.iter().map(|(t, _)| *t).collect();
    let mut seen = std::collections::BTreeSet::new();
    for p in &out.patches {
        assert!(tables.contains(&p.table.as_str()), "{p:?}");
        for k in p.fields.keys() {
            assert!(
                export_fields(&p.table).contains(&k.as_str()),
                "{}.{k} is not allowed",
                p.table
            );
            seen.insert((p.table.clone(), k.clone()));
        }
        assert_eq!(p.sys_id.is_none(), p.action == PatchAction::Insert);
    }
    // Every allowed field is documented in docs/integrations.md, Export.
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/integrations.md"),
    )
    .unwrap();
    let export = docs.split("### Export").nth(1).unwrap();
    let export = export.split("\n### ").next().unwrap();
    for (table, fields) in EXPORT_TABLE_FIELDS {
        assert!(export.contains(&format!("`{table}`")), "{table}");
        for f in fields {
            assert!(export.contains(&format!("`{f}`")), "{table}.{f}");
        }
    }
    // This export writes every field but `comments`-less variants: check
    // a good share of the allowlist is exercised.
    assert!(seen.len() >= 10, "{seen:?}");
    assert_eq!(export_fields("cmdb_ci"), &[] as &[&str]);
}
