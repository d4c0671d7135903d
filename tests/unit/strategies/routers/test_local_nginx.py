"""The local nginx configuration: same weights and matches, valid for a real nginx."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from rollout_engine.api.routing import RouteMatch, StringMatch
from rollout_engine.errors import SpecError
from strategies import MatchRoute, TrafficState
from strategies.routers.local_nginx import render_local_nginx
from tests.fakes.local_nginx import NGINX, wrap

STABLE, CANDIDATE = ["127.0.0.1:9001", "127.0.0.1:9002"], ["127.0.0.1:9101"]
HEADER = RouteMatch(header_name="X-Canary", header_value=StringMatch(exact='a"b\\c'))
COOKIE = RouteMatch(cookie_name="beta", cookie_value=None)


def _render(traffic: TrafficState, listen: str = "127.0.0.1:8080") -> str:
    return render_local_nginx(
        name="web-app", traffic=traffic, stable=STABLE, candidate=CANDIDATE, listen=listen
    )


def test_weights_become_split_clients_and_matches_a_chain_of_maps() -> None:
    text = _render(TrafficState(20, (MatchRoute("testers", (HEADER, COOKIE)),)))
    assert (
        "upstream web_app_stable {\n    server 127.0.0.1:9001;\n    server 127.0.0.1:9002;\n}"
        in text
    )
    assert (
        'split_clients "${request_id}" $web_app_weighted {\n    20% candidate;\n    * stable;\n}'
        in text
    )
    assert "map $http_x_canary $web_app_route_0 {" in text
    assert "default $web_app_route_1;" in text
    assert "map $http_cookie $web_app_route_1 {" in text
    assert "default $web_app_weighted;" in text
    assert "proxy_pass http://web_app_$web_app_route_0;" in text
    assert text.startswith("# rollout-engine: web-app: candidate 20%, stable 80%; routes testers\n")


def test_zero_percent_and_no_candidate_pods_send_everything_to_stable() -> None:
    text = _render(TrafficState(0))
    assert "%" not in text.split("split_clients", 1)[1]
    empty = render_local_nginx(
        name="web",
        traffic=TrafficState(50, (MatchRoute("t", (COOKIE,)),)),
        stable=STABLE,
        candidate=[],
    )
    assert "web_candidate" not in empty.replace("$web_candidate", "") and "map " not in empty
    assert "candidate 0%" in empty


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stable": []}, "at least one upstream"),
        ({"stable": ["127.0.0.1:1; evil"]}, "not an address"),
        ({"listen": "80 ssl"}, "not an address"),
    ],
)
def test_bad_inputs_are_refused_before_nginx_sees_them(
    kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {
        "name": "web",
        "traffic": TrafficState(10),
        "stable": STABLE,
        "candidate": CANDIDATE,
        **kwargs,
    }
    with pytest.raises(SpecError, match=message):
        render_local_nginx(**args)  # type: ignore[arg-type]


def test_a_header_nginx_cannot_name_is_refused() -> None:
    match = RouteMatch(header_name="X.Odd", header_value=StringMatch(exact="1"))
    with pytest.raises(SpecError, match="cannot match header"):
        _render(TrafficState(0, (MatchRoute("t", (match,)),)))


@pytest.mark.parametrize("weight", [0, 1, 37, 100])
def test_real_nginx_accepts_every_rendering(tmp_path: Path, weight: int) -> None:
    regex = RouteMatch(
        header_name="User-Agent", header_value=StringMatch(regex=r".*(Firefox|\d+) {x};")
    )
    routes = (MatchRoute("testers", (HEADER, regex)), MatchRoute("beta", (COOKIE,)))
    conf = wrap(tmp_path, _render(TrafficState(weight, routes), listen="127.0.0.1:18999"))
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_literals_are_escaped_for_pcre_inside_nginx_quotes() -> None:
    text = _render(TrafficState(0, (MatchRoute("t", (HEADER,)),)))
    [line] = [ln for ln in text.splitlines() if "candidate;" in ln and "~" in ln]
    assert line.strip() == r'"~^a\\\"b\\\\c$" candidate;'
    assert re.fullmatch(r"^a\"b\\c$", 'a"b\\c')
