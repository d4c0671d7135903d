"""The transitions every strategy shares: enter and complete a step, pause, abort, restart.

Each writes the status fields it owns and emits the event that goes with
it, so no transition can happen silently.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from rollout_engine.api.durations import format_duration
from rollout_engine.api.status import PauseCondition
from strategies.context import Ctx, Draft, Wait
from strategies.plans import PlanStep

__all__ = [
    "BLOCKING_PAUSES",
    "abort",
    "add_pause",
    "blocking_pause",
    "complete_step",
    "enter_step",
    "remove_pauses",
    "scale_down_delay",
    "settle",
    "start_attempt",
    "step_label",
]

USER_PAUSE: Final = "UserPause"
INCONCLUSIVE: Final = "InconclusiveAnalysisRun"
BLOCKING_PAUSES: Final = frozenset({USER_PAUSE, INCONCLUSIVE})
"""Pauses that hold the plan until a person acts (a pause step's own timer is not one)."""


def step_label(step: PlanStep | None) -> str:
    """A short description of a step for messages (``setWeight 20%``)."""
    if step is None:
        return "promotion"
    if step.action == "setWeight":
        return f"setWeight {step.weight}%"
    if step.pause is not None:
        duration = step.pause.duration
        return f"pause {format_duration(duration)}" if duration is not None else "pause"
    if step.analysis is not None and step.action != "segment":
        return f"{step.action} {step.analysis.template_names}"
    if step.action in ("setHeaderRoute", "setCookieRoute"):
        names = ", ".join(r.name for r in step.routes) or "remove routes"
        return f"{step.action} {names}"
    return step.action


def add_pause(d: Draft, ctx: Ctx, *, reason: str) -> bool:
    """Add a pause condition (once); True when it is new."""
    if any(c.reason == reason for c in d.status.pause_conditions):
        return False
    condition = PauseCondition(reason=reason, start_time=ctx.now)
    d.set(pause_conditions=[*d.status.pause_conditions, condition])
    return True


def remove_pauses(d: Draft, *reasons: str) -> None:
    """Drop the pause conditions with these reasons."""
    kept = [c for c in d.status.pause_conditions if c.reason not in reasons]
    if len(kept) != len(d.status.pause_conditions):
        d.set(pause_conditions=kept)


def enter_step(d: Draft, ctx: Ctx, *, index: int) -> None:
    """Make `index` the current step; a pause step starts its timer now."""
    remove_pauses(d, "CanaryPauseStep", "BlueGreenPause")
    d.set(current_step_index=index, step_started_at=ctx.now, stalled_since=None)
    step = ctx.plan.step(index)
    if step is not None and step.pause is not None and not d.status.promote_full:
        add_pause(d, ctx, reason=step.pause.reason)
        if step.pause.duration is None:
            d.emit("RolloutPaused", f"paused at step {index} until a person promotes", step=index)


def complete_step(d: Draft, ctx: Ctx, *, how: str = "completed") -> None:
    """Finish the current step and enter the next one."""
    index = d.index
    step = ctx.plan.step(index)
    total = len(ctx.plan.steps)
    d.emit(
        "RolloutStepCompleted", f"step {index} of {total} ({step_label(step)}) {how}", step=index
    )
    enter_step(d, ctx, index=index + 1)


def blocking_pause(d: Draft, ctx: Ctx) -> Wait | None:
    """A pause that holds the plan until a person acts, if any."""
    if ctx.rollout.spec.paused:
        return Wait("person", "paused (spec.paused is true)")
    reasons = {c.reason for c in d.status.pause_conditions}
    if INCONCLUSIVE in reasons:
        return Wait("person", "paused: an analysis was inconclusive; promote to continue, or abort")
    if USER_PAUSE in reasons:
        return Wait("person", "paused by a person; resume to continue")
    return None


def abort(d: Draft, ctx: Ctx, *, reason: str) -> None:
    """Abort the current attempt: traffic back to stable, runs stopped (once)."""
    if d.status.abort:
        return
    d.set(
        abort=True,
        aborted_at=ctx.now,
        abort_reason=reason,
        pause_conditions=[],
        promote_full=False,
        stalled_since=None,
    )
    d.emit("RolloutAborted", f"aborted at step {d.index}: {reason}", step=d.index)


def start_attempt(d: Draft, ctx: Ctx, *, attempt: int) -> None:
    """Start the plan from step 0 for the current candidate (new revision, retry, new plan)."""
    d.set(
        candidate_revision=ctx.candidate,
        attempt=attempt,
        plan_hash=ctx.plan.digest,
        step_count=len(ctx.plan.steps),
        abort=False,
        aborted_at=None,
        abort_reason=None,
        promote_full=False,
        pause_conditions=[],
        canary=None,
        blue_green=None,
        ab_test=None,
        runs=[],
        promotion_started_at=None,
        completed_at=None,
        progress_started_at=ctx.now,
    )
    enter_step(d, ctx, index=0)


def settle(d: Draft, ctx: Ctx) -> None:
    """No rollout in flight: the candidate is the stable."""
    d.set(
        candidate_revision=ctx.candidate,
        current_step_index=None,
        step_started_at=None,
        abort=False,
        aborted_at=None,
        abort_reason=None,
        promote_full=False,
        pause_conditions=[],
        runs=[],
        promotion_started_at=None,
        stalled_since=None,
    )


def scale_down_delay(ctx: Ctx) -> timedelta:
    """How long the candidate keeps its pods after a promotion (connections drain)."""
    strategy = ctx.rollout.spec.strategy
    source = strategy.canary or strategy.blue_green
    return timedelta(seconds=source.scale_down_delay_seconds if source is not None else 30)
