"""NGINX Ingress: the canary Ingress is the controller's own object; the stable one is read only.

The canary Ingress (``<rollout>-<stableIngress>-canary``) is rendered by
``strategies.routers.nginx_ingress`` from the user's stable Ingress and the
engine's traffic state, owned by the Rollout (deleting the Rollout deletes
it), written by server-side apply with field manager ``rollout-engine``
(every field of it is ours), and deleted when no rollout is in progress.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rollout_engine.api.rollout import Rollout
from rollout_engine.controller.ownership import our_labels
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import NotFound, SpecError
from rollout_engine.kube import Objects, kind
from strategies import RouterReport, SubsetTarget, TrafficState
from strategies.routers.nginx_ingress import (
    LAST_APPLIED,
    ROUTES_ANNOTATION,
    NginxTargets,
    canary_ingress_name,
    read_canary_ingress,
    render_canary_ingress,
)

__all__ = ["NginxRouter"]

INGRESS = kind("Ingress")
Obj = dict[str, Any]


class NginxRouter:
    """Creates, updates and deletes the canary Ingress of one Rollout."""

    def __init__(self, *, objects: Objects, writer: Writer, owner: dict[str, object]) -> None:
        self._objects, self._writer, self._owner = objects, writer, owner
        self._seen: tuple[Obj, Obj | None] | None = None  # NB: observe's reads, for apply

    def observe(self, *, rollout: Rollout) -> RouterReport:
        """The weight and routes the canary Ingress implements (none: 0 %)."""
        targets = NginxTargets.for_rollout(rollout)
        stable = self._stable(rollout, targets)
        render_canary_ingress(stable, targets=targets, traffic=TrafficState(0, in_progress=True))
        canary = self._canary(rollout, targets)
        self._seen = (stable, canary)
        return read_canary_ingress(canary, prefix=targets.routing.annotation_prefix)

    def apply(
        self, *, rollout: Rollout, desired: TrafficState, subsets: Sequence[SubsetTarget]
    ) -> bool:
        """Apply the rendered canary Ingress, or delete it when none should exist."""
        targets = NginxTargets.for_rollout(rollout)
        seen, self._seen = self._seen, None
        stable, current = seen or (self._stable(rollout, targets), self._canary(rollout, targets))
        body = render_canary_ingress(stable, targets=targets, traffic=desired)
        if body is None:
            return self._delete(current)
        meta = body["metadata"]
        meta["namespace"] = _ns(rollout)
        meta["labels"] = {**(meta.get("labels") or {}), **our_labels(rollout.metadata.name)}
        meta["ownerReferences"] = [self._owner]
        if current is not None and not _differs(current, body, targets.routing.annotation_prefix):
            return False
        self._writer.apply(INGRESS, body)
        return True

    def finalize(self, *, rollout: Rollout) -> None:
        """Delete the canary Ingress."""
        self._delete(self._canary(rollout, NginxTargets.for_rollout(rollout)))

    def _delete(self, current: Obj | None) -> bool:
        if current is None:
            return False
        meta = current["metadata"]
        try:
            self._writer.delete(INGRESS, name=meta["name"], namespace=meta.get("namespace"))
        except NotFound:
            return False
        return True

    def _stable(self, rollout: Rollout, targets: NginxTargets) -> Obj:
        name = targets.routing.stable_ingress
        try:
            return self._objects.get(INGRESS, name=name, namespace=_ns(rollout))
        except NotFound:
            where = "canary" if rollout.spec.strategy.canary is not None else "abTest"
            raise SpecError(
                f"Ingress {_ns(rollout)}/{name} not found",
                path=f"spec.strategy.{where}.trafficRouting.nginx.stableIngress",
            ) from None

    def _canary(self, rollout: Rollout, targets: NginxTargets) -> Obj | None:
        name = canary_ingress_name(rollout.metadata.name, targets.routing.stable_ingress)
        try:
            return self._objects.get(INGRESS, name=name, namespace=_ns(rollout))
        except NotFound:
            return None


def _differs(current: Obj, desired: Obj, prefix: str) -> bool:
    """Whether applying `desired` would change `current` (server defaults are ignored)."""
    have, want = current.get("metadata") or {}, desired["metadata"]
    annotations = have.get("annotations") or {}
    engine_keys = {k for k in annotations if k.startswith(f"{prefix}/canary")}
    engine_keys |= {ROUTES_ANNOTATION} & annotations.keys()
    if engine_keys - want["annotations"].keys() or LAST_APPLIED in want["annotations"]:
        return True
    if any(annotations.get(k) != v for k, v in want["annotations"].items()):
        return True
    labels = have.get("labels") or {}
    if any(labels.get(k) != v for k, v in want["labels"].items()):
        return True
    owners = have.get("ownerReferences") or []
    if not any(o.get("uid") == want["ownerReferences"][0]["uid"] for o in owners):
        return True
    return not _contains(current.get("spec") or {}, desired["spec"])


def _contains(have: Any, want: Any) -> bool:
    """`want` is `have` with server defaults possibly missing."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(_contains(have.get(k), v) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(have) == len(want)
            and all(_contains(h, w) for h, w in zip(have, want, strict=True))
        )
    return bool(have == want)


def _ns(rollout: Rollout) -> str:
    return rollout.metadata.namespace or "default"
