"""The UniFFI layer under the Swift package, tested through UniFFI's Python
backend: the same library, the same scaffolding and the same typed surface
the generated Relman.swift calls, generated here as module `relman_uniffi`.
The records and enums are relman's core types (UniFFI remote types).

Covers every exported function, every conformance vector through the typed
API (and through `call_json`), every RelmanError variant, bad input
(malformed JSON text, invalid records, denied transitions) and a forced
panic. scripts/test-swift builds the library and generates the module."""

import copy
import json
import os
import pathlib
import sys

import pytest

import relman_uniffi as r
import typed_operations
import vector_support

ROOT = pathlib.Path(__file__).resolve().parents[4]
VECTORS = ROOT / "core" / "tests" / "vectors"
VECTOR_FILES = sorted(VECTORS.glob("*/*.json"))

# The vector comparison shared with the pyo3 package's tests.
sys.path.insert(0, str(ROOT / "core" / "tests" / "support"))
from conformance import diff  # noqa: E402


# ---------------------------------------------------------------- helpers


def text(value):
    return json.dumps(value)


def enum(cls, value):
    """A string of relman's JSON as a UniFFI enum member (`md` is Markdown)."""
    if cls is r.NotesFormat and value == "md":
        value = "markdown"
    return cls[value.upper()]


def body(err):
    """A RelmanError as the shared error JSON (the fields vectors check)."""
    out = {"code": err.code, "message": err.message}
    for field in ("path", "rule"):
        if hasattr(err, field):
            out[field] = getattr(err, field)
    if hasattr(err, "violations"):
        out["violations"] = [{"rule": v.rule} for v in err.violations]
    return out


SAME = lambda v: v  # noqa: E731


def snake(name):
    """A Swift type name as the prefix of its UniFFI-Python functions
    (`ServiceNowImport` → `service_now_import`)."""
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


def converter(form, swift_type):
    """The function turning a vector's JSON value into the argument the
    typed export takes (typed_operations.py says which form it has)."""
    if form == "text":
        return text
    if form == "text_list":
        return lambda v: [text(x) for x in v]
    if form == "scalar":
        return SAME
    if form == "enum":
        return lambda v: enum(getattr(r, swift_type), v)
    from_json = getattr(r, snake(swift_type) + "_from_json")
    if form == "record":
        return lambda v: from_json(text(v))
    if form == "record_list":
        return lambda v: [from_json(text(x)) for x in v]
    raise ValueError(f"unknown parameter form {form}")


def result_pair(swift_type):
    """(from_json, to_json) of a result type; JSON text results are text."""
    if swift_type is None:
        return SAME, SAME
    return getattr(r, snake(swift_type) + "_from_json"), getattr(r, snake(swift_type) + "_to_json")


# Every operation as the generated exports take it (bindings/swift/src/ops.rs
# and typed_operations.py are written by relman-codegen from the core's
# registry): function, converter per parameter, result to JSON. `validate`
# is two functions, called by hand in run_typed.
OPERATIONS = {
    name: None
    if spec is None
    else (
        getattr(r, spec[0]),
        {param: converter(form, swift_type) for param, form, swift_type in spec[1]},
        result_pair(spec[2])[1],
    )
    for name, spec in typed_operations.OPERATIONS.items()
}


OPTIONAL_WITHOUT_DEFAULT = {"rollout_step": ("state",)}


class NotExpressible(Exception):
    """The vector's input cannot be written as a call of the typed function
    (a missing required or unknown parameter): Swift would not compile it."""


class NotRepresentable(Exception):
    """A document of the vector's input is not a value of its core type (a
    wrong enum value, a missing field, a bad timestamp): a Swift caller
    cannot build it, so the typed call cannot be made. `param` names the
    parameter, `error` is the RelmanError reading it raised."""

    def __init__(self, param, error):
        super().__init__(f"{param}: {error}")
        self.param = param
        self.error = error


def run_typed(operation, params):
    """Runs one operation through the typed API: ('ok', result JSON) or
    ('error', error body). An operation the API does not expose raises."""
    if operation not in OPERATIONS:
        raise LookupError(f"operation `{operation}` is not exposed by the UniFFI API")
    params = {k: v for k, v in params.items() if v is not None}
    if operation == "validate":
        kind = enum(r.DocumentKind, params["kind"])
        try:
            if "text" in params:
                result = r.validate(kind=kind, text=params["text"])
            else:
                result = r.validate_document(kind=kind, document=text(params["document"]))
        except r.RelmanError as e:
            return "error", body(e)
        return "ok", json.loads(r.validation_report_to_json(result))
    function, converters, to_json = OPERATIONS[operation]
    unknown = [k for k in params if k not in converters]
    if unknown:
        raise NotExpressible(f"no parameter {unknown[0]}")
    kwargs = {}
    for k, v in params.items():
        try:
            kwargs[k] = converters[k](v)
        except r.RelmanError as e:
            raise NotRepresentable(k, e) from e
        except KeyError as e:
            # Not a member of the Swift enum: a Swift caller cannot write it.
            raise NotExpressible(f"{k}: `{v}` is not a member of {converters[k]}") from e
    try:
        # Optional parameters without a default (they precede required ones):
        # a Swift caller writes `nil`.
        for name in OPTIONAL_WITHOUT_DEFAULT.get(operation, ()):
            kwargs.setdefault(name, None)
        result = function(**kwargs)
    except r.RelmanError as e:
        return "error", body(e)
    except TypeError as e:
        raise NotExpressible(str(e)) from e
    out = to_json(result)
    return "ok", json.loads(out)


