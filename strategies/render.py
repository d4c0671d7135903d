"""The desired state, computed from the new status, the plan and the observed world only.

Level-triggered: nothing here depends on how the status was reached, so a
controller that restarts and recomputes gets the same answer.
"""

from __future__ import annotations

from datetime import timedelta

from rollout_engine.api.routing import TrafficRouting
from rollout_engine.api.status import RolloutStatus
from strategies.abtest import ab_test_over
from strategies.args import resolve_args
from strategies.capacity import replicas_for
from strategies.context import Ctx, Stage, stage_of
from strategies.desired import (
    AnalysisKind,
    AnalysisRequest,
    DesiredState,
    ServiceTarget,
    Slot,
    SubsetTarget,
    TrafficState,
    VersionSpec,
    WorkloadRollback,
)
from strategies.plans import AnalysisSpec
from strategies.traffic import applied_weight, desired_routes, desired_stable_revision
from strategies.transitions import scale_down_delay
from strategies.verdicts import background_run, step_run_name

__all__ = ["desired_state", "routing_of"]

_KINDS: dict[str, AnalysisKind] = {
    "prePromotionAnalysis": "pre",
    "postPromotionAnalysis": "post",
    "segment": "abtest",
}


def routing_of(ctx: Ctx) -> TrafficRouting | None:
    """The Rollout's traffic router, if its strategy has one."""
    strategy = ctx.rollout.spec.strategy
    routed = strategy.canary or strategy.ab_test
    return routed.traffic_routing if routed is not None else None


def desired_state(ctx: Ctx, status: RolloutStatus) -> DesiredState:
    """What the world should look like now."""
    stage = stage_of(status, ctx.plan)
    stable = desired_stable_revision(ctx, status)
    weight = applied_weight(ctx, status)
    canary_slot: Slot = (
        "candidate" if stage in ("stepping", "promoting") or weight > 0 else "stable"
    )
    analyses = _analyses(ctx, status, stage)
    wanted = {a.name for a in analyses}
    terminate = sorted(
        name for name, run in ctx.observed.runs.items() if not run.terminal and name not in wanted
    )
    undo = status.undo
    return DesiredState(
        stable=VersionSpec(stable, ctx.replicas),
        candidate=VersionSpec(ctx.candidate, _candidate_replicas(ctx, status, stage, weight)),
        traffic=_traffic(ctx, status, stage, weight),
        services=_services(ctx, status, stage, stable, canary_slot),
        subsets=_subsets(ctx, stable, canary_slot),
        analyses=analyses,
        terminate=tuple(terminate),
        rollback=WorkloadRollback(undo.revision, undo.to_revision) if undo else None,
    )


def _traffic(ctx: Ctx, status: RolloutStatus, stage: Stage, weight: int) -> TrafficState | None:
    if not ctx.plan.routed:
        return None
    in_progress = stage in ("stepping", "promoting", "aborted") or weight > 0
    return TrafficState(weight, desired_routes(ctx, status, stage=stage), in_progress=in_progress)


def _candidate_replicas(ctx: Ctx, status: RolloutStatus, stage: Stage, weight: int) -> int:
    replicas, now, held = ctx.replicas, ctx.now, ctx.observed.candidate.desired
    if stage == "initial":
        return 0
    if stage == "steady":
        draining = status.completed_at is not None and now < status.completed_at + scale_down_delay(
            ctx
        )
        stable_short = ctx.observed.stable.ready < replicas
        return held if (weight > 0 or draining or stable_short) else 0
    if stage == "aborted":
        return held if _keep_aborted_candidate(ctx, status, weight) else 0
    if stage == "promoting" or ctx.plan.strategy == "abTest":
        return replicas
    index = status.current_step_index or 0
    step = ctx.plan.step(index)
    if ctx.plan.strategy == "blueGreen":
        # NB: previewReplicaCount holds until the switch, which needs every pod.
        switch = next(s.index for s in ctx.plan.steps if s.action == "switch")
        preview = ctx.plan.steps[0].preview_replicas
        return min(preview or replicas, replicas) if index < switch else replicas
    target = step.weight if step is not None else 0
    return min(replicas, max(1, replicas_for(target, replicas)))


