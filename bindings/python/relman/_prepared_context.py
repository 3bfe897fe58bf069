"""``relman.PreparedContext``: ``check`` with its context prepared once.

Build it once from the context document (and the host's keyring, where
``check`` takes ``keys``); then ``check(release, target)`` returns exactly
what ``relman.check(release, target, context, keys)`` returns, and raises
what it raises. The log verification of a release already checked is
cached by content (docs/lifecycle.md, "A prepared context"), and the
object may be shared between threads.
"""

from __future__ import annotations

from ._relman import PreparedContext

__all__ = ["PreparedContext"]
