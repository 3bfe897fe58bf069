"""relman.PreparedContext: every `check` conformance vector through a
prepared context (cold, then warm from its cache), compared with the
vector's expected output exactly as test_conformance compares `check`;
errors are the same exceptions with the same code and path; a tampered
release after a cached check of the genuine one is denied as `check`
denies it; and the object is shared across threads."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict

import pytest

import relman
from conftest import VECTORS, load
from conformance import diff  # core/tests/support/conformance.py (conftest puts it on sys.path)

FILES = sorted(VECTORS.glob("check/*.json"))


def run(vector: Dict[str, Any]) -> Any:
    given = dict(vector["input"])
    prepared = relman.PreparedContext(given.pop("context", None), given.pop("keys", None))
    return prepared, [prepared.check(**given) for _ in range(2)]


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_check_vector_through_a_prepared_context(file: Path) -> None:
    vector = load(file)
    assert vector["operation"] == "check"
    expected_error = vector.get("expected_error")
    try:
        _, results = run(vector)
    except relman.RelmanError as err:
        assert expected_error is not None, f"unexpected error: {err.body}"
        assert err.code == expected_error["code"], err.message
        if "path" in expected_error:
            assert err.path == expected_error["path"]
        with pytest.raises(relman.RelmanError) as direct:
            relman.check(**vector["input"])
        assert direct.value.body == err.body
        return
    assert expected_error is None, f"expected an error, got {results}"
    for actual in results:
        d = diff(vector["expected"], actual)
        assert d is None, f"output differs at {d}"
        assert actual == relman.check(**vector["input"])


def test_there_are_check_vectors() -> None:
    assert len(FILES) >= 5


def ready() -> Dict[str, Any]:
    return load(VECTORS / "check" / "approval_ready_for_deployment.json")["input"]


def test_a_tampered_release_after_a_cached_check_is_denied_as_check_denies_it() -> None:
    given = ready()
    prepared = relman.PreparedContext(given["context"], given.get("keys"))
    genuine = prepared.check(given["release"], given["target"])
    assert genuine["allowed"] is True
    assert prepared.cached() == 1
    tampered = copy.deepcopy(given["release"])
    tampered["log"][-1]["actor"] = "mallory"
    got = prepared.check(tampered, given["target"])
    want = relman.check(tampered, given["target"], given["context"], given.get("keys"))
    assert got == want
    assert got["allowed"] is False
    assert prepared.check(given["release"], given["target"]) == genuine


def test_errors_are_the_operations() -> None:
    given = ready()
    prepared = relman.PreparedContext(given["context"])
    with pytest.raises(relman.InvalidInput) as err:
        prepared.check(given["release"], "nowhere")
    with pytest.raises(relman.InvalidInput) as direct:
        relman.check(given["release"], "nowhere", given["context"])
    assert err.value.body == direct.value.body
    with pytest.raises(relman.InvalidInput) as bad:
        relman.PreparedContext("{not json")
    assert bad.value.path == "context"


def test_json_text_and_threads() -> None:
    import json

    given = ready()
    prepared = relman.PreparedContext(json.dumps(given["context"]))
    want = relman.check(given["release"], given["target"], given["context"])
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: prepared.check(json.dumps(given["release"]), given["target"]), range(16)))
    assert all(r == want for r in results)
