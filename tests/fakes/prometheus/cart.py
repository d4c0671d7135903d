"""A second service in the story, ``cart``, for the comparison metrics (candidate vs stable).

Istio series (``istio_requests_total``, ``istio_request_duration_milliseconds``) and CPU
counters (``container_cpu_usage_seconds_total``) of two workloads in namespace ``shop``:
``cart-stable`` (800 req/s) and ``cart-canary`` (267 req/s, a quarter of the traffic), scraped
every 15 s from `T0` for two hours, with no gaps or resets (`tests.fakes.prometheus.data` has
those). Per 15 s:

======  ===================================================================================
0–60    healthy: both serve 2 % errors (the canary's count wobbles by ±2 around 80, the
        stable's by ±4 around 240), the same latency histogram, about 0.5 CPU cores per pod
60–120  regression of the canary: 6 % errors (3×), the slowest 5 % of requests move past
        500 ms (p99 from about 700 ms to over 1 s, median unchanged), 0.8 cores per pod
======  ===================================================================================

The series are appended to the families of `tests.fakes.prometheus.data`, which writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

__all__ = ["CART_CANARY", "CART_REGRESSION", "CART_STABLE", "cpu", "durations", "requests"]

CART_CANARY: Final = "cart-canary"
CART_STABLE: Final = "cart-stable"
CART_REGRESSION: Final = (60, 120)
_T0: Final = 1714521600  # 2024-05-01T00:00:00Z, the story's T0
_STEP: Final = 15
_TICKS: Final = 2 * 3600 // _STEP
_WOBBLE: Final = (-2, 1, 0, 2, -1, 1, -2, 0, 1, 0)
_REQUESTS: Final = {CART_CANARY: 4000, CART_STABLE: 12000}
_ERRORS: Final = {CART_CANARY: 80, CART_STABLE: 240}
_PODS: Final = {CART_CANARY: "cart-canary-5d4f8-x2x7q", CART_STABLE: "cart-stable-7c9b6-k4m2p"}
# Requests per 15 s in each istio millisecond bucket (5 … 1000, +Inf), per 2,000 requests.
_HEALTHY_MS: Final = (100, 200, 400, 600, 400, 200, 80, 20, 0)
_SLOW_MS: Final = (100, 200, 400, 600, 400, 150, 50, 60, 40)
_MS_LE: Final = ("5", "10", "25", "50", "100", "250", "500", "1000", "+Inf")
_MS_MID: Final = (3.0, 7.0, 17.0, 35.0, 70.0, 170.0, 350.0, 700.0, 1500.0)


def _regressed(version: str, tick: int) -> bool:
    minute = tick * _STEP / 60
    return version == CART_CANARY and CART_REGRESSION[0] <= minute < CART_REGRESSION[1]


def _tick_errors(version: str, tick: int) -> int:
    wobble = _WOBBLE[tick % len(_WOBBLE)] * (1 if version == CART_CANARY else -2)
    base = _ERRORS[version] * (3 if _regressed(version, tick) else 1)
    return base + wobble


def _tick_buckets(version: str, tick: int) -> tuple[int, ...]:
    shape = _SLOW_MS if _regressed(version, tick) else _HEALTHY_MS
    scale = _REQUESTS[version] // 2000
    return tuple(n * scale for n in shape)


def _stamp(tick: int) -> int:
    return _T0 + tick * _STEP


def _labels(pairs: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in pairs.items()) + "}"


def requests() -> Iterator[str]:
    """``istio_requests_total`` samples (reporter destination, codes 200 and 500)."""
    for version in (CART_CANARY, CART_STABLE):
        for code in ("200", "500"):
            labels = _labels(
                {
                    "reporter": "destination",
                    "destination_service_name": version,
                    "destination_workload": version,
                    "destination_workload_namespace": "shop",
                    "response_code": code,
                }
            )
            total = 0
            for tick in range(_TICKS + 1):
                if tick:
                    errors = _tick_errors(version, tick)
                    total += errors if code == "500" else _REQUESTS[version] - errors
                yield f"istio_requests_total{labels} {total} {_stamp(tick)}"


def durations() -> Iterator[str]:
    """``istio_request_duration_milliseconds`` buckets, count and sum."""
    name = "istio_request_duration_milliseconds"
    for version in (CART_CANARY, CART_STABLE):
        base = {
            "reporter": "destination",
            "destination_workload": version,
            "destination_workload_namespace": "shop",
        }
        counts = [0] * len(_MS_LE)
        seconds = 0.0
        for tick in range(_TICKS + 1):
            if tick:
                step = _tick_buckets(version, tick)
                counts = [a + b for a, b in zip(counts, step, strict=True)]
                seconds += sum(n * m for n, m in zip(step, _MS_MID, strict=True))
            running = 0
            for le, n in zip(_MS_LE, counts, strict=True):
                running += n
                yield f"{name}_bucket{_labels({**base, 'le': le})} {running} {_stamp(tick)}"
            yield f"{name}_count{_labels(base)} {running} {_stamp(tick)}"
            yield f"{name}_sum{_labels(base)} {seconds:.3f} {_stamp(tick)}"


def cpu() -> Iterator[str]:
    """The ``container_cpu_usage_seconds_total`` family: one pod per version."""
    yield "# TYPE container_cpu_usage_seconds counter"
    for version in (CART_CANARY, CART_STABLE):
        labels = _labels({"namespace": "shop", "pod": _PODS[version], "container": "cart"})
        used = 0.0
        phase = 0 if version == CART_CANARY else 3
        for tick in range(_TICKS + 1):
            if tick:
                cores = 0.8 if _regressed(version, tick) else 0.5
                cores += 0.01 * _WOBBLE[(tick + phase) % len(_WOBBLE)]
                used += cores * _STEP
            yield f"container_cpu_usage_seconds_total{labels} {used:.3f} {_stamp(tick)}"
