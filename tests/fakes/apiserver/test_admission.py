"""Admission hooks: pluggable validators, istiod's weight checks, the request size limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from tests.contract import apis
from tests.fakes.apiserver import AdmissionRequest, FakeApiServer


@pytest.fixture
def custom(apiserver: FakeApiServer) -> Iterator[Any]:
    apiserver.install_crds()
    apiserver.admission.enable_istio_validation()
    with apiserver.api_client() as api:
        yield apis.custom(api)


def _vs(*weights: Any) -> dict[str, Any]:
    route = [
        {"destination": {"host": "web", "subset": f"s{i}"}, "weight": w}
        for i, w in enumerate(weights)
    ]
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "web"},
        "spec": {"hosts": ["web"], "http": [{"route": route}]},
    }


def _create(custom: Any, body: dict[str, Any]) -> Any:
    return custom.create_namespaced_custom_object(
        "networking.istio.io", "v1", "default", "virtualservices", body
    )


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ((100, -1), "weight -1 < 0"),
        ((0, 0), "total destination weight = 0"),
        ((50.5, 49.5), "weight must be an integer, got 50.5"),
    ],
)
def test_istio_weight_checks(custom: Any, weights: tuple[Any, ...], message: str) -> None:
    with pytest.raises(client.ApiException) as caught:
        _create(custom, _vs(*weights))
    body = apis.error_body(caught.value)
    assert caught.value.status == 400
    assert body["message"] == (
        'admission webhook "validation.istio.io" denied the request: '
        f"configuration is invalid: {message}"
    )


def test_istio_checks_allow_valid_routes_and_guard_updates(custom: Any) -> None:
    _create(custom, _vs(100, 0))
    args = ("networking.istio.io", "v1", "default", "virtualservices", "web")
    with pytest.raises(client.ApiException) as caught:
        custom.patch_namespaced_custom_object(
            *args,
            [{"op": "replace", "path": "/spec/http/0/route/0/weight", "value": 0}],
            _content_type="application/json-patch+json",
        )
    assert caught.value.status == 400
    assert (
        custom.get_namespaced_custom_object(*args)["spec"]["http"][0]["route"][0]["weight"] == 100
    )


def test_custom_hook_sees_identity_operation_and_objects(apiserver: FakeApiServer) -> None:
    seen: list[AdmissionRequest] = []

    def frozen(request: AdmissionRequest) -> str | None:
        seen.append(request)
        labels = ((request.old or {}).get("metadata") or {}).get("labels") or {}
        return "change-frozen" if labels.get("frozen") == "yes" else None

    apiserver.admission.add("freeze.example.com", frozen, resources=["configmaps"])
    with apiserver.api_client("ci") as api:
        core = apis.core(api)
        core.create_namespaced_config_map(
            "default",
            client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a", labels={"frozen": "yes"})),
        )
        with pytest.raises(client.ApiException) as caught:
            core.patch_namespaced_config_map("a", "default", {"data": {"x": "1"}})
        with pytest.raises(client.ApiException):
            core.delete_namespaced_config_map("a", "default")
    assert apis.error_body(caught.value)["message"].endswith("denied the request: change-frozen")
    assert [(r.operation, r.identity, r.name) for r in seen] == [
        ("CREATE", "ci", "a"),
        ("UPDATE", "ci", "a"),
        ("DELETE", "ci", "a"),
    ]
    assert seen[1].old is not None and seen[1].obj is not None
    apiserver.admission.remove("freeze.example.com")


def test_request_body_over_3_mib_is_413(apiserver: FakeApiServer) -> None:
    huge = client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="huge"), data={"blob": "x" * (3 * 1024 * 1024)}
    )
    with apiserver.api_client() as api, pytest.raises(client.ApiException) as caught:
        apis.core(api).create_namespaced_config_map("default", huge)
    assert caught.value.status == 413
    assert apis.error_body(caught.value)["message"] == (
        "Request entity too large: limit is 3145728"
    )
