"""Reading analysis verdicts and reacting to them.

- ``Failed`` or ``Error`` → abort (a gate or a pending promote never
  suppresses it: verdicts are read before intents).
- ``Inconclusive`` → pause with reason ``InconclusiveAnalysisRun`` and wait
  for a person; it is never taken as a pass (reliability.md A4).
- ``Successful`` is the only verdict that lets a step complete, and only
  the analysis layer decides it: a run that was cut short (terminated by a
  promote, an abort or a new revision) is never counted here as Successful.
"""

from __future__ import annotations

from rollout_engine.api.status import CanaryStatus, RolloutStatus, RunVerdict
from strategies.context import Ctx, Draft, stage_of
from strategies.naming import run_name
from strategies.plans import PlanStep
from strategies.transitions import INCONCLUSIVE, abort, add_pause
from strategies.world import RunState

__all__ = ["background_run", "read_verdicts", "step_run_name", "tracked_runs"]


def step_run_name(ctx: Ctx, status: RolloutStatus, *, step: PlanStep | None) -> str | None:
    """The deterministic run name of `step`'s analysis, if it has one."""
    if step is None or step.analysis is None:
        return None
    return run_name(
        rollout=ctx.rollout.metadata.name,
        revision=ctx.candidate,
        attempt=status.attempt or 1,
        suffix=step.analysis.suffix,
    )


def background_run(status: RolloutStatus) -> str | None:
    """The background run of the current attempt, once started."""
    return status.canary.current_background_analysis_run if status.canary else None


def start_background(d: Draft, ctx: Ctx, *, suffix: str = "bg") -> None:
    """Name (and so request) a background run from the current step on."""
    name = run_name(
        rollout=ctx.rollout.metadata.name,
        revision=ctx.candidate,
        attempt=d.attempt,
        suffix=suffix,
    )
    canary = d.status.canary or CanaryStatus()
    d.set(canary=canary.model_copy(update={"current_background_analysis_run": name}))


def tracked_runs(ctx: Ctx, status: RolloutStatus) -> list[str]:
    """The runs whose verdicts matter at the current position."""
    stage = stage_of(status, ctx.plan)
    names: list[str] = []
    if stage == "stepping":
        step = ctx.plan.step(status.current_step_index or 0)
        started = ctx.plan.strategy != "abTest" or (
            status.ab_test is not None and status.ab_test.started_at is not None
        )
        name = step_run_name(ctx, status, step=step)
        if name is not None and started:
            names.append(name)
    background = background_run(status)
    if stage in ("stepping", "promoting") and background is not None:
        names.append(background)
    return names


def read_verdicts(d: Draft, ctx: Ctx) -> None:
    """Record the tracked runs' phases; abort on Failed/Error, pause on Inconclusive."""
    for name in tracked_runs(ctx, d.status):
        state = ctx.observed.run(name)
        if state is None:
            continue
        _record(d, ctx, name, state)
        detail = f": {state.message}" if state.message else ""
        if state.phase in ("Failed", "Error"):
            abort(d, ctx, reason=f"analysis run {name} ended {state.phase}{detail}")
            return
        if state.phase == "Inconclusive" and add_pause(d, ctx, reason=INCONCLUSIVE):
            d.emit(
                "RolloutPaused",
                f"analysis run {name} was Inconclusive{detail}; paused for a person: "
                "promote advances one step, abort rolls back",
                step=d.index,
                run=name,
            )


def _record(d: Draft, ctx: Ctx, name: str, state: RunState) -> None:
    """Keep the last phase seen per run; announce a verdict once, when it first appears."""
    runs = list(d.status.runs)
    verdict = RunVerdict(run=name, phase=state.phase, message=state.message, at=ctx.now)
    for i, seen in enumerate(runs):
        if seen.run == name:
            if seen.phase == state.phase:
                return
            runs[i] = verdict
            break
    else:
        runs.append(verdict)
    d.set(runs=runs)
    if state.terminal:
        d.set(last_verdict=verdict)
        detail = f": {state.message}" if state.message else ""
        d.emit(f"AnalysisRun{state.phase}", f"analysis run {name} {state.phase}{detail}", run=name)
