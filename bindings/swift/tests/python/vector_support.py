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
