"""``relman.compute_kpis_arrow`` and ``relman.KpiAccumulator``: KPIs over
columnar tables given as any object with the Arrow PyCapsule interface
(``__arrow_c_stream__``: a pyarrow ``Table`` or ``RecordBatchReader``, a
polars ``DataFrame``, a DuckDB relation, ...), read without copies: the
native ``KpiAccumulator`` moves each object's Arrow C stream out of its
capsule and reads the producer's buffers in place, batch by batch, with
the GIL released (docs/kpi.md, "Python: Arrow objects without copies")."""

from __future__ import annotations

import copyreg
from typing import Protocol, Tuple

from ._relman import KpiAccumulator

__all__ = ["ArrowStream", "KpiAccumulator", "compute_kpis_arrow"]


class ArrowStream(Protocol):
    """Any object with the Arrow PyCapsule interface's stream export: a
    pyarrow ``Table`` or ``RecordBatchReader``, a polars ``DataFrame``, a
    DuckDB relation, ..."""

    def __arrow_c_stream__(self) -> object: ...


def compute_kpis_arrow(deployments, incidents=None, releases=None, *, policy=None, options=None):
    """DORA and ITIL release KPIs of a history given as Arrow tables: the
    report ``compute_kpis`` returns for the same records as one history
    document. Each table is any object with ``__arrow_c_stream__``, with
    the columns of docs/kpi.md ("Arrow and Parquet"); a column of a wrong
    type is ``InvalidInput`` at ``deployments.finished_at`` (the table and
    the column), a bad value at ``deployments[12].outcome``; an object
    without ``__arrow_c_stream__`` is a ``TypeError`` naming the
    argument."""
    accumulator = KpiAccumulator(options, policy)
    accumulator.update(deployments, incidents, releases)
    return accumulator.finish()


def _kpi_accumulator_from_bytes(data: bytes) -> KpiAccumulator:
    """Unpickles a ``KpiAccumulator`` (its ``to_bytes``)."""
    return KpiAccumulator.from_bytes(data)


def _reduce_kpi_accumulator(accumulator: KpiAccumulator) -> Tuple[object, Tuple[bytes]]:
    return _kpi_accumulator_from_bytes, (accumulator.to_bytes(),)


# Pickling (multiprocessing, Spark's cloudpickle, copy.copy) through the
# accumulator's bytes.
copyreg.pickle(KpiAccumulator, _reduce_kpi_accumulator)
