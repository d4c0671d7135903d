"""The controller's own metrics, served on ``/metrics``.

No label names a rollout or a run: series grow with the number of phases,
outcomes and kinds, never with the number of deploys (reliability.md M5,
T15). Names follow the Prometheus conventions (``_total``, ``_seconds``).
"""

from __future__ import annotations

import threading
from collections import Counter as Tally

from prometheus_client import Counter, Gauge, Histogram

from rollout_engine.notify import RolloutRef

__all__ = [
    "ANALYSIS_VERDICTS",
    "API_WRITES",
    "LEADER",
    "MEASUREMENTS",
    "QUEUE_DEPTH",
    "RECONCILE_DURATION",
    "RECONCILE_ERRORS",
    "ROLLOUTS",
    "WATCH_RESTARTS",
    "PhaseBook",
]

ROLLOUTS = Gauge(
    "rollout_engine_rollouts",
    "Rollouts the controller reconciles, by phase.",
    ["phase"],
)
RECONCILE_DURATION = Histogram(
    "rollout_engine_reconcile_duration_seconds",
    "Time spent in one reconcile of one rollout.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RECONCILE_ERRORS = Counter(
    "rollout_engine_reconcile_errors_total",
    "Reconciles that ended in an error (then retried with back-off), by kind of error.",
    ["error"],
)
ANALYSIS_VERDICTS = Counter(
    "rollout_engine_analysis_verdicts_total",
    "Analysis runs that reached a verdict, by result.",
    ["result"],
)
MEASUREMENTS = Counter(
    "rollout_engine_measurements_total",
    "Measurements taken, by outcome.",
    ["phase"],
)
QUEUE_DEPTH = Gauge(
    "rollout_engine_workqueue_depth",
    "Rollouts waiting in the work queue to be reconciled.",
)
API_WRITES = Counter(
    "rollout_engine_api_writes_total",
    "Mutating API requests sent, by verb, kind and outcome (ok, conflict, error).",
    ["verb", "kind", "outcome"],
)
LEADER = Gauge(
    "rollout_engine_leader",
    "1 while this replica holds the leader Lease (or runs without leader election), else 0.",
)
WATCH_RESTARTS = Counter(
    "rollout_engine_watch_restarts_total",
    "Watch streams restarted, by kind and reason (stalled, expired, broken, HTTP).",
    ["kind", "reason"],
)
_PHASES = ("Pending", "Progressing", "Paused", "Healthy", "Degraded")


class PhaseBook:
    """The last phase of each rollout, folded into the ``rollout_engine_rollouts`` gauge."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._phases: dict[RolloutRef, str] = {}

    def set(self, key: RolloutRef, phase: str | None) -> None:
        """Record `key`'s phase (None: the rollout is gone)."""
        with self._lock:
            if phase is None:
                self._phases.pop(key, None)
            else:
                self._phases[key] = phase
            counts = Tally(self._phases.values())
        for name in (*_PHASES, *(p for p in counts if p not in _PHASES)):
            ROLLOUTS.labels(phase=name).set(counts.get(name, 0))
