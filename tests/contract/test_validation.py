"""Custom resources are pruned, defaulted and validated against their CRD's schema."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.contract import apis


def _create(
    api: client.ApiClient, group: str, *, namespace: str, spec: dict[str, Any], **query: str
) -> dict[str, Any]:
    body = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec}
    created: dict[str, Any] = apis.custom(api).create_namespaced_custom_object(
        group, "v1", namespace, "widgets", body, **query
    )
    return created


def _invalid(
    api: client.ApiClient, group: str, *, namespace: str, spec: dict[str, Any]
) -> dict[str, Any]:
    with pytest.raises(client.ApiException) as caught:
        _create(api, group, namespace=namespace, spec=spec)
    assert caught.value.status == 422
    body: dict[str, Any] = apis.error_body(caught.value)
    assert body["reason"] == "Invalid" and body["details"]["kind"] == "Widget"
    return body


def test_defaults_and_pruning(api: client.ApiClient, test_crds: str, namespace: str) -> None:
    created = _create(
        api,
        test_crds,
        namespace=namespace,
        spec={"size": "small", "unknown": 1, "extra": {"free": {"form": True}}},
    )
    assert created["spec"] == {"size": "small", "replicas": 1, "extra": {"free": {"form": True}}}


def test_strict_field_validation_rejects_unknown_fields(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    with pytest.raises(client.ApiException) as caught:
        _create(
            api,
            test_crds,
            namespace=namespace,
            spec={"size": "small", "unknown": 1},
            field_validation="Strict",
        )
    assert caught.value.status == 400
    assert 'unknown field "spec.unknown"' in apis.error_body(caught.value)["message"]


def test_wrong_type_is_invalid_with_field_cause(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    body = _invalid(
        api, test_crds, namespace=namespace, spec={"size": "small", "replicas": "three"}
    )
    cause = body["details"]["causes"][0]
    assert cause["field"] == "spec.replicas"
    assert "must be of type integer" in cause["message"]
    assert body["message"].startswith(f'Widget.{test_crds} "w" is invalid: spec.replicas')


def test_required_enum_and_bounds(api: client.ApiClient, test_crds: str, namespace: str) -> None:
    missing = _invalid(api, test_crds, namespace=namespace, spec={"replicas": 1})
    assert missing["details"]["causes"][0]["field"] == "spec.size"
    assert missing["details"]["causes"][0]["reason"] == "FieldValueRequired"
    enum = _invalid(api, test_crds, namespace=namespace, spec={"size": "huge"})
    assert enum["details"]["causes"][0]["reason"] == "FieldValueNotSupported"
    bounds = _invalid(api, test_crds, namespace=namespace, spec={"size": "small", "replicas": 11})
    assert bounds["details"]["causes"][0]["field"] == "spec.replicas"


def test_int_or_string_and_nullable(api: client.ApiClient, test_crds: str, namespace: str) -> None:
    created = _create(
        api, test_crds, namespace=namespace, spec={"size": "small", "port": "http", "note": None}
    )
    assert created["spec"]["port"] == "http"
    patched = apis.custom(api).patch_namespaced_custom_object(
        test_crds, "v1", namespace, "widgets", "w", {"spec": {"port": 8080}}
    )
    assert patched["spec"]["port"] == 8080
    _invalid_port = {"size": "small", "port": [1]}
    apis.custom(api).delete_namespaced_custom_object(test_crds, "v1", namespace, "widgets", "w")
    assert _invalid(api, test_crds, namespace=namespace, spec=_invalid_port)["details"]["causes"]


def test_invalid_update_is_refused_and_object_unchanged(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    _create(api, test_crds, namespace=namespace, spec={"size": "small"})
    custom = apis.custom(api)
    with pytest.raises(client.ApiException) as caught:
        custom.patch_namespaced_custom_object(
            test_crds, "v1", namespace, "widgets", "w", {"spec": {"size": "tiny"}}
        )
    assert caught.value.status == 422
    current = custom.get_namespaced_custom_object(test_crds, "v1", namespace, "widgets", "w")
    assert current["spec"]["size"] == "small"


def test_put_of_custom_resource_needs_resource_version(
    api: client.ApiClient, test_crds: str, namespace: str
) -> None:
    created = _create(api, test_crds, namespace=namespace, spec={"size": "small"})
    del created["metadata"]["resourceVersion"]
    with pytest.raises(client.ApiException) as caught:
        apis.custom(api).replace_namespaced_custom_object(
            test_crds, "v1", namespace, "widgets", "w", created
        )
    assert caught.value.status == 422
    assert "must be specified for an update" in apis.error_body(caught.value)["message"]
