"""Blue/green progression: preview, pre-promotion analysis, promotion gate, switch, post-promotion.

The candidate comes up behind the preview Service; the active Service
switches to it only once every candidate pod is ready; the old stable keeps
all its pods until the post-promotion analysis passed and
``scaleDownDelaySeconds`` elapsed, so an abort switches back instantly.
"""

from __future__ import annotations

from rollout_engine.api.status import BlueGreenStatus
from strategies.context import Ctx, Draft, Wait, stage_of
from strategies.plans import PlanStep
from strategies.promotion import commit_blue_green
from strategies.steps import analysis_wait, pause_wait
from strategies.transitions import blocking_pause, complete_step

__all__ = ["progress_blue_green"]


def progress_blue_green(d: Draft, ctx: Ctx) -> Wait:
    """Complete every step that is done, in order; return what the next one waits for."""
    for _ in range(len(ctx.plan.steps) + 1):
        if stage_of(d.status, ctx.plan) == "promoting":
            return commit_blue_green(d, ctx)
        blocked = blocking_pause(d, ctx)
        if blocked is not None:
            return blocked
        step = d.step(ctx.plan)
        assert step is not None
        wait = _step_wait(d, ctx, step)
        if wait is not None:
            return wait
        complete_step(d, ctx)
    return commit_blue_green(d, ctx)


def _step_wait(d: Draft, ctx: Ctx, step: PlanStep) -> Wait | None:
    if step.action == "preview":
        needed = min(step.preview_replicas or ctx.replicas, ctx.replicas)
        if ctx.candidate_ready() < needed:
            return Wait(
                "world",
                f"preview: waiting for the candidate ({ctx.candidate_ready()}/{needed} ready)",
            )
        return None
    if step.action == "switch":
        return _switch(d, ctx)
    if step.pause is not None:
        return pause_wait(d, ctx, step=step)
    return analysis_wait(d, ctx, step=step)


def _switch(d: Draft, ctx: Ctx) -> Wait | None:
    """Switch the active Service to the candidate, only with every candidate pod ready."""
    if ctx.candidate_ready() < ctx.replicas:
        return Wait(
            "world",
            f"switch: waiting for all {ctx.replicas} candidate pods to be ready before the "
            f"active Service moves ({ctx.candidate_ready()} ready)",
        )
    bg = d.status.blue_green or BlueGreenStatus()
    d.set(
        blue_green=bg.model_copy(update={"promoted_at": ctx.now, "active_revision": ctx.candidate})
    )
    d.emit(
        "ServiceSwitched",
        f"active Service {ctx.names.active} now selects the candidate {ctx.candidate}",
        step=d.index,
    )
    return None
