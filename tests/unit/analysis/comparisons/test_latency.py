"""``sequential-latency`` in a run: bucket vectors by ``le`` → increments → judge."""

from __future__ import annotations

import math
import re
from datetime import datetime

import pytest

from analysis.comparisons.latency import buckets, increments, measure_latency
from analysis.comparisons.state import decode_latency
from analysis.judges.sequential_latency import LatencyConfig
from analysis.measured import Measured
from analysis.providers.base import QueryResult, Sample, Scalar, Vector
from analysis.spec import CompiledMetric
from tests.fakes.metrics import QueryProvider
from tests.unit.analysis.comparisons.test_plan import latency
from tests.unit.analysis.comparisons.world import T0, minutes, run_of

LE = ("0.1", "0.25", "0.5", "1", "+Inf")
HEALTHY = (0.50, 0.90, 0.98, 0.995, 1.0)  # cumulative share of requests at each le
SLOW_TAIL = (0.50, 0.90, 0.93, 0.96, 1.0)  # median unchanged, the slowest 7 % slower


def histogram(total: float, shape: tuple[float, ...]) -> Vector:
    return Vector(
        tuple(Sample({"le": le}, math.floor(total * s)) for le, s in zip(LE, shape, strict=True))
    )


def world(candidate: tuple[float, ...] | None, *, rate: float = 100.0):  # type: ignore[no-untyped-def]
    def answer(expr: str, at: datetime) -> QueryResult:
        seconds = (at - T0).total_seconds()
        if 'v="c"' in expr:
            return Vector(()) if candidate is None else histogram(rate * seconds, candidate)
        return histogram(9 * rate * seconds, HEALTHY)

    return answer


def metric() -> CompiledMetric:
    return run_of(latency()).metrics[0]


def look(
    provider: QueryProvider, at: datetime, *, state: str | None = None, final: bool = False
) -> Measured:
    return measure_latency(metric(), provider, now=at, started_at=T0, state=state, final=final)


def test_buckets_are_read_by_le_and_sorted() -> None:
    vector = Vector(
        (Sample({"le": "+Inf"}, 10.0), Sample({"le": "0.5"}, 7.0), Sample({"le": "0.1"}, 2.0))
    )
    assert buckets(vector, what="q") == ((0.1, 0.5), (2.0, 7.0, 10.0))
    assert buckets(Vector(()), what="q") is None


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (Scalar(1.0), "must return one series per le"),
        (Vector((Sample({}, 1.0),)), "without an le label"),
        (
            Vector((Sample({"le": "1", "pod": "a"}, 1.0), Sample({"le": "1", "pod": "b"}, 1.0))),
            "several series for le=1",
        ),
        (Vector((Sample({"le": "1"}, 1.0),)), 'no le="+Inf" bucket'),
        (Vector((Sample({"le": "+Inf"}, -1.0),)), "returned -1 requests"),
    ],
)
def test_wrong_shapes_are_named(result: QueryResult, message: str) -> None:
    from analysis.comparisons.common import BadShape

    with pytest.raises(BadShape, match=re.escape(message)):
        buckets(result, what="candidate.query")


def test_increments_keep_every_bucket_from_going_backwards() -> None:
    assert increments((2.0, 7.0, 10.0), (0, 0, 0)) == ((2, 7, 10), False)
    # le=0.1 fell from 3 to 2: its own count is kept, the others still grow
    assert increments((2.0, 9.0, 14.0), (3, 7, 10)) == ((0, 3, 5), True)


def test_a_tail_only_regression_fails_and_names_the_boundary() -> None:
    provider, state, m = QueryProvider(world(SLOW_TAIL)), None, None
    for minute in range(1, 11):
        measured = look(provider, T0 + minutes(minute), state=state)
        state, m = measured.state, measured.measurement
        if m.phase == "Failed":
            break
    assert m is not None and m.phase == "Failed", m
    assert "slow-request ratio above 1 8×" in (m.message or "")
    assert m.estimate is not None and m.estimate > 1.1  # the p99 ratio, capped at le=1


def test_the_same_distribution_is_shown_within_the_margin_at_the_final_look() -> None:
    provider, state = QueryProvider(world(HEALTHY, rate=1000)), None
    phases = []
    for minute in range(1, 11):
        measured = look(provider, T0 + minutes(minute), state=state, final=minute == 10)
        state = measured.state
        phases.append(measured.measurement.phase)
    assert phases[-1] == "Successful"
    decoded = decode_latency(state, LatencyConfig().grid)
    assert decoded is not None and decoded.looks == 10
    assert decoded.candidate[-1] == 600_000


def test_no_buckets_yet_is_running_and_keeps_no_state() -> None:
    provider = QueryProvider(lambda expr, at: Vector(()))
    measured = look(provider, T0 + minutes(1))
    assert (measured.measurement.phase, measured.state) == ("Running", None)
    assert measured.measurement.value == "no data"
    final = look(provider, T0 + minutes(1), final=True)
    assert final.measurement.phase == "Inconclusive"


def test_one_side_missing_feeds_nothing() -> None:
    provider = QueryProvider(world(None))
    measured = look(provider, T0 + minutes(1))
    assert measured.measurement.phase == "Running"
    assert "no data yet from candidate" in (measured.measurement.message or "")
    decoded = decode_latency(measured.state, LatencyConfig().grid)
    assert decoded is not None and decoded.stable[-1] == 0


def test_different_or_changing_buckets_are_errors() -> None:
    def uneven(expr: str, at: datetime) -> QueryResult:
        les = ("0.5", "+Inf") if 'v="c"' in expr else ("1", "+Inf")
        return Vector(tuple(Sample({"le": le}, 1.0) for le in les))

    m = look(QueryProvider(uneven), T0 + minutes(1)).measurement
    assert m.phase == "Error" and "different buckets" in (m.message or "")
    state = look(QueryProvider(world(HEALTHY)), T0 + minutes(1)).state

    def fewer(expr: str, at: datetime) -> QueryResult:
        return Vector((Sample({"le": "0.5"}, 1.0), Sample({"le": "+Inf"}, 2.0)))

    m = look(QueryProvider(fewer), T0 + minutes(2), state=state).measurement
    assert m.phase == "Error" and "changed since the previous look" in (m.message or "")
