"""Type stub of the native module relman._relman (Rust, pyo3)."""

from typing import Dict, Mapping, Tuple, Union, final

from .types import ConflictReport, JSONValue

__all__ = [
    "_call",
    "_noop",
    "_call_json",
    "_echo",
    "_force_panic",
    "OPERATIONS",
    "SCHEMAS",
    "MAX_NESTING_DEPTH",
    "__version__",
    "SCALAR_PARAMETERS",
    "PreparedContext",
    "PreparedSchedule",
    "RiskAssessor",
    "KpiNdjson",
    "KpiAccumulator",
]

__version__: str
OPERATIONS: Tuple[Tuple[str, Tuple[Tuple[str, bool], ...], str], ...]
SCHEMAS: Tuple[str, ...]
SCALAR_PARAMETERS: Tuple[str, ...]
MAX_NESTING_DEPTH: int

def _call(operation: str, params: Dict[str, object]) -> JSONValue: ...
def _noop(params: Dict[str, object]) -> int: ...
def _call_json(operation: str, params: str) -> str: ...
def _echo(params: Dict[str, object]) -> JSONValue: ...
def _force_panic() -> None: ...

@final
class PreparedContext:
    def __new__(cls, context: object = None, keys: object = None) -> "PreparedContext": ...
    def check(self, release: object = None, target: object = None) -> JSONValue: ...
    def cached(self) -> int: ...

@final
class PreparedSchedule:
    """A schedule prepared once for conflict detection: validated, its
    calendar expanded (docs/conflicts.md, "Prepared schedules").

    Built from the schedule ``detect_conflicts`` takes (a dict or JSON
    text); raises what ``detect_conflicts`` raises for it.
    """

    def __new__(cls, schedule: Union[Mapping[str, object], str]) -> "PreparedSchedule": ...
    def conflicts(self) -> ConflictReport:
        """Every conflict: the report ``detect_conflicts`` returns."""
        ...

@final
class RiskAssessor:
    def __new__(cls, context: object = None) -> "RiskAssessor": ...
    def assess(self, release: object = None) -> JSONValue: ...
    def assess_many(self, releases: object = None) -> JSONValue: ...

@final
class KpiNdjson:
    def __new__(cls, options: object = None, policy: object = None) -> "KpiNdjson": ...
    def feed(self, lines: object) -> None: ...
    def finish(self) -> JSONValue: ...

@final
class KpiAccumulator:
    def __new__(cls, options: object = None, policy: object = None) -> "KpiAccumulator": ...
    def update(self, deployments: object = None, incidents: object = None, releases: object = None) -> None: ...
    def merge(self, other: "KpiAccumulator") -> None: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> "KpiAccumulator": ...
    def finish(self) -> JSONValue: ...
