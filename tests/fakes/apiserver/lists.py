"""How lists merge, shared by strategic merge patch and server-side apply.

A real apiserver takes list semantics from Go struct tags (`patchMergeKey`,
`listType=map`) for built-in kinds and from `x-kubernetes-list-type` /
`x-kubernetes-list-map-keys` in a CRD's schema. The fake knows the tags of the built-in
fields our objects use (containers, env, ports, volumes, conditions, ownerReferences…)
by field name, and reads CRD schemas; every other list is atomic (replaced whole).
Paths are field names from the object's root, with `[]` marking "inside a list item".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

# A rule: merge keys for a list of maps, "set" for a list of scalars merged as a set,
# or None for an atomic list.
Rule = tuple[str, ...] | str | None
Path = tuple[str, ...]

_BY_FIELD: dict[str, Rule] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "imagePullSecrets": ("name",),
    "conditions": ("type",),
    "ownerReferences": ("uid",),
    "hostAliases": ("ip",),
    "finalizers": "set",
}


class ListSemantics(Protocol):
    def rule(self, path: Path, items: list[Any]) -> Rule: ...


class BuiltinLists:
    """Merge keys of the Kubernetes built-in types, by field name."""

    def rule(self, path: Path, items: list[Any]) -> Rule:
        name = path[-1] if path else ""
        if name == "ports":
            return ("containerPort",) if _any_has(items, "containerPort") else ("port",)
        if name == "finalizers" and path[:1] != ("metadata",):
            return None
        return _BY_FIELD.get(name)


class SchemaLists:
    """Merge keys declared in a CRD's structural schema; `metadata` follows the built-ins."""

    def __init__(self, schema: Mapping[str, Any] | None) -> None:
        self._schema = schema or {}

    def rule(self, path: Path, items: list[Any]) -> Rule:
        if path[:1] == ("metadata",):
            return BuiltinLists().rule(path, items)
        node = _walk(self._schema, path) or {}
        kind = node.get("x-kubernetes-list-type")
        if kind == "map":
            return tuple(node.get("x-kubernetes-list-map-keys") or ()) or None
        return "set" if kind == "set" else None


def _walk(schema: Mapping[str, Any], path: Path) -> Mapping[str, Any] | None:
    node: Mapping[str, Any] | None = schema
    for part in path:
        if node is None:
            return None
        if part == "[]":
            node = node.get("items")
        else:
            props = node.get("properties") or {}
            extra = node.get("additionalProperties")
            node = props.get(part) or (extra if isinstance(extra, Mapping) else None)
    return node


def _any_has(items: list[Any], key: str) -> bool:
    return any(isinstance(item, Mapping) and key in item for item in items)


def key_of(item: Any, keys: tuple[str, ...]) -> tuple[Any, ...] | None:
    """The merge key of a list item, or None when it lacks one (then it cannot merge)."""
    if not isinstance(item, Mapping) or not all(k in item for k in keys):
        return None
    return tuple(item[k] for k in keys)


def semantics_for(*, custom: bool, schema: Mapping[str, Any] | None) -> ListSemantics:
    return SchemaLists(schema) if custom else BuiltinLists()
