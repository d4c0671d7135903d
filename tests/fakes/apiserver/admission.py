"""Validating admission hooks, standing in for webhooks such as istiod's.

A hook returns a denial message (or None to allow); the fake answers the way the real
server reports a denying webhook: 400 `admission webhook "<name>" denied the request:
<message>`. `istio_weights` is a documented subset of istiod's VirtualService
validation: route weights must be non-negative integers and a route with several
destinations must not total 0 ("total destination weight = 0").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError
from .resources import ResourceType


@dataclass(frozen=True)
class AdmissionRequest:
    """What a hook sees: the operation, who asked, and the object before and after."""

    operation: str
    identity: str
    resource: ResourceType
    namespace: str
    name: str
    subresource: str
    obj: dict[str, Any] | None
    old: dict[str, Any] | None
    dry_run: bool


Hook = Callable[[AdmissionRequest], str | None]


@dataclass(frozen=True)
class _Registration:
    name: str
    hook: Hook
    resources: frozenset[str] | None
    operations: frozenset[str] | None

    def applies(self, request: AdmissionRequest) -> bool:
        rt = request.resource
        return (self.resources is None or bool({rt.plural, rt.qualified} & self.resources)) and (
            self.operations is None or request.operation in self.operations
        )


class Admission:
    """The ordered list of hooks; every write is reviewed before it is stored."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hooks: list[_Registration] = []

    def add(
        self,
        name: str,
        hook: Hook,
        *,
        resources: Iterable[str] | None = None,
        operations: Iterable[str] | None = None,
    ) -> None:
        """Register `hook` for some resources (plural or `plural.group`) and operations
        (`CREATE`, `UPDATE`, `DELETE`); None means all."""
        reg = _Registration(
            name,
            hook,
            frozenset(resources) if resources else None,
            frozenset(operations) if operations else None,
        )
        with self._lock:
            self._hooks = [h for h in self._hooks if h.name != name] + [reg]

    def remove(self, name: str) -> None:
        with self._lock:
            self._hooks = [h for h in self._hooks if h.name != name]

    def enable_istio_validation(self) -> None:
        self.add(
            "validation.istio.io",
            istio_weights,
            resources=("virtualservices.networking.istio.io",),
            operations=("CREATE", "UPDATE"),
        )

    def review(self, request: AdmissionRequest) -> None:
        with self._lock:
            hooks = list(self._hooks)
        for reg in hooks:
            if reg.applies(request) and (denial := reg.hook(request)) is not None:
                raise ApiError(
                    400, "", f'admission webhook "{reg.name}" denied the request: {denial}'
                )


def istio_weights(request: AdmissionRequest) -> str | None:
    """istiod's weight checks on every http/tcp/tls route of a VirtualService."""
    spec = (request.obj or {}).get("spec") or {}
    for section in ("http", "tcp", "tls"):
        for route in spec.get(section) or []:
            problem = _route_problem((route or {}).get("route") or [])
            if problem:
                return f"configuration is invalid: {problem}"
    return None


def _route_problem(destinations: list[Any]) -> str | None:
    total = 0
    for destination in destinations:
        weight = (destination or {}).get("weight", 0)
        if isinstance(weight, bool) or not isinstance(weight, int):
            return f"weight must be an integer, got {weight!r}"
        if weight < 0:
            return f"weight {weight} < 0"
        total += weight
    if len(destinations) > 1 and total == 0:
        return "total destination weight = 0"
    return None
