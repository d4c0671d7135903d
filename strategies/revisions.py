"""Which revision is being rolled out, and whether the plan must start over.

A new candidate mid-rollout restarts the plan from step 0 with weights
reset (an unvalidated revision is never promoted: reliability.md H4). So
does a changed plan, e.g. an edited A/B match (W8): the analysis that judged
the old routes says nothing about the new ones.
"""

from __future__ import annotations

from strategies.context import Ctx, Draft
from strategies.transitions import settle, start_attempt

__all__ = ["track_revision"]


def track_revision(d: Draft, ctx: Ctx) -> None:
    """Reconcile the status' revisions with the observed ones."""
    status = d.status
    observed_stable = ctx.observed.stable.revision
    lost = status.stable_revision is None and status.candidate_revision is None
    if lost and observed_stable is not None:
        # NB: status lost (cluster rebuilt, G5): the running stable is the
        # stable; the candidate is not treated as promoted.
        d.set(stable_revision=observed_stable)
    _drop_finished_undo(d, ctx)
    stable = d.status.stable_revision
    if stable is None:
        _first_deploy(d, ctx)
    elif ctx.candidate == stable:
        _candidate_is_stable(d, ctx, stable)
    elif d.status.candidate_revision != ctx.candidate:
        _new_candidate(d, ctx, stable)
    elif d.status.plan_hash != ctx.plan.digest:
        _plan_changed(d, ctx)


def _drop_finished_undo(d: Draft, ctx: Ctx) -> None:
    undo = d.status.undo
    if undo is not None and ctx.candidate != undo.from_revision:
        d.set(undo=None)


def _first_deploy(d: Draft, ctx: Ctx) -> None:
    if d.status.candidate_revision == ctx.candidate:
        return
    d.set(
        candidate_revision=ctx.candidate,
        progress_started_at=ctx.now,
        plan_hash=ctx.plan.digest,
        step_count=len(ctx.plan.steps),
    )
    d.emit(
        "RolloutStarted",
        f"first revision {ctx.candidate}: deployed as the stable without steps "
        "(there is no stable to compare it with)",
    )


def _candidate_is_stable(d: Draft, ctx: Ctx, stable: str) -> None:
    previous = d.status.candidate_revision
    if previous == stable:
        return
    settle(d, ctx)
    if previous is not None:
        d.emit(
            "RolloutRolledBack",
            f"the workload runs the stable revision {stable} again (candidate {previous} "
            "dropped): traffic stays on stable",
        )


def _new_candidate(d: Draft, ctx: Ctx, stable: str) -> None:
    previous = d.status.candidate_revision
    in_flight = previous not in (None, stable)
    at_step = d.index
    start_attempt(d, ctx, attempt=1)
    if in_flight:
        d.emit(
            "RolloutRestarted",
            f"new revision {ctx.candidate} supersedes {previous} at step {at_step}: "
            "restarting from step 0 with weights reset",
        )
    else:
        d.emit(
            "RolloutStarted",
            f"rolling out revision {ctx.candidate} over stable {stable} "
            f"({_steps(len(ctx.plan.steps))})",
        )


def _plan_changed(d: Draft, ctx: Ctx) -> None:
    if d.status.plan_hash is None or d.status.abort:
        # NB: an aborted attempt stays aborted until a retry or a new revision.
        d.set(plan_hash=ctx.plan.digest, step_count=len(ctx.plan.steps))
        return
    at_step = d.index
    start_attempt(d, ctx, attempt=d.attempt + 1)
    d.emit(
        "RolloutRestarted",
        f"the plan changed at step {at_step}: restarting from step 0 with weights reset "
        "(earlier verdicts judged the old plan)",
    )


def _steps(count: int) -> str:
    return f"{count} step" if count == 1 else f"{count} steps"
