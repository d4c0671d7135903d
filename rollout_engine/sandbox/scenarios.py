"""What the demo runs: the versions, the two scenarios, the pace, and who carries the A/B marker.

The stable version ``v1`` fails 2 % of requests and answers in 35 ms at the
median (log-normal, σ 0.4: p99 about 90 ms). The *good* candidate ``v2``
behaves exactly the same; the *bad* one ``v3`` fails three times as often
and its slowest 5 % of requests take three times longer (a tail regression).
Every version draws from its own fixed seed, so a version behaves the same
in every run; only the interleaving of requests varies.

The pace is chosen for the statistics, not for show: the templates allow a
candidate up to twice the stable's error ratio and slow-request ratio, and at
600 requests per second (half of them to the candidate at the 50 % step) the
sequential tests show non-inferiority of a good candidate within about 25 s
and flag the bad one at their first look (``python -m benchmarks.demo`` simulates
it with the real judges, and times real runs).
``--fast`` halves every duration of the plan and raises the load, for tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from rollout_engine.api.rollout import Rollout
from rollout_engine.sandbox.behaviour import Behaviour
from rollout_engine.sandbox.loadgen import Marker
from rollout_engine.sandbox.processes import AppSpec
from strategies import build_plan, service_names

__all__ = [
    "DEFAULT_PACE",
    "FAST_PACE",
    "SCENARIOS",
    "STABLE",
    "Pace",
    "Scenario",
    "marker_for",
]

STEADY: Final = Behaviour(error_rate=0.02, latency_median_ms=35.0, latency_sigma=0.4)
REGRESSED: Final = Behaviour(
    error_rate=0.06, latency_median_ms=35.0, latency_sigma=0.4, tail_share=0.05, tail_factor=3.0
)
STABLE: Final = AppSpec("v1", STEADY, seed=101)


@dataclass(frozen=True)
class Scenario:
    """A candidate build and the verdict it should get."""

    name: Literal["good", "bad"]
    candidate: AppSpec
    expected: Literal["Promoted", "RolledBack"]
    story: str


SCENARIOS: Final = {
    "good": Scenario(
        "good",
        AppSpec("v2", STEADY, seed=102),
        "Promoted",
        "the same errors (2%) and latency (p50 35 ms) as the stable",
    ),
    "bad": Scenario(
        "bad",
        AppSpec("v3", REGRESSED, seed=103),
        "RolledBack",
        "3x the errors (6%), and its slowest 5% of requests 3x slower",
    ),
}


@dataclass(frozen=True)
class Pace:
    """How hard and how fast the demo runs."""

    rate_per_s: float
    threads: int
    time_scale: float
    scrape_interval_s: float
    tick_s: float
    marked_share: float = 0.4
    """Share of requests carrying the A/B marker (or addressed to the preview Service)."""


DEFAULT_PACE: Final = Pace(
    rate_per_s=600.0, threads=32, time_scale=1.0, scrape_interval_s=2.0, tick_s=1.0
)
FAST_PACE: Final = Pace(
    rate_per_s=800.0, threads=40, time_scale=0.5, scrape_interval_s=1.0, tick_s=0.5
)


def marker_for(rollout: Rollout) -> Marker | None:
    """What marked requests carry so the Rollout's routes reach the candidate.

    A/B tests and canary route steps: the first exact header match and the
    first cookie match of the plan. Blue/green: the host name of the preview
    Service (the sandbox routes ``Host: <previewService>`` to what it selects).
    """
    strategy = rollout.spec.strategy
    if strategy.blue_green is not None:
        preview = service_names(rollout).preview
        return Marker(header=("Host", preview)) if preview else None
    header: tuple[str, str] | None = None
    cookie: tuple[str, str] | None = None
    for step in build_plan(rollout).steps:
        for match in (m for route in step.routes for m in route.matches):
            exact = match.header_value.exact if match.header_value else None
            if header is None and match.header_name and exact is not None:
                header = (match.header_name, exact)
            if cookie is None and match.cookie_name:
                cookie = (match.cookie_name, match.cookie_value or "always")
    return Marker(header=header, cookie=cookie) if header or cookie else None
