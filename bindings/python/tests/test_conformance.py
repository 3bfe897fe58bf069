"""Every conformance vector through the Python API (one test per file).

The operation is looked up as a function of the `relman` package by name
(an operation the package does not expose fails), parameters are passed by
keyword from the vector's `input`, results are compared structurally with
numbers within 1e-9 relative, errors by code, path, rule and violations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, List, Optional

import pytest

import relman
from conftest import VECTORS, load
from conformance import diff  # core/tests/support/conformance.py (conftest puts it on sys.path)

FILES = sorted(VECTORS.glob("*/*.json"))


def operation(name: str) -> Callable[..., Any]:
    if name not in relman.__all__ or not callable(getattr(relman, name, None)):
        pytest.fail(f"operation `{name}` is not exposed by the Python binding")
    fn: Callable[..., Any] = getattr(relman, name)
    return fn


def check_vector(file: Path) -> None:
    vector = load(file)
    op = vector["operation"]
    assert file.parent.name == op, f"operation `{op}` lives in folder {file.parent.name}"
    fn = operation(op)
    expected_error = vector.get("expected_error")
    try:
        actual = fn(**vector["input"])
    except relman.RelmanError as err:
        if expected_error is None:
            pytest.fail(f"unexpected error: {err.body}")
        body = err.body
        assert body["code"] == expected_error["code"], err.message
        assert err.code == expected_error["code"]
        if "rule" in expected_error:
            assert body.get("rule") == expected_error["rule"], err.message
        if "violations" in expected_error:
            rules = [v["rule"] for v in body.get("violations", [])]
            assert rules == expected_error["violations"], err.message
        if "path" in expected_error:
            assert body.get("path") == expected_error["path"], err.message
            assert err.path == expected_error["path"]
        return
    assert expected_error is None, f"expected an error, got {actual}"
    d = diff(vector["expected"], actual)
    assert d is None, f"output differs at {d}"


@pytest.mark.parametrize("file", FILES, ids=[f"{f.parent.name}/{f.stem}" for f in FILES])
def test_vector(file: Path) -> None:
    check_vector(file)


def test_there_are_vectors_for_every_operation() -> None:
    ops = {f.parent.name for f in FILES}
    assert ops == {name for name, _, _ in relman.OPERATIONS}


def test_an_unknown_operation_fails(tmp_path: Path) -> None:
    folder = tmp_path / "no_such_operation"
    folder.mkdir()
    (folder / "case.json").write_text('{"operation": "no_such_operation", "input": {}, "expected": {}}')
    with pytest.raises(pytest.fail.Exception, match="not exposed"):
        check_vector(folder / "case.json")


def test_float_comparison_is_relative() -> None:
    assert diff({"x": [1.0, 1e300]}, {"x": [1.0 + 1e-12, 1e300 * (1 + 1e-12)]}) is None
    assert diff({"x": [1.0001]}, {"x": [1.0]}) is not None
    assert diff({"x": 1}, {"x": 1.0}) is None
    assert diff({"a": 1}, {"a": 1, "b": 2}) is not None
