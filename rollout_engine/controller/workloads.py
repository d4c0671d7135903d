"""Deployments: the primary (ours) and the workload (the user's), capacity first.

``scale(phase="up")`` runs first in the safe order and only grows: it
creates ``<name>-primary`` on first sight (with the service's size, so the
first deploy skips the steps), rolls it to the candidate's template when the
promotion starts, and scales either Deployment up. ``scale(phase="down")``
runs last and only shrinks. Writes carry the resourceVersion read at the
start of the reconcile (a 409 means the world moved: re-read, recompute).

On the user's Deployment the controller writes ``spec.replicas`` with the
annotation recording what it wrote (``rollout-engine.io/scaled-replicas``),
and — only with DestinationRule subsets — the pod label
``rollout-engine.io/revision`` while the candidate has pods (it is removed
when the candidate scales to 0, so a later template change can never
create pods that the stable subset would select). ``undo`` writes a kept
template back into ``spec.template``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from rollout_engine.controller.ownership import (
    PREVIOUS_REVISION,
    PREVIOUS_TEMPLATE,
    REVISION_LABEL,
    SCALED_REPLICAS,
    our_labels,
    owner_reference,
)
from rollout_engine.controller.workload import (
    PRIMARY_SUFFIX,
    from_primary_template,
    primary_spec,
    primary_template,
    replicas_of,
    revision_of,
    template_of,
)
from rollout_engine.controller.world import World
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import SpecError
from rollout_engine.kube import kind
from strategies import VersionSpec, WorkloadRollback

__all__ = ["Workloads", "primary_revision"]

DEPLOYMENT = kind("Deployment")
Obj = dict[str, Any]
Phase = Literal["up", "down"]
_MAX_KEPT_TEMPLATE = 64 * 1024


def primary_revision(primary: Obj | None) -> str | None:
    """The revision the primary runs (its pod template's revision label)."""
    if primary is None:
        return None
    labels = ((primary.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels")
    return (labels or {}).get(REVISION_LABEL)


class Workloads:
    """Applies the replica and template parts of a desired state."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer

    def primary(self, world: World, spec: VersionSpec, *, phase: Phase) -> bool:
        """Create, roll or scale ``<name>-primary`` toward `spec` (growing or shrinking only)."""
        current = world.primary
        if current is None:
            return phase == "up" and self._create_primary(world, spec)
        if phase == "up" and primary_revision(current) != spec.revision:
            return self._roll_primary(world, current, spec)
        have = replicas_of(current)
        if (phase == "up" and spec.replicas > have) or (phase == "down" and spec.replicas < have):
            meta = current["metadata"]
            patch = {
                "metadata": {"resourceVersion": meta["resourceVersion"]},
                "spec": {"replicas": spec.replicas},
            }
            world.primary = self._writer.patch(
                DEPLOYMENT, name=meta["name"], namespace=meta["namespace"], patch=patch
            )
            return True
        return False

    def candidate(
        self, world: World, replicas: int, *, phase: Phase, size: int, labelled: bool, hold: bool
    ) -> bool:
        """Scale the workload toward `replicas`; `hold` keeps its pods (first deploy)."""
        current = world.candidate
        assert current is not None
        have = replicas_of(current)
        grow = phase == "up" and replicas > have
        shrink = phase == "down" and replicas < have and not hold
        target = replicas if (grow or shrink) else have
        label = _revision_label(current) if labelled else None
        wanted_label = revision_of(template_of(current)) if labelled and target > 0 else None
        relabel = labelled and label != wanted_label and (phase == "up") == (target > 0)
        if not (grow or shrink or relabel):
            return False
        meta = current["metadata"]
        patch: Obj = {
            "metadata": {
                "resourceVersion": meta["resourceVersion"],
                "annotations": {SCALED_REPLICAS: f"{target}/{size}"},
            },
            "spec": {"replicas": target},
        }
        if relabel:
            patch["spec"]["template"] = {"metadata": {"labels": {REVISION_LABEL: wanted_label}}}
        world.candidate = self._writer.patch(
            DEPLOYMENT, name=meta["name"], namespace=meta["namespace"], patch=patch
        )
        return True

    def undo(self, world: World, rollback: WorkloadRollback) -> bool:
        """Write the kept template of ``rollback.revision`` into the workload.

        Raises:
            SpecError: the template of that revision is not kept (see the README).
        """
        current = world.candidate
        assert current is not None
        target = rollback.revision
        if rollback.to_revision is not None or target is None:
            raise SpecError(
                f"undo --to-revision {rollback.to_revision}: this controller keeps only the "
                "stable's and the previous stable's templates; revert the Deployment in Git "
                "(or kubectl apply the old manifest) instead"
            )
        if revision_of(template_of(current)) == target:
            return False
        template = self._kept_template(world, target)
        meta = current["metadata"]
        patch = [
            {
                "op": "replace",
                "path": "/metadata/resourceVersion",
                "value": meta["resourceVersion"],
            },
            {"op": "replace", "path": "/spec/template", "value": template},
        ]
        world.candidate = self._writer.patch(
            DEPLOYMENT,
            name=meta["name"],
            namespace=meta["namespace"],
            patch=patch,
            patch_type="json",
        )
        return True

    def _kept_template(self, world: World, revision: str) -> Obj:
        primary = world.primary
        if primary is not None and primary_revision(primary) == revision:
            return from_primary_template(primary["spec"]["template"], selector=world.selector)
        annotations = (primary or {}).get("metadata", {}).get("annotations") or {}
        if annotations.get(PREVIOUS_REVISION) == revision and PREVIOUS_TEMPLATE in annotations:
            kept: Obj = json.loads(annotations[PREVIOUS_TEMPLATE])
            return kept
        raise SpecError(
            f"undo to revision {revision}: its pod template is no longer kept (the controller "
            "keeps the stable's and the previous stable's); revert the Deployment in Git instead"
        )

    def _create_primary(self, world: World, spec: VersionSpec) -> bool:
        candidate = world.candidate
        assert candidate is not None
        template = template_of(candidate)
        if revision_of(template) != spec.revision:
            raise SpecError(
                f"cannot create the stable at revision {spec.revision}: only the "
                "workload's current template is known"
            )
        body = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": world.key.name + PRIMARY_SUFFIX,
                "namespace": world.namespace,
                "labels": our_labels(world.key.name),
                "ownerReferences": [owner_reference(world.raw)],
            },
            "spec": primary_spec(
                candidate,
                template=primary_template(
                    template, selector=world.selector, revision=spec.revision
                ),
                selector=world.selector,
                replicas=spec.replicas,
            ),
        }
        world.primary = self._writer.create(DEPLOYMENT, body)
        return True

    def _roll_primary(self, world: World, current: Obj, spec: VersionSpec) -> bool:
        candidate = world.candidate
        assert candidate is not None
        template = template_of(candidate)
        if revision_of(template) != spec.revision:
            raise SpecError(
                f"cannot update the stable to revision {spec.revision}: only the "
                "workload's current template is known"
            )
        body = json.loads(json.dumps(current))
        annotations = body["metadata"].setdefault("annotations", {})
        previous = json.dumps(
            from_primary_template(current["spec"]["template"], selector=world.selector)
        )
        if len(previous) <= _MAX_KEPT_TEMPLATE:
            annotations[PREVIOUS_TEMPLATE] = previous
            annotations[PREVIOUS_REVISION] = primary_revision(current) or ""
        body["spec"] = primary_spec(
            candidate,
            template=primary_template(template, selector=world.selector, revision=spec.revision),
            selector=world.selector,
            replicas=max(spec.replicas, replicas_of(current)),
        )
        body.pop("status", None)
        world.primary = self._writer.replace(DEPLOYMENT, body)
        return True


def _revision_label(deployment: Obj) -> str | None:
    labels = (
        ((deployment.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels")
    )
    value = (labels or {}).get(REVISION_LABEL)
    return str(value) if value is not None else None
