"""The conformance-vector comparison the Python-side runners share (the pyo3
package's tests in bindings/python/tests and the UniFFI suite in
bindings/swift/tests/python): a port of `diff` in conformance.rs next to
this file — structural equality, numbers within 1e-9 relative."""

from __future__ import annotations

from typing import Any, Optional


def diff(expected: Any, actual: Any, path: str = "$") -> Optional[str]:
    """The path of the first difference; numbers within 1e-9 relative."""
    num = (int, float)
    if (
        isinstance(expected, num)
        and isinstance(actual, num)
        and not (isinstance(expected, bool) or isinstance(actual, bool))
    ):
        a, b = float(expected), float(actual)
        scale = max(abs(a), abs(b), 2.2250738585072014e-308)
        if a != b and abs(a - b) / scale > 1e-9:
            return f"{path}: {a} != {b}"
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items != {len(actual)} items"
        for i, (x, y) in enumerate(zip(expected, actual)):
            d = diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in sorted(set(expected) | set(actual)):
            if k not in actual:
                return f"{path}.{k}: missing in actual"
            if k not in expected:
                return f"{path}.{k}: unexpected in actual"
            d = diff(expected[k], actual[k], f"{path}.{k}")
            if d:
                return d
        return None
    if type(expected) is not type(actual) or expected != actual:
        return f"{path}: {expected!r} != {actual!r}"
    return None
