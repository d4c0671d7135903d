"""``kubectl apply -k deploy/overlays/istio`` against the fake API server, then the quickstart.

The real kubectl applies the install overlay (server-side, then client-side
again: both must work and converge), the controller runs as its
ServiceAccount under exactly the RBAC the overlay granted (any other verb is
a 403 and fails the scenario), and the README's quickstart example is
applied as a user would and rolled out to the end. Two values of the example
are pointed at the test's world: the template's Prometheus address (the real
Prometheus with the test story) and the Istio workload label its data uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import running_controller
from tests.e2e.controller.rbac import service_account_authorizer
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.server import RealPrometheus
from tests.paths import ROOT

pytestmark = pytest.mark.slow

QUICKSTART = ROOT / "deploy" / "examples" / "quickstart-istio.yaml"


def _apply_install(apiserver: Any, router: str = "istio") -> None:
    overlay = str(ROOT / "deploy" / "overlays" / router)
    for mode in (["--server-side"], []):
        result = apiserver.kubectl("apply", "-k", overlay, "--validate=false", *mode)
        assert "deployment.apps/rollout-engine-controller" in result.stdout
    crds = apiserver.kubectl("get", "crd", "-o", "name").stdout.split()
    assert "customresourcedefinition.apiextensions.k8s.io/rollouts.rollout-engine.io" in crds
    controller = apiserver.kubectl(
        "get", "deployment", "rollout-engine-controller", "-n", "rollout-engine", "-o", "yaml"
    ).stdout
    args = yaml.safe_load(controller)["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:2] == ["controller", "--leader-elect"]


def _quickstart(prometheus: str, tmp_path: Path) -> Path:
    docs = list(yaml.safe_load_all(QUICKSTART.read_text()))
    for doc in docs:
        if doc["kind"] == "AnalysisTemplate":
            doc["spec"]["metrics"][0]["provider"]["prometheus"]["address"] = prometheus
        if doc["kind"] == "Rollout":
            steps = doc["spec"]["strategy"]["canary"]["steps"]
            args = next(s for s in steps if "analysis" in s)["analysis"]["args"]
            next(a for a in args if a["name"] == "workload")["value"] = "web-canary"
    path = tmp_path / "quickstart.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return path


def test_install_then_quickstart_canary(
    apiserver: Any, prometheus: RealPrometheus, tmp_path: Path
) -> None:
    _apply_install(apiserver)
    authorize = service_account_authorizer(
        apiserver,
        identity="controller",
        namespace="rollout-engine",
        account="rollout-engine-controller",
    )
    apiserver.authorize(authorize)
    with running_controller(apiserver, start=at(5), installed=True) as h:
        apiserver.kubectl(
            "apply", "--validate=false", "-f", str(_quickstart(prometheus.url, tmp_path))
        )
        h.run_until(lambda: h.status().get("phase") == "Healthy", what="the first deploy")
        first = h.status()["stableRevision"]
        apiserver.kubectl(
            "-n", "shop", "set", "image", "deployment/web", "web=ghcr.io/stefanprodan/podinfo:6.7.1"
        )
        h.run_until(
            lambda: (
                h.status().get("stableRevision") != first
                and h.status().get("phase") == "Healthy"
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the promotion",
        )
        primary = h.get("Deployment", "web-primary")
        image = primary["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image == "ghcr.io/stefanprodan/podinfo:6.7.1"
        assert h.canary_weight() == 0
        assert sorted(set(h.weights)) == [0, 10, 25, 50, 100]
    assert authorize.denied == []  # type: ignore[attr-defined]
    forbidden = [r for r in apiserver.journal.entries(identity="controller") if r.status == 403]
    assert forbidden == []


def test_nginx_install_runs_a_canary_under_its_rbac(
    apiserver: Any, prometheus: RealPrometheus
) -> None:
    _apply_install(apiserver, "nginx")
    authorize = service_account_authorizer(
        apiserver,
        identity="controller",
        namespace="rollout-engine",
        account="rollout-engine-controller",
    )
    apiserver.authorize(authorize)
    strategy = {
        "canary": {
            "trafficRouting": {"nginx": {"stableIngress": "web"}},
            "steps": [
                {"setWeight": 30},
                {
                    "analysis": {
                        "templates": [{"templateName": "success-rate"}],
                        "args": [{"name": "ingress", "value": "web"}],
                    }
                },
            ],
        }
    }
    with running_controller(apiserver, start=at(5), prometheus=prometheus.url, installed=True) as h:
        apiserver.kubectl("create", "namespace", "shop")
        h.create(
            m.deployment(),
            m.service(),
            m.ingress(),
            m.template("success-rate", query=m.NGINX_SUCCESS, arg="ingress"),
            m.rollout(strategy, slack_secret=None),
        )
        h.run_until(lambda: h.status().get("phase") == "Healthy", what="the first deploy")
        first = h.status()["stableRevision"]
        h.set_image("web:2.0")
        h.run_until(
            lambda: (
                h.status().get("stableRevision") != first
                and h.status().get("phase") == "Healthy"
                and h.get("Deployment", "web")["spec"]["replicas"] == 0
            ),
            what="the promotion",
        )
        assert h.maybe("Ingress", "web-web-canary") is None
        assert 30 in h.weights
    assert authorize.denied == []  # type: ignore[attr-defined]
