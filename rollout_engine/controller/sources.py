"""The watches that feed the work queue, and how each event becomes Rollout keys.

Rollouts (their events also maintain the ``RolloutIndex``), AnalysisRuns
(only ours: label ``rollout-engine.io/rollout``), Deployments (the primary
through its owner reference, the workload through the index) and templates
(through the index). Services, VirtualServices and Ingresses are not
watched: the controller reads them back at every reconcile, and the resync
covers a change nobody announces.

Each event first updates the caches (``cache.Caches``), then enqueues: the
reconcile an event causes reads that event's object from memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rollout_engine.controller.cache import Caches
from rollout_engine.controller.index import RolloutIndex
from rollout_engine.controller.metrics import WATCH_RESTARTS
from rollout_engine.controller.ownership import ROLLOUT_LABEL, controller_of
from rollout_engine.kube import ApiClient, Watcher, WatchSettings, kind
from rollout_engine.kube.watching import EventType
from rollout_engine.notify import RolloutRef

__all__ = ["Sources"]

Obj = dict[str, Any]


class Sources:
    """One Watcher per kind, each event turned into keys and enqueued."""

    def __init__(
        self,
        api_client: ApiClient,
        *,
        index: RolloutIndex,
        enqueue: Callable[[RolloutRef], None],
        namespace: str | None,
        settings: WatchSettings,
        cluster_templates: bool,
        caches: Caches | None = None,
    ) -> None:
        self._index, self._enqueue = index, enqueue
        self._caches = caches or Caches()
        kinds = ["Rollout", "AnalysisRun", "Deployment", "AnalysisTemplate"]
        if cluster_templates:
            kinds.append("ClusterAnalysisTemplate")
        self.watchers = [
            Watcher(
                api_client,
                kind(name),
                namespace=namespace,
                label_selector=ROLLOUT_LABEL if name == "AnalysisRun" else None,
                settings=settings,
                on_event=self._handler(name),
                on_restart=_count_restarts(name),
            )
            for name in kinds
        ]
        for watcher in self.watchers:
            name = watcher.kind.kind
            partial = name == "Deployment"  # NB: cluster-wide: keep only ours and those referenced
            self._caches.track(
                name,
                synced=watcher.synced.is_set,
                complete=not partial,
                keep=self._ours if partial else (lambda obj: True),
            )

    def start(self) -> None:
        """Start every watch (Rollouts first, so the index is filled early)."""
        for watcher in self.watchers:
            watcher.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every watch at once, then wait up to `timeout` in all for their threads."""
        for watcher in self.watchers:
            watcher.stop(0.0)
        deadline = time.monotonic() + timeout
        for watcher in self.watchers:
            watcher.join(max(0.0, deadline - time.monotonic()))

    def synced(self) -> bool:
        """Every watch delivered its first list."""
        return all(w.synced.is_set() for w in self.watchers)

    def _ours(self, deployment: Obj) -> bool:
        owner = controller_of(deployment)
        if owner is not None and owner.get("kind") == "Rollout":
            return True
        meta = deployment.get("metadata") or {}
        return self._index.is_workload(str(meta.get("namespace") or ""), str(meta.get("name")))

    def _handler(self, name: str) -> Callable[[EventType, Obj], None]:
        def on_event(event: EventType, obj: Obj) -> None:
            if name == "Rollout":  # NB: index first: the Deployment cache asks it what to keep
                key = self._index.remove(obj) if event == "DELETED" else self._index.update(obj)
                self._caches.observe(name, event, obj)
                self._enqueue(key)
                return
            self._caches.observe(name, event, obj)
            for key in self._index.for_object(name, obj):
                self._enqueue(key)

        return on_event


def _count_restarts(kind_name: str) -> Callable[[str], None]:
    def count(reason: str) -> None:
        WATCH_RESTARTS.labels(kind=kind_name, reason=reason).inc()

    return count
