"""Defaulting of built-in kinds, the part clients can observe.

A real server fills dozens of defaults; the ones here are those that show up in what
our code reads back or diffs against Git: replicas, rollout strategy and pod-template
defaults of Deployments/ReplicaSets, a Service's type, cluster IP and port protocol and
target port, `stringData` folded into a Secret's `data`, and the Namespace label and phase.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]


def _pod_spec(spec: Obj) -> None:
    for key, value in (
        ("restartPolicy", "Always"),
        ("terminationGracePeriodSeconds", 30),
        ("dnsPolicy", "ClusterFirst"),
        ("schedulerName", "default-scheduler"),
        ("securityContext", {}),
    ):
        spec.setdefault(key, value)
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        if not isinstance(container, dict):
            continue
        image = str(container.get("image", ""))
        latest = ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")
        container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
        for port in container.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")


def _workload(obj: Obj, *, deployment: bool) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    if deployment:
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
        if strategy.get("type") == "RollingUpdate":
            strategy.setdefault("rollingUpdate", {"maxUnavailable": "25%", "maxSurge": "25%"})
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        _pod_spec(template["spec"])


def _service(obj: Obj, allocate_ip: Callable[[], str]) -> None:
    spec = obj.setdefault("spec", {})
    kind = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if kind != "ExternalName":
        if not spec.get("clusterIP"):
            spec["clusterIP"] = allocate_ip()
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))


def _secret(obj: Obj) -> None:
    obj.setdefault("type", "Opaque")
    string_data = obj.pop("stringData", None) or {}
    if string_data:
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _namespace(obj: Obj) -> None:
    meta = obj.setdefault("metadata", {})
    meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta.get("name", "")
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])


def apply_builtin_defaults(obj: Obj, *, storage: str, allocate_ip: Callable[[], str]) -> None:
    """Fill the defaults of `obj` in place (a no-op for kinds without any)."""
    if storage == "deployments.apps":
        _workload(obj, deployment=True)
    elif storage == "replicasets.apps":
        _workload(obj, deployment=False)
    elif storage == "pods" and isinstance(obj.get("spec"), dict):
        _pod_spec(obj["spec"])
    elif storage == "services":
        _service(obj, allocate_ip)
    elif storage == "secrets":
        _secret(obj)
    elif storage == "namespaces":
        _namespace(obj)


def initial_status(obj: Obj, *, storage: str) -> None:
    """The status a created object starts with (an empty struct unless the registry sets
    one: built-in kinds are Go structs, so their status serialises as `{}`)."""
    obj["status"] = {}
    if storage == "namespaces":
        obj["status"] = {"phase": "Active"}
    elif storage == "pods":
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    elif storage == "services":
        obj["status"] = {"loadBalancer": {}}
    elif storage == "replicasets.apps":
        obj["status"] = {"replicas": 0}
