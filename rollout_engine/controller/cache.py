"""Informer-style caches: a reconcile reads the watched objects from memory, not from the API.

Every reconcile used to GET the Rollout, both Deployments, the AnalysisRuns and
the templates afresh: ten requests per look, which made a thousand Rollouts
(and their resyncs) a load the API server should never see (reliability.md
M4, T15). The watches already deliver every change of those kinds, so each
change is kept here, keyed by (namespace, name), and reads are served from it:

- **fed by the watches** (``observe``), updated *before* the key is enqueued,
  so the reconcile an event causes sees that event;
- **fed by our own writes** (``wrote``): the object a write returns is newer
  than anything the watch has delivered yet, so the next reconcile sees what
  the last one wrote without waiting for the echo;
- **never older**: an event or an answer whose resourceVersion is older than
  the cached one is ignored (resourceVersions are compared as numbers when
  both are, as etcd revisions are; otherwise the newer arrival wins);
- **a 409 marks the entry stale** (``conflicted``): the next read of it goes
  to the API, so a retry after a conflict never decides on the same stale
  object twice. Writes still carry the resourceVersion they read, so a stale
  cache can cost a retry, never a lost update;
- **until a kind's first list arrived** every read of it goes to the API.

A *complete* kind (Rollouts, our AnalysisRuns, templates) holds every object the
controller may read, so a miss is a 404. Deployments are watched cluster-wide
but only those a Rollout owns or references are kept; a miss there reads
through (and keeps the answer). Copies are handed out, never the cached dict.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rollout_engine.errors import NotFound
from rollout_engine.kube import ApiClient, Kind, Objects

__all__ = ["CachedObjects", "Caches"]

Obj = dict[str, Any]
Key = tuple[str, str]


def _key(obj: Obj) -> Key:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _version(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def _uid(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("uid") or "")


def _not_older(new: Obj, old: Obj | None) -> bool:
    if old is None:
        return True
    a, b = _version(new), _version(old)
    return int(a) >= int(b) if a.isdigit() and b.isdigit() else True


def _slim(obj: Obj) -> Obj:
    """What is kept: the object without its managedFields (never read, often the bulk)."""
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
    return obj


_TOMBSTONES = 10_000


@dataclass
class _Store:
    synced: Callable[[], bool]
    complete: bool
    keep: Callable[[Obj], bool]
    items: dict[Key, Obj] = field(default_factory=dict)
    stale: set[Key] = field(default_factory=set)
    gone: OrderedDict[str, None] = field(default_factory=OrderedDict)
    """uids deleted: a late answer to the write that deleted one must not bring it back."""

    def bury(self, uid: str) -> None:
        if uid:
            self.gone[uid] = None
            while len(self.gone) > _TOMBSTONES:
                self.gone.popitem(last=False)


class Caches:
    """The objects of the tracked kinds as last seen (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stores: dict[str, _Store] = {}

    def track(
        self,
        kind_name: str,
        *,
        synced: Callable[[], bool],
        complete: bool = True,
        keep: Callable[[Obj], bool] = lambda obj: True,
    ) -> None:
        """Cache `kind_name`; `synced` says its watch delivered a first list."""
        with self._lock:
            self._stores[kind_name] = _Store(synced=synced, complete=complete, keep=keep)

    def observe(self, kind_name: str, event: str, obj: Obj) -> None:
        """A watch event (ADDED, MODIFIED, DELETED)."""
        store = self._stores.get(kind_name)
        if store is None:
            return
        key, uid = _key(obj), _uid(obj)
        with self._lock:
            current = store.items.get(key)
            if event == "DELETED":
                store.bury(uid)
                if current is None or _uid(current) == uid or _not_older(obj, current):
                    store.items.pop(key, None)
            elif uid in store.gone or not _not_older(obj, current):
                return  # NB: a late copy of a deleted object, or an older one
            elif not store.keep(obj):
                store.items.pop(key, None)
            else:
                store.items[key] = _slim(obj)
            store.stale.discard(key)

    def wrote(self, kind_name: str, obj: Obj) -> None:
        """The object a successful write returned."""
        if obj.get("metadata"):
            self.observe(kind_name, "MODIFIED", obj)

    def deleted(self, kind_name: str, namespace: str | None, name: str | None) -> None:
        """We deleted it (its DELETED event will follow)."""
        store = self._stores.get(kind_name)
        if store is not None:
            with self._lock:
                store.items.pop((namespace or "", name or ""), None)

    def conflicted(self, kind_name: str, namespace: str | None, name: str | None) -> None:
        """A write got 409 or 404: the next read of the object goes to the API."""
        store = self._stores.get(kind_name)
        if store is not None:
            with self._lock:
                store.stale.add((namespace or "", name or ""))

    def lookup(self, kind_name: str, namespace: str | None, name: str) -> tuple[bool, Obj | None]:
        """(answered, a copy or None for absent); not answered: ask the API."""
        store = self._stores.get(kind_name)
        if store is None or not store.synced():
            return False, None
        key = (namespace or "", name)
        with self._lock:
            if key in store.stale:
                return False, None
            found = store.items.get(key)
            if found is None:
                return store.complete, None
            return True, copy.deepcopy(found)

    def refreshed(self, kind_name: str, obj: Obj) -> None:
        """A read-through answer: keep it when the kind keeps such objects."""
        self.observe(kind_name, "MODIFIED", obj)

    def select(
        self, kind_name: str, namespace: str | None, labels: dict[str, str]
    ) -> list[Obj] | None:
        """Copies of the objects with all of `labels` (None: ask the API)."""
        store = self._stores.get(kind_name)
        if store is None or not store.complete or not store.synced():
            return None
        with self._lock:
            found = [
                copy.deepcopy(obj)
                for (ns, _), obj in store.items.items()
                if (namespace is None or ns == namespace)
                and all(
                    ((obj.get("metadata") or {}).get("labels") or {}).get(k) == v
                    for k, v in labels.items()
                )
            ]
        return found

    def size(self) -> int:
        """Objects cached, all kinds together."""
        with self._lock:
            return sum(len(s.items) for s in self._stores.values())


def _equality(selector: str | None) -> dict[str, str] | None:
    """``a=b,c=d`` as a dict; None for anything else (sets, negations: ask the API)."""
    if not selector:
        return {}
    labels = {}
    for part in selector.split(","):
        key, sep, value = part.partition("=")
        if not sep or value.startswith("=") or key.endswith("!"):
            return None
        labels[key.strip()] = value.strip()
    return labels


class CachedObjects(Objects):
    """``Objects`` whose ``get`` and ``list_items`` answer from the caches when they can."""

    def __init__(self, api_client: ApiClient, caches: Caches, **kwargs: Any) -> None:
        super().__init__(api_client, **kwargs)
        self._caches = caches

    def get(self, kind: Kind, *, name: str, namespace: str | None = None) -> Obj:
        answered, found = self._caches.lookup(kind.kind, namespace, name)
        if answered:
            if found is None:
                raise NotFound(f'{kind.plural} "{name}" not found (cache)', status=404)
            return found
        fresh = super().get(kind, name=name, namespace=namespace)
        self._caches.refreshed(kind.kind, fresh)
        return fresh

    def list_items(
        self,
        kind: Kind,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Obj], str]:
        labels = None if field_selector else _equality(label_selector)
        found = None if labels is None else self._caches.select(kind.kind, namespace, labels)
        if found is not None:
            return found, ""
        return super().list_items(
            kind, namespace=namespace, label_selector=label_selector, field_selector=field_selector
        )
