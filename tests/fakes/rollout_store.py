"""An in-memory Rollout store with the API server's compare-and-set, and crash points.

It implements ``rollout_engine.notify.RolloutStore``: ``replace_status``
succeeds only when ``metadata.resourceVersion`` matches the stored one
(else ``Conflict``, as a PUT to ``/status`` with a stale resourceVersion
gets 409), bumps the version, and keeps objects as JSON so no caller shares
a mutable value with the store. ``crash_on_write`` makes the next matching
write raise ``Crash`` (a BaseException: it unwinds like a killed process,
through every ``except Exception``) before the write lands; ``on_write`` runs
before each compare-and-set (tests line up two replicas there, so both
write from the same resourceVersion).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from rollout_engine.api import Rollout, RolloutStatus, dump
from rollout_engine.errors import Conflict, NotFound
from rollout_engine.notify import RolloutRef

__all__ = ["Crash", "MemoryRolloutStore"]


class Crash(BaseException):
    """The process died here."""


class MemoryRolloutStore:
    """Rollouts by (namespace, name), stored as the API server would (dumped JSON)."""

    def __init__(self) -> None:
        self._items: dict[RolloutRef, dict[str, Any]] = {}
        self._versions = itertools.count(1)
        self._lock = threading.Lock()
        self.writes: list[RolloutStatus] = []
        self.conflicts = 0
        self.crash_on_write: Callable[[RolloutStatus], bool] | None = None
        self.on_write: Callable[[], None] | None = None

    def put(self, rollout: Rollout) -> Rollout:
        """Create or overwrite, as ``kubectl apply`` plus a status write would."""
        ref = RolloutRef(rollout.metadata.namespace or "default", rollout.metadata.name)
        with self._lock:
            self._items[ref] = self._stamp(dump(rollout))
            return Rollout.model_validate(self._items[ref])

    def get(self, ref: RolloutRef) -> Rollout:
        with self._lock:
            if ref not in self._items:
                raise NotFound(f"rollout {ref.namespace}/{ref.name} not found", status=404)
            return Rollout.model_validate(self._items[ref])

    def replace_status(self, rollout: Rollout) -> Rollout:
        ref = RolloutRef(rollout.metadata.namespace or "default", rollout.metadata.name)
        status = rollout.status or RolloutStatus()
        crash = self.crash_on_write
        if crash is not None and crash(status):
            self.crash_on_write = None
            raise Crash("killed before the status write landed")
        if self.on_write is not None:
            self.on_write()
        with self._lock:
            stored = self._items.get(ref)
            if stored is None:
                raise NotFound(f"rollout {ref.namespace}/{ref.name} not found", status=404)
            if stored["metadata"].get("resourceVersion") != rollout.metadata.resource_version:
                self.conflicts += 1
                raise Conflict("the object has been modified", status=409)
            updated = dict(stored, status=dump(status))
            self._items[ref] = self._stamp(updated)
            self.writes.append(status)
            return Rollout.model_validate(self._items[ref])

    def _stamp(self, obj: dict[str, Any]) -> dict[str, Any]:
        meta = dict(obj["metadata"], resourceVersion=str(next(self._versions)))
        return dict(obj, metadata=meta)
