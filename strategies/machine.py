"""``advance``: the one function that moves a rollout forward.

Each call is one reconcile, a fixed sequence of named steps:

1. ``track_revision``: a new candidate or a changed plan restarts at step 0;
2. ``read_verdicts``: Failed/Error aborts, Inconclusive pauses (before any
   intent, so a promote can never mask a failure);
3. ``apply_intent``: promote, promote --full, abort, retry, pause, resume, undo;
4. progress: complete every step that is done (per strategy);
5. the progress deadline;
6. the desired state, from the new status alone;
7. phase, conditions and message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import RolloutStatus
from rollout_engine.errors import SpecError
from strategies.abtest import progress_ab_test
from strategies.bluegreen import progress_blue_green
from strategies.canary import progress_canary
from strategies.context import NO_WAIT, Ctx, Draft, Wait, WaitKind, stage_of
from strategies.deadline import check_deadline
from strategies.desired import DesiredState, ServiceTarget, TrafficState, VersionSpec
from strategies.events import RolloutEvent
from strategies.intents import apply_intent
from strategies.plans import build_plan
from strategies.promotion import finish_first_deploy
from strategies.render import desired_state
from strategies.report import Verdict, conditions_for, finalize_status
from strategies.revisions import track_revision
from strategies.traffic import applied_weight
from strategies.transitions import scale_down_delay
from strategies.verdicts import read_verdicts
from strategies.world import Observed

__all__ = ["Decision", "advance"]


@dataclass(frozen=True)
class Decision:
    """The result of one reconcile.

    Attributes:
        status: the Rollout's next status; write it (status subresource)
            before acting, so a crash after acting repeats the same decision.
        desired: what the world should look like now (absolute values).
        events: the transitions of this reconcile, for Kubernetes Events and
            notifications; empty when nothing changed.
        requeue_at: when to reconcile again at the latest (a pause or an A/B
            test ends, a scale-down is due, the deadline falls); None when
            only a change in the world can move the rollout.
        waiting_for: what holds the rollout now: ``world`` (capacity, the
            router, the stable), ``person`` (a pause, an Inconclusive verdict,
            an abort), ``analysis``, ``time``, or ``none``.
    """

    status: RolloutStatus
    desired: DesiredState
    events: tuple[RolloutEvent, ...]
    requeue_at: datetime | None
    waiting_for: WaitKind = "none"


def advance(*, rollout: Rollout, observed: Observed, now: datetime) -> Decision:
    """Move `rollout` one reconcile forward, given the world as `observed` at `now`.

    Pure: no I/O, no clock; the same inputs give the same decision, and
    feeding a decision's status back with the same world changes nothing.
    """
    previous = rollout.status or RolloutStatus()
    try:
        plan = build_plan(rollout)
    except SpecError as exc:
        return _invalid(rollout, observed, now, previous, exc)
    ctx = Ctx(rollout, plan, observed, now)
    d = Draft(previous)
    track_revision(d, ctx)
    read_verdicts(d, ctx)
    apply_intent(d, ctx)
    wait = _progress(d, ctx)
    if applied_weight(ctx, d.status) != _last_weight(previous):
        d.set(stalled_since=None)  # NB: a weight that moved is progress
    exceeded = check_deadline(d, ctx, wait, previous=previous)
    if stage_of(d.status, plan) == "aborted":
        wait = Wait("person")
    desired = desired_state(ctx, d.status)
    finalize_status(d, ctx, wait=wait, exceeded=exceeded, desired=desired)
    requeue_at = _requeue_at(ctx, d.status, wait)
    return Decision(d.status, desired, tuple(d.events), requeue_at, wait.kind)


def _progress(d: Draft, ctx: Ctx) -> Wait:
    stage = stage_of(d.status, ctx.plan)
    if stage == "initial":
        return finish_first_deploy(d, ctx)
    if stage == "aborted":
        return Wait("person")
    if stage in ("stepping", "promoting"):
        progress = {
            "canary": progress_canary,
            "blueGreen": progress_blue_green,
            "abTest": progress_ab_test,
        }[ctx.plan.strategy]
        wait = progress(d, ctx)
        if stage_of(d.status, ctx.plan) != "steady":
            return wait
    return _steady_wait(d, ctx)


def _steady_wait(d: Draft, ctx: Ctx) -> Wait:
    stable = ctx.observed.stable
    if stable.revision != d.status.stable_revision or stable.ready < ctx.replicas:
        ready = stable.ready if stable.revision == d.status.stable_revision else 0
        return Wait("world", f"waiting for the stable ({ready}/{ctx.replicas} ready)")
    return NO_WAIT


def _last_weight(status: RolloutStatus) -> int | None:
    return status.desired_weights.canary if status.desired_weights else None


def _requeue_at(ctx: Ctx, status: RolloutStatus, wait: Wait) -> datetime | None:
    times = [wait.until] if wait.until is not None else []
    if status.stalled_since is not None and ctx.now < status.stalled_since + ctx.deadline:
        times.append(status.stalled_since + ctx.deadline)
    if status.completed_at is not None:
        times.append(status.completed_at + scale_down_delay(ctx))
    if status.abort and status.aborted_at is not None:
        canary = ctx.rollout.spec.strategy.canary
        delay = canary.abort_scale_down_delay_seconds if canary is not None else 30
        times.append(status.aborted_at + timedelta(seconds=delay))
    future = [t for t in times if t > ctx.now]
    return min(future) if future else None


def _invalid(
    rollout: Rollout,
    observed: Observed,
    now: datetime,
    previous: RolloutStatus,
    error: SpecError,
) -> Decision:
    """An unplannable spec: report it, hold traffic and replicas where they are."""
    message = f"invalid spec: {error}"
    verdict = Verdict("Degraded", "InvalidSpec", message)
    generation = rollout.metadata.generation
    status = previous.model_copy(
        update={
            "phase": "Degraded",
            "message": message,
            "observed_generation": generation,
            "conditions": conditions_for(
                previous.conditions, verdict=verdict, now=now, generation=generation
            ),
        }
    )
    events = () if previous.message == message else (RolloutEvent("InvalidSpec", message),)
    stable = previous.stable_revision or observed.stable.revision or observed.candidate_revision
    weights = previous.desired_weights
    desired = DesiredState(
        stable=VersionSpec(stable, observed.replicas),
        candidate=VersionSpec(observed.candidate_revision, observed.candidate.desired),
        traffic=TrafficState(weights.canary, (), in_progress=True) if weights else None,
        services=tuple[ServiceTarget, ...](),
    )
    return Decision(status, desired, events, None, "person")
