"""Discovery: what kubectl and the dynamic client learn about the served resources."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from .target import KubeTarget, raw


def _resources(api: client.ApiClient, path: str) -> dict[str, dict[str, Any]]:
    body = raw(api, "GET", path=path).body
    return {r["name"]: r for r in body["resources"]}


def test_version_and_core_group(api: client.ApiClient) -> None:
    version = raw(api, "GET", path="/version").body
    assert version["major"] == "1" and version["gitVersion"].startswith("v1.")
    core = raw(api, "GET", path="/api").body
    assert core["kind"] == "APIVersions"
    assert core["versions"] == ["v1"]
    listing = raw(api, "GET", path="/api/v1").body
    assert listing["groupVersion"] == "v1"


def test_core_resources_carry_verbs_scope_and_short_names(api: client.ApiClient) -> None:
    core = _resources(api, "/api/v1")
    assert core["configmaps"]["namespaced"] is True
    assert core["configmaps"]["kind"] == "ConfigMap"
    assert "cm" in core["configmaps"]["shortNames"]
    assert {"create", "get", "list", "watch", "patch", "update", "delete"} <= set(
        core["configmaps"]["verbs"]
    )
    assert core["namespaces"]["namespaced"] is False
    for name in ("secrets", "services", "events", "pods", "namespaces/status"):
        assert name in core


def test_group_list_and_subresources(api: client.ApiClient) -> None:
    groups = {g["name"]: g for g in raw(api, "GET", path="/apis").body["groups"]}
    for name in (
        "apps",
        "networking.k8s.io",
        "coordination.k8s.io",
        "events.k8s.io",
        "apiextensions.k8s.io",
    ):
        assert groups[name]["preferredVersion"]["groupVersion"] == f"{name}/v1"
    apps = _resources(api, "/apis/apps/v1")
    assert apps["deployments"]["singularName"] == "deployment"
    assert apps["deployments/status"]["verbs"] == ["get", "patch", "update"]
    assert apps["deployments/scale"]["kind"] == "Scale"
    assert "leases" in _resources(api, "/apis/coordination.k8s.io/v1")
    assert "ingresses" in _resources(api, "/apis/networking.k8s.io/v1")


def test_unknown_paths_are_404_status(api: client.ApiClient) -> None:
    response = raw(api, "GET", path="/apis/no.such.group/v1")
    assert response.status == 404
    assert raw(api, "GET", path="/api/v1/nosuchthings").status == 404


def test_crd_versions_names_and_subresources_are_served(
    api: client.ApiClient, test_crds: str
) -> None:
    group = {g["name"]: g for g in raw(api, "GET", path="/apis").body["groups"]}[test_crds]
    assert [v["version"] for v in group["versions"]] == ["v1", "v1alpha1"]
    assert group["preferredVersion"]["version"] == "v1"
    widgets = _resources(api, f"/apis/{test_crds}/v1")
    assert widgets["widgets"]["namespaced"] is True
    assert widgets["widgets"]["shortNames"] == ["wdg"]
    assert widgets["widgets"]["categories"] == ["contract-tests"]
    assert "widgets/status" in widgets and "widgets/scale" in widgets
    assert widgets["gadgets"]["namespaced"] is False
    assert "gadgets/status" not in widgets
    assert "widgets" in _resources(api, f"/apis/{test_crds}/v1alpha1")


def test_kubectl_api_resources_lists_builtins_and_crds(kube: KubeTarget, test_crds: str) -> None:
    out = kube.kubectl("api-resources", "-o", "wide").stdout
    assert "configmaps" in out and "cm" in out
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    assert "deploy" in lines["deployments"] and "apps/v1" in lines["deployments"]
    assert "wdg" in lines["widgets"] and f"{test_crds}/v1" in lines["widgets"]
    namespaced = kube.kubectl("api-resources", "--namespaced=false", "-o", "name").stdout
    assert "namespaces" in namespaced.split() and "gadgets.contract.rollout-engine.io" in namespaced
