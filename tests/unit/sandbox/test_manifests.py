"""The demo's Rollouts and templates are read from examples/sandbox, and --fast scales them."""

from __future__ import annotations

from pathlib import Path

import pytest

from rollout_engine.errors import SpecError
from rollout_engine.sandbox.manifests import load_manifests, scaled
from rollout_engine.sandbox.scenarios import marker_for
from tests.paths import EXAMPLES

SANDBOX = EXAMPLES / "sandbox"


def test_each_rollout_comes_with_the_templates_it_names() -> None:
    for file, name in (("canary.yaml", "web"), ("bluegreen.yaml", "web-bg"),
                       ("abtest.yaml", "web-ab")):  # fmt: skip
        manifests = load_manifests(SANDBOX / file)
        assert manifests.rollout.metadata.name == name
        assert set(manifests.templates) == {
            "AnalysisTemplate/errors-and-latency",
            "AnalysisTemplate/error-rate",
        }


def test_fast_halves_every_duration_of_the_plan_and_of_the_templates() -> None:
    canary = scaled(load_manifests(SANDBOX / "canary.yaml"), 0.5)
    steps = canary.rollout.spec.strategy.canary.steps  # type: ignore[union-attr]
    assert [s.pause.duration for s in steps if s.pause] == ["5s", "22500ms"]
    metric = canary.templates["AnalysisTemplate/errors-and-latency"].metrics[0]
    assert (metric.interval, metric.initial_delay, metric.count) == (
        "2500ms",
        "2500ms",
        "{{args.looks}}",
    )
    bg = scaled(load_manifests(SANDBOX / "bluegreen.yaml"), 0.5).rollout.spec.strategy.blue_green
    assert bg is not None and bg.scale_down_delay_seconds == 5
    ab = scaled(load_manifests(SANDBOX / "abtest.yaml"), 0.5).rollout.spec.strategy.ab_test
    assert ab is not None and ab.duration == "27500ms"
    assert scaled(canary, 1.0) is canary


def test_marked_requests_carry_what_routes_them_to_the_candidate() -> None:
    ab = marker_for(load_manifests(SANDBOX / "abtest.yaml").rollout)
    assert ab is not None and ab.headers() == {"X-Segment": "beta", "Cookie": "beta=always"}
    bg = marker_for(load_manifests(SANDBOX / "bluegreen.yaml").rollout)
    assert bg is not None and bg.headers() == {"Host": "web-preview"}
    assert marker_for(load_manifests(SANDBOX / "canary.yaml").rollout) is None


def test_a_template_that_is_not_there_is_an_error_before_anything_starts(tmp_path: Path) -> None:
    (tmp_path / "canary.yaml").write_text((SANDBOX / "canary.yaml").read_text())
    with pytest.raises(SpecError, match="AnalysisTemplate 'errors-and-latency' is not in"):
        load_manifests(tmp_path / "canary.yaml")


def test_a_file_without_a_rollout_says_so(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text((SANDBOX / "templates.yaml").read_text())
    with pytest.raises(SpecError, match="holds no Rollout"):
        load_manifests(tmp_path / "t.yaml")


def test_a_canary_without_a_router_cannot_run_in_the_sandbox(tmp_path: Path) -> None:
    text = (SANDBOX / "canary.yaml").read_text()
    text = text.replace("      trafficRouting:\n        nginx:\n          stableIngress: web\n", "")
    (tmp_path / "canary.yaml").write_text(text)
    (tmp_path / "templates.yaml").write_text((SANDBOX / "templates.yaml").read_text())
    with pytest.raises(SpecError, match="set trafficRouting"):
        load_manifests(tmp_path / "canary.yaml")
