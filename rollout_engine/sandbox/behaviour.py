"""How a sandbox version behaves: its error rate and the shape of its latency.

Kept apart from the HTTP server so the shape can be checked by drawing from
it, with a seeded generator and no sockets. A version's latency is
log-normal (median and σ of the log), which is what service latencies look
like to a first approximation; a *tail regression* multiplies only the
slowest ``tail_share`` of requests, the kind of regression a mean or median
test misses and a distribution test must catch.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from statistics import NormalDist

__all__ = ["Behaviour", "Draw", "draw", "latency_quantile"]

_STANDARD = NormalDist()


@dataclass(frozen=True)
class Behaviour:
    """A version's configured behaviour.

    Attributes:
        error_rate: probability that a request answers 500.
        latency_median_ms: median latency in milliseconds.
        latency_sigma: σ of log(latency); 0 makes every request take the median.
        tail_share: the slowest share of requests (0..1) hit by the tail
            regression; 0 disables it.
        tail_factor: the multiplier applied to those slowest requests.
        warmup_seconds: after start, latency is inflated for this long …
        warmup_factor: … by this multiplier at start, decaying linearly to 1.
    """

    error_rate: float = 0.01
    latency_median_ms: float = 20.0
    latency_sigma: float = 0.5
    tail_share: float = 0.0
    tail_factor: float = 1.0
    warmup_seconds: float = 0.0
    warmup_factor: float = 1.0

    def __post_init__(self) -> None:
        checks = (
            (0.0 <= self.error_rate <= 1.0, "error_rate must be within 0..1"),
            (self.latency_median_ms > 0, "latency_median_ms must be positive"),
            (self.latency_sigma >= 0, "latency_sigma must not be negative"),
            (0.0 <= self.tail_share < 1.0, "tail_share must be within [0, 1)"),
            (self.tail_factor >= 1.0, "tail_factor must be at least 1 (a regression)"),
            (self.warmup_seconds >= 0, "warmup_seconds must not be negative"),
            (self.warmup_factor >= 1.0, "warmup_factor must be at least 1"),
        )
        for ok, message in checks:
            if not ok:
                raise ValueError(f"{message}, got {self!r}")

    @property
    def tail_cut(self) -> float:
        """The standard-normal quantile above which a request is in the tail."""
        if self.tail_share == 0.0:
            return math.inf
        return _STANDARD.inv_cdf(1.0 - self.tail_share)


@dataclass(frozen=True)
class Draw:
    """One simulated request: whether it fails, and how long it takes."""

    error: bool
    latency_s: float


def draw(behaviour: Behaviour, *, rng: random.Random, uptime_s: float) -> Draw:
    """Draw one request's outcome; `uptime_s` is the time since the version started."""
    z = rng.normalvariate(0.0, 1.0)
    latency_ms = behaviour.latency_median_ms * math.exp(behaviour.latency_sigma * z)
    if z > behaviour.tail_cut:
        latency_ms *= behaviour.tail_factor
    latency_ms *= _warmup(behaviour, uptime_s)
    return Draw(error=rng.random() < behaviour.error_rate, latency_s=latency_ms / 1000.0)


def latency_quantile(behaviour: Behaviour, q: float) -> float:
    """The latency (seconds) at quantile `q` once warmed up: the plan's ground truth."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile must be within (0, 1), got {q}")
    z = _STANDARD.inv_cdf(q)
    latency_ms = behaviour.latency_median_ms * math.exp(behaviour.latency_sigma * z)
    if z > behaviour.tail_cut:
        latency_ms *= behaviour.tail_factor
    return latency_ms / 1000.0


def _warmup(behaviour: Behaviour, uptime_s: float) -> float:
    if behaviour.warmup_seconds == 0.0 or uptime_s >= behaviour.warmup_seconds:
        return 1.0
    remaining = 1.0 - max(uptime_s, 0.0) / behaviour.warmup_seconds
    return 1.0 + (behaviour.warmup_factor - 1.0) * remaining
