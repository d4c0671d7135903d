"""Canary progression: through the declared steps, then the promotion."""

from __future__ import annotations

from strategies.context import Ctx, Draft, Wait, stage_of
from strategies.plans import PlanStep
from strategies.promotion import promote
from strategies.steps import analysis_wait, pause_wait, routes_wait, weight_wait
from strategies.transitions import blocking_pause, complete_step
from strategies.verdicts import background_run, start_background

__all__ = ["progress_canary"]


def progress_canary(d: Draft, ctx: Ctx) -> Wait:
    """Complete every step that is done, in order; return what the next one waits for."""
    for _ in range(len(ctx.plan.steps) + 1):
        if stage_of(d.status, ctx.plan) == "promoting":
            return promote(d, ctx)
        _start_background_when_due(d, ctx)
        blocked = blocking_pause(d, ctx)
        if blocked is not None:
            return blocked
        step = d.step(ctx.plan)
        assert step is not None
        wait = _step_wait(d, ctx, step)
        if wait is not None:
            return wait
        complete_step(d, ctx)
    return promote(d, ctx)


def _step_wait(d: Draft, ctx: Ctx, step: PlanStep) -> Wait | None:
    if step.action == "setWeight":
        return weight_wait(d, ctx, target=step.weight)
    if step.action == "pause":
        return pause_wait(d, ctx, step=step)
    if step.action == "analysis":
        return analysis_wait(d, ctx, step=step)
    return routes_wait(d, ctx, step=step)


def _start_background_when_due(d: Draft, ctx: Ctx) -> None:
    background = ctx.plan.background
    if background is None or background_run(d.status) is not None:
        return
    if d.index >= background.starting_step:
        start_background(d, ctx)
