"""Traffic renderers: pure functions from a :class:`~strategies.TrafficState` to router objects.

- :mod:`strategies.routers.istio`: the user's VirtualService (and
  DestinationRule) with the weights and match routes the engine owns, and
  the read-back of what they currently say;
- :mod:`strategies.routers.nginx_ingress`: the canary Ingress cloned from the
  stable one, driven by ingress-nginx's canary annotations, and its read-back;
- :mod:`strategies.routers.local_nginx`: an ``http {}``-includable nginx
  configuration implementing the same weights and matches, for the local
  sandbox's real nginx.

They take and return plain dicts (the shape the Kubernetes API speaks);
applying them is the controller's business.
"""

from __future__ import annotations

from collections.abc import Iterable

from strategies.world import RouterReport

__all__ = ["merge_reports"]


def merge_reports(reports: Iterable[RouterReport]) -> RouterReport:
    """One report for several router objects (e.g. two VirtualServices).

    The weight is the largest reported (the conservative reading for
    capacity), and the report is uniform only if all agree.
    """
    items = list(reports)
    if not items:
        return RouterReport(0)
    weights = {r.canary_weight for r in items}
    routes = {frozenset(r.routes) for r in items}
    return RouterReport(
        canary_weight=max(weights),
        routes=frozenset().union(*routes),
        uniform=len(weights) == 1 and len(routes) == 1 and all(r.uniform for r in items),
    )
