"""Time, injected: every part of the controller asks a ``Clock`` for ``now``.

The engine and the analysis take ``now`` as a parameter; the controller reads
it from one clock and hands it on, so tests drive a whole controller on a
fake clock (positioned inside the backfilled Prometheus window, moved only
when the test moves it) and production uses the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "system_clock"]

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware (UTC)."""


def system_clock() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)
