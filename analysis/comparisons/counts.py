"""``sequential-counts`` in a run: four cumulative counts → this look's increments → the judge.

Each side's ``query`` (bad events) and ``totalQuery`` (all events) count *since the run
started* — ``sum(increase(x[{{elapsed}}]))`` — and are evaluated at the same time `now`. The
judge wants the events since its previous look, so the measurer subtracts what it already fed
the judge (the totals kept in its state). That is restart-safe and gap-safe: a look that errored
or was missed leaves its events to the next one.

Prometheus' ``increase()`` handles counter resets inside the window, but extrapolates at the
window's edges, so the cumulative count of one look can come out slightly *below* the previous
one's (a scrape missing at an edge). A count never goes backwards here: each of the four is fed
as its running maximum, rounded to whole events, and the fall is reported in the reason. Missing
data is never a pass:

* a side whose ``totalQuery`` returns no series has **no data**: nothing is fed for either side
  (the other side's events wait for the next look) and the look is Running — Inconclusive if it
  is the final one;
* a ``query`` (bad events) with no series while its total has some means **no bad events yet**:
  an error series such as ``response_code=~"5.."`` does not exist until the first error.

With ``trafficSplit`` the candidate's share of all events is checked against the expected weight
(an anytime-valid sample-ratio-mismatch test) and reported in the reason and the metadata; with
``failOnMismatch`` a mismatch fails the metric. The expected weight is one number per run, so
the check belongs in a step's analysis (pass the step's weight as an argument), not in a
background analysis that spans several weights.
"""

from __future__ import annotations

from datetime import datetime

from analysis.comparisons.common import (
    BadShape,
    Look,
    ask,
    finish,
    one_count,
    plan_of,
    rendered,
    safely,
)
from analysis.comparisons.state import decode_counts, encode_counts
from analysis.judges.sequential_counts import (
    CountsConfig,
    CountsObservation,
    CountsState,
    judge_counts,
)
from analysis.measured import Measured
from analysis.providers.base import MetricProvider
from analysis.spec import CompiledMetric
from analysis.templating import Rendered

__all__ = ["KEYS", "feed", "measure_counts"]

KEYS = ("candidate.query", "candidate.totalQuery", "stable.query", "stable.totalQuery")


def measure_counts(
    metric: CompiledMetric,
    provider: MetricProvider,
    *,
    now: datetime,
    started_at: datetime,
    state: str | None,
    final: bool,
) -> Measured:
    """One look of a ``sequential-counts`` metric (the `ComparisonMeasurer` protocol)."""
    queries: dict[str, Rendered] = {}

    def body() -> Measured:
        queries.update(rendered(metric, KEYS, now=now, started_at=started_at))
        plan = plan_of(metric)
        config = plan.config
        if not isinstance(config, CountsConfig) or plan.alpha is None:
            raise BadShape("the metric is not planned as sequential-counts")
        counts = {k: one_count(ask(provider, q, now=now), what=k) for k, q in queries.items()}
        carried = decode_counts(state, config.grid)
        increments, notes, missing = feed(counts, carried or CountsState())
        observation = CountsObservation(*increments, configured_weight=plan.expected_weight)
        result = judge_counts(config, observation, state=carried, alpha=plan.alpha, final=final)
        look = Look(now=now, final=final, queries=queries, notes=notes, missing=missing)
        encoded = encode_counts(result.state, config.grid)
        return finish(metric, result, look=look, state=encoded)

    return safely(metric, now=now, queries=queries, body=body)


def feed(
    counts: dict[str, float | None], fed: CountsState
) -> tuple[tuple[int, int, int, int], list[str], bool]:
    """This look's increments (candidate bad, total, stable bad, total), notes, no-data flag."""
    notes: list[str] = []
    missing = [side for side in ("candidate", "stable") if counts[f"{side}.totalQuery"] is None]
    if missing:
        sides = " and ".join(missing)
        notes.append(f"no data yet from {sides} (totalQuery returned no series)")
        return (0, 0, 0, 0), notes, True
    before = (fed.candidate_bad, fed.candidate_total, fed.stable_bad, fed.stable_total)
    increments: list[int] = []
    for key, already in zip(KEYS, before, strict=True):
        value = counts[key]
        now = round(value) if value is not None else 0
        if now < already:
            notes.append(f"{key} fell from {already} to {now} (reset or extrapolation): ignored")
        increments.append(max(now, already) - already)
    cb, ct, sb, st = increments
    return (cb, ct, sb, st), notes, False
