"""The promotion after the last step: the stable takes the candidate's revision.

The stable is a Deployment of its own (``<name>-primary``), so promoting
means rolling it to the candidate's template. Capacity first, in order:

1. all traffic to the candidate, once the candidate has every pod ready
   (the stable's rolling update then touches nothing users see);
2. the stable is updated to the candidate's revision (latched in
   ``promotionStartedAt``, so a flaky read never flips it back);
3. once the stable has all its pods ready at the new revision, traffic
   returns to it; the candidate scales to 0 after ``scaleDownDelaySeconds``.

If the updated stable never becomes ready (reliability.md W5), traffic
stays on the healthy candidate and the progress deadline reports it: the
only healthy copy is never scaled away.
"""

from __future__ import annotations

from datetime import timedelta

from strategies.context import NO_WAIT, Ctx, Draft, Wait
from strategies.traffic import applied_weight, stable_caught_up
from strategies.transitions import blocking_pause, settle
from strategies.verdicts import background_run

__all__ = ["commit_blue_green", "finish_first_deploy", "promote"]


def promote(d: Draft, ctx: Ctx) -> Wait:
    """Advance the promotion of a canary or an A/B test."""
    gate = _background_gate(d, ctx) or blocking_pause(d, ctx)
    if gate is not None:
        return gate
    report = ctx.observed.traffic
    if d.status.promotion_started_at is None:
        if applied_weight(ctx, d.status) < 100:
            return Wait(
                "world",
                f"promoting: waiting for the candidate to have all {ctx.replicas} pods ready "
                f"before it takes 100% ({ctx.candidate_ready()} ready)",
            )
        if report is not None and (report.canary_weight != 100 or not report.uniform):
            return Wait(
                "world",
                f"promoting: waiting for the router to report 100% "
                f"(it reports {report.canary_weight}%)",
            )
        _start_stable_update(d, ctx)
    return _finish(d, ctx)


def commit_blue_green(d: Draft, ctx: Ctx) -> Wait:
    """After the switch: keep the old stable for instant rollback, then update it."""
    gate = blocking_pause(d, ctx)
    if gate is not None:
        return gate
    switched_at = d.status.blue_green.promoted_at if d.status.blue_green else None
    if d.status.promotion_started_at is None:
        bg = ctx.rollout.spec.strategy.blue_green
        delay = bg.scale_down_delay_seconds if bg is not None else 30
        window_end = (switched_at or ctx.now) + timedelta(seconds=delay)
        if ctx.now < window_end:
            return Wait(
                "time",
                f"keeping stable {d.status.stable_revision} for an instant switch back until "
                f"{window_end.isoformat()} (scaleDownDelaySeconds {delay})",
                until=window_end,
            )
        _start_stable_update(d, ctx)
    return _finish(d, ctx)


def finish_first_deploy(d: Draft, ctx: Ctx) -> Wait:
    """First deploy: the candidate becomes the stable directly, once it is ready."""
    stable = ctx.observed.stable
    if stable.revision != ctx.candidate or stable.ready < ctx.replicas:
        ready = stable.ready if stable.revision == ctx.candidate else 0
        return Wait(
            "world",
            f"first deploy: waiting for stable {ctx.candidate} ({ready}/{ctx.replicas} ready)",
        )
    d.set(stable_revision=ctx.candidate, completed_at=ctx.now)
    settle(d, ctx)
    d.emit("RolloutPromoted", f"first revision {ctx.candidate} is the stable")
    return NO_WAIT


def _background_gate(d: Draft, ctx: Ctx) -> Wait | None:
    """A background run must end Successful before the promotion (unless promoted in full)."""
    name = background_run(d.status)
    if name is None or d.status.promote_full:
        return None
    state = ctx.observed.run(name)
    if state is None or not state.terminal:
        return Wait(
            "analysis",
            f"all steps done; waiting for the final verdict of background analysis {name}",
        )
    if state.phase != "Successful":
        return Wait("person", f"background analysis {name} ended {state.phase}")
    return None


def _start_stable_update(d: Draft, ctx: Ctx) -> None:
    d.set(promotion_started_at=ctx.now, stalled_since=None)
    d.emit(
        "RolloutPromoting",
        f"updating stable from {d.status.stable_revision} to {ctx.candidate}",
    )


def _finish(d: Draft, ctx: Ctx) -> Wait:
    stable = ctx.observed.stable
    if not stable_caught_up(ctx, d.status):
        ready = stable.ready if stable.revision == ctx.candidate else 0
        return Wait(
            "world",
            f"promoting: updating stable to {ctx.candidate} ({ready}/{ctx.replicas} ready)",
        )
    report = ctx.observed.traffic
    if applied_weight(ctx, d.status) > 0 or (report is not None and report.canary_weight > 0):
        return Wait("world", "promoting: returning traffic to the updated stable")
    previous = d.status.stable_revision
    d.set(previous_stable_revision=previous, stable_revision=ctx.candidate, completed_at=ctx.now)
    settle(d, ctx)
    d.emit(
        "RolloutPromoted", f"revision {ctx.candidate} promoted: the stable runs it (was {previous})"
    )
    return NO_WAIT
