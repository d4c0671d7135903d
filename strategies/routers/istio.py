"""Istio: the weights and match routes the engine owns in the user's VirtualService.

What gets written (and nothing else):

- on each owned HTTP route (named in ``virtualService.routes``, or the only
  route when none is named): the candidate destination's ``weight`` and the
  stable's (``100 - canary - other destinations``), always written, 0
  included (an omitted weight is how SMI split 100/0 into 50/50, W7);
- header/cookie routes to the candidate (``spec.http[].match[].headers``,
  keys lower-cased as Istio requires), inserted before the first owned route
  in precedence order; a managed route that is no longer desired is removed,
  so repeated steps never grow the object (W9);
- on the DestinationRule (subset-level routing): the revision label of the
  stable and canary subsets.

Hosts, gateways, other routes, ``tls``/``tcp`` routes and every other field
are returned untouched. Destinations match by host (a ``.namespace…``
suffix is ignored) or, with a DestinationRule, by subset.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.routing import DestinationRuleRef, RouteMatch, VirtualServiceRef
from rollout_engine.errors import SpecError
from strategies.desired import MatchRoute, SubsetTarget, TrafficState
from strategies.naming import REVISION_LABEL, service_names
from strategies.plans import AB_ROUTE
from strategies.routers.matching import cookie_pattern
from strategies.world import RouterReport

__all__ = [
    "IstioTargets",
    "read_destination_rule",
    "read_virtual_service",
    "render_destination_rule",
    "render_virtual_service",
]

Obj = dict[str, Any]


@dataclass(frozen=True)
class IstioTargets:
    """How to recognise the stable and candidate destinations, and which routes the engine owns.

    Attributes:
        stable_host / canary_host: Service names (host-level routing).
        stable_subset / canary_subset: subset names (subset-level routing);
            when set, destinations are matched by subset instead of host.
        managed_routes: every header/cookie route name the engine may create
            (and so may remove).
    """

    stable_host: str
    canary_host: str
    stable_subset: str | None = None
    canary_subset: str | None = None
    managed_routes: frozenset[str] = frozenset()

    @classmethod
    def for_rollout(cls, rollout: Rollout) -> IstioTargets:
        """The targets of `rollout` (Service name defaults applied)."""
        strategy = rollout.spec.strategy
        routed = strategy.canary or strategy.ab_test
        routing = routed.traffic_routing if routed is not None else None
        names = service_names(rollout)
        managed = {r.name for r in routing.managed_routes} if routing else set()
        if strategy.canary is not None:
            for step in strategy.canary.steps:
                route = step.set_header_route or step.set_cookie_route
                managed |= {route.name} if route is not None else set()
        if strategy.ab_test is not None:
            managed.add(AB_ROUTE)
        rule = routing.istio.destination_rule if routing and routing.istio else None
        return cls(
            stable_host=names.stable,
            canary_host=names.canary,
            stable_subset=rule.stable_subset_name if rule else None,
            canary_subset=rule.canary_subset_name if rule else None,
            managed_routes=frozenset(managed),
        )

    def role(self, destination: Mapping[str, Any]) -> str | None:
        """``stable``, ``canary`` or None for another destination."""
        if self.canary_subset is not None:
            subset = destination.get("subset")
            return {self.stable_subset: "stable", self.canary_subset: "canary"}.get(subset)
        host = str(destination.get("host", ""))
        for role, name in (("canary", self.canary_host), ("stable", self.stable_host)):
            if host == name or host.startswith(name + "."):
                return role
        return None


def render_virtual_service(
    virtual_service: Mapping[str, Any],
    *,
    ref: VirtualServiceRef,
    targets: IstioTargets,
    traffic: TrafficState,
) -> Obj:
    """`virtual_service` with the engine's weights and match routes applied.

    Raises:
        SpecError: a named route is missing, or lacks a stable or candidate
            destination; ``path`` points into the VirtualService.
    """
    out: Obj = copy.deepcopy(dict(virtual_service))
    http = out.get("spec", {}).get("http")
    if not isinstance(http, list):
        raise SpecError(f"VirtualService {_name(out)} has no http routes", path="spec.http")
    kept = [r for r in http if r.get("name") not in targets.managed_routes]
    owned = _owned(kept, ref, out)
    canary_template = None
    for index in owned:
        canary_template = _set_weights(kept[index], targets, traffic.canary_weight, index)
    assert canary_template is not None
    inserted = [_match_route(r, canary_template) for r in traffic.routes]
    first = min(owned)
    out["spec"]["http"] = kept[:first] + inserted + kept[first:]
    return out


def read_virtual_service(
    virtual_service: Mapping[str, Any], *, ref: VirtualServiceRef, targets: IstioTargets
) -> RouterReport:
    """The candidate weight on the owned routes and the managed routes present."""
    http = virtual_service.get("spec", {}).get("http")
    if not isinstance(http, list):
        raise SpecError(
            f"VirtualService {_name(virtual_service)} has no http routes", path="spec.http"
        )
    present = frozenset(r.get("name") for r in http if r.get("name") in targets.managed_routes)
    kept = [r for r in http if r.get("name") not in targets.managed_routes]
    weights = [_canary_weight(kept[i], targets) for i in _owned(kept, ref, virtual_service)]
    return RouterReport(max(weights), present, uniform=len(set(weights)) == 1)


def render_destination_rule(
    destination_rule: Mapping[str, Any],
    *,
    ref: DestinationRuleRef,
    subsets: Sequence[SubsetTarget],
    label: str = REVISION_LABEL,
) -> Obj:
    """`destination_rule` with the stable and canary subsets labelled by revision."""
    out: Obj = copy.deepcopy(dict(destination_rule))
    found = {s.get("name"): s for s in out.get("spec", {}).get("subsets", []) or []}
    for target in subsets:
        subset = found.get(target.name)
        if subset is None:
            raise SpecError(
                f"DestinationRule {ref.name} has no subset {target.name!r}", path="spec.subsets"
            )
        subset["labels"] = {**(subset.get("labels") or {}), label: target.revision}
    return out


def read_destination_rule(
    destination_rule: Mapping[str, Any], *, label: str = REVISION_LABEL
) -> dict[str, str | None]:
    """The revision each subset selects (None when unlabelled)."""
    subsets = destination_rule.get("spec", {}).get("subsets", []) or []
    return {str(s.get("name")): (s.get("labels") or {}).get(label) for s in subsets}


def _name(obj: Mapping[str, Any]) -> str:
    return str(obj.get("metadata", {}).get("name", "?"))


def _owned(http: list[Obj], ref: VirtualServiceRef, vs: Mapping[str, Any]) -> list[int]:
    """Indexes of the routes whose weights the engine owns."""
    if not ref.routes:
        if len(http) != 1:
            raise SpecError(
                f"VirtualService {_name(vs)} has {len(http)} http routes: name the one to shift "
                "in virtualService.routes",
                path="spec.http",
            )
        return [0]
    by_name = {r.get("name"): i for i, r in enumerate(http)}
    missing = [n for n in ref.routes if n not in by_name]
    if missing:
        raise SpecError(
            f"VirtualService {_name(vs)} has no http route named {missing[0]!r}", path="spec.http"
        )
    return sorted(by_name[n] for n in ref.routes)


def _set_weights(route: Obj, targets: IstioTargets, canary: int, index: int) -> Obj:
    """Write both weights explicitly; return the candidate destination (for match routes)."""
    destinations = route.get("route") or []
    roles = [targets.role(d.get("destination", {})) for d in destinations]
    if "stable" not in roles or "canary" not in roles:
        raise SpecError(
            f"route {route.get('name', index)!r} needs a stable ({targets.stable_host}) and a "
            f"candidate ({targets.canary_host}) destination",
            path=f"spec.http[{index}].route",
        )
    others = sum(
        int(d.get("weight", 0)) for d, r in zip(destinations, roles, strict=True) if r is None
    )
    stable = max(0, 100 - canary - others)
    for destination, role in zip(destinations, roles, strict=True):
        if role is not None:
            destination["weight"] = canary if role == "canary" else stable
    canary_destination: Obj = destinations[roles.index("canary")]["destination"]
    return canary_destination


def _canary_weight(route: Mapping[str, Any], targets: IstioTargets) -> int:
    for destination in route.get("route") or []:
        if targets.role(destination.get("destination", {})) == "canary":
            return int(destination.get("weight", 0))
    return 0


def _match_route(route: MatchRoute, canary: Obj) -> Obj:
    return {
        "name": route.name,
        "match": [_match(m) for m in route.matches],
        "route": [{"destination": copy.deepcopy(canary), "weight": 100}],
    }


def _match(match: RouteMatch) -> Obj:
    if match.cookie_name is not None:
        return {
            "headers": {"cookie": {"regex": cookie_pattern(match.cookie_name, match.cookie_value)}}
        }
    assert match.header_name is not None and match.header_value is not None
    value = match.header_value
    kind, text = next(
        (k, v)
        for k, v in (("exact", value.exact), ("prefix", value.prefix), ("regex", value.regex))
        if v is not None
    )
    return {"headers": {match.header_name.lower(): {kind: text}}}
