"""The request journal: the fake's audit log, and the oracle of the reliability tests.

One `Record` per request (watches are recorded when they start), written after the
request's effect is in the store and before the response leaves, so a subscriber sees
the store exactly as that write left it. `wait_for` lets a test wait for a subprocess's
request without sleeping.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})


@dataclass(frozen=True)
class Record:
    """One request: who, what, with which body, and what came of it."""

    seq: int
    time: float
    identity: str
    verb: str
    method: str
    path: str
    query: str
    group: str
    version: str
    resource: str
    subresource: str
    namespace: str
    name: str
    content_type: str
    field_manager: str
    user_agent: str
    body: bytes
    status: int | None
    rv_before: str
    rv_after: str
    fault: str
    dry_run: bool

    @property
    def is_write(self) -> bool:
        return self.verb in WRITE_VERBS

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def json(self) -> Any:
        """The body parsed as JSON (None when empty or not JSON, e.g. an apply in YAML)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


Subscriber = Callable[[Record], None]


class Journal:
    """Append-only, thread-safe; filters by any Record field."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._records: list[Record] = []
        self._subscribers: list[Subscriber] = []

    def record(self, record: Record) -> Record:
        """Append (assigning the next sequence number) and notify subscribers."""
        with self._lock:
            record = replace(record, seq=len(self._records) + 1)
            self._records.append(record)
            subscribers = list(self._subscribers)
            self._lock.notify_all()
        for subscriber in subscribers:
            subscriber(record)
        return record

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber` with every new record; returns the unsubscribe function.

        Subscribers run on the request's thread, after its effect is stored and before its
        response is sent; requests on other connections may call them concurrently.
        """
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def entries(self, *, writes_only: bool = False, **fields: Any) -> list[Record]:
        """Records whose fields equal the given values (a set or tuple means any of)."""
        with self._lock:
            records = list(self._records)
        return [r for r in records if (r.is_write or not writes_only) and _matches(r, fields)]

    def writes(self, **fields: Any) -> list[Record]:
        return self.entries(writes_only=True, **fields)

    def wait_for(self, predicate: Callable[[Record], bool], *, timeout: float) -> Record:
        """The first record (past or future) satisfying `predicate`; TimeoutError otherwise."""
        with self._lock:
            seen = 0
            while True:
                for record in self._records[seen:]:
                    if predicate(record):
                        return record
                seen = len(self._records)
                if not self._lock.wait(timeout):
                    raise TimeoutError(f"no matching request within {timeout}s")

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.entries())


def _matches(record: Record, fields: dict[str, Any]) -> bool:
    for name, wanted in fields.items():
        value = getattr(record, name)
        if isinstance(wanted, set | frozenset | tuple | list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def describe(records: Iterable[Record]) -> str:
    """One line per record, for assertion messages."""
    return "\n".join(f"{r.seq:4} {r.identity:12} {r.verb:8} {r.path} → {r.status}" for r in records)
