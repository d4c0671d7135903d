"""Which intents apply to a rollout now: the engine's own rules, checked before writing.

The controller consumes ``status.intent`` in ``strategies.intents`` and
ignores (with a Warning event) one that does not apply. Checking the same
rules here turns a silent ignore into a clear error with exit code 5 while
the person is still at the keyboard. The stage comes from the engine's own
``stage_of``; ``tests/unit/cli/plugin/test_rules_match_engine.py`` feeds
every accepted intent to ``strategies.advance`` and every refused one too,
to keep the two in step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import Intent, IntentAction, RolloutStatus
from rollout_engine.cli.plugin.exits import ExitCode
from strategies import Plan
from strategies.context import stage_of
from strategies.transitions import BLOCKING_PAUSES, step_label

__all__ = ["USER_PAUSE", "Refusal", "check", "pending_intent", "same_request"]

USER_PAUSE = "UserPause"


@dataclass(frozen=True)
class Refusal:
    """Why a request does not apply now, and the exit code that says so."""

    message: str
    code: ExitCode = ExitCode.INVALID_STATE


def pending_intent(status: RolloutStatus) -> Intent | None:
    """The intent written but not yet consumed by the controller, if any."""
    intent = status.intent
    if intent is None or intent.id == status.last_intent_id:
        return None
    return intent


def same_request(a: Intent, b: Intent) -> bool:
    """Two intents that ask for the same thing at the same position."""
    keys = ("action", "step", "revision", "to_revision")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def _state(rollout: Rollout) -> str:
    phase = (rollout.status or RolloutStatus()).phase
    name = rollout.metadata.name
    return f"rollout {name} is {phase}" if phase else f"rollout {name} has no status yet"


def _in_flight(verb: str, rollout: Rollout, plan: Plan) -> Refusal | None:
    status = rollout.status or RolloutStatus()
    stage = stage_of(status, plan)
    name = rollout.metadata.name
    if stage in ("initial", "steady"):
        return Refusal(f"nothing to {verb}: {_state(rollout)} (no rollout in progress)")
    if stage == "aborted":
        if verb == "abort":
            return Refusal(f"nothing to abort: rollout {name} is already aborted")
        return Refusal(
            f"cannot {verb}: rollout {name} is aborted; retry it first "
            f"(kubectl rollout-engine retry {name}) or push a new revision"
        )
    return None


def _promote(rollout: Rollout, plan: Plan) -> Refusal | None:
    refused = _in_flight("promote", rollout, plan)
    if refused is not None:
        return refused
    index = (rollout.status or RolloutStatus()).current_step_index or 0
    step = plan.step(index)
    if step is not None and step.action in ("preview", "switch"):
        return Refusal(
            f"cannot promote: step {index} ({step.action}) of rollout {rollout.metadata.name} "
            "waits for the candidate's pods, not for a person"
        )
    return None


def _retry(rollout: Rollout, plan: Plan) -> Refusal | None:
    if stage_of(rollout.status or RolloutStatus(), plan) == "aborted":
        return None
    phase = (rollout.status or RolloutStatus()).phase
    now = f"it is {phase}" if phase else "it has no status yet"
    return Refusal(f"cannot retry: rollout {rollout.metadata.name} is not aborted ({now})")


def _pause(rollout: Rollout, plan: Plan) -> Refusal | None:
    refused = _in_flight("pause", rollout, plan)
    if refused is not None:
        return refused
    status = rollout.status or RolloutStatus()
    if any(c.reason == USER_PAUSE for c in status.pause_conditions):
        return Refusal(f"cannot pause: rollout {rollout.metadata.name} is already paused")
    return None


def _resume(rollout: Rollout, plan: Plan) -> Refusal | None:
    status = rollout.status or RolloutStatus()
    reasons = {c.reason for c in status.pause_conditions}
    name = rollout.metadata.name
    if USER_PAUSE in reasons:
        return None
    if rollout.spec.paused:
        return Refusal(
            f"cannot resume: rollout {name} is paused by its spec (spec.paused: true); "
            "change it where the Rollout is declared"
        )
    if reasons:
        index = status.current_step_index or 0
        why = "an analysis was inconclusive" if reasons & BLOCKING_PAUSES else "it is at a pause"
        return Refusal(
            f"cannot resume: rollout {name} is not paused by a person; {why} at step {index} "
            f"({step_label(plan.step(index))}): promote passes it, abort rolls back"
        )
    return Refusal(f"cannot resume: rollout {name} is not paused")


def _undo(rollout: Rollout, plan: Plan, to_revision: int | None) -> Refusal | None:
    status = rollout.status or RolloutStatus()
    stage = stage_of(status, plan)
    name = rollout.metadata.name
    if stage == "initial":
        return Refusal(f"nothing to undo: rollout {name} has no earlier revision")
    target = status.previous_stable_revision if stage == "steady" else status.stable_revision
    if target is None and to_revision is None:
        return Refusal(
            f"nothing to undo: no earlier revision of rollout {name} is known; "
            "name one with --to-revision N"
        )
    return None


_CHECKS: dict[str, Callable[[Rollout, Plan], Refusal | None]] = {
    "promote": _promote,
    "promote-full": lambda rollout, plan: _in_flight("promote", rollout, plan),
    "abort": lambda rollout, plan: _in_flight("abort", rollout, plan),
    "retry": _retry,
    "pause": _pause,
    "resume": _resume,
}


def check(
    action: IntentAction, *, rollout: Rollout, plan: Plan, to_revision: int | None = None
) -> Refusal | None:
    """Why `action` does not apply to `rollout` now, or None when it does."""
    if action == "undo":
        return _undo(rollout, plan, to_revision)
    return _CHECKS[action](rollout, plan)
