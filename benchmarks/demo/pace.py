"""Does the demo's pace give the statistics enough data? A simulation with the real judges.

For each strategy's Rollout (after ``--fast`` scaling when asked), the
simulation replays the analysis the demo runs: looks every ``interval``,
``count`` of them, the candidate's share of requests following the plan
(canary weights and pauses; the marked share for blue/green's preview and
the A/B segment), Poisson request counts at the pace's rate, errors and
log-normal latencies drawn from the scenarios' behaviours into the apps'
histogram buckets, and the judges of ``analysis.judges`` with the same
configuration and error budget as the templates (allowed 2×, α 0.005 per
comparison). It reports how often a good candidate shows non-inferiority at
the final look, how often a bad one is caught, and when.

Prometheus' ``increase()`` extrapolation and scrape timing are not
simulated: the real demo adds that noise (benchmarks/demo/RESULTS.md also
has the real runs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from analysis.judges.result import EffectSize
from analysis.judges.sequential_counts import CountsConfig, CountsObservation, judge_counts
from analysis.judges.sequential_latency import LatencyConfig, LatencyObservation, judge_latency
from rollout_engine.api.durations import parse_duration
from rollout_engine.sandbox.app import BUCKETS
from rollout_engine.sandbox.behaviour import Behaviour
from rollout_engine.sandbox.manifests import Manifests
from rollout_engine.sandbox.scenarios import Pace
from strategies import build_plan

__all__ = ["Design", "Simulated", "design_of", "simulate"]

ALPHA = 0.005  # the run's budget 0.01 shared by its two comparisons


@dataclass(frozen=True)
class Design:
    """What the simulation needs to know of a strategy's analysis."""

    phases: tuple[tuple[float, float], ...]  # (candidate share, seconds)
    interval: float
    initial_delay: float
    looks: int
    allowed: float


@dataclass(frozen=True)
class Simulated:
    """Outcomes over many simulated runs of one scenario."""

    runs: int
    shown_at_final: int
    failed: int
    fail_seconds: tuple[float, ...]


def design_of(manifests: Manifests, pace: Pace) -> Design:
    """The analysis of `manifests` as the demo runs it."""
    template = manifests.templates["AnalysisTemplate/errors-and-latency"]
    metric = template.metrics[0]
    rollout = manifests.rollout
    strategy = rollout.spec.strategy
    analysis = (
        (strategy.canary.analysis if strategy.canary else None)
        or (strategy.blue_green.pre_promotion_analysis if strategy.blue_green else None)
        or (strategy.ab_test.analysis if strategy.ab_test else None)
    )
    assert analysis is not None
    looks = int(next(a.value for a in analysis.args if a.name == "looks") or 1)
    interval = _seconds(metric.interval)
    delay = _seconds(metric.initial_delay)
    window = delay + (looks - 1) * interval
    assert metric.comparison is not None
    allowed = metric.comparison.effect_size.allowed_increase or 1.5
    return Design(_phases(manifests, pace, window), interval, delay, looks, allowed)


def _phases(manifests: Manifests, pace: Pace, window: float) -> tuple[tuple[float, float], ...]:
    plan = build_plan(manifests.rollout)
    if plan.strategy != "canary":
        return ((pace.marked_share, window),)
    phases: list[tuple[float, float]] = []
    weight = 0.0
    for step in plan.steps:
        weight = step.weight / 100
        if step.pause is not None and step.pause.duration is not None:
            phases.append((weight, step.pause.duration.total_seconds()))
    phases.append((weight, window))  # NB: the plan's last weight holds until the verdict
    return tuple(phases)


def _seconds(raw: str | None) -> float:
    return parse_duration(raw).total_seconds() if raw else 0.0


def simulate(
    design: Design, *, pace: Pace, stable: Behaviour, candidate: Behaviour, runs: int, seed: int = 1
) -> Simulated:
    """`runs` simulated analyses of `candidate` against `stable`."""
    shown = failed = 0
    fails: list[float] = []
    for i in range(runs):
        outcome, at = _one(design, pace=pace, stable=stable, candidate=candidate, seed=seed + i)
        shown += outcome == "shown"
        if outcome == "failed":
            failed += 1
            fails.append(at)
    return Simulated(runs, shown, failed, tuple(sorted(fails)))


def _one(
    design: Design, *, pace: Pace, stable: Behaviour, candidate: Behaviour, seed: int
) -> tuple[str, float]:
    rng = np.random.default_rng(seed)
    effect = EffectSize(allowed_increase=design.allowed)
    counts_config, latency_config = CountsConfig(effect=effect), LatencyConfig(effect=effect)
    counts_state = latency_state = None
    times = [design.initial_delay + k * design.interval for k in range(design.looks)]
    previous = 0.0
    for look, at in enumerate(times):
        share = _share(design.phases, (previous + at) / 2)
        seconds = at - previous
        previous = at
        cand = _traffic(rng, candidate, pace.rate_per_s * share * seconds)
        stab = _traffic(rng, stable, pace.rate_per_s * (1 - share) * seconds)
        final = look == len(times) - 1
        seen = CountsObservation(cand[0], cand[1], stab[0], stab[1])
        counts = judge_counts(counts_config, seen, state=counts_state, alpha=ALPHA, final=final)
        histograms = LatencyObservation(tuple(BUCKETS), cand[2], stab[2])
        latency = judge_latency(
            latency_config, histograms, state=latency_state, alpha=ALPHA, final=final
        )
        counts_state, latency_state = counts.state, latency.state
        if "Failed" in (counts.outcome, latency.outcome):
            return "failed", at
    both = counts.outcome == latency.outcome == "Successful"
    return ("shown" if both else "inconclusive"), times[-1]


def _share(phases: tuple[tuple[float, float], ...], at: float) -> float:
    elapsed = 0.0
    for share, seconds in phases:
        elapsed += seconds
        if at < elapsed:
            return share
    return phases[-1][0]


def _traffic(
    rng: np.random.Generator, behaviour: Behaviour, expected: float
) -> tuple[int, int, tuple[float, ...]]:
    """(errors, requests, cumulative histogram with +Inf last) of one look's requests."""
    n = int(rng.poisson(expected))
    errors = int(rng.binomial(n, behaviour.error_rate))
    z = rng.standard_normal(n)
    latency: npt.NDArray[np.float64] = behaviour.latency_median_ms * np.exp(
        behaviour.latency_sigma * z
    )
    cut = NormalDist().inv_cdf(1 - behaviour.tail_share) if behaviour.tail_share else math.inf
    latency = np.where(z > cut, latency * behaviour.tail_factor, latency) / 1000.0
    ordered = np.sort(latency)
    cumulative = np.searchsorted(ordered, np.asarray(BUCKETS), side="right")
    return errors, n, (*(float(c) for c in cumulative), float(n))
