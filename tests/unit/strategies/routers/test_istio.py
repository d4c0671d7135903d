"""The Istio renderer: exactly the owned weights and match routes, nothing else."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import yaml

from rollout_engine.api.routing import (
    DestinationRuleRef,
    RouteMatch,
    StringMatch,
    VirtualServiceRef,
)
from rollout_engine.errors import SpecError
from strategies import MatchRoute, SubsetTarget, TrafficState
from strategies.routers.istio import (
    IstioTargets,
    read_destination_rule,
    read_virtual_service,
    render_destination_rule,
    render_virtual_service,
)
from tests.fakes.istio_admission import admission_errors, owned_weights_sum_to_100
from tests.fakes.rollout_world import canary_rollout
from tests.paths import CORPUS, EXAMPLES

TARGETS = IstioTargets("web-primary", "web-canary", managed_routes=frozenset({"testers", "beta"}))
REF = VirtualServiceRef(name="web", routes=["primary"])


def _docs(path: Any, kind: str) -> list[dict[str, Any]]:
    return [
        d
        for d in yaml.safe_load_all(path.read_text())
        if isinstance(d, dict) and d.get("kind") == kind
    ]


def _vs() -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "7"},
        "spec": {
            "hosts": ["web.shop.svc.cluster.local"],
            "gateways": ["mesh"],
            "http": [
                {
                    "name": "admin",
                    "match": [{"uri": {"prefix": "/admin"}}],
                    "route": [{"destination": {"host": "admin"}}],
                },
                {
                    "name": "primary",
                    "retries": {"attempts": 3},
                    "route": [
                        {
                            "destination": {"host": "web-primary", "port": {"number": 80}},
                            "weight": 100,
                        },
                        {
                            "destination": {
                                "host": "web-canary.shop.svc.cluster.local",
                                "port": {"number": 80},
                            }
                        },
                    ],
                },
            ],
            "tcp": [{"route": [{"destination": {"host": "web-primary"}, "weight": 100}]}],
        },
    }


HEADER = RouteMatch(header_name="X-Canary", header_value=StringMatch(exact="always"))
COOKIE = RouteMatch(cookie_name="beta", cookie_value="always")


def test_weights_are_written_on_the_owned_route_only_and_zero_explicitly() -> None:
    vs = _vs()
    out = render_virtual_service(vs, ref=REF, targets=TARGETS, traffic=TrafficState(0))
    primary = out["spec"]["http"][1]
    assert [d["weight"] for d in primary["route"]] == [100, 0]
    assert '"weight": 0' in json.dumps(out)  # serialised, never omitted (W7)
    out = render_virtual_service(vs, ref=REF, targets=TARGETS, traffic=TrafficState(20))
    assert [d["weight"] for d in out["spec"]["http"][1]["route"]] == [80, 20]
    unrelated = copy.deepcopy(vs)
    for key in ("hosts", "gateways", "tcp"):
        assert out["spec"][key] == unrelated["spec"][key]
    assert out["spec"]["http"][0] == unrelated["spec"]["http"][0]
    assert out["spec"]["http"][1]["retries"] == {"attempts": 3}
    assert out["metadata"] == unrelated["metadata"]
    assert vs == unrelated  # the input is not modified
    assert admission_errors(out) == []
    assert owned_weights_sum_to_100(out, ["primary"])


def test_match_routes_go_before_the_owned_route_and_leave_when_no_longer_wanted() -> None:
    routes = (MatchRoute("testers", (HEADER, COOKIE)),)
    out = render_virtual_service(_vs(), ref=REF, targets=TARGETS, traffic=TrafficState(10, routes))
    names = [r.get("name") for r in out["spec"]["http"]]
    assert names == ["admin", "testers", "primary"]
    testers = out["spec"]["http"][1]
    assert testers["match"][0] == {
        "headers": {"x-canary": {"exact": "always"}}
    }  # Istio wants lower case
    cookie = testers["match"][1]["headers"]["cookie"]["regex"]
    assert re.match(cookie, "a=1; beta=always; c=2") and re.match(cookie, "beta=always")
    assert not re.match(cookie, "xbeta=always") and not re.match(cookie, "beta=never")
    assert testers["route"] == [
        {
            "destination": {"host": "web-canary.shop.svc.cluster.local", "port": {"number": 80}},
            "weight": 100,
        }
    ]
    again = render_virtual_service(out, ref=REF, targets=TARGETS, traffic=TrafficState(10, routes))
    assert again == out  # idempotent
    gone = render_virtual_service(out, ref=REF, targets=TARGETS, traffic=TrafficState(0))
    assert [r.get("name") for r in gone["spec"]["http"]] == ["admin", "primary"]
    assert admission_errors(out) == admission_errors(gone) == []


def test_a_hundred_header_route_steps_never_grow_the_object() -> None:
    vs = _vs()
    sizes = set()
    for i in range(100):
        match = RouteMatch(header_name="agent", header_value=StringMatch(regex=f"firefox{i}(.*)"))
        vs = render_virtual_service(
            vs,
            ref=REF,
            targets=TARGETS,
            traffic=TrafficState(i % 50, (MatchRoute("testers", (match,)),)),
        )
        sizes.add(len(vs["spec"]["http"]))
        assert admission_errors(vs) == []
    assert sizes == {3}
    assert len(json.dumps(vs)) < 1_048_576


def test_read_back_reports_weight_routes_and_disagreement() -> None:
    out = render_virtual_service(
        _vs(), ref=REF, targets=TARGETS, traffic=TrafficState(35, (MatchRoute("beta", (COOKIE,)),))
    )
    report = read_virtual_service(out, ref=REF, targets=TARGETS)
    assert (report.canary_weight, report.routes, report.uniform) == (35, frozenset({"beta"}), True)
    two = _vs()
    two["spec"]["http"].append(copy.deepcopy(two["spec"]["http"][1]) | {"name": "secondary"})
    two["spec"]["http"][2]["route"][1]["weight"] = 10
    report = read_virtual_service(
        two, ref=VirtualServiceRef(name="web", routes=["primary", "secondary"]), targets=TARGETS
    )
    assert (report.canary_weight, report.uniform) == (10, False)


def test_subset_level_routing_matches_destinations_by_subset() -> None:
    [vs] = _docs(CORPUS / "argo" / "03-canary-istio-subset-split.yaml", "VirtualService")
    targets = IstioTargets("x", "y", stable_subset="stable", canary_subset="canary")
    out = render_virtual_service(
        vs,
        ref=VirtualServiceRef(name=vs["metadata"]["name"], routes=["primary"]),
        targets=targets,
        traffic=TrafficState(10),
    )
    assert [(d["destination"]["subset"], d["weight"]) for d in out["spec"]["http"][0]["route"]] == [
        ("stable", 90),
        ("canary", 10),
    ]


def test_destination_rule_subsets_are_labelled_by_revision() -> None:
    [rule] = _docs(CORPUS / "argo" / "03-canary-istio-subset-split.yaml", "DestinationRule")
    ref = DestinationRuleRef(
        name=rule["metadata"]["name"], canary_subset_name="canary", stable_subset_name="stable"
    )
    out = render_destination_rule(
        rule, ref=ref, subsets=[SubsetTarget("stable", "s1"), SubsetTarget("canary", "c1")]
    )
    assert read_destination_rule(out) == {"stable": "s1", "canary": "c1"}
    assert out["spec"]["subsets"][0]["labels"]["app"] == "istio-subset-split"  # kept
    back = render_destination_rule(
        out, ref=ref, subsets=[SubsetTarget("stable", "s1"), SubsetTarget("canary", "s1")]
    )
    assert read_destination_rule(back) == {"stable": "s1", "canary": "s1"}
    with pytest.raises(SpecError, match="no subset 'preview'"):
        render_destination_rule(rule, ref=ref, subsets=[SubsetTarget("preview", "c1")])


def test_multiple_virtual_services_with_tls_routes_from_the_argo_corpus() -> None:
    services = _docs(
        CORPUS / "argo" / "02-canary-istio-host-multi-vsvc-virtualservices.yaml", "VirtualService"
    )
    targets = IstioTargets("rollouts-demo-stable", "rollouts-demo-canary")
    for vs, route in zip(services, ["primary", "secondary"], strict=True):
        ref = VirtualServiceRef(name=vs["metadata"]["name"], routes=[route])
        out = render_virtual_service(vs, ref=ref, targets=targets, traffic=TrafficState(5))
        assert [d["weight"] for d in out["spec"]["http"][0]["route"]] == [95, 5]
        assert out["spec"]["tls"] == vs["spec"]["tls"]  # TLS routes are not ours
        assert (
            out["spec"]["http"][0]["route"][0]["destination"]["port"]
            == vs["spec"]["http"][0]["route"][0]["destination"]["port"]
        )


def test_the_examples_virtual_services_render_for_their_rollouts() -> None:
    for name in ("canary-istio.yaml", "abtest-header.yaml"):
        docs = list(yaml.safe_load_all((EXAMPLES / name).read_text()))
        [vs] = [d for d in docs if d["kind"] == "VirtualService"]
        from rollout_engine.api.rollout import Rollout

        [rollout] = [Rollout.model_validate(d) for d in docs if d["kind"] == "Rollout"]
        targets = IstioTargets.for_rollout(rollout)
        routing = (rollout.spec.strategy.canary or rollout.spec.strategy.ab_test).traffic_routing  # type: ignore[union-attr]
        assert routing is not None and routing.istio is not None
        ref = routing.istio.all_virtual_services()[0]
        out = render_virtual_service(
            vs,
            ref=ref,
            targets=targets,
            traffic=TrafficState(50, (MatchRoute("ab-test", (HEADER,)),)),
        )
        assert admission_errors(out) == []
        assert read_virtual_service(out, ref=ref, targets=targets).canary_weight == 50


def test_targets_for_a_rollout_know_every_route_it_may_own() -> None:
    steps = [
        {
            "setHeaderRoute": {
                "name": "unlisted",
                "match": [{"headerName": "a", "headerValue": {"exact": "b"}}],
            }
        }
    ]
    routing = {"istio": {"virtualService": {"name": "web"}}, "managedRoutes": [{"name": "testers"}]}
    targets = IstioTargets.for_rollout(canary_rollout(steps, trafficRouting=routing))
    assert targets.managed_routes == {"testers", "unlisted"}
    assert (targets.stable_host, targets.canary_host) == ("web-primary", "web-canary")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda vs: vs["spec"]["http"][1].update(name="main"), "no http route named 'primary'"),
        (lambda vs: vs["spec"]["http"][1]["route"].pop(1), "needs a stable"),
        (lambda vs: vs["spec"].pop("http"), "has no http routes"),
    ],
)
def test_what_cannot_be_rendered_is_a_spec_error(mutate: Any, message: str) -> None:
    vs = _vs()
    mutate(vs)
    with pytest.raises(SpecError, match=message):
        render_virtual_service(vs, ref=REF, targets=TARGETS, traffic=TrafficState(10))


def test_an_unnamed_single_route_is_owned_when_no_route_is_named() -> None:
    vs = _vs()
    vs["spec"]["http"] = vs["spec"]["http"][1:]
    del vs["spec"]["http"][0]["name"]
    out = render_virtual_service(
        vs, ref=VirtualServiceRef(name="web"), targets=TARGETS, traffic=TrafficState(7)
    )
    assert [d["weight"] for d in out["spec"]["http"][0]["route"]] == [93, 7]
    with pytest.raises(SpecError, match="name the one to shift"):
        render_virtual_service(
            _vs(), ref=VirtualServiceRef(name="web"), targets=TARGETS, traffic=TrafficState(7)
        )
