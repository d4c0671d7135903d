"""Deliver a rollout's due outbox entries: claim, send, settle — exactly once per key.

For each due entry, oldest first:

1. **claim**: re-read the Rollout and write ``nextAttemptAt = now + claim``
   with a compare-and-set on ``metadata.resourceVersion`` (the store's
   ``replace_status``). Losing the write (``Conflict``) means another writer
   got there first; the entry is re-read and skipped if it is claimed.
2. **send**: resolve the subscription's Secret through the caller's resolver,
   build the notifier from the registry, post.
3. **settle**: ``mark_sent`` or ``mark_failed`` (backoff, or give up), re-read
   and written with compare-and-set, retried on conflict and, after a short
   wait, on a transient API error (429, 5xx, no answer): a lost settle is a
   duplicate message once the claim ends (reliability.md T11).

Status is written before the send and after it, never only in memory, so a
new leader sends exactly what is pending. A sender that dies after the POST
and before the settle leaves a claim that expires: that entry is sent again
(the one at-least-once window). After the last attempt the ``on_gave_up``
callback runs (the controller emits a Warning Event) and
``rollout_engine_notifications_failed_total{type}`` is incremented.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from rollout_engine.api.meta import SecretKeySelector
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import OutboxEntry, RolloutStatus
from rollout_engine.errors import (
    Conflict,
    KubeError,
    NotFound,
    NotifyError,
    NotLeader,
    SpecError,
)
from rollout_engine.notify import outbox
from rollout_engine.notify.config import NotifyConfig
from rollout_engine.notify.events import RolloutEvent
from rollout_engine.notify.metrics import NOTIFICATIONS_FAILED, NOTIFICATIONS_SENT
from rollout_engine.notify.notifiers import Notifier, build_notifier
from rollout_engine.notify.redact import REDACTOR, get_logger
from rollout_engine.notify.routing import Target, targets_for

__all__ = [
    "Delivery",
    "DispatchReport",
    "GaveUp",
    "NotifierBuilder",
    "RolloutRef",
    "RolloutStore",
    "SecretResolver",
]

log = get_logger("delivery")
SecretResolver = Callable[[str, SecretKeySelector], str]
"""``(namespace, secretKeyRef) -> value``: the controller reads the Secret (get by name only)."""
_WRITE_TRIES = 5
_TRANSIENT = frozenset({None, 429, 500, 502, 503, 504})


def _retryable(err: KubeError, attempt: int) -> bool:
    """A conflict, or an error the next try may not see (429, 5xx, no answer): wait a little.

    A refusal by the leadership fence is final: a deposed leader must stop.
    """
    if isinstance(err, Conflict):
        return True
    if isinstance(err, NotLeader) or err.status not in _TRANSIENT:
        return False
    time.sleep(0.05 * 2**attempt)  # NB: on the dispatcher's own thread, never a reconcile's
    return True


@dataclass(frozen=True, order=True)
class RolloutRef:
    """Which Rollout: enough to re-read it."""

    namespace: str
    name: str


class RolloutStore(Protocol):
    """Where Rollouts live: the Kubernetes API in the controller, a dict in tests."""

    def get(self, ref: RolloutRef) -> Rollout:
        """The Rollout as stored now (raises ``NotFound``)."""

    def replace_status(self, rollout: Rollout) -> Rollout:
        """Write ``rollout.status`` if its resourceVersion is current, else raise ``Conflict``."""


@dataclass(frozen=True)
class GaveUp:
    """A notification that will not be delivered: what to put in a Warning Event."""

    ref: RolloutRef
    key: str
    event: str
    type: str
    error: str


@dataclass(frozen=True)
class DispatchReport:
    """What one pass over a rollout did, by entry key."""

    sent: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    gave_up: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    next_due: datetime | None = None


NotifierBuilder = Callable[..., Notifier]


class Delivery:
    """One synchronous pass over a rollout's due entries: claim, send, settle."""

    def __init__(
        self,
        *,
        store: RolloutStore,
        resolve_secret: SecretResolver,
        config: NotifyConfig | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_gave_up: Callable[[GaveUp], None] | None = None,
        build: NotifierBuilder = build_notifier,
    ) -> None:
        self._store, self._resolve, self._clock = store, resolve_secret, clock
        self._config = config or NotifyConfig()
        self._on_gave_up, self._build = on_gave_up, build

    def process(self, ref: RolloutRef) -> DispatchReport:
        """Claim, send and settle every due entry of ``ref``, oldest first."""
        try:
            rollout = self._store.get(ref)
        except NotFound:
            return DispatchReport()
        done: dict[str, list[str]] = {"sent": [], "failed": [], "gave_up": [], "skipped": []}
        latest = rollout
        for entry in outbox.pending(rollout.status, now=self._clock()):
            result, latest = self._deliver(ref, entry.key, latest)
            done[result].append(entry.key)
        return DispatchReport(
            **{k: tuple(v) for k, v in done.items()}, next_due=outbox.next_due(latest.status)
        )

    def _deliver(self, ref: RolloutRef, key: str, latest: Rollout) -> tuple[str, Rollout]:
        claimed = self._claim(ref, key)
        if claimed is None:
            return "skipped", latest
        rollout, entry = claimed
        target = {t.id: t for t in targets_for(rollout, self._config)}.get(entry.target or "")
        error = self._send(entry, target)
        return self._settle(ref, entry, error, target.type if target else "unknown")

    def _claim(self, ref: RolloutRef, key: str) -> tuple[Rollout, OutboxEntry] | None:
        for attempt in range(_WRITE_TRIES):
            try:
                rollout = self._store.get(ref)
                status = outbox.claim(
                    rollout.status or RolloutStatus(),
                    key,
                    now=self._clock(),
                    policy=self._config.retry,
                )
                if status is None:
                    return None  # sent, given up, pruned, or claimed by another sender
                stored = self._store.replace_status(rollout.model_copy(update={"status": status}))
            except KubeError as err:
                if _retryable(err, attempt):
                    continue
                log.warning("cannot claim %s in %s/%s: %s", key, ref.namespace, ref.name, err)
                return None
            entry = outbox.find(stored.status, key)
            return (stored, entry) if entry is not None else None
        return None

    def _send(self, entry: OutboxEntry, target: Target | None) -> NotifyError | None:
        """Deliver one entry; the failure as a value (never raised, never holding the URL)."""
        prepared = self._prepare(entry, target)
        if isinstance(prepared, NotifyError):
            return prepared
        event, url, target = prepared
        try:
            self._build(target, url=url, config=self._config).send(event=event)
        except NotifyError as err:
            return err
        except SpecError as err:
            return NotifyError(str(err), permanent=True)
        except Exception as err:  # NB: a notifier bug must not kill the worker
            return NotifyError(
                f"{target.type} webhook for {target.label} failed ({type(err).__name__})"
            )
        return None

    def _prepare(
        self, entry: OutboxEntry, target: Target | None
    ) -> tuple[RolloutEvent, str, Target] | NotifyError:
        """The recorded event and the URL from the Secret, or why they cannot be had."""
        if target is None:
            return NotifyError(f"subscription {entry.target} was removed", permanent=True)
        label = f"{target.type} webhook for {target.label}"
        try:
            event = RolloutEvent.model_validate_json(entry.payload or "")
        except ValueError:
            return NotifyError(f"{label}: the recorded event is unreadable", permanent=True)
        try:
            url = self._resolve(target.secret_namespace, target.secret).strip()
        except Exception as err:  # NB: the resolver is the caller's; only its type is echoed
            ref = f"{target.secret_namespace}/{target.secret.name} key {target.secret.key}"
            return NotifyError(f"{label}: cannot read Secret {ref} ({type(err).__name__})")
        REDACTOR.add(url)
        return event, url, target

    def _settle(
        self, ref: RolloutRef, entry: OutboxEntry, error: NotifyError | None, kind: str
    ) -> tuple[str, Rollout]:
        """Record the outcome (compare-and-set, retried on conflict), then report it."""
        message = REDACTOR.scrub(str(error)) if error is not None else ""
        stored: Rollout | None = None
        for attempt in range(_WRITE_TRIES):
            try:
                rollout = self._store.get(ref)
                status = rollout.status or RolloutStatus()
                new = self._outcome(status, entry.key, error, message)
                if new is status:
                    stored = rollout  # already settled (or pruned) by someone else
                else:
                    stored = self._store.replace_status(rollout.model_copy(update={"status": new}))
                break
            except KubeError as err:
                if _retryable(err, attempt):
                    continue
                log.warning("cannot record the outcome of %s: %s", entry.key, err)
                break
        if stored is None:
            # NB: the at-least-once window: delivered but not marked; sent again after the claim.
            log.warning("outcome of %s not recorded; it is retried when its claim ends", entry.key)
            return ("sent" if error is None else "failed"), self._store.get(ref)
        final = outbox.find(stored.status, entry.key)
        return self._report(ref, final or entry, error, kind, message), stored

    def _outcome(
        self, status: RolloutStatus, key: str, error: NotifyError | None, message: str
    ) -> RolloutStatus:
        if error is None:
            return outbox.mark_sent(status, key)
        return outbox.mark_failed(
            status,
            key,
            error=message,
            now=self._clock(),
            policy=self._config.retry,
            permanent=error.permanent,
            retry_after=error.retry_after,
        )

    def _report(
        self,
        ref: RolloutRef,
        entry: OutboxEntry,
        error: NotifyError | None,
        kind: str,
        message: str,
    ) -> str:
        where = f"{ref.namespace}/{ref.name}"
        if error is None:
            NOTIFICATIONS_SENT.labels(type=kind).inc()
            log.info("sent %s to %s for %s", entry.event, entry.target, where)
            return "sent"
        if not entry.gave_up:
            log.info("%s for %s failed, will retry: %s", entry.event, where, message)
            return "failed"
        NOTIFICATIONS_FAILED.labels(type=kind).inc()
        log.warning("gave up on %s for %s: %s", entry.event, where, message)
        if self._on_gave_up is not None:
            try:
                self._on_gave_up(GaveUp(ref, entry.key, entry.event, kind, message))
            except Exception:
                log.exception("the gave-up callback failed")
        return "gave_up"
