"""What the UniFFI-Python tests of the prepared objects share: the
repository's conformance vectors, the vector comparison shared with the
pyo3 package's tests, and a RelmanError as the shared error JSON."""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[4]
VECTORS = ROOT / "core" / "tests" / "vectors"

sys.path.insert(0, str(ROOT / "core" / "tests" / "support"))
from conformance import diff  # noqa: E402,F401


def text(value):
    """A document as JSON text; None stays None (parameter not given)."""
    return None if value is None else json.dumps(value)


def body(err):
    """A RelmanError as the shared error JSON (the fields vectors check)."""
    out = {"code": err.code, "message": err.message}
    for field in ("path", "rule"):
        if hasattr(err, field):
            out[field] = getattr(err, field)
    return out


def check_outcome(vector, kind, value):
    """One outcome ("ok", output) or ("error", body) against the vector's
    expected output or error (code, and path and rule where given)."""
    if "expected" in vector:
        assert kind == "ok", f"unexpected error: {value}"
        d = diff(vector["expected"], value)
        assert d is None, f"output differs at {d}"
        return
    expected = vector["expected_error"]
    assert kind == "error", f"expected an error, got {value}"
    assert value["code"] == expected["code"], value
    for field in ("path", "rule"):
        if field in expected:
            assert value.get(field) == expected[field], value
