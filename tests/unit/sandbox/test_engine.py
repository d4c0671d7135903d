"""The engine loop on a fake clock: observe, decide, apply; promote, roll back, or wait.

No process runs here: the sandbox is a fake that records the routing and
the version changes, and Prometheus answers from per-track rates. The
manifests are the real ones in examples/sandbox, so these tests also pin
what the demo's Rollouts do.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from tests.unit.sandbox.fakebox import SLOW, T0, Track, rig


def test_the_first_deploy_makes_the_stable_track_s_build_the_stable_revision() -> None:
    rigged = rig("canary.yaml", candidate=Track())
    assert rigged.engine.status is not None
    assert rigged.engine.status.stable_revision == "v1" and rigged.engine.status.phase == "Healthy"
    assert rigged.box.fragments == []  # nothing to route yet


def test_a_good_canary_steps_through_the_plan_and_the_stable_takes_the_candidate() -> None:
    rigged = rig("canary.yaml", candidate=Track())
    outcome = rigged.run()
    assert outcome.verdict == "Promoted", outcome.reason
    assert rigged.box.weights() == [20, 50, 100, 0]
    assert rigged.box.replaced == [("stable", "v2")]
    assert outcome.status.stable_revision == "v2" and outcome.status.phase == "Healthy"
    run = rigged.runs.get("web-v2-bg")
    assert run is not None and run.status is not None and run.status.phase == "Successful"
    assert "non-inferiority shown" in outcome.reason and "v2 is the stable now" in outcome.reason
    # the final (10th) look came before the promotion, 55 s of steps after the start
    assert [r.count for r in run.status.metric_results] == [10, 10]
    assert outcome.at - T0 >= timedelta(seconds=55)


def test_a_regressed_canary_is_rolled_back_at_the_first_look_that_shows_it() -> None:
    rigged = rig("canary.yaml", candidate=Track(errors=0.06))
    outcome = rigged.run()
    assert outcome.verdict == "RolledBack"
    assert outcome.metric == "error-ratio"
    assert "worse than allowed 2×" in outcome.reason
    assert rigged.box.weights() == [20, 0]
    assert rigged.box.replaced == []  # the stable never left v1
    assert outcome.at - T0 <= timedelta(seconds=7)
    asked = {a.expr for a in rigged.provider.asked}
    assert any('track="candidate", code=~"5.."' in e for e in asked)


def test_a_tail_regression_alone_is_rolled_back_by_the_latency_comparison() -> None:
    rigged = rig("canary.yaml", candidate=Track(shape=SLOW))
    outcome = rigged.run()
    assert outcome.verdict == "RolledBack" and outcome.metric == "latency"


def test_a_candidate_that_cannot_be_shown_within_the_margin_waits_for_a_person() -> None:
    rigged = rig("canary.yaml", candidate=Track(errors=0.037))  # 1.85×: allowed 2×, not shown
    outcome = rigged.run()
    assert outcome.verdict == "Paused"
    assert "inconclusive" in outcome.reason
    assert rigged.box.weights() == [20, 50]  # held where the last step put it
    assert rigged.box.replaced == []


def test_blue_green_switches_through_the_active_and_preview_services() -> None:
    rigged = rig("bluegreen.yaml", candidate=Track())
    outcome = rigged.run()
    assert outcome.verdict == "Promoted", outcome.reason
    first = rigged.box.fragments[0]
    assert "candidate 0%" in first and "map $http_host" in first
    assert '"~^web\\\\-preview$" candidate;' in first  # Host: web-preview → the candidate
    assert rigged.box.weights() == [0, 100, 0]
    assert rigged.box.replaced == [("stable", "v2")]
    phases = {r.name: r.status.phase for r in rigged.runs if r.status is not None}
    assert phases == {"web-bg-v2-pre": "Successful", "web-bg-v2-post": "Successful"}


def test_blue_green_rolls_back_before_the_switch_when_the_preview_is_worse() -> None:
    rigged = rig("bluegreen.yaml", candidate=Track(errors=0.06))
    outcome = rigged.run()
    assert outcome.verdict == "RolledBack"
    assert rigged.box.weights() == [0]  # users never reached v3
    assert rigged.box.fragments[-1].count("map ") == 0  # the preview route is gone


def test_an_ab_test_routes_its_segment_then_promotes() -> None:
    rigged = rig("abtest.yaml", candidate=Track())
    outcome = rigged.run()
    assert outcome.verdict == "Promoted", outcome.reason
    segment = rigged.box.fragments[0]
    assert "$http_x_segment" in segment and "$http_cookie" in segment
    assert rigged.box.weights() == [0, 100, 0]
    assert outcome.at - T0 >= timedelta(seconds=55)  # the test ran its whole duration


@pytest.mark.parametrize("file", ["canary.yaml", "bluegreen.yaml", "abtest.yaml"])
def test_each_tick_measures_only_what_is_due(file: str) -> None:
    rigged = rig(file, candidate=Track())
    rigged.run()
    looks = [a.at for a in rigged.provider.asked]
    # every query of a look is asked at the same time; looks are 5 s apart
    times = sorted(set(looks))
    assert all(b - a >= timedelta(seconds=5) for a, b in itertools.pairwise(times))
