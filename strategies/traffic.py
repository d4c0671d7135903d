"""Weights and match routes in effect, from status, plan and the observed world.

Step completion and the desired state both read these functions, so the
engine never declares a step done on a weight it would not apply.
"""

from __future__ import annotations

from rollout_engine.api.status import RolloutStatus
from strategies.capacity import ready_share, safe_weight
from strategies.context import Ctx, Stage, stage_of
from strategies.desired import MatchRoute
from strategies.transitions import BLOCKING_PAUSES
from strategies.verdicts import background_run

__all__ = [
    "applied_weight",
    "current_weight",
    "desired_routes",
    "desired_stable_revision",
    "promotion_cleared",
    "stable_caught_up",
    "target_weight",
]


def desired_stable_revision(ctx: Ctx, status: RolloutStatus) -> str:
    """The revision the stable should run: the candidate's once the promotion started."""
    stage = stage_of(status, ctx.plan)
    if stage == "initial" or (stage == "promoting" and status.promotion_started_at is not None):
        return ctx.candidate
    return status.stable_revision or ctx.candidate


def stable_caught_up(ctx: Ctx, status: RolloutStatus) -> bool:
    """The promotion started and the stable runs the candidate with all its pods ready."""
    stable = ctx.observed.stable
    return (
        status.promotion_started_at is not None
        and stable.revision == ctx.candidate
        and stable.ready >= ctx.replicas
    )


def target_weight(ctx: Ctx, status: RolloutStatus) -> int:
    """The candidate weight the plan asks for now, before capacity is considered."""
    stage = stage_of(status, ctx.plan)
    if stage == "stepping":
        step = ctx.plan.step(status.current_step_index or 0)
        return step.weight if step is not None else 0
    if stage == "promoting":
        if status.promotion_started_at is None and not promotion_cleared(ctx, status):
            last = ctx.plan.steps[-1] if ctx.plan.steps else None
            return last.weight if last is not None else 0
        return 0 if stable_caught_up(ctx, status) else 100
    return 0


def promotion_cleared(ctx: Ctx, status: RolloutStatus) -> bool:
    """Nothing holds the promotion: no pause, and the background analysis (if any) passed.

    Until then, traffic stays where the last step put it: the shift to 100 %
    is the first act of the promotion, not a preparation for it.
    """
    if ctx.rollout.spec.paused or any(c.reason in BLOCKING_PAUSES for c in status.pause_conditions):
        return False
    name = background_run(status)
    if name is None or status.promote_full:
        return True
    state = ctx.observed.run(name)
    return state is not None and state.phase == "Successful"


def current_weight(ctx: Ctx, status: RolloutStatus) -> int:
    """The weight in effect: as the router reports it, else as last desired."""
    if ctx.observed.traffic is not None:
        return ctx.observed.traffic.canary_weight
    return status.desired_weights.canary if status.desired_weights else 0


def applied_weight(ctx: Ctx, status: RolloutStatus) -> int:
    """The capacity-safe candidate weight to apply now."""
    observed = ctx.observed
    candidate_share = ready_share(observed.candidate.ready, ctx.replicas)
    stable_share = ready_share(observed.stable.ready, ctx.replicas)
    stage = stage_of(status, ctx.plan)
    if stage == "initial":
        return 0
    weight = safe_weight(
        target=target_weight(ctx, status),
        current=current_weight(ctx, status),
        candidate_share=candidate_share,
        stable_share=stable_share,
    )
    if stage == "steady" and observed.candidate.revision == status.stable_revision:
        # NB: after a promotion the candidate's pods run the stable revision;
        # if the stable falters they may carry the load it cannot (T8).
        weight = max(weight, min(candidate_share, 100 - stable_share))
    return weight


def desired_routes(ctx: Ctx, status: RolloutStatus, *, stage: Stage) -> tuple[MatchRoute, ...]:
    """Header/cookie routes in effect; none unless a candidate pod is ready to take them."""
    step = ctx.plan.step(status.current_step_index or 0)
    if stage != "stepping" or step is None or ctx.candidate_ready() == 0:
        return ()
    if ctx.plan.strategy == "abTest":
        started = status.ab_test is not None and status.ab_test.started_at is not None
        if not started and ctx.candidate_ready() < ctx.replicas:
            return ()
    return step.routes
