"""Plans: the ordered steps a strategy produces for one revision.

Each strategy is flattened into the same shape, so the state machine, the
``plan`` command and the simulator walk one list:

- **canary**: one plan step per declared step; each knows the weight and the
  match routes in effect once it is reached (``setWeight`` above
  ``maxWeight`` is capped: the engine never exceeds ``maxWeight``);
- **blue/green**: ``preview`` → ``prePromotionAnalysis`` → a pause (manual
  or timed promotion) → ``switch`` → ``postPromotionAnalysis``;
- **A/B test**: one ``segment`` step (match routes to the candidate for a
  duration or a number of intervals, judged by one analysis).

After the last step comes the promotion (the stable takes the candidate's
revision), which is the same for every strategy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel

from rollout_engine.api.base import dump
from rollout_engine.api.durations import parse_duration
from rollout_engine.api.rollout import (
    ABTestStrategy,
    AnalysisTemplateRef,
    BlueGreenStrategy,
    CanaryStep,
    CanaryStrategy,
    Rollout,
    RolloutAnalysis,
)
from rollout_engine.api.routing import RouteMatch
from rollout_engine.api.template import Argument
from strategies.desired import MatchRoute

__all__ = [
    "AB_ROUTE",
    "AnalysisSpec",
    "BackgroundSpec",
    "PauseSpec",
    "Plan",
    "PlanStep",
    "StepAction",
    "build_plan",
]

StepAction = Literal[
    "setWeight",
    "pause",
    "analysis",
    "setHeaderRoute",
    "setCookieRoute",
    "preview",
    "prePromotionAnalysis",
    "switch",
    "postPromotionAnalysis",
    "segment",
]
AB_ROUTE = "ab-test"
"""Name of the A/B test's match route, unless ``managedRoutes`` names one."""


@dataclass(frozen=True)
class PauseSpec:
    """Wait `duration`, or for a person when it is None. `reason` becomes the pause condition."""

    duration: timedelta | None
    reason: Literal["CanaryPauseStep", "BlueGreenPause"]


@dataclass(frozen=True)
class AnalysisSpec:
    """Templates and arguments of one analysis; `suffix` ends its run name."""

    suffix: str
    templates: tuple[AnalysisTemplateRef, ...]
    args: tuple[Argument, ...]

    @property
    def template_names(self) -> str:
        """Comma-separated template names, for tables and messages."""
        return ", ".join(t.template_name for t in self.templates)


@dataclass(frozen=True)
class PlanStep:
    """One step, with everything in effect once it is reached.

    Attributes:
        weight: the candidate's traffic weight in effect (canary; 0 otherwise).
        routes: match routes in effect (canary route steps, the A/B segment).
        pause: set on pause steps (and blue/green's promotion gate).
        analysis: set on steps that run an analysis and wait for its verdict.
        length / iterations: how long an A/B segment runs.
        preview_replicas: blue/green ``previewReplicaCount`` (None = all).
    """

    index: int
    action: StepAction
    weight: int = 0
    routes: tuple[MatchRoute, ...] = ()
    pause: PauseSpec | None = None
    analysis: AnalysisSpec | None = None
    length: timedelta | None = None
    iterations: int | None = None
    preview_replicas: int | None = None


@dataclass(frozen=True)
class BackgroundSpec:
    """An analysis that runs across steps from `starting_step` until the promotion."""

    starting_step: int
    analysis: AnalysisSpec


@dataclass(frozen=True)
class Plan:
    """The plan of one Rollout; ``digest`` changes whenever a step changes (→ restart)."""

    strategy: Literal["canary", "blueGreen", "abTest"]
    steps: tuple[PlanStep, ...]
    background: BackgroundSpec | None = None
    max_weight: int = 100
    routed: bool = False
    digest: str = ""

    def step(self, index: int | None) -> PlanStep | None:
        """The step at `index`, or None past the end (the promotion)."""
        if index is None or not 0 <= index < len(self.steps):
            return None
        return self.steps[index]


def build_plan(rollout: Rollout) -> Plan:
    """The plan of `rollout`'s strategy.

    Raises:
        SpecError: a step cannot be planned (e.g. a pause duration that does
            not parse); ``path`` names the field.
    """
    strategy = rollout.spec.strategy
    if strategy.canary is not None:
        plan = _canary_plan(strategy.canary)
    elif strategy.blue_green is not None:
        plan = _blue_green_plan(strategy.blue_green)
    else:
        assert strategy.ab_test is not None  # the model guarantees exactly one
        plan = _ab_test_plan(strategy.ab_test)
    return _with_digest(plan)


def _analysis(analysis: RolloutAnalysis, suffix: str) -> AnalysisSpec:
    return AnalysisSpec(suffix, tuple(analysis.templates), tuple(analysis.args))


