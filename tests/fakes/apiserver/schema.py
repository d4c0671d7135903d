"""CRD structural schemas: pruning, defaulting and the translation to JSON Schema.

The apiserver drops fields a CRD schema does not declare (unless the schema says
`x-kubernetes-preserve-unknown-fields`), fills `default`s, then validates. The OpenAPI v3
dialect differs from JSON Schema in three places the fake translates: `nullable`,
`x-kubernetes-int-or-string`, and `metadata` (validated as ObjectMeta, not by the
schema). CEL rules (`x-kubernetes-validations`) are not evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .storage import clone

Schema = Mapping[str, Any]
_ROOT_META = ("apiVersion", "kind", "metadata")
_NESTED = ("allOf", "anyOf", "oneOf")


def to_json_schema(node: Schema, *, root: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _property(name, child, root=root) for name, child in value.items()}
        elif key in ("items", "not", "additionalProperties") and isinstance(value, Mapping):
            out[key] = to_json_schema(value, root=False)
        elif key in _NESTED:
            out[key] = [to_json_schema(v, root=False) for v in value]
        elif not key.startswith("x-kubernetes-") and key not in ("nullable", "default"):
            out[key] = clone(value)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable"):
        _allow_null(out)
    return out


def _property(name: str, child: Schema, *, root: bool) -> dict[str, Any]:
    if root and name == "metadata":
        return {"type": "object"}
    return to_json_schema(child, root=False)


def _allow_null(out: dict[str, Any]) -> None:
    if "type" in out:
        out["type"] = [out["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    if "anyOf" in out:
        out["anyOf"] = [*out["anyOf"], {"type": "null"}]


def prune(value: Any, node: Schema | None, *, path: str = "", root: bool = True) -> list[str]:
    """Remove undeclared fields in place; returns their paths (for warnings/strict mode)."""
    if not node:
        return []
    pruned: list[str] = []
    if isinstance(value, dict):
        props = node.get("properties") or {}
        extra = node.get("additionalProperties")
        keep_unknown = bool(node.get("x-kubernetes-preserve-unknown-fields")) or extra is True
        embedded = root or bool(node.get("x-kubernetes-embedded-resource"))
        for key in list(value):
            child_path = f"{path}.{key}" if path else key
            if embedded and key in _ROOT_META and key not in props:
                continue
            if key in props:
                if not (root and key == "metadata"):
                    pruned += prune(value[key], props[key], path=child_path, root=False)
            elif isinstance(extra, Mapping):
                pruned += prune(value[key], extra, path=child_path, root=False)
            elif not keep_unknown:
                del value[key]
                pruned.append(child_path)
    elif isinstance(value, list) and isinstance(node.get("items"), Mapping):
        for i, item in enumerate(value):
            pruned += prune(item, node["items"], path=f"{path}[{i}]", root=False)
    return pruned


def apply_defaults(value: Any, node: Schema | None) -> None:
    """Fill `default`s of absent (or null, non-nullable) properties, recursively."""
    if not node:
        return
    if isinstance(value, dict):
        for key, child in (node.get("properties") or {}).items():
            missing = key not in value or (value[key] is None and not child.get("nullable"))
            if missing and "default" in child:
                value[key] = clone(child["default"])
            if key in value:
                apply_defaults(value[key], child)
        extra = node.get("additionalProperties")
        if isinstance(extra, Mapping):
            for key in value:
                if key not in (node.get("properties") or {}):
                    apply_defaults(value[key], extra)
    elif isinstance(value, list) and isinstance(node.get("items"), Mapping):
        for item in value:
            apply_defaults(item, node["items"])
