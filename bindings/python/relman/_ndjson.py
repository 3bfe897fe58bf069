"""``relman.compute_kpis_ndjson``: the operation of the same name, which
also streams a file or any iterable of lines through the native
``KpiNdjson`` reader, one line at a time (the text is never held whole)."""

from __future__ import annotations

import io
import os

from . import _operations
from . import _relman


def compute_kpis_ndjson(text=None, options=None, policy=None, **unknown):
    """DORA and ITIL release KPIs of a history given as NDJSON: one record
    per line (``{"deployment": …}``, ``{"incident": …}`` or
    ``{"release": …}``), blank lines skipped, CRLF accepted. The report is
    that of ``compute_kpis`` over the same records; errors name the line
    (path ``line 12: deployment.finished_at``, ``err.body["line"]``).

    ``text`` is the NDJSON text (``str`` or UTF-8 ``bytes``), a path
    (``os.PathLike``, e.g. ``pathlib.Path``: the file is read line by
    line), or any iterable of lines (``str`` or ``bytes``: a file object,
    a generator), streamed into the core one line at a time."""
    if text is None or isinstance(text, str) or unknown:
        return _operations.compute_kpis_ndjson(text, options, policy, **unknown)
    if isinstance(text, (bytes, bytearray, memoryview)):
        return _stream(io.BytesIO(bytes(text)), options, policy)
    if isinstance(text, os.PathLike):
        with open(text, "rb") as lines:
            return _stream(lines, options, policy)
    if hasattr(text, "__iter__"):
        return _stream(text, options, policy)
    return _operations.compute_kpis_ndjson(text, options, policy)


def _stream(lines, options, policy):
    reader = _relman.KpiNdjson(options, policy)
    reader.feed(lines)
    return reader.finish()
