"""The dispatcher: sends outbox entries off the reconcile path, in a bounded pool.

The controller records entries in status as part of a transition (see
``outbox.record_event``) and, once that status write succeeded, calls
``submit(ref)``. ``submit`` only enqueues and returns: reconciliation never
waits on Slack. Workers take one rollout at a time and run a ``Delivery``
pass over it (claim, send, settle; see ``delivery``); entries that back off
are re-submitted by a timer when due. A rollout submitted while a worker is
on it is passed over again right after, so nothing recorded meanwhile waits.

One dispatcher runs per leader: ``start`` on gaining the Lease, ``stop`` on
losing it, and after ``start`` ``submit`` every rollout whose status
``has_pending``. The compare-and-set claims keep a deposed leader that is
still running from sending what the new one sends.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from rollout_engine.notify.config import NotifyConfig
from rollout_engine.notify.delivery import (
    Delivery,
    DispatchReport,
    GaveUp,
    NotifierBuilder,
    RolloutRef,
    RolloutStore,
    SecretResolver,
)
from rollout_engine.notify.notifiers import build_notifier
from rollout_engine.notify.redact import get_logger

__all__ = ["Dispatcher"]

log = get_logger("dispatch")
_MIN_RESCHEDULE = 0.5  # seconds; keeps a conflicting store from spinning a worker


class Dispatcher:
    """Delivers outbox entries for the controller, never blocking the caller."""

    def __init__(
        self,
        *,
        store: RolloutStore,
        resolve_secret: SecretResolver,
        config: NotifyConfig | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_gave_up: Callable[[GaveUp], None] | None = None,
        build: NotifierBuilder = build_notifier,
    ) -> None:
        self._config = config or NotifyConfig()
        self._clock = clock
        self._delivery = Delivery(
            store=store,
            resolve_secret=resolve_secret,
            config=self._config,
            clock=clock,
            on_gave_up=on_gave_up,
            build=build,
        )
        self._queue: queue.Queue[RolloutRef | None] = queue.Queue(self._config.queue_size)
        self._lock = threading.Lock()
        self._queued: set[RolloutRef] = set()
        self._running: set[RolloutRef] = set()
        self._dirty: set[RolloutRef] = set()
        self._timer = threading.Condition()
        self._heap: list[tuple[float, int, RolloutRef]] = []
        self._seq = itertools.count()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    def process(self, ref: RolloutRef) -> DispatchReport:
        """One synchronous pass over ``ref`` (what the workers run; tests call it directly)."""
        return self._delivery.process(ref)

    def start(self) -> None:
        """Start the workers and the retry timer (idempotent)."""
        with self._lock:
            if self._threads:
                return
            self._stopping.clear()
            names = [f"notify-worker-{i}" for i in range(self._config.workers)]
            self._threads = [
                threading.Thread(target=self._work, name=n, daemon=True) for n in names
            ]
            self._threads.append(
                threading.Thread(target=self._tick, name="notify-timer", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking work; wait up to ``timeout`` for sends in flight, then abandon them."""
        self._stopping.set()
        with self._timer:
            self._timer.notify_all()
        for _ in range(self._config.workers):
            try:
                self._queue.put(None, timeout=timeout)
            except queue.Full:
                break
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            self._threads = []

    def submit(self, ref: RolloutRef) -> bool:
        """Queue ``ref`` for a pass; never blocks. False when full (the timer retries it)."""
        with self._lock:
            if ref in self._queued:
                return True
            if ref in self._running:
                self._dirty.add(ref)
                return True
            try:
                self._queue.put_nowait(ref)
            except queue.Full:
                full = True
            else:
                full = False
                self._queued.add(ref)
        if full:
            log.warning("notification queue full; %s/%s retried shortly", ref.namespace, ref.name)
            self._later(ref, delay=1.0)
        return not full

    def _work(self) -> None:
        while (ref := self._queue.get()) is not None:
            with self._lock:
                self._queued.discard(ref)
                self._running.add(ref)
            report: DispatchReport | None = None
            try:
                report = self.process(ref)
            except Exception:  # NB: a store outage must not kill the worker
                log.exception("notification pass for %s/%s failed", ref.namespace, ref.name)
            with self._lock:
                self._running.discard(ref)
                again = ref in self._dirty
                self._dirty.discard(ref)
            if again:
                self.submit(ref)
            elif report is None:
                self._later(ref, delay=30.0)
            elif report.next_due is not None:
                self._later(ref, delay=(report.next_due - self._clock()).total_seconds())

    def _later(self, ref: RolloutRef, *, delay: float) -> None:
        with self._timer:
            due = time.monotonic() + max(_MIN_RESCHEDULE, delay)
            heapq.heappush(self._heap, (due, next(self._seq), ref))
            self._timer.notify()

    def _tick(self) -> None:
        while not self._stopping.is_set():
            with self._timer:
                now = time.monotonic()
                if not self._heap or self._heap[0][0] > now:
                    wait = self._heap[0][0] - now if self._heap else None
                    self._timer.wait(timeout=wait)
                    continue
                _, _, ref = heapq.heappop(self._heap)
            self.submit(ref)
