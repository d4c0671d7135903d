"""The NGINX canary Ingress: cloned from the stable one, driven by ingress-nginx annotations."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from rollout_engine.api.routing import NginxRouting, RouteMatch, StringMatch
from rollout_engine.errors import SpecError
from strategies import MatchRoute, TrafficState
from strategies.routers.nginx_ingress import (
    ROUTES_ANNOTATION,
    NginxTargets,
    canary_ingress_name,
    read_canary_ingress,
    render_canary_ingress,
)
from tests.fakes.rollout_world import canary_rollout
from tests.paths import CORPUS

P = "nginx.ingress.kubernetes.io"
TARGETS = NginxTargets(
    "web", NginxRouting(stable_ingress="web"), frozenset({"web", "web-primary"}), "web-canary"
)


def _ingress() -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "web",
            "namespace": "storefront",
            "labels": {"app": "web"},
            "annotations": {
                f"{P}/proxy-body-size": "8m",
                f"{P}/canary-weight": "55",  # a leftover: never copied
                "kubectl.kubernetes.io/last-applied-configuration": "{}",
            },
        },
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["web.example.com"], "secretName": "web-tls"}],
            "rules": [
                {
                    "host": "web.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            },
                            {
                                "path": "/docs",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "docs", "port": {"number": 80}}},
                            },
                        ]
                    },
                },
                {
                    "host": "docs.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "docs", "port": {"number": 80}}},
                            }
                        ]
                    },
                },
            ],
        },
    }


def test_the_canary_ingress_clones_hosts_paths_tls_and_class_with_the_canary_backend() -> None:
    out = render_canary_ingress(
        _ingress(), targets=TARGETS, traffic=TrafficState(20, in_progress=True)
    )
    assert out is not None
    assert out["metadata"]["name"] == "web-web-canary"
    assert out["metadata"]["namespace"] == "storefront"
    assert out["metadata"]["labels"] == {"app": "web"}
    spec = out["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert spec["tls"] == _ingress()["spec"]["tls"]
    [rule] = spec["rules"]  # the docs host routes elsewhere: not cloned
    assert rule["host"] == "web.example.com"
    [path] = rule["http"]["paths"]
    assert path["backend"]["service"] == {"name": "web-canary", "port": {"number": 80}}
    annotations = out["metadata"]["annotations"]
    assert annotations[f"{P}/canary"] == "true"
    assert annotations[f"{P}/canary-weight"] == "20"
    assert f"{P}/canary-weight-total" not in annotations
    assert annotations[f"{P}/proxy-body-size"] == "8m"
    assert "kubectl.kubernetes.io/last-applied-configuration" not in annotations


def test_weight_zero_is_written_and_the_ingress_goes_away_when_no_rollout_is_in_progress() -> None:
    zero = render_canary_ingress(
        _ingress(), targets=TARGETS, traffic=TrafficState(0, in_progress=True)
    )
    assert zero is not None and zero["metadata"]["annotations"][f"{P}/canary-weight"] == "0"
    assert render_canary_ingress(_ingress(), targets=TARGETS, traffic=TrafficState(0)) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (StringMatch(exact="always"), {f"{P}/canary-by-header-value": "always"}),
        (StringMatch(regex="firefox.*"), {f"{P}/canary-by-header-pattern": "firefox.*"}),
        (StringMatch(prefix="v2.1"), {f"{P}/canary-by-header-pattern": r"^v2\.1.*"}),
    ],
)
def test_header_matches_become_canary_by_header_annotations(
    value: StringMatch, expected: dict[str, str]
) -> None:
    route = MatchRoute("testers", (RouteMatch(header_name="X-Canary", header_value=value),))
    out = render_canary_ingress(
        _ingress(), targets=TARGETS, traffic=TrafficState(0, (route,), in_progress=True)
    )
    assert out is not None
    annotations = out["metadata"]["annotations"]
    assert annotations[f"{P}/canary-by-header"] == "X-Canary"
    assert {
        k: v for k, v in annotations.items() if k.startswith(f"{P}/canary-by-header-")
    } == expected
    assert annotations[ROUTES_ANNOTATION] == "testers"


def test_a_cookie_match_becomes_canary_by_cookie_and_only_always_is_expressible() -> None:
    route = MatchRoute("beta", (RouteMatch(cookie_name="beta"),))
    out = render_canary_ingress(
        _ingress(), targets=TARGETS, traffic=TrafficState(5, (route,), in_progress=True)
    )
    assert out is not None and out["metadata"]["annotations"][f"{P}/canary-by-cookie"] == "beta"
    bad = MatchRoute("beta", (RouteMatch(cookie_name="beta", cookie_value="yes"),))
    with pytest.raises(SpecError, match="only when its value is 'always'"):
        render_canary_ingress(
            _ingress(), targets=TARGETS, traffic=TrafficState(5, (bad,), in_progress=True)
        )


def test_two_header_matches_are_more_than_ingress_nginx_offers() -> None:
    a = RouteMatch(header_name="A", header_value=StringMatch(exact="1"))
    b = RouteMatch(header_name="B", header_value=StringMatch(exact="2"))
    with pytest.raises(SpecError, match="one header and one cookie"):
        render_canary_ingress(
            _ingress(),
            targets=TARGETS,
            traffic=TrafficState(0, (MatchRoute("r", (a, b)),), in_progress=True),
        )


def test_user_annotations_are_added_but_the_engine_keeps_the_weight() -> None:
    routing = NginxRouting(
        stable_ingress="web",
        additional_ingress_annotations={"canary-weight": "90", "proxy-read-timeout": "30"},
        canary_ingress_annotations={"example.com/team": "shop"},
    )
    targets = NginxTargets("web", routing, frozenset({"web"}), "web-canary")
    out = render_canary_ingress(
        _ingress(), targets=targets, traffic=TrafficState(10, in_progress=True)
    )
    assert out is not None
    annotations = out["metadata"]["annotations"]
    assert annotations[f"{P}/canary-weight"] == "10"
    assert annotations[f"{P}/proxy-read-timeout"] == "30"
    assert annotations["example.com/team"] == "shop"


def test_a_weight_total_other_than_100_is_written_with_the_scaled_weight() -> None:
    out = render_canary_ingress(
        _ingress(), targets=TARGETS, traffic=TrafficState(25, in_progress=True), weight_total=1000
    )
    assert out is not None
    annotations = out["metadata"]["annotations"]
    assert (annotations[f"{P}/canary-weight"], annotations[f"{P}/canary-weight-total"]) == (
        "250",
        "1000",
    )
    assert read_canary_ingress(out).canary_weight == 25


def test_read_back_round_trips_and_absent_means_zero() -> None:
    route = MatchRoute(
        "testers", (RouteMatch(header_name="X-Canary", header_value=StringMatch(exact="1")),)
    )
    out = render_canary_ingress(
        _ingress(), targets=TARGETS, traffic=TrafficState(40, (route,), in_progress=True)
    )
    report = read_canary_ingress(out)
    assert (report.canary_weight, report.routes) == (40, frozenset({"testers"}))
    assert read_canary_ingress(None).canary_weight == 0
    again = render_canary_ingress(
        _ingress(), targets=TARGETS, traffic=TrafficState(40, (route,), in_progress=True)
    )
    assert again == out  # a function of the stable Ingress and the state: idempotent


def test_an_ingress_without_the_stable_service_cannot_be_cloned() -> None:
    ingress = _ingress()
    ingress["spec"]["rules"] = ingress["spec"]["rules"][1:]
    with pytest.raises(SpecError, match="routes to none of the Services"):
        render_canary_ingress(ingress, targets=TARGETS, traffic=TrafficState(10, in_progress=True))


@pytest.mark.parametrize(
    ("path", "rollout_services"),
    [
        (
            CORPUS / "argo" / "07-canary-nginx-stable-ingress.yaml",
            {"stableService": "rollouts-demo-stable", "canaryService": "rollouts-demo-canary"},
        ),
        (CORPUS / "flagger" / "03-nginx-ingress.yaml", {}),
    ],
)
def test_the_peers_stable_ingresses_clone(path: Any, rollout_services: dict[str, Any]) -> None:
    ingress = yaml.safe_load(path.read_text())
    routing = {"nginx": {"stableIngress": ingress["metadata"]["name"]}}
    rollout = canary_rollout([{"setWeight": 5}], trafficRouting=routing, **rollout_services)
    if not rollout_services:  # Flagger's Ingress points at the apex Service <target>
        rollout = rollout.model_copy(
            update={"metadata": rollout.metadata.model_copy(update={"name": "podinfo"})}
        )
    targets = NginxTargets.for_rollout(rollout)
    out = render_canary_ingress(ingress, targets=targets, traffic=TrafficState(5, in_progress=True))
    assert out is not None
    backend = out["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend == targets.canary_service
    assert out["metadata"]["annotations"]["kubernetes.io/ingress.class"] == "nginx"


def test_the_canary_ingress_name_fits_a_kubernetes_name() -> None:
    assert len(canary_ingress_name("r" * 200, "i" * 100)) <= 253
