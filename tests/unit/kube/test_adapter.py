"""The Kubernetes adapter against the fake API server: kubectl's config resolution, plain-dict
CRUD, explicit patch content types, server-side apply, the status subresource, and API
failures mapped onto the exception tree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from rollout_engine.errors import Conflict, Forbidden, KubeError, NotFound
from rollout_engine.kube import Objects, connect, kind
from tests.paths import CRDS

DEPLOYMENT = kind("Deployment")
ROLLOUT = kind("Rollout")
SERVICE = kind("Service")


def _deployment(name: str = "web", namespace: str = "shop") -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "web:1"}]},
            },
        },
    }


def _rollout(name: str = "web", namespace: str = "shop") -> dict[str, Any]:
    return {
        "apiVersion": "rollout-engine.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "workloadRef": {"name": name},
            "strategy": {"blueGreen": {}},
        },
    }


@pytest.fixture
def objects(apiserver: Any) -> Objects:
    apiserver.install_crds(CRDS / "rollouts.yaml")
    objects = Objects(connect(kubeconfig=str(apiserver.kubeconfig_for("engine"))).api_client)
    objects.create(kind("Namespace"), {"metadata": {"name": "shop"}})
    return objects


def test_connect_follows_kubectl_resolution(
    apiserver: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    path = apiserver.kubeconfig_for("engine")
    config = yaml.safe_load(path.read_text())
    config["contexts"][0]["context"]["namespace"] = "team-a"
    second = dict(config["contexts"][0], name="other")
    second["context"] = dict(second["context"], namespace="team-b")
    config["contexts"].append(second)
    edited = tmp_path / "config"
    edited.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{edited}")
    assert connect().namespace == "team-a"
    assert connect(context="other").namespace == "team-b"
    assert connect(context="other").context == "other"
    assert connect(kubeconfig=str(path)).namespace == "default"


def test_connect_explains_what_is_missing(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nope"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(KubeError, match="no kubeconfig found"):
        connect()
    with pytest.raises(KubeError, match="does not exist"):
        connect(kubeconfig=str(tmp_path / "absent"))


def test_create_get_list_and_already_exists(objects: Objects) -> None:
    created = objects.create(DEPLOYMENT, _deployment())
    assert created["metadata"]["uid"]
    assert objects.get(DEPLOYMENT, name="web", namespace="shop")["spec"]["replicas"] == 2
    items, version = objects.list_items(DEPLOYMENT, namespace="shop")
    assert [i["metadata"]["name"] for i in items] == ["web"]
    assert items[0]["kind"] == "Deployment" and version
    with pytest.raises(Conflict) as info:
        objects.create(DEPLOYMENT, _deployment())
    assert info.value.reason == "AlreadyExists"


def test_missing_object_is_not_found_with_the_servers_words(objects: Objects) -> None:
    with pytest.raises(
        NotFound, match=re.escape('get Deployment nope: deployments.apps "nope" not found')
    ):
        objects.get(DEPLOYMENT, name="nope", namespace="shop")


def test_stale_replace_is_a_conflict(objects: Objects) -> None:
    first = objects.create(DEPLOYMENT, _deployment())
    objects.patch(DEPLOYMENT, name="web", namespace="shop", patch={"spec": {"replicas": 3}})
    stale = dict(first, spec=dict(first["spec"], replicas=5))
    with pytest.raises(Conflict) as info:
        objects.replace(DEPLOYMENT, stale)
    assert info.value.reason == "Conflict"


def test_patch_content_types_are_explicit(objects: Objects, apiserver: Any) -> None:
    objects.create(ROLLOUT, _rollout())
    objects.patch(ROLLOUT, name="web", namespace="shop", patch={"metadata": {"labels": {"a": "1"}}})
    ops = [{"op": "add", "path": "/metadata/labels/b", "value": "2"}]
    patched = objects.patch(ROLLOUT, name="web", namespace="shop", patch=ops, patch_type="json")
    assert patched["metadata"]["labels"] == {"a": "1", "b": "2"}
    types = [r.content_type for r in apiserver.journal.writes(verb="patch")]
    assert types == ["application/merge-patch+json", "application/json-patch+json"]
    with pytest.raises(KubeError, match="merge patch must be an object"):
        objects.patch(ROLLOUT, name="web", namespace="shop", patch=ops)


def test_server_side_apply_records_our_field_manager(objects: Objects, apiserver: Any) -> None:
    body = {"metadata": {"name": "web", "namespace": "shop"}, "spec": {"ports": [{"port": 80}]}}
    objects.apply(SERVICE, body)
    (write,) = apiserver.journal.writes(resource="services")
    assert (write.content_type, write.field_manager) == (
        "application/apply-patch+yaml",
        "rollout-engine",
    )
    service = objects.get(SERVICE, name="web", namespace="shop")
    managers = {m["manager"] for m in service["metadata"]["managedFields"]}
    assert managers == {"rollout-engine"}


def test_status_subresource_writes_only_status(objects: Objects) -> None:
    created = objects.create(ROLLOUT, _rollout())
    generation = created["metadata"]["generation"]
    patched = objects.patch(
        ROLLOUT, name="web", namespace="shop", patch={"status": {"phase": "Paused"}}, status=True
    )
    assert patched["status"]["phase"] == "Paused"
    assert patched["metadata"]["generation"] == generation
    body = dict(patched, status={"phase": "Healthy"}, spec={"workloadRef": {"name": "other"}})
    replaced = objects.replace(ROLLOUT, body, status=True)
    assert replaced["status"]["phase"] == "Healthy"
    assert replaced["spec"]["workloadRef"]["name"] == "web"


def test_forbidden_and_unreachable_are_clear(objects: Objects, apiserver: Any) -> None:
    apiserver.authorize(lambda request: request.verb != "delete")
    objects.create(DEPLOYMENT, _deployment())
    with pytest.raises(Forbidden, match="delete Deployment web:"):
        objects.delete(DEPLOYMENT, name="web", namespace="shop")
    apiserver.authorize(None)
    objects.delete(DEPLOYMENT, name="web", namespace="shop")
    apiserver.stop()
    with pytest.raises(
        KubeError, match=re.escape("cannot reach the API server at https://127.0.0.1")
    ):
        objects.get(DEPLOYMENT, name="web", namespace="shop")


def test_server_errors_keep_their_status(objects: Objects, apiserver: Any) -> None:
    apiserver.faults.fail(503, verb="get", resource="deployments", times=1)
    with pytest.raises(KubeError) as info:
        objects.get(DEPLOYMENT, name="web", namespace="shop")
    assert info.value.status == 503
    assert not isinstance(info.value, NotFound | Conflict | Forbidden)
