"""Minimal JSON patches for objects the user owns (VirtualServices, DestinationRules).

Rather than re-applying the whole ``spec.http`` list with server-side apply
(which would take ownership of it from Argo CD, reliability.md G1–G3), the
controller sends only the operations that change what the engine owns, each
preceded by a ``test`` of what it expects to find there: a concurrent edit
of those values, or of the list's shape, fails the test (HTTP 422) and the
controller re-reads and recomputes, instead of overwriting it blindly.

- only weights changed: per destination, ``test`` its ``destination`` and old
  weight, then ``replace`` (or ``add``) the weight;
- routes inserted or removed (managed match routes): ``test`` the whole
  ``spec.http`` list, then ``replace`` it;
- DestinationRule subsets: ``test`` the subset's name, then ``add`` the label.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["escape", "http_ops", "subset_ops"]

Obj = dict[str, Any]


def escape(key: str) -> str:
    """A map key as a JSON pointer segment (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def http_ops(current: list[Obj], desired: list[Obj]) -> list[Obj]:
    """Operations turning `current` (``spec.http``) into `desired`; empty when equal."""
    if current == desired:
        return []
    if not _same_shape(current, desired):
        return [
            {"op": "test", "path": "/spec/http", "value": current},
            {"op": "replace", "path": "/spec/http", "value": desired},
        ]
    ops: list[Obj] = []
    for i, (old, new) in enumerate(zip(current, desired, strict=True)):
        for j, (was, wanted) in enumerate(
            zip(old.get("route") or [], new.get("route") or [], strict=True)
        ):
            if was.get("weight") == wanted.get("weight"):
                continue
            base = f"/spec/http/{i}/route/{j}"
            ops.append({"op": "test", "path": f"{base}/destination", "value": was["destination"]})
            if "weight" in was:
                ops.append({"op": "test", "path": f"{base}/weight", "value": was["weight"]})
                ops.append({"op": "replace", "path": f"{base}/weight", "value": wanted["weight"]})
            else:
                ops.append({"op": "add", "path": f"{base}/weight", "value": wanted["weight"]})
    return ops


def subset_ops(current: list[Obj], desired: list[Obj]) -> list[Obj]:
    """Label operations turning `current` (``spec.subsets``) into `desired`."""
    ops: list[Obj] = []
    for i, (old, new) in enumerate(zip(current, desired, strict=True)):
        was, wanted = old.get("labels"), new.get("labels") or {}
        if was == wanted:
            continue
        base = f"/spec/subsets/{i}"
        ops.append({"op": "test", "path": f"{base}/name", "value": old.get("name")})
        if not isinstance(was, dict):
            ops.append({"op": "add", "path": f"{base}/labels", "value": wanted})
            continue
        for key, value in wanted.items():
            if was.get(key) != value:
                ops.append({"op": "add", "path": f"{base}/labels/{escape(key)}", "value": value})
    return ops


def _same_shape(current: list[Obj], desired: list[Obj]) -> bool:
    """The same routes and destinations in the same places; only weights may differ."""
    return len(current) == len(desired) and all(
        _unweighted(a) == _unweighted(b) for a, b in zip(current, desired, strict=True)
    )


def _unweighted(route: Obj) -> Obj:
    out = copy.deepcopy(route)
    for destination in out.get("route") or []:
        destination.pop("weight", None)
    return out
