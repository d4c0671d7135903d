"""What the fake knows about one kind of resource.

A `ResourceType` carries the behaviour switches that differ between kinds on a real
apiserver (status subresource, generation tracking, create-on-update, unconditional
update, what DELETE returns), so the request handlers stay generic, as the apiserver's
generic registry does with its per-kind strategies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
SUBRESOURCE_VERBS = ("get", "patch", "update")


@dataclass(frozen=True)
class Column:
    """A Table column: kubectl prints these, in order, for `kubectl get`."""

    name: str
    type: str
    json_path: str
    format: str = ""
    description: str = ""
    priority: int = 0


@dataclass(frozen=True)
class ScaleSpec:
    """Where the `/scale` subresource reads and writes replicas."""

    spec_replicas: str = ".spec.replicas"
    status_replicas: str = ".status.replicas"
    label_selector: str | None = None


@dataclass(frozen=True, eq=False)
class ResourceType:
    """One served resource (e.g. `deployments` in `apps`), valid for all its versions."""

    group: str
    versions: tuple[str, ...]
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    status: bool = False
    scale: ScaleSpec | None = None
    generation: bool = False
    create_on_update: bool = False
    unconditional_update: bool = True
    return_deleted: bool = False
    custom: bool = False
    storage: str = ""
    codec: str = ""
    storage_version: str = ""
    verbs: tuple[str, ...] = ALL_VERBS
    schemas: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    columns: Mapping[str, tuple[Column, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.storage:
            object.__setattr__(self, "storage", self.qualified)
        if not self.storage_version:
            object.__setattr__(self, "storage_version", self.versions[0])

    @property
    def qualified(self) -> str:
        """`deployments.apps`, or `configmaps` for the core group: used in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def group_kind(self) -> str:
        """`Deployment.apps`, or `ConfigMap`: used in Invalid messages."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def preferred_version(self) -> str:
        return self.versions[0]

    def api_version(self, version: str) -> str:
        return f"{self.group}/{version}" if self.group else version

    def subresources(self) -> tuple[str, ...]:
        subs = ("status",) if self.status else ()
        return subs + (("scale",) if self.scale else ())

    def schema(self, version: str) -> Mapping[str, Any] | None:
        return self.schemas.get(version)


def split_api_version(api_version: str) -> tuple[str, str]:
    """`apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`)."""
    group, _, version = api_version.rpartition("/")
    return group, version


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key of Kubernetes version names: GA before beta before alpha, newest first.

    Mirrors `version.CompareKubeAwareVersionStrings`, which picks a group's preferred
    version in discovery.
    """
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (3, 0, 0, version)
    major, stage, minor = match.groups()
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -int(major), -int(minor or 0), version)
