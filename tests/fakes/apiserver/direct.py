"""Direct access to the fake's objects, without HTTP: how a test plays kubelet or a
controller that is not under test (e.g. writing a Deployment's status).

Writes here skip authentication, faults, validation, admission and the journal, but keep
the invariants clients rely on: a new resourceVersion, uid and creationTimestamp kept,
generation moved on spec changes, managedFields credited to `manager`, watch events,
and finalizers and garbage collection on delete.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .cluster import CRD_FINALIZER, CRD_STORAGE, Cluster, served, to_stored
from .crds import established_status, validate_crd
from .lists import semantics_for
from .managed import record_update
from .reads import ListQuery, list_objects
from .resources import ResourceType
from .storage import Obj, clone
from .strategy import bump_generation

Mutator = Callable[[Obj], Obj | None]


class DirectStore:
    """get / list / put / update / set_status / delete by apiVersion and kind."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster

    def _type(self, api_version: str, kind: str) -> ResourceType:
        rt = self._cluster.registry.by_kind(api_version, kind)
        if rt is None:
            raise KeyError(f"{kind} in {api_version} is not served (CRD not installed?)")
        return rt

    def _key(self, rt: ResourceType, name: str, *, namespace: str | None) -> tuple[str, str]:
        return ((namespace or "default") if rt.namespaced else "", name)

    @property
    def resource_version(self) -> int:
        return self._cluster.store.resource_version

    def get(
        self, api_version: str, kind: str, *, name: str, namespace: str | None = None
    ) -> Obj | None:
        rt = self._type(api_version, kind)
        stored = self._cluster.store.peek(rt.storage, self._key(rt, name, namespace=namespace))
        return None if stored is None else served(rt, api_version.rpartition("/")[2], stored=stored)

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list[Obj]:
        rt = self._type(api_version, kind)
        query = ListQuery(
            rt, api_version.rpartition("/")[2], namespace, label_selector=label_selector
        )
        return list_objects(self._cluster, query)[0]

    def put(self, obj: Obj, *, manager: str = "fake-direct") -> Obj:
        """Create or replace `obj` as given (status included); returns the stored version."""
        rt = self._type(obj["apiVersion"], obj["kind"])
        new = to_stored(rt, obj)
        meta = new["metadata"]
        if rt.namespaced:
            meta["namespace"] = meta.get("namespace") or "default"
        else:
            meta.pop("namespace", None)
        with self._cluster.store.lock:
            old = self._cluster.store.peek(rt.storage, (meta.get("namespace", ""), meta["name"]))
            self._carry_metadata(rt, old, new=new)
            if rt.storage == CRD_STORAGE and not validate_crd(new):
                new["status"] = established_status(new, now=self._cluster.now())
                if old is None:
                    meta["finalizers"] = sorted({*meta.get("finalizers", []), CRD_FINALIZER})
            record_update(
                old,
                new,
                manager=manager,
                api_version=obj["apiVersion"],
                now=self._cluster.now(),
                subresource="",
                lists=semantics_for(custom=rt.custom, schema=rt.schema(rt.storage_version)),
            )
            return served(
                rt,
                obj["apiVersion"].rpartition("/")[2],
                stored=self._cluster.store.commit(rt.storage, new),
            )

    def _carry_metadata(self, rt: ResourceType, old: Obj | None, *, new: Obj) -> None:
        meta = new["metadata"]
        if old is None:
            meta.setdefault("uid", self._cluster.new_uid())
            meta.setdefault("creationTimestamp", self._cluster.now())
            if rt.generation:
                meta["generation"] = 1
            return
        for key in ("uid", "creationTimestamp", "generation", "deletionTimestamp", "managedFields"):
            if key in old["metadata"]:
                meta[key] = clone(old["metadata"][key])
        bump_generation(rt, old, new=new)

    def update(
        self,
        api_version: str,
        kind: str,
        *,
        name: str,
        namespace: str | None = None,
        mutate: Mutator,
        manager: str = "fake-direct",
    ) -> Obj:
        """Read-modify-write under the store lock; `mutate` edits in place or returns anew."""
        with self._cluster.store.lock:
            current = self.get(api_version, kind, name=name, namespace=namespace)
            if current is None:
                raise KeyError(f"{kind} {namespace}/{name} not found")
            changed = mutate(current)
            return self.put(changed if changed is not None else current, manager=manager)

    def set_status(
        self,
        api_version: str,
        kind: str,
        *,
        name: str,
        namespace: str | None = None,
        status: dict[str, Any],
        manager: str = "fake-direct",
    ) -> Obj:
        """Replace the status, as a controller's status write would."""

        def replace(obj: Obj) -> None:
            obj["status"] = clone(status)

        return self.update(
            api_version, kind, name=name, namespace=namespace, mutate=replace, manager=manager
        )

    def delete(
        self,
        api_version: str,
        kind: str,
        *,
        name: str,
        namespace: str | None = None,
        propagation: str = "Background",
    ) -> bool:
        """Delete (finalizers and cascades apply); True when the object is gone."""
        rt = self._type(api_version, kind)
        result, gone = self._cluster.gc.delete(
            rt.storage, self._key(rt, name, namespace=namespace), propagation=propagation
        )
        return result is not None and gone

    def compact(self) -> int:
        """Make every resourceVersion up to now too old to watch from (410 Expired)."""
        return self._cluster.store.compact()