def check_outcome(vector, outcome):
    vector_support.check_outcome(vector, *outcome)


def load(path):
    vector = json.loads(path.read_text())
    assert vector["operation"] == path.parent.name
    return vector


def vector_id(path):
    return f"{path.parent.name}/{path.stem}"


# ------------------------------------------------------ conformance vectors


def test_vectors_exist():
    assert len(VECTOR_FILES) > 100


@pytest.mark.parametrize("path", VECTOR_FILES, ids=vector_id)
def test_vector_through_the_typed_api(path):
    vector = load(path)
    try:
        outcome = run_typed(vector["operation"], vector["input"])
    except NotExpressible as e:
        # A typed signature refuses the call (Swift would not compile it): the
        # vector must expect invalid_input on that very parameter, which
        # call_json (below) checks against the core.
        assert vector.get("expected_error", {}).get("code") == "invalid_input", e
        assert vector["expected_error"]["path"] in str(e), e
        return
    except NotRepresentable as e:
        # The typed records cannot hold the document: the vector must expect
        # an input error inside that very parameter (call_json checks it).
        expected = vector.get("expected_error", {})
        assert expected.get("code") in ("invalid_input", "limit_exceeded"), e
        assert expected.get("path") == e.error.path or expected.get("path", "").startswith(e.param), e
        return
    check_outcome(vector, outcome)


@pytest.mark.parametrize("path", VECTOR_FILES, ids=vector_id)
def test_vector_through_call_json(path):
    vector = load(path)
    try:
        outcome = "ok", json.loads(r.call_json(vector["operation"], text(vector["input"])))
    except r.RelmanError as e:
        outcome = "error", body(e)
    check_outcome(vector, outcome)


def test_an_unknown_operation_fails_the_runner():
    with pytest.raises(LookupError):
        run_typed("no_such_operation", {})
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.call_json("no_such_operation", "{}")
    assert "unknown operation" in e.value.message


def test_every_operation_of_the_contract_has_a_typed_function():
    assert r.operations() == list(OPERATIONS)


def test_only_bad_input_vectors_are_refused_by_the_typed_api():
    """Every vector with a result runs through the typed functions; only
    vectors of malformed input cannot be written as a typed call."""
    refused, unrepresentable = [], []
    for path in VECTOR_FILES:
        vector = load(path)
        try:
            run_typed(vector["operation"], vector["input"])
        except NotExpressible:
            refused.append(vector_id(path))
        except NotRepresentable:
            assert "expected_error" in vector, vector_id(path)
            unrepresentable.append(vector_id(path))
    assert refused == [
        "check/missing_release",
        "import_metrics/unknown_format_refused",
        "judge_canary/unknown_parameter",
    ]
    assert len(unrepresentable) < len(VECTOR_FILES) // 4, unrepresentable


RESULT_TYPES = {
    "validate": (r.validation_report_from_json, r.validation_report_to_json),
    **{name: result_pair(spec[2]) for name, spec in typed_operations.OPERATIONS.items() if spec is not None},
}


@pytest.mark.parametrize("path", [p for p in VECTOR_FILES if p.parent.name != "schema"], ids=vector_id)
def test_records_round_trip_without_loss(path):
    """Every expected result (written by relman, so in relman's own form),
    the release, votes and runs it returns and the actors it is given:
    <type>_to_json(<type>_from_json(x)) == x."""
    vector = load(path)
    pairs = []
    if "expected" in vector:
        pairs.append((RESULT_TYPES[vector["operation"]], vector["expected"]))
    # The release an operation returns, with its votes and runs.
    releases = [(vector.get("expected") or {}).get("release")] if "expected" in vector else []
    pairs.extend(((r.release_from_json, r.release_to_json), x) for x in releases if isinstance(x, dict))
    for release in (x for x in releases if isinstance(x, dict)):
        pairs.extend(((r.approval_from_json, r.approval_to_json), vote) for vote in release.get("approvals", []))
        pairs.extend(((r.test_run_from_json, r.test_run_to_json), run) for run in release.get("tests", []))
    # The actors an operation is given (export_servicenow's approvers).
    actors = (vector.get("input") or {}).get("actors")
    pairs.extend(((r.actor_record_from_json, r.actor_record_to_json), a) for a in actors or [] if isinstance(a, dict))
    for (from_json, to_json), value in pairs:
        back = json.loads(to_json(from_json(text(value))))
        assert diff(value, back) is None, diff(value, back)


# ------------------------------------------------------------- fixtures


def vector_input(name):
    return copy.deepcopy(load(VECTORS / name)["input"])


@pytest.fixture
def advance():
    return vector_input("apply/advance_from_planning.json")


# ---------------------------------------------------- every exported function


def test_validate_and_validate_document(advance):
    report = r.validate(r.DocumentKind.RELEASE, text(advance["release"]))
    assert report.document == r.DocumentKind.RELEASE and report.schema_version == 1
    report = r.validate_document(r.DocumentKind.RELEASE, text(advance["release"]))
    assert report.document == r.DocumentKind.RELEASE
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.validate(r.DocumentKind.RELEASE, '{"id": "R1", "title": oops}')
    assert (e.value.line, e.value.column) == (1, 23)


