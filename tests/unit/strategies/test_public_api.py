"""The public surface of `strategies` is deliberate, small and documented."""

from __future__ import annotations

import inspect

import strategies
from strategies.routers import istio, local_nginx, nginx_ingress

PUBLIC = {
    "advance", "Decision", "Observed", "VersionState", "RunState", "RouterReport",
    "DesiredState", "VersionSpec", "TrafficState", "MatchRoute", "ServiceTarget",
    "SubsetTarget", "AnalysisRequest", "WorkloadRollback", "RolloutEvent",
    "build_plan", "Plan", "PlanStep", "PauseSpec", "AnalysisSpec", "BackgroundSpec",
    "service_names", "ServiceNames", "run_name", "REVISION_LABEL",
}  # fmt: skip


def test_strategies_exports_exactly_its_public_names() -> None:
    assert set(strategies.__all__) == PUBLIC
    assert len(strategies.__all__) == len(PUBLIC)


def test_every_public_name_is_documented() -> None:
    for name in strategies.__all__:
        value = getattr(strategies, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name


def test_the_renderers_export_render_and_read_back_pairs() -> None:
    assert {"render_virtual_service", "read_virtual_service"} <= set(istio.__all__)
    assert {"render_destination_rule", "read_destination_rule"} <= set(istio.__all__)
    assert {"render_canary_ingress", "read_canary_ingress"} <= set(nginx_ingress.__all__)
    assert "render_local_nginx" in local_nginx.__all__
    for module in (istio, nginx_ingress, local_nginx):
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isfunction(value):
                assert inspect.signature(value).parameters, name
                assert inspect.getdoc(value), name


def test_advance_takes_keywords_only() -> None:
    parameters = inspect.signature(strategies.advance).parameters
    assert [p.kind for p in parameters.values()] == [inspect.Parameter.KEYWORD_ONLY] * 3
    assert list(parameters) == ["rollout", "observed", "now"]
