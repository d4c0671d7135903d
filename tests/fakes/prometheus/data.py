"""A deterministic two-hour story of a canary, as OpenMetrics for ``promtool`` to backfill.

Metric names and labels are the ones the peer corpus and our examples query:
Istio (``istio_requests_total``, ``istio_request_duration_milliseconds``),
ingress-nginx (``nginx_ingress_controller_requests``,
``nginx_ingress_controller_request_duration_seconds``), a plain
``http_request_duration_seconds`` histogram and a gauge. Samples every 15 s.

Timeline (minutes after `T0`), for the canary (``web-canary``, 10 req/s):

======  ================================================================
0–40    healthy: 2 % errors (success rate 0.98), p99 0.625 s
40–50   idle: counters flat, so rate() is 0 and a success rate is 0/0 = NaN
50–60   gap: no samples at all (after the 5 min lookback: no series)
60–120  regression: 20 % errors (success rate 0.80), p99 2.05 s
======  ================================================================

The stable version (``web-stable``, 20 req/s, 1 % errors) runs throughout and
its process restarts at minute 30: every counter resets to 0 (rate() must
hide it). The gauge ``queue_saturation_ratio`` is NaN from minute 40 to 50.

Per-tick increments are whole numbers chosen so ratios are exact: 147 of 150
canary requests succeed (0.98), 120 of 150 in the regression (0.80), 297 of
300 stable (0.99).

A second service, ``cart`` (`tests.fakes.prometheus.cart`), serves the
comparison metrics: a canary as good as its stable version for the first hour,
then three times the errors, a slower tail and more CPU.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from tests.fakes.prometheus import cart

__all__ = [
    "CANARY",
    "DURATION",
    "GAP",
    "IDLE",
    "NAMESPACE",
    "REGRESSION",
    "STABLE",
    "STEP",
    "T0",
    "at",
    "write_openmetrics",
]

T0: Final = datetime(2024, 5, 1, tzinfo=UTC)
STEP: Final = 15
DURATION: Final = timedelta(hours=2)
IDLE: Final = (40, 50)
GAP: Final = (50, 60)
REGRESSION: Final = (60, 120)
RESET_MINUTE: Final = 30
NAMESPACE: Final = "shop"
CANARY: Final = "web-canary"
STABLE: Final = "web-stable"

SECONDS_LE: Final = ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf")
MS_LE: Final = ("5", "10", "25", "50", "100", "250", "500", "1000", "+Inf")
_SECONDS_MID: Final = (0.03, 0.07, 0.17, 0.35, 0.7, 1.7, 3.0)
_MS_MID: Final = (3.0, 7.0, 17.0, 35.0, 70.0, 170.0, 350.0, 700.0, 1500.0)


def at(minutes: float) -> datetime:
    """The time `minutes` after `T0`."""
    return T0 + timedelta(minutes=minutes)


@dataclass(frozen=True)
class Tick:
    """What one version served in one 15 s interval (None: not scraped at all)."""

    ok: int
    errors: int
    seconds: tuple[int, ...]
    millis: tuple[int, ...]


_HEALTHY = Tick(147, 3, (60, 50, 30, 8, 2, 0, 0), (10, 20, 30, 50, 30, 8, 2, 0, 0))
_REGRESSED = Tick(120, 30, (10, 20, 40, 50, 25, 5, 0), (2, 3, 5, 15, 25, 40, 40, 20, 0))
_STABLE = Tick(297, 3, (120, 100, 60, 16, 4, 0, 0), (20, 40, 60, 100, 60, 16, 4, 0, 0))
_IDLE = Tick(0, 0, (0,) * 7, (0,) * 9)


def _inside(minute: float, span: tuple[int, int]) -> bool:
    return span[0] <= minute < span[1]


def canary_tick(minute: float) -> Tick | None:
    """The canary's traffic in the interval ending at `minute`."""
    if _inside(minute, GAP):
        return None
    if _inside(minute, IDLE):
        return _IDLE
    return _REGRESSED if _inside(minute, REGRESSION) else _HEALTHY


@dataclass
class _Totals:
    """Running counter values of one version."""

    ok: int = 0
    errors: int = 0
    seconds: list[int] | None = None
    millis: list[int] | None = None
    seconds_sum: float = 0.0
    millis_sum: float = 0.0

    def add(self, tick: Tick) -> None:
        self.ok += tick.ok
        self.errors += tick.errors
        self.seconds = [a + b for a, b in zip(self.seconds or [0] * 7, tick.seconds, strict=True)]
        self.millis = [a + b for a, b in zip(self.millis or [0] * 9, tick.millis, strict=True)]
        self.seconds_sum += sum(n * m for n, m in zip(tick.seconds, _SECONDS_MID, strict=True))
        self.millis_sum += sum(n * m for n, m in zip(tick.millis, _MS_MID, strict=True))


@dataclass(frozen=True)
class _Point:
    stamp: int
    totals: _Totals


