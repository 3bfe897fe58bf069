"""ReleaseDocument and ContextDocument (issue #30, item 5) through UniFFI's
Python bindings of the library the Swift package links: every `check` and
`assess_risk` conformance vector through documents read once gives the
vector's result or error (the same as `call_json`, paths included); a
document reads back the record and the JSON it was built from; bad text
is InvalidInput; documents are shared across threads."""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

import relman_uniffi as r
from vector_support import VECTORS, body, check_outcome, text

FILES = sorted((VECTORS / "check").glob("*.json")) + sorted((VECTORS / "assess_risk").glob("*.json"))
DATA = VECTORS.parents[2] / "examples" / "data"


def run_documents(operation, given):
    """The vector's call through documents: ('ok', result) or ('error', body)."""
    try:
        release = r.ReleaseDocument.from_json(text(given["release"]))
        context = r.ContextDocument.from_json(text(given["context"])) if "context" in given else None
        if operation == "check":
            target = r.ReleaseState[given["target"].upper()]
            report = r.check_document(release, target, context, text(given["keys"]) if "keys" in given else None)
            return "ok", json.loads(r.gate_report_to_json(report))
        return "ok", json.loads(r.risk_assessment_to_json(r.assess_risk_document(release, context)))
    except r.RelmanError as e:
        return "error", body(e)


def test_there_are_vectors():
    assert len(FILES) >= 20


@pytest.mark.parametrize("path", FILES, ids=[f"{f.parent.name}/{f.stem}" for f in FILES])
def test_vector_through_documents(path):
    vector = json.loads(path.read_text())
    given = {k: v for k, v in vector["input"].items() if v is not None}
    if "release" not in given:
        pytest.skip("no release: a call without one cannot be written with a document")
    outcome = run_documents(vector["operation"], given)
    check_outcome(vector, *outcome)
    try:
        expected = "ok", json.loads(r.call_json(vector["operation"], text(vector["input"])))
    except r.RelmanError as e:
        expected = "error", body(e)
    assert outcome == expected


def test_a_document_reads_back_its_record_and_json():
    release_text = (DATA / "release-minor.json").read_text()
    document = r.ReleaseDocument.from_json(release_text)
    record = r.release_from_json(release_text)
    assert document.record() == record
    assert json.loads(document.to_json()) == json.loads(r.release_to_json(record))
    again = r.ReleaseDocument.from_record(record)
    assert again.to_json() == document.to_json()
    context = r.ContextDocument.from_json((DATA / "context.json").read_text())
    assert r.ContextDocument.from_record(context.record()).to_json() == context.to_json()


def test_documents_give_what_the_typed_calls_give():
    release_text = (DATA / "release-minor.json").read_text()
    context_text = (DATA / "context.json").read_text()
    release, context = r.release_from_json(release_text), r.context_from_json(context_text)
    documents = r.ReleaseDocument.from_json(release_text), r.ContextDocument.from_json(context_text)
    for target in (r.ReleaseState.DEPLOYMENT, r.ReleaseState.CANCELLED):
        assert r.check_document(documents[0], target, documents[1], None) == r.check(release, target, context, None)
    assert r.assess_risk_document(*documents) == r.assess_risk(release, context)
    assert r.assess_risk_document(documents[0], None) == r.assess_risk(release, None)


def test_bad_documents_are_invalid_input_with_their_path():
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.ReleaseDocument.from_json('{"id": "R", "title": "T", "kind": "huge", "state": "planning"}')
    assert e.value.path == "kind"
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.ReleaseDocument.from_json("{not json")
    assert e.value.path == "release" and e.value.line == 1
    record = r.release_from_json('{"id": "R", "title": "T", "kind": "minor", "state": "planning"}')
    record.planned_start, record.planned_end = "2026-12-13T01:00:00+01:00", "2026-12-12T01:00:00+01:00"
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.ReleaseDocument.from_record(record)
    assert e.value.path == "planned_end"
    with pytest.raises(r.RelmanError.InvalidInput) as e:
        r.ContextDocument.from_json('{"actors": 3}')
    assert e.value.path == "actors"


def test_documents_are_shared_across_threads():
    release = r.ReleaseDocument.from_json((DATA / "release-minor.json").read_text())
    context = r.ContextDocument.from_json((DATA / "context.json").read_text())
    want = r.gate_report_to_json(r.check_document(release, r.ReleaseState.DEPLOYMENT, context, None))
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(
            lambda _: r.gate_report_to_json(r.check_document(release, r.ReleaseState.DEPLOYMENT, context, None)),
            range(32),
        ))
    assert got == [want] * 32
