"""Step 1 of a reconcile: read the world a Rollout references, fresh from the API server.

Everything the later steps need is read here, once: the Rollout, its
workload Deployment, ``<name>-primary``, the Services, its AnalysisRuns, the
templates its analyses name, and what the traffic router reports. Nothing
later fetches any of it again (architecture.md, "the path of one verdict").
A reference that cannot be resolved becomes a ``Problem`` rather than an
exception, so one bad Rollout never affects another.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from rollout_engine.api.rollout import Rollout, RolloutAnalysis
from rollout_engine.api.status import RolloutStatus
from rollout_engine.controller.ownership import ROLLOUT_LABEL, label_value, owned_by
from rollout_engine.controller.preflight import Preflight
from rollout_engine.controller.problems import Problem
from rollout_engine.controller.workload import PRIMARY_SUFFIX, selector_of
from rollout_engine.errors import NotFound, SpecError
from rollout_engine.kube import Objects, kind
from rollout_engine.lint.explain import explain_error
from rollout_engine.notify import RolloutRef
from strategies import service_names

__all__ = ["World", "WorldReader", "analyses_of"]

Obj = dict[str, Any]
ROLLOUT, DEPLOYMENT, SERVICE = kind("Rollout"), kind("Deployment"), kind("Service")
ANALYSIS_RUN = kind("AnalysisRun")
TEMPLATE, CLUSTER_TEMPLATE = kind("AnalysisTemplate"), kind("ClusterAnalysisTemplate")


@dataclass
class World:
    """What one reconcile knows about one Rollout and what it references."""

    key: RolloutRef
    raw: Obj
    stored: RolloutStatus
    rollout: Rollout | None = None
    candidate: Obj | None = None
    primary: Obj | None = None
    selector: dict[str, str] = field(default_factory=dict)
    services: dict[str, Obj | None] = field(default_factory=dict)
    runs: dict[str, Obj] = field(default_factory=dict)
    templates: dict[str, Obj] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def held(self) -> bool:
        """A problem forbids reconciling (see ``problems``)."""
        return any(p.hold for p in self.problems)

    @property
    def namespace(self) -> str:
        return self.key.namespace


def analyses_of(rollout: Rollout) -> Iterator[tuple[str, RolloutAnalysis]]:
    """Every analysis the Rollout declares, with its field path."""
    strategy = rollout.spec.strategy
    if strategy.canary is not None:
        for i, step in enumerate(strategy.canary.steps):
            if step.analysis is not None:
                yield f"spec.strategy.canary.steps[{i}].analysis", step.analysis
        if strategy.canary.analysis is not None:
            yield "spec.strategy.canary.analysis", strategy.canary.analysis
    if strategy.blue_green is not None:
        bg = strategy.blue_green
        for name, analysis in (
            ("prePromotionAnalysis", bg.pre_promotion_analysis),
            ("postPromotionAnalysis", bg.post_promotion_analysis),
        ):
            if analysis is not None:
                yield f"spec.strategy.blueGreen.{name}", analysis
    if strategy.ab_test is not None and strategy.ab_test.analysis is not None:
        yield "spec.strategy.abTest.analysis", strategy.ab_test.analysis


class WorldReader:
    """Reads a World; `cluster_templates` is False in namespaced mode (they are not readable)."""

    def __init__(self, objects: Objects, *, cluster_templates: bool = True) -> None:
        self._objects = objects
        self._cluster_templates = cluster_templates
        self._preflight = Preflight()

    def read(self, key: RolloutRef) -> World | None:
        """The World of `key`; None when the Rollout no longer exists."""
        try:
            raw = self._objects.get(ROLLOUT, name=key.name, namespace=key.namespace)
        except NotFound:
            return None
        world = World(key=key, raw=raw, stored=_stored_status(raw))
        spec_only = {k: v for k, v in raw.items() if k != "status"}
        try:
            rollout = Rollout.model_validate(spec_only)
        except ValidationError as exc:
            world.problems = [_invalid(spec_only, exc)]
            return world
        world.rollout = rollout.model_copy(update={"status": world.stored})
        for step in (self._workload, self._services, self._runs, self._templates):
            step(world)
            if world.held:
                break
        return world

    def _workload(self, world: World) -> None:
        assert world.rollout is not None
        name = world.rollout.spec.workload_ref.name
        try:
            world.candidate = self._objects.get(DEPLOYMENT, name=name, namespace=world.namespace)
            world.selector = selector_of(world.candidate)
        except NotFound:
            message = f"spec.workloadRef: Deployment {world.namespace}/{name} not found"
            world.problems.append(Problem("ReferenceNotFound", message))
            return
        except SpecError as exc:
            world.problems.append(Problem.from_error("InvalidSpec", exc))
            return
        primary = world.key.name + PRIMARY_SUFFIX
        world.primary = self._maybe(DEPLOYMENT, primary, world.namespace)
        if world.primary is not None and not owned_by(world.primary, world.raw):
            world.problems.append(
                Problem(
                    "InvalidSpec",
                    f"Deployment {world.namespace}/{primary} exists and is not owned by Rollout "
                    f"{world.key.name}: rename or delete it (the stable lives there)",
                )
            )

    def _services(self, world: World) -> None:
        assert world.rollout is not None
        names = service_names(world.rollout)
        defaults = {world.key.name, world.key.name + PRIMARY_SUFFIX, f"{world.key.name}-canary"}
        for name in dict.fromkeys(
            n for n in (names.apex, names.stable, names.canary, names.active, names.preview) if n
        ):
            world.services[name] = self._maybe(SERVICE, name, world.namespace)
            if world.services[name] is None and name not in defaults:
                world.problems.append(
                    Problem(
                        "ReferenceNotFound",
                        f"spec.strategy: Service {world.namespace}/{name} not found (a Service "
                        "named in the strategy must exist; the controller creates only the "
                        "default ones)",
                    )
                )

    def _runs(self, world: World) -> None:
        selector = f"{ROLLOUT_LABEL}={label_value(world.key.name)}"
        items, _ = self._objects.list_items(
            ANALYSIS_RUN, namespace=world.namespace, label_selector=selector
        )
        world.runs = {r["metadata"]["name"]: r for r in items if owned_by(r, world.raw)}

    def _templates(self, world: World) -> None:
        assert world.rollout is not None
        for path, analysis in analyses_of(world.rollout):
            for j, ref in enumerate(analysis.templates):
                which = "ClusterAnalysisTemplate" if ref.cluster_scope else "AnalysisTemplate"
                ident = f"{which}/{ref.template_name}"
                if ident in world.templates:
                    continue
                found = self._template(ref.cluster_scope, ref.template_name, world.namespace)
                if found is None:
                    world.problems.append(
                        _missing_template(
                            world, ident, f"{path}.templates[{j}]", cluster=ref.cluster_scope
                        )
                    )
                else:
                    world.templates[ident] = found
        world.problems += self._preflight.check(world.raw, world.templates.values())

    def _template(self, cluster: bool, name: str, namespace: str) -> Obj | None:
        if cluster:
            return self._maybe(CLUSTER_TEMPLATE, name, None) if self._cluster_templates else None
        return self._maybe(TEMPLATE, name, namespace)

    def _maybe(self, what: Any, name: str, namespace: str | None) -> Obj | None:
        try:
            return self._objects.get(what, name=name, namespace=namespace)
        except NotFound:
            return None


def _missing_template(world: World, ident: str, path: str, *, cluster: bool) -> Problem:
    where = "" if cluster else f" in namespace {world.namespace}"
    why = (
        (" (ClusterAnalysisTemplates are not readable when the controller watches one namespace)")
        if cluster
        else ""
    )
    return Problem(
        "ReferenceNotFound", f"{path}: {ident} not found{where}{why}", hold=False, template=ident
    )


def _stored_status(raw: Obj) -> RolloutStatus:
    try:
        return RolloutStatus.model_validate(raw.get("status") or {})
    except ValidationError:
        return RolloutStatus()  # NB: an unreadable status is rebuilt from the world (G5)


def _invalid(raw: Obj, exc: ValidationError) -> Problem:
    messages = []
    for err in exc.errors(include_url=False)[:3]:
        path, message, fix, _ = explain_error(err, model=Rollout, body=raw)
        messages.append(f"{path}: {message} (fix: {fix})" if path else f"{message} (fix: {fix})")
    return Problem("InvalidSpec", "invalid spec: " + "; ".join(messages))
