"""The world simulator: Deployment/ReplicaSet status as a cluster's controllers write it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.contract import apis
from tests.fakes.apiserver import FakeApiServer


def _deployment(name: str = "web", replicas: int = 3) -> dict[str, Any]:
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
                "spec": {"containers": [{"name": "a", "image": "a:1"}]},
            },
        },
    }


@pytest.fixture
def apps(apiserver: FakeApiServer) -> Iterator[Any]:
    with apiserver.api_client() as api:
        yield apis.apps(api)


def _conditions(deployment: Any) -> dict[str, str]:
    return {c.type: c.status for c in deployment.status.conditions or []}


def test_off_by_default(apiserver: FakeApiServer, apps: Any) -> None:
    apps.create_namespaced_deployment("default", _deployment())
    assert apps.read_namespaced_deployment("web", "default").status.ready_replicas is None


def test_immediate_mode_follows_every_spec_change(apiserver: FakeApiServer, apps: Any) -> None:
    apiserver.world.enable()
    apps.create_namespaced_deployment("default", _deployment())
    status = apps.read_namespaced_deployment("web", "default").status
    assert (
        status.ready_replicas,
        status.available_replicas,
        status.updated_replicas,
        status.observed_generation,
    ) == (3, 3, 3, 1)
    apps.patch_namespaced_deployment("web", "default", {"spec": {"replicas": 5}})
    scaled = apps.read_namespaced_deployment("web", "default")
    assert (scaled.status.ready_replicas, scaled.status.observed_generation) == (5, 2)
    assert _conditions(scaled) == {"Available": "True", "Progressing": "True"}
    managers = {(m.manager, m.subresource) for m in scaled.metadata.managed_fields}
    assert ("kube-controller-manager", "status") in managers


def test_manual_mode_waits_for_settle(apiserver: FakeApiServer, apps: Any) -> None:
    apiserver.world.enable(mode="manual")
    apps.create_namespaced_deployment("default", _deployment())
    assert apps.read_namespaced_deployment("web", "default").status.ready_replicas is None
    assert apiserver.world.pending == [("deployments.apps", ("default", "web"))]
    assert apiserver.world.settle() == 1
    assert apps.read_namespaced_deployment("web", "default").status.ready_replicas == 3


def test_hold_keeps_replicas_unready(apiserver: FakeApiServer, apps: Any) -> None:
    apiserver.world.enable()
    apps.create_namespaced_deployment("default", _deployment())
    apiserver.world.hold("Deployment", "web", ready=1)
    held = apps.read_namespaced_deployment("web", "default")
    assert (held.status.ready_replicas, held.status.unavailable_replicas) == (1, 2)
    assert _conditions(held)["Available"] == "False"
    apiserver.world.release("Deployment", "web")
    assert apps.read_namespaced_deployment("web", "default").status.ready_replicas == 3


def test_replica_sets(apiserver: FakeApiServer, apps: Any) -> None:
    apiserver.world.enable()
    body = _deployment("rs", replicas=2)
    body["kind"] = "ReplicaSet"
    for key in ("strategy",):
        body["spec"].pop(key, None)
    apps.create_namespaced_replica_set("default", body)
    status = apps.read_namespaced_replica_set("rs", "default").status
    assert (status.replicas, status.ready_replicas, status.fully_labeled_replicas) == (2, 2, 2)


def test_delayed_mode(make_apiserver: Any) -> None:
    server: FakeApiServer = make_apiserver()
    server.world.enable(mode="delayed", delay=0.2)
    with server.api_client() as api:
        apps = apis.apps(api)
        created = apps.create_namespaced_deployment("default", _deployment())
        assert created.status is None or created.status.ready_replicas is None
        stream = apis.new_watch().stream(
            apps.list_namespaced_deployment,
            "default",
            resource_version=created.metadata.resource_version,
            timeout_seconds=10,
        )
        event = next(iter(stream))
    assert (event["type"], event["object"].status.ready_replicas) == ("MODIFIED", 3)
