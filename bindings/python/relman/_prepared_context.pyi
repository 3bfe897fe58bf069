"""Type stub of relman.PreparedContext (native: relman._relman)."""

from typing import Mapping, Union, final

from .types import Context, GateReport, KeyringSpec, Release, State

__all__ = ["PreparedContext"]

@final
class PreparedContext:
    """``check`` with its context (and keys) prepared once; thread-safe."""

    def __new__(
        cls,
        context: Union[Context, Mapping[str, object], str, None] = None,
        keys: Union[KeyringSpec, Mapping[str, object], str, None] = None,
    ) -> "PreparedContext": ...
    def check(
        self,
        release: Union[Release, Mapping[str, object], str, None] = None,
        target: Union[State, str, None] = None,
    ) -> GateReport:
        """The gate report of moving a release to a target state (what
        ``relman.check`` returns with this context and keys)."""
        ...
    def cached(self) -> int:
        """How many verified releases are cached."""
        ...
