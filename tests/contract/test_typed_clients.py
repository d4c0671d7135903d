"""The typed APIs our adapters use, with the content types the ecosystem notes prescribe."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.contract import apis

APPLY = "application/apply-patch+yaml"


def _ingress(name: str, *, canary: bool = False) -> dict[str, Any]:
    annotations = {"nginx.ingress.kubernetes.io/canary": "true"} if canary else {}
    backend = {"service": {"name": name, "port": {"number": 80}}}
    rule = {
        "host": "web.example.com",
        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
    }
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"ingressClassName": "nginx", "rules": [rule]},
    }


def test_networking_v1_ingress_canary_annotations(api: client.ApiClient, namespace: str) -> None:
    networking = apis.networking(api)
    networking.create_namespaced_ingress(namespace, _ingress("web"))
    canary = networking.create_namespaced_ingress(namespace, _ingress("web-canary", canary=True))
    assert canary.metadata.generation == 1
    weighted = networking.patch_namespaced_ingress(
        "web-canary",
        namespace,
        {"metadata": {"annotations": {"nginx.ingress.kubernetes.io/canary-weight": "20"}}},
    )
    assert weighted.metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"] == "20"
    assert weighted.metadata.generation == 1
    listed = networking.list_namespaced_ingress(namespace).items
    assert [i.metadata.name for i in listed] == ["web", "web-canary"]
    status = networking.patch_namespaced_ingress_status(
        "web", namespace, {"status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}}}
    )
    assert status.status.load_balancer.ingress[0].ip == "10.0.0.1"


def test_typed_server_side_apply(api: client.ApiClient, namespace: str) -> None:
    labels = {"app": "web"}
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "a", "image": "a:1"}]},
            },
        },
    }
    created = apis.apps(api).patch_namespaced_deployment(
        "web", namespace, body, field_manager="rollout-engine", force=True, _content_type=APPLY
    )
    assert created.spec.replicas == 1
    managers = [(m.manager, m.operation) for m in created.metadata.managed_fields]
    assert managers == [("rollout-engine", "Apply")]


def test_custom_objects_server_side_apply_and_strategic_refusal(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    custom = apis.custom(api)
    args = (test_crds, "v1", namespace, "widgets", "w")
    body: dict[str, Any] = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "small", "replicas": 2},
    }
    # Creating through apply answers 201, which this generated method does not map: None.
    created = custom.patch_namespaced_custom_object(
        *args, body, field_manager="engine", force=True, _content_type=APPLY
    )
    assert created is None
    body["spec"]["replicas"] = 3
    applied = custom.patch_namespaced_custom_object(
        *args, body, field_manager="engine", force=True, _content_type=APPLY
    )
    assert applied["spec"]["replicas"] == 3
    with pytest.raises(client.ApiException) as caught:
        custom.patch_namespaced_custom_object(
            *args, {"spec": {"replicas": 4}}, _content_type="application/strategic-merge-patch+json"
        )
    assert caught.value.status == 415


def test_lease_round_trip_like_an_elector(api: client.ApiClient, namespace: str) -> None:
    leases = apis.coordination(api)
    spec = client.V1LeaseSpec(
        holder_identity="a",
        lease_duration_seconds=15,
        acquire_time="2026-01-01T00:00:00.000000Z",
        renew_time="2026-01-01T00:00:00.000000Z",
        lease_transitions=0,
    )
    leases.create_namespaced_lease(
        namespace, client.V1Lease(metadata=client.V1ObjectMeta(name="leader"), spec=spec)
    )
    current = leases.read_namespaced_lease("leader", namespace)
    current.spec.renew_time = "2026-01-01T00:00:10.000000Z"
    renewed = leases.replace_namespaced_lease("leader", namespace, current)
    assert renewed.spec.holder_identity == "a"
    assert int(renewed.metadata.resource_version) > int(current.metadata.resource_version)
