"""Phase, conditions and message: where the rollout is, and why, for people and tools.

Phases per product.md: Degraded (aborted, stuck past the deadline, invalid
spec) › Paused (any pause condition or ``spec.paused``) › Healthy (the
candidate is the stable and every stable pod is ready) › Progressing.
Conditions keep their ``lastTransitionTime`` while their status is unchanged,
so reconciling the same state twice writes the same status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rollout_engine.api.meta import Condition, ConditionStatus
from rollout_engine.api.status import (
    BlueGreenStatus,
    CanaryStatus,
    RolloutPhase,
    RolloutStatus,
    Weights,
)
from strategies.context import Ctx, Draft, Stage, Wait, stage_of
from strategies.deadline import DEADLINE_REASON
from strategies.desired import DesiredState
from strategies.transitions import step_label

__all__ = ["Verdict", "conditions_for", "finalize_status"]


@dataclass(frozen=True)
class Verdict:
    """The phase with the reason behind it (a condition reason) and the message."""

    phase: RolloutPhase
    reason: str
    message: str


def finalize_status(
    d: Draft, ctx: Ctx, *, wait: Wait, exceeded: bool, desired: DesiredState
) -> None:
    """Write phase, message, conditions and the display fields."""
    stage = stage_of(d.status, ctx.plan)
    verdict = _verdict(d.status, ctx, stage=stage, wait=wait, exceeded=exceeded, desired=desired)
    generation = ctx.rollout.metadata.generation
    d.set(
        phase=verdict.phase,
        message=verdict.message,
        conditions=conditions_for(
            d.status.conditions, verdict=verdict, now=ctx.now, generation=generation
        ),
        observed_generation=generation,
        step_count=len(ctx.plan.steps),
    )
    _weights(d, ctx, desired)
    _display_runs(d, ctx, desired)


def _verdict(
    status: RolloutStatus,
    ctx: Ctx,
    *,
    stage: Stage,
    wait: Wait,
    exceeded: bool,
    desired: DesiredState,
) -> Verdict:
    if stage == "aborted":
        weight = desired.traffic.canary_weight if desired.traffic else 0
        still = f"; {weight}% stays on the candidate until the stable can take it" if weight else ""
        message = f"aborted: {status.abort_reason}; stable {status.stable_revision} serves{still}"
        return Verdict("Degraded", "RolloutAborted", message)
    where = _position(status, ctx, stage)
    what = f"{where}: {wait.reason}" if wait.reason else where
    if exceeded:
        seconds = ctx.rollout.spec.progress_deadline_seconds
        return Verdict(
            "Degraded", DEADLINE_REASON, f"progress deadline ({seconds}s) exceeded: {what}"
        )
    if ctx.rollout.spec.paused or status.pause_conditions:
        reasons = [c.reason for c in status.pause_conditions] or ["SpecPaused"]
        return Verdict("Paused", reasons[0], what)
    if stage == "steady" and wait.kind == "none":
        stable = ctx.observed.stable
        message = f"healthy: stable {status.stable_revision} ({stable.ready}/{ctx.replicas} ready)"
        return Verdict("Healthy", "RolloutHealthy", message)
    return Verdict("Progressing", "RolloutProgressing", what)


def _position(status: RolloutStatus, ctx: Ctx, stage: Stage) -> str:
    if stage == "stepping":
        index = status.current_step_index or 0
        step = ctx.plan.step(index)
        return f"step {index} of {len(ctx.plan.steps)} ({step_label(step)})"
    if stage == "promoting":
        return "promotion"
    if stage == "initial":
        return "first deploy"
    return f"stable {status.stable_revision}"


_PROGRESSING: dict[str, tuple[ConditionStatus, str]] = {
    "Paused": ("Unknown", "RolloutPaused"),
    "Healthy": ("True", "RolloutCompleted"),
}


def conditions_for(
    previous: list[Condition], *, verdict: Verdict, now: datetime, generation: int | None
) -> list[Condition]:
    """The four conditions for `verdict`, keeping transition times that did not change."""
    phase, reason, message = verdict.phase, verdict.reason, verdict.message
    progressing = _PROGRESSING.get(phase, ("True", "RolloutProgressing"))
    if phase == "Degraded":
        progressing = ("False", reason)
    wanted: list[tuple[str, ConditionStatus, str]] = [
        ("Progressing", *progressing),
        (
            "Paused",
            "True" if phase == "Paused" else "False",
            reason if phase == "Paused" else "NotPaused",
        ),
        ("Healthy", "True" if phase == "Healthy" else "False", reason),
        (
            "Degraded",
            "True" if phase == "Degraded" else "False",
            reason if phase == "Degraded" else "AsExpected",
        ),
    ]
    before = {c.type: c for c in previous}
    out = []
    for kind, state, why in wanted:
        old = before.get(kind)
        since = old.last_transition_time if old is not None and old.status == state else now
        out.append(
            Condition(
                type=kind,
                status=state,
                reason=why,
                message=message,
                last_transition_time=since,
                observed_generation=generation,
            )
        )
    return out


def _weights(d: Draft, ctx: Ctx, desired: DesiredState) -> None:
    traffic = desired.traffic
    wanted = (
        Weights(canary=traffic.canary_weight, stable=traffic.stable_weight) if traffic else None
    )
    report = ctx.observed.traffic
    current = (
        Weights(canary=report.canary_weight, stable=report.stable_weight)
        if report is not None
        else d.status.current_weights
    )
    d.set(desired_weights=wanted, current_weights=current)


def _display_runs(d: Draft, ctx: Ctx, desired: DesiredState) -> None:
    """Name the runs in flight where ``kubectl get`` shows them."""
    by_kind = {a.kind: a.name for a in desired.analyses}
    if ctx.plan.strategy == "canary" and (d.status.canary is not None or by_kind):
        canary = d.status.canary or CanaryStatus()
        d.set(canary=canary.model_copy(update={"current_step_analysis_run": by_kind.get("step")}))
    if ctx.plan.strategy == "blueGreen":
        bg = d.status.blue_green or BlueGreenStatus()
        active = next((s for s in desired.services if s.name == ctx.names.active), None)
        preview = next((s for s in desired.services if s.name == ctx.names.preview), None)
        update = {
            "active_revision": active.revision if active else None,
            "preview_revision": preview.revision if preview else None,
        }
        if "pre" in by_kind:
            update["pre_promotion_analysis_run"] = by_kind["pre"]
        if "post" in by_kind:
            update["post_promotion_analysis_run"] = by_kind["post"]
        d.set(blue_green=bg.model_copy(update=update))
