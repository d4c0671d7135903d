"""Local NGINX: the same weights and matches as the cluster routers, for a real nginx.

The local sandbox runs nginx on loopback in front of the stable and
candidate processes. :func:`render_local_nginx` returns a fragment to
``include`` inside ``http {}``: two ``upstream`` groups, a ``split_clients``
on ``$request_id`` for the weight (each request drawn independently, like
ingress-nginx's weighted canary), one ``map`` per header or cookie match
chained in precedence order (a match sends the request to the candidate,
otherwise the next match decides, and finally the weight), and a ``server``
that proxies to the chosen group and says which one in the
``X-Rollout-Upstream`` response header, so tests can count real requests.

Matches are full-string regexes with every literal escaped; nginx quoting
is applied on top, so no header value or cookie can break the configuration.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rollout_engine.api.routing import RouteMatch
from rollout_engine.errors import SpecError
from strategies.desired import TrafficState
from strategies.routers.matching import cookie_pattern, header_pattern

__all__ = ["UPSTREAM_HEADER", "render_local_nginx"]

UPSTREAM_HEADER = "X-Rollout-Upstream"
_ADDRESS = re.compile(r"^[A-Za-z0-9.\-\[\]:]+$")
_HEADER = re.compile(r"^[A-Za-z0-9_-]+$")


def render_local_nginx(
    *,
    name: str,
    traffic: TrafficState,
    stable: Sequence[str],
    candidate: Sequence[str],
    listen: str = "127.0.0.1:8080",
) -> str:
    """An ``http {}``-includable configuration routing `traffic` between the two groups.

    Args:
        name: the Rollout's name (variables and groups are named after it).
        traffic: the desired weights and match routes.
        stable / candidate: ``host:port`` of each ready process. With no
            candidate address, everything goes to stable (never route to
            nothing).
        listen: nginx's ``listen`` parameter for the front server.

    Raises:
        SpecError: no stable address, an address or header name nginx
            cannot take.
    """
    if not stable:
        raise SpecError("the stable needs at least one upstream address", path="stable")
    for address in (*stable, *candidate, listen):
        if not _ADDRESS.match(address):
            raise SpecError(f"not an address nginx accepts: {address!r}", path="upstreams")
    base = re.sub(r"[^A-Za-z0-9_]", "_", name)
    weight = traffic.canary_weight if candidate else 0
    matches = [m for r in traffic.routes for m in r.matches] if candidate else []
    lines = [
        f"# rollout-engine: {name}: candidate {weight}%, stable {100 - weight}%"
        + (f"; routes {', '.join(r.name for r in traffic.routes)}" if matches else ""),
        *_upstream(f"{base}_stable", stable),
        *(_upstream(f"{base}_candidate", candidate) if candidate else []),
        f'split_clients "${{request_id}}" ${base}_weighted {{',
        *([f"    {weight}% candidate;"] if weight else []),
        "    * stable;",
        "}",
        *_chain(base, matches),
        *_server(base, listen, pick=f"{base}_route_0" if matches else f"{base}_weighted"),
    ]
    return "\n".join(lines) + "\n"


def _upstream(group: str, addresses: Sequence[str]) -> list[str]:
    return [f"upstream {group} {{", *(f"    server {a};" for a in addresses), "}"]


def _chain(base: str, matches: list[RouteMatch]) -> list[str]:
    """One map per match; each falls through to the next, the last to the weight."""
    lines: list[str] = []
    for i, match in enumerate(matches):
        fallback = f"${base}_route_{i + 1}" if i + 1 < len(matches) else f"${base}_weighted"
        source, pattern = _source_and_pattern(match)
        lines += [
            f"map {source} ${base}_route_{i} {{",
            f"    {_quote('~' + pattern)} candidate;",
            f"    default {fallback};",
            "}",
        ]
    return lines


def _source_and_pattern(match: RouteMatch) -> tuple[str, str]:
    if match.cookie_name is not None:
        return "$http_cookie", cookie_pattern(match.cookie_name, match.cookie_value)
    name = str(match.header_name)
    if not _HEADER.match(name):
        raise SpecError(f"nginx cannot match header {name!r}", path="match.headerName")
    return "$http_" + name.lower().replace("-", "_"), header_pattern(match)


def _quote(text: str) -> str:
    """An nginx double-quoted string (nginx unescapes ``\\\\`` and ``\\"`` inside quotes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _server(base: str, listen: str, *, pick: str) -> list[str]:
    return [
        "server {",
        f"    listen {listen};",
        "    location / {",
        f"        proxy_pass http://{base}_${pick};",
        "        proxy_set_header Host $host;",
        f"        add_header {UPSTREAM_HEADER} ${pick} always;",
        "    }",
        "}",
    ]
