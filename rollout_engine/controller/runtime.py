"""The running controller: watches feed a work queue, workers reconcile, timers wake them.

- **Sources**: one watch each on Rollouts, AnalysisRuns (ours, by label),
  Deployments, AnalysisTemplates and (cluster-wide installs)
  ClusterAnalysisTemplates; each event becomes the keys of the Rollouts it
  concerns (``RolloutIndex``).
- **Queue and workers**: ``workers`` threads take keys; a failure is retried
  with per-key exponential back-off capped at 30 s; a reconcile that changed
  the world looks again at once (what it wrote, e.g. router weights, is read
  back by the next one), at most ``_CHURN`` times in a row.
- **Timers**: the engine's and the analysis' wake-ups (APScheduler, jobs only
  enqueue), plus a resync of every Rollout every ``resync_seconds``.
- **Notifications**: one ``notify.Dispatcher``, writing through the same
  ``Writer`` as everything else.

``Writer.guard`` and ``Writer.after`` are the seams part 2 uses for the
leadership check and the crash points.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from rollout_engine.controller.cache import CachedObjects, Caches
from rollout_engine.controller.clock import Clock, system_clock
from rollout_engine.controller.config import ControllerConfig
from rollout_engine.controller.events import EventRecorder
from rollout_engine.controller.index import RolloutIndex
from rollout_engine.controller.measuring import Measurer
from rollout_engine.controller.metrics import (
    QUEUE_DEPTH,
    RECONCILE_DURATION,
    RECONCILE_ERRORS,
    PhaseBook,
)
from rollout_engine.controller.reconcile import Reconciler
from rollout_engine.controller.secrets import SecretReader
from rollout_engine.controller.sources import Sources
from rollout_engine.controller.status import StatusBook
from rollout_engine.controller.store import KubeRolloutStore
from rollout_engine.controller.timers import Timers
from rollout_engine.controller.workqueue import WorkQueue
from rollout_engine.controller.writes import Writer, WriteRecord
from rollout_engine.errors import Conflict, KubeError, RolloutEngineError, SpecError
from rollout_engine.kube import ApiClient, Objects
from rollout_engine.notify import Dispatcher, GaveUp, RolloutRef

__all__ = ["Controller"]

log = logging.getLogger("rollout_engine.controller")
_CHURN = 20


class Controller:
    """One controller process's worth of machinery, started and stopped as a whole."""

    def __init__(
        self,
        api_client: ApiClient,
        *,
        config: ControllerConfig | None = None,
        clock: Clock = system_clock,
        guard: Callable[[], None] | None = None,
        after_write: Callable[[WriteRecord], None] | None = None,
    ) -> None:
        self.config = config = config or ControllerConfig()
        self.api_client = api_client
        self.clock = clock
        objects = Objects(api_client)
        self.caches = Caches()
        self.writer = Writer(objects)
        self.writer.caches = self.caches
        if guard is not None:
            self.writer.guard = guard
        if after_write is not None:
            self.writer.after = after_write
        self.queue: WorkQueue[RolloutRef] = WorkQueue()
        QUEUE_DEPTH.set_function(self.queue.depth)  # NB: read at scrape time
        self.timers = Timers(enqueue=self.queue.add, clock=clock)
        self.recorder = EventRecorder(self.writer, clock=clock, instance=config.identity)
        secrets = SecretReader(objects)
        self.dispatcher = Dispatcher(
            store=KubeRolloutStore(objects, self.writer),
            resolve_secret=secrets.read,
            config=config.notify,
            clock=clock,
            on_gave_up=self._gave_up,
        )
        self.phases = PhaseBook()
        self.reconciler = self._reconciler(CachedObjects(api_client, self.caches), secrets)
        self.index = RolloutIndex()
        self.sources = Sources(
            api_client,
            index=self.index,
            enqueue=self.queue.add,
            namespace=config.namespace,
            settings=config.watch,
            cluster_templates=config.cluster_templates,
            caches=self.caches,
        )
        self._workers: list[threading.Thread] = []
        self._churn: dict[RolloutRef, int] = {}
        self._stopping = threading.Event()

    def _reconciler(self, objects: Objects, secrets: SecretReader) -> Reconciler:
        config = self.config
        measurer = Measurer(
            writer=self.writer,
            secrets=secrets,
            clock=self.clock,
            default_address=config.prometheus_address,
        )
        return Reconciler(
            objects=objects,
            writer=self.writer,
            clock=self.clock,
            timers=self.timers,
            recorder=self.recorder,
            status=StatusBook(self.writer, notify=config.notify),
            measurer=measurer,
            submit=self.dispatcher.submit,
            phases=self.phases,
            cluster_templates=config.cluster_templates,
        )

    def start(self) -> None:
        """Start everything; every Rollout is reconciled once as the first lists arrive."""
        self._stopping.clear()
        self.timers.start()
        self.timers.every(self.config.resync_seconds, self.resync)
        self.dispatcher.start()
        self.sources.start()
        for i in range(self.config.workers):
            thread = threading.Thread(target=self._work, name=f"reconcile-{i}", daemon=True)
            thread.start()
            self._workers.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking work; in-flight reconciles finish (or are abandoned after `timeout`)."""
        self._stopping.set()
        self.sources.stop()
        self.queue.shutdown()
        self.timers.stop()
        self.dispatcher.stop(timeout)
        deadline = time.monotonic() + timeout
        for thread in self._workers:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._workers = []

    def abandon(self) -> None:
        """Leadership is lost: drop all work at once, waiting for nothing.

        The write guard already refuses every write; this ends what would try
        (workers stop taking keys, timers and the notification dispatcher are
        dropped, watches end). Unlike ``stop`` nothing is joined: a thread
        stuck in a partitioned request must not hold up the exit that follows.
        """
        self._stopping.set()
        self.queue.shutdown()
        self.timers.clear()
        self.timers.stop()
        self.dispatcher.stop(timeout=0.0)
        self.sources.stop(timeout=0.0)

    def ready(self) -> bool:
        """Every watch delivered its first list and the workers run."""
        alive = bool(self._workers) and all(t.is_alive() for t in self._workers)
        return alive and self.sources.synced()

    def alive(self) -> bool:
        """The process is not stopping (liveness)."""
        return not self._stopping.is_set()

    def resync(self) -> None:
        """Enqueue every known Rollout, behind the keys events and timers queued."""
        for key in self.index.all_keys():
            self.queue.add_background(key)

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued or in flight (tests)."""
        return self.queue.wait_idle(timeout)

    def _work(self) -> None:
        while (key := self.queue.get()) is not None:
            try:
                self._one(key)
            finally:
                self.queue.done(key)

    def _one(self, key: RolloutRef) -> None:
        started = time.perf_counter()
        try:
            outcome = self.reconciler.reconcile(key)
        except Exception as exc:
            kind = _error_kind(exc)
            RECONCILE_ERRORS.labels(error=kind).inc()
            delay = self.queue.add_rate_limited(key)
            level = logging.INFO if kind == "conflict" else logging.WARNING
            log.log(
                level,
                "reconcile failed; retrying",
                exc_info=kind == "internal",
                extra={
                    "rollout": f"{key.namespace}/{key.name}",
                    "error": kind,
                    "detail": str(exc)[:500],
                    "retry_in": round(delay, 3),
                },
            )
            return
        finally:
            RECONCILE_DURATION.observe(time.perf_counter() - started)
        self.queue.forget(key)
        churn = self._churn.get(key, 0) + 1 if outcome.again else 0
        self._churn[key] = churn
        if outcome.again and churn <= _CHURN:
            self.queue.add(key)
        elif outcome.again:
            log.warning(
                "rollout keeps changing the world; slowing down",
                extra={"rollout": f"{key.namespace}/{key.name}"},
            )
            self.queue.add_rate_limited(key)
        elif outcome.after is not None:
            self.queue.add_after(key, outcome.after)

    def _gave_up(self, gave_up: GaveUp) -> None:
        involved: dict[str, Any] = {
            "apiVersion": "rollout-engine.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": gave_up.ref.name, "namespace": gave_up.ref.namespace},
        }
        self.recorder.emit(
            involved,
            type="Warning",
            reason="NotificationFailed",
            message=f"{gave_up.event} notification ({gave_up.type}) not delivered: {gave_up.error}",
        )


def _error_kind(exc: Exception) -> str:
    if isinstance(exc, Conflict):
        return "conflict"
    if isinstance(exc, SpecError):
        return "spec"
    if isinstance(exc, KubeError):
        return "api"
    return "engine" if isinstance(exc, RolloutEngineError) else "internal"
