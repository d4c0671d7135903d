"""``rollout-engine demo``: a progressive rollout driven and judged for real, on one machine.

One sandbox serves every scenario, as one service would see new builds
pushed one after the other: the stable ``v1`` is the Rollout's first
revision; the *good* candidate ``v2`` is rolled out and, if judged not worse
than allowed, promoted (``v2`` becomes the stable); then the *bad* one
``v3`` replaces the candidate and is rolled back. Load flows through nginx
the whole time. Each scenario gets its own :class:`~.timeline.Timeline`,
shown live and written, all together, into one HTML report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from rich.console import Console

from analysis.providers.prometheus import PrometheusClient, PrometheusSettings
from rollout_engine.sandbox.console import LiveProgress
from rollout_engine.sandbox.engine import Outcome, SandboxEngine
from rollout_engine.sandbox.loadgen import LoadConfig, LoadGenerator, Marker
from rollout_engine.sandbox.manifests import Manifests, load_manifests, scaled
from rollout_engine.sandbox.processes import CANDIDATE, STABLE, Sandbox, SandboxOptions
from rollout_engine.sandbox.recorder import Recorder, plan_labels
from rollout_engine.sandbox.report import write_report
from rollout_engine.sandbox.router import LocalRouter
from rollout_engine.sandbox.runs import LocalRuns
from rollout_engine.sandbox.scenarios import (
    DEFAULT_PACE,
    FAST_PACE,
    SCENARIOS,
    Pace,
    Scenario,
    marker_for,
)
from rollout_engine.sandbox.scenarios import STABLE as STABLE_BUILD
from rollout_engine.sandbox.timeline import Timeline, Verdict
from strategies import Decision, build_plan

__all__ = ["FILES", "DemoOptions", "DemoResult", "ScenarioResult", "parse_scenarios", "run_demo"]

Strategy = Literal["canary", "bluegreen", "abtest"]
FILES: dict[str, str] = {
    "canary": "canary.yaml",
    "bluegreen": "bluegreen.yaml",
    "abtest": "abtest.yaml",
}
LOAD_SEED = 7
SCENARIO_TIMEOUT = timedelta(minutes=4)


@dataclass(frozen=True)
class DemoOptions:
    """What ``rollout-engine demo`` was asked to do."""

    examples: Path
    report: Path
    strategy: Strategy = "canary"
    scenarios: tuple[str, ...] = ("good", "bad")
    fast: bool = False
    keep: bool = False

    @property
    def pace(self) -> Pace:
        return FAST_PACE if self.fast else DEFAULT_PACE


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario: what ran, how it ended, and its record."""

    scenario: Scenario
    outcome: Outcome
    timeline: Timeline
    seconds: float

    @property
    def as_expected(self) -> bool:
        return self.outcome.verdict == self.scenario.expected


@dataclass(frozen=True)
class DemoResult:
    """Every scenario's result and where the report is."""

    results: tuple[ScenarioResult, ...]
    report: Path
    kept: str | None = field(default=None)

    @property
    def as_expected(self) -> bool:
        return all(r.as_expected for r in self.results)


