"""The routing the e2e tests apply: the strategy engine's Local-NGINX renderer itself.

A thin wrapper over ``strategies.routers.local_nginx.render_local_nginx`` so a
test can ask for "weight 20 %, plus a header or cookie match" in one call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rollout_engine.api.routing import RouteMatch, StringMatch
from strategies import MatchRoute, TrafficState
from strategies.routers.local_nginx import render_local_nginx

__all__ = ["routing", "traffic"]


def traffic(
    weight: int,
    *,
    header: tuple[str, str] | None = None,
    cookie: tuple[str, str] | None = None,
) -> TrafficState:
    """A desired traffic state: `weight` % to the candidate, and the matches to route there."""
    matches = []
    if header is not None:
        value = StringMatch(exact=header[1])
        matches.append(
            MatchRoute("header", (RouteMatch(header_name=header[0], header_value=value),))
        )
    if cookie is not None:
        matches.append(
            MatchRoute("cookie", (RouteMatch(cookie_name=cookie[0], cookie_value=cookie[1]),))
        )
    return TrafficState(weight, tuple(matches), in_progress=True)


def routing(
    *,
    listen: str,
    upstreams: Mapping[str, Sequence[str]],
    weight: int,
    header: tuple[str, str] | None = None,
    cookie: tuple[str, str] | None = None,
) -> str:
    """The nginx fragment for `weight` and the matches, as the sandbox's router renders it."""
    return render_local_nginx(
        name="web",
        traffic=traffic(weight, header=header, cookie=cookie),
        stable=upstreams["stable"],
        candidate=upstreams["candidate"],
        listen=listen,
    )
