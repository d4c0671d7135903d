"""A/B test progression: the segment goes to the candidate for a while, then a verdict.

The match routes are applied once every candidate pod is ready (the
segment's size is unknown). The test runs for ``duration`` or ``iterations``
× ``interval``; the analysis then must end Successful to promote. A run
still measuring at the end is asked to wrap up and the engine waits for its
final verdict: ending it is never read as a pass.
"""

from __future__ import annotations

from rollout_engine.api.durations import format_duration, parse_duration
from rollout_engine.api.status import ABTestStatus
from strategies.context import Ctx, Draft, Wait, stage_of
from strategies.plans import PlanStep
from strategies.promotion import promote
from strategies.steps import analysis_wait, routes_wait
from strategies.transitions import blocking_pause, complete_step
from strategies.verdicts import step_run_name

__all__ = ["ab_test_over", "progress_ab_test"]


def progress_ab_test(d: Draft, ctx: Ctx) -> Wait:
    """Run the segment, then promote."""
    if stage_of(d.status, ctx.plan) == "promoting":
        return promote(d, ctx)
    blocked = blocking_pause(d, ctx)
    if blocked is not None:
        return blocked
    step = d.step(ctx.plan)
    assert step is not None
    wait = _segment_wait(d, ctx, step)
    if wait is not None:
        return wait
    complete_step(d, ctx)
    return promote(d, ctx)


def ab_test_over(ctx: Ctx, status: ABTestStatus | None, *, step: PlanStep) -> bool:
    """The segment has run for its full length."""
    if status is None or status.started_at is None or step.length is None:
        return False
    return ctx.now >= status.started_at + step.length


def _segment_wait(d: Draft, ctx: Ctx, step: PlanStep) -> Wait | None:
    ab = d.status.ab_test
    if ab is None or ab.started_at is None:
        wait = _start(d, ctx, step)
        if wait is not None:
            return wait
        ab = d.status.ab_test
    assert ab is not None and ab.started_at is not None and step.length is not None
    _count_iterations(d, ctx, ab, step)
    end = ab.started_at + step.length
    if ctx.now < end:
        return Wait("time", f"A/B test running until {end.isoformat()}", until=end)
    if step.analysis is None:
        return None
    wait = analysis_wait(d, ctx, step=step)
    if wait is not None and wait.kind == "analysis":
        return Wait(
            "analysis", f"the test time is up; waiting for the final verdict: {wait.reason}"
        )
    return wait


def _start(d: Draft, ctx: Ctx, step: PlanStep) -> Wait | None:
    if ctx.candidate_ready() < ctx.replicas:
        return Wait(
            "world",
            f"waiting for all {ctx.replicas} candidate pods before routing the segment "
            f"({ctx.candidate_ready()} ready)",
        )
    wait = routes_wait(d, ctx, step=step)
    if wait is not None:
        return wait
    run = step_run_name(ctx, d.status, step=step)
    d.set(ab_test=ABTestStatus(started_at=ctx.now, iterations=0, analysis_run=run))
    length = format_duration(step.length) if step.length is not None else "?"
    d.emit(
        "ABTestStarted",
        f"A/B test started: the segment goes to {ctx.candidate} for {length}",
        step=d.index,
        run=run,
    )
    return None


def _count_iterations(d: Draft, ctx: Ctx, ab: ABTestStatus, step: PlanStep) -> None:
    if step.iterations is None or ab.started_at is None:
        return
    spec = ctx.rollout.spec.strategy.ab_test
    assert spec is not None
    interval = parse_duration(spec.interval, path="spec.strategy.abTest.interval")
    done = min(step.iterations, int((ctx.now - ab.started_at) / interval))
    if done != ab.iterations:
        d.set(ab_test=ab.model_copy(update={"iterations": done}))
