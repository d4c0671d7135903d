"""Peer decision rules, restated from anchors.md and statistics.md on simulated Prometheus data.

- Argo Rollouts: background analysis, one measurement a minute of the *candidate's* success
  rate and p99 over a 5-minute window; a NaN fails the success condition; the metric fails at
  `failed > failureLimit` (2, as in the corpus template); otherwise promoted at the end.
- Flagger: one tick a minute, 1-minute windows, success rate and p99 checked in order, a
  missing value is a failed check, rollback when the run's cumulative `failedChecks` reaches
  the threshold (5).
- Kayenta: NetflixACAJudge re-run at the end of every step on that step's 15-second points of
  both versions (error ratio and p99), one group, pass 95 / marginal 75; an intermediate score
  at or below marginal stops (rolls back), the last must reach pass.
- Peeking z-test: fixed-horizon one-sided z-tests of the error proportion and of the mean
  latency (variance from the histogram), re-run every minute at α/2 each.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import special

from analysis.judges.kayenta.classifier import ClassifierParams, classify
from analysis.judges.kayenta.scorer import MetricOutcome, score
from benchmarks.decision_quality import prom
from benchmarks.decision_quality.methods import (
    ALPHA_EACH,
    LOOK_EVERY,
    WARMUP_SCRAPES,
    Decisions,
    _delta,
    _Tracker,
    look_indices,
)
from benchmarks.decision_quality.scenarios import BUCKETS, Scenario
from benchmarks.decision_quality.simulate import Rollouts

__all__ = ["argo", "flagger", "kayenta", "peeking_z"]

FloatArray = npt.NDArray[np.float64]


def _slo(scenario: Scenario) -> tuple[float, float]:
    """(max error rate, max p99 seconds): 2× the baseline rate, 1.5× the stable p99."""
    p99 = scenario.median * math.exp(2.326 * scenario.sigma)
    return 2.0 * scenario.p0, 1.5 * p99


def _canary_checks(
    rollouts: Rollouts, scenario: Scenario, index: int, window: int
) -> npt.NDArray[np.bool_]:
    """True where the candidate's error rate or p99 breaks its SLO, or a value is missing."""
    max_err, max_p99 = _slo(scenario)
    obs = rollouts.observed[..., 0]
    total = prom.increase(rollouts.requests[..., 0], obs, end=index, window=window)
    errors = prom.increase(rollouts.errors[..., 0], obs, end=index, window=window)
    hist = prom.increase(rollouts.buckets[:, :, 0], obs, end=index, window=window)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = errors / total
    p99 = prom.histogram_quantiles(0.99, hist, BUCKETS)
    bad_rate = ~(rate <= max_err)  # NB: NaN (no traffic) fails, as in both tools
    bad_p99 = ~(p99 <= max_p99)
    return np.asarray(bad_rate | bad_p99, dtype=np.bool_)


def argo(rollouts: Rollouts, scenario: Scenario) -> Decisions:
    reps = rollouts.requests.shape[0]
    tracker, failed = _Tracker(reps), np.zeros(reps, dtype=np.int64)
    for index in look_indices(rollouts):
        failed += _canary_checks(rollouts, scenario, index, window=20)
        tracker.fail(failed > 2, rollouts.times[index])
    return tracker.finish(np.ones(reps, dtype=np.bool_))


def flagger(rollouts: Rollouts, scenario: Scenario) -> Decisions:
    reps = rollouts.requests.shape[0]
    tracker, failed = _Tracker(reps), np.zeros(reps, dtype=np.int64)
    for index in look_indices(rollouts):
        failed += _canary_checks(rollouts, scenario, index, window=LOOK_EVERY)
        tracker.fail(failed >= 5, rollouts.times[index])
    return tracker.finish(np.ones(reps, dtype=np.bool_))