def test_check_apply_verify_log_and_timestamps_keep_their_offset(advance):
    release = r.release_from_json(text(advance["release"]))
    context = r.context_from_json(text(advance["context"]))
    assert release.planned_start == "2026-12-13T01:00:00+01:00"
    report = r.check(release, r.ReleaseState.DEVELOPMENT, context)
    assert report.allowed and report._from == r.ReleaseState.PLANNING and report.target == r.ReleaseState.DEVELOPMENT
    command = r.Command(actor="alice", at="2026-12-01T11:00:00+01:00", action=r.Action.ADVANCE())
    applied = r.apply(release, command, context)
    assert applied.release.state == r.ReleaseState.DEVELOPMENT
    assert applied.events[0].at == "2026-12-01T11:00:00+01:00"
    assert applied.release.planned_start == "2026-12-13T01:00:00+01:00"
    written = json.loads(r.release_to_json(applied.release))
    assert written["planned_start"] == "2026-12-13T01:00:00+01:00"
    assert written["log"][0]["at"] == "2026-12-01T11:00:00+01:00"
    verdict = r.verify_log(applied.release, None)
    assert verdict.valid and verdict.events == 1
    assert r.verify_log(applied.release, verdict.head).events_after_expected_head == 0


def test_a_typed_record_can_be_built_in_code():
    release = r.Release(id="R1", title="T", kind=r.ReleaseKind.MINOR, state=r.ReleaseState.PLANNING)
    assert json.loads(r.release_to_json(release)) == {"id": "R1", "title": "T", "kind": "minor", "state": "planning"}
    release.changes = [r.Change(id="C1", kind=r.ChangeKind.NORMAL, summary="Faster search", extra=text({"u_ticket": "T-9"}))]
    release.extra = text({"ticket_color": "blue"})
    written = json.loads(r.release_to_json(release))
    assert written["changes"] == [{"id": "C1", "kind": "normal", "summary": "Faster search", "u_ticket": "T-9"}]
    assert written["ticket_color"] == "blue"
    notes = r.release_notes(release, r.NotesFormat.MARKDOWN)
    assert notes.format == r.NotesFormat.MARKDOWN and "T" in notes.text


def test_assess_risk_and_assess_risk_many(advance):
    release = r.release_from_json(text(advance["release"]))
    assessment = r.assess_risk(release, None)
    assert 0 <= assessment.score <= 100 and assessment.factors
    assert isinstance(json.loads(assessment.factors[0].inputs), dict)
    bad = dict(advance["release"], id="R2", kind="huge")
    batch = r.assess_risk_many([text(advance["release"]), text(bad)], None)
    assert batch.assessments[0].release_id == "REL-1" and batch.assessments[1] is None
    assert batch.errors[0].index == 1 and json.loads(batch.errors[0].error)["path"] == "kind"
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.assess_risk_many([text(advance["release"]), "{oops"], None)
    assert e.value.path == "releases[1]"


def test_fit_risk_model():
    inp = vector_input("fit_risk_model/forty_releases.json")
    fitted = r.fit_risk_model(text(inp["history"]), text(inp.get("options")) if inp.get("options") else None, None)
    assert "coefficients" in json.loads(fitted.model)
    assert 0.0 <= json.loads(fitted.quality)["training_auc"] <= 1.0


def test_detect_conflicts_suggest_slots_and_deployment_order():
    inp = vector_input("detect_conflicts/every_kind.json")
    report = r.detect_conflicts(text(inp["schedule"]))
    assert report.blocking >= 1 and report.conflicts[0].kind in list(r.ConflictKind)
    slots_in = next(load(p)["input"] for p in sorted(VECTORS.glob("suggest_slots/*.json")) if "expected" in load(p))
    s = r.suggest_slots(text(slots_in["schedule"]), slots_in["item"], slots_in["duration_secs"], slots_in["now"], slots_in["horizon_secs"], slots_in["count"])
    assert s.item == slots_in["item"] and s.slots
    order_in = vector_input("deployment_order/waves_and_critical_path.json")
    order = r.deployment_order([r.release_from_json(text(x)) for x in order_in["releases"]])
    assert order.waves[0].wave in (0, 1) and order.critical_path.releases


def test_rollout_step_and_judge_canary():
    path = next(p for p in sorted(VECTORS.glob("rollout_step/*.json")) if "expected" in load(p))
    inp = load(path)["input"]
    step = r.rollout_step(text(inp["plan"]), text(inp["state"]) if "state" in inp else None, text(inp["input"]), inp["now"], None)
    assert step.decision in list(r.RolloutDecision)
    assert isinstance(json.loads(step.state), dict)
    path = next(p for p in sorted(VECTORS.glob("judge_canary/*.json")) if "expected" in load(p))
    inp = load(path)["input"]
    judgement = r.judge_canary(text(inp["baseline"]), text(inp["canary"]), None, None)
    assert judgement.verdict in list(r.CanaryVerdict)
    assert all(isinstance(json.loads(m), dict) for m in judgement.metrics)


def test_compute_kpis_release_notes_calendar_ics():
    inp = vector_input("compute_kpis/hand_built_three_weeks.json")
    kpis = r.compute_kpis(text(inp["history"]), text(inp["options"]) if "options" in inp else None, None)
    assert "dora" in json.loads(kpis.kpis) and isinstance(json.loads(kpis.settings), dict)
    inp = vector_input("calendar_ics/dst-utc.json")
    cal = r.calendar_ics(text(inp["schedule"]), text(inp["options"]))
    assert cal.ics.startswith("BEGIN:VCALENDAR") and cal.events >= 1
    html = r.release_notes(r.release_from_json(text(vector_input("apply/advance_from_planning.json")["release"])), r.NotesFormat.HTML)
    assert html.format == r.NotesFormat.HTML and "<" in html.text


