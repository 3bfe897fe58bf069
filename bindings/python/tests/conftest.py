"""Shared paths and helpers of the relman Python tests."""

from __future__ import annotations

import importlib.util
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

# The Spark tests need pyspark and a Java runtime: scripts/test-spark runs
# them in its own environment; without pyspark the folder is not collected.
collect_ignore = [] if importlib.util.find_spec("pyspark") else ["spark"]


def load(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)
