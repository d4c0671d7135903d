"""When is a step done? One function per kind of wait, shared by the strategies.

Each returns None when the step is complete, or the :class:`Wait` that
holds it. Weight and route steps complete only when the router reports
what was asked (when it reports at all), and only at a capacity-safe weight.
"""

from __future__ import annotations

from rollout_engine.api.durations import format_duration
from strategies.capacity import replicas_for
from strategies.context import Ctx, Draft, Wait
from strategies.plans import PlanStep
from strategies.traffic import applied_weight
from strategies.transitions import add_pause
from strategies.verdicts import step_run_name

__all__ = ["analysis_wait", "pause_wait", "routes_wait", "weight_wait"]


def weight_wait(d: Draft, ctx: Ctx, *, target: int) -> Wait | None:
    """Hold until the candidate can take `target` percent and the router shows it."""
    if applied_weight(ctx, d.status) < target:
        needed = replicas_for(target, ctx.replicas)
        return Wait(
            "world",
            f"waiting for candidate capacity: {ctx.candidate_ready()}/{needed} pods ready "
            f"for {target}%",
        )
    report = ctx.observed.traffic
    if report is not None and (report.canary_weight != target or not report.uniform):
        return Wait(
            "world",
            f"waiting for the router to report {target}% (it reports {report.canary_weight}%)",
        )
    return None


def routes_wait(d: Draft, ctx: Ctx, *, step: PlanStep) -> Wait | None:
    """Hold until the routes in effect exist on the router (and a candidate pod can take them)."""
    wanted = frozenset(r.name for r in step.routes)
    if wanted and ctx.candidate_ready() == 0:
        return Wait(
            "world", f"waiting for a ready candidate pod before routing {', '.join(sorted(wanted))}"
        )
    report = ctx.observed.traffic
    if report is not None and report.routes != wanted:
        shown = ", ".join(sorted(report.routes)) or "none"
        return Wait("world", f"waiting for the router to apply the match routes (it has {shown})")
    return None


def pause_wait(d: Draft, ctx: Ctx, *, step: PlanStep) -> Wait | None:
    """Hold a pause step until its time is up (or forever, until a person promotes)."""
    assert step.pause is not None
    if d.status.promote_full:
        return None
    add_pause(d, ctx, reason=step.pause.reason)  # NB: restores a timer a person deleted by hand
    condition = next(c for c in d.status.pause_conditions if c.reason == step.pause.reason)
    duration = step.pause.duration
    if duration is None:
        return Wait("person", "paused until promoted")
    end = condition.start_time + duration
    if ctx.now < end:
        return Wait(
            "time", f"paused for {format_duration(duration)} until {end.isoformat()}", until=end
        )
    return None


def analysis_wait(d: Draft, ctx: Ctx, *, step: PlanStep) -> Wait | None:
    """Hold an analysis step until its run is Successful."""
    assert step.analysis is not None
    if d.status.promote_full:
        return None
    name = step_run_name(ctx, d.status, step=step)
    state = ctx.observed.run(name)
    if state is None or not state.terminal:
        phase = state.phase if state is not None else "Pending"
        return Wait("analysis", f"analysis {name} ({step.analysis.template_names}) is {phase}")
    if state.phase != "Successful":
        return Wait("person", f"analysis {name} ended {state.phase}")
    return None