def test_servicenow_import_and_export():
    path = next(p for p in sorted(VECTORS.glob("import_servicenow/*.json")) if "expected" in load(p))
    inp = load(path)["input"]
    imported = r.import_servicenow(text(inp["tables"]), text(inp["options"]) if "options" in inp else None)
    assert "unscheduled_changes" in json.loads(imported.schedule)
    # The tables keyed by ServiceNow name, options by keyword; every approval
    # record typed, people as sys_ids, release votes as import commands.
    tables = {name: inp["tables"][name] for name in ("change_request", "rm_release", "sysapproval_approver") if name in inp["tables"]}
    imported = r.import_servicenow(tables=text(tables), options=text({"display_value": "all", "source": "servicenow:acme"}))
    approvals = [json.loads(a) for a in imported.approvals]
    assert approvals and all(a["table"] == "sysapproval_approver" for a in approvals)
    assert [a["approver"] for a in approvals] == ["u9", "u8", "u7"]
    assert imported.actors == []
    assert len(imported.commands) == 1
    _, converters, _ = OPERATIONS["export_servicenow"]
    for name in ("verdicts", "approval-insert", "dry-run"):
        inp = vector_input(f"export_servicenow/{name}.json")
        patches = r.export_servicenow(**{k: converters[k](v) for k, v in inp.items()})
        assert patches.patches or patches.diff, name
        for p in map(json.loads, patches.patches):
            assert isinstance(p["fields"], dict) and p.get("action", "update") in ("update", "insert"), (name, p)


def test_schema_operations_and_call_json():
    schema = json.loads(r.schema("release"))
    assert schema["title"]
    assert "schema" in r.operations()
    out = json.loads(r.call_json("schema", text({"name": "error"})))
    assert "code" in out["properties"]


# ------------------------------------------------------------- the record


RECORD_CONTEXT = {
    "actors": [
        {"id": "rita", "roles": ["release_manager", "cab"]},
        {"id": "mia", "roles": ["release_manager", "cab"]},
        {"id": "carol", "roles": ["cab"]},
        {"id": "quinn", "roles": ["qa"]},
    ],
    # The assessed risk reads the CMDB, so readiness needs one.
    "cmdb": {"cis": [{"id": "app-search", "name": "Search app", "class": "application", "criticality": "low",
                      "service": "search"}]},
}


def planning_release():
    """A patch release in planning whose gates are met up to approval."""
    return r.release_from_json(text({
        "id": "REL-U1", "title": "Search 2.1.1", "kind": "patch", "state": "planning", "owner": "rita",
        "planned_start": "2026-03-01T10:00:00Z", "planned_end": "2026-03-01T12:00:00Z", "scope": "Cache fix",
        "changes": [{"id": "CHG-1", "kind": "normal", "summary": "s", "affected_cis": ["app-search"], "approved": True}],
        "rollback_plan": {"documented": True},
        "tests": [{"kind": "unit", "passed": 10}, {"kind": "integration", "passed": 5}],
    }))


def step(release, actor, name, minute, **params):
    command = r.command_from_json(text(dict(params, command=name, actor=actor, at=f"2026-03-01T10:{minute:02d}:00Z")))
    return r.apply(release, command, r.context_from_json(text(RECORD_CONTEXT))).release


def in_approval():
    release = planning_release()
    for minute in (1, 2, 3):
        release = step(release, "rita", "advance", minute)
    assert release.state == r.ReleaseState.APPROVAL
    return release


def test_an_amend_command_is_built_from_typed_records():
    release = step(planning_release(), "rita", "advance", 1)
    amendment = r.Amendment(scope="Cache fix and typo tolerance", deployment=text({"strategy": "blue_green"}))
    command = r.Command(actor="rita", at="2026-03-01T12:00:00+01:00", action=r.Action.AMEND(reason="typo tolerance joins", set=amendment))
    assert json.loads(r.command_to_json(command)) == {
        "actor": "rita", "at": "2026-03-01T12:00:00+01:00", "command": "amend",
        "reason": "typo tolerance joins", "set": {"scope": "Cache fix and typo tolerance", "deployment": {"strategy": "blue_green"}},
    }
    applied = r.apply(release, command, r.context_from_json(text(RECORD_CONTEXT)))
    assert applied.events[0].command == "amend"
    details = json.loads(applied.events[0].details)
    assert details["fields"] == ["scope", "deployment"]
    assert r.amendment_from_json(text(details["set"])).scope == "Cache fix and typo tolerance"
    assert applied.release.scope == "Cache fix and typo tolerance"
    assert r.verify_log(applied.release, None).valid
    # The amendment writes back what it read, and only sealed fields.
    given = {"kind": "minor", "changes": [], "planned_end": "2026-03-11T01:00:00+01:00"}
    assert json.loads(r.amendment_to_json(r.amendment_from_json(text(given)))) == given
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.amendment_from_json(text({"title": "T"}))
    assert "unknown field `title`" in e.value.message
    # A value a core type cannot hold is InvalidInput before relman runs.
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.command_to_json(r.Command(actor="rita", at="2026-03-01T11:00:00Z", action=r.Action.AMEND(reason="r", set=r.Amendment(deployment="{oops"))))
    assert e.value.line == 1
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.command_to_json(r.Command(actor="rita", at="not a time", action=r.Action.ADVANCE()))
    assert "not a time" in e.value.message


