"""The value a measurement step hands to the run: a `Measurement` and the judge's carried state.

Kept apart from `analysis.measure` so that comparison judges (which produce the
same value) and the threshold path share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from analysis.templating import SECRET_MASK
from rollout_engine.api.analysisrun import Measurement

__all__ = ["Measured", "error_measurement", "scrub"]


@dataclass(frozen=True)
class Measured:
    """One finished measurement; `state` is what a comparison judge carries to its next look.

    Threshold metrics carry no state (None). The run stores a non-None state on
    the metric's result (`MetricResult.state`), so it survives measurement
    retention and controller restarts.
    """

    measurement: Measurement
    state: str | None = None


def error_measurement(
    *, at: datetime, finished: datetime, message: str, query: str | None, secrets: Iterable[str]
) -> Measured:
    """A measurement in Error, its message scrubbed of secret values."""
    return Measured(
        Measurement(
            phase="Error",
            started_at=at,
            finished_at=finished,
            query=query,
            message=scrub(message, secrets),
        )
    )


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value in `text` with ``***`` (servers may echo the query back)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, SECRET_MASK)
    return text
