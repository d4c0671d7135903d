"""Watches with the official client: replay from a resourceVersion, selectors, expiry."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from tests.contract import apis


def _cm(name: str, **labels: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels or None))


def _events(stream: Any, count: int) -> list[tuple[str, str]]:
    seen = []
    for event in stream:
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == count:
            break
    return seen


def test_replay_from_resource_version(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    start = core.list_namespaced_config_map(namespace).metadata.resource_version
    core.create_namespaced_config_map(namespace, _cm("a"))
    core.patch_namespaced_config_map("a", namespace, {"data": {"k": "v"}})
    core.delete_namespaced_config_map("a", namespace)
    stream = apis.new_watch().stream(
        core.list_namespaced_config_map, namespace, resource_version=start, timeout_seconds=10
    )
    assert _events(stream, 3) == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]


def test_watch_without_resource_version_starts_with_current_state(
    api: client.ApiClient, namespace: str
) -> None:
    core = apis.core(api)
    core.create_namespaced_config_map(namespace, _cm("a", watched="yes"))
    stream = apis.new_watch().stream(
        core.list_namespaced_config_map, namespace, label_selector="watched=yes", timeout_seconds=10
    )
    assert _events(stream, 1) == [("ADDED", "a")]


def test_label_selector_transitions(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    start = core.list_namespaced_config_map(namespace).metadata.resource_version
    core.create_namespaced_config_map(namespace, _cm("a", role="canary"))
    core.patch_namespaced_config_map("a", namespace, {"metadata": {"labels": {"role": "stable"}}})
    core.patch_namespaced_config_map("a", namespace, {"metadata": {"labels": {"role": "canary"}}})
    stream = apis.new_watch().stream(
        core.list_namespaced_config_map,
        namespace,
        label_selector="role=canary",
        resource_version=start,
        timeout_seconds=10,
    )
    assert _events(stream, 3) == [("ADDED", "a"), ("DELETED", "a"), ("ADDED", "a")]


def test_field_selector_on_watch(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    start = core.list_namespaced_config_map(namespace).metadata.resource_version
    core.create_namespaced_config_map(namespace, _cm("other"))
    core.create_namespaced_config_map(namespace, _cm("mine"))
    stream = apis.new_watch().stream(
        core.list_namespaced_config_map,
        namespace,
        field_selector="metadata.name=mine",
        resource_version=start,
        timeout_seconds=10,
    )
    assert _events(stream, 1) == [("ADDED", "mine")]


def test_timeout_seconds_ends_the_stream(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    start = core.list_namespaced_config_map(namespace).metadata.resource_version
    stream = apis.new_watch().stream(
        core.list_namespaced_config_map, namespace, resource_version=start, timeout_seconds=1
    )
    assert list(stream) == []


def test_too_old_resource_version_is_410(api: client.ApiClient, namespace: str) -> None:
    core = apis.core(api)
    stream = apis.new_watch().stream(
        core.list_namespaced_config_map, namespace, resource_version="1", timeout_seconds=10
    )
    with pytest.raises(client.ApiException) as caught:
        list(stream)
    assert caught.value.status == 410
    assert "too old resource version" in str(caught.value.reason)


def test_custom_resource_watch(api: client.ApiClient, test_crds: str, namespace: str) -> None:
    custom = apis.custom(api)
    args = (test_crds, "v1", namespace, "widgets")
    start = custom.list_namespaced_custom_object(*args)["metadata"]["resourceVersion"]
    body = {
        "apiVersion": f"{test_crds}/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "small"},
    }
    custom.create_namespaced_custom_object(*args, body)
    custom.patch_namespaced_custom_object_status(*args, "w", {"status": {"phase": "Ready"}})
    stream = apis.new_watch().stream(
        custom.list_namespaced_custom_object, *args, resource_version=start, timeout_seconds=10
    )
    seen = []
    for event in stream:
        seen.append((event["type"], (event["object"].get("status") or {}).get("phase")))
        if len(seen) == 2:
            break
    assert seen == [("ADDED", None), ("MODIFIED", "Ready")]
