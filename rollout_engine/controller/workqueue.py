"""A keyed work queue: de-duplicated, one worker per key at a time, rate-limited retries.

client-go's semantics, which is what makes a level-triggered controller both
fast and safe:

- a key queued twice is processed once (``dirty`` set);
- a key being processed is never handed to a second worker; if it is added
  meanwhile it is queued again when the first worker calls ``done``, so the
  change that arrived mid-reconcile is not lost;
- ``add_rate_limited`` retries a failing key after ``base × 2^(failures-1)``,
  capped at ``max_delay`` (30 s: reliability.md S1, where a 16-minute cap left
  rollouts hanging); ``forget`` resets the count after a success;
- ``add_after`` schedules a key for later (the earliest request wins); a key
  handed out earlier than that drops its later look: the reconcile that runs
  now asks for its own (level-triggered, it recomputes what it waits for);
- ``add_background`` queues a key behind every other: the periodic resync of
  a thousand idle Rollouts must not delay the one whose pause just ended
  (controller-runtime's priority queue gives its resyncs low priority for the
  same reason). A background key that is added normally moves up.

Delayed keys are promoted by whichever worker waits in ``get``, so no thread of
its own is needed. ``time`` is injectable (monotonic seconds) for unit tests.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time as _time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["WorkQueue"]

K = TypeVar("K", bound=Hashable)


class WorkQueue(Generic[K]):
    """Keys to reconcile; safe to share between threads."""

    def __init__(
        self,
        *,
        base_delay: float = 0.005,
        max_delay: float = 30.0,
        time: Callable[[], float] = _time.monotonic,
    ) -> None:
        self._base, self._max, self._time = base_delay, max_delay, time
        self._cond = threading.Condition()
        self._queue: deque[K] = deque()
        self._background: deque[K] = deque()
        self._dirty: set[K] = set()
        self._low: set[K] = set()
        self._processing: set[K] = set()
        self._delayed: list[tuple[float, int, K]] = []
        self._due: dict[K, float] = {}
        self._failures: dict[K, int] = {}
        self._seq = itertools.count()
        self._closed = False

    def add(self, key: K) -> None:
        """Queue `key` now (a no-op if it is already queued)."""
        with self._cond:
            self._add(key)

    def add_background(self, key: K) -> None:
        """Queue `key` behind every key queued by ``add`` (a no-op if queued or in flight)."""
        with self._cond:
            if self._closed or key in self._dirty or key in self._processing:
                return
            self._dirty.add(key)
            self._low.add(key)
            self._background.append(key)
            self._cond.notify()

    def add_after(self, key: K, delay: float) -> None:
        """Queue `key` after `delay` seconds (an earlier request for it wins)."""
        if delay <= 0:
            self.add(key)
            return
        with self._cond:
            due = self._time() + delay
            if self._due.get(key, float("inf")) <= due:
                return
            self._due[key] = due
            heapq.heappush(self._delayed, (due, next(self._seq), key))
            self._cond.notify()

    def add_rate_limited(self, key: K) -> float:
        """Queue `key` after its back-off; returns the delay chosen."""
        with self._cond:
            failures = self._failures.get(key, 0) + 1
            self._failures[key] = failures
        delay = min(self._max, self._base * float(2 ** min(failures - 1, 32)))
        self.add_after(key, delay)
        return delay

    def forget(self, key: K) -> None:
        """`key` succeeded: its next failure starts the back-off from the bottom."""
        with self._cond:
            self._failures.pop(key, None)

    def retries(self, key: K) -> int:
        """Failures of `key` since it was last forgotten."""
        with self._cond:
            return self._failures.get(key, 0)

    def get(self, timeout: float | None = None) -> K | None:
        """The next key to process (now yours until ``done``); None on timeout or shutdown."""
        deadline = None if timeout is None else self._time() + timeout
        with self._cond:
            while True:
                self._promote()
                if self._closed:
                    return None
                key = self._next()
                if key is not None:
                    self._processing.add(key)
                    self._dirty.discard(key)
                    self._due.pop(key, None)
                    return key
                wait = self._wait_time(deadline)
                if wait is not None and wait <= 0:
                    return None
                self._cond.wait(wait)

    def done(self, key: K) -> None:
        """Processing of `key` ended; re-queue it if it was added meanwhile."""
        with self._cond:
            self._processing.discard(key)
            if key in self._dirty:
                self._queue.append(key)
            self._cond.notify_all()

    def shutdown(self) -> None:
        """Wake every waiting worker; ``get`` returns None from now on."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def depth(self) -> int:
        """Keys waiting to be processed now (not the delayed ones)."""
        with self._cond:
            self._promote()
            return len(self._queue) + len(self._low)

    def idle(self) -> bool:
        """Nothing queued, delayed or in flight."""
        with self._cond:
            return not (self._queue or self._low or self._processing or self._due)

    def wait_idle(self, timeout: float) -> bool:
        """Block until ``idle`` (True) or `timeout` seconds pass (False); real time."""
        deadline = _time.monotonic() + timeout
        with self._cond:
            while self._queue or self._low or self._processing or self._due:
                left = deadline - _time.monotonic()
                if left <= 0:
                    return False
                self._promote()
                self._cond.wait(min(left, 0.05))
            return True

    def _add(self, key: K) -> None:
        if self._closed:
            return
        if key in self._low:  # NB: moves up; its place in the background queue is skipped
            self._low.discard(key)
            self._dirty.discard(key)
        if key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._queue.append(key)
            self._cond.notify()

    def _next(self) -> K | None:
        if self._queue:
            return self._queue.popleft()
        while self._background:
            key = self._background.popleft()
            if key in self._low:
                self._low.discard(key)
                return key
        return None

    def _promote(self) -> None:
        now = self._time()
        while self._delayed and self._delayed[0][0] <= now:
            due, _, key = heapq.heappop(self._delayed)
            if self._due.get(key) == due:
                del self._due[key]
                self._add(key)

    def _wait_time(self, deadline: float | None) -> float | None:
        now = self._time()
        times = [t for t in (deadline, self._delayed[0][0] if self._delayed else None) if t]
        return min(times) - now if times else None
