"""Type stub of relman.compute_kpis_arrow and relman.KpiAccumulator
(native: relman._relman.KpiAccumulator)."""

from typing import Protocol, Union, final

from .types import KpiOptions, KpiReport, Policy

__all__ = ["ArrowStream", "KpiAccumulator", "compute_kpis_arrow"]

class ArrowStream(Protocol):
    """Any object with the Arrow PyCapsule interface's stream export: a
    pyarrow ``Table`` or ``RecordBatchReader``, a polars ``DataFrame``, a
    DuckDB relation, ..."""

    def __arrow_c_stream__(self) -> object: ...

def compute_kpis_arrow(
    deployments: Union[ArrowStream, None],
    incidents: Union[ArrowStream, None] = None,
    releases: Union[ArrowStream, None] = None,
    *,
    policy: Union[Policy, str, None] = None,
    options: Union[KpiOptions, str, None] = None,
) -> KpiReport:
    """DORA and ITIL release KPIs of a history given as Arrow tables (the
    report ``compute_kpis`` gives for the same records), read without
    copies."""

@final
class KpiAccumulator:
    """KPIs over Arrow tables fed in parts, read without copies; shards
    merge exactly."""

    def __new__(
        cls,
        options: Union[KpiOptions, str, None] = None,
        policy: Union[Policy, str, None] = None,
    ) -> "KpiAccumulator": ...
    def update(
        self,
        deployments: Union[ArrowStream, None] = None,
        incidents: Union[ArrowStream, None] = None,
        releases: Union[ArrowStream, None] = None,
    ) -> None:
        """Reads every row of the tables given; rows are numbered on from
        those read before."""
        ...
    def merge(self, other: "KpiAccumulator") -> None:
        """Adds every row ``other`` has read (same options and policy);
        ``other`` is spent."""
        ...
    def to_bytes(self) -> bytes:
        """This accumulator as bytes, for another process of the same
        relman version (pickling uses them)."""
        ...
    @staticmethod
    def from_bytes(data: bytes) -> "KpiAccumulator":
        """An accumulator read back from ``to_bytes``; anything else is
        ``InvalidInput`` at ``bytes``."""
        ...
    def finish(self) -> KpiReport:
        """The report over every row read; the accumulator is spent."""
        ...
