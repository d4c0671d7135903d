"""``mann-whitney`` in a run: Kayenta's classification per metric, one score per group."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from analysis.comparisons.kayenta import measure_mann_whitney
from analysis.measured import Measured
from analysis.providers.base import Matrix, QueryResult, Series
from analysis.spec import CompiledRun
from tests.fakes.metrics import QueryProvider
from tests.unit.analysis.comparisons.test_plan import kayenta
from tests.unit.analysis.comparisons.world import T0, minutes, run_of

NOW = T0 + minutes(40)


def points(level: float, *, phase: float = 0.0, n: int = 31) -> Matrix:
    values = tuple((float(i), level * (1.0 + 0.02 * math.sin(i + phase))) for i in range(n))
    return Matrix((Series({}, values),))


def world(candidate: dict[str, float | None]):  # type: ignore[no-untyped-def]
    """Stable at 1.0 for every metric; the candidate at the given level (None: no series)."""

    def ranged(expr: str, start: datetime, end: datetime, step: timedelta) -> QueryResult:
        name = expr.split("{", maxsplit=1)[0]
        if 'v="s"' in expr:
            return points(1.0, phase=1.0)
        level = candidate.get(name, 1.0)
        return Matrix(()) if level is None else points(level)

    return QueryProvider(lambda expr, at: Matrix(()), ranged)


def judge(run: CompiledRun, provider: QueryProvider, name: str, *, final: bool) -> Measured:
    return measure_mann_whitney(
        run.metric(name), provider, now=NOW, started_at=T0, state=None, final=final
    )


def test_a_passing_metric_waits_for_its_final_look() -> None:
    run, provider = run_of(kayenta("cpu")), world({})
    early = judge(run, provider, "cpu", final=False).measurement
    assert early.phase == "Running"
    assert "passing so far" in (early.message or "")
    last = judge(run, provider, "cpu", final=True).measurement
    assert last.phase == "Successful"
    assert last.metadata["kayentaLabel"] == "Pass" and last.metadata["kayentaScore"] == "100"
    assert last.confidence == 0.98 and last.p_value is None
    assert last.lower is not None and last.upper is not None and last.lower < 0 < last.upper
    assert (last.candidate_samples, last.stable_samples) == (31, 31)


def test_a_higher_candidate_fails_at_any_look() -> None:
    m = judge(run_of(kayenta("cpu")), world({"cpu": 1.6}), "cpu", final=False).measurement
    assert m.phase == "Failed"
    assert (m.message or "").startswith("Kayenta score 0 (pass 95, marginal 75): fail; ")
    assert "Kayenta label High" in (m.message or "")
    assert m.estimate is not None and m.estimate > 0.5


def test_the_range_is_the_metrics_window_at_the_measurement_time() -> None:
    provider = world({})
    judge(run_of(kayenta("cpu")), provider, "cpu", final=False)
    assert {a.window for a in provider.asked} == {(NOW - minutes(30), NOW, minutes(1))}


def four(**extra: Any) -> CompiledRun:
    return run_of(*(kayenta(n) for n in ("cpu", "memory", "errors", "disk")), **extra)


def test_one_high_metric_of_four_scores_75_marginal_for_every_member() -> None:
    run, provider = four(), world({"memory": 1.6})
    phases = {n: judge(run, provider, n, final=True).measurement for n in ("cpu", "memory")}
    assert {n: m.phase for n, m in phases.items()} == {
        "cpu": "Inconclusive",
        "memory": "Inconclusive",
    }
    assert phases["cpu"].metadata["kayentaScore"] == "75"
    assert phases["memory"].metadata["kayentaLabel"] == "High"
    assert "others: memory High, errors Pass, disk Pass" in (phases["cpu"].message or "")


def test_group_weights_decide_the_score() -> None:
    grouped = [kayenta(n, kayenta={"groups": ["system"]}) for n in ("cpu", "memory")]
    run = run_of(*grouped, kayenta("errors"), kayenta={"groupWeights": {"system": 80}})
    m = judge(run, world({"memory": 1.6}), "errors", final=True).measurement
    assert m.metadata["kayentaScore"] == "60"  # system 50 × 0.8 + errors 100 × 0.2
    assert m.metadata["kayentaGroups"] == "system=50, errors=100"
    assert m.phase == "Failed"


def test_a_critical_metric_that_fails_fails_the_group() -> None:
    run = run_of(
        kayenta("cpu", critical=True), *(kayenta(n) for n in ("memory", "errors", "disk", "net"))
    )
    m = judge(run, world({"cpu": 1.6}), "net", final=True).measurement
    assert (m.phase, m.metadata["kayentaScore"]) == ("Failed", "0")


def test_muted_and_dry_run_metrics_do_not_count() -> None:
    run = run_of(
        kayenta("cpu"),
        kayenta("memory", kayenta={"muted": True}),
        kayenta("disk"),
        dryRun=[{"metricName": "disk"}],
    )
    m = judge(run, world({"memory": 1.6, "disk": 1.6}), "cpu", final=True).measurement
    assert (m.phase, m.metadata["kayentaScore"]) == ("Successful", "100")


def test_a_metric_without_data_is_never_successful_itself() -> None:
    run, provider = four(), world({"disk": None})
    disk = judge(run, provider, "disk", final=True).measurement
    cpu = judge(run, provider, "cpu", final=True).measurement
    assert disk.metadata["kayentaLabel"] == "Nodata"
    assert (disk.phase, cpu.phase) == ("Inconclusive", "Successful")
    assert "no data at this look, so no success" in (disk.message or "")


def test_wrong_shapes_are_errors_for_the_whole_group() -> None:
    def two_series(expr: str, start: datetime, end: datetime, step: timedelta) -> QueryResult:
        return Matrix((Series({"pod": "a"}, ((0.0, 1.0),)), Series({"pod": "b"}, ((0.0, 1.0),))))

    provider = QueryProvider(lambda expr, at: Matrix(()), two_series)
    m = judge(four(), provider, "disk", final=False).measurement
    assert m.phase == "Error"
    assert "cpu candidate.query returned 2 series" in (m.message or "")


def test_without_a_range_query_the_measurement_says_what_is_missing() -> None:
    body = kayenta("cpu")
    del body["provider"]["prometheus"]["rangeQuery"]
    m = judge(run_of(body), world({}), "cpu", final=False).measurement
    assert m.phase == "Error"
    assert "mann-whitney needs provider.prometheus.rangeQuery" in (m.message or "")
