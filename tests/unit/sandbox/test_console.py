"""Live progress: step, weights, requests per version, measurements, the verdict."""

from __future__ import annotations

import io

from rich.console import Console

from rollout_engine.sandbox.console import LiveProgress, render
from rollout_engine.sandbox.timeline import Timeline
from tests.unit.sandbox.sample import T0, at, rolled_back_run


def _text(renderable: object) -> str:
    console = Console(record=True, width=140, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def test_the_view_shows_step_weights_traffic_measurements_and_verdict() -> None:
    text = _text(render(rolled_back_run().snapshot(), now=at(30)))
    assert "web: canary v1 → v2  30s" in text
    assert "step 2/3: analysis" in text and "candidate 20% · stable 80%" in text
    assert "routes: testers" in text
    lines = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 4}
    assert [c.strip() for c in lines["candidate"].split("│")[2:5]] == ["v2", "320", "20.0%"]
    assert [c.strip() for c in lines["stable"].split("│")[2:5]] == ["v1", "1280", "80.0%"]
    assert "[1.6, 5.2] limit 1.2" in text and "Failed" in text
    assert "RolledBack (error-ratio): error ratio above 1.2×" in text


def test_only_the_latest_measurements_are_listed() -> None:
    text = _text(render(rolled_back_run().snapshot(), now=at(30), last=1))
    assert "p99 within 10 %" in text
    assert "not enough evidence yet" not in text


def test_before_the_first_step_the_view_says_it_waits() -> None:
    timeline = Timeline(title="web", started_at=T0)
    text = _text(render(timeline.snapshot(), now=at(2)))
    assert "waiting for the first step" in text and "verdict: pending" in text


def test_live_progress_draws_the_timeline_it_is_given() -> None:
    out = io.StringIO()
    console = Console(file=out, width=140, color_system=None, force_terminal=False)
    timeline = rolled_back_run()
    with LiveProgress(timeline, console=console, clock=lambda: at(31)) as live:
        live.refresh()
    assert "RolledBack" in out.getvalue() and "31s" in out.getvalue()
