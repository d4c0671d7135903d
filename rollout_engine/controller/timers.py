"""Wake-ups at the times the engine and the analysis ask for, on APScheduler 3.11.

A reconcile ends knowing when it must look again: ``Decision.requeue_at`` (a
pause ends, a scale-down is due, the deadline falls) and, per analysis run,
when its next measurement is due. ``Timers.set(key, {purpose: time})`` keeps
one APScheduler job per (rollout, purpose) — ``rollout`` or ``run:<name>`` —
with ``replace_existing``, ``coalesce`` and ``max_instances=1``; a job only
**enqueues** the rollout's key (the reconcile does the work, with the state
read fresh). Jobs live in the in-memory job store and nowhere else: status
is the source of truth, so on start every rollout is reconciled once and its
jobs are rebuilt from what that reconcile computes (ecosystem.md §3); part 2
drops them all (``clear``) when leadership is lost.

Times are the injected clock's. APScheduler runs on the wall clock, so a job
is armed at ``wall now + (time - clock now)``; with a fake clock the test
moves time and calls ``fire_due`` instead, which enqueues what is due by the
injected clock. The periodic resync is one more job (``every``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from rollout_engine.controller.clock import Clock
from rollout_engine.notify import RolloutRef

__all__ = ["Timers"]

log = logging.getLogger("rollout_engine.controller.timers")
_SEP = "|"


class Timers:
    """The next wake-ups of every rollout, as enqueue-only jobs."""

    def __init__(
        self,
        *,
        enqueue: Callable[[RolloutRef], None],
        clock: Clock,
        scheduler: BackgroundScheduler | None = None,
    ) -> None:
        self._enqueue = enqueue
        self._clock = clock
        self._scheduler = scheduler or BackgroundScheduler(timezone=UTC)
        self._lock = threading.Lock()
        self._due: dict[str, tuple[RolloutRef, datetime]] = {}

    def start(self) -> None:
        """Start the scheduler thread (idempotent)."""
        if not self._scheduler.running:
            self._scheduler.start()

    def stop(self) -> None:
        """Stop the scheduler; pending jobs are dropped (status rebuilds them)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def set(self, key: RolloutRef, wakes: Mapping[str, datetime | None]) -> None:
        """Make `wakes` the wake-ups of `key`: one job per purpose; others are removed."""
        wanted = {_job_id(key, p): t for p, t in wakes.items() if t is not None}
        with self._lock:
            stale = [j for j, (k, _) in self._due.items() if k == key and j not in wanted]
            for job in stale:
                self._remove(job)
            for job, when in wanted.items():
                if self._due.get(job) != (key, when):
                    self._due[job] = (key, when)
                    self._arm(job, when)

    def cancel(self, key: RolloutRef) -> None:
        """Drop every wake-up of `key` (the rollout is gone)."""
        self.set(key, {})

    def every(self, seconds: float, action: Callable[[], None]) -> None:
        """Run `action` every `seconds` of wall time (the periodic resync)."""
        self._scheduler.add_job(
            action,
            trigger="interval",
            seconds=seconds,
            id="resync",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )

    def clear(self) -> None:
        """Drop every wake-up (leadership lost: another replica owns the work)."""
        with self._lock:
            for job in list(self._due):
                self._remove(job)

    def fire_due(self) -> list[RolloutRef]:
        """Enqueue every rollout whose wake-up is due by the injected clock."""
        now = self._clock()
        with self._lock:
            due = [j for j, (_, t) in self._due.items() if t <= now]
            keys = [self._due[j][0] for j in due]
            for job in due:
                self._remove(job)
        for key in dict.fromkeys(keys):
            self._enqueue(key)
        return keys

    def next_wake(self) -> datetime | None:
        """The earliest pending wake-up (clock time), if any."""
        with self._lock:
            return min((t for _, t in self._due.values()), default=None)

    def pending(self, key: RolloutRef) -> dict[str, datetime]:
        """The wake-ups of `key` by purpose."""
        with self._lock:
            return {j.split(_SEP, 2)[2]: t for j, (k, t) in self._due.items() if k == key}

    def _arm(self, job: str, when: datetime) -> None:
        delay = max(timedelta(0), when - self._clock())
        self._scheduler.add_job(
            self._fire,
            trigger="date",
            run_date=datetime.now(UTC) + delay,
            args=[job],
            id=job,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    def _remove(self, job: str) -> None:
        self._due.pop(job, None)
        with contextlib.suppress(JobLookupError):  # NB: it already ran
            self._scheduler.remove_job(job)

    def _fire(self, job: str) -> None:
        with self._lock:
            entry = self._due.pop(job, None)
        if entry is not None:
            self._enqueue(entry[0])


def _job_id(key: RolloutRef, purpose: str) -> str:
    return _SEP.join((key.namespace, key.name, purpose))
