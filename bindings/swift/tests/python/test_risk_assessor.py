"""RiskAssessor through UniFFI's Python bindings of the library the Swift
package links: every `assess_risk` and `assess_risk_many` conformance
vector through a prepared assessor (the JSON entries, twice, and the typed
methods where the documents fit the typed records), compared with the
vector's expected output and with the operation called directly; errors
map as the operations' do."""

import json

import pytest

import relman_uniffi as r
from vector_support import VECTORS, body, check_outcome, text

SINGLE = sorted((VECTORS / "assess_risk").glob("*.json"))
MANY = sorted((VECTORS / "assess_risk_many").glob("*.json"))


def outcome(fn):
    try:
        return "ok", fn()
    except r.RelmanError as e:
        return "error", body(e)


def check_against(vector, direct, kind, value):
    assert (kind, value) == direct
    check_outcome(vector, kind, value)


def run(path, operation, param, json_method, typed):
    vector = json.loads(path.read_text())
    assert vector["operation"] == operation
    given = {k: v for k, v in vector["input"].items() if v is not None}
    direct = outcome(lambda: json.loads(r.call_json(operation, json.dumps(given))))
    try:
        assessor = r.RiskAssessor(context=text(given.get("context")))
    except r.RelmanError as e:
        check_against(vector, direct, "error", body(e))
        return
    per_call = {param: given[param]}
    for _ in range(2):
        check_against(
            vector, direct, *outcome(lambda: json.loads(getattr(assessor, json_method)(json.dumps(per_call))))
        )
    typed(vector, direct, assessor, given[param])


def typed_single(vector, direct, assessor, release):
    # The typed method, where the vector's release is a value of the typed
    # record (otherwise a Swift caller could not build it).
    try:
        value = r.release_from_json(text(release))
    except r.RelmanError:
        return
    for _ in range(2):
        check_against(
            vector, direct, *outcome(lambda: json.loads(r.risk_assessment_to_json(assessor.assess(release=value))))
        )


def typed_many(vector, direct, assessor, releases):
    texts = [json.dumps(x) for x in releases]
    for _ in range(2):
        check_against(
            vector, direct, *outcome(lambda: json.loads(r.risk_batch_to_json(assessor.assess_many(releases=texts))))
        )


def test_there_are_risk_vectors():
    assert len(SINGLE) >= 5
    assert len(MANY) >= 2


@pytest.mark.parametrize("path", SINGLE, ids=[f.stem for f in SINGLE])
def test_assess_risk_vector_through_an_assessor(path):
    run(path, "assess_risk", "release", "assess_json", typed_single)


@pytest.mark.parametrize("path", MANY, ids=[f.stem for f in MANY])
def test_assess_risk_many_vector_through_an_assessor(path):
    run(path, "assess_risk_many", "releases", "assess_many_json", typed_many)


def test_bad_context_text_is_invalid_input_at_context():
    with pytest.raises(r.RelmanError) as err:
        r.RiskAssessor(context="{not json")
    assert err.value.code == "invalid_input"
    assert err.value.path == "context"


def test_a_bad_release_fails_as_the_operation_fails():
    assessor = r.RiskAssessor()
    for params in ({"release": {"id": 3}}, {}, {"release": 7}):
        got = outcome(lambda: assessor.assess_json(json.dumps(params)))
        want = outcome(lambda: r.call_json("assess_risk", json.dumps(params)))
        assert got == want
        assert got[0] == "error"
