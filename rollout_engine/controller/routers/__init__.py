"""Traffic routers, the I/O side: read back and apply what ``strategies.routers`` renders.

One small Protocol and an explicit registry keyed by the Rollout's
``trafficRouting`` key. An unknown key is a ``SpecError`` (the Rollout becomes
Degraded with that message), never a fallback to another router.

``observe`` reports what the router does *now* (read back, never assumed),
``apply`` makes the router objects say what the engine asked for — and
nothing it did not ask for — and ``finalize`` returns them to all-stable.
Rendering is pure and lives in ``strategies.routers``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Final, Protocol

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.routing import TrafficRouting
from rollout_engine.controller.routers.istio import IstioRouter
from rollout_engine.controller.routers.nginx import NginxRouter
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import SpecError
from rollout_engine.kube import Objects
from strategies import RouterReport, SubsetTarget, TrafficState

__all__ = ["ROUTERS", "RouterFactory", "TrafficRouter", "router_for", "routing_of"]


class TrafficRouter(Protocol):
    """How the controller reads and moves traffic for one kind of router."""

    def observe(self, *, rollout: Rollout) -> RouterReport:
        """The weights and match routes in effect now (raises when the objects are unusable)."""

    def apply(
        self, *, rollout: Rollout, desired: TrafficState, subsets: Sequence[SubsetTarget]
    ) -> bool:
        """Write `subsets`, then `desired` (weights, then routes); True when anything changed."""

    def finalize(self, *, rollout: Rollout) -> None:
        """All traffic to stable, the engine's routes and objects removed."""


RouterFactory = Callable[..., TrafficRouter]
"""``factory(*, objects, writer, owner) -> TrafficRouter``."""

ROUTERS: Final[Mapping[str, RouterFactory]] = MappingProxyType(
    {"istio": IstioRouter, "nginx": NginxRouter}
)


def routing_of(rollout: Rollout) -> tuple[TrafficRouting | None, str]:
    """The Rollout's ``trafficRouting`` and the field path it sits at."""
    strategy = rollout.spec.strategy
    if strategy.canary is not None:
        return strategy.canary.traffic_routing, "spec.strategy.canary.trafficRouting"
    if strategy.ab_test is not None:
        return strategy.ab_test.traffic_routing, "spec.strategy.abTest.trafficRouting"
    return None, ""


def router_for(
    rollout: Rollout,
    *,
    objects: Objects,
    writer: Writer,
    owner: dict[str, object],
    registry: Mapping[str, RouterFactory] = ROUTERS,
) -> TrafficRouter | None:
    """The router `rollout` declares, None when it declares none.

    Raises:
        SpecError: the router is not in the registry.
    """
    routing, path = routing_of(rollout)
    if routing is None:
        return None
    key = routing.router_type
    factory = registry.get(key)
    if factory is None:
        raise SpecError(
            f"unsupported traffic router {key!r}; this controller knows "
            f"{', '.join(sorted(registry))}",
            path=f"{path}.{key}",
        )
    return factory(objects=objects, writer=writer, owner=owner)
