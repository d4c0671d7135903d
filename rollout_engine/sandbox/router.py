"""The sandbox's traffic router: a desired state, of any strategy, as a real nginx's routing.

Canary and A/B test: the desired :class:`~strategies.TrafficState` (weight
and match routes) goes to the Local-NGINX renderer as it is. Blue/green
moves no weights in a cluster — it switches Service selectors — so here the
Services become routes: the *active* Service is the front door (weight 100
when it selects the candidate, 0 when it selects the stable) and the
*preview* Service is reached by its host name (``Host: <previewService>``
goes to the candidate while the preview selects it), as a tester would reach
the preview Service in a cluster.

Like the controller's routers, :meth:`LocalRouter.apply` writes only when
the routing changes and :meth:`LocalRouter.observe` reports what was last
applied (``Sandbox.apply`` returns only once nginx serves it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.routing import RouteMatch, StringMatch
from rollout_engine.sandbox.processes import CANDIDATE, STABLE, Sandbox
from strategies import DesiredState, MatchRoute, RouterReport, TrafficState, service_names
from strategies.routers.local_nginx import render_local_nginx

__all__ = ["PREVIEW_ROUTE", "LocalRouter"]

PREVIEW_ROUTE = "preview"


class LocalRouter:
    """Renders and applies the routing of one Rollout on the sandbox's nginx."""

    def __init__(self, box: Sandbox, *, rollout: Rollout) -> None:
        self._box = box
        self._name = rollout.metadata.name
        names = service_names(rollout)
        self._blue_green = rollout.spec.strategy.blue_green is not None
        self._active, self._preview = names.active, names.preview
        self.applied = TrafficState(0)

    def traffic(self, desired: DesiredState) -> TrafficState:
        """The weight and routes nginx should apply for `desired`."""
        if not self._blue_green:
            return desired.traffic or TrafficState(0)
        slots = {s.name: s.slot for s in desired.services}
        weight = 100 if slots.get(self._active or "") == CANDIDATE else 0
        routes: tuple[MatchRoute, ...] = ()
        if self._preview and slots.get(self._preview) == CANDIDATE:
            host = RouteMatch(header_name="Host", header_value=StringMatch(exact=self._preview))
            routes = (MatchRoute(PREVIEW_ROUTE, (host,)),)
        return TrafficState(weight, routes, in_progress=weight > 0 or bool(routes))

    def apply(self, desired: DesiredState) -> bool:
        """Route as `desired` asks (a reload only when it changes); True when it changed."""
        wanted = self.traffic(desired)
        applied = self.applied
        if (wanted.canary_weight, wanted.routes) == (applied.canary_weight, applied.routes):
            return False
        self._box.apply(self.render(self._box.upstreams(), traffic=wanted))
        self.applied = wanted
        return True

    def observe(self) -> RouterReport | None:
        """What nginx routes now; None for blue/green, which in a cluster has no router to read."""
        if self._blue_green:
            return None
        return RouterReport(
            self.applied.canary_weight, frozenset(r.name for r in self.applied.routes)
        )

    def on_stable(self) -> bool:
        """Everything goes to the stable: no weight and no route to the candidate."""
        return self.applied.canary_weight == 0 and not self.applied.routes

    def render(
        self, upstreams: Mapping[str, Sequence[str]], *, traffic: TrafficState | None = None
    ) -> str:
        """The nginx fragment for `traffic` (default: what is applied) over `upstreams`."""
        return render_local_nginx(
            name=self._name,
            traffic=traffic or self.applied,
            stable=upstreams[STABLE],
            candidate=upstreams[CANDIDATE],
            listen=self._box.front_listen,
        )
