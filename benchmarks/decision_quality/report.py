"""Turn per-rollout decisions into the table rows of statistics.md §7.1."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from benchmarks.decision_quality.methods import PROMOTED, ROLLBACK, Decisions
from benchmarks.decision_quality.scenarios import Scenario
from benchmarks.decision_quality.simulate import SCRAPE, Rollouts

__all__ = ["Row", "markdown", "summarize"]


@dataclass(frozen=True)
class Row:
    scenario: str
    group: str
    method: str
    reps: int
    null: bool
    rollback: float
    ci_low: float
    ci_high: float
    ttd_median: float
    ttd_p90: float
    requests_median: float
    excess_bad: float
    promoted: float
    inconclusive: float
    promote_seconds: float
    oracle: float


def summarize(
    scenario: Scenario, method: str, rollouts: Rollouts, decisions: Decisions, *, oracle: float
) -> Row:
    """Rates with a Clopper-Pearson 95 % CI, detection times and harm per rollout."""
    reps = decisions.outcome.size
    rolled = decisions.outcome == ROLLBACK
    ci = stats.binomtest(int(rolled.sum()), reps).proportion_ci(0.95)
    times = decisions.when[rolled]
    when = np.where(rolled, decisions.when, rollouts.times[-1])
    index = np.clip(np.round(when / SCRAPE).astype(np.int64) - 1, 0, rollouts.times.size - 1)
    canary = rollouts.requests[np.arange(reps), index, 0].astype(np.float64)
    excess_rate = scenario.p0 * (scenario.error_ratio - 1.0) + scenario.new_error
    promoted = decisions.outcome == PROMOTED
    return Row(
        scenario=scenario.name,
        group=scenario.group,
        method=method,
        reps=reps,
        null=scenario.is_null,
        rollback=float(rolled.mean()),
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        ttd_median=float(np.median(times)) if times.size else math.nan,
        ttd_p90=float(np.percentile(times, 90)) if times.size else math.nan,
        requests_median=float(np.median(canary[rolled])) if times.size else math.nan,
        excess_bad=float(np.mean(canary * excess_rate)),
        promoted=float(promoted.mean()),
        inconclusive=float(np.mean(~promoted & ~rolled)),
        promote_seconds=scenario.duration if promoted.any() else math.nan,
        oracle=oracle,
    )


def _num(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞"
    return f"{value:,.{digits}f}"


def markdown(rows: list[Row]) -> str:
    """The README table: one line per scenario × method."""
    head = (
        "| scenario | method | n | rollback % [95% CI] | TTD median / p90 (s) | canary req. at "
        "detection | excess bad req. | promoted % | inconclusive % | SPRT oracle (s) |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in rows:
        rate = f"{100 * r.rollback:.1f} [{100 * r.ci_low:.1f}–{100 * r.ci_high:.1f}]"
        ttd = f"{_num(r.ttd_median)} / {_num(r.ttd_p90)}"
        excess = "—" if r.group == "latency" or r.null else _num(r.excess_bad, 1)
        lines.append(
            f"| {r.scenario} | {r.method} | {r.reps} | {rate} | {ttd} | "
            f"{_num(r.requests_median)} | {excess} | {100 * r.promoted:.1f} | "
            f"{100 * r.inconclusive:.1f} | {_num(r.oracle)} |"
        )
    return head + "\n".join(lines) + "\n"