def test_an_import_command_votes_and_runs_carry_their_source():
    release = in_approval()
    vote = r.Approval(approver="carol", role=r.Role.CAB, decision=r.Decision.APPROVED, at="2026-03-01T10:03:30Z")
    action = r.Action.IMPORT(source="servicenow:acme", records=["sysapproval-1"], approvals=[vote], tests=[], adopt=False)
    command = r.Command(actor="rita", at="2026-03-01T10:04:00Z", action=action)
    assert json.loads(r.command_to_json(command)) == {
        "actor": "rita", "at": "2026-03-01T10:04:00Z", "command": "import",
        "source": "servicenow:acme", "records": ["sysapproval-1"],
        "approvals": [{"approver": "carol", "role": "cab", "decision": "approved", "at": "2026-03-01T10:03:30Z"}],
    }
    applied = r.apply(release, command, r.context_from_json(text(RECORD_CONTEXT)))
    votes = applied.release.approvals
    assert [(v.approver, v.source, v.round) for v in votes] == [("carol", "servicenow:acme", 1)]
    assert json.loads(r.approval_to_json(votes[0]))["source"] == "servicenow:acme"
    report = r.check(applied.release, r.ReleaseState.DEPLOYMENT, r.context_from_json(text(RECORD_CONTEXT)))
    assert report.requirements[0].rule == "record.log" and report.requirements[0].met
    assert json.loads(report.requirements[0].data)["imports"][0]["source"] == "servicenow:acme"
    # Runs, in development: a core TestRun writes its counts.
    dev = step(planning_release(), "rita", "advance", 1)
    run = r.TestRun(kind=r.TestKind.SECURITY, passed=12, failed=0, skipped=0, extra=text({"u_report": "https://ci/42"}))
    runs = r.Command(actor="rita", at="2026-03-01T10:05:00Z", action=r.Action.IMPORT(source="jenkins", tests=[run]))
    assert json.loads(r.command_to_json(runs))["tests"] == [{"kind": "security", "passed": 12, "failed": 0, "skipped": 0, "u_report": "https://ci/42"}]
    recorded = r.apply(dev, runs, r.context_from_json(text(RECORD_CONTEXT))).release
    last = recorded.tests[-1]
    assert (last.kind, last.passed, last.source, json.loads(last.extra)) == (r.TestKind.SECURITY, 12, "jenkins", {"u_report": "https://ci/42"})
    assert json.loads(r.test_run_to_json(last))["source"] == "jenkins"


def test_import_command_adopt_brings_a_release_past_planning_in():
    doc = json.loads(r.release_to_json(planning_release()))
    doc.update(state="testing", id="REL-U2")
    release = r.release_from_json(text(doc))
    verdict = r.verify_log(release, None)
    assert not verdict.valid and verdict.tamper.kind == r.TamperKind.EMPTY_LOG
    with pytest.raises(r.RelmanError.LogTampered) as e:
        step(release, "rita", "advance", 1)
    assert e.value.path == "log"
    adopt = r.Command(actor="rita", at="2026-03-01T10:00:00Z", action=r.Action.IMPORT(source="servicenow:acme", records=["RLSE1"], adopt=True))
    adopted = r.apply(release, adopt, r.context_from_json(text(RECORD_CONTEXT))).release
    assert r.verify_log(adopted, None).valid
    runs = adopted.tests
    assert runs and all(t.source == "servicenow:acme" for t in runs)
    assert step(adopted, "rita", "advance", 1).state == r.ReleaseState.APPROVAL


def test_verify_log_differences_and_log_tampered_on_a_forged_vote():
    release = step(in_approval(), "mia", "approve", 4, role="cab")
    doc = json.loads(r.release_to_json(release))
    doc["approvals"].append({"approver": "carol", "role": "cab", "decision": "approved", "at": "2026-03-01T10:05:00Z"})
    forged = r.release_from_json(text(doc))
    verdict = r.verify_log(forged, None)
    assert not verdict.valid
    assert verdict.tamper.kind == r.TamperKind.DIVERGED and verdict.tamper.path == "approvals[1]"
    assert [(d.kind, d.path, d.seq) for d in verdict.differences] == [(r.DifferenceKind.UNLOGGED, "approvals[1]", None)]
    assert "carol" in verdict.differences[0].message
    assert json.loads(r.log_verdict_to_json(verdict))["differences"][0]["kind"] == "unlogged"
    with pytest.raises(r.RelmanError.LogTampered) as e:
        step(forged, "rita", "advance", 5)
    assert e.value.code == "log_tampered" and e.value.path == "approvals[1]"
    doc["approvals"].pop()
    doc["approvals"][0]["decision"] = "rejected"
    edited = r.verify_log(r.release_from_json(text(doc)), None)
    assert edited.differences[0].kind == r.DifferenceKind.EDITED and edited.differences[0].seq == 4
    # A valid log has no differences (and writes none).
    clean = r.verify_log(release, None)
    assert clean.valid and clean.differences == []
    assert "differences" not in json.loads(r.log_verdict_to_json(clean))


def test_identity_and_approver_deployment_are_forbidden():
    release = in_approval()
    for actor in ("Carol", "c\u0430rol", "ca\u200brol"):
        with pytest.raises(r.RelmanError.Forbidden) as e:
            step(release, actor, "approve", 4, role="cab")
        assert e.value.rule == "identity.confusable", actor
    approved = step(release, "mia", "approve", 4, role="cab")
    with pytest.raises(r.RelmanError.Forbidden) as e:
        step(approved, "mia", "start_deployment", 5)
    assert e.value.rule == "sod.approver_deployment"
    assert step(approved, "rita", "start_deployment", 5).state == r.ReleaseState.DEPLOYMENT


# ------------------------------------------------------------------ errors


