"""The routers against the fake API server: what is written, in what order, and only if needed."""

from __future__ import annotations

from typing import Any

import pytest

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.routing import RouteMatch, StringMatch
from rollout_engine.controller.routers import router_for
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import SpecError
from rollout_engine.kube import Objects, kind
from strategies import MatchRoute, SubsetTarget, TrafficState
from tests.e2e.controller import manifests as m

OWNER = {
    "apiVersion": "rollout-engine.io/v1alpha1",
    "kind": "Rollout",
    "name": "web",
    "uid": "u-1",
    "controller": True,
}


def _rollout(routing: dict[str, Any], *steps: dict[str, Any]) -> Rollout:
    return Rollout.model_validate(
        {
            "metadata": {"name": "web", "namespace": "shop", "uid": "u-1"},
            "spec": {
                "workloadRef": {"name": "web"},
                "strategy": {"canary": {"trafficRouting": routing, "steps": list(steps)}},
            },
        }
    )


ISTIO = {
    "istio": {
        "virtualService": {"name": "web", "routes": ["primary"]},
        "destinationRule": {
            "name": "web",
            "stableSubsetName": "stable",
            "canarySubsetName": "canary",
        },
    },
    "managedRoutes": [{"name": "testers"}],
}
HEADER = {
    "setHeaderRoute": {
        "name": "testers",
        "match": [{"headerName": "X-Canary", "headerValue": {"exact": "always"}}],
    }
}


@pytest.fixture
def objects(apiserver: Any) -> Objects:
    apiserver.install_crds()
    apiserver.admission.enable_istio_validation()
    user = Objects(apiserver.api_client("user"))
    user.create(kind("Namespace"), {"metadata": {"name": "shop"}})
    for doc in (m.virtual_service(subsets=True), m.destination_rule(), m.ingress()):
        user.create(
            kind(doc["kind"]), {**doc, "metadata": {**doc["metadata"], "namespace": "shop"}}
        )
    return Objects(apiserver.api_client("controller"))


def _istio(objects: Objects) -> Any:
    router = router_for(
        _rollout(ISTIO, HEADER), objects=objects, writer=Writer(objects), owner=OWNER
    )
    assert router is not None
    return router


def test_istio_writes_subsets_before_weights_and_nothing_twice(
    apiserver: Any, objects: Objects
) -> None:
    router, rollout = _istio(objects), _rollout(ISTIO, HEADER)
    assert router.observe(rollout=rollout).canary_weight == 0
    subsets = (SubsetTarget("stable", "aaa"), SubsetTarget("canary", "bbb"))
    assert router.apply(rollout=rollout, desired=TrafficState(20), subsets=subsets)
    writes = apiserver.journal.writes(identity="controller")
    assert [w.resource for w in writes] == ["destinationrules", "virtualservices"]
    assert {w.content_type for w in writes} == {"application/json-patch+json"}
    assert not router.apply(rollout=rollout, desired=TrafficState(20), subsets=subsets)
    assert len(apiserver.journal.writes(identity="controller")) == 2
    report = router.observe(rollout=rollout)
    assert (report.canary_weight, report.uniform) == (20, True)
    rule = apiserver.store.get(
        "networking.istio.io/v1", "DestinationRule", name="web", namespace="shop"
    )
    assert rule["spec"]["subsets"][1]["labels"] == {
        "team": "shop",
        "rollout-engine.io/revision": "bbb",
    }
    vs = apiserver.store.get(
        "networking.istio.io/v1", "VirtualService", name="web", namespace="shop"
    )
    assert vs["spec"]["http"][0]["timeout"] == "10s", "fields we do not own are left alone"


def test_istio_routes_come_and_go_without_growing_the_object(
    apiserver: Any, objects: Objects
) -> None:
    router, rollout = _istio(objects), _rollout(ISTIO, HEADER)
    match = RouteMatch(header_name="X-Canary", header_value=StringMatch(exact="always"))
    routes = (MatchRoute("testers", (match,)),)
    for _ in range(3):
        router.apply(rollout=rollout, desired=TrafficState(0, routes), subsets=())
        router.apply(rollout=rollout, desired=TrafficState(0), subsets=())
    vs = apiserver.store.get(
        "networking.istio.io/v1", "VirtualService", name="web", namespace="shop"
    )
    assert [r["name"] for r in vs["spec"]["http"]] == ["primary"]
    router.finalize(rollout=rollout)
    assert router.observe(rollout=rollout).routes == frozenset()


def test_istio_rereads_when_someone_changed_the_weights_meanwhile(
    apiserver: Any, objects: Objects
) -> None:
    router, rollout = _istio(objects), _rollout(ISTIO, HEADER)
    seen = {"done": False}

    def competing_writer(record: Any) -> None:
        # NB: Argo CD re-applies Git (weights 90/10) right after our read, before our patch
        if (
            record.identity == "controller"
            and record.verb == "get"
            and not seen["done"]
            and record.resource == "virtualservices"
        ):
            seen["done"] = True
            stored = apiserver.store.get(
                "networking.istio.io/v1", "VirtualService", name="web", namespace="shop"
            )
            stored["spec"]["http"][0]["route"][0]["weight"] = 90
            stored["spec"]["http"][0]["route"][1]["weight"] = 10
            apiserver.store.put(stored)

    apiserver.journal.subscribe(competing_writer)
    assert router.apply(rollout=rollout, desired=TrafficState(30), subsets=())
    statuses = [w.status for w in apiserver.journal.writes(identity="controller")]
    assert statuses == [422, 200], "the stale patch fails its test; the retry re-reads"
    assert router.observe(rollout=rollout).canary_weight == 30


def test_istio_names_a_missing_route_precisely(objects: Objects) -> None:
    routing = {"istio": {"virtualService": {"name": "web", "routes": ["nope"]}}}
    rollout = _rollout(routing, {"setWeight": 10})
    router = router_for(rollout, objects=objects, writer=Writer(objects), owner=OWNER)
    assert router is not None
    with pytest.raises(SpecError, match=r"VirtualService web: .*no http route named 'nope'"):
        router.observe(rollout=rollout)


def test_nginx_applies_its_own_canary_ingress_and_deletes_it(
    apiserver: Any, objects: Objects
) -> None:
    rollout = _rollout({"nginx": {"stableIngress": "web"}}, {"setWeight": 10})
    router = router_for(rollout, objects=objects, writer=Writer(objects), owner=OWNER)
    assert router is not None
    assert router.observe(rollout=rollout).canary_weight == 0
    assert router.apply(rollout=rollout, desired=TrafficState(10, in_progress=True), subsets=())
    assert not router.apply(rollout=rollout, desired=TrafficState(10, in_progress=True), subsets=())
    canary = apiserver.store.get(
        "networking.k8s.io/v1", "Ingress", name="web-web-canary", namespace="shop"
    )
    assert canary["metadata"]["ownerReferences"][0]["uid"] == "u-1"
    assert canary["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] == "10"
    assert canary["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == (
        "web-canary"
    )
    assert router.observe(rollout=rollout).canary_weight == 10
    assert router.apply(rollout=rollout, desired=TrafficState(0), subsets=())
    assert (
        apiserver.store.get(
            "networking.k8s.io/v1", "Ingress", name="web-web-canary", namespace="shop"
        )
        is None
    )
    verbs = [w.verb for w in apiserver.journal.writes(identity="controller")]
    assert verbs == ["patch", "delete"]
