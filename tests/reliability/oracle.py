"""The journal as the oracle: every router write, with the step the Rollout was at, by identity.

``WeightLog`` subscribes to the fake API server's journal. After each
successful write to a VirtualService or an Ingress it records the candidate
weight the router objects now say, and the Rollout's ``currentStepIndex``
and ``abort`` at that instant (the journal calls subscribers with the store
exactly as that write left it). ``check_weights`` then applies T1's rules.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from strategies.routers.nginx_ingress import read_canary_ingress
from tests.fakes.apiserver.handle import FakeApiServer
from tests.fakes.apiserver.journal import Record

__all__ = ["Change", "WeightLog", "check_weights", "vs_weight", "writes_after"]

GV = "rollout-engine.io/v1alpha1"


@dataclass(frozen=True)
class Change:
    """One router write: the weight it left, where the Rollout stood, who wrote it, when."""

    namespace: str
    weight: int
    step: int | None
    aborted: bool
    identity: str
    time: float


def vs_weight(vs: dict[str, Any] | None) -> int:
    for route in ((vs or {}).get("spec") or {}).get("http") or []:
        if route.get("name") == "primary":
            for dest in route.get("route") or []:
                if dest["destination"]["host"] == "web-canary":
                    return int(dest.get("weight") or 0)
    return 0


class WeightLog:
    """Router writes per namespace, in journal order."""

    def __init__(self, api: FakeApiServer) -> None:
        self.api = api
        self.changes: list[Change] = []
        self._lock = threading.Lock()
        self.unsubscribe = api.journal.subscribe(self._record)

    def _record(self, record: Record) -> None:
        # NB: runs on the API server's request thread: it must never raise
        if not (record.is_write and record.succeeded):
            return
        if record.resource not in ("virtualservices", "ingresses"):
            return
        try:
            weight = self._weight(record)
        except Exception:  # NB: an object this log does not follow
            return
        rollout = self.api.store.get(GV, "Rollout", name="web", namespace=record.namespace) or {}
        status = rollout.get("status") or {}
        change = Change(
            record.namespace,
            weight,
            status.get("currentStepIndex"),
            bool(status.get("abort")),
            record.identity,
            record.time,
        )
        with self._lock:
            self.changes.append(change)

    def _weight(self, record: Record) -> int:
        if record.resource == "ingresses":
            canary = self.api.store.get(
                "networking.k8s.io/v1", "Ingress", name="web-web-canary", namespace=record.namespace
            )
            return read_canary_ingress(canary).canary_weight
        vs = self.api.store.get(
            "networking.istio.io/v1", "VirtualService", name="web", namespace=record.namespace
        )
        return vs_weight(vs)

    def of(self, namespace: str) -> list[Change]:
        with self._lock:
            return [c for c in self.changes if c.namespace == namespace]


def check_weights(changes: list[Change], *, plan: list[int]) -> None:
    """T1's traffic rules over one canary run (its first change comes from weight 0).

    - while stepping, the weight never exceeds the plan weight of the step the
      status is at, and never decreases (no abort in these runs);
    - per step, at most one *effective* change (a write that leaves the weight
      as it was is a no-op, allowed): the engine holds the weight until the
      candidate can take all of the step's weight (no capacity-limited
      intermediate weights);
    - the promotion moves 100 % to the candidate, then back to the stable
      (which now runs it): 100 then 0, once each.
    """
    weight, per_step = 0, Counter[int]()
    promotion: list[int] = []
    for change in changes:
        assert not change.aborted, change
        stepping = change.step is not None and change.step < len(plan)
        if change.weight == weight:
            continue
        if stepping:
            assert change.step is not None
            assert change.weight <= plan[change.step], (change, plan)
            assert change.weight > weight, f"the weight went down at step {change.step}: {changes}"
            per_step[change.step] += 1
        else:
            promotion.append(change.weight)
        weight = change.weight
    assert all(n <= 1 for n in per_step.values()), (per_step, changes)
    assert promotion == [100, 0], (promotion, changes)


def writes_after(api: FakeApiServer, *, identity: str, after: float) -> list[Record]:
    """Write attempts (blackholed ones included) `identity` sent after `after`, Leases excepted."""
    return [
        r
        for r in api.journal.writes(identity=identity)
        if r.time > after and r.resource != "leases"
    ]
