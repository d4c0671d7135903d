"""What the benchmark measures, read from the fake API server's journal as requests arrive.

- **step-due → weights-applied**: for each Rollout in progress, the first weight is
  due when its new image lands; every later one when the pause before it ends
  (the pause's ``startTime`` in the status the controller wrote, plus its
  duration). The weight is applied when the journal records the VirtualService
  write that changes it. The promotion's first move (100 %) is due when the last
  pause ends.
- **requests**: every request of the controller's identity, by verb.
- **the fake's own latency**: a probe GETs a Rollout every 250 ms as another
  identity and times the round trip (the fake and this process share one GIL).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rollout_engine.kube import Objects, kind
from tests.fakes.apiserver import FakeApiServer
from tests.fakes.apiserver.journal import Record

__all__ = ["Observer", "Probe", "RssSampler"]

Key = tuple[str, str]


def _weight(vs: dict[str, Any] | None, canary: str) -> int:
    for route in ((vs or {}).get("spec") or {}).get("http") or []:
        for dest in route.get("route") or []:
            if dest["destination"]["host"] == canary:
                return int(dest.get("weight") or 0)
    return 0


@dataclass
class Observer:
    """Journal subscriber: weights, pause starts and request counts."""

    api: FakeApiServer
    pause: float
    identity: str = "controller"
    pushed: dict[Key, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    by_weight: dict[int, list[float]] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    _weights: dict[Key, int] = field(default_factory=dict)
    _pauses: dict[Key, dict[int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.unsubscribe = self.api.journal.subscribe(self._record)

    def _record(self, record: Record) -> None:
        # NB: on the API server's request thread: must be quick and never raise
        if record.identity != self.identity:
            return
        with self._lock:
            self.requests[record.verb] += 1
        if not (record.is_write and record.succeeded):
            return
        try:
            if record.resource == "rollouts" and record.subresource == "status":
                self._status(record)
            elif record.resource == "virtualservices":
                self._moved(record)
        except Exception:  # NB: a measurement bug must not break the server
            return

    def _status(self, record: Record) -> None:
        if (record.namespace, record.name) not in self.pushed:
            return  # NB: only pauses of the canary run count, not the first deploy's
        status = (json.loads(record.body) or {}).get("status") or {}
        index = status.get("currentStepIndex")
        for condition in status.get("pauseConditions") or []:
            start = datetime.fromisoformat(condition["startTime"].replace("Z", "+00:00"))
            with self._lock:
                seen = self._pauses.setdefault((record.namespace, record.name), {})
                seen.setdefault(int(index or 0), start.timestamp())

    def _moved(self, record: Record) -> None:
        key = (record.namespace, record.name)
        vs = self.api.store.get(
            "networking.istio.io/v1", "VirtualService", name=record.name, namespace=record.namespace
        )
        weight = _weight(vs, f"{record.name}-canary")
        with self._lock:
            before = self._weights.get(key, 0)
            self._weights[key] = weight
            if weight <= before or key not in self.pushed:
                return
            due = self._due(key, weight)
        if due is not None:
            with self._lock:
                self.latencies.append(record.time - due)
                self.by_weight.setdefault(weight, []).append(record.time - due)

    def _due(self, key: Key, weight: int) -> float | None:
        """When `weight` became due: the image push for the first step, else a pause's end."""
        if weight == 10:
            return self.pushed[key]
        step = 2 * (weight // 10) - 3 if weight < 100 else max(self._pauses.get(key, {0: 0}))
        start = self._pauses.get(key, {}).get(step)
        return None if start is None else start + self.pause

    def steps(self) -> int:
        with self._lock:
            return len(self.latencies)


class Probe:
    """GETs one Rollout every 250 ms as identity ``probe``; round trips in seconds."""

    def __init__(self, api: FakeApiServer, key: Key) -> None:
        self._objects = Objects(api.api_client("probe"))
        self._key = key
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        namespace, name = self._key
        while not self._stop.wait(0.25):
            started = time.perf_counter()
            self._objects.get(kind("Rollout"), name=name, namespace=namespace)
            self.samples.append(time.perf_counter() - started)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


class RssSampler:
    """The resident set size of a process (/proc), sampled every 500 ms."""

    def __init__(self, pid: int) -> None:
        self._path = f"/proc/{pid}/status"
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            try:
                with open(self._path) as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            self.samples.append(int(line.split()[1]) * 1024)
            except OSError:
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
