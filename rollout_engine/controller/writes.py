"""The single path every API write of the controller takes.

Reconciles, the analysis, Kubernetes Events and the notification outbox all
write through one ``Writer``, so the rules that must hold for *every* write
live in one place:

- ``guard`` runs before each write and may refuse it by raising (part 2: the
  leadership check — a replica that is not the Lease holder writes nothing,
  reliability.md H1/T12);
- ``after`` runs after each write with what was written and how it ended
  (part 2: ``CRASH_AFTER_API_WRITE=n`` exits the process right after the n-th
  write, reliability.md T1);
- each write is counted in ``rollout_engine_api_writes_total``;
- the caches (``cache.Caches``) learn what each write returned, and that a
  409 or 404 made their copy stale.

Reads do not come here: they go to ``Objects`` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rollout_engine.controller.cache import Caches
from rollout_engine.controller.metrics import API_WRITES
from rollout_engine.errors import Conflict, NotFound
from rollout_engine.kube import Kind, Objects
from rollout_engine.kube.objects import PatchType

__all__ = ["WriteRecord", "Writer"]

Obj = dict[str, Any]


@dataclass(frozen=True)
class WriteRecord:
    """One write as the hooks see it: no body (it may hold secrets)."""

    verb: str
    kind: str
    namespace: str | None
    name: str | None
    subresource: str
    ok: bool
    error: str | None = None


def _noop_guard() -> None:
    return None


def _noop_after(record: WriteRecord) -> None:
    return None


class Writer:
    """Mutating API calls, each passed through the guard and the after-hook."""

    def __init__(
        self,
        objects: Objects,
        *,
        guard: Callable[[], None] = _noop_guard,
        after: Callable[[WriteRecord], None] = _noop_after,
    ) -> None:
        self.objects = objects
        self.guard = guard
        self.after = after
        self.caches: Caches | None = None

    def create(self, kind: Kind, body: Obj) -> Obj:
        """POST; Conflict(reason AlreadyExists) when the name is taken."""
        meta = body.get("metadata", {})
        return self._write("create", kind, meta, "", lambda: self.objects.create(kind, body))

    def replace(self, kind: Kind, body: Obj, *, status: bool = False) -> Obj:
        """PUT with the body's resourceVersion (Conflict when stale)."""
        meta = body.get("metadata", {})
        sub = "status" if status else ""
        return self._write(
            "update", kind, meta, sub, lambda: self.objects.replace(kind, body, status=status)
        )

    def patch(
        self,
        kind: Kind,
        *,
        name: str,
        namespace: str | None,
        patch: Obj | list[Obj],
        patch_type: PatchType = "merge",
        status: bool = False,
    ) -> Obj:
        """PATCH (merge, JSON patch or apply) with field manager ``rollout-engine``."""
        meta = {"name": name, "namespace": namespace}
        return self._write(
            "patch",
            kind,
            meta,
            "status" if status else "",
            lambda: self.objects.patch(
                kind,
                name=name,
                namespace=namespace,
                patch=patch,
                patch_type=patch_type,
                status=status,
            ),
        )

    def apply(self, kind: Kind, body: Obj) -> Obj:
        """Server-side apply (force) of the fields in `body`."""
        meta = body.get("metadata", {})
        return self._write("patch", kind, meta, "", lambda: self.objects.apply(kind, body))

    def delete(self, kind: Kind, *, name: str, namespace: str | None) -> None:
        """DELETE (background propagation); NotFound when already gone."""
        meta = {"name": name, "namespace": namespace}

        def call() -> Obj:
            self.objects.delete(kind, name=name, namespace=namespace)
            return {}

        self._write("delete", kind, meta, "", call)

    def _write(self, verb: str, kind: Kind, meta: Obj, sub: str, call: Callable[[], Obj]) -> Obj:
        self.guard()
        record = WriteRecord(verb, kind.kind, meta.get("namespace"), meta.get("name"), sub, ok=True)
        try:
            result = call()
        except Exception as exc:
            outcome = "conflict" if isinstance(exc, Conflict) else "error"
            API_WRITES.labels(verb=verb, kind=kind.kind, outcome=outcome).inc()
            if self.caches is not None and isinstance(exc, Conflict | NotFound):
                self.caches.conflicted(kind.kind, record.namespace, record.name)
            self.after(WriteRecord(**{**vars(record), "ok": False, "error": type(exc).__name__}))
            raise
        API_WRITES.labels(verb=verb, kind=kind.kind, outcome="ok").inc()
        if self.caches is not None:
            if verb == "delete":
                self.caches.deleted(kind.kind, record.namespace, record.name)
            else:
                self.caches.wrote(kind.kind, result)
        self.after(record)
        return result
