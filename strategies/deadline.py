"""The progress deadline, owned by the engine.

``progressDeadlineSeconds`` counts from the moment the rollout started
waiting on the world (capacity, the router, the stable catching up): a
pause, an analysis or a person is not a stall. When it passes, the rollout
is Degraded with the reason it is stuck (reliability.md S2: a never-ready
candidate must not hang silently), and aborted if
``progressDeadlineAbort`` is set.
"""

from __future__ import annotations

from rollout_engine.api.status import RolloutStatus
from strategies.context import Ctx, Draft, Wait, stage_of
from strategies.transitions import abort

__all__ = ["DEADLINE_REASON", "check_deadline", "deadline_exceeded_in"]

DEADLINE_REASON = "ProgressDeadlineExceeded"


def deadline_exceeded_in(status: RolloutStatus) -> bool:
    """`status` already reports the deadline as exceeded."""
    return any(
        c.type == "Degraded" and c.status == "True" and c.reason == DEADLINE_REASON
        for c in status.conditions
    )


def check_deadline(d: Draft, ctx: Ctx, wait: Wait, *, previous: RolloutStatus) -> bool:
    """Track the stall clock; True once the deadline has passed."""
    if wait.kind != "world":
        if d.status.stalled_since is not None:
            d.set(stalled_since=None)
        return False
    since = d.status.stalled_since
    if since is None:
        d.set(stalled_since=ctx.now)
        since = ctx.now
    if ctx.now - since < ctx.deadline:
        return False
    seconds = ctx.rollout.spec.progress_deadline_seconds
    if not deadline_exceeded_in(previous):
        d.emit(DEADLINE_REASON, f"no progress for {seconds}s: {wait.reason}", step=d.index)
    stage = stage_of(d.status, ctx.plan)
    if ctx.rollout.spec.progress_deadline_abort and stage in ("stepping", "promoting"):
        abort(d, ctx, reason=f"progress deadline of {seconds}s exceeded: {wait.reason}")
    return True
