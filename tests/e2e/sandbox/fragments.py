"""A stand-in for the strategy engine's Local-NGINX renderer, for these tests only.

It writes the same shape the renderer will (upstreams per track, a
``split_clients`` on ``$request_id`` for the weight, one ``map`` per header
or cookie match falling through to the weight, a front server naming the
chosen group in ``X-Rollout-Upstream``). The follow-up task replaces it with
``strategies.routers.local_nginx.render_local_nginx``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def routing(
    *,
    listen: str,
    upstreams: Mapping[str, Sequence[str]],
    weight: int,
    header: tuple[str, str] | None = None,
    cookie: tuple[str, str] | None = None,
) -> str:
    lines = []
    for track, addresses in upstreams.items():
        lines += [f"upstream t_{track} {{", *(f"    server {a};" for a in addresses), "}"]
    lines += ['split_clients "${request_id}" $t_weighted {']
    lines += [f"    {weight}% candidate;"] if weight else []
    lines += ["    * stable;", "}"]
    pick = "$t_weighted"
    if cookie is not None:
        lines += [
            "map $http_cookie $t_cookie {",
            f'    "~(^|;\\s*){cookie[0]}={cookie[1]}(;|$)" candidate;',
            f"    default {pick};",
            "}",
        ]
        pick = "$t_cookie"
    if header is not None:
        variable = "$http_" + header[0].lower().replace("-", "_")
        lines += [f"map {variable} $t_header {{", f'    "{header[1]}" candidate;']
        lines += [f"    default {pick};", "}"]
        pick = "$t_header"
    lines += [
        "server {",
        f"    listen {listen};",
        "    location / {",
        f"        proxy_pass http://t_{pick};",
        f"        add_header X-Rollout-Upstream {pick} always;",
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"
