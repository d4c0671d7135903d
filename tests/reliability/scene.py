"""The world of the reliability tests: canary Rollouts in their own namespaces, and what to check.

A scene is one namespace holding a Deployment, its router objects (an Istio
VirtualService, or NGINX's Service and stable Ingress), a success-rate
template answered by a fake Prometheus, a Slack Secret whose webhook path
names the namespace, and a Rollout whose plan takes a few seconds of real
time: set weight 20, analysis (2 measurements, 1 s apart), set weight 50,
pause 1 s, then the promotion.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rollout_engine.kube import Objects, kind
from tests.e2e.controller import manifests as m
from tests.e2e.controller.harness import secret
from tests.fakes.apiserver.handle import FakeApiServer
from tests.fakes.slack.server import SlackReceiver
from tests.paths import CRDS

__all__ = [
    "ISTIO_CANARY",
    "PLAN",
    "TEN_STEPS",
    "TEN_STEP_PLAN",
    "Scene",
    "install",
    "notifications_config",
]

GV = "rollout-engine.io/v1alpha1"
PLAN = [20, 20, 50, 50]
"""The canary weight each step of the plan allows (cumulative)."""
_ANALYSIS = {
    "analysis": {
        "templates": [{"templateName": "success-rate"}],
        "args": [{"name": "workload", "value": "web-canary"}],
    }
}
TEN_STEPS: list[dict[str, Any]] = [
    {"setWeight": 10},
    {"setWeight": 20},
    _ANALYSIS,
    {"setWeight": 30},
    {"pause": {"duration": "1s"}},
    {"setWeight": 40},
    {"setWeight": 50},
    _ANALYSIS,
    {"setWeight": 75},
    {"pause": {"duration": "1s"}},
]
"""T1's 10-step canary: every kind of step, two analyses, pauses short enough for a sweep."""
TEN_STEP_PLAN = [10, 20, 20, 30, 30, 40, 50, 50, 75, 75]
"""The canary weight each of TEN_STEPS allows (cumulative)."""
ISTIO_CANARY = {
    "canary": {
        "trafficRouting": {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}},
        "steps": [
            {"setWeight": 20},
            _ANALYSIS,
            {"setWeight": 50},
            {"pause": {"duration": "1m"}},
        ],
    }
}
"""The same plan on minutes, for the in-process controller on a fake clock."""


def install(api: FakeApiServer) -> None:
    """Our CRDs and Istio's, the Lease namespace, the world simulator (pods ready at once)."""
    for crd in ("rollouts", "analysistemplates", "clusteranalysistemplates", "analysisruns"):
        api.install_crds(CRDS / f"{crd}.yaml")
    api.install_crds()
    api.admission.enable_istio_validation()
    api.world.enable()
    Objects(api.api_client("user")).create(
        kind("Namespace"), {"metadata": {"name": "rollout-engine"}}
    )


def notifications_config(path: Path, slack: SlackReceiver) -> Path:
    """A controller notifications file that lets it post to the Slack receiver."""
    path.write_text(yaml.safe_dump({"allowedHosts": [slack.host_port]}))
    return path


def _strategy(router: str, *, steps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    routing = (
        {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}}
        if router == "istio"
        else {"nginx": {"stableIngress": "web"}}
    )
    plan = steps or [
        {"setWeight": 20},
        _ANALYSIS,
        {"setWeight": 50},
        {"pause": {"duration": "1s"}},
    ]
    return {"canary": {"trafficRouting": routing, "steps": plan, "scaleDownDelaySeconds": 0}}


def template(*, address: str | None = None, interval: str = "1s") -> dict[str, Any]:
    """success-rate: 2 measurements `interval` apart, passing on the fake Prometheus's 1.0."""
    prometheus: dict[str, Any] = {"query": m.ISTIO_SUCCESS}
    if address is not None:
        prometheus["address"] = address
    return {
        "apiVersion": GV,
        "kind": "AnalysisTemplate",
        "metadata": {"name": "success-rate"},
        "spec": {
            "args": [{"name": "workload"}],
            "metrics": [
                {
                    "name": "success-rate",
                    "interval": interval,
                    "count": 2,
                    "successCondition": "result[0] >= 0.95",
                    "failureCondition": "result[0] < 0.90",
                    "provider": {"prometheus": prometheus},
                }
            ],
        },
    }


@dataclass
class Scene:
    """One canary Rollout `web` in namespace `namespace`."""

    api: FakeApiServer
    namespace: str
    router: str = "istio"

    @property
    def slack_path(self) -> str:
        return f"/services/T000/{self.namespace}/XXXX"

    def create(
        self,
        slack: SlackReceiver,
        *,
        prometheus: str | None = None,
        steps: list[dict[str, Any]] | None = None,
        interval: str = "1s",
    ) -> Scene:
        user = Objects(self.api.api_client("user"))
        user.create(kind("Namespace"), {"metadata": {"name": self.namespace}})
        docs = [
            secret("slack", url=slack.url(self.slack_path)),
            m.deployment(),
            template(address=prometheus, interval=interval),
            m.rollout(_strategy(self.router, steps=steps)),
        ]
        if self.router == "istio":
            docs.insert(2, m.virtual_service())
        else:
            docs[2:2] = [m.service(), m.ingress()]
        for doc in docs:
            body = {**doc, "metadata": {**doc["metadata"], "namespace": self.namespace}}
            user.create(kind(body["kind"]), body)
        return self

    def get(self, kind_name: str, name: str = "web") -> dict[str, Any] | None:
        return self.api.store.get(
            kind(kind_name).api_version, kind_name, name=name, namespace=self.namespace
        )

    def status(self) -> dict[str, Any]:
        return dict((self.get("Rollout") or {}).get("status") or {})

    def image(self, name: str) -> str:
        deployment = self.get("Deployment", name) or {}
        return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])

    def set_image(self, image: str) -> None:
        """The user pushes a new candidate."""

        def mutate(obj: dict[str, Any]) -> None:
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = image

        self.api.store.update(
            "apps/v1", "Deployment", name="web", namespace=self.namespace, mutate=mutate
        )

    def deployed(self) -> bool:
        """The first deploy is done: Healthy, the workload scaled to 0."""
        status = self.status()
        candidate = self.get("Deployment") or {}
        return (
            status.get("phase") == "Healthy"
            and bool(status.get("stableRevision"))
            and candidate.get("spec", {}).get("replicas") == 0
        )

    def promoted(self, image: str) -> bool:
        """`image` is the stable: Healthy, the primary runs it, the workload scaled to 0."""
        status = self.status()
        primary = self.get("Deployment", "web-primary")
        candidate = self.get("Deployment") or {}
        return (
            status.get("phase") == "Healthy"
            and primary is not None
            and self.image("web-primary") == image
            and status.get("stableRevision") == status.get("candidateRevision")
            and candidate.get("spec", {}).get("replicas") == 0
        )

    def runs(self) -> list[dict[str, Any]]:
        return self.api.store.list(GV, "AnalysisRun", namespace=self.namespace)

    def slack(self, receiver: SlackReceiver) -> list[str]:
        """The event type of each Slack message sent for this scene, in order."""
        out = []
        for request in receiver.requests:
            if request.path == self.slack_path and request.json:
                text = request.json["blocks"][-1]["elements"][0]["text"]
                out.append(text.split(" · ")[1])
        return out
