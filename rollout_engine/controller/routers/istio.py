"""Istio: weights and routes in the user's VirtualServices, subset labels in its DestinationRule.

The objects belong to the user (and to their GitOps tool): the controller
never creates or deletes them and writes only what ``strategies.routers.istio``
says the engine owns — destination weights on the named routes, its managed
match routes, the revision label of the two subsets — as guarded JSON
patches (see ``patches``). Subsets are written before weights: a weight must
never point at a subset whose pods are not the version it means
(reliability.md W2, W3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.routing import IstioRouting, VirtualServiceRef
from rollout_engine.controller.routers.patches import http_ops, subset_ops
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import Conflict, KubeError, NotFound, SpecError
from rollout_engine.kube import Objects, kind
from strategies import RouterReport, SubsetTarget, TrafficState
from strategies.routers import merge_reports
from strategies.routers.istio import (
    IstioTargets,
    read_virtual_service,
    render_destination_rule,
    render_virtual_service,
)

__all__ = ["IstioRouter"]

VIRTUAL_SERVICE = kind("VirtualService")
DESTINATION_RULE = kind("DestinationRule")
Obj = dict[str, Any]
_TRIES = 3


class IstioRouter:
    """Reads and moves traffic in the VirtualServices a Rollout names."""

    def __init__(self, *, objects: Objects, writer: Writer, owner: dict[str, object]) -> None:
        self._objects, self._writer = objects, writer
        self._seen: dict[str, Obj] = {}  # NB: what observe read, for apply's first try

    def observe(self, *, rollout: Rollout) -> RouterReport:
        """The candidate weight and managed routes on the owned routes (validated first)."""
        istio, path = _istio(rollout)
        targets = IstioTargets.for_rollout(rollout)
        reports = []
        for i, ref in enumerate(istio.all_virtual_services()):
            at = (
                f"{path}.virtualServices[{i}]"
                if istio.virtual_services
                else f"{path}.virtualService"
            )
            vs = self._get(VIRTUAL_SERVICE, ref.name, rollout, at=at)
            self._seen[ref.name] = vs
            report = _checked(vs, ref=ref, targets=targets)
            reports.append(report)
        rule = istio.destination_rule
        if rule is not None:
            dr = self._get(DESTINATION_RULE, rule.name, rollout, at=f"{path}.destinationRule")
            names = {s.get("name") for s in (dr.get("spec") or {}).get("subsets") or []}
            for wanted in (rule.stable_subset_name, rule.canary_subset_name):
                if wanted not in names:
                    raise SpecError(
                        f"DestinationRule {rule.name} has no subset {wanted!r}",
                        path=f"{path}.destinationRule",
                    )
        return merge_reports(reports)

    def apply(
        self, *, rollout: Rollout, desired: TrafficState, subsets: Sequence[SubsetTarget]
    ) -> bool:
        """Subset labels first, then every VirtualService's weights and routes."""
        istio, _ = _istio(rollout)
        changed = False
        if istio.destination_rule is not None and subsets:
            changed |= self._retry(lambda: self._subsets(rollout, istio, subsets))
        targets = IstioTargets.for_rollout(rollout)
        for ref in istio.all_virtual_services():

            def one(name: str = ref.name, r: Any = ref) -> bool:
                vs = self._seen.pop(name, None) or self._objects.get(
                    VIRTUAL_SERVICE, name=name, namespace=_ns(rollout)
                )  # NB: the patch tests what it read: a change since is a 422, then a re-read
                rendered = render_virtual_service(vs, ref=r, targets=targets, traffic=desired)
                return self._patch(VIRTUAL_SERVICE, vs, http_ops(_http(vs), _http(rendered)))

            changed |= self._retry(one)
        return changed

    def finalize(self, *, rollout: Rollout) -> None:
        """Weights back to 100 % stable, managed routes removed (subsets are left as they are)."""
        self.apply(rollout=rollout, desired=TrafficState(0), subsets=())

    def _subsets(
        self, rollout: Rollout, istio: IstioRouting, subsets: Sequence[SubsetTarget]
    ) -> bool:
        rule = istio.destination_rule
        assert rule is not None
        dr = self._objects.get(DESTINATION_RULE, name=rule.name, namespace=_ns(rollout))
        rendered = render_destination_rule(dr, ref=rule, subsets=subsets)
        ops = subset_ops(_subsets_of(dr), _subsets_of(rendered))
        return self._patch(DESTINATION_RULE, dr, ops)

    def _patch(self, what: Any, obj: Obj, ops: list[Obj]) -> bool:
        if not ops:
            return False
        meta = obj.get("metadata") or {}
        try:
            self._writer.patch(
                what,
                name=meta["name"],
                namespace=meta.get("namespace"),
                patch=ops,
                patch_type="json",
            )
        except KubeError as exc:
            if exc.status == 422 and "test" in str(exc).lower():
                raise Conflict(f"{what.kind} {meta['name']} changed meanwhile: {exc}") from exc
            raise
        return True

    @staticmethod
    def _retry(action: Any) -> bool:
        for attempt in range(_TRIES):
            try:
                return bool(action())
            except Conflict:
                if attempt == _TRIES - 1:
                    raise
        return False  # pragma: no cover - the loop returns or raises

    def _get(self, what: Any, name: str, rollout: Rollout, *, at: str) -> Obj:
        try:
            return self._objects.get(what, name=name, namespace=_ns(rollout))
        except NotFound:
            raise SpecError(f"{what.kind} {_ns(rollout)}/{name} not found", path=at) from None


def _istio(rollout: Rollout) -> tuple[IstioRouting, str]:
    strategy = rollout.spec.strategy
    routed = strategy.canary or strategy.ab_test
    routing = routed.traffic_routing if routed is not None else None
    if routing is None or routing.istio is None:
        raise SpecError("the Rollout does not route through Istio", path="spec.strategy")
    where = "canary" if strategy.canary is not None else "abTest"
    return routing.istio, f"spec.strategy.{where}.trafficRouting.istio"


def _checked(vs: Obj, *, ref: VirtualServiceRef, targets: IstioTargets) -> RouterReport:
    """What `vs` reports, once it is known to render (named routes, both destinations)."""
    try:
        report = read_virtual_service(vs, ref=ref, targets=targets)
        traffic = TrafficState(report.canary_weight)
        render_virtual_service(vs, ref=ref, targets=targets, traffic=traffic)
    except SpecError as exc:
        name = (vs.get("metadata") or {}).get("name")
        raise SpecError(f"VirtualService {name}: {exc}") from None
    return report


def _ns(rollout: Rollout) -> str:
    return rollout.metadata.namespace or "default"


def _http(vs: Obj) -> list[Obj]:
    return list((vs.get("spec") or {}).get("http") or [])


def _subsets_of(dr: Obj) -> list[Obj]:
    return list((dr.get("spec") or {}).get("subsets") or [])