def _canary_plan(canary: CanaryStrategy) -> Plan:
    routing = canary.traffic_routing
    order = [r.name for r in routing.managed_routes] if routing else []
    weight, routes = 0, dict[str, MatchRoute]()
    steps = []
    for index, step in enumerate(canary.steps):
        path = f"spec.strategy.canary.steps[{index}]"
        if step.set_weight is not None:
            weight = min(step.set_weight, canary.max_weight)
        _update_routes(routes, step)
        steps.append(
            PlanStep(
                index=index,
                action=_action(step),
                weight=weight,
                routes=_ordered(routes, order),
                pause=_pause(step, path),
                analysis=_analysis(step.analysis, str(index)) if step.analysis else None,
            )
        )
    background = None
    if canary.analysis is not None:
        start = canary.analysis.starting_step or 0
        background = BackgroundSpec(start, _analysis(canary.analysis, "bg"))
    return Plan(
        strategy="canary",
        steps=tuple(steps),
        background=background,
        max_weight=canary.max_weight,
        routed=routing is not None,
    )


def _action(step: CanaryStep) -> StepAction:
    if step.set_weight is not None:
        return "setWeight"
    if step.pause is not None:
        return "pause"
    if step.analysis is not None:
        return "analysis"
    return "setHeaderRoute" if step.set_header_route is not None else "setCookieRoute"


def _pause(step: CanaryStep, path: str) -> PauseSpec | None:
    if step.pause is None:
        return None
    raw = step.pause.duration
    duration = None if raw is None else parse_duration(raw, path=f"{path}.pause.duration")
    return PauseSpec(duration, "CanaryPauseStep")


def _update_routes(routes: dict[str, MatchRoute], step: CanaryStep) -> None:
    """Fold a route step into the routes in effect: replace by name; an empty match removes."""
    matches: tuple[RouteMatch, ...]
    if step.set_header_route is not None:
        name = step.set_header_route.name
        matches = tuple(
            RouteMatch(header_name=m.header_name, header_value=m.header_value)
            for m in step.set_header_route.match
        )
    elif step.set_cookie_route is not None:
        name = step.set_cookie_route.name
        matches = tuple(
            RouteMatch(cookie_name=m.cookie_name, cookie_value=m.cookie_value)
            for m in step.set_cookie_route.match
        )
    else:
        return
    routes.pop(name, None)
    if matches:
        routes[name] = MatchRoute(name, matches)


def _ordered(routes: dict[str, MatchRoute], order: list[str]) -> tuple[MatchRoute, ...]:
    """Routes in ``managedRoutes`` precedence; unlisted ones after, in order of appearance."""
    rank = {name: i for i, name in enumerate(order)}
    listed = sorted((r for r in routes.values() if r.name in rank), key=lambda r: rank[r.name])
    return tuple(listed) + tuple(r for r in routes.values() if r.name not in rank)


def _blue_green_plan(bg: BlueGreenStrategy) -> Plan:
    steps: list[PlanStep] = [PlanStep(0, "preview", preview_replicas=bg.preview_replica_count)]
    if bg.pre_promotion_analysis is not None:
        analysis = _analysis(bg.pre_promotion_analysis, "pre")
        steps.append(PlanStep(len(steps), "prePromotionAnalysis", analysis=analysis))
    if not bg.auto_promotion_enabled:
        steps.append(PlanStep(len(steps), "pause", pause=PauseSpec(None, "BlueGreenPause")))
    elif bg.auto_promotion_seconds is not None:
        delay = timedelta(seconds=bg.auto_promotion_seconds)
        steps.append(PlanStep(len(steps), "pause", pause=PauseSpec(delay, "BlueGreenPause")))
    steps.append(PlanStep(len(steps), "switch"))
    if bg.post_promotion_analysis is not None:
        analysis = _analysis(bg.post_promotion_analysis, "post")
        steps.append(PlanStep(len(steps), "postPromotionAnalysis", analysis=analysis))
    return Plan(strategy="blueGreen", steps=tuple(steps))


def _ab_test_plan(ab: ABTestStrategy) -> Plan:
    routing = ab.traffic_routing
    managed = [r.name for r in routing.managed_routes] if routing else []
    route = MatchRoute(managed[0] if managed else AB_ROUTE, tuple(ab.match))
    if ab.duration is not None:
        length = parse_duration(ab.duration, path="spec.strategy.abTest.duration")
    else:
        interval = parse_duration(ab.interval, path="spec.strategy.abTest.interval")
        length = interval * (ab.iterations or 1)
    segment = PlanStep(
        index=0,
        action="segment",
        routes=(route,),
        analysis=_analysis(ab.analysis, "ab") if ab.analysis else None,
        length=length,
        iterations=ab.iterations,
    )
    return Plan(strategy="abTest", steps=(segment,), routed=routing is not None)


def _canonical(value: Any) -> Any:
    """A JSON-able form of plan values, for the digest."""
    if isinstance(value, BaseModel):
        return dump(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    return value


def _with_digest(plan: Plan) -> Plan:
    body = json.dumps(_canonical(plan), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(body.encode()).hexdigest()[:12]
    return Plan(
        strategy=plan.strategy,
        steps=plan.steps,
        background=plan.background,
        max_weight=plan.max_weight,
        routed=plan.routed,
        digest=digest,
    )