def _keep_aborted_candidate(ctx: Ctx, status: RolloutStatus, weight: int) -> bool:
    """An aborted candidate keeps its pods while it carries traffic and during the delay."""
    canary = ctx.rollout.spec.strategy.canary
    delay = canary.abort_scale_down_delay_seconds if canary is not None else 30
    if delay == 0 or weight > 0:
        return True
    if (
        ctx.plan.strategy == "blueGreen"
        and _blue_green_slots(ctx, status, "aborted")[0] != "stable"
    ):
        return True
    aborted_at = status.aborted_at or ctx.now
    return ctx.now < aborted_at + timedelta(seconds=delay)


def _services(
    ctx: Ctx, status: RolloutStatus, stage: Stage, stable: str, canary_slot: Slot
) -> tuple[ServiceTarget, ...]:
    names = ctx.names
    if ctx.plan.strategy == "blueGreen":
        active, preview = _blue_green_slots(ctx, status, stage)
        assert names.active is not None and names.preview is not None
        pairs: list[tuple[str, Slot]] = [
            (names.stable, "stable"),
            (names.active, active),
            (names.preview, preview),
        ]
    else:
        pairs = [(names.apex, "stable"), (names.stable, "stable"), (names.canary, canary_slot)]
    chosen = dict(pairs)  # NB: a later entry wins when two names coincide
    return tuple(
        ServiceTarget(name, slot, stable if slot == "stable" else ctx.candidate)
        for name, slot in chosen.items()
    )


def _blue_green_slots(ctx: Ctx, status: RolloutStatus, stage: Stage) -> tuple[Slot, Slot]:
    """(active, preview): the active Service follows the switch, capacity first."""
    switched = status.blue_green is not None and status.blue_green.promoted_at is not None
    candidate, stable = ctx.observed.candidate, ctx.observed.stable
    if stage in ("stepping", "promoting"):
        on_candidate = switched and (candidate.ready > 0 or stable.ready == 0)
        return ("candidate" if on_candidate else "stable"), "candidate"
    if stage == "aborted" and switched:
        back = stable.ready >= ctx.replicas or candidate.ready == 0
        return ("stable" if back else "candidate"), "stable"
    return "stable", "stable"


def _subsets(ctx: Ctx, stable: str, canary_slot: Slot) -> tuple[SubsetTarget, ...]:
    routing = routing_of(ctx)
    rule = routing.istio.destination_rule if routing and routing.istio else None
    if rule is None:
        return ()
    canary = ctx.candidate if canary_slot == "candidate" else stable
    return (
        SubsetTarget(rule.stable_subset_name, stable),
        SubsetTarget(rule.canary_subset_name, canary),
    )


def _analyses(ctx: Ctx, status: RolloutStatus, stage: Stage) -> tuple[AnalysisRequest, ...]:
    if stage != "stepping":
        return ()
    index = status.current_step_index or 0
    step = ctx.plan.step(index)
    requests: list[AnalysisRequest] = []
    name = step_run_name(ctx, status, step=step)
    if step is not None and step.analysis is not None and name and not status.promote_full:
        ab_running = step.action != "segment" or (
            status.ab_test is not None
            and status.ab_test.started_at is not None
            and not ab_test_over(ctx, status.ab_test, step=step)
        )
        if ab_running:
            kind = _KINDS.get(step.action, "step")
            requests.append(_request(ctx, status, name, kind, step.analysis, step=index))
    background = background_run(status)
    if background is not None and ctx.plan.background is not None:
        spec = ctx.plan.background.analysis
        requests.append(_request(ctx, status, background, "background", spec, step=None))
    return tuple(requests)


def _request(
    ctx: Ctx,
    status: RolloutStatus,
    name: str,
    kind: AnalysisKind,
    spec: AnalysisSpec,
    *,
    step: int | None,
) -> AnalysisRequest:
    args = resolve_args(
        spec.args,
        rollout=ctx.rollout,
        stable=status.stable_revision or ctx.candidate,
        candidate=ctx.candidate,
    )
    return AnalysisRequest(
        name=name,
        kind=kind,
        templates=spec.templates,
        args=args,
        step=step,
    )
