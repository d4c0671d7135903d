"""The object store: etcd plus the watch cache, in one lock.

Every commit takes the next value of one cluster-wide counter as its resourceVersion and
appends a `Change` to a bounded history, so a watch can resume from any resourceVersion
still inside the window and gets 410 Expired for older ones, as from the real watch cache.
Stored objects are never mutated in place: writers commit fresh dicts and readers get
clones, so a snapshot in the history always shows the object as it was.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

Obj = dict[str, Any]
T = TypeVar("T")
Key = tuple[str, str]


def clone(obj: T) -> T:
    """Deep copy of JSON data (faster than copy.deepcopy, and proves it is JSON)."""
    return cast(T, json.loads(json.dumps(obj)))


def key_of(obj: Obj) -> Key:
    meta = obj.get("metadata") or {}
    return meta.get("namespace") or "", meta.get("name") or ""


@dataclass(frozen=True)
class Change:
    """One committed write, as a watch event sees it. `obj` and `prev` are read-only."""

    rv: int
    type: str
    storage: str
    obj: Obj
    prev: Obj | None


class Expired(Exception):
    """A resourceVersion older than the retained history."""

    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest})")


class Store:
    """Objects by storage key and (namespace, name); thread-safe through `lock`."""

    def __init__(self, *, history: int = 10_000) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[str, dict[Key, Obj]] = {}
        self._rv = 1
        self._history: deque[Change] = deque()
        self._window = history
        self._compacted = 0
        self.observers: list[Callable[[Change], None]] = []

    @property
    def resource_version(self) -> int:
        with self.lock:
            return self._rv

    @property
    def oldest_retained(self) -> int:
        """Watches may start from this resourceVersion or any later one."""
        with self.lock:
            return self._compacted

    def peek(self, storage: str, key: Key) -> Obj | None:
        """The stored object itself: callers must not mutate it (use `get` for a copy)."""
        with self.lock:
            return self._objects.get(storage, {}).get(key)

    def get(self, storage: str, key: Key) -> Obj | None:
        found = self.peek(storage, key)
        return None if found is None else clone(found)

    def items(self, storage: str, namespace: str | None = None) -> list[Obj]:
        """Read-only stored objects, sorted by namespace and name like etcd keys."""
        with self.lock:
            bucket = self._objects.get(storage, {})
            keys = sorted(k for k in bucket if namespace is None or k[0] == namespace)
            return [bucket[k] for k in keys]

    def everything(self) -> Iterator[tuple[str, Obj]]:
        """(storage, read-only object) for every stored object; hold `lock` while iterating."""
        for storage, bucket in list(self._objects.items()):
            for obj in list(bucket.values()):
                yield storage, obj

    def commit(self, storage: str, obj: Obj) -> Obj:
        """Store `obj` (now owned by the store) under a new resourceVersion."""
        with self.lock:
            bucket = self._objects.setdefault(storage, {})
            key = key_of(obj)
            prev = bucket.get(key)
            self._rv += 1
            obj["metadata"]["resourceVersion"] = str(self._rv)
            bucket[key] = obj
            self._record(Change(self._rv, "MODIFIED" if prev else "ADDED", storage, obj, prev))
            return clone(obj)

    def remove(self, storage: str, key: Key, *, final: Obj | None = None) -> Obj | None:
        """Delete for good; the DELETED event carries the deletion's resourceVersion and
        `final` (the last state, e.g. with its last finalizer removed) if given."""
        with self.lock:
            prev = self._objects.get(storage, {}).pop(key, None)
            if prev is None:
                return None
            self._rv += 1
            final = clone(final if final is not None else prev)
            final["metadata"]["resourceVersion"] = str(self._rv)
            self._record(Change(self._rv, "DELETED", storage, final, prev))
            return clone(final)

    def _record(self, change: Change) -> None:
        self._history.append(change)
        while len(self._history) > self._window:
            self._compacted = self._history.popleft().rv
        for observer in list(self.observers):
            observer(change)
        self.changed.notify_all()

    def changes_after(self, rv: int, storage: str) -> list[Change]:
        """Changes of one storage with resourceVersion > rv, oldest first."""
        with self.lock:
            if rv < self._compacted:
                raise Expired(rv, self._compacted + 1)
            return [c for c in self._history if c.rv > rv and c.storage == storage]

    def compact(self) -> int:
        """Forget the history: every resourceVersion before now becomes too old to watch."""
        with self.lock:
            self._compacted = self._rv
            self._history.clear()
            self.changed.notify_all()
            return self._rv

    def wipe(self) -> None:
        """Lose every object, as a rebuilt cluster would (resourceVersions keep growing)."""
        with self.lock:
            self._objects.clear()
            self.compact()
