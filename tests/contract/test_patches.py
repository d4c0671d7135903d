"""PATCH by content type, including the content-type traps of the python client."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.contract import apis

from .target import raw

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"


def _deployment() -> dict[str, Any]:
    labels = {"app": "web"}
    containers = [
        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}]},
        {"name": "sidecar", "image": "proxy:1"},
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}},
        },
    }


@pytest.fixture
def deployment(api: client.ApiClient, namespace: str) -> str:
    apis.apps(api).create_namespaced_deployment(namespace, _deployment())
    return f"/apis/apps/v1/namespaces/{namespace}/deployments/web"


def _containers(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in body["spec"]["template"]["spec"]["containers"]}


def test_strategic_merge_merges_containers_by_name(api: client.ApiClient, deployment: str) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "app", "image": "app:2", "env": [{"name": "B", "value": "2"}]}
                    ]
                }
            }
        }
    }
    body = raw(api, "PATCH", path=deployment, body=patch, content_type=STRATEGIC).body
    containers = _containers(body)
    assert containers["app"]["image"] == "app:2"
    assert [e["name"] for e in containers["app"]["env"]] == ["A", "B"]
    assert containers["sidecar"]["image"] == "proxy:1"


def test_strategic_merge_delete_directive(api: client.ApiClient, deployment: str) -> None:
    patch = {
        "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}
    }
    body = raw(api, "PATCH", path=deployment, body=patch, content_type=STRATEGIC).body
    assert list(_containers(body)) == ["app"]


def test_merge_patch_replaces_lists(api: client.ApiClient, deployment: str) -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x:1"}]}}}}
    body = raw(api, "PATCH", path=deployment, body=patch, content_type=MERGE).body
    assert list(_containers(body)) == ["only"]
    cleared = raw(
        api,
        "PATCH",
        path=deployment,
        content_type=MERGE,
        body={"metadata": {"labels": {"gone": None, "kept": "yes"}}},
    ).body
    assert cleared["metadata"]["labels"] == {"kept": "yes"}


def test_json_patch_and_failed_test_operation(api: client.ApiClient, deployment: str) -> None:
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 4},
    ]
    assert (
        raw(api, "PATCH", path=deployment, body=ops, content_type=JSON_PATCH).body["spec"][
            "replicas"
        ]
        == 4
    )
    failing = raw(api, "PATCH", path=deployment, body=ops, content_type=JSON_PATCH)
    assert failing.status == 422
    missing = [{"op": "replace", "path": "/spec/nothing/here", "value": 1}]
    assert raw(api, "PATCH", path=deployment, body=missing, content_type=JSON_PATCH).status == 422


def test_typed_client_sends_dicts_as_strategic_and_lists_as_json_patch(
    api: client.ApiClient, namespace: str, deployment: str
) -> None:
    apps = apis.apps(api)
    apps.patch_namespaced_deployment("web", namespace, {"spec": {"replicas": 2}})
    patched = apps.patch_namespaced_deployment(
        "web", namespace, [{"op": "replace", "path": "/spec/replicas", "value": 5}]
    )
    assert patched.spec.replicas == 5


def _widget(test_crds: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "small", "steps": [{"name": "a", "weight": 1}]},
    }


def test_custom_objects_patch_content_types(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    custom = apis.custom(api)
    args = (test_crds, "v1", namespace, "widgets", "w")
    custom.create_namespaced_custom_object(
        test_crds, "v1", namespace, "widgets", _widget(test_crds)
    )
    merged = custom.patch_namespaced_custom_object(*args, {"spec": {"size": "large"}})
    assert merged["spec"]["size"] == "large"
    ops = [{"op": "add", "path": "/spec/steps/-", "value": {"name": "b"}}]
    with pytest.raises(client.ApiException) as as_merge:
        custom.patch_namespaced_custom_object(*args, ops)
    assert as_merge.value.status == 422
    assert apis.error_body(as_merge.value)["details"]["causes"][0]["field"] == "patch"
    patched = custom.patch_namespaced_custom_object(*args, ops, _content_type=JSON_PATCH)
    assert [s["name"] for s in patched["spec"]["steps"]] == ["a", "b"]


def test_strategic_merge_on_custom_resources_is_415(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    apis.custom(api).create_namespaced_custom_object(
        test_crds, "v1", namespace, "widgets", _widget(test_crds)
    )
    response = raw(
        api,
        "PATCH",
        path=f"/apis/{test_crds}/v1/namespaces/{namespace}/widgets/w",
        body={"spec": {"size": "medium"}},
        content_type=STRATEGIC,
    )
    assert response.status == 415
    assert response.body["reason"] == "UnsupportedMediaType"


def test_array_merge_patch_on_builtin_is_rejected(api: client.ApiClient, deployment: str) -> None:
    response = raw(
        api, "PATCH", path=deployment, body=[{"op": "remove", "path": "/spec"}], content_type=MERGE
    )
    assert response.status == 422
    assert response.body["reason"] == "Invalid"


def test_patch_with_stale_resource_version_is_409(api: client.ApiClient, deployment: str) -> None:
    patch = {"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 2}}
    response = raw(api, "PATCH", path=deployment, body=patch, content_type=MERGE)
    assert response.status == 409 and response.body["reason"] == "Conflict"


def test_patch_of_missing_object_is_404(api: client.ApiClient, namespace: str) -> None:
    response = raw(
        api,
        "PATCH",
        path=f"/api/v1/namespaces/{namespace}/configmaps/none",
        body={"data": {"a": "b"}},
        content_type=MERGE,
    )
    assert response.status == 404
