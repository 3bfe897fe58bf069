"""Shared paths and helpers of the relman Python tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT / "core" / "tests" / "vectors"
EXAMPLES = ROOT / "examples"
# The vector comparison shared with the UniFFI suite: core/tests/support/conformance.py.
sys.path.insert(0, str(ROOT / "core" / "tests" / "support"))
PACKAGE = Path(__file__).resolve().parents[1]


def load(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)
