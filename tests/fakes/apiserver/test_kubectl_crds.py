"""CRD manifests through the real kubectl and kustomize, as the platform team applies them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.fakes.apiserver import ISTIO_CRDS, FakeApiServer

REPO = Path(__file__).resolve().parents[3]
DEPLOY_CRDS = REPO / "deploy" / "crds"


def _kustomize_apply(server: FakeApiServer, directory: Path) -> str:
    """`kubectl kustomize DIR | kubectl apply -f -` against the fake."""
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(directory)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return server.kubectl("apply", "--validate=false", "-f", "-", input=rendered).stdout


def _crds_in(text: str) -> list[dict[str, object]]:
    return [
        d for d in yaml.safe_load_all(text) if d and d.get("kind") == "CustomResourceDefinition"
    ]


def test_istio_crds_through_kustomize(apiserver: FakeApiServer, tmp_path: Path) -> None:
    shutil.copy(ISTIO_CRDS, tmp_path / "istio.yaml")
    (tmp_path / "kustomization.yaml").write_text("resources: [istio.yaml]\n")
    out = _kustomize_apply(apiserver, tmp_path)
    assert "virtualservices.networking.istio.io created" in out
    vs = {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": "web"},
        "spec": {"hosts": ["web.example.com"]},
    }
    apiserver.kubectl("apply", "--validate=false", "-f", "-", input=yaml.safe_dump(vs))
    lines = apiserver.kubectl("get", "virtualservices").stdout.splitlines()
    assert lines[0].split() == ["NAME", "GATEWAYS", "HOSTS", "AGE"]
    assert lines[1].split()[:2] == ["web", '["web.example.com"]']
    assert "dr" in apiserver.kubectl("api-resources", "--api-group=networking.istio.io").stdout


def test_project_crds_apply_and_are_served(apiserver: FakeApiServer) -> None:
    """Runs against whatever deploy/crds holds: with a kustomization, every CRD it renders
    must apply and be listable with kubectl; without one, there must be no CRD manifests
    waiting to be wired into a kustomization."""
    kustomization = DEPLOY_CRDS / "kustomization.yaml"
    if not kustomization.exists():
        loose = [p for p in DEPLOY_CRDS.glob("*.yaml")] if DEPLOY_CRDS.exists() else []
        assert loose == [], f"CRD manifests without a kustomization.yaml: {loose}"
        return
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(DEPLOY_CRDS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    crds = _crds_in(rendered)
    assert crds, "deploy/crds renders no CustomResourceDefinition"
    _kustomize_apply(apiserver, DEPLOY_CRDS)
    for crd in crds:
        spec = crd["spec"]
        assert isinstance(spec, dict)
        plural, group = spec["names"]["plural"], spec["group"]
        listed = apiserver.kubectl("get", f"{plural}.{group}", "-A")
        assert listed.returncode == 0, listed.stderr
