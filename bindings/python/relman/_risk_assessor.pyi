"""Type stub of relman.RiskAssessor (native: relman._relman)."""

from typing import Mapping, Sequence, Union, final

from .types import Context, Release, RiskAssessment, RiskBatch

__all__ = ["RiskAssessor"]

@final
class RiskAssessor:
    """``assess_risk`` / ``assess_risk_many`` with their context prepared once; thread-safe."""

    def __new__(
        cls,
        context: Union[Context, Mapping[str, object], str, None] = None,
    ) -> "RiskAssessor": ...
    def assess(
        self,
        release: Union[Release, Mapping[str, object], str, None] = None,
    ) -> RiskAssessment:
        """The risk assessment of a release (what ``relman.assess_risk``
        returns with this context)."""
        ...
    def assess_many(
        self,
        releases: Union[Sequence[Union[Release, Mapping[str, object]]], str, None] = None,
    ) -> RiskBatch:
        """The batch of releases (what ``relman.assess_risk_many`` returns
        with this context)."""
        ...
