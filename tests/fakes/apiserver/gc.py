"""Finalizers, cascading deletion and the garbage collector.

Deleting an object with finalizers only marks it (deletionTimestamp); it is removed once
its finalizers are gone. Removing an owner deletes its dependents (ownerReferences by
uid) unless another owner of theirs still exists, in which case only the dangling
reference is dropped, as the real garbage collector does. Foreground deletion keeps the
owner (finalizer `foregroundDeletion`) until its dependents are gone; Orphan strips the
references instead. Namespaces and CRDs empty themselves before they disappear.
The real collector is asynchronous; this one runs inside the deleting request, so tests
see the outcome as soon as the DELETE returns (the order of watch events is the same).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from .storage import Change, Key, Obj, clone, key_of

if TYPE_CHECKING:
    from .cluster import Cluster

FOREGROUND = "foregroundDeletion"
NAMESPACES = "namespaces"
CRDS = "customresourcedefinitions.apiextensions.k8s.io"
CRD_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
Ref = tuple[str, Key]


class OwnerIndex:
    """uid → where the object lives, and owner uid → its dependents (a store observer)."""

    def __init__(self) -> None:
        self._where: dict[str, Ref] = {}
        self._dependents: dict[str, set[Ref]] = defaultdict(set)

    def clear(self) -> None:
        self._where.clear()
        self._dependents.clear()

    def observe(self, change: Change) -> None:
        ref = (change.storage, key_of(change.obj))
        if change.prev is not None:
            self._unlink(change.prev, ref)
        uid = change.obj["metadata"].get("uid", "")
        if change.type == "DELETED":
            self._where.pop(uid, None)
            return
        self._where[uid] = ref
        for owner in change.obj["metadata"].get("ownerReferences") or []:
            self._dependents[owner.get("uid", "")].add(ref)

    def _unlink(self, obj: Obj, ref: Ref) -> None:
        for owner in obj["metadata"].get("ownerReferences") or []:
            self._dependents.get(owner.get("uid", ""), set()).discard(ref)

    def exists(self, uid: str) -> bool:
        return uid in self._where

    def dependents(self, uid: str) -> list[Ref]:
        return sorted(self._dependents.get(uid, ()))


class Collector:
    """Deletion with finalizers and cascades; call with the store lock held or not (RLock)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._pending: set[Ref] = set()

    def delete(
        self, storage: str, key: Key, *, propagation: str = "Background"
    ) -> tuple[Obj | None, bool]:
        """(object after the call, whether it is gone). None when it did not exist."""
        store = self.cluster.store
        with store.lock:
            obj = store.peek(storage, key)
            if obj is None:
                return None, False
            uid = obj["metadata"].get("uid", "")
            if propagation == "Orphan":
                self._orphan(uid)
            finalizers = list(obj["metadata"].get("finalizers") or [])
            if propagation == "Foreground" and self.cluster.owners.dependents(uid):
                finalizers += [] if FOREGROUND in finalizers else [FOREGROUND]
            if not finalizers and not self._has_content(storage, obj):
                return self.finish(storage, key, final=None), True
            marked = self._mark(storage, obj, finalizers=finalizers)
            self._empty(storage, marked)
            self.settle()
            current = store.get(storage, key)
            return (current, False) if current else (clone(marked), True)

    def _mark(self, storage: str, obj: Obj, *, finalizers: list[str]) -> Obj:
        meta = obj["metadata"]
        if meta.get("deletionTimestamp") and finalizers == meta.get("finalizers", []):
            return obj
        marked = clone(obj)
        marked["metadata"].setdefault("deletionTimestamp", self.cluster.now())
        marked["metadata"].setdefault("deletionGracePeriodSeconds", 0)
        if finalizers:
            marked["metadata"]["finalizers"] = finalizers
        if storage == NAMESPACES:
            marked.setdefault("status", {})["phase"] = "Terminating"
        self._pending.add((storage, key_of(marked)))
        return self.cluster.store.commit(storage, marked)

    def _has_content(self, storage: str, obj: Obj) -> bool:
        return bool(self._content(storage, obj))

    def _content(self, storage: str, obj: Obj) -> list[Ref]:
        store = self.cluster.store
        if storage == NAMESPACES:
            name = obj["metadata"]["name"]
            storages = {rt.storage for rt in self.cluster.registry.all() if rt.namespaced}
            return [(s, key_of(o)) for s in sorted(storages) for o in store.items(s, name)]
        if storage == CRDS:
            crd_type = _crd_storage(obj)
            return [(crd_type, key_of(o)) for o in store.items(crd_type)] if crd_type else []
        return []

    def _empty(self, storage: str, obj: Obj) -> None:
        refs = self._content(storage, obj)
        if FOREGROUND in (obj["metadata"].get("finalizers") or []):
            refs += self.cluster.owners.dependents(obj["metadata"].get("uid", ""))
        for dep_storage, dep_key in refs:
            self.delete(dep_storage, dep_key)

    def _orphan(self, uid: str) -> None:
        for storage, key in self.cluster.owners.dependents(uid):
            self._drop_reference(storage, key, uid=uid)

    def _drop_reference(self, storage: str, key: Key, *, uid: str) -> None:
        dependent = self.cluster.store.get(storage, key)
        if dependent is None:
            return
        refs = [
            r for r in dependent["metadata"].get("ownerReferences") or [] if r.get("uid") != uid
        ]
        if refs:
            dependent["metadata"]["ownerReferences"] = refs
        else:
            dependent["metadata"].pop("ownerReferences", None)
        self.cluster.store.commit(storage, dependent)

    def finish(self, storage: str, key: Key, *, final: Obj | None) -> Obj | None:
        """Remove for good (optionally with a last state), then collect what it owned."""
        removed = self.cluster.store.remove(storage, key, final=final)
        self._pending.discard((storage, key))
        if removed is not None:
            self._collect_dependents(removed)
            self.settle()
        return removed

    def _collect_dependents(self, owner: Obj) -> None:
        uid = owner["metadata"].get("uid", "")
        for storage, key in self.cluster.owners.dependents(uid):
            dependent = self.cluster.store.peek(storage, key)
            if dependent is None:
                continue
            others = [
                r.get("uid", "")
                for r in dependent["metadata"].get("ownerReferences") or []
                if r.get("uid") != uid
            ]
            if any(self.cluster.owners.exists(other) for other in others):
                self._drop_reference(storage, key, uid=uid)
            else:
                self.delete(storage, key)

    def settle(self) -> None:
        """Release terminating objects whose dependents or contents are gone."""
        progress = True
        while progress:
            progress = False
            for storage, key in sorted(self._pending):
                obj = self.cluster.store.peek(storage, key)
                if obj is None:
                    self._pending.discard((storage, key))
                elif self._release(storage, obj):
                    progress = True
                    break

    def _release(self, storage: str, obj: Obj) -> bool:
        finalizers = list(obj["metadata"].get("finalizers") or [])
        uid = obj["metadata"].get("uid", "")
        releasable = {FOREGROUND} if not self.cluster.owners.dependents(uid) else set()
        if storage == CRDS and not self._has_content(storage, obj):
            releasable.add(CRD_FINALIZER)
        remaining = [f for f in finalizers if f not in releasable]
        if storage == NAMESPACES and self._has_content(storage, obj):
            return False
        if remaining == finalizers and (finalizers or storage != NAMESPACES):
            return False
        if remaining:
            updated = clone(obj)
            updated["metadata"]["finalizers"] = remaining
            self.cluster.store.commit(storage, updated)
        else:
            self.finish(storage, key_of(obj), final=None)
        return True

    def clear(self) -> None:
        self._pending.clear()


def _crd_storage(crd: Obj) -> str:
    spec = crd.get("spec") or {}
    plural, group = (spec.get("names") or {}).get("plural"), spec.get("group")
    return f"{plural}.{group}" if plural and group else ""
