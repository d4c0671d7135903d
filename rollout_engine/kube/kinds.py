"""The kinds the engine reads and writes, with their REST coordinates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rollout_engine.errors import KubeError

__all__ = ["KINDS", "Kind", "kind"]


@dataclass(frozen=True)
class Kind:
    """Where a kind lives in the REST API."""

    kind: str
    api_version: str
    plural: str
    namespaced: bool = True

    def path(self, *, namespace: str | None = None, name: str | None = None) -> str:
        """``/api/v1/namespaces/ns/services/name`` or ``/apis/g/v/…`` for grouped kinds."""
        root = (
            f"/api/{self.api_version}"
            if "/" not in self.api_version
            else f"/apis/{self.api_version}"
        )
        if self.namespaced and namespace:
            root += f"/namespaces/{namespace}"
        root += f"/{self.plural}"
        return f"{root}/{name}" if name else root


KINDS: Final[dict[str, Kind]] = {
    k.kind: k
    for k in (
        Kind("Rollout", "rollout-engine.io/v1alpha1", "rollouts"),
        Kind("AnalysisRun", "rollout-engine.io/v1alpha1", "analysisruns"),
        Kind("AnalysisTemplate", "rollout-engine.io/v1alpha1", "analysistemplates"),
        Kind(
            "ClusterAnalysisTemplate",
            "rollout-engine.io/v1alpha1",
            "clusteranalysistemplates",
            namespaced=False,
        ),
        Kind("Deployment", "apps/v1", "deployments"),
        Kind("ReplicaSet", "apps/v1", "replicasets"),
        Kind("Service", "v1", "services"),
        Kind("Secret", "v1", "secrets"),
        Kind("ConfigMap", "v1", "configmaps"),
        Kind("Event", "v1", "events"),
        Kind("Pod", "v1", "pods"),
        Kind("Namespace", "v1", "namespaces", namespaced=False),
        Kind("Ingress", "networking.k8s.io/v1", "ingresses"),
        Kind("VirtualService", "networking.istio.io/v1", "virtualservices"),
        Kind("DestinationRule", "networking.istio.io/v1", "destinationrules"),
        Kind("Lease", "coordination.k8s.io/v1", "leases"),
    )
}


def kind(name: str) -> Kind:
    """A kind by name; an unknown one is a programming error worth a clear message."""
    try:
        return KINDS[name]
    except KeyError:
        raise KubeError(f"kind {name!r} is not one the engine manages") from None
