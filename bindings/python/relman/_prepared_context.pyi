"""Type stub of relman.PreparedContext (native: relman._relman)."""

from typing import Mapping, Union

from .types import Context, GateReport, KeyringSpec, Release, State

__all__ = ["PreparedContext"]

class PreparedContext:
    """``check`` with its context (and keys) prepared once; thread-safe."""

    def __init__(
        self,
        context: Union[Context, Mapping[str, object], str, None] = None,
        keys: Union[KeyringSpec, Mapping[str, object], str, None] = None,
    ) -> None: ...
    def check(
        self,
        release: Union[Release, Mapping[str, object], str],
        target: Union[State, str],
    ) -> GateReport:
        """The gate report of moving a release to a target state (what
        ``relman.check`` returns with this context and keys)."""
        ...
    def cached(self) -> int:
        """How many verified releases are cached."""
        ...
