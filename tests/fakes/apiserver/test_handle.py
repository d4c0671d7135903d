"""The fixture's handle: identities, journal, direct store access, CRDs, wipe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kubernetes import client, config

from tests.contract import apis
from tests.fakes.apiserver import ISTIO_CRDS, AuthzRequest, FakeApiServer


def test_server_is_https_with_a_verifiable_certificate(apiserver: FakeApiServer) -> None:
    assert apiserver.url.startswith("https://127.0.0.1:")
    with apiserver.api_client() as api:
        assert apis.version(api).get_code().git_version == "v1.32.4"
    config = apiserver.kubeconfig.read_text()
    assert "certificate-authority-data" in config and "insecure" not in config


def test_identities_are_told_apart(apiserver: FakeApiServer) -> None:
    for identity in ("controller-a", "controller-b"):
        with apiserver.api_client(identity) as api:
            apis.core(api).list_namespaced_config_map("default")
    apiserver.kubectl("get", "cm", identity="operator")
    lists = apiserver.journal.entries(verb="list", resource="configmaps")
    assert [r.identity for r in lists] == ["controller-a", "controller-b", "operator"]


def test_unknown_token_is_401(apiserver: FakeApiServer, tmp_path: Path) -> None:
    forged = tmp_path / "forged.yaml"
    forged.write_text(apiserver.kubeconfig.read_text().replace("fake-token-admin", "forged"))
    api = config.new_client_from_config(config_file=str(forged))
    with api, pytest.raises(client.ApiException) as caught:
        apis.core(api).list_namespace()
    assert caught.value.status == 401
    assert apiserver.journal.entries()[-1].identity == ""


def test_journal_records_writes_in_detail(apiserver: FakeApiServer) -> None:
    with apiserver.api_client() as api:
        core = apis.core(api)
        core.create_namespaced_config_map(
            "default",
            client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a")),
            field_manager="engine",
        )
        core.patch_namespaced_config_map(
            "a", "default", {"data": {"k": "v"}}, field_manager="engine"
        )
    create, patch = apiserver.journal.writes(resource="configmaps")
    assert (create.method, create.verb, create.status, create.identity) == (
        "POST",
        "create",
        201,
        "admin",
    )
    assert create.path == "/api/v1/namespaces/default/configmaps"
    assert create.field_manager == "engine" and create.json()["metadata"]["name"] == "a"
    assert create.rv_before == "" and int(create.rv_after) > 0
    assert patch.content_type == "application/strategic-merge-patch+json"
    assert patch.rv_before == create.rv_after and int(patch.rv_after) > int(patch.rv_before)
    assert patch.json() == {"data": {"k": "v"}} and patch.name == "a"
    assert patch.time >= create.time and patch.seq == create.seq + 1


def test_journal_subscribers_see_the_store_after_each_write(apiserver: FakeApiServer) -> None:
    seen: list[str | None] = []

    def check(record: object) -> None:
        obj = apiserver.store.get("v1", "ConfigMap", name="a")
        seen.append(obj["data"]["k"] if obj else None)

    unsubscribe = apiserver.journal.subscribe(check)
    with apiserver.api_client() as api:
        core = apis.core(api)
        core.create_namespaced_config_map(
            "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a"), data={"k": "1"})
        )
        core.patch_namespaced_config_map("a", "default", {"data": {"k": "2"}})
    unsubscribe()
    assert seen == ["1", "2"]


def test_direct_store_plays_a_controller(apiserver: FakeApiServer) -> None:
    labels = {"app": "web"}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "a", "image": "a"}]},
            },
        },
    }
    created = apiserver.store.put(deployment)
    assert created["metadata"]["generation"] == 1 and created["metadata"]["namespace"] == "default"
    with apiserver.api_client() as api:
        apps = apis.apps(api)
        start = apps.read_namespaced_deployment("web", "default").metadata.resource_version
        updated = apiserver.store.set_status(
            "apps/v1", "Deployment", name="web", status={"readyReplicas": 3}
        )
        assert updated["metadata"]["generation"] == 1
        stream = apis.new_watch().stream(
            apps.list_namespaced_deployment, "default", resource_version=start, timeout_seconds=5
        )
        event = next(iter(stream))
    assert (event["type"], event["object"].status.ready_replicas) == ("MODIFIED", 3)
    bumped = apiserver.store.update(
        "apps/v1", "Deployment", name="web", mutate=lambda d: d["spec"].update(replicas=5)
    )
    assert bumped["metadata"]["generation"] == 2
    assert [d["metadata"]["name"] for d in apiserver.store.list("apps/v1", "Deployment")] == ["web"]
    assert apiserver.store.delete("apps/v1", "Deployment", name="web") is True
    assert apiserver.store.get("apps/v1", "Deployment", name="web") is None
    assert not apiserver.journal.writes()


def test_install_crds_and_wipe(apiserver: FakeApiServer) -> None:
    assert apiserver.install_crds(ISTIO_CRDS) == [
        "virtualservices.networking.istio.io",
        "destinationrules.networking.istio.io",
    ]
    apiserver.store.put(
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": {"name": "vs"},
            "spec": {"hosts": ["a"]},
        }
    )
    assert (
        apiserver.store.get("networking.istio.io/v1beta1", "VirtualService", name="vs") is not None
    )
    apiserver.wipe()
    with pytest.raises(KeyError):
        apiserver.store.get("networking.istio.io/v1", "VirtualService", name="vs")
    names = [n["metadata"]["name"] for n in apiserver.store.list("v1", "Namespace")]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_kubectl_helper_and_yaml_output(apiserver: FakeApiServer) -> None:
    apiserver.kubectl(
        "apply",
        "--validate=false",
        "-f",
        "-",
        input=json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
    )
    result = apiserver.kubectl("get", "cm", "x", "-o", "yaml")
    assert "name: x" in result.stdout
    failed = apiserver.kubectl("get", "cm", "nope", check=False)
    assert failed.returncode == 1 and "NotFound" in failed.stderr


def test_servers_are_independent(make_apiserver: object) -> None:
    first = make_apiserver()  # type: ignore[operator]
    second = make_apiserver(seed=7)  # type: ignore[operator]
    first.store.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "only"}})
    assert second.store.get("v1", "ConfigMap", name="only") is None
    assert first.url != second.url


def test_authorizer_denies_like_rbac(apiserver: FakeApiServer) -> None:
    def allow(request: AuthzRequest) -> bool:
        return request.identity != "viewer" or request.verb in ("get", "list", "watch")

    apiserver.authorize(allow)
    with apiserver.api_client("viewer") as api:
        assert apis.core(api).list_namespaced_config_map("default").items == []
        with pytest.raises(client.ApiException) as caught:
            apis.core(api).create_namespaced_config_map(
                "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a"))
            )
    body = apis.error_body(caught.value)
    assert caught.value.status == 403 and body["reason"] == "Forbidden"
    assert body["message"] == (
        'configmaps is forbidden: User "viewer" cannot create resource '
        '"configmaps" in API group "" in the namespace "default"'
    )
    denied = apiserver.kubectl("delete", "namespace", "default", identity="viewer", check=False)
    assert (
        'namespaces "default" is forbidden: User "viewer" cannot delete resource "namespaces" '
        'in API group "" at the cluster scope' in denied.stderr
    )
    apiserver.authorize(None)
    with apiserver.api_client("viewer") as api:
        apis.core(api).create_namespaced_config_map(
            "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="a"))
        )


def test_kubectl_auth_can_i_asks_the_authorizer(apiserver: FakeApiServer) -> None:
    apiserver.authorize(lambda request: request.verb != "delete")
    allowed = apiserver.kubectl("auth", "can-i", "create", "configmaps", check=False)
    denied = apiserver.kubectl("auth", "can-i", "delete", "configmaps", check=False)
    assert (allowed.returncode, allowed.stdout.strip()) == (0, "yes")
    assert (denied.returncode, denied.stdout.strip()) == (1, "no")
