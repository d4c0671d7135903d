"""The notification outbox in Rollout status: record first, send, then mark sent. Pure.

Exactly once per (rollout uid, revision, step, event[, run]) and subscription:

- ``record`` adds one pending entry per routed target in the *same* status
  write as the transition it reports; an existing key is never added twice,
  so re-deriving the event after a crash or a conflict cannot duplicate it.
- a sender ``claim``s an entry (``nextAttemptAt`` = now + lease) with a
  compare-and-set status write *before* sending; of two replicas only one
  wins the write, the other sees the claim and skips the entry.
- ``mark_sent`` / ``mark_failed`` settle it after the send (bounded attempts,
  exponential backoff that honours Retry-After); settled entries drop their
  payload, and ``record`` prunes settled entries of other revisions and the
  oldest beyond a cap. Pending entries are never pruned: each one settles
  (sent or given up) within the retry policy's bounded time.

The window that stays at-least-once: a sender that dies after Slack accepted
the message but before ``mark_sent`` is written. The claim expires and the
next sender sends again. Nothing else sends twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import OutboxEntry, RolloutStatus
from rollout_engine.notify.config import NotifyConfig, RetryPolicy
from rollout_engine.notify.events import RolloutEvent
from rollout_engine.notify.routing import route, targets_for

__all__ = [
    "claim",
    "entry_key",
    "event_key",
    "find",
    "has_pending",
    "mark_failed",
    "mark_sent",
    "next_due",
    "pending",
    "prune",
    "record",
    "record_event",
    "revision_prefix",
]

_ERROR_MAX = 300


def revision_prefix(uid: str, revision: str) -> str:
    """The key prefix shared by every entry of one candidate revision."""
    return f"{uid}/{revision}/"


def event_key(event: RolloutEvent) -> str:
    """``uid/revision/step/event[/run]``: one message per run verdict per step."""
    step = "-" if event.step_index is None else str(event.step_index)
    tail = f"/{event.run}" if event.run else ""
    return f"{revision_prefix(event.uid, event.revision)}{step}/{event.type}{tail}"


def entry_key(event: RolloutEvent, target: str) -> str:
    """The dedup key of one event for one target (a secret-free target id)."""
    return f"{event_key(event)}>{target}"


def record(
    status: RolloutStatus,
    event: RolloutEvent,
    *,
    targets: Sequence[str],
    now: datetime,
    max_entries: int = 100,
) -> RolloutStatus:
    """``status`` with a pending entry per target for ``event``, unless its key exists."""
    known = {entry.key for entry in status.outbox}
    payload = event.model_dump_json(by_alias=True, exclude_none=True)
    new: list[OutboxEntry] = []
    for target in dict.fromkeys(targets):
        key = entry_key(event, target)
        if key not in known:
            new.append(
                OutboxEntry(
                    key=key, event=event.type, recorded_at=now, target=target, payload=payload
                )
            )
    if not new:
        return status
    keep = revision_prefix(event.uid, event.revision)
    return _with(status, prune([*status.outbox, *new], keep_prefix=keep, max_entries=max_entries))


def record_event(
    status: RolloutStatus,
    event: RolloutEvent,
    *,
    rollout: Rollout,
    config: NotifyConfig,
    now: datetime,
) -> RolloutStatus:
    """The controller's one call: route ``event`` to ``rollout``'s subscriptions and record it.

    Call it on the status this reconcile is about to write (the transition and
    its notification land in one write), then ``Dispatcher.submit`` the rollout
    once that write succeeded.
    """
    targets = route(event, targets_for(rollout, config))
    return record(
        status,
        event,
        targets=[t.id for t in targets],
        now=now,
        max_entries=config.outbox_max_entries,
    )


def prune(
    entries: Sequence[OutboxEntry], *, keep_prefix: str, max_entries: int
) -> list[OutboxEntry]:
    """Drop settled entries of other revisions, then the oldest settled beyond ``max_entries``."""
    kept = [e for e in entries if not _settled(e) or e.key.startswith(keep_prefix)]
    excess = len(kept) - max_entries
    if excess > 0:
        settled = sorted((e for e in kept if _settled(e)), key=lambda e: e.recorded_at)
        drop = {id(e) for e in settled[:excess]}
        kept = [e for e in kept if id(e) not in drop]
    return kept


def find(status: RolloutStatus | None, key: str) -> OutboxEntry | None:
    """The entry with ``key``, if any."""
    return next((e for e in (status.outbox if status else []) if e.key == key), None)


def pending(status: RolloutStatus | None, *, now: datetime | None = None) -> list[OutboxEntry]:
    """Unsettled entries, oldest first; with ``now``, only due ones (unclaimed, not backing off)."""
    entries = [e for e in (status.outbox if status else []) if not _settled(e)]
    if now is not None:
        entries = [e for e in entries if e.next_attempt_at is None or e.next_attempt_at <= now]
    return sorted(entries, key=lambda e: e.recorded_at)


def has_pending(status: RolloutStatus | None) -> bool:
    """Whether anything is left to send (the controller submits such rollouts on start)."""
    return bool(pending(status))


def next_due(status: RolloutStatus | None) -> datetime | None:
    """When the earliest unsettled entry becomes due; None when nothing is pending."""
    times = [e.next_attempt_at or e.recorded_at for e in pending(status)]
    return min(times, default=None)


def claim(
    status: RolloutStatus, key: str, *, now: datetime, policy: RetryPolicy
) -> RolloutStatus | None:
    """``status`` with ``key`` claimed until now + ``policy.claim``; None if it is not due."""
    entry = find(status, key)
    if entry is None or _settled(entry):
        return None
    if entry.next_attempt_at is not None and entry.next_attempt_at > now:
        return None
    return _replace(status, entry, next_attempt_at=now + policy.claim)


def mark_sent(status: RolloutStatus, key: str) -> RolloutStatus:
    """``key`` delivered: settled, payload dropped. Idempotent; unknown keys are ignored."""
    entry = find(status, key)
    if entry is None or _settled(entry):
        return status
    return _replace(
        status, entry, sent=True, attempts=entry.attempts + 1, payload=None, next_attempt_at=None
    )


def mark_failed(
    status: RolloutStatus,
    key: str,
    *,
    error: str,
    now: datetime,
    policy: RetryPolicy,
    permanent: bool = False,
    retry_after: float | None = None,
) -> RolloutStatus:
    """One failed attempt: back off, or give up when permanent or out of attempts."""
    entry = find(status, key)
    if entry is None or _settled(entry):
        return status
    attempts = entry.attempts + 1
    message = " ".join(error.split())[:_ERROR_MAX]
    if permanent or attempts >= policy.max_attempts:
        return _replace(
            status,
            entry,
            attempts=attempts,
            last_error=message,
            gave_up=True,
            payload=None,
            next_attempt_at=None,
        )
    due = policy.next_attempt(attempts=attempts, now=now, retry_after=retry_after)
    return _replace(status, entry, attempts=attempts, last_error=message, next_attempt_at=due)


def _settled(entry: OutboxEntry) -> bool:
    return entry.sent or entry.gave_up


def _with(status: RolloutStatus, outbox: list[OutboxEntry]) -> RolloutStatus:
    return status.model_copy(update={"outbox": outbox})


def _replace(status: RolloutStatus, entry: OutboxEntry, **changes: object) -> RolloutStatus:
    updated = entry.model_copy(update=changes)
    return _with(status, [updated if e.key == entry.key else e for e in status.outbox])
