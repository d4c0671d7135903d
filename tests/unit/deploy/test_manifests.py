"""Install manifests: they render offline, validate against Kubernetes 1.32, grant only what
the controller uses, and run the controller under the Pod Security "restricted" profile."""

from __future__ import annotations

import subprocess
from functools import cache
from typing import Any

import pytest
import yaml

from tests.paths import ROOT, VENV_BIN

OVERLAYS = ["base", "overlays/istio", "overlays/nginx", "overlays/namespaced"]
DANGEROUS_VERBS = {"escalate", "bind", "impersonate", "*"}


@cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    out = subprocess.run(
        ["kubectl", "kustomize", str(ROOT / "deploy" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return tuple(d for d in yaml.safe_load_all(out) if d)


def of_kind(overlay: str, *kinds: str) -> list[dict[str, Any]]:
    return [d for d in render(overlay) if d["kind"] in kinds]


def rules(overlay: str) -> list[dict[str, Any]]:
    return [r for role in of_kind(overlay, "ClusterRole", "Role") for r in role["rules"]]


def grants(overlay: str, resource: str) -> set[str]:
    return {v for r in rules(overlay) if resource in r["resources"] for v in r["verbs"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_validates_against_kubernetes_1_32(overlay: str, tmp_path: Any) -> None:
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all(render(overlay)))
    result = subprocess.run(
        [str(VENV_BIN / "kubernetes-validate"), "-k", "1.32.0", "--strict", str(rendered)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rbac_is_least_privilege(overlay: str) -> None:
    for rule in rules(overlay):
        for key in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule[key], rule
        assert not DANGEROUS_VERBS & set(rule["verbs"]), rule
        assert "resourceNames" not in rule or rule["resourceNames"], rule
    assert grants(overlay, "secrets") == {"get"}
    assert grants(overlay, "rollouts") == {"get", "list", "watch", "patch"}  # the finalizer
    assert grants(overlay, "rollouts/status") == {"update"}  # status only, by PUT /status
    assert grants(overlay, "analysisruns") == {"get", "list", "watch", "create"}
    assert grants(overlay, "services") == {"get", "create", "patch"}  # read, never watched
    assert "delete" not in grants(overlay, "deployments")
    assert grants(overlay, "leases") == {"get", "create", "update"}


def test_leases_are_granted_only_in_the_controllers_namespace() -> None:
    for overlay in OVERLAYS:
        for role in of_kind(overlay, "ClusterRole"):
            assert all("leases" not in r["resources"] for r in role["rules"])


def test_each_router_overlay_grants_only_its_router() -> None:
    # NB: the controller reads router objects at every reconcile and never watches them;
    # it writes VirtualServices/DestinationRules with guarded JSON patches (no update),
    # and server-side applies (create, patch) or deletes its own canary Ingress
    assert grants("overlays/istio", "virtualservices") == {"get", "patch"}
    assert grants("overlays/istio", "destinationrules") == {"get", "patch"}
    assert grants("overlays/istio", "ingresses") == set()
    assert grants("overlays/nginx", "ingresses") == {"get", "create", "patch", "delete"}
    assert grants("overlays/nginx", "virtualservices") == set()
    assert grants("base", "virtualservices") == grants("base", "ingresses") == set()


def test_namespaced_overlay_has_nothing_cluster_wide() -> None:
    cluster_kinds = {"ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace"}
    assert [d["kind"] for d in render("overlays/namespaced") if d["kind"] in cluster_kinds] == []
    (deployment,) = of_kind("overlays/namespaced", "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--namespace=$(POD_NAMESPACE)" in args
    assert "clusteranalysistemplates" not in {
        x for r in rules("overlays/namespaced") for x in r["resources"]
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_controller_pod_meets_the_restricted_profile(overlay: str) -> None:
    (deployment,) = of_kind(overlay, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert not {"hostNetwork", "hostPID", "hostIPC"} & pod.keys()
    assert all("hostPath" not in v for v in pod.get("volumes", []))
    for container in pod["containers"]:
        ctx = container["securityContext"]
        assert ctx["allowPrivilegeEscalation"] is False
        assert ctx["readOnlyRootFilesystem"] is True
        assert ctx["capabilities"]["drop"] == ["ALL"]
        assert not ctx.get("privileged", False)
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert "memory" in container["resources"]["limits"]
        assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}


def test_cluster_install_includes_the_crds_and_a_restricted_namespace() -> None:
    crds = {d["metadata"]["name"] for d in of_kind("overlays/istio", "CustomResourceDefinition")}
    assert crds == {
        "rollouts.rollout-engine.io",
        "analysistemplates.rollout-engine.io",
        "clusteranalysistemplates.rollout-engine.io",
        "analysisruns.rollout-engine.io",
    }
    (namespace,) = of_kind("base", "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
