"""`Table` responses (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`).

kubectl asks for tables on `get` and prints the server's columns, so this is what makes
`kubectl get rollouts` show a CRD's additionalPrinterColumns. Like the real server: the
first column is Name, CRDs get their declared columns (or Age when none), built-ins get
kind-specific columns then Age, dates print as human durations, and each row carries the
object as PartialObjectMetadata unless `includeObject` says Object or None.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .builtins import BUILTIN_COLUMNS
from .crds import AGE_COLUMN
from .jsonpath import find
from .resources import Column, ResourceType

# Built-in kinds are Go structs: an absent integer prints as 0, not as an empty cell.
_ZERO_DEFAULTS = ("Deployment", "ReplicaSet", "ConfigMap", "Secret")
NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating "
    "resources, although some resources may allow a client to request the "
    "generation of an appropriate name automatically."
)


_NO_AGE = ("customresourcedefinitions.apiextensions.k8s.io",)


def columns_for(rt: ResourceType, version: str) -> tuple[Column, ...]:
    if rt.custom:
        return rt.columns.get(version) or (AGE_COLUMN,)
    age = () if rt.storage in _NO_AGE else (AGE_COLUMN,)
    return (*BUILTIN_COLUMNS.get(rt.storage, ()), *age)


def table(
    rt: ResourceType,
    version: str,
    *,
    objects: list[dict[str, Any]],
    rv: str,
    include: str,
    headers: bool,
    now: float,
    meta_version: str = "v1",
) -> dict[str, Any]:
    columns = columns_for(rt, version)
    body: dict[str, Any] = {
        "kind": "Table",
        "apiVersion": f"meta.k8s.io/{meta_version}",
        "metadata": {"resourceVersion": rv},
    }
    # Watches send the definitions with the first event only; later tables carry null.
    body["columnDefinitions"] = _definitions(columns) if headers else None
    body["rows"] = [
        _row(obj, columns, include=include, now=now, meta_version=meta_version) for obj in objects
    ]
    return body


def _definitions(columns: tuple[Column, ...]) -> list[dict[str, Any]]:
    name = Column(
        name="Name",
        type="string",
        json_path=".metadata.name",
        format="name",
        description=NAME_DESCRIPTION,
    )
    return [
        {
            "name": c.name,
            "type": c.type,
            "format": c.format,
            "description": c.description or c.name,
            "priority": c.priority,
        }
        for c in (name, *columns)
    ]


def _row(
    obj: dict[str, Any], columns: tuple[Column, ...], *, include: str, now: float, meta_version: str
) -> dict[str, Any]:
    cells = [obj["metadata"].get("name", ""), *(_cell(obj, c, now=now) for c in columns)]
    if obj.get("kind") in _ZERO_DEFAULTS:
        cells = [
            0 if cell is None and c.type == "integer" else cell
            for cell, c in zip(cells, (AGE_COLUMN, *columns), strict=True)
        ]
    row: dict[str, Any] = {"cells": cells}
    if include == "Object":
        row["object"] = obj
    elif include != "None":
        row["object"] = {
            "kind": "PartialObjectMetadata",
            "apiVersion": f"meta.k8s.io/{meta_version}",
            "metadata": obj["metadata"],
        }
    return row


def _cell(obj: dict[str, Any], column: Column, *, now: float) -> Any:
    if column.json_path.startswith("#"):
        return _computed(obj, column.json_path)
    values = find(obj, column.json_path)
    if not values:
        return None
    value = values[0] if len(values) == 1 else values
    if column.type == "date":
        return _age(value, now)
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    convert: dict[str, Any] = {
        "integer": lambda: None if number is None else int(number),
        "number": lambda: None if number is None else float(number),
        "boolean": lambda: value if isinstance(value, bool) else None,
    }
    if column.type in convert:
        return convert[column.type]()
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _computed(obj: dict[str, Any], rule: str) -> Any:
    if rule.startswith("#count:"):
        return sum(len(obj.get(f.strip(". ")) or {}) for f in rule[7:].split(","))
    status, spec = obj.get("status") or {}, obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        ready = sum(1 for s in status.get("containerStatuses") or [] if s.get("ready"))
        return f"{ready}/{len(spec.get('containers') or [])}"
    return f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}"


def _age(value: Any, now: float) -> str:
    try:
        then = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "<invalid>"
    return human_duration(now - then.timestamp())


def _two_units(big: int, small: int, *, units: str) -> str:
    return f"{big}{units[0]}" if small == 0 else f"{big}{units[0]}{small}{units[1]}"


def human_duration(seconds: float) -> str:
    """`k8s.io/apimachinery/pkg/util/duration.HumanDuration`."""
    if seconds < -1:
        return "<invalid>"
    s = max(int(seconds), 0)
    minutes, hours, days, years = s // 60, s // 3600, s // 86400, s // (86400 * 365)
    steps: list[tuple[bool, Callable[[], str]]] = [
        (s < 120, lambda: f"{s}s"),
        (minutes < 10, lambda: _two_units(minutes, s % 60, units="ms")),
        (minutes < 180, lambda: f"{minutes}m"),
        (hours < 8, lambda: _two_units(hours, minutes % 60, units="hm")),
        (hours < 48, lambda: f"{hours}h"),
        (hours < 192, lambda: _two_units(days, hours % 24, units="dh")),
        (days < 730, lambda: f"{days}d"),
        (days < 2920, lambda: _two_units(years, days % 365, units="yd")),
    ]
    return next((text() for done, text in steps if done), f"{years}y")
