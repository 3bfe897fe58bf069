"""`relman.PreparedSchedule`: the conformance vectors of `detect_conflicts`
through a prepared schedule (built once, asked twice), held to the same
expected output and errors as the operation; JSON text works as input."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Dict, List

import pytest

import relman
from conftest import VECTORS, load
from conformance import diff  # core/tests/support/conformance.py (conftest puts it on sys.path)

FILES = sorted((VECTORS / "detect_conflicts").glob("*.json"))


def check_error(err: relman.RelmanError, expected: Dict[str, Any]) -> None:
    assert err.code == expected["code"], err.message
    if "path" in expected:
        assert err.path == expected["path"], err.message


def test_there_are_vectors() -> None:
    assert len(FILES) >= 5


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_vector_through_prepared_schedule(file: Path) -> None:
    vector = load(file)
    assert vector["operation"] == "detect_conflicts"
    expected_error = vector.get("expected_error")
    try:
        prepared = relman.PreparedSchedule(vector["input"]["schedule"])
        first = prepared.conflicts()
        second = prepared.conflicts()
    except relman.RelmanError as err:
        if expected_error is None:
            pytest.fail(f"unexpected error: {err.body}")
        check_error(err, expected_error)
        # The same error the operation raises.
        with pytest.raises(relman.RelmanError) as op_err:
            relman.detect_conflicts(**vector["input"])
        assert op_err.value.body == err.body
        return
    assert expected_error is None, f"expected an error, got {first}"
    assert diff(vector["expected"], first) is None
    assert second == first
    assert first == relman.detect_conflicts(**vector["input"])


def test_json_text_and_threads() -> None:
    vector = load(VECTORS / "detect_conflicts" / "every_kind.json")
    schedule = vector["input"]["schedule"]
    prepared = relman.PreparedSchedule(json.dumps(schedule))
    expected = relman.detect_conflicts(schedule=schedule)
    results: List[Any] = []

    def run() -> None:
        results.append(prepared.conflicts())

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4
    assert "PreparedSchedule(releases=" in repr(prepared)


def test_bad_input_raises_like_the_operation() -> None:
    with pytest.raises(relman.InvalidInput) as err:
        relman.PreparedSchedule("{not json")
    with pytest.raises(relman.InvalidInput) as op_err:
        relman.detect_conflicts(schedule="{not json")
    assert err.value.body == op_err.value.body
    with pytest.raises(relman.RelmanError) as err2:
        relman.PreparedSchedule({"releases": [{"id": 3}]})
    with pytest.raises(relman.RelmanError) as op_err2:
        relman.detect_conflicts(schedule={"releases": [{"id": 3}]})
    assert err2.value.body == op_err2.value.body
