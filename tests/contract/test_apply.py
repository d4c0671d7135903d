"""Server-side apply: create-or-merge, field ownership, conflicts, force."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client

from tests.contract import apis

from .target import raw

APPLY = "application/apply-patch+yaml"


def _cm(namespace: str, data: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cfg", "namespace": namespace, **extra},
        "data": data,
    }


def _apply(
    api: client.ApiClient,
    namespace: str,
    *,
    body: dict[str, Any],
    manager: str,
    force: bool = False,
) -> Any:
    query = {"fieldManager": manager, **({"force": "true"} if force else {})}
    return raw(
        api,
        "PATCH",
        path=f"/api/v1/namespaces/{namespace}/configmaps/cfg",
        body=json.dumps(body),
        content_type=APPLY,
        query=query,
    )


def _managers(obj: dict[str, Any]) -> dict[str, str]:
    return {m["manager"]: m["operation"] for m in obj["metadata"]["managedFields"]}


def test_apply_creates_then_merges(api: client.ApiClient, namespace: str) -> None:
    created = _apply(api, namespace, body=_cm(namespace, {"a": "1"}), manager="alice")
    assert created.status == 201
    assert _managers(created.body) == {"alice": "Apply"}
    entry = created.body["metadata"]["managedFields"][0]
    assert entry["fieldsType"] == "FieldsV1" and "f:a" in entry["fieldsV1"]["f:data"]
    merged = _apply(api, namespace, body=_cm(namespace, {"b": "2"}), manager="bob")
    assert merged.status == 200
    assert merged.body["data"] == {"a": "1", "b": "2"}
    assert _managers(merged.body) == {"alice": "Apply", "bob": "Apply"}


def test_conflict_without_force_and_takeover_with_force(
    api: client.ApiClient, namespace: str
) -> None:
    _apply(api, namespace, body=_cm(namespace, {"a": "1"}), manager="alice")
    conflict = _apply(api, namespace, body=_cm(namespace, {"a": "2"}), manager="bob")
    assert conflict.status == 409 and conflict.body["reason"] == "Conflict"
    assert 'conflict with "alice"' in conflict.body["message"]
    cause = conflict.body["details"]["causes"][0]
    assert (cause["reason"], cause["field"]) == ("FieldManagerConflict", ".data.a")
    forced = _apply(api, namespace, body=_cm(namespace, {"a": "2"}), manager="bob", force=True)
    assert forced.status == 200 and forced.body["data"] == {"a": "2"}
    assert "alice" not in _managers(forced.body)


def test_same_value_is_shared_not_a_conflict(api: client.ApiClient, namespace: str) -> None:
    _apply(api, namespace, body=_cm(namespace, {"a": "1"}), manager="alice")
    shared = _apply(api, namespace, body=_cm(namespace, {"a": "1"}), manager="bob")
    assert shared.status == 200
    assert set(_managers(shared.body)) == {"alice", "bob"}


def test_fields_no_longer_applied_are_removed(api: client.ApiClient, namespace: str) -> None:
    _apply(
        api,
        namespace,
        body=_cm(namespace, {"a": "1", "b": "2"}, labels={"x": "y"}),
        manager="alice",
    )
    trimmed = _apply(api, namespace, body=_cm(namespace, {"a": "1"}), manager="alice")
    assert trimmed.body["data"] == {"a": "1"}
    assert "x" not in (trimmed.body["metadata"].get("labels") or {})


def test_update_by_another_writer_then_apply_conflicts(
    api: client.ApiClient, namespace: str
) -> None:
    _apply(api, namespace, body=_cm(namespace, {"a": "1"}), manager="alice")
    raw(
        api,
        "PATCH",
        path=f"/api/v1/namespaces/{namespace}/configmaps/cfg",
        body={"data": {"a": "edited"}},
        content_type="application/merge-patch+json",
        query={"fieldManager": "editor"},
    )
    conflict = _apply(api, namespace, body=_cm(namespace, {"a": "1"}), manager="alice")
    assert conflict.status == 409
    assert 'conflict with "editor"' in conflict.body["message"]


def test_field_manager_is_required(api: client.ApiClient, namespace: str) -> None:
    response = raw(
        api,
        "PATCH",
        path=f"/api/v1/namespaces/{namespace}/configmaps/cfg",
        body=json.dumps(_cm(namespace, {"a": "1"})),
        content_type=APPLY,
    )
    assert response.status == 422
    assert "fieldManager" in response.body["message"]


def test_dynamic_client_server_side_apply(api: client.ApiClient, namespace: str) -> None:
    dynamic = apis.dynamic(api)
    deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")
    labels = {"app": "web"}
    body: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "a:1"}]},
            },
        },
    }
    first = deployments.server_side_apply(
        body=body, name="web", namespace=namespace, field_manager="rollout-engine"
    )
    assert first.spec.replicas == 2
    body["spec"]["template"]["spec"]["containers"][0]["image"] = "a:2"
    second = deployments.server_side_apply(
        body=body,
        name="web",
        namespace=namespace,
        field_manager="rollout-engine",
        force_conflicts=True,
    )
    assert second.spec.template.spec.containers[0].image == "a:2"
    assert second.metadata.generation == 2
    managers = {m["manager"] for m in second.to_dict()["metadata"]["managedFields"]}
    assert "rollout-engine" in managers


def test_apply_to_custom_resource_with_list_map(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    path = f"/apis/{test_crds}/v1/namespaces/{namespace}/widgets/w"
    body = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "small", "steps": [{"name": "a", "weight": 1}]},
    }
    raw(
        api,
        "PATCH",
        path=path,
        body=json.dumps(body),
        content_type=APPLY,
        query={"fieldManager": "git"},
    )
    mine = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "small", "steps": [{"name": "b", "weight": 2}]},
    }
    merged = raw(
        api,
        "PATCH",
        path=path,
        body=json.dumps(mine),
        content_type=APPLY,
        query={"fieldManager": "engine"},
    ).body
    assert [s["name"] for s in merged["spec"]["steps"]] == ["a", "b"]


def test_apply_status_subresource(api: client.ApiClient, test_crds: str, namespace: str) -> None:
    apis.custom(api).create_namespaced_custom_object(
        test_crds,
        "v1",
        namespace,
        "widgets",
        {
            "apiVersion": f"{test_crds}/v1",
            "kind": "Widget",
            "metadata": {"name": "w"},
            "spec": {"size": "small"},
        },
    )
    status = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "large"},
        "status": {"phase": "Ready"},
    }
    response = raw(
        api,
        "PATCH",
        path=f"/apis/{test_crds}/v1/namespaces/{namespace}/widgets/w/status",
        body=json.dumps(status),
        content_type=APPLY,
        query={"fieldManager": "ctl"},
    )
    assert response.status == 200
    assert response.body["status"] == {"phase": "Ready"}
    assert response.body["spec"]["size"] == "small"
    entry = next(m for m in response.body["metadata"]["managedFields"] if m["manager"] == "ctl")
    assert entry["subresource"] == "status"


@pytest.mark.parametrize("dry_run", ["All"])
def test_dry_run_apply_changes_nothing(api: client.ApiClient, namespace: str, dry_run: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/configmaps/cfg"
    response = raw(
        api,
        "PATCH",
        path=path,
        body=json.dumps(_cm(namespace, {"a": "1"})),
        content_type=APPLY,
        query={"fieldManager": "x", "dryRun": dry_run},
    )
    assert response.status == 201 and response.body["data"] == {"a": "1"}
    assert raw(api, "GET", path=path).status == 404
