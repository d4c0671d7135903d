"""Create, read, update, delete and list: status codes and Status bodies."""

from __future__ import annotations

import pytest
from kubernetes import client

from tests.contract import apis

from .target import raw


def _cm(name: str, **labels: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=name, labels=labels or None), data={"key": "value"}
    )


def test_create_is_201_and_returns_the_stored_object(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    created, status, _headers = core.create_namespaced_config_map_with_http_info(
        namespace, _cm("a")
    )
    assert status == 201
    assert created.metadata.namespace == namespace
    assert created.metadata.uid and created.metadata.resource_version
    assert core.read_namespaced_config_map("a", namespace).data == {"key": "value"}


def test_duplicate_create_is_409_already_exists(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    core.create_namespaced_config_map(namespace, _cm("a"))
    with pytest.raises(client.ApiException) as caught:
        core.create_namespaced_config_map(namespace, _cm("a"))
    body = apis.error_body(caught.value)
    assert caught.value.status == 409
    assert body["kind"] == "Status" and body["reason"] == "AlreadyExists"
    assert body["message"] == 'configmaps "a" already exists'
    assert body["details"] == {"name": "a", "kind": "configmaps"}


def test_missing_object_is_404_not_found_status(api: client.ApiClient, namespace: str) -> None:
    with pytest.raises(client.ApiException) as caught:
        apis.apps(api).read_namespaced_deployment("nope", namespace)
    body = apis.error_body(caught.value)
    assert caught.value.status == 404
    assert (body["status"], body["reason"], body["code"]) == ("Failure", "NotFound", 404)
    assert body["message"] == 'deployments.apps "nope" not found'
    assert body["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}


def test_list_has_kind_api_version_and_resource_version(
    api: client.ApiClient, namespace: str
) -> None:
    core = apis.core(api)
    core.create_namespaced_config_map(namespace, _cm("b"))
    core.create_namespaced_config_map(namespace, _cm("a"))
    listing = raw(api, "GET", path=f"/api/v1/namespaces/{namespace}/configmaps").body
    assert listing["kind"] == "ConfigMapList" and listing["apiVersion"] == "v1"
    assert int(listing["metadata"]["resourceVersion"]) > 0
    names = [
        i["metadata"]["name"]
        for i in listing["items"]
        if i["metadata"]["name"] != "kube-root-ca.crt"
    ]
    assert names == ["a", "b"]
    apps = raw(api, "GET", path=f"/apis/apps/v1/namespaces/{namespace}/deployments").body
    assert (apps["kind"], apps["apiVersion"], apps["items"]) == ("DeploymentList", "apps/v1", [])


def test_list_across_namespaces(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    core.create_namespaced_config_map(namespace, _cm("everywhere", probe=namespace))
    found = core.list_config_map_for_all_namespaces(label_selector=f"probe={namespace}").items
    assert [(c.metadata.namespace, c.metadata.name) for c in found] == [(namespace, "everywhere")]


def test_update_and_delete(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    cm = core.create_namespaced_config_map(namespace, _cm("a"))
    cm.data = {"key": "changed"}
    updated = core.replace_namespaced_config_map("a", namespace, cm)
    assert updated.data == {"key": "changed"}
    assert int(updated.metadata.resource_version) > int(cm.metadata.resource_version)
    status = core.delete_namespaced_config_map("a", namespace)
    assert status["status"] == "Success"
    assert status["details"]["name"] == "a" and status["details"]["uid"] == cm.metadata.uid
    with pytest.raises(client.ApiException) as caught:
        core.read_namespaced_config_map("a", namespace)
    assert caught.value.status == 404


def test_create_in_a_missing_namespace_is_404(api: client.ApiClient) -> None:
    with pytest.raises(client.ApiException) as caught:
        apis.core(api).create_namespaced_config_map("no-such-namespace-x", _cm("a"))
    assert caught.value.status == 404
    assert apis.error_body(caught.value)["details"]["kind"] == "namespaces"


def test_invalid_name_is_422_with_causes(api: client.ApiClient, namespace: str) -> None:
    with pytest.raises(client.ApiException) as caught:
        apis.core(api).create_namespaced_config_map(namespace, _cm("Not_Valid"))
    body = apis.error_body(caught.value)
    assert caught.value.status == 422 and body["reason"] == "Invalid"
    assert body["message"].startswith('ConfigMap "Not_Valid" is invalid: metadata.name')
    assert body["details"]["causes"][0]["field"] == "metadata.name"


def test_generate_name(api: client.ApiClient, namespace: str) -> None:
    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(generate_name="gen-"))
    created = apis.core(api).create_namespaced_config_map(namespace, body)
    assert created.metadata.name.startswith("gen-") and len(created.metadata.name) == 9


def test_cluster_scoped_custom_resources(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    custom = apis.custom(api)
    name = f"{namespace}-g"
    body = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Gadget",
        "metadata": {"name": name},
        "spec": {"any": {"thing": 1}},
    }
    created = custom.create_cluster_custom_object(test_crds, "v1", "gadgets", body)
    assert "namespace" not in created["metadata"]
    assert custom.get_cluster_custom_object(test_crds, "v1", "gadgets", name)["spec"] == {
        "any": {"thing": 1}
    }
    listed = custom.list_cluster_custom_object(test_crds, "v1", "gadgets")
    assert listed["kind"] == "GadgetList" and name in [
        i["metadata"]["name"] for i in listed["items"]
    ]
    custom.delete_cluster_custom_object(test_crds, "v1", "gadgets", name)
    with pytest.raises(client.ApiException) as caught:
        custom.get_cluster_custom_object(test_crds, "v1", "gadgets", name)
    assert caught.value.status == 404


def test_custom_resource_versions_share_storage(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    custom = apis.custom(api)
    body = {
        "apiVersion": f"{test_crds}/v1alpha1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "small"},
    }
    custom.create_namespaced_custom_object(test_crds, "v1alpha1", namespace, "widgets", body)
    as_v1 = custom.get_namespaced_custom_object(test_crds, "v1", namespace, "widgets", "w")
    assert as_v1["apiVersion"] == f"{test_crds}/v1" and as_v1["spec"]["size"] == "small"