def test_every_error_variant_is_raised_with_its_code(advance):
    """One call per RelmanError variant: the Python class and `code` match."""
    release = lambda: r.release_from_json(text(advance["release"]))  # noqa: E731
    denied = vector_input("apply/denied_lists_every_violation.json")
    owner = vector_input("apply/owner_cannot_approve.json")
    applied = r.apply(release(), r.command_from_json(text(advance["command"])), r.context_from_json(text(advance["context"])))
    tampered = json.loads(r.release_to_json(applied.release))
    tampered["log"][0]["actor"] = "mallory"
    old = release()
    old.schema_version = 99
    cases = {
        r.RelmanError.InvalidInput: lambda: r.detect_conflicts("{"),
        r.RelmanError.InvalidPolicy: lambda: r.assess_risk(release(), r.context_from_json(text({"policy": {"risk": {"weights": {"emergency": -1}}}}))),
        r.RelmanError.UnsupportedVersion: lambda: r.assess_risk(old, None),
        r.RelmanError.TransitionDenied: lambda: r.apply(*(f(text(denied[k])) for f, k in ((r.release_from_json, "release"), (r.command_from_json, "command"), (r.context_from_json, "context")))),
        r.RelmanError.Forbidden: lambda: r.apply(*(f(text(owner[k])) for f, k in ((r.release_from_json, "release"), (r.command_from_json, "command"), (r.context_from_json, "context")))),
        r.RelmanError.LogTampered: lambda: r.apply(r.release_from_json(text(tampered)), r.Command(actor="alice", at="2026-12-02T10:00:00Z", action=r.Action.CANCEL(reason="x")), r.context_from_json(text(advance["context"]))),
        r.RelmanError.LimitExceeded: lambda: r.detect_conflicts("[" * 100_000),
        r.RelmanError.Conflict: lambda: r.apply(release(), r.command_from_json(text(advance["command"])), r.context_from_json(text(advance["context"])), expected_head="0" * 64),
        r.RelmanError.Internal: r.force_panic,
    }
    codes = {
        "InvalidInput": "invalid_input", "InvalidPolicy": "invalid_policy",
        "UnsupportedVersion": "unsupported_version", "TransitionDenied": "transition_denied",
        "Forbidden": "forbidden", "LogTampered": "log_tampered",
        "LimitExceeded": "limit_exceeded", "Conflict": "conflict", "Internal": "internal",
    }
    assert len(cases) == 9
    for variant, call in cases.items():
        with pytest.raises(variant) as e:
            call()
        assert isinstance(e.value, r.RelmanError)
        assert e.value.code == codes[variant.__name__], (variant, e.value)
        assert e.value.message
        assert swift_description(e.value) == e.value.message, variant


def swift_description(err):
    """What `RelmanError.description` returns in Swift (and so
    `localizedDescription`): the error's exported Rust `Display`, called
    through the same FFI function. UniFFI 0.32's Python backend does not
    apply an error's exported `Display` to `str(err)`, so the function is
    called directly."""
    display = r._UniffiLib.uniffi_relman_uniffi_fn_method_relmanerror_uniffi_trait_display
    lowered = r._UniffiFfiConverterTypeRelmanError.lower(err)
    return r._UniffiFfiConverterString.lift(r._uniffi_rust_call(display, lowered))


def test_an_error_reads_as_its_message_in_swift():
    """Swift's `error.localizedDescription` is the message a person reads
    (issue #30), not the enum dump; code, path and problems stay fields."""
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.release_from_json(text({"title": "T", "kind": "minor", "state": "planning"}))
    assert swift_description(e.value) == e.value.message == "id: missing field `id` at line 1 column 52"
    assert (e.value.code, e.value.path, [p.path for p in e.value.problems]) == ("invalid_input", "id", ["id"])
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.detect_conflicts("[")
    assert swift_description(e.value) == "schedule: not JSON text: EOF while parsing a list at line 1 column 1"
    generated = (SWIFT / "Sources" / "Relman" / "Relman.swift").read_text()
    enum = generated[generated.index("enum RelmanError: Swift.Error"):generated.index("extension RelmanError: Sendable")]
    assert "public var description: String {" in enum
    assert "uniffi_relman_uniffi_fn_method_relmanerror_uniffi_trait_display(" in enum
    # UniFFI's own LocalizedError (errorDescription: the enum dump) is off
    # (uniffi.toml); the extension declares it with the message.
    assert "LocalizedError" not in enum and "errorDescription" not in enum
    extension = (SWIFT / "Sources" / "Relman" / "RelmanError+Description.swift").read_text()
    assert "extension RelmanError: CustomStringConvertible, LocalizedError {" in extension
    assert "public var errorDescription: String? { description }" in extension


def test_invalid_input_malformed_json_where_a_string_is_taken():
    calls = {
        "history": lambda t: r.compute_kpis(t, None, None),
        "schedule": lambda t: r.detect_conflicts(t),
        "plan": lambda t: r.rollout_step(t, None, "{}", "2026-01-01T00:00:00Z", None),
        "baseline": lambda t: r.judge_canary(t, "{}", None, None),
        "options": lambda t: r.calendar_ics("{}", t),
        "tables": lambda t: r.import_servicenow(t, None),
        "options": lambda t: r.import_servicenow("{}", t),
        "document": lambda t: r.validate_document(r.DocumentKind.RELEASE, t),
    }
    for name, call in calls.items():
        with pytest.raises(r.RelmanError.InvalidInput) as e:
            call('{"a": [1, 2,, 3]}')
        assert e.value.code == "invalid_input" and e.value.path == name, (name, e.value)
        assert (e.value.line, e.value.column) == (1, 13), (name, e.value)
        assert "not JSON text" in e.value.message


