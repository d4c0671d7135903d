"""Rewrite pydantic's JSON Schema into a Kubernetes *structural* schema.

``model_json_schema()`` breaks the structural rules (KEP-2335) in several
ways; this rewriter fixes each, in the spirit of kube-rs's
``StructuralSchemaRewriter``:

1. ``$defs``/``$ref`` are inlined (structural schemas have no references);
2. ``Optional[X]`` (``anyOf: [X, {type: null}]``) becomes ``X`` + ``nullable``;
3. ``const`` becomes a one-value ``enum``;
4. ``title``, ``default`` and ``examples`` go: defaults would make the API
   server rewrite stored objects, and the models apply them anyway;
5. ``additionalProperties: false`` goes (v1 CRDs forbid it; pruning drops
   unknown fields instead);
6. draft-2020 numeric ``exclusiveMinimum: x`` becomes OpenAPI v3.0's
   ``minimum: x`` + ``exclusiveMinimum: true``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["structural_schema"]

_DROP = frozenset({"title", "default", "examples", "$defs"})


def structural_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Return the structural form of a pydantic JSON Schema (the input is not modified)."""
    defs = schema.get("$defs", {})
    return _rewrite(schema, defs=defs)


def _rewrite(node: dict[str, Any], *, defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _rewrite(merged, defs=defs)
    if "anyOf" in node:
        return _rewrite_any_of(node, defs=defs)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP or (key == "additionalProperties" and value is False):
            continue
        if key == "properties":
            out[key] = {name: _rewrite(sub, defs=defs) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _rewrite(value, defs=defs)
        elif key == "const":
            out["enum"] = [value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        else:
            out[key] = value
    if "enum" in out and "type" not in out:
        out["type"] = _enum_type(out["enum"])
    return out


def _rewrite_any_of(node: dict[str, Any], *, defs: dict[str, Any]) -> dict[str, Any]:
    options = [opt for opt in node["anyOf"] if opt.get("type") != "null"]
    nullable = len(options) != len(node["anyOf"])
    if len(options) != 1:
        raise ValueError(f"cannot express a union as a structural schema: {node['anyOf']!r}")
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    out = _rewrite({**options[0], **rest}, defs=defs)
    if nullable:
        out["nullable"] = True
    return out


def _enum_type(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, int) for v in values):
        return "integer"
    return "string"
