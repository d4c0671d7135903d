"""A minimal world: the Deployment/ReplicaSet controllers and kubelet, as far as status goes.

Off by default, so the fake behaves like a bare apiserver. Enabled, it answers every
Deployment or ReplicaSet whose spec moved with the status a healthy cluster converges to
(observedGeneration, replicas, updated/ready/available counts, conditions) —
`immediate`ly inside the write, only when the test calls `settle()` (`manual`), or after
`delay` seconds. `hold()` keeps an object at fewer ready replicas (unready or crashing
pods, an HPA-shrunk stable), until `release()`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from .lists import BuiltinLists
from .managed import record_update
from .storage import Change, Key, Obj, clone

if TYPE_CHECKING:
    from .cluster import Cluster

_KINDS = {"Deployment": "deployments.apps", "ReplicaSet": "replicasets.apps"}
MANAGER = "kube-controller-manager"


class World:
    """Status writer for Deployments and ReplicaSets."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self.mode = "off"
        self.delay = 0.0
        self._held: dict[tuple[str, Key], int] = {}
        self._pending: set[tuple[str, Key]] = set()
        cluster.store.observers.append(self._observe)

    def enable(self, *, mode: str = "immediate", delay: float = 0.0) -> None:
        """`immediate`, `manual` (wait for settle()) or `delayed` (after `delay` seconds)."""
        if mode not in ("immediate", "manual", "delayed"):
            raise ValueError(f"unknown world mode {mode!r}")
        self.mode, self.delay = mode, delay

    def disable(self) -> None:
        self.mode = "off"

    def hold(self, kind: str, name: str, *, namespace: str = "default", ready: int) -> None:
        """Keep `kind/name` at no more than `ready` ready replicas; applies at once."""
        ref = (_KINDS[kind], (namespace, name))
        with self._cluster.store.lock:
            self._held[ref] = ready
            self._refresh(ref)

    def release(self, kind: str, name: str, *, namespace: str = "default") -> None:
        ref = (_KINDS[kind], (namespace, name))
        with self._cluster.store.lock:
            self._held.pop(ref, None)
            self._refresh(ref)

    def settle(self) -> int:
        """Bring every pending object up to date now; returns how many were written."""
        with self._cluster.store.lock:
            pending, self._pending = sorted(self._pending), set()
            return sum(1 for ref in pending if self._refresh(ref))

    @property
    def pending(self) -> list[tuple[str, Key]]:
        with self._cluster.store.lock:
            return sorted(self._pending)

    def _observe(self, change: Change) -> None:
        if self.mode == "off" or change.storage not in _KINDS.values() or change.type == "DELETED":
            return
        ref = (
            change.storage,
            (change.obj["metadata"].get("namespace", ""), change.obj["metadata"]["name"]),
        )
        if self._wanted(ref, change.obj) == change.obj.get("status"):
            return
        if self.mode == "immediate":
            self._refresh(ref)
        elif self.mode == "manual":
            self._pending.add(ref)
        else:
            timer = threading.Timer(self.delay, self._refresh_locked, args=(ref,))
            timer.daemon = True
            timer.start()

    def _refresh_locked(self, ref: tuple[str, Key]) -> None:
        with self._cluster.store.lock:
            self._refresh(ref)

    def _refresh(self, ref: tuple[str, Key]) -> bool:
        current = self._cluster.store.peek(*ref)
        if current is None or current["metadata"].get("deletionTimestamp"):
            return False
        status = self._wanted(ref, current)
        if status == current.get("status"):
            return False
        updated = clone(current)
        updated["status"] = status
        record_update(
            current,
            updated,
            manager=MANAGER,
            api_version="apps/v1",
            now=self._cluster.now(),
            subresource="status",
            lists=BuiltinLists(),
        )
        self._cluster.store.commit(ref[0], updated)
        return True

    def _wanted(self, ref: tuple[str, Key], obj: Obj) -> dict[str, Any]:
        replicas = int((obj.get("spec") or {}).get("replicas", 1))
        ready = min(self._held.get(ref, replicas), replicas)
        generation = obj["metadata"].get("generation", 1)
        if ref[0] == "replicasets.apps":  # `replicas` is not omitempty in ReplicaSetStatus
            return {
                "replicas": replicas,
                **_omit_zero(
                    {
                        "fullyLabeledReplicas": replicas,
                        "readyReplicas": ready,
                        "availableReplicas": ready,
                        "observedGeneration": generation,
                    }
                ),
            }
        return _omit_zero(
            {
                "observedGeneration": generation,
                "replicas": replicas,
                "updatedReplicas": replicas,
                "readyReplicas": ready,
                "availableReplicas": ready,
                "unavailableReplicas": replicas - ready,
                "conditions": self._conditions(obj, healthy=ready >= replicas),
            }
        )

    def _conditions(self, obj: Obj, *, healthy: bool) -> list[dict[str, str]]:
        old = {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}
        now = self._cluster.now()
        available = "MinimumReplicasAvailable" if healthy else "MinimumReplicasUnavailable"
        progressing = "NewReplicaSetAvailable" if healthy else "ReplicaSetUpdated"
        return [
            _condition(old, "Available", ok=healthy, now=now, reason=available),
            _condition(old, "Progressing", ok=True, now=now, reason=progressing),
        ]


def _condition(
    old: dict[str, Any], kind: str, *, ok: bool, now: str, reason: str
) -> dict[str, str]:
    status = "True" if ok else "False"
    previous = old.get(kind) or {}
    same = previous.get("status") == status and previous.get("reason") == reason
    stamp = previous.get("lastTransitionTime", now) if same else now
    return {
        "type": kind,
        "status": status,
        "lastUpdateTime": stamp if same else now,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": reason,
    }


def _omit_zero(status: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in status.items() if v not in (0, None)}