def peeking_z(rollouts: Rollouts, scenario: Scenario) -> Decisions:
    reps = rollouts.requests.shape[0]
    tracker = _Tracker(reps)
    z_crit = float(special.ndtri(1.0 - ALPHA_EACH))
    mids = np.concatenate(
        [[BUCKETS[0] / 2], (np.array(BUCKETS[1:]) + BUCKETS[:-1]) / 2, [BUCKETS[-1]]]
    )
    for index in look_indices(rollouts):
        n = _delta(rollouts, rollouts.requests, WARMUP_SCRAPES - 1, index)
        bad = _delta(rollouts, rollouts.errors, WARMUP_SCRAPES - 1, index)
        sums = _delta(rollouts, rollouts.latency_sum, WARMUP_SCRAPES - 1, index)
        hist = np.diff(
            _delta(rollouts, rollouts.buckets, WARMUP_SCRAPES - 1, index), prepend=0.0, axis=-1
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            pooled = bad.sum(-1) / n.sum(-1)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n[:, 0] + 1 / n[:, 1]))
            z_err = (bad[:, 0] / n[:, 0] - bad[:, 1] / n[:, 1]) / se
            second = (hist * mids**2).sum(-1) / n
            var = np.maximum(second - (sums / n) ** 2, 1e-12)
            z_lat = (sums[:, 0] / n[:, 0] - sums[:, 1] / n[:, 1]) / np.sqrt((var / n).sum(-1))
        tracker.fail((z_err > z_crit) | (z_lat > z_crit), rollouts.times[index])
    return tracker.finish(np.ones(reps, dtype=np.bool_))


def _step_bounds(rollouts: Rollouts) -> list[tuple[int, int]]:
    """(first, last) scrape index of each step, the first step starting after the warm-up."""
    change = np.flatnonzero(np.diff(rollouts.weights)) + 1
    starts = [WARMUP_SCRAPES, *[int(c) for c in change if c > WARMUP_SCRAPES]]
    ends = [*[s - 1 for s in starts[1:]], rollouts.times.size - 1]
    return list(zip(starts, ends, strict=True))


def _points(rollouts: Rollouts, first: int, last: int) -> tuple[FloatArray, FloatArray]:
    """15-second error-ratio and p99 points [R, T, arm] (NaN where no traffic or no sample)."""
    seen = rollouts.observed[:, first - 1 : last + 1]
    n = np.diff(rollouts.requests[:, first - 1 : last + 1], axis=1).astype(np.float64)
    err = np.diff(rollouts.errors[:, first - 1 : last + 1], axis=1)
    hist = np.diff(rollouts.buckets[:, first - 1 : last + 1], axis=1).astype(np.float64)
    ok = seen[:, 1:] & seen[:, :-1] & (n > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(ok, err / n, np.nan)
    p99 = np.where(ok, prom.histogram_quantiles(0.99, hist, BUCKETS), np.nan)
    return rate, p99


def kayenta(rollouts: Rollouts, scenario: Scenario) -> Decisions:
    reps = rollouts.requests.shape[0]
    tracker, steps = _Tracker(reps), _step_bounds(rollouts)
    rng = np.random.default_rng(scenario.seed)
    params = ClassifierParams()
    last_score = np.zeros(reps)
    for number, (first, last) in enumerate(steps):
        series = _points(rollouts, first, last)
        for rep in range(reps):
            if np.isfinite(tracker.when[rep]):
                continue
            labels = []
            for values in series:
                ctl, exp = values[rep, :, 1], values[rep, :, 0]
                result = classify(
                    ctl[~np.isnan(ctl)],
                    exp[~np.isnan(exp)],
                    direction="increase",
                    params=params,
                    rng=rng,
                )
                labels.append(MetricOutcome(result.label, ("service",)))
            last_score[rep] = score(labels, {}).summary
        final = number == len(steps) - 1
        stop = (last_score <= 75.0) | (final & (last_score < 95.0))
        tracker.fail(stop, rollouts.times[last])
    return tracker.finish(last_score >= 95.0)
