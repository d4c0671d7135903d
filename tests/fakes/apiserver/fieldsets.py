"""Field paths and field sets in the `FieldsV1` format of managedFields.

A path is a tuple of elements as structured-merge-diff writes them: `f:<field>`,
`k:<json of the merge keys>` for an item of a keyed list, `v:<json value>` for an item of
a set list. A field set holds the paths of the leaves and list items an object sets
(never the bookkeeping metadata that server-side apply ignores).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .lists import ListSemantics, key_of

Path = tuple[str, ...]
FieldSet = set[Path]

_IGNORED_META = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generateName",
}


def fields_of(obj: dict[str, Any], lists: ListSemantics) -> FieldSet:
    """Every path `obj` sets, without apiVersion, kind and server-owned metadata."""
    out: FieldSet = set()
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        if key == "metadata" and isinstance(value, dict):
            meta = {k: v for k, v in value.items() if k not in _IGNORED_META}
            _collect(meta, ("metadata",), prefix=("f:metadata",), lists=lists, out=out)
        else:
            _collect(value, (key,), prefix=(f"f:{key}",), lists=lists, out=out)
    return out


def _collect(
    value: Any, names: tuple[str, ...], *, prefix: Path, lists: ListSemantics, out: FieldSet
) -> None:
    if isinstance(value, dict):
        if not value and len(prefix) > 1:
            out.add(prefix)
        for key, child in value.items():
            _collect(child, (*names, key), prefix=(*prefix, f"f:{key}"), lists=lists, out=out)
        return
    if isinstance(value, list):
        rule = lists.rule(names, value)
        if isinstance(rule, tuple) and all(key_of(i, rule) is not None for i in value):
            for item in value:
                item_path = (*prefix, item_element(item, rule))
                out.add(item_path)
                for key, child in item.items():
                    _collect(
                        child,
                        (*names, "[]", key),
                        prefix=(*item_path, f"f:{key}"),
                        lists=lists,
                        out=out,
                    )
            return
        if rule == "set":
            out.update((*prefix, "v:" + _compact(item)) for item in value)
            return
    out.add(prefix)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def item_element(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    return "k:" + _compact({k: item[k] for k in keys})


def _step(node: Any, element: str) -> tuple[bool, Any]:
    kind, _, raw = element.partition(":")
    if kind == "f":
        return (True, node[raw]) if isinstance(node, dict) and raw in node else (False, None)
    if not isinstance(node, list):
        return False, None
    wanted = json.loads(raw)
    for item in node:
        if kind == "v" and item == wanted:
            return True, item
        if (
            kind == "k"
            and isinstance(item, dict)
            and all(item.get(k) == v for k, v in wanted.items())
        ):
            return True, item
    return False, None


def get_path(obj: Any, path: Path) -> tuple[bool, Any]:
    node = obj
    for element in path:
        found, node = _step(node, element)
        if not found:
            return False, None
    return True, node


def delete_path(obj: Any, path: Path) -> None:
    """Remove the value at `path` (a field, a keyed item or a set item) if present."""
    found, parent = get_path(obj, path[:-1])
    if not found:
        return
    kind, _, raw = path[-1].partition(":")
    if kind == "f" and isinstance(parent, dict):
        parent.pop(raw, None)
    elif isinstance(parent, list):
        exists, item = _step(parent, path[-1])
        if exists:
            parent.remove(item)


def to_fields_v1(paths: Iterable[Path]) -> dict[str, Any]:
    """Nest paths into the FieldsV1 tree; a member that also has children gets `.`."""
    tree: dict[str, Any] = {}
    members = set(paths)
    for path in sorted(members):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    for path in members:
        found, node = _tree_node(tree, path)
        if found and node:
            node["."] = {}
    return tree


def _tree_node(tree: dict[str, Any], path: Path) -> tuple[bool, dict[str, Any]]:
    node = tree
    for element in path:
        if element not in node:
            return False, {}
        node = node[element]
    return True, node


def from_fields_v1(tree: dict[str, Any], prefix: Path = ()) -> FieldSet:
    out: FieldSet = set()
    for element, child in tree.items():
        if element == ".":
            out.add(prefix)
        elif isinstance(child, dict) and child:
            out |= from_fields_v1(child, (*prefix, element))
        else:
            out.add((*prefix, element))
    return out


def describe(path: Path) -> str:
    """`.spec.containers[name="app"].image`, as conflict messages print paths."""
    text = ""
    for element in path:
        kind, _, raw = element.partition(":")
        if kind == "f":
            text += "." + raw
        elif kind == "k":
            pairs = ",".join(f"{k}={json.dumps(v)}" for k, v in json.loads(raw).items())
            text += f"[{pairs}]"
        else:
            text += f"[={raw}]"
    return text
