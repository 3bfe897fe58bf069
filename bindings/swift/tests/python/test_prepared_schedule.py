"""`PreparedSchedule` through UniFFI's Python backend (the library the Swift
package links): every conformance vector of `detect_conflicts` through a
prepared schedule (built once, asked twice), held to the vector's expected
output or error and to what `detect_conflicts` gives."""

import json

import pytest

import relman_uniffi as r
from vector_support import VECTORS, body, diff

FILES = sorted((VECTORS / "detect_conflicts").glob("*.json"))


def test_there_are_vectors():
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector_through_prepared_schedule(path):
    vector = json.loads(path.read_text())
    schedule = json.dumps(vector["input"]["schedule"])
    try:
        prepared = r.PreparedSchedule(schedule)
        first = json.loads(r.conflict_report_to_json(prepared.conflicts()))
        second = json.loads(r.conflict_report_to_json(prepared.conflicts()))
    except r.RelmanError as e:
        expected = vector.get("expected_error")
        assert expected is not None, f"unexpected error: {body(e)}"
        assert e.code == expected["code"], body(e)
        if "path" in expected:
            assert e.path == expected["path"], body(e)
        with pytest.raises(r.RelmanError) as op:
            r.detect_conflicts(schedule)
        assert body(op.value) == body(e)
        return
    assert "expected" in vector, f"expected an error, got {first}"
    assert diff(vector["expected"], first) is None
    assert second == first
    assert first == json.loads(r.conflict_report_to_json(r.detect_conflicts(schedule)))


def test_bad_json_text_fails_like_the_operation():
    with pytest.raises(r.RelmanError) as e:
        r.PreparedSchedule("{not json")
    with pytest.raises(r.RelmanError) as op:
        r.detect_conflicts("{not json")
    assert body(e.value) == body(op.value)
    assert e.value.code == "invalid_input"
