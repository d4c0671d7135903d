"""What people ask for through the plugin (``status.intent``), applied exactly once.

``status.lastIntentId`` records the last intent consumed, so reconciling
again never applies it twice. An intent names the step and revision it was
meant for; a stale one (a second ``promote`` for a step already passed, a
request aimed at an older candidate) is ignored with a Warning event, which
is how a double promote advances at most one step.
"""

from __future__ import annotations

from collections.abc import Callable

from rollout_engine.api.status import Intent, UndoRequest
from strategies.context import Ctx, Draft, stage_of
from strategies.transitions import (
    INCONCLUSIVE,
    USER_PAUSE,
    abort,
    add_pause,
    complete_step,
    enter_step,
    remove_pauses,
    start_attempt,
)
from strategies.verdicts import background_run, start_background

__all__ = ["apply_intent"]

Handler = Callable[[Draft, Ctx, Intent, str], "str | None"]


def apply_intent(d: Draft, ctx: Ctx) -> None:
    """Consume ``status.intent`` if it is new."""
    intent = d.status.intent
    if intent is None or intent.id == d.status.last_intent_id:
        return
    d.set(last_intent_id=intent.id)
    who = f" ({intent.requested_by})" if intent.requested_by else ""
    if intent.revision is not None and intent.revision != ctx.candidate:
        problem: str | None = (
            f"it was meant for revision {intent.revision}; the candidate is {ctx.candidate}"
        )
    else:
        problem = _HANDLERS[intent.action](d, ctx, intent, who)
    if problem is not None:
        d.emit("IntentIgnored", f"{intent.action} (intent {intent.id}){who} ignored: {problem}")


def _in_flight_problem(d: Draft, ctx: Ctx) -> str | None:
    stage = stage_of(d.status, ctx.plan)
    if stage in ("initial", "steady"):
        return "there is no rollout in progress"
    if stage == "aborted":
        return "the rollout is aborted; retry it (or push a new revision) first"
    return None


def _promote(d: Draft, ctx: Ctx, intent: Intent, who: str) -> str | None:
    problem = _in_flight_problem(d, ctx)
    if problem is not None:
        return problem
    if intent.step is not None and intent.step != d.index:
        return f"it was meant for step {intent.step}; the rollout is at step {d.index}"
    step = d.step(ctx.plan)
    if step is not None and step.action in ("preview", "switch"):
        return f"step {d.index} ({step.action}) waits for candidate capacity, not for a person"
    remove_pauses(d, INCONCLUSIVE, USER_PAUSE)
    if step is None:
        d.set(promote_full=True)
        d.emit("IntentApplied", f"promote{who}: promoting without waiting for background analysis")
        return None
    _restart_unsuccessful_background(d, ctx, next_index=d.index + 1)
    if step.analysis is not None:
        how = f"skipped by promote{who}; its run is stopped and not counted as a pass"
    else:
        how = f"passed by promote{who}"
    complete_step(d, ctx, how=how)
    return None


def _restart_unsuccessful_background(d: Draft, ctx: Ctx, *, next_index: int) -> None:
    """Past an Inconclusive background run, judging continues with a fresh run."""
    name = background_run(d.status)
    state = ctx.observed.run(name)
    if state is not None and state.terminal and state.phase != "Successful":
        start_background(d, ctx, suffix=f"bg-{next_index}")


def _promote_full(d: Draft, ctx: Ctx, intent: Intent, who: str) -> str | None:
    problem = _in_flight_problem(d, ctx)
    if problem is not None:
        return problem
    d.set(promote_full=True)
    remove_pauses(d, INCONCLUSIVE, USER_PAUSE, "CanaryPauseStep", "BlueGreenPause")
    d.emit("IntentApplied", f"promote --full{who}: skipping the remaining steps and analyses")
    if stage_of(d.status, ctx.plan) != "stepping":
        return None
    switch = next((s.index for s in ctx.plan.steps if s.action == "switch"), None)
    switched = d.status.blue_green is not None and d.status.blue_green.promoted_at is not None
    if switch is not None and not switched:
        enter_step(d, ctx, index=switch)
    else:
        enter_step(d, ctx, index=len(ctx.plan.steps))
    return None


def _abort(d: Draft, ctx: Ctx, intent: Intent, who: str) -> str | None:
    problem = _in_flight_problem(d, ctx)
    if problem is not None:
        return problem
    abort(d, ctx, reason=f"aborted by a person{who}")
    return None


def _retry(d: Draft, ctx: Ctx, intent: Intent, who: str) -> str | None:
    if stage_of(d.status, ctx.plan) != "aborted":
        return "only an aborted rollout can be retried"
    attempt = d.attempt + 1
    start_attempt(d, ctx, attempt=attempt)
    d.emit("RolloutRetried", f"retry{who}: attempt {attempt} of {ctx.candidate} from step 0")
    return None


def _pause(d: Draft, ctx: Ctx, intent: Intent, who: str) -> str | None:
    problem = _in_flight_problem(d, ctx)
    if problem is not None:
        return problem
    if not add_pause(d, ctx, reason=USER_PAUSE):
        return "already paused"
    d.emit("RolloutPaused", f"paused by a person{who} at step {d.index}", step=d.index)
    return None


def _resume(d: Draft, ctx: Ctx, intent: Intent, who: str) -> str | None:
    if not any(c.reason == USER_PAUSE for c in d.status.pause_conditions):
        return "it is not paused by a person (promote passes a pause step or a verdict)"
    remove_pauses(d, USER_PAUSE)
    d.set(stalled_since=None)
    d.emit("RolloutResumed", f"resumed by a person{who} at step {d.index}", step=d.index)
    return None


def _undo(d: Draft, ctx: Ctx, intent: Intent, who: str) -> str | None:
    stage = stage_of(d.status, ctx.plan)
    if stage == "initial":
        return "there is no earlier revision"
    target = d.status.previous_stable_revision if stage == "steady" else d.status.stable_revision
    if target is None and intent.to_revision is None:
        return "no earlier revision is known"
    if intent.to_revision is not None:
        target = None  # NB: the controller maps revision numbers to templates
    undo = UndoRequest(
        revision=target,
        to_revision=intent.to_revision,
        from_revision=ctx.candidate,
        requested_at=ctx.now,
    )
    d.set(undo=undo)
    goal = target or f"revision number {intent.to_revision}"
    if stage in ("stepping", "promoting"):
        abort(d, ctx, reason=f"undo{who}: the workload goes back to {goal}")
    d.emit("IntentApplied", f"undo{who}: the workload's template goes back to {goal}")
    return None


_HANDLERS: dict[str, Handler] = {
    "promote": _promote,
    "promote-full": _promote_full,
    "abort": _abort,
    "retry": _retry,
    "pause": _pause,
    "resume": _resume,
    "undo": _undo,
}
