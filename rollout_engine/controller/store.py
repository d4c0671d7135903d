"""The notification dispatcher's view of Rollouts: ``notify.RolloutStore`` over the API.

``get`` reads the Rollout; ``replace_status`` writes its status through the
status subresource with the resourceVersion it was read at (compare-and-set:
a 409 is ``Conflict``), through the controller's one write path, so a
replica that is not the leader cannot send or settle a message either.
"""

from __future__ import annotations

from rollout_engine.api.base import dump
from rollout_engine.api.rollout import Rollout
from rollout_engine.controller.writes import Writer
from rollout_engine.kube import Objects, kind
from rollout_engine.notify import RolloutRef

__all__ = ["KubeRolloutStore"]

ROLLOUT = kind("Rollout")


class KubeRolloutStore:
    """Rollouts in the Kubernetes API."""

    def __init__(self, objects: Objects, writer: Writer) -> None:
        self._objects = objects
        self._writer = writer

    def get(self, ref: RolloutRef) -> Rollout:
        """The Rollout as stored now (NotFound when gone)."""
        raw = self._objects.get(ROLLOUT, name=ref.name, namespace=ref.namespace)
        raw.get("metadata", {}).pop("managedFields", None)
        return Rollout.model_validate(raw)

    def replace_status(self, rollout: Rollout) -> Rollout:
        """PUT ``/status`` if the resourceVersion is current, else raise Conflict."""
        written = self._writer.replace(ROLLOUT, dump(rollout), status=True)
        written.get("metadata", {}).pop("managedFields", None)
        return Rollout.model_validate(written)
