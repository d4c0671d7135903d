"""``mann-whitney`` in a run: Kayenta's classification and score, one judgement per look.

At each look the metric range-queries both versions over its ``rangeQuery`` window (evaluated
at `now`), and Kayenta's NetflixACAJudge classifies them (`analysis.judges.kayenta`). When a
run holds several ``mann-whitney`` metrics they form one canary configuration, as in Kayenta:
every look classifies *all* of them and scores the groups (``comparison.kayenta.groups`` and
the template's ``spec.kayenta.groupWeights``), so each metric of the group records the same
score and its own classification. The score maps as Argo Rollouts' Kayenta provider maps it
(the score truncated to an integer): at least ``passScore`` passes, at least ``marginalScore``
is **Inconclusive**, below is **Failed**.

Kayenta is a fixed-horizon rule, so a passing score is **Successful only at the final look**
(``count``) and Running before; a marginal or failing score decides at any look. Departures
from Kayenta, all towards caution: a metric whose classification is ``Error`` makes the
measurement Error (Kayenta would leave it out of the score and could pass); a metric with no
data (``Nodata``) is never Successful itself, whatever the score. Each member queries every
peer (2 × k range queries for k metrics); a query that fails is an Error for the whole group.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from analysis.comparisons.common import BadShape, Look, finish, plan_of, safely
from analysis.comparisons.plan import KayentaPeer, KayentaPlan
from analysis.judges.kayenta.judge import (
    Classified,
    MannWhitneyObservation,
    classify_observation,
    kayenta_reason,
)
from analysis.judges.kayenta.scorer import MetricOutcome, ScoreResult, argo_outcome, score
from analysis.judges.result import ComparisonResult, Outcome
from analysis.measured import Measured
from analysis.providers.base import Matrix, MetricProvider, QueryResult
from analysis.spec import CompiledMetric
from analysis.templating import Rendered

__all__ = ["measure_mann_whitney"]


def measure_mann_whitney(
    metric: CompiledMetric,
    provider: MetricProvider,
    *,
    now: datetime,
    started_at: datetime,
    state: str | None,
    final: bool,
) -> Measured:
    """One look of a ``mann-whitney`` metric and its group (the `ComparisonMeasurer` protocol)."""
    del state  # Kayenta judges each window afresh
    queries: dict[str, Rendered] = {}

    def body() -> Measured:
        group = plan_of(metric).kayenta
        if group is None:
            raise BadShape("the metric is not planned as mann-whitney")
        classified: dict[str, Classified] = {}
        for peer in group.peers:
            shown = queries if peer.name == metric.name else {}
            observation = _observe(peer, provider, now=now, started_at=started_at, shown=shown)
            classified[peer.name] = classify_observation(peer.config, observation)
        _refuse_errors(classified)
        scored = score([_outcome_of(p, classified[p.name]) for p in group.peers], group.weights)
        verdict = argo_outcome(
            scored.summary, pass_threshold=group.pass_score, marginal_threshold=group.marginal_score
        )
        own = classified[metric.name]
        result = _result(metric, group, own, classified, scored, verdict=verdict, final=final)
        look = Look(
            now=now,
            final=final,
            queries=queries,
            missing=own.classification.label == "Nodata",
            metadata=_metadata(own, scored),
        )
        return finish(metric, result, look=look, state=None, ratio=False)

    return safely(metric, now=now, queries=queries, body=body)


def _observe(
    peer: KayentaPeer,
    provider: MetricProvider,
    *,
    now: datetime,
    started_at: datetime,
    shown: dict[str, Rendered],
) -> MannWhitneyObservation:
    if peer.window is None:
        raise BadShape(f"{peer.name}: mann-whitney needs provider.prometheus.rangeQuery")
    start, end = peer.window.at(now)
    sides: dict[str, tuple[float, ...]] = {}
    for side, template in (("candidate", peer.candidate), ("stable", peer.stable)):
        query = template.render(elapsed=now - started_at)
        shown[f"{side}.query"] = query
        result = provider.query_range(expr=query.text, start=start, end=end, step=peer.window.step)
        sides[side] = _points(result, what=f"{peer.name} {side}.query")
    return MannWhitneyObservation(candidate=sides["candidate"], stable=sides["stable"])


def _points(result: QueryResult, *, what: str) -> tuple[float, ...]:
    """The values of the one series of a range result (none: no data)."""
    if not isinstance(result, Matrix):
        raise BadShape(f"{what} must be a range query (provider.prometheus.rangeQuery)")
    if not result.series:
        return ()
    if len(result.series) > 1:
        raise BadShape(
            f"{what} returned {len(result.series)} series; aggregate them into one, e.g. avg(…)"
        )
    return tuple(v for _, v in result.series[0].points)


def _refuse_errors(classified: Mapping[str, Classified]) -> None:
    for name, item in classified.items():
        if item.classification.label == "Error":
            raise BadShape(f"Kayenta could not classify {name}: {item.classification.reason}")


def _outcome_of(peer: KayentaPeer, item: Classified) -> MetricOutcome:
    c = item.classification
    return MetricOutcome(c.label, peer.groups, critical=c.critical, muted=peer.muted)


def _result(
    metric: CompiledMetric,
    group: KayentaPlan,
    own: Classified,
    classified: Mapping[str, Classified],
    scored: ScoreResult,
    *,
    verdict: str,
    final: bool,
) -> ComparisonResult[None]:
    outcome: Outcome = "Failed" if verdict == "Failed" else "Inconclusive"
    if verdict == "Successful":
        outcome = "Successful" if final else "Running"
    config = next(p.config for p in group.peers if p.name == metric.name)
    interval = own.classification.interval
    nan = float("nan")
    return ComparisonResult(
        outcome=outcome,
        statistic="Kayenta score",
        statistic_value=scored.summary,
        p_value=None,
        estimate=interval.estimate if interval else nan,
        lower=interval.lower if interval else nan,
        upper=interval.upper if interval else nan,
        confidence=config.params.confidence,
        candidate_n=float(own.candidate_n),
        stable_n=float(own.stable_n),
        reason=_reason(metric.name, group, classified, scored, verdict=verdict, final=final),
        state=None,
        critical=own.classification.critical,
    )


def _reason(
    name: str,
    group: KayentaPlan,
    classified: Mapping[str, Classified],
    scored: ScoreResult,
    *,
    verdict: str,
    final: bool,
) -> str:
    """The score against the thresholds, this metric's classification, the others' labels."""
    tolerance = next(p.config.params.tolerance for p in group.peers if p.name == name)
    others = ", ".join(
        f"{other} {item.classification.label}"
        for other, item in classified.items()
        if other != name
    )
    return (
        f"Kayenta score {scored.summary:g} (pass {group.pass_score:g}, marginal "
        f"{group.marginal_score:g}): {_word(verdict, final=final)}; "
        f"{kayenta_reason(classified[name].classification, tolerance)}"
        + (f"; others: {others}" if others else "")
    )


def _word(verdict: str, *, final: bool) -> str:
    if verdict == "Successful":
        return "pass" if final else "passing so far (Kayenta passes at the final look)"
    return "marginal" if verdict == "Inconclusive" else "fail"


def _metadata(own: Classified, scored: ScoreResult) -> dict[str, str]:
    groups = ", ".join(
        f"{g.name}={'no data' if g.no_data else f'{g.score:g}'}" for g in scored.groups
    )
    return {
        "kayentaLabel": own.classification.label,
        "kayentaScore": f"{scored.summary:g}",
        "kayentaGroups": groups,
    }
