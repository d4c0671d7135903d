"""The watches that feed the work queue, and how each event becomes Rollout keys.

Rollouts (their events also maintain the ``RolloutIndex``), AnalysisRuns
(only ours: label ``rollout-engine.io/rollout``), Deployments (the primary
through its owner reference, the workload through the index) and templates
(through the index). Services, VirtualServices and Ingresses are not
watched: the controller reads them back at every reconcile, and the resync
covers a change nobody announces.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rollout_engine.controller.index import RolloutIndex
from rollout_engine.controller.metrics import WATCH_RESTARTS
from rollout_engine.controller.ownership import ROLLOUT_LABEL
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
    ) -> None:
        self._index, self._enqueue = index, enqueue
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

    def _handler(self, name: str) -> Callable[[EventType, Obj], None]:
        def on_event(event: EventType, obj: Obj) -> None:
            if name == "Rollout":
                key = self._index.remove(obj) if event == "DELETED" else self._index.update(obj)
                self._enqueue(key)
                return
            for key in self._index.for_object(name, obj):
                self._enqueue(key)

        return on_event


def _count_restarts(kind_name: str) -> Callable[[str], None]:
    def count(reason: str) -> None:
        WATCH_RESTARTS.labels(kind=kind_name, reason=reason).inc()

    return count
