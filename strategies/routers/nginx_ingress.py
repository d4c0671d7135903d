"""NGINX Ingress: a canary Ingress cloned from the stable one, driven by annotations.

The clone (named ``<rollout>-<stableIngress>-canary``, as Argo Rollouts
names it) keeps the stable Ingress's hosts, paths, TLS and class; every
backend that points at the stable (or apex) Service points at the canary
Service instead, and paths to other Services are dropped. The annotations,
under ``annotationPrefix`` (default ``nginx.ingress.kubernetes.io``), are
ingress-nginx's canary annotations:

- ``canary: "true"`` and ``canary-weight: "<n>"`` (always written, "0"
  included); ``canary-weight-total`` only when the total is not 100;
- ``canary-by-header`` with ``canary-by-header-value`` (exact) or
  ``canary-by-header-pattern`` (regex; a prefix becomes ``^prefix.*``);
- ``canary-by-cookie`` (ingress-nginx routes a cookie whose value is
  ``always``).

ingress-nginx evaluates header, then cookie, then weight, and allows one
canary Ingress per host and path, hence at most one header and one cookie
match. The stable Ingress is never modified. When no rollout is in progress
the canary Ingress should not exist: :func:`render_canary_ingress` returns
None and the controller deletes it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.routing import NginxRouting, RouteMatch
from rollout_engine.errors import SpecError
from strategies.desired import TrafficState
from strategies.naming import service_names
from strategies.routers.matching import DEFAULT_COOKIE_VALUE, escape
from strategies.world import RouterReport

__all__ = [
    "LAST_APPLIED",
    "ROUTES_ANNOTATION",
    "NginxTargets",
    "canary_ingress_name",
    "read_canary_ingress",
    "render_canary_ingress",
]

Obj = dict[str, Any]
ROUTES_ANNOTATION: Final = "rollout-engine.io/routes"
"""Our own annotation: the names of the match routes the canary Ingress implements (read-back)."""
LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class NginxTargets:
    """What the canary Ingress is made of, for one Rollout."""

    rollout: str
    routing: NginxRouting
    stable_services: frozenset[str]
    canary_service: str

    @classmethod
    def for_rollout(cls, rollout: Rollout) -> NginxTargets:
        """The targets of `rollout`; it must route through NGINX."""
        strategy = rollout.spec.strategy
        routed = strategy.canary or strategy.ab_test
        routing = routed.traffic_routing if routed is not None else None
        if routing is None or routing.nginx is None:
            raise SpecError("the Rollout does not route through NGINX", path="spec.strategy")
        names = service_names(rollout)
        return cls(
            rollout=rollout.metadata.name,
            routing=routing.nginx,
            stable_services=frozenset({names.stable, names.apex}),
            canary_service=names.canary,
        )


def canary_ingress_name(rollout: str, stable_ingress: str) -> str:
    """``<rollout>-<stableIngress>-canary``, cut to a Kubernetes name's 253 characters."""
    return f"{rollout}-{stable_ingress}-canary"[:253].rstrip("-.")


def render_canary_ingress(
    stable_ingress: Mapping[str, Any],
    *,
    targets: NginxTargets,
    traffic: TrafficState,
    weight_total: int = 100,
) -> Obj | None:
    """The canary Ingress for `traffic`, or None when it should not exist.

    Raises:
        SpecError: the stable Ingress routes to none of the stable Services,
            or the matches need more than ingress-nginx offers.
    """
    if not traffic.in_progress:
        return None
    meta = stable_ingress.get("metadata", {})
    body: Obj = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": canary_ingress_name(targets.rollout, str(meta.get("name", ""))),
            "annotations": _annotations(
                meta.get("annotations") or {}, targets, traffic, weight_total
            ),
        },
        "spec": _spec(stable_ingress, targets),
    }
    if meta.get("namespace"):
        body["metadata"]["namespace"] = meta["namespace"]
    if meta.get("labels"):
        body["metadata"]["labels"] = dict(meta["labels"])
    return body


