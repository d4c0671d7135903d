"""Semantic checks of Rollouts: routing, step order, pauses, routes, analysis references."""

from __future__ import annotations

from collections.abc import Iterator

from rollout_engine.api.durations import parse_duration
from rollout_engine.api.rollout import (
    ABTestStrategy,
    BlueGreenStrategy,
    CanaryStep,
    CanaryStrategy,
    Rollout,
)
from rollout_engine.api.routing import TrafficRouting
from rollout_engine.errors import SpecError
from rollout_engine.lint.context import LintContext
from rollout_engine.lint.findings import Finding
from rollout_engine.lint.references import check_analysis_refs
from rollout_engine.lint.schema import Identified

__all__ = ["check_rollout"]


def check_rollout(ident: Identified, ctx: LintContext) -> Iterator[Finding]:
    """All semantic findings for an (already schema-valid) Rollout."""
    rollout: Rollout = ident.model  # type: ignore[assignment]
    strategy = rollout.spec.strategy
    if strategy.canary is not None:
        yield from _canary(ident, strategy.canary, ctx, "spec.strategy.canary")
    elif strategy.blue_green is not None:
        yield from _blue_green(ident, strategy.blue_green, ctx, "spec.strategy.blueGreen")
    elif strategy.ab_test is not None:
        yield from _ab_test(ident, strategy.ab_test, ctx, "spec.strategy.abTest")


def _needs_router(
    ident: Identified, routing: TrafficRouting | None, path: str, what: str
) -> Iterator[Finding]:
    if routing is None:
        yield ident.finding(
            path=f"{path}.trafficRouting",
            message=f"{what} needs a traffic router to move traffic",
            fix="add trafficRouting.istio.virtualService (or trafficRouting.nginx.stableIngress)",
            code="missing-traffic-routing",
        )


def _canary(
    ident: Identified, canary: CanaryStrategy, ctx: LintContext, path: str
) -> Iterator[Finding]:
    yield from _needs_router(ident, canary.traffic_routing, path, "a canary")
    routing = canary.traffic_routing
    managed = {r.name for r in routing.managed_routes} if routing else set()
    last_weight = 0
    for i, step in enumerate(canary.steps):
        at = f"{path}.steps[{i}]"
        if step.set_weight is not None:
            yield from _weight(ident, step.set_weight, last_weight, canary.max_weight, at)
            last_weight = step.set_weight
        elif step.pause is not None and step.pause.duration is not None:
            yield from _pause(ident, step.pause.duration, f"{at}.pause.duration")
        elif step.analysis is not None:
            yield from check_analysis_refs(ident, step.analysis, ctx, f"{at}.analysis")
        route = step.set_header_route or step.set_cookie_route
        if route is not None:
            yield from _route(ident, step, managed=managed, routing=routing, at=at)
    if canary.analysis is not None:
        yield from check_analysis_refs(ident, canary.analysis, ctx, f"{path}.analysis")
        start = canary.analysis.starting_step
        if start is not None and start >= max(len(canary.steps), 1):
            yield ident.finding(
                path=f"{path}.analysis.startingStep",
                message=f"startingStep {start} is past the last step "
                f"(there are {len(canary.steps)})",
                fix=f"use a step index from 0 to {max(len(canary.steps) - 1, 0)}",
                code="bad-starting-step",
            )


def _weight(ident: Identified, weight: int, last: int, cap: int, at: str) -> Iterator[Finding]:
    if weight > cap:
        yield ident.finding(
            path=f"{at}.setWeight",
            message=f"weight {weight} is above maxWeight {cap}",
            fix=f"lower the weight to at most {cap}, or raise maxWeight",
            code="weight-above-max",
        )
    elif weight < last:
        yield ident.finding(
            path=f"{at}.setWeight",
            message=f"weight goes down from {last} to {weight}",
            fix="order setWeight steps from low to high (abort to send traffic back)",
            code="weight-decreases",
            severity="warning",
        )


def _pause(ident: Identified, duration: int | str, at: str) -> Iterator[Finding]:
    try:
        parse_duration(duration, path=at)
    except SpecError as exc:
        yield ident.finding(
            path=at,
            message=exc.detail,
            fix="write a duration such as 30s or 5m, or a number of seconds; "
            "omit duration to wait for a person",
            code="bad-duration",
        )


def _route(
    ident: Identified,
    step: CanaryStep,
    *,
    managed: set[str],
    routing: TrafficRouting | None,
    at: str,
) -> Iterator[Finding]:
    route = step.set_header_route or step.set_cookie_route
    name = route.name if route else ""
    if routing is not None and name not in managed:
        yield ident.finding(
            path=at,
            message=f"route {name!r} is not listed in trafficRouting.managedRoutes",
            fix=f"add '- name: {name}' under trafficRouting.managedRoutes so the engine may own it",
            code="unmanaged-route",
        )
    if routing is None or routing.nginx is None:
        return
    header = step.set_header_route
    if header is not None and len(header.match) > 1:
        yield ident.finding(
            path=f"{at}.setHeaderRoute.match",
            message="NGINX Ingress can route on one header per canary Ingress",
            fix="keep a single header match, or use Istio for several",
            code="nginx-unsupported-match",
        )
    cookie = step.set_cookie_route
    if cookie is not None:
        values: list[str | None] = [m.cookie_value for m in cookie.match]
        yield from _nginx_cookies(ident, values, f"{at}.setCookieRoute")


def _nginx_cookies(ident: Identified, values: list[str | None], at: str) -> Iterator[Finding]:
    for value in values:
        if value not in (None, "always"):
            yield ident.finding(
                path=f"{at}.match",
                message="NGINX Ingress routes a cookie only when its value is 'always', "
                f"not {value!r}",
                fix="set cookieValue: always (or omit it), or use Istio for other values",
                code="nginx-unsupported-match",
            )


def _blue_green(
    ident: Identified, bg: BlueGreenStrategy, ctx: LintContext, path: str
) -> Iterator[Finding]:
    if not bg.auto_promotion_enabled and bg.auto_promotion_seconds is not None:
        yield ident.finding(
            path=f"{path}.autoPromotionSeconds",
            message="autoPromotionSeconds has no effect when autoPromotionEnabled is false",
            fix="remove autoPromotionSeconds, or set autoPromotionEnabled: true",
            code="conflicting-fields",
        )
    for field, analysis in (
        ("prePromotionAnalysis", bg.pre_promotion_analysis),
        ("postPromotionAnalysis", bg.post_promotion_analysis),
    ):
        if analysis is not None:
            yield from check_analysis_refs(ident, analysis, ctx, f"{path}.{field}")


def _ab_test(
    ident: Identified, ab: ABTestStrategy, ctx: LintContext, path: str
) -> Iterator[Finding]:
    yield from _needs_router(ident, ab.traffic_routing, path, "an A/B test")
    if ab.duration is not None:
        yield from _pause(ident, ab.duration, f"{path}.duration")
    if ab.traffic_routing is not None and ab.traffic_routing.nginx is not None:
        headers = [m for m in ab.match if m.header_name is not None]
        if len(headers) > 1:
            yield ident.finding(
                path=f"{path}.match",
                message="NGINX Ingress can route on one header (and one cookie) per canary Ingress",
                fix="keep a single header match, or use Istio for several",
                code="nginx-unsupported-match",
            )
        cookies = [m.cookie_value for m in ab.match if m.cookie_name is not None]
        yield from _nginx_cookies(ident, cookies, path)
    if ab.analysis is not None:
        yield from check_analysis_refs(ident, ab.analysis, ctx, f"{path}.analysis")
