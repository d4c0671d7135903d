"""Kubernetes Events (core ``v1``) for every transition and verdict, de-duplicated with a count.

As client-go's recorder does: the first occurrence of (object, type, reason,
message) creates an Event named ``<object>.<unique suffix>``; a repeat patches
that Event's ``count`` and ``lastTimestamp`` instead of creating another.
The correlation cache is in memory and bounded (a restarted controller starts
new Events, as client-go does), so the recorder needs ``create`` and
``patch`` on events and never reads them.

Events are best effort: a failed write is logged and never fails the
reconcile that reported it. Messages are the engine's and the controller's
own sentences, which carry no secret values.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Literal

from rollout_engine.controller.clock import Clock
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import KubeError, NotFound
from rollout_engine.kube import kind

__all__ = ["COMPONENT", "EventRecorder"]

log = logging.getLogger("rollout_engine.controller.events")
COMPONENT = "rollout-engine"
EVENT = kind("Event")
_MAX_MESSAGE = 1024
_CACHE = 4096
EventType = Literal["Normal", "Warning"]


class EventRecorder:
    """Writes Events about objects the controller handles."""

    def __init__(self, writer: Writer, *, clock: Clock, instance: str = COMPONENT) -> None:
        self._writer = writer
        self._clock = clock
        self._instance = instance
        self._lock = threading.Lock()
        self._seen: OrderedDict[tuple[str, ...], tuple[str, int]] = OrderedDict()

    def emit(self, involved: dict[str, Any], *, type: EventType, reason: str, message: str) -> None:
        """Record one occurrence of `reason` on `involved` (an object as read from the API)."""
        meta = involved.get("metadata") or {}
        namespace = str(meta.get("namespace") or "default")
        text = message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"
        key = (
            namespace,
            str(involved.get("kind")),
            str(meta.get("name")),
            str(meta.get("uid")),
            type,
            reason,
            text,
        )
        with self._lock:
            seen = self._seen.get(key)
        try:
            if seen is not None and self._repeat(namespace, *seen):
                self._remember(key, seen[0], seen[1] + 1)
                return
            name = self._create(involved, namespace=namespace, type=type, reason=reason, text=text)
            self._remember(key, name, 1)
        except KubeError as exc:
            log.warning(
                "event %s on %s/%s not recorded: %s", reason, namespace, meta.get("name"), exc
            )

    def _remember(self, key: tuple[str, ...], name: str, count: int) -> None:
        with self._lock:
            self._seen[key] = (name, count)
            self._seen.move_to_end(key)
            while len(self._seen) > _CACHE:
                self._seen.popitem(last=False)

    def _repeat(self, namespace: str, name: str, count: int) -> bool:
        """Bump the count of an existing Event; False when it is gone (expired)."""
        patch = {"count": count + 1, "lastTimestamp": self._stamp()}
        try:
            self._writer.patch(EVENT, name=name, namespace=namespace, patch=patch)
        except NotFound:
            return False
        return True

    def _create(
        self, involved: dict[str, Any], *, namespace: str, type: str, reason: str, text: str
    ) -> str:
        meta = involved.get("metadata") or {}
        name = f"{meta.get('name')}.{time.time_ns():x}"
        now = self._stamp()
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": {
                "apiVersion": involved.get("apiVersion"),
                "kind": involved.get("kind"),
                "name": meta.get("name"),
                "namespace": namespace,
                "uid": meta.get("uid"),
            },
            "type": type,
            "reason": reason,
            "message": text,
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "reportingInstance": self._instance,
        }
        self._writer.create(EVENT, body)
        return name

    def _stamp(self) -> str:
        return self._clock().strftime("%Y-%m-%dT%H:%M:%SZ")
