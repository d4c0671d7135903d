"""``set image``: change container images of a Rollout's workload (which starts a rollout).

The patch is a JSON patch (``application/json-patch+json``) that, for each
changed container, first *tests* that the container at that index still has
the name we read, then replaces its image: a concurrent edit that reorders
containers makes the server refuse the write (nothing half-applied) instead
of giving a sidecar the app's image. A merge patch cannot do this (it would
replace the whole container list), and strategic merge is a kubectl-side
convention our fake and some proxies do not speak for every list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rollout_engine.cli.plugin.views import ImageChange

__all__ = ["ImageRequest", "UnknownContainer", "image_changes", "image_patch", "parse_pairs"]

_LISTS = (("containers", False), ("initContainers", True))


@dataclass(frozen=True)
class ImageRequest:
    """``CONTAINER=IMAGE``; container ``*`` means every container."""

    container: str
    image: str


class UnknownContainer(ValueError):
    """A named container the Deployment does not have."""


def parse_pairs(pairs: list[str]) -> list[ImageRequest]:
    """``["web=img:2", "*=img:3"]`` → requests; ValueError names the malformed one."""
    requests = []
    for pair in pairs:
        container, sep, image = pair.partition("=")
        if not sep or not container or not image:
            raise ValueError(f"expected CONTAINER=IMAGE (or *=IMAGE), got {pair!r}")
        requests.append(ImageRequest(container.strip(), image.strip()))
    return requests


def _containers(deployment: dict[str, Any]) -> list[tuple[str, int, bool, dict[str, Any]]]:
    pod = deployment.get("spec", {}).get("template", {}).get("spec", {})
    return [
        (key, index, init, container)
        for key, init in _LISTS
        for index, container in enumerate(pod.get(key) or [])
    ]


def image_changes(
    deployment: dict[str, Any], requests: list[ImageRequest]
) -> list[tuple[str, int, ImageChange]]:
    """(list key, index, change) for every container whose image changes.

    Raises:
        UnknownContainer: a named container is not in the pod template.
    """
    found = _containers(deployment)
    names = [c.get("name") for _, _, _, c in found]
    wanted: dict[tuple[str, int], ImageChange] = {}
    for request in requests:
        hits = [f for f in found if request.container in ("*", f[3].get("name"))]
        if not hits:
            listed = ", ".join(str(n) for n in names) or "none"
            raise UnknownContainer(
                f"no container {request.container!r} in Deployment "
                f"{deployment.get('metadata', {}).get('name')} (containers: {listed})"
            )
        for key, index, init, container in hits:
            wanted[(key, index)] = ImageChange(
                container=str(container.get("name")),
                init=init,
                previous=str(container.get("image", "")),
                image=request.image,
            )
    return [(k, i, c) for (k, i), c in wanted.items() if c.previous != c.image]


def image_patch(changes: list[tuple[str, int, ImageChange]]) -> list[dict[str, Any]]:
    """The JSON patch: per change, test the container's name, then replace its image."""
    ops: list[dict[str, Any]] = []
    for key, index, change in changes:
        path = f"/spec/template/spec/{key}/{index}"
        ops.append({"op": "test", "path": f"{path}/name", "value": change.container})
        ops.append({"op": "replace", "path": f"{path}/image", "value": change.image})
    return ops