def read_canary_ingress(
    canary_ingress: Mapping[str, Any] | None, *, prefix: str = "nginx.ingress.kubernetes.io"
) -> RouterReport:
    """The candidate weight and the match routes a canary Ingress implements (absent → 0)."""
    if canary_ingress is None:
        return RouterReport(0)
    annotations = canary_ingress.get("metadata", {}).get("annotations") or {}
    if annotations.get(f"{prefix}/canary") != "true":
        return RouterReport(0)
    weight = _int(annotations.get(f"{prefix}/canary-weight"), 0)
    total = _int(annotations.get(f"{prefix}/canary-weight-total"), 100) or 100
    routes = frozenset(n for n in annotations.get(ROUTES_ANNOTATION, "").split(",") if n)
    return RouterReport(min(100, round(weight * 100 / total)), routes)


def _int(text: object, default: int) -> int:
    try:
        return int(str(text))
    except ValueError:
        return default


def _annotations(
    stable: Mapping[str, str], targets: NginxTargets, traffic: TrafficState, total: int
) -> dict[str, str]:
    prefix = targets.routing.annotation_prefix
    out = {
        k: v
        for k, v in stable.items()
        if not k.startswith(f"{prefix}/canary") and k != LAST_APPLIED
    }
    out.update(
        {f"{prefix}/{k}": v for k, v in targets.routing.additional_ingress_annotations.items()}
    )
    out.update(targets.routing.canary_ingress_annotations)
    # NB: the engine's own annotations win: the weight is the state machine's decision.
    out[f"{prefix}/canary"] = "true"
    out[f"{prefix}/canary-weight"] = str(round(traffic.canary_weight * total / 100))
    if total != 100:
        out[f"{prefix}/canary-weight-total"] = str(total)
    out.update(_matches(traffic, prefix))
    if traffic.routes:
        out[ROUTES_ANNOTATION] = ",".join(r.name for r in traffic.routes)
    return out


def _matches(traffic: TrafficState, prefix: str) -> dict[str, str]:
    matches = [m for route in traffic.routes for m in route.matches]
    headers = [m for m in matches if m.header_name is not None]
    cookies = [m for m in matches if m.cookie_name is not None]
    if len(headers) > 1 or len(cookies) > 1:
        raise SpecError(
            "NGINX Ingress routes on one header and one cookie per canary Ingress, "
            f"got {len(headers)} header and {len(cookies)} cookie matches",
            path="spec.strategy",
        )
    out: dict[str, str] = {}
    if headers:
        out.update(_header(headers[0], prefix))
    if cookies:
        cookie = cookies[0]
        if (cookie.cookie_value or DEFAULT_COOKIE_VALUE) != DEFAULT_COOKIE_VALUE:
            raise SpecError(
                f"NGINX Ingress routes cookie {cookie.cookie_name!r} only when its value is "
                f"'always', not {cookie.cookie_value!r}",
                path="spec.strategy",
            )
        out[f"{prefix}/canary-by-cookie"] = str(cookie.cookie_name)
    return out


def _header(match: RouteMatch, prefix: str) -> dict[str, str]:
    value = match.header_value
    assert match.header_name is not None and value is not None
    out = {f"{prefix}/canary-by-header": match.header_name}
    if value.exact is not None:
        out[f"{prefix}/canary-by-header-value"] = value.exact
    elif value.prefix is not None:
        out[f"{prefix}/canary-by-header-pattern"] = f"^{escape(value.prefix)}.*"
    else:
        out[f"{prefix}/canary-by-header-pattern"] = str(value.regex)
    return out


def _spec(stable_ingress: Mapping[str, Any], targets: NginxTargets) -> Obj:
    spec: Obj = copy.deepcopy(dict(stable_ingress.get("spec", {})))
    rules = []
    for rule in spec.get("rules") or []:
        paths = [p for p in (rule.get("http") or {}).get("paths") or [] if _switch(p, targets)]
        if paths:
            rules.append({**rule, "http": {**rule["http"], "paths": paths}})
    default = spec.get("defaultBackend")
    if default is not None and not _switch({"backend": default}, targets):
        del spec["defaultBackend"]
    if not rules and "defaultBackend" not in spec:
        name = stable_ingress.get("metadata", {}).get("name", "?")
        wanted = ", ".join(sorted(targets.stable_services))
        raise SpecError(
            f"Ingress {name} routes to none of the Services {wanted}", path="spec.rules"
        )
    spec["rules"] = rules
    return spec


def _switch(path: Obj, targets: NginxTargets) -> bool:
    """Point a path's backend at the canary Service; False when it is not the stable's."""
    service = (path.get("backend") or {}).get("service") or {}
    if service.get("name") not in targets.stable_services:
        return False
    service["name"] = targets.canary_service
    return True