def _timeline(version: str) -> list[_Point]:
    points: list[_Point] = []
    totals = _Totals()
    steps = int(DURATION.total_seconds()) // STEP
    for i in range(steps + 1):
        minute = i * STEP / 60
        if version == STABLE and i * STEP == RESET_MINUTE * 60:
            totals = _Totals()  # the process restarted: counters start again from 0
        tick = _STABLE if version == STABLE else canary_tick(minute)
        if tick is None:
            continue
        if i > 0:
            totals.add(tick)
        snapshot = _Totals(**{k: v for k, v in vars(totals).items()})
        points.append(_Point(int(T0.timestamp()) + i * STEP, snapshot))
    return points


def _labels(pairs: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in pairs.items()) + "}"


def _counter(
    name: str, series: Sequence[tuple[dict[str, str], list[tuple[int, int]]]]
) -> Iterator[str]:
    for labels, samples in series:
        for stamp, value in samples:
            yield f"{name}{_labels(labels)} {value} {stamp}"


def _istio(timelines: dict[str, list[_Point]]) -> Iterator[str]:
    yield "# TYPE istio_requests counter"
    for version, points in timelines.items():
        for reporter in ("source", "destination"):
            for code in ("200", "500"):
                labels = {
                    "reporter": reporter,
                    "destination_service": f"{version}.{NAMESPACE}.svc.cluster.local",
                    "destination_service_name": version,
                    "destination_workload": version,
                    "destination_workload_namespace": NAMESPACE,
                    "response_code": code,
                }
                samples = [
                    (p.stamp, p.totals.ok if code == "200" else p.totals.errors) for p in points
                ]
                yield from _counter("istio_requests_total", [(labels, samples)])
    yield from cart.requests()
    yield "# TYPE istio_request_duration_milliseconds histogram"
    for version, points in timelines.items():
        labels = {
            "reporter": "destination",
            "destination_workload": version,
            "destination_workload_namespace": NAMESPACE,
        }
        yield from _histogram("istio_request_duration_milliseconds", labels, points, ms=True)
    yield from cart.durations()


def _nginx(timelines: dict[str, list[_Point]]) -> Iterator[str]:
    yield "# TYPE nginx_ingress_controller_requests unknown"
    for version, points in timelines.items():
        canary = CANARY if version == CANARY else ""
        for status in ("200", "500"):
            labels = {"ingress": "web", "namespace": NAMESPACE, "canary": canary, "status": status}
            samples = [
                (p.stamp, p.totals.ok if status == "200" else p.totals.errors) for p in points
            ]
            yield from _counter("nginx_ingress_controller_requests", [(labels, samples)])
    yield "# TYPE nginx_ingress_controller_request_duration_seconds histogram"
    for version, points in timelines.items():
        labels = {
            "ingress": "web",
            "namespace": NAMESPACE,
            "canary": CANARY if version == CANARY else "",
        }
        yield from _histogram(
            "nginx_ingress_controller_request_duration_seconds", labels, points, ms=False
        )


def _histogram(
    name: str, labels: dict[str, str], points: list[_Point], *, ms: bool
) -> Iterator[str]:
    bounds = MS_LE if ms else SECONDS_LE
    for p in points:
        counts = (p.totals.millis if ms else p.totals.seconds) or [0] * len(bounds)
        running = 0
        for le, n in zip(bounds, counts, strict=True):
            running += n
            yield f"{name}_bucket{_labels({**labels, 'le': le})} {running} {p.stamp}"
        yield f"{name}_count{_labels(labels)} {running} {p.stamp}"
        total = p.totals.millis_sum if ms else p.totals.seconds_sum
        yield f"{name}_sum{_labels(labels)} {total:.3f} {p.stamp}"


def _plain(timelines: dict[str, list[_Point]]) -> Iterator[str]:
    yield "# TYPE http_request_duration_seconds histogram"
    for version, points in timelines.items():
        track = "canary" if version == CANARY else "stable"
        labels = {"app": "simple-http-server", "track": track}
        yield from _histogram("http_request_duration_seconds", labels, points, ms=False)
    yield "# TYPE queue_saturation_ratio gauge"
    for i in range(int(DURATION.total_seconds()) // STEP + 1):
        minute = i * STEP / 60
        value = "NaN" if _inside(minute, IDLE) else "0.5"
        yield f'queue_saturation_ratio{{app="web"}} {value} {int(T0.timestamp()) + i * STEP}'


def write_openmetrics(path: Path) -> Path:
    """Write the whole story to `path` (families contiguous, time-ordered, ``# EOF``)."""
    timelines = {CANARY: _timeline(CANARY), STABLE: _timeline(STABLE)}
    lines = [*_istio(timelines), *_nginx(timelines), *_plain(timelines), *cart.cpu(), "# EOF"]
    path.write_text("\n".join(lines) + "\n")
    return path
