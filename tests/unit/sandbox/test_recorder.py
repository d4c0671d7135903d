"""The timeline a run leaves: steps, values per version, every measurement, traffic, the verdict."""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime
from typing import cast

from rich.console import Console

from rollout_engine.sandbox.console import render
from rollout_engine.sandbox.engine import Outcome
from rollout_engine.sandbox.loadgen import Counts, LoadGenerator
from rollout_engine.sandbox.processes import STABLE
from rollout_engine.sandbox.recorder import Recorder, plan_labels
from rollout_engine.sandbox.report import render_document
from rollout_engine.sandbox.timeline import Timeline, Verdict
from strategies import Decision, build_plan
from tests.unit.sandbox.fakebox import T0, Rig, Track, rig


class FakeLoad:
    """Counts that grow by 100 requests per version at each call."""

    def __init__(self) -> None:
        self.calls = 0

    def mark(self) -> float:
        return 0.0

    def counts(self, *, since: float = 0.0) -> Counts:
        self.calls += 1
        served = Counter({"v1": 100 * self.calls, "v2": 100 * self.calls})
        return Counts(
            served=served, marked=Counter(), unmarked=served, statuses=Counter(), errors=0
        )


def _recorded(rigged: Rig) -> tuple[Timeline, Outcome]:
    rollout = rigged.engine.rollout
    plan = build_plan(rollout)
    timeline = Timeline(title="web", started_at=T0, plan=plan_labels(plan),
                        versions={"stable": "v1", "candidate": "v2"})  # fmt: skip
    recorder = Recorder(
        timeline,
        plan=plan,
        runs=rigged.runs,
        load=cast(LoadGenerator, FakeLoad()),
        provider=rigged.provider,
        candidate=rigged.box.apps["candidate"].spec.version,
    )

    def on_tick(now: datetime, decision: Decision) -> None:
        recorder.record(now=now, status=decision.status, applied=rigged.engine_router.applied,
                        stable=rigged.box.apps[STABLE].spec.version)  # fmt: skip

    outcome = rigged.run(on_tick)
    timeline.decide(Verdict(outcome.verdict, outcome.at, outcome.reason, outcome.metric))
    return timeline, outcome


def test_a_promoted_canary_leaves_its_steps_values_measurements_and_traffic() -> None:
    timeline, outcome = _recorded(rig("canary.yaml", candidate=Track()))
    snapshot = timeline.snapshot()
    assert snapshot.plan == (
        "setWeight 20%",
        "pause 10s",
        "setWeight 50%",
        "pause 45s",
        "promotion",
    )
    marks = [(s.description, s.canary_weight) for s in snapshot.steps]
    assert marks == [
        ("setWeight 20%", 20),
        ("pause 10s", 20),
        ("setWeight 50%", 50),
        ("pause 45s", 50),
        ("promotion", 100),  # the candidate takes everything while the stable is updated
        ("promotion", 0),  # then traffic returns to the updated stable
        ("done: the stable runs v2", 0),
    ]
    assert [m.name for m in snapshot.metrics] == ["error-ratio", "latency"]
    errors = snapshot.metric("error-ratio")
    assert errors.unit == "ratio" and set(errors.series) == {"stable", "candidate"}
    assert {round(p.value, 4) for p in errors.series["candidate"]} == {0.02}
    latency = snapshot.metric("latency")
    assert latency.unit == "s, p99" and all(p.value <= 0.1 for p in latency.series["stable"])
    rows = [m for m in snapshot.measurements if m.metric == "error-ratio"]
    assert len(rows) == 10 and rows[-1].outcome == "Successful" and rows[-1].limit == 2
    assert rows[-1].upper is not None and rows[-1].upper < 2
    # traffic is sampled until the stable runs the candidate's build
    assert snapshot.traffic and snapshot.traffic[-1].at < outcome.at
    assert snapshot.verdict is not None and snapshot.verdict.outcome == "Promoted"


def test_the_live_view_and_the_report_show_the_evidence() -> None:
    timeline, _ = _recorded(rig("canary.yaml", candidate=Track(errors=0.06)))
    snapshot = timeline.snapshot()
    console = Console(record=True, width=160, file=io.StringIO(), color_system=None)
    console.print(render(snapshot, now=snapshot.verdict.at))  # type: ignore[union-attr]
    text = console.export_text()
    assert "RolledBack (error-ratio)" in text and "worse than allowed 2×" in text
    assert "aborted: traffic back to the stable" in text
    html = render_document([snapshot, snapshot], title="demo")
    assert html.count('data-plot="metric"') == 4 and html.count('data-run="') == 2
