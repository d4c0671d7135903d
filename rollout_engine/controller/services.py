"""Services: each selects the version the engine says, by the Deployments' selector labels.

A Service on the stable slot selects ``<name>-primary``'s pods (the
workload's selector labels suffixed ``-primary``); on the candidate slot, the
workload's own pods. The default Services (``<name>``, ``<name>-primary``,
``<name>-canary``) are created when missing, owned by the Rollout, with the
ports of Service ``<name>`` when the user has one, else the container ports
of the workload. On a Service the controller did not create it writes only
``spec.selector`` (a merge patch guarded by resourceVersion).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rollout_engine.controller.ownership import our_labels, owner_reference
from rollout_engine.controller.workload import primary_selector
from rollout_engine.controller.world import World
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import SpecError
from rollout_engine.kube import kind
from strategies import ServiceTarget

__all__ = ["Services", "ports_for"]

SERVICE = kind("Service")
Obj = dict[str, Any]
_PORT_FIELDS = ("name", "port", "targetPort", "protocol", "appProtocol")


def ports_for(world: World) -> list[Obj]:
    """Ports for a Service the controller creates.

    Raises:
        SpecError: neither Service ``<name>`` nor the workload's containers declare a port.
    """
    apex = world.services.get(world.key.name)
    if apex is not None and (apex.get("spec") or {}).get("ports"):
        return [{k: p[k] for k in _PORT_FIELDS if k in p} for p in apex["spec"]["ports"]]
    assert world.candidate is not None
    pod = ((world.candidate.get("spec") or {}).get("template") or {}).get("spec") or {}
    ports: list[Obj] = []
    for container in pod.get("containers") or []:
        for port in container.get("ports") or []:
            number = port.get("containerPort")
            name = port.get("name") or f"port-{number}"
            ports.append(
                {
                    "name": name,
                    "port": number,
                    "targetPort": number,
                    "protocol": port.get("protocol", "TCP"),
                }
            )
    if not ports:
        raise SpecError(
            f"Deployment {world.candidate['metadata']['name']} declares no container port and "
            f"Service {world.key.name} does not exist, so the controller cannot create the "
            "Rollout's Services: declare containerPort(s) or create Service "
            f"{world.key.name}"
        )
    return ports


class Services:
    """Creates missing default Services and points every Service at its slot."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer

    def apply(self, world: World, targets: Sequence[ServiceTarget]) -> bool:
        """Make each target Service select its slot; True when anything was written."""
        changed = False
        for target in targets:
            selector = (
                primary_selector(world.selector)
                if target.slot == "stable"
                else dict(world.selector)
            )
            current = world.services.get(target.name)
            if current is None:
                world.services[target.name] = self._create(world, target.name, selector)
                changed = True
            elif ((current.get("spec") or {}).get("selector") or {}) != selector:
                world.services[target.name] = self._select(current, selector)
                changed = True
        return changed

    def _create(self, world: World, name: str, selector: dict[str, str]) -> Obj:
        body = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": name,
                "namespace": world.namespace,
                "labels": our_labels(world.key.name),
                "ownerReferences": [owner_reference(world.raw)],
            },
            "spec": {"type": "ClusterIP", "selector": selector, "ports": ports_for(world)},
        }
        return self._writer.create(SERVICE, body)

    def _select(self, current: Obj, selector: dict[str, str]) -> Obj:
        meta = current["metadata"]
        old = (current.get("spec") or {}).get("selector") or {}
        wanted: dict[str, str | None] = {k: None for k in old if k not in selector}
        wanted.update(selector)
        patch = {
            "metadata": {"resourceVersion": meta["resourceVersion"]},
            "spec": {"selector": wanted},
        }
        return self._writer.patch(
            SERVICE, name=meta["name"], namespace=meta["namespace"], patch=patch
        )