def run_demo(
    options: DemoOptions,
    *,
    console: Console,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DemoResult:
    """Run the scenarios on a fresh sandbox, then write the report."""
    manifests = scaled(load_manifests(options.examples / FILES[options.strategy]),
                       options.pace.time_scale)  # fmt: skip
    first = SCENARIOS[options.scenarios[0]]
    box = Sandbox(
        stable=STABLE_BUILD,
        candidate=first.candidate,
        options=SandboxOptions(scrape_interval_s=options.pace.scrape_interval_s, keep=options.keep),
    )
    with box:
        _say(console, f"sandbox in {box.root}: nginx {box.front_url}, "
                      f"Prometheus {box.prometheus_url}")  # fmt: skip
        router = LocalRouter(box, rollout=manifests.rollout)
        box.start(router.render(box.upstreams()), wait_scraped=False)
        with LoadGenerator(_load(box, manifests, options.pace)) as load:
            _say(console, f"load: {options.pace.rate_per_s:g} requests/s through nginx; "
                          "waiting for Prometheus to scrape both versions")  # fmt: skip
            box.prometheus.wait_scraped([a.address for a in box.apps.values()])
            results = _scenarios(
                box, manifests, router=router, load=load, options=options, console=console,
                clock=clock,
            )  # fmt: skip
        kept = box.describe() if options.keep else None
    report = write_report([r.timeline for r in results], options.report)
    return DemoResult(tuple(results), report, kept)


@dataclass
class _Session:
    """Everything the scenarios of one demo share: one sandbox, one load, one Rollout."""

    box: Sandbox
    router: LocalRouter
    runs: LocalRuns
    load: LoadGenerator
    engine: SandboxEngine
    client: PrometheusClient
    options: DemoOptions
    console: Console
    clock: Callable[[], datetime]


def _scenarios(
    box: Sandbox,
    manifests: Manifests,
    *,
    router: LocalRouter,
    load: LoadGenerator,
    options: DemoOptions,
    console: Console,
    clock: Callable[[], datetime],
) -> list[ScenarioResult]:
    runs = LocalRuns(manifests, prometheus_url=box.prometheus_url, clock=clock)
    builds = {STABLE_BUILD.version: STABLE_BUILD}
    builds |= {s.candidate.version: s.candidate for s in SCENARIOS.values()}
    engine = SandboxEngine(box, manifests, builds=builds, router=router, runs=runs, clock=clock)
    engine.first_deploy()
    client = PrometheusClient(PrometheusSettings(address=box.prometheus_url, timeout=5.0))
    session = _Session(box, router, runs, load, engine, client, options, console, clock)
    try:
        return [_scenario(session, SCENARIOS[name]) for name in options.scenarios]
    finally:
        client.close()


def _scenario(session: _Session, scenario: Scenario) -> ScenarioResult:
    """Put the scenario's build on the candidate track, roll it out, and record it."""
    box, console = session.box, session.console
    if box.apps[CANDIDATE].spec != scenario.candidate:
        box.replace_app(CANDIDATE, scenario.candidate, render=session.router.render)
        box.prometheus.wait_scraped([box.apps[CANDIDATE].address])
    timeline = _timeline(session, scenario)
    console.rule(timeline.title)
    _say(console, f"{scenario.candidate.version}: {scenario.story}")
    recorder = Recorder(
        timeline,
        plan=build_plan(session.engine.rollout),
        runs=session.runs,
        load=session.load,
        provider=session.client,
        candidate=scenario.candidate.version,
    )

    def on_tick(now: datetime, decision: Decision) -> None:
        stable = box.apps[STABLE].spec.version
        recorder.record(now=now, status=decision.status, applied=session.router.applied,
                        stable=stable)  # fmt: skip

    with LiveProgress(timeline, clock=session.clock, console=console):
        outcome = session.engine.run(
            timeout=SCENARIO_TIMEOUT, tick_s=session.options.pace.tick_s, on_tick=on_tick
        )
        timeline.decide(Verdict(outcome.verdict, outcome.at, outcome.reason, outcome.metric))
    if not console.is_terminal:
        console.line()  # NB: the final view ends without a newline outside a terminal
    seconds = (outcome.at - timeline.started_at).total_seconds()
    result = ScenarioResult(scenario, outcome, timeline, seconds)
    _summary(console, result)
    return result


def _timeline(session: _Session, scenario: Scenario) -> Timeline:
    rollout = session.engine.rollout
    stable = session.box.apps[STABLE].spec.version
    candidate = scenario.candidate.version
    return Timeline(
        title=f"{session.options.strategy} {rollout.metadata.name}, scenario {scenario.name}: "
        f"candidate {candidate} over stable {stable}",
        started_at=session.clock(),
        plan=plan_labels(build_plan(rollout)),
        versions={"stable": stable, "candidate": candidate},
    )


def _load(box: Sandbox, manifests: Manifests, pace: Pace) -> LoadConfig:
    marker = marker_for(manifests.rollout)
    return LoadConfig(
        url=box.front_url + "/",
        rate_per_s=pace.rate_per_s,
        threads=pace.threads,
        marked_share=pace.marked_share if marker is not None else 0.0,
        marker=marker or Marker(),
        seed=LOAD_SEED,
    )


def _summary(console: Console, result: ScenarioResult) -> None:
    outcome = result.outcome
    expected = "as expected" if result.as_expected else f"expected {result.scenario.expected}"
    _say(
        console,
        f"scenario {result.scenario.name}: {outcome.verdict} after {result.seconds:.0f} s "
        f"({expected})",
    )


def _say(console: Console, text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def parse_scenarios(value: str) -> Sequence[str]:
    """``good``, ``bad`` or ``both`` (good, then bad)."""
    return ("good", "bad") if value == "both" else (value,)
