"""The built-in kinds the fake serves, with the per-kind switches of the real registries.

Flags follow the apiserver's strategies (measured in the Kubernetes sources): Leases and
Services may be created by PUT; Leases and custom resources refuse a PUT without
resourceVersion; Pods and Services answer DELETE with the deleted object; only kinds
whose strategy maintains `metadata.generation` get one.
"""

from __future__ import annotations

from typing import Any

from .resources import Column, ResourceType, ScaleSpec

_SCALE = ScaleSpec(label_selector=".status.selector")


def _core(plural: str, kind: str, **kw: Any) -> ResourceType:
    return _make("", ("v1",), plural=plural, kind=kind, **kw)


def _make(
    group: str, versions: tuple[str, ...], *, plural: str, kind: str, **kw: Any
) -> ResourceType:
    kw.setdefault("namespaced", True)
    return ResourceType(
        group=group, versions=versions, plural=plural, singular=kind.lower(), kind=kind, **kw
    )


BUILTIN_TYPES: tuple[ResourceType, ...] = (
    _core("namespaces", "Namespace", namespaced=False, short_names=("ns",), status=True),
    _core("configmaps", "ConfigMap", short_names=("cm",)),
    _core("secrets", "Secret"),
    _core("serviceaccounts", "ServiceAccount", short_names=("sa",)),
    _core(
        "services",
        "Service",
        short_names=("svc",),
        status=True,
        categories=("all",),
        create_on_update=True,
        return_deleted=True,
    ),
    _core(
        "pods",
        "Pod",
        short_names=("po",),
        status=True,
        categories=("all",),
        return_deleted=True,
    ),
    _core("events", "Event", short_names=("ev",), create_on_update=True),
    _make(
        "apps",
        ("v1",),
        plural="deployments",
        kind="Deployment",
        short_names=("deploy",),
        status=True,
        scale=_SCALE,
        generation=True,
        categories=("all",),
    ),
    _make(
        "apps",
        ("v1",),
        plural="replicasets",
        kind="ReplicaSet",
        short_names=("rs",),
        status=True,
        scale=_SCALE,
        generation=True,
        categories=("all",),
    ),
    _make(
        "networking.k8s.io",
        ("v1",),
        plural="ingresses",
        kind="Ingress",
        short_names=("ing",),
        status=True,
        generation=True,
    ),
    _make(
        "networking.k8s.io", ("v1",), plural="ingressclasses", kind="IngressClass", namespaced=False
    ),
    _make(
        "coordination.k8s.io",
        ("v1",),
        plural="leases",
        kind="Lease",
        create_on_update=True,
        unconditional_update=False,
    ),
    _make(
        "events.k8s.io",
        ("v1",),
        plural="events",
        kind="Event",
        short_names=("ev",),
        storage="events",
        codec="events.k8s.io",
        create_on_update=True,
    ),
    _make(
        "apiextensions.k8s.io",
        ("v1",),
        plural="customresourcedefinitions",
        kind="CustomResourceDefinition",
        namespaced=False,
        short_names=("crd", "crds"),
        status=True,
        generation=True,
        categories=("api-extensions",),
    ),
    _make("rbac.authorization.k8s.io", ("v1",), plural="roles", kind="Role"),
    _make("rbac.authorization.k8s.io", ("v1",), plural="rolebindings", kind="RoleBinding"),
    _make(
        "rbac.authorization.k8s.io",
        ("v1",),
        plural="clusterroles",
        kind="ClusterRole",
        namespaced=False,
    ),
    _make(
        "authorization.k8s.io",
        ("v1",),
        plural="selfsubjectaccessreviews",
        kind="SelfSubjectAccessReview",
        namespaced=False,
        verbs=("create",),
    ),
    _make(
        "rbac.authorization.k8s.io",
        ("v1",),
        plural="clusterrolebindings",
        kind="ClusterRoleBinding",
        namespaced=False,
    ),
    _make(
        "admissionregistration.k8s.io",
        ("v1",),
        plural="validatingadmissionpolicies",
        kind="ValidatingAdmissionPolicy",
        namespaced=False,
        status=True,
        generation=True,
    ),
    _make(
        "admissionregistration.k8s.io",
        ("v1",),
        plural="validatingadmissionpolicybindings",
        kind="ValidatingAdmissionPolicyBinding",
        namespaced=False,
        generation=True,
    ),
)


def builtin_types() -> list[ResourceType]:
    """A fresh list: the registry may grow, never these definitions."""
    return list(BUILTIN_TYPES)


def _c(name: str, path: str, *, type_: str = "string") -> Column:
    return Column(name=name, type=type_, json_path=path)


# Kind-specific columns between NAME and AGE, close to the real printers' defaults.
BUILTIN_COLUMNS: dict[str, tuple[Column, ...]] = {
    "namespaces": (_c("Status", ".status.phase"),),
    "configmaps": (_c("Data", "#count:.data,.binaryData", type_="integer"),),
    "secrets": (_c("Type", ".type"), _c("Data", "#count:.data", type_="integer")),
    "services": (_c("Type", ".spec.type"), _c("Cluster-IP", ".spec.clusterIP")),
    "pods": (_c("Ready", "#ready"), _c("Status", ".status.phase")),
    "deployments.apps": (
        _c("Ready", "#ready"),
        _c("Up-to-date", ".status.updatedReplicas", type_="integer"),
        _c("Available", ".status.availableReplicas", type_="integer"),
    ),
    "replicasets.apps": (
        _c("Desired", ".spec.replicas", type_="integer"),
        _c("Current", ".status.replicas", type_="integer"),
        _c("Ready", ".status.readyReplicas", type_="integer"),
    ),
    "ingresses.networking.k8s.io": (
        _c("Class", ".spec.ingressClassName"),
        _c("Hosts", ".spec.rules[*].host"),
    ),
    "leases.coordination.k8s.io": (_c("Holder", ".spec.holderIdentity"),),
    "events": (_c("Type", ".type"), _c("Reason", ".reason"), _c("Message", ".message")),
    "customresourcedefinitions.apiextensions.k8s.io": (
        _c("Created At", ".metadata.creationTimestamp"),
    ),
}