def test_invalid_input_from_json_names_the_path():
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.release_from_json(text({"id": "R", "title": "T", "kind": "huge", "state": "planning"}))
    assert e.value.path == "kind" and e.value.problems[0].path == "kind"
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.release_from_json(text({"id": "R", "kind": "minor", "state": "planning"}))
    assert e.value.path == "title"
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.context_from_json('{"now": ')
    assert e.value.path in ("", "now") and e.value.line == 1


def test_invalid_records_raise_invalid_input_with_path(advance):
    # JSON text of a record's `extra` that is not an object: refused when
    # the record is lifted, with the position in that text.
    release = r.release_from_json(text(advance["release"]))
    release.extra = "[1, 2]"
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.assess_risk(release, None)
    assert e.value.code == "invalid_input" and e.value.line == 1
    release.extra = "{oops"
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.release_to_json(release)
    assert e.value.code == "invalid_input"
    # A record whose values break the document's rules: the core's path.
    bad = r.release_from_json(text(advance["release"]))
    bad.planned_end = "2026-12-12T01:00:00+01:00"
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.assess_risk(bad, None)
    assert e.value.path == "planned_end"
    # A timestamp that is not one cannot become a core Timestamp.
    bad = r.release_from_json(text(advance["release"]))
    bad.created_at = "yesterday"
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.check(bad, r.ReleaseState.DEVELOPMENT, None)
    assert "yesterday" in e.value.message
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.suggest_slots("{}", "X", 60, "not a time", 3600, 1)
    assert "not a time" in e.value.message
    # A timestamp parameter is named by the error (not lifted nameless).
    assert e.value.path == "now"


def test_transition_denied_carries_every_violation():
    inp = vector_input("apply/denied_lists_every_violation.json")
    with pytest.raises(r.RelmanError.TransitionDenied) as e:
        r.apply(r.release_from_json(text(inp["release"])), r.command_from_json(text(inp["command"])), r.context_from_json(text(inp["context"])))
    err = e.value
    assert err.code == "transition_denied"
    assert [v.rule for v in err.violations] == ["planning.owner", "planning.scope", "planning.window"]
    assert json.loads(err.report)["allowed"] is False


def test_forbidden_carries_the_rule():
    inp = vector_input("apply/owner_cannot_approve.json")
    with pytest.raises(r.RelmanError.Forbidden) as e:
        r.apply(r.release_from_json(text(inp["release"])), r.command_from_json(text(inp["command"])), r.context_from_json(text(inp["context"])))
    assert e.value.code == "forbidden" and e.value.rule == "sod.owner_approval"


def test_invalid_policy_and_unsupported_version(advance):
    context = r.context_from_json(text({"policy": {"risk": {"weights": {"emergency": -1}}}}))
    with pytest.raises(r.RelmanError.InvalidPolicy) as e:
        r.assess_risk(r.release_from_json(text(advance["release"])), context)
    assert e.value.code == "invalid_policy" and e.value.path == "policy.risk.weights.emergency"
    release = r.release_from_json(text(advance["release"]))
    release.schema_version = 99
    with pytest.raises(r.RelmanError.UnsupportedVersion) as e:
        r.assess_risk(release, None)
    assert e.value.code == "unsupported_version" and e.value.path == "schema_version"


def test_log_tampered(advance):
    release = r.release_from_json(text(advance["release"]))
    context = r.context_from_json(text(advance["context"]))
    applied = r.apply(release, r.command_from_json(text(advance["command"])), context)
    doc = json.loads(r.release_to_json(applied.release))
    doc["log"][0]["actor"] = "mallory"
    tampered = r.release_from_json(text(doc))
    assert r.verify_log(tampered, None).valid is False
    command = r.Command(actor="alice", at="2026-12-02T10:00:00Z", action=r.Action.CANCEL(reason="x"))
    with pytest.raises(r.RelmanError.LogTampered) as e:
        r.apply(tampered, command, context)
    assert e.value.code == "log_tampered" and e.value.path.startswith("log[")


def test_limit_exceeded_on_deep_json_text():
    with pytest.raises(r.RelmanError.LimitExceeded) as e:
        r.detect_conflicts("[" * 100_000)
    assert e.value.code == "limit_exceeded" and e.value.path == "schedule"
    with pytest.raises(r.RelmanError.LimitExceeded):
        r.call_json("schema", "[" * 100_000)


def test_a_forced_panic_becomes_internal():
    with pytest.raises(r.RelmanError.Internal) as e:
        r.force_panic()
    assert e.value.code == "internal" and "forced panic" in e.value.message
    # The library still works after the panic.
    assert r.operations()


# --------------------------------------------------- the Swift package


SWIFT = ROOT / "bindings" / "swift"


def exported_functions():
    """The public top-level functions of the generated Relman.swift."""
    names = []
    for line in (SWIFT / "Sources" / "Relman" / "Relman.swift").read_text().splitlines():
        if line.startswith("public func ") and not line.startswith("public func FfiConverter"):
            names.append(line.split("public func ", 1)[1].split("(", 1)[0])
    # uniffiEnsure…Initialized is UniFFI's own plumbing, not relman's API.
    return [n for n in names if not n.startswith("uniffi")]


def test_an_xctest_exists_for_every_exported_function():
    functions = exported_functions()
    assert len(functions) >= 60, functions
    tests = "\n".join(p.read_text() for p in (SWIFT / "Tests" / "RelmanTests").glob("*.swift"))
    missing = [f for f in functions if f + "(" not in tests]
    assert not missing, f"no XCTest calls {missing}"


