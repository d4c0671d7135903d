"""Server-owned metadata: uid, timestamps, resourceVersion, generation, optimistic locking."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.contract import apis

from .target import raw


def _deployment(name: str, *, image: str = "nginx:1.25", replicas: int = 1) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    }


def test_resource_versions_increase_across_kinds(api: client.ApiClient, namespace: str) -> None:
    core, coordination = apis.core(api), apis.coordination(api)
    first = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a"))
    )
    lease = coordination.create_namespaced_lease(
        namespace, client.V1Lease(metadata=client.V1ObjectMeta(name="l"))
    )
    second = core.create_namespaced_secret(
        namespace, client.V1Secret(metadata=client.V1ObjectMeta(name="s"))
    )
    versions = [int(o.metadata.resource_version) for o in (first, lease, second)]
    assert versions == sorted(versions) and len(set(versions)) == 3
    assert first.metadata.uid != second.metadata.uid
    assert first.metadata.creation_timestamp is not None


def test_generation_moves_on_spec_changes_only(api: client.ApiClient, namespace: str) -> None:
    apps = apis.apps(api)
    created = apps.create_namespaced_deployment(namespace, _deployment("web"))
    assert created.metadata.generation == 1
    labelled = apps.patch_namespaced_deployment(
        "web", namespace, {"metadata": {"labels": {"team": "a"}}}
    )
    assert labelled.metadata.generation == 1
    scaled = apps.patch_namespaced_deployment("web", namespace, {"spec": {"replicas": 3}})
    assert scaled.metadata.generation == 2
    status = apps.patch_namespaced_deployment_status(
        "web", namespace, {"status": {"observedGeneration": 2, "replicas": 3}}
    )
    assert status.metadata.generation == 2


def test_custom_resource_without_status_subresource_bumps_on_any_non_metadata_change(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    custom = apis.custom(api)
    name = f"{namespace}-gen"
    body = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Gadget",
        "metadata": {"name": name},
        "spec": {"a": 1},
    }
    assert (
        custom.create_cluster_custom_object(test_crds, "v1", "gadgets", body)["metadata"][
            "generation"
        ]
        == 1
    )
    try:
        patched = custom.patch_cluster_custom_object(
            test_crds, "v1", "gadgets", name, {"status": {"phase": "x"}}
        )
        assert patched["metadata"]["generation"] == 2 and patched["status"] == {"phase": "x"}
        annotated = custom.patch_cluster_custom_object(
            test_crds, "v1", "gadgets", name, {"metadata": {"annotations": {"a": "b"}}}
        )
        assert annotated["metadata"]["generation"] == 2
    finally:
        custom.delete_cluster_custom_object(test_crds, "v1", "gadgets", name)


def test_stale_put_is_409_conflict(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    stale = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a"), data={"v": "1"})
    )
    fresh = core.read_namespaced_config_map("a", namespace)
    fresh.data = {"v": "2"}
    core.replace_namespaced_config_map("a", namespace, fresh)
    stale.data = {"v": "3"}
    with pytest.raises(client.ApiException) as caught:
        core.replace_namespaced_config_map("a", namespace, stale)
    body = apis.error_body(caught.value)
    assert caught.value.status == 409 and body["reason"] == "Conflict"
    assert body["message"] == (
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_lease_updates_need_the_current_resource_version(
    api: client.ApiClient, namespace: str
) -> None:
    leases = apis.coordination(api)
    spec = client.V1LeaseSpec(holder_identity="a", lease_duration_seconds=15)
    lease = leases.create_namespaced_lease(
        namespace, client.V1Lease(metadata=client.V1ObjectMeta(name="leader"), spec=spec)
    )
    lease.spec.holder_identity = "b"
    taken = leases.replace_namespaced_lease("leader", namespace, lease)
    assert taken.spec.holder_identity == "b"
    lease.spec.holder_identity = "c"
    with pytest.raises(client.ApiException) as stale:
        leases.replace_namespaced_lease("leader", namespace, lease)
    assert stale.value.status == 409
    unconditional = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "leader"},
        "spec": {"holderIdentity": "d"},
    }
    response = raw(
        api,
        "PUT",
        path=f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/leader",
        body=unconditional,
        content_type="application/json",
    )
    assert response.status == 422
    assert response.body["details"]["causes"][0]["field"] == "metadata.resourceVersion"


def test_lease_can_be_created_by_put(api: client.ApiClient, namespace: str) -> None:
    body = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "new", "namespace": namespace},
        "spec": {"holderIdentity": "x"},
    }
    response = raw(
        api,
        "PUT",
        path=f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/new",
        body=body,
        content_type="application/json",
    )
    assert response.status == 201
    assert response.body["spec"]["holderIdentity"] == "x"


def test_unchanged_write_keeps_the_resource_version(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    cm = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a"), data={"k": "v"})
    )
    again = core.patch_namespaced_config_map("a", namespace, {"data": {"k": "v"}})
    assert again.metadata.resource_version == cm.metadata.resource_version


def test_server_owned_fields_cannot_be_overwritten(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    cm = core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a"))
    )
    patched = core.patch_namespaced_config_map(
        "a", namespace, {"metadata": {"uid": "forged", "creationTimestamp": "2000-01-01T00:00:00Z"}}
    )
    assert patched.metadata.uid == cm.metadata.uid
    assert patched.metadata.creation_timestamp == cm.metadata.creation_timestamp
