"""Which Rollouts an event concerns: the index from referenced objects to Rollout keys.

Watch events arrive for Deployments, AnalysisRuns and templates; the work
queue wants Rollout keys. Objects the controller created point back through
their controlling owner reference; the user's Deployment and the templates
do not, so the index remembers, from every Rollout seen on the watch, which
Deployment and which templates it names. It holds names only, never specs.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from rollout_engine.controller.ownership import controller_of
from rollout_engine.notify import RolloutRef

__all__ = ["RolloutIndex", "ref_of"]

Obj = dict[str, Any]
_Refs = tuple[tuple[str, str], frozenset[tuple[str, str]], frozenset[str]]


def ref_of(obj: Obj) -> RolloutRef:
    """The key of a Rollout object."""
    meta = obj.get("metadata") or {}
    return RolloutRef(str(meta.get("namespace") or "default"), str(meta.get("name")))


class RolloutIndex:
    """Rollout keys by the Deployment and the templates they reference."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refs: dict[RolloutRef, _Refs] = {}
        self._by_workload: defaultdict[tuple[str, str], set[RolloutRef]] = defaultdict(set)
        self._by_template: defaultdict[tuple[str, str], set[RolloutRef]] = defaultdict(set)
        self._by_cluster_template: defaultdict[str, set[RolloutRef]] = defaultdict(set)

    def update(self, rollout: Obj) -> RolloutRef:
        """Index (or re-index) a Rollout as read from the watch."""
        key = ref_of(rollout)
        spec = rollout.get("spec") or {}
        workload = (key.namespace, str((spec.get("workloadRef") or {}).get("name", "")))
        local, cluster = set(), set()
        for ref in _template_refs(spec.get("strategy")):
            name = str(ref.get("templateName", ""))
            if ref.get("clusterScope"):
                cluster.add(name)
            else:
                local.add((key.namespace, name))
        with self._lock:
            self._drop(key)
            self._refs[key] = (workload, frozenset(local), frozenset(cluster))
            self._by_workload[workload].add(key)
            for item in local:
                self._by_template[item].add(key)
            for name in cluster:
                self._by_cluster_template[name].add(key)
        return key

    def remove(self, rollout: Obj) -> RolloutRef:
        """Forget a deleted Rollout."""
        key = ref_of(rollout)
        with self._lock:
            self._drop(key)
        return key

    def all_keys(self) -> list[RolloutRef]:
        """Every Rollout known (the resync enqueues them all)."""
        with self._lock:
            return sorted(self._refs)

    def is_workload(self, namespace: str, name: str) -> bool:
        """Some Rollout names Deployment `namespace/name` as its workload."""
        with self._lock:
            return bool(self._by_workload.get((namespace, name)))

    def for_object(self, kind: str, obj: Obj) -> set[RolloutRef]:
        """The Rollouts an event about `obj` (of `kind`) concerns."""
        meta = obj.get("metadata") or {}
        namespace, name = str(meta.get("namespace") or ""), str(meta.get("name"))
        owner = controller_of(obj)
        if owner is not None and owner.get("kind") == "Rollout":
            return {RolloutRef(namespace, str(owner.get("name")))}
        with self._lock:
            if kind == "Deployment":
                return set(self._by_workload.get((namespace, name), ()))
            if kind == "AnalysisTemplate":
                return set(self._by_template.get((namespace, name), ()))
            if kind == "ClusterAnalysisTemplate":
                return set(self._by_cluster_template.get(name, ()))
        return set()

    def _drop(self, key: RolloutRef) -> None:
        old = self._refs.pop(key, None)
        if old is None:
            return
        workload, local, cluster = old
        self._by_workload[workload].discard(key)
        for item in local:
            self._by_template[item].discard(key)
        for name in cluster:
            self._by_cluster_template[name].discard(key)


def _template_refs(node: Any) -> list[Obj]:
    """Every ``{templateName: …}`` under a strategy, wherever it sits."""
    found: list[Obj] = []
    if isinstance(node, dict):
        if "templateName" in node:
            found.append(node)
        for value in node.values():
            found += _template_refs(value)
    elif isinstance(node, list):
        for value in node:
            found += _template_refs(value)
    return found
