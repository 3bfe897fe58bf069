"""relman: an embeddable release-management engine, from Python.

Every operation of relman's data contract is a function here, named as in
the Rust core and taking the same parameters. Inputs are plain dicts and
lists (or JSON text as a ``str`` for any document or object parameter);
results are plain dicts. A timestamp may also be a ``datetime`` with tzinfo
(written as RFC 3339 with its offset); a naive ``datetime`` is rejected.

Errors raise :class:`RelmanError` subclasses carrying the stable ``code``,
``message`` and ``path``. The work runs in the Rust core with the GIL
released, so other Python threads keep running.

The operation functions are generated from relman's operation catalog
into ``relman/_operations.py`` (``cargo run -p relman-codegen``); the
types of every parameter and result (TypedDicts) are in the stub
``relman/__init__.pyi`` and ``relman.types``.
"""

from __future__ import annotations

from . import _relman
from . import _operations
from ._operations import *  # noqa: F401,F403 (one function per operation)
from ._ndjson import compute_kpis_ndjson  # noqa: F811 (also streams files and lines)
from ._arrow import KpiAccumulator, compute_kpis_arrow
from ._prepared_context import PreparedContext
from ._relman import PreparedSchedule
from ._risk_assessor import RiskAssessor
from ._errors import (
    Forbidden,
    InvalidInput,
    InvalidPolicy,
    LimitExceeded,
    LogTampered,
    Conflict,
    StorageFull,
    PermissionDenied,
    RelmanError,
    TransitionDenied,
    UnsupportedVersion,
)

__version__ = _relman.__version__

OPERATIONS = _relman.OPERATIONS
"""Every operation: ``(name, ((parameter, required), ...), summary)``."""

MAX_NESTING_DEPTH = _relman.MAX_NESTING_DEPTH
"""The deepest nesting of lists and dicts an input may have."""

__all__ = [
    "RelmanError",
    "InvalidInput",
    "InvalidPolicy",
    "UnsupportedVersion",
    "TransitionDenied",
    "Forbidden",
    "LogTampered",
    "Conflict",
    "StorageFull",
    "PermissionDenied",
    "LimitExceeded",
    "OPERATIONS",
    "MAX_NESTING_DEPTH",
    "PreparedContext",
    "PreparedSchedule",
    "RiskAssessor",
    "KpiAccumulator",
    "compute_kpis_arrow",
    *_operations.__all__,
]
