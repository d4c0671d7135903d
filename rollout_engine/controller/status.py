"""The Rollout's status: composed once per reconcile, written once, through ``/status``.

The engine's next status, with the controller's problems laid over it and
one notification outbox entry per subscription for each transition that
people hear about (``notify.record_event``): the transition and its pending
messages land in the same write, so a crash can neither lose a message nor
send one for a transition that was never stored. The write is a PUT of the
status subresource carrying the resourceVersion the reconcile started from
(another writer in between — the plugin writing an intent, the notification
dispatcher settling a message — makes it a 409, and the whole reconcile
runs again on fresh data). Nothing is written when nothing changed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from rollout_engine.api.analysisrun import AnalysisRun
from rollout_engine.api.base import dump
from rollout_engine.api.status import RolloutStatus
from rollout_engine.controller.conditions import degraded
from rollout_engine.controller.problems import Problem
from rollout_engine.controller.world import World
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import SpecError
from rollout_engine.kube import kind
from rollout_engine.notify import NotifyConfig, build_event, record_event
from strategies import RolloutEvent

__all__ = ["StatusBook", "candidate_image"]

log = logging.getLogger("rollout_engine.controller.status")
ROLLOUT = kind("Rollout")
Obj = dict[str, Any]


def candidate_image(world: World) -> str | None:
    """The first container image of the candidate (shown in notifications)."""
    pod = (((world.candidate or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
    containers = pod.get("containers") or []
    return str(containers[0].get("image")) if containers and containers[0].get("image") else None


class StatusBook:
    """Composes and writes Rollout status."""

    def __init__(self, writer: Writer, *, notify: NotifyConfig) -> None:
        self._writer = writer
        self._notify = notify

    def compose(
        self,
        world: World,
        status: RolloutStatus,
        *,
        events: Sequence[RolloutEvent] = (),
        problems: Sequence[Problem] = (),
        now: datetime,
    ) -> RolloutStatus:
        """`status` with `problems` laid over it and `events` recorded in the outbox."""
        generation = (world.raw.get("metadata") or {}).get("generation")
        if problems:
            status = degraded(
                status, list(problems), stored=world.stored, now=now, generation=generation
            )
        if world.rollout is None:
            return status
        for event in events:
            if event.notification is not None:
                status = self._record(world, status, event, now=now)
        return status

    def write(self, world: World, status: RolloutStatus) -> bool:
        """Write `status` if it differs from what is stored; True when written."""
        if dump(status) == dump(world.stored):
            return False
        meta = {k: v for k, v in (world.raw.get("metadata") or {}).items() if k != "managedFields"}
        body = {**world.raw, "metadata": meta, "status": dump(status)}
        world.raw = self._writer.replace(ROLLOUT, body, status=True)
        world.stored = status
        return True

    def _record(
        self, world: World, status: RolloutStatus, event: RolloutEvent, *, now: datetime
    ) -> RolloutStatus:
        assert world.rollout is not None and event.notification is not None
        rollout = world.rollout.model_copy(update={"status": status})
        run = _run(world.runs.get(event.run)) if event.run else None
        analysis = event.notification.startswith("analysis-")
        try:
            built = build_event(
                rollout,
                event_type=event.notification,
                now=now,
                run=run,
                candidate_image=candidate_image(world),
                reason=None if analysis and run is not None else event.message,
            )
        except SpecError as exc:
            log.warning("no notification for %s: %s", event.reason, exc)
            return status
        return record_event(status, built, rollout=rollout, config=self._notify, now=now)


def _run(obj: Obj | None) -> AnalysisRun | None:
    if obj is None:
        return None
    try:
        return AnalysisRun.model_validate(obj)
    except ValidationError:
        return None
