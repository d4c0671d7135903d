"""One controller per cluster: the Controller runs only while this replica holds the Lease.

``Leadership`` joins a ``Controller`` to a ``kube.lease.LeaderElector``:

- the elector's ``guard`` becomes ``Writer.guard``, so *every* write — a
  reconcile's, an AnalysisRun's, an Event, a notification claim — is refused
  unless this replica holds the Lease at that instant;
- **gaining** the Lease starts the controller: watches list every Rollout,
  each is reconciled once, which re-arms its APScheduler jobs from status and
  submits its pending outbox entries (nothing is carried over in memory);
- **losing** it (renew deadline passed, or another holder seen) drops all
  work at once (``Controller.abandon``: queue, timers, dispatcher, watches)
  and exits the process non-zero, as controller-runtime does; the pod
  restarts as a standby. A stopped leader never lingers beside the new one
  (reliability.md H1, T12);
- a **clean stop** (SIGTERM) drains the controller, then releases the Lease
  so the standby takes over at its next retry (a rolling upgrade hands over
  in about a retry period, not a lease duration).

Readiness: the leader is ready once its watches are synced; a standby is
ready while it can read the Lease. A standby must be ready, or a rolling
upgrade with ``maxUnavailable: 0`` would wait forever for a new pod that
cannot lead until the old one goes.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

from rollout_engine.controller.metrics import LEADER
from rollout_engine.controller.runtime import Controller
from rollout_engine.kube.lease import LeaderElector, LeaseSettings
from rollout_engine.kube.objects import Objects

__all__ = ["LOST_EXIT_CODE", "Leadership", "exit_now"]

log = logging.getLogger("rollout_engine.controller")
LOST_EXIT_CODE = 1
"""The process's exit status after losing the Lease."""


def exit_now(code: int) -> None:
    """Flush the logs and leave without running anything else (threads may hang in I/O)."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stderr.flush()
    os._exit(code)


class Leadership:
    """Runs `controller` while this replica leads; exits when it stops leading."""

    def __init__(
        self,
        controller: Controller,
        objects: Objects,
        settings: LeaseSettings,
        *,
        exit: Callable[[int], None] = exit_now,
    ) -> None:
        self.controller = controller
        self.elector = LeaderElector(
            objects, settings, on_started=self._started, on_stopped=self._lost
        )
        controller.writer.guard = self.elector.guard
        self._exit = exit
        self.lost = threading.Event()
        LEADER.set(0)

    def start(self) -> None:
        """Campaign for the Lease (the controller starts when it is won)."""
        self.elector.start()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Clean stop: drain the controller, then hand the Lease back."""
        leading = self.elector.is_leader.is_set()
        self.elector.stop()
        if leading:
            self.controller.stop(timeout)
        if self.elector.release():
            LEADER.set(0)

    def ready(self) -> bool:
        """Leader: its watches are synced. Standby: it can read the Lease."""
        if self.lost.is_set() or self.elector.ended() is not None:
            return False
        if self.elector.is_leader.is_set():
            return self.elector.holds() and self.controller.ready()
        return self.elector.in_contact()

    def _started(self) -> None:
        LEADER.set(1)
        self.controller.start()
        log.info("controller started", extra={"namespace": self.controller.config.namespace or "*"})

    def _lost(self, reason: str) -> None:
        self.lost.set()
        LEADER.set(0)
        self.controller.abandon()
        log.error("leadership lost; exiting", extra={"reason": reason})
        self._exit(LOST_EXIT_CODE)
