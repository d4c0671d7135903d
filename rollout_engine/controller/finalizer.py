"""Deleting a Rollout never deletes the application: a finalizer hands it back first.

At steady state the Rollout's ``<name>-primary`` Deployment serves every
request and the user's Deployment has 0 replicas; both ``<name>-primary`` and
the default Services are owned by the Rollout. Deleting the Rollout would let
the garbage collector remove all of them at once: every pod gone, the
VirtualService or Ingress pointing at Services that no longer exist.

So the controller puts ``rollout-engine.io/finalizer`` on every Rollout it
acts on (before its first write to the world), and when a Rollout is being
deleted it runs these steps, one per reconcile, each idempotent:

1. scale the user's Deployment back to the service's size (and drop the
   annotation recording what the controller wrote);
2. wait until that many of its pods are ready;
3. point every Service of the Rollout at the Deployment's own pods, and
   *orphan* the Services the controller created (remove its owner
   reference): the routes that name them keep working;
4. ``TrafficRouter.finalize``: all traffic to the stable host (Istio), the
   canary Ingress deleted (NGINX);
5. remove the finalizer; the garbage collector then removes
   ``<name>-primary``, the AnalysisRuns and what else the Rollout owned.

A Rollout that cannot be handed back (its Deployment is gone, its spec is
unreadable) is released at once: there is nothing left to protect. Until
step 5 the Rollout exists with a ``deletionTimestamp`` and says in its
status what it waits for; ``kubectl patch rollout NAME --type=json -p
'[{"op":"remove","path":"/metadata/finalizers"}]'`` skips the hand-back
(README, "Deleting a Rollout").
"""

from __future__ import annotations

import logging
from typing import Any

from rollout_engine.controller.ownership import FINALIZER, SCALED_REPLICAS
from rollout_engine.controller.routers import TrafficRouter
from rollout_engine.controller.workload import ready_of, replicas_of, service_size
from rollout_engine.controller.world import World
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import NotFound
from rollout_engine.kube import kind

__all__ = ["Finalizer", "deleting"]

log = logging.getLogger("rollout_engine.controller.finalizer")
ROLLOUT, DEPLOYMENT, SERVICE = kind("Rollout"), kind("Deployment"), kind("Service")
Obj = dict[str, Any]


def deleting(raw: Obj) -> bool:
    """The Rollout has a deletionTimestamp."""
    return bool((raw.get("metadata") or {}).get("deletionTimestamp"))


def _finalizers(raw: Obj) -> list[str]:
    return list((raw.get("metadata") or {}).get("finalizers") or [])


class Finalizer:
    """Adds the finalizer, and runs the hand-back when the Rollout is deleted."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer

    def ensure(self, world: World) -> bool:
        """Put the finalizer on the Rollout (before the controller changes anything)."""
        if FINALIZER in _finalizers(world.raw) or deleting(world.raw):
            return False
        world.raw = self._set(world.raw, [*_finalizers(world.raw), FINALIZER])
        return True

    def finalize(self, world: World, router: TrafficRouter | None) -> str | None:
        """One step of the hand-back: what it waits for now, None once the finalizer is gone."""
        if FINALIZER not in _finalizers(world.raw):
            return None
        candidate = world.candidate
        if world.rollout is None or candidate is None:
            self._release(world, why="nothing to hand back")
            return None
        size = service_size(candidate, world.primary)
        if replicas_of(candidate) < size or _scaled_annotation(candidate):
            world.candidate = self._scale(candidate, size)
            return f"scaling Deployment {candidate['metadata']['name']} back to {size} pods"
        ready = ready_of(candidate)
        if ready is None or ready < size:
            return (
                f"waiting for Deployment {candidate['metadata']['name']} to have {size} ready "
                f"pods ({ready or 0} now) before the stable is removed"
            )
        self._hand_over_services(world)
        if router is not None:
            router.finalize(rollout=world.rollout)
        self._release(world, why="handed back")
        return None

    def _scale(self, candidate: Obj, size: int) -> Obj:
        meta = candidate["metadata"]
        patch = {
            "metadata": {
                "resourceVersion": meta["resourceVersion"],
                "annotations": {SCALED_REPLICAS: None},
            },
            "spec": {"replicas": max(size, replicas_of(candidate))},
        }
        return self._writer.patch(
            DEPLOYMENT, name=meta["name"], namespace=meta["namespace"], patch=patch
        )

    def _hand_over_services(self, world: World) -> None:
        """Each Service selects the Deployment's own pods; ours lose their owner (orphaned)."""
        for name, service in world.services.items():
            if service is None:
                continue
            meta = service["metadata"]
            owners = meta.get("ownerReferences") or []
            kept = [
                o for o in owners if o.get("uid") != (world.raw.get("metadata") or {}).get("uid")
            ]
            selector = (service.get("spec") or {}).get("selector") or {}
            if selector == world.selector and kept == owners:
                continue
            wanted: dict[str, str | None] = {k: None for k in selector if k not in world.selector}
            wanted.update(world.selector)
            patch: Obj = {
                "metadata": {"resourceVersion": meta["resourceVersion"]},
                "spec": {"selector": wanted},
            }
            if kept != owners:
                patch["metadata"]["ownerReferences"] = kept
            world.services[name] = self._writer.patch(
                SERVICE, name=name, namespace=world.namespace, patch=patch
            )

    def _release(self, world: World, *, why: str) -> None:
        rest = [f for f in _finalizers(world.raw) if f != FINALIZER]
        try:
            world.raw = self._set(world.raw, rest)
        except NotFound:
            return
        log.info(
            "finalizer removed: %s", why, extra={"rollout": f"{world.namespace}/{world.key.name}"}
        )

    def _set(self, raw: Obj, finalizers: list[str]) -> Obj:
        meta = raw["metadata"]
        patch = {"metadata": {"finalizers": finalizers, "resourceVersion": meta["resourceVersion"]}}
        return self._writer.patch(
            ROLLOUT, name=meta["name"], namespace=meta.get("namespace"), patch=patch
        )


def _scaled_annotation(candidate: Obj) -> bool:
    return SCALED_REPLICAS in ((candidate.get("metadata") or {}).get("annotations") or {})