def test_python_and_swift_expose_the_same_functions():
    import re

    def camel(name):
        return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)

    python = {camel(n) for n, f in vars(r).items() if callable(f) and not n.startswith(("_", "uniffi")) and n[0].islower() and getattr(f, "__module__", "") == "relman_uniffi"}
    swift = set(exported_functions())
    assert swift - python == set(), swift - python
    assert python - swift == set(), python - swift


def test_package_layout_follows_uniffi_swiftpm_on_linux():
    ffi = SWIFT / "Sources" / "RelmanFFI"
    modulemap = (ffi / "module.modulemap").read_text()
    assert "module RelmanFFI" in modulemap and 'header "RelmanFFI.h"' in modulemap
    assert (ffi / "RelmanFFI.h").is_file()
    package = (SWIFT / "Package.swift").read_text()
    assert '.systemLibrary(' in package and 'name: "RelmanFFI"' in package
    assert '.linkedLibrary("relman_uniffi")' in package
    assert "import RelmanFFI" in (SWIFT / "Sources" / "Relman" / "Relman.swift").read_text()


def test_the_committed_generated_files_are_current():
    """scripts/test-swift regenerated the files into RELMAN_SWIFT_FRESH from
    the library just built; the committed ones must be identical."""
    fresh = pathlib.Path(os.environ["RELMAN_SWIFT_FRESH"])
    for rel in ("Sources/RelmanFFI/RelmanFFI.h", "Sources/RelmanFFI/module.modulemap", "Sources/Relman/Relman.swift"):
        committed = (SWIFT / rel).read_text()
        assert committed == (fresh / rel).read_text(), f"{rel} is stale: run scripts/gen-swift"


def test_the_linked_library_has_no_bindgen_or_clap_symbols():
    """nm -D of the library the package links: UniFFI's metadata is kept,
    the bindgen CLI (clap, uniffi_bindgen) is not in it."""
    import subprocess

    lib = os.environ["RELMAN_UNIFFI_LIB"]
    symbols = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True, text=True).stdout
    assert "UNIFFI_META_" in symbols
    assert "uniffi_relman_uniffi_fn_func_check" in symbols
    demangled = subprocess.run(["nm", "-C", lib], check=True, capture_output=True, text=True).stdout
    for forbidden in ("clap", "uniffi_bindgen"):
        assert forbidden not in symbols and forbidden not in demangled, forbidden


def test_the_library_build_resolves_no_bindgen_or_clap():
    """The dependency graph `cargo build -p relman-swift` resolves on its own
    (as scripts/test-swift and packaging build it): no clap, no
    uniffi_bindgen, no `cli` feature of uniffi."""
    import subprocess

    tree = subprocess.run(
        ["cargo", "tree", "--locked", "-p", "relman-swift", "-e", "normal,features", "--prefix", "none"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    assert "uniffi v0.32" in tree
    for forbidden in ("clap v", "uniffi_bindgen v", 'uniffi feature "cli"'):
        assert forbidden not in tree, forbidden


def test_float_comparison_is_relative():
    assert diff({"x": [1.0, 1e300]}, {"x": [1.0 + 1e-12, 1e300 * (1 + 1e-12)]}) is None
    assert diff({"x": 1.0}, {"x": 1.001}) == "$.x: 1.0 != 1.001"
    assert diff({"x": 1}, {}) == "$.x: missing in actual"
    assert diff({"x": True}, {"x": 1}) is not None


def test_keyed_chains_and_the_conflict_error():
    """A keyring as JSON text on apply/verify_log, a rewrite caught without
    an expected head, and Conflict with both heads."""
    hmac = {"signing_key": "host-1", "keys": [{"id": "host-1", "alg": "hmac-sha256", "secret": "00112233445566778899aabbccddeeff"}]}
    keys = text(hmac)
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.verify_log(in_approval(), None, text({"keys": [{"id": "k", "alg": "hmac-sha256", "secret": "0011"}]}))
    assert e.value.path == "keys.keys[0].secret"
    assert "0011" not in e.value.message
    release = in_approval()
    head = r.verify_log(release, None).head
    ctx = r.context_from_json(text(RECORD_CONTEXT))
    cmd = r.command_from_json(text({"command": "approve", "actor": "mia", "at": "2026-03-01T10:04:00Z", "role": "cab"}))
    keyed = r.apply(release, cmd, ctx, expected_head=head, keys=text(dict(hmac, adopt_unkeyed=True)))
    event = keyed.events[0]
    assert event.auth.key_id == "host-1" and event.auth.alg == r.KeyAlgorithm.HMAC_SHA256
    assert r.verify_log(keyed.release, None, keys).valid
    # The head vouches for the unkeyed events before it; stripping its MAC
    # is caught without an expected head.
    doc = json.loads(r.release_to_json(keyed.release))
    del doc["log"][-1]["auth"]
    verdict = r.verify_log(r.release_from_json(text(doc)), None, keys)
    assert verdict.tamper.kind == r.TamperKind.UNAUTHENTICATED and verdict.tamper.path == f"log[{len(doc['log']) - 1}]"
    with pytest.raises(r.RelmanError.Conflict) as c:
        r.apply(keyed.release, cmd, ctx, expected_head=head)
    assert c.value.code == "conflict" and c.value.path == "log" and c.value.expected == head
    assert c.value.found == r.verify_log(keyed.release, None).head
