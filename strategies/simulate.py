"""Walk a plan in an ideal world: every pod ready at once, every verdict Successful.

``rollout-engine plan --simulate`` prints this, and the tests use it as the
happy path. The world answers each decision with exactly what was asked
(replicas ready, router weights applied, runs Successful); time jumps to the
next timer; wherever the plan waits for a person, a person promotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import Intent, RolloutStatus
from strategies.desired import DesiredState
from strategies.machine import Decision, advance
from strategies.world import Observed, RouterReport, RunState, VersionState

__all__ = ["SimFrame", "simulate"]

START = datetime(2026, 1, 1, tzinfo=UTC)
_PASS = RunState("Successful", "simulated")


@dataclass(frozen=True)
class SimFrame:
    """One reconcile worth showing: when, where, what the world should look like, and why."""

    at: timedelta
    step: int | None
    phase: str
    desired: DesiredState
    events: tuple[str, ...]
    note: str = ""


def simulate(
    rollout: Rollout,
    *,
    replicas: int = 4,
    stable_revision: str = "rev1",
    candidate_revision: str = "rev2",
    max_reconciles: int = 500,
) -> tuple[SimFrame, ...]:
    """The frames of a rollout of `candidate_revision` over `stable_revision`, until Healthy."""
    world = _World(replicas, stable_revision, candidate_revision)
    status: RolloutStatus | None = None
    now, frames, last = START, list[SimFrame](), None
    for n in range(max_reconciles):
        decision = advance(
            rollout=rollout.model_copy(update={"status": status}), observed=world.observe(), now=now
        )
        status, note = decision.status, ""
        if decision.waiting_for == "person" and status.phase == "Paused":
            status, note = _promote(status, now, n), "a person promotes"
        if decision.events or note or decision.desired != last:
            frames.append(_frame(decision, now, note))
        world.follow(decision.desired)
        if _done(decision):
            break
        stuck = decision.desired == last and not decision.events and not note
        if stuck and decision.requeue_at is None:
            break
        last = decision.desired
        if decision.waiting_for in ("time", "none") and decision.requeue_at is not None:
            now = max(now, decision.requeue_at)
    return tuple(frames)


class _World:
    """A world that does exactly what it is asked, at once."""

    def __init__(self, replicas: int, stable: str, candidate: str) -> None:
        self.replicas = replicas
        self.stable = VersionState(stable, replicas, replicas)
        self.candidate = VersionState(candidate, 0, 0)
        self.runs: dict[str, RunState] = {}
        self.traffic: RouterReport | None = None

    def observe(self) -> Observed:
        return Observed(self.candidate, self.stable, self.replicas, self.runs, self.traffic)

    def follow(self, desired: DesiredState) -> None:
        stable, candidate = desired.stable, desired.candidate
        self.stable = VersionState(stable.revision, stable.replicas, stable.replicas)
        self.candidate = VersionState(candidate.revision, candidate.replicas, candidate.replicas)
        for request in desired.analyses:
            # NB: runs that measure until they are stopped (background, A/B) keep
            # running; the others conclude at once.
            ongoing = request.kind in ("background", "abtest")
            self.runs[request.name] = RunState("Running") if ongoing else _PASS
        for name in desired.terminate:
            self.runs[name] = _PASS
        traffic = desired.traffic
        if traffic is not None:
            routes = frozenset(r.name for r in traffic.routes)
            self.traffic = RouterReport(traffic.canary_weight, routes)


def _promote(status: RolloutStatus, now: datetime, n: int) -> RolloutStatus:
    intent = Intent(
        action="promote",
        id=f"simulated-{n}",
        requested_at=now,
        requested_by="simulation",
        step=status.current_step_index,
    )
    return status.model_copy(update={"intent": intent})


def _frame(decision: Decision, now: datetime, note: str) -> SimFrame:
    return SimFrame(
        at=now - START,
        step=decision.status.current_step_index,
        phase=decision.status.phase or "",
        desired=decision.desired,
        events=tuple(e.message for e in decision.events),
        note=note,
    )


def _done(decision: Decision) -> bool:
    status = decision.status
    return (
        status.phase == "Healthy"
        and status.candidate_revision == status.stable_revision
        and decision.desired.candidate.replicas == 0
    )
