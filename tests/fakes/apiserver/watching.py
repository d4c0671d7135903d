"""Watch streams: initial state or replay from a resourceVersion, then live changes.

Events are JSON lines (`{"type": ..., "object": ...}`) in a chunked response. A start
older than the retained history yields one ERROR event carrying a 410 Expired Status,
which is what the real watch cache sends (HTTP 200, then the error). Selectors apply to
both sides of a change, so an object that stops matching arrives as DELETED and one that
starts matching as ADDED. Table watches send column definitions in the first event only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .cluster import Cluster, served
from .errors import gone
from .faults import Call, Faults
from .output import Representation
from .reads import ListQuery, matcher
from .storage import Change, Expired, Obj
from .tables import table


@dataclass(frozen=True)
class WatchSpec:
    """A watch request, decoded."""

    query: ListQuery
    start_rv: int | None
    bookmarks: bool
    timeout: float
    initial_events: bool
    representation: Representation
    include: str
    call: Call


@dataclass(eq=False)
class WatchSession:
    """One open watch; `cancel` ends it, `abrupt` says whether to drop the connection."""

    spec: WatchSpec
    cluster: Cluster
    faults: Faults
    stopping: threading.Event
    cancel: threading.Event = field(default_factory=threading.Event)
    abrupt: bool = False
    _headers_sent: bool = False

    def lines(self) -> Iterator[bytes]:
        spec, store = self.spec, self.cluster.store
        matches = matcher(spec.query)
        with store.lock:
            cursor = store.resource_version
            initial = (
                [o for o in store.items(spec.query.rt.storage, spec.query.namespace) if matches(o)]
                if not spec.start_rv
                else []
            )
            if spec.start_rv:
                cursor = spec.start_rv
        for obj in initial:
            yield self._event("ADDED", obj)
        if spec.initial_events and spec.bookmarks:
            yield self._bookmark(cursor, initial_end=True)
        yield from self._follow(cursor, matches)

    def _follow(self, cursor: int, matches: Callable[[Obj], bool]) -> Iterator[bytes]:
        store, interval = self.cluster.store, self.cluster.config.bookmark_interval
        deadline = time.monotonic() + self.spec.timeout
        next_bookmark = time.monotonic() + interval
        while not self._ended():
            now = time.monotonic()
            if now >= deadline:
                return
            if self.faults.stalled(self.spec.call) or self.faults.blackholed(
                self.spec.call.identity
            ):
                with store.changed:
                    store.changed.wait(min(0.2, deadline - now))
                self.abrupt = self.faults.blackholed(self.spec.call.identity) or self.abrupt
                continue
            with store.changed:
                try:
                    changes = store.changes_after(cursor, self.spec.query.rt.storage)
                except Expired as exc:
                    yield self._error(str(exc))
                    return
                seen = store.resource_version
                if not changes:
                    store.changed.wait(max(0.0, min(deadline, next_bookmark) - now))
            for change in changes:
                if (event := self._translate(change, matches)) is not None:
                    yield event
            cursor = max(cursor, seen)
            if self.spec.bookmarks and time.monotonic() >= next_bookmark:
                yield self._bookmark(cursor)
                next_bookmark = time.monotonic() + interval

    def _ended(self) -> bool:
        return self.cancel.is_set() or self.stopping.is_set()

    def _translate(self, change: Change, matches: Callable[[Obj], bool]) -> bytes | None:
        now_matches = matches(change.obj)
        if change.type == "DELETED":
            return self._event("DELETED", change.obj) if now_matches else None
        was = change.prev is not None and matches(change.prev)
        if now_matches:
            return self._event("MODIFIED" if was else "ADDED", change.obj)
        return self._event("DELETED", change.obj) if was else None

    def _event(self, kind: str, stored: Obj) -> bytes:
        query = self.spec.query
        obj: dict[str, Any] = served(query.rt, query.version, stored=stored)
        rep = self.spec.representation
        if rep.kind == "table":
            obj = table(
                query.rt,
                query.version,
                objects=[obj],
                rv=obj["metadata"].get("resourceVersion", ""),
                include=self.spec.include,
                headers=not self._headers_sent,
                now=self.cluster.config.clock(),
                meta_version=rep.version,
            )
            self._headers_sent = True
        elif rep.kind == "metadata":
            obj = {
                "kind": "PartialObjectMetadata",
                "apiVersion": f"meta.k8s.io/{rep.version}",
                "metadata": obj["metadata"],
            }
        return _line(kind, obj)

    def _bookmark(self, rv: int, *, initial_end: bool = False) -> bytes:
        rt, version = self.spec.query.rt, self.spec.query.version
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return _line(
            "BOOKMARK", {"kind": rt.kind, "apiVersion": rt.api_version(version), "metadata": meta}
        )

    def _error(self, message: str) -> bytes:
        return _line("ERROR", gone(message).status())


def _line(kind: str, obj: dict[str, Any]) -> bytes:
    return (json.dumps({"type": kind, "object": obj}, separators=(",", ":")) + "\n").encode()


def expired_line(message: str) -> bytes:
    return _line("ERROR", gone(message).status())


class WatchRegistry:
    """Open watches, so tests can count and cut them and the server can end them all."""

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self._lock = threading.Lock()
        self._sessions: set[WatchSession] = set()
        self.stopping = threading.Event()

    def add(self, session: WatchSession) -> None:
        with self._lock:
            self._sessions.add(session)

    def discard(self, session: WatchSession) -> None:
        with self._lock:
            self._sessions.discard(session)

    def active(self, *, resource: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for s in self._sessions
                if resource is None or resource in s.spec.call.resource_names()
            )

    def cut(
        self, *, resource: str | None = None, identity: str | None = None, abrupt: bool = False
    ) -> int:
        with self._lock:
            chosen = [
                s
                for s in self._sessions
                if (resource is None or resource in s.spec.call.resource_names())
                and identity in (None, s.spec.call.identity)
            ]
        for session in chosen:
            session.abrupt = abrupt
            session.cancel.set()
        self.wake()
        return len(chosen)

    def wake(self) -> None:
        with self._cluster.store.changed:
            self._cluster.store.changed.notify_all()

    def stop(self) -> None:
        self.stopping.set()
        self.wake()
