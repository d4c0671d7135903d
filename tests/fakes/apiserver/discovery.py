"""The registry of served resources and the discovery documents built from it.

kubectl and the python `DynamicClient` learn what exists only from discovery, so these
documents follow the real shapes exactly: the core group's groupVersion is `v1` (not
`/v1`), each resource lists verbs, scope, kind, singularName, shortNames and categories,
and subresources (`deployments/status`) appear as their own entries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from .builtins import builtin_types
from .resources import SUBRESOURCE_VERBS, ResourceType, version_priority

SERVER_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2025-04-22T00:00:00Z",
    "goVersion": "go1.23.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}


class Registry:
    """Thread-safe lookups of resource types by URL parts, by kind and by storage key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._types: list[ResourceType] = builtin_types()
        self._custom: dict[str, ResourceType] = {}

    def all(self) -> list[ResourceType]:
        with self._lock:
            return [*self._types, *self._custom.values()]

    def register_crd(self, crd_name: str, rt: ResourceType) -> None:
        with self._lock:
            self._custom[crd_name] = rt

    def unregister_crd(self, crd_name: str) -> ResourceType | None:
        with self._lock:
            return self._custom.pop(crd_name, None)

    def reset_custom(self) -> None:
        with self._lock:
            self._custom.clear()

    def lookup(self, group: str, version: str, *, plural: str) -> ResourceType | None:
        for rt in self.all():
            if rt.group == group and rt.plural == plural and version in rt.versions:
                return rt
        return None

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        for rt in self.all():
            if rt.group == group and rt.kind == kind and version in rt.versions:
                return rt
        return None

    def by_storage(self, storage: str) -> list[ResourceType]:
        return [rt for rt in self.all() if rt.storage == storage]

    def group_versions(self) -> dict[str, list[str]]:
        """Group → served versions, preferred first (as discovery orders them)."""
        found: dict[str, set[str]] = {}
        for rt in self.all():
            found.setdefault(rt.group, set()).update(rt.versions)
        return {g: sorted(vs, key=version_priority) for g, vs in found.items()}


def core_versions(*, address: str) -> dict[str, Any]:
    """`/api`: the legacy group, whose only version is named `v1`."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def group_list(registry: Registry) -> dict[str, Any]:
    """`/apis`: every named group with its versions and preferred version."""
    groups = [
        _group(name, versions)
        for name, versions in sorted(registry.group_versions().items())
        if name
    ]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(registry: Registry, name: str) -> dict[str, Any] | None:
    versions = registry.group_versions().get(name)
    if not name or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def resource_list(registry: Registry, group: str, *, version: str) -> dict[str, Any] | None:
    """`/api/v1` or `/apis/{group}/{version}`; None when that group/version is not served."""
    types = [rt for rt in registry.all() if rt.group == group and version in rt.versions]
    if not types:
        return None
    body: dict[str, Any] = {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": list(_entries(types)),
    }
    return body


def _entries(types: Iterable[ResourceType]) -> Iterable[dict[str, Any]]:
    for rt in sorted(types, key=lambda t: t.plural):
        entry: dict[str, Any] = {
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": list(rt.verbs),
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        yield entry
        for sub in rt.subresources():
            sub_entry: dict[str, Any] = {
                "name": f"{rt.plural}/{sub}",
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": rt.kind,
                "verbs": list(SUBRESOURCE_VERBS),
            }
            if sub == "scale":
                sub_entry.update(group="autoscaling", version="v1", kind="Scale")
            yield sub_entry
