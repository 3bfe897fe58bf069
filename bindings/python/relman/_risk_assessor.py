"""``relman.RiskAssessor``: risk with its context prepared once.

Build it once from the context document; then ``assess(release)`` returns
exactly what ``relman.assess_risk(release, context)`` returns and
``assess_many(releases)`` exactly what
``relman.assess_risk_many(releases, context)`` returns, raising what they
raise. The policy check, the CMDB graph and the history index are built
once (docs/risk.md, "A prepared assessor in every binding"), and the object
may be shared between threads.
"""

from __future__ import annotations

from ._relman import RiskAssessor

__all__ = ["RiskAssessor"]
