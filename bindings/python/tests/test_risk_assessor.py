"""relman.RiskAssessor: every `assess_risk` and `assess_risk_many`
conformance vector through a prepared assessor (twice), compared with the
vector's expected output as test_conformance compares them and with the
operation called directly; an invalid context fails the constructor with
the operation's error; bad releases fail (or fill a batch slot) as the
operation's do; the object is shared across threads."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

import relman
from conftest import VECTORS, load
from conformance import diff  # core/tests/support/conformance.py (conftest puts it on sys.path)

SINGLE = sorted(VECTORS.glob("assess_risk/*.json"))
MANY = sorted(VECTORS.glob("assess_risk_many/*.json"))


def check(vector: Dict[str, Any], method: str, param: str, direct: Callable[..., Any]) -> None:
    given = dict(vector["input"])
    context = given.pop("context", None)
    expected_error = vector.get("expected_error")
    try:
        assessor = relman.RiskAssessor(context)
        results = [getattr(assessor, method)(**given) for _ in range(2)]
    except relman.RelmanError as err:
        assert expected_error is not None, f"unexpected error: {err.body}"
        assert err.code == expected_error["code"], err.message
        if "path" in expected_error:
            assert err.path == expected_error["path"]
        with pytest.raises(relman.RelmanError) as called:
            direct(**vector["input"])
        assert called.value.body == err.body
        return
    assert expected_error is None, f"expected an error, got {results}"
    assert list(given) == [param]
    for actual in results:
        d = diff(vector["expected"], actual)
        assert d is None, f"output differs at {d}"
        assert actual == direct(**vector["input"])


@pytest.mark.parametrize("file", SINGLE, ids=[f.stem for f in SINGLE])
def test_assess_risk_vector_through_an_assessor(file: Path) -> None:
    vector = load(file)
    assert vector["operation"] == "assess_risk"
    check(vector, "assess", "release", relman.assess_risk)


@pytest.mark.parametrize("file", MANY, ids=[f.stem for f in MANY])
def test_assess_risk_many_vector_through_an_assessor(file: Path) -> None:
    vector = load(file)
    assert vector["operation"] == "assess_risk_many"
    check(vector, "assess_many", "releases", relman.assess_risk_many)


def test_there_are_risk_vectors() -> None:
    assert len(SINGLE) >= 5
    assert len(MANY) >= 2


def mixed() -> Dict[str, Any]:
    return load(VECTORS / "assess_risk_many" / "mixed_batch.json")["input"]


def test_errors_are_the_operations() -> None:
    given = mixed()
    assessor = relman.RiskAssessor(given.get("context"))
    for bad in ({"id": 3}, "{not json", 7):
        with pytest.raises(relman.RelmanError) as got:
            assessor.assess(bad)
        with pytest.raises(relman.RelmanError) as want:
            relman.assess_risk(bad, given.get("context"))
        assert got.value.body == want.value.body
    with pytest.raises(relman.RelmanError) as got:
        assessor.assess()
    with pytest.raises(relman.RelmanError) as want:
        relman.assess_risk(None, given.get("context"))
    assert got.value.body == want.value.body
    with pytest.raises(relman.RelmanError) as got:
        assessor.assess_many({"not": "a list"})
    with pytest.raises(relman.RelmanError) as want:
        relman.assess_risk_many({"not": "a list"}, given.get("context"))
    assert got.value.body == want.value.body
    with pytest.raises(relman.InvalidInput) as bad:
        relman.RiskAssessor("{not json")
    assert bad.value.path == "context"
    with pytest.raises(relman.InvalidInput) as direct:
        relman.assess_risk(given["releases"][0], "{not json")
    assert bad.value.body == direct.value.body


def test_json_text_and_threads() -> None:
    given = mixed()
    assessor = relman.RiskAssessor(json.dumps(given.get("context")))
    want = relman.assess_risk_many(given["releases"], given.get("context"))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: assessor.assess_many(given["releases"]), range(8)))
    assert all(r == want for r in results)
    good = [r for r, a in zip(given["releases"], want["assessments"]) if a is not None]
    assert good
    with ThreadPoolExecutor(4) as pool:
        singles = list(pool.map(lambda r: assessor.assess(json.dumps(r)), good * 4))
    assert singles == [a for a in want["assessments"] if a is not None] * 4
