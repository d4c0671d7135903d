"""Cascades the fake performs synchronously (a real cluster does them asynchronously):
namespace and CRD deletion, foreground deletion; plus per-kind API details."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from tests.contract import apis
from tests.contract.target import raw
from tests.fakes.apiserver import FakeApiServer


@pytest.fixture
def api(apiserver: FakeApiServer) -> Iterator[client.ApiClient]:
    with apiserver.api_client() as api_client:
        yield api_client


def _cm(name: str, **meta: Any) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, **meta))


def test_namespace_deletion_waits_for_finalized_content(api: client.ApiClient) -> None:
    core = apis.core(api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="team")))
    core.create_namespaced_config_map("team", _cm("plain"))
    core.create_namespaced_config_map("team", _cm("held", finalizers=["example.com/x"]))
    core.delete_namespace("team")
    terminating = core.read_namespace("team")
    assert terminating.status.phase == "Terminating"
    assert [c.metadata.name for c in core.list_namespaced_config_map("team").items] == ["held"]
    with pytest.raises(client.ApiException) as refused:
        core.create_namespaced_config_map("team", _cm("late"))
    assert refused.value.status == 403
    assert "because it is being terminated" in apis.error_body(refused.value)["message"]
    core.patch_namespaced_config_map("held", "team", {"metadata": {"finalizers": None}})
    with pytest.raises(client.ApiException) as gone:
        core.read_namespace("team")
    assert gone.value.status == 404


def test_crd_deletion_removes_its_objects_and_stops_serving(
    apiserver: FakeApiServer, api: client.ApiClient
) -> None:
    apiserver.install_crds()
    custom = apis.custom(api)
    custom.create_namespaced_custom_object(
        "networking.istio.io",
        "v1",
        "default",
        "destinationrules",
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "DestinationRule",
            "metadata": {"name": "dr"},
            "spec": {"host": "web"},
        },
    )
    crd = apis.extensions(api).read_custom_resource_definition(
        "destinationrules.networking.istio.io"
    )
    assert "customresourcecleanup.apiextensions.k8s.io" in crd.metadata.finalizers
    apis.extensions(api).delete_custom_resource_definition("destinationrules.networking.istio.io")
    assert (
        raw(
            api, "GET", path="/apis/networking.istio.io/v1/namespaces/default/destinationrules"
        ).status
        == 404
    )
    resources = raw(api, "GET", path="/apis/networking.istio.io/v1").body["resources"]
    assert [r["name"] for r in resources] == ["virtualservices", "virtualservices/status"]
    assert apiserver.store.list("networking.istio.io/v1", "VirtualService") == []


def test_foreground_deletion_keeps_the_owner_until_dependents_go(api: client.ApiClient) -> None:
    core = apis.core(api)
    owner = core.create_namespaced_config_map("default", _cm("owner"))
    ref = client.V1OwnerReference(
        api_version="v1", kind="ConfigMap", name="owner", uid=owner.metadata.uid
    )
    core.create_namespaced_config_map(
        "default", _cm("dep", owner_references=[ref], finalizers=["example.com/x"])
    )
    core.delete_namespaced_config_map("owner", "default", propagation_policy="Foreground")
    waiting = core.read_namespaced_config_map("owner", "default")
    assert waiting.metadata.finalizers == ["foregroundDeletion"]
    assert core.read_namespaced_config_map("dep", "default").metadata.deletion_timestamp
    core.patch_namespaced_config_map("dep", "default", {"metadata": {"finalizers": None}})
    assert core.list_namespaced_config_map("default").items == []


def test_pods_and_services_answer_delete_with_the_object(api: client.ApiClient) -> None:
    core = apis.core(api)
    core.create_namespaced_service(
        "default",
        client.V1Service(
            metadata=client.V1ObjectMeta(name="svc"),
            spec=client.V1ServiceSpec(ports=[client.V1ServicePort(port=80)]),
        ),
    )
    service = core.read_namespaced_service("svc", "default")
    assert service.spec.cluster_ip.startswith("10.96.")
    assert service.spec.ports[0].protocol == "TCP" and service.spec.ports[0].target_port == 80
    deleted = raw(api, "DELETE", path="/api/v1/namespaces/default/services/svc").body
    assert deleted["kind"] == "Service"


def test_events_are_served_by_both_apis(api: client.ApiClient) -> None:
    events = apis.events(api)
    events.create_namespaced_event(
        "default",
        {
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {"name": "e1"},
            "eventTime": "2026-01-01T00:00:00.000000Z",
            "reason": "Promoted",
            "note": "step 3",
            "type": "Normal",
            "action": "Promote",
            "reportingController": "rollout-engine",
            "reportingInstance": "rollout-engine-0",
            "regarding": {"kind": "Rollout", "name": "web", "namespace": "default"},
        },
    )
    core_event = apis.core(api).read_namespaced_event("e1", "default")
    assert (core_event.message, core_event.involved_object.name) == ("step 3", "web")
    assert core_event.reporting_component == "rollout-engine"
    found = (
        apis.core(api)
        .list_namespaced_event("default", field_selector="involvedObject.name=web,reason=Promoted")
        .items
    )
    assert [e.metadata.name for e in found] == ["e1"]
    assert events.read_namespaced_event("e1", "default").note == "step 3"


def test_pagination(api: client.ApiClient) -> None:
    core = apis.core(api)
    for i in range(5):
        core.create_namespaced_config_map("default", _cm(f"c{i}"))
    first = core.list_namespaced_config_map("default", limit=2)
    assert [c.metadata.name for c in first.items] == ["c0", "c1"]
    assert first.metadata.remaining_item_count == 3
    rest = core.list_namespaced_config_map("default", limit=10, _continue=first.metadata._continue)
    assert [c.metadata.name for c in rest.items] == ["c2", "c3", "c4"]
    assert not rest.metadata._continue


def test_dry_run_create_persists_nothing(apiserver: FakeApiServer, api: client.ApiClient) -> None:
    created = apis.core(api).create_namespaced_config_map("default", _cm("dry"), dry_run="All")
    assert created.metadata.uid
    assert apiserver.store.get("v1", "ConfigMap", name="dry") is None
    assert apiserver.journal.writes()[0].dry_run is True


def test_protobuf_bodies_of_unknown_kinds_are_refused_with_415(api: client.ApiClient) -> None:
    response = raw(
        api,
        "POST",
        path="/api/v1/namespaces/default/configmaps",
        body=b"k8s\x00",
        content_type="application/vnd.kubernetes.protobuf",
    )
    assert response.status == 415
