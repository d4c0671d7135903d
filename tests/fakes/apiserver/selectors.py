"""Label and field selectors, with the real server's syntax and refusals.

Label selectors: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, and the
numeric `k>n`, `k<n`, joined by commas. Field selectors: `=`, `==`, `!=` on
`metadata.name` and `metadata.namespace` (plus a few per-kind fields the real registries
index); any other field is a 400, as on a real cluster.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .errors import bad_request

Matcher = Callable[[Mapping[str, Any]], bool]

_SET_OP = re.compile(r"^\s*(?P<key>[^\s!=<>(),]+)\s+(?P<op>in|notin)\s*\((?P<values>[^)]*)\)\s*$")
_CMP_OP = re.compile(r"^\s*(?P<key>[^\s!=<>(),]+)\s*(?P<op>==|=|!=|>|<)\s*(?P<value>[^\s,]*)\s*$")
_EXISTS = re.compile(r"^\s*(?P<neg>!?)\s*(?P<key>[^\s!=<>(),]+)\s*$")

EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    "events": (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "reason",
        "type",
        "source",
        "reportingComponent",
    ),
    "pods": ("spec.nodeName", "status.phase", "spec.restartPolicy"),
    "secrets": ("type",),
    "namespaces": ("status.phase",),
}


def _split(text: str) -> list[str]:
    """Split on commas that are not inside `( … )`."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p.strip()]


def _requirement(text: str) -> Matcher:
    if match := _SET_OP.match(text):
        key, values = match["key"], {v.strip() for v in match["values"].split(",")}
        if match["op"] == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if match := _CMP_OP.match(text):
        return _compare(match["key"], match["op"], value=match["value"])
    if match := _EXISTS.match(text):
        key, negated = match["key"], bool(match["neg"])
        return lambda labels: (key in labels) != negated
    raise bad_request(f"unable to parse requirement: {text.strip()!r}")


def _compare(key: str, op: str, *, value: str) -> Matcher:
    if op in ("=", "=="):
        return lambda labels: labels.get(key) == value
    if op == "!=":
        return lambda labels: labels.get(key) != value
    try:
        bound = int(value)
    except ValueError:
        raise bad_request(
            f"unable to parse requirement: for 'gt', 'lt' operators, "
            f"exactly one value is required and it must be an integer: {value}"
        ) from None
    sign = 1 if op == ">" else -1

    def numeric(labels: Mapping[str, Any]) -> bool:
        raw = labels.get(key)
        return raw is not None and raw.lstrip("-").isdigit() and sign * (int(raw) - bound) > 0

    return numeric


def label_matcher(selector: str | None) -> Matcher:
    """A predicate over an object's labels; an empty selector matches everything."""
    if not selector:
        return lambda labels: True
    requirements = [_requirement(part) for part in _split(selector)]
    return lambda labels: all(req(labels) for req in requirements)


def _lookup(obj: Mapping[str, Any], path: str) -> str:
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return "" if node is None else str(node)


def field_matcher(
    selector: str | None, *, resource: str, custom: bool
) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate over a whole object; unknown fields are refused like the real server."""
    if not selector:
        return lambda obj: True
    allowed = ("metadata.name", "metadata.namespace", *EXTRA_FIELDS.get(resource, ()))
    tests: list[Callable[[Mapping[str, Any]], bool]] = []
    for part in _split(selector):
        match = _CMP_OP.match(part)
        if not match or match["op"] in ("<", ">"):
            raise bad_request(f"invalid selector: {selector!r}; can't understand {part!r}")
        path, op, value = match["key"], match["op"], match["value"]
        if path not in allowed:
            if custom:
                raise bad_request(
                    f'"{path}" is not a known field selector: only '
                    '"metadata.name", "metadata.namespace"'
                )
            raise bad_request(f"field label not supported: {path}")
        tests.append(_field_test(path, op, value=value))
    return lambda obj: all(test(obj) for test in tests)


def _field_test(path: str, op: str, *, value: str) -> Callable[[Mapping[str, Any]], bool]:
    if op == "!=":
        return lambda obj: _lookup(obj, path) != value
    return lambda obj: _lookup(obj, path) == value


def labels_of(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}
