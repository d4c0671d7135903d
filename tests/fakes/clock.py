"""A clock that moves only when a test moves it: drives a whole controller deterministically."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

__all__ = ["FakeClock"]


class FakeClock:
    """Callable like ``rollout_engine.controller.clock.system_clock``; thread-safe."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the fake clock needs a timezone-aware start")
        self._now = start
        self._lock = threading.Lock()
        self._listeners: list[Callable[[datetime], None]] = []

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta`; listeners are told the new time."""
        return self.set(self() + delta)

    def set(self, when: datetime) -> datetime:
        """Jump to `when` (never backwards)."""
        with self._lock:
            self._now = max(self._now, when)
            now, listeners = self._now, list(self._listeners)
        for listener in listeners:
            listener(now)
        return now

    def on_change(self, listener: Callable[[datetime], None]) -> None:
        """Call `listener(now)` after every move."""
        with self._lock:
            self._listeners.append(listener)
