"""A sandbox without processes, and Prometheus answers from arithmetic: the engine loop in a test.

:class:`FakeBox` holds the two tracks and records every routing applied and
every version replaced. :func:`metrics` answers the sandbox templates'
queries from per-track rates: events are ``rate × elapsed`` (``elapsed`` as
rendered into the query's range), so a fake clock drives everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

from analysis.providers.base import QueryResult, Sample, Scalar, Vector
from rollout_engine.sandbox.children import Child
from rollout_engine.sandbox.engine import Outcome, SandboxEngine, Tick
from rollout_engine.sandbox.manifests import Manifests, load_manifests
from rollout_engine.sandbox.processes import AppSpec, RunningApp, Sandbox
from rollout_engine.sandbox.router import LocalRouter
from rollout_engine.sandbox.runs import LocalRuns
from rollout_engine.sandbox.scenarios import SCENARIOS, STABLE
from tests.fakes.clock import FakeClock
from tests.fakes.metrics import QueryProvider
from tests.paths import EXAMPLES

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
GOOD, BAD = SCENARIOS["good"].candidate, SCENARIOS["bad"].candidate
BUILDS = {STABLE.version: STABLE, GOOD.version: GOOD, BAD.version: BAD}
WEIGHT = re.compile(r"^# rollout-engine: \S+: candidate (\d+)%", re.M)
# cumulative share of requests at or below each `le` (the last is +Inf)
SHAPE = {"0.025": 0.2, "0.05": 0.8, "0.075": 0.96, "0.1": 0.99, "0.2": 0.999, "+Inf": 1.0}
SLOW = {"0.025": 0.2, "0.05": 0.7, "0.075": 0.8, "0.1": 0.85, "0.2": 0.9, "+Inf": 1.0}


class _Alive:
    def alive(self) -> bool:
        return True


@dataclass
class FakeBox:
    """The parts of a Sandbox the engine and the router use."""

    stable: AppSpec
    candidate: AppSpec
    front_listen: str = "127.0.0.1:18080"
    fragments: list[str] = field(default_factory=list)
    replaced: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.apps = {
            "stable": self._app("stable", self.stable, 20001),
            "candidate": self._app("candidate", self.candidate, 20002),
        }

    @staticmethod
    def _app(track: str, spec: AppSpec, port: int) -> RunningApp:
        return RunningApp(track, spec, port, cast(Child, _Alive()))

    def upstreams(self) -> dict[str, list[str]]:
        return {t: [a.address] for t, a in self.apps.items()}

    def apply(self, fragment: str) -> int:
        self.fragments.append(fragment)
        return len(self.fragments)

    def replace_app(
        self, track: str, spec: AppSpec, *, render: Callable[[Mapping[str, list[str]]], str]
    ) -> RunningApp:
        self.apps[track] = self._app(track, spec, self.apps[track].port + 10)
        self.apply(render(self.upstreams()))
        self.replaced.append((track, spec.version))
        return self.apps[track]

    def weights(self) -> list[int]:
        """The candidate weight of each applied routing, repeats folded."""
        out: list[int] = []
        for fragment in self.fragments:
            match = WEIGHT.search(fragment)
            weight = int(match.group(1)) if match else -1
            if not out or out[-1] != weight:
                out.append(weight)
        return out

    def as_sandbox(self) -> Sandbox:
        return cast(Sandbox, self)


@dataclass(frozen=True)
class Track:
    """How one track behaves in the fake Prometheus."""

    rate: float = 300.0
    errors: float = 0.02
    shape: Mapping[str, float] = field(default_factory=lambda: SHAPE)


def metrics(tracks: Callable[[], Mapping[str, Track]]) -> QueryProvider:
    """Answers the sandbox templates' queries; `tracks()` is read at each query."""

    def answer(expr: str, at: datetime) -> QueryResult:
        track = "candidate" if 'track="candidate"' in expr else "stable"
        behaviour = tracks()[track]
        if "rate(" in expr:  # the threshold metric: the error ratio itself
            return Scalar(behaviour.errors)
        seconds = float(re.search(r"\[(\d+)s\]", expr).group(1))  # type: ignore[union-attr]
        total = behaviour.rate * seconds
        if "_bucket" in expr:
            return Vector(
                tuple(Sample({"le": le}, total * share) for le, share in behaviour.shape.items())
            )
        if 'code=~"5.."' in expr:
            return Vector((Sample({}, total * behaviour.errors),))
        return Vector((Sample({}, total),))

    return QueryProvider(instant=answer)


def ticking(clock: FakeClock) -> Callable[[float], None]:
    """A sleep that moves the fake clock instead of waiting."""

    def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    return sleep


@dataclass
class Rig:
    box: FakeBox
    engine: SandboxEngine
    runs: LocalRuns
    provider: QueryProvider
    clock: FakeClock
    engine_router: LocalRouter

    def run(self, on_tick: Tick | None = None) -> Outcome:
        return self.engine.run(timeout=timedelta(minutes=5), tick_s=1.0, on_tick=on_tick)


def rig(file: str, *, candidate: Track, stable: Track | None = None) -> Rig:
    manifests: Manifests = load_manifests(EXAMPLES / "sandbox" / file)
    clock = FakeClock(T0)
    box = FakeBox(STABLE, GOOD if candidate.errors <= 0.02 else BAD)
    tracks: Mapping[str, Track] = {"stable": stable or Track(), "candidate": candidate}
    provider = metrics(lambda: tracks)
    runs = LocalRuns(manifests, prometheus_url="http://unused:9090", clock=clock,
                     providers=lambda metric: provider)  # fmt: skip
    router = LocalRouter(box.as_sandbox(), rollout=manifests.rollout)
    engine = SandboxEngine(
        box.as_sandbox(),
        manifests,
        builds=BUILDS,
        router=router,
        runs=runs,
        clock=clock,
        sleep=ticking(clock),
        ready=lambda app: True,
    )
    engine.first_deploy()
    return Rig(box, engine, runs, provider, clock, router)
