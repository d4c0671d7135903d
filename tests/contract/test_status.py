"""The status subresource: main writes keep status, /status writes keep everything else."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.contract import apis

from .target import raw


@pytest.fixture
def widget(api: client.ApiClient, test_crds: str, namespace: str) -> tuple[Any, ...]:
    body = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "small"},
        "status": {"phase": "ignored-on-create"},
    }
    created = apis.custom(api).create_namespaced_custom_object(
        test_crds, "v1", namespace, "widgets", body
    )
    assert "status" not in created
    return test_crds, "v1", namespace, "widgets", "w"


def test_status_write_changes_only_status(api: client.ApiClient, widget: tuple[Any, ...]) -> None:
    custom = apis.custom(api)
    updated = custom.patch_namespaced_custom_object_status(
        *widget, {"spec": {"size": "large"}, "status": {"phase": "Ready"}}
    )
    assert updated["status"] == {"phase": "Ready"}
    assert updated["spec"]["size"] == "small"
    assert updated["metadata"]["generation"] == 1


def test_main_write_ignores_status(api: client.ApiClient, widget: tuple[Any, ...]) -> None:
    custom = apis.custom(api)
    custom.patch_namespaced_custom_object_status(*widget, {"status": {"phase": "Ready"}})
    updated = custom.patch_namespaced_custom_object(
        *widget, {"spec": {"size": "medium"}, "status": {"phase": "Hacked"}}
    )
    assert updated["status"] == {"phase": "Ready"}
    assert updated["spec"]["size"] == "medium"
    assert updated["metadata"]["generation"] == 2


def test_put_status_with_whole_object(api: client.ApiClient, widget: tuple[Any, ...]) -> None:
    custom = apis.custom(api)
    current = custom.get_namespaced_custom_object(*widget)
    current["status"] = {"phase": "Progressing", "replicas": 3}
    current["spec"]["size"] = "large"
    replaced = custom.replace_namespaced_custom_object_status(*widget, current)
    assert replaced["status"] == {"phase": "Progressing", "replicas": 3}
    assert replaced["spec"]["size"] == "small"


def test_deployment_status(api: client.ApiClient, namespace: str) -> None:
    apps = apis.apps(api)
    labels = {"app": "web"}
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "a", "image": "a:1"}]},
            },
        },
    }
    apps.create_namespaced_deployment(namespace, body)
    written = apps.patch_namespaced_deployment_status(
        "web", namespace, {"status": {"readyReplicas": 2, "replicas": 2, "observedGeneration": 1}}
    )
    assert written.status.ready_replicas == 2
    kept = apps.patch_namespaced_deployment("web", namespace, {"status": {"readyReplicas": 0}})
    assert kept.status.ready_replicas == 2


def test_scale_subresource(api: client.ApiClient, widget: tuple[Any, ...], namespace: str) -> None:
    group = widget[0]
    path = f"/apis/{group}/v1/namespaces/{namespace}/widgets/w/scale"
    scale = raw(api, "GET", path=path).body
    assert (scale["kind"], scale["spec"]["replicas"]) == ("Scale", 1)
    patched = raw(
        api,
        "PATCH",
        path=path,
        body={"spec": {"replicas": 4}},
        content_type="application/merge-patch+json",
    ).body
    assert patched["spec"]["replicas"] == 4
    assert apis.custom(api).get_namespaced_custom_object(*widget)["spec"]["replicas"] == 4


def test_status_of_kind_without_subresource_is_404(api: client.ApiClient, namespace: str) -> None:
    apis.core(api).create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a"))
    )
    response = raw(api, "GET", path=f"/api/v1/namespaces/{namespace}/configmaps/a/status")
    assert response.status == 404
