"""The working values of one :func:`strategies.advance` call.

``Ctx`` holds the inputs (frozen). ``Draft`` is the status being written
and the events emitted so far: a builder that lives only for the duration
of one call, so the function stays pure from the outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import RolloutStatus
from strategies.events import RolloutEvent
from strategies.naming import ServiceNames, service_names
from strategies.plans import Plan, PlanStep
from strategies.world import Observed

__all__ = ["Ctx", "Draft", "Stage", "Wait", "WaitKind", "stage_of"]

Stage = Literal["initial", "steady", "aborted", "stepping", "promoting"]
WaitKind = Literal["none", "world", "person", "analysis", "time"]


@dataclass(frozen=True)
class Wait:
    """What the rollout is waiting for; ``world`` waits count against the progress deadline.

    Attributes:
        kind: ``world`` (capacity, the router, the stable catching up),
            ``person`` (a pause or a verdict only a person can resolve),
            ``analysis`` (a run still measuring), ``time`` (a timer), or
            ``none``.
        reason: the clause a person reads in ``status.message``.
        until: when a ``time`` wait ends (the controller requeues then).
    """

    kind: WaitKind
    reason: str = ""
    until: datetime | None = None


NO_WAIT = Wait("none")


@dataclass(frozen=True)
class Ctx:
    """Inputs of one reconcile."""

    rollout: Rollout
    plan: Plan
    observed: Observed
    now: datetime
    names: ServiceNames = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", service_names(self.rollout))

    @property
    def candidate(self) -> str:
        """The candidate revision (the workload's template)."""
        return self.observed.candidate_revision

    @property
    def replicas(self) -> int:
        """The capacity every version is measured against."""
        return self.observed.replicas

    @property
    def deadline(self) -> timedelta:
        """``progressDeadlineSeconds``."""
        return timedelta(seconds=self.rollout.spec.progress_deadline_seconds)

    def candidate_ready(self) -> int:
        """Ready pods of the candidate."""
        return self.observed.candidate.ready


@dataclass
class Draft:
    """The status being built and the events emitted, within one call."""

    status: RolloutStatus
    events: list[RolloutEvent] = field(default_factory=list)

    def set(self, **changes: Any) -> None:
        """Replace status fields (snake_case names)."""
        self.status = self.status.model_copy(update=changes)

    def emit(
        self, reason: str, message: str, *, step: int | None = None, run: str | None = None
    ) -> None:
        """Record a transition."""
        self.events.append(RolloutEvent(reason, message, step=step, run=run))

    @property
    def index(self) -> int:
        """The current step index (0 before the first reconcile)."""
        return self.status.current_step_index or 0

    @property
    def attempt(self) -> int:
        """1 + retries of the current candidate."""
        return self.status.attempt or 1

    def step(self, plan: Plan) -> PlanStep | None:
        """The current plan step, None at the promotion."""
        return plan.step(self.index)


def stage_of(status: RolloutStatus, plan: Plan) -> Stage:
    """Where a rollout is, from its status alone.

    ``initial``: no stable yet (first deploy); ``steady``: the candidate is
    the stable; ``aborted``; ``stepping`` through the plan; ``promoting``:
    past the last step, the stable is taking the candidate's revision.
    """
    if status.stable_revision is None:
        return "initial"
    if status.candidate_revision in (None, status.stable_revision):
        return "steady"
    if status.abort:
        return "aborted"
    return "stepping" if (status.current_step_index or 0) < len(plan.steps) else "promoting"
