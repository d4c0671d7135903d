"""Steady load through the sandbox's nginx, counting who served each request.

Worker threads share one schedule (``rate_per_s`` requests per second in
total, or as fast as they go) and each keeps one keep-alive connection. A
configurable share of requests carries the A/B marker (a header and/or a
cookie). Every response is recorded with the version named by the app in
``X-Sandbox-Version`` — the backend's word, not the router's — so observed
shares can be compared with the plan, overall, per segment, per time window
or since a :meth:`LoadGenerator.mark`.

A request that fails on a *reused* connection because the server had just
closed it (nginx closes idle keep-alive connections when a reload retires
its old workers) is retried once on a new connection, as every HTTP client
does for idempotent requests (RFC 9112 §9.3.1); those are counted as
``reconnects``, not errors. Anything else that fails is an error.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit

from rollout_engine.sandbox.app import VERSION_HEADER

__all__ = ["Counts", "LoadConfig", "LoadGenerator", "Marker", "Record", "Window"]

UNKNOWN = "?"  # a response without the version header (nginx answered itself)


@dataclass(frozen=True)
class Marker:
    """What a request of the A/B segment carries."""

    header: tuple[str, str] | None = None
    cookie: tuple[str, str] | None = None

    def headers(self) -> dict[str, str]:
        out = {self.header[0]: self.header[1]} if self.header else {}
        if self.cookie:
            out["Cookie"] = f"{self.cookie[0]}={self.cookie[1]}"
        return out


@dataclass(frozen=True)
class LoadConfig:
    """How much load, and what share of it is marked."""

    url: str
    rate_per_s: float | None = 50.0
    threads: int = 4
    marked_share: float = 0.0
    marker: Marker = field(default_factory=Marker)
    limit: int | None = None
    window_s: float = 1.0
    timeout_s: float = 5.0
    seed: int = 0
    version_header: str = VERSION_HEADER

    def __post_init__(self) -> None:
        if not 0.0 <= self.marked_share <= 1.0:
            raise ValueError(f"marked_share must be within 0..1, got {self.marked_share}")
        if self.marked_share > 0 and not (self.marker.header or self.marker.cookie):
            raise ValueError("a marked share needs a marker header or cookie")
        if self.rate_per_s is not None and self.rate_per_s <= 0:
            raise ValueError(f"rate_per_s must be positive (or None), got {self.rate_per_s}")
        if self.threads < 1 or self.window_s <= 0:
            raise ValueError("threads must be at least 1 and window_s positive")


@dataclass(frozen=True)
class Record:
    """One request: when it was sent and answered (s since start), who served it, how."""

    sent: float
    at: float
    version: str
    status: int  # 0 when no response came back
    marked: bool


@dataclass(frozen=True)
class Counts:
    """Requests served per version, overall and per segment, and what went wrong."""

    served: Mapping[str, int]
    marked: Mapping[str, int]
    unmarked: Mapping[str, int]
    statuses: Mapping[int, int]
    errors: int

    @property
    def total(self) -> int:
        return sum(self.served.values())

    def share(self, version: str, *, segment: str = "all") -> float:
        """The share of `segment` (all, marked, unmarked) that `version` served."""
        counts = {"all": self.served, "marked": self.marked, "unmarked": self.unmarked}[segment]
        total = sum(counts.values())
        return counts.get(version, 0) / total if total else float("nan")

    def per_track(self, versions: Mapping[str, str]) -> dict[str, int]:
        """Requests served per track, given the version each track runs (for the timeline)."""
        return {track: self.served.get(version, 0) for track, version in versions.items()}

    @classmethod
    def of(cls, records: list[Record]) -> Counts:
        return cls(
            served=Counter(r.version for r in records),
            marked=Counter(r.version for r in records if r.marked),
            unmarked=Counter(r.version for r in records if not r.marked),
            statuses=Counter(r.status for r in records),
            errors=sum(1 for r in records if r.status == 0 or r.version == UNKNOWN),
        )


@dataclass(frozen=True)
class Window:
    """The counts of one time window (``[start_s, end_s)`` since the start)."""

    start_s: float
    end_s: float
    counts: Counts


class LoadGenerator:
    """Threads sending requests on a shared schedule; a context manager."""

    def __init__(self, config: LoadConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        parts = urlsplit(config.url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._records: deque[Record] = deque(maxlen=2_000_000)
        self._issued = 0
        self._next = 0.0
        self._t0 = 0.0
        self.reconnects = 0
        self.failures: list[str] = []  # the first few error messages, for diagnostics
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> LoadGenerator:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        self._t0 = self._next = self._clock()
        for i in range(self.config.threads):
            thread = threading.Thread(
                target=self._work, args=(i,), name=f"loadgen-{i}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def elapsed(self) -> float:
        return self._clock() - self._t0

    def mark(self) -> float:
        """A point in time (s since start) to count from later, e.g. right after a reload."""
        return self.elapsed()

    def wait_for(self, total: int, *, timeout: float) -> Counts:
        """Block until `total` requests have completed (or raise TimeoutError)."""
        with self._done:
            if not self._done.wait_for(lambda: len(self._records) >= total, timeout=timeout):
                raise TimeoutError(f"only {len(self._records)} of {total} requests in {timeout}s")
        return self.counts()

    def counts(self, *, since: float = 0.0) -> Counts:
        """Counts of the requests *sent* at or after `since` (and answered by now)."""
        with self._lock:
            records = [r for r in self._records if r.sent >= since]
        return Counts.of(records)

    def windows(self) -> list[Window]:
        """Counts per window of ``window_s`` seconds (by send time), in time order."""
        with self._lock:
            records = list(self._records)
        size = self.config.window_s
        buckets: dict[int, list[Record]] = {}
        for record in records:
            buckets.setdefault(int(record.sent // size), []).append(record)
        return [Window(i * size, (i + 1) * size, Counts.of(buckets[i])) for i in sorted(buckets)]

    # -- the workers --------------------------------------------------------

    def _work(self, index: int) -> None:
        rng = random.Random(self.config.seed * 1000 + index)
        conn = self._connect()
        for _ in self._slots():
            marked = rng.random() < self.config.marked_share
            headers = self.config.marker.headers() if marked else {}
            sent = self.elapsed()
            version, status, conn = self._send(conn, headers)
            with self._done:
                self._records.append(Record(sent, self.elapsed(), version, status, marked))
                self._done.notify_all()
        conn.close()

    def _slots(self) -> Iterator[None]:
        """Yield when this thread may send its next request, per the shared schedule."""
        rate = self.config.rate_per_s
        while not self._stop.is_set():
            with self._lock:
                if self.config.limit is not None and self._issued >= self.config.limit:
                    return
                self._issued += 1
                now = self._clock()
                slot = max(self._next, now - 1.0)  # NB: after a stall, no burst beyond 1 s
                self._next = slot + (1.0 / rate if rate else 0.0)
            if slot > now and self._stop.wait(slot - now):
                return
            yield None

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self._host, self._port, timeout=self.config.timeout_s)

    def _send(
        self, conn: http.client.HTTPConnection, headers: dict[str, str]
    ) -> tuple[str, int, http.client.HTTPConnection]:
        reused = conn.sock is not None
        try:
            return (*self._exchange(conn, headers), conn)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = self._connect()
            if not reused:
                return self._failed(exc, conn)
        with self._lock:
            self.reconnects += 1
        try:
            return (*self._exchange(conn, headers), conn)
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            return self._failed(exc, self._connect())

    def _exchange(
        self, conn: http.client.HTTPConnection, headers: dict[str, str]
    ) -> tuple[str, int]:
        conn.request("GET", self._path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.getheader(self.config.version_header) or UNKNOWN, response.status

    def _failed(
        self, exc: BaseException, conn: http.client.HTTPConnection
    ) -> tuple[str, int, http.client.HTTPConnection]:
        with self._lock:
            if len(self.failures) < 20:
                self.failures.append(f"{type(exc).__name__}: {exc}")
        return UNKNOWN, 0, conn
