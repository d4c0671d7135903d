"""The seeded cluster: N Rollouts over namespaces, each with a Deployment and a VirtualService.

Objects are created through the API (as ``admin``, so the server's defaulting runs: a pod
template put straight into the store would change its revision on the first write), a
few threads at a time; the controller then finds them all on its first lists, as it
would after an install into a busy cluster. Each Rollout's plan is ``steps`` × (set
weight, pause).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rollout_engine.kube import Objects, kind
from tests.e2e.controller import manifests as m
from tests.fakes.apiserver import FakeApiServer
from tests.paths import CRDS

__all__ = ["names", "seed"]

PER_NAMESPACE = 100


def names(total: int) -> list[tuple[str, str]]:
    """(namespace, name) of each Rollout: ``scale-00`` … with 100 Rollouts each."""
    return [(f"scale-{i // PER_NAMESPACE:02d}", f"r{i:04d}") for i in range(total)]


def _plan(steps: int, pause: float) -> list[dict[str, Any]]:
    plan: list[dict[str, Any]] = []
    for k in range(1, steps + 1):
        plan += [{"setWeight": 10 * k}, {"pause": {"duration": f"{pause:g}s"}}]
    return plan


def seed(api: FakeApiServer, *, total: int, steps: int, pause: float) -> list[tuple[str, str]]:
    """Install the CRDs and put `total` Rollouts (Deployment, VirtualService, Rollout each)."""
    for crd in ("rollouts", "analysistemplates", "clusteranalysistemplates", "analysisruns"):
        api.install_crds(CRDS / f"{crd}.yaml")
    api.install_crds()
    api.world.enable()
    keys = names(total)
    for namespace in sorted({ns for ns, _ in keys}):
        api.store.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    bodies: list[dict[str, Any]] = []
    for namespace, name in keys:
        routing = {"istio": {"virtualService": {"name": name, "routes": ["primary"]}}}
        strategy = {
            "canary": {
                "trafficRouting": routing,
                "steps": _plan(steps, pause),
                "scaleDownDelaySeconds": 0,
            }
        }
        docs = [
            m.deployment(name, replicas=2),
            m.virtual_service(name, stable=f"{name}-primary", canary=f"{name}-canary"),
            m.rollout(strategy, name=name, slack_secret=None),
        ]
        bodies += [{**doc, "metadata": {**doc["metadata"], "namespace": namespace}} for doc in docs]
    objects = Objects(api.api_client("admin"))
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda body: objects.create(kind(body["kind"]), body), bodies))
    return keys
