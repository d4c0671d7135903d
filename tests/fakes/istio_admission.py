"""A small mirror of the Istio rules a VirtualService write must pass (reliability.md §5).

Istio (istiod's validation webhook) rejects a route whose destination
weights are not non-negative integers, or sum to 0 across several
destinations ("total destination weight = 0"); the API server rejects a
body over 3 MiB. Our own invariant is stricter: the routes the engine owns
sum to exactly 100.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

LIMIT = 3_145_728


def admission_errors(virtual_service: Mapping[str, Any]) -> list[str]:
    """Why Istio or the API server would reject `virtual_service` (empty: accepted)."""
    errors: list[str] = []
    if len(json.dumps(virtual_service)) > LIMIT:
        errors.append(f"Request entity too large: limit is {LIMIT}")
    spec = virtual_service.get("spec", {})
    for kind in ("http", "tls", "tcp"):
        for i, route in enumerate(spec.get(kind) or []):
            errors += _route_errors(route.get("route") or [], f"spec.{kind}[{i}]")
    return errors


def _route_errors(destinations: list[Mapping[str, Any]], where: str) -> list[str]:
    errors = []
    total = 0
    for j, destination in enumerate(destinations):
        weight = destination.get("weight", 0)
        if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
            errors.append(
                f"{where}.route[{j}].weight: must be a non-negative integer, got {weight!r}"
            )
            continue
        total += weight
    if len(destinations) > 1 and total == 0:
        errors.append(f"{where}: total destination weight = 0")
    return errors


def owned_weights_sum_to_100(virtual_service: Mapping[str, Any], route_names: list[str]) -> bool:
    """Every named route's destination weights add up to exactly 100."""
    routes = virtual_service.get("spec", {}).get("http") or []
    return all(
        sum(d.get("weight", 0) for d in route.get("route") or []) == 100
        for route in routes
        if route.get("name") in route_names
    )
