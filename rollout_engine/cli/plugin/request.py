"""Write an intent into the Rollout's status, guarded by the version the person looked at.

What goes over the wire is one merge patch on the **status subresource**
(never the spec, so the copy in Git does not drift)::

    PATCH /apis/rollout-engine.io/v1alpha1/namespaces/NS/rollouts/NAME/status
    Content-Type: application/merge-patch+json
    {"metadata": {"resourceVersion": "<the version read>"},
     "status": {"intent": {"action": …, "id": …, "requestedAt": …, "requestedBy": …,
                           "step": …, "revision": …, "toRevision": …}}}

Every key of ``intent`` is sent, unused ones as null: a merge patch merges
objects, so a key left out would keep the previous intent's value (an old
``toRevision`` under a new ``undo``). The resourceVersion makes the write
optimistic: if the controller wrote status in between, the server answers
409; the plugin then re-reads, checks the rules again and that the rollout
is still at the step and revision the person saw, and writes once more.
``step`` and ``revision`` are what the engine uses to apply an intent at most
once where it was meant (``strategies.intents``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rollout_engine.api.base import dump
from rollout_engine.api.status import Intent, IntentAction, RolloutStatus
from rollout_engine.cli.plugin.exits import ExitCode
from rollout_engine.cli.plugin.fetch import ROLLOUT, Read, read_rollout
from rollout_engine.cli.plugin.rules import Refusal, check, pending_intent, same_request
from rollout_engine.cli.plugin.session import Session
from rollout_engine.errors import Conflict
from strategies import build_plan

__all__ = ["Outcome", "intent_patch", "new_id", "new_intent", "request_intent"]

new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:20]  # noqa: E731
"""A fresh intent id (random; the README demo fixes it to print the same every run)."""

_INTENT_KEYS = ("action", "id", "requestedAt", "requestedBy", "step", "revision", "toRevision")


@dataclass(frozen=True)
class Outcome:
    """What happened: the intent written (or already pending), or why nothing was."""

    result: Literal["written", "already-requested", "refused"]
    read: Read
    intent: Intent | None = None
    refusal: Refusal | None = None
    replaced: Intent | None = None


def intent_patch(intent: Intent, *, resource_version: str) -> dict[str, Any]:
    """The merge patch body: the whole intent (nulls included), guarded by `resource_version`."""
    body = dump(intent)
    return {
        "metadata": {"resourceVersion": resource_version},
        "status": {"intent": {key: body.get(key) for key in _INTENT_KEYS}},
    }


def new_intent(
    status: RolloutStatus,
    *,
    action: IntentAction,
    now: datetime,
    user: str | None,
    to_revision: int | None = None,
) -> Intent:
    """A fresh intent aimed at the step and candidate revision the person saw in `status`."""
    return Intent(
        action=action,
        id=new_id(),
        requested_at=now,
        requested_by=user,
        step=status.current_step_index,
        revision=status.candidate_revision,
        to_revision=to_revision,
    )


def request_intent(
    session: Session,
    *,
    name: str,
    action: IntentAction,
    now: datetime,
    to_revision: int | None = None,
) -> Outcome:
    """Read the Rollout, check that `action` applies, and write the intent (retry once on 409)."""
    read = read_rollout(session, name)
    decided = _decide(read, action=action, to_revision=to_revision, seen=None)
    if isinstance(decided, Outcome):
        return decided
    intent = new_intent(
        read.status, action=action, now=now, user=session.user, to_revision=to_revision
    )
    try:
        _write(session, read, intent)
    except Conflict:
        read = read_rollout(session, name)  # NB: someone (the controller) wrote in between
        again = _decide(read, action=action, to_revision=to_revision, seen=intent)
        if isinstance(again, Outcome):
            return again
        _write(session, read, intent)  # a second Conflict propagates: exit code 6
    return Outcome("written", read, intent=intent, replaced=decided)


def _write(session: Session, read: Read, intent: Intent) -> None:
    session.objects.patch(
        ROLLOUT,
        name=read.rollout.metadata.name,
        namespace=read.rollout.metadata.namespace,
        patch=intent_patch(intent, resource_version=read.resource_version),
        patch_type="merge",
        status=True,
    )


def _decide(
    read: Read, *, action: IntentAction, to_revision: int | None, seen: Intent | None
) -> Outcome | Intent | None:
    """An Outcome when nothing is to be written; else the pending intent it replaces (or None)."""
    status = read.status
    if seen is not None and (status.current_step_index, status.candidate_revision) != (
        seen.step,
        seen.revision,
    ):
        moved = Refusal(
            f"rollout {read.rollout.metadata.name} moved on while the {action} was being written "
            f"(step {seen.step} → {status.current_step_index}, revision {seen.revision} → "
            f"{status.candidate_revision}); nothing was written: look again and decide",
            ExitCode.CONFLICT,
        )
        return Outcome("refused", read, refusal=moved)
    refusal = check(
        action, rollout=read.rollout, plan=build_plan(read.rollout), to_revision=to_revision
    )
    if refusal is not None:
        return Outcome("refused", read, refusal=refusal)
    return _against_pending(read, action=action, to_revision=to_revision)


def _against_pending(
    read: Read, *, action: IntentAction, to_revision: int | None
) -> Outcome | Intent | None:
    """An intent not yet consumed: the same request is a no-op; only abort replaces another."""
    status = read.status
    pending = pending_intent(status)
    if pending is None:
        return None
    wanted = pending.model_copy(
        update={
            "action": action,
            "step": status.current_step_index,
            "revision": status.candidate_revision,
            "to_revision": to_revision,
        }
    )
    if same_request(pending, wanted):
        return Outcome("already-requested", read, intent=pending)
    if action == "abort":
        return pending  # NB: an abort may replace anything not yet applied
    who = f" by {pending.requested_by}" if pending.requested_by else ""
    message = (
        f"cannot {action}: a {pending.action}{who} (intent {pending.id}) is not applied by the "
        f"controller yet; wait for it (kubectl rollout-engine get {read.rollout.metadata.name}), "
        "or abort"
    )
    return Outcome("refused", read, refusal=Refusal(message))
