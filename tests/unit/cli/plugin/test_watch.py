"""get --watch: redraws as the controller moves the rollout, and stops when it settles.

The controller here is the real engine (a `Played` rollout) plus the real
analysis module finishing the run; it acts where the watch would wait, so
nothing sleeps and every screen is deterministic.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from rich.console import Console

from rollout_engine.cli.plugin import watch
from rollout_engine.cli.plugin.build import rollout_view
from rollout_engine.cli.plugin.fetch import snapshot
from rollout_engine.cli.plugin.options import Target
from rollout_engine.cli.plugin.session import open_session
from tests.fakes.apiserver import FakeApiServer
from tests.fakes.rollout_scene import Played, Scene, example, measured_run
from tests.unit.cli.plugin.conftest import NOW, Plugin

RUN = "web-7d9f5c6b8-3"


def _finish_analysis(scene: Scene, played: Played) -> None:
    """The run measures twice more (5 of 5) and ends Successful; the engine moves on."""
    spec, status = measured_run(
        example("templates/success-rate.yaml", "AnalysisTemplate"),
        args={"ingress": "web"},
        values=(0.991, 0.987, 0.982, 0.985, 0.99),
        started_at=NOW - timedelta(minutes=4),
    )
    assert status.phase == "Successful"
    scene.analysis_run(name=RUN, namespace="storefront", spec=spec, status=status)
    played.world.verdict(RUN, "Successful", status.message or "")
    played.reconcile(settle=True)


def _controller(scene: Scene, played: Played) -> Callable[[float], None]:
    """What happens while the watch waits: first the verdict, then the last pause ends."""
    ticks: Iterator[Callable[[], object]] = iter(
        [
            lambda: _finish_analysis(scene, played),
            lambda: played.reconcile(after=timedelta(minutes=5), settle=True),
        ]
    )

    def wait(interval: float) -> None:
        next(ticks)()

    return wait


def test_watch_redraws_live_until_healthy(
    scene: Scene, apiserver: FakeApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    played = scene.canary_at_analysis()
    monkeypatch.setattr(watch, "pause", _controller(scene, played))
    session = open_session(Target("storefront", None, str(apiserver.kubeconfig)))
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=200, color_system=None)
    last = watch.watch_view(
        lambda: rollout_view(snapshot(session, "web")),
        console=console,
        interval=2,
        now=lambda: NOW,
    )
    assert last.phase == "Healthy"
    assert watch.settled_code(last) == 0
    shown = screen.getvalue()
    first, second, third = (
        shown.index("▶ 3 analysis success-rate"),
        shown.index("▶ 5 pause 5m"),
        shown.index("Rollout storefront/web  Healthy"),
    )
    assert first < second < third
    assert "success-rate  Successful  5 measured: 5 successful" in shown[second:]
    assert f"Last verdict  Successful  {RUN}" in shown[second:]
    assert "watching every 2s until Healthy or Degraded" in shown
    assert "\x1b[" in shown  # NB: redrawn in place on a terminal


def test_watch_in_a_pipe_prints_each_new_view_and_exits_0(
    scene: Scene, plugin: Plugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    played = scene.canary_at_analysis()
    monkeypatch.setattr(watch, "pause", _controller(scene, played))
    ran = plugin("get", "web", "-n", "storefront", "--watch")
    assert (ran.code, ran.err) == (0, "")
    headers = [line for line in ran.out.splitlines() if line.startswith("Rollout ")]
    assert headers == [
        "Rollout storefront/web  Progressing  canary via nginx",
        "Rollout storefront/web  Paused  canary via nginx",
        "Rollout storefront/web  Healthy  canary via nginx",
    ]
    assert "▶ 5 pause 5m" in ran.out


def test_watch_as_a_json_stream(
    scene: Scene, plugin: Plugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    played = scene.canary_at_analysis()
    monkeypatch.setattr(watch, "pause", _controller(scene, played))
    ran = plugin("get", "web", "-n", "storefront", "-w", "-o", "json")
    views = [json.loads(line) for line in ran.out.splitlines()]
    assert [(v["phase"], v["stepIndex"]) for v in views] == [
        ("Progressing", 3),
        ("Paused", 5),
        ("Healthy", None),
    ]
    assert views[1]["lastVerdict"]["phase"] == "Successful"


def test_watch_of_a_degraded_rollout_exits_7_at_once(scene: Scene, plugin: Plugin) -> None:
    scene.blue_green_failed()
    ran = plugin("get", "checkout", "-n", "shop", "--watch")
    assert ran.code == 7
    assert ran.out.splitlines()[0] == "Rollout shop/checkout  Degraded  blueGreen via services"


def test_a_passing_api_failure_keeps_watching(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    played = scene.canary_at_analysis()
    steps: Iterator[Callable[[], object]] = iter(
        [
            lambda: apiserver.faults.fail(500, verb="get", resource="rollouts", times=1),
            lambda: played.reconcile(after=timedelta(0)),
            lambda: _finish_analysis(scene, played),
            lambda: played.reconcile(after=timedelta(minutes=5), settle=True),
        ]
    )
    monkeypatch.setattr(watch, "pause", lambda _: next(steps)())
    ran = plugin("get", "web", "-n", "storefront", "-w")
    assert ran.code == 0
    assert (
        "could not refresh (get Rollout web: Internal error occurred: injected fault); retrying"
        in ran.out
    )


def test_ctrl_c_stops_the_watch_with_exit_130(
    scene: Scene, plugin: Plugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene.canary_at_analysis()

    def interrupt(interval: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(watch, "pause", interrupt)
    ran = plugin("get", "web", "-n", "storefront", "-w")
    assert (ran.code, ran.err) == (130, "interrupted\n")
    assert ran.out.startswith("Rollout storefront/web  Progressing")


def test_a_rollout_deleted_while_watched_ends_the_watch_with_exit_3(
    scene: Scene, plugin: Plugin, apiserver: FakeApiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene.canary_at_analysis()

    def delete(interval: float) -> None:
        apiserver.store.delete(
            "rollout-engine.io/v1alpha1", "Rollout", name="web", namespace="storefront"
        )

    monkeypatch.setattr(watch, "pause", delete)
    ran = plugin("get", "web", "-n", "storefront", "-w")
    assert (ran.code, ran.err) == (3, 'error: rollout "web" not found in namespace "storefront"\n')
