"""The values every judge shares: its configuration vocabulary and its result.

A judge is a pure function ``(config, observation at this look, carried state, alpha, final)``
→ `ComparisonResult`. The result carries everything a measurement must record (statistic,
estimate and bound, sample sizes, a one-line reason a person understands) plus the state the
caller stores and hands back at the next look, so a controller restart loses nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

__all__ = [
    "ComparisonResult",
    "Direction",
    "EffectSize",
    "Outcome",
    "SrmInfo",
    "format_ratio",
]

Outcome = Literal["Successful", "Failed", "Inconclusive", "Running", "Error"]
"""Running: no decision yet at this look. Error: the judge could not classify the data."""

Direction = Literal["increase", "decrease", "either"]
"""The direction in which a change of the candidate is *bad*."""

StateT = TypeVar("StateT")


@dataclass(frozen=True)
class EffectSize:
    """How large a change may be before it matters, as a candidate/stable ratio.

    `allowed_*` is the non-inferiority margin: promotion needs the confidence bound inside it,
    rollback needs evidence beyond it. `critical_*` marks a failure as critical (abort at once);
    infinity / zero disable that escalation.
    """

    allowed_increase: float = 1.5
    allowed_decrease: float = 1.0 / 1.5
    critical_increase: float = math.inf
    critical_decrease: float = 0.0

    def __post_init__(self) -> None:
        if not self.allowed_decrease <= 1.0 <= self.allowed_increase:
            raise ValueError("allowed_decrease <= 1 <= allowed_increase is required")
        if self.critical_increase < self.allowed_increase:
            raise ValueError("critical_increase must not be below allowed_increase")
        if self.critical_decrease > self.allowed_decrease:
            raise ValueError("critical_decrease must not be above allowed_decrease")


@dataclass(frozen=True)
class SrmInfo:
    """Anytime-valid sample-ratio-mismatch check of the traffic split, reported with a verdict."""

    p_value: float
    observed_share: float
    expected_share: float
    detected: bool


@dataclass(frozen=True)
class ComparisonResult(Generic[StateT]):
    """One measurement of a comparison metric at one look.

    `estimate`, `lower` and `upper` are on the scale of `statistic` (a candidate/stable ratio for
    the sequential judges, a shift for Mann-Whitney); `confidence` is the level of that interval.
    `p_value` is anytime-valid for the sequential judges (a running minimum) and None where the
    method has none. `state` is what the caller must pass back at the next look.
    """

    outcome: Outcome
    statistic: str
    statistic_value: float
    p_value: float | None
    estimate: float
    lower: float
    upper: float
    confidence: float
    candidate_n: float
    stable_n: float
    reason: str
    state: StateT
    srm: SrmInfo | None = None
    critical: bool = False


def format_ratio(value: float) -> str:
    """Render a ratio for a reason line: 2.3×, 0.41×, >148×."""
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "0×"
    return f"{value:.3g}×" if value < 100 else f"{value:.0f}×"
