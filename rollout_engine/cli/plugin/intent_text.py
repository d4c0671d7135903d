"""What an intent command prints: what was asked, where, and what happens next."""

from __future__ import annotations

from collections.abc import Callable

from rollout_engine.api.status import Intent
from rollout_engine.cli.plugin.request import Outcome
from rollout_engine.cli.plugin.views import IntentResult, IntentView
from rollout_engine.errors import SpecError
from strategies import build_plan
from strategies.transitions import step_label

__all__ = ["describe", "intent_result"]


def _intent_view(intent: Intent, *, applied: bool) -> IntentView:
    return IntentView(
        action=intent.action,
        id=intent.id,
        requested_by=intent.requested_by,
        requested_at=intent.requested_at,
        step=intent.step,
        revision=intent.revision,
        to_revision=intent.to_revision,
        applied=applied,
    )


def intent_result(outcome: Outcome) -> IntentResult:
    """The ``-o json|yaml`` shape of a written (or already pending) intent."""
    assert outcome.intent is not None and outcome.result != "refused"
    meta = outcome.read.rollout.metadata
    return IntentResult(
        rollout=meta.name,
        namespace=meta.namespace or "",
        result=outcome.result,
        intent=_intent_view(outcome.intent, applied=False),
        replaced=_intent_view(outcome.replaced, applied=False) if outcome.replaced else None,
    )


def _where(outcome: Outcome, index: int | None) -> str:
    try:
        plan = build_plan(outcome.read.rollout)
    except SpecError:
        return f"step {index}"
    return f"step {index} ({step_label(plan.step(index))})"


def _promote(outcome: Outcome, intent: Intent) -> str:
    index, count = intent.step, outcome.read.status.step_count
    if index is not None and count is not None and index >= count:
        return "promote requested at the promotion: it goes on without the background verdict"
    return f"promote requested: {_where(outcome, index)} → {_where(outcome, (index or 0) + 1)}"


def _undo(outcome: Outcome, intent: Intent) -> str:
    if intent.to_revision is not None:
        return f"undo requested: the workload goes back to revision number {intent.to_revision}"
    status = outcome.read.status
    steady = status.candidate_revision == status.stable_revision
    target = status.previous_stable_revision if steady else status.stable_revision
    return f"undo requested: the workload goes back to revision {target}"


_WHAT: dict[str, Callable[[Outcome, Intent], str]] = {
    "promote": _promote,
    "promote-full": lambda o, i: (
        "full promotion requested: the remaining steps and analyses are skipped"
    ),
    "abort": lambda o, i: (
        f"abort requested: traffic goes back to the stable {o.read.status.stable_revision}"
    ),
    "retry": lambda o, i: f"retry requested: revision {i.revision} starts again from step 0",
    "pause": lambda o, i: f"pause requested at {_where(o, i.step)}",
    "resume": lambda o, i: f"resume requested at {_where(o, i.step)}",
    "undo": _undo,
}


def describe(outcome: Outcome) -> str:
    """The human message for a written or already pending intent."""
    intent = outcome.intent
    assert intent is not None
    meta = outcome.read.rollout.metadata
    head = f"rollout {meta.namespace}/{meta.name}: "
    if outcome.result == "already-requested":
        who = f" by {intent.requested_by}" if intent.requested_by else ""
        return (
            f"{head}{intent.action} already requested{who} (intent {intent.id}), "
            "not applied yet; nothing written"
        )
    lines = [head + _WHAT[intent.action](outcome, intent)]
    if outcome.replaced is not None:
        lines.append(
            f"  replaces the pending {outcome.replaced.action} (intent {outcome.replaced.id})"
        )
    lines.append(
        f"  intent {intent.id}; the controller applies it at its next reconcile "
        f"(follow it: kubectl rollout-engine get {meta.name} -w)"
    )
    return "\n".join(lines)
