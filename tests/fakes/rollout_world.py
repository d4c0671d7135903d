"""A scriptable world around :func:`strategies.advance`, for state-machine tests.

It plays the controller's part: observes, calls ``advance``, stores the
status, then lets the world follow the desired state: pods become ready
(up to a cap a test can lower), the stable takes the desired revision, the
router applies the weights (unless frozen), and analysis runs report the
verdicts a test scripts (Running until then). Time moves only when a test
moves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import Intent, RolloutStatus
from strategies import (
    Decision,
    DesiredState,
    Observed,
    RouterReport,
    RunState,
    VersionState,
    advance,
)
from strategies.world import RunPhase

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def rollout_from_yaml(text: str) -> Rollout:
    """A Rollout from a YAML document (tests write them inline)."""
    body: dict[str, Any] = yaml.safe_load(text)
    return Rollout.model_validate(body)


def canary_rollout(
    steps: list[Any], *, spec: dict[str, Any] | None = None, **canary: Any
) -> Rollout:
    """A canary Rollout named ``web`` routed through Istio, with these steps.

    `spec` adds fields to ``spec`` (``progressDeadlineSeconds`` …), `canary`
    to ``spec.strategy.canary``.
    """
    routing = canary.pop(
        "trafficRouting", {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}}
    )
    body = {
        "apiVersion": "rollout-engine.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web", "namespace": "shop", "generation": 1},
        "spec": {
            "workloadRef": {"name": "web"},
            "strategy": {"canary": {"steps": steps, "trafficRouting": routing, **canary}},
            **(spec or {}),
        },
    }
    return Rollout.model_validate(body)


@dataclass
class World:
    """The world one Rollout lives in."""

    rollout: Rollout
    replicas: int = 4
    stable_revision: str | None = "s1"
    candidate_revision: str = "c1"
    now: datetime = T0
    candidate_cap: int | None = None
    stable_cap: int | None = None
    router_frozen: bool = False
    auto_verdict: RunPhase | None = None
    runs: dict[str, RunState] = field(default_factory=dict)
    status: RolloutStatus | None = None
    decisions: list[Decision] = field(default_factory=list)
    observed: list[Observed] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stable = VersionState(self.stable_revision, self.replicas, self.replicas)
        if self.stable_revision is None:
            self.stable = VersionState(None)
        self.candidate = VersionState(self.candidate_revision)
        self.traffic: RouterReport | None = None

    # -- driving ---------------------------------------------------------------------------
    def reconcile(self, *, after: timedelta = timedelta(0)) -> Decision:
        """Move time, observe, advance, then let the world follow."""
        self.now += after
        if self.candidate.revision != self.candidate_revision:
            # NB: a new template means new pods: none of them is ready yet.
            self.candidate = VersionState(self.candidate_revision, 0, self.candidate.desired)
        observed = Observed(self.candidate, self.stable, self.replicas, self.runs, self.traffic)
        rollout = self.rollout.model_copy(update={"status": self.status})
        decision = advance(rollout=rollout, observed=observed, now=self.now)
        self.observed.append(observed)
        self.decisions.append(decision)
        self.status = decision.status
        self._follow(decision.desired)
        return decision

    def settle(self, *, limit: int = 30) -> Decision:
        """Reconcile until nothing changes any more (timers not advanced)."""
        decision = self.reconcile()
        for _ in range(limit):
            before = (decision.status, decision.desired)
            decision = self.reconcile()
            if (decision.status, decision.desired) == before and not decision.events:
                return decision
        raise AssertionError(f"no fixpoint after {limit} reconciles: {decision.status.message}")

    def intent(self, action: str, *, step: int | None = None, **extra: Any) -> None:
        """Write an intent as the plugin would (a fresh id each time)."""
        assert self.status is not None
        n = sum(1 for _ in self.decisions)
        intent = Intent.model_validate(
            {
                "action": action,
                "id": f"i{n}-{action}",
                "requestedAt": self.now,
                "step": step,
                **extra,
            }
        )
        self.status = self.status.model_copy(update={"intent": intent})

    def verdict(self, name: str, phase: RunPhase, message: str = "") -> None:
        """Script a run's phase."""
        self.runs[name] = RunState(phase, message)

    # -- reading ---------------------------------------------------------------------------
    @property
    def last(self) -> Decision:
        return self.decisions[-1]

    @property
    def desired(self) -> DesiredState:
        return self.last.desired

    @property
    def weight(self) -> int:
        traffic = self.last.desired.traffic
        assert traffic is not None
        return traffic.canary_weight

    @property
    def step(self) -> int | None:
        assert self.status is not None
        return self.status.current_step_index

    def service(self, name: str) -> str:
        return next(s.slot for s in self.desired.services if s.name == name)

    # -- the world following ---------------------------------------------------------------
    def _follow(self, desired: DesiredState) -> None:
        def ready(want: int, cap: int | None) -> int:
            return want if cap is None else min(want, cap)

        cand, stable = desired.candidate, desired.stable
        self.candidate = VersionState(
            self.candidate_revision, ready(cand.replicas, self.candidate_cap), cand.replicas
        )
        self.stable = VersionState(
            stable.revision, ready(stable.replicas, self.stable_cap), stable.replicas
        )
        for request in desired.analyses:
            if request.name not in self.runs:
                self.runs[request.name] = RunState(self.auto_verdict or "Running")
        if desired.traffic is not None and not self.router_frozen:
            routes = frozenset(r.name for r in desired.traffic.routes)
            self.traffic = RouterReport(desired.traffic.canary_weight, routes)
